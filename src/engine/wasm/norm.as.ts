// AssemblyScript source of the WebAssembly SIMD normalization kernels (compiled by
// `npm run build`, see scripts/build-wasm.js; embedded from normWasm.ts). Float32 data in this
// module's memory, float64 arithmetic and accumulation: each f32x4 load is widened to two f64x2
// halves. The same ranges and formulas as src/engine/kernels.ts (two-pass variance).
// Pointers are byte offsets; `start`, `end` are element indices.

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
function pack(a: v128, b: v128): v128 {
  // [a0, a1, b0, b1] as float32.
  return i32x4.shuffle(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// @ts-ignore: decorator
@inline
function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function sum(x: usize, start: i32, end: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v = v128.load(at(x, i));
    s0 = f64x2.add(s0, lo(v));
    s1 = f64x2.add(s1, hi(v));
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; i < end; i++) s += <f64>load<f32>(at(x, i));
  return s;
}

export function sqDev(x: usize, start: i32, end: i32, mean: f64): f64 {
  const m = f64x2.splat(mean);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v = v128.load(at(x, i));
    const d0 = f64x2.sub(lo(v), m);
    const d1 = f64x2.sub(hi(v), m);
    s0 = f64x2.add(s0, f64x2.mul(d0, d0));
    s1 = f64x2.add(s1, f64x2.mul(d1, d1));
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; i < end; i++) {
    const d = <f64>load<f32>(at(x, i)) - mean;
    s += d * d;
  }
  return s;
}

/** y = (x − mean) · scale + shift. */
export function affine(x: usize, y: usize, start: i32, end: i32, mean: f64, scale: f64, shift: f64): void {
  const m = f64x2.splat(mean);
  const sc = f64x2.splat(scale);
  const sh = f64x2.splat(shift);
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v = v128.load(at(x, i));
    const a = f64x2.add(f64x2.mul(f64x2.sub(lo(v), m), sc), sh);
    const b = f64x2.add(f64x2.mul(f64x2.sub(hi(v), m), sc), sh);
    v128.store(at(y, i), pack(a, b));
  }
  for (; i < end; i++) store<f32>(at(y, i), <f32>((<f64>load<f32>(at(x, i)) - mean) * scale + shift));
}

/** Σ g · (x − mean). */
export function dotDev(g: usize, x: usize, start: i32, end: i32, mean: f64): f64 {
  const m = f64x2.splat(mean);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v = v128.load(at(x, i));
    const gv = v128.load(at(g, i));
    s0 = f64x2.add(s0, f64x2.mul(lo(gv), f64x2.sub(lo(v), m)));
    s1 = f64x2.add(s1, f64x2.mul(hi(gv), f64x2.sub(hi(v), m)));
  }
  let s = hsum(f64x2.add(s0, s1));
  for (; i < end; i++) s += <f64>load<f32>(at(g, i)) * (<f64>load<f32>(at(x, i)) - mean);
  return s;
}

/** dx = r · (w · dy − a − (x − mean) · b)  (BatchNorm: r = w·rstd, w = 1). */
export function normBackward(dy: usize, x: usize, dx: usize, start: i32, end: i32, mean: f64, r: f64, w: f64, a: f64, b: f64): void {
  const m = f64x2.splat(mean);
  const rv = f64x2.splat(r);
  const wv = f64x2.splat(w);
  const av = f64x2.splat(a);
  const bv = f64x2.splat(b);
  let i = start;
  for (; i + 3 < end; i += 4) {
    const v = v128.load(at(x, i));
    const gv = v128.load(at(dy, i));
    const p = f64x2.mul(rv, f64x2.sub(f64x2.sub(f64x2.mul(wv, lo(gv)), av), f64x2.mul(f64x2.sub(lo(v), m), bv)));
    const q = f64x2.mul(rv, f64x2.sub(f64x2.sub(f64x2.mul(wv, hi(gv)), av), f64x2.mul(f64x2.sub(hi(v), m), bv)));
    v128.store(at(dx, i), pack(p, q));
  }
  for (; i < end; i++) {
    store<f32>(at(dx, i), <f32>(r * (w * <f64>load<f32>(at(dy, i)) - a - (<f64>load<f32>(at(x, i)) - mean) * b)));
  }
}

