/**
 * The simulation's Web Worker: runs the main pass, then the batch-size sweep, then the what-if
 * variants, posting the growing result after each phase. A newer request supersedes an older
 * one between phases, so dragging a control never queues stale work.
 */

import { runMainPass, runSweep, runWhatIf } from '../../simulation/simulate';
import type { SimulationResult } from '../../simulation/result';
import { parseRunRequest, PREVIEW_STEPS, type Phase, type RunRequest, type WorkerReply } from '../protocol';

interface WorkerScope {
  postMessage(message: WorkerReply): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<unknown>) => void): void;
}

const scope = self as unknown as WorkerScope;
let latest = -1;

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function run(request: RunRequest): Promise<void> {
  const { runId, spec, options } = request;
  const started = performance.now();
  const post = (phase: Phase, result: SimulationResult): void =>
    scope.postMessage({ type: 'phase', runId, phase, result, ms: performance.now() - started });
  try {
    // A quick first picture (few training steps), then the full run refines it.
    if (options.steps > PREVIEW_STEPS) {
      post('preview', runMainPass(spec, { ...options, steps: PREVIEW_STEPS }));
      await pause();
      if (runId !== latest) return;
    }
    let result = runMainPass(spec, options);
    post('main', result);
    await pause();
    if (runId !== latest) return;
    result = { ...result, ...runSweep(spec, options) };
    post('sweep', result);
    await pause();
    if (runId !== latest) return;
    result = { ...result, whatIf: runWhatIf(spec, options) };
    post('whatIf', result);
  } catch (error) {
    scope.postMessage({ type: 'failed', runId, message: error instanceof Error ? error.message : String(error) });
  }
}

scope.addEventListener('message', (e) => {
  const request = parseRunRequest(e.data);
  if (!request) return;
  latest = request.runId;
  void run(request);
});
