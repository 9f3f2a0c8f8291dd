import * as vscode from 'vscode';
import { lintDelay } from '../lint/debounce';
import type { LintResult } from '../lint/lint';
import type { LayerHover } from '../lint/hover';
import type { NetworksFound } from '../simulation/fromIR';
import { codeLength, type NotebookCell } from '../parsing/notebook/ipynb';
import type { CellLocator } from '../parsing/notebook/ipynbPositions';
import type { Finding } from '../rules/types';
import { toDiagnostic } from './convert';
import { LintClient } from './lintClient';
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

/** A path as compared for file identity (case-insensitive file systems: Windows, macOS by default). */
function samePath(file: string): string {
  return process.platform === 'win32' || process.platform === 'darwin' ? file.toLowerCase() : file;
}

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
 *
 * The linting itself runs in a worker thread (see LintClient): edits are forwarded to it as they
 * happen, so it re-parses incrementally, and the extension host's thread never waits for a lint.
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
  private readonly watcher = vscode.workspace.createFileSystemWatcher('**/*.py', true, false, false);
  private readonly client: LintClient;
  /** Documents whose text the lint server has (the others are sent whole at their next lint). */
  private readonly serverHas = new Set<string>();
  /** Per open document, the other files (paths) whose model facts its last lint used. */
  private readonly dependencies = new Map<string, ReadonlySet<string>>();
  /** Per file, the document version whose dependents were last re-linted (so import cycles do not loop). */
  private readonly dependentsLintedAt = new Map<string, number>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly configs: LintConfigService,
  ) {
    this.client = new LintClient(vscode.Uri.joinPath(extensionUri, 'dist').fsPath);
    const sendFolders = () => this.client.setWorkspace((vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath));
    sendFolders();
    this.subscriptions.push(
      vscode.workspace.onDidChangeWorkspaceFolders(sendFolders),
      // A model file changed on disk (not through an open editor): re-lint the open files that use it.
      this.watcher.onDidChange((uri) => {
        if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) this.lintDependents(uri, undefined);
      }),
      vscode.workspace.onDidOpenTextDocument((d) => void this.lintNow(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        this.forwardChanges(e);
        this.schedule(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.scheme !== CELL_SCHEME) this.clear(d.uri);
        this.closeOnServer(d.uri);
        // Its facts now come from the disk again: the files using it see the saved version.
        this.lintDependents(d.uri, undefined);
      }),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.lintNotebookNow(nb)),
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        if (e.contentChanges.length > 0 || e.cellChanges.some((c) => c.document !== undefined)) this.scheduleNotebook(e.notebook);
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        this.clearNotebook(nb.uri);
        // The server keeps an open notebook's program between lints.
        this.client.close(nb.uri.toString());
      }),
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
    for (const document of vscode.workspace.textDocuments) void this.lintNow(document);
    for (const notebook of vscode.workspace.notebookDocuments) void this.lintNotebookNow(notebook);
  }

  /** Sends an edit to the lint server's copy of the document (it re-parses incrementally at the next lint). */
  private forwardChanges(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    if (!this.serverHas.has(key) || e.contentChanges.length === 0) return;
    this.client.change(
      key,
      e.document.version,
      e.contentChanges.map((c) => ({ startOffset: c.rangeOffset, oldEndOffset: c.rangeOffset + c.rangeLength, newText: c.text })),
    );
  }

  private closeOnServer(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.serverHas.delete(key)) this.client.close(key);
  }

  /**
   * The hover on the norm layer construction at `position`, from the lint server's incrementally
   * analysed copy of the document (so a hover never analyses a large file on the extension
   * host's thread). In a notebook cell, from the program of the notebook's code cells, which the
   * server keeps as it does for the notebook's lints: a value set in another cell resolves.
   */
  async layerHoverAt(document: vscode.TextDocument, position: vscode.Position): Promise<LayerHover | undefined> {
    const notebook = document.uri.scheme === 'vscode-notebook-cell' ? vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document)) : undefined;
    if (notebook) {
      const settings = readSettings(notebook.uri);
      const cells = cellsOf(notebook);
      if (!settings.enable || codeLength(cells) > settings.maxFileBytes) return undefined;
      const cell = notebook.getCells().findIndex((c) => c.document === document);
      return this.client.hoverNotebook(notebook.uri.toString(), cells, cell, position.line, position.character);
    }
    if (this.leftAlone(document)) return undefined;
    const key = this.onServer(document);
    return this.client.hover(key, document.version, document.getText().length, () => document.getText(), position.line, position.character);
  }

  /**
   * The simulator's view of the document's models, from the lint server's copy (off the extension
   * host's thread); `inputSize`: the input size asked for where the code does not say it.
   */
  async networksOf(document: vscode.TextDocument, inputSize?: number): Promise<NetworksFound> {
    const reason = this.leftAlone(document);
    if (reason) return { models: [], reason };
    const key = this.onServer(document);
    return this.client.networks(key, document.version, document.getText().length, () => document.getText(), inputSize);
  }

  /**
   * Why NormScope leaves a document alone (`normscope.enable` off, over `normscope.maxFileSizeKB`),
   * or undefined. Such a document is not sent to the lint server (lintNow closes it there).
   */
  private leftAlone(document: vscode.TextDocument): string | undefined {
    const settings = readSettings(document.uri);
    if (!settings.enable) return 'NormScope is disabled for this file (normscope.enable)';
    if (document.getText().length > settings.maxFileBytes) return 'the file is larger than normscope.maxFileSizeKB';
    return undefined;
  }

  /** Opens the document on the lint server if it is not there yet (its edits are forwarded from then on); returns its key. */
  private onServer(document: vscode.TextDocument): string {
    const uri = document.uri;
    const key = uri.toString();
    if (!this.serverHas.has(key)) {
      this.client.open(key, document.version, document.getText(), uri.scheme === 'file' ? uri.fsPath : undefined);
      this.serverHas.add(key);
    }
    return key;
  }

  /** Where lints run (see LintClient.mode). */
  get lintMode(): LintClient['mode'] {
    return this.client.mode;
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
      if (!document.isClosed) void this.lintNow(document);
    });
  }

  private scheduleNotebook(notebook: vscode.NotebookDocument): void {
    this.debounce(notebook.uri.toString(), notebook.uri, () => {
      if (!notebook.isClosed) void this.lintNotebookNow(notebook);
    });
  }

  /** Lints an open document now (in the lint worker) and publishes its findings when they come. */
  async lintNow(document: vscode.TextDocument): Promise<void> {
    const notebook = notebookOf(document);
    if (notebook) {
      await this.lintNotebookNow(notebook);
      return;
    }
    if (!isLintable(document)) return;
    const uri = document.uri;
    const key = uri.toString();
    const settings = readSettings(uri);
    if (!settings.enable) {
      this.clear(uri);
      this.closeOnServer(uri);
      return;
    }
    const version = document.version;
    const text = document.getText();
    if (text.length > settings.maxFileBytes) {
      logger().info(`Skipped ${uri.fsPath}: larger than normscope.maxFileSizeKB`);
      this.clear(uri);
      this.closeOnServer(uri);
      return;
    }
    const started = performance.now();
    try {
      // The first lint of a document sends its text; later ones only the edits (forwardChanges).
      this.onServer(document);
      const answer = await this.client.lint(key, version, text.length, () => document.getText(), this.configs.configFor(uri));
      // A newer version is on its way (its lint is scheduled): these findings would be misplaced.
      if (document.isClosed || document.version !== version) return;
      this.show(uri, answer.result, version, answer.elapsedMs, performance.now() - started);
      this.dependencies.set(key, new Set(answer.dependencies.map(samePath)));
      this.lintDependents(uri, version);
    } catch (error) {
      this.failed(uri, error);
    }
  }

  /** Lints `text` as the content of `uri` (a file that is not open) and publishes the result. */
  async publish(uri: vscode.Uri, text: string, version: number | undefined): Promise<void> {
    const started = performance.now();
    try {
      const answer = await this.client.lintText(text, this.configs.configFor(uri), uri.scheme === 'file' ? uri.fsPath : undefined);
      this.show(uri, answer.result, version, answer.elapsedMs, performance.now() - started);
    } catch (error) {
      this.failed(uri, error);
    }
  }

  /**
   * Lints a notebook that is not open (Lint Workspace) and publishes its findings on the .ipynb
   * file itself, each at its cell's source inside the JSON text (`locate`), its message naming the
   * cell. Without fixes: they edit cells, and apply once the notebook is open (its cells then get
   * their own diagnostics and these are cleared).
   */
  async publishNotebookFile(uri: vscode.Uri, cells: readonly NotebookCell[], locate: CellLocator): Promise<void> {
    const started = performance.now();
    try {
      const answer = await this.client.lintNotebook(cells, this.configs.configFor(uri));
      // Opened meanwhile: the notebook's own lint owns its findings.
      if (vscode.workspace.notebookDocuments.some((nb) => nb.uri.toString() === uri.toString())) return;
      const findings = answer.result.findings.flatMap((f) => {
        const mapped = inNotebookFile(f, locate);
        return mapped ? [mapped] : [];
      });
      this.show(uri, { ...answer.result, findings }, undefined, answer.elapsedMs, performance.now() - started);
    } catch (error) {
      this.failed(uri, error);
    }
  }

  /**
   * Re-lints (debounced) the open documents whose last lint used model facts of `uri`'s file:
   * editing `models.py` updates the findings of the `train.py` that imports its model. `version`
   * is the edited document's version (undefined for changes on disk).
   */
  private lintDependents(uri: vscode.Uri, version: number | undefined): void {
    if (uri.scheme !== 'file') return;
    const file = samePath(uri.fsPath);
    if (version !== undefined) {
      if (this.dependentsLintedAt.get(file) === version) return;
      this.dependentsLintedAt.set(file, version);
    }
    for (const document of vscode.workspace.textDocuments) {
      if (document.isClosed || document.uri.toString() === uri.toString()) continue;
      if (this.dependencies.get(document.uri.toString())?.has(file)) this.schedule(document);
    }
  }

  private show(uri: vscode.Uri, result: LintResult, version: number | undefined, lintMs: number, totalMs: number): void {
    for (const failure of result.failures) logger().error(`Rule ${failure.rule} failed on ${uri.fsPath}: ${failure.message}`);
    const entries = result.findings.map((finding) => ({
      finding,
      diagnostic: toDiagnostic(finding, uri, this.extensionUri),
      version,
    }));
    this.published.set(uri.toString(), entries);
    this.collection.set(uri, entries.map((e) => e.diagnostic));
    this.lintCostMs.set(uri.toString(), lintMs);
    logger().trace(`Linted ${uri.fsPath} in ${lintMs.toFixed(1)} ms (${totalMs.toFixed(1)} ms with the trip to the worker): ${entries.length} findings`);
  }

  private failed(uri: vscode.Uri, error: unknown): void {
    // Never leave stale findings behind, never take the extension host down.
    this.clear(uri);
    this.closeOnServer(uri);
    logger().error(`Could not lint ${uri.fsPath}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }

  /** Lints a notebook's code cells as one program and publishes each cell's findings on that cell. */
  async lintNotebookNow(notebook: vscode.NotebookDocument): Promise<void> {
    // Findings Lint Workspace put on the .ipynb file while it was closed: its cells take over.
    if (this.published.has(notebook.uri.toString())) this.clear(notebook.uri);
    const cells = notebook.getCells();
    const settings = readSettings(notebook.uri);
    if (!settings.enable || !cells.some((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')) {
      this.clearNotebook(notebook.uri);
      return;
    }
    try {
      const started = performance.now();
      const source = cellsOf(notebook);
      if (codeLength(source) > settings.maxFileBytes) {
        logger().info(`Skipped ${notebook.uri.fsPath}: its code cells are over the normscope.maxFileSizeKB cap`);
        this.clearNotebook(notebook.uri);
        return;
      }
      const versions = cells.map((c) => c.document.version);
      const { result } = await this.client.lintNotebook(source, this.configs.configFor(notebook.uri), notebook.uri.toString());
      // Cells edited, added or removed meanwhile: their re-lint is scheduled, these findings would be misplaced.
      const now = notebook.getCells();
      if (notebook.isClosed || now.length !== cells.length || now.some((c, i) => c.document !== cells[i]?.document || c.document.version !== versions[i])) return;
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
    this.dependencies.delete(key);
    if (uri.scheme === 'file') this.dependentsLintedAt.delete(samePath(uri.fsPath));
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
    this.lintCostMs.delete(key);
    this.published.delete(key);
    this.collection.delete(uri);
  }

  dispose(): void {
    this.client.dispose();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const s of this.subscriptions) s.dispose();
    this.collection.dispose();
  }
}

/** A notebook finding (cell-relative spans) placed in the .ipynb JSON text; undefined when a position does not map. */
function inNotebookFile(finding: Finding, locate: CellLocator): Finding | undefined {
  const place = (cell: number | undefined, span: Finding['span']): Finding['span'] | undefined => {
    const start = locate(cell ?? 0, span.start.line, span.start.column);
    const end = locate(cell ?? 0, span.end.line, span.end.column);
    // Offsets are not used for diagnostics; positions are.
    return start && end ? { ...span, start, end } : undefined;
  };
  const span = place(finding.cell, finding.span);
  if (!span) return undefined;
  const related = finding.related.flatMap((r) => {
    const at = place(r.cell ?? finding.cell, r.span);
    return at ? [{ span: at, message: r.cell !== undefined && r.cell !== finding.cell ? `${r.message} (cell ${r.cell + 1})` : r.message }] : [];
  });
  // No fix (it edits a cell: it applies once the notebook is open), no cell (the span is in the file's text).
  const { code, rule, severity, messageId } = finding;
  return { code, rule, severity, messageId, message: `Cell ${(finding.cell ?? 0) + 1}: ${finding.message}`, span, related };
}
