// The bench harness behind `npm run bench` (DESIGN.md contract 5). Each area has its own
// `bench/<area>.bench.ts` exporting `benches: Bench[]`; bench/run.ts lists the areas. A row is
// timed in this process only: numbers worth comparing are ratios between rows of the same run
// (`baseline`), never absolute times across machines.

/** One row of the bench table. */
export interface Bench {
  /** Fixed by the issue asking for the row, e.g. `forward/batch_norm/32x64x32x32`. */
  name: string;
  /** Another row's name in the same run: `ratio` = this row's median / that row's median. */
  baseline?: string;
  /** Runs once before timing (allocations, a forward pass whose cache a backward row needs). */
  setup?: () => void;
  /** The timed work. */
  fn: () => void;
  /** Bytes read + written by one call of `fn`: the table shows effective GB/s. */
  bytes?: number;
  /** Floating-point operations in one call of `fn`: the table shows GFLOP/s. */
  flops?: number;
  /** Minimum number of samples for this row, when more than the run's (a tail figure needs them). */
  minSamples?: number;
  /**
   * Minimum number of untimed calls before the samples, when the run's warm-up time is not
   * enough: a row that stands for a steady state (keystrokes in a file the editor has been
   * re-analysing) must not time the JIT compiling its code paths for the first time.
   */
  warmupCalls?: number;
}

/**
 * CPU time per call of a row (this process's threads: the garbage collector's helpers too): its
 * median and 95th percentile, which move less with the machine's load than the wall times do.
 */
export interface CpuFigures {
  median_ms: number;
  p95_ms: number;
}

/** One measured row; the JSON output line has exactly these fields. */
export interface BenchResult {
  bench: string;
  n: number;
  median_ms: number;
  baseline: string | null;
  ratio: number | null;
}

export interface MeasureOptions {
  /** Minimum total time of the timed samples, in ms. */
  minTimeMs: number;
  /** Minimum number of samples. */
  minSamples: number;
  /** Warm-up time (lets the JIT optimise `fn`), in ms. */
  warmupMs: number;
}

export const DEFAULT_OPTIONS: MeasureOptions = { minTimeMs: 600, minSamples: 7, warmupMs: 150 };

const MAX_SAMPLES = 2000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 95th percentile (nearest rank) of the samples. */
function percentile95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)];
}

/** CPU time of this process so far (user + system, every thread: the garbage collector's helpers too), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Times `bench.fn`: setup once, warm up (for `warmupMs` and at least `warmupCalls` calls), then
 * samples until both `minTimeMs` and `minSamples` are reached. A call shorter than ~1 ms is repeated inside one sample so that the timer's
 * resolution does not dominate. Returns the number of calls timed, the median time per call, the
 * 95th percentile of the samples (of single calls when a call takes 1 ms or more) and the median
 * CPU time per call. On a shared machine the wall time also counts the time other processes held
 * the cores; the CPU time counts only this process's work (including garbage collection on
 * helper threads), so it moves less with the machine's load.
 */
export function measure(bench: Bench, options: MeasureOptions = DEFAULT_OPTIONS): { n: number; median_ms: number; p95_ms: number; cpu: CpuFigures } {
  const minSamples = Math.max(options.minSamples, bench.minSamples ?? 0);
  bench.setup?.();
  let start = performance.now();
  let calls = 0;
  do {
    bench.fn();
    calls++;
  } while (calls < Math.max(3, bench.warmupCalls ?? 0) || performance.now() - start < options.warmupMs);
  const perCall = (performance.now() - start) / calls;
  const reps = Math.max(1, Math.min(10000, Math.ceil(1 / Math.max(perCall, 1e-6))));
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  let total = 0;
  while ((samples.length < minSamples || total < options.minTimeMs) && samples.length < MAX_SAMPLES) {
    const cpuStart = cpuMs();
    start = performance.now();
    for (let r = 0; r < reps; r++) bench.fn();
    const elapsed = performance.now() - start;
    cpuSamples.push((cpuMs() - cpuStart) / reps);
    total += elapsed;
    samples.push(elapsed / reps);
  }
  return { n: samples.length * reps, median_ms: median(samples), p95_ms: percentile95(samples), cpu: { median_ms: median(cpuSamples), p95_ms: percentile95(cpuSamples) } };
}

/** Rows whose name contains one of `filters` (all rows without filters), plus their baselines. */
export function selectBenches(all: readonly Bench[], filters: readonly string[]): Bench[] {
  const byName = new Map<string, Bench>();
  for (const b of all) {
    if (byName.has(b.name)) throw new Error(`bench: two rows are named ${b.name}`);
    byName.set(b.name, b);
  }
  for (const b of all) {
    if (b.baseline !== undefined && !byName.has(b.baseline)) {
      throw new Error(`bench: row ${b.name} names baseline ${b.baseline}, which is no row`);
    }
  }
  const wanted = new Set<string>();
  for (const b of all) {
    if (filters.length === 0 || filters.some((f) => b.name.includes(f))) {
      wanted.add(b.name);
      if (b.baseline !== undefined) wanted.add(b.baseline);
    }
  }
  return all.filter((b) => wanted.has(b.name));
}

