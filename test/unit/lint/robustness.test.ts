// Property tests: suppression comments, notebooks and the whole lint pipeline never throw on
// random edits of realistic input, and every finding stays inside the text it is reported on.
import * as assert from 'assert';
import fc from 'fast-check';
import { lintFileText } from '../../../src/lint/lintFile';
import { lintNotebook } from '../../../src/lint/notebook';
import type { NotebookCell } from '../../../src/parsing/notebook/ipynb';
import type { Finding } from '../../../src/rules/types';
import { applyFixes } from '../helpers/ruleTester';

const SOURCE = [
  'import torch.nn as nn',
  'g = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible, NRM301]',
  '# noqa: NRM401, E501',
  'b = nn.BatchNorm2d(8, momentum=0.9)  # noqa: NRM301',
  '%time x = 1',
  '!ls',
  's = "# normscope: ignore[NRM401]"',
  'c = nn.GroupNorm(2, 10)  # type: ignore  # normscope: ignore[x]',
  '',
].join('\n');

/** Random edits: deletions, insertions of syntax-heavy fragments, at random places. */
const edited = fc
  .array(
    fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 12 }),
      insert: fc.constantFrom('', '#', ' # noqa: NRM401', '[', ']', '\n', '"""', '%', '!', 'normscope: ignore[', ',', '\r\n', '\\\n', '\t', '😀', '(', ')'),
    }),
    { maxLength: 8 },
  )
  .map((edits) => {
    let text = SOURCE;
    for (const e of edits) {
      const at = e.at % (text.length + 1);
      text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
    }
    return text;
  });

function inside(text: string, f: Finding): void {
  assert.ok(f.span.startOffset >= 0 && f.span.startOffset <= f.span.endOffset && f.span.endOffset <= text.length, `${f.code} span outside the text`);
  for (const e of f.fix?.edits ?? []) assert.ok(e.span.startOffset >= 0 && e.span.endOffset <= text.length && e.span.startOffset <= e.span.endOffset);
}

describe('robustness (property tests)', () => {
  it('Python: random edits never throw, spans stay in the text, and applying the unused-suppression fixes gives text that still lints', () => {
    fc.assert(
      fc.property(edited, (text) => {
        const r = lintFileText('x.py', text);
        assert.ok(r.ok);
        assert.deepStrictEqual(r.failures, []);
        for (const f of r.findings) inside(text, f);
        const unused = r.findings.filter((f) => f.code === 'NRM901');
        const fixed = applyFixes(text, unused.filter((f, i) => !unused.slice(0, i).some((g) => g.fix && f.fix && g.fix.edits.some((a) => f.fix!.edits.some((b) => a.span.startOffset < b.span.endOffset && b.span.startOffset < a.span.endOffset)))));
        const again = lintFileText('x.py', fixed);
        assert.ok(again.ok);
      }),
      { numRuns: 150, seed: 20261126 },
    );
  });

  it('notebooks: random cells and random JSON never throw; findings land inside their cell', () => {
    const cell = fc.record({ kind: fc.constantFrom<NotebookCell['kind']>('code', 'markdown', 'raw'), source: edited });
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 5 }), (cells) => {
        const r = lintNotebook(cells);
        for (const f of r.findings) {
          assert.ok(f.cell !== undefined && cells[f.cell]?.kind === 'code');
          inside(cells[f.cell].source, f);
        }
      }),
      { numRuns: 100, seed: 7 },
    );
    fc.assert(
      fc.property(fc.json(), (json) => {
        const r = lintFileText('n.ipynb', json);
        assert.ok(r.ok || r.message.length > 0);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