/** y = (x − mean) · r · w[j] + b[j] over one row (bias pointer 0: none). */
export function rowAffine(x: usize, y: usize, start: i32, d: i32, mean: f64, r: f64, w: usize, b: usize): void {
  const m = f64x2.splat(mean);
  const rv = f64x2.splat(r);
  const xs = at(x, start);
  const ys = at(y, start);
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const v = v128.load(at(xs, j));
    const wv = v128.load(at(w, j));
    let a = f64x2.mul(f64x2.mul(f64x2.sub(lo(v), m), rv), lo(wv));
    let c = f64x2.mul(f64x2.mul(f64x2.sub(hi(v), m), rv), hi(wv));
    if (b != 0) {
      const bv = v128.load(at(b, j));
      a = f64x2.add(a, lo(bv));
      c = f64x2.add(c, hi(bv));
    }
    v128.store(at(ys, j), pack(a, c));
  }
  for (; j < d; j++) {
    let v = (<f64>load<f32>(at(xs, j)) - mean) * r * <f64>load<f32>(at(w, j));
    if (b != 0) v += <f64>load<f32>(at(b, j));
    store<f32>(at(ys, j), <f32>v);
  }
}

/**
 * One row of the LayerNorm / RMSNorm backward, first pass: gw[j] += dy·(x − mean)·r and (gb ≠ 0)
 * gb[j] += dy, with gw, gb float64 arrays; returns Σ dy·w in sums[0], Σ dy·w·(x − mean) in sums[1].
 */
export function rowBackwardSums(dy: usize, x: usize, start: i32, d: i32, mean: f64, r: f64, w: usize, gw: usize, gb: usize, sums: usize): void {
  const m = f64x2.splat(mean);
  const rv = f64x2.splat(r);
  const xs = at(x, start);
  const gs = at(dy, start);
  let sg = f64x2.splat(0);
  let sgx = f64x2.splat(0);
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const v = v128.load(at(xs, j));
    const gv = v128.load(at(gs, j));
    const wv = v128.load(at(w, j));
    const g0 = lo(gv);
    const g1 = hi(gv);
    const c0 = f64x2.sub(lo(v), m);
    const c1 = f64x2.sub(hi(v), m);
    const gw0 = f64x2.mul(g0, lo(wv));
    const gw1 = f64x2.mul(g1, hi(wv));
    sg = f64x2.add(sg, f64x2.add(gw0, gw1));
    sgx = f64x2.add(sgx, f64x2.add(f64x2.mul(gw0, c0), f64x2.mul(gw1, c1)));
    const o = gw + (<usize>j << 3);
    v128.store(o, f64x2.add(v128.load(o), f64x2.mul(f64x2.mul(g0, c0), rv)));
    v128.store(o + 16, f64x2.add(v128.load(o + 16), f64x2.mul(f64x2.mul(g1, c1), rv)));
    if (gb != 0) {
      const ob = gb + (<usize>j << 3);
      v128.store(ob, f64x2.add(v128.load(ob), g0));
      v128.store(ob + 16, f64x2.add(v128.load(ob + 16), g1));
    }
  }
  let s1 = hsum(sg);
  let s2 = hsum(sgx);
  for (; j < d; j++) {
    const g = <f64>load<f32>(at(gs, j));
    const c = <f64>load<f32>(at(xs, j)) - mean;
    const gwj = g * <f64>load<f32>(at(w, j));
    s1 += gwj;
    s2 += gwj * c;
    const o = gw + (<usize>j << 3);
    store<f64>(o, load<f64>(o) + g * c * r);
    if (gb != 0) store<f64>(gb + (<usize>j << 3), load<f64>(gb + (<usize>j << 3)) + g);
  }
  store<f64>(sums, s1);
  store<f64>(sums + 8, s2);
}

/** dx = r · (dy · w[j] − a − (x − mean) · b) over one row. */
export function rowBackwardDx(dy: usize, x: usize, dx: usize, start: i32, d: i32, mean: f64, r: f64, w: usize, a: f64, b: f64): void {
  const m = f64x2.splat(mean);
  const rv = f64x2.splat(r);
  const av = f64x2.splat(a);
  const bv = f64x2.splat(b);
  const xs = at(x, start);
  const gs = at(dy, start);
  const ds = at(dx, start);
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const v = v128.load(at(xs, j));
    const gv = v128.load(at(gs, j));
    const wv = v128.load(at(w, j));
    const p = f64x2.mul(rv, f64x2.sub(f64x2.sub(f64x2.mul(lo(gv), lo(wv)), av), f64x2.mul(f64x2.sub(lo(v), m), bv)));
    const q = f64x2.mul(rv, f64x2.sub(f64x2.sub(f64x2.mul(hi(gv), hi(wv)), av), f64x2.mul(f64x2.sub(hi(v), m), bv)));
    v128.store(at(ds, j), pack(p, q));
  }
  for (; j < d; j++) {
    const g = <f64>load<f32>(at(gs, j)) * <f64>load<f32>(at(w, j));
    store<f32>(at(ds, j), <f32>(r * (g - a - (<f64>load<f32>(at(xs, j)) - mean) * b)));
  }
}
