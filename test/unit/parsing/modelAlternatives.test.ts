import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { allLayers, type Layer, type ModelIR } from '../../../src/ir/model';
import { lintPython } from '../../../src/lint/lint';
import { parsePythonModel } from '../../../src/parsing/python/parsePython';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { assertEditsMatchFresh } from '../helpers/incremental';

/** A path assigned in exclusive branches of a condition that does not resolve holds either layer (`Layer.alternatives`). */

const fixture = fs.readFileSync(path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'cifar_resnet_shortcuts.py'), 'utf8');
const src = (...lines: string[]): string => lines.join('\n');

function cls(ir: ModelIR, name: string) {
  const c = ir.classes.find((k) => k.name === name);
  assert.ok(c, `${name} in ${ir.classes.map((k) => k.name).join(', ')}`);
  return c;
}

function layer(layers: readonly Layer[], p: string): Layer {
  const l = layers.find((x) => x.path === p);
  assert.ok(l, `${p} in ${layers.map((x) => x.path).join(', ')}`);
  return l;
}

const shape = (l: Layer): string => (l.elements ? `${l.kind}[${l.elements.map(shape).join(',')}]` : l.kind);

describe('Python front end: layers built in exclusive branches of an unknown condition', () => {
  let ir: ModelIR;
  before(() => {
    ir = parsePythonModel(fixture);
  });

  it("keeps both the projection shortcut and the identity in the class's own layers", () => {
    const shortcut = layer(cls(ir, 'BasicBlock').layers, 'shortcut');
    assert.strictEqual(shape(shortcut), 'Sequential[Conv2d,BatchNorm2d]');
    assert.strictEqual(shortcut.conditional, true);
    assert.deepStrictEqual(shortcut.alternatives?.map(shape), ['Identity']);
    assert.strictEqual(shortcut.alternatives?.[0]?.conditional, true);
    // One entry per path in `layers`; every layer (alternatives included) through allLayers, the alternative first.
    assert.deepStrictEqual(cls(ir, 'BasicBlock').layers.map((l) => l.path), ['conv1', 'bn1', 'conv2', 'bn2', 'shortcut']);
    assert.deepStrictEqual(allLayers([shortcut]).map((l) => `${l.path}:${l.kind}`), ['shortcut:Identity', 'shortcut:Sequential', 'shortcut.0:Conv2d', 'shortcut.1:BatchNorm2d']);
  });

  it('instances whose arguments resolve the condition keep only their branch', () => {
    const net = cls(ir, 'ResNet');
    const one = layer(layer(net.layers, 'layer1').instanceLayers ?? [], 'shortcut');
    const two = layer(layer(net.layers, 'layer2').instanceLayers ?? [], 'shortcut');
    assert.strictEqual(shape(one), 'Identity');
    assert.strictEqual(shape(two), 'Sequential[Conv2d,BatchNorm2d]');
    assert.strictEqual(one.alternatives, undefined);
    assert.strictEqual(two.alternatives, undefined);
    assert.strictEqual(two.conditional, undefined);
  });

  it('an assignment under an unknown condition leaves the earlier layer as an alternative (no else)', () => {
    const shortcut = layer(cls(ir, 'PreActBlock').layers, 'shortcut');
    assert.strictEqual(shape(shortcut), 'Sequential[Conv2d]');
    assert.deepStrictEqual(shortcut.alternatives?.map(shape), ['Sequential[]']);
  });

  it('elif chains and conditional expressions give every alternative; a straight reassignment replaces', () => {
    const c = cls(ir, 'NormChoice');
    const norm = layer(c.layers, 'norm');
    // Equal weight: the last assigned stands for the path; the others in source order.
    assert.strictEqual(norm.kind, 'GroupNorm');
    assert.deepStrictEqual(norm.alternatives?.map((l) => l.kind), ['BatchNorm2d', 'Identity']);
    const head = layer(c.layers, 'head_norm');
    assert.deepStrictEqual([head, ...(head.alternatives ?? [])].map((l) => l.call?.args.map((a) => a.name).join(',')), ['normalized_shape,elementwise_affine', 'normalized_shape']);
    const act = layer(c.layers, 'act');
    assert.strictEqual(act.kind, 'GELU');
    assert.strictEqual(act.alternatives, undefined);
    assert.strictEqual(act.conditional, undefined);
    // The forward pass flows into and out of each alternative.
    assert.deepStrictEqual(
      c.flows.filter((f) => f.to.path === 'norm').map((f) => `${f.from.call?.kind}>${f.to.call?.kind ?? f.to.layer?.kind}:${f.conditional}`),
      ['Conv2d>BatchNorm2d:true', 'Conv2d>Identity:true', 'Conv2d>GroupNorm:true'],
    );
  });

  it('alternatives of two paths chosen by the same condition never meet in a flow', () => {
    const flows = cls(ir, 'PreOrPost').flows.map((f) => `${f.from.path}:${f.from.layer?.kind}>${f.to.path}:${f.to.layer?.kind}`);
    assert.deepStrictEqual(flows.filter((f) => f.startsWith('norm_in')), ['norm_in:Identity>norm_out:BatchNorm2d', 'norm_in:BatchNorm2d>norm_out:Identity']);
  });

  it('a layer in an `if` followed by an unconditional assignment of the path is replaced', () => {
    const c = cls(
      parsePythonModel(
        src(
          'import torch.nn as nn',
          'class M(nn.Module):',
          '    def __init__(self, c, flag):',
          '        super().__init__()',
          '        if flag:',
          '            self.norm = nn.BatchNorm2d(c)',
          '        self.norm = nn.LayerNorm(c)',
          '        if c > 4:',
          '            if flag:',
          '                self.act = nn.ReLU()',
          '                self.act = nn.GELU()',
          '            else:',
          '                self.act = nn.SiLU()',
        ),
      ),
      'M',
    );
    assert.deepStrictEqual(c.layers.map((l) => `${l.path}:${[...(l.alternatives ?? []), l].map((a) => a.kind).join('|')}`), ['norm:LayerNorm', 'act:GELU|SiLU']);
  });

  it('a norm of unknown kind outweighs an Identity (timm: `norm_layer(dim) if final_norm else nn.Identity()`)', () => {
    const c = cls(
      parsePythonModel(
        src(
          'import torch.nn as nn',
          'class Head(nn.Module):',
          '    def __init__(self, dim, norm_layer, final_norm):',
          '        super().__init__()',
          '        self.norm = norm_layer(dim) if final_norm else nn.Identity()',
        ),
      ),
      'Head',
    );
    const norm = layer(c.layers, 'norm');
    assert.deepStrictEqual([norm.kind, norm.family, norm.conditional], ['?', 'norm', true]);
    assert.deepStrictEqual(norm.alternatives?.map((l) => l.kind), ['Identity']);
  });

  it('rules see the layers of the other branch, without duplicate or cross-branch findings', () => {
    const text = src(
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, cin, cout, stride, pre):',
      '        super().__init__()',
      '        if stride != 1 or cin != cout:',
      '            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride), nn.BatchNorm2d(cout))',
      '        else:',
      '            self.shortcut = nn.Identity()',
      '        if pre:',
      '            self.norm_in = nn.BatchNorm2d(cout)',
      '            self.norm_out = nn.Identity()',
      '        else:',
      '            self.norm_in = nn.Identity()',
      '            self.norm_out = nn.BatchNorm2d(cout)',
      '    def forward(self, x):',
      '        return self.norm_out(self.norm_in(x)) + self.shortcut(x)',
    );
    const findings = lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);
    // The projection conv keeps its bias before the BatchNorm (reported once, on the conv); the
    // BatchNorms of `norm_in` and `norm_out` are never back to back (they are built in exclusive branches).
    assert.deepStrictEqual(findings.filter((f) => f.startsWith('NRM5')), ['NRM502@6']);
  });

  it('the simulator names the alternatives it chose from', () => {
    const found = networksFromSource(fixture);
    const block = found.models.find((m) => m.name === 'BasicBlock')?.spec;
    assert.ok(block, JSON.stringify(found.models.find((m) => m.name === 'BasicBlock')?.reason));
    assert.ok(block.assumptions.some((a) => a === 'shortcut: one of 2 alternatives (Identity / Sequential(2)) chosen by a condition whose value is not known; simulated as Sequential(2)'), block.assumptions.join('\n'));
    assert.ok(block.layers.some((l) => l.name === 'shortcut.1' && l.kind === 'BatchNorm2d'), block.layers.map((l) => l.name).join(' '));
  });

  it('an open document gives the same IR as a fresh analysis when a branch is edited', () => {
    assertEditsMatchFresh(fixture, [
      ['            self.shortcut = nn.Identity()', '            self.shortcut = nn.Sequential()'],
      ['        else:\n            self.shortcut = nn.Identity()\n', ''],
      ['self.head_norm = nn.LayerNorm(channels) if affine_head else', 'self.head_norm = nn.GroupNorm(1, channels) if affine_head else'],
    ]);
  });
});
