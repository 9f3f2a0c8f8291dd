import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { networksFromSource } from '../../../src/simulation/fromIR';
import { normalizeOptions } from '../../../src/simulation/options';
import { inferShapes } from '../../../src/simulation/shapes';
import { runMainPass, simulate } from '../../../src/simulation/simulate';
import type { NetworkSpec } from '../../../src/simulation/spec';

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const read = (...p: string[]): string => fs.readFileSync(path.join(ROOT, ...p), 'utf8');
const opts = (o: Parameters<typeof normalizeOptions>[0] = {}): ReturnType<typeof normalizeOptions> => normalizeOptions({ batchSize: 16, steps: 4, ...o });

function model(file: string, name: string): NetworkSpec {
  const found = networksFromSource(read('test', 'fixtures', 'simulate', file));
  const entry = found.models.find((m) => m.name === name);
  assert.ok(entry?.spec, `${name}: ${entry?.reason ?? 'not found'}`);
  return entry.spec;
}

describe('simulation: Keras and Flax models', () => {
  it('runs a Keras Sequential of Dense + BatchNormalization with its declared input, fused activation and momentum', () => {
    const spec = model('keras_models.py', 'MLP');
    assert.deepStrictEqual(spec.inputShape, [20]);
    assert.deepStrictEqual(
      spec.layers.map((l) => `${l.name}:${l.kind}`),
      ['body.0:Dense', 'body.1:BatchNormalization', 'body.2:ReLU', 'body.3:Dense', 'body.3.activation:relu', 'body.4:Dropout', 'body.5:LayerNormalization', 'body.6:Dense'],
    );
    const bn = spec.layers[1].layer;
    assert.ok(bn.op === 'norm' && bn.norm === 'batch');
    // Keras momentum 0.9 keeps 90% of the running average: PyTorch's 0.1; Keras's epsilon default 1e-3.
    assert.ok(Math.abs((bn.momentum ?? 0) - 0.1) < 1e-12 && bn.eps === 1e-3, JSON.stringify(bn));
    assert.deepStrictEqual(spec.layers[5].layer, { op: 'dropout', p: 0.2 });
    assert.ok(spec.assumptions.some((a) => /^Keras BatchNorm momentum m keeps m/.test(a)));
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers).at(-1), [10]);
    const r = runMainPass(spec, opts());
    const norm = r.layers[1];
    assert.ok(Math.abs(norm.train.mean) < 1e-5 && Math.abs(norm.train.std - 1) < 0.01, JSON.stringify(norm.train));
  });

  it('runs a Keras conv net (Conv2D same padding, BatchNormalization, Activation, global pooling) through call()', () => {
    const spec = model('keras_models.py', 'ConvNet');
    assert.deepStrictEqual(spec.inputShape, [3, 8, 8]);
    assert.ok(spec.assumptions.some((a) => /^Keras: channels-last tensors are simulated channels-first/.test(a)), spec.assumptions.join('\n'));
    const shapes = inferShapes(spec.inputShape, spec.layers);
    assert.deepStrictEqual(spec.layers.map((l, i) => `${l.name}:${shapes[i].join('x')}`), ['conv:32x8x8', 'bn:32x8x8', 'act:32x8x8', 'pool:32x1x1', 'pool.flatten:32', 'fc:10']);
    const conv = spec.layers[0].layer;
    assert.ok(conv.op === 'conv2d' && conv.padding === 1 && !conv.bias);
    const r = simulate(spec, opts({ batchSize: 4, steps: 2 }));
    assert.strictEqual(r.sweepLayer, 'bn');
    assert.ok(r.batchSweep!.every((p) => p.samplesPerChannel === p.batchSize * 64));
  });

  it('runs a Flax @nn.compact MLP (inline Dense/BatchNorm/LayerNorm/Dropout, nn.relu and nn.gelu)', () => {
    const spec = model('flax_models.py', 'MLP');
    assert.deepStrictEqual(
      spec.layers.map((l) => `${l.name}:${l.kind}`),
      ['Dense_0:Dense', 'BatchNorm_0:BatchNorm', 'relu:nn.relu', 'Dense_1:Dense', 'LayerNorm_0:LayerNorm', 'gelu:nn.gelu', 'Dropout_0:Dropout', 'Dense_2:Dense'],
    );
    const ln = spec.layers[4].layer;
    assert.ok(ln.op === 'norm' && ln.norm === 'layer' && ln.eps === 1e-6 && ln.features === 128);
    const bn = spec.layers[1].layer;
    assert.ok(bn.op === 'norm' && Math.abs((bn.momentum ?? 0) - 0.1) < 1e-12 && bn.eps === 1e-5);
    assert.ok(spec.assumptions.some((a) => /input: 64 features/.test(a)), spec.assumptions.join('\n'));
    assert.ok(spec.assumptions.some((a) => /tanh approximation/.test(a)));
    const r = simulate(spec, opts());
    assert.strictEqual(r.layers.length, 8);
    assert.ok(r.whatIf!.length > 3);
  });

  it('runs a Flax setup() block with a conv whose features come from a dataclass field (said as assumed)', () => {
    const spec = model('flax_models.py', 'Block');
    assert.deepStrictEqual(spec.layers.map((l) => l.layer.op), ['conv2d', 'norm', 'activation']);
    const gn = spec.layers[1].layer;
    assert.ok(gn.op === 'norm' && gn.norm === 'group' && gn.groups === 8);
    assert.ok(spec.assumptions.some((a) => /conv \(Conv\): features did not resolve/.test(a)), spec.assumptions.join('\n'));
    runMainPass(spec, opts({ batchSize: 2, steps: 1 }));
  });

  it('runs a Keras DepthwiseConv2D as a grouped convolution (one group per channel)', () => {
    const src = 'import keras\nfrom keras import layers\nclass M(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.c = layers.Conv2D(16, 3, padding="same", input_shape=(12, 12, 3))\n        self.d = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)\n        self.n = layers.BatchNormalization(epsilon=1e-5)\n    def call(self, x):\n        return self.n(self.d(self.c(x)))\n';
    const spec = networksFromSource(src).models[0].spec!;
    assert.deepStrictEqual(spec.inputShape, [3, 12, 12]);
    assert.deepStrictEqual(spec.layers[1].layer, { op: 'conv2d', inChannels: 16, outChannels: 32, kernel: 3, stride: 1, padding: 0, groups: 16, bias: false });
    assert.deepStrictEqual(inferShapes(spec.inputShape, spec.layers).at(-1), [32, 10, 10]);
    runMainPass(spec, opts({ batchSize: 2, steps: 1 }));
  });

  it("names the walked method and where layers are built in the framework's terms when it leaves a step out", () => {
    const flax = networksFromSource(read('test', 'fixtures', 'models', 'flax_compact.py')).models.find((m) => m.name === 'FieldBlock')!.spec!;
    assert.ok(flax.assumptions.some((a) => /^FieldBlock\.__call__, line \d+: self\.conv is not a submodule the class fixes \(a field without a default, or None\) and was left out$/.test(a)), flax.assumptions.join('\n'));
    const keras = networksFromSource(
      'import keras\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.d = keras.layers.Dense(4)\n        self.extra = None\n' +
        '    def call(self, x):\n        return self.extra(self.d(x))\n',
    ).models[0].spec!;
    assert.ok(keras.assumptions.some((a) => /^Net\.call, line \d+: self\.extra is not a layer built in __init__ or build/.test(a)), keras.assumptions.join('\n'));
  });

  it('refuses what it cannot map, with the layer named', () => {
    const src = 'import keras\nfrom keras import layers\nclass M(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.c = layers.Conv2D(8, 3)\n        self.n = layers.LayerNormalization()\n    def call(self, x):\n        return self.n(self.c(x))\n';
    const found = networksFromSource(src);
    assert.match(found.models[0].reason ?? '', /n \(LayerNormalization\): LayerNormalization over the channels of each position/);
  });
});
