import * as vscode from 'vscode';
import { toRange } from './convert';
import type { DiagnosticsController } from './diagnostics';
import { logger } from './logger';

/**
 * Hover on a normalization layer's construction: what NormScope knows about it (kind, every
 * argument with where its value comes from, framework defaults). The lint server answers from
 * its incrementally analysed copy of the document, off the extension host's thread; in a
 * notebook cell, from the program of all the notebook's code cells (values set in other cells
 * resolve).
 */
export class NormLayerHoverProvider implements vscode.HoverProvider {
  constructor(private readonly diagnostics: DiagnosticsController) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    try {
      const hover = await this.diagnostics.layerHoverAt(document, position);
      if (!hover || token.isCancellationRequested) return undefined;
      return new vscode.Hover(new vscode.MarkdownString(hover.markdown), toRange(hover.span));
    } catch (error) {
      logger().error(`Hover failed on ${document.uri.toString()}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
