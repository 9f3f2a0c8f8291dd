import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintPython } from '../../../src/lint/lint';
import type { Finding } from '../../../src/rules/types';
import { WorkspaceIndex } from '../../../src/parsing/workspace/index';
import { RULES } from '../../../src/rules/catalogue';
import { EMPTY_CONFIG } from '../../../src/rules/config';

// Functions of other workspace files (`from engine import evaluate`): what they do to the models
// passed to them is applied at the call, as the file's own helpers' summaries are.

const ENGINE = `import torch


def train_one_epoch(model, loader, optimizer, criterion):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()


def evaluate(model, loader):
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct


def predict(net, batch):
    return net(batch)


def to_inference(m):
    m.eval()


def export(model):
    torch.onnx.export(model, torch.randn(1, 3, 8, 8), 'm.onnx', training=torch.onnx.TrainingMode.PRESERVE)
`;

const NET = `import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))
`;

const TRAIN = (importLine: string, loop: string, after = '') => `${NET}
${importLine}

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = nn.CrossEntropyLoss()
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)
val_loader = DataLoader(val_set, batch_size=64)
for epoch in range(10):
${loop}
${after}`;

const LOOP = '    train_one_epoch(model, train_loader, optimizer, criterion)\n    acc = evaluate(model, val_loader)\n    print(acc)';

const dirs: string[] = [];

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-imported-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "demo"\n');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function lint(dir: string, rel: string, index = new WorkspaceIndex([dir]), visited?: Set<string>): Finding[] {
  const file = path.join(dir, rel);
  return lintPython(fs.readFileSync(file, 'utf8'), EMPTY_CONFIG, RULES, index.analysisFor(file, visited)).findings.filter((f) => f.code !== 'NRM901');
}

const at = (f: Finding) => `${f.code} ${f.span.start.line + 1}:${f.span.start.column + 1}`;

