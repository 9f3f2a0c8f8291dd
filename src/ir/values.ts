import type { Span } from './span';

/**
 * Renders where a span lies, for messages: `line 12` in a Python file. The lint pipeline picks
 * it (`RuleContext.where`): in a notebook it names the cell (`line 2 of cell 3`), because the
 * spans the rules see are positions in the program the code cells form together.
 */
export type Where = (span: Span) => string;

/** `line N` (1-based): how a location reads in a plain Python file. */
export const lineWhere: Where = (span) => `line ${span.start.line + 1}`;

/**
 * Where a resolved value came from, for messages like "batch size 4 (argparse default of
 * --batch-size, line 12)". IR strings carry no line number (an edit above would change them):
 * `describeProvenance` adds the location when a message shows it.
 */
export interface Provenance {
  /** Human-readable origin, without a location: `argparse default of --batch-size`, `literal`, `computed from`. */
  readonly description: string;
  /** Where the value is written (the literal, the default, the assignment's right-hand side). */
  readonly span: Span;
  /**
   * The place the description cites (shown as `, line 12`): usually `span` itself; the
   * assignment of a constant, the container an element is taken from. Absent for an origin not
   * written in the file (a framework default).
   */
  readonly at?: Span;
  /** A value computed from other values (`description` is `computed from`): their origins, each shown. */
  readonly from?: readonly Provenance[];
  /**
   * True when the value is only a default that a caller may override: an argparse default, a
   * function or constructor parameter's default. Findings built on it say so.
   */
  readonly inferred?: boolean;
}

interface Origin {
  readonly provenance?: Provenance;
}

/** A framework class or function used as a value (`norm_layer=nn.BatchNorm2d`, `partial(nn.GroupNorm, 32)`). */
export interface CallableValue extends Origin {
  readonly kind: 'callable';
  /** Fully qualified name when known (`torch.nn.BatchNorm2d`), else the dotted text. */
  readonly target: string;
  /** Arguments bound by `functools.partial`: positional then keyword. */
  readonly boundPositional: readonly Value[];
  readonly boundKeywords: readonly (readonly [string, Value])[];
}

/**
 * A value as far as static analysis knows it. `unknown` is explicit: rules never guess a value
 * that did not resolve. An unknown may carry a `symbol`: two unknowns with the same symbol are
 * the same expression in the same scope (so `BatchNorm2d(c)` after `Conv2d(x, c)` still matches).
 */
export type Value =
  | ({ readonly kind: 'number'; readonly value: number; readonly isInteger: boolean } & Origin)
  | ({ readonly kind: 'bool'; readonly value: boolean } & Origin)
  | ({ readonly kind: 'string'; readonly value: string } & Origin)
  | ({ readonly kind: 'none' } & Origin)
  | ({ readonly kind: 'sequence'; readonly items: readonly Value[]; readonly tuple: boolean } & Origin)
  | ({ readonly kind: 'dict'; readonly entries: readonly (readonly [string, Value])[] } & Origin)
  | CallableValue
  | { readonly kind: 'unknown'; readonly text: string; readonly symbol?: string; readonly reason?: string };

export function numberValue(value: Value | undefined): number | undefined {
  return value?.kind === 'number' ? value.value : undefined;
}

export function boolValue(value: Value | undefined): boolean | undefined {
  return value?.kind === 'bool' ? value.value : undefined;
}

export function stringValue(value: Value | undefined): string | undefined {
  return value?.kind === 'string' ? value.value : undefined;
}

export function provenanceOf(value: Value | undefined): Provenance | undefined {
  return value && value.kind !== 'unknown' ? value.provenance : undefined;
}

/** A provenance citing the place it is written (one span object for `span` and `at`). */
export function writtenAt(description: string, span: Span): Provenance {
  return { description, span, at: span };
}

/**
 * A provenance as messages show it: `argparse default of --batch-size, line 12`, `computed from
 * module constant C, line 3; argparse default of --width, line 9`, `PyTorch default eps=1e-05`.
 * Without `where`, the same text without locations.
 */
export function describeProvenance(p: Provenance, where?: Where): string {
  if (p.from) return `computed from ${p.from.map((o) => describeProvenance(o, where)).join('; ')}`;
  return p.at && where ? `${p.description}, ${where(p.at)}` : p.description;
}

/** True when a provenance shown by `describeProvenance` ends with a location. */
export function citesLocation(p: Provenance): boolean {
  if (p.from) {
    const last = p.from[p.from.length - 1];
    return last !== undefined && citesLocation(last);
  }
  return p.at !== undefined;
}

/** True when the value is resolved and rests on a default a caller may override. */
export function isInferred(value: Value | undefined): boolean {
  return provenanceOf(value)?.inferred === true;
}

/**
 * Whether two values are known to be equal: both resolved to the same number/string/bool, or
 * both unresolved with the same symbol. `undefined` when it cannot be told.
 */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean | undefined {
  if (!a || !b) return undefined;
  if (a.kind === 'unknown' || b.kind === 'unknown') {
    if (a.kind === 'unknown' && b.kind === 'unknown' && a.symbol !== undefined && a.symbol === b.symbol) return true;
    return undefined;
  }
  if ((a.kind === 'number' || a.kind === 'bool' || a.kind === 'string') && a.kind === b.kind) return a.value === b.value;
  if (a.kind === 'none' && b.kind === 'none') return true;
  if (a.kind === 'sequence' && b.kind === 'sequence') {
    if (a.items.length !== b.items.length) return false;
    let all = true;
    for (let i = 0; i < a.items.length; i++) {
      const s = sameValue(a.items[i], b.items[i]);
      if (s === false) return false;
      if (s === undefined) all = false;
    }
    return all ? true : undefined;
  }
  return undefined;
}

/** A short rendering of a value for messages and snapshots (`64`, `(768,)`, `'BN'`, `?cfg[1]`). */
export function showValue(value: Value): string {
  switch (value.kind) {
    case 'number':
      return Number.isInteger(value.value) && !value.isInteger ? value.value.toFixed(1) : String(value.value);
    case 'bool':
      return value.value ? 'True' : 'False';
    case 'string':
      return JSON.stringify(value.value).replace(/^"|"$/g, "'");
    case 'none':
      return 'None';
    case 'sequence': {
      const inner = value.items.map(showValue).join(', ');
      return value.tuple ? `(${inner}${value.items.length === 1 ? ',' : ''})` : `[${inner}]`;
    }
    case 'dict':
      return `{${value.entries.map(([k, v]) => `'${k}': ${showValue(v)}`).join(', ')}}`;
    case 'callable': {
      const args = [...value.boundPositional.map(showValue), ...value.boundKeywords.map(([k, v]) => `${k}=${showValue(v)}`)];
      return args.length > 0 ? `partial(${value.target}, ${args.join(', ')})` : value.target;
    }
    case 'unknown':
      return `?${value.text}`;
  }
}
