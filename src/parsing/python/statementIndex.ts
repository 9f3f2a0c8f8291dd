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
  /**
   * The statements whose part has each key: the statement itself when it is the only one (most
   * keys: a set per key was most of what building the indexes of a file allocated), else a set.
   */
  private readonly byKey = new Map<string, SyntaxNode | Set<SyntaxNode>>();
  /** The statement being added or removed (read by `addKey` and `removeKey`). */
  private current: SyntaxNode | undefined;
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
    const held = this.byKey.get(key);
    if (!held) return NONE;
    let list: SyntaxNode[];
    if (held instanceof Set) {
      list = [...held];
      if (list.length > 1) list.sort((a, b) => a.startIndex - b.startIndex);
    } else list = [held];
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
    const part = this.kind.partOf(s);
    const outer = this.current;
    this.current = s;
    this.kind.eachKey(part, this.addKey);
    this.current = outer;
  }

  private readonly addKey = (k: string): void => {
    const s = this.current as SyntaxNode;
    if (this.sorted.size > 0) this.sorted.delete(k);
    const held = this.byKey.get(k);
    if (held === undefined) this.byKey.set(k, s);
    else if (held instanceof Set) held.add(s);
    else if (held !== s) this.byKey.set(k, new Set([held, s]));
  };

  private remove(s: SyntaxNode): void {
    if (!this.indexed.delete(s)) return;
    const part = this.kind.partOf(s);
    const outer = this.current;
    this.current = s;
    this.kind.eachKey(part, this.removeKey);
    this.current = outer;
  }

  private readonly removeKey = (k: string): void => {
    const s = this.current as SyntaxNode;
    if (this.sorted.size > 0) this.sorted.delete(k);
    const held = this.byKey.get(k);
    if (held === s) this.byKey.delete(k);
    else if (held instanceof Set) {
      held.delete(s);
      // (Back to the one statement left, as `addKey` would have filed it.)
      if (held.size === 1) for (const only of held) this.byKey.set(k, only);
      else if (held.size === 0) this.byKey.delete(k);
    }
  };
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
    /**
     * Calls `key` with each key of a part, as `keysOf` lists them: given by kinds whose keys are
     * read from maps or sets (no iterator or generator per statement); else `keysOf` is read.
     */
    private readonly forEachKey?: (part: P, key: (k: string) => void) => void,
  ) {}

  /** Calls `key` with each key of `part` (see `forEachKey`). */
  eachKey(part: P, key: (k: string) => void): void {
    if (this.forEachKey) {
      this.forEachKey(part, key);
      return;
    }
    const keys = this.keysOf(part);
    if (Array.isArray(keys)) for (let i = 0; i < keys.length; i++) key(keys[i] as string);
    else for (const k of keys) key(k);
  }

  partOf(statement: SyntaxNode): P {
    let part = this.parts.get(statement);
    if (part === undefined) this.parts.set(statement, (part = this.build(statement)));
    return part;
  }
}
