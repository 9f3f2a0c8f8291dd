import * as assert from 'assert';
import fc from 'fast-check';
import { gemmNT } from '../../../src/engine/gemm';
import { calculateGain, choleskyQR2, fans, initWeight, kaimingNormal, orthogonal, xavierUniform, zeroGamma } from '../../../src/engine/init';
import { Activation, Conv2d, Dropout, erf, Flatten, GlobalAvgPool, Linear, paddedIndex, Pool2d, Residual, Sequential } from '../../../src/engine/layers';
import { BatchNorm } from '../../../src/engine/norms';
import { Rng } from '../../../src/engine/rng';
import { EngineError, fromArray, zeros, type Tensor } from '../../../src/engine/tensor';
import { assertClose, gradCheck, randn } from './helpers';

function naiveConv(x: Tensor, conv: Conv2d): Float64Array {
  const [n, cin, h, w] = x.shape;
  const [kh, kw] = conv.kernelSize;
  const [ho, wo] = conv.outputSize(h, w);
  const cout = conv.outChannels;
  const cg = cin / conv.groups;
  const cog = cout / conv.groups;
  const wt = conv.weight.value.data;
  const out = new Float64Array(n * cout * ho * wo);
  for (let s = 0; s < n; s++)
    for (let co = 0; co < cout; co++)
      for (let oy = 0; oy < ho; oy++)
        for (let ox = 0; ox < wo; ox++) {
          let acc = conv.bias ? conv.bias.value.data[co] : 0;
          const g = Math.floor(co / cog);
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const iy = oy * conv.stride[0] - conv.padding[0] + i * conv.dilation[0];
                const ix = ox * conv.stride[1] - conv.padding[1] + j * conv.dilation[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += wt[((co * cg + c) * kh + i) * kw + j] * x.data[((s * cin + g * cg + c) * h + iy) * w + ix];
              }
          out[((s * cout + co) * ho + oy) * wo + ox] = acc;
        }
  return out;
}

