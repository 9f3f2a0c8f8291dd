// The activation simulator in a real VS Code extension host: the command opens the webview panel
// on a model and the page, running its worker in the real webview, reports its renders back.
// The model lives in an untitled document, so the fixture workspace (and the other suites'
// file counts) stay as they are.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { NormScopeApi } from '../../src/extension';
import type { RenderedMessage } from '../../src/webview/protocol';
import { closeAllEditors, EXTENSION_ID, requestScreenshot, waitFor } from './helpers';

const MODEL = `import torch
from torch import nn


class TinyMLP(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(16, width),
            nn.BatchNorm1d(width),
            nn.ReLU(),
            nn.Linear(width, width),
            nn.BatchNorm1d(width),
            nn.ReLU(),
        )
        self.head = nn.Linear(width, 4)

    def forward(self, x):
        return self.head(self.body(x))
`;

describe('activation simulator in a real VS Code extension host', () => {
  let document: vscode.TextDocument | undefined;

  after(async () => {
    // Revert the untitled model first, so closing it asks no "save changes?" question.
    if (document) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    await closeAllEditors();
  });

  it('the command opens the panel on the model and the page reports its first render', async () => {
    document = await vscode.workspace.openTextDocument({ language: 'python', content: MODEL });
    await vscode.window.showTextDocument(document);
    const ext = vscode.extensions.getExtension<NormScopeApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    const api = await ext.activate();
    const renders: RenderedMessage[] = [];
    const subscription = api.simulator.onDidRender((m) => renders.push(m));
    try {
      await vscode.commands.executeCommand('normscope.openSimulator');
      const first = await waitFor('the simulator page to report its first render', () => renders.find((r) => r.phase === 'main'), [api.simulator.onDidRender], {
        describe: () => JSON.stringify(renders),
      });
      assert.strictEqual(first.model, 'TinyMLP');
      // Linear, BatchNorm1d, ReLU twice, then the head.
      assert.strictEqual(first.layers, 7);
      await waitFor('the what-if phase', () => renders.find((r) => r.phase === 'whatIf'), [api.simulator.onDidRender], { describe: () => JSON.stringify(renders) });
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'NormScope Simulator');
      assert.ok(tab, 'no NormScope Simulator tab');
      await requestScreenshot('simulator-panel');
    } finally {
      subscription.dispose();
    }
  });
});
