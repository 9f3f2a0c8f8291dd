import * as assert from 'assert';
import { argument, numberValue } from '../../../src/ir/model';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { definitionsIn } from '../../../src/parsing/python/modelBuilder';
import { PythonDocument } from '../../../src/parsing/python/document';
import { boolValue, showValue } from '../../../src/ir/values';

describe('Python front end: layer constructor calls', () => {
  it('recognises every torch import style and maps arguments to parameter names', () => {
    const ir = parsePythonModel(
      [
        'import torch',
        'import torch.nn as tnn',
        'from torch import nn',
        'from torch.nn import BatchNorm2d as BN, LayerNorm',
        'a = torch.nn.GroupNorm(8, 64)',
        'b = tnn.BatchNorm1d(32, 1e-3, momentum=0.2)',
        'c = nn.InstanceNorm2d(num_features=3, affine=True)',
        'd = BN(16)',
        'e = LayerNorm([64, 7, 7], elementwise_affine=False)',
        'f = torch.nn.modules.normalization.GroupNorm(2, 4)',
        'g = nn.functional.group_norm(x, 2)',
        'h = other.GroupNorm(3, 10)',
      ].join('\n'),
    );
    assert.deepStrictEqual(
      ir.layerCalls.map((c) => `${c.kind}@${c.span.start.line}`),
      ['GroupNorm@4', 'BatchNorm1d@5', 'InstanceNorm2d@6', 'BatchNorm2d@7', 'LayerNorm@8', 'GroupNorm@9'],
    );
    const bn = ir.layerCalls[1];
    assert.ok(bn);
    assert.strictEqual(numberValue(argument(bn, 'num_features')?.value), 32);
    assert.strictEqual(numberValue(argument(bn, 'eps')?.value), 0.001);
    assert.strictEqual(numberValue(argument(bn, 'momentum')?.value), 0.2);
    const inorm = ir.layerCalls[2];
    assert.deepStrictEqual(boolValue(argument(inorm, 'affine')?.value), true);
    const ln = ir.layerCalls[4];
    const shape = argument(ln, 'normalized_shape')?.value;
    assert.strictEqual(shape && showValue(shape), '[64, 7, 7]');
  });

  it('gives exact spans (0-based, UTF-16 columns)', () => {
    const text = 'import torch.nn as nn\ns = "ü😀"; m = nn.GroupNorm(2, 4)\n';
    const [call] = parsePythonModel(text).layerCalls;
    assert.ok(call);
    assert.deepStrictEqual(call.span.start, { line: 1, column: 15 });
    assert.strictEqual(text.slice(call.span.startOffset, call.span.endOffset), 'nn.GroupNorm(2, 4)');
    assert.strictEqual(text.slice(call.calleeSpan.startOffset, call.calleeSpan.endOffset), 'nn.GroupNorm');
  });

  it('treats `nn` as torch.nn when it is not imported (snippets), but not when bound to Flax', () => {
    assert.strictEqual(parsePythonModel('nn.BatchNorm2d(3)\n').layerCalls.length, 1);
    assert.deepStrictEqual(parsePythonModel('import flax.linen as nn\nnn.BatchNorm(use_running_average=True)\n').layerCalls.map((c) => `${c.framework}:${c.kind}`), ['flax:BatchNorm']);
  });

  it('reads negative, underscored and parenthesised literals; leaves the rest unknown', () => {
    const ir = parsePythonModel('import torch.nn as nn\nnn.GroupNorm((4), 1_024, eps=-1e-5, affine=flag)\n');
    const [call] = ir.layerCalls;
    assert.strictEqual(numberValue(argument(call, 'num_groups')?.value), 4);
    assert.strictEqual(numberValue(argument(call, 'num_channels')?.value), 1024);
    assert.strictEqual(numberValue(argument(call, 'eps')?.value), -1e-5);
    assert.deepStrictEqual(argument(call, 'affine')?.value, { kind: 'unknown', text: 'flag', reason: 'not defined in this file', symbol: 'module:flag' });
  });

  it('survives syntax errors, half-typed code and empty input', () => {
    assert.deepStrictEqual(parsePythonModel('').layerCalls, []);
    const ir = parsePythonModel('import torch.nn as nn\ndef broken(:\n    x = nn.GroupNorm(3, 10)\nnn.BatchNorm2d(64, momentum=\n');
    // Whatever parses is kept; calls containing errors are dropped rather than guessed.
    for (const call of ir.layerCalls) assert.ok(call.args.every((a) => a.value.kind !== 'unknown' || a.value.text.length > 0));
  });
});

