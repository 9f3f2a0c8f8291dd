import { NodeCache, type SyntaxNode as Node } from './syntaxTree';
import type { Span } from '../../ir/span';
import type { Value } from '../../ir/values';

/** The span of a syntax node (tree-sitter columns over a JS string are UTF-16 code units). */
export function spanOf(node: Node): Span {
  // (Each position is one search of the line table: read each once.)
  const start = node.startPosition;
  const end = node.endPosition;
  return {
    start: { line: start.row, column: start.column },
    end: { line: end.row, column: end.column },
    startOffset: node.startIndex,
    endOffset: node.endIndex,
  };
}

/**
 * Where a node starts, as `row.column`: the key IR symbols use for "this scope" or "this
 * expression". Unlike an offset it survives edits on other lines, so the IR of an unchanged
 * statement can be reused as is (see `StatementMemo`).
 */
export function positionKey(node: Node): string {
  const p = node.startPosition;
  return `${p.row}.${p.column}`;
}

/** `a.b.c` as ['a', 'b', 'c'], or undefined when the expression is not a plain dotted name. */
export function dottedParts(node: Node): string[] | undefined {
  let parts = DOTTED.get(node);
  if (parts === undefined) DOTTED.set(node, (parts = readDottedParts(node) ?? null));
  return parts ? parts.slice() : undefined;
}

/** Per node (nodes are immutable and survive edits of other statements): see `dottedParts`. */
const DOTTED = new NodeCache<readonly string[] | null>();

function readDottedParts(node: Node): string[] | undefined {
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute');
    if (!object || !attr) return undefined;
    const head = dottedParts(object);
    return head ? [...head, attr.text] : undefined;
  }
  return undefined;
}

function parsePythonNumber(text: string): number | undefined {
  const cleaned = text.split('_').join('').toLowerCase();
  if (cleaned.endsWith('j')) return undefined; // complex literal
  const n = Number(cleaned);
  return Number.isNaN(n) ? undefined : n;
}

/** The value of a literal expression; anything else is `unknown` (never guessed). */
export function literalValue(node: Node): Value {
  switch (node.type) {
    case 'integer':
    case 'float': {
      const n = parsePythonNumber(node.text);
      if (n === undefined) break;
      return { kind: 'number', value: n, isInteger: node.type === 'integer' };
    }
    case 'true':
      return { kind: 'bool', value: true };
    case 'false':
      return { kind: 'bool', value: false };
    case 'none':
      return { kind: 'none' };
    case 'parenthesized_expression': {
      const inner = node.namedChildren.filter((c) => c && c.type !== 'comment');
      if (inner.length === 1 && inner[0]) return literalValue(inner[0]);
      break;
    }
    case 'unary_operator': {
      const op = node.childForFieldName('operator')?.text;
      const operand = node.childForFieldName('argument');
      if (operand && (op === '-' || op === '+')) {
        const v = literalValue(operand);
        if (v.kind === 'number') return { ...v, value: op === '-' ? -v.value : v.value };
      }
      break;
    }
    case 'string': {
      const parts = node.namedChildren;
      const interpolated = parts.some((c) => c?.type === 'interpolation');
      const content = parts.filter((c) => c?.type === 'string_content');
      if (!interpolated && parts.every((c) => c && ['string_start', 'string_content', 'string_end'].includes(c.type))) {
        return { kind: 'string', value: content.map((c) => c?.text ?? '').join('') };
      }
      break;
    }
  }
  return { kind: 'unknown', text: node.text };
}
