// The five normalization layers with PyTorch's semantics (torch.nn.BatchNorm1d/2d/3d,
// InstanceNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm), forward and backward.
//
// Layouts: BatchNorm and InstanceNorm see the input as [N, C, L] (L = product of the spatial
// dims), GroupNorm as [N, G, C/G · L], LayerNorm and RMSNorm as [rows, D] (D = product of
// normalized_shape). Every statistic is a float64 two-pass reduction over contiguous ranges.
// Normalization uses the biased variance; running_var is updated with the unbiased one.
import { JS_KERNELS as K, useWasm, wasmBackward, wasmForward } from './wasm/normKernels';
import { needCache, parameter, type Layer, type Parameter } from './layer';
import { allocate, checkGradShape, checkTensor, dtypeOf, EngineError, outputArray, shapeString, sizeOf, type DType, type FloatArray, type Tensor } from './tensor';

/** Statistics used by the last forward, per normalized group, and whether they came from the batch. */
interface NormCache {
  x: Tensor;
  mean: Float64Array;
  rstd: Float64Array;
  batchStats: boolean;
}

function checkEps(kind: string, eps: number): number {
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) throw new EngineError(`${kind}: eps must be a finite number >= 0 (got ${String(eps)})`);
  return eps;
}

function checkCount(kind: string, what: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new EngineError(`${kind}: ${what} must be a positive integer (got ${String(n)})`);
  return n;
}

function checkMomentum(kind: string, momentum: number | null): number | null {
  if (momentum === null) return null;
  if (!(typeof momentum === 'number' && Number.isFinite(momentum))) throw new EngineError(`${kind}: momentum must be a number or null (got ${String(momentum)})`);
  return momentum;
}

function filled(dtype: DType, n: number, value: number): Tensor {
  const data = allocate(dtype, n);
  data.fill(value);
  return { shape: [n], data };
}

/** Sets a parameter or buffer from plain numbers, refusing a length mismatch. */
function assign(target: FloatArray, values: ArrayLike<number>, what: string): void {
  if (values.length !== target.length) throw new EngineError(`${what}: expected ${target.length} values, got ${values.length}`);
  for (let i = 0; i < target.length; i++) target[i] = values[i];
}

function sumInto(out: Float64Array, dtype: DType, shape: readonly number[]): Tensor {
  const data = allocate(dtype, out.length);
  data.set(out);
  return { shape: [...shape], data };
}

// ---------------------------------------------------------------------------------------------
// BatchNorm and InstanceNorm: per-channel affine, optional running statistics.

export interface BatchNormOptions {
  numFeatures: number;
  eps?: number;
  /** Weight of the new batch in the running average; null = cumulative average (1 / num_batches_tracked). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  /** 1, 2 or 3 for BatchNorm1d/2d/3d (checks the input rank); omitted: any rank >= 2. */
  dims?: 1 | 2 | 3;
  /** Kind of the parameters (default float32). */
  dtype?: DType;
}

/** Shared state of BatchNorm and InstanceNorm (their parameters and buffers are the same). */
abstract class ChannelNorm implements Layer {
  abstract readonly kind: string;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly dims: 1 | 2 | 3 | undefined;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  /** Running statistics (null when not tracked). */
  readonly runningMean: Float64Array | null;
  readonly runningVar: Float64Array | null;
  numBatchesTracked: number;
  protected cache: NormCache | null = null;

  constructor(kind: string, options: BatchNormOptions, defaults: { affine: boolean; track: boolean }) {
    this.numFeatures = checkCount(kind, 'numFeatures', options.numFeatures);
    this.eps = checkEps(kind, options.eps ?? 1e-5);
    this.momentum = checkMomentum(kind, options.momentum === undefined ? 0.1 : options.momentum);
    this.affine = options.affine ?? defaults.affine;
    this.trackRunningStats = options.trackRunningStats ?? defaults.track;
    if (options.dims !== undefined && ![1, 2, 3].includes(options.dims)) throw new EngineError(`${kind}: dims must be 1, 2 or 3`);
    this.dims = options.dims;
    const dtype = options.dtype ?? 'float32';
    const c = this.numFeatures;
    this.weight = this.affine ? parameter('weight', filled(dtype, c, 1)) : null;
    this.bias = this.affine ? parameter('bias', filled(dtype, c, 0)) : null;
    this.runningMean = this.trackRunningStats ? new Float64Array(c) : null;
    this.runningVar = this.trackRunningStats ? new Float64Array(c).fill(1) : null;
    this.numBatchesTracked = 0;
  }

  parameters(): Parameter[] {
    return this.weight && this.bias ? [this.weight, this.bias] : [];
  }

