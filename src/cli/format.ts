import type { CellLocator } from '../parsing/notebook/ipynbPositions';
import type { Finding, Severity } from '../rules/types';

export interface FileFindings {
  readonly file: string;
  readonly findings: readonly Finding[];
  /** For a notebook: maps a position inside a cell to the .ipynb file's own text (used by SARIF). */
  readonly locate?: CellLocator;
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
  /** Extension for notebooks: the 1-based position of the cell among all the notebook's cells. */
  cell?: number;
  /** Extension: the rest of the evidence (same position conventions), when there is any. */
  related?: JsonRelated[];
}

export interface JsonRelated {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  cell?: number;
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
      ...(f.cell !== undefined ? { cell: f.cell + 1 } : {}),
      ...(f.related.length > 0
        ? {
            related: f.related.map((r) => ({
              line: r.span.start.line + 1,
              column: r.span.start.column + 1,
              endLine: r.span.end.line + 1,
              endColumn: r.span.end.column + 1,
              message: r.message,
              ...(r.cell !== undefined ? { cell: r.cell + 1 } : {}),
            })),
          }
        : {}),
    })),
  );
}

export function formatJson(results: readonly FileFindings[], errors: readonly FileError[]): string {
  return JSON.stringify({ version: 1, findings: toJsonFindings(results), errors }, null, 2) + '\n';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `file:line:column`, with `cell N` for a notebook (1-based like the rest). */
function place(file: string, cell: number | undefined, line: number, column: number): string {
  return cell !== undefined ? `${file}:cell ${cell + 1}:${line}:${column}` : `${file}:${line}:${column}`;
}

export function formatText(results: readonly FileFindings[], errors: readonly FileError[], fileCount: number): string {
  const lines: string[] = [];
  const all: Finding[] = [];
  for (const { file, findings } of results) {
    for (const f of findings) {
      all.push(f);
      lines.push(`${place(file, f.cell, f.span.start.line + 1, f.span.start.column + 1)}: ${f.code} [${f.severity}] ${f.message} (${f.rule})`);
      for (const r of f.related) lines.push(`    ${place(file, r.cell, r.span.start.line + 1, r.span.start.column + 1)}: note: ${r.message}`);
    }
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
