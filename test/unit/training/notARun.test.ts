import * as assert from 'assert';
import { analysePython, lintPython } from '../../../src/lint/lint';

const MODEL = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8, bias=False)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        return self.drop(self.bn(self.fc(x)))

`;

const codes = (text: string) => lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);

describe('training IR: what counts as running a model for inference', () => {
  it("calling an imported function whose name has a model word (timm's create_model, reparameterize_model) is not running a model; a model variable of that name is", () => {
    const text = `import torch
from timm.models import create_model, reparameterize_model


def validate(args, loader):
    model = create_model(args.model, pretrained=True)
    model = reparameterize_model(model)
    model.eval()
    with torch.no_grad():
        return [model(x) for x, _ in loader]
`;
    const sites = analysePython(text).training.sites.filter((s) => s.kind === 'inference').map((s) => s.model);
    assert.deepStrictEqual(sites, ['model']);
    const shadowed = text.replace('    model = create_model(args.model, pretrained=True)\n', '    create_model = build(args)\n    model = create_model\n    create_model(x)\n');
    assert.ok(analysePython(shadowed).training.sites.some((s) => s.kind === 'inference' && s.model === 'create_model'));
  });

  it('reading or configuring a model in an evaluation function is not running it', () => {
    const text = `${MODEL}
model = Net()


def evaluate(loader):
    n = sum(p.numel() for p in model.parameters())
    for name, p in model.named_parameters():
        print(name)
    sd = model.state_dict()
    groups = model.group_matcher()
    model.to('cuda')
    return n, sd, groups


evaluate(val_loader)
`;
    assert.deepStrictEqual(codes(text), []);
    // Running it there still is.
    assert.deepStrictEqual(codes(`${MODEL}model = Net()\n\n\ndef evaluate(x):\n    return model(x)\n\n\nevaluate(val_x)\n`), ['NRM201@22']);
  });

  it('a pytest or unittest test function is not an evaluation function because of its name', () => {
    const body = `
def test_output_shape():
    model = Net()
    out = model(torch.randn(4, 8))
    assert out.shape == (4, 8)
`;
    assert.deepStrictEqual(codes(`import pytest\n${MODEL}${body}`), []);
    assert.deepStrictEqual(codes(`import unittest\n${MODEL}${body}`), []);
  });

  it('a forward in a function that trains is no inference, whatever the function or its caller is called (test-time adaptation, an LR range test)', () => {
    const text = `${MODEL}
def evaluate_with_adaptation(model, x, opt):
    loss = model(x).mean()
    loss.backward()
    opt.step()


def train_batch(model, x, opt):
    model(x).sum().backward()
    opt.step()


def range_test(model, opt):
    for _ in range(10):
        train_batch(model, torch.randn(4, 8), opt)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
evaluate_with_adaptation(model, torch.randn(4, 8), optimizer)
range_test(model, optimizer)
`;
    const sites = analysePython(text).training.sites;
    assert.deepStrictEqual(sites.filter((s) => s.kind === 'inference').map((s) => `${s.function} ${s.span.start.line + 1}`), []);
    assert.ok(sites.some((s) => s.kind === 'training-step' && s.function === 'train_batch'));
  });

  it("a method of the model's class called without input (`m.print_network()`, `model.summary()`) in an inference function is not running it", () => {
    const text = `${MODEL}
def detect_image(path):
    m = Net()
    m.print_network()
    m.load_state_dict(torch.load(path))
    return m
`;
    assert.deepStrictEqual(analysePython(text).training.sites, []);
    // (With its input it is the submodule's forward: a run.)
    assert.strictEqual(analysePython(text.replace('m.print_network()', 'm.fc(torch.randn(2, 8))')).training.sites.length, 1);
  });
});
