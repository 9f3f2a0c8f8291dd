import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The extension's one output channel ("NormScope"), with log levels the user controls. */
export function logger(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('NormScope', { log: true });
  return channel;
}

export function disposeLogger(): void {
  channel?.dispose();
  channel = undefined;
}
