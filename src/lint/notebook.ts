import type { Node, Tree } from 'web-tree-sitter';
import type { AnalysisOptions } from '../parsing/python/analyse';
import type { Span } from '../ir/span';
import type { Where } from '../ir/values';
import type { NotebookCell } from '../parsing/notebook/ipynb';
import { parsePython } from '../parsing/python/treeSitter';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import type { Finding, Rule } from '../rules/types';
import type { LayerCall } from '../ir/model';
import { normLayerIn, renderLayerHover, type LayerHover } from './hover';
import { lintPython, type LintResult } from './lint';

/** A code cell's place in the program the notebook's code cells form together. */
interface ProgramCell {
  /** Index of the cell in the notebook (all cell kinds counted). */
  readonly index: number;
  /** The cell's own text (not the program's, which has IPython syntax blanked out). */
  readonly text: string;
  readonly firstLine: number;
  readonly lineCount: number;
  /** Offset of each line's start in `text`. */
  readonly lineStarts: readonly number[];
}

export interface NotebookProgram {
  /** The code cells in order, one after the other, IPython-only lines replaced by `pass`. */
  readonly text: string;
  readonly cells: readonly ProgramCell[];
}

/** Cell magics whose body is ordinary Python. */
const PYTHON_CELL_MAGICS: ReadonlySet<string> = new Set(['time', 'timeit', 'capture', 'prun', 'python', 'python3', 'debug', 'autoreload']);

/** Lines IPython rewrites before Python sees them: `%magic`, `!shell`, `x = !cmd`, `obj?`. */
function isIPythonLine(trimmed: string): boolean {
  if (trimmed.startsWith('%') || trimmed.startsWith('!')) return true;
  if (/^[A-Za-z_][\w.]*\s*=\s*[%!]/.test(trimmed) && !/^[A-Za-z_][\w.]*\s*=\s*!=/.test(trimmed)) return true;
  return /^\?*[A-Za-z_][\w.]*\?{1,2}$/.test(trimmed);
}

/** True when the line starting at (row, column) lies inside a string literal (a docstring line starting with `%`). */
function insideString(tree: Tree, row: number, column: number): boolean {
  for (let node: Node | null = tree.rootNode.descendantForPosition({ row, column }); node; node = node.parent) {
    if (node.type === 'string' || node.type === 'concatenated_string') return true;
  }
  return false;
}

/** Nodes whose brackets let an expression go on over several lines. */
const BRACKETED: ReadonlySet<string> = new Set(['argument_list', 'parenthesized_expression', 'list', 'tuple', 'dictionary', 'set', 'subscript', 'generator_expression', 'list_comprehension', 'dictionary_comprehension', 'set_comprehension', 'parameters']);

/**
 * True when the line starting at (row, column) goes on an expression opened in brackets on an
 * earlier line (`print('%d' \n    % (epoch, n))`): its `%` is Python's operator, and IPython reads
 * magics only where a statement starts.
 */
function insideBrackets(tree: Tree, row: number, column: number): boolean {
  for (let node: Node | null = tree.rootNode.descendantForPosition({ row, column }); node; node = node.parent) {
    if (BRACKETED.has(node.type) && node.startPosition.row < row) return true;
  }
  return false;
}

