import * as assert from 'assert';
import type { Layer } from '../../../src/engine/layer';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from '../../../src/engine/norms';
import { Rng } from '../../../src/engine/rng';
import { EngineError, type FloatArray, type Tensor } from '../../../src/engine/tensor';
import { setWasmEnabled } from '../../../src/engine/wasm/dense';
import { MIN_WASM, useWasm } from '../../../src/engine/wasm/normKernels';

function tensor(shape: number[], seed: number, kind: 'float32' | 'float64' = 'float32'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = kind === 'float32' ? new Float32Array(n) : new Float64Array(n);
  new Rng(seed).fillNormal(data, 0.3, 1.7);
  return { shape, data };
}

const makers: [string, () => Layer, number[]][] = [
  ['BatchNorm', () => new BatchNorm({ numFeatures: 4 }), [3, 4, 5, 7]],
  ['InstanceNorm', () => new InstanceNorm({ numFeatures: 4, affine: true }), [3, 4, 5, 7]],
  ['GroupNorm', () => new GroupNorm({ numGroups: 2, numChannels: 4 }), [3, 4, 5, 7]],
  ['LayerNorm', () => new LayerNorm({ normalizedShape: [5, 7] }), [3, 4, 5, 7]],
  ['RMSNorm', () => new RMSNorm({ normalizedShape: [5, 7] }), [3, 4, 5, 7]],
];

/** Forward then backward; `out` buffers when given. Returns output, input gradient, parameter gradients. */
function pass(layer: Layer, x: Tensor, dy: Tensor, y?: FloatArray, dx?: FloatArray): { y: FloatArray; dx: FloatArray; grads: FloatArray[] } {
  const out = layer.forward(x, true, y);
  const g = layer.backward(dy, dx);
  return { y: out.data, dx: g.data, grads: layer.parameters().map((p) => p.grad!.data) };
}

describe('normalization layers: preallocated output buffers (out)', () => {
  afterEach(() => setWasmEnabled(true));

  for (const [name, make, small] of makers) {
    for (const [size, shape] of [
      ['small (TypeScript kernels)', small],
      ['large (WebAssembly kernels)', [64, ...small.slice(1)]],
    ] as [string, number[]][]) {
      it(`${name}, ${size}: writes into out, returns it, and computes what a fresh output gets`, () => {
        const x = tensor(shape, 1);
        const dy = tensor(shape, 2);
        assert.strictEqual(useWasm([x.data], x.data.length, 35), x.data.length >= MIN_WASM);
        const fresh = pass(make(), x, dy);
        const layer = make();
        const y = new Float32Array(x.data.length).fill(Number.NaN);
        const dx = new Float32Array(x.data.length).fill(Number.NaN);
        const reused = pass(layer, x, dy, y, dx);
        assert.strictEqual(reused.y, y);
        assert.strictEqual(reused.dx, dx);
        assert.deepStrictEqual(Array.from(y), Array.from(fresh.y));
        assert.deepStrictEqual(Array.from(dx), Array.from(fresh.dx));
        reused.grads.forEach((g, i) => assert.deepStrictEqual(Array.from(g), Array.from(fresh.grads[i])));
        // The same buffers again, on other data: overwritten, not accumulated into.
        const x2 = tensor(shape, 3);
        const again = pass(layer, x2, dy, y, dx);
        const fresh2 = pass(make(), x2, dy);
        assert.deepStrictEqual(Array.from(again.y), Array.from(fresh2.y));
        assert.deepStrictEqual(Array.from(again.dx), Array.from(fresh2.dx));
      });
    }

    it(`${name}: refuses an out of the wrong kind or length, or sharing memory with its input or gradient`, () => {
      const x = tensor(small, 1);
      const dy = tensor(small, 2);
      const layer = make();
      const n = x.data.length;
      assert.throws(() => layer.forward(x, true, new Float64Array(n)), EngineError);
      assert.throws(() => layer.forward(x, true, new Float32Array(n + 1)), EngineError);
      assert.throws(() => layer.forward(x, true, x.data), /share memory/);
      const big = new Float32Array(2 * n);
      const xs: Tensor = { shape: small, data: big.subarray(0, n) };
      assert.throws(() => layer.forward(xs, true, big.subarray(n - 1, 2 * n - 1)), /share memory/);
      layer.forward(xs, true, big.subarray(n, 2 * n)); // adjacent, not overlapping: fine
      layer.forward(x, true);
      assert.throws(() => layer.backward(dy, dy.data), /share memory/);
      assert.throws(() => layer.backward(dy, x.data), /share memory/);
      assert.throws(() => layer.backward(dy, new Float32Array(n - 1)), EngineError);
      const f64 = tensor(small, 4, 'float64');
      assert.throws(() => layer.forward(f64, true, new Float32Array(n)), /Float64Array/);
      const y64 = new Float64Array(n);
      assert.strictEqual(layer.forward(f64, true, y64).data, y64);
    });
  }
});

describe('BatchNorm on [N, C] (one value per channel and sample)', () => {
  it('equals BatchNorm on the transposed [1, C, N] (same statistics over the same values), training and eval', () => {
    for (const [n, c] of [[64, 256], [5, 3], [2, 4097]]) {
      const x = tensor([n, c], 7, 'float64');
      const dy = tensor([n, c], 8, 'float64');
      const t = (a: FloatArray): Float64Array => {
        const out = new Float64Array(n * c);
        for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) out[ch * n + i] = a[i * c + ch];
        return out;
      };
      for (const training of [true, false]) {
        const a = new BatchNorm({ numFeatures: c, dtype: 'float64' });
        const b = new BatchNorm({ numFeatures: c, dtype: 'float64' });
        for (const layer of [a, b]) {
          const rng = new Rng(3);
          const r = new Rng(9);
          for (const p of layer.parameters()) r.fillNormal(p.value.data, 1, 0.3);
          layer.setState({ runningMean: Array.from({ length: c }, () => rng.uniform()), runningVar: Array.from({ length: c }, (_, i) => 0.5 + (i % 3)) });
        }
        const ya = a.forward(x, training);
        const yb = b.forward({ shape: [1, c, n], data: t(x.data) }, training);
        const close = (u: ArrayLike<number>, v: ArrayLike<number>, what: string): void => {
          for (let i = 0; i < u.length; i++) assert.ok(Math.abs(u[i] - v[i]) <= 1e-12 * (1 + Math.abs(v[i])), `${what}[${i}] ${u[i]} vs ${v[i]}`);
        };
        close(t(ya.data), yb.data, 'y');
        close(t(a.backward(dy).data), b.backward({ shape: [1, c, n], data: t(dy.data) }).data, 'dx');
        a.parameters().forEach((p, i) => close(p.grad!.data, b.parameters()[i].grad!.data, p.name));
        close(a.runningMean!, b.runningMean!, 'running_mean');
        close(a.runningVar!, b.runningVar!, 'running_var');
      }
    }
  });
});
