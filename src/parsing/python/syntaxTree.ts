import { Parser, type Language, type Tree, type TreeCursor } from 'web-tree-sitter';
import type { StatementMemo } from './statementMemo';
import { parsePython, rawCursorBinding, type RawCursorBinding } from './treeSitter';

/**
 * A JavaScript-side copy of a tree-sitter syntax tree.
 *
 * web-tree-sitter answers every node property (`type`, `childForFieldName`, `namedChildren`, ...)
 * with a call through the JS/WASM boundary that marshals the node each time; the IR builders ask
 * tens of such questions per node, and walked the tree many times, so the boundary dominated the
 * analysis (about 3 s for 10k lines against a 0.15 s parse). This module copies the tree once,
 * with one cursor walk, into plain objects that answer the same subset of the `Node` API in
 * JavaScript. The copy is made per top-level statement: after an edit, `SyntaxTree.update`
 * re-copies only the top-level statements whose text changed and re-uses (shifted) copies of the
 * others, so an incremental re-analysis never walks the whole WASM tree again.
 *
 * Positions: tree-sitter over a JS string counts in UTF-16 code units, as JS strings do, so
 * `text` is a slice of the source and rows/columns come from a line-start table.
 */

export interface Point {
  readonly row: number;
  readonly column: number;
}

/**
 * Where a top-level statement's copy currently sits (shared by all its nodes, so a shift is
 * O(1)), and its nodes by type in document order (so `descendantsOfType` is a binary search,
 * not a walk). The root's anchor has no index: the tree answers for it.
 */
interface Anchor {
  /** Offset of the statement's first character in the current text. */
  offset: number;
  tree: SyntaxTree;
  index: TypeIndex | undefined;
}

const NAMED_BIT = 1;
const ERROR_BIT = 2;
/** Whether `namedChildren` looked at the children yet, and found them all named. */
const CHILDREN_SEEN_BIT = 4;
const CHILDREN_NAMED_BIT = 8;

/** tree-sitter's `ts_builtin_sym_error` as the cursor reports it. */
const ERROR_SYMBOL = 65535;

/** Per-language tables (type names, which types are named, field names). */
interface LanguageTables {
  /**
   * Type name and namedness by slot (see `slotOf`): dense arrays (the error symbol's id, 65535,
   * written into an array of a few hundred symbols would make it a slow dictionary).
   */
  readonly types: readonly string[];
  readonly named: readonly boolean[];
  readonly fields: readonly (string | null)[];
  /** The language's symbol count: the error symbol's slot, and the next one for any other id. */
  readonly count: number;
  /** The first slot with the same type name, by slot (several symbols can share a name). */
  readonly canon: Int32Array;
  /** The canonical slot of each type name. */
  readonly slotByName: Map<string, number>;
  /** By slot: which tokens the copy leaves out when they have no field (see `droppedToken`). */
  readonly dropped: Uint8Array;
  /** Shared field-name lists by a hash of their field ids (see `fieldListOf`). */
  readonly fieldLists: Map<number, { readonly ids: readonly number[]; readonly names: (string | null)[] }[]>;
  fieldListCount: number;
}
const TABLES = new WeakMap<Language, LanguageTables>();

/**
 * Which tokens the copy leaves out: an unnamed leaf (a token such as `(`, `,`, `.`, `=`, `:` or
 * `def`) without a field name. Those say nothing their parent's type and named children do not,
 * and nothing reads them; they were a third of a tree's nodes, each one an object the garbage
 * collector moved twice during an analysis. Kept: tokens with a field (operators: `+`, `+=`,
 * `is not`, `and`), and a slice's colons (they say which of its bounds is which). 1 for a type
 * always left out, 2 for `:` (kept in a slice).
 */
function droppedToken(type: string, named: boolean): number {
  if (named || type === 'ERROR') return 0;
  return type === ':' ? 2 : 1;
}

function tablesOf(language: Language): LanguageTables {
  let t = TABLES.get(language);
  if (!t) {
    const types: string[] = [];
    const named: boolean[] = [];
    const count = language.nodeTypeCount;
    for (let id = 0; id < count; id++) {
      types.push(internalized(language.nodeTypeForId(id) ?? ''));
      named.push(language.nodeTypeIsNamed(id));
    }
    // The error symbol (65535) lies outside the language's own symbol range; an id outside both reads as an unnamed ERROR.
    types.push('ERROR', 'ERROR');
    named.push(true, false);
    const canon = new Int32Array(types.length);
    const first = new Map<string, number>();
    types.forEach((type, i) => {
      const f = first.get(type);
      if (f === undefined) first.set(type, i);
      canon[i] = f ?? i;
    });
    const dropped = new Uint8Array(types.length);
    types.forEach((type, i) => {
      dropped[i] = droppedToken(type, named[i]);
    });
    t = { types, named, fields: language.fields.map((f) => (f === null ? null : internalized(f))), count, canon, slotByName: first, dropped, fieldLists: new Map(), fieldListCount: 0 };
    TABLES.set(language, t);
  }
  return t;
}

/**
 * The same string, internalized (V8's table of unique strings, where string literals are). The
 * grammar's type and field names are made from WASM memory, so they are not: every
 * `node.type === 'call'` and every field name compared in `childForFieldName` then compared
 * characters (a call of V8's string-equality builtin) instead of two pointers. A string used as a
 * property key is internalized, and `Object.keys` gives that copy back.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/** The slot of a symbol id in the tables. */
function slotOf(tables: LanguageTables, id: number): number {
  return id < tables.count && id >= 0 ? id : id === ERROR_SYMBOL ? tables.count : tables.count + 1;
}

/** The type name of a symbol id. */
function typeName(tables: LanguageTables, id: number): string {
  return tables.types[slotOf(tables, id)];
}


/** The children (and field names) of every leaf: one shared, frozen array, not one per leaf. */
const NO_CHILDREN = Object.freeze([]) as unknown as SyntaxNode[];
const NO_FIELDS = Object.freeze([]) as unknown as (string | null)[];

export class SyntaxNode {
  parent: SyntaxNode | null = null;
  /** The children (do not modify the array: leaves share one). */
  children: SyntaxNode[] = NO_CHILDREN;
  /** Field name of each child (null when the child has none). */
  fieldNames: (string | null)[] = NO_FIELDS;
  /** `isNamed`, `hasError` and what `namedChildren` found, as bits (one field, not several: a tree has hundreds of thousands of nodes). */
  private bits: number;
  /** Preorder number of this node in its top-level statement, and the last one of its subtree. */
  pre = 0;
  last = 0;
  /** Values of the `NodeCache`s that have one for this node: cache number and value, in pairs. */
  cached: unknown[] | undefined;

  constructor(
    readonly type: string,
    isNamed: boolean,
    /** Offsets relative to the anchor (the enclosing top-level statement, or 0 for the root). */
    private readonly relStart: number,
    private readonly relEnd: number,
    private readonly anchor: Anchor,
  ) {
    this.bits = isNamed ? NAMED_BIT : 0;
  }

  /** Whether the node is named (not a bare token such as `(` or `if`). */
  get isNamed(): boolean {
    return (this.bits & NAMED_BIT) !== 0;
  }
  /** Whether this node is, or contains, a syntax error or a missing token. */
  get hasError(): boolean {
    return (this.bits & ERROR_BIT) !== 0;
  }
  set hasError(value: boolean) {
    this.bits = value ? this.bits | ERROR_BIT : this.bits & ~ERROR_BIT;
  }

  get tree(): SyntaxTree {
    return this.anchor.tree;
  }
  get startIndex(): number {
    return this.anchor.offset + this.relStart;
  }
  get endIndex(): number {
    return this.anchor.offset + this.relEnd;
  }
  get startPosition(): Point {
    return this.anchor.tree.pointAt(this.startIndex);
  }
  get endPosition(): Point {
    return this.anchor.tree.pointAt(this.endIndex);
  }
  get text(): string {
    return this.anchor.tree.text.slice(this.startIndex, this.endIndex);
  }
  /** The named children (a shared array: do not modify it). */
  get namedChildren(): SyntaxNode[] {
    const bits = this.bits;
    // (When every child is named, as for most nodes once tokens without a field are left out of
    // the copy, the children themselves: no second array, and no field for one on every node.)
    if ((bits & CHILDREN_NAMED_BIT) !== 0) return this.children;
    if ((bits & CHILDREN_SEEN_BIT) === 0) {
      const children = this.children;
      let all = true;
      for (let i = 0; i < children.length && all; i++) all = children[i].isNamed;
      this.bits = bits | CHILDREN_SEEN_BIT | (all ? CHILDREN_NAMED_BIT : 0);
      if (all) return children;
    }
    let named = NAMED_CHILDREN.get(this);
    if (!named) {
      // (An array of the exact size: `filter` reserves room to grow.)
      const children = this.children;
      let count = 0;
      for (let i = 0; i < children.length; i++) if (children[i].isNamed) count++;
      named = new Array<SyntaxNode>(count);
      for (let i = 0, j = 0; i < children.length; i++) if (children[i].isNamed) named[j++] = children[i];
      NAMED_CHILDREN.set(this, named);
    }
    return named;
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  get firstChild(): SyntaxNode | null {
    return this.children[0] ?? null;
  }
  get firstNamedChild(): SyntaxNode | null {
    return this.namedChildren[0] ?? null;
  }
  childForFieldName(name: string): SyntaxNode | null {
    const f = this.fieldNames;
    for (let i = 0; i < f.length; i++) if (f[i] === name) return this.children[i] ?? null;
    return null;
  }
  childrenForFieldName(name: string): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    const f = this.fieldNames;
    for (let i = 0; i < f.length; i++) if (f[i] === name) out.push(this.children[i]);
    return out;
  }
  /** This node and its descendants of the given type(s), in document order (as web-tree-sitter's). */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    const index = this.anchor.index;
    if (!index) return this.anchor.tree.descendantsOfType(types);
    if (typeof types === 'string') {
      // (A slice: an array of the exact size, where pushing reserves room to grow.)
      return boundsInRange(index, types, this.pre, this.last) ? index.nodes.slice(FOUND_START, FOUND_END) : [];
    }
    const out: SyntaxNode[] = [];
    // (Loops, not push(...spread): a huge literal can hold more nodes than a call has arguments.)
    let lists = 0;
    for (const t of new Set(types)) if (pushInRange(index, t, this.pre, this.last, out) > 0) lists++;
    return lists > 1 ? out.sort((a, b) => a.pre - b.pre) : out;
  }
  /**
   * Pushes this node and its descendants of one type onto `out`, in document order; returns
   * how many. For a top-level statement, its whole group in the index.
   */
  private pushOwnOfType(type: string, out: SyntaxNode[]): number {
    const index = this.anchor.index;
    if (index && this.pre === 0) {
      const at = rangeOf(index, type);
      if (at < 0) return 0;
      const nodes = index.nodes;
      const end = index.ranges[at + 2];
      for (let i = index.ranges[at + 1]; i < end; i++) out.push(nodes[i]);
      return end - index.ranges[at + 1];
    }
    const own = this.descendantsOfType(type);
    for (const n of own) out.push(n);
    return own.length;
  }
  /** The nodes of one type in each of `statements` (top-level statements), in document order. */
  static ofTypeIn(statements: readonly SyntaxNode[], type: string, out: SyntaxNode[]): void {
    for (const s of statements) s.pushOwnOfType(type, out);
  }
  /** The nodes of several types in one top-level statement, in document order. */
  static ofTypesIn(statement: SyntaxNode, types: ReadonlySet<string>, out: SyntaxNode[]): void {
    const start = out.length;
    let lists = 0;
    for (const t of types) if (statement.pushOwnOfType(t, out) > 0) lists++;
    if (lists > 1) {
      const sorted = out.slice(start).sort((a, b) => a.pre - b.pre);
      for (let i = 0; i < sorted.length; i++) out[start + i] = sorted[i];
    }
  }
  /** Descendants (and this node) for which `test` holds, in document order. */
  descendantsWhere(test: (n: SyntaxNode) => boolean): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    collectWhere(this, test, out);
    return out;
  }
  /** Moves a top-level statement's copy to a new offset in a new tree (see `SyntaxTree.update`). */
  moveTo(offset: number, tree: SyntaxTree): void {
    this.anchor.offset = offset;
    this.anchor.tree = tree;
  }
  equals(other: SyntaxNode | null | undefined): boolean {
    return other === this;
  }
}