describe('Python front end: nn.Sequential subclasses', () => {
  it('takes the arguments of super().__init__(...) as the children 0, 1, ... run in order (torchvision Conv2dNormActivation style)', () => {
    const ir = parsePythonModel(
      [
        'import torch.nn as nn',
        'from torch import nn as tnn',
        'class ConvNormAct(nn.Sequential):',
        '    def __init__(self, cin, cout, groups=8):',
        '        super().__init__(',
        '            nn.Conv2d(cin, cout, 3, padding=1, bias=False),',
        '            nn.GroupNorm(groups, cout),',
        '            nn.ReLU(inplace=True),',
        '        )',
        'class Head(tnn.Sequential):',
        '    def __init__(self):',
        '        tnn.Sequential.__init__(self, nn.Linear(4, 8), nn.BatchNorm1d(8))',
        'class NotSequential(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.fc = nn.Linear(4, 4)',
      ].join('\n'),
    );
    const byName = new Map(ir.classes.map((c) => [c.name, c]));
    const show = (name: string) => {
      const c = byName.get(name);
      assert.ok(c, name);
      return { layers: c.layers.map((l) => `${l.path}:${l.kind}`), flows: c.flows.map((f) => `${f.from.path}>${f.to.path}`) };
    };
    assert.deepStrictEqual(show('ConvNormAct'), { layers: ['0:Conv2d', '1:GroupNorm', '2:ReLU'], flows: ['0>1', '1>2'] });
    assert.deepStrictEqual(show('Head'), { layers: ['0:Linear', '1:BatchNorm1d'], flows: ['0>1'] });
    assert.deepStrictEqual(show('NotSequential').layers, ['fc:Linear']);
  });
});

describe('Python front end: names rebound to themselves', () => {
  it('reads `blocks = nn.Sequential(*blocks)` with the earlier `blocks` (timm stage builders), without recursing', () => {
    const ir = parsePythonModel(
      [
        'import torch.nn as nn',
        'class M(nn.Module):',
        '    def __init__(self, depth):',
        '        super().__init__()',
        '        blocks = [nn.Linear(4, 4)]',
        '        blocks = nn.Sequential(*blocks, nn.BatchNorm1d(4))',
        '        blocks = blocks',
        '        self.body = blocks',
        'def stage(depth):',
        '    blocks = []',
        '    for i in range(depth):',
        '        blocks.append(nn.Linear(4, 4))',
        '    blocks = nn.Sequential(*blocks)',
        '    return blocks',
      ].join('\n'),
    );
    const m = ir.classes.find((c) => c.name === 'M');
    assert.ok(m);
    assert.deepStrictEqual(m.layers.map((l) => [l.path, l.kind, (l.elements ?? []).map((e) => `${e.path}:${e.kind}`)]), [['body', 'Sequential', ['body.0:Linear', 'body.1:BatchNorm1d']]]);
  });
});