  /** Sets the state PyTorch-style (e.g. from a state dict); omitted entries keep their values. */
  setState(state: { weight?: ArrayLike<number>; bias?: ArrayLike<number>; runningMean?: ArrayLike<number>; runningVar?: ArrayLike<number>; numBatchesTracked?: number }): void {
    const need = (what: string, target: FloatArray | null | undefined): FloatArray => {
      if (!target) throw new EngineError(`${this.kind}: has no ${what} (affine=${this.affine}, trackRunningStats=${this.trackRunningStats})`);
      return target;
    };
    if (state.weight) assign(need('weight', this.weight?.value.data), state.weight, `${this.kind} weight`);
    if (state.bias) assign(need('bias', this.bias?.value.data), state.bias, `${this.kind} bias`);
    if (state.runningMean) assign(need('running_mean', this.runningMean), state.runningMean, `${this.kind} running_mean`);
    if (state.runningVar) assign(need('running_var', this.runningVar), state.runningVar, `${this.kind} running_var`);
    if (state.numBatchesTracked !== undefined) this.numBatchesTracked = state.numBatchesTracked;
  }

  /** The factor of the new statistics in a running-average update (after counting the batch). */
  protected averagingFactor(): number {
    return this.momentum === null ? 1 / this.numBatchesTracked : this.momentum;
  }

  abstract forward(x: Tensor, training: boolean, out?: FloatArray): Tensor;
  abstract backward(gradY: Tensor, out?: FloatArray): Tensor;
}

export class BatchNorm extends ChannelNorm {
  readonly kind: string;

  constructor(options: BatchNormOptions) {
    const kind = options.dims ? `BatchNorm${options.dims}d` : 'BatchNorm';
    super(kind, options, { affine: true, track: true });
    this.kind = kind;
  }

  /** [N, C, L] of an input, after checking its rank and channel count. */
  private layout(x: Tensor): { n: number; c: number; l: number } {
    checkTensor(x, this.kind);
    const rank = x.shape.length;
    const okRank = this.dims === undefined ? rank >= 2 : this.dims === 1 ? rank === 2 || rank === 3 : rank === this.dims + 2;
    if (!okRank) {
      const expected = this.dims === undefined ? 'at least 2D' : this.dims === 1 ? '2D or 3D' : `${this.dims + 2}D`;
      throw new EngineError(`${this.kind}: expected ${expected} input (got ${rank}D input of shape ${shapeString(x.shape)})`);
    }
    const c = x.shape[1];
    if (c !== this.numFeatures) throw new EngineError(`${this.kind}: built for ${this.numFeatures} channels, input ${shapeString(x.shape)} has ${c} (dim 1)`);
    return { n: x.shape[0], c, l: sizeOf(x.shape.slice(2)) };
  }

