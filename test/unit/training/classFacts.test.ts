import * as assert from 'assert';
import { PythonDocument } from '../../../src/parsing/python/document';
import { collectImports } from '../../../src/parsing/python/imports';
import type { SyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { collectClassFacts, documentClassFacts, holdsClasses } from '../../../src/parsing/python/training/classes';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';

// The class facts map an open document's training IR keeps from one analysis to the next and
// patches (src/parsing/python/training/classes.ts, `documentClassFacts`).

const TEXT = `import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.bn = nn.BatchNorm2d(8)


net = Net()
`;

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** The document's class map as the training IR gets it, checked against a map made from scratch; released. */
function classesOf(tree: SyntaxTree): ReadonlyMap<string, unknown> {
  const imports = collectImports(tree);
  const held = documentClassFacts(tree, imports, tree.rootNode.children.filter(holdsClasses));
  try {
    assert.deepStrictEqual(plain([...held.classes].sort(([a], [b]) => (a < b ? -1 : 1))), plain([...collectClassFacts(tree, imports)].sort(([a], [b]) => (a < b ? -1 : 1))));
    return held.classes;
  } finally {
    held.release();
  }
}

describe('training IR: class facts kept across edits', () => {
  it('patches the kept map where a class changed under the same names (a later class of a name still wins), and makes it anew when names change', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const map = classesOf(doc.syntaxTree as SyntaxTree);
      const edits: [string, string, 'patched' | 'new'][] = [
        // The first Net: its facts are not the map's (the second Net wins).
        ['nn.Linear(8, 8)', 'nn.BatchNorm1d(8)', 'patched'],
        // The second Net: the map's entry is replaced.
        ['nn.BatchNorm2d(8)', 'nn.LayerNorm(8)', 'patched'],
        // Block, used by the second Net.
        ['nn.Dropout(0.5)', 'nn.Dropout(0)', 'patched'],
        // A class renamed: the names differ, the map is made anew.
        ['class Block(', 'class Blocks(', 'new'],
      ];
      let last = map;
      for (const [from, to, how] of edits) {
        const at = doc.text.indexOf(from);
        assert.ok(at >= 0, from);
        doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
        const now = classesOf(doc.syntaxTree as SyntaxTree);
        if (how === 'patched') assert.strictEqual(now, last, `${from} -> ${to}: patched`);
        else assert.notStrictEqual(now, last, `${from} -> ${to}: made anew`);
        last = now;
      }
    } finally {
      doc.dispose();
    }
  });

  it('a map an analysis still holds is not patched for another: that one makes its own', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const tree = doc.syntaxTree as SyntaxTree;
      const imports = collectImports(tree);
      const statements = tree.rootNode.children.filter(holdsClasses);
      const first = documentClassFacts(tree, imports, statements);
      const second = documentClassFacts(tree, imports, statements);
      assert.notStrictEqual(second.classes, first.classes);
      assert.deepStrictEqual(plain([...second.classes]), plain([...first.classes]));
      second.release();
      first.release();
      const third = documentClassFacts(tree, imports, statements);
      assert.strictEqual(third.classes, first.classes, 'released: kept again');
      third.release();
    } finally {
      doc.dispose();
    }
  });

  it("an open document's training IR follows the winning class through edits of both classes of a name", () => {
    assertEditSequenceMatchesFresh(TEXT, [
      ['nn.Linear(8, 8)', 'nn.BatchNorm1d(8)'],
      ['nn.BatchNorm2d(8)', 'nn.Linear(8, 2)'],
      ['nn.BatchNorm1d(8)', 'nn.Linear(8, 8)'],
      ['nn.Linear(8, 2)', 'nn.BatchNorm2d(8)'],
      ['nn.Dropout(0.5)', 'nn.Dropout(0)'],
      ['nn.Dropout(0)', 'nn.Dropout(0.5)'],
    ]);
  });
});
