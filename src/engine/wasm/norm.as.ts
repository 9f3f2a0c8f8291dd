// AssemblyScript source of the WebAssembly SIMD normalization kernels (compiled by
// `npm run build`, see scripts/build-wasm.js; embedded from normWasm.ts). The JavaScript side
// (normKernels.ts) gathers a chunk of whole statistic groups into this module's memory, calls a
// few kernels per chunk, and copies the result out.
//
// Numerics. Data is float32. Statistics are two-pass with float64 accumulators: a first pass
// gives a rough mean m per segment (f32 pairs summed into f64 lanes); m is rounded to float32
// and the second pass accumulates Σ(x − m) and Σ(x − m)² in float64, from which the caller
// takes mean = m + Σ(x − m)/n and M2 = Σ(x − m)² − (Σ(x − m))²/n (the corrected two-pass
// algorithm of Chan, Golub & LeVeque: the correction is tiny, nothing cancels). Never
// E[x²] − E[x]². Because x and m are both float32 and close, x − m is exact or rounded
// relative to itself, so the per-element work can be float32 SIMD (4 lanes) and only the
// accumulation widens to float64: that keeps the kernels near memory speed. Elementwise
// outputs are (x − m)·a + b with the coefficients from float64, evaluated in float32.
//
// Pointers are byte offsets; counts are elements. Per-segment coefficient arrays are float64.

// @ts-ignore: decorator
@inline
function lo(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

// @ts-ignore: decorator
@inline
function hi(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// @ts-ignore: decorator
@inline
function f32at(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline
function f64at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
function setF64(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline
function seg(p: usize, s: i32, len: i32): usize {
  return p + ((<usize>s * <usize>len) << 2);
}

/**
 * Σ x over n float32 elements from p (four neighbours added in float32, accumulated in
 * float64): only the shift of the variance pass, whose accuracy does not matter there.
 */
function sumRange(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const q = p + (<usize>i << 2);
    const v = f32x4.add(f32x4.add(v128.load(q), v128.load(q, 16)), f32x4.add(v128.load(q, 32), v128.load(q, 48)));
    s0 = f64x2.add(s0, lo(v));
    s1 = f64x2.add(s1, hi(v));
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; i < n; i++) s += <f64>f32at(p, i);
  return s;
}

/** Rough mean of each of nseg contiguous segments of len elements, into mean[s]. */
export function segMean(x: usize, nseg: i32, len: i32, mean: usize): void {
  for (let s = 0; s < nseg; s++) setF64(mean, s, sumRange(seg(x, s, len), len) / <f64>len);
}

/**
 * For each of nseg contiguous segments of len elements, with d = x − shift[s] (shift[s] a
 * float32 value): sd[s] = Σ d and sd2[s] = Σ d², accumulated in float64.
 */
export function segDev(x: usize, nseg: i32, len: i32, shift: usize, sd: usize, sd2: usize): void {
  for (let s = 0; s < nseg; s++) {
    const p = seg(x, s, len);
    const m = <f32>f64at(shift, s);
    const mv = f32x4.splat(m);
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let q0 = f64x2.splat(0);
    let q1 = f64x2.splat(0);
    let i = 0;
    for (; i + 16 <= len; i += 16) {
      const o = p + (<usize>i << 2);
      const a = f32x4.sub(v128.load(o), mv);
      const b = f32x4.sub(v128.load(o, 16), mv);
      const c = f32x4.sub(v128.load(o, 32), mv);
      const d = f32x4.sub(v128.load(o, 48), mv);
      const t = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
      a0 = f64x2.add(a0, lo(t));
      a1 = f64x2.add(a1, hi(t));
      const v = f32x4.add(f32x4.add(f32x4.mul(a, a), f32x4.mul(b, b)), f32x4.add(f32x4.mul(c, c), f32x4.mul(d, d)));
      q0 = f64x2.add(q0, lo(v));
      q1 = f64x2.add(q1, hi(v));
    }
    let s1 = hsum(f64x2.add(a0, a1));
    let s2 = hsum(f64x2.add(q0, q1));
    for (; i < len; i++) {
      const d = <f64>(f32at(p, i) - m);
      s1 += d;
      s2 += d * d;
    }
    setF64(sd, s, s1);
    setF64(sd2, s, s2);
  }
}

/** y = (x − m[s]) · a[s] + b[s] (float32) on each of nseg contiguous segments of len elements. */
export function segAffine(x: usize, y: usize, nseg: i32, len: i32, m: usize, a: usize, b: usize): void {
  for (let s = 0; s < nseg; s++) {
    const xp = seg(x, s, len);
    const yp = seg(y, s, len);
    const ms = <f32>f64at(m, s);
    const as = <f32>f64at(a, s);
    const bs = <f32>f64at(b, s);
    const mv = f32x4.splat(ms);
    const av = f32x4.splat(as);
    const bv = f32x4.splat(bs);
    let i = 0;
    for (; i + 8 <= len; i += 8) {
      const q = <usize>i << 2;
      v128.store(yp + q, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + q), mv), av), bv));
      v128.store(yp + q, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + q, 16), mv), av), bv), 16);
    }
    for (; i < len; i++) store<f32>(yp + (<usize>i << 2), (f32at(xp, i) - ms) * as + bs);
  }
}

