import * as vscode from 'vscode';
import { initLinter } from './lint/lint';
import { FixProvider } from './vscode/codeActions';
import { DiagnosticsController } from './vscode/diagnostics';
import { lintWorkspace } from './vscode/lintWorkspace';
import { disposeLogger, logger } from './vscode/logger';

/** What `activate` returns: used by the integration tests, stable for other extensions. */
export interface NormScopeApi {
  lintWorkspace(): ReturnType<typeof lintWorkspace>;
}

export async function activate(context: vscode.ExtensionContext): Promise<NormScopeApi> {
  const started = performance.now();
  await initLinter({ wasmDir: vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath });
  const diagnostics = new DiagnosticsController(context.extensionUri);
  context.subscriptions.push(
    diagnostics,
    vscode.languages.registerCodeActionsProvider({ language: 'python' }, new FixProvider(diagnostics), {
      providedCodeActionKinds: FixProvider.kinds,
    }),
    vscode.commands.registerCommand('normscope.lintWorkspace', () => lintWorkspace(diagnostics)),
    { dispose: disposeLogger },
  );
  logger().info(`NormScope activated in ${(performance.now() - started).toFixed(0)} ms`);
  return { lintWorkspace: () => lintWorkspace(diagnostics) };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