describe('functions imported from other workspace files', () => {
  after(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("an imported evaluate() without eval(), after an imported train_one_epoch(): reported at the call, citing the other file's lines", () => {
    const dir = project({ 'engine.py': ENGINE, 'train.py': TRAIN('from engine import evaluate, train_one_epoch', LOOP) });
    const found = lint(dir, 'train.py');
    const text = fs.readFileSync(path.join(dir, 'train.py'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('acc = evaluate(')) + 1;
    assert.deepStrictEqual(found.map(at), [`NRM202 ${line}:11`]);
    const f = found[0];
    assert.match(f.message, /^model runs under torch\.no_grad\(\) in evaluate\(\) at engine\.py:17 \(in evaluate\(\)\) but is in training mode \(model\.train\(\) at engine\.py:5\)/);
    assert.deepStrictEqual(
      f.related?.map((r) => r.message),
      [`model runs in evaluate() at engine.py:17, called here (line ${line})`, 'training mode from model.train() at engine.py:5', 'mode-dependent layer BatchNorm2d'],
    );
    // The training mode comes from the train_one_epoch() call, the line before.
    assert.strictEqual(f.related?.[1].span.start.line, line - 2);
    // No fix here: the eval() belongs in the other file.
    assert.strictEqual(f.fix, undefined);
  });

  it('nothing to report once evaluate() switches to eval mode; the mode it leaves holds after the call', () => {
    const fixed = ENGINE.replace('    correct = 0\n', '    model.eval()\n    correct = 0\n');
    const after = 'with torch.no_grad():\n    preds = model(x_test)\nprint(preds)\n';
    const dir = project({ 'engine.py': fixed, 'train.py': TRAIN('from engine import evaluate, train_one_epoch', LOOP, after) });
    assert.deepStrictEqual(lint(dir, 'train.py').map(at), []);
    // Without it, the forward after the loop is in the training mode train_one_epoch() left.
    const dir2 = project({ 'engine.py': ENGINE, 'train.py': TRAIN('from engine import train_one_epoch', '    train_one_epoch(model, train_loader, optimizer, criterion)', after) });
    const found = lint(dir2, 'train.py');
    assert.deepStrictEqual(found.map((f) => f.code), ['NRM202']);
    assert.match(found[0].message, /training mode \(model\.train\(\) at engine\.py:5\)/);
  });

  it('`import engine` / `engine.evaluate(...)`, and relative imports in a package', () => {
    const loop = LOOP.replace('train_one_epoch(', 'engine.train_one_epoch(').replace('evaluate(', 'engine.evaluate(');
    const dir = project({
      'engine.py': ENGINE,
      'train.py': TRAIN('import engine', loop),
      'pkg/__init__.py': '',
      'pkg/engine.py': ENGINE,
      'pkg/train.py': TRAIN('from .engine import evaluate, train_one_epoch', LOOP),
      'pkg/train_module.py': TRAIN('from . import engine', loop),
    });
    for (const rel of ['train.py', 'pkg/train.py', 'pkg/train_module.py']) assert.deepStrictEqual(lint(dir, rel).map((f) => f.code), ['NRM202'], rel);
    assert.match(lint(dir, 'pkg/train.py')[0].message, /in evaluate\(\) at pkg\/engine\.py:17/);
  });

  it('inference without no_grad (NRM201), exports (NRM204) and the eval mode a helper leaves', () => {
    const script = `${NET}
import utils

model = Net()
model.load_state_dict(torch.load('w.pt'))
utils.export(model)
out = utils.predict(model, x)
utils.to_inference(model)
with torch.no_grad():
    preds = model(x)
print(out, preds)
`;
    const dir = project({ 'utils.py': ENGINE, 'script.py': script });
    const found = lint(dir, 'script.py');
    assert.deepStrictEqual(found.map(at), ['NRM204 20:1', 'NRM201 21:7']);
    assert.deepStrictEqual(found.map((f) => f.related?.[0].message), ['torch.onnx.export(training=PRESERVE) in export() at utils.py:30', 'the inference call in predict() at utils.py:22']);
  });

  it('a training loop in an imported function links the loader passed to it to the model (batch-size rules)', () => {
    const dir = project({ 'engine.py': ENGINE, 'train.py': TRAIN('from engine import train_one_epoch', '    train_one_epoch(model, train_loader, optimizer, criterion)').replace('batch_size=64, shuffle', 'batch_size=1, shuffle') });
    const found = lint(dir, 'train.py');
    assert.deepStrictEqual(found.map((f) => f.code), ['NRM102']);
    assert.match(found[0].message, /^model trains BatchNorm .* with a per-device batch of 1/);
  });

  it("an imported function is read again when its file changes, and the file is among the lint's dependencies", () => {
    const dir = project({ 'engine.py': ENGINE, 'train.py': TRAIN('from engine import evaluate, train_one_epoch', LOOP) });
    const index = new WorkspaceIndex([dir]);
    const visited = new Set<string>();
    assert.deepStrictEqual(lint(dir, 'train.py', index, visited).map((f) => f.code), ['NRM202']);
    assert.ok(visited.has(path.join(dir, 'engine.py')), [...visited].join());
    index.update(path.join(dir, 'engine.py'), ENGINE.replace('    correct = 0\n', '    model.eval()\n    correct = 0\n'), '2');
    assert.deepStrictEqual(lint(dir, 'train.py', index).map((f) => f.code), []);
  });

  it("a name the calling function binds itself, or a function the file defines, is not the import", () => {
    const local = TRAIN('from engine import evaluate, train_one_epoch\n\n\ndef evaluate(model, loader):\n    model.eval()\n    with torch.no_grad():\n        return [model(x) for x, _ in loader]\n', LOOP);
    const dir = project({ 'engine.py': ENGINE, 'train.py': local });
    assert.deepStrictEqual(lint(dir, 'train.py').map((f) => f.code), []);
  });

  it('a model passed as a parameter the other file does not follow as a model leaves the call in a mode not known (an opaque call)', () => {
    const helpers = 'import somelib\n\n\ndef finalize(x):\n    somelib.prepare_for_serving(x)\n\n\ndef log_model(model):\n    print(model)\n';
    const script = (name: string) => `${NET}\nfrom helpers import ${name}\n\nmodel = Net()\nmodel.load_state_dict(torch.load('w.pt'))\n${name}(model)\nwith torch.no_grad():\n    preds = model(x_test)\nprint(preds)\n`;
    const dir = project({ 'helpers.py': helpers, 'finalize.py': script('finalize'), 'log.py': script('log_model') });
    assert.deepStrictEqual(lint(dir, 'finalize.py').map((f) => f.code), []);
    // A parameter it follows, left as it was: the model is still in the training mode it was built in.
    assert.deepStrictEqual(lint(dir, 'log.py').map((f) => f.code), ['NRM202']);
  });

  it("a run in a mode the imported function set itself is its own file's finding, not each caller's; a BatchNorm recalibration after the caller's train() is no finding", () => {
    const helpers = `import torch


def accumulate_standing_stats(net, loader):
    net.train()
    with torch.no_grad():
        for x in loader:
            net(x)


def update_bn_stats(model, loader):
    with torch.no_grad():
        for x in loader:
            model(x)
`;
    const script = (calls: string) => `${NET}\nfrom helpers import accumulate_standing_stats, update_bn_stats\n\nmodel = Net()\nmodel.load_state_dict(torch.load('w.pt'))\n${calls}\n`;
    const dir = project({
      'helpers.py': helpers,
      'own.py': script('accumulate_standing_stats(model, loader)'),
      'caller.py': script('model.train()\nupdate_bn_stats(model, loader)'),
      'stepped.py': script('model.train()\nfor x, y in loader:\n    model(x).sum().backward()\n    optimizer.step()\nupdate_bn_stats(model, loader)'),
    });
    assert.deepStrictEqual(lint(dir, 'own.py').map((f) => f.code), []);
    assert.deepStrictEqual(lint(dir, 'caller.py').map((f) => f.code), []);
    // A training step between the caller's train() and the call: no recalibration pass.
    assert.deepStrictEqual(lint(dir, 'stepped.py').map((f) => f.code), ['NRM202']);
  });

  it('an object the other file switches, and so follows, but this file does not take for a model (a criterion) brings no finding', () => {
    // (DETR's engine.py: its training function switches the criterion too.)
    const engine = 'import torch\n\n\ndef train_one_epoch(model, criterion, loader):\n    model.train()\n    criterion.train()\n\n\ndef evaluate(model, criterion, loader):\n    model.eval()\n    with torch.no_grad():\n        return [criterion(model(x), y) for x, y in loader]\n';
    const script = `${NET}\nfrom engine import evaluate, train_one_epoch\n\nmodel = Net()\ncriterion = build_criterion(args)\nfor epoch in range(10):\n    train_one_epoch(model, criterion, train_loader)\n    evaluate(model, criterion, val_loader)\n`;
    const dir = project({ 'engine.py': engine, 'script.py': script });
    assert.deepStrictEqual(lint(dir, 'script.py').map((f) => f.code), []);
    // The model's own run stays: without its eval(), reported.
    const dir2 = project({ 'engine.py': engine.replace('    model.eval()\n', ''), 'script.py': script });
    assert.deepStrictEqual(lint(dir2, 'script.py').map((f) => f.code), ['NRM202']);
  });

  it("a training function of another file whose step is timm's loss scaler (MAE's engine_finetune.py) links the loader passed to it", () => {
    const engine = `import torch


def train_one_epoch(model, criterion, data_loader, optimizer, device, epoch, loss_scaler, max_norm=0):
    model.train(True)
    for data_iter_step, (samples, targets) in enumerate(metric_logger.log_every(data_loader, 20, 'x')):
        with torch.cuda.amp.autocast():
            loss = criterion(model(samples), targets)
        loss_scaler(loss, optimizer, clip_grad=max_norm, parameters=model.parameters(), update_grad=True)
        optimizer.zero_grad()
`;
    const script = `${NET}\nfrom engine_finetune import train_one_epoch\n\n\ndef main(args):\n    model = Net()\n    data_loader_train = DataLoader(dataset_train, batch_size=1, drop_last=True)\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for epoch in range(10):\n        train_one_epoch(model, criterion, data_loader_train, optimizer, device, epoch, loss_scaler)\n`;
    const dir = project({ 'engine_finetune.py': engine, 'main_finetune.py': script });
    assert.deepStrictEqual(lint(dir, 'main_finetune.py').map((f) => f.code), ['NRM102']);
  });

  it('a factory of another file (`model = build_model(args)`, `net, name = get_network(args)`) gives the model it builds, with classes it imports itself', () => {
    const models = NET.replace('import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n', 'import torch.nn as nn\n');
    const factory = 'from models import Net\n\n\ndef build_model(args):\n    return Net()\n\n\ndef get_network(args):\n    net = Net()\n    return net, "net"\n';
    const script = (build: string) => `import torch\nfrom torch.utils.data import DataLoader\nfrom factory import build_model, get_network\n\n${build}\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(train_set, batch_size=1, shuffle=True)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n`;
    const dir = project({ 'models.py': models, 'factory.py': factory, 'build.py': script('model = build_model(args)'), 'tuple.py': script('model, name = get_network(args)') });
    const index = new WorkspaceIndex([dir]);
    const visited = new Set<string>();
    const found = lint(dir, 'build.py', index, visited);
    assert.deepStrictEqual(found.map((f) => f.code), ['NRM102']);
    assert.match(found[0].message, /BatchNorm2d \(models\.py:8\)/);
    // models.py is a dependency of build.py through factory.py.
    assert.deepStrictEqual([...visited].map((f) => path.basename(f)).sort(), ['factory.py', 'models.py']);
    assert.deepStrictEqual(lint(dir, 'tuple.py', index).map((f) => f.code), ['NRM102']);
    // models.py changes (GroupNorm): factory.py's functions are read again.
    index.update(path.join(dir, 'models.py'), models.replace('nn.BatchNorm2d(16)', 'nn.GroupNorm(4, 16)'), '2');
    assert.deepStrictEqual(lint(dir, 'build.py', index).map((f) => f.code), []);
  });

  it("a factory calling another file's factory (3D-ResNets' `generate_model(opt)` returning `resnet.generate_model(...)`), and import cycles between factories", () => {
    const models = NET.replace('import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n', 'import torch.nn as nn\n');
    const resnet = `${models}\n\ndef generate_model(depth):\n    return Net()\n`;
    const model = 'from models import resnet\n\n\ndef generate_model(opt):\n    model = resnet.generate_model(opt.model_depth)\n    return model\n';
    const script = 'import torch\nfrom torch.utils.data import DataLoader\nfrom model import generate_model\n\nmodel = generate_model(opt)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(train_set, batch_size=1, shuffle=True)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';
    const dir = project({ 'models/__init__.py': '', 'models/resnet.py': resnet, 'model.py': model, 'main.py': script });
    const found = lint(dir, 'main.py');
    assert.deepStrictEqual(found.map((f) => f.code), ['NRM102']);
    assert.match(found[0].message, /BatchNorm2d \(models\/resnet\.py:8\)/);
    // Two files whose functions call each other's: read without end, each seeing what it can.
    const a = 'from b import helper_b\n\n\ndef helper_a(model):\n    helper_b(model)\n    return model\n\n\ndef build_a():\n    return Net()\n';
    const b = 'from a import helper_a\n\n\ndef helper_b(model):\n    helper_a(model)\n    model.eval()\n';
    const dir2 = project({ 'a.py': `from models import Net\n${a}`, 'b.py': b, 'models.py': models, 'main.py': script.replace('from model import generate_model', 'from a import build_a, helper_a').replace('generate_model(opt)', 'build_a()') });
    const index = new WorkspaceIndex([dir2]);
    for (let i = 0; i < 3; i++) assert.deepStrictEqual(lint(dir2, 'main.py', index).map((f) => f.code), ['NRM102']);
  });

  it("a loader of another file that returns the model in eval mode: no NRM202 for its no-grad runs; one that does not, reported", () => {
    const loader = (evalLine: string) => `import torch\nfrom models import Net\n\n\ndef load_model(path):\n    model = Net()\n    model.load_state_dict(torch.load(path))\n${evalLine}    return model\n`;
    const models = NET.replace('import torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n', 'import torch.nn as nn\n');
    const script = "import torch\nfrom loading import load_model\n\nmodel = load_model('w.pt')\nmodel.load_state_dict(torch.load('w.pt'))\nwith torch.no_grad():\n    preds = model(x_test)\nprint(preds)\n";
    const dir = project({ 'models.py': models, 'loading.py': loader('    model.eval()\n'), 'predict.py': script });
    assert.deepStrictEqual(lint(dir, 'predict.py').map((f) => f.code), []);
    const dir2 = project({ 'models.py': models, 'loading.py': loader(''), 'predict.py': script });
    const found = lint(dir2, 'predict.py');
    assert.deepStrictEqual(found.map((f) => f.code), ['NRM202']);
    assert.match(found[0].message, /in training mode \(load_model\(\.\.\.\) at line 4 builds the model \(modules start in training mode\)\)/);
  });

  it('the module-level function is the one imported, not a nested function of the same name defined after it', () => {
    const engine = ENGINE + '\n\ndef make_hooks():\n    def evaluate(model, loader):\n        model.eval()\n    return evaluate\n';
    const dir = project({ 'engine.py': engine, 'train.py': TRAIN('from engine import evaluate, train_one_epoch', LOOP) });
    assert.deepStrictEqual(lint(dir, 'train.py').map((f) => f.code), ['NRM202']);
  });

  it("a trainer class of another file holding what it is given (`from trainer import Trainer`): its methods apply at the caller's calls", () => {
    const trainer = `import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, train_loader, val_loader, optimizer):
        self.model = model
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer = optimizer
        self.criterion = nn.CrossEntropyLoss()

    def train_epoch(self):
        self.model.train()
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            self.criterion(self.model(x), y).backward()
            self.optimizer.step()

    def validate(self):
        with torch.no_grad():
            return [self.model(x) for x, _ in self.val_loader]


class Tester(Trainer):
    def test(self):
        return self.validate()
`;
    const main = `${NET}
from trainer import Trainer, Tester

model = Net()
train_loader = DataLoader(train_set, batch_size=1)
trainer = Trainer(model, train_loader, DataLoader(val_set, batch_size=64), torch.optim.SGD(model.parameters(), lr=0.1))
for epoch in range(10):
    trainer.train_epoch()
    trainer.validate()
`;
    const dir = project({ 'trainer.py': trainer, 'main.py': main });
    const lineOf = (needle: string) => main.split('\n').findIndex((l) => l.includes(needle)) + 1;
    // Read again when the class's file changes (an editor buffer), which is among the lint's dependencies.
    const index = new WorkspaceIndex([dir]);
    const visited = new Set<string>();
    assert.deepStrictEqual(lint(dir, 'main.py', index, visited).map((f) => f.code), ['NRM102', 'NRM202']);
    assert.ok(visited.has(path.join(dir, 'trainer.py')), [...visited].join());
    index.update(path.join(dir, 'trainer.py'), trainer.replace('        with torch.no_grad():\n', '        self.model.eval()\n        with torch.no_grad():\n'), '2');
    assert.deepStrictEqual(lint(dir, 'main.py', index).map((f) => f.code), ['NRM102']);
    const found = lint(dir, 'main.py');
    assert.deepStrictEqual(found.map(at), [`NRM102 ${lineOf('batch_size=1')}:49`, `NRM202 ${lineOf('trainer.validate()')}:5`]);
    assert.match(found[1].message, /^model runs under torch\.no_grad\(\) in validate\(\) at trainer\.py:22 .* but is in training mode \(self\.model\.train\(\) at trainer\.py:14\)/);
    // Nothing to report once validate() switches to eval mode; a method of a base class of the other file counts too.
    const fixed = trainer.replace('        with torch.no_grad():\n', '        self.model.eval()\n        with torch.no_grad():\n');
    const dir2 = project({ 'trainer.py': fixed, 'main.py': main.replace('batch_size=1', 'batch_size=32') });
    assert.deepStrictEqual(lint(dir2, 'main.py').map(at), []);
    const viaBase = main.replace('trainer.validate()', 'Tester(model, None, DataLoader(val_set, batch_size=64), None).test()');
    const dir3 = project({ 'trainer.py': trainer, 'main.py': viaBase.replace('batch_size=1', 'batch_size=32') });
    assert.deepStrictEqual(lint(dir3, 'main.py').map((f) => f.code), ['NRM202']);
    // A model class of another file is no holder: its methods are not followed (nor is a class with a base not in view).
    const dir4 = project({ 'trainer.py': trainer.replace('class Trainer:', 'class Trainer(nn.Module):'), 'main.py': main });
    assert.deepStrictEqual(lint(dir4, 'main.py').map((f) => f.code), []);
    const dir5 = project({ 'trainer.py': trainer.replace('class Trainer:', 'class Trainer(BaseTrainer):'), 'main.py': main });
    assert.deepStrictEqual(lint(dir5, 'main.py').map((f) => f.code), []);
  });

  it("a trainer class of another file building its own model (`self.model = resnet18()`): its validation method without eval() after its training method, reported at the caller's call", () => {
    const trainer = `import torch
import torchvision


class Trainer(object):
    def __init__(self, args):
        self.model = torchvision.models.resnet18()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.train_loader = torch.utils.data.DataLoader(args.train, batch_size=16)
        self.val_loader = torch.utils.data.DataLoader(args.val, batch_size=16)

    def training(self, epoch):
        self.model.train()
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            torch.nn.functional.cross_entropy(self.model(x), y).backward()
            self.optimizer.step()

    def validation(self, epoch):
        for x, y in self.val_loader:
            with torch.no_grad():
                out = self.model(x)
`;
    const main = 'from trainer import Trainer\n\n\ndef main(args):\n    trainer = Trainer(args)\n    for epoch in range(10):\n        trainer.training(epoch)\n        trainer.validation(epoch)\n';
    const dir = project({ 'trainer.py': trainer, 'train.py': main });
    const found = lint(dir, 'train.py');
    assert.deepStrictEqual(found.map(at), ['NRM202 8:9']);
    assert.match(found[0].message, /^trainer\.model runs under torch\.no_grad\(\) in validation\(\) at trainer\.py:22 .*training mode \(self\.model\.train\(\) at trainer\.py:13\).* BatchNorm2d/);
    // The trainer's own file alone cannot tell the order its methods are called in.
    assert.deepStrictEqual(lint(dir, 'trainer.py').map(at), []);
  });

  it("a model class whose Keras base is not in view, built of another file's blocks with Keras norm layers only, is a Keras model (keras-hub): no train/eval mode to report", () => {
    const blocks = 'import keras\nfrom keras_hub.src.layers import BaseBlock\n\n\nclass Block(BaseBlock):\n    def __init__(self):\n        super().__init__()\n        self.bn = keras.layers.BatchNormalization()\n        self.drop = keras.layers.Dropout(0.1)\n';
    const models = 'from keras_hub.src.models.task import Task\nfrom blocks import Block\n\n\nclass Classifier(Task):\n    def __init__(self):\n        super().__init__()\n        self.block = Block()\n';
    const main = 'from models import Classifier\n\n\ndef validate_output(keras_model, batch):\n    return keras_model(batch)\n\n\nkeras_model = Classifier()\nvalidate_output(keras_model, batch)\n';
    const dir = project({ 'blocks.py': blocks, 'models.py': models, 'main.py': main });
    assert.deepStrictEqual(lint(dir, 'main.py').map(at), []);
    // The same blocks with PyTorch's BatchNorm: a model with training mode.
    const torchBlocks = blocks.replace('keras.layers.BatchNormalization()', 'torch.nn.BatchNorm2d(8)');
    const dir2 = project({ 'blocks.py': torchBlocks, 'models.py': models, 'main.py': main });
    assert.deepStrictEqual(lint(dir2, 'main.py').map((f) => f.code), ['NRM201']);
  });

  it("a solver class of another file building its model in a method its __init__ calls (StarGAN's Solver), used in a function the module calls: each finding once, at the call in that function", () => {
    const solver = `import torch
import torchvision


class Solver(object):
    def __init__(self, config):
        self.config = config
        self.build_model()

    def build_model(self):
        if self.config.dataset in ['CelebA', 'RaFD']:
            self.G = torchvision.models.resnet18()
        elif self.config.dataset == 'Both':
            self.G = torchvision.models.resnet18(num_classes=10)

    def test(self):
        with torch.no_grad():
            return self.G(torch.randn(1, 3, 224, 224))
`;
    const main = 'from solver import Solver\n\n\ndef main(config):\n    solver = Solver(config)\n    if config.mode == "test":\n        solver.test()\n\n\nmain(config)\n';
    const dir = project({ 'solver.py': solver, 'main.py': main });
    const found = lint(dir, 'main.py');
    assert.deepStrictEqual(found.map(at), ['NRM202 7:9']);
    assert.match(found[0].message, /^solver\.G runs under torch\.no_grad\(\) in test\(\) at solver\.py:18 .* but is in training mode \(torchvision\.models\.resnet18\(\.\.\.\) built at solver\.py:12 /);
  });

  it("a helper of another file putting a model's BatchNorm in eval mode (DeepLabV3Plus' `fix_bn(model)`) is a BatchNorm freeze at the call: after each train() it keeps a frozen backbone's statistics; once before the loop, model.train() undoes it", () => {
    const utils = 'import torch.nn as nn\n\n\ndef fix_bn(module):\n    for m in module.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n';
    const script = (before: string, inLoop: string) =>
      `${NET}\nfrom utils import fix_bn\n\nnet = Net()\nfor p in net.conv.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(net.fc.parameters(), lr=0.1)\ntrain_loader = DataLoader(train_set, batch_size=64, shuffle=True)\n${before}for epoch in range(10):\n    net.train()\n${inLoop}    for x, y in train_loader:\n        optimizer.zero_grad()\n        net(x).sum().backward()\n        optimizer.step()\n`;
    const kept = project({ 'utils.py': utils, 'train.py': script('', '    fix_bn(net)\n') });
    assert.deepStrictEqual(lint(kept, 'train.py').filter((f) => f.code === 'NRM205').map(at), []);
    const undone = project({ 'utils.py': utils, 'train.py': script('fix_bn(net)\n', '') });
    const text = script('fix_bn(net)\n', '').split('\n');
    const found = lint(undone, 'train.py').filter((f) => f.code === 'NRM205');
    assert.deepStrictEqual(found.map(at), [`NRM205 ${text.indexOf('    net.train()') + 1}:5`]);
    assert.match(found[0].message, new RegExp(`undoing the BatchNorm freeze at line ${text.indexOf('fix_bn(net)') + 1} `));
  });

  it("a method of a model class of another file putting its BatchNorm in eval mode (`model.freeze_bn()` of `from model import RetinaNet`) applies at the call, as the file's own would", () => {
    const model = NET.replace('class Net(', 'class RetinaNet(').replace(
      '    def forward',
      '    def freeze_bn(self):\n        for layer in self.modules():\n            if isinstance(layer, nn.BatchNorm2d):\n                layer.eval()\n\n    def describe(self):\n        return str(self)\n\n    def forward',
    );
    const script = (before: string, inLoop: string) =>
      `import torch\nfrom model import RetinaNet\n\nmodel = RetinaNet()\nfor p in model.conv.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)\n${before}for epoch in range(10):\n    model.train()\n${inLoop}    for x, y in train_loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n`;
    const kept = project({ 'model.py': model, 'train.py': script('', '    model.freeze_bn()\n') });
    assert.deepStrictEqual(lint(kept, 'train.py').filter((f) => f.code === 'NRM205').map(at), []);
    const text = script('model.freeze_bn()\n', '').split('\n');
    const undone = project({ 'model.py': model, 'train.py': text.join('\n') });
    const found = lint(undone, 'train.py').filter((f) => f.code === 'NRM205');
    assert.deepStrictEqual(found.map(at), [`NRM205 ${text.indexOf('    model.train()') + 1}:5`]);
    assert.match(found[0].message, new RegExp(`undoing the BatchNorm freeze at line ${text.indexOf('model.freeze_bn()') + 1} `));
    // Only the methods that switch a mode are summed up for other files.
    const index = new WorkspaceIndex([undone]);
    assert.ok(index.importedFunction(path.join(undone, 'train.py'), 'RetinaNet.freeze_bn'));
    assert.strictEqual(index.importedFunction(path.join(undone, 'train.py'), 'RetinaNet.describe'), undefined);
  });

  it("an imported evaluate() that leaves the model in eval mode, called inside the training loop with no train() after it: NRM203 at the call, citing the other file's eval()", () => {
    const engine = 'import torch\n\n\n@torch.no_grad()\ndef evaluate(model, loader):\n    model.eval()\n    return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)\n';
    const script = (after: string) =>
      TRAIN('from engine import evaluate', `    for step, (x, y) in enumerate(train_loader):\n        optimizer.zero_grad()\n        criterion(model(x), y).backward()\n        optimizer.step()\n        if step % 100 == 0:\n            print(evaluate(model, val_loader))\n${after}`).replace('for epoch in range(10):\n', 'model.train()\nfor epoch in range(10):\n');
    const text = script('').split('\n');
    const dir = project({ 'engine.py': engine, 'train.py': text.join('\n') });
    const found = lint(dir, 'train.py').filter((f) => f.code === 'NRM203');
    const line = text.findIndex((l) => l.includes('evaluate(model, val_loader)')) + 1;
    assert.deepStrictEqual(found.map(at), [`NRM203 ${line}:19`]);
    assert.match(found[0].message, /^model\.eval\(\) at engine\.py:6 puts model in eval mode/);
    const restored = project({ 'engine.py': engine, 'train.py': script('            model.train()\n') });
    assert.deepStrictEqual(lint(restored, 'train.py').filter((f) => f.code === 'NRM203').map(at), []);
  });

  it("a helper of another file freezing what it is given (`freeze_backbone(net)`) is a freeze at the call: its BatchNorm in training mode at the step is reported there, citing the other file's loop", () => {
    const utils = 'def freeze_backbone(model, frozen=True):\n    if frozen:\n        for p in model.conv.parameters():\n            p.requires_grad = False\n';
    const script = (call: string) =>
      `${NET}\nfrom utils import freeze_backbone\n\nnet = Net()\n${call}\noptimizer = torch.optim.SGD(net.fc.parameters(), lr=0.1)\ntrain_loader = DataLoader(train_set, batch_size=64, shuffle=True)\nfor epoch in range(10):\n    net.train()\n    for x, y in train_loader:\n        optimizer.zero_grad()\n        net(x).sum().backward()\n        optimizer.step()\n`;
    const text = script('freeze_backbone(net)').split('\n');
    const dir = project({ 'utils.py': utils, 'train.py': text.join('\n') });
    const found = lint(dir, 'train.py').filter((f) => f.code === 'NRM205');
    assert.deepStrictEqual(found.map(at), [`NRM205 ${text.indexOf('freeze_backbone(net)') + 1}:1`]);
    assert.match(found[0].message, /^net\.conv is frozen here \(requires_grad=False, by freeze_backbone\(\) at utils\.py:3\)/);
    // Called with its flag off, it freezes nothing.
    const off = project({ 'utils.py': utils, 'train.py': script('freeze_backbone(net, frozen=False)') });
    assert.deepStrictEqual(lint(off, 'train.py').filter((f) => f.code === 'NRM205').map(at), []);
  });

  it("a function of another file that switches a deep copy of the model it is given (`model = deepcopy(model)`, then `model.eval()`: an adversarial-example helper) leaves the caller's model as it was", () => {
    const attack = 'import torch\nfrom copy import deepcopy\n\n\ndef perturb(model, x):\n    model = deepcopy(model)\n    model.eval()\n    x = x.clone().requires_grad_(True)\n    model(x).sum().backward()\n    return x + 0.01 * x.grad.sign()\n';
    const loop = '    model.train()\n    for x, y in train_loader:\n        optimizer.zero_grad()\n        x_adv = perturb(model, x)\n        criterion(model(x_adv), y).backward()\n        optimizer.step()';
    const dir = project({ 'attack.py': attack, 'train.py': TRAIN('from attack import perturb', loop) });
    assert.deepStrictEqual(lint(dir, 'train.py').filter((f) => f.code === 'NRM203').map(at), []);
    // Its summary says nothing of the model passed: not the eval() nor the backward() of the copy.
    const perturb = new WorkspaceIndex([dir]).importedFunction(path.join(dir, 'train.py'), 'perturb');
    assert.deepStrictEqual([perturb?.modelParams, perturb?.exit, perturb?.events], [['model'], [], []]);
    // Called after the step (an adversarial check of each batch), the model still trains in training mode at the next step.
    const after = project({ 'attack.py': attack, 'train.py': TRAIN('from attack import perturb', loop.replace('        x_adv = perturb(model, x)\n        criterion(model(x_adv), y).backward()\n        optimizer.step()', '        criterion(model(x), y).backward()\n        optimizer.step()\n        x_adv = perturb(model, x)')) });
    assert.deepStrictEqual(lint(after, 'train.py').filter((f) => f.code === 'NRM203').map(at), []);
  });

  it('survives a broken or binary file behind an import', () => {
    const dir = project({ 'engine.py': 'def evaluate(model, loader:\n    with torch.no_grad(\n', 'train.py': TRAIN('from engine import evaluate, train_one_epoch', LOOP) });
    fs.writeFileSync(path.join(dir, 'bin.py'), Buffer.from([0, 159, 146, 150, 0, 1]));
    assert.doesNotThrow(() => lint(dir, 'train.py'));
    const dir2 = project({ 'train.py': TRAIN('from bin import evaluate, train_one_epoch', LOOP) });
    fs.writeFileSync(path.join(dir2, 'bin.py'), Buffer.from([0, 159, 146, 150, 0, 1]));
    assert.deepStrictEqual(lint(dir2, 'train.py').map((f) => f.code), []);
  });
});
