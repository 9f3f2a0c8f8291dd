import type { Finding, Severity } from '../rules/types';

export interface FileFindings {
  readonly file: string;
  readonly findings: readonly Finding[];
}

export interface FileError {
  readonly file: string;
  readonly message: string;
}

/** One finding in the JSON contract (1-based lines and columns, UTF-16 columns, end exclusive). */
export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  rule: string;
  severity: Severity;
  message: string;
}

export function toJsonFindings(results: readonly FileFindings[]): JsonFinding[] {
  return results.flatMap(({ file, findings }) =>
    findings.map((f) => ({
      file,
      line: f.span.start.line + 1,
      column: f.span.start.column + 1,
      endLine: f.span.end.line + 1,
      endColumn: f.span.end.column + 1,
      code: f.code,
      rule: f.rule,
      severity: f.severity,
      message: f.message,
    })),
  );
}

export function formatJson(results: readonly FileFindings[], errors: readonly FileError[]): string {
  return JSON.stringify({ version: 1, findings: toJsonFindings(results), errors }, null, 2) + '\n';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatText(results: readonly FileFindings[], errors: readonly FileError[], fileCount: number): string {
  const lines: string[] = [];
  const all = toJsonFindings(results);
  for (const f of all) {
    lines.push(`${f.file}:${f.line}:${f.column}: ${f.code} [${f.severity}] ${f.message} (${f.rule})`);
  }
  for (const e of errors) lines.push(`${e.file}: error: ${e.message}`);
  const bySeverity = (s: Severity) => all.filter((f) => f.severity === s).length;
  const counts = (['error', 'warning', 'info', 'hint'] as const)
    .map((s) => [s, bySeverity(s)] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => plural(n, s === 'info' ? 'info' : s).replace(/infos$/, 'info'));
  const summary =
    all.length === 0
      ? `No findings in ${plural(fileCount, 'file')}.`
      : `Found ${plural(all.length, 'finding')} (${counts.join(', ')}) in ${plural(fileCount, 'file')}.`;
  lines.push(errors.length > 0 ? `${summary} ${plural(errors.length, 'file')} could not be linted.` : summary);
  return lines.join('\n') + '\n';
}
