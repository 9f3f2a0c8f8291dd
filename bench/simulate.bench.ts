// Simulator rows.
// - `simulate/mlp50x256/b64`: a 50-layer, width-256 MLP with BatchNorm at batch 64, the
//   simulator's main pass — 10 training-mode forward steps, one backward pass (gradient norms)
//   and the inference pass, plus the per-layer statistics and histograms. Issue target: under
//   2.5 s (≈5.5 GFLOP, dense layers dominate).
// - `simulate/first-result/<model>`: what the editor-driven re-simulation costs before the first
//   chart — the file's text analysed into a network spec, then the progressive simulation's
//   first unit (the preview: batch ≤ 8, one training step, the backward and the inference pass)
//   at the default options (batch 32, 10 steps). Baseline: `simulate/main/<model>`, the full main
//   pass the preview stands in for until it is ready. Issue target: first results within 300 ms.
//   Models: torchvision's BasicBlock (examples/), a small ResNet (stem, two BasicBlocks with
//   downsample shortcuts, pooling, classifier; test/fixtures/simulate/branches.py) and
//   torchvision's resnet18 (test/fixtures/models/torchvision_resnet.py; 11.7M parameters at the
//   default 8×8 input, where the weights, not the activations, are most of the work).
import * as fs from 'fs';
import * as path from 'path';
import { mlpSpec } from '../src/simulation/builders';
import { networksFromSource } from '../src/simulation/fromIR';
import { DEFAULT_OPTIONS, normalizeOptions } from '../src/simulation/options';
import { progressiveSimulation } from '../src/simulation/progressive';
import { runMainPass } from '../src/simulation/simulate';
import type { NetworkSpec } from '../src/simulation/spec';
import type { Bench } from './harness';

const DEPTH = 50;
const WIDTH = 256;
const BATCH = 64;
const STEPS = 10;

/** Multiply-adds of the dense layers ×2: 11 forwards, and a backward costing two forwards (dX and dW). */
const FORWARD_FLOPS = 2 * BATCH * WIDTH * WIDTH * DEPTH;
const FLOPS = (STEPS + 1) * FORWARD_FLOPS + 2 * FORWARD_FLOPS;

function mlpBench(): Bench {
  const spec = mlpSpec({ depth: DEPTH, width: WIDTH, norm: 'batch' });
  const options = normalizeOptions({ batchSize: BATCH, steps: STEPS, seed: 0 });
  return {
    name: `simulate/mlp${DEPTH}x${WIDTH}/b${BATCH}`,
    flops: FLOPS,
    fn: () => {
      const r = runMainPass(spec, options);
      if (r.layers.length !== DEPTH * 3) throw new Error('simulate bench: unexpected layer count');
    },
  };
}

const ROOT = path.join(__dirname, '..', '..');

function specOf(text: string, model: string): NetworkSpec {
  const entry = networksFromSource(text).models.find((m) => m.name === model);
  if (!entry?.spec) throw new Error(`simulate bench: ${model} does not simulate: ${entry?.reason ?? 'not found'}`);
  return entry.spec;
}

/** `simulate/main/<name>` and `simulate/first-result/<name>` for one model of a file. */
function firstResultBenches(name: string, file: string, model: string): Bench[] {
  let text = '';
  let spec: NetworkSpec | undefined;
  const load = (): void => {
    // The parser is initialised by bench/run.ts before any row runs, after this module loads.
    text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    spec = specOf(text, model);
  };
  return [
    {
      name: `simulate/main/${name}`,
      setup: load,
      fn: () => {
        runMainPass(spec!, DEFAULT_OPTIONS);
      },
    },
    {
      name: `simulate/first-result/${name}`,
      baseline: `simulate/main/${name}`,
      setup: load,
      fn: () => {
        const first = progressiveSimulation(specOf(text, model), DEFAULT_OPTIONS).next();
        if (first.done || first.value.phase !== 'preview') throw new Error('simulate bench: the first result is not the preview');
      },
    },
  ];
}

export const benches: Bench[] = [
  mlpBench(),
  ...firstResultBenches('basic-block', 'examples/resnet_basic_block.py', 'BasicBlock'),
  ...firstResultBenches('resnet-small', 'test/fixtures/simulate/branches.py', 'Net'),
  ...firstResultBenches('resnet18', 'test/fixtures/models/torchvision_resnet.py', 'resnet18'),
];
