import * as assert from 'assert';
import { assertEditSequenceMatchesFresh } from '../helpers/incremental';
import { PythonDocument } from '../../../src/parsing/python/document';
import type { SyntaxNode, SyntaxTree } from '../../../src/parsing/python/syntaxTree';
import type { Fn } from '../../../src/parsing/python/training/flow';
import { FunctionTable } from '../../../src/parsing/python/training/functionTable';

// The function table kept across the analyses of an open document and patched from the
// statements an edit added and removed (src/parsing/python/training/functionTable.ts).

const TEXT = `def f():
    pass


class A:
    def f(self):
        pass

    def g(self):
        pass


x = 1


def f():
    def f():
        pass
`;

/** A stand-in `Fn` of a definition (the table reads its key, class and node). */
function fnOf(def: SyntaxNode, statement: SyntaxNode, moduleFn: Fn): Fn {
  const name = def.childForFieldName('name')?.text ?? '';
  const container = def.parent?.parent;
  const cls = def.parent?.type === 'block' && container?.type === 'class_definition' ? container.childForFieldName('name')?.text : undefined;
  return { name, key: cls === undefined ? name : `${cls}.${name}`, statement, node: def, body: null, params: [], cls, isModule: false, noGradDecorator: undefined, parent: moduleFn, locals: new Set() };
}

/** What the table lists, as `key@row` by key (and class). */
function listed(table: FunctionTable): { byName: string[]; methods: string[] } {
  const show = (lists: ReadonlyMap<string, readonly Fn[]>) =>
    [...lists.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, fns]) => `${k}: ${fns.map((f) => `${f.key}@${f.node.startPosition.row}`).join(' ')}`);
  return { byName: show(table.byName), methods: show(table.methods) };
}

/** What a table filled from scratch lists: every definition in document order, by key and by class. */
function expected(tree: SyntaxTree): { byName: string[]; methods: string[] } {
  const byName = new Map<string, Fn[]>();
  const methods = new Map<string, Fn[]>();
  const moduleFn = { key: '<module>' } as Fn;
  for (const statement of tree.rootNode.children) {
    for (const def of statement.descendantsOfType('function_definition')) {
      const fn = fnOf(def, statement, moduleFn);
      byName.set(fn.key, [...(byName.get(fn.key) ?? []), fn]);
      if (fn.cls !== undefined) methods.set(fn.cls, [...(methods.get(fn.cls) ?? []), fn]);
    }
  }
  return listed({ byName, methods } as unknown as FunctionTable);
}

describe('training IR: function table kept across edits', () => {
  const moduleFn = { key: '<module>' } as Fn;

  /** Brings the table to `tree`, placing each statement's stand-in functions (kept per statement, as the flow memo keeps them). */
  function bring(tree: SyntaxTree, kept: Map<SyntaxNode, Fn[]>, table = FunctionTable.for(tree, moduleFn)): FunctionTable {
    for (const statement of tree.rootNode.children) {
      const defs = statement.descendantsOfType('function_definition');
      if (defs.length === 0) continue;
      let fns = kept.get(statement);
      if (!fns) kept.set(statement, (fns = defs.map((d) => fnOf(d, statement, moduleFn))));
      table.place(statement, fns);
    }
    table.done();
    return table;
  }

  it('after edits that add, remove and replace definitions, lists what a new table lists, in document order', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const kept = new Map<SyntaxNode, Fn[]>();
      const first = doc.syntaxTree;
      assert.ok(first);
      const table = bring(first, kept);
      assert.deepStrictEqual(listed(table).byName, ['A.f: A.f@5', 'A.g: A.g@8', 'f: f@0 f@15 f@16']);
      const edits: [string, string][] = [
        ['x = 1', 'def g():\n    pass'],
        ['    def g(self):\n        pass\n', '    def h(self):\n        pass\n\n    def f(self):\n        pass\n'],
        ['def f():\n    pass\n', 'y = 2\n'],
        ['y = 2\n', 'def f():\n    pass\n\n\ndef A():\n    pass\n'],
      ];
      for (const [from, to] of edits) {
        const at = doc.text.indexOf(from);
        assert.ok(at >= 0, from);
        doc.edit([{ startOffset: at, oldEndOffset: at + from.length, newText: to }]);
        const tree: SyntaxTree | undefined = doc.syntaxTree;
        assert.ok(tree?.changes);
        const patched = bring(tree, kept);
        assert.strictEqual(patched, table, 'the kept table is patched');
        assert.deepStrictEqual(listed(patched), expected(tree), `${from} -> ${to}`);
      }
      // The last edit placed a function before others of its name.
      assert.deepStrictEqual(listed(table).byName.find((l) => l.startsWith('f:')), 'f: f@0 f@23 f@24');
    } finally {
      doc.dispose();
    }
  });

  it('is made anew after a bringing that was not completed (`done` not called), and says whether it is patched', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const first = doc.syntaxTree;
      assert.ok(first);
      const kept = new Map<SyntaxNode, Fn[]>();
      const table = bring(first, kept);
      assert.strictEqual(table.patched, false, 'a new table is not patched');
      const at = doc.text.indexOf('x = 1');
      doc.edit([{ startOffset: at, oldEndOffset: at + 1, newText: 'z' }]);
      const second = doc.syntaxTree;
      assert.ok(second);
      // Brought to the second tree, but not completed: the analysis stopped half way.
      const half = FunctionTable.for(second, moduleFn);
      assert.strictEqual(half, table);
      assert.strictEqual(half.patched, true);
      doc.edit([{ startOffset: at, oldEndOffset: at + 1, newText: 'x' }]);
      const third = doc.syntaxTree;
      assert.ok(third);
      const fresh = bring(third, kept);
      assert.notStrictEqual(fresh, table, 'a table not completed is not patched again');
      assert.strictEqual(fresh.patched, false);
      assert.deepStrictEqual(listed(fresh), expected(third));
    } finally {
      doc.dispose();
    }
  });

  it('a statement whose functions are made anew (its kept flow dropped) replaces its old ones', () => {
    const doc = new PythonDocument(TEXT);
    try {
      const tree = doc.syntaxTree;
      assert.ok(tree);
      const kept = new Map<SyntaxNode, Fn[]>();
      const table = bring(tree, kept);
      const cls = tree.rootNode.children[1];
      kept.delete(cls);
      bring(tree, kept);
      const methods = table.methods.get('A') ?? [];
      assert.deepStrictEqual(methods, kept.get(cls));
      assert.strictEqual(table.byName.get('A.f')?.length, 1);
    } finally {
      doc.dispose();
    }
  });

  it("an open document's training IR after edits that redefine functions is a fresh analysis's", () => {
    const text = `import torch


def evaluate(net):
    net.eval()


class Net(torch.nn.Module):
    def helper(self):
        self.train()


model = Net()
evaluate(model)
with torch.no_grad():
    out = model(1)
`;
    const steps: [string, string][] = [
      ['model = Net()', 'def evaluate(net):\n    net.train()\n\n\nmodel = Net()'],
      ['import torch\n', 'import torch\n\n\ndef evaluate(net):\n    pass\n'],
      ['def evaluate(net):\n    net.train()\n', 'def evaluate2(net):\n    net.train()\n'],
      ['    def helper(self):\n        self.train()\n', '    def helper(self):\n        self.train()\n\n    def helper(self):\n        self.eval()\n'],
    ];
    assertEditSequenceMatchesFresh(text, steps);
  });
});
