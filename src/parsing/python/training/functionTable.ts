/**
 * The file's functions by name (`f`, or `Cls.f` for a method) and methods by class, each list in
 * document order: what the training IR resolves calls and `self.` attributes with.
 *
 * In an open document (a tree with a `StatementMemo`) the table is kept from one analysis to the
 * next and patched rather than made again: the functions of the statements the edit removed
 * (`SyntaxTree.changes`) leave it, and a statement whose functions are not the objects the table
 * holds for it (an added statement, or one whose kept flow the memo dropped: see
 * `FlowKeeper.functions`) has its old ones replaced by its new ones, placed by position. A
 * table is used again only for the tree made from the one it was last brought to (its
 * `version`), with the same module function (the `Fn`s of other imports are all new anyway);
 * otherwise a new one is filled.
 */
import type { StatementMemo } from '../statementMemo';
import type { SyntaxNode, SyntaxTree } from '../syntaxTree';
import type { Fn } from './flow';

const KEPT = new WeakMap<StatementMemo, FunctionTable>();

export class FunctionTable {
  /** Functions by name (`f`) and methods by class and name (`Cls.f`), in document order. */
  readonly byName = new Map<string, Fn[]>();
  /** Methods by class name, in document order. */
  readonly methods = new Map<string, Fn[]>();
  /** Each top-level statement's functions, as placed (see `place`). */
  private readonly byStatement = new Map<SyntaxNode, readonly Fn[]>();
  /** The tree the table was last brought to. */
  private version = 0;
  /** Whether every statement was placed for `version` (`done` was called): only then is the table patched. */
  private complete = false;
  /**
   * Whether the table is the one of the document's last analysis, patched: it holds the functions
   * that analysis placed for each statement that stays, so a statement whose functions are those
   * same objects need not be placed again.
   */
  patched = false;

  private constructor(private readonly moduleFn: Fn) {}

  /**
   * The table to bring to `tree`: the one kept for its document when it can be patched (the
   * functions of the statements the edit removed are out already), else an empty one. Call
   * `place` for every top-level statement with functions, in document order.
   */
  static for(tree: SyntaxTree, moduleFn: Fn): FunctionTable {
    const memo = tree.memo;
    const kept = memo ? KEPT.get(memo) : undefined;
    const changes = tree.changes;
    if (kept && kept.complete && kept.moduleFn === moduleFn && (kept.version === tree.version || (changes && kept.version === changes.from))) {
      if (kept.version !== tree.version && changes) for (const statement of changes.removed) kept.place(statement, []);
      kept.version = tree.version;
      kept.complete = false;
      kept.patched = true;
      return kept;
    }
    const table = new FunctionTable(moduleFn);
    table.version = tree.version;
    if (memo) KEPT.set(memo, table);
    return table;
  }

  /** Notes that every statement with functions was placed (see `complete`). */
  done(): void {
    this.complete = true;
  }

  /** Records a statement's functions (in document order), replacing those it had if they are other objects. */
  place(statement: SyntaxNode, fns: readonly Fn[]): void {
    const old = this.byStatement.get(statement);
    if (old === fns) return;
    for (const fn of old ?? []) {
      remove(this.byName, fn.key, fn);
      if (fn.cls !== undefined) remove(this.methods, fn.cls, fn);
    }
    if (fns.length === 0) this.byStatement.delete(statement);
    else this.byStatement.set(statement, fns);
    for (const fn of fns) {
      insert(this.byName, fn.key, fn);
      if (fn.cls !== undefined) insert(this.methods, fn.cls, fn);
    }
  }
}

/** Adds `fn` to the list of `key`, by its definition's position. */
function insert(lists: Map<string, Fn[]>, key: string, fn: Fn): void {
  const list = lists.get(key);
  if (!list) {
    lists.set(key, [fn]);
    return;
  }
  // (Usually it goes last: a new table is filled in document order.)
  const start = fn.node.startIndex;
  let i = list.length;
  while (i > 0 && list[i - 1].node.startIndex > start) i--;
  list.splice(i, 0, fn);
}

function remove(lists: Map<string, Fn[]>, key: string, fn: Fn): void {
  const list = lists.get(key);
  const i = list ? list.indexOf(fn) : -1;
  if (!list || i < 0) return;
  if (list.length === 1) lists.delete(key);
  else list.splice(i, 1);
}
