import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import type { Layer } from '../../../src/engine/layer';
import { Conv2d, Linear } from '../../../src/engine/layers';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from '../../../src/engine/norms';
import { Rng } from '../../../src/engine/rng';
import type { FloatArray, Tensor } from '../../../src/engine/tensor';
import { setWasmEnabled, wasmAvailable, WASM_SOURCE_SHA256 } from '../../../src/engine/wasm/dense';
import { MIN_PLANE, MIN_WASM, useWasm } from '../../../src/engine/wasm/normKernels';
import { SOURCE_SHA256 as NORM_SOURCE_SHA256 } from '../../../src/engine/wasm/normWasm';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

function f32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  new Rng(seed).fillNormal(a);
  return a;
}

describe('WebAssembly SIMD dense kernel', () => {
  afterEach(() => setWasmEnabled(true));

  it('is available in Node and embedded from the committed AssemblyScript source', () => {
    assert.strictEqual(wasmAvailable(), true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { sourceHash } = require(path.join(ROOT, 'scripts', 'build-wasm.js')) as { sourceHash: (s: string) => string };
    const source = fs.readFileSync(path.join(ROOT, 'src', 'engine', 'wasm', 'gemm.as.ts'), 'utf8');
    assert.strictEqual(WASM_SOURCE_SHA256, sourceHash(source), 'src/engine/wasm/gemmWasm.ts is stale: run npm run build');
    const normSource = fs.readFileSync(path.join(ROOT, 'src', 'engine', 'wasm', 'norm.as.ts'), 'utf8');
    assert.strictEqual(NORM_SOURCE_SHA256, sourceHash(normSource), 'src/engine/wasm/normWasm.ts is stale: run npm run build');
  });

  it('gives Linear the same float32 forward and backward as the TypeScript kernel (any sizes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), fc.integer(), (rows, nIn, nOut, bias, seed) => {
        const run = (wasm: boolean): Float32Array[] => {
          setWasmEnabled(wasm);
          const lin = new Linear({ inFeatures: nIn, outFeatures: nOut, bias, rng: new Rng(seed) });
          const y = lin.forward({ shape: [rows, nIn], data: f32(rows * nIn, seed + 1) }, true);
          const dx = lin.backward({ shape: [rows, nOut], data: f32(rows * nOut, seed + 2) });
          return [y.data, dx.data, lin.weight.grad!.data, ...(lin.bias ? [lin.bias.grad!.data] : [])] as Float32Array[];
        };
        const a = run(true);
        const b = run(false);
        assert.ok(a.every((t) => t instanceof Float32Array));
        a.forEach((t, i) => t.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= 1e-5 * (1 + Math.abs(b[i][j])), `tensor ${i}[${j}]: ${v} vs ${b[i][j]}`)));
      }),
      { numRuns: 60 },
    );
  });
});

describe('Conv2d through the WebAssembly dense kernel', () => {
  afterEach(() => setWasmEnabled(true));

  it('gives the same float32 forward and gradients as the TypeScript kernel (stride, padding, groups)', () => {
    const configs = [
      { inChannels: 3, outChannels: 5, kernelSize: 3, padding: 1 },
      { inChannels: 4, outChannels: 6, kernelSize: [3, 2] as [number, number], stride: 2, dilation: 2, padding: 2, groups: 2 },
      { inChannels: 2, outChannels: 3, kernelSize: 3, padding: 2, paddingMode: 'reflect' as const },
      { inChannels: 2, outChannels: 4, kernelSize: 3, padding: [1, 3] as [number, number], paddingMode: 'circular' as const },
    ];
    for (const [i, cfg] of configs.entries()) {
      const run = (wasm: boolean): Float32Array[] => {
        setWasmEnabled(wasm);
        const conv = new Conv2d({ ...cfg, rng: new Rng(i) });
        const y = conv.forward({ shape: [3, cfg.inChannels, 9, 8], data: f32(3 * cfg.inChannels * 72, i + 1) }, true);
        const dx = conv.backward({ shape: [...y.shape], data: f32(y.data.length, i + 2) });
        return [y.data, dx.data, conv.weight.grad!.data, conv.bias!.grad!.data] as Float32Array[];
      };
      const a = run(true);
      const b = run(false);
      a.forEach((t, k) => t.forEach((v, j) => assert.ok(Math.abs(v - b[k][j]) <= 1e-4 * (1 + Math.abs(b[k][j])), `config ${i} tensor ${k}[${j}]: ${v} vs ${b[k][j]}`)));
    }
  });
});

