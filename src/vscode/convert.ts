import * as vscode from 'vscode';
import type { Span } from '../ir/span';
import type { Finding, Severity } from '../rules/types';

export const DIAGNOSTIC_SOURCE = 'normscope';
const UNUSED_SUPPRESSION = 'unused-suppression';

export function toRange(span: Span): vscode.Range {
  return new vscode.Range(span.start.line, span.start.column, span.end.line, span.end.column);
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** The rule's documentation page shipped inside the extension (`docs/rules/<name>.md`). */
export function ruleDocUri(extensionUri: vscode.Uri, rule: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${rule}.md`);
}

/**
 * The diagnostic of a finding on `uri`. In a notebook, `cellUris` maps cell indices to the cell
 * documents, so that related locations in other cells point at those cells.
 */
export function toDiagnostic(finding: Finding, uri: vscode.Uri, extensionUri: vscode.Uri, cellUris?: readonly vscode.Uri[]): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(finding.span), finding.message, SEVERITY[finding.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.code, target: ruleDocUri(extensionUri, finding.rule) };
  // An unused suppression is dead text: editors fade it out.
  if (finding.rule === UNUSED_SUPPRESSION) diagnostic.tags = [vscode.DiagnosticTag.Unnecessary];
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((r) => {
      const target = (r.cell !== undefined ? cellUris?.[r.cell] : undefined) ?? uri;
      return new vscode.DiagnosticRelatedInformation(new vscode.Location(target, toRange(r.span)), r.message);
    });
  }
  return diagnostic;
}