/** y = ((x − m[r]) · a[r] + c[r]) · w[j] (+ bias[j] unless bias is 0) on rows of d elements. */
export function rowsAffineW(x: usize, y: usize, rows: i32, d: i32, m: usize, a: usize, c: usize, w: usize, bias: usize): void {
  for (let r = 0; r < rows; r++) {
    const xp = seg(x, r, d);
    const yp = seg(y, r, d);
    const mr = <f32>f64at(m, r);
    const ar = <f32>f64at(a, r);
    const cr = <f32>f64at(c, r);
    const mv = f32x4.splat(mr);
    const av = f32x4.splat(ar);
    const cv = f32x4.splat(cr);
    let j = 0;
    if (bias != 0) {
      for (; j + 4 <= d; j += 4) {
        const q = <usize>j << 2;
        const t = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + q), mv), av), cv);
        v128.store(yp + q, f32x4.add(f32x4.mul(t, v128.load(w + q)), v128.load(bias + q)));
      }
      for (; j < d; j++) store<f32>(yp + (<usize>j << 2), ((f32at(xp, j) - mr) * ar + cr) * f32at(w, j) + f32at(bias, j));
    } else {
      for (; j + 4 <= d; j += 4) {
        const q = <usize>j << 2;
        const t = f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + q), mv), av), cv);
        v128.store(yp + q, f32x4.mul(t, v128.load(w + q)));
      }
      for (; j < d; j++) store<f32>(yp + (<usize>j << 2), ((f32at(xp, j) - mr) * ar + cr) * f32at(w, j));
    }
  }
}

/**
 * For each of nseg contiguous segments: sg[s] = Σ g and sgx[s] = Σ g · (x − shift[s])
 * (shift[s] a float32 value), products in float32, accumulated in float64.
 */
export function segDot(g: usize, x: usize, nseg: i32, len: i32, shift: usize, sg: usize, sgx: usize): void {
  for (let s = 0; s < nseg; s++) {
    const gp = seg(g, s, len);
    const xp = seg(x, s, len);
    const m = <f32>f64at(shift, s);
    const mv = f32x4.splat(m);
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let c0 = f64x2.splat(0);
    let c1 = f64x2.splat(0);
    let i = 0;
    for (; i + 16 <= len; i += 16) {
      const q = <usize>i << 2;
      const g0 = v128.load(gp + q);
      const g1 = v128.load(gp + q, 16);
      const g2 = v128.load(gp + q, 32);
      const g3 = v128.load(gp + q, 48);
      const t = f32x4.add(f32x4.add(g0, g1), f32x4.add(g2, g3));
      a0 = f64x2.add(a0, lo(t));
      a1 = f64x2.add(a1, hi(t));
      const p01 = f32x4.add(f32x4.mul(g0, f32x4.sub(v128.load(xp + q), mv)), f32x4.mul(g1, f32x4.sub(v128.load(xp + q, 16), mv)));
      const p23 = f32x4.add(f32x4.mul(g2, f32x4.sub(v128.load(xp + q, 32), mv)), f32x4.mul(g3, f32x4.sub(v128.load(xp + q, 48), mv)));
      const p = f32x4.add(p01, p23);
      c0 = f64x2.add(c0, lo(p));
      c1 = f64x2.add(c1, hi(p));
    }
    let s1 = hsum(f64x2.add(a0, a1));
    let s2 = hsum(f64x2.add(c0, c1));
    for (; i < len; i++) {
      const gi = f32at(gp, i);
      s1 += <f64>gi;
      s2 += <f64>(gi * (f32at(xp, i) - m));
    }
    setF64(sg, s, s1);
    setF64(sgx, s, s2);
  }
}

