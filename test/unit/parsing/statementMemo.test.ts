import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { analysePythonFile } from '../../../src/parsing/python/analyse';
import { PythonDocument } from '../../../src/parsing/python/document';

const root = path.join(__dirname, '..', '..', '..', '..');
const fixtures = ['test/fixtures/models', 'test/fixtures/corpus', 'test/fixtures/training/buggy', 'examples']
  .map((d) => path.join(root, d))
  .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.py')).sort().map((f) => path.join(d, f)));

/** The IR as plain data (what rules and snapshots see). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** Applies one edit to the document and to a plain string, and checks the IRs agree. */
function editAndCompare(doc: PythonDocument, text: string, start: number, end: number, insert: string, label: string): string {
  const next = text.slice(0, start) + insert + text.slice(end);
  const ir = doc.applyChanges([{ startOffset: start, oldEndOffset: end, newText: insert }]);
  assert.strictEqual(doc.text, next);
  assert.deepStrictEqual(plain(ir), plain(analysePythonFile(next)), label);
  return next;
}

/** Cross-statement facts: constants, helpers, base classes and model-class layers used by other classes. */
const CROSS = `import torch.nn as nn

WIDTH = 64
GROUPS = 8
CFG = dict(head=10)


def norm(c):
    return nn.GroupNorm(GROUPS, c)


class Block(nn.Module):
    def __init__(self, c=WIDTH):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.norm = norm(c)

    def forward(self, x):
        return self.norm(self.conv(x))


class Base(nn.Module):
    pass


class Net(Base):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, WIDTH, 3)
        self.bn = nn.BatchNorm2d(WIDTH)
        self.block = Block(WIDTH)

    def forward(self, x):
        return self.block(self.bn(self.stem(x)))


def build():
    return Net()


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(WIDTH, CFG['head'])
        self.bn = nn.BatchNorm1d(CFG['head'])
`;

