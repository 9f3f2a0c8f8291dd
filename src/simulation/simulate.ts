/**
 * The simulation: K training-mode steps (batch statistics, running-stat updates, dropout on),
 * a backward pass for gradient norms, and an inference pass on the last training batch; then
 * the batch-size sweep and the what-if variants. Deterministic for a seed: weights, inputs,
 * dropout masks and the loss projection each come from their own seeded stream.
 */

import { Rng } from '../engine/rng';
import type { Tensor } from '../engine/tensor';
import { branchEndNorms, Network } from './network';
import { INIT_LABELS, INIT_SCHEMES, NORM_SWAP_LABELS, NORM_SWAPS, SWEEP_BATCH_SIZES, type InitScheme, type NormSwap, type SimulationOptions } from './options';
import type { LayerResult, SimulationResult, Summary, SweepPoint, WhatIfVariant } from './result';
import { inferShapes } from './shapes';
import type { NetworkSpec } from './spec';
import { channelMeans, deadFraction, gap, histogram, l2norm, meanColumnStd, sharedRange, summarize } from './stats';

/** Independent seeded streams for one purpose each (so e.g. a norm swap does not change the weights). */
function stream(seed: number, purpose: number, extra = 0): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(purpose + 1, 0x85ebca6b) ^ Math.imul(extra + 1, 0xc2b2ae35)) >>> 0);
}

const STREAM = { init: 1, data: 2, dropout: 3, loss: 4 } as const;

function build(spec: NetworkSpec, options: SimulationOptions, normSwap: NormSwap, init: InitScheme): Network {
  return new Network(spec, { normSwap, init, initRng: stream(options.seed, STREAM.init), dropoutRng: stream(options.seed, STREAM.dropout) });
}

/** A batch of synthetic inputs: mean + scale · (standard normal | uniform with unit variance). */
function sampleInput(spec: NetworkSpec, options: SimulationOptions, batch: number, rng: Rng): Tensor {
  const shape = [batch, ...spec.inputShape];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (options.distribution === 'normal') rng.fillNormal(data, options.inputMean, options.inputScale);
  else {
    const half = Math.sqrt(3) * options.inputScale;
    rng.fillUniform(data, options.inputMean - half, options.inputMean + half);
  }
  return { shape, data };
}

interface Passes {
  readonly net: Network;
  readonly train: Tensor[];
  readonly eval: Tensor[];
  readonly batch: number;
  /** Per step of training: per-channel batch means of the first BatchNorm's input. */
  readonly bnMeans: Float64Array[];
  readonly bnIndex: number;
}

/** K training steps, then (optionally) a hook on the network, then the inference pass on the last batch. */
function runPasses(
  spec: NetworkSpec,
  options: SimulationOptions,
  batch: number,
  normSwap: NormSwap,
  init: InitScheme,
  dataRng: Rng,
  afterTraining?: (net: Network, output: Tensor) => void,
): Passes {
  const net = build(spec, options, normSwap, init);
  const bnIndex = net.steps.findIndex((s) => s.norm?.norm === 'batch' && !s.norm.frozen);
  const train: Tensor[] = [];
  const evalOut: Tensor[] = [];
  const bnMeans: Float64Array[] = [];
  let x: Tensor | undefined;
  let out: Tensor | undefined;
  for (let step = 0; step < options.steps; step++) {
    x = sampleInput(spec, options, batch, dataRng);
    const last = step === options.steps - 1;
    // Training steps reuse their output arrays: only the last step's outputs are kept, and the
    // inference pass below allocates its own.
    out = net.forward(
      x,
      true,
      (i, input, output) => {
        if (i === bnIndex) bnMeans.push(channelMeans(input.data, batch, input.shape[1]));
        if (last) train[i] = output;
      },
      true,
    );
  }
  afterTraining?.(net, out!);
  net.forward(x!, false, (i, _input, output) => {
    evalOut[i] = output;
  });
  return { net, train, eval: evalOut, batch, bnMeans, bnIndex };
}