/** dx = p[s] · dy + q[s] · (x − m[s]) + c[s] (float32) on each of nseg contiguous segments. */
export function segBackward(dy: usize, x: usize, dx: usize, nseg: i32, len: i32, m: usize, p: usize, q: usize, c: usize): void {
  for (let s = 0; s < nseg; s++) {
    const gp = seg(dy, s, len);
    const xp = seg(x, s, len);
    const dp = seg(dx, s, len);
    const ms = <f32>f64at(m, s);
    const ps = <f32>f64at(p, s);
    const qs = <f32>f64at(q, s);
    const cs = <f32>f64at(c, s);
    const mv = f32x4.splat(ms);
    const pv = f32x4.splat(ps);
    const qv = f32x4.splat(qs);
    const cv = f32x4.splat(cs);
    let i = 0;
    for (; i + 8 <= len; i += 8) {
      const o = <usize>i << 2;
      v128.store(dp + o, f32x4.add(f32x4.add(f32x4.mul(v128.load(gp + o), pv), f32x4.mul(f32x4.sub(v128.load(xp + o), mv), qv)), cv));
      v128.store(dp + o, f32x4.add(f32x4.add(f32x4.mul(v128.load(gp + o, 16), pv), f32x4.mul(f32x4.sub(v128.load(xp + o, 16), mv), qv)), cv), 16);
    }
    for (; i < len; i++) store<f32>(dp + (<usize>i << 2), f32at(gp, i) * ps + (f32at(xp, i) - ms) * qs + cs);
  }
}

/**
 * LayerNorm / RMSNorm backward sums over rows of d elements, with c = (x − m[r]) + delta[r]
 * (m[r] a float32 value near the row's mean, delta[r] = m[r] − mean, so c = x − mean to float32
 * precision) and g = dy: gw[j] += g·c·rstd[r] and gb[j] += g (unless gb is 0), both float64
 * arrays; sg[r] = Σ g·w and sgx[r] = Σ g·w·c, accumulated in float64. Two lean loops (row
 * sums, which also store c·rstd in the float32 scratch cr; column gradients four rows at a
 * time) rather than one loop whose many live vectors would not fit the registers.
 */
export function rowsBackwardSums(dy: usize, x: usize, rows: i32, d: i32, m: usize, delta: usize, rstd: usize, w: usize, gw: usize, gb: usize, sg: usize, sgx: usize, cr: usize): void {
  for (let r = 0; r < rows; r++) rowSums(dy, x, r, d, m, delta, rstd, w, sg, sgx, cr);
  let r = 0;
  for (; r + 4 <= rows; r += 4) columnGrads4(dy, cr, r, d, gw, gb);
  for (; r < rows; r++) columnGrads1(dy, x, r, d, m, delta, rstd, gw, gb);
}

/** sg[r], sgx[r], and cr = c·rstd[r] (float32, for the column gradients) along row r. */
function rowSums(dy: usize, x: usize, r: i32, d: i32, m: usize, delta: usize, rstd: usize, w: usize, sg: usize, sgx: usize, cr: usize): void {
  const xs = seg(x, r, d);
  const gs = seg(dy, r, d);
  const cs = seg(cr, r, d);
  const mr = <f32>f64at(m, r);
  const dr = <f32>f64at(delta, r);
  const rr = <f32>f64at(rstd, r);
  const mv = f32x4.splat(mr);
  const dv = f32x4.splat(dr);
  const rv = f32x4.splat(rr);
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let c0 = f64x2.splat(0);
  let c1 = f64x2.splat(0);
  let j = 0;
  for (; j + 16 <= d; j += 16) {
    const q = <usize>j << 2;
    const u0 = f32x4.mul(v128.load(gs + q), v128.load(w + q));
    const u1 = f32x4.mul(v128.load(gs + q, 16), v128.load(w + q, 16));
    const u2 = f32x4.mul(v128.load(gs + q, 32), v128.load(w + q, 32));
    const u3 = f32x4.mul(v128.load(gs + q, 48), v128.load(w + q, 48));
    const t = f32x4.add(f32x4.add(u0, u1), f32x4.add(u2, u3));
    a0 = f64x2.add(a0, lo(t));
    a1 = f64x2.add(a1, hi(t));
    const e0 = f32x4.add(f32x4.sub(v128.load(xs + q), mv), dv);
    const e1 = f32x4.add(f32x4.sub(v128.load(xs + q, 16), mv), dv);
    const e2 = f32x4.add(f32x4.sub(v128.load(xs + q, 32), mv), dv);
    const e3 = f32x4.add(f32x4.sub(v128.load(xs + q, 48), mv), dv);
    v128.store(cs + q, f32x4.mul(e0, rv));
    v128.store(cs + q, f32x4.mul(e1, rv), 16);
    v128.store(cs + q, f32x4.mul(e2, rv), 32);
    v128.store(cs + q, f32x4.mul(e3, rv), 48);
    const v = f32x4.add(f32x4.add(f32x4.mul(u0, e0), f32x4.mul(u1, e1)), f32x4.add(f32x4.mul(u2, e2), f32x4.mul(u3, e3)));
    c0 = f64x2.add(c0, lo(v));
    c1 = f64x2.add(c1, hi(v));
  }
  let s1 = hsum(f64x2.add(a0, a1));
  let s2 = hsum(f64x2.add(c0, c1));
  for (; j < d; j++) {
    const gwj = f32at(gs, j) * f32at(w, j);
    const c = (f32at(xs, j) - mr) + dr;
    store<f32>(cs + (<usize>j << 2), c * rr);
    s1 += <f64>gwj;
    s2 += <f64>(gwj * c);
  }
  setF64(sg, r, s1);
  setF64(sgx, r, s2);
}

