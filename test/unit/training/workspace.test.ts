import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { lintPython, lintSyntaxTree } from '../../../src/lint/lint';
import { lintFileText } from '../../../src/lint/lintFile';
import { parseSyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { diskHost, WorkspaceIndex } from '../../../src/parsing/workspace/index';
import { RULES } from '../../../src/rules/catalogue';
import { EMPTY_CONFIG } from '../../../src/rules/config';

const MODELS = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(16), Block(16))
        self.drop = nn.Dropout(0.2)


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
`;

const TRAIN = (importLine: string, ctor: string) => `import torch
from torch.utils.data import DataLoader
${importLine}

model = ${ctor}
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(train_set, batch_size=2, shuffle=True)
for x, y in loader:
    optimizer.zero_grad()
    model(x).sum().backward()
    optimizer.step()
`;

/** The temporary projects the tests made, removed when they are done. */
const projectDirs: string[] = [];

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-ws-'));
  projectDirs.push(dir);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "demo"\n');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function codes(dir: string, rel: string, index: WorkspaceIndex): string[] {
  const file = path.join(dir, rel);
  return lintPython(fs.readFileSync(file, 'utf8'), EMPTY_CONFIG, RULES, { external: index.lookupFor(file) }).findings.map((f) => f.code);
}

describe('workspace index: models imported from the workspace', () => {
  after(() => {
    for (const dir of projectDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('resolves `from models import Net`, `import models`, relative and star imports, and __init__ re-exports', () => {
    const dir = tempProject({
      'models.py': MODELS,
      'train_from.py': TRAIN('from models import Net', 'Net()'),
      'train_module.py': TRAIN('import models as m', 'm.Net()'),
      'pkg/__init__.py': 'from .nets import Net\n',
      'pkg/nets.py': 'from .blocks import *\n',
      'pkg/blocks.py': MODELS,
      'pkg/train_rel.py': TRAIN('from .nets import Net', 'Net()'),
      'train_pkg.py': TRAIN('from pkg import Net', 'Net()'),
      'train_plain.py': TRAIN('from models import Plain', 'Plain()'),
      'train_missing.py': TRAIN('from nowhere import Net', 'Net()'),
    });
    const index = new WorkspaceIndex([dir]);
    assert.deepStrictEqual(codes(dir, 'train_from.py', index), ['NRM102']);
    assert.deepStrictEqual(codes(dir, 'train_module.py', index), ['NRM102']);
    assert.deepStrictEqual(codes(dir, 'pkg/train_rel.py', index), ['NRM102']);
    assert.deepStrictEqual(codes(dir, 'train_pkg.py', index), ['NRM102']);
    assert.deepStrictEqual(codes(dir, 'train_plain.py', index), []);
    assert.deepStrictEqual(codes(dir, 'train_missing.py', index), []);
    const facts = index.classFacts(path.join(dir, 'train_pkg.py'), 'Net');
    assert.strictEqual(facts?.evidence, 'workspace');
    assert.strictEqual(facts?.definitionFile, 'pkg/blocks.py');
    assert.deepStrictEqual(facts?.batchNorms.map((b) => `${b.kind}@${b.file}`), ['BatchNorm2d@pkg/blocks.py']);
  });

  it("a model class of another file built without the BatchNorm its constructor makes optional (`MLP()`, `use_bn=False` by default; `MLP(64, USE_BN)`)", () => {
    const mlp = 'import torch.nn as nn\n\n\nclass MLP(nn.Module):\n    def __init__(self, hidden=64, use_bn=False):\n        super().__init__()\n        self.fc = nn.Linear(20, hidden)\n        self.bn = nn.BatchNorm1d(hidden) if use_bn else nn.Identity()\n';
    const dir = tempProject({
      'models.py': mlp,
      'train_default.py': TRAIN('from models import MLP', 'MLP()'),
      'train_keyword.py': TRAIN('from models import MLP', 'MLP(use_bn=True)'),
      'train_constant.py': TRAIN('from models import MLP\nUSE_BN = True', 'MLP(64, USE_BN)'),
      'train_unknown.py': TRAIN('from models import MLP', 'MLP(use_bn=args.bn)'),
    });
    const index = new WorkspaceIndex([dir]);
    assert.deepStrictEqual(codes(dir, 'train_default.py', index), []);
    assert.deepStrictEqual(codes(dir, 'train_keyword.py', index), ['NRM104', 'NRM102']);
    assert.deepStrictEqual(codes(dir, 'train_constant.py', index), ['NRM104', 'NRM102']);
    // A value not known here may build it: the layer counts.
    assert.deepStrictEqual(codes(dir, 'train_unknown.py', index), ['NRM104', 'NRM102']);
    // One answer per class and values passed (an open document's analysis keeps what it computed while the answer is the same object).
    const file = path.join(dir, 'train_keyword.py');
    const on = { positional: [], keywords: [['use_bn', true]] as const, splat: false };
    const lookup = index.lookupFor(file);
    assert.strictEqual(lookup('MLP', undefined, on), lookup('MLP', undefined, { ...on }));
    assert.notStrictEqual(lookup('MLP', undefined, on), lookup('MLP', undefined, { positional: [], keywords: [], splat: false }));
  });

  it("a model's sub-blocks and bases from other workspace files count (U-Net style `from .parts import *`); a dataset class is no model", () => {
    const PARTS = 'import torch.nn as nn\n\n\nclass DoubleConv(nn.Module):\n    def __init__(self, cin, cout):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(cin, cout, 3, bias=False), nn.BatchNorm2d(cout), nn.ReLU())\n\n\nclass Head(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.drop = nn.Dropout(0.1)\n';
    const UNET = 'from .parts import *\nfrom .base import Base\n\n\nclass UNet(Base):\n    def __init__(self):\n        super().__init__()\n        self.inc = DoubleConv(3, 64)\n        self.down = DoubleConv(64, 128)\n';
    const BASE = 'import torch.nn as nn\n\n\nclass Base(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.head = Head(8)\n\n\nfrom .parts import Head\n';
    const DATA = 'from torch.utils.data import Dataset\n\n\nclass Carvana(Dataset):\n    def __init__(self, root):\n        self.root = root\n';
    const SCRIPT = 'import torch\nfrom torch.utils.data import DataLoader, random_split\nfrom unet import UNet\nfrom data import Carvana\n\nmodel = UNet()\ndataset = Carvana("x")\ntrain_set, val_set = random_split(dataset, [len(dataset) - 10, 10])\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(train_set, batch_size=2, shuffle=True)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';
    const VIT = 'import torch.nn as nn\nfrom timm.models.vision_transformer import VisionTransformer\n\n\nclass MyViT(VisionTransformer):\n    def __init__(self):\n        super().__init__()\n        self.head_bn = nn.BatchNorm1d(10)\n';
    const dir = tempProject({ 'unet/__init__.py': 'from .model import UNet\n', 'unet/model.py': UNET, 'unet/parts.py': PARTS, 'unet/base.py': BASE, 'data.py': DATA, 'vit.py': VIT, 'train.py': `from vit import MyViT\n${SCRIPT}` });
    const index = new WorkspaceIndex([dir]);
    const train = path.join(dir, 'train.py');
    const facts = index.classFacts(train, 'UNet');
    assert.deepStrictEqual(facts?.batchNorms.map((b) => `${b.kind}@${b.file}`), ['BatchNorm2d@unet/parts.py']);
    assert.deepStrictEqual(facts?.otherModeDependent.map((b) => `${b.kind}@${b.file}`), ['Dropout@unet/parts.py']);
    assert.strictEqual(index.classFacts(train, 'UNet'), facts, 'the same answer while the files are unchanged');
    assert.strictEqual(index.classFacts(train, 'Carvana'), undefined);
    // A subclass of a library's model class stays a model.
    assert.deepStrictEqual(index.classFacts(train, 'MyViT')?.batchNorms.map((b) => b.kind), ['BatchNorm1d']);
    assert.deepStrictEqual(codes(dir, 'train.py', index), ['NRM102']);
    // The sub-block's file changes: the merged facts follow.
    index.update(path.join(dir, 'unet/parts.py'), PARTS.replace('nn.BatchNorm2d(cout)', 'nn.GroupNorm(8, cout)'), '2');
    assert.deepStrictEqual(index.classFacts(train, 'UNet')?.batchNorms, []);
    assert.deepStrictEqual(codes(dir, 'train.py', index), []);
  });

  it('caches per-file summaries and re-reads a file when it changes (disk or editor buffer)', () => {
    const dir = tempProject({ 'models.py': MODELS, 'train.py': TRAIN('from models import Net', 'Net()') });
    const index = new WorkspaceIndex([dir]);
    const train = path.join(dir, 'train.py');
    assert.deepStrictEqual(codes(dir, 'train.py', index), ['NRM102']);
    const cached = index.size;
    assert.deepStrictEqual(codes(dir, 'train.py', index), ['NRM102']);
    assert.strictEqual(index.size, cached);
    // An editor buffer replaces BatchNorm with GroupNorm: the finding goes away.
    index.update(path.join(dir, 'models.py'), MODELS.replace('nn.BatchNorm2d(c)', 'nn.GroupNorm(4, c)'), '2');
    assert.deepStrictEqual(codes(dir, 'train.py', index), []);
    // Closing the buffer falls back to the file on disk.
    index.invalidate(path.join(dir, 'models.py'));
    assert.deepStrictEqual(codes(dir, 'train.py', index), ['NRM102']);
    // A change on disk (new size) is seen without an explicit invalidate.
    fs.writeFileSync(path.join(dir, 'models.py'), MODELS.replace('nn.BatchNorm2d(c)', 'nn.LayerNorm([c, 8, 8])'));
    assert.deepStrictEqual(codes(dir, 'train.py', index), []);
    assert.ok(index.classFacts(train, 'Net'));
  });

  it("an editor buffer's own imports come from the editor's tree: its lint does not parse it a second time", () => {
    const dir = tempProject({ 'models.py': MODELS, 'train.py': '' });
    const train = path.join(dir, 'train.py');
    const text = TRAIN('from models import Net', 'Net()');
    const index = new WorkspaceIndex([dir]);
    const tree = parseSyntaxTree(text);
    assert.ok(tree);
    index.update(train, text, '1', tree);
    const lint = () => lintSyntaxTree(tree, EMPTY_CONFIG, RULES, { external: index.lookupFor(train) }).findings.map((f) => f.code);
    assert.deepStrictEqual(lint(), ['NRM102']);
    // Only models.py was summarised (parsed): train.py's imports were read from its tree.
    assert.strictEqual(index.size, 1);
    // Without a tree (a buffer the caller did not parse), the file is parsed for its imports as before.
    index.update(train, `${text}\n`, '2');
    assert.deepStrictEqual(lintPython(`${text}\n`, EMPTY_CONFIG, RULES, { external: index.lookupFor(train) }).findings.map((f) => f.code), ['NRM102']);
    assert.strictEqual(index.size, 2);
  });

  it("a file the CLI parsed for its lint gives its own imports from that parse, while it is unchanged on disk", () => {
    const dir = tempProject({ 'models.py': MODELS, 'train.py': TRAIN('from models import Net', 'Net()') });
    const train = path.join(dir, 'train.py');
    const index = new WorkspaceIndex([dir]);
    const lint = () => {
      const result = lintFileText(train, fs.readFileSync(train, 'utf8'), { analysis: { external: index.lookupFor(train) }, parsed: (tree) => index.noteParsed(train, tree) });
      assert.ok(result.ok);
      return result.findings.map((f) => f.code);
    };
    assert.deepStrictEqual(lint(), ['NRM102']);
    // Only models.py was summarised (parsed): train.py's imports came from its lint's tree.
    assert.strictEqual(index.size, 1);
    // Changed on disk (`Net` is now another class): the noted imports no longer count.
    fs.writeFileSync(train, TRAIN('from models import Plain as Net', 'Net()'));
    assert.deepStrictEqual(codes(dir, 'train.py', index), []);
  });

  it('answers with the same facts object while the file they come from is unchanged, a new one once it changes', () => {
    const dir = tempProject({ 'models.py': MODELS, 'train.py': TRAIN('from models import Net', 'Net()') });
    const train = path.join(dir, 'train.py');
    const index = new WorkspaceIndex([dir]);
    const first = index.classFacts(train, 'Net');
    assert.ok(first);
    assert.strictEqual(index.lookupFor(train)('Net', undefined), first);
    assert.strictEqual(index.classFacts(train, 'Net'), first);
    index.update(path.join(dir, 'models.py'), MODELS.replace('nn.BatchNorm2d(c)', 'nn.GroupNorm(4, c)'), '2');
    const second = index.classFacts(train, 'Net');
    assert.notStrictEqual(second, first);
    assert.deepStrictEqual(second?.batchNorms, []);
  });

  it("reads a file's stamp once per lint, not once per name asked; the next lint reads the disk again", () => {
    const dir = tempProject({ 'models.py': MODELS, 'train.py': '' });
    const train = path.join(dir, 'train.py');
    const stats = new Map<string, number>();
    const disk = diskHost();
    const index = new WorkspaceIndex([dir], {
      read: (file) => disk.read(file),
      stamp: (file) => {
        stats.set(file, (stats.get(file) ?? 0) + 1);
        return disk.stamp(file);
      },
    });
    const text = `${TRAIN('from models import Net, Block, Plain\nfrom blocks import Extra', 'Net()')}b = Block(8)\np = Plain()\ne = Extra()\n`;
    const tree = parseSyntaxTree(text);
    assert.ok(tree);
    index.update(train, text, '1', tree);
    const lint = () => lintSyntaxTree(tree, EMPTY_CONFIG, RULES, { external: index.lookupFor(train) });
    lint();
    // models.py answers three names, and blocks.py (absent) is looked for in one folder: the file's, which is the root.
    assert.strictEqual(stats.get(path.join(dir, 'models.py')), 1);
    assert.strictEqual(stats.get(path.join(dir, 'blocks.py')), 1);
    // A module created between two lints is found by the second.
    fs.writeFileSync(path.join(dir, 'blocks.py'), 'import torch.nn as nn\n\n\nclass Extra(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(4)\n');
    const visited = new Set<string>();
    lintSyntaxTree(tree, EMPTY_CONFIG, RULES, { external: index.lookupFor(train, visited) });
    assert.ok(visited.has(path.join(dir, 'blocks.py')));
    assert.strictEqual(stats.get(path.join(dir, 'models.py')), 2);
  });

  it('survives import cycles, syntax errors and binary files', () => {
    const dir = tempProject({
      'a.py': 'from b import *\nfrom b import Net\n',
      'b.py': 'from a import *\nfrom a import Net\n',
      'broken.py': 'class Net(nn.Module:\n    def __init__(self):\n        self.bn = nn.BatchNorm2d(\n',
      'train.py': TRAIN('from a import Net', 'Net()'),
      'train2.py': TRAIN('from broken import Net', 'Net()'),
    });
    fs.writeFileSync(path.join(dir, 'bin.py'), Buffer.from([0, 1, 2, 0xff]));
    const index = new WorkspaceIndex([dir]);
    assert.deepStrictEqual(codes(dir, 'train.py', index), []);
    codes(dir, 'train2.py', index);
    assert.strictEqual(index.classFacts(path.join(dir, 'train.py'), 'bin.Net'), undefined);
  });

  it('the CLI builds the index over its paths and their project root', async () => {
    const dir = tempProject({ 'src/models.py': MODELS, 'src/train.py': TRAIN('from models import Net', 'Net()') });
    let out = '';
    const code = await main(['lint', '--format', 'json', '--fail-on', 'never', path.join(dir, 'src', 'train.py')], { out: (t) => (out += t), err: () => undefined });
    assert.strictEqual(code, 0);
    const json = JSON.parse(out) as { findings: { code: string; message: string }[] };
    assert.deepStrictEqual(json.findings.map((f) => f.code), ['NRM102']);
    assert.ok(json.findings[0]?.message.includes('Net is defined in src/models.py'), json.findings[0]?.message);
  });
});
