// `npm run bench [-- --json] [-- --filter TEXT ...] [-- --min-time MS]`: runs every area's rows
// and prints a table (default) or one JSON object per line (DESIGN.md contract 5).
// To add an area: write bench/<area>.bench.ts exporting `benches: Bench[]`, import it below and
// add it to AREAS.
import { DEFAULT_OPTIONS, formatTable, runBenches, selectBenches, type Bench, type CpuFigures, type MeasureOptions } from './harness';
import { benches as engine } from './engine.bench';
import { benches as frontend, init as initFrontend } from './frontend.bench';
import { benches as simulate } from './simulate.bench';

const AREAS: Bench[][] = [engine, simulate, frontend];

interface Args {
  json: boolean;
  filters: string[];
  options: MeasureOptions;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, filters: [], options: { ...DEFAULT_OPTIONS } };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--filter' && i + 1 < argv.length) args.filters.push(argv[++i]);
    else if (a === '--min-time' && i + 1 < argv.length && Number(argv[i + 1]) > 0) args.options.minTimeMs = Number(argv[++i]);
    else throw new Error(`bench: unknown argument ${a} (expected --json, --filter TEXT, --min-time MS)`);
  }
  return args;
}

function main(): void {
  let args: Args;
  let benches: Bench[];
  try {
    args = parseArgs(process.argv.slice(2));
    benches = selectBenches(AREAS.flat(), args.filters);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  if (benches.length === 0) {
    console.error('bench: no row matches the filters');
    process.exitCode = 2;
    return;
  }
  const { json, options } = args;
  const tails = new Map<string, number>();
  const cpu = new Map<string, CpuFigures>();
  const results = runBenches(
    benches,
    options,
    (r) => {
      if (json) console.log(JSON.stringify(r));
      else process.stderr.write(`  ${r.bench}: ${r.median_ms} ms\n`);
    },
    tails,
    cpu,
  );
  if (!json) console.log(formatTable(benches, results, tails, cpu));
}

// The front-end rows need the tree-sitter WASM loaded first.
initFrontend().then(main, (error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 2;
});
