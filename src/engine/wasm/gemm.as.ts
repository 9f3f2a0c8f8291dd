// AssemblyScript source of the WebAssembly SIMD dense kernel (compiled by `npm run build`,
// see scripts/build-wasm.js; the engine embeds the result from gemmWasm.ts).
//
// C[i·n + j] = Σ_p A[i·k + p] · B[j·k + p] over float32 matrices in this module's memory: both
// operands are read along contiguous rows, four lanes at a time (f32x4), with 4 × 2 blocks of
// C held in 8 vector accumulators across the k loop. Float32 products and sums, as PyTorch's
// CPU float32 matmul; the float64 engine path stays in TypeScript (src/engine/gemm.ts).

function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

function dotTail(a: usize, b: usize, from: i32, k: i32): f32 {
  let s: f32 = 0;
  for (let p = from; p < k; p++) s += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return s;
}

function dot(a: usize, b: usize, k: i32): f32 {
  const k4 = k & ~3;
  let acc = f32x4.splat(0);
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  return hsum(acc) + dotTail(a, b, k4, k);
}

export function gemmNT(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  const row = <usize>k << 2;
  const k4 = k & ~3;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = a + <usize>i * row;
    const a1 = a0 + row;
    const a2 = a1 + row;
    const a3 = a2 + row;
    let j = 0;
    for (; j + 1 < n; j += 2) {
      const b0 = b + <usize>j * row;
      const b1 = b0 + row;
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0);
      let s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0);
      let s31 = f32x4.splat(0);
      for (let p = 0; p < k4; p += 4) {
        const o = <usize>p << 2;
        const y0 = v128.load(b0 + o);
        const y1 = v128.load(b1 + o);
        const x0 = v128.load(a0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y0));
        s01 = f32x4.add(s01, f32x4.mul(x0, y1));
        const x1 = v128.load(a1 + o);
        s10 = f32x4.add(s10, f32x4.mul(x1, y0));
        s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        const x2 = v128.load(a2 + o);
        s20 = f32x4.add(s20, f32x4.mul(x2, y0));
        s21 = f32x4.add(s21, f32x4.mul(x2, y1));
        const x3 = v128.load(a3 + o);
        s30 = f32x4.add(s30, f32x4.mul(x3, y0));
        s31 = f32x4.add(s31, f32x4.mul(x3, y1));
      }
      const o0 = c + ((<usize>i * <usize>n + <usize>j) << 2);
      const on = <usize>n << 2;
      store<f32>(o0, hsum(s00) + dotTail(a0, b0, k4, k));
      store<f32>(o0 + 4, hsum(s01) + dotTail(a0, b1, k4, k));
      store<f32>(o0 + on, hsum(s10) + dotTail(a1, b0, k4, k));
      store<f32>(o0 + on + 4, hsum(s11) + dotTail(a1, b1, k4, k));
      store<f32>(o0 + 2 * on, hsum(s20) + dotTail(a2, b0, k4, k));
      store<f32>(o0 + 2 * on + 4, hsum(s21) + dotTail(a2, b1, k4, k));
      store<f32>(o0 + 3 * on, hsum(s30) + dotTail(a3, b0, k4, k));
      store<f32>(o0 + 3 * on + 4, hsum(s31) + dotTail(a3, b1, k4, k));
    }
    for (; j < n; j++) {
      const bj = b + <usize>j * row;
      for (let r = 0; r < 4; r++) store<f32>(c + ((<usize>(i + r) * <usize>n + <usize>j) << 2), dot(a0 + <usize>r * row, bj, k));
    }
  }
  for (; i < m; i++) {
    const ai = a + <usize>i * row;
    for (let j = 0; j < n; j++) store<f32>(c + ((<usize>i * <usize>n + <usize>j) << 2), dot(ai, b + <usize>j * row, k));
  }
}

/**
 * C[i·n + j] = Σ_p A(i, p) · B[p·n + j] with A(i, p) at a + 4·(i·sai + p·sap): C = A·B
 * (sai = k, sap = 1) or C = Aᵀ·B with A stored [k, m] (sai = 1, sap = m), B [k, n] row-major.
 * The backward products of Linear without transposing anything: each row of B is read along
 * j, four lanes at a time, into 4 × 8 blocks of C held in 8 vector accumulators.
 */
export function gemmB(a: usize, sai: i32, sap: i32, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  const brow = <usize>n << 2;
  const ai = <usize>sai << 2;
  const ap = <usize>sap << 2;
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = a + <usize>i * ai;
    const a1 = a0 + ai;
    const a2 = a1 + ai;
    const a3 = a2 + ai;
    const c0 = c + <usize>i * brow;
    let j = 0;
    for (; j + 7 < n; j += 8) {
      const bj = b + (<usize>j << 2);
      let s00 = f32x4.splat(0);
      let s01 = f32x4.splat(0);
      let s10 = f32x4.splat(0);
      let s11 = f32x4.splat(0);
      let s20 = f32x4.splat(0);
      let s21 = f32x4.splat(0);
      let s30 = f32x4.splat(0);
      let s31 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const bp = bj + <usize>p * brow;
        const y0 = v128.load(bp);
        const y1 = v128.load(bp, 16);
        const o = <usize>p * ap;
        const x0 = v128.load32_splat(a0 + o);
        s00 = f32x4.add(s00, f32x4.mul(x0, y0));
        s01 = f32x4.add(s01, f32x4.mul(x0, y1));
        const x1 = v128.load32_splat(a1 + o);
        s10 = f32x4.add(s10, f32x4.mul(x1, y0));
        s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        const x2 = v128.load32_splat(a2 + o);
        s20 = f32x4.add(s20, f32x4.mul(x2, y0));
        s21 = f32x4.add(s21, f32x4.mul(x2, y1));
        const x3 = v128.load32_splat(a3 + o);
        s30 = f32x4.add(s30, f32x4.mul(x3, y0));
        s31 = f32x4.add(s31, f32x4.mul(x3, y1));
      }
      const o0 = c0 + (<usize>j << 2);
      v128.store(o0, s00);
      v128.store(o0, s01, 16);
      v128.store(o0 + brow, s10);
      v128.store(o0 + brow, s11, 16);
      v128.store(o0 + 2 * brow, s20);
      v128.store(o0 + 2 * brow, s21, 16);
      v128.store(o0 + 3 * brow, s30);
      v128.store(o0 + 3 * brow, s31, 16);
    }
    for (; j < n; j++) {
      for (let r = 0; r < 4; r++) {
        const ar = a0 + <usize>r * ai;
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += load<f32>(ar + <usize>p * ap) * load<f32>(b + <usize>p * brow + (<usize>j << 2));
        store<f32>(c + ((<usize>(i + r) * <usize>n + <usize>j) << 2), s);
      }
    }
  }
  for (; i < m; i++) {
    const ar = a + <usize>i * ai;
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(ar + <usize>p * ap) * load<f32>(b + <usize>p * brow + (<usize>j << 2));
      store<f32>(c + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}
