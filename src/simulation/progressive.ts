/**
 * The simulation in the order the webview shows it: a small preview first (so the editor-driven
 * re-simulation draws within a few hundred milliseconds), then the full main pass, then the
 * batch-size sweep one batch size at a time, then the what-if variants one at a time. Each step
 * is a unit of work the caller can interleave with other work or abandon (the worker checks for
 * a newer request between units and is restarted when a superseded run still holds it).
 */

import { SWEEP_BATCH_SIZES, type SimulationOptions } from './options';
import type { SimulationResult } from './result';
import { runMainPass, runSweep, runWhatIf, whatIfVariants } from './simulate';
import type { NetworkSpec } from './spec';

/** The preview: at most this batch and this many training steps (plus the inference pass and the backward). */
export const PREVIEW_BATCH = 8;
export const PREVIEW_STEPS = 1;

export type Phase = 'preview' | 'main' | 'sweep' | 'whatIf';

export interface PhaseUpdate {
  readonly phase: Phase;
  /** The result so far (grows with each update). */
  readonly result: SimulationResult;
  /** More updates of this phase follow (a sweep point or a what-if variant at a time). */
  readonly partial: boolean;
  /** What the update holds, for a status line (`preview: batch 8, 1 step`, `sweep 3/7`). */
  readonly progress: string;
}

/** The preview's options, or undefined when the full run is no bigger than a preview. */
export function previewOptions(options: SimulationOptions): SimulationOptions | undefined {
  const batchSize = Math.min(options.batchSize, PREVIEW_BATCH);
  const steps = Math.min(options.steps, PREVIEW_STEPS);
  if (batchSize === options.batchSize && steps === options.steps) return undefined;
  return { ...options, batchSize, steps };
}

/** Runs the simulation as a sequence of updates; each `next()` does one unit of work. */
export function* progressiveSimulation(spec: NetworkSpec, options: SimulationOptions, sizes: readonly number[] = SWEEP_BATCH_SIZES): Generator<PhaseUpdate, void, void> {
  const preview = previewOptions(options);
  if (preview) {
    // The preview reports the options it ran with (the charts' captions say so); the full run follows.
    yield { phase: 'preview', result: runMainPass(spec, preview), partial: false, progress: `preview: batch ${preview.batchSize}, ${preview.steps} step${preview.steps === 1 ? '' : 's'}` };
  }
  let result = runMainPass(spec, options);
  yield { phase: 'main', result, partial: false, progress: 'main pass' };
  const points: NonNullable<SimulationResult['batchSweep']>[number][] = [];
  for (let i = 0; i < sizes.length; i++) {
    const sweep = runSweep(spec, options, [sizes[i]]);
    points.push(...sweep.batchSweep);
    result = { ...result, batchSweep: [...points], ...(sweep.sweepLayer !== undefined ? { sweepLayer: sweep.sweepLayer } : {}) };
    yield { phase: 'sweep', result, partial: i < sizes.length - 1, progress: `sweep ${i + 1}/${sizes.length}` };
  }
  const variants = whatIfVariants(spec, options);
  const done: NonNullable<SimulationResult['whatIf']>[number][] = [];
  for (let i = 0; i < variants.length; i++) {
    done.push(...runWhatIf(spec, options, [variants[i]]));
    result = { ...result, whatIf: [...done] };
    yield { phase: 'whatIf', result, partial: i < variants.length - 1, progress: `what-if ${i + 1}/${variants.length}` };
  }
  if (variants.length === 0) yield { phase: 'whatIf', result: { ...result, whatIf: [] }, partial: false, progress: 'what-if' };
}
