import type { Span } from '../../ir/span';
import { MUTATING_METHODS } from './resolver';
import { StatementIndex, StatementIndexKind } from './statementIndex';
import { statementTextHash } from './syntax';
import { NodeCache, type SyntaxNode, type SyntaxTree } from './syntaxTree';

/**
 * Per-top-level-statement memo of IR results, for documents analysed again after each edit.
 *
 * `SyntaxTree.update` re-uses the copies of the top-level statements whose text did not change,
 * so a statement node that survives an edit is the same object. A result computed for such a
 * statement (the IR of a model class, the layer calls in it) is reused when nothing it may
 * depend on changed. What may have changed is decided conservatively, by names:
 *
 * - The changed statements are those added or removed since the last analysis.
 * - A result is recomputed when its statement mentions (any identifier) a module-level name a
 *   changed statement defines (class, function, assigned or imported name), or when its statement
 *   defines a name that the changed statements call differently than before (a call added or
 *   removed, or passing other parameters: a call site can override a parameter's default; see
 *   `calledDifferently`). Recomputed statements count as changed for the statements that
 *   mention them (transitively).
 * - Imports, argparse definitions and `global` declarations anywhere in a changed statement, or
 *   an entry that cannot be placed, recompute everything. A top-level ERROR statement is read
 *   like any other: its definitions are the typed nodes inside it, as the IR builders see them.
 * - A statement with the same text as a changed one counts as changed: the keys of IR symbols
 *   (`positionKey`) number statements with one text.
 * - Positions: IR spans are absolute. A reused result's spans are moved with the statement that
 *   holds them: offsets and rows (the statement's text is unchanged, so are the rows inside it).
 *   No IR string carries a line or an offset (descriptions cite their spans, symbols are keyed
 *   inside their statement), so pressing Enter recomputes only the statements it touches.
 *   Results are recomputed when a statement holding one of their spans starts at another column
 *   (text before it on its first line changed: the columns of that line's spans moved).
 *
 * The memo lives on the tree lineage of one document (`SyntaxTree.memo`); a tree without one
 * (the CLI, a one-off analysis) computes everything.
 *
 * Cost of a sync: the changed statements come from `SyntaxTree.changes` (the statement lists
 * are compared only when a tree was skipped), the statements mentioning or defining a name from
 * a per-statement index, and the positions are checked once per result (no allocation unless
 * spans move).
 */
export class StatementMemo {
  /** Results by statement, then by kind. */
  private entries = new Map<SyntaxNode, Map<string, Entry>>();
  /**
   * Every statement of the last synced tree, with where it was when the spans homed in it were
   * last placed (checked and moved in `moveSpans`, set again when a new result is homed in it).
   */
  private readonly placed = new Map<SyntaxNode, Placed>();
  /**
   * For each statement holding spans of kept results, those spans (one record per result): a
   * sync visits only the spans in statements that moved or went. A result's records are removed
   * when it is dropped or replaced.
   */
  private spansAt = new Map<SyntaxNode, HeldSpans[]>();
  /** Statements with a result whose spans could not all be placed: recomputed at every sync. */
  private unplaced = new Set<SyntaxNode>();
  private syncedTree: SyntaxTree | undefined;
  /** The line table of the tree last synced (see `moveSpans`). */
  private lines: Int32Array | undefined;
  /** Counts syncs (a `Placed` checked in this sync keeps its shift). */
  private syncs = 0;
  /** Statements whose results must be recomputed in the current analysis. */
  private stale = new Set<SyntaxNode>();
  private everything = false;
  /** Results computed and reused since the last sync (for tests and logs). */
  computed = 0;
  reused = 0;

