import * as vscode from 'vscode';
import { lintDelay } from '../lint/debounce';
import { lintPython } from '../lint/lint';
import { lintNotebook } from '../lint/notebook';
import type { NotebookCell } from '../parsing/notebook/ipynb';
import type { Finding } from '../rules/types';
import { toDiagnostic } from './convert';
import type { LintConfigService } from './lintConfig';
import { logger } from './logger';
import { readSettings } from './settings';

/** A published finding and the document version it was computed for (fixes apply only to that). */
export interface PublishedFinding {
  readonly finding: Finding;
  readonly diagnostic: vscode.Diagnostic;
  readonly version: number | undefined;
  /** In a notebook: the URI of each cell by index (fix edits and related locations name their cell). */
  readonly cellUris?: readonly vscode.Uri[];
}

const CELL_SCHEME = 'vscode-notebook-cell';

function isLintable(document: vscode.TextDocument): boolean {
  return document.languageId === 'python' && (document.uri.scheme === 'file' || document.uri.scheme === 'untitled');
}

/** The notebook a cell document belongs to. */
function notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (document.uri.scheme !== CELL_SCHEME) return undefined;
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document));
}

function cellsOf(notebook: vscode.NotebookDocument): NotebookCell[] {
  return notebook.getCells().map((c) => ({
    kind: c.kind === vscode.NotebookCellKind.Code ? 'code' : 'markdown',
    source: c.document.getText(),
    language: c.document.languageId,
  }));
}

/**
 * Keeps the Problems panel in step with open Python documents and notebooks: lints on open, on
 * edit (debounced) and when the settings or a pyproject.toml change; clears on close. A
 * notebook's code cells are linted together and each cell gets its own diagnostics.
 */
