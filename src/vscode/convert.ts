import * as vscode from 'vscode';
import type { Span } from '../ir/span';
import type { Finding, Severity } from '../rules/types';

export const DIAGNOSTIC_SOURCE = 'normscope';

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

export function toDiagnostic(finding: Finding, uri: vscode.Uri, extensionUri: vscode.Uri): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(finding.span), finding.message, SEVERITY[finding.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.code, target: ruleDocUri(extensionUri, finding.rule) };
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map(
      (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.span)), r.message),
    );
  }
  return diagnostic;
}
