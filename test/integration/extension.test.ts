// NormScope in a real VS Code extension host, on the fixture workspace (test/fixtures/workspace,
// a fresh copy per run). The tests run in order and share the window, like a user's session.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { NormScopeApi } from '../../src/extension';
import {
  closeAllEditors,
  EXTENSION_ID,
  normscopeDiagnostics,
  openInEditor,
  requestScreenshot,
  setText,
  summarize,
  waitForExactly,
  workspaceUri,
} from './helpers';

/** pitfalls.py: NRM401 on `nn.GroupNorm(32, 100)` (line 9), NRM301 on `momentum=0.99` (line 10). */
const PITFALLS = ['NRM401@8:20-8:41', 'NRM301@9:38-9:51'];

/** models/unopened.py's text, read by the Lint Workspace test. */
let unopenedText = '';

interface WorkspaceLintSummary {
  readonly files: number;
  readonly skipped: number;
  readonly cancelled: boolean;
}

function extension(): vscode.Extension<NormScopeApi> {
  const ext = vscode.extensions.getExtension<NormScopeApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

describe('NormScope in a real VS Code extension host', () => {
  const pitfalls = workspaceUri('pitfalls.py');

  after(async () => {
    await closeAllEditors();
  });

  it('activates when a Python file is opened and reports both skeleton pitfalls exactly', async () => {
    const ext = extension();
    assert.strictEqual(ext.isActive, false, 'activated before any Python file was opened');
    const editor = await openInEditor(pitfalls);
    assert.strictEqual(editor.document.languageId, 'python');
    const diagnostics = await waitForExactly(pitfalls, PITFALLS);
    assert.strictEqual(ext.isActive, true);
    assert.strictEqual(typeof ext.exports.lintWorkspace, 'function');
    // The lint ran in the worker thread, not on the extension host's thread.
    assert.strictEqual(ext.exports.lintMode(), 'worker');

    const [groupnorm, momentum] = diagnostics;
    assert.ok(groupnorm && momentum);
    assert.strictEqual(groupnorm.severity, vscode.DiagnosticSeverity.Error);
    assert.strictEqual(momentum.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(editor.document.getText(groupnorm.range), 'nn.GroupNorm(32, 100)');
    assert.strictEqual(editor.document.getText(momentum.range), 'momentum=0.99');
    assert.match(groupnorm.message, /100 channels into 32 groups/);
    assert.match(momentum.message, /use momentum=0\.01/);
    for (const [diagnostic, code, rule] of [
      [groupnorm, 'NRM401', 'groupnorm-groups-indivisible'],
      [momentum, 'NRM301', 'keras-momentum-in-torch'],
    ] as const) {
      assert.strictEqual(diagnostic.source, 'normscope');
      assert.ok(typeof diagnostic.code === 'object', 'diagnostic.code carries a documentation link');
      assert.strictEqual(diagnostic.code.value, code);
      const expected = vscode.Uri.joinPath(ext.extensionUri, 'docs', 'rules', `${rule}.md`);
      assert.strictEqual(diagnostic.code.target.toString(), expected.toString());
      const stat = await vscode.workspace.fs.stat(diagnostic.code.target);
      assert.strictEqual(stat.type, vscode.FileType.File, `${diagnostic.code.target.toString()} is not a file`);
    }
  });

  it('removes a diagnostic when an edit fixes its pitfall, keeping the other', async () => {
    const editor = await openInEditor(pitfalls);
    const line = editor.document.lineAt(8);
    const at = line.text.indexOf('GroupNorm(32, 100)') + 'GroupNorm('.length;
    assert.ok(at > 'GroupNorm('.length);
    const applied = await editor.edit((b) => b.replace(new vscode.Range(8, at, 8, at + 2), '25'));
    assert.ok(applied);
    await waitForExactly(pitfalls, ['NRM301@9:38-9:51']);

    // Breaking it again brings the diagnostic back (the edit path lints both ways).
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(8, at, 8, at + 2), '30')));
    const back = await waitForExactly(pitfalls, PITFALLS);
    assert.match(back[0]?.message ?? '', /100 channels into 30 groups/);
  });

  it('keeps the lint worker copy in step through a burst of edits (multi-cursor, inserts, deletes) and an undo', async () => {
    const editor = await openInEditor(pitfalls);
    const original = editor.document.getText();
    // No waiting between edits: each is forwarded to the worker as it happens, the lint comes after.
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# one\n# two\n')));
    assert.ok(await editor.edit((b) => {
      b.insert(new vscode.Position(0, 0), '# multi-cursor A\n');
      b.insert(new vscode.Position(1, 0), '# multi-cursor B\n');
    }));
    assert.ok(await editor.edit((b) => b.delete(new vscode.Range(0, 0, 1, 0))));
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'x = "é✓"\n')));
    // Four lines above the original text now: both findings move down by four.
    await waitForExactly(pitfalls, PITFALLS.map((p) => p.replace(/@(\d+):(\d+)-(\d+):/, (_m, a: string, c: string, b: string) => `@${Number(a) + 4}:${c}-${Number(b) + 4}:`)));
    for (let i = 0; i < 10 && editor.document.getText() !== original; i++) await vscode.commands.executeCommand('undo');
    assert.strictEqual(editor.document.getText(), original);
    await waitForExactly(pitfalls, PITFALLS);
  });

  it('offers the NRM301 quick fix and applying it removes the finding', async () => {
    const editor = await openInEditor(pitfalls);
    const momentum = normscopeDiagnostics(pitfalls).find((d) => typeof d.code === 'object' && d.code.value === 'NRM301');
    assert.ok(momentum, 'NRM301 is not reported');
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      pitfalls,
      momentum.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title.startsWith('Use momentum=0.01'));
    assert.ok(fix, `no NRM301 quick fix among: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.ok(fix.kind && vscode.CodeActionKind.QuickFix.contains(fix.kind));
    assert.strictEqual(fix.isPreferred, false, 'an unsafe fix must not be the preferred one');
    assert.match(fix.title, /changes behaviour/);
    assert.ok(fix.edit, 'the quick fix carries an edit');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.strictEqual(editor.document.lineAt(9).text.trim(), 'self.bn = nn.BatchNorm2d(100, momentum=0.01)');
    await waitForExactly(pitfalls, ['NRM401@8:20-8:41']);
  });

  it('re-lints on revert and clears the diagnostics when the file is closed', async () => {
    await openInEditor(pitfalls);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitForExactly(pitfalls, PITFALLS);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitForExactly(pitfalls, []);
  });

  it('Lint Workspace reports files not opened and skips the excluded folder and the virtual environment', async () => {
    const unopened = workspaceUri('models', 'unopened.py');
    const excluded = workspaceUri('generated', 'excluded_model.py');
    const inVenv = workspaceUri('envs', 'py311', 'lib', 'python3.11', 'site-packages', 'thirdparty', 'layers.py');
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === unopened.toString()));
    assert.deepStrictEqual(summarize(normscopeDiagnostics(unopened)), []);

    const summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
    // pitfalls.py, broken_syntax.py, models/unopened.py, models/clean.py
    assert.deepStrictEqual(summary, { files: 4, skipped: 0, cancelled: false });
    assert.deepStrictEqual(summarize(normscopeDiagnostics(unopened)), ['NRM401@5:4-5:24']);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(pitfalls)), PITFALLS);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(workspaceUri('models', 'clean.py'))), []);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(excluded)), []);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(inVenv)), []);
    // Both skipped files do have pitfalls: only the folder rules keep them out.
    unopenedText = Buffer.from(await vscode.workspace.fs.readFile(unopened)).toString('utf8');
    const bytes = await vscode.workspace.fs.readFile(excluded);
    assert.match(Buffer.from(bytes).toString('utf8'), /GroupNorm\(32, 100\)/);
  });

  it('forgets the findings of a file renamed in the editor or deleted on disk', async () => {
    const unopened = workspaceUri('models', 'unopened.py');
    const moved = workspaceUri('models', 'moved.py');
    assert.deepStrictEqual(summarize(normscopeDiagnostics(unopened)), ['NRM401@5:4-5:24']);
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(unopened, moved);
    assert.ok(await vscode.workspace.applyEdit(rename));
    await waitForExactly(unopened, []);

    const summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
    assert.strictEqual(summary.files, 4);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(moved)), ['NRM401@5:4-5:24']);
    // Deleted behind VS Code's back (no workspace edit): the file watcher sees it.
    await vscode.workspace.fs.delete(moved);
    await waitForExactly(moved, []);
    // Put it back under its first name for the tests that follow.
    await vscode.workspace.fs.writeFile(unopened, Buffer.from(unopenedText));
  });

  it('lints a file with a syntax error from what parses, and leaves no stale diagnostics when edits break the syntax', async () => {
    const broken = workspaceUri('broken_syntax.py');
    const editor = await openInEditor(broken);
    await waitForExactly(broken, ['NRM401@3:7-3:27']);

    // Unparseable text without pitfalls: the old finding must go.
    await setText(editor, 'def (:\n    return [[[\n  )))\nclass\n');
    await waitForExactly(broken, []);
    // Unparseable text with a pitfall further down: reported at its new place.
    await setText(editor, 'import torch.nn as nn\n\n\n\nbn = nn.BatchNorm2d(8, momentum=0.9)\n\ndef (:\n    return [[[\n');
    await waitForExactly(broken, ['NRM301@4:23-4:35']);
    await closeAllEditors();
    await waitForExactly(broken, []);
  });

  it('refuses a binary file named .py without crashing and clears what it reported before', async () => {
    const binary = workspaceUri('models', 'weights.py');
    // First a text file with a pitfall, linted by Lint Workspace...
    await vscode.workspace.fs.writeFile(binary, Buffer.from('import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\n'));
    let summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
    assert.deepStrictEqual(summary, { files: 5, skipped: 0, cancelled: false });
    assert.deepStrictEqual(summarize(normscopeDiagnostics(binary)), ['NRM401@1:7-1:26']);

    // ...then the same name holding binary data (NUL bytes and invalid UTF-8).
    const data = Buffer.alloc(4096);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    await vscode.workspace.fs.writeFile(binary, data);
    summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
    assert.deepStrictEqual(summary, { files: 4, skipped: 1, cancelled: false });
    assert.deepStrictEqual(summarize(normscopeDiagnostics(binary)), []);

    // Opening it: VS Code may refuse a binary file; if it opens it, NormScope must still cope.
    try {
      const document = await vscode.workspace.openTextDocument(binary);
      assert.ok(document.getText().length > 0);
    } catch (error) {
      assert.match(String(error), /binary/i);
    }
    assert.strictEqual(extension().isActive, true);
  });

  it('lints an untitled Python document', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: 'import torch.nn as nn\nbn = nn.BatchNorm1d(4, momentum=0.9)\n' });
    await vscode.window.showTextDocument(document);
    await waitForExactly(document.uri, ['NRM301@1:23-1:35']);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('skips files over normscope.maxFileSizeKB, in the editor and in Lint Workspace', async () => {
    const big = workspaceUri('models', 'big.py');
    const small = workspaceUri('models', 'small.py');
    const pitfall = 'import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\n';
    await vscode.workspace.getConfiguration('normscope').update('maxFileSizeKB', 1, vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.workspace.fs.writeFile(big, Buffer.from(pitfall + '# padding past the 1 KiB cap\n'.repeat(60)));
      await vscode.workspace.fs.writeFile(small, Buffer.from(pitfall));
      await openInEditor(big);
      // Documents are handled in the order they open: once small.py shows its finding, big.py has been seen.
      await openInEditor(small);
      await waitForExactly(small, ['NRM401@1:7-1:26']);
      assert.deepStrictEqual(summarize(normscopeDiagnostics(big)), []);
      await closeAllEditors();
      const summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
      assert.strictEqual(summary.skipped, 2, 'big.py and the binary weights.py are skipped'); // see the test above
      assert.deepStrictEqual(summarize(normscopeDiagnostics(big)), []);
      assert.deepStrictEqual(summarize(normscopeDiagnostics(small)), ['NRM401@1:7-1:26']);
    } finally {
      await vscode.workspace.getConfiguration('normscope').update('maxFileSizeKB', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(big);
      await vscode.workspace.fs.delete(small);
    }
  });

  it('Lint Workspace leaves files alone where normscope.enable is false', async () => {
    const file = workspaceUri('models', 'disabled.py');
    const config = vscode.workspace.getConfiguration('normscope');
    await vscode.workspace.fs.writeFile(file, Buffer.from('import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\n'));
    try {
      await config.update('enable', false, vscode.ConfigurationTarget.Workspace);
      const off = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
      assert.strictEqual(off.files, 0);
      assert.deepStrictEqual(summarize(normscopeDiagnostics(file)), []);
      await config.update('enable', undefined, vscode.ConfigurationTarget.Workspace);
      const on = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
      assert.ok(on.files > 0);
      assert.deepStrictEqual(summarize(normscopeDiagnostics(file)), ['NRM401@1:7-1:26']);
    } finally {
      await config.update('enable', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(file);
      await waitForExactly(file, []);
    }
  });

  it('still works afterwards, and shows the findings in the editor and the Problems panel', async () => {
    await closeAllEditors();
    const editor = await openInEditor(pitfalls);
    await waitForExactly(pitfalls, PITFALLS);
    editor.selection = new vscode.Selection(9, 38, 9, 38);
    editor.revealRange(new vscode.Range(8, 0, 9, 60));
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await requestScreenshot('vscode-integration');
  });
});
