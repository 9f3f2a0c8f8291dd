import * as assert from 'assert';
import * as fc from 'fast-check';
import { channelMeans, deadFraction, gap, histogram, meanColumnStd, sharedRange, summarize } from '../../../src/simulation/stats';

describe('simulation statistics', () => {
  it('summarizes with a two-pass variance that survives a large mean', () => {
    const values = new Float64Array(1000);
    for (let i = 0; i < values.length; i++) values[i] = 1e8 + (i % 2 === 0 ? 1 : -1);
    const s = summarize(values);
    assert.strictEqual(s.mean, 1e8);
    assert.ok(Math.abs(s.std - 1) < 1e-9, `std ${s.std}`);
    assert.strictEqual(s.min, 1e8 - 1);
    assert.strictEqual(s.max, 1e8 + 1);
  });

  it('summarizes an empty array as zeros', () => {
    assert.deepStrictEqual(summarize([]), { mean: 0, std: 0, min: 0, max: 0 });
  });

  it('histogram fractions sum to 1 and put each value in its bin', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 2, max: 50 }), (xs, bins) => {
        const s = summarize(xs);
        const { lo, hi } = sharedRange(s, s);
        const h = histogram(xs, lo, hi, bins);
        const total = h.reduce((a, b) => a + b, 0);
        return h.length === bins && Math.abs(total - 1) < 1e-9;
      }),
    );
    assert.deepStrictEqual(histogram([0, 0.5, 1, 3.9, 4], 0, 4, 4), [0.4, 0.2, 0, 0.4]);
  });

  it('widens a degenerate range so bins have a width', () => {
    const s = summarize([2, 2, 2]);
    const r = sharedRange(s, s);
    assert.ok(r.hi > r.lo);
    assert.deepStrictEqual(histogram([2, 2, 2], r.lo, r.hi, 3), [0, 1, 0]);
  });

  it('counts a unit dead only when it is zero for every sample', () => {
    // batch 2, 4 units: unit 0 dead, unit 1 alive in one sample, units 2-3 alive.
    assert.strictEqual(deadFraction([0, 0, 1, 2, 0, 3, 1, 2], 2), 0.25);
    assert.strictEqual(deadFraction([0, 0, 0, 0], 2), 1);
  });

  it('computes per-channel means over batch and positions', () => {
    // [batch 2, channels 2, inner 2]
    const m = channelMeans([1, 3, 10, 10, 5, 7, 20, 30], 2, 2);
    assert.deepStrictEqual([...m], [4, 17.5]);
  });

  it('averages the per-column std over steps (unbiased over steps)', () => {
    const rows = [new Float64Array([0, 10]), new Float64Array([2, 10])];
    assert.strictEqual(meanColumnStd(rows), Math.SQRT2 / 2);
    assert.strictEqual(meanColumnStd([new Float64Array([1])]), 0);
  });

  it('measures the train/eval gap in units of the inference std', () => {
    assert.strictEqual(gap({ mean: 0 }, { mean: 0.5, std: 2 }), 0.25);
    assert.strictEqual(gap({ mean: 1 }, { mean: 1, std: 0 }), 0);
    assert.strictEqual(gap({ mean: 1 }, { mean: 2, std: 0 }), Infinity);
  });
});