  /**
   * Brings the memo to `tree` (once per tree): finds the changed statements, marks what depends
   * on them stale, and moves the spans of the results that stay.
   */
  sync(tree: SyntaxTree): void {
    if (this.syncedTree === tree) return;
    const last = this.syncedTree;
    this.syncedTree = tree;
    this.syncs++;
    this.computed = 0;
    this.reused = 0;
    let added: readonly SyntaxNode[];
    let removed: readonly SyntaxNode[];
    if (last && tree.changes && tree.changes.from === last.version) ({ added, removed } = tree.changes);
    else {
      const current = new Set(tree.rootNode.children);
      added = tree.rootNode.children.filter((s) => !this.placed.has(s));
      removed = [...this.placed.keys()].filter((s) => !current.has(s));
    }
    for (const s of removed) {
      this.placed.delete(s);
      this.drop(s);
    }
    for (const s of added) this.placed.set(s, { start: s.startIndex, row: rowOf(s), column: columnOf(tree.text, s.startIndex), sync: 0, shift: undefined });
    this.stale = new Set();
    this.everything = added.some((s) => namesOf(s).global) || removed.some((s) => namesOf(s).global);
    if (this.everything) {
      this.entries = new Map();
      this.spansAt = new Map();
      this.unplaced = new Set();
      return;
    }
    this.markStale(tree, added, removed);
    for (const s of this.unplaced) if (this.entries.has(s)) this.stale.add(s);
    this.unplaced = new Set();
    this.moveSpans(tree, removed);
    for (const s of this.stale) this.drop(s);
  }

  /** Forgets a statement's results, and it as a holder of their spans (it may be a statement that went). */
  private drop(statement: SyntaxNode): void {
    const byKind = this.entries.get(statement);
    if (!byKind) return;
    this.entries.delete(statement);
    for (const entry of byKind.values()) this.unlink(entry);
  }

  /** Removes a result's span records from the statements holding them. */
  private unlink(entry: Entry): void {
    if (!entry.homes) return;
    for (const held of entry.homes) {
      const list = this.spansAt.get(held.home);
      if (!list) continue;
      const i = list.indexOf(held);
      if (i < 0) continue;
      // (Order does not matter: swap with the last one.)
      list[i] = list[list.length - 1];
      list.pop();
      if (list.length === 0) this.spansAt.delete(held.home);
    }
  }

  /** How many (statement holding spans, statement whose results hold them) pairs are indexed (for tests). */
  get holderLinks(): number {
    let n = 0;
    for (const list of this.spansAt.values()) n += new Set(list.map((h) => h.holder)).size;
    return n;
  }

  /**
   * The result of `compute` for a top-level statement (it is given the statement: one function
   * serves every statement, no closure per statement), reused when still valid.
   */
  get<T>(statement: SyntaxNode, kind: string, compute: (statement: SyntaxNode) => T): T {
    let byKind = this.entries.get(statement);
    const hit = byKind?.get(kind);
    if (hit) {
      this.reused++;
      return hit.value as T;
    }
    const value = compute(statement);
    this.computed++;
    if (!byKind) this.entries.set(statement, (byKind = new Map<string, Entry>()));
    byKind.set(kind, { value, homes: this.homesOf(statement, value) });
    return value;
  }

  /** The result kept for a statement, when still valid (nothing is computed). */
  peek<T>(statement: SyntaxNode, kind: string): T | undefined {
    return this.entries.get(statement)?.get(kind)?.value as T | undefined;
  }

  /** Keeps (or replaces) a result the caller computed for a statement, like `get` does. */
  put(statement: SyntaxNode, kind: string, value: unknown): void {
    let byKind = this.entries.get(statement);
    if (!byKind) this.entries.set(statement, (byKind = new Map<string, Entry>()));
    const was = byKind.get(kind);
    if (was) this.unlink(was);
    byKind.set(kind, { value, homes: this.homesOf(statement, value) });
  }

