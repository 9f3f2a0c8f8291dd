// Lint Workspace beyond Python files: notebooks that are not open, and findings of files read
// from disk that follow settings changes (editor settings and pyproject.toml) without being opened.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { closeAllEditors, normscopeDiagnostics, showNotebookOrSkip, summarize, waitForExactly, workspaceUri } from './helpers';

interface WorkspaceLintSummary {
  readonly files: number;
  readonly skipped: number;
  readonly cancelled: boolean;
}

const enc = (text: string) => Buffer.from(text, 'utf8');

function notebookJson(language: string, cells: readonly { kind: 'code' | 'markdown'; source: string[] }[]): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: language, display_name: language, language }, language_info: { name: language } },
      cells: cells.map((c) => (c.kind === 'code' ? { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: c.source } : { cell_type: 'markdown', metadata: {}, source: c.source })),
    },
    null,
    1,
  );
}

/** 0-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in the text`);
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) };
}

describe('Lint Workspace: notebooks and settings changes', () => {
  const folder = workspaceUri('workspace_lint');

  after(async () => {
    await closeAllEditors();
    await vscode.workspace.fs.delete(folder, { recursive: true, useTrash: false });
  });

  it('lints a notebook that is not open and puts each finding at its cell source in the .ipynb, naming the cell', async function () {
    const uri = vscode.Uri.joinPath(folder, 'unopened.ipynb');
    const other = vscode.Uri.joinPath(folder, 'r_kernel.ipynb');
    const broken = vscode.Uri.joinPath(folder, 'broken.ipynb');
    const text = notebookJson('python', [
      { kind: 'markdown', source: ['# Segmentation\n'] },
      { kind: 'code', source: ['import torch.nn as nn\n'] },
      { kind: 'code', source: ['%matplotlib inline\n', 'norm = nn.GroupNorm(3, 10)\n'] },
    ]);
    await vscode.workspace.fs.writeFile(uri, enc(text));
    // The same code in an R notebook is not Python; a truncated notebook is not JSON.
    await vscode.workspace.fs.writeFile(other, enc(text.replace(/"python"/g, '"R"')));
    await vscode.workspace.fs.writeFile(broken, enc(text.slice(0, 200)));
    assert.ok(!vscode.workspace.notebookDocuments.some((nb) => nb.uri.toString() === uri.toString()));

    const summary = await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
    assert.strictEqual(summary.cancelled, false);
    assert.ok(summary.skipped >= 2, `the R and the broken notebook are skipped: ${JSON.stringify(summary)}`);
    const at = positionOf(text, 'nn.GroupNorm(3, 10)');
    const expected = `NRM401@${at.line}:${at.column}-${at.line}:${at.column + 'nn.GroupNorm(3, 10)'.length}`;
    const [diagnostic, ...rest] = await waitForExactly(uri, [expected]);
    assert.deepStrictEqual(rest, []);
    assert.match(diagnostic?.message ?? '', /^Cell 3: /);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(other)), []);
    assert.deepStrictEqual(summarize(normscopeDiagnostics(broken)), []);

    // Opened, its cells carry the findings and the file-level ones go.
    const document = await showNotebookOrSkip(this, uri);
    const cell = document.getCells()[2];
    assert.ok(cell);
    await waitForExactly(cell.document.uri, ['NRM401@1:7-1:26']);
    await waitForExactly(uri, []);
    await closeAllEditors();
  });

  it('re-lints files it read from disk, without opening them, when the editor settings change', async () => {
    const file = vscode.Uri.joinPath(folder, 'settings_refresh.py');
    const config = vscode.workspace.getConfiguration('normscope');
    await vscode.workspace.fs.writeFile(file, enc('import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\nbn = nn.BatchNorm2d(8, momentum=0.9)\n'));
    try {
      await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
      await waitForExactly(file, ['NRM401@1:7-1:26', 'NRM301@2:23-2:35']);
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === file.toString()), 'the file stays closed');

      await config.update('rules', { 'groupnorm-groups-indivisible': { severity: 'off' } }, vscode.ConfigurationTarget.Workspace);
      await waitForExactly(file, ['NRM301@2:23-2:35']);
      await config.update('enable', false, vscode.ConfigurationTarget.Workspace);
      await waitForExactly(file, []);
      await config.update('enable', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
      await waitForExactly(file, ['NRM401@1:7-1:26', 'NRM301@2:23-2:35']);
      assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === file.toString()), 'the file stays closed');
    } finally {
      await config.update('enable', undefined, vscode.ConfigurationTarget.Workspace);
      await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('re-lints files it read from disk, notebooks included, when a pyproject.toml changes', async () => {
    const file = vscode.Uri.joinPath(folder, 'settings_refresh.py');
    const notebook = vscode.Uri.joinPath(folder, 'pyproject_nb.ipynb');
    const pyproject = vscode.Uri.joinPath(folder, 'pyproject.toml');
    const nbText = notebookJson('python', [{ kind: 'code', source: ['import torch.nn as nn\n', 'norm = nn.GroupNorm(3, 10)\n'] }]);
    await vscode.workspace.fs.writeFile(notebook, enc(nbText));
    const at = positionOf(nbText, 'nn.GroupNorm(3, 10)');
    const nbFinding = `NRM401@${at.line}:${at.column}-${at.line}:${at.column + 19}`;
    try {
      await vscode.commands.executeCommand<WorkspaceLintSummary>('normscope.lintWorkspace');
      await waitForExactly(file, ['NRM401@1:7-1:26', 'NRM301@2:23-2:35']);
      await waitForExactly(notebook, [nbFinding]);

      await vscode.workspace.fs.writeFile(pyproject, enc('[tool.normscope]\nignore = ["NRM401"]\n'));
      await waitForExactly(file, ['NRM301@2:23-2:35']);
      await waitForExactly(notebook, []);
      await vscode.workspace.fs.delete(pyproject);
      await waitForExactly(file, ['NRM401@1:7-1:26', 'NRM301@2:23-2:35']);
      await waitForExactly(notebook, [nbFinding]);
    } finally {
      try {
        await vscode.workspace.fs.delete(pyproject);
      } catch {
        // already gone
      }
    }
  });
});
