import * as vscode from 'vscode';
import { initLinter } from './lint/lint';
import { FixProvider, SHOW_DOCUMENTATION_COMMAND } from './vscode/codeActions';
import { DiagnosticsController } from './vscode/diagnostics';
import { NormLayerHoverProvider } from './vscode/hover';
import { LintConfigService } from './vscode/lintConfig';
import { WorkspaceLinter } from './vscode/lintWorkspace';
import { disposeLogger, logger } from './vscode/logger';
import { showRuleDocumentation } from './vscode/ruleDocs';
import { SimulatorController, type SimulatorApi } from './vscode/simulator';

/** What `activate` returns: used by the integration tests, stable for other extensions. */
export interface NormScopeApi {
  lintWorkspace(): ReturnType<WorkspaceLinter['run']>;
  /** Where lints run: 'worker' normally (a worker thread), 'in-process' if no worker could start. */
  lintMode(): DiagnosticsController['lintMode'];
  readonly simulator: SimulatorApi;
}

export async function activate(context: vscode.ExtensionContext): Promise<NormScopeApi> {
  const started = performance.now();
  await initLinter({ wasmDir: vscode.Uri.joinPath(context.extensionUri, 'dist').fsPath });
  const configs = new LintConfigService();
  const diagnostics = new DiagnosticsController(context.extensionUri, configs);
  const simulator = new SimulatorController(context.extensionUri, (doc, inputSize) => diagnostics.networksOf(doc, inputSize));
  const workspaceLinter = new WorkspaceLinter(diagnostics, configs);
  context.subscriptions.push(
    configs,
    diagnostics,
    workspaceLinter,
    simulator,
    vscode.languages.registerCodeActionsProvider({ language: 'python' }, new FixProvider(diagnostics), {
      providedCodeActionKinds: FixProvider.kinds,
    }),
    vscode.languages.registerHoverProvider({ language: 'python' }, new NormLayerHoverProvider(diagnostics)),
    vscode.commands.registerCommand('normscope.lintWorkspace', () => workspaceLinter.run()),
    vscode.commands.registerCommand(SHOW_DOCUMENTATION_COMMAND, (rule?: unknown) => showRuleDocumentation(context.extensionUri, rule)),
    { dispose: disposeLogger },
  );
  logger().info(`NormScope activated in ${(performance.now() - started).toFixed(0)} ms`);
  return { lintWorkspace: () => workspaceLinter.run(), lintMode: () => diagnostics.lintMode, simulator };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