/**
 * Runs `benches` in order; `onResult` sees each row as soon as it and its baseline are measured.
 * `tails` and `cpu`, when given, receive each row's 95th percentile and its CPU figures (for the
 * table; the JSON lines keep their fixed fields).
 */
export function runBenches(
  benches: readonly Bench[],
  options: MeasureOptions = DEFAULT_OPTIONS,
  onResult?: (r: BenchResult) => void,
  tails?: Map<string, number>,
  cpu?: Map<string, CpuFigures>,
): BenchResult[] {
  const medians = new Map<string, number>();
  const results: BenchResult[] = [];
  const pending: Bench[] = [];
  const flush = (): void => {
    for (let i = 0; i < pending.length; i++) {
      const b = pending[i];
      if (b.baseline !== undefined && !medians.has(b.baseline)) continue;
      const m = medians.get(b.name)!;
      const base = b.baseline !== undefined ? medians.get(b.baseline)! : undefined;
      const result: BenchResult = {
        bench: b.name,
        n: resultsN.get(b.name)!,
        median_ms: round(m),
        baseline: b.baseline ?? null,
        ratio: base !== undefined ? round(m / base) : null,
      };
      results.push(result);
      onResult?.(result);
      pending.splice(i, 1);
      i--;
    }
  };
  const resultsN = new Map<string, number>();
  for (const b of benches) {
    const { n, median_ms, p95_ms, cpu: cpuFigures } = measure(b, options);
    medians.set(b.name, median_ms);
    tails?.set(b.name, round(p95_ms));
    cpu?.set(b.name, { median_ms: round(cpuFigures.median_ms), p95_ms: round(cpuFigures.p95_ms) });
    resultsN.set(b.name, n);
    pending.push(b);
    flush();
  }
  return results;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

/** Effective bandwidth in GB/s (1e9 bytes per second) of a row, or null without `bytes`. */
export function gigabytesPerSecond(bench: Bench, medianMs: number): number | null {
  return bench.bytes === undefined || medianMs <= 0 ? null : bench.bytes / (medianMs * 1e6);
}

/** GFLOP/s of a row, or null without `flops`. */
export function gigaflopsPerSecond(bench: Bench, medianMs: number): number | null {
  return bench.flops === undefined || medianMs <= 0 ? null : bench.flops / (medianMs * 1e6);
}

/**
 * The human-readable table: one line per row with its 95th percentile and its CPU time's median
 * and 95th percentile (when `tails` and `cpu` have them), effective GB/s and GFLOP/s where the row declares its bytes or
 * flops, and `of copy` = its GB/s over the `copy/8MiB` row's GB/s.
 */
export function formatTable(benches: readonly Bench[], results: readonly BenchResult[], tails?: ReadonlyMap<string, number>, cpu?: ReadonlyMap<string, CpuFigures>): string {
  const byName = new Map(benches.map((b) => [b.name, b]));
  const copyResult = results.find((r) => r.bench === COPY_ROW);
  const copyBench = byName.get(COPY_ROW);
  const copyGbps = copyResult && copyBench ? gigabytesPerSecond(copyBench, copyResult.median_ms) : null;
  const header = ['bench', 'n', 'median ms', 'p95 ms', 'cpu ms', 'cpu p95', 'baseline', 'ratio', 'GB/s', 'of copy', 'GFLOP/s'];
  const ms = (x: number) => x.toFixed(x < 1 ? 4 : 2);
  const rows = results.map((r) => {
    const b = byName.get(r.bench)!;
    const gbps = gigabytesPerSecond(b, r.median_ms);
    const gflops = gigaflopsPerSecond(b, r.median_ms);
    return [
      r.bench,
      String(r.n),
      ms(r.median_ms),
      tails?.has(r.bench) ? ms(tails.get(r.bench) as number) : '',
      cpu?.has(r.bench) ? ms((cpu.get(r.bench) as CpuFigures).median_ms) : '',
      cpu?.has(r.bench) ? ms((cpu.get(r.bench) as CpuFigures).p95_ms) : '',
      r.baseline ?? '',
      r.ratio === null ? '' : r.ratio.toFixed(3),
      gbps === null ? '' : gbps.toFixed(2),
      gbps === null || copyGbps === null ? '' : (gbps / copyGbps).toFixed(2),
      gflops === null ? '' : gflops.toFixed(2),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The memory-bandwidth reference row (owned by bench/engine.bench.ts). */
export const COPY_ROW = 'copy/8MiB';