function normGaps(p: Passes): { perLayer: Map<number, number>; mean: number } {
  const perLayer = new Map<number, number>();
  p.net.steps.forEach((s, i) => {
    if (s.norm) perLayer.set(i, gap(summarize(p.train[i].data), summarize(p.eval[i].data)));
  });
  const values = [...perLayer.values()].filter((v) => Number.isFinite(v));
  return { perLayer, mean: values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : 0 };
}

function weightGradNorm(net: Network, index: number): number | undefined {
  const layer = net.steps[index].layer;
  if (!layer) return undefined;
  const w = layer.parameters().find((p) => p.name === 'weight');
  return w?.grad ? l2norm(w.grad.data) : undefined;
}

/** The main pass: per-layer statistics, histograms, dead units, train/eval gaps, gradient norms. */
export function runMainPass(spec: NetworkSpec, options: SimulationOptions): SimulationResult {
  inferShapes(spec.inputShape, spec.layers); // clear errors before any work
  const warnings: string[] = [];
  const gradNorms: number[] = [];
  const weightGrads: (number | undefined)[] = [];
  const passes = runPasses(spec, options, options.batchSize, options.normSwap, options.init, stream(options.seed, STREAM.data), (net, out) => {
    // Backward of a fixed random projection of the output: L = Σ g·y / batch.
    const g = new Float32Array(out.data.length);
    stream(options.seed, STREAM.loss).fillNormal(g, 0, 1 / options.batchSize);
    try {
      // Reusing gradient arrays: the observer reads each gradient at once.
      net.backward(
        { shape: [...out.shape], data: g },
        (i, grad) => {
          gradNorms[i] = l2norm(grad.data);
        },
        true,
      );
      net.steps.forEach((_, i) => {
        weightGrads[i] = weightGradNorm(net, i);
      });
    } catch (error) {
      warnings.push(`gradient norms unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const gaps = normGaps(passes);
  const layers: LayerResult[] = [];
  passes.net.steps.forEach((step, i) => {
    // Markers, not layers; a permute reorders the values of the step before it.
    if (step.spec.layer.op === 'save' || step.spec.layer.op === 'load' || step.spec.layer.op === 'permute') return;
    const t = passes.train[i];
    const e = passes.eval[i];
    const train: Summary = summarize(t.data);
    const ev: Summary = summarize(e.data);
    const { lo, hi } = sharedRange(train, ev);
    const op = step.spec.layer;
    const isRelu = op.op === 'activation' && (op.fn === 'relu' || op.fn === 'relu6');
    const wg = weightGrads[i];
    const gn = gradNorms[i];
    layers.push({
      name: step.spec.name,
      kind: op.op === 'norm' && step.norm !== op ? `${step.spec.kind} → ${step.norm ? NORM_SWAP_LABELS[options.normSwap] : 'removed'}` : step.spec.kind,
      op: op.op,
      shape: [...step.outShape],
      train,
      eval: ev,
      histogram: { lo, hi, train: histogram(t.data, lo, hi, options.bins), eval: histogram(e.data, lo, hi, options.bins) },
      ...(isRelu ? { deadFraction: deadFraction(t.data, passes.batch) } : {}),
      ...(gaps.perLayer.has(i) ? { trainEvalGap: gaps.perLayer.get(i)! } : {}),
      ...(gn !== undefined ? { gradNorm: gn } : {}),
      ...(wg !== undefined ? { weightGradNorm: wg } : {}),
    });
  });
  return {
    model: spec.model,
    assumptions: [...spec.assumptions],
    options,
    inputShape: [...spec.inputShape],
    layers,
    trainEvalGap: gaps.mean,
    warnings,
  };
}

/** The batch-size sweep: noise of the first BatchNorm's batch mean and the train/eval gap per batch size. */
export function runSweep(spec: NetworkSpec, options: SimulationOptions, sizes: readonly number[] = SWEEP_BATCH_SIZES): { batchSweep: SweepPoint[]; sweepLayer?: string } {
  const points: SweepPoint[] = [];
  let sweepLayer: string | undefined;
  for (const batch of sizes) {
    const p = runPasses(spec, options, batch, options.normSwap, options.init, stream(options.seed, STREAM.data, batch));
    let samplesPerChannel = batch;
    let statNoise = 0;
    if (p.bnIndex >= 0) {
      const step = p.net.steps[p.bnIndex];
      sweepLayer = step.spec.name;
      samplesPerChannel = batch * step.inShape.slice(1).reduce((a, b) => a * b, 1);
      statNoise = meanColumnStd(p.bnMeans);
    }
    points.push({ batchSize: batch, samplesPerChannel, statNoise, trainEvalGap: normGaps(p).mean });
  }
  return { batchSweep: points, ...(sweepLayer !== undefined ? { sweepLayer } : {}) };
}

/** One what-if run: a norm swap and an initialisation. */
export interface WhatIfSetting {
  readonly label: string;
  readonly normSwap: NormSwap;
  readonly init: InitScheme;
}

/** The what-if runs for a network: each norm swap (that differs from the model as written), then each other initialisation. */
export function whatIfVariants(spec: NetworkSpec, options: SimulationOptions): WhatIfSetting[] {
  const norms = spec.layers.flatMap((l) => (l.layer.op === 'norm' ? [l.layer.norm] : []));
  const variants: WhatIfSetting[] = [];
  const swaps = norms.length > 0 ? NORM_SWAPS : (['asIs'] as const);
  for (const s of swaps) {
    // Swapping every norm for the kind it already is would repeat the "as written" run.
    const sameAsWritten = s !== 'asIs' && s !== 'none' && norms.every((n) => n === s);
    if (sameAsWritten && options.normSwap === 'asIs') continue;
    variants.push({ label: s === options.normSwap ? `${NORM_SWAP_LABELS[s]} (current)` : NORM_SWAP_LABELS[s], normSwap: s, init: options.init });
  }
  const hasBranchEnds = branchEndNorms(spec.layers).size > 0;
  for (const init of INIT_SCHEMES) {
    if (init === options.init || (init === 'zero_gamma' && !hasBranchEnds)) continue;
    variants.push({ label: `init: ${INIT_LABELS[init].split(' (')[0]}`, normSwap: options.normSwap, init });
  }
  return variants;
}

/** The same network with each norm swapped, and with each other initialisation. */
export function runWhatIf(spec: NetworkSpec, options: SimulationOptions, variants: readonly WhatIfSetting[] = whatIfVariants(spec, options)): WhatIfVariant[] {
  return variants.map((v) => {
    try {
      const p = runPasses(spec, options, options.batchSize, v.normSwap, v.init, stream(options.seed, STREAM.data));
      return {
        label: v.label,
        normSwap: v.normSwap,
        init: v.init,
        layers: p.net.steps.flatMap((s, i) => {
          if (s.spec.layer.op === 'save' || s.spec.layer.op === 'load' || s.spec.layer.op === 'permute') return [];
          const t = summarize(p.train[i].data);
          const e = summarize(p.eval[i].data);
          return [{ name: s.spec.name, train: { mean: t.mean, std: t.std }, eval: { mean: e.mean, std: e.std } }];
        }),
        trainEvalGap: normGaps(p).mean,
      };
    } catch (error) {
      return { label: v.label, normSwap: v.normSwap, init: v.init, layers: [], trainEvalGap: 0, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Everything: main pass, sweep and what-if (the CLI and the report). */
export function simulate(spec: NetworkSpec, options: SimulationOptions, sizes: readonly number[] = SWEEP_BATCH_SIZES): SimulationResult {
  const main = runMainPass(spec, options);
  return { ...main, ...runSweep(spec, options, sizes), whatIf: runWhatIf(spec, options) };
}
