// Suppressions, unused-suppression, code actions, configuration and notebooks in a real VS Code
// extension host. Runs after extension.test.ts (mocha loads the files in name order); it writes
// its own files under features/ in the scratch copy of the fixture workspace and removes them.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { closeAllEditors, normscopeDiagnostics, openInEditor, showNotebookOrSkip, summarize, unlessCanceled, waitFor, waitForDiagnostics, waitForExactly, workspaceUri } from './helpers';

const enc = (text: string) => Buffer.from(text, 'utf8');

/**
 * The quick fixes at `range`, asked again after each diagnostics change until `ready` holds (the
 * findings may still be on their way). No timer: the change is awaited, and mocha's timeout is the
 * deadline. The subscription starts before each ask, so a change during the ask is not missed.
 */
async function codeActions(uri: vscode.Uri, range: vscode.Range, ready: (titles: string[]) => boolean = (t) => t.length > 0): Promise<vscode.CodeAction[]> {
  for (;;) {
    let sub: vscode.Disposable | undefined;
    const changed = new Promise<void>((resolve) => (sub = vscode.languages.onDidChangeDiagnostics(() => resolve())));
    try {
      const actions = await unlessCanceled('the quick fixes', () => vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value));
      if (ready(actions.map((a) => a.title))) return actions;
      await changed;
    } finally {
      sub?.dispose();
    }
  }
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

