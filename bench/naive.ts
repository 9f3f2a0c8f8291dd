// Naive two-pass normalizations: the in-run baselines of the engine's rows. One generic loop
// over the flat array for every op, the statistic and affine index of each element given by a
// small function (index arithmetic), float64 statistics, three passes (mean, variance, output)
// forward and two (sums, gradient) backward: what a first port of the formulas looks like.

export interface NaiveLayout {
  /** Number of statistics (channels, instances, groups or rows). */
  stats: number;
  /** The statistic an element belongs to. */
  statOf: (i: number) => number;
  /** The affine parameter an element uses. */
  affineOf: (i: number) => number;
  /** RMSNorm: no mean subtraction. */
  rms?: boolean;
}

export function naiveForward(x: Float32Array, y: Float32Array, layout: NaiveLayout, w: Float32Array, b: Float32Array, eps: number, mean: Float64Array, rstd: Float64Array): void {
  const count = new Float64Array(layout.stats);
  const sum = new Float64Array(layout.stats);
  for (let i = 0; i < x.length; i++) {
    const s = layout.statOf(i);
    count[s] += 1;
    if (!layout.rms) sum[s] += x[i];
  }
  for (let s = 0; s < layout.stats; s++) mean[s] = sum[s] / count[s];
  const sq = new Float64Array(layout.stats);
  for (let i = 0; i < x.length; i++) {
    const s = layout.statOf(i);
    const d = x[i] - mean[s];
    sq[s] += d * d;
  }
  for (let s = 0; s < layout.stats; s++) rstd[s] = 1 / Math.sqrt(sq[s] / count[s] + eps);
  for (let i = 0; i < x.length; i++) {
    const s = layout.statOf(i);
    const a = layout.affineOf(i);
    y[i] = (x[i] - mean[s]) * rstd[s] * w[a] + (layout.rms ? 0 : b[a]);
  }
}

export function naiveBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, layout: NaiveLayout, w: Float32Array, mean: Float64Array, rstd: Float64Array, gw: Float64Array, gb: Float64Array): void {
  const count = new Float64Array(layout.stats);
  const sg = new Float64Array(layout.stats);
  const sgx = new Float64Array(layout.stats);
  gw.fill(0);
  gb.fill(0);
  for (let i = 0; i < x.length; i++) {
    const s = layout.statOf(i);
    const a = layout.affineOf(i);
    const xhat = (x[i] - mean[s]) * rstd[s];
    const g = dy[i] * w[a];
    count[s] += 1;
    sg[s] += g;
    sgx[s] += g * xhat;
    gw[a] += dy[i] * xhat;
    gb[a] += dy[i];
  }
  for (let i = 0; i < x.length; i++) {
    const s = layout.statOf(i);
    const xhat = (x[i] - mean[s]) * rstd[s];
    const centred = layout.rms ? 0 : sg[s] / count[s];
    dx[i] = rstd[s] * (dy[i] * w[layout.affineOf(i)] - centred - (xhat * sgx[s]) / count[s]);
  }
}
