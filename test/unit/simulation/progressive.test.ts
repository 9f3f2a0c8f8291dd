import * as assert from 'assert';
import { convSpec, mlpSpec } from '../../../src/simulation/builders';
import { normalizeOptions } from '../../../src/simulation/options';
import { previewOptions, progressiveSimulation, PREVIEW_BATCH } from '../../../src/simulation/progressive';
import { simulate } from '../../../src/simulation/simulate';

describe('progressive simulation (what the webview worker posts)', () => {
  it('posts a small preview first, then the main pass, then the sweep and the what-if one unit at a time', () => {
    const spec = convSpec(4, 6);
    const options = normalizeOptions({ batchSize: 16, steps: 4, seed: 3 });
    const updates = [...progressiveSimulation(spec, options, [2, 8, 32])];
    assert.deepStrictEqual(updates.map((u) => `${u.phase}${u.partial ? '…' : ''}`).slice(0, 5), ['preview', 'main', 'sweep…', 'sweep…', 'sweep']);
    const [preview, main] = updates;
    assert.strictEqual(preview.progress, `preview: batch ${PREVIEW_BATCH}, 1 step`);
    assert.strictEqual(preview.result.options.batchSize, PREVIEW_BATCH);
    assert.strictEqual(preview.result.options.steps, 1);
    assert.strictEqual(preview.result.layers.length, main.result.layers.length);
    assert.strictEqual(main.result.options.batchSize, 16);
    // The sweep grows a point at a time; the what-if a variant at a time; only the last update of a phase is complete.
    assert.deepStrictEqual(updates.filter((u) => u.phase === 'sweep').map((u) => u.result.batchSweep!.length), [1, 2, 3]);
    const whatIf = updates.filter((u) => u.phase === 'whatIf');
    assert.ok(whatIf.length > 3);
    whatIf.forEach((u, i) => {
      assert.strictEqual(u.result.whatIf!.length, i + 1);
      assert.strictEqual(u.partial, i < whatIf.length - 1);
    });
    // Unit by unit, the same numbers as the one-shot simulation (the CLI's).
    assert.strictEqual(JSON.stringify(updates.at(-1)!.result), JSON.stringify(simulate(spec, options, [2, 8, 32])));
  });

  it('skips the preview when the run is no bigger than one', () => {
    assert.strictEqual(previewOptions(normalizeOptions({ batchSize: 8, steps: 1 })), undefined);
    assert.deepStrictEqual(previewOptions(normalizeOptions({ batchSize: 4, steps: 10 })), normalizeOptions({ batchSize: 4, steps: 1 }));
    const first = progressiveSimulation(mlpSpec({ depth: 2, width: 8 }), normalizeOptions({ batchSize: 4, steps: 1 })).next();
    assert.ok(!first.done && first.value.phase === 'main');
  });
});
