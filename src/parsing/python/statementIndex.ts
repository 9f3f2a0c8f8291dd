import { NodeCache, type SyntaxNode, type SyntaxTree } from './syntaxTree';

const NONE: readonly SyntaxNode[] = Object.freeze([]);

/**
 * A whole-file index made of per-top-level-statement parts, kept up to date across the trees of
 * one document by the statements that changed, so that a query after an edit costs what the edit
 * and the answer cost, not what the file costs.
 *
 * `SyntaxTree.update` re-uses the copy of every top-level statement whose text did not change, so
 * a statement node that survives an edit is the same object with the same subtree. A part is a
 * pure function of its statement's subtree (never of another statement, of positions or of the
 * tree): it is computed once per statement node and kept in a `WeakMap`. The index maps each key
 * of the parts to the statements whose part has it; moving it to a new tree removes the
 * statements that are gone and adds the new ones: those `SyntaxTree.update` reports when the tree
 * was made from the one the index describes, else the difference of the two statement lists.
 * Any tree may be asked, but a tree asked after a newer tree of the same document has been made
 * from it is no longer valid (see `SyntaxTree.update`).
 */
export class StatementIndex<P> {
  private indexed = new Set<SyntaxNode>();
  private readonly byKey = new Map<string, Set<SyntaxNode>>();
  /**
   * `statementsWith`'s answers by key, kept until a statement whose part has the key is added or
   * removed (statements keep their order otherwise: an edit that moves one removes and adds it).
   * (A small map apart from `byKey`: the statements an edit adds and removes touch only their own sets.)
   */
  private readonly sorted = new Map<string, readonly SyntaxNode[]>();
  /** The `version` of the tree the index describes. */
  private synced = 0;

  private constructor(private readonly kind: StatementIndexKind<P>) {}

  /** The index of `kind` over `tree` (one per document lineage: see `SyntaxTree.indexes`). */
  static of<P>(tree: SyntaxTree, kind: StatementIndexKind<P>): StatementIndex<P> {
    let index = tree.indexes.get(kind) as StatementIndex<P> | undefined;
    if (!index) tree.indexes.set(kind, (index = new StatementIndex(kind)));
    index.sync(tree);
    return index;
  }

  /** The statements (of the tree last given to `of`) whose part has `key`, in document order (a shared array: do not modify it). */
  statementsWith(key: string): readonly SyntaxNode[] {
    let out = this.sorted.get(key);
    if (out) return out;
    const set = this.byKey.get(key);
    if (!set) return NONE;
    const list = [...set];
    if (list.length > 1) list.sort((a, b) => a.startIndex - b.startIndex);
    this.sorted.set(key, (out = list));
    return out;
  }

  /** Whether some statement's part has `key`. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The part of a top-level statement. */
  partOf(statement: SyntaxNode): P {
    return this.kind.partOf(statement);
  }

  private sync(tree: SyntaxTree): void {
    if (this.synced === tree.version) return;
    const changes = tree.changes;
    if (changes && changes.from === this.synced) {
      for (const s of changes.removed) this.remove(s);
      for (const s of changes.added) this.add(s);
    } else {
      const now = new Set(tree.rootNode.children);
      for (const s of this.indexed) if (!now.has(s)) this.remove(s);
      for (const s of now) if (!this.indexed.has(s)) this.add(s);
    }
    this.synced = tree.version;
  }

  private add(s: SyntaxNode): void {
    this.indexed.add(s);
    const sorted = this.sorted.size > 0 ? this.sorted : undefined;
    for (const k of this.kind.keysOf(this.kind.partOf(s))) {
      sorted?.delete(k);
      const set = this.byKey.get(k);
      if (set) set.add(s);
      else this.byKey.set(k, new Set([s]));
    }
  }

  private remove(s: SyntaxNode): void {
    if (!this.indexed.delete(s)) return;
    const sorted = this.sorted.size > 0 ? this.sorted : undefined;
    for (const k of this.kind.keysOf(this.kind.partOf(s))) {
      sorted?.delete(k);
      const set = this.byKey.get(k);
      if (!set) continue;
      set.delete(s);
      if (set.size === 0) this.byKey.delete(k);
    }
  }
}

/**
 * What an index holds: the part of a statement (a pure function of its subtree, cached per
 * statement node) and the keys the index files it under.
 */
export class StatementIndexKind<P> {
  private readonly parts = new NodeCache<P>();

  constructor(
    private readonly build: (statement: SyntaxNode) => P,
    readonly keysOf: (part: P) => Iterable<string>,
  ) {}

  partOf(statement: SyntaxNode): P {
    let part = this.parts.get(statement);
    if (part === undefined) this.parts.set(statement, (part = this.build(statement)));
    return part;
  }
}
