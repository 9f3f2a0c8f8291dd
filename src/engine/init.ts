// PyTorch's weight initialisations (torch.nn.init), drawn from the engine's seeded Rng.
// Fans follow torch.nn.init._calculate_fan_in_and_fan_out: for a weight [out, in, *kernel],
// fan_in = in · Π kernel and fan_out = out · Π kernel.
import type { Rng } from './rng';
import { EngineError, shapeString, type FloatArray, type Tensor } from './tensor';
import { wasmGemmNT } from './wasm/dense';

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** torch.nn.init.calculate_gain. `param` is leaky_relu's negative slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
}

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new EngineError(`fan in and fan out need a weight of at least 2 dimensions (got ${shapeString(shape)})`);
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export interface KaimingOptions {
  /** leaky_relu's negative slope (PyTorch's nn.Linear/Conv default init uses a = √5). */
  a?: number;
  mode?: 'fan_in' | 'fan_out';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], options: KaimingOptions): number {
  const { fanIn, fanOut } = fans(shape);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new EngineError(`Kaiming initialisation of an empty weight ${shapeString(shape)}`);
  return calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
}

/** torch.nn.init.kaiming_uniform_: U(−b, b), b = gain · √(3 / fan). */
export function kaimingUniform(t: Tensor, rng: Rng, options: KaimingOptions = {}): void {
  const bound = Math.sqrt(3) * kaimingStd(t.shape, options);
  rng.fillUniform(t.data, -bound, bound);
}

/** torch.nn.init.kaiming_normal_: N(0, (gain / √fan)²). */
export function kaimingNormal(t: Tensor, rng: Rng, options: KaimingOptions = {}): void {
  rng.fillNormal(t.data, 0, kaimingStd(t.shape, options));
}

/** torch.nn.init.xavier_uniform_: U(−b, b), b = gain · √(6 / (fan_in + fan_out)). */
export function xavierUniform(t: Tensor, rng: Rng, gain = 1): void {
  const { fanIn, fanOut } = fans(t.shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  rng.fillUniform(t.data, -bound, bound);
}

/** torch.nn.init.xavier_normal_: N(0, gain² · 2 / (fan_in + fan_out)). */
export function xavierNormal(t: Tensor, rng: Rng, gain = 1): void {
  const { fanIn, fanOut } = fans(t.shape);
  rng.fillNormal(t.data, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/**
 * torch.nn.init.orthogonal_: the weight seen as [rows = shape[0], cols = the rest] gets
 * orthonormal rows (rows <= cols) or columns (rows > cols), times `gain`: the Q factor of a
 * Gaussian matrix, signs fixed by R's diagonal so that the result is uniformly distributed.
 */
export function orthogonal(t: Tensor, rng: Rng, gain = 1): void {
  if (t.shape.length < 2) throw new EngineError(`orthogonal initialisation needs at least 2 dimensions (got ${shapeString(t.shape)})`);
  const rows = t.shape[0];
  const cols = t.data.length / rows;
  if (rows === 0 || cols === 0) return;
  // Work on the tall orientation [tall, short] with tall >= short, column-major: column j at
  // q[j·tall ...] (so row j of Aᵀ). The same draws whichever way the QR is computed.
  const tall = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  const f32 = t.data instanceof Float32Array && tall >= CHOLQR_MIN_ASPECT * short ? new Float32Array(tall * short) : undefined;
  const q: FloatArray = f32 ?? new Float64Array(tall * short);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  const qt = f32 ? choleskyQR2(f32, tall, short) : undefined;
  if (qt) {
    writeOrthogonal(t, qt, rows, cols, tall, gain);
    return;
  }
  gramSchmidt(q instanceof Float64Array ? q : Float64Array.from(q), tall, short, t, rows, cols, gain);
}

/**
 * Float32 weights whose matrix is at least this much taller than wide (either way) get their Q
 * factor by CholeskyQR2 in float32 WebAssembly products (see `choleskyQR2`): a Gaussian matrix
 * that shape has a condition number near (√r + 1)/(√r − 1) for aspect r (about 18 at 1.25), far
 * within what CholeskyQR2 in float32 needs (below ~10³). Squarer ones, and float64 weights, use
 * modified Gram–Schmidt in float64.
 */
const CHOLQR_MIN_ASPECT = 1.25;

/** Writes weight = gain · Qᵀ (rows <= cols: rows orthonormal) or gain · Q, from Qᵀ in `q` ([short, tall] row-major). */
function writeOrthogonal(t: Tensor, q: FloatArray, rows: number, cols: number, tall: number, gain: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) t.data[r * cols + c] = gain * (rows < cols ? q[r * tall + c] : q[c * tall + r]);
  }
}

/**
 * The Q factor (as Qᵀ, [short, tall]) of A given as Aᵀ in `at`, with R's diagonal positive, by
 * CholeskyQR2: twice (the second time only when the first left QᵀQ off I by more than
 * `tolerance`), G = AᵀA, G = LLᵀ (Cholesky, float64), Aᵀ ← L⁻¹Aᵀ. Products in float32
 * WebAssembly SIMD (as torch.linalg.qr works in the tensor's float32). The Q of a QR with a
 * positive diagonal is unique, so this is the same Q as Gram–Schmidt's. Undefined when the
 * WebAssembly kernel is unavailable or a Cholesky factorisation breaks down (the caller then
 * uses Gram–Schmidt).
 */
export function choleskyQR2(at: Float32Array, tall: number, short: number, tolerance = ORTHOGONAL_TOLERANCE): Float32Array | undefined {
  let q = at;
  for (let pass = 0; pass < 2; pass++) {
    const g = new Float32Array(short * short);
    if (!wasmGemmNT(q, q, g, short, short, tall)) return undefined;
    // The first pass is usually orthogonal to float32 precision already (QᵀQ within ~1e-6 of I
    // for these aspects): the second then changes nothing that float32 keeps.
    if (pass === 1 && nearIdentity(g, short, tolerance)) break;
    const inverse = inverseCholesky(g, short);
    if (!inverse) return undefined;
    // Qᵀ [short, tall] = L⁻¹ [short, short] · Aᵀ, as C = A'·B'ᵀ with B' = A ([tall, short]).
    const a = new Float32Array(tall * short);
    for (let j = 0; j < short; j++) for (let i = 0; i < tall; i++) a[i * short + j] = q[j * tall + i];
    const next = new Float32Array(short * tall);
    if (!wasmGemmNT(inverse, a, next, short, tall, short)) return undefined;
    q = next;
  }
  return q;
}

/** How far from I (largest entry) QᵀQ may be for a Q to count as orthogonal (float32 products reach ~1e-6). */
const ORTHOGONAL_TOLERANCE = 1e-5;

/** Whether every entry of the [n, n] matrix `g` is within `tolerance` of the identity's. */
function nearIdentity(g: Float32Array, n: number, tolerance: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (!(Math.abs(g[i * n + j] - (i === j ? 1 : 0)) <= tolerance)) return false;
  return true;
}

/** L⁻¹ (row-major, float32) for the Cholesky factor L of the symmetric `g` [n, n]; undefined if g is not (numerically) positive definite. */
function inverseCholesky(g: Float32Array, n: number): Float32Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = g[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j];
    }
  }
  // L · X = I row by row: X[i, :] = (e_i − Σ_{k<i} L[i, k] · X[k, :]) / L[i, i] (rows read along).
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    inv[row + i] = 1;
    for (let k = 0; k < i; k++) {
      const lik = l[row + k];
      for (let c = 0, from = k * n; c <= k; c++) inv[row + c] -= lik * inv[from + c];
    }
    const d = 1 / l[row + i];
    for (let c = 0; c <= i; c++) inv[row + c] *= d;
  }
  return Float32Array.from(inv);
}

