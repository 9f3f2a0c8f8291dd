// Tensors over flat typed arrays: row-major data, a shape, float32 or float64. Kernels read
// either kind and compute in float64 (JavaScript numbers); outputs take the input's kind.

export type FloatArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

/** A dense row-major tensor. `data.length` is the product of `shape` (1 for shape []). */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

/** A refusal by the engine: bad shapes, bad options, PyTorch's own error conditions. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

/** `[2, 3, 4]`: shapes in messages. */
export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of `shape`; refuses negative, fractional or non-finite dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new EngineError(`invalid shape ${shapeString(shape)}: dimensions must be non-negative integers`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new EngineError(`shape ${shapeString(shape)} has too many elements`);
  return n;
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** A zero-filled array of `n` elements of the given kind. */
export function allocate(dtype: DType, n: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

/** Whether two typed arrays share any bytes. */
export function overlaps(a: FloatArray, b: FloatArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * The array a layer writes an output of `like`'s kind and length into: `out` when given (a
 * caller's preallocated buffer, reused across calls), else a new one. `out` must be of the same
 * kind and length as `like` and share no memory with any of `inputs` (writing the output would
 * overwrite what the layer still reads, or what its backward will read): otherwise an error.
 */
export function outputArray(like: FloatArray, out: FloatArray | undefined, what: string, inputs: readonly FloatArray[]): FloatArray {
  if (out === undefined) return allocateLike(like, like.length);
  if (!(out instanceof Float32Array || out instanceof Float64Array) || out.constructor !== like.constructor) {
    throw new EngineError(`${what}: out must be a ${like.constructor.name} like the input`);
  }
  if (out.length !== like.length) throw new EngineError(`${what}: out has ${out.length} elements, the output needs ${like.length}`);
  for (const a of inputs) if (overlaps(out, a)) throw new EngineError(`${what}: out must not share memory with the input or the gradient it reads`);
  return out;
}

/** A zero-filled array of the same kind as `like`. */
export function allocateLike(like: FloatArray, n: number): FloatArray {
  return like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return { shape: [...shape], data: allocate(dtype, sizeOf(shape)) };
}

export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const t = zeros(shape, dtype);
  t.data.fill(value);
  return t;
}

/** A tensor from plain numbers (copied into a new typed array). */
export function fromArray(shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'float32'): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new EngineError(`${values.length} values do not fill shape ${shapeString(shape)} (${n} elements)`);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = values[i];
  return { shape: [...shape], data };
}

/** A copy of `t`, optionally converted to another kind. */
export function clone(t: Tensor, dtype: DType = dtypeOf(t.data)): Tensor {
  const data = allocate(dtype, t.data.length);
  data.set(t.data);
  return { shape: [...t.shape], data };
}

/** The same data seen with another shape of the same size. */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== t.data.length) throw new EngineError(`cannot reshape ${shapeString(t.shape)} to ${shapeString(shape)}`);
  return { shape: [...shape], data: t.data };
}

/**
 * `t.permute(*order)`: a copy with the axes reordered (axis `i` of the result is axis `order[i]`
 * of `t`), as contiguous data of the same precision.
 */
export function permute(t: Tensor, order: readonly number[]): Tensor {
  const rank = t.shape.length;
  if (order.length !== rank || [...order].sort((a, b) => a - b).some((d, i) => d !== i)) throw new EngineError(`permute: ${shapeString([...order])} is not an order of the ${rank} axes of ${shapeString(t.shape)}`);
  const shape = order.map((d) => t.shape[d]);
  const out = t.data instanceof Float64Array ? new Float64Array(t.data.length) : new Float32Array(t.data.length);
  // Strides of `t`, taken in the result's axis order.
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1]) * (t.shape[i + 1]);
  const strides = order.map((d) => inStrides[d]);
  const index = new Array<number>(rank).fill(0);
  const src = t.data;
  const last = rank - 1;
  const lastSize = shape[last] ?? 1;
  const lastStride = strides[last] ?? 1;
  let offset = 0;
  for (let o = 0; o < out.length; o += lastSize) {
    for (let j = 0, k = offset; j < lastSize; j++, k += lastStride) out[o + j] = src[k];
    // Next index over the axes before the last (odometer), keeping the source offset.
    for (let a = last - 1; a >= 0; a--) {
      offset += strides[a];
      if (++(index[a]) < (shape[a])) break;
      offset -= (strides[a]) * (shape[a]);
      index[a] = 0;
    }
  }
  return { shape, data: out };
}

/** The order that undoes `order` (`permute(permute(t, order), inverseOrder(order))` is `t`). */
export function inverseOrder(order: readonly number[]): number[] {
  const out = new Array<number>(order.length);
  order.forEach((d, i) => {
    out[d] = i;
  });
  return out;
}

/** Throws unless `t` is a well-formed tensor (typed float array whose length matches its shape). */
export function checkTensor(t: Tensor, what: string): void {
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape)) throw new EngineError(`${what}: not a tensor`);
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) throw new EngineError(`${what}: data must be a Float32Array or Float64Array`);
  const n = sizeOf(t.shape);
  if (t.data.length !== n) throw new EngineError(`${what}: shape ${shapeString(t.shape)} needs ${n} values, data has ${t.data.length}`);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless `grad` has exactly `shape` (a backward's upstream gradient). */
export function checkGradShape(grad: Tensor, shape: readonly number[], what: string): void {
  checkTensor(grad, what);
  if (!sameShape(grad.shape, shape)) throw new EngineError(`${what}: gradient of shape ${shapeString(grad.shape)} for an output of shape ${shapeString(shape)}`);
}

/** Elementwise `a + b` (residual connections); shapes must match. */
export function add(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'add');
  checkTensor(b, 'add');
  if (!sameShape(a.shape, b.shape)) throw new EngineError(`add: shapes ${shapeString(a.shape)} and ${shapeString(b.shape)} differ`);
  const out = allocateLike(a.data, a.data.length);
  const x = a.data;
  const y = b.data;
  for (let i = 0; i < out.length; i++) out[i] = x[i] + y[i];
  return { shape: [...a.shape], data: out };
}
