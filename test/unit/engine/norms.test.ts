import * as assert from 'assert';
import fc from 'fast-check';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from '../../../src/engine/norms';
import { EngineError, type Tensor } from '../../../src/engine/tensor';
import { assertClose, gradCheck, randn } from './helpers';

/** Mean and biased variance of x over the elements `index(k)` for k < count. */
function moments(x: ArrayLike<number>, count: number, index: (k: number) => number): { mean: number; variance: number } {
  let s = 0;
  for (let k = 0; k < count; k++) s += x[index(k)];
  const mean = s / count;
  let q = 0;
  for (let k = 0; k < count; k++) q += (x[index(k)] - mean) ** 2;
  return { mean, variance: q / count };
}

/**
 * Asserts that y's group (the elements `index(k)`) has mean 0 and variance 1, to within the
 * accuracy float64 allows for that group of x: subtracting the mean loses about
 * eps * max|x| / std(x) of relative accuracy, so a group whose values nearly coincide far from
 * zero (mean 8192, spread 1e-6) is checked with a tolerance scaled by that condition number.
 */
function assertStandardized(y: ArrayLike<number>, x: ArrayLike<number>, count: number, index: (k: number) => number): void {
  const m = moments(y, count, index);
  const input = moments(x, count, index);
  let maxAbs = 0;
  for (let k = 0; k < count; k++) maxAbs = Math.max(maxAbs, Math.abs(x[index(k)]));
  const condition = maxAbs / Math.sqrt(input.variance);
  const slack = 16 * Number.EPSILON * condition;
  assert.ok(Math.abs(m.mean) < 1e-9 + slack && Math.abs(m.variance - 1) < 1e-8 + 2 * slack, JSON.stringify({ ...m, condition }));
}

const shape4 = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }));
const seed = fc.integer({ min: 0, max: 1e6 });
const offset = fc.double({ min: -1e4, max: 1e4, noNaN: true });
const spread = fc.double({ min: 1e-2, max: 1e3, noNaN: true });

