// Simulator rows. `simulate/mlp50x256/b64`: a 50-layer, width-256 MLP with BatchNorm at batch 64,
// the simulator's main pass as the webview's first render runs it — 10 training-mode forward
// steps, one backward pass (gradient norms) and the inference pass, plus the per-layer
// statistics and histograms. Issue target: under 2.5 s (≈5.5 GFLOP, dense layers dominate).
import { mlpSpec } from '../src/simulation/builders';
import { normalizeOptions } from '../src/simulation/options';
import { runMainPass } from '../src/simulation/simulate';
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

export const benches: Bench[] = [mlpBench()];