let nextCacheSlot = 0;

/**
 * A value computed once per syntax node and kept on the node itself, for facts that depend only
 * on the node's own subtree (its text, types and children), not on its position: nodes are
 * immutable and the copy of an unchanged statement survives edits of others, so the value
 * does too. It is the cheap form of a `WeakMap<SyntaxNode, T>`: a (number, value) pair in a small array on
 * the node instead of an ephemeron entry, which the garbage collector pays for on every cycle
 * (hundreds of thousands of entries after a full analysis of a large file). Create caches once,
 * at module level: each takes a slot number for good.
 */
export class NodeCache<T> {
  private readonly slot = nextCacheSlot++;
  /** The kept value, or undefined when none was set. */
  get(node: SyntaxNode): T | undefined {
    const c = node.cached;
    if (c === undefined) return undefined;
    for (let i = 0; i < c.length; i += 2) if (c[i] === this.slot) return c[i + 1] as T;
    return undefined;
  }
  set(node: SyntaxNode, value: T): void {
    const c = node.cached;
    if (c === undefined) {
      node.cached = [this.slot, value];
      return;
    }
    for (let i = 0; i < c.length; i += 2) {
      if (c[i] === this.slot) {
        c[i + 1] = value;
        return;
      }
    }
    // (A new array of the exact size: most nodes hold one to three values, and a pushed-to
    // array reserves room for sixteen.)
    const grown = new Array<unknown>(c.length + 2);
    for (let i = 0; i < c.length; i++) grown[i] = c[i];
    grown[c.length] = this.slot;
    grown[c.length + 1] = value;
    node.cached = grown;
  }
}

/** The named children of the nodes that have some unnamed ones (operators, a slice's colons). */
const NAMED_CHILDREN = new NodeCache<SyntaxNode[]>();

/**
 * A top-level statement's nodes by type: its nodes grouped by type (each group in document
 * order) in one array, and for each type present its slot and group as `[slot, start, end]`
 * triples. (Two arrays per statement: a `Map` of one list per type cost about three times the
 * memory, most of it in the maps' hash tables.)
 */
interface TypeIndex {
  readonly nodes: readonly SyntaxNode[];
  readonly ranges: readonly number[];
  readonly tables: LanguageTables;
}

/** Where the triple of `type` starts in `index.ranges`, or -1 when the statement has none. */
function rangeOf(index: TypeIndex, type: string): number {
  const slot = index.tables.slotByName.get(type);
  if (slot === undefined) return -1;
  const ranges = index.ranges;
  for (let i = 0; i < ranges.length; i += 3) if (ranges[i] === slot) return i;
  return -1;
}

/** The bounds `boundsInRange` found in `index.nodes`. */
let FOUND_START = 0;
let FOUND_END = 0;

/**
 * Whether the statement has nodes of `type` whose preorder number lies in [from, to]: then
 * they are `index.nodes[FOUND_START, FOUND_END)`.
 */
function boundsInRange(index: TypeIndex, type: string, from: number, to: number): boolean {
  const at = rangeOf(index, type);
  if (at < 0) return false;
  const list = index.nodes;
  let lo = index.ranges[at + 1];
  let hi = index.ranges[at + 2];
  const end = hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].pre < from) lo = mid + 1;
    else hi = mid;
  }
  let last = lo;
  while (last < end && list[last].pre <= to) last++;
  FOUND_START = lo;
  FOUND_END = last;
  return last > lo;
}

/** Pushes the nodes of `type` whose preorder number lies in [from, to] onto `out`; returns how many. */
function pushInRange(index: TypeIndex, type: string, from: number, to: number, out: SyntaxNode[]): number {
  if (!boundsInRange(index, type, from, to)) return 0;
  const list = index.nodes;
  for (let i = FOUND_START; i < FOUND_END; i++) out.push(list[i]);
  return FOUND_END - FOUND_START;
}

function collectWhere(n: SyntaxNode, test: (n: SyntaxNode) => boolean, out: SyntaxNode[]): void {
  if (test(n)) out.push(n);
  for (const c of n.children) collectWhere(c, test, out);
}

/** The cursor operations the copy needs (see `RawCursorBinding` for why there are two). */
interface Walk {
  typeId(): number;
  start(): number;
  end(): number;
  fieldId(): number;
  /** Whether the current node is, or contains, an error or a missing token. */
  hasError(): boolean;
  firstChild(): boolean;
  nextSibling(): boolean;
  parent(): boolean;
  /** Hands the cursor back to web-tree-sitter (call before `cursor.delete()`). */
  finish(): void;
}

/** The walk through web-tree-sitter's `TreeCursor` API. */
class ApiWalk implements Walk {
  constructor(private readonly cursor: TreeCursor) {}
  typeId(): number {
    return this.cursor.nodeTypeId;
  }
  start(): number {
    return this.cursor.startIndex;
  }
  end(): number {
    return this.cursor.endIndex;
  }
  fieldId(): number {
    return this.cursor.currentFieldId;
  }
  hasError(): boolean {
    return this.cursor.currentNode.hasError;
  }
  firstChild(): boolean {
    return this.cursor.gotoFirstChild();
  }
  nextSibling(): boolean {
    return this.cursor.gotoNextSibling();
  }
  parent(): boolean {
    return this.cursor.gotoParent();
  }
  finish(): void {}
}

let rawCursorEnabled = true;
/** Whether copies call the cursor exports directly (the default) or go through `TreeCursor` (tests compare the two). */
export function setRawCursorEnabled(enabled: boolean): void {
  rawCursorEnabled = enabled;
}

/** The cursor's four handles, as web-tree-sitter keeps them (an internal field). */
interface CursorHandles {
  handles?: unknown;
}

/**
 * The same walk calling the WASM exports directly: the cursor lives in the transfer buffer
 * from the first call to `finish`, which copies it back into the `TreeCursor`'s handles.
 */
class RawWalk implements Walk {
  private readonly slot: number;
  /** The heap layout when statements are read from tree-sitter's memory (see `copyFromHeap`). */
  heap: HeapLayout | undefined;
  constructor(
    private readonly b: RawCursorBinding,
    private readonly treePtr: number,
    private readonly handles: number[],
  ) {
    this.slot = b.transferBuffer >> 2;
    const heap = b.heap32();
    for (let i = 0; i < 4; i++) heap[this.slot + i] = handles[i];
  }
  /** A raw walk of `cursor` over `tree`, or undefined when the binding is not usable. */
  static of(tree: Tree, cursor: TreeCursor): RawWalk | undefined {
    const b = rawCursorBinding();
    const treePtr = (tree as unknown as Record<number, unknown>)[0];
    const handles = (cursor as unknown as CursorHandles).handles;
    if (!b || typeof treePtr !== 'number' || treePtr === 0) return undefined;
    if (!Array.isArray(handles) || handles.length !== 4 || !handles.every((h) => typeof h === 'number')) return undefined;
    return new RawWalk(b, treePtr, handles);
  }
  typeId(): number {
    return this.b.typeId(this.treePtr);
  }
  start(): number {
    return this.b.startIndex(this.treePtr);
  }
  end(): number {
    return this.b.endIndex(this.treePtr);
  }
  fieldId(): number {
    return this.b.fieldId(this.treePtr);
  }
  hasError(): boolean {
    // The node is written over the cursor in the transfer buffer: save the cursor and restore it.
    let heap = this.b.heap32();
    const s = this.slot;
    const h0 = heap[s], h1 = heap[s + 1], h2 = heap[s + 2], h3 = heap[s + 3];
    this.b.currentNode(this.treePtr);
    const result = this.b.nodeHasError(this.treePtr) === 1;
    heap = this.b.heap32();
    heap[s] = h0;
    heap[s + 1] = h1;
    heap[s + 2] = h2;
    heap[s + 3] = h3;
    return result;
  }
  firstChild(): boolean {
    return this.b.gotoFirstChild(this.treePtr) === 1;
  }
  nextSibling(): boolean {
    return this.b.gotoNextSibling(this.treePtr) === 1;
  }
  parent(): boolean {
    return this.b.gotoParent(this.treePtr) === 1;
  }
  finish(): void {
    const heap = this.b.heap32();
    for (let i = 0; i < 4; i++) this.handles[i] = heap[this.slot + i];
  }
  /** The WASM memory. */
  heapBuffer(): ArrayBufferLike {
    return this.b.heap32().buffer;
  }
  /**
   * The cursor's stack of `TreeCursorEntry`s: its address and size (a `TSTreeCursor` holds the
   * tree, then the `TreeCursor`'s stack array as `id` and `context[0]`: the first two handles).
   */
  stackContents(): number {
    return this.b.heap32()[this.slot];
  }
  stackSize(): number {
    return this.b.heap32()[this.slot + 1];
  }
}

