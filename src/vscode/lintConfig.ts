import * as vscode from 'vscode';
import { ProjectConfigResolver } from '../lint/configFile';
import { RULES } from '../rules/catalogue';
import { mergeConfigs, parseLintConfig, type LintConfig } from '../rules/config';
import { logger } from './logger';

/**
 * The rule configuration of a document: the `normscope.rules` / `normscope.select` /
 * `normscope.ignore` settings, with the nearest `pyproject.toml`'s `[tool.normscope]` on top
 * (the project file wins). Problems in either are logged and shown once, never thrown.
 */
export class LintConfigService implements vscode.Disposable {
  private readonly resolver = new ProjectConfigResolver(RULES);
  private readonly shown = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires when a pyproject.toml changed (the settings have their own event). */
  readonly onDidChange = this.changed.event;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/pyproject.toml');
    const invalidate = () => {
      this.resolver.clear();
      this.changed.fire();
    };
    this.subscriptions.push(watcher, watcher.onDidChange(invalidate), watcher.onDidCreate(invalidate), watcher.onDidDelete(invalidate), this.changed);
  }

  /** The configuration for a document (`uri` of a file, an untitled document or a notebook). */
  configFor(uri: vscode.Uri): LintConfig {
    const settings = vscode.workspace.getConfiguration('normscope', uri);
    const select = settings.get<unknown>('select');
    const raw = {
      // An empty `select` in the settings means "not set" (every rule), unlike in pyproject.toml.
      ...(Array.isArray(select) && select.length > 0 ? { select } : {}),
      ...(settings.get<unknown>('ignore') !== undefined ? { ignore: settings.get<unknown>('ignore') } : {}),
      ...(settings.get<unknown>('rules') !== undefined ? { rules: settings.get<unknown>('rules') } : {}),
    };
    const editor = parseLintConfig(raw, RULES, 'settings (normscope.*)');
    this.report(editor.problems, undefined);
    if (uri.scheme === 'untitled' || uri.path === '') return editor.config;
    if (uri.scheme !== 'file' && uri.scheme !== 'vscode-notebook-cell' && uri.scheme !== 'vscode-notebook') return editor.config;
    const project = this.resolver.forFile(uri.fsPath);
    this.report(project.problems, project.file);
    return mergeConfigs(editor.config, project.config);
  }

  private report(problems: readonly string[], file: string | undefined): void {
    const fresh = problems.filter((p) => !this.shown.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) {
      this.shown.add(p);
      logger().warn(`Configuration: ${p}`);
    }
    const open = file ? 'Open pyproject.toml' : 'Open Settings';
    void vscode.window.showWarningMessage(`NormScope: ${fresh[0]}${fresh.length > 1 ? ` (and ${fresh.length - 1} more, see the NormScope output)` : ''}`, open, 'Show Log').then((choice) => {
      if (choice === 'Show Log') logger().show(true);
      else if (choice === open && file) void vscode.window.showTextDocument(vscode.Uri.file(file));
      else if (choice === open) void vscode.commands.executeCommand('workbench.action.openSettings', 'normscope');
    });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
