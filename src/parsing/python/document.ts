import { Edit, type Tree } from 'web-tree-sitter';
import type { FileIR } from '../../ir/file';
import { emptyFileIR, fileIRFromTree } from './analyse';
import { StatementMemo } from './statementMemo';
import { SyntaxTree, type ChangedRange, type Point } from './syntaxTree';
import { parsePython } from './treeSitter';

/** One change of a document, in UTF-16 offsets of the text before the change (VS Code's `rangeOffset`/`rangeLength`/`text`). */
export interface TextChange {
  readonly startOffset: number;
  readonly oldEndOffset: number;
  readonly newText: string;
}

/** Row and column of an offset, counted from the start of the text. */
function pointAt(text: string, offset: number): Point {
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
    // What changed, from the text before the first change to the text after the last one.
    let range: ChangedRange | undefined;
    for (const c of changes) {
      const start = Math.max(0, Math.min(c.startOffset, text.length));
      const oldEnd = Math.max(start, Math.min(c.oldEndOffset, text.length));
      const next = text.slice(0, start) + c.newText + text.slice(oldEnd);
      if (this.tree) {
        // Positions in the text before this change: the copy's line table knows the document's
        // text as it was before the first change; later changes of a batch count lines.
        const lines = this.syntax?.text === text ? this.syntax : undefined;
        const startPosition = lines ? lines.pointAt(start) : pointAt(text, start);
        const edit = new Edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: start + c.newText.length,
          startPosition,
          oldEndPosition: lines ? lines.pointAt(oldEnd) : pointAt(text, oldEnd),
          newEndPosition: advance(startPosition, c.newText),
        });
        this.tree.edit(edit);
      }
      range = compose(range, start, oldEnd, c.newText.length);
      text = next;
    }
    this.current = text;
    this.reparse(this.tree, range);
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

  private reparse(old: Tree | undefined, changed?: ChangedRange): void {
    const tree = parsePython(this.current, old);
    this.tree = tree;
    try {
      if (!tree) {
        this.syntax = undefined;
      } else if (this.syntax) {
        // (The edited old tree: `update` asks it for the changed ranges when it cannot read the heap.)
        this.syntax = SyntaxTree.update(this.syntax, tree, this.current, changed, old);
      } else {
        this.syntax = SyntaxTree.from(tree, this.current);
        // Results per top-level statement are reused across this document's analyses.
        this.syntax.memo = new StatementMemo();
      }
    } finally {
      old?.delete();
    }
  }
}

/** The position after `inserted` when it is inserted at `start`. */
function advance(start: Point, inserted: string): Point {
  const last = inserted.lastIndexOf('\n');
  if (last < 0) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - last - 1 };
}

/**
 * One changed range for a batch of changes: `range` spans the changes so far (old text before
 * the first change to the current text), then `[start, oldEnd)` of the current text is replaced
 * by `length` characters.
 */
function compose(range: ChangedRange | undefined, start: number, oldEnd: number, length: number): ChangedRange {
  if (!range) return { start, oldEnd, newEnd: start + length };
  // The current text from `end` on is the old text from `range.oldEnd + (end - range.newEnd)` on.
  const end = Math.max(range.newEnd, oldEnd);
  return { start: Math.min(range.start, start), oldEnd: range.oldEnd + (end - range.newEnd), newEnd: end + length - (oldEnd - start) };
}
