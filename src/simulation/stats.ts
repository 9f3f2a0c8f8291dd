/**
 * Summary statistics of activations (not kernels: these describe a layer's output for the
 * charts). Two-pass mean/variance in float64, population std (what `tensor.std(unbiased=False)`
 * gives), so a large mean does not swamp the spread.
 */

import type { Summary } from './result';

type Values = ArrayLike<number>;

export function summarize(values: Values): Summary {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0, min: 0, max: 0 };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / n), min, max };
}

/** Counts of `values` in `bins` equal bins over [lo, hi] (values outside go to the end bins), as fractions. */
export function histogram(values: Values, lo: number, hi: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const n = values.length;
  if (n === 0) return counts;
  const width = hi > lo ? (hi - lo) / bins : 1;
  for (let i = 0; i < n; i++) {
    let b = Math.floor((values[i] - lo) / width);
    if (!(b >= 0)) b = 0; // also NaN
    if (b >= bins) b = bins - 1;
    counts[b]++;
  }
  for (let b = 0; b < bins; b++) counts[b] /= n;
  return counts;
}

/** Bin range covering both summaries; a degenerate range is widened so bins have a width. */
export function sharedRange(a: Summary, b: Summary): { lo: number; hi: number } {
  let lo = Math.min(a.min, b.min);
  let hi = Math.max(a.max, b.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: -1, hi: 1 };
  if (hi - lo < 1e-12) {
    const pad = Math.max(Math.abs(lo) * 1e-3, 1e-6);
    lo -= pad;
    hi += pad;
  }
  return { lo, hi };
}

/**
 * Fraction of units (feature, or channel × position) that are exactly zero for every sample of
 * the batch: a dead ReLU. `values` is laid out `[batch, unitsPerSample]`.
 */
export function deadFraction(values: Values, batch: number): number {
  const units = batch > 0 ? values.length / batch : 0;
  if (units === 0) return 0;
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let alive = false;
    for (let b = 0; b < batch && !alive; b++) alive = values[b * units + u] !== 0;
    if (!alive) dead++;
  }
  return dead / units;
}

/** Per-channel mean of `[batch, channels, inner]` data. */
export function channelMeans(values: Values, batch: number, channels: number): Float64Array {
  const inner = values.length / (batch * channels);
  const means = new Float64Array(channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const base = (b * channels + c) * inner;
      let s = 0;
      for (let i = 0; i < inner; i++) s += values[base + i];
      means[c] += s;
    }
  }
  const count = batch * inner;
  for (let c = 0; c < channels; c++) means[c] /= count;
  return means;
}

/** Population std of each column of `rows` (one row per step), averaged over columns. */
export function meanColumnStd(rows: readonly Float64Array[]): number {
  const n = rows.length;
  if (n < 2) return 0;
  const cols = rows[0].length;
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (const r of rows) s += r[c];
    const m = s / n;
    let ss = 0;
    for (const r of rows) ss += (r[c] - m) * (r[c] - m);
    // Unbiased over steps: the spread of the statistic, not of this particular sample.
    total += Math.sqrt(ss / (n - 1));
  }
  return cols > 0 ? total / cols : 0;
}

export function l2norm(values: Values): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

/** |mean_train − mean_eval| / std_eval, 0 when eval output has no spread and means agree. */
export function gap(train: { mean: number }, evalStats: { mean: number; std: number }): number {
  const d = Math.abs(train.mean - evalStats.mean);
  if (evalStats.std > 0) return d / evalStats.std;
  return d === 0 ? 0 : Infinity;
}
