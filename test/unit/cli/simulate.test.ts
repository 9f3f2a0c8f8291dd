import * as assert from 'assert';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { parseSimulateArgs, SimulateUsageError, simulationJson } from '../../../src/cli/simulate';
import { mlpSpec } from '../../../src/simulation/builders';
import { normalizeOptions } from '../../../src/simulation/options';
import { simulate } from '../../../src/simulation/simulate';

describe('normscope simulate (arguments and JSON)', () => {
  it('parses the contract flags', () => {
    assert.deepStrictEqual(parseSimulateArgs(['--format', 'html', '--out', 'r.html', '--model', 'Net', '--batch-size', '8', '--steps=4', '--seed', '3', '--input-size', '32', 'm.py']), {
      command: 'simulate',
      format: 'html',
      out: 'r.html',
      model: 'Net',
      batchSize: 8,
      steps: 4,
      seed: 3,
      inputSize: 32,
      file: 'm.py',
    });
    assert.deepStrictEqual(parseSimulateArgs(['m.py']), { command: 'simulate', format: 'json', file: 'm.py' });
  });

  it('refuses bad command lines with a usage error', () => {
    for (const argv of [[], ['a.py', 'b.py'], ['--format', 'sarif', 'a.py'], ['--batch-size', '0', 'a.py'], ['--batch-size', '2.5', 'a.py'], ['--steps', 'x', 'a.py'], ['--seed'], ['--fast', 'a.py'], ['--input-size', '0', 'a.py'], ['--input-size', '2048', 'a.py'], ['--input-size', 'big', 'a.py']]) {
      assert.throws(() => parseSimulateArgs(argv), SimulateUsageError, argv.join(' '));
    }
  });

  it('prints the issue\'s fields: model, assumptions, layers in forward order, batchSweep 2..128', () => {
    const result = simulate(mlpSpec({ depth: 2, width: 16 }), normalizeOptions({ batchSize: 8, steps: 3 }));
    const doc = JSON.parse(simulationJson(result)) as {
      model: string;
      assumptions: string[];
      layers: { name: string; kind: string; train: { mean: number; std: number }; eval: { mean: number; std: number } }[];
      batchSweep: { batchSize: number; statNoise: number; trainEvalGap: number }[];
    };
    assert.strictEqual(doc.model, 'MLP2x16');
    assert.deepStrictEqual(doc.assumptions, []);
    assert.deepStrictEqual(doc.layers.map((l) => `${l.name}:${l.kind}`), ['body.0:Linear', 'body.1:BatchNorm1d', 'body.2:ReLU', 'body.3:Linear', 'body.4:BatchNorm1d', 'body.5:ReLU']);
    for (const l of doc.layers) for (const s of [l.train, l.eval]) assert.ok(Number.isFinite(s.mean) && Number.isFinite(s.std));
    assert.deepStrictEqual(doc.batchSweep.map((p) => p.batchSize), [2, 4, 8, 16, 32, 64, 128]);
    for (const p of doc.batchSweep) assert.ok(p.statNoise > 0 && Number.isFinite(p.trainEvalGap));
  });
});

describe('normscope simulate (end to end)', () => {
  const fixture = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'simulate', 'mlp.py');

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('simulates the root model of a file as JSON, deterministically', async () => {
    const a = await run(['simulate', '--batch-size', '8', '--steps', '3', '--seed', '1', fixture]);
    assert.strictEqual(a.code, 0, a.err);
    const doc = JSON.parse(a.out) as { model: string; layers: { name: string }[]; batchSweep: unknown[]; assumptions: string[] };
    assert.strictEqual(doc.model, 'DeepMLP');
    assert.strictEqual(doc.layers[0].name, 'body.0');
    assert.strictEqual(doc.batchSweep.length, 7);
    const b = await run(['simulate', '--batch-size', '8', '--steps', '3', '--seed', '1', fixture]);
    assert.strictEqual(a.out, b.out);
  });

  it('simulates the input size asked for when the code does not say it; explains one the network does not fit (exit 2)', async () => {
    const branches = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'simulate', 'branches.py');
    const asked = await run(['simulate', '--steps', '1', '--input-size', '16', branches]);
    assert.strictEqual(asked.code, 0, asked.err);
    const doc = JSON.parse(asked.out) as { inputShape: number[]; assumptions: string[] };
    assert.deepStrictEqual(doc.inputShape.slice(1), [16, 16]);
    assert.ok(doc.assumptions.some((a) => a.includes('16×16 (the size is not in the code; the size asked for)')), doc.assumptions.join('\n'));
    const vit = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models', 'vit.py');
    const tooSmall = await run(['simulate', '--input-size', '8', vit]);
    assert.strictEqual(tooSmall.code, 2);
    assert.match(tooSmall.err, /cannot simulate VisionTransformer: patch_embed \(Conv2d\): a 8×8 input is smaller than the 16×16 kernel \(with the input size 8 asked for\)/);
  });

  it('picks a model with --model and explains unknown names and missing files (exit 2)', async () => {
    const block = await run(['simulate', '--model', 'Block', '--steps', '2', fixture]);
    assert.strictEqual(block.code, 0, block.err);
    assert.strictEqual((JSON.parse(block.out) as { model: string }).model, 'Block');
    const unknown = await run(['simulate', '--model', 'Nope', fixture]);
    assert.strictEqual(unknown.code, 2);
    assert.match(unknown.err, /no model named 'Nope' \(models: Block, DeepMLP\)/);
    const missing = await run(['simulate', 'does/not/exist.py']);
    assert.strictEqual(missing.code, 2);
  });
});
