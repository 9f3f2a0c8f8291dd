import * as vscode from 'vscode';

export interface EditorSettings {
  readonly enable: boolean;
  readonly lintDelayMs: number;
  readonly maxFileBytes: number;
}

function clampNumber(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Reads the `normscope.*` settings for a resource; bad values fall back to the defaults. */
export function readSettings(scope?: vscode.ConfigurationScope): EditorSettings {
  const config = vscode.workspace.getConfiguration('normscope', scope);
  return {
    enable: config.get<unknown>('enable') !== false,
    lintDelayMs: clampNumber(config.get<unknown>('lintDelay'), 300, 0, 5000),
    maxFileBytes: clampNumber(config.get<unknown>('maxFileSizeKB'), 2048, 1, 1024 * 1024) * 1024,
  };
}
