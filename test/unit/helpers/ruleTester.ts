import * as assert from 'assert';
import { analysePython } from '../../../src/lint/lint';
import { EMPTY_CONFIG, type LintConfig } from '../../../src/rules/config';
import { runRules } from '../../../src/rules/runner';
import type { Finding, Rule, Severity } from '../../../src/rules/types';

export interface ExpectedFinding {
  readonly messageId: string;
  /** 1-based, like the CLI's JSON; `endColumn` exclusive. */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly severity?: Severity;
  /** Substrings the message must contain. */
  readonly messageIncludes?: readonly string[];
  /** Whether the finding's fix is marked safe (checked when given). */
  readonly fixSafe?: boolean;
  /** Substrings the fix's title must contain. */
  readonly fixTitleIncludes?: readonly string[];
}

export interface ValidCase {
  readonly name?: string;
  readonly code: string;
  readonly config?: LintConfig;
}

export interface InvalidCase extends ValidCase {
  readonly findings: readonly ExpectedFinding[];
  /** The text after applying every fix; undefined asserts that no fix is offered. */
  readonly output?: string;
}

/** Applies the fixes of `findings` to `text` (edits must not overlap). */
export function applyFixes(text: string, findings: readonly Finding[]): string {
  const edits = findings.flatMap((f) => f.fix?.edits ?? []).sort((a, b) => b.span.startOffset - a.span.startOffset);
  let out = text;
  for (const e of edits) out = out.slice(0, e.span.startOffset) + e.newText + out.slice(e.span.endOffset);
  return out;
}

export function lintWith(rule: Rule, code: string, config: LintConfig = EMPTY_CONFIG): Finding[] {
  const run = runRules([rule], analysePython(code), code, config);
  assert.deepStrictEqual(run.failures, [], 'the rule must not throw');
  return run.findings;
}

/** ESLint-style table tests: every valid case yields nothing; every invalid case exactly its findings. */
export function ruleTests(rule: Rule, cases: { valid: readonly (string | ValidCase)[]; invalid: readonly InvalidCase[] }): void {
  describe(`${rule.meta.code} ${rule.meta.name}`, () => {
    describe('valid', () => {
      cases.valid.forEach((c, i) => {
        const valid = typeof c === 'string' ? { code: c } : c;
        it(valid.name ?? `valid #${i + 1}`, () => {
          const findings = lintWith(rule, valid.code, valid.config);
          assert.deepStrictEqual(findings.map((f) => `${f.messageId}: ${f.message}`), []);
        });
      });
    });
    describe('invalid', () => {
      cases.invalid.forEach((c, i) => {
        it(c.name ?? `invalid #${i + 1}`, () => {
          const findings = lintWith(rule, c.code, c.config);
          const actual = findings.map((f) => ({
            messageId: f.messageId,
            line: f.span.start.line + 1,
            column: f.span.start.column + 1,
            endLine: f.span.end.line + 1,
            endColumn: f.span.end.column + 1,
          }));
          const expected = c.findings.map(({ messageId, line, column, endLine, endColumn }) => ({ messageId, line, column, endLine, endColumn }));
          assert.deepStrictEqual(actual, expected);
          c.findings.forEach((e, k) => {
            const f = findings[k];
            assert.strictEqual(f.code, rule.meta.code);
            assert.strictEqual(f.severity, e.severity ?? rule.meta.defaultSeverity);
            for (const part of e.messageIncludes ?? []) assert.ok(f.message.includes(part), `message "${f.message}" lacks "${part}"`);
            if (e.fixSafe !== undefined) assert.strictEqual(f.fix?.safe, e.fixSafe, 'fix safety');
            for (const part of e.fixTitleIncludes ?? []) assert.ok(f.fix?.title.includes(part), `fix title "${f.fix?.title}" lacks "${part}"`);
          });
          if (c.output === undefined) {
            assert.ok(findings.every((f) => f.fix === undefined), 'no fix expected');
          } else {
            assert.strictEqual(applyFixes(c.code, findings), c.output);
          }
        });
      });
    });
  });
}
