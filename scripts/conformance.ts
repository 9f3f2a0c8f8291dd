// `npm run conformance -- DIR [--dtype float32|float64]` (DESIGN.md contract 4): runs the engine
// on every `*.json` case directly in DIR, prints one line per failing case and a final line
// `N passed, N failed`; exits 1 on any failure, 2 when DIR holds no case (or cannot be read).
import * as fs from 'fs';
import * as path from 'path';
import { runCase } from '../src/engine/conformance';
import type { DType } from '../src/engine/tensor';

function main(argv: string[]): number {
  let dir: string | undefined;
  let dtype: DType = 'float64';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dtype' && (argv[i + 1] === 'float32' || argv[i + 1] === 'float64')) dtype = argv[++i] as DType;
    else if (!a.startsWith('--') && dir === undefined) dir = a;
    else {
      console.error(`conformance: unexpected argument ${a}\nusage: npm run conformance -- DIR [--dtype float32|float64]`);
      return 2;
    }
  }
  if (dir === undefined) {
    console.error('usage: npm run conformance -- DIR [--dtype float32|float64]');
    return 2;
  }
  let files: string[];
  try {
    files = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    console.error(`conformance: cannot read ${dir}: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (files.length === 0) {
    console.error(`conformance: no case (*.json) in ${dir}`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    let json: unknown;
    const fallback = path.basename(file, '.json');
    try {
      json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    } catch (error) {
      failed++;
      console.log(`FAIL ${fallback} (${file}): unreadable: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const result = runCase(json, fallback, dtype);
    if (result.passed) passed++;
    else {
      failed++;
      console.log(`FAIL ${result.name} (${file}): ${result.detail}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
