import * as assert from 'assert';
import { lintPython } from '../../../src/lint/lint';

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
});
