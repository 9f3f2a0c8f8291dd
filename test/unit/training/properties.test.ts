import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { analysePython, lintPython } from '../../../src/lint/lint';

const ROOT = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'training');
const SOURCES = [...['clean', 'buggy'].map((k) => path.join(ROOT, k)), path.join(ROOT, '..', '..', '..', 'examples')].flatMap((dir) =>
  fs.readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')),
);

/** Fragments that make edits land on interesting syntax. */
const FRAGMENTS = ['(', ')', ':', '\n', '    ', 'model.eval()', 'model.train(', 'with torch.no_grad():', 'for x in loader:', 'optimizer.step()', 'def f(model):', 'return', 'if ', 'else:', '"', "'''", '#', '\\', 'lambda: ', '= DataLoader(ds, batch_size=', '.backward()', 'break', 'continue', 'yield', 'async ', '@torch.no_grad()\n', 'class A(nn.Module):', '😀', '\t'];

const edit = fc.record({
  source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
  edits: fc.array(
    fc.record({
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      remove: fc.integer({ min: 0, max: 40 }),
      insert: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 8 })),
    }),
    { minLength: 1, maxLength: 6 },
  ),
});

function apply(text: string, edits: { at: number; remove: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const i = Math.floor(e.at * out.length);
    out = out.slice(0, i) + e.insert + out.slice(i + e.remove);
  }
  return out;
}

describe('training IR properties', () => {
  it('random edits of the fixtures never make the front end or the rules throw', () => {
    fc.assert(
      fc.property(edit, ({ source, edits }) => {
        const text = apply(SOURCES[source] ?? '', edits);
        const ir = analysePython(text);
        assert.ok(Array.isArray(ir.training.sites));
        const result = lintPython(text);
        assert.deepStrictEqual(result.failures, []);
        for (const f of result.findings) assert.ok(f.span.startOffset <= f.span.endOffset && f.span.endOffset <= text.length);
      }),
      { numRuns: 60, seed: 20261126 },
    );
  });

  it('every span in the training IR lies inside the text', () => {
    fc.assert(
      fc.property(edit, ({ source, edits }) => {
        const text = apply(SOURCES[source] ?? '', edits);
        const walk = (v: unknown): void => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === 'object') {
            const o = v as Record<string, unknown>;
            if (typeof o.startOffset === 'number' && typeof o.endOffset === 'number') {
              assert.ok(o.startOffset >= 0 && o.startOffset <= o.endOffset && o.endOffset <= text.length, `span ${o.startOffset}-${o.endOffset} outside ${text.length}`);
            }
            Object.values(o).forEach(walk);
          }
        };
        walk(analysePython(text).training);
      }),
      { numRuns: 40, seed: 7 },
    );
  });
});
