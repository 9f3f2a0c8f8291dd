import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { allLayers, argument, everyLayerCall, numberValue } from '../../../src/ir/model';
import { PythonDocument } from '../../../src/parsing/python/document';

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

  it("after edits of an open document, equals a fresh analysis's (the per-class parts of unchanged classes are reused)", () => {
    const more = `${text}

class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.body(x)
`;
    const doc = new PythonDocument(more);
    const before = doc.analyse().model;
    const otherBefore = before.classes.find((c) => c.name === 'Other');
    assert.ok(otherBefore);
    let current = more;
    // Two edits inside Net (its size 8 becomes 9, then 10), then one that moves Net and Other down two lines.
    const edits = [['self.c = norm(8)', 'self.c = norm(9)'], ['self.c = norm(9)', 'self.c = norm(10)'], ['class Net', '\n\nclass Net']] as const;
    edits.forEach(([from, to], i) => {
      const at = current.indexOf(from);
      doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      current = current.slice(0, at) + to + current.slice(at + from.length);
      const model = doc.analyse().model;
      const fresh = analysePythonFile(current).model;
      assert.deepStrictEqual(everyLayerCall(model), everyLayerCall(fresh));
      for (let c = 0; c < fresh.classes.length; c++) assert.deepStrictEqual(allLayers(model.classes[c].layers), allLayers(fresh.classes[c].layers));
      if (i === 1) {
        // Other was not re-analysed by the edits inside Net: its layers, and their walk, are the objects of the first analysis.
        const other = model.classes.find((c) => c.name === 'Other');
        assert.ok(other);
        assert.strictEqual(other, otherBefore);
        assert.strictEqual(allLayers(other.layers), allLayers(otherBefore.layers));
      }
    });
    doc.dispose();
  });
});
