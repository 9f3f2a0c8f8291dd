import type { SyntaxNode as Node } from './syntaxTree';

/**
 * Questions about plain dotted names (`a.b.c`: an identifier, or attributes over one) answered
 * without building the parts list. `dottedParts` (syntax.ts) keeps the parts per node and copies
 * them per question; the IR builders ask these questions once per callee or target, where reading
 * the few nodes again costs less.
 */

/** Whether `node` is a plain dotted name (the expressions `dottedParts` answers for). */
export function isDottedName(node: Node): boolean {
  let n: Node | null = node;
  while (n.type === 'attribute') {
    if (!n.childForFieldName('attribute')) return false;
    n = n.childForFieldName('object');
    if (!n) return false;
  }
  return n.type === 'identifier';
}

/** The first name of a plain dotted name (`a` of `a.b.c`), or undefined when `node` is not one. */
export function dottedHead(node: Node): string | undefined {
  let n: Node | null = node;
  while (n.type === 'attribute') {
    if (!n.childForFieldName('attribute')) return undefined;
    n = n.childForFieldName('object');
    if (!n) return undefined;
  }
  return n.type === 'identifier' ? n.text : undefined;
}

/** The last name of a plain dotted name (`c` of `a.b.c`), or undefined when `node` is not one. */
export function dottedLast(node: Node): string | undefined {
  if (node.type === 'identifier') return node.text;
  if (node.type !== 'attribute') return undefined;
  const attr = node.childForFieldName('attribute');
  const object = node.childForFieldName('object');
  return attr && object && isDottedName(object) ? attr.text : undefined;
}

/** How many names a plain dotted name has (`a.b.c`: 3), or 0 when `node` is not one. */
export function dottedLength(node: Node): number {
  let count = 1;
  let n: Node | null = node;
  while (n.type === 'attribute') {
    if (!n.childForFieldName('attribute')) return 0;
    n = n.childForFieldName('object');
    if (!n) return 0;
    count++;
  }
  return n.type === 'identifier' ? count : 0;
}

/**
 * The names after the first of a plain dotted name, joined with dots (`b.c` of `a.b.c`, `''` of
 * `a`: tell `a` from `a.<missing name>` by the node's type), or undefined when `node` is not one.
 */
export function dottedTail(node: Node): string | undefined {
  if (node.type === 'identifier') return '';
  if (node.type !== 'attribute') return undefined;
  const attr = node.childForFieldName('attribute');
  const object = node.childForFieldName('object');
  if (!attr || !object) return undefined;
  const before = dottedTail(object);
  if (before === undefined) return undefined;
  // (By structure, not by text: a missing name reads as '' yet is a name of its own.)
  return object.type === 'identifier' ? attr.text : `${before}.${attr.text}`;
}

/** A plain dotted name as written without spaces or comments (`a.b.c`), or undefined when `node` is not one. */
export function dottedText(node: Node): string | undefined {
  const tail = dottedTail(node);
  if (tail === undefined) return undefined;
  const head = dottedHead(node);
  return head === undefined ? undefined : node.type === 'identifier' ? head : `${head}.${tail}`;
}
