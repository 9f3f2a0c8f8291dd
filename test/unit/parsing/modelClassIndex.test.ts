import * as assert from 'assert';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';
import type { FileIR } from '../../../src/ir/file';

// An open document keeps its model class names across edits (ModelBuilder.findModelClasses,
// ModelClassIndex) and the keys of its statements (syntax.ts statementKey): after each edit the
// IR must be the one a fresh analysis of the text gives.

const TEXT = `import torch.nn as nn


class Block(Base):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm2d(8)


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)


def make(c):
    return nn.BatchNorm2d(c)


class Net(Block):
    def __init__(self, width=8):
        super().__init__()
        self.norm = nn.GroupNorm(2, width)
`;

function plain(ir: FileIR): unknown {
  return JSON.parse(JSON.stringify(ir));
}

/** Applies the edits in turn (each `[from, to]` replaces the first `from`), checking the IR after each against a fresh analysis. */
function editInTurn(text: string, edits: readonly (readonly [string, string])[]): FileIR[] {
  const doc = new PythonDocument(text);
  const irs: FileIR[] = [];
  try {
    doc.analyse();
    for (const [from, to] of edits) {
      const at = text.indexOf(from);
      assert.ok(at >= 0, from);
      const ir = doc.applyChanges([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
      text = text.slice(0, at) + to + text.slice(at + from.length);
      assert.deepStrictEqual(plain(ir), plain(analysePythonFile(text)), `after ${JSON.stringify(from)} -> ${JSON.stringify(to)}`);
      irs.push(ir);
    }
  } finally {
    doc.dispose();
  }
  return irs;
}

const names = (ir: FileIR): string[] => ir.model.classes.map((c) => c.name);

describe('Model class names of an open document across edits', () => {
  it('an edit in a class body keeps the classes; one in a base list changes them', () => {
    const [body, base, back] = editInTurn(TEXT, [
      ['nn.BatchNorm2d(8)', 'nn.BatchNorm2d(4)'],
      ['class Base(nn.Module)', 'class Base(object)'],
      ['class Base(object)', 'class Base(nn.Module)'],
    ]);
    assert.deepStrictEqual(names(body), ['Block', 'Base', 'Net']);
    // Base is no model class any more, nor are the classes built on it.
    assert.deepStrictEqual(names(base), []);
    assert.deepStrictEqual(names(back), ['Block', 'Base', 'Net']);
  });

  it('renaming a base class, adding and removing classes, and changing the imports change them', () => {
    const irs = editInTurn(TEXT, [
      ['class Base(nn.Module)', 'class Base2(nn.Module)'],
      ['class Base2(nn.Module)', 'class Base(nn.Module)'],
      ['def make(c):', 'class Extra(Net):\n    pass\n\n\ndef make(c):'],
      ['import torch.nn as nn', 'import keras as nn'],
      ['import keras as nn', 'import torch.nn as nn'],
      ['class Extra(Net):\n    pass\n\n\n', ''],
    ]);
    assert.deepStrictEqual(irs.map(names), [['Base2'], ['Block', 'Base', 'Net'], ['Block', 'Base', 'Extra', 'Net'], [], ['Block', 'Base', 'Extra', 'Net'], ['Block', 'Base', 'Net']]);
  });

  it('a statement with the text of another one before it: the keys of both (symbols in the IR) follow', () => {
    // `make` returns a layer of an unknown width: its symbol holds the key of `make`'s statement.
    const copy = 'def make(c):\n    return nn.BatchNorm2d(c)\n';
    editInTurn(TEXT, [
      ['class Net(Block):', `${copy}\n\nclass Net(Block):`],
      ['class Block(Base):', `${copy}\n\nclass Block(Base):`],
      [`${copy}\n\nclass Block(Base):`, 'class Block(Base):'],
    ]);
  });
});