  private markStale(tree: SyntaxTree, added: readonly SyntaxNode[], removed: readonly SyntaxNode[]): void {
    const changed = [...added, ...removed];
    const defined = new Set<string>();
    for (const s of changed) for (const d of namesOf(s).defines) defined.add(d);
    const called = calledDifferently(added, removed);
    // Closure: a statement that uses a changed name may itself mean something else now (a
    // constant computed from it, a class built on it), so its own names count as changed too.
    // The statements of the tree that mention (`m:`) or define (`d:`) a name come from an index.
    const index = StatementIndex.of(tree, NAME_KEYS);
    const affected = new Set<SyntaxNode>();
    const names = [...defined];
    const affect = (s: SyntaxNode): void => {
      if (affected.has(s)) return;
      affected.add(s);
      if (this.entries.has(s)) this.stale.add(s);
      for (const d of namesOf(s).defines) {
        if (defined.has(d)) continue;
        defined.add(d);
        names.push(d);
      }
    };
    for (const c of called) for (const s of index.statementsWith(`d:${c}`)) affect(s);
    // A statement sharing its text with one added or removed: its place among them (its key) may have changed.
    const texts = new Set<string>();
    for (const s of changed) texts.add(statementTextHash(s));
    for (const t of texts) for (const s of index.statementsWith(`t:${t}`)) affect(s);
    for (let name = names.pop(); name !== undefined; name = names.pop()) for (const s of index.statementsWith(`m:${name}`)) affect(s);
  }

  /**
   * Moves the offsets and rows of the spans of results that stay; marks stale those that cannot
   * stay (spans in a statement that went, or whose first line's columns changed). Costs the
   * statements plus the results holding spans in statements that moved: a replacement on one
   * line moves none.
   */
  private moveSpans(tree: SyntaxTree, removed: readonly SyntaxNode[]): void {
    const text = tree.text;
    const sync = this.syncs;
    // (`offsetsMoved`/`rowsMoved`: whether the home's start offset / row changed; unchanged
    // values need no writes: the spans still hold them.)
    const visit = (home: SyntaxNode, shift: number | undefined, offsetsMoved = true, rowsMoved = true): void => {
      const list = this.spansAt.get(home);
      if (!list) return;
      const start = home.startIndex;
      const row = rowOf(home);
      for (const held of list) {
        if (this.stale.has(held.holder)) continue;
        if (shift === undefined) {
          this.stale.add(held.holder);
          continue;
        }
        // IR spans are read-only to their consumers; the memo owns the ones it hands out again.
        // Offsets and rows are set from the home's start, not shifted: a span (or position)
        // held by two results, or twice by one, is set twice to the same value, so no set of
        // moved spans is needed.
        const { spans, offsets, rows } = held;
        if (offsetsMoved) {
          for (let i = 0; i < spans.length; i++) {
            const m = spans[i] as { startOffset: number; endOffset: number };
            m.startOffset = start + offsets[2 * i];
            m.endOffset = start + offsets[2 * i + 1];
          }
        }
        if (rowsMoved) {
          for (let i = 0; i < spans.length; i++) {
            const m = spans[i] as { start: { line: number }; end: { line: number } };
            m.start.line = row + rows[2 * i];
            m.end.line = row + rows[2 * i + 1];
          }
        }
      }
    };
    // With the line table of the last sync (an edit that moved no line start), a statement
    // starting at the same offset starts at the same row and column: nothing to measure.
    const lines = tree.lineTable;
    const sameLines = lines === this.lines;
    this.lines = lines;
    // (forEach: a for-of over a map makes an entry array per statement.)
    this.placed.forEach((was, home) => {
      if (was.sync === sync) return;
      const start = home.startIndex;
      if (sameLines && start === was.start) {
        was.shift = 0;
        was.sync = sync;
        return;
      }
      const row = rowOf(home);
      const column = columnOf(text, start);
      const offsetsMoved = start !== was.start;
      const rowsMoved = row !== was.row;
      was.shift = column === was.column ? start - was.start : undefined;
      was.start = start;
      was.row = row;
      was.column = column;
      was.sync = sync;
      if (offsetsMoved || rowsMoved || was.shift === undefined) visit(home, was.shift, offsetsMoved, rowsMoved);
    });
    for (const home of removed) {
      visit(home, undefined);
      this.spansAt.delete(home);
    }
  }

