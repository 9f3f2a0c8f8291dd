// A real restart inside the integration run: the suite runs, a test leaves the simulator panel
// open and asks for a restart, the first half ends by reloading the window (test/integration/
// index.ts records its counts, then runs `workbench.action.reloadWindow`: VS Code saves its state,
// shuts the workbench and its extension host down and starts them again with the same test
// payload, restoring the editors), and the second half checks what came back. The runner
// (test/runner/run.ts) waits through the restart for the second half's exit. The state between
// the halves is a JSON file in the run's private temporary folder (the runner gives each run its
// own TMPDIR). No `vscode` here: the runner imports this file too.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface RestartState {
  /** Set by the test that prepared what must survive the restart. */
  readonly requested?: { readonly model: string; readonly layers: number; readonly at: number };
  /** Counts of the first half, written just before the window reloads. */
  readonly firstHalf?: { readonly passed: number; readonly failed: number; readonly skipped: number };
  /** Written by the second half when it is done: the run's result. */
  readonly secondHalf?: { readonly failed: number };
}

const NAME = 'normscope-integration-restart.json';

export function readRestartState(dir = os.tmpdir()): RestartState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, NAME), 'utf8')) as RestartState;
  } catch {
    return undefined;
  }
}

export function writeRestartState(state: RestartState): void {
  fs.writeFileSync(path.join(os.tmpdir(), NAME), JSON.stringify(state));
}

/**
 * For the runner (test/runner/run.ts): the suite restarted the workbench between two halves, so
 * an exit seen before the second half is done (the first extension host going away) is not the
 * run's end.
 */
export function restarted(tmpDir: string): boolean {
  return readRestartState(tmpDir)?.firstHalf !== undefined;
}

/** For the runner: the run's exit code once the second half is done (1 when a test of either half failed). */
export function secondHalfExitCode(tmpDir: string): number | undefined {
  const done = readRestartState(tmpDir)?.secondHalf;
  return done === undefined ? undefined : done.failed > 0 ? 1 : 0;
}

/** True in the second half: the window was reloaded by the index after the first half. */
export function afterRestart(): boolean {
  return readRestartState()?.firstHalf !== undefined;
}

/** The file the second half only runs. */
export const RESTART_TEST_FILE = 'zz-simulator-restart.test.js';
