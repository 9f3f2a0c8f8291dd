// The range kernels of the normalization layers, in two implementations behind one interface:
// TypeScript (kernels.ts, any float array) and WebAssembly SIMD (norm.as.ts, float32 data staged
// in the module's memory). `stage` decides per call: float32 tensors of at least MIN_WASM
// elements go to WebAssembly (inputs copied in, outputs copied out), everything else stays in
// TypeScript. Both compute in float64 with the same two-pass formulas.
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
  sum(x: number, start: number, end: number): number;
  sqDev(x: number, start: number, end: number, mean: number): number;
  affine(x: number, y: number, start: number, end: number, mean: number, scale: number, shift: number): void;
  dotDev(g: number, x: number, start: number, end: number, mean: number): number;
  normBackward(dy: number, x: number, dx: number, start: number, end: number, mean: number, r: number, w: number, a: number, b: number): void;
  rowAffine(x: number, y: number, start: number, d: number, mean: number, r: number, w: number, b: number): void;
  rowBackwardSums(dy: number, x: number, start: number, d: number, mean: number, r: number, w: number, gw: number, gb: number, sums: number): void;
  rowBackwardDx(dy: number, x: number, dx: number, start: number, d: number, mean: number, r: number, w: number, a: number, b: number): void;
}

let exportsCache: NormExports | null | undefined;

function load(): NormExports | null {
  if (exportsCache !== undefined) return exportsCache;
  try {
    const text = atob(WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    exportsCache = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as NormExports;
  } catch {
    exportsCache = null;
  }
  return exportsCache;
}

function wasmKernels(w: NormExports): Kernels {
  // Arrays handed to these are views of w.memory (made by `stage`): their byteOffset is the pointer.
  return {
    sum: (x, s, e) => w.sum(x.byteOffset, s, e),
    sqDev: (x, s, e, m) => w.sqDev(x.byteOffset, s, e, m),
    affine: (x, y, s, e, m, sc, sh) => w.affine(x.byteOffset, y.byteOffset, s, e, m, sc, sh),
    dotDev: (g, x, s, e, m) => w.dotDev(g.byteOffset, x.byteOffset, s, e, m),
    normBackward: (dy, x, dx, s, e, m, r, wt, a, b) => w.normBackward(dy.byteOffset, x.byteOffset, dx.byteOffset, s, e, m, r, wt, a, b),
    scale: rangeScale,
    rowAffine: (x, y, s, d, m, r, wt, b) => w.rowAffine(x.byteOffset, y.byteOffset, s, d, m, r, wt.byteOffset, b ? b.byteOffset : 0),
    rowBackwardSums: (dy, x, s, d, m, r, wt, gw, gb, sums) => w.rowBackwardSums(dy.byteOffset, x.byteOffset, s, d, m, r, wt.byteOffset, gw.byteOffset, gb ? gb.byteOffset : 0, sums.byteOffset),
    rowBackwardDx: (dy, x, dx, s, d, m, r, wt, a, b) => w.rowBackwardDx(dy.byteOffset, x.byteOffset, dx.byteOffset, s, d, m, r, wt.byteOffset, a, b),
  };
}

let wasmKernelSet: Kernels | null = null;

/** Tensors smaller than this stay in TypeScript (staging costs more than it saves). */
export const MIN_WASM = 4096;
const BASE = 65536;
const PAGE = 65536;

/** The arrays one forward or backward works on, and how to get its outputs back. */
export interface Staged {
  K: Kernels;
  /** The inputs (views of WebAssembly memory when staged; undefined stays undefined). */
  inputs: (FloatArray | undefined)[];
  /** Outputs of the requested lengths, same kind as the first input. */
  outputs: FloatArray[];
  /** Zeroed float64 work arrays of the requested lengths. */
  f64: Float64Array[];
  /** Output `i` as an array the caller may keep (a copy out of WebAssembly memory when staged). */
  result(i: number): FloatArray;
}

function align(n: number): number {
  return (n + 15) & ~15;
}

/**
 * Prepares a kernel call: `inputs[0]` is the main tensor, which decides the kind of the
 * outputs. Float32 inputs of at least MIN_WASM elements are copied into WebAssembly memory.
 */
export function stage(inputs: (FloatArray | undefined)[], outLengths: number[], f64Lengths: number[]): Staged {
  const main = inputs[0]!;
  const w = main.length >= MIN_WASM && inputs.every((a) => a === undefined || a instanceof Float32Array) && wasmAvailable() ? load() : null;
  if (!w) {
    const outputs = outLengths.map((n) => (main instanceof Float64Array ? new Float64Array(n) : new Float32Array(n)));
    return { K: JS_KERNELS, inputs, outputs, f64: f64Lengths.map((n) => new Float64Array(n)), result: (i) => outputs[i] };
  }
  let bytes = BASE;
  for (const a of inputs) if (a) bytes += align(a.length * 4);
  for (const n of outLengths) bytes += align(n * 4);
  for (const n of f64Lengths) bytes += align(n * 8);
  const have = w.memory.buffer.byteLength;
  if (bytes > have) w.memory.grow(Math.ceil((bytes - have) / PAGE));
  const buffer = w.memory.buffer;
  let at = BASE;
  const f32 = (n: number): Float32Array => {
    const v = new Float32Array(buffer, at, n);
    at += align(n * 4);
    return v;
  };
  const staged = inputs.map((a) => {
    if (!a) return undefined;
    const v = f32(a.length);
    v.set(a);
    return v;
  });
  const outputs = outLengths.map(f32);
  const f64 = f64Lengths.map((n) => {
    const v = new Float64Array(buffer, at, n);
    v.fill(0);
    at += align(n * 8);
    return v;
  });
  wasmKernelSet ??= wasmKernels(w);
  return { K: wasmKernelSet, inputs: staged, outputs, f64, result: (i) => outputs[i].slice() };
}
