import { PythonDocument, type TextChange } from '../../parsing/python/document';
import { modelFromTree } from '../../parsing/python/parsePython';
import { WorkspaceIndex } from '../../parsing/workspace/index';
import { RULES } from '../../rules/catalogue';
import { networksFromModelIR } from '../../simulation/fromIR';
import { LIMITS } from '../../simulation/options';
import { normLayerIn, renderLayerHover } from '../hover';
import { lintPython, lintSyntaxTree } from '../lint';
import { buildNotebookProgram, findingsInCells, lintNotebook, notebookLayerHover, notebookWhere, type NotebookProgram } from '../notebook';
import type { NotebookCell } from '../../parsing/notebook/ipynb';
import type { LintRequest, LintResponse } from './protocol';

interface OpenDocument {
  readonly document: PythonDocument;
  /** Path on disk (undefined for untitled documents). */
  readonly file: string | undefined;
  /** The editor version the document is at once `pending` is applied. */
  version: number;
  /** Edits received since the last lint, applied together (one incremental re-parse) when it comes. */
  pending: TextChange[];
}

/**
 * The lint server: open documents parsed incrementally, linted on request. Pure (no worker or
 * editor API): the worker entry (main.ts) feeds it messages, tests call `handle` directly.
 * `initLinter()` must have resolved before the first request.
 */
/** Open notebooks whose programs the server keeps (the least recently linted or hovered go first). */
const MAX_NOTEBOOKS = 8;

export class LintServer {
  private readonly documents = new Map<string, OpenDocument>();
  /** Open notebooks' programs (their code cells as one file), by notebook URI, least recently linted or hovered first. */
  private readonly notebooks = new Map<string, PythonDocument>();
  /** Cross-file model facts (`from models import Net`), once the editor has named its folders. */
  private workspace: WorkspaceIndex | undefined;

