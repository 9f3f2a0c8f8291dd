/**
 * The simulation's Web Worker: runs the progressive simulation (a small preview, the main pass,
 * then the batch-size sweep and the what-if variants one unit at a time), posting the growing
 * result after each unit. Between units it yields to its message queue, so a newer request
 * supersedes an older one; the page also restarts a worker still busy with a superseded run, so
 * a long unit never delays the first result of the next run.
 */

import { progressiveSimulation } from '../../simulation/progressive';
import { parseRunRequest, type RunRequest, type WorkerReply } from '../protocol';

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
  try {
    for (const update of progressiveSimulation(spec, options)) {
      scope.postMessage({ type: 'phase', runId, phase: update.phase, partial: update.partial, progress: update.progress, result: update.result, ms: performance.now() - started });
      await pause();
      if (runId !== latest) return;
    }
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
