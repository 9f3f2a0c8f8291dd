import * as vscode from 'vscode';
import { lintPython } from '../lint/lint';
import type { Finding } from '../rules/types';
import { toDiagnostic } from './convert';
import { logger } from './logger';
import { readSettings } from './settings';

/** A published finding and the document version it was computed for (fixes apply only to that). */
export interface PublishedFinding {
  readonly finding: Finding;
  readonly diagnostic: vscode.Diagnostic;
  readonly version: number | undefined;
}

function isLintable(document: vscode.TextDocument): boolean {
  return document.languageId === 'python' && (document.uri.scheme === 'file' || document.uri.scheme === 'untitled');
}

/**
 * Keeps the Problems panel in step with open Python documents: lints on open, on edit
 * (debounced) and on save of settings; clears on close.
 */
export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('normscope');
  private readonly published = new Map<string, PublishedFinding[]>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.lintNow(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('normscope')) this.lintOpenDocuments();
      }),
    );
    this.lintOpenDocuments();
  }

  lintOpenDocuments(): void {
    for (const document of vscode.workspace.textDocuments) this.lintNow(document);
  }

  /** Findings published for a document (for code actions). */
  findingsFor(uri: vscode.Uri): readonly PublishedFinding[] {
    return this.published.get(uri.toString()) ?? [];
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isLintable(document)) return;
    const key = document.uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    const delay = readSettings(document.uri).lintDelayMs;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!document.isClosed) this.lintNow(document);
      }, delay),
    );
  }

  lintNow(document: vscode.TextDocument): void {
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
      const result = lintPython(text);
      for (const failure of result.failures) logger().error(`Rule ${failure.rule} failed on ${uri.fsPath}: ${failure.message}`);
      const entries = result.findings.map((finding) => ({
        finding,
        diagnostic: toDiagnostic(finding, uri, this.extensionUri),
        version,
      }));
      this.published.set(uri.toString(), entries);
      this.collection.set(uri, entries.map((e) => e.diagnostic));
      logger().trace(`Linted ${uri.fsPath} in ${(performance.now() - started).toFixed(1)} ms: ${entries.length} findings`);
    } catch (error) {
      // Never leave stale findings behind, never take the extension host down.
      this.clear(uri);
      logger().error(`Could not lint ${uri.fsPath}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  }

  clear(uri: vscode.Uri): void {
    const key = uri.toString();
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.delete(key);
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