describe('StatementMemo (per-statement IR reuse in open documents)', () => {
  it('reuses the statements an edit does not touch, and recomputes the edited one', () => {
    const doc = new PythonDocument(CROSS);
    try {
      doc.analyse();
      const at = CROSS.indexOf('nn.Conv2d(c, c, 3') + 'nn.Conv2d(c, c, '.length;
      editAndCompare(doc, CROSS, at, at + 1, '5', 'kernel size edit');
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      // Model IR parts recomputed: Block (edited), Net (uses Block), build() (uses Net); reused:
      // the import, WIDTH, GROUPS, CFG, norm() (Block still calls it the same way), Base, Head.
      // Class facts (training IR) recomputed: Block, Net; reused: Base, Head. (Keras and Flax mode
      // arguments are asked only of statements passing them: none here.)
      assert.deepStrictEqual({ computed: memo.computed, reused: memo.reused }, { computed: 3 + 2, reused: 7 + 2 });
    } finally {
      doc.dispose();
    }
  });

  it('Enter moves the statements below without recomputing them (their spans move rows and offsets)', () => {
    const doc = new PythonDocument(CROSS);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      // A blank line between two statements: no statement changed, every result is reused (model
      // IR, class facts; no statement passes Keras or Flax mode arguments, so none are asked).
      const between = CROSS.indexOf('class Base(nn.Module)');
      let text = editAndCompare(doc, CROSS, between, between, '\n', 'Enter between statements');
      assert.deepStrictEqual({ computed: memo.computed, reused: memo.reused }, { computed: 0, reused: 10 + 4 });
      text = editAndCompare(doc, text, between, between + 1, '', 'and removed again');
      assert.deepStrictEqual({ computed: memo.computed, reused: memo.reused }, { computed: 0, reused: 10 + 4 });
      // Enter at the end of a line inside Block: what a one-character edit there recomputes
      // (Block, Net which uses it, build() which uses Net), nothing of the six statements below.
      const inBlock = text.indexOf('nn.Conv2d(c, c, 3, padding=1)') + 'nn.Conv2d(c, c, 3, padding=1)'.length;
      text = editAndCompare(doc, text, inBlock, inBlock, '\n', 'Enter inside Block');
      assert.deepStrictEqual({ computed: memo.computed, reused: memo.reused }, { computed: 3 + 2, reused: 7 + 2 });
      // Enter in the middle of a line (the statement's text changes, it stays free of syntax errors).
      const mid = text.indexOf('nn.Linear(WIDTH, ') + 'nn.Linear(WIDTH,'.length;
      text = editAndCompare(doc, text, mid, mid, '\n', 'Enter inside an argument list');
      editAndCompare(doc, text, mid, mid + 1, '', 'joined again');
    } finally {
      doc.dispose();
    }
  });

  it('statements after Enter that do not start a line: reused while their column stays, recomputed when it moves', () => {
    const text = CROSS.replace('GROUPS = 8\n', 'GROUPS = 8; DEPTH = WIDTH\n');
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      let next = editAndCompare(doc, text, 0, 0, '\n', 'Enter above everything');
      assert.strictEqual(memo.computed, 0);
      const at = next.indexOf('GROUPS = 8;') + 'GROUPS = '.length;
      next = editAndCompare(doc, next, at, at + 1, '16', 'the statement before DEPTH on its line grows');
      editAndCompare(doc, next, 0, 1, '', 'Enter undone');
    } finally {
      doc.dispose();
    }
  });

  it('statements with the same text: keys count them, so adding or removing one recomputes its twins', () => {
    const twin = 'def make(c):\n    return nn.BatchNorm2d(c)\n\n\n';
    const text = CROSS.replace('class Base(nn.Module):', `${twin}${twin}class Base(nn.Module):`);
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const first = text.indexOf(twin);
      let next = editAndCompare(doc, text, first, first, twin, 'a third twin above the two');
      next = editAndCompare(doc, next, first, first + twin.length, '', 'removed again');
      next = editAndCompare(doc, next, first, first + twin.length, '', 'the first twin removed');
      editAndCompare(doc, next, 0, 0, '\n', 'Enter above');
    } finally {
      doc.dispose();
    }
  });

  it('recomputes a function when a caller starts or stops passing one of its parameters, not when it passes another value', () => {
    const text = `import torch.nn as nn


def head(width=64):
    return nn.BatchNorm1d(width)


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.h = head()
`;
    const doc = new PythonDocument(text);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      const at = text.indexOf('head()') + 'head('.length;
      // The default no longer says what \`width\` is: head() is recomputed (the IRs are compared).
      let next = editAndCompare(doc, text, at, at, '32', 'a caller passes width');
      assert.ok(memo.computed > 0);
      // Another value for the same parameter: only the edited class is recomputed (model IR, class
      // facts; it passes no Keras or Flax mode arguments, so none are asked of it).
      next = editAndCompare(doc, next, at, at + 2, '16', 'another value');
      assert.deepStrictEqual({ computed: memo.computed, reused: memo.reused }, { computed: 2, reused: 2 });
      // By keyword: the same parameter, but the call changed shape, so head() is recomputed too.
      next = editAndCompare(doc, next, at, at + 2, 'width=16', 'passed by keyword');
      assert.deepStrictEqual(memo.computed, 2 + 1);
      editAndCompare(doc, next, at, at + 'width=16'.length, '', 'no longer passed');
    } finally {
      doc.dispose();
    }
  });

  it('a half-typed line that turns the rest of the file into one ERROR statement recomputes what it swallowed, not the statements before it', () => {
    const doc = new PythonDocument(CROSS);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      const at = CROSS.indexOf('CFG = dict(head=10)') + 'CFG = dict(head=10)'.length;
      const broken = editAndCompare(doc, CROSS, at, at, '(', 'unclosed parenthesis');
      assert.deepStrictEqual(doc.syntaxTree?.rootNode.children.map((c) => c.type), ['import_statement', 'expression_statement', 'expression_statement', 'ERROR']);
      // The import, WIDTH and GROUPS keep their results (model IR).
      assert.strictEqual(memo.reused, 3);
      editAndCompare(doc, broken, at, at + 1, '', 'closed again');
      assert.strictEqual(memo.reused, 3);
      // A stray parenthesis between two classes: the classes around it keep theirs.
      const between = CROSS.indexOf('class Base(nn.Module)');
      const stray = editAndCompare(doc, CROSS, between - 1, between - 1, '(', 'parenthesis between classes');
      assert.ok(doc.syntaxTree?.rootNode.children.some((c) => c.type === 'ERROR'));
      assert.ok(memo.reused > 3, `${memo.reused}`);
      editAndCompare(doc, stray, between - 1, between, '', 'parenthesis removed');
    } finally {
      doc.dispose();
    }
  });

  it('forgets a recomputed statement as a holder of spans in the statements it reads from (no growth over edits)', () => {
    const doc = new PythonDocument(CROSS);
    try {
      doc.analyse();
      const memo = doc.syntaxTree?.memo;
      assert.ok(memo);
      const links = memo.holderLinks;
      // Net's layers take WIDTH's provenance: their spans lie in WIDTH's statement.
      const at = CROSS.indexOf('nn.Conv2d(3, WIDTH, 3)') + 'nn.Conv2d('.length;
      let text = CROSS;
      for (let i = 0; i < 12; i++) text = editAndCompare(doc, text, at, at + 1, i % 2 ? '3' : '4', `edit ${i}`);
      assert.ok(links > 0);
      assert.strictEqual(memo.holderLinks, links);
    } finally {
      doc.dispose();
    }
  });

  it('a statement that held no spans for a while, then gets some, has them moved from where it is now', () => {
    // DEPTH is used by nobody at first, so no result holds a span in its statement; a space typed
    // on the blank line above moves it (same row); then Head starts using it (Head's provenance
    // spans now sit in DEPTH's statement); then the space goes again: those spans move back.
    const start = CROSS.replace('WIDTH = 64\n', 'WIDTH = 64\nDEPTH = 3\n');
    const doc = new PythonDocument(start);
    try {
      doc.analyse();
      const blank = start.indexOf('\n\nWIDTH') + 1;
      let text = editAndCompare(doc, start, blank, blank, ' ', 'space on the blank line');
      const at = text.indexOf("nn.BatchNorm1d(CFG['head'])") + 'nn.BatchNorm1d('.length;
      text = editAndCompare(doc, text, at, at + "CFG['head']".length, 'DEPTH', 'Head uses DEPTH');
      text = editAndCompare(doc, text, blank, blank + 1, '', 'space removed');
      editAndCompare(doc, text, blank, blank, '  ', 'two spaces');
    } finally {
      doc.dispose();
    }
  });

  it('follows cross-statement facts: constants, helpers, bases, model-class layers, call sites', () => {
    const edits: [string, string, string][] = [
      ['module constant used by a class', 'WIDTH = 64', 'WIDTH = 32'],
      ['constant used by a helper', 'GROUPS = 8', 'GROUPS = 7'],
      ['helper body', 'return nn.GroupNorm(GROUPS, c)', 'return nn.BatchNorm2d(c)'],
      ['base class becomes a plain class', 'class Base(nn.Module):', 'class Base(object):'],
      ['model-class layer renamed', 'class Block(nn.Module):', 'class Blocks(nn.Module):'],
      ['default of a model-class parameter', 'def __init__(self, c=WIDTH):', 'def __init__(self, c=16):'],
      ['import alias', 'import torch.nn as nn', 'import torch.nn as tnn'],
      ['line inserted above everything', 'WIDTH = 64', '\n\nWIDTH = 64'],
      ['line removed in the middle', '    pass\n', ''],
      ['config changed in place at module level (same line: nothing below moves)', 'CFG = dict(head=10)\n', 'CFG = dict(head=10); CFG.update(head=12)\n'],
      ['broken statement', 'self.bn = nn.BatchNorm2d(WIDTH)', 'self.bn = nn.BatchNorm2d(WIDTH'],
    ];
    for (const [label, from, to] of edits) {
      const doc = new PythonDocument(CROSS);
      try {
        doc.analyse();
        const at = CROSS.indexOf(from);
        assert.ok(at >= 0, label);
        const text = editAndCompare(doc, CROSS, at, at + from.length, to, label);
        // ...and back again.
        editAndCompare(doc, text, at, at + to.length, from, `${label} (undone)`);
      } finally {
        doc.dispose();
      }
    }
  });

  it('after every edit of random edit sequences, the IR (model and training) equals a fresh analysis (spans included)', function () {
    this.timeout(300000);
    const texts = fixtures.map((f) => fs.readFileSync(f, 'utf8'));
    fc.assert(
      fc.property(
        fc.nat({ max: texts.length - 1 }),
        fc.array(
          fc.record({
            at: fc.double({ min: 0, max: 1, noNaN: true }),
            del: fc.nat({ max: 6 }),
            ins: fc.constantFrom('', 'x', '7', '(', ')', ':', '\n', '    ', 'é', 'nn.BatchNorm2d(8)\n', 'WIDTH = 3\n', 'import torch\n', 'class A(nn.Module):\n    pass\n'),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        (which, edits) => {
          let text = texts[which];
          const doc = new PythonDocument(text);
          try {
            doc.analyse();
            edits.forEach((e, i) => {
              const start = Math.floor(e.at * text.length);
              const end = Math.min(text.length, start + e.del);
              text = editAndCompare(doc, text, start, end, e.ins, `${path.basename(fixtures[which])} edit ${i}`);
            });
          } finally {
            doc.dispose();
          }
        },
      ),
      { numRuns: 40, seed: 7 },
    );
  });
});
