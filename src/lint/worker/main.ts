// The lint worker's entry point (bundled to dist/lintWorker.js): a worker thread that owns the
// parser and the open documents, so that linting never runs on the extension host's thread.
import { parentPort, workerData } from 'worker_threads';
import { initLinter } from '../lint';
import type { LintRequest, LintResponse } from './protocol';
import { LintServer } from './server';

const port = parentPort;
if (port) {
  const server = new LintServer();
  const wasmDir = (workerData as { wasmDir?: unknown } | undefined)?.wasmDir;
  let loadError: string | undefined;
  const ready = initLinter(typeof wasmDir === 'string' ? { wasmDir } : {}).catch((error: unknown) => {
    loadError = error instanceof Error ? error.message : String(error);
  });
  // Requests are handled strictly in arrival order, each after the parser has loaded.
  let queue: Promise<void> = ready;
  port.on('message', (request: LintRequest) => {
    queue = queue.then(() => {
      let response: LintResponse | undefined;
      if (loadError !== undefined) {
        if ('id' in request) response = { kind: 'error', id: request.id, message: `the Python parser did not load: ${loadError}` };
      } else {
        try {
          response = server.handle(request);
        } catch (error) {
          // `handle` answers its own failures; this is a failure to open or edit a document.
          if ('id' in request) response = { kind: 'error', id: request.id, message: String(error) };
        }
      }
      if (response) port.postMessage(response);
    });
  });
}
