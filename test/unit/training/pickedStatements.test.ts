import * as assert from 'assert';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';
import { PythonDocument } from '../../../src/parsing/python/document';
import type { SyntaxNode, SyntaxTree } from '../../../src/parsing/python/syntaxTree';
import { PickedStatements } from '../../../src/parsing/python/training/pickedStatements';

// Which top-level statements a whole-file pass finds something in, kept across the analyses of
// an open document and patched from the statements an edit added and removed
// (src/parsing/python/training/pickedStatements.ts).

const TEXT = `import torch
from torch.utils.data import DataLoader

loader = DataLoader(ds, batch_size=4)


def train(model):
    model.train()


x = 1

model = torch.nn.Linear(2, 2)
model.eval()
`;

/** The statements that call something, and how many statements the test was asked about. */
function callers(tree: SyntaxTree, imports: object): { texts: string[]; asked: number } {
  let asked = 0;
  const has = (s: SyntaxNode): boolean => {
    asked++;
    return s.descendantsOfType('call').length > 0;
  };
  const texts = new PickedStatements(tree, imports).statements('callers', has).map((s) => s.text);
  return { texts, asked };
}

function edited(doc: PythonDocument, from: string, to: string): SyntaxTree {
  const at = doc.text.indexOf(from);
  assert.ok(at >= 0, from);
  doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
  const tree = doc.syntaxTree;
  assert.ok(tree);
  return tree;
}

/** What a fresh look at every statement finds. */
function fresh(tree: SyntaxTree): string[] {
  return tree.rootNode.children.filter((s) => s.descendantsOfType('call').length > 0).map((s) => s.text);
}

describe('training IR: statements picked per pass, kept across edits', () => {
  const imports = {};

  it('an edit asks only about the statements it added, and the list stays in document order', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const first = doc.syntaxTree;
      assert.ok(first);
      const all = callers(first, imports);
      assert.strictEqual(all.asked, first.rootNode.children.length);
      assert.deepStrictEqual(all.texts, fresh(first));
      // A call added in a statement between two that call (the `x = 1` statement is replaced).
      const second = edited(doc, 'x = 1', 'x = print(1)');
      const patched = callers(second, imports);
      assert.strictEqual(patched.asked, second.changes?.added.length);
      assert.deepStrictEqual(patched.texts, fresh(second));
      assert.ok(patched.texts.includes('x = print(1)'));
      // ...and removed again; then a calling statement removed whole, and one added at the top.
      const third = edited(doc, 'x = print(1)', 'x = 1');
      assert.deepStrictEqual(callers(third, imports).texts, fresh(third));
      const fourth = edited(doc, '\nmodel.eval()\n', '\n');
      assert.deepStrictEqual(callers(fourth, imports).texts, fresh(fourth));
      const fifth = edited(doc, 'import torch\n', 'import torch\nprint(0)\n');
      const top = callers(fifth, imports);
      assert.deepStrictEqual(top.texts, fresh(fifth));
      assert.strictEqual(top.texts[0], 'print(0)');
      // The same tree asked again: the list as it is.
      assert.strictEqual(callers(fifth, imports).asked, 0);
      // A calling statement added at the end.
      const sixth = edited(doc, 'model = torch.nn.Linear(2, 2)\n', 'model = torch.nn.Linear(2, 2)\nprint(9)\n');
      const end = callers(sixth, imports);
      assert.deepStrictEqual(end.texts, fresh(sixth));
      assert.strictEqual(end.texts[end.texts.length - 1], 'print(9)');
    } finally {
      doc.dispose();
    }
  });

  it('lists anew under other imports, or for a tree not made from the last one listed', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const first = doc.syntaxTree;
      assert.ok(first);
      callers(first, imports);
      const second = edited(doc, 'x = 1', 'x = 2');
      const other = callers(second, {});
      assert.strictEqual(other.asked, second.rootNode.children.length);
      // (The list above is now kept for the other imports.) Two edits, the first tree never listed:
      edited(doc, 'x = 2', 'x = print(2)');
      const fourth = edited(doc, 'x = print(2)', 'x = print(3)');
      const skipped = callers(fourth, {});
      assert.strictEqual(skipped.asked, fourth.rootNode.children.length);
      assert.deepStrictEqual(skipped.texts, fresh(fourth));
    } finally {
      doc.dispose();
    }
  });

  it("an open document's training IR after edits that add and remove picked statements is a fresh analysis's", () => {
    const steps: [string, string][] = [
      ['x = 1', 'def evaluate(net):\n    net.eval()\n    return net(1)'],
      ['\nmodel.eval()\n', '\nevaluate(model)\nother = DataLoader(ds, batch_size=1)\n'],
      ['loader = DataLoader(ds, batch_size=4)', 'loader = None'],
      ['def train(model):\n    model.train()', 'def train(model):\n    model.eval()'],
      ['import torch\n', 'import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n'],
    ];
    assertEditSequenceMatchesFresh(TEXT, steps);
  });
});
