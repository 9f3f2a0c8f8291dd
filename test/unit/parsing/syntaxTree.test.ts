import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { Edit, type Node, type Tree } from 'web-tree-sitter';
import { lintPython } from '../../../src/lint/lint';
import { heapWalkUsable, NodeCache, sameCopies, setHeapWalkEnabled, setHeapUpdateEnabled, setRawCursorEnabled, SyntaxTree, updateCounts, type SyntaxNode } from '../../../src/parsing/python/syntaxTree';
import { parsePython, pythonParser, rawCursorBinding } from '../../../src/parsing/python/treeSitter';

const root = path.join(__dirname, '..', '..', '..', '..');
const fixtures = ['test/fixtures/models', 'test/fixtures/training/buggy', 'examples']
  .map((d) => path.join(root, d))
  .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.py')).map((f) => path.join(d, f)));

/**
 * Whether the copy leaves a child of web-tree-sitter's tree out: a token (an unnamed leaf) without
 * a field (brackets, commas, dots, `=`, `:`, keywords) other than a slice's colon, below the top
 * level (each of the root's children is a statement of the copy, even a stray token). Operators
 * have a field.
 */
function leftOut(parent: Node, child: Node, field: string | null): boolean {
  return parent.parent !== null && !child.isNamed && child.childCount === 0 && field === null && !(child.type === ':' && parent.type === 'slice');
}

/** Every difference between the copy and web-tree-sitter's own nodes (less the tokens it leaves out), as readable lines. */
function differences(copy: SyntaxNode, real: Node, out: string[] = []): string[] {
  const where = `${real.type}@${real.startIndex}`;
  if (copy.type !== real.type) out.push(`${where}: type ${copy.type}`);
  if (copy.startIndex !== real.startIndex || copy.endIndex !== real.endIndex) out.push(`${where}: range ${copy.startIndex}-${copy.endIndex} vs ${real.startIndex}-${real.endIndex}`);
  if (copy.startPosition.row !== real.startPosition.row || copy.startPosition.column !== real.startPosition.column) out.push(`${where}: start position`);
  if (copy.endPosition.row !== real.endPosition.row || copy.endPosition.column !== real.endPosition.column) out.push(`${where}: end position`);
  if (copy.isNamed !== real.isNamed) out.push(`${where}: isNamed`);
  if (copy.hasError !== real.hasError) out.push(`${where}: hasError ${copy.hasError} vs ${real.hasError}`);
  if (copy.text !== real.text) out.push(`${where}: text`);
  const children: { node: Node; field: string | null }[] = [];
  real.children.forEach((c, i) => {
    const field = real.fieldNameForChild(i) ?? null;
    if (c && !leftOut(real, c, field)) children.push({ node: c, field });
  });
  if (copy.children.length !== children.length) {
    out.push(`${where}: ${copy.children.length} children vs ${children.length}`);
    return out;
  }
  children.forEach(({ node, field }, i) => {
    if ((copy.fieldNames[i] ?? null) !== field) out.push(`${where}: field of child ${i} ${copy.fieldNames[i]} vs ${field}`);
    if (copy.children[i].parent !== copy) out.push(`${where}: parent of child ${i}`);
    differences(copy.children[i], node, out);
  });
  return out;
}

/** A number per node object (nodes have no id field). */
const NODE_IDS = new WeakMap<SyntaxNode, number>();
function idOf(n: SyntaxNode): number {
  let id = NODE_IDS.get(n);
  if (id === undefined) NODE_IDS.set(n, (id = NODE_IDS_NEXT++));
  return id;
}
let NODE_IDS_NEXT = 1;

function parse(text: string, old?: Tree): Tree {
  const tree = pythonParser().parser.parse(text, old);
  assert.ok(tree);
  return tree;
}

