import * as assert from 'assert';
import { PythonDocument } from '../../../src/parsing/python/document';
import { StatementIndex, StatementIndexKind } from '../../../src/parsing/python/statementIndex';
import type { SyntaxNode } from '../../../src/parsing/python/syntaxTree';

// StatementIndex.statementsWith keeps its answer for a key across the trees of a document until a
// statement with that key is added or removed (callers gather from it once: Resolver).

/** Each top-level statement filed under the names of the calls in it. */
const CALLED = new StatementIndexKind<string[]>(
  (s: SyntaxNode) => s.descendantsOfType('call').map((c) => c.childForFieldName('function')?.text ?? ''),
  (names) => names,
);

const TEXT = 'a = f(1)\nb = g(2)\nc = f(3)\n';

describe('StatementIndex: answers kept across the edits of a document', () => {
  it('keeps the answer for a key while no statement with it comes or goes, in document order after one does', () => {
    const doc = new PythonDocument(TEXT);
    try {
      doc.analyse();
      const texts = (list: readonly SyntaxNode[]): string[] => list.map((s) => s.text);
      let tree = doc.syntaxTree;
      assert.ok(tree);
      const f = StatementIndex.of(tree, CALLED).statementsWith('f');
      assert.deepStrictEqual(texts(f), ['a = f(1)', 'c = f(3)']);
      // An edit of a statement without `f`: the same answer (the same array).
      let at = TEXT.indexOf('g(2)') + 2;
      doc.applyChanges([{ startOffset: at, oldEndOffset: at + 1, newText: '5' }]);
      tree = doc.syntaxTree;
      assert.ok(tree);
      assert.strictEqual(StatementIndex.of(tree, CALLED).statementsWith('f'), f);
      assert.deepStrictEqual(texts(StatementIndex.of(tree, CALLED).statementsWith('g')), ['b = g(5)']);
      // The `g` statement now calls `f` too, between the two others.
      at = TEXT.indexOf('g(2)');
      doc.applyChanges([{ startOffset: at, oldEndOffset: at + 1, newText: 'f' }]);
      tree = doc.syntaxTree;
      assert.ok(tree);
      assert.deepStrictEqual(texts(StatementIndex.of(tree, CALLED).statementsWith('f')), ['a = f(1)', 'b = f(5)', 'c = f(3)']);
      assert.deepStrictEqual(StatementIndex.of(tree, CALLED).statementsWith('g'), []);
      // The first `f` statement goes.
      doc.applyChanges([{ startOffset: 0, oldEndOffset: 'a = f(1)\n'.length, newText: '' }]);
      tree = doc.syntaxTree;
      assert.ok(tree);
      assert.deepStrictEqual(texts(StatementIndex.of(tree, CALLED).statementsWith('f')), ['b = f(5)', 'c = f(3)']);
    } finally {
      doc.dispose();
    }
  });
});
