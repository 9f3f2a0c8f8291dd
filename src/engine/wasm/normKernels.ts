// The range kernels of the normalization layers, in two implementations: TypeScript
// (kernels.ts, any float array, used for float64 data, small tensors and platforms without
// WebAssembly SIMD) and WebAssembly SIMD (norm.as.ts) for float32 data of at least MIN_WASM
// elements. The WebAssembly drivers below work chunk by chunk: a chunk of whole statistic
// groups (about CHUNK elements) is copied into the module's memory, where it stays in cache
// for the statistics pass, the normalize pass and the copy back. Both compute statistics with
// float64 accumulation and a two-pass (never E[x²] − E[x]²) variance.
import { rangeAffine, rangeDotDev, rangeGroupBackward, rangeScale, rangeSqDev, rangeSum, rowAffine, rowBackwardDx, rowBackwardSums } from '../kernels';
import type { FloatArray } from '../tensor';
import { WASM_BASE64 } from './normWasm';
import { wasmAvailable } from './dense';

export interface Kernels {
  sum(x: FloatArray, start: number, end: number): number;
  sqDev(x: FloatArray, start: number, end: number, mean: number): number;
  affine(x: FloatArray, y: FloatArray, start: number, end: number, mean: number, scale: number, shift: number): void;
  dotDev(g: FloatArray, x: FloatArray, start: number, end: number, mean: number): number;
  /** dx = r · (w · dy − a − (x − mean) · b). */
  normBackward(dy: FloatArray, x: FloatArray, dx: FloatArray, start: number, end: number, mean: number, r: number, w: number, a: number, b: number): void;
  /** dx = k · dy. */
  scale(dy: FloatArray, dx: FloatArray, start: number, end: number, k: number): void;
  rowAffine(x: FloatArray, y: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, b: FloatArray | undefined): void;
  rowBackwardSums(dy: FloatArray, x: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, gw: Float64Array, gb: Float64Array | null, sums: Float64Array): void;
  rowBackwardDx(dy: FloatArray, x: FloatArray, dx: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, a: number, b: number): void;
}

/** The TypeScript kernels (the layers' path for float64 data and small tensors). */
export const JS_KERNELS: Kernels = {
  sum: rangeSum,
  sqDev: rangeSqDev,
  affine: rangeAffine,
  dotDev: rangeDotDev,
  normBackward: rangeGroupBackward,
  scale: rangeScale,
  rowAffine,
  rowBackwardSums,
  rowBackwardDx,
};

interface NormExports {
  memory: WebAssembly.Memory;
  segMean(x: number, nseg: number, len: number, mean: number): void;
  segDev(x: number, nseg: number, len: number, shift: number, sd: number, sd2: number): void;
  segAffine(x: number, y: number, nseg: number, len: number, m: number, a: number, b: number): void;
  rowsAffineW(x: number, y: number, rows: number, d: number, m: number, a: number, c: number, w: number, bias: number): void;
  segDot(g: number, x: number, nseg: number, len: number, shift: number, sg: number, sgx: number): void;
  segBackward(dy: number, x: number, dx: number, nseg: number, len: number, m: number, p: number, q: number, c: number): void;
  rowsBackwardSums(dy: number, x: number, rows: number, d: number, m: number, delta: number, rstd: number, w: number, gw: number, gb: number, sg: number, sgx: number, cr: number): void;
  rowsBackwardDx(dy: number, cr: number, dx: number, rows: number, d: number, w: number, p: number, q: number, c: number): void;
}

let exportsCache: NormExports | null | undefined;

