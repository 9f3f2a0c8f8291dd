import * as path from 'path';
import * as vscode from 'vscode';
import { isSkippedDirectory } from '../lint/paths';
import { decodeSource } from '../lint/source';
import type { DiagnosticsController } from './diagnostics';
import { logger } from './logger';
import { readSettings } from './settings';

export interface WorkspaceLintSummary {
  readonly files: number;
  readonly skipped: number;
  readonly cancelled: boolean;
}

/** True when some folder between the workspace folder and the file is one a lint walk skips. */
function inSkippedFolder(uri: vscode.Uri, cache: Map<string, boolean>): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder || uri.scheme !== 'file') return false;
  const root = folder.uri.fsPath;
  const relative = path.relative(root, path.dirname(uri.fsPath));
  if (relative === '' || relative.startsWith('..')) return false;
  let current = root;
  for (const segment of relative.split(path.sep)) {
    current = path.join(current, segment);
    let skipped = cache.get(current);
    if (skipped === undefined) {
      skipped = isSkippedDirectory(current);
      cache.set(current, skipped);
    }
    if (skipped) return true;
  }
  return false;
}

const yieldToHost = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * "NormScope: Lint Workspace": lints every Python file of the workspace (honouring
 * `files.exclude`, skipping virtual environments, installed packages and files over the size
 * cap) under a cancellable progress notification.
 */
export async function lintWorkspace(diagnostics: DiagnosticsController): Promise<WorkspaceLintSummary> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'NormScope: linting workspace', cancellable: true },
    async (progress, token) => {
      // `undefined` as exclude applies the user's files.exclude.
      const uris = await vscode.workspace.findFiles('**/*.py', undefined, undefined, token);
      const folderCache = new Map<string, boolean>();
      const targets = uris.filter((u) => !inSkippedFolder(u, folderCache)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      let files = 0;
      let skipped = 0;
      const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
      for (const uri of targets) {
        if (token.isCancellationRequested) break;
        progress.report({ message: vscode.workspace.asRelativePath(uri), increment: 100 / Math.max(1, targets.length) });
        const settings = readSettings(uri);
        if (!settings.enable) {
          // normscope.enable is off for this file (or its folder): nothing to show, nothing stale.
          diagnostics.clear(uri);
          skipped++;
          continue;
        }
        const document = open.get(uri.toString());
        if (document) {
          await diagnostics.lintNow(document);
          files++;
          continue;
        }
        try {
          const stat = await vscode.workspace.fs.stat(uri);
          if (stat.size > settings.maxFileBytes) {
            skipped++;
            logger().info(`Skipped ${uri.fsPath}: over the normscope.maxFileSizeKB cap`);
            continue;
          }
          const source = decodeSource(await vscode.workspace.fs.readFile(uri));
          if (!source.ok) {
            skipped++;
            diagnostics.clear(uri);
            logger().info(`Skipped ${uri.fsPath}: ${source.message}`);
            continue;
          }
          await diagnostics.publish(uri, source.text, undefined);
          files++;
        } catch (error) {
          skipped++;
          logger().warn(`Could not read ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
        }
        await yieldToHost();
      }
      const cancelled = token.isCancellationRequested;
      logger().info(`Lint Workspace: ${files} files linted, ${skipped} skipped${cancelled ? ' (cancelled)' : ''}`);
      return { files, skipped, cancelled };
    },
  );
}
