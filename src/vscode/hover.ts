import * as vscode from 'vscode';
import { renderLayerHover } from '../lint/hover';
import { toRange } from './convert';
import type { DiagnosticsController } from './diagnostics';
import { logger } from './logger';

/**
 * Hover on a normalization layer's construction: what NormScope knows about it (kind, every
 * argument with where its value comes from, framework defaults). The lint server answers from
 * its incrementally analysed copy of the document, off the extension host's thread. In a
 * notebook cell only that cell's text is read, so values defined in other cells show as
 * unresolved.
 */
export class NormLayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly diagnostics: DiagnosticsController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    try {
      const call = await this.diagnostics.normLayerAt(document, position);
      if (!call || token.isCancellationRequested) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(renderLayerHover(call)), toRange(call.calleeSpan));
    } catch (error) {
      logger().error(`Hover failed on ${document.uri.toString()}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
