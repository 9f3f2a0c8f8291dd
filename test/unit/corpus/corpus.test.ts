// Precision corpus: every rule over realistic, clean look-alikes of well-known code
// (test/fixtures/corpus/README.md). A finding here is a false positive.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { lintFileText } from '../../../src/lint/lintFile';
import { RULES } from '../../../src/rules/catalogue';

const CORPUS = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'corpus');
const files = fs
  .readdirSync(CORPUS)
  .filter((f) => f.endsWith('.py') || f.endsWith('.ipynb'))
  .sort();

/** A line every file can take at its end that one rule certainly reports: proof the file was linted at all. */
const PROBE = '_normscope_probe = torch.nn.GroupNorm(3, 10)\n';

function withProbe(file: string, text: string): string {
  if (!file.endsWith('.ipynb')) return `${text.endsWith('\n') ? text : `${text}\n`}${PROBE}`;
  const nb = JSON.parse(text) as { cells: { cell_type: string; source: string[] | string; metadata: object }[] };
  nb.cells.push({ cell_type: 'code', metadata: {}, source: [PROBE] });
  return JSON.stringify(nb);
}

describe('precision corpus: all rules, realistic clean code, zero findings', () => {
  it('has files', () => assert.ok(files.length >= 8, files.join(', ')));

  for (const file of files) {
    it(file, () => {
      const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
      const result = lintFileText(file, text, { config: { rules: {} }, rules: RULES });
      assert.ok(result.ok, result.ok ? '' : result.message);
      assert.deepStrictEqual(result.failures, [], 'no rule may crash');
      assert.deepStrictEqual(
        result.findings.map((f) => `${f.cell !== undefined ? `cell ${f.cell + 1}:` : ''}${f.span.start.line + 1}:${f.span.start.column + 1} ${f.code} ${f.message}`),
        [],
      );
      const probed = lintFileText(file, withProbe(file, text), { config: { rules: {} }, rules: RULES });
      assert.ok(probed.ok && probed.findings.some((f) => f.code === 'NRM401'), 'the probe line is reported (the file really is linted)');
    });
  }
});