describe('normalization layers', () => {
  describe('normalized outputs have mean 0 and variance 1 over the right axes', () => {
    it('BatchNorm (per channel over N and the spatial dims, training)', () => {
      fc.assert(
        fc.property(shape4, seed, offset, spread, ([n, c, h, w], s, mu, sd) => {
          fc.pre(n * h * w >= 2);
          const x = randn([n, c, h, w], s, mu, sd);
          const y = new BatchNorm({ numFeatures: c, eps: 0, dtype: 'float64' }).forward(x, true).data;
          const l = h * w;
          for (let ch = 0; ch < c; ch++) {
            assertStandardized(y, x.data, n * l, (k) => (Math.floor(k / l) * c + ch) * l + (k % l));
          }
        }),
        { numRuns: 60 },
      );
    });

    it('InstanceNorm, GroupNorm (per sample and instance / group) and LayerNorm (per row)', () => {
      fc.assert(
        fc.property(shape4, seed, offset, spread, fc.integer({ min: 1, max: 6 }), ([n, c, h, w], s, mu, sd, g0) => {
          const l = h * w;
          fc.pre(l >= 2);
          const x = randn([n, c, h, w], s, mu, sd);
          const inst = new InstanceNorm({ numFeatures: c, eps: 0, dtype: 'float64' }).forward(x, true).data;
          for (let r = 0; r < n * c; r++) {
            assertStandardized(inst, x.data, l, (k) => r * l + k);
          }
          const g = c % g0 === 0 ? g0 : 1;
          const gn = new GroupNorm({ numGroups: g, numChannels: c, eps: 0, dtype: 'float64' }).forward(x, true).data;
          const size = (c / g) * l;
          for (let r = 0; r < n * g; r++) {
            assertStandardized(gn, x.data, size, (k) => r * size + k);
          }
          const ln = new LayerNorm({ normalizedShape: [h, w], eps: 0, dtype: 'float64' }).forward(x, true).data;
          for (let r = 0; r < n * c; r++) {
            assertStandardized(ln, x.data, l, (k) => r * l + k);
          }
        }),
        { numRuns: 60 },
      );
    });

    it('RMSNorm rows have mean square 1', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }), seed, offset, spread, (rows, d, s, mu, sd) => {
          const y = new RMSNorm({ normalizedShape: d, eps: 0, dtype: 'float64' }).forward(randn([rows, d], s, mu, sd), true).data;
          for (let r = 0; r < rows; r++) {
            let q = 0;
            for (let j = 0; j < d; j++) q += y[r * d + j] ** 2;
            assert.ok(Math.abs(q / d - 1) < 1e-9);
          }
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('equivalences', () => {
    it('GroupNorm(1 group) ≡ LayerNorm over C, H, W (outputs and input gradients)', () => {
      fc.assert(
        fc.property(shape4, seed, ([n, c, h, w], s) => {
          fc.pre(c * h * w >= 2);
          const x = randn([n, c, h, w], s);
          const dy = randn([n, c, h, w], s + 1);
          const gn = new GroupNorm({ numGroups: 1, numChannels: c, affine: false, dtype: 'float64' });
          const ln = new LayerNorm({ normalizedShape: [c, h, w], elementwiseAffine: false, dtype: 'float64' });
          assertClose(gn.forward(x, true).data, ln.forward(x, true).data, 1e-12, 'y');
          assertClose(gn.backward(dy).data, ln.backward(dy).data, 1e-10, 'dx');
        }),
        { numRuns: 40 },
      );
    });

    it('GroupNorm(C groups) ≡ InstanceNorm (affine: outputs and all gradients)', () => {
      fc.assert(
        fc.property(shape4, seed, ([n, c, h, w], s) => {
          fc.pre(h * w >= 2);
          const x = randn([n, c, h, w], s);
          const dy = randn([n, c, h, w], s + 1);
          const weight = Array.from(randn([c], s + 2).data);
          const bias = Array.from(randn([c], s + 3).data);
          const gn = new GroupNorm({ numGroups: c, numChannels: c, dtype: 'float64' });
          gn.setState({ weight, bias });
          const inorm = new InstanceNorm({ numFeatures: c, affine: true, dtype: 'float64' });
          inorm.setState({ weight, bias });
          assertClose(gn.forward(x, true).data, inorm.forward(x, true).data, 1e-12, 'y');
          assertClose(gn.backward(dy).data, inorm.backward(dy).data, 1e-10, 'dx');
          assertClose(gn.weight!.grad!.data, inorm.weight!.grad!.data, 1e-10, 'dweight');
          assertClose(gn.bias!.grad!.data, inorm.bias!.grad!.data, 1e-10, 'dbias');
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('gradients match finite differences (float64)', () => {
    const affine = (layer: { setState(s: { weight?: number[]; bias?: number[] }): void }, n: number, bias = true): void => {
      layer.setState({ weight: Array.from(randn([n], 5, 1, 0.5).data), ...(bias ? { bias: Array.from(randn([n], 6).data) } : {}) });
    };
    it('BatchNorm in training (batch statistics) and eval (running statistics)', () => {
      for (const training of [true, false]) {
        const bn = new BatchNorm({ numFeatures: 3, dtype: 'float64' });
        affine(bn, 3);
        bn.setState({ runningMean: [0.1, -0.2, 0.3], runningVar: [0.5, 1.5, 2] });
        gradCheck(bn, randn([4, 3, 2, 3], 1, 0.5, 2), training);
      }
      gradCheck(new BatchNorm({ numFeatures: 5, affine: false, dtype: 'float64' }), randn([6, 5], 2), true);
    });
    it('InstanceNorm (instance statistics, and tracked running statistics in eval)', () => {
      const a = new InstanceNorm({ numFeatures: 3, affine: true, dtype: 'float64' });
      affine(a, 3);
      gradCheck(a, randn([2, 3, 7], 3), true);
      const b = new InstanceNorm({ numFeatures: 3, affine: true, trackRunningStats: true, dtype: 'float64' });
      affine(b, 3);
      b.setState({ runningMean: [1, 2, 3], runningVar: [2, 3, 4] });
      gradCheck(b, randn([2, 3, 3, 3], 4), false);
    });
    it('GroupNorm (affine, a zero weight included, and no affine)', () => {
      const g = new GroupNorm({ numGroups: 2, numChannels: 6, dtype: 'float64' });
      affine(g, 6);
      g.weight!.value.data[1] = 0;
      gradCheck(g, randn([3, 6, 2, 2], 5, 2, 3), true);
      gradCheck(new GroupNorm({ numGroups: 3, numChannels: 6, affine: false, dtype: 'float64' }), randn([2, 6, 5], 6), false);
    });
    it('LayerNorm (affine, bias=False, no affine)', () => {
      const a = new LayerNorm({ normalizedShape: [3, 4], dtype: 'float64' });
      a.setState({ weight: Array.from(randn([12], 7).data), bias: Array.from(randn([12], 8).data) });
      gradCheck(a, randn([2, 5, 3, 4], 9), true);
      const b = new LayerNorm({ normalizedShape: 6, bias: false, dtype: 'float64' });
      b.setState({ weight: Array.from(randn([6], 10).data) });
      assert.deepStrictEqual(b.parameters().map((p) => p.name), ['weight']);
      gradCheck(b, randn([4, 6], 11), true);
      gradCheck(new LayerNorm({ normalizedShape: 6, elementwiseAffine: false, dtype: 'float64' }), randn([4, 6], 12, 3), true);
    });
    it('RMSNorm (weight and none)', () => {
      const a = new RMSNorm({ normalizedShape: [2, 5], eps: 1e-6, dtype: 'float64' });
      a.setState({ weight: Array.from(randn([10], 13).data) });
      gradCheck(a, randn([3, 2, 5], 14), true);
      gradCheck(new RMSNorm({ normalizedShape: 7, eps: 1e-5, elementwiseAffine: false, dtype: 'float64' }), randn([3, 7], 15, 1), true);
    });
  });

  describe('running statistics', () => {
    it('BatchNorm: unbiased variance into running_var, momentum None = cumulative average, eval uses them', () => {
      const bn = new BatchNorm({ numFeatures: 1, momentum: null, dtype: 'float64' });
      const batches = [[1, 2, 3, 4], [10, 10, 12, 12]];
      for (const b of batches) bn.forward({ shape: [4, 1], data: Float64Array.from(b) }, true);
      assert.strictEqual(bn.numBatchesTracked, 2);
      assertClose(bn.runningMean!, [(2.5 + 11) / 2], 1e-15);
      assertClose(bn.runningVar!, [(5 / 3 + 4 / 3) / 2], 1e-15);
      const y = bn.forward({ shape: [1, 1], data: Float64Array.of(6.75) }, false);
      assertClose(y.data, [0], 1e-15);
      assert.strictEqual(bn.numBatchesTracked, 2);
    });
    it('BatchNorm without tracking uses batch statistics in eval and keeps no state', () => {
      const bn = new BatchNorm({ numFeatures: 2, trackRunningStats: false, dtype: 'float64' });
      assert.strictEqual(bn.runningMean, null);
      const y = bn.forward(randn([5, 2], 1, 3, 2), false);
      const m = moments(y.data, 5, (k) => k * 2);
      assert.ok(Math.abs(m.mean) < 1e-12);
    });
    it('InstanceNorm tracks the batch mean of the instance statistics and never counts batches', () => {
      const inorm = new InstanceNorm({ numFeatures: 1, trackRunningStats: true, momentum: 0.5, dtype: 'float64' });
      inorm.forward({ shape: [2, 1, 3], data: Float64Array.of(0, 1, 2, 10, 20, 30) }, true);
      assertClose(inorm.runningMean!, [0.5 * 0 + 0.5 * ((1 + 20) / 2)], 1e-15);
      assertClose(inorm.runningVar!, [0.5 * 1 + 0.5 * ((1 + 100) / 2)], 1e-15);
      assert.strictEqual(inorm.numBatchesTracked, 0);
    });
    it('two-pass variance stays exact when the mean is 1e8 times the spread (float64)', () => {
      const x = randn([64, 3], 3, 0, 1);
      const shifted = { shape: x.shape, data: x.data.map((v) => v + 1e8) };
      const a = new BatchNorm({ numFeatures: 3, dtype: 'float64' }).forward(x, true).data;
      const b = new BatchNorm({ numFeatures: 3, dtype: 'float64' }).forward(shifted, true).data;
      assertClose(b, a, 1e-7);
    });
  });

  describe('errors and edge shapes', () => {
    const refuses = (f: () => unknown, pattern: RegExp): void => {
      assert.throws(f, (e: unknown) => e instanceof EngineError && pattern.test(e.message));
    };
    it('refuses one value per channel in training, accepts it in eval', () => {
      const bn = new BatchNorm({ numFeatures: 3 });
      refuses(() => bn.forward({ shape: [1, 3], data: new Float32Array(3) }, true), /more than 1 value per channel/);
      assert.strictEqual(bn.forward({ shape: [1, 3], data: new Float32Array(3) }, false).data.length, 3);
      refuses(() => new InstanceNorm({ numFeatures: 2 }).forward({ shape: [2, 2, 1], data: new Float32Array(4) }, true), /more than 1 spatial element/);
    });
    it('refuses groups that do not divide the channels, and shape mismatches', () => {
      refuses(() => new GroupNorm({ numGroups: 4, numChannels: 6 }), /divisible/);
      refuses(() => new GroupNorm({ numGroups: 2, numChannels: 6, affine: false }).forward({ shape: [1, 5, 2], data: new Float32Array(10) }, true), /divisible/);
      refuses(() => new GroupNorm({ numGroups: 2, numChannels: 6 }).forward({ shape: [1, 4, 2], data: new Float32Array(8) }, true), /6 channels/);
      refuses(() => new BatchNorm({ numFeatures: 3, dims: 2 }).forward({ shape: [2, 3, 4], data: new Float32Array(24) }, true), /expected 4D input/);
      refuses(() => new BatchNorm({ numFeatures: 3 }).forward({ shape: [2, 4], data: new Float32Array(8) }, true), /built for 3 channels/);
      refuses(() => new LayerNorm({ normalizedShape: [8] }).forward({ shape: [2, 7], data: new Float32Array(14) }, true), /normalized_shape=\[8\]/);
      refuses(() => new RMSNorm({ normalizedShape: [2, 3] }).forward({ shape: [3], data: new Float32Array(3) }, true), /expected input with shape/);
      refuses(() => new BatchNorm({ numFeatures: 3 }).forward({ shape: [2, 3], data: new Float32Array(5) }, true), /needs 6 values/);
      refuses(() => new BatchNorm({ numFeatures: 3 }).backward({ shape: [2, 3], data: new Float32Array(6) }), /before forward/);
      const ln = new LayerNorm({ normalizedShape: 4 });
      ln.forward({ shape: [2, 4], data: new Float32Array(8) }, true);
      refuses(() => ln.backward({ shape: [4, 2], data: new Float32Array(8) }), /gradient of shape/);
    });
    it('refuses bad options', () => {
      refuses(() => new BatchNorm({ numFeatures: 0 }), /numFeatures/);
      refuses(() => new BatchNorm({ numFeatures: 2, eps: -1 }), /eps/);
      refuses(() => new LayerNorm({ normalizedShape: [] }), /at least one/);
      refuses(() => new LayerNorm({ normalizedShape: [3, 0] }), /positive integer/);
      refuses(() => new InstanceNorm({ numFeatures: 2, momentum: null }).forward(randn([1, 2, 3], 1), true), /momentum=None/);
    });
    it('handles empty batches, one-element rows and huge channel counts', () => {
      const bn = new BatchNorm({ numFeatures: 3, dtype: 'float64' });
      const y = bn.forward({ shape: [0, 3, 4], data: new Float64Array(0) }, true);
      assert.deepStrictEqual(y.shape, [0, 3, 4]);
      assert.deepStrictEqual(Array.from(bn.runningMean!), [0, 0, 0]);
      assert.strictEqual(bn.backward({ shape: [0, 3, 4], data: new Float64Array(0) }).data.length, 0);
      assert.deepStrictEqual(Array.from(bn.bias!.grad!.data), [0, 0, 0]);
      const ln = new LayerNorm({ normalizedShape: 1, dtype: 'float64' });
      ln.setState({ bias: [0.25] });
      assert.deepStrictEqual(Array.from(ln.forward({ shape: [3, 1], data: Float64Array.of(1, 2, 3) }, true).data), [0.25, 0.25, 0.25]);
      const c = 200000;
      const big = new BatchNorm({ numFeatures: c });
      const x: Tensor = randn([2, c], 4);
      const out = big.forward({ shape: x.shape, data: Float32Array.from(x.data) }, true);
      assert.ok(out.data instanceof Float32Array);
      for (let ch = 0; ch < c; ch++) assert.ok(Math.abs(out.data[ch] + out.data[c + ch]) < 1e-6 && Math.abs(out.data[ch]) <= 1);
    });
    it('keeps float32 data float32 and float64 data float64', () => {
      const ln = new LayerNorm({ normalizedShape: 3 });
      assert.ok(ln.forward({ shape: [1, 3], data: Float32Array.of(1, 2, 4) }, true).data instanceof Float32Array);
      assert.ok(ln.forward({ shape: [1, 3], data: Float64Array.of(1, 2, 4) }, true).data instanceof Float64Array);
    });
  });
});
