import type { Span } from './span';

/** The deep-learning framework a construct belongs to. */
export type Framework = 'torch' | 'keras' | 'flax';

/**
 * A value as far as static analysis knows it. `unknown` is explicit: rules must never guess
 * a value that did not resolve.
 */
export type Value =
  | { readonly kind: 'number'; readonly value: number; readonly isInteger: boolean }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly text: string };

/** Where a resolved value came from, for messages like "batch size 4 (argparse default, line 12)". */
export interface Provenance {
  readonly description: string;
  readonly span: Span;
}

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

export function numberValue(value: Value | undefined): number | undefined {
  return value?.kind === 'number' ? value.value : undefined;
}
