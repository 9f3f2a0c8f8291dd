import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { buildNotebookProgram, lintNotebook } from '../../../src/lint/notebook';
import { lintFileText } from '../../../src/lint/lintFile';
import { parseIpynb, type NotebookCell } from '../../../src/parsing/notebook/ipynb';
import { locateCells } from '../../../src/parsing/notebook/ipynbPositions';
import { applyFixes } from '../helpers/ruleTester';
import { LintServer } from '../../../src/lint/worker/server';
import { EMPTY_CONFIG } from '../../../src/rules/config';

const code = (source: string): NotebookCell => ({ kind: 'code', source });
const md = (source: string): NotebookCell => ({ kind: 'markdown', source });

/** An nbformat-4 notebook with its sources stored as line lists, like Jupyter writes them. */
function ipynb(cells: NotebookCell[], language = 'python'): string {
  return JSON.stringify(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language }, language_info: { name: language } },
      cells: cells.map((c) => ({
        cell_type: c.kind,
        metadata: {},
        source: c.source.split(/(?<=\n)/),
        ...(c.kind === 'code' ? { outputs: [], execution_count: null } : {}),
      })),
    },
    null,
    1,
  );
}

const where = (findings: readonly { code: string; cell?: number; span: { start: { line: number; column: number } } }[]) =>
  findings.map((f) => `${f.code}@cell${f.cell}:${f.span.start.line + 1}:${f.span.start.column + 1}`);

