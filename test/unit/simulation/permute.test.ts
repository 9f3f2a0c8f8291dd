import * as assert from 'assert';
import { Rng } from '../../../src/engine/rng';
import { inverseOrder, permute, type Tensor } from '../../../src/engine/tensor';
import { Network } from '../../../src/simulation/network';
import type { NormSwap } from '../../../src/simulation/options';
import type { LayerSpec, NetworkSpec } from '../../../src/simulation/spec';
import { parseNetworkSpec } from '../../../src/webview/protocol';
import { assertClose, randn } from '../engine/helpers';

// Axis orders in the simulator: the engine's `permute`, the network's `permute` op (a ConvNeXt
// block's `x.permute(0, 2, 3, 1)`), and norms swapped in where the channels are last.

function net(layers: LayerSpec[], inputShape: number[], normSwap: NormSwap = 'asIs'): Network {
  const spec: NetworkSpec = { model: 'Net', inputShape, layers, assumptions: [] };
  return new Network(spec, { normSwap, init: 'default', initRng: new Rng(1), dropoutRng: new Rng(2) });
}

/** LayerNorm over the channels of `[N, C, H, W]` at each position (weight 1, bias 0), computed directly. */
function channelLayerNorm(x: Tensor, eps: number): Float64Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out = new Float64Array(x.data.length);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) {
      let mean = 0;
      for (let k = 0; k < c; k++) mean += x.data[(b * c + k) * h * w + p];
      mean /= c;
      let v = 0;
      for (let k = 0; k < c; k++) v += ((x.data[(b * c + k) * h * w + p]) - mean) ** 2;
      v /= c;
      for (let k = 0; k < c; k++) out[(b * c + k) * h * w + p] = ((x.data[(b * c + k) * h * w + p]) - mean) / Math.sqrt(v + eps);
    }
  }
  return out;
}

const TO_LAST: LayerSpec = { name: 'to_last', kind: 'permute', layer: { op: 'permute', order: [1, 2, 0] } };
const TO_FIRST: LayerSpec = { name: 'to_first', kind: 'permute', layer: { op: 'permute', order: [2, 0, 1] } };

describe('simulator: axis orders (permute)', () => {
  it("the engine's permute reorders axes as PyTorch's does, keeps the precision, and its inverse undoes it", () => {
    const x = randn([2, 3, 4, 5], 7);
    const y = permute(x, [0, 2, 3, 1]);
    assert.deepStrictEqual(y.shape, [2, 4, 5, 3]);
    for (const [n, c, h, w] of [[0, 0, 0, 0], [1, 2, 3, 4], [1, 1, 2, 0], [0, 2, 0, 3]] as const) {
      assert.strictEqual(y.data[((n * 4 + h) * 5 + w) * 3 + c], x.data[((n * 3 + c) * 4 + h) * 5 + w]);
    }
    assert.deepStrictEqual(Array.from(permute(y, inverseOrder([0, 2, 3, 1])).data), Array.from(x.data));
    const x64: Tensor = { shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) };
    const t = permute(x64, [1, 0]);
    assert.ok(t.data instanceof Float64Array);
    assert.deepStrictEqual(Array.from(t.data), [1, 4, 2, 5, 3, 6]);
    assert.throws(() => permute(x, [0, 1, 1, 2]), /not an order of the 4 axes/);
  });

  it('permute, LayerNorm over the last dimension, permute back: a LayerNorm over the channels at each position (timm LayerNorm2d)', () => {
    const x = randn([3, 4, 5, 6], 11, 0.5, 2);
    const eps = 1e-6;
    const n = net([TO_LAST, { name: 'norm', kind: 'LayerNorm', layer: { op: 'norm', norm: 'layer', features: 4, eps, affine: true } }, TO_FIRST], [4, 5, 6]);
    const y = n.forward(x, true);
    assert.deepStrictEqual(y.shape, [3, 4, 5, 6]);
    assertClose(y.data, channelLayerNorm(x, eps), 1e-4, 'channel LayerNorm');
  });

  it('gradients flow back through a permute (central differences)', () => {
    const layers: LayerSpec[] = [TO_LAST, { name: 'fc', kind: 'Linear', layer: { op: 'linear', inFeatures: 3, outFeatures: 2, bias: true } }, TO_FIRST];
    const n = net(layers, [3, 2, 2]);
    const x = randn([2, 3, 2, 2], 5);
    const y = n.forward(x, true);
    const g = randn(y.shape as number[], 9);
    const dx = n.backward(g);
    const loss = (t: Tensor): number => {
      const out = n.forward(t, true);
      let s = 0;
      for (let i = 0; i < out.data.length; i++) s += (out.data[i]) * (g.data[i]);
      return s;
    };
    for (const i of [0, 3, 7, 12, 23]) {
      const plus = { shape: x.shape, data: Float32Array.from(x.data) };
      const minus = { shape: x.shape, data: Float32Array.from(x.data) };
      plus.data[i] = (plus.data[i]) + 1e-2;
      minus.data[i] = (minus.data[i]) - 1e-2;
      const numeric = (loss(plus) - loss(minus)) / 2e-2;
      assert.ok(Math.abs(numeric - (dx.data[i])) < 1e-2, `dx[${i}]: ${dx.data[i]} vs ${numeric}`);
    }
  });

  it('a norm swapped in where the channels are last normalizes the channels, as in the standard order (what-if BatchNorm on a ConvNeXt LayerNorm)', () => {
    const x = randn([4, 3, 2, 2], 13, 1, 3);
    const ln: LayerSpec = { name: 'norm', kind: 'LayerNorm', layer: { op: 'norm', norm: 'layer', features: 3, eps: 1e-5, affine: true } };
    const swapped = net([TO_LAST, ln, TO_FIRST], [3, 2, 2], 'batch').forward(x, true);
    const bn = net([{ name: 'bn', kind: 'BatchNorm2d', layer: { op: 'norm', norm: 'batch', features: 3, eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true } }], [3, 2, 2]).forward(x, true);
    assertClose(swapped.data, bn.data, 1e-5, 'BatchNorm over the channels');
    // A GroupNorm swap too (its groups from the channels, not from the last spatial axis).
    const gn = net([TO_LAST, ln, TO_FIRST], [3, 2, 2], 'group');
    assert.deepStrictEqual(gn.forward(x, true).shape, [4, 3, 2, 2]);
    assert.strictEqual(gn.steps[1]?.norm?.features, 3);
  });

  it('the webview takes a permute op only with an order of its axes', () => {
    const spec = (order: unknown) => parseNetworkSpec({ model: 'Net', inputShape: [3, 2, 2], layers: [{ name: 'p', kind: 'permute', layer: { op: 'permute', order } }], assumptions: [] });
    assert.deepStrictEqual(spec([1, 2, 0])?.layers[0]?.layer, { op: 'permute', order: [1, 2, 0] });
    for (const order of [[1, 1, 0], [0, 3, 1], [], [0.5, 1], 'x', [0, 1, 2, 3, 4]]) assert.strictEqual(spec(order), undefined, JSON.stringify(order));
  });
});
