import * as path from 'path';
import * as vscode from 'vscode';
import { isNotebookFile, isSkippedDirectory } from '../lint/paths';
import { decodeSource, fileSizeCap } from '../lint/source';
import { codeLength, parseIpynb } from '../parsing/notebook/ipynb';
import { locateCells } from '../parsing/notebook/ipynbPositions';
import type { DiagnosticsController } from './diagnostics';
import type { LintConfigService } from './lintConfig';
import { logger } from './logger';
import { readSettings } from './settings';

export interface WorkspaceLintSummary {
  readonly files: number;
  readonly skipped: number;
  readonly cancelled: boolean;
}

/** True when some folder between the workspace folder and the file is one a lint walk skips. */
function inSkippedFolder(uri: vscode.Uri, cache: Map<string, boolean>): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder || uri.scheme !== 'file') return false;
  const root = folder.uri.fsPath;
  const relative = path.relative(root, path.dirname(uri.fsPath));
  if (relative === '' || relative.startsWith('..')) return false;
  let current = root;
  for (const segment of relative.split(path.sep)) {
    current = path.join(current, segment);
    let skipped = cache.get(current);
    if (skipped === undefined) {
      skipped = isSkippedDirectory(current);
      cache.set(current, skipped);
    }
    if (skipped) return true;
  }
  return false;
}

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What became of one file linted from disk. */
type DiskLint = 'linted' | 'skipped';

/**
 * "NormScope: Lint Workspace": lints every Python file and Jupyter notebook of the workspace
 * (honouring `files.exclude`, skipping virtual environments, installed packages and files over
 * the size cap) under a cancellable progress notification. Files that are not open are read from
 * disk; their findings are kept current when the settings (`normscope.*`, a pyproject.toml)
 * change, until the file is opened (then the editor's own linting takes over).
 */
export class WorkspaceLinter implements vscode.Disposable {
  /** URIs of files Lint Workspace linted from disk, which the settings-change refresh re-lints. */
  private readonly fromDisk = new Map<string, vscode.Uri>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by each refresh: an older refresh still running stops. */
  private generation = 0;