describe('Jupyter notebooks', () => {
  it('reads nbformat 4 JSON (line lists or strings); malformed input gives a message, never a throw', () => {
    const read = parseIpynb(ipynb([md('# Title\n'), code('import torch\nx = 1\n')]));
    assert.ok(read.ok);
    assert.deepStrictEqual(read.notebook.cells.map((c) => [c.kind, c.source]), [['markdown', '# Title\n'], ['code', 'import torch\nx = 1\n']]);
    assert.strictEqual(read.notebook.language, 'python');
    const bad = ['{"cells": [', '[]', '{"nbformat": 4}', '{"cells": [{"cell_type": "code", "source": 3}]}', '{"nbformat": 3, "worksheets": []}', '\u0000\u0001'];
    for (const text of bad) {
      const r = parseIpynb(text);
      assert.strictEqual(r.ok, false, text);
      if (!r.ok) assert.match(r.message, /notebook/);
    }
    for (const empty of ['', '  \n']) {
      const r = parseIpynb(empty);
      assert.deepStrictEqual(r.ok ? 'read' : r.message, 'not a valid notebook: the file is empty');
    }
  });

  it('lints the code cells as one program and maps findings to their cell (markdown cells counted)', () => {
    const cells = [md('# Model\n'), code('import torch.nn as nn\n'), md('text'), code('x = 1\nnorm = nn.GroupNorm(3, 10)')];
    const r = lintNotebook(cells);
    assert.deepStrictEqual(where(r.findings), ['NRM401@cell3:2:8']);
    const f = r.findings[0];
    assert.strictEqual(cells[3].source.slice(f.span.startOffset, f.span.endOffset), 'nn.GroupNorm(3, 10)');
  });

  describe('messages cite cell-relative lines (the program lines they are computed on mean nothing to the user)', () => {
    const cells = [
      code('import torch\nimport torch.nn as nn\n'),
      md('# Model'),
      code('GROUPS = 3\nWIDTH = 10\n'),
      code('class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.bn = nn.BatchNorm2d(16)\n        self.gn = nn.GroupNorm(GROUPS, WIDTH)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n'),
      md('## Train'),
      code('model = Net()\nx = torch.randn(2, 3, 8, 8)  # noqa: NRM101\n'),
      code('optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n'),
      code('predictions = []\nfor x, y in test_loader:\n    predictions.append(model(x))\n'),
      code('with torch.no_grad():\n    out = model(x)\n'),
    ];
    /** Every text a finding shows: its message, its related messages, its fix title. */
    const texts = (r: ReturnType<typeof lintNotebook>) => r.findings.flatMap((f) => [`${f.code}: ${f.message}`, ...f.related.map((x) => `${f.code} related: ${x.message}`), ...(f.fix ? [`${f.code} fix: ${f.fix.title}`] : [])]);

    it('in messages, related information and fix titles, for model, value-origin, mode-origin and suppression lines', () => {
      const shown = texts(lintNotebook(cells));
      const has = (code: string, part: string) => assert.ok(shown.some((t) => t.startsWith(code) && t.includes(part)), `${code}: ${part}\n${shown.join('\n')}`);
      // A layer of cell 4 (index 3), on its line 5; the program line is 9.
      has('NRM502:', 'into BatchNorm2d (bn) (line 5 of cell 4)');
      // Value origins (provenance) in another cell.
      has('NRM401 related:', 'value from module constant GROUPS, line 1 of cell 3');
      has('NRM401 related:', 'value from module constant WIDTH, line 2 of cell 3');
      // Mode origins in the message and in related information; the fix title.
      has('NRM201:', '(Net(...) built at line 1 of cell 6 (modules start in training mode))');
      has('NRM201 related:', 'training mode from Net(...) built at line 1 of cell 6');
      has('NRM201 fix:', 'Call model.eval() before line 2 of cell 8');
      has('NRM202 related:', 'model runs here (line 2 of cell 9)');
      // The line an unused suppression covers.
      has('NRM901:', 'reported nothing on line 2 of cell 6');
      // No text cites a line without its cell.
      for (const t of shown) for (const m of t.matchAll(/\bline \d+(?![\d]| of cell)/g)) assert.fail(`${m[0]} without a cell in: ${t}`);
    });

    it('every rule: fixtures linted as a notebook cell never cite a line without its cell', () => {
      const root = path.join(__dirname, '..', '..', '..', '..');
      const dirs = ['test/fixtures/models', 'test/fixtures/corpus', 'test/fixtures/training/buggy', 'examples'];
      const files = dirs.flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.py')).map((f) => path.join(root, d, f)));
      const codes = new Set<string>();
      for (const file of files) {
        const source = fs.readFileSync(file, 'utf8');
        // The file as the third cell: its program lines are 4 more than its cell lines.
        const shown = texts(lintNotebook([md('# Notes'), code('x = 1\ny = 2\n'), code(source)]));
        for (const t of shown) {
          codes.add(t.slice(0, 6));
          for (const m of t.matchAll(/\bline \d+(?![\d]| of cell)/g)) assert.fail(`${path.basename(file)}: ${m[0]} without a cell in: ${t}`);
        }
      }
      // Enough rules fire for the check to mean something.
      assert.ok(codes.size >= 12, [...codes].join(' '));
    });

    it('the same through the lint worker\'s open-notebook path (kept and re-analysed incrementally)', () => {
      const server = new LintServer();
      const first = server.handle({ kind: 'lintNotebook', id: 1, cells, config: EMPTY_CONFIG, uri: 'file:///cited.ipynb' });
      assert.ok(first?.kind === 'result');
      assert.deepStrictEqual(texts(first.result), texts(lintNotebook(cells)));
      // Enter at the top of cell 3 moves everything below by one line, in the program and in cell 3.
      const edited = cells.map((c, i) => (i === 2 ? code(`\n${c.source}`) : c));
      const second = server.handle({ kind: 'lintNotebook', id: 2, cells: edited, config: EMPTY_CONFIG, uri: 'file:///cited.ipynb' });
      assert.ok(second?.kind === 'result');
      assert.deepStrictEqual(texts(second.result), texts(lintNotebook(edited)));
      assert.ok(texts(second.result).some((t) => t.includes('value from module constant GROUPS, line 2 of cell 3')));
      server.handle({ kind: 'close', uri: 'file:///cited.ipynb' });
    });
  });

  it('skips IPython magics, shell lines and help lines without hiding later findings', () => {
    const cells = [
      code('%matplotlib inline\n!pip install torch\nimport torch.nn as nn\nfiles = !ls\nnn.GroupNorm?\n'),
      code('for i in range(2):\n    %time y = i\n    g = nn.GroupNorm(3, 10)\n'),
      code('%%bash\necho nn.GroupNorm(3, 10)\n'),
      code('%%time\nh = nn.GroupNorm(5, 12)\n'),
      code('doc = """\n%not a magic, nn.GroupNorm(3, 10) in a string\n"""\n'),
    ];
    assert.deepStrictEqual(where(lintNotebook(cells).findings), ['NRM401@cell1:3:9', 'NRM401@cell3:2:5']);
    const program = buildNotebookProgram(cells);
    assert.ok(program.text.includes('%not a magic'), 'a string line starting with % is kept');
    assert.ok(!program.text.includes('%matplotlib'));
  });

  it("keeps a line starting with Python's % operator inside brackets opened on a line before (not a magic), so the statement still parses", () => {
    // rasbt's ordinal-regression notebooks: the epoch loop's logging line goes on with `%(epoch+1, ...)`;
    // blanking it broke the loop and hid its `model = model.train()`.
    const cells = [
      code('import torch.nn as nn\nfor epoch in range(3):\n    print("Epoch: %03d/%03d"\n          %(epoch+1, 3))\n    g = nn.GroupNorm(3, 10)\n'),
      code('print([1, 2,\n%matplotlib_like_but_python])\n'),
    ];
    const program = buildNotebookProgram(cells);
    assert.ok(program.text.includes('          %(epoch+1, 3))'), program.text);
    assert.ok(program.text.includes('%matplotlib_like_but_python'), program.text);
    assert.deepStrictEqual(where(lintNotebook(cells).findings), ['NRM401@cell0:5:9']);
  });

  it('honours suppression comments in cells and maps unused-suppression fixes into the cell', () => {
    const cells = [code('import torch.nn as nn\n'), code('a = nn.GroupNorm(3, 10)  # noqa: NRM401\nb = nn.GroupNorm(2, 10)  # noqa: NRM401')];
    const r = lintNotebook(cells);
    assert.deepStrictEqual(where(r.findings), ['NRM901@cell1:2:26']);
    const fix = r.findings[0].fix!;
    assert.deepStrictEqual(fix.edits.map((e) => e.cell), [1]);
    assert.strictEqual(applyFixes(cells[1].source, r.findings), 'a = nn.GroupNorm(3, 10)  # noqa: NRM401\nb = nn.GroupNorm(2, 10)');
  });

  it('an own-line suppression in the last line of a cell is removed within the cell', () => {
    const cells = [code('import torch.nn as nn\n# normscope: ignore[NRM401]'), code('x = 1\n')];
    const r = lintNotebook(cells);
    assert.deepStrictEqual(where(r.findings), ['NRM901@cell0:2:1']);
    assert.strictEqual(applyFixes(cells[0].source, r.findings), 'import torch.nn as nn\n');
  });

  it('a suppression alone at the end of a cell does not cover the next cell', () => {
    const cells = [code('import torch.nn as nn\n# normscope: ignore[NRM401]'), code('g = nn.GroupNorm(3, 10)\n')];
    assert.deepStrictEqual(where(lintNotebook(cells).findings), ['NRM901@cell0:2:1', 'NRM401@cell1:1:5']);
  });

  it('ignores notebooks and cells in other languages', () => {
    assert.deepStrictEqual(lintNotebook([code('nn.GroupNorm(3, 10)\n')], undefined, { language: 'r' }).findings, []);
    assert.deepStrictEqual(lintNotebook([{ kind: 'code', source: 'nn.GroupNorm(3, 10)\n', language: 'sql' }]).findings, []);
    const r = lintFileText('a.ipynb', ipynb([code('nn.GroupNorm(3, 10)\n')], 'julia'));
    assert.ok(r.ok && r.findings.length === 0);
  });

  describe('CLI', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-nb-'));
      fs.writeFileSync(path.join(dir, 'train.ipynb'), ipynb([md('# Train\n'), code('import torch.nn as nn\n'), code('norm = nn.GroupNorm(3, 10)\n')]));
      fs.writeFileSync(path.join(dir, 'broken.ipynb'), '{"cells": [');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function run(args: string[]) {
      let out = '';
      let err = '';
      const previous = process.cwd();
      process.chdir(dir);
      try {
        const exit = await main(args, { out: (t) => (out += t), err: (t) => (err += t) });
        return { exit, out, err };
      } finally {
        process.chdir(previous);
      }
    }

    it('folders yield notebooks; JSON keeps the contract fields and adds the 1-based cell', async () => {
      const r = await run(['lint', '--format', 'json', '.']);
      assert.strictEqual(r.exit, 1, r.err);
      const json = JSON.parse(r.out) as { findings: Record<string, unknown>[]; errors: { file: string; message: string }[] };
      assert.deepStrictEqual(json.findings, [
        { file: 'train.ipynb', line: 1, column: 8, endLine: 1, endColumn: 27, code: 'NRM401', rule: 'groupnorm-groups-indivisible', severity: 'error', message: json.findings[0]?.message, cell: 3 },
      ]);
      assert.deepStrictEqual(json.errors.map((e) => e.file), ['broken.ipynb']);
      assert.match(json.errors[0].message, /malformed JSON/);
    });

    it('text output names the cell', async () => {
      const r = await run(['lint', 'train.ipynb']);
      assert.match(r.out, /^train\.ipynb:cell 3:1:8: NRM401 \[error\]/);
    });
  });
});