describe('engine layers', () => {
  it('gemmNT matches the definition for any sizes (remainder rows and columns), overwrite and accumulate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 7 }), fc.integer(), (m, n, k, seed) => {
        const a = randn([m * k], seed).data as Float64Array;
        const b = randn([n * k], seed + 1).data as Float64Array;
        const c = new Float64Array(m * n).fill(3);
        gemmNT(a, b, c, m, n, k);
        const expected = new Float64Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) expected[i * n + j] += a[i * k + p] * b[j * k + p];
        assertClose(c, expected, 1e-13);
        gemmNT(a, b, c, m, n, k, true);
        assertClose(c, expected.map((v) => 2 * v), 1e-13);
      }),
    );
  });

  describe('Linear', () => {
    it('computes x · Wᵀ + b over the last dim, in float32 and float64', () => {
      const lin = new Linear({ inFeatures: 3, outFeatures: 2, dtype: 'float64' });
      lin.weight.value.data.set([1, 2, 3, -1, 0, 1]);
      lin.bias!.value.data.set([0.5, -0.5]);
      const y = lin.forward(fromArray([2, 1, 3], [1, 1, 1, 2, 0, 1], 'float64'), true);
      assert.deepStrictEqual(y.shape, [2, 1, 2]);
      assertClose(y.data, [6.5, -0.5, 5.5, -1.5], 1e-15);
      const y32 = lin.forward(fromArray([1, 3], [1, 1, 1], 'float32'), true);
      assert.ok(y32.data instanceof Float32Array);
    });
    it('has gradients that match finite differences (odd sizes, no bias too)', () => {
      gradCheck(new Linear({ inFeatures: 7, outFeatures: 5, dtype: 'float64', rng: new Rng(1) }), randn([6, 7], 2), true);
      gradCheck(new Linear({ inFeatures: 4, outFeatures: 9, bias: false, dtype: 'float64', rng: new Rng(2) }), randn([2, 3, 4], 3), true);
    });
    it('uses PyTorch default init: weight and bias in ±1/√fan_in', () => {
      const lin = new Linear({ inFeatures: 100, outFeatures: 50, rng: new Rng(3) });
      const bound = 1 / Math.sqrt(100);
      const w = lin.weight.value.data;
      assert.ok(w.every((v) => Math.abs(v) <= bound));
      assert.ok(Math.max(...w) > 0.95 * bound && Math.min(...w) < -0.95 * bound);
      assert.ok(lin.bias!.value.data.every((v) => Math.abs(v) <= bound));
    });
    it('refuses a wrong input width', () => {
      assert.throws(() => new Linear({ inFeatures: 3, outFeatures: 2 }).forward(zeros([2, 4]), true), EngineError);
    });
  });

  describe('Conv2d', () => {
    const configs = [
      { inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 },
      { inChannels: 2, outChannels: 5, kernelSize: [2, 3] as [number, number], stride: [2, 1] as [number, number], bias: false },
      { inChannels: 4, outChannels: 6, kernelSize: 3, dilation: 2, padding: 2, groups: 2 },
      { inChannels: 3, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, groups: 3 },
    ];
    it('matches a direct convolution (stride, padding, dilation, groups)', () => {
      for (const [i, cfg] of configs.entries()) {
        const conv = new Conv2d({ ...cfg, dtype: 'float64', rng: new Rng(i) });
        const x = randn([2, cfg.inChannels, 6, 7], i + 10);
        assertClose(conv.forward(x, true).data, naiveConv(x, conv), 1e-12, `config ${i}`);
      }
    });
    it('depthwise (groups = in_channels, a channel multiplier, any padding mode, dilation): matches the direct convolution and its gradients check', () => {
      const cases = [
        { inChannels: 4, outChannels: 4, kernelSize: 7, padding: 3, groups: 4 }, // a ConvNeXt block's
        { inChannels: 3, outChannels: 6, kernelSize: 3, padding: 2, dilation: 2, groups: 3, stride: 2 },
        { inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, groups: 2, paddingMode: 'reflect' as const, bias: false },
        { inChannels: 2, outChannels: 4, kernelSize: [3, 2] as [number, number], padding: 1, groups: 2, paddingMode: 'circular' as const },
      ];
      for (const [i, cfg] of cases.entries()) {
        const conv = new Conv2d({ ...cfg, dtype: 'float64', rng: new Rng(i + 40) });
        const x = randn([2, cfg.inChannels, 5, 6], i + 50);
        if (cfg.paddingMode === undefined) assertClose(conv.forward(x, true).data, naiveConv(x, conv), 1e-12, `depthwise ${i}`);
        gradCheck(conv, x, true, { points: 16 });
      }
      // float32: the same as float64 to float32 precision.
      const c32 = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 7, padding: 3, groups: 8, rng: new Rng(9) });
      const c64 = new Conv2d({ inChannels: 8, outChannels: 8, kernelSize: 7, padding: 3, groups: 8, dtype: 'float64', rng: new Rng(9) });
      const x64 = randn([3, 8, 4, 4], 91);
      const y32 = c32.forward({ shape: x64.shape, data: Float32Array.from(x64.data) }, true);
      assert.ok(y32.data instanceof Float32Array);
      assertClose(y32.data, c64.forward(x64, true).data, 1e-5, 'float32 depthwise');
    });
    it('over maps small enough that some taps read only padding: matches the direct convolution, and those taps get zero weight gradient', () => {
      const small = [
        { cfg: { inChannels: 4, outChannels: 3, kernelSize: 3, padding: 1 }, size: [1, 1] }, // centre tap only
        { cfg: { inChannels: 4, outChannels: 3, kernelSize: 3, padding: 1, stride: 2 }, size: [2, 2] }, // rows and columns 1, 2
        { cfg: { inChannels: 4, outChannels: 4, kernelSize: 3, padding: 2, dilation: 2, groups: 2 }, size: [1, 3] },
        { cfg: { inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, paddingMode: 'replicate' as const }, size: [1, 1] }, // every tap reads
      ];
      for (const [i, { cfg, size }] of small.entries()) {
        const conv = new Conv2d({ ...cfg, dtype: 'float64', rng: new Rng(i + 60) });
        const x = randn([3, cfg.inChannels, size[0], size[1]], i + 70);
        if (cfg.paddingMode === undefined) assertClose(conv.forward(x, true).data, naiveConv(x, conv), 1e-12, `small ${i}`);
        gradCheck(conv, x, true, { points: 12 });
      }
      const conv = new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, dtype: 'float64', rng: new Rng(5) });
      const y = conv.forward(randn([2, 2, 1, 1], 80), true);
      conv.backward(randn([...y.shape], 81));
      const dw = conv.weight.grad!.data;
      for (let k = 0; k < dw.length; k++) assert.strictEqual(dw[k] === 0, k % 9 !== 4, `weight gradient ${k}`);
      // float32 (the WebAssembly kernel): the same as float64 to float32 precision.
      const c32 = new Conv2d({ inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1, rng: new Rng(6) });
      const c64 = new Conv2d({ inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1, dtype: 'float64', rng: new Rng(6) });
      const x64 = randn([4, 16, 1, 1], 82);
      assertClose(c32.forward({ shape: x64.shape, data: Float32Array.from(x64.data) }, true).data, c64.forward(x64, true).data, 1e-5, 'float32');
    });
    it('gives each sample of a batch what it gives that sample alone, also when the batch is unfolded in several chunks', () => {
      // 40 samples of 32×32 with kc = 8·3·3: 73,728 patch elements each, more than one chunk holds.
      for (const dtype of ['float32', 'float64'] as const) {
        for (const [i, cfg] of [{ inChannels: 8, outChannels: 6, kernelSize: 3, padding: 1 }, { inChannels: 8, outChannels: 6, kernelSize: 3, padding: 1, groups: 2 }].entries()) {
          const conv = new Conv2d({ ...cfg, dtype, rng: new Rng(i) });
          const x64 = randn([40, 8, 32, 32], i + 40);
          const x: Tensor = { shape: x64.shape, data: dtype === 'float32' ? Float32Array.from(x64.data) : x64.data };
          const y = conv.forward(x, true);
          const per = 6 * 32 * 32;
          for (const s of [0, 27, 28, 39]) {
            const alone = conv.forward({ shape: [1, 8, 32, 32], data: x.data.subarray(s * 8 * 1024, (s + 1) * 8 * 1024) }, true);
            assert.deepStrictEqual(y.data.subarray(s * per, (s + 1) * per), alone.data, `${dtype}, config ${i}, sample ${s}`);
          }
        }
      }
    });
    it('backpropagates a batch unfolded in several chunks as the sum of its samples alone', () => {
      const conv = new Conv2d({ inChannels: 8, outChannels: 6, kernelSize: 3, padding: 1, groups: 2, dtype: 'float64', rng: new Rng(3) });
      const x = randn([40, 8, 32, 32], 50);
      const dy = randn([40, 6, 32, 32], 51);
      conv.forward(x, true);
      const dx = conv.backward(dy).data;
      const dw = Float64Array.from(conv.weight.grad!.data);
      const db = Float64Array.from(conv.bias!.grad!.data);
      const sumW = new Float64Array(dw.length);
      const sumB = new Float64Array(db.length);
      for (let s = 0; s < 40; s++) {
        conv.forward({ shape: [1, 8, 32, 32], data: x.data.subarray(s * 8192, (s + 1) * 8192) }, true);
        const alone = conv.backward({ shape: [1, 6, 32, 32], data: dy.data.subarray(s * 6144, (s + 1) * 6144) }).data;
        if (s === 0 || s === 28 || s === 39) assertClose(dx.subarray(s * 8192, (s + 1) * 8192), alone, 1e-12, `dx of sample ${s}`);
        conv.weight.grad!.data.forEach((v, i) => (sumW[i] += v));
        conv.bias!.grad!.data.forEach((v, i) => (sumB[i] += v));
      }
      assertClose(dw, sumW, 1e-9, 'weight gradient');
      assertClose(db, sumB, 1e-9, 'bias gradient');
    });
    it('has gradients that match finite differences', () => {
      for (const [i, cfg] of configs.entries()) {
        gradCheck(new Conv2d({ ...cfg, dtype: 'float64', rng: new Rng(i) }), randn([2, cfg.inChannels, 5, 6], i + 20), true, { points: 12 });
      }
    });
    it('pads by PyTorch\'s modes: reflect without the edge, replicate, circular', () => {
      const map = (mode: Parameters<typeof paddedIndex>[2]): number[] => [-2, -1, 0, 4, 5, 6].map((v) => paddedIndex(v, 5, mode));
      assert.deepStrictEqual(map('zeros'), [-1, -1, 0, 4, -1, -1]);
      assert.deepStrictEqual(map('reflect'), [2, 1, 0, 4, 3, 2]);
      assert.deepStrictEqual(map('replicate'), [0, 0, 0, 4, 4, 4]);
      assert.deepStrictEqual(map('circular'), [3, 4, 0, 4, 0, 1]);
    });
    it('has gradients that match finite differences with reflect, replicate and circular padding', () => {
      const modes = ['reflect', 'replicate', 'circular'] as const;
      for (const [i, mode] of modes.entries()) {
        const cfg = { inChannels: 2, outChannels: 3, kernelSize: 3, padding: [2, 1] as [number, number], stride: i === 1 ? 2 : 1, paddingMode: mode };
        gradCheck(new Conv2d({ ...cfg, dtype: 'float64', rng: new Rng(i) }), randn([2, 2, 5, 4], i + 30), true, { points: 12 });
      }
    });
    it('refuses bad geometry', () => {
      assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 1, paddingMode: 'mirror' as never }), /padding_mode/);
      assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: 3, paddingMode: 'reflect' }).forward(zeros([1, 1, 3, 8]), true), /reflect padding 3/);
      assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: 4, paddingMode: 'circular' }).forward(zeros([1, 1, 3, 8]), true), /circular padding 4/);
      new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 3, padding: 3, paddingMode: 'circular' }).forward(zeros([1, 1, 3, 8]), true);
      assert.throws(() => new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, groups: 2 }), /divisible/);
      assert.throws(() => new Conv2d({ inChannels: 1, outChannels: 1, kernelSize: 5 }).forward(zeros([1, 1, 3, 3]), true), /smaller than the kernel/);
      assert.throws(() => new Conv2d({ inChannels: 2, outChannels: 1, kernelSize: 1 }).forward(zeros([1, 3, 3, 3]), true), /expected input/);
    });
  });

  describe('activations', () => {
    it('erf is accurate to 1e-14', () => {
      const table: [number, number][] = [
        [0, 0],
        [0.1, 0.1124629160182849],
        [0.5, 0.5204998778130465],
        [1, 0.8427007929497149],
        [-1.5, -0.9661051464753108],
        [2, 0.9953222650189527],
        [2.5, 0.999593047982555],
        [3, 0.9999779095030014],
        [4.5, 0.9999999998033839],
      ];
      for (const [x, e] of table) assert.ok(Math.abs(erf(x) - e) < 1e-14, `erf(${x}) = ${erf(x)}`);
    });
    it('compute ReLU, GELU, SiLU and tanh', () => {
      const x = fromArray([4], [-2, -0.5, 0.5, 2], 'float64');
      const y = (k: 'relu' | 'gelu' | 'gelu_tanh' | 'silu' | 'tanh'): number[] => Array.from(new Activation(k).forward(x, true).data);
      assert.deepStrictEqual(y('relu'), [0, 0, 0.5, 2]);
      assertClose(y('gelu'), [-0.04550026389635842, -0.15426876936299344, 0.34573123063700656, 1.9544997361036416], 1e-14);
      assertClose(y('gelu_tanh'), [-0.04540230591222494, -0.15428599017485606, 0.34571400982514394, 1.954597694087775], 1e-14);
      assertClose(y('silu'), [-0.2384058440442351, -0.1887703343990727, 0.3112296656009273, 1.7615941559557646], 1e-14);
      assertClose(y('tanh'), [Math.tanh(-2), Math.tanh(-0.5), Math.tanh(0.5), Math.tanh(2)], 0);
    });
    it('have gradients that match finite differences', () => {
      for (const k of ['relu', 'gelu', 'gelu_tanh', 'silu', 'tanh'] as const) gradCheck(new Activation(k), randn([3, 11], 5, 0, 3), true);
    });
  });

  describe('Dropout', () => {
    it('is the identity in eval and zeroes a fraction p (scaling the rest) in training, reproducibly', () => {
      const x = randn([100, 100], 1);
      assert.deepStrictEqual(new Dropout(0.3).forward(x, false).data, x.data);
      const d = new Dropout(0.3, new Rng(5));
      const y = d.forward(x, true).data;
      let zeros = 0;
      for (let i = 0; i < y.length; i++) {
        if (y[i] === 0) zeros++;
        else assert.ok(Math.abs(y[i] - x.data[i] / 0.7) < 1e-12);
      }
      assert.ok(Math.abs(zeros / y.length - 0.3) < 0.02, `${zeros}`);
      assert.deepStrictEqual(new Dropout(0.3, new Rng(5)).forward(x, true).data, y);
      const g = d.backward({ shape: x.shape, data: new Float64Array(x.data.length).fill(1) }).data;
      for (let i = 0; i < y.length; i++) assert.strictEqual(g[i], y[i] === 0 ? 0 : 1 / 0.7);
      assert.ok(new Dropout(1).forward(x, true).data.every((v) => v === 0));
      assert.throws(() => new Dropout(1.5), /between 0 and 1/);
    });
  });

  describe('pooling', () => {
    const x = fromArray([1, 1, 4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 'float64');
    it('max and average pool with PyTorch geometry', () => {
      assert.deepStrictEqual(Array.from(new Pool2d('max', { kernelSize: 2 }).forward(x, true).data), [6, 8, 14, 16]);
      assert.deepStrictEqual(Array.from(new Pool2d('avg', { kernelSize: 2 }).forward(x, true).data), [3.5, 5.5, 11.5, 13.5]);
      // 3×3, stride 2, padding 1: corners average over 9 cells with padding counted (PyTorch default), or over 4.
      assertClose(new Pool2d('avg', { kernelSize: 3, stride: 2, padding: 1 }).forward(x, true).data, [14 / 9, 30 / 9, 57 / 9, 99 / 9], 1e-15);
      assertClose(new Pool2d('avg', { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }).forward(x, true).data, [14 / 4, 30 / 6, 57 / 6, 99 / 9], 1e-15);
      assert.deepStrictEqual(Array.from(new GlobalAvgPool().forward(x, true).data), [8.5]);
    });
    it('ceil_mode rounds the output size up, but never starts a window in the right padding', () => {
      const shape = (o: { kernelSize: number; stride: number; padding?: number; ceilMode?: boolean }, h: number): number => new Pool2d('max', o).forward(zeros([1, 1, h, h]), true).shape[2];
      assert.strictEqual(shape({ kernelSize: 3, stride: 2 }, 6), 2);
      assert.strictEqual(shape({ kernelSize: 3, stride: 2, ceilMode: true }, 6), 3);
      assert.strictEqual(shape({ kernelSize: 2, stride: 2, padding: 1, ceilMode: true }, 5), 3); // not 4: that window would start in the padding
      assert.strictEqual(shape({ kernelSize: 2, stride: 2, padding: 1 }, 5), 3);
    });
    it('have gradients that match finite differences', () => {
      gradCheck(new Pool2d('max', { kernelSize: 3, stride: 2, padding: 1 }), randn([2, 2, 5, 5], 3), true);
      gradCheck(new Pool2d('avg', { kernelSize: 3, stride: 2, padding: 1 }), randn([2, 2, 5, 5], 4), true);
      gradCheck(new Pool2d('avg', { kernelSize: 2, countIncludePad: false, padding: 1 }), randn([1, 2, 5, 4], 5), true);
      gradCheck(new GlobalAvgPool(), randn([2, 3, 4, 5], 6), true);
    });
  });

  describe('containers', () => {
    it('Sequential and Residual chain forward and backward (finite differences through a small ResNet-like block)', () => {
      const rng = new Rng(9);
      const block = new Residual(
        new Sequential([
          new Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, dtype: 'float64', rng }),
          new BatchNorm({ numFeatures: 2, dtype: 'float64' }),
          new Activation('relu'),
        ]),
      );
      const net = new Sequential([block, new GlobalAvgPool(), new Flatten(), new Linear({ inFeatures: 2, outFeatures: 3, dtype: 'float64', rng })]);
      assert.deepStrictEqual(
        net.parameters().map((p) => p.name),
        ['0.0.weight', '0.0.bias', '0.1.weight', '0.1.bias', '3.weight', '3.bias'],
      );
      gradCheck(net, randn([3, 2, 4, 4], 10), true, { points: 10 });
      assert.ok(net.parameters().every((p) => p.grad !== null));
    });
  });

  describe('initialisation', () => {
    it('computes fans and gains as torch.nn.init does', () => {
      assert.deepStrictEqual(fans([8, 4, 3, 3]), { fanIn: 36, fanOut: 72 });
      assert.strictEqual(calculateGain('relu'), Math.SQRT2);
      assert.strictEqual(calculateGain('tanh'), 5 / 3);
      assert.ok(Math.abs(calculateGain('leaky_relu', Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
    });
    it('draws Kaiming-normal and Xavier-uniform with the right spread', () => {
      const w = zeros([256, 512], 'float64');
      kaimingNormal(w, new Rng(1));
      let q = 0;
      for (const v of w.data) q += v * v;
      assert.ok(Math.abs(Math.sqrt(q / w.data.length) / Math.sqrt(2 / 512) - 1) < 0.01);
      xavierUniform(w, new Rng(2));
      const bound = Math.sqrt(6 / (256 + 512));
      assert.ok(w.data.every((v) => Math.abs(v) <= bound) && Array.from(w.data).reduce((a, v) => Math.max(a, v), 0) > 0.99 * bound);
    });
    it('makes orthogonal rows (wide) or columns (tall)', () => {
      for (const shape of [[3, 8], [8, 3], [5, 5], [4, 2, 3]]) {
        const w = zeros(shape, 'float64');
        orthogonal(w, new Rng(4), 2);
        const rows = shape[0];
        const cols = w.data.length / rows;
        const small = Math.min(rows, cols);
        for (let a = 0; a < small; a++) {
          for (let b = 0; b < small; b++) {
            let d = 0;
            for (let k = 0; k < Math.max(rows, cols); k++) d += rows <= cols ? w.data[a * cols + k] * w.data[b * cols + k] : w.data[k * cols + a] * w.data[k * cols + b];
            assert.ok(Math.abs(d - (a === b ? 4 : 0)) < 1e-12, `${shape.join('x')} ${a},${b}: ${d}`);
          }
        }
      }
    });
    it('makes the same orthogonal float32 weight (CholeskyQR2 in float32) as in float64 (Gram-Schmidt), wide or tall, from the same draws', () => {
      for (const shape of [[64, 3, 7, 7], [300, 100], [40, 32], [48, 48]]) {
        const w32 = zeros(shape, 'float32');
        const w64 = zeros(shape, 'float64');
        orthogonal(w32, new Rng(9), 1.5);
        orthogonal(w64, new Rng(9), 1.5);
        let worst = 0;
        for (let i = 0; i < w64.data.length; i++) worst = Math.max(worst, Math.abs(w32.data[i] - w64.data[i]));
        assert.ok(worst < 2e-5, `${shape.join('x')}: largest difference ${worst}`);
      }
    });
    it('CholeskyQR2: one pass when it leaves QᵀQ within the tolerance of I, a second one otherwise; both orthonormal', () => {
      const [tall, short] = [300, 64];
      const at = new Float32Array(tall * short);
      new Rng(12).fillNormal(at);
      const gram = (qt: Float32Array): number => {
        let worst = 0;
        for (let i = 0; i < short; i++) {
          for (let j = 0; j < short; j++) {
            let d = 0;
            for (let k = 0; k < tall; k++) d += qt[i * tall + k] * qt[j * tall + k];
            worst = Math.max(worst, Math.abs(d - (i === j ? 1 : 0)));
          }
        }
        return worst;
      };
      const once = choleskyQR2(at, tall, short);
      const twice = choleskyQR2(at, tall, short, 0);
      assert.ok(once && twice);
      assert.ok(gram(once) < 1e-5 && gram(twice) < 1e-5, `${gram(once)} ${gram(twice)}`);
      assert.notDeepStrictEqual(once, twice, 'tolerance 0 takes the second pass');
      for (let i = 0; i < once.length; i++) assert.ok(Math.abs(once[i] - twice[i]) < 1e-5, `entry ${i}`);
    });
    it('is reproducible per seed and zero-gamma zeroes a norm weight', () => {
      const a = zeros([4, 4]);
      const b = zeros([4, 4]);
      initWeight(a, 'kaiming_uniform', new Rng(7));
      initWeight(b, 'kaiming_uniform', new Rng(7));
      assert.deepStrictEqual(a.data, b.data);
      const bn = new BatchNorm({ numFeatures: 4 });
      zeroGamma(bn);
      assert.ok(bn.weight!.value.data.every((v) => v === 0));
      assert.throws(() => zeroGamma(new BatchNorm({ numFeatures: 4, affine: false })), /no weight/);
    });
  });

  describe('Rng (xoshiro128**)', () => {
    it('is deterministic per seed, different across seeds, uniform in [0, 1) and normal with mean 0 / variance 1', () => {
      const a = new Rng(42);
      const b = new Rng(42);
      const first = Array.from({ length: 5 }, () => a.nextUint32());
      assert.deepStrictEqual(first, Array.from({ length: 5 }, () => b.nextUint32()));
      assert.notDeepStrictEqual(first, Array.from({ length: 5 }, () => new Rng(43).nextUint32()));
      const r = new Rng(1);
      let s = 0;
      let q = 0;
      const n = 100000;
      for (let i = 0; i < n; i++) {
        const u = r.uniform();
        assert.ok(u >= 0 && u < 1);
        const z = r.normal();
        s += z;
        q += z * z;
      }
      assert.ok(Math.abs(s / n) < 0.02 && Math.abs(q / n - 1) < 0.02);
    });
    it('fills arrays with the values uniformIn gives one by one, and goes on with the same stream', () => {
      for (const make of [(n: number) => new Float32Array(n), (n: number) => new Float64Array(n)]) {
        const filled = new Rng(11);
        const single = new Rng(11);
        const out = make(1001);
        filled.fillUniform(out, -0.25, 0.75);
        const expected = make(1001);
        for (let i = 0; i < expected.length; i++) expected[i] = single.uniformIn(-0.25, 0.75);
        assert.deepStrictEqual(out, expected);
        assert.strictEqual(filled.nextUint32(), single.nextUint32());
      }
    });
    it('keeps its stream stable (a change of algorithm must be deliberate)', () => {
      const r = new Rng(0);
      assert.deepStrictEqual(Array.from({ length: 3 }, () => r.nextUint32()), SNAPSHOT);
    });
  });
});

// From an independent Python transcription of the reference C code with the same SplitMix32 seeding.
const SNAPSHOT = [3809008728, 1133695204, 53579671];
