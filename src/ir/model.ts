import type { Span } from './span';
import type { Provenance, Value } from './values';

/** The deep-learning framework a construct belongs to. */
export type Framework = 'torch' | 'keras' | 'flax';

export type { Provenance, Value } from './values';
export { numberValue } from './values';

export interface Argument {
  /** Parameter name from the framework's signature, when the position or keyword maps to one. */
  readonly name: string | undefined;
  /** Index among positional arguments, or undefined for a keyword argument. */
  readonly position: number | undefined;
  readonly value: Value;
  /** The argument as written (for a keyword argument: `name=value`). */
  readonly span: Span;
  /** The value expression alone. */
  readonly valueSpan: Span;
  readonly provenance?: Provenance;
}

/** A constructor call of a framework layer, e.g. `nn.GroupNorm(32, 256)`. */
export interface LayerCall {
  /** Canonical class name, e.g. `GroupNorm`, `BatchNorm2d`. */
  readonly kind: string;
  readonly framework: Framework;
  /** The callee as written, e.g. `nn.GroupNorm` or `torch.nn.BatchNorm2d`. */
  readonly callee: string;
  /** The whole call expression. */
  readonly span: Span;
  readonly calleeSpan: Span;
  /** Span of the argument list including parentheses. */
  readonly argumentsSpan: Span;
  readonly args: readonly Argument[];
}

/** What a file says about models: for now, the layer constructor calls it makes. */
export interface ModelIR {
  readonly layerCalls: readonly LayerCall[];
}

/** Returns the argument bound to `name`, by keyword or by its position in the signature. */
export function argument(call: LayerCall, name: string): Argument | undefined {
  return call.args.find((a) => a.name === name);
}

