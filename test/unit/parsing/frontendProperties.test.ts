import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { lintPython } from '../../../src/lint/lint';
import { analysePythonFile } from '../../../src/parsing/python/analyse';

/** Property tests: random edits and truncations of the fixture models never make the front end or the rules throw. */
const dir = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'models');
const fixtures = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.py'))
  .sort()
  .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));

const PIECES = ['(', ')', '[', ']', ':', ',', '=', ' ', '\n', '    ', 'nn.BatchNorm2d(', 'self.', 'for i in range(', 'if ', 'def f(', 'class C(nn.Module):', '*', '"', "'", '#', '\\', '0', '1e', 'lambda', '\t', 'é', '😀'];

const edit = fc.record({
  fixture: fc.nat({ max: fixtures.length - 1 }),
  start: fc.double({ min: 0, max: 1, noNaN: true }),
  length: fc.nat({ max: 200 }),
  insert: fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((p) => p.join('')),
});

function apply(e: { fixture: number; start: number; length: number; insert: string }): string {
  const text = fixtures[e.fixture] ?? '';
  const at = Math.floor(e.start * text.length);
  return text.slice(0, at) + e.insert + text.slice(at + e.length);
}

describe('front end robustness (fast-check)', () => {
  it('random edits of fixture models never throw, and every finding lies inside the text', () => {
    fc.assert(
      fc.property(edit, (e) => {
        const text = apply(e);
        const result = lintPython(text);
        assert.deepStrictEqual(result.failures, []);
        for (const f of result.findings) assert.ok(f.span.startOffset >= 0 && f.span.endOffset <= text.length && f.span.startOffset <= f.span.endOffset);
      }),
      { numRuns: 40, seed: 20261126 },
    );
  });

  it('truncations at any point never throw', () => {
    fc.assert(
      fc.property(fc.nat({ max: fixtures.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), (i, cut) => {
        const text = fixtures[i] ?? '';
        analysePythonFile(text.slice(0, Math.floor(cut * text.length)));
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it('arbitrary unicode text never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        lintPython(s);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});
