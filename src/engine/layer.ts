// The layer interface the simulator builds networks from.
import { EngineError, type Tensor } from './tensor';

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
 */
export interface Layer {
  readonly kind: string;
  forward(x: Tensor, training: boolean): Tensor;
  backward(gradY: Tensor): Tensor;
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
