// Front-end rows (issue 4): full analysis of a 10k-line Python file, and re-analysis after a
// one-character edit. Baselines in the same run: the bare tree-sitter parse of the same text
// (full, and incremental after the same edit, read as the front end reads it: `parsePython`),
// so the ratios say what the IR costs on top.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Edit, type Tree } from 'web-tree-sitter';
import { lintPython, lintSyntaxTree } from '../src/lint/lint';
import { LintServer } from '../src/lint/worker/server';
import { EMPTY_CONFIG } from '../src/rules/config';
import { analysePythonFile } from '../src/parsing/python/analyse';
import { PythonDocument, type TextChange } from '../src/parsing/python/document';
import { initPythonParser, parsePython } from '../src/parsing/python/treeSitter';
import type { Bench } from './harness';

/**
 * The fixture models the 10k-line file is made of. A fixed list: a fixture added later must not
 * change the text (nor where the edit lands), or rows of two commits stop being comparable.
 */
const BENCH_FIXTURES = [
  'cifar_resnet_shortcuts.py', 'convnext.py', 'detectron2_backbone.py', 'dynamic_names.py', 'filtered_comprehensions.py',
  'flax_compact.py', 'flax_fields.py', 'flax_resnet.py', 'forward_loops.py', 'keras_mobilenet.py', 'keras_script.py',
  'llama.py', 'torchvision_resnet.py', 'vgg_script.py', 'vit.py',
];

/** A 10k-line file made of the fixture models (classes renamed so each copy is distinct). */
function tenThousandLines(): string {
  const dir = path.join(__dirname, '..', '..', 'test', 'fixtures', 'models');
  const files = BENCH_FIXTURES.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  const parts: string[] = [];
  let lines = 0;
  for (let i = 0; lines < 10000; i++) {
    const text = (files[i % files.length] ?? '').replace(/class (\w+)/g, `class $1_${i}`);
    parts.push(text);
    lines += text.split('\n').length;
  }
  return parts.join('\n').split('\n').slice(0, 10000).join('\n');
}

let text = '';
/** Offset of a character inside a class body in the middle of the file (a layer width digit). */
let editAt = 0;
let editPoint = { row: 0, column: 0 };
let doc: PythonDocument | undefined;
let tree: Tree | undefined;
let flip = false;
let inserted = false;
/** The text with an unfinished call typed at the end of a line past the middle, and where typing goes on. */
let broken = { text: '', typingAt: 0 };
/** The end of the line of `editAt` (inside a class body): where Enter adds a blank line. */
let lineEnd = 0;

/** The digit the next one-character edit writes: toggles a digit in a layer's argument, keeping the text valid Python. */
function nextDigit(): string {
  flip = !flip;
  return flip ? '7' : '6';
}

/** The one-character edit as the whole new text (for the bare re-parse row). */
function edited(): { text: string; start: number } {
  return { text: text.slice(0, editAt) + nextDigit() + text.slice(editAt + 1), start: editAt };
}

/** The one-character edit as a document change (the document builds its new text itself, as the editor's change events make it). */
function oneCharEdit(shift = 0): TextChange {
  return { startOffset: editAt + shift, oldEndOffset: editAt + shift + 1, newText: nextDigit() };
}

/** How far the workspace row's text moves the edit (the import line it prepends). */
let workspaceShift = 0;

/** A fresh open document of the text (the rows that edit it). */
function openDocument(): void {
  doc?.dispose();
  doc = new PythonDocument(text);
}

