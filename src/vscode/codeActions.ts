import * as vscode from 'vscode';
import { suppressionEdit } from '../lint/suppressionEdit';
import type { Fix, TextEdit } from '../rules/types';
import { toRange } from './convert';
import type { DiagnosticsController, PublishedFinding } from './diagnostics';

export const SHOW_DOCUMENTATION_COMMAND = 'normscope.showRuleDocumentation';

function addEdits(edit: vscode.WorkspaceEdit, entry: PublishedFinding, fallback: vscode.Uri, edits: readonly TextEdit[]): void {
  for (const e of edits) {
    const uri = (e.cell !== undefined ? entry.cellUris?.[e.cell] : undefined) ?? fallback;
    edit.replace(uri, toRange(e.span), e.newText);
  }
}

function diagnosticKey(d: vscode.Diagnostic): string {
  const code = typeof d.code === 'object' ? String(d.code.value) : String(d.code);
  const r = d.range;
  return `${d.source ?? ''}|${code}|${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}|${d.message}`;
}

function overlaps(a: TextEdit, b: TextEdit): boolean {
  if ((a.cell ?? -1) !== (b.cell ?? -1)) return false;
  return a.span.startOffset < b.span.endOffset && b.span.startOffset < a.span.endOffset;
}

/**
 * The code actions of each NormScope finding, vscode-eslint style: its fix (preferred when
 * safe; an unsafe one says it changes behaviour), "Fix all" for a rule with several safe fixes
 * in the file, "Disable <code> for this line" and "Show documentation".
 */
export class FixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly diagnostics: DiagnosticsController) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    const all = this.diagnostics.findingsFor(document.uri);
    const fixAllOffered = new Set<string>();
    const disableOffered = new Set<string>();
    const docsOffered = new Set<string>();
    // Matched by content, not identity: the editor may ask with diagnostics it received before
    // the latest publish (same finding, another object), as vscode-eslint also allows for.
    const asked = new Set(context.diagnostics.map(diagnosticKey));
    for (const entry of all) {
      if (!asked.has(diagnosticKey(entry.diagnostic))) continue;
      if (entry.version !== undefined && entry.version !== document.version) continue; // stale: the text moved on
      const { finding } = entry;
      const fix = finding.fix;
      if (fix) actions.push(this.fixAction(document, entry, fix));

      if (fix?.safe && !fixAllOffered.has(finding.rule)) {
        const same = all.filter((e) => e.finding.rule === finding.rule && e.finding.fix?.safe);
        if (same.length > 1) {
          fixAllOffered.add(finding.rule);
          actions.push(this.fixAllAction(document, finding.rule, same));
        }
      }

      const line = finding.span.start.line;
      const disableKey = `${finding.rule}@${line}`;
      if (finding.rule !== 'unused-suppression' && !disableOffered.has(disableKey)) {
        disableOffered.add(disableKey);
        const action = new vscode.CodeAction(`Disable ${finding.code} (${finding.rule}) for this line`, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [entry.diagnostic];
        const e = suppressionEdit(document.getText(), line, finding.rule);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(document.uri, toRange(e.span), e.newText);
        actions.push(action);
      }

      if (!docsOffered.has(finding.rule)) {
        docsOffered.add(finding.rule);
        const action = new vscode.CodeAction(`Show documentation for ${finding.code} (${finding.rule})`, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [entry.diagnostic];
        action.command = { title: 'Show documentation', command: SHOW_DOCUMENTATION_COMMAND, arguments: [finding.rule] };
        actions.push(action);
      }
    }
    return actions;
  }

  private fixAction(document: vscode.TextDocument, entry: PublishedFinding, fix: Fix): vscode.CodeAction {
    const action = new vscode.CodeAction(fix.safe ? fix.title : `${fix.title} (changes behaviour)`, vscode.CodeActionKind.QuickFix);
    action.diagnostics = [entry.diagnostic];
    action.isPreferred = fix.safe;
    action.edit = new vscode.WorkspaceEdit();
    addEdits(action.edit, entry, document.uri, fix.edits);
    return action;
  }

  /** Every safe fix of one rule in the document, skipping any that would overlap an earlier one. */
  private fixAllAction(document: vscode.TextDocument, rule: string, entries: readonly PublishedFinding[]): vscode.CodeAction {
    const action = new vscode.CodeAction(`Fix all ${rule} problems in this file`, vscode.CodeActionKind.QuickFix);
    action.diagnostics = entries.map((e) => e.diagnostic);
    action.edit = new vscode.WorkspaceEdit();
    const taken: TextEdit[] = [];
    for (const entry of entries) {
      const edits = entry.finding.fix?.edits ?? [];
      if (edits.some((e) => taken.some((t) => overlaps(e, t)))) continue;
      taken.push(...edits);
      addEdits(action.edit, entry, document.uri, edits);
    }
    return action;
  }
}
