import { NodeCache, type SyntaxNode as Node, type SyntaxTree } from './syntaxTree';
import { StatementIndex, StatementIndexKind } from './statementIndex';
import type { Span } from '../../ir/span';
import type { Value } from '../../ir/values';

/** The span of a syntax node (tree-sitter columns over a JS string are UTF-16 code units). */
export function spanOf(node: Node): Span {
  // One search of the line table for the start (the tree's `rowAt`); the end's line is found by
  // stepping forward from it (most spans end on their first line or a few lines below), and no
  // `Point` is made.
  const startOffset = node.startIndex;
  const endOffset = node.endIndex;
  const tree = node.tree;
  const starts = tree.lineTable;
  const startRow = tree.rowAt(startOffset);
  let endRow = startRow;
  const last = starts.length - 1;
  while (endRow < last && starts[endRow + 1] <= endOffset) endRow++;
  return {
    start: { line: startRow, column: startOffset - starts[startRow] },
    end: { line: endRow, column: endOffset - starts[endRow] },
    startOffset,
    endOffset,
  };
}

/**
 * Where a node starts, as the key IR symbols use for "this scope" or "this expression": its
 * top-level statement (`statementKey`) and its offset inside that statement. It holds no row
 * and no offset in the file, so it survives edits of other statements, Enter above it included,
 * and the IR of an unchanged statement can be reused as is (see `StatementMemo`).
 */
export function positionKey(node: Node): string {
  let statement = node;
  while (statement.parent?.parent) statement = statement.parent;
  if (!statement.parent) return 'module';
  return `${statementKey(statement)}+${node.startIndex - statement.startIndex}`;
}

const TEXT_HASHES = new NodeCache<string>();

/** A hash of a top-level statement's text (53 bits, base 36): statements with one text share it. */
export function statementTextHash(statement: Node): string {
  let h = TEXT_HASHES.get(statement);
  if (h !== undefined) return h;
  // cyrb53 (public domain): two 32-bit lanes mixed into 53 bits.
  // (Read in place: a slice of every statement would copy the whole file's text.)
  const text = statement.tree.text;
  const end = statement.endIndex;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = statement.startIndex; i < end; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h = (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  TEXT_HASHES.set(statement, h);
  return h;
}

/** The top-level statements of a document by the hash of their text (see `statementKey`). */
const BY_TEXT = new StatementIndexKind<string>(statementTextHash, (hash) => [hash]);

/** A top-level statement's key, with the tree it was read in (a tree's statements keep theirs). */
const STATEMENT_KEYS = new NodeCache<{ readonly tree: SyntaxTree; readonly key: string }>();

/**
 * A top-level statement's identity in keys: the hash of its text, and for a statement whose text
 * an earlier statement has too, how many such come before it (`<hash>~2`). Only an edit adding
 * or removing a statement with the same text changes it (`StatementMemo` recomputes those).
 * Read from an index of the statements by text that an edited document moves forward by the
 * statements that changed (`StatementIndex`), not from a list of every statement per tree, and
 * kept per statement for the tree it was read in.
 */
function statementKey(statement: Node): string {
  const tree = statement.tree;
  const kept = STATEMENT_KEYS.get(statement);
  if (kept?.tree === tree) return kept.key;
  const hash = statementTextHash(statement);
  const same = StatementIndex.of(tree, BY_TEXT).statementsWith(hash);
  const n = same.length === 1 ? 0 : same.indexOf(statement);
  const key = n <= 0 ? hash : `${hash}~${n}`;
  STATEMENT_KEYS.set(statement, { tree, key });
  return key;
}

/**
 * The clauses of an `if` statement in order: the `if`, its `elif`s, then its `else` (whose
 * condition is null), each with the block it runs.
 */
export function ifClauses(stmt: Node): { condition: Node | null; body: Node | null }[] {
  const clauses: { condition: Node | null; body: Node | null }[] = [{ condition: stmt.childForFieldName('condition'), body: stmt.childForFieldName('consequence') }];
  for (const a of stmt.childrenForFieldName('alternative')) {
    clauses.push(a.type === 'elif_clause' ? { condition: a.childForFieldName('condition'), body: a.childForFieldName('consequence') } : { condition: null, body: a.childForFieldName('body') });
  }
  return clauses;
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
  // (`Number` reads the prefixes and exponents of either case: only the suffix is looked at.)
  const cleaned = text.indexOf('_') === -1 ? text : text.replace(/_/g, '');
  const last = cleaned.charCodeAt(cleaned.length - 1);
  if (last === 0x6a || last === 0x4a) return undefined; // `j` / `J`: a complex literal
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
      // Only start, content and end parts (no interpolation, escape sequence or other part).
      let value = '';
      let plain = true;
      for (const c of node.namedChildren) {
        if (c.type === 'string_content') value += c.text;
        else if (c.type !== 'string_start' && c.type !== 'string_end') {
          plain = false;
          break;
        }
      }
      if (plain) return { kind: 'string', value };
      break;
    }
  }
  return { kind: 'unknown', text: node.text };
}
