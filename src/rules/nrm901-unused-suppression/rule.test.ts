import * as assert from 'assert';
import { applyFixes } from '../../../test/unit/helpers/ruleTester';
import { lintPython } from '../../lint/lint';
import { RULES } from '../catalogue';
import type { LintConfig } from '../config';
import { EMPTY_CONFIG } from '../config';

const HEAD = 'import torch.nn as nn\n';
const GN_BAD = 'nn.GroupNorm(3, 10)';
const GN_OK = 'nn.GroupNorm(2, 10)';

function lint(code: string, config: LintConfig = EMPTY_CONFIG) {
  const r = lintPython(code, config, RULES);
  assert.deepStrictEqual(r.failures, []);
  return r.findings;
}
const codes = (code: string, config?: LintConfig) => lint(code, config).map((f) => `${f.code}@${f.span.start.line + 1}`);
function nrm901(code: string, config?: LintConfig) {
  return lint(code, config).filter((f) => f.code === 'NRM901');
}
/** Applies the NRM901 fixes and returns the text. */
function fixed(code: string): string {
  return applyFixes(code, nrm901(code));
}

describe('suppression comments', () => {
  it('`# normscope: ignore[...]` at the end of the line, by name or code, in any case', () => {
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}\n`), ['NRM401@2']);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # normscope: ignore[groupnorm-groups-indivisible]\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # normscope: ignore[NRM401]\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # normscope: ignore[nrm401]\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  #normscope:ignore[ NRM401 ]\n`), []);
  });

  it('alone on the line above the code line it covers (stacked comments skipped, a blank line stops it)', () => {
    assert.deepStrictEqual(codes(HEAD + `# normscope: ignore[NRM401]\ng = ${GN_BAD}\n`), []);
    assert.deepStrictEqual(codes(HEAD + `    # normscope: ignore[NRM401]\n# the paper uses 3 groups\ng = ${GN_BAD}\n`), []);
    assert.deepStrictEqual(codes(HEAD + `# normscope: ignore[NRM401]\n\ng = ${GN_BAD}\n`), ['NRM901@2', 'NRM401@4']);
    // A comment that only mentions the tool (no directive) is stacked like any other, and is no directive itself.
    assert.deepStrictEqual(codes(HEAD + `# normscope: ignore[NRM401]\n# NormScope flags this; noqa-style lists work too\ng = ${GN_BAD}\n`), []);
    assert.deepStrictEqual(codes(HEAD + `# Checked by NormScope (see normscope.toml)\ng = ${GN_BAD}\n`), ['NRM401@3']);
    // Inside a multi-line call.
    assert.deepStrictEqual(codes(HEAD + `m = nn.Sequential(\n    # normscope: ignore[NRM401]\n    ${GN_BAD},\n)\n`), []);
  });

  it('covers only the named rule and only the start line', () => {
    const two = HEAD + `g = ${GN_BAD}; b = nn.BatchNorm2d(8, momentum=0.9)  # normscope: ignore[NRM401]\n`;
    assert.deepStrictEqual(codes(two), ['NRM301@2']);
    const both = HEAD + `g = ${GN_BAD}; b = nn.BatchNorm2d(8, momentum=0.9)  # normscope: ignore[NRM401, keras-momentum-in-torch]\n`;
    assert.deepStrictEqual(codes(both), []);
    // The finding starts on line 3; a comment on line 2 (the open paren) does not cover it.
    const multi = HEAD + `b = nn.BatchNorm2d(  # normscope: ignore[NRM301]\n    8, momentum=0.9)\n`;
    assert.deepStrictEqual(codes(multi), ['NRM901@2', 'NRM301@3']);
  });

  it('`# noqa: CODE` works (comma or space lists, other tools\' codes alongside); a bare `# noqa` suppresses nothing', () => {
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # noqa: NRM401\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # noqa: E501, NRM401\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # noqa:E501 NRM401\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # noqa\n`), ['NRM401@2']);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}  # NOQA: NRM301\n`), ['NRM401@2', 'NRM901@2']);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_OK}  # noqa: E501\n`), []);
  });

  it('reads comments, never strings: a `#` inside a string is no directive', () => {
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_BAD}; s = "# normscope: ignore[NRM401]"\n`), ['NRM401@2']);
    assert.deepStrictEqual(codes(HEAD + `doc = """\n# noqa: NRM401\n"""\ng = ${GN_BAD}\n`), ['NRM401@5']);
  });

  it('works with CRLF line endings and after a syntax error', () => {
    assert.deepStrictEqual(codes(`${HEAD.trim()}\r\n# normscope: ignore[NRM401]\r\ng = ${GN_BAD}\r\n`), []);
    assert.deepStrictEqual(codes(HEAD + `def f(:\n    pass\ng = ${GN_BAD}  # noqa: NRM401\n`), []);
  });
});

