// The WebAssembly SIMD dense kernel (gemm.as.ts, embedded by scripts/build-wasm.js), used for
// float32 data; float64 data (and any platform without WebAssembly SIMD) uses the TypeScript
// kernel in gemm.ts. Operands are copied into the module's memory for each call: O(MK + NK + MN)
// copying against O(MNK) arithmetic.
import { SOURCE_SHA256, WASM_BASE64 } from './gemmWasm';

interface GemmExports {
  memory: WebAssembly.Memory;
  gemmNT(a: number, b: number, c: number, m: number, n: number, k: number): void;
  gemmB(a: number, sai: number, sap: number, b: number, c: number, m: number, n: number, k: number): void;
}

/** Byte offset where operands start (the first page is left to the module's own data). */
const BASE = 65536;
const PAGE = 65536;

let loaded: GemmExports | null | undefined;
let enabled = true;

function load(): GemmExports | null {
  if (loaded !== undefined) return loaded;
  try {
    const text = atob(WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as GemmExports;
    loaded = typeof exports.gemmNT === 'function' && exports.memory instanceof WebAssembly.Memory ? exports : null;
  } catch {
    loaded = null; // no WebAssembly, or no SIMD support: the TypeScript kernel takes over
  }
  return loaded;
}

/** Whether float32 dense products run in WebAssembly (false: unavailable or disabled). */
export function wasmAvailable(): boolean {
  return enabled && load() !== null;
}

/** Turns the WebAssembly kernel off or on (tests compare both paths). */
export function setWasmEnabled(on: boolean): void {
  enabled = on;
}

/** The SHA-256 recorded for the embedded binary's source (checked against gemm.as.ts by a test). */
export const WASM_SOURCE_SHA256 = SOURCE_SHA256;

/**
 * c[i·n + j] = Σ_p a[i·k + p] · b[j·k + p] (overwriting c) in float32 WebAssembly SIMD.
 * Returns false, touching nothing, when the kernel is unavailable.
 */
export function wasmGemmNT(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): boolean {
  const w = enabled ? load() : null;
  if (!w) return false;
  const aBytes = m * k * 4;
  const bBytes = n * k * 4;
  const cBytes = m * n * 4;
  const need = BASE + aBytes + bBytes + cBytes;
  const have = w.memory.buffer.byteLength;
  if (need > have) w.memory.grow(Math.ceil((need - have) / PAGE));
  const heap = new Float32Array(w.memory.buffer);
  const aAt = BASE;
  const bAt = aAt + aBytes;
  const cAt = bAt + bBytes;
  heap.set(a.subarray(0, m * k), aAt / 4);
  heap.set(b.subarray(0, n * k), bAt / 4);
  w.gemmNT(aAt, bAt, cAt, m, n, k);
  c.set(heap.subarray(cAt / 4, cAt / 4 + m * n));
  return true;
}

/**
 * The two products of a dense backward in float32 WebAssembly SIMD, without transposes:
 * dx [rows, nIn] = dy [rows, nOut] · w [nOut, nIn] and gw [nOut, nIn] = dyᵀ · x [rows, nIn].
 * Returns false, touching nothing, when the kernel is unavailable.
 */
export function wasmDenseBackward(dy: Float32Array, x: Float32Array, w: Float32Array, dx: Float32Array, gw: Float32Array, rows: number, nIn: number, nOut: number): boolean {
  const e = enabled ? load() : null;
  if (!e || typeof e.gemmB !== 'function') return false;
  const dyAt = BASE;
  const xAt = dyAt + ((rows * nOut * 4 + 15) & ~15);
  const wAt = xAt + ((rows * nIn * 4 + 15) & ~15);
  const dxAt = wAt + ((nOut * nIn * 4 + 15) & ~15);
  const gwAt = dxAt + ((rows * nIn * 4 + 15) & ~15);
  const need = gwAt + nOut * nIn * 4;
  const have = e.memory.buffer.byteLength;
  if (need > have) e.memory.grow(Math.ceil((need - have) / PAGE));
  const heap = new Float32Array(e.memory.buffer);
  heap.set(dy.subarray(0, rows * nOut), dyAt / 4);
  heap.set(x.subarray(0, rows * nIn), xAt / 4);
  heap.set(w.subarray(0, nOut * nIn), wAt / 4);
  e.gemmB(dyAt, nOut, 1, wAt, dxAt, rows, nIn, nOut);
  e.gemmB(dyAt, 1, nOut, xAt, gwAt, nOut, nIn, rows);
  dx.set(heap.subarray(dxAt / 4, dxAt / 4 + rows * nIn));
  gw.set(heap.subarray(gwAt / 4, gwAt / 4 + nOut * nIn));
  return true;
}
