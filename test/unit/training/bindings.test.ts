import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { lintPython } from '../../../src/lint/lint';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

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

  it('names unpacked from a tuple a factory of the file returns (`net, name = get_network(args)`) get the model at their place', () => {
    const text = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(4)


def get_network(args):
    if args.small:
        net = nn.Linear(4, 4)
        name = 'linear'
    else:
        net = Net()
        name = 'net'
    return net, name


def get_pair():
    return 'cifar', Net()


net, file_name = get_network(args)
dataset, other = get_pair()
(a, b) = get_pair()
loader = torch.utils.data.DataLoader(train_set, batch_size=1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for x, y in loader:
    optimizer.zero_grad()
    net(x).sum().backward()
    optimizer.step()
`;
    const ir = analysePythonFile(text);
    const models = ir.training.models.filter((m) => m.function === '<module>').map((m) => `${m.name}:${m.facts.name}`);
    assert.deepStrictEqual(models, ['net:Net', 'other:Net', 'b:Net']);
    assert.deepStrictEqual(
      lintPython(text).findings.filter((f) => f.code === 'NRM102').map((f) => f.message.slice(0, 23)),
      ['net trains BatchNorm (B'],
    );
    assertEditSequenceMatchesFresh(text, [
      ["return 'cifar', Net()", "return Net(), 'cifar'"],
      ['return net, name', 'return name, net'],
      ['return name, net', 'return net, name'],
    ]);
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
