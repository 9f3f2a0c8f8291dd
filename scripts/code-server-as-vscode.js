#!/usr/bin/env node
// Stands in for a VS Code executable (@vscode/test-electron's `vscodeExecutablePath`): takes
// VS Code's command line (`--extensionDevelopmentPath=`, `--extensionTestsPath=`, a folder)
// and runs the extension tests in code-server's real extension host through test/runner
// (compiled to out/ by `tsc -p .`). Exits with the tests' result.
const path = require('path');

const runner = path.join(__dirname, '..', 'out', 'test', 'runner', 'run.js');
let run;
try {
  run = require(runner);
} catch (error) {
  console.error(`[integration] ${runner} is missing: run \`npx tsc -p .\` (or \`npm test\`) first.\n${error}`);
  process.exit(1);
}
run.runIntegration(run.parseArgs(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
