// The dense kernel behind Linear and Conv2d: C = A · Bᵀ with A [M, K] and B [N, K] row-major,
// so that both operands are read along contiguous rows. Register blocking: each 4 × 4 block of
// C is 16 float64 accumulators held across the whole K loop, reading 4 + 4 values per 16
// multiply-adds. Operands are Float64Array only (callers convert float32 data once: O(MK + NK)
// against O(MNK) work), which keeps the kernel monomorphic and spares a float32→float64
// conversion per load.
import type { FloatArray } from './tensor';

/**
 * C[i·N + j] (+)= Σ_k A[i·K + k] · B[j·K + k] for i < M, j < N. With `accumulate` the products
 * are added to C, otherwise C is overwritten.
 */
export function gemmNT(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number, accumulate = false): void {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * k;
      const b1 = b0 + k;
      const b2 = b1 + k;
      const b3 = b2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let p = 0; p < k; p++) {
        const x0 = a[a0 + p];
        const x1 = a[a1 + p];
        const x2 = a[a2 + p];
        const x3 = a[a3 + p];
        const y0 = b[b0 + p];
        const y1 = b[b1 + p];
        const y2 = b[b2 + p];
        const y3 = b[b3 + p];
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let o = i * n + j;
      if (accumulate) {
        c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += n;
        c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += n;
        c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += n;
        c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
      } else {
        c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += n;
        c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += n;
        c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += n;
        c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
      }
    }
    // Columns left over (n not a multiple of 4).
    for (let j = n4; j < n; j++) {
      for (let r = i; r < i + 4; r++) c[r * n + j] = (accumulate ? c[r * n + j] : 0) + dot(a, r * k, b, j * k, k);
    }
  }
  // Rows left over (m not a multiple of 4).
  for (let i = m4; i < m; i++) {
    for (let j = 0; j < n; j++) c[i * n + j] = (accumulate ? c[i * n + j] : 0) + dot(a, i * k, b, j * k, k);
  }
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let p = 0;
  for (; p + 1 < k; p += 2) {
    s0 += a[ao + p] * b[bo + p];
    s1 += a[ao + p + 1] * b[bo + p + 1];
  }
  if (p < k) s0 += a[ao + p] * b[bo + p];
  return s0 + s1;
}

/** `src` as float64: itself when it already is, else copied into `scratch` (grown as needed). */
export function asFloat64(src: FloatArray, scratch: Scratch, slot: number): Float64Array {
  if (src instanceof Float64Array) return src;
  const out = scratch.get(slot, src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i];
  return out;
}

/** out[j·rows + i] = src[i·cols + j]: the transpose of a [rows, cols] matrix. */
export function transposeInto(src: FloatArray, srcOffset: number, rows: number, cols: number, out: FloatArray): void {
  for (let i = 0; i < rows; i++) {
    const o = srcOffset + i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = src[o + j];
  }
}

/** Reusable work arrays, one per slot, grown to the largest size asked for. */
export class Scratch {
  private readonly arrays: Float64Array[] = [];
  private readonly arrays32: Float32Array[] = [];

  /** A float32 array of exactly `n` elements (contents undefined). */
  get32(slot: number, n: number): Float32Array {
    let buf = this.arrays32[slot];
    if (!buf || buf.length < n) {
      buf = new Float32Array(n);
      this.arrays32[slot] = buf;
    }
    return buf.length === n ? buf : buf.subarray(0, n);
  }

  /** A float64 array of exactly `n` elements (a view of the slot's buffer; contents undefined). */
  get(slot: number, n: number): Float64Array {
    let buf = this.arrays[slot];
    if (!buf || buf.length < n) {
      buf = new Float64Array(n);
      this.arrays[slot] = buf;
    }
    return buf.length === n ? buf : buf.subarray(0, n);
  }
}
