import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintFileText } from '../../../src/lint/lintFile';
import { DEFAULT_MAX_BYTES, readSourceFile } from '../../../src/lint/source';

describe('lintFileText', () => {
  it('reports an internal error of the analysis as this file not linted, instead of throwing', () => {
    const text = 'import torch\nfrom models import Net\nmodel = Net()\nwith torch.no_grad():\n    model(x)\n';
    const failing = lintFileText('train.py', text, {
      config: { rules: {} },
      analysis: {
        external: () => {
          throw new RangeError('Maximum call stack size exceeded');
        },
      },
    });
    assert.deepStrictEqual(failing, { ok: false, message: 'internal error, file not linted (please report it): Maximum call stack size exceeded' });
    assert.strictEqual(lintFileText('train.py', text).ok, true);
  });
});

describe('annotations without a value', () => {
  it('a call in a bare annotation (flax metrics dataclass style) is not a crash', () => {
    const text = 'import flax\nfrom clu import metrics\n\n@flax.struct.dataclass\nclass EvalMetrics(metrics.Collection):\n    accuracy: metrics.Average.from_fun(predictions_match_labels)\n    loss: metrics.Average.from_output("loss")\n';
    const result = lintFileText('metrics.py', text);
    assert.strictEqual(result.ok, true, JSON.stringify(result));
  });
});

describe('size caps of notebooks', () => {
  const notebook = (code: string, outputBytes: number): string =>
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { language_info: { name: 'python' } },
      cells: [
        { cell_type: 'code', metadata: {}, execution_count: 1, source: [code], outputs: [{ output_type: 'display_data', data: { 'image/png': 'A'.repeat(outputBytes) }, metadata: {} }] },
      ],
    });

  it('a notebook file larger than the cap because of its outputs is read and linted; the cap applies to its code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-nb-'));
    try {
      const file = path.join(dir, 'plots.ipynb');
      const code = 'import torch.nn as nn\nblock = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))\n';
      fs.writeFileSync(file, notebook(code, 3 * 1024 * 1024));
      const read = readSourceFile(file, DEFAULT_MAX_BYTES);
      assert.ok(read.ok, read.ok ? '' : read.message);
      const result = lintFileText(file, read.text);
      assert.ok(result.ok);
      // A Python file of the same size is still over the cap.
      const big = path.join(dir, 'big.py');
      fs.writeFileSync(big, '#'.repeat(3 * 1024 * 1024));
      const refused = readSourceFile(big, DEFAULT_MAX_BYTES);
      assert.ok(!refused.ok && /over the 2048 KiB size cap/.test(refused.message));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a notebook whose code cells exceed the cap is skipped with a message', () => {
    const result = lintFileText('huge.ipynb', notebook(`x = 1\n${'#'.repeat(5000)}\n`, 0), { maxCodeBytes: 4096 });
    assert.deepStrictEqual(result, { ok: false, message: 'the code cells hold 5 KiB, over the 4 KiB size cap, skipped' });
  });
});
