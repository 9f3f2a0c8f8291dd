import { PythonDocument, type TextChange } from '../../parsing/python/document';
import { lintPython, lintSyntaxTree } from '../lint';
import { lintNotebook } from '../notebook';
import type { LintRequest, LintResponse } from './protocol';

interface OpenDocument {
  readonly document: PythonDocument;
  /** The editor version the document is at once `pending` is applied. */
  version: number;
  /** Edits received since the last lint, applied together (one incremental re-parse) when it comes. */
  pending: TextChange[];
}

/**
 * The lint server: open documents parsed incrementally, linted on request. Pure (no worker or
 * editor API): the worker entry (main.ts) feeds it messages, tests call `handle` directly.
 * `initLinter()` must have resolved before the first request.
 */
export class LintServer {
  private readonly documents = new Map<string, OpenDocument>();

  /** Handles one request; answers requests that carry an id, never throws. */
  handle(request: LintRequest): LintResponse | undefined {
    switch (request.kind) {
      case 'open':
        this.open(request.uri, request.version, request.text);
        return undefined;
      case 'change': {
        const open = this.documents.get(request.uri);
        // An edit the server cannot place (unknown document) is dropped: the next lint resyncs.
        if (open) {
          open.pending.push(...request.changes);
          open.version = request.version;
        }
        return undefined;
      }
      case 'close':
        this.documents.get(request.uri)?.document.dispose();
        this.documents.delete(request.uri);
        return undefined;
      case 'lint':
        return this.guard(request.id, () => {
          if (request.text !== undefined) this.open(request.uri, request.version, request.text);
          const open = this.documents.get(request.uri);
          if (!open || open.version !== request.version) return { kind: 'resync', id: request.id };
          const started = performance.now();
          if (open.pending.length > 0) {
            open.document.edit(open.pending);
            open.pending = [];
          }
          if (open.document.text.length !== request.length) {
            // The copy drifted from the editor's text (an edit lost or misapplied): start again from the text.
            this.documents.delete(request.uri);
            open.document.dispose();
            return { kind: 'resync', id: request.id };
          }
          const tree = open.document.syntaxTree;
          const result = tree ? lintSyntaxTree(tree, request.config) : { findings: [], failures: [] };
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started };
        });
      case 'lintText':
        return this.guard(request.id, () => {
          const started = performance.now();
          const result = lintPython(request.text, request.config);
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started };
        });
      case 'lintNotebook':
        return this.guard(request.id, () => {
          const started = performance.now();
          const result = lintNotebook(request.cells, request.config);
          return { kind: 'result', id: request.id, result, elapsedMs: performance.now() - started };
        });
    }
  }

  /** Number of open documents (for tests and logs). */
  get size(): number {
    return this.documents.size;
  }

  private open(uri: string, version: number, text: string): void {
    const existing = this.documents.get(uri);
    if (existing) {
      existing.document.reset(text);
      existing.version = version;
      existing.pending = [];
      return;
    }
    this.documents.set(uri, { document: new PythonDocument(text), version, pending: [] });
  }

  private guard(id: number, run: () => LintResponse): LintResponse {
    try {
      return run();
    } catch (error) {
      return { kind: 'error', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
  }
}
