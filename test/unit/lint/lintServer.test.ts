import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { lintPython } from '../../../src/lint/lint';
import { lintNotebook } from '../../../src/lint/notebook';
import type { LintRequest, LintResponse } from '../../../src/lint/worker/protocol';
import { LintServer } from '../../../src/lint/worker/server';
import { EMPTY_CONFIG } from '../../../src/rules/config';

const root = path.join(__dirname, '..', '..', '..', '..');
const BUGGY = 'import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.norm = nn.GroupNorm(3, 10)\n';

/** `GroupNorm(3, 10)`: a hover's layer kind and the values of the arguments the call gives (not the framework's defaults). */
function summary(markdown: string): string {
  const kind = /^\*\*(\w+)\*\*/.exec(markdown)?.[1] ?? '?';
  const values = [...markdown.matchAll(/^\| `[^`]*` \| `([^`]*)` \| (.*) \|$/gm)].filter((m) => m[2] !== 'framework default').map((m) => m[1]);
  return `${kind}(${values.join(', ')})`;
}

function codes(response: LintResponse | undefined): string[] {
  assert.ok(response && response.kind === 'result', JSON.stringify(response));
  return response.result.findings.map((f) => `${f.code}@${f.span.start.line}:${f.span.start.column}`);
}

describe('lint server (the worker thread behind the editor diagnostics)', () => {
  it('lints an open document, then its incrementally edited copy, like a fresh lint of the new text', () => {
    const server = new LintServer();
    server.handle({ kind: 'open', uri: 'file:///a.py', version: 1, text: BUGGY });
    assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 1, uri: 'file:///a.py', version: 1, length: BUGGY.length, config: EMPTY_CONFIG })), ['NRM401@5:20']);
    // Two edits as the editor reports them: insert a line at the top, then fix the group count.
    let text = `# header\n${BUGGY}`;
    server.handle({ kind: 'change', uri: 'file:///a.py', version: 2, changes: [{ startOffset: 0, oldEndOffset: 0, newText: '# header\n' }] });
    const at = text.indexOf('GroupNorm(3') + 'GroupNorm('.length;
    text = `${text.slice(0, at)}5${text.slice(at + 1)}`;
    server.handle({ kind: 'change', uri: 'file:///a.py', version: 3, changes: [{ startOffset: at, oldEndOffset: at + 1, newText: '5' }] });
    assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 2, uri: 'file:///a.py', version: 3, length: text.length, config: EMPTY_CONFIG })), []);
    // And back to a bug, one line lower than at first.
    text = `${text.slice(0, at)}4${text.slice(at + 1)}`;
    server.handle({ kind: 'change', uri: 'file:///a.py', version: 4, changes: [{ startOffset: at, oldEndOffset: at + 1, newText: '4' }] });
    const fresh = lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line}:${f.span.start.column}`);
    assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 3, uri: 'file:///a.py', version: 4, length: text.length, config: EMPTY_CONFIG })), fresh);
    assert.deepStrictEqual(fresh, ['NRM401@6:20']);
  });

  it('answers a hover from its copy of the document: the norm layer at the position, after edits', () => {
    const server = new LintServer();
    const hover = (id: number, version: number, text: string, line: number, column: number): string | undefined => {
      const r = server.handle({ kind: 'hover', id, uri: 'file:///h.py', version, length: text.length, line, column });
      assert.ok(r && r.kind === 'hover', JSON.stringify(r));
      if (!r.hover) return undefined;
      assert.strictEqual(r.hover.span.start.line, line, 'the hover covers the callee on the hovered line');
      return summary(r.hover.markdown);
    };
    assert.deepStrictEqual(server.handle({ kind: 'hover', id: 1, uri: 'file:///h.py', version: 1, length: BUGGY.length, line: 5, column: 24 }), { kind: 'resync', id: 1 });
    server.handle({ kind: 'open', uri: 'file:///h.py', version: 1, text: BUGGY });
    assert.strictEqual(hover(2, 1, BUGGY, 5, 24), 'GroupNorm(3, 10)');
    assert.strictEqual(hover(3, 1, BUGGY, 2, 3), undefined, 'no norm layer on the class line');
    const at = BUGGY.indexOf('GroupNorm(3') + 'GroupNorm('.length;
    const text = `${BUGGY.slice(0, at)}5${BUGGY.slice(at + 1)}`;
    server.handle({ kind: 'change', uri: 'file:///h.py', version: 2, changes: [{ startOffset: at, oldEndOffset: at + 1, newText: '5' }] });
    assert.strictEqual(hover(4, 2, text, 5, 24), 'GroupNorm(5, 10)');
    // The lint after the hover sees the same copy.
    assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 5, uri: 'file:///h.py', version: 2, length: text.length, config: EMPTY_CONFIG })), []);
  });

  it('answers the simulator with the models of its copy of the document', () => {
    const server = new LintServer();
    const text = 'import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 4)\n        self.bn = nn.BatchNorm1d(4)\n\n    def forward(self, x):\n        return self.bn(self.fc(x))\n';
    server.handle({ kind: 'open', uri: 'file:///n.py', version: 1, text });
    const r = server.handle({ kind: 'networks', id: 1, uri: 'file:///n.py', version: 1, length: text.length });
    assert.ok(r && r.kind === 'networks', JSON.stringify(r));
    assert.deepStrictEqual(r.found.models.map((m) => [m.name, m.spec?.layers.map((l) => l.layer.op)]), [['Net', ['linear', 'norm']]]);
    assert.deepStrictEqual(server.handle({ kind: 'networks', id: 2, uri: 'file:///n.py', version: 2, length: text.length }), { kind: 'resync', id: 2 });
  });

  it('builds the networks with the input size the simulator asks for (an out-of-range one is the default)', () => {
    const server = new LintServer();
    const text = 'import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3, padding=1)\n\n    def forward(self, x):\n        return self.conv(x)\n';
    server.handle({ kind: 'open', uri: 'file:///c.py', version: 1, text });
    const shapeFor = (inputSize?: number): unknown => {
      const r = server.handle({ kind: 'networks', id: 1, uri: 'file:///c.py', version: 1, length: text.length, ...(inputSize !== undefined ? { inputSize } : {}) });
      assert.ok(r && r.kind === 'networks', JSON.stringify(r));
      return r.found.models[0].spec?.inputShape;
    };
    assert.deepStrictEqual(shapeFor(), [3, 8, 8]);
    assert.deepStrictEqual(shapeFor(32), [3, 32, 32]);
    assert.deepStrictEqual(shapeFor(1e9), [3, 8, 8]);
  });

  it('asks for the text when its copy is not at the version asked for, or drifted from it', () => {
    const server = new LintServer();
    assert.deepStrictEqual(server.handle({ kind: 'lint', id: 1, uri: 'file:///b.py', version: 1, length: 3, config: EMPTY_CONFIG }), { kind: 'resync', id: 1 });
    server.handle({ kind: 'open', uri: 'file:///b.py', version: 1, text: BUGGY });
    assert.deepStrictEqual(server.handle({ kind: 'lint', id: 2, uri: 'file:///b.py', version: 2, length: BUGGY.length, config: EMPTY_CONFIG }), { kind: 'resync', id: 2 });
    // Same version, another length: an edit was lost; the copy is dropped.
    assert.deepStrictEqual(server.handle({ kind: 'lint', id: 3, uri: 'file:///b.py', version: 1, length: BUGGY.length + 1, config: EMPTY_CONFIG }), { kind: 'resync', id: 3 });
    assert.strictEqual(server.size, 0);
    // The resent text is taken as the document.
    assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 4, uri: 'file:///b.py', version: 2, length: BUGGY.length, config: EMPTY_CONFIG, text: BUGGY })), ['NRM401@5:20']);
    server.handle({ kind: 'close', uri: 'file:///b.py' });
    assert.strictEqual(server.size, 0);
  });

  it('lints texts and notebooks without keeping them, honouring the configuration', () => {
    const server = new LintServer();
    assert.deepStrictEqual(codes(server.handle({ kind: 'lintText', id: 1, text: BUGGY, config: EMPTY_CONFIG })), ['NRM401@5:20']);
    assert.deepStrictEqual(codes(server.handle({ kind: 'lintText', id: 2, text: BUGGY, config: { ignore: ['NRM401'], rules: {} } })), []);
    const cells = [
      { kind: 'code' as const, source: 'import torch.nn as nn', language: 'python' },
      { kind: 'markdown' as const, source: '# model', language: 'markdown' },
      { kind: 'code' as const, source: 'norm = nn.GroupNorm(3, 10)', language: 'python' },
    ];
    const response = server.handle({ kind: 'lintNotebook', id: 3, cells, config: EMPTY_CONFIG });
    assert.ok(response?.kind === 'result');
    assert.deepStrictEqual(response.result.findings.map((f) => [f.code, f.cell]), [['NRM401', 2]]);
    assert.strictEqual(server.size, 0);
  });

  it('keeps an open notebook between lints (incremental) and gives what a fresh lint of its cells gives, until it closes', () => {
    const server = new LintServer();
    const code = (source: string) => ({ kind: 'code' as const, source, language: 'python' });
    const versions: NonNullable<Parameters<typeof lintNotebook>[0]>[] = [
      [code('import torch.nn as nn'), code('norm = nn.GroupNorm(3, 10)')],
      [code('import torch.nn as nn'), code('norm = nn.GroupNorm(5, 10)')],
      [code('import torch.nn as nn'), code('x = 1'), code('norm = nn.GroupNorm(4, 10)')],
      [code('import torch.nn as nn'), { kind: 'markdown' as const, source: '# a', language: 'markdown' }, code('norm = nn.GroupNorm(4, 10)\nbn = nn.GroupNorm(3, 9)')],
      [code('norm = nn.GroupNorm(4, 10)'), code('import torch.nn as nn')],
      [code('')],
      [code('import torch.nn as nn'), code('norm = nn.GroupNorm(3, 10)')],
    ];
    const placed = (r: ReturnType<typeof lintNotebook>) => r.findings.map((f) => `${f.code}@${f.cell ?? -1}:${f.span.start.line}:${f.span.start.column}`);
    versions.forEach((cells, i) => {
      const response = server.handle({ kind: 'lintNotebook', id: i, cells, config: EMPTY_CONFIG, uri: 'file:///nb.ipynb' });
      assert.ok(response?.kind === 'result');
      assert.deepStrictEqual(placed(response.result), placed(lintNotebook(cells, EMPTY_CONFIG)), `version ${i}`);
    });
    assert.strictEqual(server.notebookCount, 1);
    server.handle({ kind: 'close', uri: 'file:///nb.ipynb' });
    assert.strictEqual(server.notebookCount, 0);
    // At most a few notebooks are kept: the least recently linted go first.
    for (let i = 0; i < 12; i++) server.handle({ kind: 'lintNotebook', id: 100 + i, cells: versions[0], config: EMPTY_CONFIG, uri: `file:///nb${i}.ipynb` });
    assert.strictEqual(server.notebookCount, 8);
  });

  it('answers a hover in a notebook cell from the program of all the code cells, citing places by cell', () => {
    const server = new LintServer();
    const code = (source: string) => ({ kind: 'code' as const, source, language: 'python' });
    const cells = [
      code('import torch.nn as nn\nGROUPS = 3'),
      { kind: 'markdown' as const, source: '# model', language: 'markdown' },
      code('x = 1\nnorm = nn.GroupNorm(GROUPS, 10)'),
    ];
    const hover = (id: number, cell: number, line: number, column: number) => {
      const r = server.handle({ kind: 'hoverNotebook', id, uri: 'file:///h.ipynb', cells, cell, line, column });
      assert.ok(r && r.kind === 'hover', JSON.stringify(r));
      return r.hover;
    };
    const h = hover(1, 2, 1, 12);
    assert.ok(h, 'a hover on the GroupNorm of cell 3');
    // GROUPS is set in the first cell: it resolves, and its place is cited in that cell.
    assert.strictEqual(summary(h.markdown), 'GroupNorm(3, 10)');
    assert.match(h.markdown, /line 2 of cell 1/);
    // The span is the callee's, in the cell's own lines.
    assert.deepStrictEqual([h.span.start.line, h.span.start.column, h.span.end.column], [1, 7, 19]);
    assert.strictEqual(hover(2, 2, 0, 2), undefined, 'no norm layer on `x = 1`');
    assert.strictEqual(hover(3, 0, 1, 2), undefined, 'no norm layer in the first cell');
    assert.strictEqual(hover(4, 1, 0, 0), undefined, 'a markdown cell');
    assert.strictEqual(hover(5, 7, 0, 0), undefined, 'no such cell');
    // The program is kept like a lint's: a lint after the hover is incremental from it.
    assert.strictEqual(server.notebookCount, 1);
    const lint = server.handle({ kind: 'lintNotebook', id: 6, cells, config: EMPTY_CONFIG, uri: 'file:///h.ipynb' });
    assert.ok(lint?.kind === 'result');
    assert.deepStrictEqual(lint.result.findings.map((f) => `${f.code}@${f.cell}`), ['NRM401@2']);
  });

  it('uses the model facts of other workspace files, editor buffers first, and reports them as dependencies', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-server-'));
    const models = path.join(dir, 'models.py');
    const train = path.join(dir, 'train.py');
    const MODELS = 'import torch.nn as nn\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 8)\n        self.bn = nn.BatchNorm1d(8)\n';
    const TRAIN = 'import torch\nfrom torch.utils.data import DataLoader\nfrom models import Net\n\nmodel = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(train_set, batch_size=2, shuffle=True, drop_last=True)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';
    fs.writeFileSync(models, MODELS);
    fs.writeFileSync(train, TRAIN);
    try {
      const server = new LintServer();
      const lintTrain = (id: number) => server.handle({ kind: 'lint', id, uri: 'train', version: 1, length: TRAIN.length, config: EMPTY_CONFIG });
      server.handle({ kind: 'open', uri: 'train', version: 1, text: TRAIN, file: train });
      // Without the workspace folders, nothing is known of Net.
      assert.ok(!codes(lintTrain(1)).some((c) => c.startsWith('NRM102')));
      server.handle({ kind: 'workspace', roots: [dir] });
      const withFacts = lintTrain(2);
      assert.ok(codes(withFacts).some((c) => c.startsWith('NRM102')), JSON.stringify(codes(withFacts)));
      assert.ok(withFacts?.kind === 'result');
      assert.deepStrictEqual(withFacts.dependencies, [models]);
      // models.py open in the editor with BatchNorm swapped for GroupNorm (unsaved): its buffer counts.
      const edited = MODELS.replace('nn.BatchNorm1d(8)', 'nn.GroupNorm(2, 8)');
      server.handle({ kind: 'open', uri: 'models', version: 1, text: edited, file: models });
      assert.deepStrictEqual(codes(server.handle({ kind: 'lint', id: 3, uri: 'models', version: 1, length: edited.length, config: EMPTY_CONFIG })), []);
      assert.ok(!codes(lintTrain(4)).some((c) => c.startsWith('NRM102')));
      // Closed without saving: the disk's BatchNorm again.
      server.handle({ kind: 'close', uri: 'models' });
      assert.ok(codes(lintTrain(5)).some((c) => c.startsWith('NRM102')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers every request of the bundled worker thread (dist/lintWorker.js), edits included', async function () {
    this.timeout(60000);
    const file = path.join(root, 'dist', 'lintWorker.js');
    assert.ok(fs.existsSync(file), 'run the build first (npm test does)');
    const worker = new Worker(file, { workerData: { wasmDir: path.join(root, 'dist') } });
    try {
      const answers = new Map<number, LintResponse>();
      const waiting = new Map<number, () => void>();
      worker.on('message', (r: LintResponse) => {
        answers.set(r.id, r);
        waiting.get(r.id)?.();
      });
      const ask = (request: LintRequest & { id: number }) =>
        new Promise<LintResponse>((resolve) => {
          waiting.set(request.id, () => resolve(answers.get(request.id) as LintResponse));
          worker.postMessage(request);
        });
      worker.postMessage({ kind: 'open', uri: 'u', version: 1, text: BUGGY } satisfies LintRequest);
      assert.deepStrictEqual(codes(await ask({ kind: 'lint', id: 1, uri: 'u', version: 1, length: BUGGY.length, config: EMPTY_CONFIG })), ['NRM401@5:20']);
      const at = BUGGY.indexOf('GroupNorm(3') + 'GroupNorm('.length;
      worker.postMessage({ kind: 'change', uri: 'u', version: 2, changes: [{ startOffset: at, oldEndOffset: at + 1, newText: '5' }] } satisfies LintRequest);
      assert.deepStrictEqual(codes(await ask({ kind: 'lint', id: 2, uri: 'u', version: 2, length: BUGGY.length, config: EMPTY_CONFIG })), []);
      // A malformed request gets an error answer, and the worker goes on.
      const bad = await ask({ kind: 'lintText', id: 3, text: null as unknown as string, config: EMPTY_CONFIG });
      assert.strictEqual(bad.kind, 'error');
      assert.deepStrictEqual(codes(await ask({ kind: 'lintText', id: 4, text: BUGGY, config: EMPTY_CONFIG })), ['NRM401@5:20']);
    } finally {
      await worker.terminate();
    }
  });
});
