import * as vscode from 'vscode';
import { findRule, RULES } from '../rules/catalogue';
import { ruleDocUri } from './convert';
import { logger } from './logger';

/**
 * "NormScope: Show Rule Documentation": opens `docs/rules/<name>.md` shipped in the extension,
 * in the Markdown preview when it is available (a plain editor otherwise). Without an argument
 * the user picks the rule. Resolves with the opened URI (undefined when cancelled or unknown).
 */
export async function showRuleDocumentation(extensionUri: vscode.Uri, nameOrCode?: unknown): Promise<vscode.Uri | undefined> {
  let rule = typeof nameOrCode === 'string' ? findRule(nameOrCode) : undefined;
  if (!rule) {
    if (typeof nameOrCode === 'string') logger().warn(`Show documentation: no rule named ${nameOrCode}`);
    const picked = await vscode.window.showQuickPick(
      RULES.map((r) => ({ label: `${r.meta.code} ${r.meta.name}`, description: r.meta.defaultSeverity, detail: r.meta.summary, name: r.meta.name })),
      { placeHolder: 'Rule to show the documentation of', matchOnDetail: true },
    );
    rule = picked ? findRule(picked.name) : undefined;
    if (!rule) return undefined;
  }
  const uri = ruleDocUri(extensionUri, rule.meta.name);
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch (error) {
    logger().info(`Markdown preview unavailable (${error instanceof Error ? error.message : String(error)}); opening the file`);
    await vscode.window.showTextDocument(uri, { preview: true });
  }
  return uri;
}
