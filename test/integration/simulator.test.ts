// The activation simulator in a real VS Code extension host: the command opens the webview panel
// on a model and the page, running its worker in the real webview, reports its renders back.
// The model lives in an untitled document, so the fixture workspace (and the other suites'
// file counts) stay as they are.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { RenderedMessage } from '../../src/webview/protocol';
import { closeAllEditors, normscopeApi, requestScreenshot, waitFor } from './helpers';

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

// A model class and a factory function returning an instance of it (as torchvision's `resnet18`).
const FACTORY = `from torch import nn


class Block(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.fc = nn.Linear(4, width)
        self.bn = nn.BatchNorm1d(width)

    def forward(self, x):
        return self.bn(self.fc(x))


def wide_block(**kwargs):
    return Block(width=16, **kwargs)
`;

// A convolutional model whose input size is not in the code (the simulator's choice, or the size asked for).
const CONV = `from torch import nn


class TinyConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

describe('activation simulator in a real VS Code extension host', () => {
  const documents: vscode.TextDocument[] = [];

  after(async () => {
    // Revert the untitled models first, so closing them asks no "save changes?" question.
    for (const document of documents) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    await closeAllEditors();
  });

  it('the command opens the panel on the model and the page reports its first render', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: MODEL });
    documents.push(document);
    await vscode.window.showTextDocument(document);
    const api = await normscopeApi();
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

  it('puts a "Simulate activations" CodeLens above the model class and the factory function, and the factory\'s lens simulates the model it builds', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: FACTORY });
    documents.push(document);
    await vscode.window.showTextDocument(document);
    const api = await normscopeApi();
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri)) ?? [];
    const simulate = lenses.filter((l) => l.command?.title === 'Simulate activations').sort((a, b) => a.range.start.line - b.range.start.line);
    // `class Block` on line 4 and `def wide_block` on line 14 (1-based).
    const modelOf = (l: vscode.CodeLens): unknown => (l.command?.arguments as unknown[] | undefined)?.[1];
    assert.deepStrictEqual(simulate.map((l) => [l.range.start.line + 1, modelOf(l)]), [[4, 'Block'], [14, 'wide_block']], JSON.stringify(lenses.map((l) => l.command?.title)));
    const renders: RenderedMessage[] = [];
    const subscription = api.simulator.onDidRender((m) => renders.push(m));
    try {
      const lens = simulate[1]?.command;
      assert.ok(lens);
      await vscode.commands.executeCommand(lens.command, ...((lens.arguments as unknown[] | undefined) ?? []));
      const render = await waitFor('the simulator page to render the factory\'s model', () => renders.find((r) => r.phase === 'main' && r.model === 'wide_block'), [api.simulator.onDidRender], {
        describe: () => JSON.stringify(renders),
      });
      // The instance's layers (fc, bn), sized by the factory's argument.
      assert.strictEqual(render.layers, 2);
    } finally {
      subscription.dispose();
    }
  });

  it('rebuilds the model with the input size asked for (the panel\'s control), through the lint worker, and back to the simulator\'s choice', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'python', content: CONV });
    documents.push(document);
    await vscode.window.showTextDocument(document);
    const api = await normscopeApi();
    const renders: RenderedMessage[] = [];
    const subscription = api.simulator.onDidRender((m) => renders.push(m));
    const drawn = (shape: string): Promise<RenderedMessage> =>
      waitFor(`a render of TinyConv with input ${shape}`, () => renders.find((r) => r.phase === 'main' && r.model === 'TinyConv' && r.inputShape.join('x') === shape), [api.simulator.onDidRender], {
        describe: () => JSON.stringify(renders),
      });
    try {
      await api.simulator.open(document.uri, 'TinyConv');
      await drawn('3x8x8');
      api.simulator.setInputSize(32);
      await drawn('3x32x32');
      renders.length = 0;
      api.simulator.setInputSize(undefined);
      await drawn('3x8x8');
      assert.throws(() => api.simulator.setInputSize(0), RangeError);
    } finally {
      subscription.dispose();
    }
  });
});