  /** The spans of a new result grouped by the statement holding them (undefined if one lies outside every statement). */
  private homesOf(holder: SyntaxNode, value: unknown): HeldSpans[] | undefined {
    const statements = this.syncedTree?.rootNode.children;
    if (!statements) {
      this.unplaced.add(holder);
      return undefined;
    }
    const homes = new Map<SyntaxNode, HeldSpans>();
    for (const span of spansIn(value)) {
      const i = statementAt(statements, span.startOffset);
      const home = i === undefined ? undefined : statements[i];
      if (!home || span.endOffset > home.endIndex) {
        this.unplaced.add(holder);
        return undefined;
      }
      let held = homes.get(home);
      if (!held) homes.set(home, (held = { home, holder, spans: [], offsets: [], rows: [] }));
      const start = home.startIndex;
      const row = rowOf(home);
      held.spans.push(span);
      held.offsets.push(span.startOffset - start, span.endOffset - start);
      held.rows.push(span.start.line - row, span.end.line - row);
    }
    // The spans are where their statements are now: that is where the next sync measures from.
    const records: HeldSpans[] = [];
    for (const [home, held] of homes) {
      records.push(held);
      const list = this.spansAt.get(home);
      if (list) list.push(held);
      else this.spansAt.set(home, [held]);
      const p = this.placed.get(home);
      if (p && p.sync !== this.syncs) {
        p.start = home.startIndex;
        p.row = rowOf(home);
        p.column = columnOf(this.syncedTree?.text ?? '', p.start);
        p.sync = this.syncs;
        p.shift = 0;
      }
    }
    return records;
  }
}

/** Where a statement was (see `StatementMemo.placed`). */
interface Placed {
  start: number;
  row: number;
  /** Its column (UTF-16 units): 0 unless text before it shares its first line. */
  column: number;
  /** The sync that last checked it, and the shift it found then (undefined: positions inside changed). */
  sync: number;
  shift: number | undefined;
}

interface Entry {
  readonly value: unknown;
  /** The result's spans, one record per top-level statement holding some; undefined: never reusable. */
  readonly homes: readonly HeldSpans[] | undefined;
}

/** Spans inside one top-level statement, with their offsets relative to the statement's start. */
interface HeldSpans {
  /** The statement holding the spans, and the statement whose result holds them. */
  readonly home: SyntaxNode;
  readonly holder: SyntaxNode;
  readonly spans: Span[];
  /** Start and end offset of each span, minus the statement's start offset (two per span). */
  readonly offsets: number[];
  /** Start and end row of each span, minus the statement's start row (two per span). */
  readonly rows: number[];
}

/** The row a statement starts on. */
function rowOf(statement: SyntaxNode): number {
  return statement.tree.rowAt(statement.startIndex);
}

/** The column of an offset (0 at a line start, the common case, without a search). */
function columnOf(text: string, offset: number): number {
  if (offset === 0 || text.charCodeAt(offset - 1) === 10) return 0;
  return offset - text.lastIndexOf('\n', offset - 1) - 1;
}

/** Index of the statement holding `offset` (statements are in document order). */
function statementAt(statements: readonly SyntaxNode[], offset: number): number | undefined {
  let lo = 0;
  let hi = statements.length - 1;
  if (hi < 0 || offset < statements[0].startIndex) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (statements[mid].startIndex <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Every span object reachable from a result (shared objects visited once). `skip` leaves an
 * object, and what is only reachable through it, out.
 */
export function spansIn(value: unknown, skip?: (v: object) => boolean): Span[] {
  const out: Span[] = [];
  const seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (skip?.(v)) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v instanceof Map) {
      for (const [k, x] of v) {
        visit(k);
        visit(x);
      }
      return;
    }
    if (v instanceof Set) {
      for (const x of v) visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.startOffset === 'number' && typeof o.endOffset === 'number' && typeof o.start === 'object' && typeof o.end === 'object') {
      out.push(v as Span);
      return;
    }
    for (const k in o) visit(o[k]);
  };
  visit(value);
  return out;
}