describe('Python front end: model classes found per statement', () => {
  const text = [
    'from torch import nn',
    '',
    'class Base(nn.Module):',
    '    pass',
    '',
    'class Net(Base):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.bn = nn.BatchNorm2d(8)',
    '',
    'def make():',
    '    class Inner(Net):',
    '        pass',
    '    return Inner',
    '',
    'class Plain(object):',
    '    pass',
  ].join('\n');
  const frameworks = (ir: { classes: readonly { name: string; framework: string }[] }) => ir.classes.map((c) => `${c.name}:${c.framework}`);

  it('finds subclasses through other statements, nested classes included, and leaves other classes out', () => {
    assert.deepStrictEqual(frameworks(parsePythonModel(text)), ['Base:torch', 'Net:torch', 'Inner:torch']);
  });

  it('in an open document, follows an edit of the imports, of a base and of a class name (as a fresh analysis does)', () => {
    const doc = new PythonDocument(text);
    let current = text;
    const replace = (from: string, to: string): string[] => {
      const at = current.indexOf(from);
      assert.ok(at >= 0, from);
      const ir = doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      current = current.slice(0, at) + to + current.slice(at + from.length);
      assert.deepStrictEqual(frameworks(ir.model), frameworks(parsePythonModel(current)));
      return frameworks(ir.model);
    };
    assert.deepStrictEqual(frameworks(doc.analyse().model), ['Base:torch', 'Net:torch', 'Inner:torch']);
    // The import now names Flax: `nn.Module` is `flax.linen.Module` (read again with the new import table).
    assert.deepStrictEqual(replace('from torch import nn', 'from flax import linen as nn'), ['Base:flax', 'Net:flax', 'Inner:flax']);
    assert.deepStrictEqual(replace('from flax import linen as nn', 'from torch import nn'), ['Base:torch', 'Net:torch', 'Inner:torch']);
    // A base edited in another statement: the subclasses follow.
    assert.deepStrictEqual(replace('class Base(nn.Module)', 'class Base(object)'), []);
    assert.deepStrictEqual(replace('class Plain(object)', 'class Plain(nn.Module)'), ['Plain:torch']);
    assert.deepStrictEqual(replace('class Base(object)', 'class Base(Plain)'), ['Base:torch', 'Net:torch', 'Inner:torch', 'Plain:torch']);
    doc.dispose();
  });

  it('in an open document, qualifies an unchanged call again when the imports change', () => {
    const doc = new PythonDocument('from torch import nn\n\nnorm = nn.LayerNorm(8)\n');
    const kinds = () => doc.analyse().model.layerCalls.map((c) => `${c.framework}:${c.kind}`);
    assert.deepStrictEqual(kinds(), ['torch:LayerNorm']);
    doc.applyChanges([{ startOffset: 0, oldEndOffset: 'from torch import nn'.length, newText: 'from flax import linen as nn' }]);
    assert.deepStrictEqual(kinds(), ['flax:LayerNorm']);
    doc.applyChanges([{ startOffset: 0, oldEndOffset: 'from flax import linen as nn'.length, newText: 'import keras as nn' }]);
    assert.deepStrictEqual(kinds(), []);
    doc.dispose();
  });

  it('keeps what a statement defines with the statement: an unchanged statement is not read again after an edit of another', () => {
    const doc = new PythonDocument(text);
    const before = doc.syntaxTree?.rootNode.children ?? [];
    const parts = before.map((s) => definitionsIn(s));
    const at = text.indexOf('BatchNorm2d(8)') + 'BatchNorm2d('.length;
    doc.applyChanges([{ startOffset: at, oldEndOffset: at + 1, newText: '9' }]);
    const after = doc.syntaxTree?.rootNode.children ?? [];
    assert.strictEqual(after.length, before.length);
    after.forEach((s, i) => {
      // The edited class is a new copy; the others are the same nodes, with the same part.
      if (s === before[i]) assert.strictEqual(definitionsIn(s), parts[i]);
      else assert.ok(s.text.startsWith('class Net'));
    });
    assert.deepStrictEqual(definitionsIn(after[2]).classes.map((c) => c.name), ['Net']);
    assert.deepStrictEqual(definitionsIn(after[3]).classes.map((c) => c.name), ['Inner']);
    doc.dispose();
  });
});

describe('Python front end: layer calls under bound names', () => {
  it('builds a call whose arguments mention no bound name once (the same call in every unrolled iteration), and the others per iteration', () => {
    const ir = parsePythonModel(
      [
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        for i in range(3):',
        "            self.add_module(f'bn{i}', nn.BatchNorm2d(64))",
        "            self.add_module(f'gn{i}', nn.GroupNorm(4, 64 * (i + 1)))",
      ].join('\n'),
    );
    const net = ir.classes.find((c) => c.name === 'Net');
    assert.ok(net);
    const bn = net.layers.filter((l) => l.kind === 'BatchNorm2d');
    const gn = net.layers.filter((l) => l.kind === 'GroupNorm');
    assert.deepStrictEqual(bn.map((l) => l.path), ['bn0', 'bn1', 'bn2']);
    const top = ir.layerCalls.find((c) => c.kind === 'BatchNorm2d');
    for (const l of bn) assert.strictEqual(l.call, top);
    assert.deepStrictEqual(gn.map((l) => numberValue(argument(l.call!, 'num_channels')?.value)), [64, 128, 192]);
    assert.notStrictEqual(gn[0]?.call, gn[1]?.call);
    // The top-level list has the call once, its channels unresolved (`i` is a loop variable there).
    const topGn = ir.layerCalls.filter((c) => c.kind === 'GroupNorm');
    assert.strictEqual(topGn.length, 1);
    assert.strictEqual(numberValue(argument(topGn[0], 'num_channels')?.value), undefined);
  });
});