/**
 * gw[j] += Σ g·cr and gb[j] += Σ g over the four rows r … r + 3 (cr = c·rstd from rowSums):
 * the four float32 terms are added before widening into the float64 accumulators.
 */
function columnGrads4(dy: usize, cr: usize, r: i32, d: i32, gw: usize, gb: usize): void {
  const g0 = seg(dy, r, d);
  const g1 = seg(dy, r + 1, d);
  const g2 = seg(dy, r + 2, d);
  const g3 = seg(dy, r + 3, d);
  const c0 = seg(cr, r, d);
  const c1 = seg(cr, r + 1, d);
  const c2 = seg(cr, r + 2, d);
  const c3 = seg(cr, r + 3, d);
  let j = 0;
  for (; j + 4 <= d; j += 4) {
    const q = <usize>j << 2;
    const a0 = v128.load(g0 + q);
    const a1 = v128.load(g1 + q);
    const a2 = v128.load(g2 + q);
    const a3 = v128.load(g3 + q);
    const gc = f32x4.add(f32x4.add(f32x4.mul(a0, v128.load(c0 + q)), f32x4.mul(a1, v128.load(c1 + q))), f32x4.add(f32x4.mul(a2, v128.load(c2 + q)), f32x4.mul(a3, v128.load(c3 + q))));
    const o = gw + (<usize>j << 3);
    v128.store(o, f64x2.add(v128.load(o), lo(gc)));
    v128.store(o, f64x2.add(v128.load(o, 16), hi(gc)), 16);
    if (gb != 0) {
      const gg = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      const ob = gb + (<usize>j << 3);
      v128.store(ob, f64x2.add(v128.load(ob), lo(gg)));
      v128.store(ob, f64x2.add(v128.load(ob, 16), hi(gg)), 16);
    }
  }
  for (; j < d; j++) {
    const q = <usize>j << 2;
    const a0 = load<f32>(g0 + q);
    const a1 = load<f32>(g1 + q);
    const a2 = load<f32>(g2 + q);
    const a3 = load<f32>(g3 + q);
    const gc = (a0 * load<f32>(c0 + q) + a1 * load<f32>(c1 + q)) + (a2 * load<f32>(c2 + q) + a3 * load<f32>(c3 + q));
    setF64(gw, j, f64at(gw, j) + <f64>gc);
    if (gb != 0) setF64(gb, j, f64at(gb, j) + <f64>((a0 + a1) + (a2 + a3)));
  }
}

/** gw[j] += g·c·rstd and gb[j] += g for the single row r. */
function columnGrads1(dy: usize, x: usize, r: i32, d: i32, m: usize, delta: usize, rstd: usize, gw: usize, gb: usize): void {
  const xs = seg(x, r, d);
  const gs = seg(dy, r, d);
  const mr = <f32>f64at(m, r);
  const dr = <f32>f64at(delta, r);
  const rs = f64at(rstd, r);
  for (let j = 0; j < d; j++) {
    const g = f32at(gs, j);
    setF64(gw, j, f64at(gw, j) + <f64>(g * ((f32at(xs, j) - mr) + dr)) * rs);
    if (gb != 0) setF64(gb, j, f64at(gb, j) + <f64>g);
  }
}

/** dx = p[r] · dy · w[j] + q[r] · cr + c[r] (float32) on rows of d elements (cr from rowsBackwardSums). */
export function rowsBackwardDx(dy: usize, cr: usize, dx: usize, rows: i32, d: i32, w: usize, p: usize, q: usize, c: usize): void {
  for (let r = 0; r < rows; r++) {
    const cs = seg(cr, r, d);
    const gs = seg(dy, r, d);
    const ds = seg(dx, r, d);
    const pr = <f32>f64at(p, r);
    const qr = <f32>f64at(q, r);
    const ccr = <f32>f64at(c, r);
    const pv = f32x4.splat(pr);
    const qv = f32x4.splat(qr);
    const cv = f32x4.splat(ccr);
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const o = <usize>j << 2;
      const t = f32x4.mul(f32x4.mul(v128.load(gs + o), v128.load(w + o)), pv);
      v128.store(ds + o, f32x4.add(f32x4.add(t, f32x4.mul(v128.load(cs + o), qv)), cv));
    }
    for (; j < d; j++) store<f32>(ds + (<usize>j << 2), f32at(gs, j) * f32at(w, j) * pr + f32at(cs, j) * qr + ccr);
  }
}