describe('NormScope features in a real VS Code extension host', () => {
  const folder = workspaceUri('features');

  before(async () => {
    await vscode.workspace.fs.createDirectory(folder);
  });

  after(async () => {
    await closeAllEditors();
    const config = vscode.workspace.getConfiguration('normscope');
    for (const key of ['rules', 'select', 'ignore']) await config.update(key, undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.fs.delete(folder, { recursive: true });
  });

  it('honours suppression comments and fades out an unused one (NRM901, DiagnosticTag.Unnecessary)', async () => {
    const uri = vscode.Uri.joinPath(folder, 'suppress.py');
    await vscode.workspace.fs.writeFile(
      uri,
      enc('import torch.nn as nn\n\na = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]\n# noqa: NRM401\nb = nn.GroupNorm(3, 10)\nc = nn.GroupNorm(2, 10)  # noqa: E501, NRM401\n'),
    );
    await openInEditor(uri);
    const [unused] = await waitForExactly(uri, ['NRM901@5:25-5:45']);
    assert.ok(unused);
    assert.deepStrictEqual(unused.tags, [vscode.DiagnosticTag.Unnecessary]);
    assert.match(unused.message, /`NRM401` reported nothing on line 6/);
    const actions = await codeActions(uri, unused.range, (t) => t.includes('Remove NRM401 from the suppression'));
    const fix = actions.find((a) => a.title === 'Remove NRM401 from the suppression');
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    assert.strictEqual(fix.isPreferred, true, 'a safe fix is preferred');
    assert.ok(!actions.some((a) => a.title.startsWith('Disable NRM901')), 'no "disable" for an unused suppression');
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const editor = vscode.window.activeTextEditor;
    assert.strictEqual(editor?.document.lineAt(5).text, 'c = nn.GroupNorm(2, 10)  # noqa: E501');
    await waitForExactly(uri, []);
  });

  it('offers "Disable for this line", "Show documentation" and "Fix all" code actions that work', async () => {
    const uri = vscode.Uri.joinPath(folder, 'actions.py');
    await vscode.workspace.fs.writeFile(uri, enc('import torch.nn as nn\n\nnorm = nn.GroupNorm(3, 10)\nx = 1  # noqa: NRM401\ny = 2  # noqa: NRM301\n'));
    const editor = await openInEditor(uri);
    const diagnostics = await waitForExactly(uri, ['NRM401@2:7-2:26', 'NRM901@3:7-3:21', 'NRM901@4:7-4:21']);

    const actions = await codeActions(uri, diagnostics[0].range, (t) => t.some((x) => x.startsWith('Show documentation for NRM401')));
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Disable NRM401 (groupnorm-groups-indivisible) for this line'), JSON.stringify(titles));
    const docs = actions.find((a) => a.title === 'Show documentation for NRM401 (groupnorm-groups-indivisible)');
    assert.ok(docs?.command, JSON.stringify(titles));
    assert.ok(!actions.some((a) => a.isPreferred), 'no fix for NRM401, nothing preferred');

    // The documentation opens (Markdown preview, or the file itself where the preview is unavailable).
    const command = docs.command;
    const opened = await unlessCanceled('the documentation command', () => vscode.commands.executeCommand<vscode.Uri | undefined>(command.command, ...((command.arguments ?? []) as unknown[])));
    assert.ok(opened && opened.path.endsWith('/docs/rules/groupnorm-groups-indivisible.md'), String(opened));
    await waitFor(
      'a tab showing the rule documentation',
      () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .some((t) => (t.input instanceof vscode.TabInputText && t.input.uri.toString() === opened.toString()) || t.label.includes('groupnorm-groups-indivisible')),
      [vscode.window.tabGroups.onDidChangeTabs],
    );
    await unlessCanceled('showing actions.py again', () => vscode.window.showTextDocument(editor.document));

    const disable = actions.find((a) => a.title.startsWith('Disable NRM401'));
    assert.ok(disable?.edit);
    assert.ok(await vscode.workspace.applyEdit(disable.edit));
    assert.strictEqual(editor.document.lineAt(2).text, 'norm = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]');
    const left = await waitForExactly(uri, ['NRM901@3:7-3:21', 'NRM901@4:7-4:21']);

    const all = await codeActions(uri, left[0].range, (t) => t.includes('Fix all unused-suppression problems in this file'));
    const fixAll = all.find((a) => a.title === 'Fix all unused-suppression problems in this file');
    assert.ok(fixAll?.edit, JSON.stringify(all.map((a) => a.title)));
    assert.ok(await vscode.workspace.applyEdit(fixAll.edit));
    assert.strictEqual(editor.document.getText(), 'import torch.nn as nn\n\nnorm = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]\nx = 1\ny = 2\n');
    await waitForExactly(uri, []);
  });

  it('applies the nearest pyproject.toml over the editor settings, and follows changes to both', async () => {
    const sub = vscode.Uri.joinPath(folder, 'project');
    await vscode.workspace.fs.createDirectory(sub);
    const pyproject = vscode.Uri.joinPath(sub, 'pyproject.toml');
    await vscode.workspace.fs.writeFile(pyproject, enc('[tool.normscope.rules.groupnorm-groups-indivisible]\nseverity = "warning"\n'));
    const uri = vscode.Uri.joinPath(sub, 'model.py');
    await vscode.workspace.fs.writeFile(uri, enc('import torch.nn as nn\nnorm = nn.GroupNorm(3, 10)\nbn = nn.BatchNorm2d(8, momentum=0.9)\n'));
    await openInEditor(uri);
    const severities = (ds: vscode.Diagnostic[]) => ds.map((d) => `${codeOf(d)}:${d.severity}`).join(',');
    const W = vscode.DiagnosticSeverity.Warning;
    const H = vscode.DiagnosticSeverity.Hint;
    const E = vscode.DiagnosticSeverity.Error;
    await waitForDiagnostics(uri, 'NRM401 as a warning (pyproject.toml)', (ds) => severities(ds) === `NRM401:${W},NRM301:${W}`);

    // Editor settings apply where the project file says nothing; the project file wins where it does.
    const config = vscode.workspace.getConfiguration('normscope');
    await config.update('rules', { 'keras-momentum-in-torch': { severity: 'hint' }, NRM401: { severity: 'error' } }, vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(uri, 'NRM301 as a hint (settings), NRM401 still a warning', (ds) => severities(ds) === `NRM401:${W},NRM301:${H}`);

    // Editing pyproject.toml re-lints open documents.
    await vscode.workspace.fs.writeFile(pyproject, enc('[tool.normscope]\nignore = ["keras-momentum-in-torch"]\n'));
    await waitForDiagnostics(uri, 'NRM301 ignored, NRM401 an error (settings)', (ds) => severities(ds) === `NRM401:${E}`);

    // A broken pyproject.toml and bad settings never stop linting.
    await vscode.workspace.fs.writeFile(pyproject, enc('[tool.normscope\n'));
    await config.update('select', ['no-such-rule', 'NRM4'], vscode.ConfigurationTarget.Workspace);
    await waitForDiagnostics(uri, 'only NRM4 selected, the broken pyproject.toml ignored', (ds) => severities(ds) === `NRM401:${E}`);
    await config.update('select', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('rules', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.workspace.fs.delete(pyproject);
    await waitForDiagnostics(uri, 'defaults again', (ds) => severities(ds) === `NRM401:${E},NRM301:${W}`);
  });

  it('hovers on a norm layer construction with its resolved arguments and their provenance', async () => {
    const uri = vscode.Uri.joinPath(folder, 'hover.py');
    await vscode.workspace.fs.writeFile(uri, enc('import torch.nn as nn\nGROUPS = 8\nnorm = nn.GroupNorm(GROUPS, 64)\nconv = nn.Conv2d(3, 64, 3)\n'));
    await openInEditor(uri);
    const text = async (line: number, character: number) => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(line, character));
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    };
    const md = await text(2, 12);
    assert.match(md, /\*\*GroupNorm\*\* \(torch\)/);
    assert.match(md, /\| `num_groups` \| `8` \| module constant GROUPS, line 2 \|/);
    assert.match(md, /\| `eps` \| `0\.00001` \| framework default \|/);
    assert.doesNotMatch(await text(3, 10), /NormScope/, 'no hover of ours on a conv');
  });

  it('lints a Jupyter notebook\'s code cells together and puts each finding on its cell', async function () {
    const uri = vscode.Uri.joinPath(folder, 'train.ipynb');
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Training\n'] },
        { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['%matplotlib inline\n', 'import torch.nn as nn\n', 'GROUPS = 2\n'] },
        { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['!nvidia-smi\n', 'norm = nn.GroupNorm(3, 10)\n', 'ok = nn.GroupNorm(2, 10)  # noqa: NRM401'] },
        { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['head = nn.GroupNorm(GROUPS, 10)\n'] },
      ],
    };
    await vscode.workspace.fs.writeFile(uri, enc(JSON.stringify(notebook, null, 1)));
    const document = await showNotebookOrSkip(this, uri);
    const cells = document.getCells();
    assert.strictEqual(cells.length, 4);
    const third = cells[2].document.uri;
    const diagnostics = await waitForExactly(third, ['NRM401@1:7-1:26', 'NRM901@2:26-2:40']);
    assert.strictEqual(cells[2].document.getText(diagnostics[0].range), 'nn.GroupNorm(3, 10)');
    assert.deepStrictEqual(summarize(normscopeDiagnostics(cells[1].document.uri)), []);

    // Editing a cell re-lints the notebook; the fix of a finding edits its own cell.
    const actions = await codeActions(third, diagnostics[1].range, (t) => t.includes('Remove the unused suppression'));
    const fix = actions.find((a) => a.title === 'Remove the unused suppression');
    assert.ok(fix?.edit, JSON.stringify(actions.map((a) => a.title)));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.strictEqual(cells[2].document.lineAt(2).text, 'ok = nn.GroupNorm(2, 10)');
    await waitForExactly(third, ['NRM401@1:7-1:26']);

    // A hover in a cell reads the program of all the code cells: GROUPS, set in the second cell, resolves.
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', cells[3].document.uri, new vscode.Position(0, 12));
    const md = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(md, /\| `num_groups` \| `2` \| module constant GROUPS, line 3 of cell 2 \|/);
    const range = hovers.find((h) => h.range)?.range;
    assert.ok(range && cells[3].document.getText(range) === 'nn.GroupNorm', JSON.stringify(range));
  });
});
