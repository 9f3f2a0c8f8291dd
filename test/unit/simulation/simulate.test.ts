import * as assert from 'assert';
import { convSpec, mlpSpec } from '../../../src/simulation/builders';
import { defaultGroups, swapNorm } from '../../../src/simulation/network';
import { normalizeOptions } from '../../../src/simulation/options';
import { inferShapes, SimulationError } from '../../../src/simulation/shapes';
import { runMainPass, runSweep, runWhatIf, simulate } from '../../../src/simulation/simulate';
import type { NetworkSpec } from '../../../src/simulation/spec';

const opts = (o: Parameters<typeof normalizeOptions>[0] = {}): ReturnType<typeof normalizeOptions> => normalizeOptions({ batchSize: 16, steps: 5, ...o });

describe('simulation', () => {
  it('is deterministic for a seed and changes with it', () => {
    const spec = mlpSpec({ depth: 3, width: 16, dropout: 0.2 });
    const a = JSON.stringify(simulate(spec, opts({ seed: 11 })));
    const b = JSON.stringify(simulate(spec, opts({ seed: 11 })));
    const c = JSON.stringify(simulate(spec, opts({ seed: 12 })));
    assert.strictEqual(a, b);
    assert.notStrictEqual(a, c);
  });

  it('normalizes in training mode: every BatchNorm output has mean 0 and std 1 over the batch', () => {
    const r = runMainPass(mlpSpec({ depth: 4, width: 32 }), opts({ inputMean: 3, inputScale: 5 }));
    const norms = r.layers.filter((l) => l.kind === 'BatchNorm1d');
    assert.strictEqual(norms.length, 4);
    for (const l of norms) {
      assert.ok(Math.abs(l.train.mean) < 1e-5, `${l.name} mean ${l.train.mean}`);
      assert.ok(Math.abs(l.train.std - 1) < 1e-3, `${l.name} std ${l.train.std}`);
      assert.ok(l.trainEvalGap !== undefined && l.trainEvalGap >= 0);
    }
  });

  it('batch-statistic noise follows 1/sqrt(samples per channel): batch 4 vs 64 within 25% of 4', () => {
    const spec = mlpSpec({ depth: 1, width: 128, inFeatures: 32 });
    const { batchSweep, sweepLayer } = runSweep(spec, opts({ steps: 20, seed: 5 }), [4, 64]);
    assert.strictEqual(sweepLayer, 'body.1');
    const [b4, b64] = batchSweep;
    assert.strictEqual(b4.samplesPerChannel, 4);
    const ratio = b4.statNoise / b64.statNoise;
    assert.ok(Math.abs(ratio - 4) <= 1, `noise ratio ${ratio}`);
  });

  it('counts samples per channel over spatial positions for BatchNorm2d', () => {
    const { batchSweep } = runSweep(convSpec(4, 6), opts({ steps: 3 }), [2, 8]);
    assert.deepStrictEqual(batchSweep.map((p) => p.samplesPerChannel), [2 * 36, 8 * 36]);
    assert.ok(batchSweep[0].statNoise > batchSweep[1].statNoise);
  });

  it('the train/eval gap shrinks as the batch grows once running statistics have settled', () => {
    const spec = mlpSpec({ depth: 2, width: 64, inFeatures: 16 });
    const { batchSweep } = runSweep(spec, opts({ steps: 60, seed: 2 }), [2, 128]);
    assert.ok(batchSweep[0].trainEvalGap > 2 * batchSweep[1].trainEvalGap, JSON.stringify(batchSweep));
  });

  it('finds dead ReLUs', () => {
    const spec: NetworkSpec = { model: 'Dead', inputShape: [8], assumptions: [], layers: [{ name: 'act', kind: 'ReLU', layer: { op: 'activation', fn: 'relu' } }] };
    assert.strictEqual(runMainPass(spec, opts({ inputMean: -100 })).layers[0].deadFraction, 1);
    assert.strictEqual(runMainPass(spec, opts({ inputMean: 100 })).layers[0].deadFraction, 0);
  });

  it('switches dropout off in the inference pass', () => {
    const r = runMainPass(mlpSpec({ depth: 1, width: 32, dropout: 0.5 }), opts());
    const [, , relu, drop] = r.layers;
    assert.strictEqual(drop.kind, 'Dropout');
    assert.deepStrictEqual(drop.eval, relu.eval);
    assert.notDeepStrictEqual(drop.train, relu.train);
  });

  it('reports gradient norms for every layer and weight gradients for Linear layers', () => {
    const r = runMainPass(mlpSpec({ depth: 3, width: 16, residual: true }), opts());
    for (const l of r.layers) assert.ok(l.gradNorm !== undefined && l.gradNorm > 0 && Number.isFinite(l.gradNorm), `${l.name}: ${l.gradNorm}`);
    for (const l of r.layers.filter((x) => x.kind === 'Linear')) assert.ok(l.weightGradNorm! > 0);
    assert.ok(!r.layers.some((l) => l.kind === 'identity'), 'save markers are not layers');
  });

  it('what-if: swaps every norm, removes them, and tries other inits on the same weights', () => {
    const spec = mlpSpec({ depth: 2, width: 32 });
    const variants = runWhatIf(spec, opts());
    const labels = variants.map((v) => v.label);
    // BatchNorm would repeat "as written" (every norm already is one); zero-γ needs a residual branch.
    assert.deepStrictEqual(labels, ['as written (current)', 'GroupNorm', 'LayerNorm', 'InstanceNorm', 'RMSNorm', 'no norm', 'init: Kaiming normal', 'init: Xavier uniform', 'init: Xavier normal', 'init: orthogonal']);
    const byLabel = new Map(variants.map((v) => [v.label, v]));
    const batch = runWhatIf(spec, opts({ normSwap: 'batch' }));
    assert.deepStrictEqual(batch.find((v) => v.label === 'BatchNorm (current)')!.layers, byLabel.get('as written (current)')!.layers);
    assert.ok(runWhatIf(mlpSpec({ depth: 2, width: 16, residual: true }), opts()).some((v) => v.label === 'init: zero-γ'));
    assert.strictEqual(byLabel.get('no norm')!.trainEvalGap, 0);
    assert.strictEqual(byLabel.get('LayerNorm')!.trainEvalGap < 1e-6, true);
    // PyTorch refuses InstanceNorm over one value per channel in training: the variant says so.
    assert.match(byLabel.get('InstanceNorm')!.error ?? '', /spatial element/);
    const main = runMainPass(spec, opts({ normSwap: 'none' }));
    assert.strictEqual(main.layers[1].kind, 'BatchNorm1d → removed');
    assert.strictEqual(main.trainEvalGap, 0);
  });

  it('chooses GroupNorm groups that divide the channels', () => {
    assert.strictEqual(defaultGroups(256), 32);
    assert.strictEqual(defaultGroups(100), 25);
    assert.strictEqual(defaultGroups(32, true), 4);
    assert.strictEqual(defaultGroups(7, true), 1);
    const swapped = swapNorm({ op: 'norm', norm: 'batch', features: 48, eps: 1e-5, affine: true }, 'group', [48, 4, 4]);
    assert.strictEqual(swapped?.groups, 24);
  });

  it('refuses inconsistent networks with the layer named', () => {
    const spec = mlpSpec({ depth: 2, width: 8 });
    const broken: NetworkSpec = { ...spec, layers: spec.layers.map((l, i) => (i === 3 ? { ...l, layer: { op: 'linear', inFeatures: 9, outFeatures: 8, bias: true } } : l)) };
    assert.throws(() => inferShapes(broken.inputShape, broken.layers), (e: unknown) => e instanceof SimulationError && /body\.3 \(Linear\) expects 9 input features/.test(e.message));
    assert.throws(() => runMainPass(broken, opts()), /body\.3/);
    const badAdd: NetworkSpec = { model: 'M', inputShape: [4], assumptions: [], layers: [{ name: 'add', kind: '+', layer: { op: 'add', slot: 'x' } }] };
    assert.throws(() => runMainPass(badAdd, opts()), /never saved/);
  });

  it('runs convolutional networks with residual blocks, pooling and a flatten', () => {
    const r = simulate(convSpec(8, 8), opts({ batchSize: 4, steps: 3 }));
    assert.deepStrictEqual(r.layers[r.layers.length - 1].shape, [10]);
    assert.strictEqual(r.sweepLayer, 'stem.1');
    assert.strictEqual(r.batchSweep!.length, 7);
    assert.ok(r.whatIf!.every((v) => v.error === undefined), JSON.stringify(r.whatIf!.map((v) => v.error)));
  });
});
