import { Edit, type Tree } from 'web-tree-sitter';
import type { FileIR } from '../../ir/file';
import { emptyFileIR, fileIRFromTree } from './analyse';
import { StatementMemo } from './statementMemo';
import { SyntaxTree } from './syntaxTree';
import { pythonParser } from './treeSitter';

/** One change of a document, in UTF-16 offsets of the text before the change (VS Code's `rangeOffset`/`rangeLength`/`text`). */
export interface TextChange {
  readonly startOffset: number;
  readonly oldEndOffset: number;
  readonly newText: string;
}

function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/**
 * An open Python document that keeps its syntax tree between edits: `applyChanges` edits the
 * old tree (`Tree.edit`) and re-parses incrementally, so only the edited region is re-parsed,
 * then re-copies into JavaScript only the top-level statements whose text changed (see
 * `SyntaxTree.update`); the IR is rebuilt from that copy. Create one per open editor document,
 * call `applyChanges` with the editor's content changes (in order, as VS Code reports them), and
 * `dispose` when the document closes. Never throws on bad input.
 */
export class PythonDocument {
  private tree: Tree | undefined;
  private syntax: SyntaxTree | undefined;
  private current: string;

  constructor(text: string) {
    this.current = text;
    this.reparse(undefined);
  }

  get text(): string {
    return this.current;
  }

  /** The copied syntax tree of the current text (undefined only if tree-sitter gave no tree). */
  get syntaxTree(): SyntaxTree | undefined {
    return this.syntax;
  }

  /** Applies the changes to the text and the tree (incremental re-parse) and returns the new IR. */
  applyChanges(changes: readonly TextChange[]): FileIR {
    this.edit(changes);
    return this.analyse();
  }

  /** Applies the changes to the text and the tree (incremental re-parse) without analysing. */
  edit(changes: readonly TextChange[]): void {
    let text = this.current;
    for (const c of changes) {
      const start = Math.max(0, Math.min(c.startOffset, text.length));
      const oldEnd = Math.max(start, Math.min(c.oldEndOffset, text.length));
      const next = text.slice(0, start) + c.newText + text.slice(oldEnd);
      if (this.tree) {
        const edit = new Edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: start + c.newText.length,
          startPosition: pointAt(text, start),
          oldEndPosition: pointAt(text, oldEnd),
          newEndPosition: pointAt(next, start + c.newText.length),
        });
        this.tree.edit(edit);
      }
      text = next;
    }
    this.current = text;
    this.reparse(this.tree);
  }

  /** Replaces the whole text (a full re-parse) and returns the new IR. */
  setText(text: string): FileIR {
    this.reset(text);
    return this.analyse();
  }

  /** Replaces the whole text (a full re-parse) without analysing. */
  reset(text: string): void {
    this.tree?.delete();
    this.tree = undefined;
    this.syntax = undefined;
    this.current = text;
    this.reparse(undefined);
  }

  /** The IR of the current text. */
  analyse(): FileIR {
    return this.syntax ? fileIRFromTree(this.syntax) : emptyFileIR();
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
    this.syntax = undefined;
  }

  private reparse(old: Tree | undefined): void {
    const tree = pythonParser().parser.parse(this.current, old) ?? undefined;
    old?.delete();
    this.tree = tree;
    if (!tree) {
      this.syntax = undefined;
      return;
    }
    if (this.syntax) {
      this.syntax = SyntaxTree.update(this.syntax, tree, this.current);
    } else {
      this.syntax = SyntaxTree.from(tree, this.current);
      // Results per top-level statement are reused across this document's analyses.
      this.syntax.memo = new StatementMemo();
    }
  }
}