  forward(x: Tensor, training: boolean, out?: FloatArray): Tensor {
    const { n, c, l } = this.layout(x);
    const batchStats = training || !this.trackRunningStats;
    const m = n * l;
    if (batchStats && m === 1) {
      throw new EngineError(`${this.kind}: Expected more than 1 value per channel when training, got input size ${shapeString(x.shape)} (batch statistics need at least 2 values per channel)`);
    }
    const xd = x.data;
    const y = outputArray(xd, out, this.kind, [xd]);
    const mean = new Float64Array(c);
    const rstd = new Float64Array(c);
    const variance = new Float64Array(c);
    const w = this.weight?.value.data;
    const b = this.bias?.value.data;
    const cl = c * l;
    if (!batchStats) {
      for (let ch = 0; ch < c; ch++) {
        mean[ch] = this.runningMean![ch];
        rstd[ch] = 1 / Math.sqrt(this.runningVar![ch] + this.eps);
      }
    }
    if (useWasm([xd, w, b], xd.length, l)) {
      const lay = { outer: n, outerStride: cl, units: c, unitLen: l, planes: 1 };
      wasmForward(xd as Float32Array, y as Float32Array, { lay, mode: batchStats ? 'batch' : 'given', eps: this.eps, mean, rstd, variance, channel: (u) => u, weight: w, bias: b });
    } else if (l === 1) {
      flatForward(xd, y, n, c, batchStats, this.eps, mean, rstd, variance, w, b);
    } else {
      for (let ch = 0; ch < c; ch++) {
        if (batchStats) {
          if (m === 0) continue;
          let s = 0;
          for (let i = 0, base = ch * l; i < n; i++, base += cl) s += K.sum(xd, base, base + l);
          const mu = s / m;
          let q = 0;
          for (let i = 0, base = ch * l; i < n; i++, base += cl) q += K.sqDev(xd, base, base + l, mu);
          variance[ch] = q / m;
          mean[ch] = mu;
          rstd[ch] = 1 / Math.sqrt(q / m + this.eps);
        }
        const mu = mean[ch];
        const r = rstd[ch];
        const scale = w ? w[ch] * r : r;
        const shift = b ? b[ch] : 0;
        for (let i = 0, base = ch * l; i < n; i++, base += cl) K.affine(xd, y, base, base + l, mu, scale, shift);
      }
    }
    if (training && this.trackRunningStats) {
      this.numBatchesTracked += 1;
      if (m > 0) {
        const f = this.averagingFactor();
        const rm = this.runningMean!;
        const rv = this.runningVar!;
        const unbias = m / (m - 1);
        for (let ch = 0; ch < c; ch++) {
          rm[ch] = (1 - f) * rm[ch] + f * mean[ch];
          rv[ch] = (1 - f) * rv[ch] + f * variance[ch] * unbias;
        }
      }
    }
    this.cache = { x, mean, rstd, batchStats };
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor, out?: FloatArray): Tensor {
    const { x, mean, rstd, batchStats } = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const n = x.shape[0];
    const c = x.shape[1];
    const l = sizeOf(x.shape.slice(2));
    const m = n * l;
    const cl = c * l;
    const xd = x.data;
    const dy = gradY.data;
    const dx = outputArray(xd, out, `${this.kind} backward`, [xd, dy]);
    const w = this.weight?.value.data;
    const gw = new Float64Array(c);
    const gb = new Float64Array(c);
    if (useWasm([xd, dy, w], xd.length, l)) {
      const lay = { outer: n, outerStride: cl, units: c, unitLen: l, planes: 1 };
      wasmBackward(xd as Float32Array, dy as Float32Array, dx as Float32Array, { lay, mean, rstd, batchStats, centered: true, channel: (u) => u, weight: w, gw, gb });
    } else if (l === 1) {
      flatBackward(xd, dy, dx, n, c, batchStats, mean, rstd, w, gw, gb);
    } else {
      for (let ch = 0; ch < c; ch++) {
        const mu = mean[ch];
        const r = rstd[ch];
        let sdy = 0;
        let sdyx = 0;
        for (let i = 0, base = ch * l; i < n; i++, base += cl) {
          sdy += K.sum(dy, base, base + l);
          sdyx += K.dotDev(dy, xd, base, base + l, mu);
        }
        gb[ch] = sdy;
        gw[ch] = sdyx * r;
        const k = (w ? w[ch] : 1) * r;
        if (batchStats) {
          if (m === 0) continue;
          const a = sdy / m;
          const bcoef = (sdyx * r * r) / m;
          for (let i = 0, base = ch * l; i < n; i++, base += cl) K.normBackward(dy, xd, dx, base, base + l, mu, k, 1, a, bcoef);
        } else {
          for (let i = 0, base = ch * l; i < n; i++, base += cl) K.scale(dy, dx, base, base + l, k);
        }
      }
    }
    this.setGrads(gw, gb);
    return { shape: [...x.shape], data: dx };
  }

  private setGrads(gw: Float64Array, gb: Float64Array): void {
    if (this.weight && this.bias) {
      this.weight.grad = sumInto(gw, dtypeOf(this.weight.value.data), this.weight.value.shape);
      this.bias.grad = sumInto(gb, dtypeOf(this.bias.value.data), this.bias.value.shape);
    }
  }
}

/**
 * BatchNorm on [N, C] (one value per sample and channel, as after a Linear): row by row with
 * per-channel float64 accumulators, so that the inner loops run along contiguous rows instead
 * of one kernel call per value. Two passes for the variance (mean first).
 */
function flatForward(x: FloatArray, y: FloatArray, n: number, c: number, batchStats: boolean, eps: number, mean: Float64Array, rstd: Float64Array, variance: Float64Array, w: FloatArray | undefined, b: FloatArray | undefined): void {
  if (batchStats) {
    if (n === 0) return;
    const s = new Float64Array(c);
    for (let i = 0, o = 0; i < n; i++) for (let ch = 0; ch < c; ch++, o++) s[ch] += x[o];
    for (let ch = 0; ch < c; ch++) mean[ch] = s[ch] / n;
    const q = new Float64Array(c);
    for (let i = 0, o = 0; i < n; i++) {
      for (let ch = 0; ch < c; ch++, o++) {
        const d = x[o] - mean[ch];
        q[ch] += d * d;
      }
    }
    for (let ch = 0; ch < c; ch++) {
      variance[ch] = q[ch] / n;
      rstd[ch] = 1 / Math.sqrt(q[ch] / n + eps);
    }
  }
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    scale[ch] = w ? w[ch] * rstd[ch] : rstd[ch];
    shift[ch] = b ? b[ch] : 0;
  }
  for (let i = 0, o = 0; i < n; i++) for (let ch = 0; ch < c; ch++, o++) y[o] = (x[o] - mean[ch]) * scale[ch] + shift[ch];
}

