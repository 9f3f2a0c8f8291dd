import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { argument, everyLayerCall, numberValue } from '../../../src/ir/model';

describe('everyLayerCall (the layer calls the rules read)', () => {
  const text = `import torch.nn as nn


def norm(c):
    return nn.BatchNorm2d(c)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.a = norm(8)
        self.b = norm(16)
        self.c = norm(8)
        self.head = nn.Linear(8, 2)
`;

  it('lists each call site once per set of argument values, in source order, and answers again from the same list', () => {
    const model = analysePythonFile(text).model;
    const calls = everyLayerCall(model);
    const described = calls.map((c) => `${c.kind}(${numberValue(argument(c, 'num_features')?.value) ?? numberValue(argument(c, 'in_channels')?.value) ?? numberValue(argument(c, 'in_features')?.value) ?? '?'})`);
    // The helper's BatchNorm2d is one call site with three argument sets: its own parameter
    // (unknown), and 8 (twice: listed once) and 16 from the calls in Net.
    assert.deepStrictEqual(
      described.filter((d) => d.startsWith('BatchNorm2d')).sort(),
      ['BatchNorm2d(16)', 'BatchNorm2d(8)', 'BatchNorm2d(?)'],
    );
    assert.ok(described.includes('Conv2d(3)') && described.includes('Linear(8)'), described.join(' '));
    const offsets = calls.map((c) => c.span.startOffset);
    assert.deepStrictEqual(offsets, [...offsets].sort((a, b) => a - b));
    assert.strictEqual(everyLayerCall(model), calls);
    // Another model object (another analysis) gets its own list.
    assert.notStrictEqual(everyLayerCall({ ...model }), calls);
    assert.deepStrictEqual(everyLayerCall({ ...model }), calls);
  });
});
