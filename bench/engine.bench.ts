// Engine rows: the memory-bandwidth reference `copy/8MiB`, each normalization's forward and
// backward (float32 data, training mode) against a naive two-pass baseline, and the dense
// (linear) kernel the simulator's MLPs spend their time in, and the orthogonal initialisation.
// Effective bandwidth counts read + write: 2 × 4 bytes per element for a forward, 3 × 4 for a
// backward (x, dy read; dx written), 2 × 8 MiB for the copy.
import { naiveBackward, naiveForward, type NaiveLayout } from './naive';
import { COPY_ROW, type Bench } from './harness';
import type { Layer } from '../src/engine/layer';
import { kaimingNormal, orthogonal } from '../src/engine/init';
import { Conv2d, Linear } from '../src/engine/layers';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from '../src/engine/norms';
import { Rng } from '../src/engine/rng';
import type { Tensor } from '../src/engine/tensor';

const COPY_FLOATS = (8 * 1024 * 1024) / 4;

function copyBench(): Bench {
  let src = new Float32Array(0);
  let dst = new Float32Array(0);
  return {
    name: COPY_ROW,
    bytes: 2 * 8 * 1024 * 1024,
    setup: () => {
      src = new Float32Array(COPY_FLOATS);
      for (let i = 0; i < src.length; i++) src[i] = i & 1023;
      dst = new Float32Array(COPY_FLOATS);
    },
    fn: () => dst.set(src),
  };
}

function randomTensor(shape: number[], seed: number): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(data, 0.5, 2);
  return { shape, data };
}

interface NormSpec {
  op: string;
  shape: number[];
  make: () => Layer;
  /** Number of affine parameters (per channel or per normalized element). */
  affine: number;
  layout: NaiveLayout;
}

function normSpecs(): NormSpec[] {
  const [n, c, h, w] = [32, 64, 32, 32];
  const l = h * w;
  const spatial = [n, c, h, w];
  const rows = [32, 128, 768];
  const d = 768;
  const groups = 32;
  const cg = c / groups;
  return [
    { op: 'batch_norm', shape: spatial, affine: c, make: () => new BatchNorm({ numFeatures: c, dims: 2 }), layout: { stats: c, statOf: (i) => Math.floor(i / l) % c, affineOf: (i) => Math.floor(i / l) % c } },
    { op: 'instance_norm', shape: spatial, affine: c, make: () => new InstanceNorm({ numFeatures: c, dims: 2, affine: true }), layout: { stats: n * c, statOf: (i) => Math.floor(i / l), affineOf: (i) => Math.floor(i / l) % c } },
    { op: 'group_norm', shape: spatial, affine: c, make: () => new GroupNorm({ numGroups: groups, numChannels: c }), layout: { stats: n * groups, statOf: (i) => Math.floor(i / (cg * l)), affineOf: (i) => Math.floor(i / l) % c } },
    { op: 'layer_norm', shape: rows, affine: d, make: () => new LayerNorm({ normalizedShape: [d] }), layout: { stats: 32 * 128, statOf: (i) => Math.floor(i / d), affineOf: (i) => i % d } },
    { op: 'rms_norm', shape: rows, affine: d, make: () => new RMSNorm({ normalizedShape: [d], eps: 1e-6 }), layout: { stats: 32 * 128, statOf: (i) => Math.floor(i / d), affineOf: (i) => i % d, rms: true } },
  ];
}