/**
 * The names whose calls differ between the statements before and after an edit: a call added or
 * removed, or one passing its arguments differently (how many positional, which keywords,
 * splats) or assigned to another name. Only these can change what a callee's definition means
 * (whether a caller overrides a parameter's default, which names hold a `get_args()` result):
 * editing a number inside a call does not.
 */
function calledDifferently(added: readonly SyntaxNode[], removed: readonly SyntaxNode[]): Set<string> {
  const shapes = (statements: readonly SyntaxNode[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const s of statements) {
      for (const [name, list] of callShapesOf(s)) {
        const all = out.get(name);
        if (all) for (const shape of list) all.push(shape);
        else out.set(name, list.slice());
      }
    }
    return out;
  };
  const before = shapes(removed);
  const after = shapes(added);
  const called = new Set<string>();
  for (const [name, list] of after) {
    const was = before.get(name);
    if (!was || was.length !== list.length || was.sort().join('\n') !== list.sort().join('\n')) called.add(name);
  }
  for (const name of before.keys()) if (!after.has(name)) called.add(name);
  return called;
}

/** What a caller's call says about the callee's parameters (see `calledDifferently`). */
function callShape(call: SyntaxNode): string {
  let positional = 0;
  const keywords: string[] = [];
  let splat = false;
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a.type === 'comment') continue;
    if (a.type === 'keyword_argument') keywords.push(a.childForFieldName('name')?.text ?? '');
    else if (a.type === 'list_splat' || a.type === 'dictionary_splat') splat = true;
    else positional++;
  }
  const parent = call.parent;
  const assignedTo = parent?.type === 'assignment' && parent.childForFieldName('right') === call ? (parent.childForFieldName('left')?.text ?? '') : '';
  return `${positional} ${keywords.sort().join(',')} ${splat ? '*' : ''} ${assignedTo}`;
}

/** The shape of each call of a statement (`callShape`), by the called name (`f(...)`, `<expr>.f(...)`). */
const CALL_SHAPES = new NodeCache<ReadonlyMap<string, readonly string[]>>();

/** Read only for the statements an edit changed (see `calledDifferently`), not for every statement. */
function callShapesOf(statement: SyntaxNode): ReadonlyMap<string, readonly string[]> {
  let shapes = CALL_SHAPES.get(statement);
  if (shapes) return shapes;
  const out = new Map<string, string[]>();
  for (const call of statement.descendantsOfType('call')) {
    const name = calleeName(call);
    if (!name) continue;
    const list = out.get(name);
    if (list) list.push(callShape(call));
    else out.set(name, [callShape(call)]);
  }
  CALL_SHAPES.set(statement, (shapes = out));
  return shapes;
}

/** `f` of `f(...)` and of `<expr>.f(...)`. */
function calleeName(call: SyntaxNode): string | undefined {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
}

/** The names a top-level statement defines at module level and mentions. */
interface StatementNames {
  readonly defines: ReadonlySet<string>;
  readonly mentions: ReadonlySet<string>;
  /** Imports, argparse definitions or `global`: changing this statement may change anything. */
  readonly global: boolean;
  /** `statementTextHash` (indexed as `t:`: statements with one text). */
  readonly textHash: string;
}

const NAMES = new NodeCache<StatementNames>();
const GLOBAL_CALLS = new Set(['get_submodules_from_kwargs', 'VersionAwareLayers', 'add_argument', 'add_argument_group', 'parse_args', 'parse_known_args', 'ArgumentParser', 'set_defaults']);
/**
 * Builtins that can bind module-level names, when called by their bare name (`model.eval()` is
 * no `eval`, and `setattr(self, ...)` sets an attribute of an instance of a class whose users
 * mention the class).
 */
