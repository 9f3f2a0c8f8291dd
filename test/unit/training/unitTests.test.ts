import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';

const MODEL = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8, bias=False)
        self.bn = nn.BatchNorm1d(8)

    def forward(self, x):
        return self.bn(self.fc(x))


model = Net()
model.load_state_dict(torch.load("net.pt"))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
`;

/** `function: inUnitTest` of every inference site. */
const sites = (text: string) => analysePython(text).training.sites.filter((s) => s.kind === 'inference').map((s) => `${s.function}: ${String(s.inUnitTest)}`);
const codes = (text: string) => lintPython(text).findings.filter((f) => /^NRM2\d\d$/.test(f.code)).map((f) => `${f.code}@${f.span.start.line + 1}`);

describe('training IR: one definition of a unit test (SiteIR.inUnitTest)', () => {
  it('a pytest-style test_<something> function is a unit test without any import; test_step / test_one_epoch are evaluation steps', () => {
    const text = `${MODEL}

def test_val_accuracy():
    for x, y in val_loader:
        assert model(x).shape == y.shape


def test_one_epoch(loader):
    for x, y in loader:
        model(x)


def test_step(batch):
    for x, y in val_loader:
        model(x)


test_val_accuracy()
test_one_epoch(val_loader)
test_step(None)
`;
    assert.deepStrictEqual(sites(text), ['test_val_accuracy: true', 'test_one_epoch: false', 'test_step: false']);
    assert.deepStrictEqual(codes(text), ['NRM201@36', 'NRM201@37']);
  });

  it('a test method of a TestCase class is a unit test whatever its name, and so is code it calls', () => {
    const text = `${MODEL}

def evaluate(net, loader):
    return [net(x) for x, y in loader]


class ModelTests(unittest.TestCase):
    def test_step(self):
        evaluate(model, val_loader)
`;
    const ir = analysePython(text).training;
    const viaTest = ir.sites.filter((s) => s.kind === 'inference' && s.via.length > 0);
    assert.ok(viaTest.length > 0);
    assert.ok(viaTest.every((s) => s.inUnitTest));
    assert.deepStrictEqual(codes(text), []);
  });

  it('a helper nested in a unit test is in the unit test', () => {
    const text = `import pytest
${MODEL}

def test_batchnorm_statistics():
    def run():
        with torch.no_grad():
            return model(torch.randn(4, 8))
    assert run().shape == (4, 8)
`;
    const ir = analysePython(text).training;
    assert.ok(ir.sites.filter((s) => s.kind === 'inference').every((s) => s.inUnitTest));
  });

  it('Keras/Flax mode arguments carry the same fact', () => {
    const ir = analysePython(`import tensorflow as tf

def test_output_shape():
    assert model(tf.zeros((2, 4)), training=True).shape == (2, 4)


def test_step(x):
    return model(x, training=True)
`).training;
    assert.deepStrictEqual(ir.keras.trainingArguments.map((t) => [t.function, t.inUnitTest]), [['test_output_shape', true], ['test_step', false]]);
  });
});
