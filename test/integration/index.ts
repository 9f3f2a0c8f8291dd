// The extension-tests entry (VS Code's `extensionTestsPath`): runs the mocha suite inside the
// extension host. Pass/fail counts go to the file named by NORMSCOPE_COUNTS_FILE (the same
// reporter as the unit suite), so `npm test` can add them into its final line.
//
// When a test asked for a restart (test/integration/restart.ts), the first half records its counts
// and reloads the window: VS Code starts a new extension host with the same test payload, which
// runs this entry again; the second half runs only the after-restart test and reports both
// halves' counts. Only under the code-server runner, which waits through the restart (it sets
// NORMSCOPE_RUNNER_RESTARTS); elsewhere the first half's counts are the run's.
import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';
import * as vscode from 'vscode';
import { abandonPendingWaits } from './helpers';
import { readRestartState, RESTART_TEST_FILE, writeRestartState } from './restart';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export async function run(): Promise<void> {
  const state = readRestartState();
  const secondHalf = state?.firstHalf !== undefined;
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    // The only deadline: waits have no timers of their own (see helpers.ts `waitFor`).
    timeout: 60_000,
    rootHooks: { afterEach: abandonPendingWaits },
    reporter: path.join(REPO_ROOT, 'scripts', 'count-reporter.js'),
  });
  const grep = process.env.NORMSCOPE_INTEGRATION_GREP;
  if (grep) mocha.grep(grep);
  for (const file of fs.readdirSync(__dirname).sort()) {
    if (!file.endsWith('.test.js')) continue;
    if (secondHalf && file !== RESTART_TEST_FILE) continue;
    mocha.addFile(path.join(__dirname, file));
  }
  const counts = await new Promise<Counts>((resolve) => {
    const runner = mocha.run(() => resolve({ passed: runner.stats?.passes ?? 0, failed: runner.stats?.failures ?? 0, skipped: runner.stats?.pending ?? 0 }));
  });
  const countsFile = process.env.NORMSCOPE_COUNTS_FILE;
  if (!secondHalf && readRestartState()?.requested && process.env.NORMSCOPE_RUNNER_RESTARTS === '1') {
    writeRestartState({ ...readRestartState(), firstHalf: counts });
    console.log('[integration] first half done: reloading the window, the rest of the suite runs after the restart');
    await vscode.commands.executeCommand('workbench.action.reloadWindow');
    // This extension host is going away; the new one runs this entry again.
    await new Promise<never>(() => undefined);
  }
  const total = secondHalf && state?.firstHalf ? { passed: state.firstHalf.passed + counts.passed, failed: state.firstHalf.failed + counts.failed, skipped: state.firstHalf.skipped + counts.skipped } : counts;
  if (countsFile) fs.writeFileSync(countsFile, JSON.stringify(total));
  if (secondHalf) writeRestartState({ ...readRestartState(), secondHalf: { failed: total.failed } });
  if (total.failed > 0) throw new Error(`${total.failed} integration test(s) failed`);
}
