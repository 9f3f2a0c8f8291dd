// The integration suite's one entry, through @vscode/test-electron's `runTests`.
//
// - Default (used by `npm test`, offline): `vscodeExecutablePath` is scripts/code-server-as-vscode.js,
//   which takes VS Code's command line and runs the suite in code-server's real extension host
//   (test/runner/run.ts: installs what it needs on first use, outside the clone).
// - With NORMSCOPE_VSCODE_VERSION=stable (or a version such as 1.90.0) on a machine with internet:
//   test-electron downloads that desktop VS Code and runs the same suite in it
//   (on headless Linux wrap it in `xvfb-run -a`).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * NORMSCOPE_TEST_VSIX=normscope.vsix runs the suite against the packaged extension (unzipped)
 * instead of the working tree: what users install, with only the files it ships.
 */
function extensionUnderTest(scratch: string): string {
  const vsix = process.env.NORMSCOPE_TEST_VSIX;
  if (!vsix) return REPO_ROOT;
  const target = path.join(scratch, 'vsix');
  const unzip = spawnSync('unzip', ['-q', path.resolve(vsix), 'extension/*', '-d', target], { stdio: 'inherit' });
  if (unzip.status !== 0) throw new Error(`could not unzip ${vsix} (is \`unzip\` installed?)`);
  console.log(`[integration] testing the packaged extension ${vsix}`);
  return path.join(target, 'extension');
}

async function main(): Promise<number> {
  // The suite edits and saves files: it gets a fresh copy of the fixture workspace.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-it-'));
  const extensionDevelopmentPath = extensionUnderTest(scratch);
  const extensionTestsPath = path.join(__dirname, 'index.js');
  const workspace = path.join(scratch, 'workspace');
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const version = process.env.NORMSCOPE_VSCODE_VERSION;
  try {
    await runTests({
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions'],
      ...(version ? { version } : { vscodeExecutablePath: path.join(REPO_ROOT, 'scripts', 'code-server-as-vscode.js') }),
      extensionTestsEnv: {
        ...(process.env.NORMSCOPE_COUNTS_FILE ? { NORMSCOPE_COUNTS_FILE: process.env.NORMSCOPE_COUNTS_FILE } : {}),
      },
    });
    return 0;
  } catch (error) {
    console.error(`[integration] ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
