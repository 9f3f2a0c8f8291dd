import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ExtraActivationLayer, EXTRA_ACTIVATIONS } from '../../../src/simulation/activations';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { branchEndNorms, Network } from '../../../src/simulation/network';
import { normalizeOptions } from '../../../src/simulation/options';
import { inferShapes } from '../../../src/simulation/shapes';
import { Rng } from '../../../src/engine/rng';
import { runMainPass, simulate } from '../../../src/simulation/simulate';
import type { NetworkSpec } from '../../../src/simulation/spec';
import type { Tensor } from '../../../src/engine/tensor';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const read = (...p: string[]): string => fs.readFileSync(path.join(ROOT, ...p), 'utf8');
const opts = (o: Parameters<typeof normalizeOptions>[0] = {}): ReturnType<typeof normalizeOptions> => normalizeOptions({ batchSize: 8, steps: 3, ...o });

function model(file: string, name: string): NetworkSpec {
  const found = networksFromSource(read('test', 'fixtures', 'simulate', file));
  const entry = found.models.find((m) => m.name === name);
  assert.ok(entry?.spec, `${name}: ${entry?.reason ?? 'not found'}`);
  return entry.spec;
}

const names = (spec: NetworkSpec): string[] => spec.layers.map((l) => `${l.name}:${l.layer.op}`);

/** dL/dx by central differences of L = Σ g · net(x) (training mode, float32 so a loose tolerance). */
function numericGrad(net: Network, x: Tensor, g: Float32Array, index: number, h = 1e-2): number {
  const loss = (): number => {
    const y = net.forward(x, true);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += g[i] * y.data[i];
    return s;
  };
  const keep = x.data[index];
  x.data[index] = keep + h;
  const up = loss();
  x.data[index] = keep - h;
  const down = loss();
  x.data[index] = keep;
  return (up - down) / (2 * h);
}

