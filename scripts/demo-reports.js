#!/usr/bin/env node
// Part of `npm run demo`: writes the simulator's standalone HTML report for each bundled example
// (`normscope simulate --format html`) into out/demo/ and prints each report's path — or, for
// an example the simulator cannot run, why not.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const examples = path.join(root, 'examples');
const outDir = path.join(root, 'out', 'demo');
fs.mkdirSync(outDir, { recursive: true });

let written = 0;
for (const file of fs.readdirSync(examples).filter((f) => f.endsWith('.py')).sort()) {
  const out = path.join(outDir, `${path.basename(file, '.py')}.html`);
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'simulate', '--format', 'html', '--out', out, path.join(examples, file)], { encoding: 'utf8' });
  if (r.status === 0) {
    written++;
    console.log(`simulator report: ${out}`);
  } else {
    console.log(`no simulator report for examples/${file}: ${(r.stderr || '').trim().split('\n')[0].replace(/^normscope: /, '')}`);
  }
}
if (written === 0) process.exitCode = 1;
