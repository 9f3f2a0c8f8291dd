import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';

// Which edits make an open document's analysis start over (StatementMemo "global" statements).

const TEXT = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(2):
            setattr(self, f"bn{i}", nn.BatchNorm2d(8))

    def freeze(self):
        self.eval()


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)


def run(model):
    model.eval()
`;

function afterEdit(text: string, from: string, to: string): { computed: number; reused: number } {
  const doc = new PythonDocument(text);
  try {
    doc.analyse();
    const at = text.indexOf(from);
    assert.ok(at >= 0, from);
    const ir = doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(ir)), JSON.parse(JSON.stringify(analysePythonFile(text.slice(0, at) + to + text.slice(at + from.length)))));
    const memo = doc.syntaxTree?.memo;
    assert.ok(memo);
    return { computed: memo.computed, reused: memo.reused };
  } finally {
    doc.dispose();
  }
}

describe('StatementMemo: what recomputes everything', () => {
  it('setattr(self, ...) and model.eval() are no module-level definitions: the other statements are reused', () => {
    const { reused } = afterEdit(TEXT, 'nn.BatchNorm2d(8)', 'nn.BatchNorm2d(4)');
    assert.ok(reused > 0, 'Head and run() are reused');
  });

  it('bare setattr on something else, eval and exec may bind any module name: everything is recomputed', () => {
    for (const call of ['setattr(nn, "X", 1)', 'eval("x")', 'exec("x = 1")']) {
      const { reused } = afterEdit(TEXT, '    model.eval()\n', `    model.eval()\n    ${call}\n`);
      assert.strictEqual(reused, 0, call);
    }
  });
});
