#!/usr/bin/env node
// Runs every test suite in turn and ends with one plain line `N passed, N failed` totalling
// them all. Each suite reports its counts through a JSON file (NORMSCOPE_COUNTS_FILE) or, for
// command-line runners, through its own final `N passed, N failed` line.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');

/** The suites, in order. `counts: 'file'` suites write JSON counts; `'line'` print the plain line. */
const SUITES = [
  { name: 'unit', cmd: process.execPath, args: [require.resolve('mocha/bin/mocha.js')], counts: 'file' },
  // Mocha inside a real VS Code extension host (code-server + headless Chromium, installed on first
  // use outside the clone: test/runner/). The suite writes its counts from inside the host.
  { name: 'integration', cmd: process.execPath, args: [path.join(root, 'out', 'test', 'integration', 'runTest.js')], counts: 'file' },
  // The engine against PyTorch's numbers (test/conformance/FORMAT.md), as `npm run conformance` does.
  { name: 'conformance', cmd: process.execPath, args: ['out/scripts/conformance.js', 'test/conformance/cases'], counts: 'line' },
  // The simulator page and the HTML report in Debian's headless Chromium (installed on first use).
  { name: 'webview', cmd: process.execPath, args: [require.resolve('mocha/bin/mocha.js'), '--config', 'test/webview/mocharc.json'], counts: 'file' },
];

function runSuite(suite) {
  const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'normscope-counts-')), 'counts.json');
  console.log(`\n=== ${suite.name} ===`);
  const started = Date.now();
  const result = spawnSync(suite.cmd, suite.args, {
    cwd: root,
    env: { ...process.env, NORMSCOPE_COUNTS_FILE: countsFile },
    stdio: suite.counts === 'line' ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  let passed = 0;
  let failed = 0;
  if (suite.counts === 'line') {
    process.stdout.write(result.stdout ?? '');
    const lines = (result.stdout ?? '').trim().split('\n');
    const last = lines[lines.length - 1] ?? '';
    const words = last.trim().split(/\s+/);
    if (words.length >= 4 && words[1] === 'passed,' && words[3] === 'failed') {
      passed = Number(words[0]);
      failed = Number(words[2]);
    }
  } else if (fs.existsSync(countsFile)) {
    const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
    passed = counts.passed;
    failed = counts.failed;
  }
  fs.rmSync(path.dirname(countsFile), { recursive: true, force: true });
  const crashed = result.status !== 0 && failed === 0;
  if (crashed) {
    console.log(`suite ${suite.name} exited with ${result.status ?? result.signal} without reporting a failed test`);
    failed += 1;
  }
  console.log(`=== ${suite.name}: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s) ===`);
  return { passed, failed };
}

let passed = 0;
let failed = 0;
const only = process.argv.slice(2);
for (const suite of SUITES) {
  if (only.length > 0 && !only.includes(suite.name)) continue;
  const r = runSuite(suite);
  passed += r.passed;
  failed += r.failed;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
