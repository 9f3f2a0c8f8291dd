// The layers a simulated network is built from besides the norms: Linear, Conv2d, activations,
// Dropout, pooling, Flatten, and the containers Sequential and Residual.
import { asFloat64, gemmNT, Scratch, transposeInto } from './gemm';
import { defaultBias, initWeight, type WeightInit } from './init';
import { needCache, parameter, type Layer, type Parameter } from './layer';
import { Rng } from './rng';
import { wasmAvailable, wasmDenseBackward, wasmGemmNT } from './wasm/dense';
import { add, allocate, allocateLike, checkGradShape, checkTensor, EngineError, shapeString, sizeOf, type DType, type FloatArray, type Tensor } from './tensor';

function positiveInt(kind: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new EngineError(`${kind}: ${what} must be a positive integer (got ${String(v)})`);
  return v;
}

function nonNegativeInt(kind: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new EngineError(`${kind}: ${what} must be a non-negative integer (got ${String(v)})`);
  return v;
}

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

// ---------------------------------------------------------------------------------------------
// Linear

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  /** Seeded generator for the initial weights (default: a fresh Rng(0)). */
  rng?: Rng;
  /** Weight init; default is PyTorch's (kaiming_uniform_ with a = √5, bias U(±1/√fan_in)). */
  init?: WeightInit;
  dtype?: DType;
}

/** torch.nn.Linear: y = x · Wᵀ + b over the last dim of x; W is [out, in]. */
export class Linear implements Layer {
  readonly kind = 'Linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private readonly scratch = new Scratch();
  private cache: { x: Tensor; rows: number } | null = null;

