// Helpers for the integration suite: waiting on VS Code events (never a fixed sleep; mocha's
// timeout is the only deadline), reading NormScope's diagnostics, opening and closing editors like a user does.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { NormScopeApi } from '../../src/extension';

export const EXTENSION_ID = 'normscope.normscope';

/** NormScope's API, the extension activated (it must be loaded). */
export async function normscopeApi(): Promise<NormScopeApi> {
  const ext = vscode.extensions.getExtension<NormScopeApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext.activate();
}
/** What `waitFor` is waiting for, with how to describe the state it waits on (for a failing test's report). */
interface PendingWait {
  readonly what: string;
  readonly describe: (() => string) | undefined;
  readonly stop: () => void;
}

const pending = new Set<PendingWait>();

/**
 * Resolves with `check()`'s first truthy result, evaluating it now and after each firing of
 * `events`. There is no timer: a wait that never ends fails its test at mocha's timeout, and
 * `abandonPendingWaits` (a root hook, see index.ts) then reports what was awaited and what
 * `describe` shows of the state, and drops the wait's event subscriptions.
 */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  events: readonly vscode.Event<unknown>[],
  options: { describe?: () => string } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const subscriptions: vscode.Disposable[] = [];
    let done = false;
    const stop = () => {
      done = true;
      pending.delete(wait);
      for (const s of subscriptions) s.dispose();
    };
    const wait: PendingWait = { what, describe: options.describe, stop };
    const evaluate = () => {
      if (done) return;
      try {
        const value = check();
        if (!value) return;
        stop();
        resolve(value);
      } catch (error) {
        stop();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    pending.add(wait);
    for (const event of events) subscriptions.push(event(evaluate));
    evaluate();
  });
}

/**
 * After each test: the waits still pending (their test timed out or failed while waiting) are
 * reported, with the state they waited on, and stop listening.
 */
export function abandonPendingWaits(): void {
  for (const wait of [...pending]) {
    let state = '';
    try {
      state = wait.describe ? `; state: ${wait.describe()}` : '';
    } catch {
      state = '';
    }
    console.error(`[integration] still waiting for ${wait.what}${state}`);
    wait.stop();
  }
}

/** NormScope's diagnostics for a file, in document order. */
export function normscopeDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'normscope')
    .sort((a, b) => a.range.start.compareTo(b.range.start));
}

/** `CODE@line:col-line:col` per diagnostic (0-based), a compact form for assertions. */
export function summarize(diagnostics: readonly vscode.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const code = typeof d.code === 'object' ? String(d.code.value) : String(d.code);
    const r = d.range;
    return `${code}@${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
  });
}

/** Waits until NormScope's diagnostics for `uri` satisfy `predicate`; resolves with them. */
export function waitForDiagnostics(
  uri: vscode.Uri,
  what: string,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
): Promise<vscode.Diagnostic[]> {
  return waitFor(
    `${what} (${vscode.workspace.asRelativePath(uri)})`,
    () => {
      const diagnostics = normscopeDiagnostics(uri);
      return predicate(diagnostics) ? diagnostics : undefined;
    },
    [vscode.languages.onDidChangeDiagnostics],
    { describe: () => JSON.stringify(summarize(normscopeDiagnostics(uri))) },
  );
}

/** Waits until NormScope's diagnostics for `uri` are exactly `expected` (see `summarize`). */
export function waitForExactly(uri: vscode.Uri, expected: readonly string[]): Promise<vscode.Diagnostic[]> {
  const want = JSON.stringify(expected);
  return waitForDiagnostics(uri, `diagnostics ${want}`, (d) => JSON.stringify(summarize(d)) === want);
}

export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the integration suite needs the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/**
 * Opens a file in an editor the way a user does (`vscode.open`, no extra document reference
 * held by the API) and resolves with its document once it is the active editor's.
 */
/**
 * Opens and shows a notebook; skips the calling test where the host has no Jupyter notebook
 * serializer (the built-in ipynb extension).
 */
export async function showNotebookOrSkip(test: Mocha.Context, uri: vscode.Uri): Promise<vscode.NotebookDocument> {
  let document: vscode.NotebookDocument;
  try {
    document = await vscode.workspace.openNotebookDocument(uri);
  } catch (error) {
    console.log(`no notebook support in this host: ${String(error)}`);
    test.skip();
  }
  await vscode.window.showNotebookDocument(document);
  return document;
}

export async function openInEditor(uri: vscode.Uri): Promise<vscode.TextEditor> {
  await vscode.commands.executeCommand('vscode.open', uri);
  return waitFor(
    `an editor on ${vscode.workspace.asRelativePath(uri)}`,
    () => {
      const editor = vscode.window.activeTextEditor;
      return editor && editor.document.uri.toString() === uri.toString() ? editor : undefined;
    },
    [vscode.window.onDidChangeActiveTextEditor, vscode.workspace.onDidOpenTextDocument],
  );
}

/**
 * `run()`, asked again when the workbench cancels it (an error named or saying `Canceled`: on a
 * loaded machine an editor opening late supersedes another, and the request in flight is
 * cancelled). Other errors, and a fifth cancellation, are the test's.
 */
export async function unlessCanceled<T>(what: string, run: () => Thenable<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const canceled = error instanceof Error && (error.name === 'Canceled' || error.message === 'Canceled');
      if (!canceled || attempt >= 5) throw error;
      console.log(`${what}: cancelled by the workbench (attempt ${attempt}), asking again`);
    }
  }
}

/** Closes every editor (dirty ones are reverted first, so no dialog can block the run). */
export async function closeAllEditors(): Promise<void> {
  for (const document of vscode.workspace.textDocuments) {
    if (document.isDirty) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** Replaces the whole text of an open document and waits for the change to reach the document. */
export async function setText(editor: vscode.TextEditor, text: string): Promise<void> {
  const document = editor.document;
  const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
  const applied = await editor.edit((b) => b.replace(whole, text));
  if (!applied) throw new Error(`could not edit ${document.uri.toString()}`);
}

/**
 * Asks the runner for a screenshot of the workbench as it is now and waits until it is saved.
 * Only under the code-server runner (which sets NORMSCOPE_SCREENSHOT_ACK_DIR); elsewhere a no-op.
 */
export async function requestScreenshot(name: string): Promise<boolean> {
  const ackDir = process.env.NORMSCOPE_SCREENSHOT_ACK_DIR;
  if (!ackDir || !fs.existsSync(ackDir)) return false;
  const ack = path.join(ackDir, `${name}.done`);
  await new Promise<void>((resolve) => {
    const watcher = fs.watch(ackDir, () => {
      if (!fs.existsSync(ack)) return;
      stop();
      resolve();
    });
    const wait: PendingWait = { what: `the screenshot "${name}"`, describe: undefined, stop: () => stop() };
    function stop() {
      pending.delete(wait);
      watcher.close();
    }
    pending.add(wait);
    // The runner reads this line from the relayed console output (test/runner/run.ts).
    console.log(`normscope:screenshot ${name}`);
  });
  return true;
}