describe('NRM901 unused-suppression', () => {
  it('reports an entry whose rule found nothing on the line, anchored on the directive', () => {
    const code = HEAD + `g = ${GN_OK}  # normscope: ignore[NRM401]\n`;
    const [f] = nrm901(code);
    assert.ok(f);
    assert.strictEqual(f.messageId, 'unused');
    assert.strictEqual(f.severity, 'warning');
    assert.strictEqual(code.slice(f.span.startOffset, f.span.endOffset), '# normscope: ignore[NRM401]');
    assert.match(f.message, /`NRM401` reported nothing on line 2/);
    assert.strictEqual(fixed(code), HEAD + `g = ${GN_OK}\n`);
    assert.strictEqual(f.fix?.safe, true);
  });

  it('names unknown rules, empty lists and comments that cover no line', () => {
    const unknown = HEAD + `g = ${GN_BAD}  # normscope: ignore[NRM401, groupnorm-indivisible]\n`;
    assert.deepStrictEqual(nrm901(unknown).map((f) => f.messageId), ['unknown']);
    assert.strictEqual(fixed(unknown), HEAD + `g = ${GN_BAD}  # normscope: ignore[NRM401]\n`);
    assert.deepStrictEqual(nrm901(HEAD + `g = ${GN_OK}  # noqa: NRM999\n`).map((f) => f.messageId), ['unknown']);
    assert.deepStrictEqual(nrm901(HEAD + `g = ${GN_OK}  # normscope: ignore[x, NRM301]\n`).map((f) => f.messageId), ['unusedAndUnknown']);
    const bare = HEAD + `g = ${GN_BAD}  # normscope: ignore\n`;
    assert.deepStrictEqual(lint(bare).map((f) => f.messageId), ['indivisible', 'noRules']);
    assert.strictEqual(fixed(bare), HEAD + `g = ${GN_BAD}\n`);
    const dangling = HEAD + `g = ${GN_OK}\n# normscope: ignore[NRM401]\n`;
    assert.deepStrictEqual(nrm901(dangling).map((f) => f.messageId), ['noCodeLine']);
    assert.strictEqual(fixed(dangling), HEAD + `g = ${GN_OK}\n`);
  });

  it('says nothing about rules that did not run, nor about other tools\' codes', () => {
    const code = HEAD + `g = ${GN_OK}  # noqa: E501, NRM401\n`;
    assert.strictEqual(nrm901(code).length, 1);
    assert.deepStrictEqual(nrm901(code, { ignore: ['NRM401'], rules: {} }), []);
    assert.deepStrictEqual(nrm901(code, { select: ['NRM3', 'NRM9'], rules: {} }), []);
    assert.deepStrictEqual(nrm901(code, { rules: { 'groupnorm-groups-indivisible': { severity: 'off', options: {} } } }), []);
    // unused-suppression itself disabled: nothing reported.
    assert.deepStrictEqual(nrm901(code, { ignore: ['unused-suppression'], rules: {} }), []);
  });

  it('can itself be suppressed, and entries naming it are never reported', () => {
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_OK}  # noqa: NRM401, NRM901\n`), []);
    assert.deepStrictEqual(codes(HEAD + `g = ${GN_OK}  # normscope: ignore[unused-suppression]\n`), []);
  });

  it('follows the configured severity', () => {
    const code = HEAD + `g = ${GN_OK}  # noqa: NRM401\n`;
    assert.strictEqual(nrm901(code, { rules: { NRM901: { severity: 'info', options: {} } } })[0]?.severity, 'info');
  });

  describe('fixes (safe: they remove only what suppresses nothing)', () => {
    const cases: [string, string, string][] = [
      ['trailing comment: the comment and the space before it', `g = ${GN_OK}  # noqa: NRM401\n`, `g = ${GN_OK}\n`],
      ['own-line comment: the whole line', `# normscope: ignore[NRM401]\ng = ${GN_OK}\n`, `g = ${GN_OK}\n`],
      ['keeps used entries', `g = ${GN_BAD}  # normscope: ignore[NRM401, NRM301]\n`, `g = ${GN_BAD}  # normscope: ignore[NRM401]\n`],
      ['keeps other tools\' codes, never leaving a bare noqa', `g = ${GN_OK}  # noqa: E501, NRM401\n`, `g = ${GN_OK}  # noqa: E501\n`],
      ['keeps the order of the remaining codes', `g = ${GN_OK}  # noqa: E501,NRM401 F401\n`, `g = ${GN_OK}  # noqa: E501, F401\n`],
      ['leaves another comment before the directive', `g = ${GN_OK}  # type: ignore  # noqa: NRM401\n`, `g = ${GN_OK}  # type: ignore\n`],
      ['leaves another comment after the directive', `g = ${GN_OK}  # noqa: NRM401  # type: ignore\n`, `g = ${GN_OK}  # type: ignore\n`],
      ['removes the explanation that belongs to the directive', `g = ${GN_OK}  # normscope: ignore[NRM401] -- 3 groups on purpose\n`, `g = ${GN_OK}\n`],
      ['last line without a line break', `g = ${GN_OK}\n# normscope: ignore[NRM401]`, `g = ${GN_OK}`],
      ['CRLF', `g = ${GN_OK}\r\n# normscope: ignore[NRM401]\r\ng = 1\r\n`, `g = ${GN_OK}\r\ng = 1\r\n`],
    ];
    for (const [name, before, after] of cases) {
      it(name, () => {
        assert.strictEqual(fixed(HEAD + before), HEAD + after);
        assert.deepStrictEqual(codes(HEAD + after).filter((c) => c.startsWith('NRM901')), []);
      });
    }
  });
});