describe('simulation: side branches and more layer kinds', () => {
  it('runs a downsample shortcut (conv + BN on the identity path) after the main branch, in source order', () => {
    const spec = model('branches.py', 'BasicBlock');
    assert.deepStrictEqual(names(spec), [
      'downsample.input:save', 'conv1:conv2d', 'bn1:norm', 'relu:activation', 'conv2:conv2d', 'bn2:norm',
      'add.shortcut:save', 'downsample.branch:load', 'downsample.0:conv2d', 'downsample.1:norm', 'add:add', 'relu:activation',
    ]);
    assert.deepStrictEqual(spec.layers[10].layer, { op: 'add', slot: spec.layers[6].layer.op === 'save' ? spec.layers[6].layer.slot : '', residual: 'saved' });
    assert.ok(spec.assumptions.some((a) => /^downsample: built only under a condition .* simulated as built$/.test(a)), spec.assumptions.join('\n'));
    assert.ok(!spec.assumptions.some((a) => /^downsample\.0: built only/.test(a)), 'the condition is said once, for the container');
    assert.ok(spec.assumptions.some((a) => /operand of `\+` is assigned on several paths/.test(a)));
    // Zero-γ zeroes bn2 (the residual branch's last norm), not the shortcut's BatchNorm.
    assert.deepStrictEqual([...branchEndNorms(spec.layers)].map((i) => spec.layers[i].name), ['bn2']);
    const r = runMainPass(spec, opts());
    assert.deepStrictEqual(r.layers.map((l) => l.name), ['conv1', 'bn1', 'relu', 'conv2', 'bn2', 'downsample.0', 'downsample.1', 'add', 'relu']);
    // Both BatchNorms normalize in training mode; their sum has the variance of two unit signals.
    const add = r.layers.find((l) => l.name === 'add')!;
    assert.ok(Math.abs(add.train.std - Math.SQRT2) < 0.1, `std of the sum ${add.train.std}`);
    for (const l of r.layers) assert.ok(l.gradNorm! > 0, `${l.name}: no gradient`);
  });

  it('changes the shape on the shortcut path: a strided projection added to a strided main branch', () => {
    const spec = model('branches.py', 'Shortcut');
    assert.deepStrictEqual(spec.assumptions.filter((a) => /left out/.test(a)), []);
    const shapes = inferShapes(spec.inputShape, spec.layers);
    assert.deepStrictEqual(shapes.at(-1), [32, 4, 4]);
    assert.deepStrictEqual([...branchEndNorms(spec.layers)].map((i) => spec.layers[i].name), ['bn1']);
  });

  it('concatenates along the channels (DenseNet-style torch.cat) and says it assumed dim=1', () => {
    const spec = model('branches.py', 'Dense');
    assert.deepStrictEqual(names(spec), ['cat.in0:save', 'a:conv2d', 'cat.in1:save', 'cat:cat', 'bn:norm', 'b:conv2d']);
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers)[3], [24, 8, 8]);
    assert.ok(spec.assumptions.some((a) => /cat\(…\) joins its inputs along the channels \(dim=1\)/.test(a)));
    const r = simulate(spec, opts());
    assert.strictEqual(r.layers.find((l) => l.name === 'bn')!.shape[0], 24);
    assert.ok(r.whatIf!.every((v) => v.error === undefined || /spatial/.test(v.error)), JSON.stringify(r.whatIf!.map((v) => v.error)));
  });

  it('inlines blocks with shortcuts into a network and back-propagates through load, cat and add exactly', () => {
    for (const [file, name] of [['branches.py', 'Net'], ['branches.py', 'Dense'], ['branches.py', 'Shortcut']] as const) {
      const spec = model(file, name);
      const net = new Network(spec, { normSwap: 'asIs', init: 'default', initRng: new Rng(1), dropoutRng: new Rng(2) });
      const batch = 3;
      const x: Tensor = { shape: [batch, ...spec.inputShape], data: new Float32Array(batch * spec.inputShape.reduce((a, b) => a * b, 1)) };
      new Rng(3).fillNormal(x.data, 0, 1);
      const y = net.forward(x, true);
      const g = new Float32Array(y.data.length);
      new Rng(4).fillNormal(g, 0, 1);
      const dx = net.backward({ shape: [...y.shape], data: g });
      assert.deepStrictEqual(dx.shape, x.shape);
      for (const index of [0, 7, x.data.length - 1]) {
        const numeric = numericGrad(net, x, g, index);
        const analytic = dx.data[index];
        assert.ok(Math.abs(numeric - analytic) <= 0.05 * Math.max(1, Math.abs(numeric)), `${name} dx[${index}]: analytic ${analytic}, numeric ${numeric}`);
      }
    }
  });

  it('simulates Conv1d, 1-D pooling and the activations the engine lacks (LeakyReLU, ELU, ReLU6, Hardswish, Sigmoid)', () => {
    const spec = model('seq1d.py', 'AudioNet');
    assert.deepStrictEqual(spec.inputShape, [8, 32]);
    const shapes = inferShapes(spec.inputShape, spec.layers);
    assert.deepStrictEqual(spec.layers.map((l, i) => `${l.name}:${shapes[i].join('x')}`), [
      'conv1:16x32', 'bn1:16x32', 'act1:16x32', 'conv2:16x32', 'bn2:16x32', 'act2:16x32', 'pool:16x16',
      'mid.0:16x16', 'mid.1:16x16', 'mid.2:16x16', 'gap:16x1', 'flatten:16', 'head:4', 'gate:4',
    ]);
    assert.deepStrictEqual(spec.layers[2].layer, { op: 'activation', fn: 'leaky_relu', alpha: 0.2 });
    assert.deepStrictEqual(spec.layers[5].layer, { op: 'activation', fn: 'elu', alpha: 0.5 });
    const r = simulate(spec, opts());
    const gate = r.layers.at(-1)!;
    assert.ok(gate.train.min > 0 && gate.train.max < 1, 'a sigmoid maps into (0, 1)');
    const relu6 = r.layers.find((l) => l.name === 'mid.1')!;
    assert.ok(relu6.train.min >= 0 && relu6.train.max <= 6 && relu6.deadFraction !== undefined);
    for (const l of r.layers) assert.ok(Number.isFinite(l.gradNorm!) && l.gradNorm! > 0, `${l.name}: ${l.gradNorm}`);
    assert.strictEqual(r.sweepLayer, 'bn1');
  });

  it("follows Conv2d's padding_mode (the engine's reflect/replicate/circular padding) and says when it does not resolve", () => {
    const src = 'from torch import nn\nclass Pad(nn.Module):\n    def __init__(self, mode=MODE):\n        super().__init__()\n        self.a = nn.Conv2d(3, 8, 3, padding=1, padding_mode="reflect")\n        self.b = nn.Conv2d(8, 8, 3, padding=1, padding_mode=mode)\n    def forward(self, x):\n        return self.b(self.a(x))\n';
    const spec = networksFromSource(src).models[0].spec!;
    const a = spec.layers[0].layer;
    assert.ok(a.op === 'conv2d' && a.paddingMode === 'reflect', JSON.stringify(a));
    assert.ok(spec.layers[1].layer.op === 'conv2d' && spec.layers[1].layer.paddingMode === undefined);
    assert.ok(spec.assumptions.some((x) => /^b \(Conv2d\): padding_mode did not resolve/.test(x)), spec.assumptions.join('\n'));
    // Same weights and inputs (same seed): only the border values change, so the statistics do.
    const zeros: NetworkSpec = { ...spec, layers: spec.layers.map((l, i) => (i === 0 && l.layer.op === 'conv2d' ? { ...l, layer: { ...l.layer, paddingMode: undefined } } : l)) };
    const withReflect = runMainPass(spec, opts()).layers[0].train;
    const withZeros = runMainPass(zeros, opts()).layers[0].train;
    assert.notStrictEqual(withReflect.std, withZeros.std);
  });

  it('extra activations match PyTorch at known points and their gradients match finite differences', () => {
    const xs = [-4, -3.5, -1, -0.25, 0.5, 2, 3.5, 7];
    const expected: Record<string, number[]> = {
      relu6: [0, 0, 0, 0, 0.5, 2, 3.5, 6],
      leaky_relu: [-0.04, -0.035, -0.01, -0.0025, 0.5, 2, 3.5, 7],
      sigmoid: xs.map((x) => 1 / (1 + Math.exp(-x))),
      elu: xs.map((x) => (x > 0 ? x : Math.expm1(x))),
      selu: xs.map((x) => 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * Math.expm1(x))),
      hardswish: [0, 0, -1 / 3, (-0.25 * 2.75) / 6, (0.5 * 3.5) / 6, (2 * 5) / 6, 3.5, 7],
      hardsigmoid: [0, 0, 1 / 3, 2.75 / 6, 3.5 / 6, 5 / 6, 1, 1],
    };
    for (const fn of EXTRA_ACTIVATIONS) {
      const layer = new ExtraActivationLayer(fn);
      const y = layer.forward({ shape: [1, xs.length], data: Float64Array.from(xs) }, true);
      y.data.forEach((v, i) => assert.ok(Math.abs(v - expected[fn][i]) < 1e-9, `${fn}(${xs[i]}) = ${v}, expected ${expected[fn][i]}`));
      const dx = layer.backward({ shape: [1, xs.length], data: new Float64Array(xs.length).fill(1) });
      xs.forEach((x, i) => {
        const h = 1e-6;
        const f = (v: number): number => new ExtraActivationLayer(fn).forward({ shape: [1, 1], data: Float64Array.of(v) }, true).data[0];
        const numeric = (f(x + h) - f(x - h)) / (2 * h);
        assert.ok(Math.abs(dx.data[i] - numeric) < 1e-5, `${fn}'(${x}) = ${dx.data[i]}, numeric ${numeric}`);
      });
    }
  });
});