export async function init(): Promise<void> {
  await initPythonParser();
  text = tenThousandLines();
  // The first digit of a `nn.Linear(<integer>` past the middle: toggling it keeps the text valid.
  const linear = /nn\.Linear\([0-9]/g;
  linear.lastIndex = Math.floor(text.length / 2);
  const found = linear.exec(text);
  if (!found) throw new Error('frontend bench: no nn.Linear(<integer> in the second half of the 10k-line text');
  editAt = found.index + 'nn.Linear('.length;
  text = text.slice(0, editAt) + '6' + text.slice(editAt + 1);
  const before = text.slice(0, editAt);
  editPoint = { row: before.split('\n').length - 1, column: editAt - (before.lastIndexOf('\n') + 1) };
  lineEnd = text.indexOf('\n', editAt);
  // The rows measure edits of valid code: a syntax error would send every edit down other paths.
  for (const t of [text, text.slice(0, lineEnd) + '\n' + text.slice(lineEnd)]) {
    const tree = parsePython(t);
    const hasError = tree?.rootNode.hasError ?? true;
    tree?.delete();
    if (hasError) throw new Error('frontend bench: the 10k-line text (or it with a blank line added mid-file) has a syntax error');
  }
  broken = unfinishedCall(text);
}

/**
 * The text with ` + f(` typed at the end of the first statement line of a method body past the
 * middle of the file (`        x = self.conv(x)` becomes `        x = self.conv(x) + f(`): what the
 * file looks like while a call is being typed, a syntax error until its `)` is.
 */
function unfinishedCall(valid: string): { text: string; typingAt: number } {
  const line = /\n {8}[a-z_][\w.]* = [^\n]*\)(?=\n)/g;
  line.lastIndex = Math.floor(valid.length / 2);
  const found = line.exec(valid);
  if (!found) throw new Error('frontend bench: no `        x = ...)` line in the second half of the 10k-line text');
  const end = found.index + found[0].length;
  const typed = ' + f(';
  const result = { text: valid.slice(0, end) + typed + valid.slice(end), typingAt: end + typed.length };
  const tree = parsePython(result.text);
  const hasError = tree?.rootNode.hasError ?? false;
  tree?.delete();
  if (!hasError) throw new Error('frontend bench: the unfinished call did not make a syntax error');
  return result;
}

/**
 * The edit rows stand for keystrokes in a file the editor has been re-analysing: 50 untimed edits
 * first (the first dozen or so still run code the JIT has not optimised yet), then 200 timed ones,
 * so that the 95th percentile (the target) is the 10th-slowest edit of many, not the
 * 2nd-slowest of 40, and counts the edits that carry a garbage collection.
 */
const TYPING = { warmupCalls: 50, minSamples: 200 } as const;

/**
 * The full-analysis rows stand for a file opened (or linted by the CLI) after others: the editor
 * indexes the workspace's files when it starts, so the analysis code is compiled by then. Ten
 * untimed calls first (the first few still run code the JIT has not optimised: in a fresh
 * process the first analysis of the 10k-line file took 2.5 times the steady time here, the third
 * 1.4 times), then fifteen samples, so that the median counts the calls that carry a major
 * garbage collection as often as they come.
 */
const FULL = { warmupCalls: 10, minSamples: 15 } as const;