/** The backward of flatForward: per-channel sums row by row, then dx row by row. */
function flatBackward(x: FloatArray, dy: FloatArray, dx: FloatArray, n: number, c: number, batchStats: boolean, mean: Float64Array, rstd: Float64Array, w: FloatArray | undefined, gw: Float64Array, gb: Float64Array): void {
  for (let i = 0, o = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++, o++) {
      gb[ch] += dy[o];
      gw[ch] += dy[o] * (x[o] - mean[ch]);
    }
  }
  const k = new Float64Array(c);
  const a = new Float64Array(c);
  const bc = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const r = rstd[ch];
    k[ch] = (w ? w[ch] : 1) * r;
    if (batchStats && n > 0) {
      a[ch] = gb[ch] / n;
      bc[ch] = (gw[ch] * r * r) / n;
    }
  }
  for (let ch = 0; ch < c; ch++) gw[ch] *= rstd[ch];
  if (!batchStats) {
    for (let i = 0, o = 0; i < n; i++) for (let ch = 0; ch < c; ch++, o++) dx[o] = k[ch] * dy[o];
    return;
  }
  for (let i = 0, o = 0; i < n; i++) for (let ch = 0; ch < c; ch++, o++) dx[o] = k[ch] * (dy[o] - a[ch] - (x[o] - mean[ch]) * bc[ch]);
}

export type InstanceNormOptions = BatchNormOptions;

/**
 * InstanceNorm (PyTorch defaults: affine=false, trackRunningStats=false). Statistics per
 * (sample, channel); with tracked running stats, training updates them with the batch mean of
 * the per-instance statistics (as PyTorch does), never increments num_batches_tracked, and eval
 * normalizes with them. An input of rank dims+1 is unbatched (as in PyTorch).
 */
export class InstanceNorm extends ChannelNorm {
  readonly kind: string;

  constructor(options: InstanceNormOptions) {
    const kind = options.dims ? `InstanceNorm${options.dims}d` : 'InstanceNorm';
    super(kind, options, { affine: false, track: false });
    this.kind = kind;
  }

  private layout(x: Tensor): { n: number; c: number; l: number } {
    checkTensor(x, this.kind);
    const rank = x.shape.length;
    let batched: boolean;
    if (this.dims === undefined) {
      if (rank < 3) throw new EngineError(`${this.kind}: expected an input of at least 3D [N, C, ...] (got ${rank}D input of shape ${shapeString(x.shape)})`);
      batched = true;
    } else if (rank === this.dims + 2 || rank === this.dims + 1) {
      batched = rank === this.dims + 2;
    } else {
      throw new EngineError(`${this.kind}: expected ${this.dims + 1}D or ${this.dims + 2}D input (got ${rank}D input of shape ${shapeString(x.shape)})`);
    }
    const n = batched ? x.shape[0] : 1;
    const c = batched ? x.shape[1] : x.shape[0];
    const l = sizeOf(x.shape.slice(batched ? 2 : 1));
    if ((this.affine || this.trackRunningStats) && c !== this.numFeatures) {
      throw new EngineError(`${this.kind}: built for ${this.numFeatures} channels, input ${shapeString(x.shape)} has ${c}`);
    }
    return { n, c, l };
  }