/** The layout a copy uses instead of the language's (`SyntaxTree.copyWith`; null: none). */
let layoutOverride: HeapLayout | null | undefined;

/** The walk of a copy of `tree` with `cursor`: raw (reading statements from the heap when it can) or through the API. */
function walkOf(tree: Tree, cursor: TreeCursor): Walk {
  if (!rawCursorEnabled) return new ApiWalk(cursor);
  // (Before the raw walk takes the transfer buffer: the first call parses a probe text.)
  const heap = layoutOverride !== undefined ? (layoutOverride ?? undefined) : heapWalkEnabled ? heapLayoutOf(tree.language) : undefined;
  const raw = RawWalk.of(tree, cursor);
  if (!raw) return new ApiWalk(cursor);
  raw.heap = heap;
  return raw;
}

/**
 * Copies the top-level statement under the cursor (which is left where it started). Only when
 * the statement holds a syntax error is each node asked whether it does (an error can hide in
 * tokens the cursor does not visit, such as a missing newline).
 */
function copyStatement(cursor: Walk, tables: LanguageTables, tree: SyntaxTree, offset: number, hasError: boolean): SyntaxNode {
  const anchor: Anchor = { offset, tree, index: undefined };
  let pre = 0;
  // The nodes in preorder, and their type's canonical slot: the index by type is made from them
  // when the copy is done, in lists of their exact size.
  const order = ORDER;
  const slots = ORDER_SLOTS;
  const make = (): SyntaxNode => {
    const slot = slotOf(tables, cursor.typeId());
    const node = new SyntaxNode(tables.types[slot], tables.named[slot], cursor.start() - offset, cursor.end() - offset, anchor);
    if (hasError) node.hasError = cursor.hasError();
    order[pre] = node;
    slots[pre] = tables.canon[slot];
    node.pre = node.last = pre++;
    return node;
  };
  const root = make();
  if (!cursor.firstChild()) {
    anchor.index = indexByType(tables, pre);
    return root;
  }
  // Iterative preorder walk over a stack of the nodes whose children are being copied. Children
  // and their field names gather on two scratch stacks and get arrays of their exact size when
  // their parent is done (pushing into a fresh array would reserve 17 slots for its first
  // element; most nodes have one to three children). Field names get an array only when a child
  // has one, so a leaf allocates nothing but itself.
  // The stacks' tops are kept apart from their lengths: shrinking an array's length is a slow
  // call, once per parent (about 7 ms of a full analysis of the 10k-line bench file); entries
  // above the top are written over, and cleared when the statement is done.
  const kids = KIDS;
  const kidFields = KID_FIELDS;
  const base = 0;
  let top = base;
  const stack: SyntaxNode[] = [root];
  const firstKid: number[] = [base];
  const close = (parent: SyntaxNode, from: number): void => {
    // (A node whose tokens were all punctuation keeps the shared empty list, as in `copySubtree`.)
    if (top > from) parent.children = kids.slice(from, top);
    for (let i = from; i < top; i++) {
      if (kidFields[i] === null) continue;
      parent.fieldNames = kidFields.slice(from, top);
      break;
    }
    top = from;
    parent.last = pre - 1;
  };
  for (;;) {
    // (Tokens without a field are left out, as `copySubtree` leaves them: see `droppedToken`.)
    const field = cursor.fieldId();
    const parent = stack[stack.length - 1];
    const dropped = field === 0 ? tables.dropped[slotOf(tables, cursor.typeId())] : 0;
    if (dropped === 0 || (dropped === 2 && parent.type === 'slice') || (cursor.firstChild() && cursor.parent())) {
      const node = make();
      node.parent = parent;
      kids[top] = node;
      kidFields[top] = tables.fields[field] ?? null;
      top++;
      if (cursor.firstChild()) {
        stack.push(node);
        firstKid.push(top);
        continue;
      }
    }
    while (!cursor.nextSibling()) {
      close(stack.pop() as SyntaxNode, firstKid.pop() as number);
      cursor.parent();
      if (stack.length === 0) {
        anchor.index = indexByType(tables, pre);
        return root;
      }
    }
  }
}

/**
 * Reading the tree straight from tree-sitter's memory.
 *
 * Even through the raw exports (`RawWalk`), a copy costs about six calls into WASM per node, and
 * each call rebuilds the cursor's current node (alias, position) from its stack: for the
 * 10k-line bench file that was most of the copy. Below a top-level statement, `copyFromHeap`
 * reads tree-sitter's own subtrees from the WASM memory instead and visits them in JavaScript
 * the way `ts_tree_cursor_goto_first_child`/`goto_next_sibling` do (lib/src/tree_cursor.c of the
 * tree-sitter runtime web-tree-sitter 0.27.2 is built from, whose sources its source map holds):
 * - a `Subtree` is 8 bytes, either inline (a small leaf: bit 0 of its first byte set, flags in
 *   that byte, symbol, padding and size in the others) or a pointer to a `SubtreeHeapData`
 *   whose children (8 bytes each) lie right before it;
 * - a child is a node when it is visible or its parent's production aliases its structural
 *   index (extras have none); a hidden child with visible children is walked through;
 * - a node's type is its alias or symbol mapped by the language's public symbol map (the error
 *   symbol 65535 as is); its position is its parent's plus the sizes and paddings before it
 *   (bytes of UTF-16 text: offsets are half of them);
 * - a node's field is the first non-inherited field-map entry of its parent's production for
 *   its structural index, looked up through its hidden ancestors up to the nearest node, and
 *   none for an extra;
 * - `hasError`: the error symbol, a missing token, or a heap subtree with an error cost.
 * The offsets of those structures are fixed for the pinned versions; `heapLayoutOf` reads the
 * language's tables from its `TSLanguage` (ABI 15) after checking them against the public API,
 * and then copies a probe text both ways: any difference and the copy keeps using the cursor.
 * Tests compare both walks over the fixtures and over texts with syntax errors.
 */
interface HeapLayout {
  /** `alias_sequences` as an index into 16-bit words, and their row length. */
  readonly aliasSequences: number;
  readonly aliasLength: number;
  /** `public_symbol_map` as an index into 16-bit words. */
  readonly publicSymbols: number;
  /** The field (0: none) of structural child `s` of production `p` at `p * fieldWidth + s`. */
  readonly fieldAt: Uint16Array;
  readonly fieldWidth: number;
  readonly productions: number;
  /** `field_map_slices` and `field_map_entries` (byte addresses; 0 when the language has no fields). */
  readonly fieldSlices: number;
  readonly fieldEntries: number;
}

/** Offsets in tree-sitter's structures (wasm32; see `HeapLayout`). */
const SUBTREE_SIZE = 8;
const HEAP_PADDING_BYTES = 4;
const HEAP_SIZE_BYTES = 16;
const HEAP_ERROR_COST = 32;
const HEAP_CHILD_COUNT = 36;
const HEAP_SYMBOL = 40;
const HEAP_FLAGS = 44;
const HEAP_VISIBLE_CHILD_COUNT = 48;
const HEAP_PRODUCTION_ID = 66;
/** A `TreeCursorEntry` (subtree pointer, position, three indexes). */
const CURSOR_ENTRY_SIZE = 28;

let heapWalkEnabled = true;
let heapUpdateEnabled = true;
/** Whether `update` reads the top-level statements from tree-sitter's memory (the default; tests turn it off to reach the changed ranges). */
export function setHeapUpdateEnabled(enabled: boolean): void {
  heapUpdateEnabled = enabled;
}
/** Whether raw-cursor copies read statements from tree-sitter's memory (the default; tests compare with the cursor walk). */
export function setHeapWalkEnabled(enabled: boolean): void {
  heapWalkEnabled = enabled;
}

/** The heap layout by language: a layout, or null when it was not recognised. */
const HEAP_LAYOUTS = new WeakMap<Language, HeapLayout | null>();
let probing = false;

/** Whether the heap walk is in use for a language (tests). */
export function heapWalkUsable(language: Language): boolean {
  return heapLayoutOf(language) !== undefined;
}

function heapLayoutOf(language: Language): HeapLayout | undefined {
  if (probing) return undefined;
  let layout = HEAP_LAYOUTS.get(language);
  if (layout === undefined) {
    layout = null;
    probing = true;
    try {
      const read = readLayout(language);
      if (read && probeAgrees(language, read)) layout = read;
    } catch {
      layout = null;
    } finally {
      probing = false;
    }
    HEAP_LAYOUTS.set(language, layout);
  }
  return layout ?? undefined;
}

