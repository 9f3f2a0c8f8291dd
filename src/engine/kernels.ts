// Inner loops shared by the normalization layers: contiguous ranges of a flat array, float64
// accumulation, four independent accumulators (so that additions pipeline instead of waiting
// on one another). Variance is always two-pass: Σ(x − mean)² after the mean is known — never
// E[x²] − E[x]², which cancels catastrophically when the mean is large relative to the spread.
import type { FloatArray } from './tensor';

/** Σ x[i] for i in [start, end). */
export function rangeSum(x: FloatArray, start: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < end; i++) s0 += x[i];
  return s0 + s1 + s2 + s3;
}

/** Σ (x[i] − mean)² for i in [start, end). */
export function rangeSqDev(x: FloatArray, start: number, end: number, mean: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const d0 = x[i] - mean;
    const d1 = x[i + 1] - mean;
    const d2 = x[i + 2] - mean;
    const d3 = x[i + 3] - mean;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < end; i++) {
    const d = x[i] - mean;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** y[i] = (x[i] − mean) · scale + shift for i in [start, end). */
export function rangeAffine(x: FloatArray, y: FloatArray, start: number, end: number, mean: number, scale: number, shift: number): void {
  let i = start;
  for (; i + 3 < end; i += 4) {
    y[i] = (x[i] - mean) * scale + shift;
    y[i + 1] = (x[i + 1] - mean) * scale + shift;
    y[i + 2] = (x[i + 2] - mean) * scale + shift;
    y[i + 3] = (x[i + 3] - mean) * scale + shift;
  }
  for (; i < end; i++) y[i] = (x[i] - mean) * scale + shift;
}

/** Σ g[i] · (x[i] − mean) for i in [start, end). */
export function rangeDotDev(g: FloatArray, x: FloatArray, start: number, end: number, mean: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    s0 += g[i] * (x[i] - mean);
    s1 += g[i + 1] * (x[i + 1] - mean);
    s2 += g[i + 2] * (x[i + 2] - mean);
    s3 += g[i + 3] * (x[i + 3] - mean);
  }
  for (; i < end; i++) s0 += g[i] * (x[i] - mean);
  return s0 + s1 + s2 + s3;
}

/**
 * The backward of a normalization through batch statistics, on one range with one scale:
 * dx[i] = k · (dy[i] − a − (x[i] − mean) · b).
 */
export function rangeNormBackward(dy: FloatArray, x: FloatArray, dx: FloatArray, start: number, end: number, mean: number, k: number, a: number, b: number): void {
  let i = start;
  for (; i + 3 < end; i += 4) {
    dx[i] = k * (dy[i] - a - (x[i] - mean) * b);
    dx[i + 1] = k * (dy[i + 1] - a - (x[i + 1] - mean) * b);
    dx[i + 2] = k * (dy[i + 2] - a - (x[i + 2] - mean) * b);
    dx[i + 3] = k * (dy[i + 3] - a - (x[i + 3] - mean) * b);
  }
  for (; i < end; i++) dx[i] = k * (dy[i] - a - (x[i] - mean) * b);
}

/** dx[i] = k · dy[i] (backward through fixed statistics). */
export function rangeScale(dy: FloatArray, dx: FloatArray, start: number, end: number, k: number): void {
  let i = start;
  for (; i + 3 < end; i += 4) {
    dx[i] = k * dy[i];
    dx[i + 1] = k * dy[i + 1];
    dx[i + 2] = k * dy[i + 2];
    dx[i + 3] = k * dy[i + 3];
  }
  for (; i < end; i++) dx[i] = k * dy[i];
}

/**
 * The backward of GroupNorm on one channel of a group: dx[i] = r · (w · dy[i] − a − (x[i] − mean) · b)
 * (a and b hold the group's sums, which mix channels of different weights).
 */
export function rangeGroupBackward(dy: FloatArray, x: FloatArray, dx: FloatArray, start: number, end: number, mean: number, r: number, w: number, a: number, b: number): void {
  let i = start;
  for (; i + 3 < end; i += 4) {
    dx[i] = r * (w * dy[i] - a - (x[i] - mean) * b);
    dx[i + 1] = r * (w * dy[i + 1] - a - (x[i + 1] - mean) * b);
    dx[i + 2] = r * (w * dy[i + 2] - a - (x[i + 2] - mean) * b);
    dx[i + 3] = r * (w * dy[i + 3] - a - (x[i + 3] - mean) * b);
  }
  for (; i < end; i++) dx[i] = r * (w * dy[i] - a - (x[i] - mean) * b);
}

// Row kernels of LayerNorm / RMSNorm: an element-wise weight (and bias) indexed from 0 along the
// row. Kept as small functions (rather than loops inside the layers' methods) so that the JIT
// optimises them once, hot, instead of on-stack-replacing a long method mid-loop.

/** y[start + j] = (x[start + j] − mean) · r · w[j] + (b ? b[j] : 0) for j < d. */
export function rowAffine(x: FloatArray, y: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, b: FloatArray | undefined): void {
  if (b) {
    for (let j = 0; j < d; j++) y[start + j] = (x[start + j] - mean) * r * w[j] + b[j];
  } else {
    for (let j = 0; j < d; j++) y[start + j] = (x[start + j] - mean) * r * w[j];
  }
}

/**
 * One row of the LayerNorm / RMSNorm backward, first pass: accumulates gw[j] += dy·(x − mean)·r
 * and gb[j] += dy (when gb), and returns Σ dy·w in sums[0] and Σ dy·w·(x − mean) in sums[1].
 */
export function rowBackwardSums(dy: FloatArray, x: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, gw: Float64Array, gb: Float64Array | null, sums: Float64Array): void {
  let sg = 0;
  let sgx = 0;
  for (let j = 0; j < d; j++) {
    const g = dy[start + j];
    const xc = x[start + j] - mean;
    const gwj = g * w[j];
    sg += gwj;
    sgx += gwj * xc;
    gw[j] += g * xc * r;
  }
  if (gb) for (let j = 0; j < d; j++) gb[j] += dy[start + j];
  sums[0] = sg;
  sums[1] = sgx;
}

/** dx[start + j] = r · (dy · w[j] − a − (x − mean) · b) for j < d. */
export function rowBackwardDx(dy: FloatArray, x: FloatArray, dx: FloatArray, start: number, d: number, mean: number, r: number, w: FloatArray, a: number, b: number): void {
  for (let j = 0; j < d; j++) dx[start + j] = r * (dy[start + j] * w[j] - a - (x[start + j] - mean) * b);
}