export const benches: Bench[] = [
  {
    name: 'frontend/parse/10k-lines',
    fn: () => {
      parsePython(text)?.delete();
    },
  },
  {
    name: 'frontend/analyse/10k-lines',
    baseline: 'frontend/parse/10k-lines',
    ...FULL,
    fn: () => {
      analysePythonFile(text);
    },
  },
  {
    name: 'frontend/lint/10k-lines',
    baseline: 'frontend/parse/10k-lines',
    ...FULL,
    fn: () => {
      lintPython(text);
    },
  },
  {
    name: 'frontend/reparse-one-char-edit/10k-lines',
    baseline: 'frontend/parse/10k-lines',
    setup: () => {
      tree = parsePython(text);
    },
    fn: () => {
      if (!tree) return;
      const e = edited();
      tree.edit(
        new Edit({
        startIndex: e.start,
        oldEndIndex: e.start + 1,
        newEndIndex: e.start + 1,
        startPosition: editPoint,
        oldEndPosition: { row: editPoint.row, column: editPoint.column + 1 },
        newEndPosition: { row: editPoint.row, column: editPoint.column + 1 },
        }),
      );
      const next = parsePython(e.text, tree);
      tree.delete();
      tree = next ?? undefined;
    },
  },
  {
    name: 'frontend/reanalyse-one-char-edit/10k-lines',
    baseline: 'frontend/reparse-one-char-edit/10k-lines',
    ...TYPING,
    setup: openDocument,
    fn: () => {
      doc?.applyChanges([oneCharEdit()]);
    },
  },
  {
    // What the editor does per keystroke: the re-analysis plus every rule over the whole IR.
    name: 'frontend/relint-one-char-edit/10k-lines',
    baseline: 'frontend/reparse-one-char-edit/10k-lines',
    ...TYPING,
    setup: openDocument,
    fn: () => {
      doc?.edit([oneCharEdit()]);
      const tree = doc?.syntaxTree;
      if (tree) lintSyntaxTree(tree);
    },
  },
  {
    // The editor's real path for a training script in a workspace: the lint server with the
    // workspace index, the file importing a model class from another workspace file
    // (`from models import Net`), the same one-character edit, then the lint request.
    name: 'frontend/relint-one-char-edit-in-workspace/10k-lines',
    baseline: 'frontend/reparse-one-char-edit/10k-lines',
    warmupCalls: 10,
    minSamples: 40,
    setup: openInWorkspace,
    fn: () => {
      const change = oneCharEdit(workspaceShift);
      workspace.version++;
      workspace.server.handle({ kind: 'change', uri: WORKSPACE_URI, version: workspace.version, changes: [change] });
      const answer = workspace.server.handle({ kind: 'lint', id: workspace.version, uri: WORKSPACE_URI, version: workspace.version, length: workspace.length, config: EMPTY_CONFIG });
      if (answer?.kind !== 'result') throw new Error(`frontend bench: the lint server answered ${answer?.kind ?? 'nothing'}`);
    },
  },
  // Typing: a character inserted, then deleted again (offsets after the edit move each time).
  insertedThenDeleted('frontend/reanalyse-insert-char/10k-lines', () => text, () => editAt, '1'),
  // Typing inside an unfinished call (the file has a syntax error until it is closed): a
  // character inserted after `f(`, then deleted again.
  insertedThenDeleted('frontend/reanalyse-in-syntax-error/10k-lines', () => broken.text, () => broken.typingAt, 'x'),
  // Enter at the end of a line mid-file (a blank line in a class body), then Backspace: every
  // statement below moves one row down and back.
  insertedThenDeleted('frontend/reanalyse-newline/10k-lines', () => text, () => lineEnd, '\n'),
];

const WORKSPACE_URI = 'file:///bench/train.py';
/** A model file of the workspace the training script imports its model from. */
const WORKSPACE_MODELS = 'import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 8)\n        self.bn = nn.BatchNorm1d(8)\n';
let workspace = { server: new LintServer(), version: 1, length: 0 };

/**
 * The lint server with a workspace folder holding models.py, and the 10k-line text open as
 * train.py in it, with `from models import Net` prepended and `model = Net()` appended (the edit
 * offset moves by the prepended line: `oneCharEdit` is the same edit of the same statement).
 */
function openInWorkspace(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-bench-ws-'));
  fs.writeFileSync(path.join(dir, 'models.py'), WORKSPACE_MODELS);
  const head = 'from models import Net\n';
  const body = `${head}${text}\n\nmodel = Net()\nmodel.train()\n`;
  fs.writeFileSync(path.join(dir, 'train.py'), body);
  const server = new LintServer();
  server.handle({ kind: 'workspace', roots: [dir] });
  server.handle({ kind: 'open', uri: WORKSPACE_URI, version: 1, text: body, file: path.join(dir, 'train.py') });
  workspace = { server, version: 1, length: body.length };
  workspaceShift = head.length;
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  // The row measures the path that reads the other file: check that it does.
  const first = server.handle({ kind: 'lint', id: 1, uri: WORKSPACE_URI, version: 1, length: body.length, config: EMPTY_CONFIG });
  if (first?.kind !== 'result' || !first.dependencies?.includes(path.join(dir, 'models.py'))) throw new Error('frontend bench: the workspace row did not read models.py');
}

/** A row that opens a document of `docText()` and, in turn, inserts `char` at `at()` and deletes it again. */
function insertedThenDeleted(name: string, docText: () => string, at: () => number, char: string): Bench {
  return {
    name,
    baseline: 'frontend/reparse-one-char-edit/10k-lines',
    ...TYPING,
    setup: () => {
      doc?.dispose();
      doc = new PythonDocument(docText());
      inserted = false;
    },
    fn: () => {
      const offset = at();
      doc?.applyChanges([inserted ? { startOffset: offset, oldEndOffset: offset + 1, newText: '' } : { startOffset: offset, oldEndOffset: offset, newText: char }]);
      inserted = !inserted;
    },
  };
}