/** The cell's lines with IPython-only syntax replaced, so it neither breaks the parse nor hides findings. */
function pythonLines(text: string): string[] {
  const lines = text.split('\n');
  const first = (lines[0] ?? '').trim();
  if (first.startsWith('%%')) {
    const magic = first.slice(2).split(/\s/)[0] ?? '';
    // `%%bash`, `%%writefile`, `%%html`, ...: not Python at all.
    if (!PYTHON_CELL_MAGICS.has(magic)) return lines.map(() => '');
    lines[0] = '';
  }
  const candidates = lines.map((l, i) => (isIPythonLine(l.trim()) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return lines;
  const tree = parsePython(text);
  try {
    for (const i of candidates) {
      const line = lines[i] ?? '';
      const indent = line.length - line.trimStart().length;
      if (tree && (insideString(tree, i, indent) || insideBrackets(tree, i, indent))) continue;
      lines[i] = `${line.slice(0, indent)}pass`;
    }
  } finally {
    tree?.delete();
  }
  return lines;
}

/** Whether a cell holds Python the linter should read. */
export function isPythonCell(cell: NotebookCell, notebookLanguage: string | undefined): boolean {
  if (cell.kind !== 'code') return false;
  const language = cell.language ?? notebookLanguage;
  return language === undefined || language === 'python' || language === 'python3';
}

/** Joins the notebook's Python code cells into one program, remembering where each cell lies. */
export function buildNotebookProgram(cells: readonly NotebookCell[], notebookLanguage?: string): NotebookProgram {
  const parts: string[] = [];
  const programCells: ProgramCell[] = [];
  let line = 0;
  cells.forEach((cell, index) => {
    if (!isPythonCell(cell, notebookLanguage)) return;
    const text = cell.source;
    const lines = pythonLines(text);
    const lineStarts: number[] = [];
    let offset = 0;
    for (const l of text.split('\n')) {
      lineStarts.push(offset);
      offset += l.length + 1;
    }
    programCells.push({ index, text, firstLine: line, lineCount: lines.length, lineStarts });
    // A blank line between cells: a suppression comment ending one cell never covers the next cell.
    parts.push(lines.join('\n') + '\n\n');
    line += lines.length + 1;
  });
  return { text: parts.join(''), cells: programCells };
}

function cellAt(program: NotebookProgram, line: number): ProgramCell | undefined {
  let lo = 0;
  let hi = program.cells.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = program.cells[mid];
    if (!c) break;
    if (line < c.firstLine) hi = mid - 1;
    else if (line >= c.firstLine + c.lineCount) lo = mid + 1;
    else return c;
  }
  return undefined;
}

/** Maps a program span into its start's cell (an end beyond that cell is clamped to the cell's end). */
export function toCellSpan(program: NotebookProgram, span: Span): { cell: number; span: Span } | undefined {
  const c = cellAt(program, span.start.line);
  if (!c) return undefined;
  const pos = (line: number, column: number) => {
    const l = Math.min(Math.max(line - c.firstLine, 0), c.lineCount - 1);
    const start = c.lineStarts[l] ?? c.text.length;
    const lineEnd = l + 1 < c.lineStarts.length ? (c.lineStarts[l + 1] ?? c.text.length) - 1 : c.text.length;
    const col = Math.min(column, lineEnd - start);
    return { line: l, column: col, offset: start + col };
  };
  const start = pos(span.start.line, span.start.column);
  const endInside = span.end.line < c.firstLine + c.lineCount && span.end.line < c.firstLine + c.lineStarts.length;
  const end = endInside ? pos(span.end.line, span.end.column) : pos(c.firstLine + c.lineStarts.length - 1, Number.MAX_SAFE_INTEGER);
  return {
    cell: c.index,
    span: { start: { line: start.line, column: start.column }, end: { line: end.line, column: end.column }, startOffset: start.offset, endOffset: end.offset },
  };
}

/**
 * How messages cite a place of the program: `line 2 of cell 3`, the cell numbered among all the
 * notebook's cells from 1 and the line inside it, as the CLI prints notebook findings
 * (`file:cell 3:2:5`). A place outside every cell (never cited in practice) keeps its program line.
 */
export function notebookWhere(program: NotebookProgram): Where {
  return (span) => {
    const at = toCellSpan(program, { ...span, end: span.start });
    return at ? `line ${at.span.start.line + 1} of cell ${at.cell + 1}` : `line ${span.start.line + 1}`;
  };
}

/**
 * The hover for the norm layer construction at (line, column) (0-based) of the notebook's cell
 * number `cell`, among `calls`, the layer calls of the whole program's model IR: a value set in
 * another cell resolves, and places are cited as `line 2 of cell 3`. Undefined when there is
 * none there.
 */
export function notebookLayerHover(program: NotebookProgram, calls: readonly LayerCall[], cell: number, line: number, column: number): LayerHover | undefined {
  const c = program.cells.find((x) => x.index === cell);
  if (!c || line < 0 || line >= c.lineCount) return undefined;
  const call = normLayerIn(calls, c.firstLine + line, column);
  const at = call ? toCellSpan(program, call.calleeSpan) : undefined;
  if (!call || !at || at.cell !== cell) return undefined;
  return { markdown: renderLayerHover(call, notebookWhere(program)), span: at.span };
}

/** A finding with every span moved into its cell; undefined when its anchor is not in a cell. */
function mapFinding(program: NotebookProgram, f: Finding): Finding | undefined {
  const at = toCellSpan(program, f.span);
  if (!at) return undefined;
  const related = f.related.flatMap((r) => {
    const m = toCellSpan(program, r.span);
    return m ? [{ ...r, span: m.span, cell: m.cell }] : [];
  });
  let fix = f.fix;
  if (fix) {
    const edits = fix.edits.map((e) => {
      const m = toCellSpan(program, e.span);
      return m ? { ...e, span: m.span, cell: m.cell } : undefined;
    });
    fix = edits.every((e) => e !== undefined) ? { ...fix, edits } : undefined;
  }
  const { fix: programFix, ...rest } = f;
  void programFix; // replaced by its mapped edits (or dropped when an edit lies outside the cells)
  return { ...rest, cell: at.cell, span: at.span, related, ...(fix ? { fix } : {}) };
}

/**
 * Lints a notebook: its Python code cells form one program (so a layer defined in cell 2 and
 * trained in cell 5 is one story), and every finding, related location and fix edit carries the
 * index of its cell and a position inside that cell.
 */
export function lintNotebook(cells: readonly NotebookCell[], config: LintConfig = EMPTY_CONFIG, options: { language?: string; rules?: readonly Rule[]; analysis?: AnalysisOptions } = {}): LintResult {
  const program = buildNotebookProgram(cells, options.language);
  if (program.cells.length === 0) return { findings: [], failures: [] };
  return findingsInCells(program, lintPython(program.text, config, options.rules ?? RULES, options.analysis ?? {}, notebookWhere(program)));
}

/** The lint result of a notebook's program (its text linted as one file), its findings placed in their cells. */
export function findingsInCells(program: NotebookProgram, result: LintResult): LintResult {
  return { findings: result.findings.flatMap((f) => mapFinding(program, f) ?? []), failures: result.failures };
}