describe('SyntaxTree (the JavaScript copy of the tree-sitter tree)', () => {
  it('matches web-tree-sitter node for node on every fixture: type, range, position, fields, errors, text', () => {
    assert.ok(fixtures.length > 10);
    for (const file of fixtures) {
      const text = fs.readFileSync(file, 'utf8');
      const tree = parse(text);
      try {
        assert.deepStrictEqual(differences(SyntaxTree.from(tree, text).rootNode, tree.rootNode).slice(0, 5), [], file);
      } finally {
        tree.delete();
      }
    }
  });

  it('parsePython (reads of 64 to 4,096 characters) gives the tree a whole-string parse gives, also with characters split across reads, and after an edit', () => {
    // An astral character (two UTF-16 units) split by a read boundary of a parse from the start
    // (64, 192, 448, ... as reads double), then one starting right at it, in a string and in a
    // comment; then many more past later boundaries.
    const head = 'import torch.nn as nn\nx = "';
    const many = Array.from({ length: 400 }, (_, i) => `s${i} = "\u{1F600}é\u{1F4A9}"  # \u{1F9EA}\ny${i} = nn.BatchNorm2d(${i})\n`).join('');
    for (const at of [63, 64, 191, 192, 447, 448, 4031, 4032, 4095, 4096]) {
      const text = head + 'a'.repeat(at - head.length) + '\u{1F600}é"  # \u{1F9EA}\nnorm = nn.BatchNorm2d(3)\n' + many;
      assert.strictEqual(text.codePointAt(at), 0x1f600);
      const chunked = parsePython(text);
      const whole = parse(text);
      try {
        assert.ok(chunked && !chunked.rootNode.hasError);
        assert.strictEqual(chunked.rootNode.toString(), whole.rootNode.toString());
        assert.strictEqual(chunked.rootNode.endIndex, text.length);
        assert.deepStrictEqual(differences(SyntaxTree.from(chunked, text).rootNode, whole.rootNode).slice(0, 5), []);
        // An incremental re-parse reads short chunks where it steps over re-used statements.
        const edit = text.indexOf('y200 = nn.BatchNorm2d(200)') + 'y200 = nn.BatchNorm2d('.length;
        const edited = text.slice(0, edit) + '7' + text.slice(edit + 1);
        const before = text.slice(0, edit);
        const point = { row: before.split('\n').length - 1, column: edit - (before.lastIndexOf('\n') + 1) };
        chunked.edit(new Edit({ startIndex: edit, oldEndIndex: edit + 1, newEndIndex: edit + 1, startPosition: point, oldEndPosition: { row: point.row, column: point.column + 1 }, newEndPosition: { row: point.row, column: point.column + 1 } }));
        const again = parsePython(edited, chunked);
        const fresh = parse(edited);
        try {
          assert.ok(again);
          assert.strictEqual(again.rootNode.toString(), fresh.rootNode.toString());
          assert.deepStrictEqual(differences(SyntaxTree.from(again, edited).rootNode, fresh.rootNode).slice(0, 5), []);
        } finally {
          again?.delete();
          fresh.delete();
        }
      } finally {
        chunked?.delete();
        whole.delete();
      }
    }
  });

  it('copies through the raw cursor exports here, and the TreeCursor fallback gives the same copy (also with syntax errors)', () => {
    assert.ok(rawCursorBinding(), 'the raw cursor binding should be usable with the pinned web-tree-sitter');
    const broken = 'class A(nn.Module):\n    def __init__(self):\n        self.bn = nn.BatchNorm2d(4\n    def f(self x):\n        return x +\n';
    for (const text of [...fixtures.slice(0, 4).map((f) => fs.readFileSync(f, 'utf8')), broken]) {
      const tree = parse(text);
      try {
        setRawCursorEnabled(false);
        const viaApi = SyntaxTree.from(tree, text);
        setRawCursorEnabled(true);
        const viaRaw = SyntaxTree.from(tree, text);
        assert.deepStrictEqual(differences(viaApi.rootNode, tree.rootNode).slice(0, 5), []);
        assert.deepStrictEqual(differences(viaRaw.rootNode, tree.rootNode).slice(0, 5), []);
        // The cursor handed back to web-tree-sitter still works: the tree can be walked again.
        const cursor = tree.walk();
        assert.ok(cursor.gotoFirstChild());
        cursor.delete();
      } finally {
        setRawCursorEnabled(true);
        tree.delete();
      }
    }
  });

  it('reads statements from tree-sitter\'s memory here, giving the cursor walk\'s copy on every fixture, with syntax errors and very deep nesting', function () {
    this.timeout(120000);
    assert.ok(heapWalkUsable(pythonParser().language), 'the heap layout should be recognised with the pinned web-tree-sitter and grammar');
    const all = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : e.name.endsWith('.py') ? [path.join(dir, e.name)] : []));
    const files = [...all(path.join(root, 'test/fixtures')), ...all(path.join(root, 'examples'))];
    assert.ok(files.length > 40);
    const texts: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      texts.push(text);
      // Syntax errors and missing tokens: characters cut out or put in at a few places.
      for (const at of [0.13, 0.41, 0.77]) {
        const i = Math.floor(text.length * at);
        texts.push(text.slice(0, i) + text.slice(i + 3), text.slice(0, i) + '(' + text.slice(i), text.slice(0, i) + ':\n  \u{1F600} "' + text.slice(i));
      }
    }
    // Nesting deeper than any recursion could go (the walk keeps its own stack), and a long flat statement.
    texts.push(`x = ${'a + '.repeat(30000)}b\n`, `y = ${'('.repeat(3000)}1${')'.repeat(3000)}\n`, `z = [${'1, '.repeat(20000)}]\n`);
    for (const text of texts) {
      const tree = parse(text);
      try {
        setHeapWalkEnabled(false);
        const viaCursor = SyntaxTree.from(tree, text);
        setHeapWalkEnabled(true);
        const viaHeap = SyntaxTree.from(tree, text);
        assert.ok(sameCopies(viaHeap.rootNode, viaCursor.rootNode), text.slice(0, 80));
      } finally {
        setHeapWalkEnabled(true);
        tree.delete();
      }
    }
    // And node for node against web-tree-sitter's own nodes, errors included.
    for (const text of texts.slice(0, 40)) {
      const tree = parse(text);
      try {
        assert.deepStrictEqual(differences(SyntaxTree.from(tree, text).rootNode, tree.rootNode).slice(0, 5), []);
      } finally {
        tree.delete();
      }
    }
  });

  it('answers descendantsOfType like web-tree-sitter, from the root and from inner nodes', () => {
    const text = fs.readFileSync(fixtures[0], 'utf8');
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      const ranges = (nodes: readonly { startIndex: number; endIndex: number; type: string }[]) => nodes.map((n) => `${n.type}@${n.startIndex}-${n.endIndex}`);
      for (const types of ['call', 'identifier', ['assignment', 'call', 'attribute'], ['function_definition', 'class_definition']]) {
        assert.deepStrictEqual(ranges(copy.rootNode.descendantsOfType(types)), ranges(tree.rootNode.descendantsOfType(types)));
        const realClass = tree.rootNode.descendantsOfType('class_definition')[0];
        const copyClass = copy.rootNode.descendantsOfType('class_definition')[0];
        assert.ok(realClass && copyClass);
        assert.deepStrictEqual(ranges(copyClass.descendantsOfType(types)), ranges(realClass.descendantsOfType(types)));
      }
    } finally {
      tree.delete();
    }
  });

  it('shares one field-name list among nodes with the same fields, and answers descendantsOfType with a new array each time', () => {
    const text = 'import torch.nn as nn\nclass A(nn.Module):\n    def f(self, x):\n        y = g(x)\n        return h(y) + k(x)\nz = m(1)\n';
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      const calls = copy.rootNode.descendantsOfType('call');
      assert.strictEqual(calls.length, 4);
      assert.deepStrictEqual(calls[0].fieldNames, ['function', 'arguments']);
      for (const c of calls) assert.strictEqual(c.fieldNames, calls[0].fieldNames);
      assert.deepStrictEqual(differences(copy.rootNode, tree.rootNode).slice(0, 5), []);
      // Callers may keep or change what they get: the next answer is not affected.
      const cls = copy.rootNode.children[1];
      for (const from of [copy.rootNode, cls, cls.childForFieldName('body') as SyntaxNode]) {
        for (const types of ['call', ['call', 'identifier']] as const) {
          const first = from.descendantsOfType(types);
          const again = from.descendantsOfType(types);
          assert.notStrictEqual(first, again);
          first.length = 0;
          assert.deepStrictEqual(from.descendantsOfType(types), again);
        }
      }
    } finally {
      tree.delete();
    }
  });

  it('leaves out tokens without a field (brackets, commas, dots, `=`, `:`, keywords), keeps operators and a slice\'s colons, and keeps the shared empty child list where only such tokens were', () => {
    const text = 'def f(a, b=1):\n    return g(a.b, [c], {})[1:2] + (not d) - x if y is not z else ()\n';
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      const types = (n: SyntaxNode) => n.children.map((c) => c.type);
      const fn = copy.rootNode.children[0];
      assert.deepStrictEqual(types(fn), ['identifier', 'parameters', 'block']);
      assert.strictEqual(fn.namedChildren, fn.children);
      assert.deepStrictEqual(types(fn.descendantsOfType('parameters')[0]), ['identifier', 'default_parameter']);
      assert.deepStrictEqual(types(fn.descendantsOfType('default_parameter')[0]), ['identifier', 'integer']);
      assert.deepStrictEqual(types(fn.descendantsOfType('return_statement')[0]), ['conditional_expression']);
      assert.deepStrictEqual(types(fn.descendantsOfType('argument_list')[0]), ['attribute', 'list', 'dictionary']);
      assert.deepStrictEqual(types(fn.descendantsOfType('slice')[0]), ['integer', ':', 'integer']);
      // (`(a + b) - x`: the outer operator first, in document order.)
      const [minus, plus] = fn.descendantsOfType('binary_operator');
      assert.ok(plus && minus);
      assert.deepStrictEqual(types(minus), ['binary_operator', '-', 'identifier']);
      assert.deepStrictEqual(types(plus), ['subscript', '+', 'parenthesized_expression']);
      assert.strictEqual(minus.childForFieldName('operator')?.text, '-');
      assert.deepStrictEqual(types(fn.descendantsOfType('parenthesized_expression')[0]), ['not_operator']);
      assert.deepStrictEqual(types(fn.descendantsOfType('comparison_operator')[0]), ['identifier', 'is not', 'identifier']);
      // (`{}` and `()`: no child at all, the shared empty list, as for any leaf.)
      assert.strictEqual(fn.descendantsOfType('dictionary')[0]?.children, fn.descendantsOfType('identifier')[0]?.children);
      assert.strictEqual(fn.descendantsOfType('tuple')[0]?.children.length, 0);
      // Every node's namedChildren is then its child list itself where no operator or colon is
      // left; where one is, a list of the named ones, made once.
      const args = fn.descendantsOfType('argument_list')[0];
      assert.strictEqual(args?.namedChildren, args?.children);
      assert.deepStrictEqual(minus.namedChildren.map((c) => c.type), ['binary_operator', 'identifier']);
      assert.strictEqual(minus.namedChildren, minus.namedChildren);
      assert.deepStrictEqual(fn.descendantsOfType('slice')[0]?.namedChildren.map((c) => c.text), ['1', '2']);
    } finally {
      tree.delete();
    }
  });

  it('keeps NodeCache values per node and per cache (several caches on one node, overwrites, nodes without a value)', () => {
    const text = 'x = f(a, b)\ny = 2\n';
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      const caches = Array.from({ length: 6 }, () => new NodeCache<string>());
      const [first, second] = copy.rootNode.children;
      assert.strictEqual(caches[0].get(first), undefined);
      // Set in an order other than the caches' numbers, on two nodes, one value overwritten.
      for (const i of [3, 0, 5, 1]) caches[i].set(first, `first ${i}`);
      caches[2].set(second, 'second 2');
      caches[0].set(first, 'first 0 again');
      assert.deepStrictEqual(caches.map((c) => c.get(first)), ['first 0 again', 'first 1', undefined, 'first 3', undefined, 'first 5']);
      assert.deepStrictEqual(caches.map((c) => c.get(second)), [undefined, undefined, 'second 2', undefined, undefined, undefined]);
      // Four values on a node take an array of eight (number, value) slots, not one per cache.
      assert.strictEqual(first.cached?.length, 8);
    } finally {
      tree.delete();
    }
  });

  it('names types and fields with the strings the code compares them to (the same characters)', () => {
    const text = 'y = g(x=1)\n';
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      const call = copy.rootNode.descendantsOfType('call')[0];
      assert.strictEqual(call.type, 'call');
      assert.strictEqual(call.childForFieldName('function')?.text, 'g');
      assert.strictEqual(call.childForFieldName('arguments')?.namedChildren[0]?.childForFieldName('name')?.text, 'x');
      assert.deepStrictEqual(differences(copy.rootNode, tree.rootNode), []);
    } finally {
      tree.delete();
    }
  });

  it('answers for a statement with more nodes than a call can take arguments (a 200k-element literal)', function () {
    this.timeout(60000);
    const text = `import torch.nn as nn\nx = [${new Array(200_000).fill('1').join(', ')}]\nnorm = nn.GroupNorm(3, 10)\n`;
    const tree = parse(text);
    try {
      const copy = SyntaxTree.from(tree, text);
      assert.strictEqual(copy.rootNode.descendantsOfType('integer').length, 200_002);
      assert.strictEqual(copy.rootNode.descendantsOfType(['integer', 'call']).length, 200_003);
      assert.strictEqual(copy.rootNode.children[1].descendantsOfType(['integer', 'identifier']).length, 200_001);
      assert.deepStrictEqual(lintPython(text).findings.map((f) => f.code), ['NRM401']);
    } finally {
      tree.delete();
    }
  });

  it('marks syntax errors and missing tokens the way tree-sitter does', () => {
    for (const text of ['def f(:\n  x = (1,\n', 'import torch.nn as nn\nnn.GroupNorm(3, 10 +)\n', 'class A(nn.Module:\n    pass\n', 'x = [1, 2\ny = 3\n', '']) {
      const tree = parse(text);
      try {
        assert.deepStrictEqual(differences(SyntaxTree.from(tree, text).rootNode, tree.rootNode), [], JSON.stringify(text));
      } finally {
        tree.delete();
      }
    }
  });

  it('after edits that leave no syntax error, carries over (reading every statement from tree-sitter\'s memory, or visiting only those within its changed ranges) the same statements as a full visit with the cursor', () => {
    const source = fs.readFileSync(fixtures[1], 'utf8');
    const firstDigit = source.search(/[0-9]/);
    const secondClass = source.indexOf('\nclass ', source.indexOf('\nclass ') + 1) + 1;
    // (from, length, inserted): a digit changed, a blank line, a statement inserted between two, a class removed.
    const edits: [number, number, string][] = [
      [firstDigit, 1, '7'],
      [secondClass, 0, '\n'],
      [secondClass, 0, 'EXTRA = 3\n'],
      [secondClass, source.indexOf('\nclass ', secondClass) + 1 - secondClass, ''],
    ];
    for (const heap of [true, false]) {
      for (const [start, length, inserted] of edits) {
        const next = source.slice(0, start) + inserted + source.slice(start + length);
        const tree = parse(source);
        const full = SyntaxTree.from(tree, source);
        const windowed = SyntaxTree.from(tree, source);
        const carried = new Set(windowed.rootNode.children);
        const point = (t: string, offset: number) => {
          const before = t.slice(0, offset);
          return { row: before.split('\n').length - 1, column: offset - (before.lastIndexOf('\n') + 1) };
        };
        tree.edit(new Edit({ startIndex: start, oldEndIndex: start + length, newEndIndex: start + inserted.length, startPosition: point(source, start), oldEndPosition: point(source, start + length), newEndPosition: point(next, start + inserted.length) }));
        const newTree = parse(next, tree);
        setHeapUpdateEnabled(heap);
        try {
          assert.ok(!newTree.rootNode.hasError, JSON.stringify(inserted));
          const changed = { start, oldEnd: start + length, newEnd: start + inserted.length };
          const counts = { ...updateCounts };
          const updated = SyntaxTree.update(windowed, newTree, next, changed, tree);
          assert.deepStrictEqual(updateCounts, heap ? { ...counts, heap: counts.heap + 1 } : { ...counts, windowed: counts.windowed + 1 });
          assert.deepStrictEqual(differences(updated.rootNode, newTree.rootNode).slice(0, 5), []);
          const fullCarried = new Set(full.rootNode.children);
          // (Every statement visited with the cursor: no previous tree, nothing read from the heap.)
          setHeapUpdateEnabled(false);
          const visited = SyntaxTree.update(full, newTree, next, changed);
          assert.deepStrictEqual(updated.rootNode.children.map((s) => carried.has(s)), visited.rootNode.children.map((s) => fullCarried.has(s)));
          assert.ok(updated.changes && updated.changes.added.length <= 1 && updated.changes.removed.length <= 1, JSON.stringify(inserted));
        } finally {
          setHeapUpdateEnabled(true);
          tree.delete();
          newTree.delete();
        }
      }
    }
  });

  it('reading the statements from tree-sitter\'s memory, never carries over a statement whose tree changed, also when its text, or its start, type and length, did not', () => {
    // Each edit leaves the text of the statements after it as it was, at the same place or
    // shifted, but tree-sitter parses them differently: opening a string or a bracket (the rest
    // of the file becomes part of it, a syntax error), indenting a statement into the body of
    // the one before, removing a `def` line so its body joins the class above, a decorator put
    // before a function; or the edited statement keeps its start, type and length. Every
    // statement of the updated copy must be what a fresh copy of the new tree is (a statement
    // kept from before would keep its old structure).
    const source = [
      'import torch.nn as nn',
      '',
      'class A(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.bn = nn.BatchNorm2d(8)',
      '',
      'def helper(x):',
      '    return x',
      '',
      'y = helper(1)',
      'z = [1, 2]',
      '',
    ].join('\n');
    const at = (needle: string): number => source.indexOf(needle);
    const edits: [number, number, string][] = [
      [at('def helper'), 0, '"""'],
      [at('z = '), 0, '('],
      [at('y = '), 0, 'if y:\n    '],
      [at('def helper'), 'def helper(x):\n'.length, ''],
      [at('def helper'), 0, '@decorate\n'],
      [at('z = '), 0, 'class Z:\n    w = 1\n'],
      [at('(1)'), 3, '[1]'],
      [at('BatchNorm2d(8)') + 'BatchNorm2d('.length, 1, '9'],
    ];
    let heapUpdates = 0;
    for (const [start, length, inserted] of edits) {
      const next = source.slice(0, start) + inserted + source.slice(start + length);
      const tree = parse(source);
      const copy = SyntaxTree.from(tree, source);
      const point = (t: string, offset: number) => {
        const before = t.slice(0, offset);
        return { row: before.split('\n').length - 1, column: offset - (before.lastIndexOf('\n') + 1) };
      };
      tree.edit(new Edit({ startIndex: start, oldEndIndex: start + length, newEndIndex: start + inserted.length, startPosition: point(source, start), oldEndPosition: point(source, start + length), newEndPosition: point(next, start + inserted.length) }));
      const newTree = parse(next, tree);
      try {
        const counted = updateCounts.heap;
        const updated = SyntaxTree.update(copy, newTree, next, { start, oldEnd: start + length, newEnd: start + inserted.length }, tree);
        heapUpdates += updateCounts.heap - counted;
        const fresh = SyntaxTree.from(newTree, next);
        assert.ok(sameCopies(updated.rootNode, fresh.rootNode), JSON.stringify(inserted));
        assert.deepStrictEqual(differences(updated.rootNode, newTree.rootNode).slice(0, 5), [], JSON.stringify(inserted));
      } finally {
        tree.delete();
        newTree.delete();
      }
    }
    assert.strictEqual(heapUpdates, edits.length);
  });

  it('after random edits, an updated copy (re-using unchanged statements, matched by text or by the changed range) equals a fresh copy and the real tree', function () {
    this.timeout(120000);
    const source = fs.readFileSync(fixtures[1], 'utf8');
    const counts = { ...updateCounts };
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), del: fc.nat({ max: 6 }), ins: fc.constantFrom('', 'x', '1', '(', ')', '\n', '    ', 'é', '\n\nclass B(nn.Module):\n    pass\n') }), { minLength: 1, maxLength: 6 }),
        (edits) => {
          let text = source;
          let tree = parse(text);
          let copy = SyntaxTree.from(tree, text);
          // Updated with the changed range (statements outside it matched by position).
          let hinted = SyntaxTree.from(tree, text);
          // Updated with the changed range and the previous tree (statements read from the heap).
          let windowed = SyntaxTree.from(tree, text);
          // The same through tree-sitter's changed ranges (statements outside them not visited).
          let ranged = SyntaxTree.from(tree, text);
          try {
            for (const e of edits) {
              const start = Math.floor(e.at * text.length);
              const end = Math.min(text.length, start + e.del);
              const next = text.slice(0, start) + e.ins + text.slice(end);
              const point = (t: string, offset: number) => {
                const before = t.slice(0, offset);
                return { row: before.split('\n').length - 1, column: offset - (before.lastIndexOf('\n') + 1) };
              };
              tree.edit(new Edit({ startIndex: start, oldEndIndex: end, newEndIndex: start + e.ins.length, startPosition: point(text, start), oldEndPosition: point(text, end), newEndPosition: point(next, start + e.ins.length) }));
              const newTree = parse(next, tree);
              const previousTree = tree;
              tree = newTree;
              text = next;
              copy = SyntaxTree.update(copy, tree, text);
              assert.deepStrictEqual(differences(copy.rootNode, tree.rootNode).slice(0, 5), []);
              const before = new Set(hinted.rootNode.children);
              hinted = SyntaxTree.update(hinted, tree, text, { start, oldEnd: end, newEnd: start + e.ins.length });
              assert.deepStrictEqual(differences(hinted.rootNode, tree.rootNode).slice(0, 5), []);
              // The changes it reports: the statements copied anew, and the previous ones not carried over.
              const after = hinted.rootNode.children;
              const ids = (nodes: readonly SyntaxNode[] | undefined): number[] => (nodes ?? []).map(idOf).sort((a, b) => a - b);
              assert.deepStrictEqual(ids(hinted.changes?.added), ids(after.filter((s) => !before.has(s))));
              assert.deepStrictEqual(ids(hinted.changes?.removed), ids([...before].filter((s) => !after.includes(s))));
              // Updated with the previous tree: from the heap, and (that turned off) by tree-sitter's changed ranges.
              const carriedBefore = new Set(windowed.rootNode.children);
              const rangedBefore = new Set(ranged.rootNode.children);
              try {
                windowed = SyntaxTree.update(windowed, tree, text, { start, oldEnd: end, newEnd: start + e.ins.length }, previousTree);
                setHeapUpdateEnabled(false);
                ranged = SyntaxTree.update(ranged, tree, text, { start, oldEnd: end, newEnd: start + e.ins.length }, previousTree);
              } finally {
                setHeapUpdateEnabled(true);
                previousTree.delete();
              }
              assert.deepStrictEqual(differences(ranged.rootNode, tree.rootNode).slice(0, 5), []);
              assert.deepStrictEqual(ids(ranged.changes?.added), ids(ranged.rootNode.children.filter((s) => !rangedBefore.has(s))));
              assert.deepStrictEqual(differences(windowed.rootNode, tree.rootNode).slice(0, 5), []);
              // The statements carried over when every statement is visited are carried over here
              // too; so may be statements with a syntax error (matching by text never takes those).
              const carried = windowed.rootNode.children.map((s) => carriedBefore.has(s));
              assert.deepStrictEqual(carried.map((c, i) => c && !windowed.rootNode.children[i].hasError), hinted.rootNode.children.map((s) => before.has(s) && !s.hasError));
              assert.deepStrictEqual(ids(windowed.changes?.added), ids(windowed.rootNode.children.filter((s) => !carriedBefore.has(s))));
            }
          } finally {
            tree.delete();
          }
        },
      ),
      { numRuns: 60 },
    );
    // (Updates went through the heap, or, turned off, edits that leave no syntax error through tree-sitter's changed ranges.)
    assert.ok(updateCounts.heap > counts.heap && updateCounts.windowed > counts.windowed);
    assert.strictEqual(updateCounts.misaligned, counts.misaligned);
  });

  it('after an edit, the moved line table gives the positions a fresh copy gives at every offset (also when the edit moves no line, sharing the table)', () => {
    const source = 'import torch\nclass A:\n    x = 1\n    y = (2,\n         3)\n\nz = A()\n';
    const at = source.indexOf('1');
    const nl = source.indexOf('\n', source.indexOf('(2,'));
    // (start, old length, inserted): same-length digit, a newline written over a character and back, an insert, a deletion of lines, a newline added.
    const edits: [number, number, string][] = [
      [at, 1, '7'],
      [nl, 1, ' '],
      [nl - 1, 1, '\n'],
      [at, 0, '12'],
      [source.indexOf('    y'), source.indexOf('\n\n') - source.indexOf('    y'), ''],
      [0, 0, '\n'],
      [source.length, 0, '\n#'],
    ];
    for (const [start, length, inserted] of edits) {
      const next = source.slice(0, start) + inserted + source.slice(start + length);
      const tree = parse(source);
      const copy = SyntaxTree.from(tree, source);
      copy.pointAt(0);
      const newTree = parse(next);
      try {
        const updated = SyntaxTree.update(copy, newTree, next, { start, oldEnd: start + length, newEnd: start + inserted.length });
        const fresh = SyntaxTree.from(newTree, next);
        for (let i = 0; i <= next.length; i++) {
          assert.deepStrictEqual(updated.pointAt(i), fresh.pointAt(i), `${JSON.stringify(inserted)} at ${start}: offset ${i}`);
          assert.strictEqual(updated.rowAt(i), fresh.pointAt(i).row);
        }
      } finally {
        tree.delete();
        newTree.delete();
      }
    }
  });
});
