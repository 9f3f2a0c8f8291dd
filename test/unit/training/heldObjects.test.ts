import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';
import type { TrainingIR } from '../../../src/ir/training';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

// A hand-written `Trainer` class holding the model, loaders and optimizer it is given
// (`self.model = model` in `__init__`, PyTorch's DDP tutorial series): its methods' summaries
// apply where the instance's methods are called, in the names of the constructor's caller.

const HEAD = `import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader
import torchvision

`;

const TRAINER = `class Trainer:
    def __init__(self, model, train_loader, val_loader, optimizer):
        self.model = model
        self.train_loader = train_loader
        self.val_loader = val_loader
        self.optimizer = optimizer

    def train_epoch(self):
        self.model.train()
        for x, y in self.train_loader:
            self.optimizer.zero_grad()
            F.cross_entropy(self.model(x), y).backward()
            self.optimizer.step()

    def validate(self):
        correct = 0
        with torch.no_grad():
            for x, y in self.val_loader:
                correct += (self.model(x).argmax(1) == y).sum().item()
        return correct

    def fit(self, epochs):
        for _ in range(epochs):
            self.train_epoch()
            self.validate()

`;

const MAIN = `def main():
    model = torchvision.models.resnet18(num_classes=10)
    train_loader = DataLoader(train_set, batch_size=1)
    val_loader = DataLoader(val_set, batch_size=64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = Trainer(model, train_loader, val_loader, optimizer)
    trainer.fit(10)
`;

/** A predictor class building its model in `__init__` without `eval()` and running it under `no_grad` in `__call__`. */
const PREDICTOR = `${HEAD}
class Predictor:
    def __init__(self, weights):
        self.model = torchvision.models.resnet50()
        self.model.load_state_dict(torch.load(weights))

    def __call__(self, images):
        with torch.no_grad():
            return self.model(images).argmax(1)
`;
/** The same with `self.model.eval()` in `__init__`. */
const withEvalInInit = (text: string) => text.replace('        self.model.load_state_dict(torch.load(weights))\n', '        self.model.load_state_dict(torch.load(weights))\n        self.model.eval()\n');

