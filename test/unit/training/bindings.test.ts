import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';

// What functions' assignments bind (TrainingBuilder.bindingsOf): computed per function when first
// asked, so the order functions appear in does not matter.

describe('training IR: model bindings', () => {
  it('a function defined above the factory it calls gets the factory model (returned through a local)', () => {
    const ir = analysePythonFile(`import torch
import torch.nn as nn


def main(x):
    model = build()
    model.eval()
    with torch.no_grad():
        return model(x)


def build():
    net = Net()
    return net


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)
`);
    const models = ir.training.models.map((m) => `${m.function}:${m.name}:${m.facts.name}:${m.facts.batchNorms.length}`);
    assert.deepStrictEqual(models, ['main:model:Net:1', 'build:net:Net:1']);
    assert.deepStrictEqual(ir.training.sites.map((s) => `${s.kind}:${s.model}:${s.facts.evidence}:${s.mode.modes.join()}`), ['inference:model:file:eval']);
  });

  it('a self. attribute is the last method in document order that binds it', () => {
    const ir = analysePythonFile(`import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.1)


class Wrapper:
    def reset(self):
        self.model = Other()

    def setup(self):
        self.model = Net()
`);
    assert.deepStrictEqual(ir.training.models.map((m) => `${m.function}:${m.name}:${m.facts.name}`), ['Wrapper:self.model:Net']);
  });
});
