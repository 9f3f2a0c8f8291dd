import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { formatTable, measure, runBenches, selectBenches, type Bench } from '../../../bench/harness';

const quick = { minTimeMs: 5, minSamples: 3, warmupMs: 1 };

function busy(ms: number): () => void {
  return () => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // spin
    }
  };
}

describe('bench harness', () => {
  it('runs setup once and times at least minSamples calls', () => {
    let setups = 0;
    let calls = 0;
    const r = measure({ name: 'x', setup: () => setups++, fn: () => calls++ }, quick);
    assert.strictEqual(setups, 1);
    assert.ok(r.n >= 3 && calls >= r.n);
    assert.ok(r.median_ms >= 0);
  });

  it("makes at least the row's warmupCalls untimed calls before the samples", () => {
    let calls = 0;
    // 0.2 ms a call: the run's 1 ms warm-up alone would make about five.
    const r = measure({ name: 'x', warmupCalls: 50, fn: () => { calls++; busy(0.2)(); } }, quick);
    assert.ok(calls >= 50 + r.n, `calls ${calls}, timed ${r.n}`);
  });

  it('computes ratios against the baseline row of the same run', () => {
    const benches: Bench[] = [
      { name: 'slow', fn: busy(2) },
      { name: 'fast', baseline: 'slow', fn: busy(1), bytes: 1e6 },
    ];
    const results = runBenches(benches, quick);
    assert.deepStrictEqual(results.map((r) => Object.keys(r)), [
      ['bench', 'n', 'median_ms', 'baseline', 'ratio'],
      ['bench', 'n', 'median_ms', 'baseline', 'ratio'],
    ]);
    const fast = results.find((r) => r.bench === 'fast')!;
    assert.strictEqual(fast.baseline, 'slow');
    const slow = results.find((r) => r.bench === 'slow')!;
    assert.ok(fast.ratio !== null && Math.abs(fast.ratio - fast.median_ms / slow.median_ms) <= 2e-3 * fast.ratio, `ratio ${fast.ratio}`);
    assert.strictEqual(slow.ratio, null);
    const table = formatTable(benches, results);
    assert.match(table, /^bench\s+n\s+median ms/);
    assert.match(table, /fast .* slow/);
  });

  it("reports each row's 95th percentile in the table (not in the JSON fields), over at least the row's own minSamples", () => {
    let call = 0;
    // One call in ten is slow: the median stays fast, the 95th percentile is the slow one.
    const spiky: Bench = { name: 'spiky', minSamples: 40, fn: () => busy(call++ % 10 === 9 ? 6 : 1)() };
    const tails = new Map<string, number>();
    const results = runBenches([spiky], quick, undefined, tails);
    assert.ok(results[0].n >= 40, `n ${results[0].n}`);
    assert.deepStrictEqual(Object.keys(results[0]), ['bench', 'n', 'median_ms', 'baseline', 'ratio']);
    const p95 = tails.get('spiky') ?? 0;
    assert.ok(results[0].median_ms < 3 && p95 >= 5, `median ${results[0].median_ms}, p95 ${p95}`);
    assert.match(formatTable([spiky], results, tails), /^bench\s+n\s+median ms\s+p95 ms/);
  });

  it('reports the median CPU time per call in the table: the work of this process, not the time others held the cores', () => {
    // In a process of its own: process CPU time counts every thread, and other suites leave
    // worker threads running in this one. A row that sleeps 3 ms (no CPU) and one that does a
    // fixed amount of work (CPU only).
    const script = `
      const { runBenches, formatTable } = require(${JSON.stringify(path.resolve(__dirname, '../../../bench/harness.js'))});
      let sink = 0;
      const rows = [
        { name: 'sleeps', fn: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3) },
        { name: 'works', fn: () => { for (let i = 0; i < 2e6; i++) sink = (sink + Math.sqrt(i)) % 1e9; } },
      ];
      const tails = new Map(), cpu = new Map();
      const results = runBenches(rows, { minTimeMs: 5, minSamples: 3, warmupMs: 1 }, undefined, tails, cpu);
      console.log(JSON.stringify({ results, cpu: [...cpu], table: formatTable(rows, results, tails, cpu), sink }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { results: { median_ms: number }[]; cpu: [string, { median_ms: number; p95_ms: number }][]; table: string };
    const cpu = new Map(out.cpu);
    assert.ok(out.results[0].median_ms >= 2.5, `sleeper wall ${out.results[0].median_ms}`);
    const sleeping = cpu.get('sleeps') ?? { median_ms: 99, p95_ms: 99 };
    const working = cpu.get('works') ?? { median_ms: 0, p95_ms: 0 };
    assert.ok(sleeping.median_ms < 1 && sleeping.p95_ms < 1, `sleeper cpu ${JSON.stringify(sleeping)}`);
    assert.ok(working.median_ms > 0.2 && working.median_ms > 5 * sleeping.median_ms, `worker cpu ${working.median_ms}, sleeper cpu ${sleeping.median_ms}`);
    assert.ok(working.p95_ms >= working.median_ms, `worker cpu p95 ${working.p95_ms} < median ${working.median_ms}`);
    assert.match(out.table, /^bench\s+n\s+median ms\s+p95 ms\s+cpu ms\s+cpu p95/);
    assert.deepStrictEqual(Object.keys(out.results[0]), ['bench', 'n', 'median_ms', 'baseline', 'ratio']);
  });

  it('keeps the baselines of the selected rows and refuses unknown or duplicate names', () => {
    const benches: Bench[] = [
      { name: 'naive/a', fn: () => undefined },
      { name: 'forward/a', baseline: 'naive/a', fn: () => undefined },
      { name: 'forward/b', fn: () => undefined },
    ];
    assert.deepStrictEqual(selectBenches(benches, ['forward/a']).map((b) => b.name), ['naive/a', 'forward/a']);
    assert.strictEqual(selectBenches(benches, []).length, 3);
    assert.throws(() => selectBenches([{ name: 'a', baseline: 'nope', fn: () => undefined }], []), /nope/);
    assert.throws(() => selectBenches([benches[0], benches[0]], []), /two rows/);
  });
});
