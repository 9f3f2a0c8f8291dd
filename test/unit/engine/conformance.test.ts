import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { runCase } from '../../../src/engine/conformance';

const CASES = path.join(__dirname, '..', '..', '..', '..', 'test', 'conformance', 'cases');

function load(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(CASES, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

describe('conformance runner', () => {
  const files = fs.readdirSync(CASES).filter((f) => f.endsWith('.json'));

  it('has the PyTorch cases in the repository', () => {
    assert.ok(files.length >= 33, `${files.length} cases`);
  });

  it('passes every case with the engine in float32 at 1e-4 (but *_precision: float32 inputs cannot hold them)', () => {
    const failed = files
      .filter((f) => !f.endsWith('_precision.json'))
      .map((f) => runCase(JSON.parse(fs.readFileSync(path.join(CASES, f), 'utf8')), f, 'float32')).filter((r) => !r.passed);
    assert.deepStrictEqual(failed, []);
  });

  it('fails a case whose expected output is off by more than the tolerance', () => {
    const c = load('bn2d_train_default');
    const expected = c.expected as { y: { data: number[] } };
    expected.y.data[7] += 1e-6;
    const r = runCase(c, 'x');
    assert.strictEqual(r.passed, false);
    assert.match(r.detail, /^y\[7\]/);
  });

  it('fails a case with a wrong running statistic or counter', () => {
    const c = load('bn2d_train_3steps');
    (c.expected as { num_batches_tracked: number }).num_batches_tracked = 2;
    assert.match(runCase(c, 'x').detail, /num_batches_tracked = 3, expected 2/);
    const d = load('bn2d_train_cumulative_momentum_none');
    (d.expected as { running_var: { data: number[] } }).running_var.data[0] *= 1.001;
    assert.match(runCase(d, 'x').detail, /running_var\[0\]/);
  });

  it('fails an error case the engine accepts, and a normal case the engine refuses', () => {
    const c = load('gn_groups_2');
    (c.expected as Record<string, unknown>).error = 'should refuse';
    assert.match(runCase(c, 'x').detail, /accepted what PyTorch refuses/);
    const e = load('gn_indivisible_error');
    (e.attrs as Record<string, unknown>).num_groups = 3;
    e.expected = {};
    assert.strictEqual(runCase(e, 'x').passed, true);
    const f = load('bn1d_batch_of_one_error');
    f.expected = { y: { shape: [1, 6], data: [0, 0, 0, 0, 0, 0] } };
    assert.match(runCase(f, 'x').detail, /refused: .*more than 1 value per channel/);
  });

  it('reports malformed cases instead of crashing', () => {
    assert.match(runCase(null, 'n').detail, /malformed/);
    assert.match(runCase({ format: 'other' }, 'n').detail, /format/);
    const c = load('ln_last_dim');
    c.op = 'batch_norm_2';
    assert.match(runCase(c, 'x').detail, /unknown op/);
    const d = load('ln_last_dim');
    (d.inputs as { batches: unknown[] }).batches = [{ shape: [2, 3], data: [1] }];
    assert.match(runCase(d, 'x').detail, /1 values for shape/);
  });
});
