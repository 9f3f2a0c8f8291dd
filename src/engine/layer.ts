// The layer interface the simulator builds networks from.
import { EngineError, type FloatArray, type Tensor } from './tensor';

/** A trainable tensor and the gradient the last `backward` computed for it. */
export interface Parameter {
  readonly name: string;
  readonly value: Tensor;
  /** Set (replaced, not accumulated) by each `backward`; null before the first. */
  grad: Tensor | null;
}

/**
 * A differentiable layer. `forward` caches what `backward` needs; `backward(gradY)` returns the
 * gradient with respect to the last forward's input and sets each parameter's `grad`. A
 * backward may be repeated (it does not consume the cache); it refers to the latest forward.
 * The forward caches its input by reference: keep it unchanged until the backward is done.
 *
 * `out` (optional): a preallocated array of the output's kind and length that the layer may
 * write its result into instead of allocating one (the normalization layers do; the returned
 * tensor's data is then `out`). It must not share memory with the layer's input (nor, for a
 * backward, with the gradient it receives): the layer refuses it. Layers that do not use it
 * ignore it, so callers always use the returned tensor.
 */
export interface Layer {
  readonly kind: string;
  forward(x: Tensor, training: boolean, out?: FloatArray): Tensor;
  backward(gradY: Tensor, out?: FloatArray): Tensor;
  parameters(): Parameter[];
}

export function parameter(name: string, value: Tensor): Parameter {
  return { name, value, grad: null };
}

/** The cache of the last forward, or a clear error when backward comes first. */
export function needCache<T>(cache: T | null, kind: string): T {
  if (cache === null) throw new EngineError(`${kind}: backward() called before forward()`);
  return cache;
}
