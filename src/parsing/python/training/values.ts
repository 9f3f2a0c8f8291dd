import type { SyntaxNode as Node } from '../syntaxTree';
import type { KnownValue } from '../../../ir/training';
import type { Span } from '../../../ir/span';
import { literalValue, spanOf } from '../syntax';
import type { Resolver } from '../resolver';
import { describeProvenance } from '../../../ir/values';

/**
 * Resolves expressions to values with provenance for the training IR. Every resolution goes
 * through this one adapter so the file's constant resolver is the only source of values.
 */
export interface ValueResolver {
  resolve(node: Node): KnownValue;
}

/** Literal-only resolution: anything that is not a literal stays unresolved. */
export const literalResolver: ValueResolver = {
  resolve(node: Node): KnownValue {
    const v = literalValue(node);
    const value = v.kind === 'number' || v.kind === 'bool' || v.kind === 'string' ? v.value : undefined;
    return { value, text: node.text, span: spanOf(node), provenance: value === undefined ? 'unresolved' : 'literal', inferred: false };
  },
};

/** A value that is a documented default of the called API (the argument is omitted). */
export function defaultValue(value: number | boolean | undefined, description: string, callSpan: Span): KnownValue {
  return { value, text: String(value), span: callSpan, provenance: description, inferred: false };
}

export function numeric(v: KnownValue | undefined): number | undefined {
  return typeof v?.value === 'number' ? v.value : undefined;
}

/** Resolution through the file's constant resolver (argparse/function defaults, constants, arithmetic, config lookups). */
export function resolverValues(resolver: Resolver): ValueResolver {
  return {
    resolve(node: Node): KnownValue {
      let v;
      try {
        v = resolver.resolve(node);
      } catch {
        return literalResolver.resolve(node);
      }
      const span = spanOf(node);
      if (v.kind === 'number' || v.kind === 'bool' || v.kind === 'string') {
        const p = v.provenance;
        const differs = p && (p.span.startOffset !== span.startOffset || p.span.endOffset !== span.endOffset);
        return {
          value: v.value,
          text: node.text,
          span,
          provenance: p ? describeProvenance(p) : 'literal',
          ...(p ? { origin: p } : {}),
          ...(p && differs ? { definitionSpan: p.span } : {}),
          inferred: p?.inferred === true,
        };
      }
      return { value: undefined, text: node.text, span, provenance: v.kind === 'unknown' && v.reason ? `unresolved: ${v.reason}` : 'unresolved', inferred: false };
    },
  };
}