function normBenches(spec: NormSpec): Bench[] {
  const shapeName = spec.shape.join('x');
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  const fwd = `forward/${spec.op}/${shapeName}`;
  const bwd = `backward/${spec.op}/${shapeName}`;
  const naiveFwd = `naive/${fwd}`;
  const naiveBwd = `naive/${bwd}`;
  let x: Tensor = { shape: [], data: new Float32Array(0) };
  let dy: Tensor = x;
  let layer: Layer | null = null;
  // The engine rows reuse their output buffers through the layers' `out` argument, as the
  // simulator's training steps do (Network.forward / backward with reuse).
  let y = new Float32Array(0);
  let dx = new Float32Array(0);
  const prepare = (): void => {
    x = randomTensor(spec.shape, 1);
    dy = randomTensor(spec.shape, 2);
    layer = spec.make();
    y = new Float32Array(elements);
    dx = new Float32Array(elements);
  };
  // Naive state.
  const stats = spec.layout.stats;
  const mean = new Float64Array(stats);
  const rstd = new Float64Array(stats);
  const wts = new Float32Array(spec.affine).fill(1);
  const bias = new Float32Array(spec.affine);
  const gw = new Float64Array(spec.affine);
  const gb = new Float64Array(spec.affine);
  let out = new Float32Array(0);
  const prepareNaive = (): void => {
    prepare();
    out = new Float32Array(elements);
    naiveForward(x.data as Float32Array, out, spec.layout, wts, bias, 1e-5, mean, rstd);
  };
  return [
    // The naive rows write into a preallocated array too: no 8-12 MiB of garbage per call for
    // the collector to reclaim while the next row is timed.
    { name: naiveFwd, bytes: 8 * elements, setup: prepareNaive, fn: () => naiveForward(x.data as Float32Array, out, spec.layout, wts, bias, 1e-5, mean, rstd) },
    { name: fwd, baseline: naiveFwd, bytes: 8 * elements, setup: prepare, fn: () => layer!.forward(x, true, y) },
    { name: naiveBwd, bytes: 12 * elements, setup: prepareNaive, fn: () => naiveBackward(x.data as Float32Array, dy.data as Float32Array, out, spec.layout, wts, mean, rstd, gw, gb) },
    {
      name: bwd,
      baseline: naiveBwd,
      bytes: 12 * elements,
      setup: () => {
        prepare();
        layer!.forward(x, true, y);
      },
      fn: () => layer!.backward(dy, dx),
    },
  ];
}

/** y = x · Wᵀ, one dot product per output: the naive dense baseline. */
function naiveLinearForward(x: Float32Array, w: Float32Array, y: Float32Array, rows: number, nIn: number, nOut: number): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < nOut; j++) {
      let s = 0;
      for (let k = 0; k < nIn; k++) s += x[i * nIn + k] * w[j * nIn + k];
      y[i * nOut + j] = s;
    }
  }
}

/** dX = dY · W and dW = dYᵀ · X, plain loops. */
function naiveLinearBackward(x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array, rows: number, nIn: number, nOut: number): void {
  dx.fill(0);
  dw.fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < nOut; j++) {
      const g = dy[i * nOut + j];
      for (let k = 0; k < nIn; k++) {
        dx[i * nIn + k] += g * w[j * nIn + k];
        dw[j * nIn + k] += g * x[i * nIn + k];
      }
    }
  }
}

/**
 * The dense kernel at the simulator's MLP size (batch 64, width 256): forward 2·64·256·256
 * flops, backward twice that (input and weight gradients).
 */
function linearBenches(): Bench[] {
  const [rows, nIn, nOut] = [64, 256, 256];
  const name = `${rows}x${nIn}x${nOut}`;
  const flops = 2 * rows * nIn * nOut;
  let layer: Linear | null = null;
  let x: Tensor = { shape: [], data: new Float32Array(0) };
  let dy: Tensor = x;
  const prepare = (): void => {
    layer = new Linear({ inFeatures: nIn, outFeatures: nOut, rng: new Rng(3) });
    x = randomTensor([rows, nIn], 4);
    dy = randomTensor([rows, nOut], 5);
  };
  const y = new Float32Array(rows * nOut);
  const dx = new Float32Array(rows * nIn);
  const dw = new Float32Array(nOut * nIn);
  const w = (): Float32Array => layer!.weight.value.data as Float32Array;
  return [
    { name: `naive/forward/linear/${name}`, flops, setup: prepare, fn: () => naiveLinearForward(x.data as Float32Array, w(), y, rows, nIn, nOut) },
    { name: `forward/linear/${name}`, baseline: `naive/forward/linear/${name}`, flops, setup: prepare, fn: () => layer!.forward(x, true) },
    { name: `naive/backward/linear/${name}`, flops: 2 * flops, setup: prepare, fn: () => naiveLinearBackward(x.data as Float32Array, w(), dy.data as Float32Array, dx, dw, rows, nIn, nOut) },
    {
      name: `backward/linear/${name}`,
      baseline: `naive/backward/linear/${name}`,
      flops: 2 * flops,
      setup: () => {
        prepare();
        layer!.forward(x, true);
      },
      fn: () => layer!.backward(dy),
    },
  ];
}