/** Modified Gram–Schmidt in float64 on `q` (Aᵀ, see `orthogonal`), written into `t`. */
function gramSchmidt(q: Float64Array, tall: number, short: number, t: Tensor, rows: number, cols: number, gain: number): void {
  for (let j = 0; j < short; j++) {
    const cj = j * tall;
    for (let p = 0; p < j; p++) {
      const cp = p * tall;
      let d = 0;
      for (let i = 0; i < tall; i++) d += q[cp + i] * q[cj + i];
      for (let i = 0; i < tall; i++) q[cj + i] -= d * q[cp + i];
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += q[cj + i] * q[cj + i];
    norm = Math.sqrt(norm);
    // R's diagonal is +norm here, so the sign correction of torch's QR is already applied.
    for (let i = 0; i < tall; i++) q[cj + i] /= norm;
  }
  writeOrthogonal(t, q, rows, cols, tall, gain);
}

/** PyTorch's default bias init for Linear / Conv: U(−1/√fan_in, 1/√fan_in). */
export function defaultBias(bias: Tensor, weightShape: readonly number[], rng: Rng): void {
  const { fanIn } = fans(weightShape);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  rng.fillUniform(bias.data, -bound, bound);
}

/** PyTorch's default Linear / Conv weight init: kaiming_uniform_(a = √5), i.e. U(−1/√fan_in, 1/√fan_in). */
export function defaultWeight(weight: Tensor, rng: Rng): void {
  kaimingUniform(weight, rng, { a: Math.sqrt(5) });
}

export type WeightInit = 'default' | 'kaiming_uniform' | 'kaiming_normal' | 'xavier_uniform' | 'xavier_normal' | 'orthogonal';

/**
 * One of the named schemes. `default` is PyTorch's (kaiming_uniform_ with a = √5);
 * `kaiming_*` use PyTorch's function defaults (a = 0, fan_in, leaky_relu gain = √2, i.e. He init
 * for ReLU); `xavier_*` and `orthogonal` use gain 1 unless given.
 */
export function initWeight(weight: Tensor, scheme: WeightInit, rng: Rng, gain?: number): void {
  switch (scheme) {
    case 'default':
      return defaultWeight(weight, rng);
    case 'kaiming_uniform':
      return kaimingUniform(weight, rng);
    case 'kaiming_normal':
      return kaimingNormal(weight, rng);
    case 'xavier_uniform':
      return xavierUniform(weight, rng, gain);
    case 'xavier_normal':
      return xavierNormal(weight, rng, gain);
    case 'orthogonal':
      return orthogonal(weight, rng, gain);
  }
}

/**
 * "Zero-gamma": the last normalization of each residual branch starts with weight 0, so that
 * every block begins as the identity (Goyal et al., 2017). Refuses a layer without weight.
 */
export function zeroGamma(norm: { readonly kind: string; readonly weight: { readonly value: Tensor } | null }): void {
  if (!norm.weight) throw new EngineError(`zero-gamma: ${norm.kind} has no weight (affine=false)`);
  norm.weight.value.data.fill(0);
}