/** The language's tables, from its `TSLanguage` (ABI 15), when they agree with what the public API says. */
function readLayout(language: Language): HeapLayout | undefined {
  const b = rawCursorBinding();
  const address = (language as unknown as Record<number, unknown>)[0];
  if (!b || typeof address !== 'number' || address <= 0 || address % 4 !== 0) return undefined;
  const buffer = b.heap32().buffer;
  const i32 = new Int32Array(buffer);
  const u16 = new Uint16Array(buffer);
  const u8 = new Uint8Array(buffer);
  const at = address >> 2;
  const abi = i32[at];
  const symbolCount = i32[at + 1];
  const aliasCount = i32[at + 2];
  const productions = i32[at + 7];
  const fieldCount = i32[at + 8];
  const aliasLength = u16[(address + 36) >> 1];
  const fieldSlices = i32[at + 16];
  const fieldEntries = i32[at + 17];
  const metadata = i32[at + 18];
  const publicSymbols = i32[at + 19];
  const aliasSequences = i32[at + 21];
  if (abi !== 15 || abi !== language.abiVersion) return undefined;
  if (symbolCount + aliasCount !== language.nodeTypeCount || fieldCount !== language.fieldCount) return undefined;
  if (productions <= 0 || productions > 0xffff || aliasLength <= 0 || aliasLength > 0xffff) return undefined;
  const inHeap = (p: number, bytes: number): boolean => p > 0 && p + bytes <= buffer.byteLength;
  if (!inHeap(metadata, 3 * (symbolCount + aliasCount)) || !inHeap(publicSymbols, 2 * symbolCount) || publicSymbols % 2 !== 0) return undefined;
  if (!inHeap(aliasSequences, 2 * productions * aliasLength) || aliasSequences % 2 !== 0) return undefined;
  if (fieldCount > 0 && (!inHeap(fieldSlices, 4 * productions) || fieldSlices % 2 !== 0 || fieldEntries <= 0)) return undefined;
  // `TSSymbolMetadata` is three bools (visible, named, supertype): they must say what the API
  // says (which calls a type named when it is named and visible).
  for (let id = 0; id < symbolCount + aliasCount; id++) {
    const visible = u8[metadata + 3 * id];
    const named = u8[metadata + 3 * id + 1];
    if (visible > 1 || named > 1 || (visible === 1) !== language.nodeTypeIsVisible(id)) return undefined;
    if ((visible === 1 && named === 1) !== language.nodeTypeIsNamed(id)) return undefined;
  }
  for (let id = 0; id < symbolCount; id++) if (u16[(publicSymbols >> 1) + id] >= symbolCount + aliasCount) return undefined;
  // The field table: the first non-inherited entry for each (production, structural index).
  let width = 1;
  const entries = (p: number): [number, number] => (fieldCount > 0 ? [u16[(fieldSlices >> 1) + 2 * p], u16[(fieldSlices >> 1) + 2 * p + 1]] : [0, 0]);
  for (let p = 0; p < productions; p++) {
    const [index, length] = entries(p);
    for (let k = 0; k < length; k++) {
      const e = fieldEntries + 4 * (index + k);
      if (!inHeap(e, 4) || u16[e >> 1] > fieldCount) return undefined;
      width = Math.max(width, u8[e + 2] + 1);
    }
  }
  const fieldAt = new Uint16Array(productions * width);
  for (let p = 0; p < productions; p++) {
    const [index, length] = entries(p);
    for (let k = length - 1; k >= 0; k--) {
      const e = fieldEntries + 4 * (index + k);
      if (u8[e + 3] === 0) fieldAt[p * width + u8[e + 2]] = u16[e >> 1];
    }
  }
  return {
    aliasSequences: aliasSequences >> 1,
    aliasLength,
    publicSymbols: publicSymbols >> 1,
    fieldAt,
    fieldWidth: width,
    productions,
    fieldSlices: fieldCount > 0 ? fieldSlices : 0,
    fieldEntries: fieldCount > 0 ? fieldEntries : 0,
  };
}

/**
 * A text that exercises what the heap walk must get right (aliases, fields through hidden
 * nodes, extras, external tokens, characters outside the BMP, errors and missing tokens): the
 * heap walk is used only when its copy of it is the cursor's.
 */
const PROBE = [
  '# -*- coding: utf-8 -*-',
  'import torch.nn as nn, os.path as p  # comment',
  'from .a import (b as c, d)',
  '@decorator(1, *args, **kw)',
  'class Net(nn.Module, metaclass=M):',
  '    """doc 😀 string"""',
  '    def __init__(self, c: int = 3, *a, k=1, **kw) -> None:',
  '        super().__init__()  # 🚀',
  '        self.bn = nn.BatchNorm2d(c, eps=1e-5) \\',
  '            if c else None',
  '        with open(f) as g, open(h) as (i, j):',
  '            print(f"{x!r:>{w}} {y=} {{z}} 😀", g)',
  '        match = [*a, *b]',
  '        match match:',
  '            case [1, *rest] if rest: pass',
  '            case {"k": v, **others}: pass',
  '            case Point(x=0) | None: pass',
  '        lambda x, *y: (x, y)',
  '        for i, (j, k) in enumerate(z): continue',
  '        else: pass',
  '        try: x[1:2, ::3] = yield from g',
  '        except* (A, B) as e: raise E from e',
  '        finally: del x',
  '        return [a for a in b if a async for c in d], {k: v for k, v in e}, not a or b and c',
  'async def f(a, /, b): await g; global h; nonlocal i; assert j, k',
  'type Alias[T] = list[T]',
  'print >> sys.stderr, "x"',
  'exec "code"',
  'def broken(:',
  '    x = (1,',
  'y = [1, 2',
  'if a:',
  'z = 1 +',
  'class',
  '',
].join('\n');

