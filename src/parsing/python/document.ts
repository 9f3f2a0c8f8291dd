import { Edit, type Tree } from 'web-tree-sitter';
import type { FileIR } from '../../ir/file';
import { emptyFileIR, fileIRFromTree } from './analyse';
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
 * old tree (`Tree.edit`) and re-parses incrementally, so only the edited region is re-parsed;
 * the IR is then rebuilt from the new tree. Create one per open editor document, call
 * `applyChanges` with the editor's content changes (in order, as VS Code reports them), and
 * `dispose` when the document closes. Never throws on bad input.
 *
 * Not done yet: per-top-level-statement caching of the IR itself; the IR is rebuilt from the
 * whole (incrementally parsed) tree on every update.
 */
export class PythonDocument {
  private tree: Tree | undefined;
  private current: string;

  constructor(text: string) {
    this.current = text;
    this.tree = pythonParser().parser.parse(text) ?? undefined;
  }

  get text(): string {
    return this.current;
  }

  /** Applies the changes to the text and the tree (incremental re-parse) and returns the new IR. */
  applyChanges(changes: readonly TextChange[]): FileIR {
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
    const old = this.tree;
    this.tree = pythonParser().parser.parse(text, old) ?? undefined;
    old?.delete();
    return this.analyse();
  }

  /** Replaces the whole text (a full re-parse). */
  setText(text: string): FileIR {
    this.tree?.delete();
    this.current = text;
    this.tree = pythonParser().parser.parse(text) ?? undefined;
    return this.analyse();
  }

  /** The IR of the current text. */
  analyse(): FileIR {
    return this.tree ? fileIRFromTree(this.tree, pythonParser()) : emptyFileIR();
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
}
