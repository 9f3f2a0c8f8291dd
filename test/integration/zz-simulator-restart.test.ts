// The simulator panel across a real restart of the workbench and its extension host (the file is
// named to run last: it leaves the panel open). First half: the panel draws a model and the test
// asks for a restart; test/integration/index.ts then reloads the window. Second half (after the
// reload, in a new extension host): VS Code restores the panel through NormScope's serializer
// (`deserializeWebviewPanel`), the page restores its saved state and draws the same model again,
// without any command or document.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { closeAllEditors, normscopeApi as api, requestScreenshot, waitFor } from './helpers';
import { afterRestart, readRestartState, writeRestartState } from './restart';

const MODEL = `import torch
from torch import nn


class RestartNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(torch.flatten(self.pool(self.features(x)), 1))
`;


function simulatorTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'NormScope Simulator');
}

describe('activation simulator across a VS Code restart', () => {
  if (!afterRestart()) {
    it('before the restart: the panel draws a model, then the window reloads', async () => {
      await closeAllEditors();
      await waitFor('the earlier tests\' simulator tab to close', () => !simulatorTab(), [vscode.window.tabGroups.onDidChangeTabs]);
      const document = await vscode.workspace.openTextDocument({ language: 'python', content: MODEL });
      await vscode.window.showTextDocument(document);
      const { simulator } = await api();
      const since = simulator.recentRenders().length;
      await vscode.commands.executeCommand('normscope.openSimulator');
      const main = await waitFor('the first render of RestartNet', () => simulator.recentRenders().slice(since).find((r) => r.model === 'RestartNet' && r.phase === 'main'), [simulator.onDidRender], {
        describe: () => JSON.stringify(simulator.recentRenders()),
      });
      // Only the panel may survive: the untitled model is reverted and closed (no "save?" dialog on reload).
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      assert.ok(simulatorTab(), 'the simulator tab is open');
      writeRestartState({ requested: { model: main.model, layers: main.layers, at: Date.now() } });
    }).timeout(120_000);
  } else {
    it('after the restart: the serializer restores the panel and the page draws its saved model again', async () => {
      const requested = readRestartState()?.requested;
      assert.ok(requested, 'the first half left no restart request');
      const { simulator } = await api();
      await waitFor('the restored simulator tab', () => simulatorTab(), [vscode.window.tabGroups.onDidChangeTabs]);
      const render = await waitFor('a render of the restored model', () => simulator.recentRenders().find((r) => r.model === requested.model && r.phase === 'main'), [simulator.onDidRender], {
        describe: () => JSON.stringify(simulator.recentRenders()),
      });
      assert.strictEqual(render.layers, requested.layers);
      // Restored by VS Code through the serializer: nothing in this extension host opened it.
      assert.strictEqual(simulator.revivedPanels, 1);
      // No editor shows the model (the panel follows only the active editor): it came from the page's saved state.
      assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.getText().includes('class RestartNet')), 'an editor shows RestartNet after the restart');
      await requestScreenshot('simulator-after-restart');
      await closeAllEditors();
    }).timeout(240_000);
  }
});