  constructor(
    private readonly diagnostics: DiagnosticsController,
    configs: LintConfigService,
  ) {
    const forget = (uri: vscode.Uri) => this.fromDisk.delete(uri.toString());
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('normscope')) this.scheduleRefresh();
      }),
      configs.onDidChange(() => this.scheduleRefresh()),
      // An opened file is the editor's to lint from now on.
      vscode.workspace.onDidOpenTextDocument((d) => forget(d.uri)),
      vscode.workspace.onDidOpenNotebookDocument((nb) => forget(nb.uri)),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach(forget)),
      vscode.workspace.onDidRenameFiles((e) => e.files.forEach((f) => forget(f.oldUri))),
    );
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.generation++;
    for (const s of this.subscriptions) s.dispose();
  }

  /** Runs Lint Workspace. */
  async run(): Promise<WorkspaceLintSummary> {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'NormScope: linting workspace', cancellable: true },
      async (progress, token) => {
        // `undefined` as exclude applies the user's files.exclude.
        const uris = await vscode.workspace.findFiles('**/*.{py,ipynb}', undefined, undefined, token);
        const folderCache = new Map<string, boolean>();
        const targets = uris.filter((u) => !inSkippedFolder(u, folderCache)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
        let files = 0;
        let skipped = 0;
        const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
        const openNotebooks = new Map(vscode.workspace.notebookDocuments.map((nb) => [nb.uri.toString(), nb]));
        for (const uri of targets) {
          if (token.isCancellationRequested) break;
          progress.report({ message: vscode.workspace.asRelativePath(uri), increment: 100 / Math.max(1, targets.length) });
          const notebook = openNotebooks.get(uri.toString());
          const document = open.get(uri.toString());
          if (notebook || (document && !isNotebookFile(uri.path))) {
            if (!readSettings(uri).enable) {
              // normscope.enable is off for this file (or its folder): nothing to show, nothing stale.
              if (notebook) this.diagnostics.clearNotebook(uri);
              else this.diagnostics.clear(uri);
              skipped++;
              continue;
            }
            if (notebook) await this.diagnostics.lintNotebookNow(notebook);
            else if (document) await this.diagnostics.lintNow(document);
            files++;
            continue;
          }
          if ((await this.lintFromDisk(uri)) === 'linted') files++;
          else skipped++;
          await yieldToHost();
        }
        const cancelled = token.isCancellationRequested;
        logger().info(`Lint Workspace: ${files} files linted, ${skipped} skipped${cancelled ? ' (cancelled)' : ''}`);
        return { files, skipped, cancelled };
      },
    );
  }

  private scheduleRefresh(): void {
    if (this.fromDisk.size === 0) return;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, 200);
  }

  /** Re-lints, with the current settings, the files Lint Workspace read from disk that are still closed. */
  private async refresh(): Promise<void> {
    const generation = ++this.generation;
    const open = new Set([...vscode.workspace.textDocuments.map((d) => d.uri.toString()), ...vscode.workspace.notebookDocuments.map((nb) => nb.uri.toString())]);
    let count = 0;
    for (const [key, uri] of [...this.fromDisk]) {
      if (generation !== this.generation) return;
      if (open.has(key)) continue;
      await this.lintFromDisk(uri);
      count++;
      await yieldToHost();
    }
    logger().info(`Settings changed: re-linted ${count} files that Lint Workspace had read from disk`);
  }

  /** Lints a file (Python source or notebook) that is not open, from disk, and publishes its findings. */
  private async lintFromDisk(uri: vscode.Uri): Promise<DiskLint> {
    const key = uri.toString();
    const settings = readSettings(uri);
    // Disabled or over the size cap, the file stays known: a later settings change may bring it back.
    this.fromDisk.set(key, uri);
    if (!settings.enable) {
      // normscope.enable is off for this file (or its folder): nothing to show, nothing stale.
      this.diagnostics.clear(uri);
      return 'skipped';
    }
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      // (A notebook's cap is on its code cells, checked when it is published; its file holds outputs too.)
      if (stat.size > fileSizeCap(uri.path, settings.maxFileBytes)) {
        this.diagnostics.clear(uri);
        logger().info(`Skipped ${uri.fsPath}: over the normscope.maxFileSizeKB cap`);
        return 'skipped';
      }
      const source = decodeSource(await vscode.workspace.fs.readFile(uri));
      if (!source.ok) {
        this.diagnostics.clear(uri);
        this.fromDisk.delete(key);
        logger().info(`Skipped ${uri.fsPath}: ${source.message}`);
        return 'skipped';
      }
      if (isNotebookFile(uri.path)) {
        const read = parseIpynb(source.text);
        const locate = read.ok ? locateCells(source.text) : undefined;
        const language = read.ok ? read.notebook.language : undefined;
        if (!read.ok || !locate || (language !== undefined && language !== 'python')) {
          this.diagnostics.clear(uri);
          this.fromDisk.delete(key);
          logger().info(`Skipped ${uri.fsPath}: ${!read.ok ? read.message : !locate ? 'cell positions could not be mapped' : `a ${language} notebook`}`);
          return 'skipped';
        }
        if (codeLength(read.notebook.cells) > settings.maxFileBytes) {
          this.diagnostics.clear(uri);
          logger().info(`Skipped ${uri.fsPath}: its code cells are over the normscope.maxFileSizeKB cap`);
          return 'skipped';
        }
        await this.diagnostics.publishNotebookFile(uri, read.notebook.cells, locate);
      } else {
        await this.diagnostics.publish(uri, source.text, undefined);
      }
      return 'linted';
    } catch (error) {
      this.fromDisk.delete(key);
      logger().warn(`Could not read ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
      return 'skipped';
    }
  }
}