const GLOBAL_BUILTINS = new Set(['setattr', 'globals', 'exec', 'eval']);

/** The statements mentioning (`m:name`) and defining (`d:name`) each name. */
const NAME_KEYS = new StatementIndexKind<StatementNames>(
  namesOf,
  function* (n) {
    for (const m of n.mentions) yield `m:${m}`;
    for (const d of n.defines) yield `d:${d}`;
    yield `t:${n.textHash}`;
  },
  (n, key) => {
    n.mentions.forEach((m) => key(`m:${m}`));
    n.defines.forEach((d) => key(`d:${d}`));
    key(`t:${n.textHash}`);
  },
);

function namesOf(statement: SyntaxNode): StatementNames {
  let n = NAMES.get(statement);
  if (n) return n;
  const mentions = new Set<string>();
  for (const id of statement.descendantsOfType('identifier')) mentions.add(id.text);
  let global = false;
  for (const call of statement.descendantsOfType('call')) {
    const name = calleeName(call);
    if (!name) continue;
    const f = call.childForFieldName('function');
    if (GLOBAL_CALLS.has(name)) global = true;
    if (f?.type === 'identifier' && GLOBAL_BUILTINS.has(name) && !(name === 'setattr' && call.childForFieldName('arguments')?.namedChildren[0]?.text === 'self')) global = true;
  }
  if (statement.descendantsOfType(['import_statement', 'import_from_statement', 'future_import_statement', 'global_statement', 'nonlocal_statement']).length > 0) global = true;
  // (A statement that is one ERROR node, as a half-typed line can turn the rest of a class or of
  // the file into, is read the same way: the IR builders see only the typed nodes inside it.)
  const defines = new Set<string>();
  moduleLevelDefinitions(statement, defines);
  n = { defines, mentions, global, textHash: statementTextHash(statement) };
  NAMES.set(statement, n);
  return n;
}

/** Names bound at module level by a statement (not inside function or class bodies). */
function moduleLevelDefinitions(node: SyntaxNode, out: Set<string>): void {
  switch (node.type) {
    case 'class_definition':
    case 'function_definition': {
      const name = node.childForFieldName('name');
      if (name) out.add(name.text);
      return;
    }
    case 'assignment':
    case 'augmented_assignment':
    case 'for_statement':
    case 'for_in_clause': {
      const left = node.childForFieldName('left');
      if (left) for (const id of left.descendantsOfType('identifier')) out.add(id.text);
      for (const c of node.children) if (c !== left) moduleLevelDefinitions(c, out);
      return;
    }
    case 'named_expression': {
      const name = node.childForFieldName('name');
      if (name) out.add(name.text);
      break;
    }
    case 'as_pattern': {
      const alias = node.childForFieldName('alias');
      if (alias) for (const id of alias.descendantsOfType('identifier')) out.add(id.text);
      break;
    }
    case 'call': {
      // `cfg.update(...)`, `layers.append(...)` change the module-level object in place.
      const f = node.childForFieldName('function');
      const method = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
      if (f && method && MUTATING_METHODS.has(method)) {
        let root: SyntaxNode | null = f;
        while (root && root.type !== 'identifier') root = root.type === 'attribute' || root.type === 'subscript' || root.type === 'call' ? root.firstNamedChild : null;
        if (root) out.add(root.text);
      }
      break;
    }
    case 'except_clause':
      // `except E as name:` binds `name` (the grammar has no field for it).
      for (const c of node.namedChildren) if (c.type === 'identifier') out.add(c.text);
      break;
    case 'lambda':
    case 'list_comprehension':
    case 'set_comprehension':
    case 'dictionary_comprehension':
    case 'generator_expression':
      return;
  }
  for (const c of node.children) moduleLevelDefinitions(c, out);
}