  constructor(options: LinearOptions) {
    this.inFeatures = nonNegativeInt(this.kind, 'inFeatures', options.inFeatures);
    this.outFeatures = nonNegativeInt(this.kind, 'outFeatures', options.outFeatures);
    const dtype = options.dtype ?? 'float32';
    const rng = options.rng ?? new Rng(0);
    const shape = [this.outFeatures, this.inFeatures];
    this.weight = parameter('weight', { shape, data: allocate(dtype, this.outFeatures * this.inFeatures) });
    if (this.inFeatures > 0) initWeight(this.weight.value, options.init ?? 'default', rng);
    this.bias = options.bias ?? true ? parameter('bias', { shape: [this.outFeatures], data: allocate(dtype, this.outFeatures) }) : null;
    if (this.bias && this.inFeatures > 0) defaultBias(this.bias.value, shape, rng);
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  private rowsOf(x: Tensor): number {
    checkTensor(x, this.kind);
    const last = x.shape[x.shape.length - 1];
    if (x.shape.length === 0 || last !== this.inFeatures) {
      throw new EngineError(`Linear: expected input [*, ${this.inFeatures}], got ${shapeString(x.shape)}`);
    }
    return this.inFeatures === 0 ? sizeOf(x.shape.slice(0, -1)) : x.data.length / this.inFeatures;
  }

  forward(x: Tensor, _training: boolean): Tensor {
    const rows = this.rowsOf(x);
    const nIn = this.inFeatures;
    const nOut = this.outFeatures;
    const b = this.bias?.value.data;
    const wd = this.weight.value.data;
    const y = allocateLike(x.data, rows * nOut);
    if (x.data instanceof Float32Array && wd instanceof Float32Array && y instanceof Float32Array && wasmGemmNT(x.data, wd, y, rows, nOut, nIn)) {
      if (b) for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < nOut; j++, o++) y[o] += b[j];
    } else {
      const a = asFloat64(x.data, this.scratch, 0);
      const w = asFloat64(wd, this.scratch, 1);
      const c = this.scratch.get(2, rows * nOut);
      gemmNT(a, w, c, rows, nOut, nIn);
      if (b) {
        for (let i = 0, o = 0; i < rows; i++) for (let j = 0; j < nOut; j++, o++) y[o] = c[o] + b[j];
      } else {
        y.set(c);
      }
    }
    this.cache = { x, rows };
    return { shape: [...x.shape.slice(0, -1), nOut], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const { x, rows } = needCache(this.cache, this.kind);
    checkGradShape(gradY, [...x.shape.slice(0, -1), this.outFeatures], this.kind);
    const nIn = this.inFeatures;
    const nOut = this.outFeatures;
    const dy = gradY.data;
    const wd = this.weight.value.data;
    const dx = allocateLike(x.data, rows * nIn);
    const gw = allocateLike(wd, nOut * nIn);
    // dX [rows, in] = dY · W; dW [out, in] = dYᵀ · X. WebAssembly reads the operands as they
    // are stored; the TypeScript kernel (C = A · Bᵀ) needs Wᵀ, dYᵀ and Xᵀ.
    if (!(dy instanceof Float32Array && x.data instanceof Float32Array && wd instanceof Float32Array && dx instanceof Float32Array && gw instanceof Float32Array && wasmDenseBackward(dy, x.data, wd, dx, gw, rows, nIn, nOut))) {
      const dyT = this.scratch.get(6, nOut * rows);
      transposeInto(dy, 0, rows, nOut, dyT);
      const wt = this.scratch.get(3, nIn * nOut);
      transposeInto(wd, 0, nOut, nIn, wt);
      const dy64 = asFloat64(dy, this.scratch, 4);
      const dx64 = this.scratch.get(5, rows * nIn);
      gemmNT(dy64, wt, dx64, rows, nIn, nOut);
      dx.set(dx64);
      const xT = this.scratch.get(7, nIn * rows);
      transposeInto(x.data, 0, rows, nIn, xT);
      const dw = this.scratch.get(8, nOut * nIn);
      gemmNT(dyT, xT, dw, nOut, nIn, rows);
      gw.set(dw);
    }
    this.weight.grad = { shape: [nOut, nIn], data: gw };
    if (this.bias) {
      // Σ over rows of dY, in float64.
      const sums = this.scratch.get(6, nOut);
      sums.fill(0);
      for (let r = 0, o = 0; r < rows; r++) for (let j = 0; j < nOut; j++, o++) sums[j] += dy[o];
      const gb = allocateLike(this.bias.value.data, nOut);
      gb.set(sums);
      this.bias.grad = { shape: [nOut], data: gb };
    }
    return { shape: [...x.shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// Conv2d

export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
  groups?: number;
  bias?: boolean;
  /** PyTorch's padding_mode (default 'zeros'). */
  paddingMode?: PaddingMode;
  rng?: Rng;
  init?: WeightInit;
  dtype?: DType;
}

export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

/**
 * The input index a padded coordinate v (−pad ≤ v < size + pad) reads under `mode`, or −1 for a
 * zero: reflect mirrors without repeating the edge (−1 → 1), replicate repeats the edge,
 * circular wraps around (PyTorch's F.pad modes).
 */
export function paddedIndex(v: number, size: number, mode: PaddingMode): number {
  if (v >= 0 && v < size) return v;
  switch (mode) {
    case 'zeros':
      return -1;
    case 'reflect':
      return v < 0 ? -v : 2 * (size - 1) - v;
    case 'replicate':
      return v < 0 ? 0 : size - 1;
    case 'circular':
      return ((v % size) + size) % size;
  }
}

/**
 * The kernel taps a convolution reads the input with (see `Conv2d.liveTaps`): their offsets in
 * the padded input (i · dilation, j · dilation), their indexes i · kw + j, and whether they are
 * all of the kernel's.
 */
interface Taps {
  readonly rowOffsets: Int32Array;
  readonly colOffsets: Int32Array;
  readonly index: Int32Array;
  readonly all: boolean;
}

/** At most this many patch elements (samples × pixels × kc) are unfolded at once by Conv2d's forward and backward. */
const COL_BUDGET = 1 << 21;

/** torch.nn.Conv2d on [N, C, H, W] (any padding_mode); weight [out, in/groups, kh, kw]. im2col + gemmNT. */
export class Conv2d implements Layer {
  readonly kind = 'Conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private readonly scratch = new Scratch();
  /** The forward's input and what it worked out for it (output size, padding maps, live taps), for the backward. */
  private cache: { x: Tensor; ho: number; wo: number; maps: { ys: Int32Array; xs: Int32Array }; taps: Taps } | null = null;

  constructor(options: Conv2dOptions) {
    const k = this.kind;
    this.inChannels = positiveInt(k, 'inChannels', options.inChannels);
    this.outChannels = positiveInt(k, 'outChannels', options.outChannels);
    this.kernelSize = pair(options.kernelSize).map((v) => positiveInt(k, 'kernelSize', v)) as [number, number];
    this.stride = pair(options.stride ?? 1).map((v) => positiveInt(k, 'stride', v)) as [number, number];
    this.padding = pair(options.padding ?? 0).map((v) => nonNegativeInt(k, 'padding', v)) as [number, number];
    this.dilation = pair(options.dilation ?? 1).map((v) => positiveInt(k, 'dilation', v)) as [number, number];
    this.groups = positiveInt(k, 'groups', options.groups ?? 1);
    if (this.inChannels % this.groups !== 0) throw new EngineError('Conv2d: in_channels must be divisible by groups');
    if (this.outChannels % this.groups !== 0) throw new EngineError('Conv2d: out_channels must be divisible by groups');
    const mode = options.paddingMode ?? 'zeros';
    if (!['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) throw new EngineError(`Conv2d: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular' (got ${String(mode)})`);
    this.paddingMode = mode;
    const dtype = options.dtype ?? 'float32';
    const rng = options.rng ?? new Rng(0);
    const shape = [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    this.weight = parameter('weight', { shape, data: allocate(dtype, sizeOf(shape)) });
    initWeight(this.weight.value, options.init ?? 'default', rng);
    this.bias = options.bias ?? true ? parameter('bias', { shape: [this.outChannels], data: allocate(dtype, this.outChannels) }) : null;
    if (this.bias) defaultBias(this.bias.value, shape, rng);
  }

  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** Output spatial size for an input of h × w (throws when the kernel does not fit). */
  outputSize(h: number, w: number): [number, number] {
    const [kh, kw] = this.kernelSize;
    const ho = Math.floor((h + 2 * this.padding[0] - this.dilation[0] * (kh - 1) - 1) / this.stride[0]) + 1;
    const wo = Math.floor((w + 2 * this.padding[1] - this.dilation[1] * (kw - 1) - 1) / this.stride[1]) + 1;
    if (ho < 1 || wo < 1) throw new EngineError(`Conv2d: input ${h}×${w} (padded) is smaller than the kernel ${kh}×${kw} (dilation ${this.dilation.join('×')})`);
    return [ho, wo];
  }

  private check(x: Tensor): void {
    checkTensor(x, this.kind);
    if (x.shape.length !== 4 || x.shape[1] !== this.inChannels) {
      throw new EngineError(`Conv2d: expected input [N, ${this.inChannels}, H, W], got ${shapeString(x.shape)}`);
    }
    // PyTorch's F.pad limits: reflect needs padding < the dimension, circular padding <= it.
    const [h, w] = [x.shape[2], x.shape[3]];
    for (const [pad, size, dim] of [[this.padding[0], h, 'height'], [this.padding[1], w, 'width']] as const) {
      if (this.paddingMode === 'reflect' && pad >= size) throw new EngineError(`Conv2d: reflect padding ${pad} must be smaller than the input ${dim} ${size}`);
      if (this.paddingMode === 'circular' && pad > size) throw new EngineError(`Conv2d: circular padding ${pad} must not exceed the input ${dim} ${size}`);
    }
  }

  /** For each padded row (and column) coordinate of the input, the source index or −1 (zero). */
  private indexMaps(h: number, w: number): { ys: Int32Array; xs: Int32Array } {
    const [ph, pw] = this.padding;
    const ys = new Int32Array(h + 2 * ph);
    const xs = new Int32Array(w + 2 * pw);
    for (let v = 0; v < ys.length; v++) ys[v] = paddedIndex(v - ph, h, this.paddingMode);
    for (let v = 0; v < xs.length; v++) xs[v] = paddedIndex(v - pw, w, this.paddingMode);
    return { ys, xs };
  }

  /**
   * The kernel taps (i · kw + j) that read the input at some output pixel. With zero padding a
   * tap can read only padding at every output pixel (a 3 × 3 kernel over a 1 × 1 map reads with
   * its centre alone); it adds nothing to the output, so it is left out of the products (its
   * weight gradient is zero). Other padding modes read the input everywhere: every tap.
   */
  private liveTaps(ys: Int32Array, xs: Int32Array, ho: number, wo: number): Taps {
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [dh, dw] = this.dilation;
    const reads = (map: Int32Array, outSize: number, step: number, offset: number): boolean => {
      for (let o = 0; o < outSize; o++) if (map[o * step + offset] >= 0) return true;
      return false;
    };
    const rows: number[] = [];
    const cols: number[] = [];
    const index: number[] = [];
    for (let i = 0; i < kh; i++) {
      if (!reads(ys, ho, sh, i * dh)) continue;
      for (let j = 0; j < kw; j++) {
        if (!reads(xs, wo, sw, j * dw)) continue;
        rows.push(i * dh);
        cols.push(j * dw);
        index.push(i * kw + j);
      }
    }
    return { rowOffsets: Int32Array.from(rows), colOffsets: Int32Array.from(cols), index: Int32Array.from(index), all: index.length === kh * kw };
  }

  /** col[p · kc + q] for output pixel p and patch element q = (c, tap) of group g of sample n (kc = in/groups · taps). */
  /**
   * A depthwise convolution (groups = in_channels: each output channel reads one input channel),
   * directly: out[s, co] = bias + Σ over live taps of w[co, tap] · x[s, co / m] at the tap (m =
   * out/in channels), summed in float64. Per group, the unfold-and-multiply path made a product
   * of one output row by kc = taps columns: its bookkeeping, not the arithmetic, was the time
   * (a ConvNeXt block's 7×7 depthwise convolution).
   */
  private depthwiseForward(x: FloatArray, n: number, h: number, w: number, ho: number, wo: number, maps: { ys: Int32Array; xs: Int32Array }, taps: Taps): FloatArray {
    const cin = this.inChannels;
    const cout = this.outChannels;
    const m = cout / cin;
    const [sh, sw] = this.stride;
    const { ys, xs } = maps;
    const { rowOffsets, colOffsets, index } = taps;
    const t = index.length;
    const kk = this.kernelSize[0] * this.kernelSize[1];
    const wd = this.weight.value.data;
    const b = this.bias?.value.data;
    const p = ho * wo;
    const y = allocateLike(x, n * cout * p);
    // Tap by tap over whole rows of the output (the inner loop runs along a row of the input).
    const acc = new Float64Array(p);
    for (let co = 0; co < cout; co++) {
      const bias = b ? b[co] : 0;
      const c = Math.floor(co / m);
      for (let s = 0; s < n; s++) {
        const plane = (s * cin + c) * h * w;
        acc.fill(bias);
        for (let k = 0; k < t; k++) {
          const wv = wd[co * kk + index[k]];
          const ro = rowOffsets[k];
          const cOff = colOffsets[k];
          for (let oy = 0; oy < ho; oy++) {
            const iy = ys[oy * sh + ro];
            if (iy < 0) continue;
            const row = plane + iy * w;
            const at = oy * wo;
            for (let ox = 0; ox < wo; ox++) {
              const ix = xs[ox * sw + cOff];
              if (ix >= 0) acc[at + ox] += wv * x[row + ix];
            }
          }
        }
        y.set(acc, (s * cout + co) * p);
      }
    }
    return y;
  }

  /** The backward of `depthwiseForward`: dX scattered from the taps, dW and db summed in float64. */
  private depthwiseBackward(x: Tensor, dy: FloatArray, ho: number, wo: number, maps: { ys: Int32Array; xs: Int32Array }, taps: Taps): Tensor {
    const [n, , h, w] = x.shape;
    const xd = x.data;
    const cin = this.inChannels;
    const cout = this.outChannels;
    const m = cout / cin;
    const [sh, sw] = this.stride;
    const { ys, xs } = maps;
    const { rowOffsets, colOffsets, index } = taps;
    const t = index.length;
    const kk = this.kernelSize[0] * this.kernelSize[1];
    const wdata = this.weight.value.data;
    const p = ho * wo;
    const dx64 = new Float64Array(xd.length);
    const gw = allocateLike(wdata, wdata.length);
    const gb = this.bias ? allocateLike(this.bias.value.data, cout) : undefined;
    // Tap by tap over whole rows, as in the forward.
    for (let co = 0; co < cout; co++) {
      const c = Math.floor(co / m);
      let db = 0;
      for (let s = 0; s < n; s++) for (let q = (s * cout + co) * p, end = q + p; q < end; q++) db += dy[q];
      if (gb) gb[co] = db;
      for (let k = 0; k < t; k++) {
        const wv = wdata[co * kk + index[k]];
        const ro = rowOffsets[k];
        const cOff = colOffsets[k];
        let dwk = 0;
        for (let s = 0; s < n; s++) {
          const plane = (s * cin + c) * h * w;
          const o0 = (s * cout + co) * p;
          for (let oy = 0; oy < ho; oy++) {
            const iy = ys[oy * sh + ro];
            if (iy < 0) continue;
            const row = plane + iy * w;
            const at = o0 + oy * wo;
            for (let ox = 0; ox < wo; ox++) {
              const ix = xs[ox * sw + cOff];
              if (ix < 0) continue;
              const g = dy[at + ox];
              dwk += g * xd[row + ix];
              dx64[row + ix] += g * wv;
            }
          }
        }
        gw[co * kk + index[k]] = dwk;
      }
    }
    this.weight.grad = { shape: [...this.weight.value.shape], data: gw };
    if (this.bias && gb) this.bias.grad = { shape: [cout], data: gb };
    const dx = allocateLike(xd, xd.length);
    dx.set(dx64);
    return { shape: [...x.shape], data: dx };
  }

  private im2col(x: FloatArray, n: number, g: number, h: number, w: number, ho: number, wo: number, col: FloatArray, maps: { ys: Int32Array; xs: Int32Array }, taps: Taps): void {
    const cg = this.inChannels / this.groups;
    const [sh, sw] = this.stride;
    const { ys, xs } = maps;
    const { rowOffsets, colOffsets } = taps;
    const t = rowOffsets.length;
    const base = (n * this.inChannels + g * cg) * h * w;
    let o = 0;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let c = 0; c < cg; c++) {
          const plane = base + c * h * w;
          for (let k = 0; k < t; k++, o++) {
            const iy = ys[oy * sh + rowOffsets[k]];
            const ix = xs[ox * sw + colOffsets[k]];
            col[o] = iy >= 0 && ix >= 0 ? x[plane + iy * w + ix] : 0;
          }
        }
      }
    }
  }

  /** Adds the patches of sample n, group g (`dCol` from `at`, laid out as `im2col` makes them) back into `dx`. */
  private col2im(dCol: FloatArray, at: number, dx: FloatArray, n: number, g: number, h: number, w: number, ho: number, wo: number, maps: { ys: Int32Array; xs: Int32Array }, taps: Taps): void {
    const cg = this.inChannels / this.groups;
    const [sh, sw] = this.stride;
    const { ys, xs } = maps;
    const { rowOffsets, colOffsets } = taps;
    const t = rowOffsets.length;
    const base = (n * this.inChannels + g * cg) * h * w;
    let o = at;
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        for (let c = 0; c < cg; c++) {
          const plane = base + c * h * w;
          for (let k = 0; k < t; k++, o++) {
            const iy = ys[oy * sh + rowOffsets[k]];
            const ix = xs[ox * sw + colOffsets[k]];
            if (iy >= 0 && ix >= 0) dx[plane + iy * w + ix] += dCol[o];
          }
        }
      }
    }
  }

  /** The weight [out, in/groups, taps] of the live taps only (`w` itself when every tap is live); `into` holds the result. */
  private tapWeights(w: FloatArray, taps: Taps, into: (n: number) => FloatArray): FloatArray {
    if (taps.all) return w;
    const kk = this.kernelSize[0] * this.kernelSize[1];
    const t = taps.index.length;
    const rows = this.outChannels * (this.inChannels / this.groups);
    const out = into(rows * t);
    for (let r = 0; r < rows; r++) for (let k = 0; k < t; k++) out[r * t + k] = w[r * kk + taps.index[k]];
    return out;
  }

  /**
   * The products' implementation for input `x`: float32 WebAssembly SIMD when x and the weight
   * are float32 (work arrays float32), else the float64 TypeScript kernel. Slot 0 is the weight.
   */
  private ops(x: FloatArray): { w: FloatArray; buf: (slot: number, n: number) => FloatArray; mm: (a: FloatArray, b: FloatArray, c: FloatArray, m: number, n: number, k: number, accumulate: boolean) => void } {
    const wd = this.weight.value.data;
    if (x instanceof Float32Array && wd instanceof Float32Array && wasmAvailable()) {
      return {
        w: wd,
        buf: (slot, n) => this.scratch.get32(slot, n),
        mm: (a, b, c, m, n, k, accumulate) => {
          const target = accumulate ? this.scratch.get32(15, m * n) : (c as Float32Array);
          wasmGemmNT(a as Float32Array, b as Float32Array, target, m, n, k);
          if (accumulate) for (let i = 0; i < m * n; i++) c[i] += target[i];
        },
      };
    }
    return {
      w: asFloat64(wd, this.scratch, 0),
      buf: (slot, n) => this.scratch.get(slot, n),
      mm: (a, b, c, m, n, k, accumulate) => gemmNT(a as Float64Array, b as Float64Array, c as Float64Array, m, n, k, accumulate),
    };
  }

  forward(x: Tensor, _training: boolean): Tensor {
    this.check(x);
    const [n, , h, w] = x.shape;
    const [ho, wo] = this.outputSize(h, w);
    const g = this.groups;
    const cog = this.outChannels / g;
    const maps = this.indexMaps(h, w);
    const taps = this.liveTaps(maps.ys, maps.xs, ho, wo);
    if (g === this.inChannels) {
      const y = this.depthwiseForward(x.data, n, h, w, ho, wo, maps, taps);
      this.cache = { x, ho, wo, maps, taps };
      return { shape: [n, this.outChannels, ho, wo], data: y };
    }
    const kc = (this.inChannels / g) * taps.index.length;
    const p = ho * wo;
    const ops = this.ops(x.data);
    const wt = this.tapWeights(ops.w, taps, (size) => ops.buf(9, size));
    // Samples in chunks: one product per chunk and group, [cog, kc] · [chunk·p, kc]ᵀ, so the
    // weight is read (and, for the WebAssembly kernel, copied into its memory) once per chunk,
    // not once per sample (with small feature maps, p = 1 to 16, the copy was most of the time).
    // A chunk's patches are bounded by COL_BUDGET elements; each output element is the same dot
    // product over kc as per sample, so the result does not depend on the chunk size.
    const chunk = Math.max(1, Math.min(n, Math.floor(COL_BUDGET / (p * kc))));
    const col = ops.buf(1, chunk * p * kc);
    const out = ops.buf(2, cog * chunk * p);
    const y = allocateLike(x.data, n * this.outChannels * p);
    const b = this.bias?.value.data;
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const count = Math.min(chunk, n - s0);
      const cols = count * p;
      for (let gi = 0; gi < g; gi++) {
        for (let s = 0; s < count; s++) this.im2col(x.data, s0 + s, gi, h, w, ho, wo, col.subarray(s * p * kc, (s + 1) * p * kc), maps, taps);
        ops.mm(wt.subarray(gi * cog * kc, (gi + 1) * cog * kc), col.subarray(0, cols * kc), out.subarray(0, cog * cols), cog, cols, kc, false);
        for (let co = 0; co < cog; co++) {
          const ch = gi * cog + co;
          const bias = b ? b[ch] : 0;
          for (let s = 0; s < count; s++) {
            const yo = ((s0 + s) * this.outChannels + ch) * p;
            const oo = co * cols + s * p;
            for (let q = 0; q < p; q++) y[yo + q] = out[oo + q] + bias;
          }
        }
      }
    }
    this.cache = { x, ho, wo, maps, taps };
    return { shape: [n, this.outChannels, ho, wo], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const { x, ho, wo, maps, taps } = needCache(this.cache, this.kind);
    const [n, , h, w] = x.shape;
    checkGradShape(gradY, [n, this.outChannels, ho, wo], this.kind);
    const g = this.groups;
    const cg = this.inChannels / g;
    const cog = this.outChannels / g;
    const t = taps.index.length;
    const kc = cg * t;
    const p = ho * wo;
    const dy = gradY.data;
    const wdata = this.weight.value.data;
    if (g === this.inChannels) return this.depthwiseBackward(x, gradY.data, ho, wo, maps, taps);
    const ops = this.ops(x.data);
    const wt = this.tapWeights(ops.w, taps, (size) => ops.buf(9, size));
    // Samples in chunks, as in `forward`: two products per chunk and group.
    const chunk = Math.max(1, Math.min(n, Math.floor(COL_BUDGET / (p * kc))));
    const col = ops.buf(1, chunk * p * kc);
    const colT = ops.buf(3, kc * chunk * p);
    const dyG = ops.buf(4, cog * chunk * p);
    const dyT = ops.buf(5, chunk * p * cog);
    const wT = ops.buf(6, g * kc * cog);
    const dCol = ops.buf(7, chunk * p * kc);
    const dw = ops.buf(8, this.outChannels * kc);
    dw.fill(0);
    for (let gi = 0; gi < g; gi++) transposeInto(wt, gi * cog * kc, cog, kc, wT.subarray(gi * kc * cog, (gi + 1) * kc * cog));
    const dx = allocateLike(x.data, x.data.length);
    for (let s0 = 0; s0 < n; s0 += chunk) {
      const count = Math.min(chunk, n - s0);
      const cols = count * p;
      for (let gi = 0; gi < g; gi++) {
        for (let s = 0; s < count; s++) {
          this.im2col(x.data, s0 + s, gi, h, w, ho, wo, col.subarray(s * p * kc, (s + 1) * p * kc), maps, taps);
          const yo = ((s0 + s) * this.outChannels + gi * cog) * p;
          for (let co = 0; co < cog; co++) for (let q = 0; q < p; q++) dyG[co * cols + s * p + q] = dy[yo + co * p + q];
        }
        transposeInto(col, 0, cols, kc, colT);
        // dW_g [cog, kc] += dY_g [cog, cols] · col [cols, kc] = dY_g · (colᵀ)ᵀ.
        ops.mm(dyG.subarray(0, cog * cols), colT.subarray(0, kc * cols), dw.subarray(gi * cog * kc, (gi + 1) * cog * kc), cog, kc, cols, true);
        // dCol [cols, kc] = dY_gᵀ [cols, cog] · W_g [cog, kc] = dY_gᵀ · ((W_g)ᵀ)ᵀ.
        transposeInto(dyG, 0, cog, cols, dyT);
        ops.mm(dyT.subarray(0, cols * cog), wT.subarray(gi * kc * cog, (gi + 1) * kc * cog), dCol.subarray(0, cols * kc), cols, kc, cog, false);
        // col2im: scatter-add each sample's patches back.
        for (let s = 0; s < count; s++) this.col2im(dCol, s * p * kc, dx, s0 + s, gi, h, w, ho, wo, maps, taps);
      }
    }
    // The weight gradient of the live taps, in place; the others' is zero.
    const gw = allocateLike(wdata, wdata.length);
    const kk = this.kernelSize[0] * this.kernelSize[1];
    for (let r = 0; r < this.outChannels * cg; r++) for (let k = 0; k < t; k++) gw[r * kk + taps.index[k]] = dw[r * t + k];
    this.weight.grad = { shape: [...this.weight.value.shape], data: gw };
    if (this.bias) {
      const gb = allocateLike(this.bias.value.data, this.outChannels);
      for (let s = 0; s < n; s++) {
        for (let ch = 0; ch < this.outChannels; ch++) {
          let acc = 0;
          for (let q = (s * this.outChannels + ch) * p, end = q + p; q < end; q++) acc += dy[q];
          gb[ch] += acc;
        }
      }
      this.bias.grad = { shape: [this.outChannels], data: gb };
    }
    return { shape: [...x.shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// Activations

export type ActivationKind = 'relu' | 'gelu' | 'gelu_tanh' | 'silu' | 'tanh';

/**
 * erf(x) to about 1e-15: the series erf x = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3···(2n+1))
 * (all terms positive) for |x| < 2.5, the continued fraction of erfc beyond; ±1 past |x| = 6.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let result: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 100; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    result = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  } else {
    // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
    let f = ax;
    for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
    result = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -result : result;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Elementwise activations (torch.nn.ReLU, GELU (exact or approximate='tanh'), SiLU, Tanh). */
export class Activation implements Layer {
  readonly kind: string;
  readonly fn: ActivationKind;
  private cache: Tensor | null = null;

  constructor(fn: ActivationKind) {
    if (!['relu', 'gelu', 'gelu_tanh', 'silu', 'tanh'].includes(fn)) throw new EngineError(`unknown activation ${String(fn)}`);
    this.fn = fn;
    this.kind = fn === 'relu' ? 'ReLU' : fn === 'gelu' || fn === 'gelu_tanh' ? 'GELU' : fn === 'silu' ? 'SiLU' : 'Tanh';
  }

  parameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    checkTensor(x, this.kind);
    const xd = x.data;
    const y = allocateLike(xd, xd.length);
    const n = xd.length;
    switch (this.fn) {
      case 'relu':
        for (let i = 0; i < n; i++) y[i] = xd[i] > 0 ? xd[i] : 0;
        break;
      case 'gelu':
        for (let i = 0; i < n; i++) y[i] = 0.5 * xd[i] * (1 + erf(xd[i] * Math.SQRT1_2));
        break;
      case 'gelu_tanh':
        for (let i = 0; i < n; i++) {
          const v = xd[i];
          y[i] = 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
        }
        break;
      case 'silu':
        for (let i = 0; i < n; i++) y[i] = xd[i] / (1 + Math.exp(-xd[i]));
        break;
      case 'tanh':
        for (let i = 0; i < n; i++) y[i] = Math.tanh(xd[i]);
        break;
    }
    this.cache = x;
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const x = needCache(this.cache, this.kind);
    checkGradShape(gradY, x.shape, this.kind);
    const xd = x.data;
    const dy = gradY.data;
    const dx = allocateLike(xd, xd.length);
    const n = xd.length;
    switch (this.fn) {
      case 'relu':
        for (let i = 0; i < n; i++) dx[i] = xd[i] > 0 ? dy[i] : 0;
        break;
      case 'gelu':
        for (let i = 0; i < n; i++) {
          const v = xd[i];
          const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
          dx[i] = dy[i] * (cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
        }
        break;
      case 'gelu_tanh':
        for (let i = 0; i < n; i++) {
          const v = xd[i];
          const t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
          dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v));
        }
        break;
      case 'silu':
        for (let i = 0; i < n; i++) {
          const s = 1 / (1 + Math.exp(-xd[i]));
          dx[i] = dy[i] * s * (1 + xd[i] * (1 - s));
        }
        break;
      case 'tanh':
        for (let i = 0; i < n; i++) {
          const t = Math.tanh(xd[i]);
          dx[i] = dy[i] * (1 - t * t);
        }
        break;
    }
    return { shape: [...x.shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// Dropout

/** torch.nn.Dropout: in training zeroes each element with probability p and scales the rest by 1/(1−p); identity in eval. */
export class Dropout implements Layer {
  readonly kind = 'Dropout';
  readonly p: number;
  private readonly rng: Rng;
  private cache: { shape: readonly number[]; mask: Uint8Array | null } | null = null;

  constructor(p = 0.5, rng: Rng = new Rng(0)) {
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new EngineError(`Dropout: probability has to be between 0 and 1, but got ${String(p)}`);
    this.p = p;
    this.rng = rng;
  }

  parameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor, training: boolean): Tensor {
    checkTensor(x, this.kind);
    const y = allocateLike(x.data, x.data.length);
    if (!training || this.p === 0) {
      y.set(x.data);
      this.cache = { shape: x.shape, mask: null };
    } else {
      const mask = new Uint8Array(x.data.length);
      const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
      for (let i = 0; i < mask.length; i++) {
        if (this.rng.uniform() >= this.p) {
          mask[i] = 1;
          y[i] = x.data[i] * scale;
        }
      }
      this.cache = { shape: x.shape, mask };
    }
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const { shape, mask } = needCache(this.cache, this.kind);
    checkGradShape(gradY, shape, this.kind);
    const dx = allocateLike(gradY.data, gradY.data.length);
    if (mask === null) dx.set(gradY.data);
    else {
      const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
      for (let i = 0; i < mask.length; i++) if (mask[i]) dx[i] = gradY.data[i] * scale;
    }
    return { shape: [...shape], data: dx };
  }
}

// ---------------------------------------------------------------------------------------------
// Pooling

export interface Pool2dOptions {
  kernelSize: number | readonly [number, number];
  /** Default: the kernel size (as in PyTorch). */
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  /** AvgPool2d only: count the zero padding in the average (PyTorch's default true). */
  countIncludePad?: boolean;
  /** Round the output size up (a last, partial window), as PyTorch's ceil_mode (default false). */
  ceilMode?: boolean;
}

/** torch.nn.MaxPool2d / AvgPool2d (floor mode, no dilation) on [N, C, H, W]. */
export class Pool2d implements Layer {
  readonly kind: string;
  readonly mode: 'max' | 'avg';
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly countIncludePad: boolean;
  readonly ceilMode: boolean;
  private cache: { x: Tensor; ho: number; wo: number; argmax: Int32Array | null } | null = null;

  constructor(mode: 'max' | 'avg', options: Pool2dOptions) {
    this.mode = mode;
    this.kind = mode === 'max' ? 'MaxPool2d' : 'AvgPool2d';
    this.kernelSize = pair(options.kernelSize).map((v) => positiveInt(this.kind, 'kernelSize', v)) as [number, number];
    this.stride = pair(options.stride ?? this.kernelSize).map((v) => positiveInt(this.kind, 'stride', v)) as [number, number];
    this.padding = pair(options.padding ?? 0).map((v) => nonNegativeInt(this.kind, 'padding', v)) as [number, number];
    if (this.padding[0] * 2 > this.kernelSize[0] || this.padding[1] * 2 > this.kernelSize[1]) {
      throw new EngineError(`${this.kind}: pad should be at most half of effective kernel size`);
    }
    this.countIncludePad = options.countIncludePad ?? true;
    this.ceilMode = options.ceilMode ?? false;
  }

  /**
   * PyTorch's pooling_output_shape: floor (or with ceil_mode ceil) of (size + 2·pad − kernel) /
   * stride, plus one; with ceil_mode a last window must start inside the input or its left padding.
   */
  private outSize(size: number, k: number, s: number, p: number): number {
    let out = Math.floor((size + 2 * p - k + (this.ceilMode ? s - 1 : 0)) / s) + 1;
    if (this.ceilMode && (out - 1) * s >= size + p) out--;
    return out;
  }

  parameters(): Parameter[] {
    return [];
  }

  private geometry(x: Tensor): { n: number; c: number; h: number; w: number; ho: number; wo: number } {
    checkTensor(x, this.kind);
    if (x.shape.length !== 4) throw new EngineError(`${this.kind}: expected input [N, C, H, W], got ${shapeString(x.shape)}`);
    const [n, c, h, w] = x.shape;
    const ho = this.outSize(h, this.kernelSize[0], this.stride[0], this.padding[0]);
    const wo = this.outSize(w, this.kernelSize[1], this.stride[1], this.padding[1]);
    if (ho < 1 || wo < 1) throw new EngineError(`${this.kind}: input ${h}×${w} is smaller than the kernel ${this.kernelSize.join('×')}`);
    return { n, c, h, w, ho, wo };
  }

  forward(x: Tensor, _training: boolean): Tensor {
    const { n, c, h, w, ho, wo } = this.geometry(x);
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    const xd = x.data;
    const y = allocateLike(xd, n * c * ho * wo);
    const argmax = this.mode === 'max' ? new Int32Array(y.length) : null;
    for (let plane = 0, o = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++, o++) {
          const y0 = oy * sh - ph;
          const x0 = ox * sw - pw;
          const ys = Math.max(y0, 0);
          const ye = Math.min(y0 + kh, h);
          const xs = Math.max(x0, 0);
          const xe = Math.min(x0 + kw, w);
          if (argmax) {
            let best = -Infinity;
            let at = -1;
            for (let iy = ys; iy < ye; iy++) {
              for (let ix = xs; ix < xe; ix++) {
                const v = xd[base + iy * w + ix];
                if (v > best || Number.isNaN(v) || at < 0) {
                  best = v;
                  at = base + iy * w + ix;
                  if (Number.isNaN(v)) break;
                }
              }
            }
            y[o] = best;
            argmax[o] = at;
          } else {
            let s = 0;
            for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) s += xd[base + iy * w + ix];
            const count = this.countIncludePad ? (Math.min(y0 + kh, h + ph) - y0) * (Math.min(x0 + kw, w + pw) - x0) : (ye - ys) * (xe - xs);
            y[o] = s / count;
          }
        }
      }
    }
    this.cache = { x, ho, wo, argmax };
    return { shape: [n, c, ho, wo], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const { x, ho, wo, argmax } = needCache(this.cache, this.kind);
    const [n, c, h, w] = x.shape;
    checkGradShape(gradY, [n, c, ho, wo], this.kind);
    const dy = gradY.data;
    const dx = allocateLike(x.data, x.data.length);
    if (argmax) {
      for (let o = 0; o < dy.length; o++) dx[argmax[o]] += dy[o];
      return { shape: [...x.shape], data: dx };
    }
    const [kh, kw] = this.kernelSize;
    const [sh, sw] = this.stride;
    const [ph, pw] = this.padding;
    for (let plane = 0, o = 0; plane < n * c; plane++) {
      const base = plane * h * w;
      for (let oy = 0; oy < ho; oy++) {
        for (let ox = 0; ox < wo; ox++, o++) {
          const y0 = oy * sh - ph;
          const x0 = ox * sw - pw;
          const ys = Math.max(y0, 0);
          const ye = Math.min(y0 + kh, h);
          const xs = Math.max(x0, 0);
          const xe = Math.min(x0 + kw, w);
          const count = this.countIncludePad ? (Math.min(y0 + kh, h + ph) - y0) * (Math.min(x0 + kw, w + pw) - x0) : (ye - ys) * (xe - xs);
          const g = dy[o] / count;
          for (let iy = ys; iy < ye; iy++) for (let ix = xs; ix < xe; ix++) dx[base + iy * w + ix] += g;
        }
      }
    }
    return { shape: [...x.shape], data: dx };
  }
}

/** torch.nn.AdaptiveAvgPool2d(1): [N, C, H, W] → [N, C, 1, 1] (the mean of each plane). */
export class GlobalAvgPool implements Layer {
  readonly kind = 'GlobalAvgPool';
  private cache: Tensor | null = null;

  parameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    checkTensor(x, this.kind);
    if (x.shape.length !== 4) throw new EngineError(`GlobalAvgPool: expected input [N, C, H, W], got ${shapeString(x.shape)}`);
    const [n, c, h, w] = x.shape;
    const l = h * w;
    if (l === 0) throw new EngineError(`GlobalAvgPool: empty planes in ${shapeString(x.shape)}`);
    const y = allocateLike(x.data, n * c);
    for (let plane = 0; plane < n * c; plane++) {
      let s = 0;
      for (let i = plane * l, end = i + l; i < end; i++) s += x.data[i];
      y[plane] = s / l;
    }
    this.cache = x;
    return { shape: [n, c, 1, 1], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const x = needCache(this.cache, this.kind);
    const [n, c, h, w] = x.shape;
    checkGradShape(gradY, [n, c, 1, 1], this.kind);
    const l = h * w;
    const dx = allocateLike(x.data, x.data.length);
    for (let plane = 0; plane < n * c; plane++) dx.fill(gradY.data[plane] / l, plane * l, (plane + 1) * l);
    return { shape: [...x.shape], data: dx };
  }
}

/** torch.nn.Flatten(): [N, ...] → [N, product of the rest] (a view: no copy). */
export class Flatten implements Layer {
  readonly kind = 'Flatten';
  private shape: readonly number[] | null = null;

  parameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    checkTensor(x, this.kind);
    if (x.shape.length < 1) throw new EngineError('Flatten: needs an input with a batch dimension');
    this.shape = x.shape;
    return { shape: [x.shape[0], sizeOf(x.shape.slice(1))], data: x.data };
  }

  backward(gradY: Tensor): Tensor {
    const shape = needCache(this.shape, this.kind);
    checkGradShape(gradY, [shape[0], sizeOf(shape.slice(1))], this.kind);
    return { shape: [...shape], data: gradY.data };
  }
}

// ---------------------------------------------------------------------------------------------
// Containers

/** Layers applied in order; parameters are named `index.name` as in PyTorch's state dict. */
export class Sequential implements Layer {
  readonly kind = 'Sequential';
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    this.layers = [...layers];
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l, i) =>
      l.parameters().map((p) => {
        const named: Parameter = {
          name: `${i}.${p.name}`,
          value: p.value,
          get grad() {
            return p.grad;
          },
          set grad(g) {
            p.grad = g;
          },
        };
        return named;
      }),
    );
  }

  forward(x: Tensor, training: boolean): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h, training);
    return h;
  }

  backward(gradY: Tensor): Tensor {
    let g = gradY;
    for (let i = this.layers.length - 1; i >= 0; i--) g = this.layers[i].backward(g);
    return g;
  }
}

/** y = body(x) + shortcut(x) (shortcut: identity when omitted): a residual block. */
export class Residual implements Layer {
  readonly kind = 'Residual';
  constructor(
    readonly body: Layer,
    readonly shortcut: Layer | null = null,
  ) {}

  parameters(): Parameter[] {
    return [...this.body.parameters(), ...(this.shortcut?.parameters() ?? [])];
  }

  forward(x: Tensor, training: boolean): Tensor {
    const a = this.body.forward(x, training);
    const b = this.shortcut ? this.shortcut.forward(x, training) : x;
    return add(a, b);
  }

  backward(gradY: Tensor): Tensor {
    const ga = this.body.backward(gradY);
    const gb = this.shortcut ? this.shortcut.backward(gradY) : gradY;
    return add(ga, gb);
  }
}

