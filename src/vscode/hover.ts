import * as vscode from 'vscode';
import { normLayerAt, renderLayerHover } from '../lint/hover';
import { toRange } from './convert';
import { logger } from './logger';
import { readSettings } from './settings';

/**
 * Hover on a normalization layer's construction: what NormScope knows about it (kind, every
 * argument with where its value comes from, framework defaults). In a notebook cell only that
 * cell's text is read, so values defined in other cells show as unresolved.
 */
export class NormLayerHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const settings = readSettings(document.uri);
    if (!settings.enable) return undefined;
    const text = document.getText();
    if (text.length > settings.maxFileBytes) return undefined;
    try {
      const call = normLayerAt(text, position.line, position.character);
      if (!call) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(renderLayerHover(call)), toRange(call.calleeSpan));
    } catch (error) {
      logger().error(`Hover failed on ${document.uri.toString()}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
