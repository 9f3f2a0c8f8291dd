import * as vscode from 'vscode';
import { toRange } from './convert';
import type { DiagnosticsController } from './diagnostics';

/** Offers each finding's fix as a quick fix; a safe fix is the preferred one. */
export class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const entry of this.diagnostics.findingsFor(document.uri)) {
      const fix = entry.finding.fix;
      if (!fix || !context.diagnostics.includes(entry.diagnostic)) continue;
      if (entry.version !== undefined && entry.version !== document.version) continue; // stale: the text moved on
      const action = new vscode.CodeAction(fix.safe ? fix.title : `${fix.title} (changes behaviour)`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [entry.diagnostic];
      action.isPreferred = fix.safe;
      const edit = new vscode.WorkspaceEdit();
      for (const e of fix.edits) edit.replace(document.uri, toRange(e.span), e.newText);
      action.edit = edit;
      actions.push(action);
    }
    return actions;
  }
}
