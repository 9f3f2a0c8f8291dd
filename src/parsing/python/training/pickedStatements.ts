/**
 * Which top-level statements each whole-file pass of the training IR finds something in (see
 * `TrainingBuilder.pick`), so that a pass visits those statements only, not every statement of
 * the file.
 *
 * What a pass picks in a statement depends only on the statement's syntax and the file's import
 * table, and a statement that an edit carries over keeps its node (`SyntaxTree.update`). So in
 * an open document (a tree with a `StatementMemo`) the lists are kept from one analysis to the
 * next and patched from the statements the edit added and removed (`SyntaxTree.changes`): the
 * removed ones are dropped, the added ones the pass finds something in are merged in by
 * position. A list is used again only for the tree made from the one it was made for (its
 * `version`), under the same import table; anything else (a first analysis, a tree made anew,
 * an analysis that skipped the pass, other imports) lists the statements anew.
 */
import type { StatementMemo } from '../statementMemo';
import type { SyntaxNode, SyntaxTree } from '../syntaxTree';

/** A pass's statements, as listed for the tree of that version. */
interface PassStatements {
  readonly version: number;
  readonly statements: readonly SyntaxNode[];
}

/** What an open document keeps: the lists by pass name, valid under one import table. */
interface Kept {
  readonly imports: object;
  readonly byPass: Map<string, PassStatements>;
}

const KEPT = new WeakMap<StatementMemo, Kept>();

export class PickedStatements {
  private readonly byPass: Map<string, PassStatements>;
  /** The statements the edit removed (made when a list is first patched). */
  private removed: ReadonlySet<SyntaxNode> | undefined;

  /** `imports`: an object standing for the file's import table (the same object for the same table). */
  constructor(
    private readonly tree: SyntaxTree,
    imports: object,
  ) {
    const memo = tree.memo;
    let kept = memo ? KEPT.get(memo) : undefined;
    if (!kept || kept.imports !== imports) {
      kept = { imports, byPass: new Map() };
      if (memo) KEPT.set(memo, kept);
    }
    this.byPass = kept.byPass;
  }

  /**
   * The top-level statements for which `has` holds, in document order. `has` must depend only on
   * the statement's syntax and the import table, and be the same test each time `pass` is asked.
   * `among`, when given, lists (in document order) statements that include every one `has` holds
   * for: a list made anew is made from those, not from every statement of the file.
   */
  statements(pass: string, has: (statement: SyntaxNode) => boolean, among?: () => readonly SyntaxNode[]): readonly SyntaxNode[] {
    const tree = this.tree;
    const last = this.byPass.get(pass);
    if (last?.version === tree.version) return last.statements;
    const changes = tree.changes;
    let statements: readonly SyntaxNode[];
    if (last && changes && last.version === changes.from) {
      const added = changes.added.filter(has);
      // A removed statement was in the list if and only if `has` holds for it (the same test, on the
      // same syntax): asking it of the few removed costs less than looking for them in the list.
      if (added.length === 0 && !changes.removed.some(has)) statements = last.statements;
      else statements = merged(last.statements, (this.removed ??= new Set(changes.removed)), added);
    } else {
      statements = (among ? among() : tree.rootNode.children).filter(has);
    }
    this.byPass.set(pass, { version: tree.version, statements });
    return statements;
  }
}

/** `statements` without `removed`, with `added` (in document order) merged in by position. */
function merged(statements: readonly SyntaxNode[], removed: ReadonlySet<SyntaxNode>, added: readonly SyntaxNode[]): readonly SyntaxNode[] {
  if (removed.size === 1 && added.length === 1) {
    // One statement edited in place (the usual keystroke): the new one takes the old one's place
    // when it lies between the old one's neighbours.
    const [old] = removed;
    const i = statements.indexOf(old);
    const start = added[0].startIndex;
    if (i >= 0 && (i === 0 || statements[i - 1].startIndex < start) && (i + 1 === statements.length || start < statements[i + 1].startIndex)) {
      const out = statements.slice();
      out[i] = added[0];
      return out;
    }
  }
  if (added.length === 0 && !statements.some((s) => removed.has(s))) return statements;
  const out: SyntaxNode[] = [];
  let j = 0;
  for (const s of statements) {
    if (removed.has(s)) continue;
    while (j < added.length && added[j].startIndex < s.startIndex) out.push(added[j++]);
    out.push(s);
  }
  while (j < added.length) out.push(added[j++]);
  return out;
}