function load(): NormExports | null {
  if (exportsCache !== undefined) return exportsCache;
  try {
    const text = atob(WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as NormExports;
    exportsCache = typeof e.segDev === 'function' && e.memory instanceof WebAssembly.Memory ? e : null;
  } catch {
    exportsCache = null; // no WebAssembly, or no SIMD support: the TypeScript kernels take over
  }
  return exportsCache;
}

/** Tensors smaller than this stay in TypeScript (chunking costs more than it saves). */
export const MIN_WASM = 4096;
/** Planes shorter than this stay in TypeScript (per-plane overhead would dominate). */
export const MIN_PLANE = 16;
/** Elements per chunk: three float32 chunks (x, dy, dx) stay well inside a 1 MiB L2 cache. */
export const CHUNK = 32768;
const BASE = 65536;
const PAGE = 65536;

/**
 * Whether a float32 forward / backward of `elements` elements whose planes (contiguous runs
 * sharing one statistic and one affine parameter) have `plane` elements takes the WebAssembly
 * path. Every array involved must be float32.
 */
export function useWasm(arrays: readonly (FloatArray | undefined)[], elements: number, plane: number): boolean {
  return elements >= MIN_WASM && plane >= MIN_PLANE && arrays.every((a) => a === undefined || a instanceof Float32Array) && wasmAvailable() && load() !== null;
}

/** Bump allocation in the module's memory for one call: sizes first, then views. */
class Arena {
  private bytes = BASE;
  private readonly plan: { at: number; n: number; f64: boolean }[] = [];

  f32(n: number): number {
    return this.add(n, false);
  }

  f64(n: number): number {
    return this.add(n, true);
  }

  private add(n: number, f64: boolean): number {
    const at = this.bytes;
    this.bytes += ((n * (f64 ? 8 : 4) + 15) & ~15) || 16;
    this.plan.push({ at, n, f64 });
    return this.plan.length - 1;
  }

  /** Grows the memory if needed and returns the exports, each block's pointer and a view. */
  commit(w: NormExports): { ptr: number[]; f32: Float32Array[]; f64: Float64Array[] } {
    const have = w.memory.buffer.byteLength;
    if (this.bytes > have) w.memory.grow(Math.ceil((this.bytes - have) / PAGE));
    const buffer = w.memory.buffer;
    const f32: Float32Array[] = [];
    const f64: Float64Array[] = [];
    for (const p of this.plan) {
      if (p.f64) {
        f64.push(new Float64Array(buffer, p.at, p.n));
        f32.push(new Float32Array(0));
      } else {
        f32.push(new Float32Array(buffer, p.at, p.n));
        f64.push(new Float64Array(0));
      }
    }
    return { ptr: this.plan.map((p) => p.at), f32, f64 };
  }
}

/**
 * How a normalization sees its input: `outer` blocks `outerStride` elements apart, each holding
 * `units` consecutive units of `unitLen` contiguous elements; a statistic group is one unit
 * across all outer blocks (BatchNorm: outer = N, units = C channels of L; the others: outer = 1,
 * units = instances, groups or rows). A unit splits into `planes` planes (GroupNorm: its
 * channels), each with its own affine parameter.
 */
export interface PlaneLayout {
  outer: number;
  outerStride: number;
  units: number;
  unitLen: number;
  planes: number;
}

/** Units per chunk (at least one; a multiple of 4 when more than 4, for the four-row kernels). */
function unitsPerChunk(lay: PlaneLayout): number {
  const k = Math.max(1, Math.min(lay.units, Math.floor(CHUNK / (lay.outer * lay.unitLen))));
  return k > 4 ? k - (k % 4) : k;
}

function gather(src: Float32Array, dst: Float32Array, lay: PlaneLayout, u0: number, k: number): void {
  const run = k * lay.unitLen;
  const from = u0 * lay.unitLen;
  if (lay.outer === 1) dst.set(src.subarray(from, from + run));
  else for (let o = 0; o < lay.outer; o++) dst.set(src.subarray(o * lay.outerStride + from, o * lay.outerStride + from + run), o * run);
}

function scatter(src: Float32Array, dst: Float32Array, lay: PlaneLayout, u0: number, k: number): void {
  const run = k * lay.unitLen;
  const from = u0 * lay.unitLen;
  if (lay.outer === 1) dst.set(src.subarray(0, run), from);
  else for (let o = 0; o < lay.outer; o++) dst.set(src.subarray(o * run, (o + 1) * run), o * lay.outerStride + from);
}

/** The statistics a forward uses: from the batch (two-pass), RMS (Σx², no mean), or given. */
export type StatsMode = 'batch' | 'rms' | 'given';

export interface ForwardPlan {
  lay: PlaneLayout;
  mode: StatsMode;
  eps: number;
  /** Per unit; written in 'batch' / 'rms' mode (mean 0 for RMS), read in 'given' mode. */
  mean: Float64Array;
  rstd: Float64Array;
  /** Per unit biased variance (batch mode), for running statistics. */
  variance?: Float64Array;
  /** Per-channel affine: channel of (unit, plane), weight and bias (null: 1 and 0). */
  channel?: (unit: number, plane: number) => number;
  weight?: FloatArray | null;
  bias?: FloatArray | null;
  /** Element-wise affine along each unit (LayerNorm / RMSNorm, planes = 1): unitLen values. */
  rowWeight?: FloatArray | null;
  rowBias?: FloatArray | null;
}

/** Forward of a plane-layout normalization in WebAssembly: y = (x − mean) · rstd · w + b. */
export function wasmForward(x: Float32Array, y: Float32Array, plan: ForwardPlan): void {
  const w = load()!;
  const { lay, mode, eps, mean, rstd } = plan;
  const k = unitsPerChunk(lay);
  const chunk = k * lay.outer * lay.unitLen;
  const planeLen = lay.unitLen / lay.planes;
  const nplanes = k * lay.outer * lay.planes;
  const count = lay.outer * lay.unitLen;
  const arena = new Arena();
  const A = arena.f32(chunk);
  const B = arena.f32(chunk);
  const PM = arena.f64(nplanes);
  const SH = arena.f64(nplanes);
  const SD = arena.f64(nplanes);
  const SD2 = arena.f64(nplanes);
  const CA = arena.f64(nplanes);
  const CB = arena.f64(nplanes);
  const rowAffine = plan.rowWeight ? true : false;
  const RW = arena.f32(rowAffine ? lay.unitLen : 0);
  const RB = arena.f32(rowAffine && plan.rowBias ? lay.unitLen : 0);
  const { ptr, f32, f64 } = arena.commit(w);
  if (rowAffine) {
    f32[RW].set(plan.rowWeight!);
    if (plan.rowBias) f32[RB].set(plan.rowBias);
  }
  const pm = f64[PM];
  const sh = f64[SH];
  const sd = f64[SD];
  const sd2 = f64[SD2];
  const ca = f64[CA];
  const cb = f64[CB];
  const ppu = lay.planes;
  const wt = plan.weight ?? null;
  const bs = plan.bias ?? null;
  const channel = plan.channel;
  for (let u0 = 0; u0 < lay.units; u0 += k) {
    const ku = Math.min(k, lay.units - u0);
    const np = ku * lay.outer * ppu;
    gather(x, f32[A], lay, u0, ku);
    // Plane p of the chunk: outer block o = p / (ku·ppu), unit u0 + (p / ppu) % ku, plane p % ppu.
    if (mode === 'batch') {
      w.segMean(ptr[A], np, planeLen, ptr[PM]);
      for (let j = 0; j < ku; j++) {
        let s = 0;
        for (let o = 0; o < lay.outer; o++) for (let q = 0; q < ppu; q++) s += pm[(o * ku + j) * ppu + q];
        const shift = Math.fround(s / (lay.outer * ppu));
        for (let o = 0; o < lay.outer; o++) for (let q = 0; q < ppu; q++) sh[(o * ku + j) * ppu + q] = shift;
      }
    } else if (mode === 'rms') {
      sh.fill(0, 0, np);
    } else {
      for (let j = 0; j < ku; j++) {
        const shift = Math.fround(mean[u0 + j]);
        for (let o = 0; o < lay.outer; o++) for (let q = 0; q < ppu; q++) sh[(o * ku + j) * ppu + q] = shift;
      }
    }
    if (mode !== 'given') {
      w.segDev(ptr[A], np, planeLen, ptr[SH], ptr[SD], ptr[SD2]);
      for (let j = 0; j < ku; j++) {
        let s1 = 0;
        let s2 = 0;
        for (let o = 0; o < lay.outer; o++) {
          for (let q = 0; q < ppu; q++) {
            const p = (o * ku + j) * ppu + q;
            s1 += sd[p];
            s2 += sd2[p];
          }
        }
        const u = u0 + j;
        if (mode === 'rms') {
          mean[u] = 0;
          rstd[u] = 1 / Math.sqrt(s2 / count + eps);
        } else {
          const d = s1 / count;
          const v = Math.max(0, s2 - s1 * d) / count;
          mean[u] = sh[j * ppu] + d;
          rstd[u] = 1 / Math.sqrt(v + eps);
          if (plan.variance) plan.variance[u] = v;
        }
      }
    }
    if (rowAffine) {
      // LayerNorm / RMSNorm rows: y = ((x − m) · r + (m − mean) · r) · w[j] + b[j].
      for (let j = 0; j < ku; j++) {
        const u = u0 + j;
        ca[j] = rstd[u];
        cb[j] = (sh[j] - mean[u]) * rstd[u];
      }
      w.rowsAffineW(ptr[A], ptr[B], ku, lay.unitLen, ptr[SH], ptr[CA], ptr[CB], ptr[RW], plan.rowBias ? ptr[RB] : 0);
    } else {
      for (let p = 0; p < np; p++) {
        const j = Math.floor(p / ppu) % ku;
        const u = u0 + j;
        const c = channel ? channel(u, p % ppu) : 0;
        const a = (wt ? wt[c] : 1) * rstd[u];
        ca[p] = a;
        cb[p] = (bs ? bs[c] : 0) + (sh[p] - mean[u]) * a;
      }
      w.segAffine(ptr[A], ptr[B], np, planeLen, ptr[SH], ptr[CA], ptr[CB]);
    }
    scatter(f32[B], y, lay, u0, ku);
  }
}

export interface BackwardPlan {
  lay: PlaneLayout;
  /** Per unit, from the forward. */
  mean: Float64Array;
  rstd: Float64Array;
  /** Gradient through the batch statistics (training) or through fixed ones (eval). */
  batchStats: boolean;
  /** false for RMSNorm: no mean subtracted. */
  centered: boolean;
  channel?: (unit: number, plane: number) => number;
  weight?: FloatArray | null;
  /** Per-channel gradient sums (float64), accumulated into. */
  gw?: Float64Array;
  gb?: Float64Array;
  /** Element-wise weight along each unit (LayerNorm / RMSNorm) and its gradients (unitLen each). */
  rowWeight?: FloatArray | null;
  rowGw?: Float64Array;
  rowGb?: Float64Array | null;
}

/**
 * Backward of a plane-layout normalization in WebAssembly:
 * dx = r · (w · dy − A − (x − mean) · B) with A = Σ w·dy / n, B = r² Σ w·dy·(x − mean) / n over
 * the unit's group (both 0 through fixed statistics; A = 0 without centering).
 */
export function wasmBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, plan: BackwardPlan): void {
  const w = load()!;
  const { lay, mean, rstd, batchStats, centered } = plan;
  const k = unitsPerChunk(lay);
  const chunk = k * lay.outer * lay.unitLen;
  const planeLen = lay.unitLen / lay.planes;
  const nplanes = k * lay.outer * lay.planes;
  const count = lay.outer * lay.unitLen;
  const rowMode = plan.rowWeight ? true : false;
  const arena = new Arena();
  const A = arena.f32(chunk);
  const G = arena.f32(chunk);
  const D = arena.f32(chunk);
  const CR = arena.f32(rowMode ? chunk : 0);
  const SH = arena.f64(nplanes);
  const SG = arena.f64(nplanes);
  const SGX = arena.f64(nplanes);
  const P = arena.f64(nplanes);
  const Q = arena.f64(nplanes);
  const C = arena.f64(nplanes);
  const RS = arena.f64(rowMode ? k : 0);
  const DL = arena.f64(rowMode ? k : 0);
  const RW = arena.f32(rowMode ? lay.unitLen : 0);
  const RGW = arena.f64(rowMode ? lay.unitLen : 0);
  const RGB = arena.f64(rowMode && plan.rowGb ? lay.unitLen : 0);
  const { ptr, f32, f64 } = arena.commit(w);
  const sh = f64[SH];
  const sg = f64[SG];
  const sgx = f64[SGX];
  const pp = f64[P];
  const qq = f64[Q];
  const cc = f64[C];
  if (rowMode) {
    f32[RW].set(plan.rowWeight!);
    f64[RGW].fill(0);
    if (plan.rowGb) f64[RGB].fill(0);
  }
  const ppu = lay.planes;
  const wt = plan.weight ?? null;
  const channel = plan.channel;
  for (let u0 = 0; u0 < lay.units; u0 += k) {
    const ku = Math.min(k, lay.units - u0);
    const np = ku * lay.outer * ppu;
    gather(x, f32[A], lay, u0, ku);
    gather(dy, f32[G], lay, u0, ku);
    for (let p = 0; p < np; p++) sh[p] = centered ? Math.fround(mean[u0 + (Math.floor(p / ppu) % ku)]) : 0;
    if (rowMode) {
      const rs = f64[RS];
      const dl = f64[DL];
      for (let j = 0; j < ku; j++) {
        rs[j] = rstd[u0 + j];
        dl[j] = sh[j] - mean[u0 + j];
      }
      w.rowsBackwardSums(ptr[G], ptr[A], ku, lay.unitLen, ptr[SH], ptr[DL], ptr[RS], ptr[RW], ptr[RGW], plan.rowGb ? ptr[RGB] : 0, ptr[SG], ptr[SGX], ptr[CR]);
      for (let j = 0; j < ku; j++) {
        const r = rstd[u0 + j];
        const a = centered ? sg[j] / count : 0;
        const b = (sgx[j] * r * r) / count;
        // dx = r · (dy · w − a − (x − mean) · b) with cr = (x − mean) · r from the sums pass.
        pp[j] = r;
        qq[j] = -b;
        cc[j] = -r * a;
      }
      w.rowsBackwardDx(ptr[G], ptr[CR], ptr[D], ku, lay.unitLen, ptr[RW], ptr[P], ptr[Q], ptr[C]);
    } else {
      w.segDot(ptr[G], ptr[A], np, planeLen, ptr[SH], ptr[SG], ptr[SGX]);
      for (let j = 0; j < ku; j++) {
        const u = u0 + j;
        const r = rstd[u];
        const delta = centered ? Math.fround(mean[u]) - mean[u] : 0;
        let s1 = 0;
        let s2 = 0;
        for (let o = 0; o < lay.outer; o++) {
          for (let q = 0; q < ppu; q++) {
            const p = (o * ku + j) * ppu + q;
            const c = channel ? channel(u, q) : 0;
            const wc = wt ? wt[c] : 1;
            const g1 = sg[p];
            const g2 = sgx[p] + delta * g1;
            if (plan.gb) plan.gb[c] += g1;
            if (plan.gw) plan.gw[c] += g2 * r;
            s1 += wc * g1;
            s2 += wc * g2;
          }
        }
        const a = batchStats && centered ? s1 / count : 0;
        const b = batchStats ? (s2 * r * r) / count : 0;
        for (let o = 0; o < lay.outer; o++) {
          for (let q = 0; q < ppu; q++) {
            const p = (o * ku + j) * ppu + q;
            const wc = wt ? wt[channel ? channel(u, q) : 0] : 1;
            pp[p] = r * wc;
            qq[p] = -r * b;
            cc[p] = -r * (a + b * delta);
          }
        }
      }
      w.segBackward(ptr[G], ptr[A], ptr[D], np, planeLen, ptr[SH], ptr[P], ptr[Q], ptr[C]);
    }
    scatter(f32[D], dx, lay, u0, ku);
  }
  if (rowMode) {
    plan.rowGw!.set(f64[RGW]);
    if (plan.rowGb) plan.rowGb.set(f64[RGB]);
  }
}