const training = (text: string): TrainingIR => analysePython(text).training;
const findings = (text: string) => lintPython(text).findings.filter((f) => /^NRM(1\d\d|2\d\d)$/.test(f.code));
const codes = (text: string) => findings(text).map((f) => `${f.code}@${f.span.start.line + 1}:${f.severity}`);
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('training IR: hand-written trainer classes holding what they are given', () => {
  it('the model and loaders given to the constructor are the caller\'s in its methods: the loader feeds the model, the validation runs it in training mode', () => {
    const text = HEAD + TRAINER + MAIN;
    const ir = training(text);
    const train = ir.loaders.find((l) => l.batchSize?.value === 1);
    assert.strictEqual(train?.role, 'train');
    assert.deepStrictEqual(train.feeds, ['model']);
    assert.deepStrictEqual(codes(text), [`NRM202@${lineOf(text, 'with torch.no_grad()')}:warning`, `NRM102@${lineOf(text, 'batch_size=1')}:warning`]);
    const nrm202 = findings(text).find((f) => f.code === 'NRM202');
    assert.match(nrm202?.message ?? '', /^model runs under torch\.no_grad\(\) \(in validate\(\)\) but is in training mode \(self\.model\.train\(\) at line \d+\): .* switch BatchNorm2d/);
    // The quick fix is written in the method, with its own name of the model.
    assert.deepStrictEqual(nrm202?.fix?.edits.map((e) => e.newText.trim()), ['self.model.eval()']);
  });

  it('without a constructor argument to follow, the methods alone say less: an unknown model, and no loader feeding it', () => {
    const text = HEAD + TRAINER + MAIN.replace('trainer = Trainer(model, train_loader, val_loader, optimizer)', 'trainer = make_trainer(model, train_loader, val_loader, optimizer)');
    assert.deepStrictEqual(codes(text), [`NRM202@${lineOf(text, 'with torch.no_grad()')}:info`]);
  });

  it('the DDP tutorial style: self.model = model.to(gpu_id), then self.model = DDP(self.model, ...), the loader of a helper, the model of a factory', () => {
    const text = `${HEAD}from torch.nn.parallel import DistributedDataParallel as DDP


class Trainer:
    def __init__(self, model, train_data, optimizer, gpu_id):
        self.gpu_id = gpu_id
        self.model = model.to(gpu_id)
        self.train_data = train_data
        self.optimizer = optimizer
        self.model = DDP(self.model, device_ids=[gpu_id])

    def _run_batch(self, source, targets):
        self.optimizer.zero_grad()
        F.cross_entropy(self.model(source), targets).backward()
        self.optimizer.step()

    def _run_epoch(self, epoch):
        for source, targets in self.train_data:
            self._run_batch(source, targets)

    def train(self, max_epochs):
        for epoch in range(max_epochs):
            self._run_epoch(epoch)


def load_train_objs():
    model = torchvision.models.resnet50()
    return model, torch.optim.SGD(model.parameters(), lr=1e-3)


def prepare_dataloader(dataset):
    return DataLoader(dataset, batch_size=2)


def main(rank):
    model, optimizer = load_train_objs()
    train_data = prepare_dataloader(dataset)
    trainer = Trainer(model, train_data, optimizer, rank)
    trainer.train(10)
`;
    const ir = training(text);
    const loader = ir.loaders.find((l) => l.function === 'prepare_dataloader');
    assert.strictEqual(loader?.role, 'train');
    assert.deepStrictEqual(loader.feeds, ['model']);
    // `trainer.train(10)` is the class's method, not a mode switch of `trainer`.
    assert.deepStrictEqual(ir.modeSwitches.map((s) => s.target), []);
    assert.deepStrictEqual(codes(text), [`NRM105@${lineOf(text, 'self.model = DDP(')}:warning`, `NRM102@${lineOf(text, 'batch_size=2')}:warning`]);
  });

  it('what __init__ does to the model counts at the construction; a model kept by the instance keeps its mode across the caller\'s code', () => {
    const text = `${HEAD}
class Evaluator:
    def __init__(self, model, loader):
        self.model = model
        self.model.eval()
        self.loader = loader

    def run(self):
        with torch.no_grad():
            return [self.model(x) for x, _ in self.loader]


class Predictor:
    def __init__(self, model):
        self.model = model

    def predict(self, x):
        with torch.no_grad():
            return self.model(x)


model = torchvision.models.resnet18()
model.train()
Evaluator(model, loader).run()
p = Predictor(model)
out = p.predict(batch)
`;
    assert.deepStrictEqual(codes(text), []);
    const without = text.replace('        self.model.eval()\n', '');
    assert.deepStrictEqual(codes(without), [`NRM202@${lineOf(without, 'with torch.no_grad()')}:warning`, `NRM202@${lineOf(without, 'return self.model(x)') - 1}:warning`]);
  });

  it('a trainer that switches the model itself is clean; an instance name rebound to something else is not followed', () => {
    const clean = HEAD + TRAINER.replace('        correct = 0\n', '        self.model.eval()\n        correct = 0\n') + MAIN.replace('batch_size=1', 'batch_size=32');
    assert.deepStrictEqual(codes(clean), []);
    const rebound = HEAD + TRAINER + MAIN.replace('    trainer.fit(10)', '    trainer = wrap(trainer)\n    trainer.fit(10)');
    assert.deepStrictEqual(codes(rebound), [`NRM202@${lineOf(rebound, 'with torch.no_grad()')}:info`]);
  });

  it('a trainer building its own model and given its loaders: the caller\'s loader feeds the model the class built', () => {
    const text = HEAD + TRAINER.replace('    def __init__(self, model, train_loader, val_loader, optimizer):\n        self.model = model\n', '    def __init__(self, train_loader, val_loader, optimizer):\n        self.model = torchvision.models.resnet18()\n') + MAIN.replace('trainer = Trainer(model, ', 'trainer = Trainer(');
    const loader = training(text).loaders.find((l) => l.batchSize?.value === 1);
    assert.strictEqual(loader?.role, 'train');
    assert.deepStrictEqual(loader.feeds, ['trainer.model']);
    assert.ok(codes(text).includes(`NRM102@${lineOf(text, 'batch_size=1')}:warning`));
  });

  it("calling an instance runs its `__call__`: a predictor class building its model without eval(), used for inference", () => {
    const text = `${PREDICTOR}\n\npredictor = Predictor('resnet50.pth')\nlabels = predictor(batch)\n`;
    assert.deepStrictEqual(codes(text), [`NRM202@${lineOf(text, 'with torch.no_grad()')}:warning`]);
    assert.deepStrictEqual(codes(withEvalInInit(text)), []);
  });

  it("a predictor class used from code not in view: its methods start from the modes `__init__` leaves the model in, when no other method changes them", () => {
    const predictor = PREDICTOR;
    assert.deepStrictEqual(codes(predictor), [`NRM202@${lineOf(predictor, 'with torch.no_grad()')}:warning`]);
    assert.match(findings(predictor)[0]?.message ?? '', /^self\.model runs under torch\.no_grad\(\) .* in training mode \(torchvision\.models\.resnet50\(\.\.\.\) built at line 9 /);
    // `eval()` in `__init__`: nothing to report.
    assert.deepStrictEqual(codes(withEvalInInit(predictor)), []);
    // Another method that switches the model, binds another one, or hands it to another call: its mode on entry is not known.
    const switches = `${predictor}\n    def fit(self, loader):\n        self.model.train()\n`;
    assert.deepStrictEqual(codes(switches), []);
    const rebinds = `${predictor}\n    def load(self, path):\n        self.model = torch.load(path)\n`;
    assert.deepStrictEqual(codes(rebinds), []);
    const handsOver = `${predictor}\n    def prepare(self):\n        convert(self.model)\n`;
    assert.deepStrictEqual(codes(handsOver), []);
    // A caller in view decides: one that switches the instance's model to eval mode first leaves nothing to report.
    const caller = `${predictor}\n\npredictor = Predictor('w.pth')\npredictor.model.eval()\nlabels = predictor(batch)\n`;
    assert.deepStrictEqual(codes(caller), []);
  });

  it('a model class is no holder, nor a class with a base not in view', () => {
    const wrapper = `${HEAD}import torch.nn as nn


class Wrapper(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def predict(self, x):
        with torch.no_grad():
            return self.backbone(x)


backbone = torchvision.models.resnet18()
w = Wrapper(backbone)
w.train()
y = w.predict(batch)
`;
    // The wrapper's own facts (no layers of its own, a backbone of unknown kind) decide, as before: no alias to the caller's backbone.
    assert.ok(training(wrapper).sites.every((s) => s.modelInCaller !== 'backbone'));
    const subclass = HEAD + TRAINER.replace('class Trainer:', 'class Trainer(BaseTrainer):') + MAIN;
    assert.deepStrictEqual(codes(subclass), [`NRM202@${lineOf(subclass, 'with torch.no_grad()')}:info`]);
  });

  it('re-analysis after edits of the class and of the caller matches a fresh analysis', () => {
    assertEditSequenceMatchesFresh(HEAD + TRAINER + MAIN, [
      ['        self.model = model\n', '        self.model = build(model)\n'],
      ['        self.model = build(model)\n', '        self.model = model\n'],
      ['            self.validate()\n', '            self.model.eval()\n            self.validate()\n'],
      ['trainer = Trainer(model,', 'trainer = Trainer(net,'],
      ['trainer = Trainer(net,', 'trainer = Trainer(model,'],
      ['class Trainer:', 'class Trainer(Base):'],
      ['class Trainer(Base):', 'class Trainer:'],
    ]);
  });
});