/** The direct depthwise convolution (zero padding, stride 1, float32 accumulation): the baseline of the engine's. */
function naiveDepthwiseForward(x: Float32Array, w: Float32Array, y: Float32Array, n: number, c: number, h: number, wd: number, k: number, pad: number): void {
  for (let s = 0; s < n; s++) {
    for (let ch = 0; ch < c; ch++) {
      const plane = (s * c + ch) * h * wd;
      for (let oy = 0; oy < h; oy++) {
        for (let ox = 0; ox < wd; ox++) {
          let acc = 0;
          for (let i = 0; i < k; i++) {
            const iy = oy + i - pad;
            if (iy < 0 || iy >= h) continue;
            for (let j = 0; j < k; j++) {
              const ix = ox + j - pad;
              if (ix >= 0 && ix < wd) acc += w[(ch * k + i) * k + j] * x[plane + iy * wd + ix];
            }
          }
          y[plane + oy * wd + ox] = acc;
        }
      }
    }
  }
}

/**
 * A ConvNeXt block's 7×7 depthwise convolution (groups = channels) at its first stage in the
 * simulator: batch 32, 96 channels, 8×8. Forward against the direct loops above; backward
 * against the engine's own forward.
 */
function depthwiseBenches(): Bench[] {
  const [n, c, h, k] = [32, 96, 8, 7];
  const name = `${n}x${c}x${h}x${h}-k${k}`;
  const flops = 2 * n * c * h * h * k * k;
  let layer: Conv2d | null = null;
  let x: Tensor = { shape: [], data: new Float32Array(0) };
  const y = new Float32Array(n * c * h * h);
  const prepare = (): void => {
    layer = new Conv2d({ inChannels: c, outChannels: c, kernelSize: k, padding: 3, groups: c, bias: false, rng: new Rng(7) });
    x = randomTensor([n, c, h, h], 8);
  };
  return [
    { name: `naive/forward/conv2d-depthwise/${name}`, flops, setup: prepare, fn: () => naiveDepthwiseForward(x.data as Float32Array, layer!.weight.value.data as Float32Array, y, n, c, h, h, k, 3) },
    { name: `forward/conv2d-depthwise/${name}`, baseline: `naive/forward/conv2d-depthwise/${name}`, flops, setup: prepare, fn: () => layer!.forward(x, true) },
    {
      name: `backward/conv2d-depthwise/${name}`,
      baseline: `forward/conv2d-depthwise/${name}`,
      flops: 2 * flops,
      setup: () => {
        prepare();
        layer!.forward(x, true);
      },
      fn: () => layer!.backward(x),
    },
  ];
}

/**
 * `init/orthogonal/512x4608`: torch.nn.init.orthogonal_ of a float32 weight [512, 512, 3, 3]
 * (resnet18's widest conv; a QR of a 4608 × 512 matrix), against drawing the same weight's
 * Kaiming-normal values (`init/kaiming_normal/512x4608`): the ratio is the QR's cost in draws.
 */
function initBenches(): Bench[] {
  const weight: Tensor = { shape: [512, 512, 3, 3], data: new Float32Array(512 * 4608) };
  return [
    { name: 'init/kaiming_normal/512x4608', fn: () => kaimingNormal(weight, new Rng(6)) },
    { name: 'init/orthogonal/512x4608', baseline: 'init/kaiming_normal/512x4608', fn: () => orthogonal(weight, new Rng(6)) },
  ];
}

export const benches: Bench[] = [copyBench(), ...normSpecs().flatMap(normBenches), ...linearBenches(), ...depthwiseBenches(), ...initBenches()];
