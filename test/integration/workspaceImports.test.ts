// Cross-file facts in a real VS Code extension host: a training script that imports its model
// (or its evaluation function) from another workspace file is linted with that model's layers
// (what that function does, what the methods of a trainer class it imports do), and re-linted
// when the other file changes (in an editor, unsaved, or on disk). Runs after the other suites
// (name order); writes its own files under crossfile/ in the scratch copy of the fixture workspace.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { closeAllEditors, openInEditor, summarize, waitForDiagnostics, workspaceUri } from './helpers';

const enc = (text: string) => Buffer.from(text, 'utf8');

const MODELS = `import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(Block(16), Block(16))
`;

const TRAIN = `import torch
from torch.utils.data import DataLoader
from models import Net

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader(train_set, batch_size=2, shuffle=True, drop_last=True)
for x, y in loader:
    optimizer.zero_grad()
    model(x).sum().backward()
    optimizer.step()
`;

const ENGINE = `import torch


def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()


def evaluate(model, loader):
    with torch.no_grad():
        return [model(x) for x, _ in loader]
`;

const LOOP = `import torch
from engine import evaluate, train_one_epoch
from models import Net

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    train_one_epoch(model, train_loader, optimizer)
    evaluate(model, val_loader)
`;

const TRAINER = `import torch


class Trainer:
    def __init__(self, model, train_loader, val_loader, optimizer):
        self.model = model
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer = optimizer

    def train_epoch(self):
        self.model.train()
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            self.model(x).sum().backward()
            self.optimizer.step()

    def validate(self):
        with torch.no_grad():
            return [self.model(x) for x, _ in self.val_loader]
`;

const FIT = `import torch
from models import Net
from trainer import Trainer

model = Net()
trainer = Trainer(model, train_loader, val_loader, torch.optim.SGD(model.parameters(), lr=0.1))
for epoch in range(10):
    trainer.train_epoch()
    trainer.validate()
`;

const codes = (diagnostics: readonly vscode.Diagnostic[]) => summarize(diagnostics).map((s) => s.split('@')[0]);

describe('cross-file model facts in a real VS Code extension host', () => {
  const models = workspaceUri('crossfile', 'models.py');
  const train = workspaceUri('crossfile', 'train.py');

  const engine = workspaceUri('crossfile', 'engine.py');
  const loop = workspaceUri('crossfile', 'loop.py');
  const trainer = workspaceUri('crossfile', 'trainer.py');
  const fit = workspaceUri('crossfile', 'fit.py');

  before(async () => {
    await vscode.workspace.fs.writeFile(models, enc(MODELS));
    await vscode.workspace.fs.writeFile(train, enc(TRAIN));
    await vscode.workspace.fs.writeFile(engine, enc(ENGINE));
    await vscode.workspace.fs.writeFile(loop, enc(LOOP));
    await vscode.workspace.fs.writeFile(trainer, enc(TRAINER));
    await vscode.workspace.fs.writeFile(fit, enc(FIT));
  });

  after(async () => {
    await closeAllEditors();
    await vscode.workspace.fs.delete(workspaceUri('crossfile'), { recursive: true });
  });

  it('lints train.py with the BatchNorm of the model it imports, and follows unsaved edits and disk changes of models.py', async () => {
    await openInEditor(train);
    // batch 2 into a model whose BatchNorm is only known from models.py.
    await waitForDiagnostics(train, 'the tiny-batch finding from the imported model', (d) => codes(d).includes('NRM102'));

    // An unsaved edit of models.py that swaps BatchNorm for GroupNorm clears it.
    const editor = await openInEditor(models);
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('nn.BatchNorm2d(c)'));
    assert.ok(line > 0);
    const column = editor.document.lineAt(line).text.indexOf('nn.BatchNorm2d(c)');
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(line, column, line, column + 'nn.BatchNorm2d(c)'.length), 'nn.GroupNorm(4, c)')));
    await waitForDiagnostics(train, 'no tiny-batch finding once models.py uses GroupNorm', (d) => !codes(d).includes('NRM102'));

    // Closing models.py without saving: its facts come from the disk again (BatchNorm).
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitForDiagnostics(train, 'the tiny-batch finding back with the saved models.py', (d) => codes(d).includes('NRM102'));

    // A change on disk (another tool, a git checkout) is followed too.
    await vscode.workspace.fs.writeFile(models, enc(MODELS.replace('nn.BatchNorm2d(c)', 'nn.GroupNorm(4, c)')));
    await waitForDiagnostics(train, 'no tiny-batch finding after models.py changed on disk', (d) => !codes(d).includes('NRM102'));
  });

  it("reports an imported evaluate() without eval() at its call, and follows an unsaved edit of engine.py", async () => {
    await vscode.workspace.fs.writeFile(models, enc(MODELS));
    await openInEditor(loop);
    const atCall = (d: readonly vscode.Diagnostic[]) => summarize(d).some((s) => s.startsWith('NRM202@8:'));
    await waitForDiagnostics(loop, 'NRM202 on the evaluate() call (line 9)', atCall);
    const editor = await openInEditor(engine);
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('with torch.no_grad():'));
    assert.ok(line > 0);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(line, 0), '    model.eval()\n')));
    await waitForDiagnostics(loop, 'no NRM202 once evaluate() calls model.eval() (unsaved)', (d) => !codes(d).includes('NRM202'));
    // (Reverted and closed before the folder is removed: an open editor of a deleted file logs errors.)
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it("reports a trainer class's validate() without eval() at the caller's trainer.validate(), and follows an unsaved edit of trainer.py", async () => {
    await openInEditor(fit);
    const atCall = (d: readonly vscode.Diagnostic[]) => summarize(d).some((s) => s.startsWith('NRM202@8:'));
    await waitForDiagnostics(fit, 'NRM202 on the trainer.validate() call (line 9)', atCall);
    const editor = await openInEditor(trainer);
    const line = editor.document.getText().split('\n').findIndex((l) => l.includes('with torch.no_grad():'));
    assert.ok(line > 0);
    assert.ok(await editor.edit((b) => b.insert(new vscode.Position(line, 0), '        self.model.eval()\n')));
    await waitForDiagnostics(fit, 'no NRM202 once validate() calls self.model.eval() (unsaved)', (d) => !codes(d).includes('NRM202'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