  forward(x: Tensor, training: boolean, out?: FloatArray): Tensor {
    const { n, c, l } = this.layout(x);
    if (this.momentum === null) {
      throw new EngineError(`${this.kind}: momentum=None is not supported (PyTorch's instance_norm needs a number)`);
    }
    const batchStats = training || !this.trackRunningStats;
    if (batchStats && l <= 1) {
      throw new EngineError(`${this.kind}: Expected more than 1 spatial element when training, got input size ${shapeString(x.shape)}`);
    }
    const xd = x.data;
    const y = outputArray(xd, out, this.kind, [xd]);
    const rows = n * c;
    const mean = new Float64Array(rows);
    const rstd = new Float64Array(rows);
    const variance = new Float64Array(rows);
    const w = this.weight?.value.data;
    const b = this.bias?.value.data;
    if (!batchStats) {
      for (let row = 0; row < rows; row++) {
        mean[row] = this.runningMean![row % c];
        rstd[row] = 1 / Math.sqrt(this.runningVar![row % c] + this.eps);
      }
    }
    if (useWasm([xd, w, b], xd.length, l)) {
      const lay = { outer: 1, outerStride: 0, units: rows, unitLen: l, planes: 1 };
      wasmForward(xd as Float32Array, y as Float32Array, { lay, mode: batchStats ? 'batch' : 'given', eps: this.eps, mean, rstd, variance, channel: (u) => u % c, weight: w, bias: b });
    } else {
      for (let row = 0; row < rows; row++) {
        const ch = row % c;
        const start = row * l;
        const end = start + l;
        if (batchStats) {
          const mu = K.sum(xd, start, end) / l;
          const q = K.sqDev(xd, start, end, mu);
          mean[row] = mu;
          variance[row] = q / l;
          rstd[row] = 1 / Math.sqrt(q / l + this.eps);
        }
        const r = rstd[row];
        K.affine(xd, y, start, end, mean[row], w ? w[ch] * r : r, b ? b[ch] : 0);
      }
    }
    if (training && this.trackRunningStats && n > 0) {
      const f = this.momentum;
      const rm = this.runningMean!;
      const rv = this.runningVar!;
      const meanSum = new Float64Array(c);
      const varSum = new Float64Array(c);
      for (let row = 0; row < rows; row++) {
        meanSum[row % c] += mean[row];
        varSum[row % c] += (variance[row] * l) / (l - 1);
      }
      for (let ch = 0; ch < c; ch++) {
        rm[ch] = (1 - f) * rm[ch] + (f * meanSum[ch]) / n;
        rv[ch] = (1 - f) * rv[ch] + (f * varSum[ch]) / n;
      }
    }
    this.cache = { x, mean, rstd, batchStats };
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor, out?: FloatArray): Tensor {
    const { x, mean, rstd, batchStats } = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const { c, l } = this.layout(x);
    const xd = x.data;
    const dy = gradY.data;
    const dx = outputArray(xd, out, `${this.kind} backward`, [xd, dy]);
    const w = this.weight?.value.data;
    const gw = new Float64Array(c);
    const gb = new Float64Array(c);
    if (useWasm([xd, dy, w], xd.length, l)) {
      const lay = { outer: 1, outerStride: 0, units: mean.length, unitLen: l, planes: 1 };
      wasmBackward(xd as Float32Array, dy as Float32Array, dx as Float32Array, { lay, mean, rstd, batchStats, centered: true, channel: (u) => u % c, weight: w, gw, gb });
    } else {
      for (let row = 0; row < mean.length; row++) {
        const ch = row % c;
        const start = row * l;
        const end = start + l;
        const mu = mean[row];
        const r = rstd[row];
        const sdy = K.sum(dy, start, end);
        const sdyx = K.dotDev(dy, xd, start, end, mu);
        gb[ch] += sdy;
        gw[ch] += sdyx * r;
        const k = (w ? w[ch] : 1) * r;
        if (batchStats) K.normBackward(dy, xd, dx, start, end, mu, k, 1, sdy / l, (sdyx * r * r) / l);
        else K.scale(dy, dx, start, end, k);
      }
    }
    if (this.weight && this.bias) {
      this.weight.grad = sumInto(gw, dtypeOf(this.weight.value.data), this.weight.value.shape);
      this.bias.grad = sumInto(gb, dtypeOf(this.bias.value.data), this.bias.value.shape);
    }
    return { shape: [...x.shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// GroupNorm

export interface GroupNormOptions {
  numGroups: number;
  numChannels: number;
  eps?: number;
  affine?: boolean;
  dtype?: DType;
}

/** GroupNorm: statistics per (sample, group of C/G channels), per-channel affine; same in train and eval. */
export class GroupNorm implements Layer {
  readonly kind = 'GroupNorm';
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  private cache: NormCache | null = null;

  constructor(options: GroupNormOptions) {
    this.numGroups = checkCount(this.kind, 'numGroups', options.numGroups);
    this.numChannels = checkCount(this.kind, 'numChannels', options.numChannels);
    if (this.numChannels % this.numGroups !== 0) {
      throw new EngineError(`GroupNorm: num_channels must be divisible by num_groups (${this.numChannels} channels, ${this.numGroups} groups)`);
    }
    this.eps = checkEps(this.kind, options.eps ?? 1e-5);
    this.affine = options.affine ?? true;
    const dtype = options.dtype ?? 'float32';
    this.weight = this.affine ? parameter('weight', filled(dtype, this.numChannels, 1)) : null;
    this.bias = this.affine ? parameter('bias', filled(dtype, this.numChannels, 0)) : null;
  }

  parameters(): Parameter[] {
    return this.weight && this.bias ? [this.weight, this.bias] : [];
  }

  setState(state: { weight?: ArrayLike<number>; bias?: ArrayLike<number> }): void {
    if ((state.weight || state.bias) && !this.affine) throw new EngineError('GroupNorm: has no weight or bias (affine=false)');
    if (state.weight) assign(this.weight!.value.data, state.weight, 'GroupNorm weight');
    if (state.bias) assign(this.bias!.value.data, state.bias, 'GroupNorm bias');
  }

  private layout(x: Tensor): { n: number; c: number; l: number } {
    checkTensor(x, this.kind);
    if (x.shape.length < 2) throw new EngineError(`GroupNorm: expected an input of at least 2D [N, C, ...] (got shape ${shapeString(x.shape)})`);
    const c = x.shape[1];
    if (c % this.numGroups !== 0) {
      throw new EngineError(`GroupNorm: Expected number of channels in input to be divisible by num_groups, but got input of shape ${shapeString(x.shape)} and num_groups=${this.numGroups}`);
    }
    if (this.affine && c !== this.numChannels) throw new EngineError(`GroupNorm: built for ${this.numChannels} channels, input ${shapeString(x.shape)} has ${c}`);
    return { n: x.shape[0], c, l: sizeOf(x.shape.slice(2)) };
  }

  forward(x: Tensor, _training: boolean, out?: FloatArray): Tensor {
    const { n, c, l } = this.layout(x);
    const g = this.numGroups;
    const cg = c / g;
    const size = cg * l;
    const xd = x.data;
    const y = outputArray(xd, out, this.kind, [xd]);
    const mean = new Float64Array(n * g);
    const rstd = new Float64Array(n * g);
    const w = this.weight?.value.data;
    const b = this.bias?.value.data;
    if (useWasm([xd, w, b], xd.length, l)) {
      const lay = { outer: 1, outerStride: 0, units: n * g, unitLen: size, planes: cg };
      wasmForward(xd as Float32Array, y as Float32Array, { lay, mode: 'batch', eps: this.eps, mean, rstd, channel: (u, q) => (u % g) * cg + q, weight: w, bias: b });
    } else if (size > 0) {
      for (let grp = 0; grp < n * g; grp++) {
        const start = grp * size;
        const mu = K.sum(xd, start, start + size) / size;
        const r = 1 / Math.sqrt(K.sqDev(xd, start, start + size, mu) / size + this.eps);
        mean[grp] = mu;
        rstd[grp] = r;
        const c0 = (grp % g) * cg;
        for (let j = 0; j < cg; j++) {
          const s = start + j * l;
          K.affine(xd, y, s, s + l, mu, w ? w[c0 + j] * r : r, b ? b[c0 + j] : 0);
        }
      }
    }
    this.cache = { x, mean, rstd, batchStats: true };
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor, out?: FloatArray): Tensor {
    const { x, mean, rstd } = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const { n, c, l } = this.layout(x);
    const g = this.numGroups;
    const cg = c / g;
    const size = cg * l;
    const xd = x.data;
    const dy = gradY.data;
    const dx = outputArray(xd, out, `${this.kind} backward`, [xd, dy]);
    const w = this.weight?.value.data;
    const gw = new Float64Array(c);
    const gb = new Float64Array(c);
    const sdy = new Float64Array(cg);
    const sdyx = new Float64Array(cg);
    if (useWasm([xd, dy, w], xd.length, l)) {
      const lay = { outer: 1, outerStride: 0, units: n * g, unitLen: size, planes: cg };
      wasmBackward(xd as Float32Array, dy as Float32Array, dx as Float32Array, { lay, mean, rstd, batchStats: true, centered: true, channel: (u, q) => (u % g) * cg + q, weight: w, gw, gb });
    } else if (size > 0) {
      for (let grp = 0; grp < n * g; grp++) {
        const start = grp * size;
        const mu = mean[grp];
        const r = rstd[grp];
        const c0 = (grp % g) * cg;
        // Σ dy·w and Σ dy·w·(x − mean) over the group, from per-channel sums.
        let sg = 0;
        let sgx = 0;
        for (let j = 0; j < cg; j++) {
          const s = start + j * l;
          sdy[j] = K.sum(dy, s, s + l);
          sdyx[j] = K.dotDev(dy, xd, s, s + l, mu);
          const wj = w ? w[c0 + j] : 1;
          sg += wj * sdy[j];
          sgx += wj * sdyx[j];
          gb[c0 + j] += sdy[j];
          gw[c0 + j] += sdyx[j] * r;
        }
        const a = sg / size;
        const bb = (sgx * r * r) / size;
        for (let j = 0; j < cg; j++) {
          const s = start + j * l;
          const wj = w ? w[c0 + j] : 1;
          K.normBackward(dy, xd, dx, s, s + l, mu, r, wj, a, bb);
        }
      }
    }
    if (this.weight && this.bias) {
      this.weight.grad = sumInto(gw, dtypeOf(this.weight.value.data), this.weight.value.shape);
      this.bias.grad = sumInto(gb, dtypeOf(this.bias.value.data), this.bias.value.shape);
    }
    return { shape: [...x.shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// LayerNorm and RMSNorm: statistics per row over the trailing normalized_shape.

export interface LayerNormOptions {
  normalizedShape: number | readonly number[];
  eps?: number;
  elementwiseAffine?: boolean;
  /** LayerNorm(bias=False) when false (PyTorch >= 2.1); only with elementwiseAffine. */
  bias?: boolean;
  dtype?: DType;
}

function normalizedShapeOf(kind: string, shape: number | readonly number[]): number[] {
  const dims = typeof shape === 'number' ? [shape] : [...shape];
  if (dims.length === 0) throw new EngineError(`${kind}: normalized_shape must have at least one dimension`);
  for (const d of dims) checkCount(kind, 'every normalized_shape dimension', d);
  return dims;
}

/** [rows, D] of an input whose trailing dims must equal `normalizedShape`. */
function rowLayout(kind: string, x: Tensor, normalizedShape: readonly number[]): { rows: number; d: number } {
  checkTensor(x, kind);
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.shape.length - k);
  if (x.shape.length < k || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new EngineError(`${kind}: Given normalized_shape=${shapeString(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of size ${shapeString(x.shape)}`);
  }
  const d = sizeOf(normalizedShape);
  return { rows: sizeOf(x.shape.slice(0, x.shape.length - k)), d };
}

export class LayerNorm implements Layer {
  readonly kind = 'LayerNorm';
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  private cache: NormCache | null = null;

  constructor(options: LayerNormOptions) {
    this.normalizedShape = normalizedShapeOf(this.kind, options.normalizedShape);
    this.eps = checkEps(this.kind, options.eps ?? 1e-5);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const dtype = options.dtype ?? 'float32';
    const d = sizeOf(this.normalizedShape);
    const shape = [...this.normalizedShape];
    this.weight = this.elementwiseAffine ? parameter('weight', { shape, data: filled(dtype, d, 1).data }) : null;
    this.bias = this.elementwiseAffine && (options.bias ?? true) ? parameter('bias', { shape, data: filled(dtype, d, 0).data }) : null;
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias].filter((p): p is Parameter => p !== null);
  }

  setState(state: { weight?: ArrayLike<number>; bias?: ArrayLike<number> }): void {
    if (state.weight) {
      if (!this.weight) throw new EngineError('LayerNorm: has no weight (elementwise_affine=false)');
      assign(this.weight.value.data, state.weight, 'LayerNorm weight');
    }
    if (state.bias) {
      if (!this.bias) throw new EngineError('LayerNorm: has no bias');
      assign(this.bias.value.data, state.bias, 'LayerNorm bias');
    }
  }

  forward(x: Tensor, _training: boolean, out?: FloatArray): Tensor {
    const { rows, d } = rowLayout(this.kind, x, this.normalizedShape);
    const xd = x.data;
    const y = outputArray(xd, out, this.kind, [xd]);
    const w = this.weight?.value.data;
    const b = this.bias?.value.data;
    const mean = new Float64Array(rows);
    const rstd = new Float64Array(rows);
    if (useWasm([xd, w, b], xd.length, d)) {
      const lay = { outer: 1, outerStride: 0, units: rows, unitLen: d, planes: 1 };
      wasmForward(xd as Float32Array, y as Float32Array, { lay, mode: 'batch', eps: this.eps, mean, rstd, rowWeight: w, rowBias: b });
    } else {
      for (let row = 0; row < rows; row++) {
        const start = row * d;
        const end = start + d;
        const mu = K.sum(xd, start, end) / d;
        const r = 1 / Math.sqrt(K.sqDev(xd, start, end, mu) / d + this.eps);
        mean[row] = mu;
        rstd[row] = r;
        if (w) K.rowAffine(xd, y, start, d, mu, r, w, b);
        else K.affine(xd, y, start, end, mu, r, 0);
      }
    }
    this.cache = { x, mean, rstd, batchStats: true };
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor, out?: FloatArray): Tensor {
    const { x, mean, rstd } = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const { rows, d } = rowLayout(this.kind, x, this.normalizedShape);
    const xd = x.data;
    const dy = gradY.data;
    const dx = outputArray(xd, out, `${this.kind} backward`, [xd, dy]);
    const w = this.weight?.value.data;
    const gw = new Float64Array(d);
    const gb = new Float64Array(d);
    if (useWasm([xd, dy, w], xd.length, d)) {
      const lay = { outer: 1, outerStride: 0, units: rows, unitLen: d, planes: 1 };
      wasmBackward(xd as Float32Array, dy as Float32Array, dx as Float32Array, { lay, mean, rstd, batchStats: true, centered: true, rowWeight: w, rowGw: gw, rowGb: this.bias ? gb : null });
    } else {
      const sums = new Float64Array(2);
      for (let row = 0; row < rows; row++) {
        const start = row * d;
        const end = start + d;
        const mu = mean[row];
        const r = rstd[row];
        if (w) {
          K.rowBackwardSums(dy, xd, start, d, mu, r, w, gw, this.bias ? gb : null, sums);
          K.rowBackwardDx(dy, xd, dx, start, d, mu, r, w, sums[0] / d, (sums[1] * r * r) / d);
        } else {
          const sg = K.sum(dy, start, end);
          const sgx = K.dotDev(dy, xd, start, end, mu);
          K.normBackward(dy, xd, dx, start, end, mu, r, 1, sg / d, (sgx * r * r) / d);
        }
      }
    }
    if (this.weight) this.weight.grad = sumInto(gw, dtypeOf(this.weight.value.data), this.weight.value.shape);
    if (this.bias) this.bias.grad = sumInto(gb, dtypeOf(this.bias.value.data), this.bias.value.shape);
    return { shape: [...x.shape], data: dx };
  }
}

export interface RMSNormOptions {
  normalizedShape: number | readonly number[];
  /** null (PyTorch's default None): the machine epsilon of the input's kind. */
  eps?: number | null;
  elementwiseAffine?: boolean;
  dtype?: DType;
}

/** torch.nn.RMSNorm: y = x / sqrt(mean(x²) + eps) · weight (no mean subtraction, no bias). */
export class RMSNorm implements Layer {
  readonly kind = 'RMSNorm';
  readonly normalizedShape: readonly number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  private cache: { x: Tensor; rrms: Float64Array } | null = null;

  constructor(options: RMSNormOptions) {
    this.normalizedShape = normalizedShapeOf(this.kind, options.normalizedShape);
    this.eps = options.eps === undefined || options.eps === null ? null : checkEps(this.kind, options.eps);
    this.elementwiseAffine = options.elementwiseAffine ?? true;
    const d = sizeOf(this.normalizedShape);
    this.weight = this.elementwiseAffine ? parameter('weight', { shape: [...this.normalizedShape], data: filled(options.dtype ?? 'float32', d, 1).data }) : null;
  }

  parameters(): Parameter[] {
    return this.weight ? [this.weight] : [];
  }

  setState(state: { weight?: ArrayLike<number> }): void {
    if (state.weight) {
      if (!this.weight) throw new EngineError('RMSNorm: has no weight (elementwise_affine=false)');
      assign(this.weight.value.data, state.weight, 'RMSNorm weight');
    }
  }

  forward(x: Tensor, _training: boolean, out?: FloatArray): Tensor {
    const { rows, d } = rowLayout(this.kind, x, this.normalizedShape);
    const xd = x.data;
    const eps = this.eps ?? (xd instanceof Float64Array ? 2.220446049250313e-16 : 1.1920928955078125e-7);
    const y = outputArray(xd, out, this.kind, [xd]);
    const w = this.weight?.value.data;
    const rrms = new Float64Array(rows);
    if (useWasm([xd, w], xd.length, d)) {
      const lay = { outer: 1, outerStride: 0, units: rows, unitLen: d, planes: 1 };
      wasmForward(xd as Float32Array, y as Float32Array, { lay, mode: 'rms', eps, mean: new Float64Array(rows), rstd: rrms, rowWeight: w });
    } else {
      for (let row = 0; row < rows; row++) {
        const start = row * d;
        const end = start + d;
        const r = 1 / Math.sqrt(K.sqDev(xd, start, end, 0) / d + eps);
        rrms[row] = r;
        if (w) K.rowAffine(xd, y, start, d, 0, r, w, undefined);
        else K.affine(xd, y, start, end, 0, r, 0);
      }
    }
    this.cache = { x, rrms };
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor, out?: FloatArray): Tensor {
    const { x, rrms } = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const { rows, d } = rowLayout(this.kind, x, this.normalizedShape);
    const xd = x.data;
    const dy = gradY.data;
    const dx = outputArray(xd, out, `${this.kind} backward`, [xd, dy]);
    const w = this.weight?.value.data;
    const gw = new Float64Array(d);
    if (useWasm([xd, dy, w], xd.length, d)) {
      const lay = { outer: 1, outerStride: 0, units: rows, unitLen: d, planes: 1 };
      wasmBackward(xd as Float32Array, dy as Float32Array, dx as Float32Array, { lay, mean: new Float64Array(rows), rstd: rrms, batchStats: true, centered: false, rowWeight: w, rowGw: gw, rowGb: null });
    } else {
      const sums = new Float64Array(2);
      for (let row = 0; row < rows; row++) {
        const start = row * d;
        const end = start + d;
        const r = rrms[row];
        if (w) {
          K.rowBackwardSums(dy, xd, start, d, 0, r, w, gw, null, sums);
          K.rowBackwardDx(dy, xd, dx, start, d, 0, r, w, 0, (sums[1] * r * r) / d);
        } else {
          const sgx = K.dotDev(dy, xd, start, end, 0);
          K.normBackward(dy, xd, dx, start, end, 0, r, 1, 0, (sgx * r * r) / d);
        }
      }
    }
    if (this.weight) this.weight.grad = sumInto(gw, dtypeOf(this.weight.value.data), this.weight.value.shape);
    return { shape: [...x.shape], data: dx };
  }
}