describe('WebAssembly SIMD normalization kernels', () => {
  afterEach(() => setWasmEnabled(true));

  const f32Tensor = (shape: number[], seed: number, mean = 0.5, std = 2): Tensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    new Rng(seed).fillNormal(data, mean, std);
    return { shape, data };
  };

  /** Forward and backward of a fresh layer, with WebAssembly on or off. */
  const run = (make: () => Layer, x: Tensor, training: boolean, wasm: boolean): FloatArray[] => {
    setWasmEnabled(wasm);
    const layer = make();
    const rng = new Rng(11);
    for (const p of layer.parameters()) rng.fillNormal(p.value.data, 1, 0.5);
    const y = layer.forward(x, training);
    const dx = layer.backward(f32Tensor([...y.shape], 12, 0, 1));
    return [y.data, dx.data, ...layer.parameters().map((p) => p.grad!.data)];
  };

  const cases: [string, () => Layer, number[], boolean][] = [
    ['BatchNorm train', () => new BatchNorm({ numFeatures: 6 }), [5, 6, 11, 13], true],
    ['BatchNorm eval', () => new BatchNorm({ numFeatures: 6 }), [5, 6, 11, 13], false],
    ['InstanceNorm', () => new InstanceNorm({ numFeatures: 6, affine: true }), [5, 6, 11, 13], true],
    ['GroupNorm', () => new GroupNorm({ numGroups: 3, numChannels: 6 }), [5, 6, 11, 13], true],
    ['LayerNorm', () => new LayerNorm({ normalizedShape: [101] }), [7, 9, 101], true],
    ['LayerNorm bias=False', () => new LayerNorm({ normalizedShape: [3, 37], bias: false }), [50, 3, 37], true],
    ['LayerNorm no affine', () => new LayerNorm({ normalizedShape: [99], elementwiseAffine: false }), [60, 99], true],
    ['RMSNorm', () => new RMSNorm({ normalizedShape: [103], eps: 1e-6 }), [7, 9, 103], true],
    ['RMSNorm no affine', () => new RMSNorm({ normalizedShape: [64], eps: 1e-6, elementwiseAffine: false }), [100, 64], true],
    // Chunking edges: a channel larger than a chunk, groups and rows that do not divide a chunk,
    // a row longer than a chunk, planes whose length is no multiple of the SIMD width.
    ['BatchNorm, channels larger than a chunk', () => new BatchNorm({ numFeatures: 3 }), [9, 3, 61, 67], true],
    ['BatchNorm eval, channels larger than a chunk', () => new BatchNorm({ numFeatures: 3 }), [9, 3, 61, 67], false],
    ['InstanceNorm eval with tracked statistics', () => new InstanceNorm({ numFeatures: 5, affine: true, trackRunningStats: true }), [7, 5, 23, 29], false],
    ['GroupNorm, groups of odd planes', () => new GroupNorm({ numGroups: 2, numChannels: 6 }), [3, 6, 97, 101], true],
    ['GroupNorm no affine', () => new GroupNorm({ numGroups: 4, numChannels: 8, affine: false }), [5, 8, 19, 21], true],
    ['LayerNorm, a row longer than a chunk', () => new LayerNorm({ normalizedShape: [40001] }), [2, 40001], true],
    ['RMSNorm, rows of 17', () => new RMSNorm({ normalizedShape: [17] }), [301, 17], true],
  ];
  it('takes float32 tensors of MIN_WASM elements or more (planes of MIN_PLANE or more), and nothing else', () => {
    assert.strictEqual(useWasm([new Float32Array(MIN_WASM)], MIN_WASM, MIN_PLANE), true);
    assert.strictEqual(useWasm([new Float32Array(MIN_WASM - 1)], MIN_WASM - 1, MIN_PLANE), false);
    assert.strictEqual(useWasm([new Float32Array(MIN_WASM)], MIN_WASM, MIN_PLANE - 1), false);
    assert.strictEqual(useWasm([new Float64Array(MIN_WASM)], MIN_WASM, MIN_PLANE), false);
    assert.strictEqual(useWasm([new Float32Array(MIN_WASM), new Float64Array(3)], MIN_WASM, MIN_PLANE), false);
    setWasmEnabled(false);
    assert.strictEqual(useWasm([new Float32Array(MIN_WASM)], MIN_WASM, MIN_PLANE), false);
  });

  for (const [name, make, shape, training] of cases) {
    it(`${name}: the same float32 outputs and gradients as TypeScript`, () => {
      const x = f32Tensor(shape, 10);
      assert.ok(x.data.length >= MIN_WASM);
      const a = run(make, x, training, true);
      const b = run(make, x, training, false);
      assert.strictEqual(a.length, b.length);
      a.forEach((t, i) => {
        assert.ok(t instanceof Float32Array && t.length === b[i].length);
        t.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= 2e-5 * (1 + Math.abs(b[i][j])), `${name} tensor ${i}[${j}]: ${v} vs ${b[i][j]}`));
      });
    });
  }

  it('keeps float32 precision when the mean is 1e4 × the spread (every op, forward and backward, against float64)', () => {
    const ops: [string, (dtype: 'float32' | 'float64') => Layer, number[]][] = [
      ['BatchNorm', (dtype) => new BatchNorm({ numFeatures: 4, dtype }), [8, 4, 16, 40]],
      ['InstanceNorm', (dtype) => new InstanceNorm({ numFeatures: 4, affine: true, dtype }), [8, 4, 16, 40]],
      ['GroupNorm', (dtype) => new GroupNorm({ numGroups: 2, numChannels: 4, dtype }), [8, 4, 16, 40]],
      ['LayerNorm', (dtype) => new LayerNorm({ normalizedShape: [96], dtype }), [64, 96]],
      ['RMSNorm', (dtype) => new RMSNorm({ normalizedShape: [96], eps: 1e-6, dtype }), [64, 96]],
    ];
    for (const [name, make, shape] of ops) {
      const x = f32Tensor(shape, 5, 1e4, 1);
      const a = run(() => make('float32'), x, true, true);
      const b = run(() => make('float64'), { shape: x.shape, data: Float64Array.from(x.data) }, true, false);
      a.forEach((t, i) => {
        let worst = 0;
        t.forEach((v, j) => {
          worst = Math.max(worst, Math.abs(v - b[i][j]) / (1e-3 + Math.abs(b[i][j])));
        });
        // Errors relative to max(|expected|, 1e-3); measured worst ~4e-4 (a weight gradient).
        assert.ok(worst < 1e-3, `${name} tensor ${i}: worst relative error ${worst}`);
      });
    }
  });

  it('keeps the precision of the two-pass variance (mean 1e4 × the spread)', () => {
    const x = f32Tensor([16, 4, 32, 32], 3, 1e4, 1);
    const [y] = run(() => new BatchNorm({ numFeatures: 4, eps: 0 }), x, true, true);
    const [ref] = run(() => new BatchNorm({ numFeatures: 4, eps: 0, dtype: 'float64' }), { shape: x.shape, data: Float64Array.from(x.data) }, true, false);
    y.forEach((v, j) => assert.ok(Math.abs(v - ref[j]) < 1e-5, `${v} vs ${ref[j]}`));
  });
});
