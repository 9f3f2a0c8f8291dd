import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { ModelIR } from '../../../src/ir/model';
import { lintPython } from '../../../src/lint/lint';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { assertEditsMatchFresh } from '../helpers/incremental';

/** Loops of a forward pass: unrolled when their count is known, one step standing for them otherwise. */

const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'forward_loops.py'), 'utf8');
const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string) {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

const layerSteps = (ir: ModelIR, name: string): string[] =>
  (cls(ir, name).forward?.steps ?? []).filter((s) => s.op === 'layer').map((s) => `${s.target}${s.iteration !== undefined ? `#${s.iteration}` : s.loop ? '#?' : ''}`);

describe('Python front end: loops of the forward pass', () => {
  let ir: ModelIR;
  before(() => {
    ir = parsePythonModel(fixture);
  });

  it('unrolls loops over container attributes and over bounds that resolve, in order', () => {
    assert.deepStrictEqual(layerSteps(ir, 'Stack'), [
      'stem',
      // for blk in self.blocks (ModuleList of three)
      'blocks[0]#0', 'blocks[1]#1', 'blocks[2]#2',
      // for i in range(self.num_stages): getattr(self, f"norm{i}")
      'norm0#0', 'norm1#1',
      // for i, layer in enumerate(self.head) (a Sequential)
      'head[0]#0', 'head[1]#1',
      // for i in range(len(self.mix)): self.mix[i]
      'mix[0]#0', 'mix[1]#1',
    ]);
    const steps = cls(ir, 'Stack').forward?.steps ?? [];
    // Each iteration reads the previous one's output; the element's family and norm reach the step.
    assert.deepStrictEqual(steps.map((s) => s.inputs), steps.map((s) => [s.index - 1]));
    assert.deepStrictEqual(steps.filter((s) => s.norm === 'batch').map((s) => s.target), ['norm0', 'norm1', 'head[1]']);
    assert.strictEqual(steps.find((s) => s.target === 'blocks[1]')?.family, 'module');
    // The flows follow the unrolled order (a Sequential's own sequence flow is not repeated as a forward one).
    const flows = cls(ir, 'Stack').flows.map((f) => `${f.from.path}>${f.to.path} ${f.via}`);
    assert.deepStrictEqual(flows, ['head.0>head.1 sequence', 'stem>blocks[0] forward', 'blocks[0]>blocks[1] forward', 'blocks[1]>blocks[2] forward', 'blocks[2]>norm0 forward', 'head.1>mix[0] forward', 'mix[0]>mix[1] forward']);
  });

  it('unrolls a slice of a container and reads a negative index from the end', () => {
    assert.deepStrictEqual(layerSteps(ir, 'Head'), ['layers[0]#0', 'norms[0]#0', 'layers[1]#1', 'norms[1]#1', 'layers[2]']);
    const flows = cls(ir, 'Head').flows.map((f) => `${f.from.path}>${f.to.path}`);
    assert.deepStrictEqual(flows, ['layers[0]>norms[0]', 'layers[1]>norms[1]']);
  });

  it('summarises loops whose count is not known: one step per call, nothing guessed', () => {
    assert.deepStrictEqual(layerSteps(ir, 'Unknown'), ['layers#?', 'norm#?']);
  });

  it('builds one Flax inline layer per iteration of an unrolled loop, and one `repeated` layer for a loop of unknown count', () => {
    const c = cls(ir, 'FlaxTower');
    assert.deepStrictEqual(layerSteps(ir, 'FlaxTower'), ['Dense_0#0', 'BatchNorm_0#0', 'Dense_1#1', 'BatchNorm_1#1', 'Dense_2#?', 'Dense_3']);
    assert.deepStrictEqual(
      c.layers.map((l) => `${l.path}${l.repeated ? ` x${l.repeated.count ?? '?'} (${l.repeated.text})` : ''}`),
      ['Dense_0', 'BatchNorm_0', 'Dense_1', 'BatchNorm_1', 'Dense_2 x? (self.widths)', 'Dense_3'],
    );
  });

  it('binds the loop variable in inline layers (Keras functional: one Conv2D per filter count)', () => {
    const model = parsePythonModel(
      src(
        'from tensorflow import keras',
        'from tensorflow.keras import layers',
        'def build(inputs):',
        '    x = inputs',
        '    for filters in [32, 64]:',
        '        x = layers.Conv2D(filters, 3, use_bias=False)(x)',
        '        x = layers.BatchNormalization()(x)',
        '    return keras.Model(inputs, x)',
      ),
    );
    const c = cls(model, 'build');
    assert.deepStrictEqual(
      c.layers.map((l) => `${l.path}(${l.call?.args.map((a) => (a.value.kind === 'number' ? a.value.value : a.value.kind)).join(',')})`),
      ['Conv2D_0(32,3,bool)', 'BatchNormalization_0()', 'Conv2D_1(64,3,bool)', 'BatchNormalization_1()'],
    );
  });

  it("follows a loop element's own children (`blk.norm(x)`) and does not chain elements the loop runs side by side", () => {
    const model = parsePythonModel(
      src(
        'import torch',
        'import torch.nn as nn',
        'from collections import OrderedDict',
        'class Parallel(nn.Module):',
        '    def __init__(self, dim):',
        '        super().__init__()',
        '        self.branches = nn.ModuleList()',
        '        for _ in range(2):',
        "            self.branches.append(nn.Sequential(OrderedDict([('fc', nn.Linear(dim, dim)), ('norm', nn.LayerNorm(dim))])))",
        '    def forward(self, x):',
        '        outs = []',
        '        for br in self.branches:',
        '            outs.append(br.norm(br.fc(x)))',
        '        return torch.stack(outs).sum(0)',
      ),
    );
    assert.deepStrictEqual(layerSteps(model, 'Parallel'), ['branches[0].fc#0', 'branches[0].norm#0', 'branches[1].fc#1', 'branches[1].norm#1']);
    const flows = cls(model, 'Parallel').flows.map((f) => `${f.from.path}>${f.to.path} ${f.via}`);
    assert.deepStrictEqual(flows, ['branches[0].fc>branches[0].norm sequence', 'branches[1].fc>branches[1].norm sequence']);
  });

  it('an OrderedDict / ModuleDict element of unknown kind keeps its key as its name (a `norm_layer` of a class from another module)', () => {
    const model = parsePythonModel(
      src(
        'import torch.nn as nn',
        'from collections import OrderedDict',
        'from mylib.layers import LayerNorm',
        'class Block(nn.Module):',
        '    def __init__(self, dim, norm_layer=LayerNorm):',
        '        super().__init__()',
        "        self.seq = nn.Sequential(OrderedDict([('norm', norm_layer(dim)), ('fc', nn.Linear(dim, dim))]))",
        "        self.heads = nn.ModuleDict({'norm': norm_layer(dim), 'fc': nn.Linear(dim, dim)})",
        '    def forward(self, x):',
        '        return self.seq(x)',
      ),
    );
    assert.deepStrictEqual(
      cls(model, 'Block').layers.map((l) => l.elements?.map((e) => `${e.path}:${e.kind}`).join(' ')),
      ['seq.norm:? seq.fc:Linear', 'heads.norm:? heads.fc:Linear'],
    );
  });

  it('keeps nested loops within the unroll budget (the inner loop is summarised past it)', () => {
    const model = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Deep(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(10)])',
        '    def forward(self, x):',
        '        for i in range(10):',
        '            for j in range(10):',
        '                x = self.blocks[j](x)',
        '        return x',
      ),
    );
    const steps = layerSteps(model, 'Deep');
    assert.strictEqual(steps.length, 10);
    assert.ok(steps.every((s) => s.startsWith('blocks[*]#')), steps.join(' '));
  });

  it('lets rules see layers that meet only in an unrolled loop', () => {
    const text = src(
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.convs = nn.ModuleList([nn.Conv2d(8, 8, 3) for _ in range(2)])',
      '        self.bns = nn.ModuleList([nn.BatchNorm2d(8) for _ in range(2)])',
      '    def forward(self, x):',
      '        for i in range(2):',
      '            x = self.bns[i](self.convs[i](x))',
      '        return x',
    );
    // One finding for the conv's call site (both iterations' flows name the same constructor call).
    assert.deepStrictEqual(lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`), ['NRM502@5']);
  });

  it("iterates a ModuleDict as PyTorch does: its keys, `.items()` and `.values()`, and reads `self.heads['cls']`", () => {
    const model = parsePythonModel(
      src(
        'import torch.nn as nn',
        'class Dict(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        "        self.stages = nn.ModuleDict({'conv': nn.Conv2d(3, 8, 3), 'bn': nn.BatchNorm2d(8)})",
        "        self.more = nn.ModuleDict({'conv': nn.Conv2d(8, 8, 3), 'bn': nn.BatchNorm2d(8)})",
        "        self.last = nn.ModuleDict({'drop': nn.Dropout(0.1), 'bn': nn.BatchNorm2d(8)})",
        "        self.heads = nn.ModuleDict({'cls': nn.Linear(8, 10), 'box': nn.Linear(8, 4)})",
        '    def forward(self, x):',
        '        for name, stage in self.stages.items():',
        '            x = stage(x)',
        '        for key in self.more:',
        '            x = self.more[key](x)',
        '        for layer in self.last.values():',
        '            x = layer(x)',
        "        return self.heads['cls'](x)",
      ),
    );
    assert.deepStrictEqual(layerSteps(model, 'Dict'), ['stages.conv#0', 'stages.bn#1', 'more.conv#0', 'more.bn#1', 'last.drop#0', 'last.bn#1', 'heads.cls']);
    const flows = cls(model, 'Dict').flows.map((f) => `${f.from.path}>${f.to.path}`);
    assert.deepStrictEqual(flows, ['stages.conv>stages.bn', 'stages.bn>more.conv', 'more.conv>more.bn', 'more.bn>last.drop', 'last.drop>last.bn', 'last.bn>heads.cls']);
  });

  it('walks comprehensions in the forward pass: parallel branches unrolled, merged by `torch.cat`', () => {
    const model = parsePythonModel(
      src(
        'import torch',
        'import torch.nn as nn',
        'class Aspp(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.stem = nn.Conv2d(3, 8, 3)',
        '        self.branches = nn.ModuleList([nn.Conv2d(8, 8, 1), nn.Conv2d(8, 8, 3, padding=1)])',
        "        self.heads = nn.ModuleDict({'a': nn.Linear(16, 4), 'b': nn.Linear(16, 4)})",
        '        self.bn = nn.BatchNorm2d(16)',
        '    def forward(self, x):',
        '        x = self.stem(x)',
        '        x = torch.cat([b(x) for b in self.branches], dim=1)',
        '        x = self.bn(x)',
        '        return {k: h(x) for k, h in self.heads.items()}',
      ),
    );
    assert.deepStrictEqual(layerSteps(model, 'Aspp'), ['stem', 'branches[0]#0', 'branches[1]#1', 'bn', 'heads.a#0', 'heads.b#1']);
    const steps = cls(model, 'Aspp').forward?.steps ?? [];
    const at = (target: string) => steps.find((s) => s.target === target);
    // Each branch reads the stem's output (not the previous branch's); `cat` merges both.
    assert.deepStrictEqual([at('branches[0]')?.inputs, at('branches[1]')?.inputs], [[0], [0]]);
    assert.deepStrictEqual(at('cat')?.inputs, [at('branches[0]')?.index, at('branches[1]')?.index]);
    assert.deepStrictEqual([at('heads.a')?.inputs, at('heads.b')?.inputs], [[at('bn')?.index], [at('bn')?.index]]);
    const flows = cls(model, 'Aspp').flows.map((f) => `${f.from.path}>${f.to.path}`);
    assert.deepStrictEqual(flows, ['stem>branches[0]', 'stem>branches[1]', 'bn>heads.a', 'bn>heads.b']);
  });

  it('summarises a comprehension it cannot unroll (a filter, an unknown container): one step, nothing guessed', () => {
    const model = parsePythonModel(
      src(
        'import torch',
        'import torch.nn as nn',
        'class Filtered(nn.Module):',
        '    def __init__(self, branches):',
        '        super().__init__()',
        '        self.fixed = nn.ModuleList([nn.Conv2d(8, 8, 1), nn.Conv2d(8, 8, 1)])',
        '        self.given = nn.ModuleList(branches)',
        '        self.bn = nn.BatchNorm2d(16)',
        '    def forward(self, x, skip=None):',
        '        x = torch.cat([b(x) for b in self.fixed if b is not skip], 1)',
        '        y = sum(g(x) for g in self.given)',
        '        z = torch.stack([t(y) for i, t in enumerate(self.given)]).mean(0)',
        '        return self.bn(x + z)',
      ),
    );
    assert.deepStrictEqual(layerSteps(model, 'Filtered'), ['fixed#?', 'given#?', 'given#?', 'bn']);
    // The container's elements are not chained (the comprehension runs them side by side).
    assert.deepStrictEqual(cls(model, 'Filtered').flows.map((f) => `${f.from.path}>${f.to.path}`), []);
  });

  it('lets rules see a dropout that feeds BatchNorm through a ModuleDict loop', () => {
    const text = src(
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      "        self.block = nn.ModuleDict({'drop': nn.Dropout(0.5), 'bn': nn.BatchNorm1d(8)})",
      '    def forward(self, x):',
      '        for _, layer in self.block.items():',
      '            x = layer(x)',
      '        return x',
    );
    assert.deepStrictEqual(lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`), ['NRM503@5']);
  });

  it('the simulator runs the unrolled layers in order (numbered attributes included)', () => {
    const stack = networksFromSource(fixture).models.find((m) => m.name === 'Stack')?.spec;
    assert.ok(stack);
    const names = stack.layers.map((l) => l.name).filter((n) => !n.includes('.add') && !n.endsWith('relu'));
    assert.deepStrictEqual(names, ['stem', 'blocks.0.conv', 'blocks.0.bn', 'blocks.1.conv', 'blocks.1.bn', 'blocks.2.conv', 'blocks.2.bn', 'norm0', 'norm1', 'head.0', 'head.1', 'mix.0', 'mix.1']);
  });

  it('an open document gives the same IR as a fresh analysis when a loop bound changes', () => {
    assertEditsMatchFresh(fixture, [
      ['def __init__(self, c=16, depth=3, num_stages=2):', 'def __init__(self, c=16, depth=4, num_stages=3):'],
      ['        for i in range(self.depth):', '        for i in range(3):'],
      ['    widths: tuple = ()', '    widths: tuple = (8, 16)'],
    ]);
  });
});