  /** Handles one request; answers requests that carry an id, never throws. */
  handle(request: LintRequest): LintResponse | undefined {
    switch (request.kind) {
      case 'workspace':
        this.workspace = new WorkspaceIndex(request.roots);
        for (const open of this.documents.values()) if (open.file) this.workspace.update(open.file, open.document.text, 'open');
        return undefined;
      case 'open':
        this.open(request.uri, request.version, request.text, request.file);
        return undefined;
      case 'change': {
        const open = this.documents.get(request.uri);
        // An edit the server cannot place (unknown document) is dropped: the next lint resyncs.
        if (open) {
          open.pending.push(...request.changes);
          open.version = request.version;
        }
        return undefined;
      }
      case 'close': {
        this.notebooks.get(request.uri)?.dispose();
        this.notebooks.delete(request.uri);
        const open = this.documents.get(request.uri);
        open?.document.dispose();
        this.documents.delete(request.uri);
        // The file's facts come from the disk again.
        if (open?.file) this.workspace?.invalidate(open.file);
        return undefined;
      }
      case 'lint':
        return this.guard(request.id, () => {
          const started = performance.now();
          const open = this.current(request);
          if (!open) return { kind: 'resync', id: request.id };
          const tree = open.document.syntaxTree;
          const visited = new Set<string>();
          if (open.file) this.workspace?.update(open.file, open.document.text, `${request.version}`, tree);
          const options = open.file && this.workspace ? this.workspace.analysisFor(open.file, visited) : {};
          const result = tree ? lintSyntaxTree(tree, request.config, RULES, options) : { findings: [], failures: [] };
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started, dependencies: [...visited] };
        });
      case 'hover':
        return this.guard(request.id, () => {
          const started = performance.now();
          const open = this.current(request);
          if (!open) return { kind: 'resync', id: request.id };
          const tree = open.document.syntaxTree;
          // The model IR only, reused per statement from the document's last analysis (see StatementMemo).
          const call = tree ? normLayerIn(modelFromTree(tree).layerCalls, request.line, request.column) : undefined;
          const hover = call ? { markdown: renderLayerHover(call), span: call.calleeSpan } : undefined;
          return { kind: 'hover', id: request.id, hover, elapsedMs: performance.now() - started };
        });
      case 'hoverNotebook':
        return this.guard(request.id, () => {
          const started = performance.now();
          const open = this.openNotebook(request.uri, request.cells);
          const tree = open?.document.syntaxTree;
          const hover = open && tree ? notebookLayerHover(open.program, modelFromTree(tree).layerCalls, request.cell, request.line, request.column) : undefined;
          return { kind: 'hover', id: request.id, hover, elapsedMs: performance.now() - started };
        });
      case 'networks':
        return this.guard(request.id, () => {
          const started = performance.now();
          const open = this.current(request);
          if (!open) return { kind: 'resync', id: request.id };
          const tree = open.document.syntaxTree;
          const found = tree ? networksFromModelIR(modelFromTree(tree), inputSizeOf(request.inputSize)) : { models: [], reason: 'the file could not be parsed' };
          return { kind: 'networks', id: request.id, found, elapsedMs: performance.now() - started };
        });
      case 'lintText':
        return this.guard(request.id, () => {
          const started = performance.now();
          const visited = new Set<string>();
          const options = request.file && this.workspace ? this.workspace.analysisFor(request.file, visited) : {};
          const result = lintPython(request.text, request.config, RULES, options);
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started, dependencies: [...visited] };
        });
      case 'lintNotebook':
        return this.guard(request.id, () => {
          const started = performance.now();
          const result = request.uri === undefined ? lintNotebook(request.cells, request.config) : this.lintOpenNotebook(request.uri, request.cells, request.config);
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started };
        });
    }
  }

  /** Lints an open notebook through the program kept for it (see `openNotebook`). */
  private lintOpenNotebook(uri: string, cells: readonly NotebookCell[], config: Parameters<typeof lintNotebook>[1]): ReturnType<typeof lintNotebook> {
    const open = this.openNotebook(uri, cells);
    const tree = open?.document.syntaxTree;
    return open && tree ? findingsInCells(open.program, lintSyntaxTree(tree, config, RULES, {}, notebookWhere(open.program))) : { findings: [], failures: [] };
  }

  /**
   * The program of an open notebook's code cells, and the document kept for it brought to that
   * program: the new text is applied as one edit (the span between the common prefix and suffix
   * of the old and new texts), so the re-parse and the IR are incremental like an open file's.
   * Undefined when the notebook has no code cell.
   */
  private openNotebook(uri: string, cells: readonly NotebookCell[]): { program: NotebookProgram; document: PythonDocument } | undefined {
    const program = buildNotebookProgram(cells);
    if (program.cells.length === 0) return undefined;
    let document = this.notebooks.get(uri);
    this.notebooks.delete(uri);
    if (document) {
      const old = document.text;
      const next = program.text;
      let start = 0;
      while (start < old.length && start < next.length && old.charCodeAt(start) === next.charCodeAt(start)) start++;
      let end = 0;
      while (end < old.length - start && end < next.length - start && old.charCodeAt(old.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
      if (start < old.length || start < next.length) document.edit([{ startOffset: start, oldEndOffset: old.length - end, newText: next.slice(start, next.length - end) }]);
    } else {
      document = new PythonDocument(program.text);
    }
    this.notebooks.set(uri, document);
    for (const [stale, doc] of this.notebooks) {
      if (this.notebooks.size <= MAX_NOTEBOOKS) break;
      doc.dispose();
      this.notebooks.delete(stale);
    }
    return { program, document };
  }

  /** Number of open notebooks kept (for tests and logs). */
  get notebookCount(): number {
    return this.notebooks.size;
  }

  /** Number of open documents (for tests and logs). */
  get size(): number {
    return this.documents.size;
  }

  /**
   * The document a lint, hover or networks request is about, brought to its version (pending edits applied,
   * or the text the request carries); undefined when the server's copy cannot be placed (the
   * editor then sends the whole text).
   */
  private current(request: { readonly uri: string; readonly version: number; readonly length: number; readonly text?: string }): OpenDocument | undefined {
    if (request.text !== undefined) this.open(request.uri, request.version, request.text, this.documents.get(request.uri)?.file);
    const open = this.documents.get(request.uri);
    if (!open || open.version !== request.version) return undefined;
    if (open.pending.length > 0) {
      open.document.edit(open.pending);
      open.pending = [];
    }
    if (open.document.text.length !== request.length) {
      // The copy drifted from the editor's text (an edit lost or misapplied): start again from the text.
      this.documents.delete(request.uri);
      open.document.dispose();
      return undefined;
    }
    return open;
  }

  private open(uri: string, version: number, text: string, file: string | undefined): void {
    const existing = this.documents.get(uri);
    if (existing && existing.file === file) {
      existing.document.reset(text);
      existing.version = version;
      existing.pending = [];
      return;
    }
    existing?.document.dispose();
    this.documents.set(uri, { document: new PythonDocument(text), file, version, pending: [] });
  }

  private guard(id: number, run: () => LintResponse): LintResponse {
    try {
      return run();
    } catch (error) {
      return { kind: 'error', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  }
}

/** An input size the simulator may be asked for (see `LIMITS.inputSize`); anything else is the default. */
function inputSizeOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= LIMITS.inputSize.min && v <= LIMITS.inputSize.max ? v : undefined;
}