describe('notebook positions in the .ipynb text (for SARIF)', () => {
  it('maps a cell position to the raw JSON line and column, through escapes and split lines', () => {
    const nb = {
      nbformat: 4,
      metadata: { note: { nested: ['"source": ["decoy"]'] } },
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Title\n'] },
        { cell_type: 'code', metadata: {}, outputs: [{ text: ['a\n'] }], source: ['s = "tab\there"; g = 1\n', 'x = nn.GroupNorm(3, 10)'] },
        { cell_type: 'code', metadata: {}, outputs: [], source: 'a = 1\nb = "é" + "\u0001"; c = 2' },
        { cell_type: 'code', metadata: {}, outputs: [], source: ['split ', 'line\n'] },
      ],
    };
    const text = JSON.stringify(nb, null, 1);
    const locate = locateCells(text)!;
    const lines = text.split('\n');
    const at = (cell: number, line: number, column: number) => {
      const p = locate(cell, line, column)!;
      return lines[p.line].slice(p.column);
    };
    assert.ok(at(1, 1, 4).startsWith('nn.GroupNorm(3, 10)"'));
    assert.ok(at(1, 0, 16).startsWith('g = 1\\n"'), 'after a \\t escape');
    assert.ok(at(2, 1, 15).startsWith('c = 2"'), 'after a \\u escape, in a string source');
    assert.ok(at(3, 0, 6).startsWith('line\\n"'), 'a line split across two list items');
    assert.ok(at(0, 0, 2).startsWith('Title'));
    assert.strictEqual(locate(9, 0, 0), undefined);
    assert.strictEqual(locateCells('[1, 2]'), undefined);
  });

  it('SARIF regions of notebook findings point into the .ipynb file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-nb-sarif-'));
    const text = ipynb([md('# T\n'), code('import torch.nn as nn\n'), code('x = 1\nnorm = nn.GroupNorm(3, 10)\n')]);
    fs.writeFileSync(path.join(dir, 'nb.ipynb'), text);
    let out = '';
    const previous = process.cwd();
    process.chdir(dir);
    try {
      await main(['lint', '--format', 'sarif', 'nb.ipynb'], { out: (t) => (out += t), err: () => undefined });
    } finally {
      process.chdir(previous);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const result = (JSON.parse(out) as { runs: { results: { region?: unknown; locations: { physicalLocation: { region: { startLine: number; startColumn: number; endColumn: number } } }[]; properties: unknown }[] }[] }).runs[0].results[0];
    const region = result.locations[0].physicalLocation.region;
    const line = text.split('\n')[region.startLine - 1];
    assert.strictEqual(line.slice(region.startColumn - 1, region.endColumn - 1), 'nn.GroupNorm(3, 10)');
    assert.deepStrictEqual(result.properties, { cell: 3, cellLine: 2, cellColumn: 8 });
  });
});