/** Whether copying the probe text from the heap gives the cursor walk's copy. */
function probeAgrees(language: Language, layout: HeapLayout): boolean {
  const parser = new Parser();
  try {
    parser.setLanguage(language);
    const tree = parser.parse(PROBE);
    if (!tree) return false;
    try {
      const before = heapCopies;
      const viaHeap = SyntaxTree.copyWith(tree, PROBE, layout);
      // (Every statement of the probe was read from the heap, none fell back to the cursor.)
      const all = heapCopies - before === viaHeap.rootNode.children.length;
      const viaCursor = SyntaxTree.copyWith(tree, PROBE, undefined);
      return all && viaHeap.rootNode.children.length > 5 && viaHeap.rootNode.hasError && sameCopies(viaHeap.rootNode, viaCursor.rootNode);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

/** Whether two copies have the same nodes (types, ranges, flags, fields, shape). */
export function sameCopies(a: SyntaxNode, b: SyntaxNode): boolean {
  // (A stack, not recursion: a copy can be nested deeper than the call stack allows.)
  const stack: SyntaxNode[] = [a, b];
  while (stack.length > 0) {
    const y = stack.pop() as SyntaxNode;
    const x = stack.pop() as SyntaxNode;
    if (x.type !== y.type || x.isNamed !== y.isNamed || x.hasError !== y.hasError) return false;
    if (x.startIndex !== y.startIndex || x.endIndex !== y.endIndex || x.pre !== y.pre || x.last !== y.last) return false;
    if (x.children.length !== y.children.length || x.fieldNames.length !== y.fieldNames.length) return false;
    if ((x.children === NO_CHILDREN) !== (y.children === NO_CHILDREN) || (x.fieldNames === NO_FIELDS) !== (y.fieldNames === NO_FIELDS)) return false;
    for (let i = 0; i < x.fieldNames.length; i++) if (x.fieldNames[i] !== y.fieldNames[i]) return false;
    for (let i = 0; i < x.children.length; i++) {
      if (x.children[i].parent !== x || y.children[i].parent !== y) return false;
      stack.push(x.children[i], y.children[i]);
    }
  }
  return true;
}

/** Views of the WASM memory (made again when it grows). */
let heapBuffer: ArrayBufferLike | undefined;
let U8: Uint8Array = new Uint8Array(0);
let U16: Uint16Array = new Uint16Array(0);
let I32: Int32Array = new Int32Array(0);

/** Statements copied from the heap so far (the probe checks it used the heap for all of them). */
let heapCopies = 0;

/** The frames of `copyFromHeap`'s walk: one per subtree whose children are being visited. */
let F_CHILDREN: Int32Array = new Int32Array(64);
let F_COUNT: Int32Array = new Int32Array(64);
let F_INDEX: Int32Array = new Int32Array(64);
let F_STRUCT: Int32Array = new Int32Array(64);
let F_POS: Int32Array = new Int32Array(64);
let F_PROD: Int32Array = new Int32Array(64);
/** For a hidden subtree, the field it passes to its children without one (-1 for a node). */
let F_UP: Int32Array = new Int32Array(64);
let F_KIDS: Int32Array = new Int32Array(64);
const F_NODE: SyntaxNode[] = [];

function growFrames(): void {
  const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
    const b = new Int32Array(a.length * 2);
    b.set(a);
    return b;
  };
  F_CHILDREN = grow(F_CHILDREN);
  F_COUNT = grow(F_COUNT);
  F_INDEX = grow(F_INDEX);
  F_STRUCT = grow(F_STRUCT);
  F_POS = grow(F_POS);
  F_PROD = grow(F_PROD);
  F_UP = grow(F_UP);
  F_KIDS = grow(F_KIDS);
}

/** Makes the views of the WASM memory again when it grew (a new buffer). */
function heapViews(buffer: ArrayBufferLike): void {
  if (buffer !== heapBuffer) {
    heapBuffer = buffer;
    U8 = new Uint8Array(buffer);
    U16 = new Uint16Array(buffer);
    I32 = new Int32Array(buffer);
  }
}

/**
 * `copyStatement` for the statement under a raw walk, read from tree-sitter's memory (see
 * `HeapLayout`); the cursor is not moved. Undefined when the cursor's stack does not hold the
 * statement where expected (then the caller copies with the cursor).
 */
function copyFromHeap(walk: RawWalk, layout: HeapLayout, tables: LanguageTables, tree: SyntaxTree, offset: number, end: number, typeId: number, hasError: boolean): SyntaxNode | undefined {
  heapViews(walk.heapBuffer());
  // The cursor's stack (`TreeCursor`: contents, size) and its top entry: the statement.
  const contents = walk.stackContents();
  const size = walk.stackSize();
  if (size < 1 || contents <= 0) return undefined;
  const entry = contents + CURSOR_ENTRY_SIZE * (size - 1);
  return copySubtree(layout, tables, tree, I32[entry >> 2], I32[(entry + 4) >> 2], offset, end, typeId, hasError);
}

/**
 * The copy of the node whose `Subtree` lies at address `slot` and starts at byte `position`
 * (the statement `[offset, end)` of type `typeId`), read from tree-sitter's memory. Undefined
 * when the subtree there does not span that statement.
 */
function copySubtree(layout: HeapLayout, tables: LanguageTables, tree: SyntaxTree, slot: number, position: number, offset: number, end: number, typeId: number, hasError: boolean): SyntaxNode | undefined {
  const u8 = U8;
  const u16 = U16;
  const i32 = I32;
  if (position >>> 1 !== offset || slot <= 0) return undefined;
  let ptr = 0;
  let childCount = 0;
  if ((u8[slot] & 1) === 0) {
    ptr = i32[slot >> 2];
    if ((position + i32[(ptr + HEAP_SIZE_BYTES) >> 2]) >>> 1 !== end) return undefined;
    childCount = i32[(ptr + HEAP_CHILD_COUNT) >> 2];
  } else if ((position + u8[slot + 7]) >>> 1 !== end) return undefined;
  const anchor: Anchor = { offset, tree, index: undefined };
  const order = ORDER;
  const slots = ORDER_SLOTS;
  const rootSlot = slotOf(tables, typeId);
  const root = new SyntaxNode(tables.types[rootSlot], tables.named[rootSlot], 0, end - offset, anchor);
  if (hasError) root.hasError = true;
  order[0] = root;
  slots[0] = tables.canon[rootSlot];
  let pre = 1;
  if (childCount === 0) {
    anchor.index = indexByType(tables, pre);
    heapCopies++;
    return root;
  }
  const kids = KIDS;
  const kidFieldIds = KID_FIELD_IDS;
  const fieldAt = layout.fieldAt;
  const width = layout.fieldWidth;
  const aliases = layout.aliasSequences;
  const aliasLength = layout.aliasLength;
  const publicSymbols = layout.publicSymbols;
  const types = tables.types;
  const named = tables.named;
  const canon = tables.canon;
  const dropped = tables.dropped;
  let top = 0;
  let depth = 1;
  F_CHILDREN[0] = ptr - SUBTREE_SIZE * childCount;
  F_COUNT[0] = childCount;
  F_INDEX[0] = 0;
  F_STRUCT[0] = 0;
  F_POS[0] = position;
  F_PROD[0] = u16[(ptr + HEAP_PRODUCTION_ID) >> 1];
  F_UP[0] = -1;
  F_KIDS[0] = 0;
  F_NODE[0] = root;
  while (depth > 0) {
    const f = depth - 1;
    const index = F_INDEX[f];
    const count = F_COUNT[f];
    if (index === count) {
      // Done with this subtree: a node gets its children.
      if (F_UP[f] < 0) {
        const parent = F_NODE[f];
        const from = F_KIDS[f];
        if (top > from) {
          parent.children = sliceOf(kids, from, top);
          let hash = 0;
          let any = 0;
          for (let i = from; i < top; i++) {
            const id = kidFieldIds[i];
            any |= id;
            hash = (Math.imul(hash, 31) + id) | 0;
          }
          if (any !== 0) parent.fieldNames = fieldListOf(tables, kidFieldIds, from, top, hash);
        }
        top = from;
        parent.last = pre - 1;
      }
      depth--;
      continue;
    }
    const child = F_CHILDREN[f] + SUBTREE_SIZE * index;
    const childPosition = F_POS[f];
    let childPtr = 0;
    let symbol: number;
    let visible: boolean;
    let extra: boolean;
    let missing: boolean;
    let sizeBytes: number;
    let grandchildren = 0;
    const b0 = u8[child];
    if ((b0 & 1) !== 0) {
      symbol = u8[child + 1];
      visible = (b0 & 2) !== 0;
      extra = (b0 & 8) !== 0;
      missing = (b0 & 32) !== 0;
      sizeBytes = u8[child + 7];
    } else {
      childPtr = i32[child >> 2];
      symbol = u16[(childPtr + HEAP_SYMBOL) >> 1];
      const flags = u8[childPtr + HEAP_FLAGS] | (u8[childPtr + HEAP_FLAGS + 1] << 8);
      visible = (flags & 1) !== 0;
      extra = (flags & 4) !== 0;
      missing = (flags & 512) !== 0;
      sizeBytes = i32[(childPtr + HEAP_SIZE_BYTES) >> 2];
      grandchildren = i32[(childPtr + HEAP_CHILD_COUNT) >> 2];
    }
    // The next child's position: after this one and the next one's padding.
    F_INDEX[f] = index + 1;
    let next = childPosition + sizeBytes;
    if (index + 1 < count) {
      const n = child + SUBTREE_SIZE;
      next += (u8[n] & 1) !== 0 ? u8[n + 6] : i32[(i32[n >> 2] + HEAP_PADDING_BYTES) >> 2];
    }
    F_POS[f] = next;
    const production = F_PROD[f];
    const structural = F_STRUCT[f];
    let alias = 0;
    let field = 0;
    if (!extra) {
      if (production !== 0) {
        alias = u16[aliases + production * aliasLength + structural];
        if (alias !== 0) visible = true;
      }
      field = production < layout.productions ? (structural < width ? fieldAt[production * width + structural] : 0) : fieldFromHeap(layout, production, structural);
      if (field === 0 && F_UP[f] > 0) field = F_UP[f];
      F_STRUCT[f] = structural + 1;
    }
    if (visible) {
      const id = alias !== 0 ? alias : symbol;
      const typeIdOf = id === ERROR_SYMBOL ? ERROR_SYMBOL : u16[publicSymbols + id];
      const s = typeIdOf < tables.count ? typeIdOf : typeIdOf === ERROR_SYMBOL ? tables.count : tables.count + 1;
      if (grandchildren === 0 && field === 0 && dropped[s] !== 0 && (dropped[s] === 1 || F_NODE[f].type !== 'slice')) continue;
      const node = new SyntaxNode(types[s], named[s], (childPosition >>> 1) - offset, ((childPosition + sizeBytes) >>> 1) - offset, anchor);
      if (hasError && (typeIdOf === ERROR_SYMBOL || missing || (childPtr !== 0 && i32[(childPtr + HEAP_ERROR_COST) >> 2] !== 0))) node.hasError = true;
      order[pre] = node;
      slots[pre] = canon[s];
      node.pre = node.last = pre++;
      node.parent = F_NODE[f];
      kids[top] = node;
      kidFieldIds[top] = field;
      top++;
      if (grandchildren > 0) {
        if (depth === F_COUNT.length) growFrames();
        F_CHILDREN[depth] = childPtr - SUBTREE_SIZE * grandchildren;
        F_COUNT[depth] = grandchildren;
        F_INDEX[depth] = 0;
        F_STRUCT[depth] = 0;
        F_POS[depth] = childPosition;
        F_PROD[depth] = u16[(childPtr + HEAP_PRODUCTION_ID) >> 1];
        F_UP[depth] = -1;
        F_KIDS[depth] = top;
        F_NODE[depth] = node;
        depth++;
      }
    } else if (grandchildren > 0 && i32[(childPtr + HEAP_VISIBLE_CHILD_COUNT) >> 2] > 0) {
      // A hidden subtree: its visible descendants are children of this frame's node.
      if (depth === F_COUNT.length) growFrames();
      F_CHILDREN[depth] = childPtr - SUBTREE_SIZE * grandchildren;
      F_COUNT[depth] = grandchildren;
      F_INDEX[depth] = 0;
      F_STRUCT[depth] = 0;
      F_POS[depth] = childPosition;
      F_PROD[depth] = u16[(childPtr + HEAP_PRODUCTION_ID) >> 1];
      // (An extra passes no field down: the cursor's field lookup stops at it.)
      F_UP[depth] = extra ? 0 : field;
      F_KIDS[depth] = 0;
      F_NODE[depth] = F_NODE[f];
      depth++;
    }
  }
  F_NODE.length = 0;
  anchor.index = indexByType(tables, pre);
  heapCopies++;
  return root;
}

/** The field of structural child `s` of production `p` read from the language's field map (as `ts_language_field_map`). */
function fieldFromHeap(layout: HeapLayout, p: number, s: number): number {
  if (layout.fieldSlices === 0) return 0;
  const index = U16[(layout.fieldSlices >> 1) + 2 * p];
  const length = U16[(layout.fieldSlices >> 1) + 2 * p + 1];
  for (let k = 0; k < length; k++) {
    const e = layout.fieldEntries + 4 * (index + k);
    if (U8[e + 3] === 0 && U8[e + 2] === s) return U16[e >> 1];
  }
  return 0;
}

/**
 * The visible children of a tree's root (its top-level statements, comments included) as
 * `topLevelFromHeap` reads them from tree-sitter's memory, in typed arrays reused from one
 * update to the next (`count` entries are valid).
 */
class TopLevel {
  count = 0;
  /** Address of its `Subtree` and its start in bytes (what `copySubtree` reads from). */
  slot = new Int32Array(256);
  position = new Int32Array(256);
  /** Its range in UTF-16 code units. */
  start = new Int32Array(256);
  end = new Int32Array(256);
  /** Its type (as the cursor's `nodeTypeId`) and field (0: none). */
  typeId = new Int32Array(256);
  field = new Int32Array(256);
  /** 1 when it is, or holds, a syntax error or a missing token. */
  error = new Uint8Array(256);

  push(slot: number, position: number, start: number, end: number, typeId: number, field: number, error: boolean): void {
    const n = this.count;
    if (n === this.slot.length) this.grow();
    this.slot[n] = slot;
    this.position[n] = position;
    this.start[n] = start;
    this.end[n] = end;
    this.typeId[n] = typeId;
    this.field[n] = field;
    this.error[n] = error ? 1 : 0;
    this.count = n + 1;
  }

  private grow(): void {
    const twice = <T extends Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.slot = twice(this.slot);
    this.position = twice(this.position);
    this.start = twice(this.start);
    this.end = twice(this.end);
    this.typeId = twice(this.typeId);
    this.field = twice(this.field);
    this.error = twice(this.error);
  }
}

const TOP_LEVEL = new TopLevel();

/**
 * Lists the visible children of `tree`'s root into `out`, read from tree-sitter's memory the
 * way `copySubtree` reads a statement's nodes (through hidden subtrees such as the module's
 * repetitions; types, fields and errors the same way). False when the tree's root is not where
 * or what it should be (then nothing is known).
 */
function topLevelFromHeap(layout: HeapLayout, tree: Tree, root: { readonly startIndex: number; readonly endIndex: number }, out: TopLevel): boolean {
  out.count = 0;
  const b = rawCursorBinding();
  // A `TSTree` starts with its root `Subtree`.
  const treePtr = (tree as unknown as Record<number, unknown>)[0];
  if (!b || typeof treePtr !== 'number' || treePtr <= 0 || treePtr % 4 !== 0) return false;
  heapViews(b.heap32().buffer);
  const u8 = U8;
  const u16 = U16;
  const i32 = I32;
  if (treePtr + SUBTREE_SIZE > u8.length || (u8[treePtr] & 1) !== 0) return false;
  const rootPtr = i32[treePtr >> 2];
  if (rootPtr <= 0 || rootPtr % 4 !== 0 || rootPtr + HEAP_PRODUCTION_ID + 2 > u8.length) return false;
  // The root node starts after its padding.
  const position = i32[(rootPtr + HEAP_PADDING_BYTES) >> 2];
  const childCount = i32[(rootPtr + HEAP_CHILD_COUNT) >> 2];
  if (position >>> 1 !== root.startIndex || (position + i32[(rootPtr + HEAP_SIZE_BYTES) >> 2]) >>> 1 !== root.endIndex) return false;
  if (childCount < 0 || rootPtr - SUBTREE_SIZE * childCount < 0) return false;
  if (childCount === 0) return true;
  const fieldAt = layout.fieldAt;
  const width = layout.fieldWidth;
  const aliases = layout.aliasSequences;
  const aliasLength = layout.aliasLength;
  const publicSymbols = layout.publicSymbols;
  let depth = 1;
  F_CHILDREN[0] = rootPtr - SUBTREE_SIZE * childCount;
  F_COUNT[0] = childCount;
  F_INDEX[0] = 0;
  F_STRUCT[0] = 0;
  F_POS[0] = position;
  F_PROD[0] = u16[(rootPtr + HEAP_PRODUCTION_ID) >> 1];
  F_UP[0] = -1;
  while (depth > 0) {
    const f = depth - 1;
    const index = F_INDEX[f];
    const count = F_COUNT[f];
    if (index === count) {
      depth--;
      continue;
    }
    // (As in `copySubtree`.)
    const child = F_CHILDREN[f] + SUBTREE_SIZE * index;
    const childPosition = F_POS[f];
    let childPtr = 0;
    let symbol: number;
    let visible: boolean;
    let extra: boolean;
    let missing: boolean;
    let sizeBytes: number;
    let grandchildren = 0;
    const b0 = u8[child];
    if ((b0 & 1) !== 0) {
      symbol = u8[child + 1];
      visible = (b0 & 2) !== 0;
      extra = (b0 & 8) !== 0;
      missing = (b0 & 32) !== 0;
      sizeBytes = u8[child + 7];
    } else {
      childPtr = i32[child >> 2];
      symbol = u16[(childPtr + HEAP_SYMBOL) >> 1];
      const flags = u8[childPtr + HEAP_FLAGS] | (u8[childPtr + HEAP_FLAGS + 1] << 8);
      visible = (flags & 1) !== 0;
      extra = (flags & 4) !== 0;
      missing = (flags & 512) !== 0;
      sizeBytes = i32[(childPtr + HEAP_SIZE_BYTES) >> 2];
      grandchildren = i32[(childPtr + HEAP_CHILD_COUNT) >> 2];
    }
    F_INDEX[f] = index + 1;
    let next = childPosition + sizeBytes;
    if (index + 1 < count) {
      const n = child + SUBTREE_SIZE;
      next += (u8[n] & 1) !== 0 ? u8[n + 6] : i32[(i32[n >> 2] + HEAP_PADDING_BYTES) >> 2];
    }
    F_POS[f] = next;
    const production = F_PROD[f];
    const structural = F_STRUCT[f];
    let alias = 0;
    let field = 0;
    if (!extra) {
      if (production !== 0) {
        alias = u16[aliases + production * aliasLength + structural];
        if (alias !== 0) visible = true;
      }
      field = production < layout.productions ? (structural < width ? fieldAt[production * width + structural] : 0) : fieldFromHeap(layout, production, structural);
      if (field === 0 && F_UP[f] > 0) field = F_UP[f];
      F_STRUCT[f] = structural + 1;
    }
    if (visible) {
      const id = alias !== 0 ? alias : symbol;
      const typeId = id === ERROR_SYMBOL ? ERROR_SYMBOL : u16[publicSymbols + id];
      const error = typeId === ERROR_SYMBOL || missing || (childPtr !== 0 && i32[(childPtr + HEAP_ERROR_COST) >> 2] !== 0);
      out.push(child, childPosition, childPosition >>> 1, (childPosition + sizeBytes) >>> 1, typeId, field, error);
    } else if (grandchildren > 0 && i32[(childPtr + HEAP_VISIBLE_CHILD_COUNT) >> 2] > 0) {
      if (depth === F_COUNT.length) growFrames();
      F_CHILDREN[depth] = childPtr - SUBTREE_SIZE * grandchildren;
      F_COUNT[depth] = grandchildren;
      F_INDEX[depth] = 0;
      F_STRUCT[depth] = 0;
      F_POS[depth] = childPosition;
      F_PROD[depth] = u16[(childPtr + HEAP_PRODUCTION_ID) >> 1];
      F_UP[depth] = extra ? 0 : field;
      depth++;
    }
  }
  return true;
}

/**
 * Lets go of the nodes in the scratch lists of `copyStatement` when a tree is done. The lists keep
 * their size (so they are not grown again for each statement and each tree) unless a huge
 * statement made them large.
 */
function releaseScratch(): void {
  for (const list of [KIDS, ORDER, SORTED] as unknown[][]) {
    if (list.length > SCRATCH_KEPT) list.length = 0;
    else list.fill(undefined);
  }
  if (KID_FIELDS.length > SCRATCH_KEPT) KID_FIELDS.length = 0;
  if (KID_FIELD_IDS.length > SCRATCH_KEPT) KID_FIELD_IDS.length = 0;
  if (ORDER_SLOTS.length > SCRATCH_KEPT) ORDER_SLOTS.length = 0;
}

/** The largest scratch list kept from one tree to the next. */
const SCRATCH_KEPT = 1 << 16;

/**
 * A statement's index by type (see `TypeIndex`) from its `n` nodes in `ORDER` (preorder) and
 * their slots: a counting sort by type.
 */
function indexByType(tables: LanguageTables, n: number): TypeIndex {
  const counts = slotCounts(tables);
  const seen = SEEN_SLOTS;
  for (let i = 0; i < n; i++) {
    const slot = ORDER_SLOTS[i];
    if (counts[slot]++ === 0) seen.push(slot);
  }
  // Where each type's nodes start (counts become the next free position).
  let at = 0;
  const ranges = RANGES;
  for (let j = 0; j < seen.length; j++) {
    const slot = seen[j];
    const c = counts[slot];
    ranges[3 * j] = slot;
    ranges[3 * j + 1] = at;
    counts[slot] = at;
    at += c;
    ranges[3 * j + 2] = at;
  }
  const sorted = SORTED;
  for (let i = 0; i < n; i++) sorted[counts[ORDER_SLOTS[i]]++] = ORDER[i];
  for (let j = 0; j < seen.length; j++) counts[seen[j]] = 0;
  const index: TypeIndex = { nodes: sorted.slice(0, n), ranges: ranges.slice(0, 3 * seen.length), tables };
  seen.length = 0;
  return index;
}

/** Per-slot counters of `indexByType` (all zero between calls), per language. */
const SLOT_COUNTS = new WeakMap<LanguageTables, Int32Array>();
function slotCounts(tables: LanguageTables): Int32Array {
  let c = SLOT_COUNTS.get(tables);
  if (!c) SLOT_COUNTS.set(tables, (c = new Int32Array(tables.types.length)));
  return c;
}

/** Scratch lists of `copyStatement` and `indexByType`. */
const ORDER: SyntaxNode[] = [];
const ORDER_SLOTS: number[] = [];
const SORTED: SyntaxNode[] = [];
const SEEN_SLOTS: number[] = [];
const RANGES: number[] = [];

/** Scratch stacks of `copyStatement` (shared: a copy never runs inside another; see `releaseScratch`). */
const KIDS: SyntaxNode[] = [];
const KID_FIELDS: (string | null)[] = [];
/** The field ids of `KIDS` (0: none), in `copyFromHeap`. */
const KID_FIELD_IDS: number[] = [];

/**
 * `list[from, to)` as a new array of that size: up to four elements as an array literal, so V8
 * can allocate the long-lived ones in the old generation directly (it tracks where literals are
 * made and how long what it made there lives). Nodes cannot be literals: a literal with the
 * class's prototype (`{ __proto__: ..., }`) sets it with a runtime call per object, which cost
 * here what the garbage collector saved.
 */
function sliceOf<T>(list: readonly T[], from: number, to: number): T[] {
  switch (to - from) {
    case 1:
      return [list[from]];
    case 2:
      return [list[from], list[from + 1]];
    case 3:
      return [list[from], list[from + 1], list[from + 2]];
    case 4:
      return [list[from], list[from + 1], list[from + 2], list[from + 3]];
    default:
      return list.slice(from, to);
  }
}

/** The most field lists kept per language (the grammar makes a few dozen; comments between children make more). */
const FIELD_LISTS_KEPT = 4096;

/**
 * The field names of children with field ids `ids[from, to)` (`hash` made from them): one shared
 * array per sequence (a copy of the 10k-line bench file has 26,000 nodes with fields and 40
 * different sequences), so the nodes with fields allocate nothing for them.
 */
function fieldListOf(tables: LanguageTables, ids: readonly number[], from: number, to: number, hash: number): (string | null)[] {
  const bucket = tables.fieldLists.get(hash);
  if (bucket) {
    for (const entry of bucket) {
      if (entry.ids.length !== to - from) continue;
      let same = true;
      for (let i = from; i < to && same; i++) same = entry.ids[i - from] === ids[i];
      if (same) return entry.names;
    }
  }
  const names: (string | null)[] = [];
  for (let i = from; i < to; i++) names.push(ids[i] === 0 ? null : (tables.fields[ids[i]] ?? null));
  if (tables.fieldListCount < FIELD_LISTS_KEPT) {
    tables.fieldListCount++;
    const entry = { ids: ids.slice(from, to), names };
    if (bucket) bucket.push(entry);
    else tables.fieldLists.set(hash, [entry]);
  }
  return names;
}

/** A range of offsets (as tree-sitter's `Range` has them). */
export interface IndexRange {
  readonly startIndex: number;
  readonly endIndex: number;
}

/** An edit of the text: `[start, oldEnd)` of the old text became `[start, newEnd)` of the new text. */
export interface ChangedRange {
  readonly start: number;
  readonly oldEnd: number;
  readonly newEnd: number;
}

/** The top-level statements of a tree made by `update`, against the tree it was made from. */
export interface StatementChanges {
  /** The `version` of the tree this one was made from. */
  readonly from: number;
  /** The statements copied anew, in document order (all the others are carried over). */
  readonly added: readonly SyntaxNode[];
  /** The statements of the previous tree that were not carried over. */
  readonly removed: readonly SyntaxNode[];
}

let nextVersion = 1;

/**
 * How `update` went (for tests and the soak script): every statement read from tree-sitter's
 * memory (`heap`), or, when that is not usable, with tree-sitter's changed ranges
 * (`windowed`), or visiting every statement with the cursor because the new tree's statements
 * did not line up with those ranges (`misaligned`; expected never to happen on trees without
 * errors).
 */
export const updateCounts = { heap: 0, windowed: 0, misaligned: 0 };

/** A copied tree: the root, its top-level statements, the text and a line table for positions. */
export class SyntaxTree {
  readonly rootNode: SyntaxNode;
  /** Unique per tree (see `changes`). */
  readonly version = nextVersion++;
  /**
   * For a tree made by `update`: which top-level statements it carried over from the previous
   * tree and which it copied anew, so that what is kept per statement can be moved forward by
   * the edit alone. Cleared when a newer tree is made from this one.
   */
  changes: StatementChanges | undefined;
  /**
   * Offset of each line's first character (an `Int32Array`: its storage lies outside the
   * JavaScript heap, so the table made per edit costs the young generation nothing; shared with
   * the previous tree when an edit moved no line).
   */
  private lineStarts: Int32Array | undefined;
  /**
   * The IR memo of the document this tree belongs to (set by its owner, carried to the trees
   * `update` makes from this one); undefined for one-off trees, which are analysed in full.
   */
  memo: StatementMemo | undefined;
  /**
   * Whole-file indexes made of per-statement parts (see `StatementIndex`), by kind: shared by the
   * trees `update` makes from this one, so each index is moved forward by the changed statements.
   */
  indexes: Map<unknown, unknown> = new Map();

  private constructor(
    readonly text: string,
    readonly language: Language,
    rootType: string,
    rootStart: number,
    rootEnd: number,
  ) {
    this.rootNode = new SyntaxNode(rootType, true, rootStart, rootEnd, { offset: 0, tree: this, index: undefined });
  }

  private readonly byType = new Map<string, SyntaxNode[]>();

  /** The root and its descendants of the given type(s), in document order. */
  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    if (typeof types === 'string') return this.ofType(types).slice();
    const out: SyntaxNode[] = [];
    const wanted = new Set(types);
    if (wanted.has(this.rootNode.type)) out.push(this.rootNode);
    for (const s of this.rootNode.children) SyntaxNode.ofTypesIn(s, wanted, out);
    return out;
  }

  private ofType(type: string): SyntaxNode[] {
    let list = this.byType.get(type);
    if (!list) {
      list = this.rootNode.type === type ? [this.rootNode] : [];
      SyntaxNode.ofTypeIn(this.rootNode.children, type, list);
      this.byType.set(type, list);
    }
    return list;
  }

  /** Row and column (UTF-16 code units) of an offset. */
  pointAt(offset: number): Point {
    const starts = this.lineStartTable();
    const row = lineOf(starts, offset);
    return { row, column: offset - starts[row] };
  }

  /** The row of an offset (`pointAt(offset).row`, without making a point). */
  rowAt(offset: number): number {
    return lineOf(this.lineStartTable(), offset);
  }

  /**
   * The line starts (do not modify). A tree made by `update` shares its previous tree's table
   * when the edit moved no line start: then an offset has the same row and column in both.
   */
  get lineTable(): Int32Array {
    return this.lineStartTable();
  }

  private lineStartTable(): Int32Array {
    if (!this.lineStarts) this.lineStarts = lineStartsOf(this.text);
    return this.lineStarts;
  }

  /** `from` reading statements from the heap with `layout`, or with the cursor only (undefined). */
  static copyWith(tree: Tree, text: string, layout: HeapLayout | undefined): SyntaxTree {
    layoutOverride = layout ?? null;
    try {
      return SyntaxTree.build(tree, text, undefined);
    } finally {
      layoutOverride = undefined;
    }
  }

  /** Copies a whole tree-sitter tree parsed from `text`. */
  static from(tree: Tree, text: string): SyntaxTree {
    return SyntaxTree.build(tree, text, undefined);
  }

  /**
   * Copies `tree` (parsed from `text`), re-using the copies of `previous`'s top-level statements
   * whose text is unchanged (they are shifted, not re-walked). `previous` must not be used after.
   * `changed`, when given, must span every difference between `previous.text` and `text`: a
   * statement outside it is then matched by its position, without comparing texts; without it,
   * statements are matched by their text. `previousTree`, when given, is the tree `previous` was
   * copied from, edited (`Tree.edit`) and re-parsed into `tree` (only asked for its changed
   * ranges when the heap walk is not usable).
   */
  static update(previous: SyntaxTree, tree: Tree, text: string, changed?: ChangedRange, previousTree?: Tree): SyntaxTree {
    let old = new PreviousStatements(previous, changed);
    const root = tree.rootNode;
    const fromHeap = SyntaxTree.buildFromHeap(tree, root, text, previous, old, changed);
    if (fromHeap) {
      updateCounts.heap++;
      return fromHeap;
    }
    // (None taken: the heap walk may have taken some before it gave up.)
    old = old.untaken();
    // Around syntax errors tree-sitter's changed ranges can miss a restructured statement (a
    // zero-width ERROR or MISSING node appearing or going elsewhere), so they are trusted only
    // when neither tree has an error.
    if (changed && previousTree && !previous.rootNode.hasError && !root.hasError) {
      const windowed = SyntaxTree.buildInWindow(tree, text, previous, old, changed, previousTree.getChangedRanges(tree));
      if (windowed) {
        updateCounts.windowed++;
        return windowed;
      }
      updateCounts.misaligned++;
    }
    // (Positions of the previous statements as they were before the window moved any.)
    return SyntaxTree.build(tree, text, previous, changed, old.untaken());
  }

  /**
   * `build` reading the top-level statements from tree-sitter's memory (`topLevelFromHeap`)
   * instead of visiting them with the cursor: every statement is matched or copied as in
   * `statementAt`, so the result is `build`'s, which is also what the window of tree-sitter's
   * changed ranges gives (a statement outside that window has its previous text at the mapped
   * position, so `build` matches it by position; tests check both agree). Visiting them all with
   * the cursor cost about six calls into WASM per statement, which is why the window was asked
   * for (`Tree.getChangedRanges`, itself a walk of both trees in WASM: about a fifth of the
   * re-parse of the 10k-line bench file, more than this loop over the statements). Undefined
   * when the heap layout is not usable or the statements read do not line up with what
   * tree-sitter says (then the caller goes the cursor's way).
   */
  private static buildFromHeap(tree: Tree, root: { readonly typeId: number; readonly startIndex: number; readonly endIndex: number; readonly childCount: number }, text: string, previous: SyntaxTree, old: PreviousStatements, changed: ChangedRange | undefined): SyntaxTree | undefined {
    const layout = rawCursorEnabled && heapWalkEnabled && heapUpdateEnabled ? heapLayoutOf(tree.language) : undefined;
    const top = TOP_LEVEL;
    if (!layout || !topLevelFromHeap(layout, tree, root, top) || top.count !== root.childCount) return undefined;
    const tables = tablesOf(tree.language);
    const n = top.count;
    const self = new SyntaxTree(text, tree.language, typeName(tables, root.typeId), root.startIndex, root.endIndex);
    // (An array of the exact size when the count is unchanged, as after most edits: a copy of the
    // previous list, written over; pushing would grow it in steps.)
    const sameCount = previous.rootNode.children.length === n;
    const statements: SyntaxNode[] = sameCount ? previous.rootNode.children.slice() : [];
    let fields: (string | null)[] = NO_FIELDS;
    const added: SyntaxNode[] = [];
    try {
      for (let j = 0; j < n; j++) {
        const start = top.start[j];
        const end = top.end[j];
        const typeId = top.typeId[j];
        const hasError = top.error[j] === 1;
        // (As `statementAt`: a statement with an error is always copied anew.)
        let node = hasError ? undefined : old.take(start, end, typeName(tables, typeId), text);
        if (node) node.moveTo(start, self);
        else {
          node = copySubtree(layout, tables, self, top.slot[j], top.position[j], start, end, typeId, hasError);
          if (!node) return undefined;
          added.push(node);
        }
        if (sameCount) statements[j] = node;
        else statements.push(node);
        if (top.field[j] !== 0) {
          if (fields === NO_FIELDS) fields = new Array<string | null>(n).fill(null);
          fields[j] = tables.fields[top.field[j]] ?? null;
        }
      }
    } finally {
      releaseScratch();
    }
    return SyntaxTree.finish(self, tree, statements, fields, previous, old, changed, added);
  }

  /**
   * `update` when tree-sitter also told which ranges of the new tree changed structure
   * (`Tree.getChangedRanges`): outside those ranges and the edited text, the trees have the
   * same nodes, so the top-level statements wholly before that window are carried over as they
   * are and those wholly after it are shifted, without asking tree-sitter about them. Only the
   * statements the window touches are visited (and copied anew unless matched as in `build`).
   * Undefined when the new tree's statements do not line up with that (then `build` visits all).
   */
  private static buildInWindow(tree: Tree, text: string, previous: SyntaxTree, old: PreviousStatements, changed: ChangedRange, restructured: readonly IndexRange[]): SyntaxTree | undefined {
    const delta = changed.newEnd - changed.oldEnd;
    // The window, in offsets of the new text: the edited text and every restructured range.
    let from = changed.start;
    let to = changed.newEnd;
    for (const r of restructured) {
      from = Math.min(from, r.startIndex);
      to = Math.max(to, r.endIndex);
    }
    const kept = previous.rootNode.children;
    const keptFields = previous.rootNode.fieldNames;
    // Statements ending before the window (touching counts as inside) and starting after it.
    let before = 0;
    while (before < kept.length && old.endOf(before) < from) before++;
    let after = before;
    while (after < kept.length && old.startOf(after) <= to - delta) after++;
    const expected = before + (kept.length - after);
    const tables = tablesOf(tree.language);
    const self = new SyntaxTree(text, tree.language, typeName(tables, tree.rootNode.typeId), tree.rootNode.startIndex, tree.rootNode.endIndex);
    // The statements of the window, and their field names.
    const window: SyntaxNode[] = [];
    const windowFields: (string | null)[] = [];
    const added: SyntaxNode[] = [];
    // (Taken first, so no statement of the window is matched to one of them.)
    for (let i = 0; i < before; i++) old.keep(i);
    for (let i = after; i < kept.length; i++) old.keep(i);
    const cursor = tree.walk();
    // The first statement ending at or after the window's start (the cursor's goal is "ends after").
    const inWindow = cursor.gotoFirstChildForIndex(Math.max(0, from - 1));
    const walk = walkOf(tree, cursor);
    SyntaxTree.visitStatements(walk, cursor, () => inWindow, tables, self, old, added, window, windowFields, { from, to });
    if (window.length + expected !== tree.rootNode.childCount) return undefined;
    const lastInWindow = window.length > 0 ? window[window.length - 1] : before > 0 ? kept[before - 1] : undefined;
    // (A statement after the window must start after the last one visited, or they do not line up.)
    if (after < kept.length && lastInWindow && old.startOf(after) + delta < lastInWindow.endIndex) return undefined;
    for (let i = after; i < kept.length; i++) kept[i].moveTo(old.startOf(i) + delta, self);
    for (let i = 0; i < before; i++) kept[i].moveTo(old.startOf(i), self);
    const statements = spliced(kept, before, after, window);
    // Top-level statements have no field names (module children): then no array is made.
    const fields = keptFields === NO_FIELDS && windowFields.every((f) => f === null) ? NO_FIELDS : spliced(kept.map((_, i) => keptFields[i] ?? null), before, after, windowFields);
    return SyntaxTree.finish(self, tree, statements, fields, previous, old, changed, added);
  }

  /**
   * Visits top-level statements from the first one `first` moves the walk to (false: none), each
   * taken from `old` when it matches or copied anew; with `within`, only those touching that
   * range. Hands the cursor back and deletes it.
   */
  private static visitStatements(
    walk: Walk,
    cursor: TreeCursor,
    first: () => boolean,
    tables: LanguageTables,
    self: SyntaxTree,
    old: PreviousStatements | undefined,
    added: SyntaxNode[],
    statements: SyntaxNode[],
    fields: (string | null)[],
    within?: { readonly from: number; readonly to: number },
  ): void {
    try {
      if (first()) {
        do {
          if (within) {
            if (walk.start() > within.to) break;
            if (walk.end() < within.from) continue;
          }
          statements.push(SyntaxTree.statementAt(walk, tables, self, old, self.text, added));
          fields.push(tables.fields[walk.fieldId()] ?? null);
        } while (walk.nextSibling());
      }
    } finally {
      releaseScratch();
      walk.finish();
      cursor.delete();
    }
  }

  /** The copy of the top-level statement under the walk: a matching previous one, or a new copy. */
  private static statementAt(walk: Walk, tables: LanguageTables, self: SyntaxTree, old: PreviousStatements | undefined, text: string, added: SyntaxNode[]): SyntaxNode {
    const start = walk.start();
    const end = walk.end();
    const typeId = walk.typeId();
    // Whether this statement holds a syntax error: one question per top-level statement.
    const hasError = walk.hasError();
    // Same text is not always the same tree: a MISSING token (zero-width) may appear in it.
    const reused = hasError ? undefined : old?.take(start, end, typeName(tables, typeId), text);
    if (reused) {
      reused.moveTo(start, self);
      return reused;
    }
    const node = (walk instanceof RawWalk && walk.heap ? copyFromHeap(walk, walk.heap, tables, self, start, end, typeId, hasError) : undefined) ?? copyStatement(walk, tables, self, start, hasError);
    added.push(node);
    return node;
  }

  private static build(tree: Tree, text: string, previous: SyntaxTree | undefined, changed?: ChangedRange, old?: PreviousStatements): SyntaxTree {
    const tables = tablesOf(tree.language);
    const added: SyntaxNode[] = [];
    const statements: SyntaxNode[] = [];
    const fields: (string | null)[] = [];
    const cursor = tree.walk();
    const walk = walkOf(tree, cursor);
    const rootType = typeName(tables, walk.typeId());
    const rootStart = walk.start();
    const rootEnd = walk.end();
    // The tree is created first so anchors can point at it; its root is filled in below.
    const self = new SyntaxTree(text, tree.language, rootType, rootStart, rootEnd);
    SyntaxTree.visitStatements(walk, cursor, () => walk.firstChild(), tables, self, old, added, statements, fields);
    return SyntaxTree.finish(self, tree, statements, fields, previous, old, changed, added);
  }

  /** Sets the root's statements and hands the memo, indexes and line table on from `previous`. */
  private static finish(
    self: SyntaxTree,
    tree: Tree,
    statements: SyntaxNode[],
    fields: (string | null)[],
    previous: SyntaxTree | undefined,
    old: PreviousStatements | undefined,
    changed: ChangedRange | undefined,
    added: SyntaxNode[],
  ): SyntaxTree {
    const text = self.text;
    self.rootNode.children = statements;
    self.rootNode.fieldNames = fields.every((f) => f === null) ? NO_FIELDS : fields;
    for (const s of statements) {
      s.parent = self.rootNode;
      if (s.hasError) self.rootNode.hasError = true;
    }
    if (tree.rootNode.hasError) self.rootNode.hasError = true;
    self.memo = previous?.memo;
    if (previous && old) {
      if (previous.lineStarts && changed) self.lineStarts = movedLineStarts(previous.lineStarts, text, changed);
      self.indexes = previous.indexes;
      self.changes = { from: previous.version, added, removed: old.notTaken() };
      // (The previous tree is done with: dropping its changes keeps old trees from being chained.)
      previous.changes = undefined;
    }
    return self;
  }
}

/**
 * `list` with `[from, to)` replaced by `middle`, in one array of the exact size (an edit usually
 * replaces one statement by one: a copy of the list, no growth).
 */
function spliced<T>(list: readonly T[], from: number, to: number, middle: readonly T[]): T[] {
  const out = list.slice();
  if (middle.length === to - from) {
    for (let i = 0; i < middle.length; i++) out[from + i] = middle[i];
    return out;
  }
  out.length = from;
  for (const x of middle) out.push(x);
  for (let i = to; i < list.length; i++) out.push(list[i]);
  return out;
}

/** The line starts of `text`. */
function lineStartsOf(text: string): Int32Array {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  const starts = new Int32Array(lines);
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  return starts;
}

/** The line (index into `starts`) holding `offset`: the last line starting at or before it. */
function lineOf(starts: Int32Array, offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The line starts of `text` from those of the text before `changed`: the lines starting before
 * the change stay, those after it move, and the changed text is scanned for its own. `before`
 * itself when no line start moved (an edit inside a line that keeps its length).
 */
function movedLineStarts(before: Int32Array, text: string, changed: ChangedRange): Int32Array {
  // First index whose line start is greater than `offset`.
  const after = (offset: number): number => {
    let lo = 0;
    let hi = before.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const head = after(changed.start);
  const tail = after(changed.oldEnd);
  const delta = changed.newEnd - changed.oldEnd;
  // The line starts inside the changed text: the same as before (same count, same offsets) and no shift after it: nothing moved.
  let added = 0;
  let same = delta === 0;
  for (let i = text.indexOf('\n', changed.start); i !== -1 && i < changed.newEnd; i = text.indexOf('\n', i + 1)) {
    if (same && (head + added >= tail || before[head + added] !== i + 1)) same = false;
    added++;
  }
  if (same && head + added === tail) return before;
  const starts = new Int32Array(head + added + (before.length - tail));
  starts.set(before.subarray(0, head));
  let n = head;
  for (let i = text.indexOf('\n', changed.start); i !== -1 && i < changed.newEnd; i = text.indexOf('\n', i + 1)) starts[n++] = i + 1;
  for (let i = tail; i < before.length; i++) starts[n++] = before[i] + delta;
  return starts;
}

/** The top-level statements of a previous copy, taken one by one by the statements of the new tree that have the same text. */
class PreviousStatements {
  private readonly nodes: readonly SyntaxNode[];
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly taken: Uint8Array;
  private byText: Map<string, number[]> | undefined;

  constructor(
    private readonly previous: SyntaxTree,
    private readonly changed: ChangedRange | undefined,
    from?: PreviousStatements,
  ) {
    this.nodes = previous.rootNode.children;
    // (Positions before any statement is moved into the new tree.)
    if (from) {
      this.starts = from.starts;
      this.ends = from.ends;
    } else {
      // (Typed arrays: their storage lies outside the JavaScript heap.)
      this.starts = new Int32Array(this.nodes.length);
      this.ends = new Int32Array(this.nodes.length);
      for (let i = 0; i < this.nodes.length; i++) {
        this.starts[i] = this.nodes[i].startIndex;
        this.ends[i] = this.nodes[i].endIndex;
      }
    }
    this.taken = new Uint8Array(this.nodes.length);
  }

  /** The same statements, none taken (positions as they were before any was moved). */
  untaken(): PreviousStatements {
    return new PreviousStatements(this.previous, this.changed, this);
  }

  /** A statement of the previous tree with the same type and text as `[start, end)` of `text`, not taken yet, without errors. */
  take(start: number, end: number, type: string, text: string): SyntaxNode | undefined {
    const c = this.changed;
    if (c) {
      // Outside the changed range, the text is the old text at the mapped position: a statement
      // there with the same length has the same text (no comparison needed).
      const oldStart = end <= c.start ? start : start >= c.newEnd ? start - (c.newEnd - c.oldEnd) : -1;
      const i = oldStart < 0 ? -1 : this.indexAt(oldStart);
      if (i >= 0 && this.usable(i, type) && this.ends[i] - this.starts[i] === end - start) return this.mark(i);
    }
    if (!this.byText) {
      this.byText = new Map();
      for (let i = 0; i < this.nodes.length; i++) {
        // With a changed range, only the statements it touches can have moved into it.
        if (this.nodes[i].hasError || (c && !this.touches(i))) continue;
        const key = this.textOf(i);
        const list = this.byText.get(key);
        if (list) list.push(i);
        else this.byText.set(key, [i]);
      }
    }
    const list = this.byText.get(text.slice(start, end));
    const i = list?.find((j) => this.usable(j, type));
    return i === undefined ? undefined : this.mark(i);
  }

  /** Takes statement `i` as it is (see `SyntaxTree.buildInWindow`). */
  keep(i: number): SyntaxNode {
    return this.mark(i);
  }

  /** Where statement `i` started and ended in the previous text. */
  startOf(i: number): number {
    return this.starts[i];
  }
  endOf(i: number): number {
    return this.ends[i];
  }

  /** The statements nobody took. */
  notTaken(): SyntaxNode[] {
    return this.nodes.filter((_, i) => this.taken[i] === 0);
  }

  private usable(i: number, type: string): boolean {
    return this.taken[i] === 0 && !this.nodes[i].hasError && this.nodes[i].type === type;
  }

  private mark(i: number): SyntaxNode {
    this.taken[i] = 1;
    return this.nodes[i];
  }

  /** Whether statement `i` overlaps (or touches) the changed range. */
  private touches(i: number): boolean {
    const c = this.changed;
    return c !== undefined && this.starts[i] <= c.oldEnd && this.ends[i] >= c.start;
  }

  private textOf(i: number): string {
    return this.previous.text.slice(this.starts[i], this.ends[i]);
  }

  /** Index of the statement starting exactly at `offset`, or -1. */
  private indexAt(offset: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid] === offset) return mid;
      if (s[mid] < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

/**
 * Parses Python text and copies the tree (the WASM tree is freed before returning). Undefined
 * only when tree-sitter gives no tree at all. `initPythonParser()` must have resolved.
 */
export function parseSyntaxTree(text: string): SyntaxTree | undefined {
  const tree = parsePython(text);
  if (!tree) return undefined;
  try {
    return SyntaxTree.from(tree, text);
  } finally {
    tree.delete();
  }
}