export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('normscope');
  private readonly published = new Map<string, PublishedFinding[]>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** How long the last lint of each document (or notebook) took, for the adaptive debounce. */
  private readonly lintCostMs = new Map<string, number>();
  /** Cell URIs NormScope published for, per notebook URI (to clear cells removed or closed). */
  private readonly notebookCells = new Map<string, vscode.Uri[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.py', true, true, false);

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly configs: LintConfigService,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.lintNow(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme !== CELL_SCHEME) this.clear(d.uri);
      }),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.lintNotebookNow(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.contentChanges.length > 0 || e.cellChanges.some((c) => c.document !== undefined)) this.scheduleNotebook(e.notebook);
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.clearNotebook(nb.uri)),
      // Findings of files that are gone (deleted or renamed, in the editor or on disk) must not linger.
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => this.forget(uri))),
      vscode.workspace.onDidRenameFiles((e) => e.files.forEach((f) => this.forget(f.oldUri))),
      this.watcher,
      this.watcher.onDidDelete((uri) => this.forget(uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('normscope')) this.lintOpenDocuments();
      }),
      configs.onDidChange(() => this.lintOpenDocuments()),
    );
    this.lintOpenDocuments();
  }

  lintOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) this.lintNow(document);
    for (const notebook of vscode.workspace.notebookDocuments) this.lintNotebookNow(notebook);
  }

  /** Findings published for a document (for code actions). */
  findingsFor(uri: vscode.Uri): readonly PublishedFinding[] {
    return this.published.get(uri.toString()) ?? [];
  }

  private debounce(key: string, scope: vscode.Uri, run: () => void): void {
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        run();
      }, lintDelay(readSettings(scope).lintDelayMs, this.lintCostMs.get(key))),
    );
  }

  private schedule(document: vscode.TextDocument): void {
    const notebook = notebookOf(document);
    if (notebook) {
      this.scheduleNotebook(notebook);
      return;
    }
    if (!isLintable(document)) return;
    this.debounce(document.uri.toString(), document.uri, () => {
      if (!document.isClosed) this.lintNow(document);
    });
  }

  private scheduleNotebook(notebook: vscode.NotebookDocument): void {
    this.debounce(notebook.uri.toString(), notebook.uri, () => {
      if (!notebook.isClosed) this.lintNotebookNow(notebook);
    });
  }

  lintNow(document: vscode.TextDocument): void {
    const notebook = notebookOf(document);
    if (notebook) {
      this.lintNotebookNow(notebook);
      return;
    }
    if (!isLintable(document)) return;
    const settings = readSettings(document.uri);
    if (!settings.enable) {
      this.clear(document.uri);
      return;
    }
    const text = document.getText();
    if (text.length > settings.maxFileBytes) {
      logger().info(`Skipped ${document.uri.fsPath}: larger than normscope.maxFileSizeKB`);
      this.clear(document.uri);
      return;
    }
    this.publish(document.uri, text, document.version);
  }

  /** Lints `text` as the content of `uri` and publishes the result (replacing earlier findings). */
  publish(uri: vscode.Uri, text: string, version: number | undefined): void {
    try {
      const started = performance.now();
      const result = lintPython(text, this.configs.configFor(uri));
      for (const failure of result.failures) logger().error(`Rule ${failure.rule} failed on ${uri.fsPath}: ${failure.message}`);
      const entries = result.findings.map((finding) => ({
        finding,
        diagnostic: toDiagnostic(finding, uri, this.extensionUri),
        version,
      }));
      this.published.set(uri.toString(), entries);
      this.collection.set(uri, entries.map((e) => e.diagnostic));
      const elapsed = performance.now() - started;
      this.lintCostMs.set(uri.toString(), elapsed);
      logger().trace(`Linted ${uri.fsPath} in ${elapsed.toFixed(1)} ms: ${entries.length} findings`);
    } catch (error) {
      // Never leave stale findings behind, never take the extension host down.
      this.clear(uri);
      logger().error(`Could not lint ${uri.fsPath}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  }

  /** Lints a notebook's code cells as one program and publishes each cell's findings on that cell. */
  lintNotebookNow(notebook: vscode.NotebookDocument): void {
    const cells = notebook.getCells();
    const settings = readSettings(notebook.uri);
    if (!settings.enable || !cells.some((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')) {
      this.clearNotebook(notebook.uri);
      return;
    }
    try {
      const started = performance.now();
      const source = cellsOf(notebook);
      if (source.reduce((n, c) => n + c.source.length, 0) > settings.maxFileBytes) {
        logger().info(`Skipped ${notebook.uri.fsPath}: larger than normscope.maxFileSizeKB`);
        this.clearNotebook(notebook.uri);
        return;
      }
      const result = lintNotebook(source, this.configs.configFor(notebook.uri));
      for (const failure of result.failures) logger().error(`Rule ${failure.rule} failed on ${notebook.uri.fsPath}: ${failure.message}`);
      const cellUris = cells.map((c) => c.document.uri);
      const perCell = new Map<number, PublishedFinding[]>();
      for (const finding of result.findings) {
        const index = finding.cell ?? 0;
        const cell = cells[index];
        if (!cell) continue;
        const list = perCell.get(index) ?? [];
        list.push({ finding, diagnostic: toDiagnostic(finding, cell.document.uri, this.extensionUri, cellUris), version: cell.document.version, cellUris });
        perCell.set(index, list);
      }
      for (const stale of this.notebookCells.get(notebook.uri.toString()) ?? []) {
        if (!cellUris.some((u) => u.toString() === stale.toString())) this.clear(stale);
      }
      cells.forEach((cell, index) => {
        const entries = perCell.get(index) ?? [];
        this.published.set(cell.document.uri.toString(), entries);
        this.collection.set(cell.document.uri, entries.map((e) => e.diagnostic));
      });
      this.notebookCells.set(notebook.uri.toString(), cellUris);
      const elapsed = performance.now() - started;
      this.lintCostMs.set(notebook.uri.toString(), elapsed);
      logger().trace(`Linted notebook ${notebook.uri.fsPath} in ${elapsed.toFixed(1)} ms: ${result.findings.length} findings`);
    } catch (error) {
      this.clearNotebook(notebook.uri);
      logger().error(`Could not lint ${notebook.uri.fsPath}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  }

  clearNotebook(uri: vscode.Uri): void {
    const key = uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
    this.lintCostMs.delete(key);
    for (const cell of this.notebookCells.get(key) ?? []) this.clear(cell);
    this.notebookCells.delete(key);
  }

  /** Clears the findings of a deleted file, or of every file under a deleted folder, unless a document still shows it. */
  private forget(uri: vscode.Uri): void {
    const open = new Set(vscode.workspace.textDocuments.filter((d) => !d.isClosed).map((d) => d.uri.toString()));
    const key = uri.toString();
    const prefix = key.endsWith('/') ? key : `${key}/`;
    for (const published of [...this.published.keys()]) {
      if ((published === key || published.startsWith(prefix)) && !open.has(published)) this.clear(vscode.Uri.parse(published));
    }
  }

  clear(uri: vscode.Uri): void {
    const key = uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
    this.lintCostMs.delete(key);
    this.published.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}
