import * as assert from 'assert';
import { lintFileText } from '../../../src/lint/lintFile';

describe('lintFileText', () => {
  it('reports an internal error of the analysis as this file not linted, instead of throwing', () => {
    const text = 'import torch\nfrom models import Net\nmodel = Net()\nwith torch.no_grad():\n    model(x)\n';
    const failing = lintFileText('train.py', text, { rules: {} }, undefined, {
      external: () => {
        throw new RangeError('Maximum call stack size exceeded');
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
