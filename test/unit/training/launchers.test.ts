import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';
import type { TrainingIR } from '../../../src/ir/training';

const HEAD = `import deepspeed
import torch
import torch.nn as nn
from accelerate import Accelerator
from torch.utils.data import DataLoader


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.bn(self.conv(x)).mean((2, 3)))

`;

const training = (text: string): TrainingIR => analysePython(text).training;
const codes = (text: string) => lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);

describe('training IR: launchers (Accelerate, DeepSpeed) keep the facts of what they wrap', () => {
  it('accelerator.prepare: the returned names stand for the model and loaders passed in, in order', () => {
    const ir = training(`${HEAD}
def main(args):
    accelerator = Accelerator()
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    pets = DataLoader(pets_set, batch_size=4, drop_last=True)
    train_dl, net, optimizer = accelerator.prepare(pets, model, optimizer)
    for epoch in range(args.num_epochs):
        net.train()
        for x, y in train_dl:
            accelerator.backward(net(x).sum())
            optimizer.step()
`);
    const net = ir.models.find((m) => m.name === 'net');
    assert.strictEqual(net?.facts.name, 'Net');
    assert.strictEqual(net.facts.batchNorms.length, 1);
    // The step's loader is the DataLoader behind `train_dl` (not the epoch count).
    const steps = ir.sites.filter((s) => s.kind === 'training-step' && s.modelInCaller === 'net');
    assert.ok(steps.length > 0);
    assert.deepStrictEqual([...new Set(steps.map((s) => s.loader))], ['pets']);
    const loader = ir.loaders.find((l) => l.variable === 'pets');
    assert.strictEqual(loader?.role, 'train');
    assert.match(loader.roleEvidence, /training steps in loops over pets/);
    assert.strictEqual(loader.batchSize?.value, 4);
    assert.strictEqual(loader.dropLast?.value, true);
  });

  it('a model prepared alone keeps its mode: eval() before prepare() still holds after it', () => {
    const text = `${HEAD}
accelerator = Accelerator()
model = Net()
model.load_state_dict(torch.load("net.pt"))
model.eval()
model = accelerator.prepare(model)
unwrapped = accelerator.unwrap_model(model)
with accelerator.autocast():
    predictions = unwrapped(batch)
`;
    const site = training(text).sites.find((s) => s.kind === 'inference');
    assert.deepStrictEqual(site?.mode.modes, ['eval']);
    assert.strictEqual(site.mode.unresolved, false);
    assert.deepStrictEqual(codes(text), []);
  });

  it('accelerator.accumulate(model) neither hides the mode nor counts as accumulation when the Accelerator sets the steps', () => {
    const ir = training(`${HEAD}
accelerator = Accelerator(gradient_accumulation_steps=8)
model = Net()
loader = DataLoader(train_set, batch_size=4, shuffle=True)
model, optimizer, loader = accelerator.prepare(model, torch.optim.AdamW(model.parameters()), loader)
model.eval()
for x, y in loader:
    with accelerator.accumulate(model):
        accelerator.backward(model(x).sum())
        optimizer.step()
`);
    assert.deepStrictEqual(ir.gradAccum.map((g) => [g.kind, g.steps.value]), [['framework-argument', 8]]);
    const step = ir.sites.find((s) => s.kind === 'training-step' && s.modelInCaller === 'model');
    assert.deepStrictEqual(step?.mode.modes, ['eval']);
  });

  it('with accelerator.accumulate(...) and no step count in the file: accumulation whose count is set at launch', () => {
    const ir = training(`${HEAD}
accelerator = Accelerator(mixed_precision="bf16")
for x, y in loader:
    with accelerator.accumulate(model):
        accelerator.backward(model(x).sum())
`);
    assert.deepStrictEqual(ir.gradAccum.map((g) => [g.kind, g.steps.value, g.steps.inferred]), [['framework-context', undefined, true]]);
  });

  it('deepspeed.initialize: the engine has the model\'s layers and mode, the loader it builds has the config\'s micro-batch', () => {
    const ir = training(`${HEAD}
ds_config = {"train_micro_batch_size_per_gpu": 3, "gradient_accumulation_steps": 4, "dataloader_drop_last": True}


def main():
    net = Net()
    net.eval()
    model_engine, optimizer, trainloader, __ = deepspeed.initialize(args=args, model=net, model_parameters=net.parameters(), training_data=trainset, config=ds_config)
    for x, y in trainloader:
        model_engine.backward(model_engine(x).sum())
        model_engine.step()
`);
    const engine = ir.models.find((m) => m.name === 'model_engine');
    assert.strictEqual(engine?.facts.name, 'Net');
    const loader = ir.loaders.find((l) => l.framework === 'deepspeed');
    assert.strictEqual(loader?.variable, 'trainloader');
    assert.strictEqual(loader.batchSize?.value, 3);
    assert.strictEqual(loader.dropLast?.value, true);
    assert.deepStrictEqual(loader.feeds, ['model_engine']);
    assert.deepStrictEqual(ir.gradAccum.map((g) => [g.kind, g.steps.value]), [['framework-argument', 4]]);
    const step = ir.sites.find((s) => s.kind === 'training-step' && s.modelInCaller === 'model_engine');
    assert.deepStrictEqual(step?.mode.modes, ['eval']);
    assert.strictEqual(step.loader, 'trainloader');
  });

  it('deepspeed.initialize with a JSON config path: no batch size is guessed', () => {
    const ir = training(`${HEAD}
net = Net()
model_engine, optimizer, trainloader, _ = deepspeed.initialize(model=net, training_data=trainset, config="ds_config.json")
`);
    const loader = ir.loaders.find((l) => l.framework === 'deepspeed');
    assert.strictEqual(loader?.batchSize, undefined);
    assert.strictEqual(loader?.dropLast, undefined);
    assert.deepStrictEqual(ir.gradAccum, []);
  });

  it('an opaque .prepare() of another object is not a launcher', () => {
    const ir = training(`${HEAD}
model = Net()
a, b = processor.prepare(model, tokenizer)
`);
    assert.strictEqual(ir.models.find((m) => m.name === 'a'), undefined);
  });
});
