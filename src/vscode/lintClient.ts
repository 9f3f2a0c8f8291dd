import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { LayerHover } from '../lint/hover';
import type { LintResult } from '../lint/lint';
import type { LintRequest, LintResponse } from '../lint/worker/protocol';
import { LintServer } from '../lint/worker/server';
import type { NotebookCell } from '../parsing/notebook/ipynb';
import type { TextChange } from '../parsing/python/document';
import type { LintConfig } from '../rules/config';
import type { NetworksFound } from '../simulation/fromIR';
import { logger } from './logger';

/** A lint answer: the result and how long the server took (for the adaptive debounce). */
export interface LintAnswer {
  readonly result: LintResult;
  readonly elapsedMs: number;
  /** Other workspace files (paths) whose model facts the lint used. */
  readonly dependencies: readonly string[];
}

/** How long a lint may take before the worker is considered stuck and restarted. */
const STUCK_AFTER_MS = 60_000;

interface Pending {
  readonly resolve: (response: LintResponse) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * The editor's side of the lint server: runs it in a worker thread (dist/lintWorker.js) so that
 * parsing and linting never block the extension host, forwards edits as they happen, and
 * restarts the worker if it dies or hangs. Where no worker can be started it runs the same
 * server in-process (and says so in the log).
 */
export class LintClient {
  private worker: Worker | undefined;
  private inProcess: LintServer | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  /** The workspace folders, sent again to every new worker. */
  private roots: readonly string[] = [];

  constructor(private readonly distDir: string) {}

  /** Sets the folders imports between workspace files resolve against. */
  setWorkspace(roots: readonly string[]): void {
    this.roots = roots;
    // A worker started later gets the folders when it starts.
    if (this.worker || this.inProcess) this.send({ kind: 'workspace', roots });
  }

  /** Where lints run: in the worker thread, on the extension host's thread (fallback), or nowhere yet. */
  get mode(): 'worker' | 'in-process' | 'not started' {
    return this.inProcess ? 'in-process' : this.worker ? 'worker' : 'not started';
  }

  open(uri: string, version: number, text: string, file: string | undefined): void {
    this.send({ kind: 'open', uri, version, text, ...(file ? { file } : {}) });
  }

  change(uri: string, version: number, changes: readonly TextChange[]): void {
    this.send({ kind: 'change', uri, version, changes });
  }

  close(uri: string): void {
    this.send({ kind: 'close', uri });
  }

  /** Lints the server's copy of a document at `version`; `text()` is sent if the server lost track. */
  async lint(uri: string, version: number, length: number, text: () => string, config: LintConfig): Promise<LintAnswer> {
    let response = await this.request((id) => ({ kind: 'lint', id, uri, version, length, config }));
    if (response.kind === 'resync') response = await this.request((id) => ({ kind: 'lint', id, uri, version, length, config, text: text() }));
    return this.answer(response);
  }

  /** The hover on the norm layer construction at (line, column) (0-based) of the server's copy of a document at `version`. */
  async hover(uri: string, version: number, length: number, text: () => string, line: number, column: number): Promise<LayerHover | undefined> {
    let response = await this.request((id) => ({ kind: 'hover', id, uri, version, length, line, column }));
    if (response.kind === 'resync') response = await this.request((id) => ({ kind: 'hover', id, uri, version, length, line, column, text: text() }));
    if (response.kind === 'hover') return response.hover;
    throw new Error(response.kind === 'error' ? response.message : 'the lint server could not place the document');
  }

  /** The hover at (line, column) (0-based) of cell number `cell` of an open notebook, read from the program of all its code cells. */
  async hoverNotebook(uri: string, cells: readonly NotebookCell[], cell: number, line: number, column: number): Promise<LayerHover | undefined> {
    const response = await this.request((id) => ({ kind: 'hoverNotebook', id, uri, cells, cell, line, column }));
    if (response.kind === 'hover') return response.hover;
    throw new Error(response.kind === 'error' ? response.message : 'the lint server could not read the notebook');
  }

  /** The simulator's view of the models of the server's copy of a document at `version` (`inputSize`: see `networkFromClass`). */
  async networks(uri: string, version: number, length: number, text: () => string, inputSize?: number): Promise<NetworksFound> {
    const size = inputSize !== undefined ? { inputSize } : {};
    let response = await this.request((id) => ({ kind: 'networks', id, uri, version, length, ...size }));
    if (response.kind === 'resync') response = await this.request((id) => ({ kind: 'networks', id, uri, version, length, text: text(), ...size }));
    if (response.kind === 'networks') return response.found;
    throw new Error(response.kind === 'error' ? response.message : 'the lint server could not place the document');
  }

  /** Lints a text that is not an open document (nothing is kept in the server). */
  async lintText(text: string, config: LintConfig, file: string | undefined): Promise<LintAnswer> {
    return this.answer(await this.request((id) => ({ kind: 'lintText', id, text, config, ...(file ? { file } : {}) })));
  }

  /** Lints a notebook's code cells; `uri` names an open notebook, whose program the server keeps (incremental) until `close(uri)`. */
  async lintNotebook(cells: readonly NotebookCell[], config: LintConfig, uri?: string): Promise<LintAnswer> {
    return this.answer(await this.request((id) => ({ kind: 'lintNotebook', id, cells, config, ...(uri !== undefined ? { uri } : {}) })));
  }

  dispose(): void {
    this.disposed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'error', id, message: 'NormScope is shutting down' });
    }
    this.pending.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private answer(response: LintResponse): LintAnswer {
    if (response.kind === 'result') return { result: response.result, elapsedMs: response.elapsedMs, dependencies: response.dependencies ?? [] };
    throw new Error(response.kind === 'error' ? response.message : 'the lint server could not place the document');
  }

  private request(make: (id: number) => LintRequest): Promise<LintResponse> {
    const id = this.nextId++;
    const request = make(id);
    if (this.disposed) return Promise.resolve({ kind: 'error', id, message: 'NormScope is shutting down' });
    return new Promise<LintResponse>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        logger().error(`The lint worker did not answer within ${STUCK_AFTER_MS / 1000} s: restarting it`);
        this.restart();
        resolve({ kind: 'error', id, message: 'the lint worker did not answer in time' });
      }, STUCK_AFTER_MS);
      this.pending.set(id, { resolve, timer });
      this.send(request);
    });
  }

  private send(request: LintRequest): void {
    if (this.disposed) return;
    const server = this.inProcess;
    if (server) {
      const response = server.handle(request);
      if (response) this.receive(response);
      return;
    }
    const worker = this.worker ?? this.start();
    if (worker) worker.postMessage(request);
    else this.send(request); // start() fell back to the in-process server
  }

  private receive(response: LintResponse): void {
    const p = this.pending.get(response.id);
    if (!p) return;
    this.pending.delete(response.id);
    clearTimeout(p.timer);
    p.resolve(response);
  }

  private start(): Worker | undefined {
    const file = path.join(this.distDir, 'lintWorker.js');
    try {
      if (!fs.existsSync(file)) throw new Error(`${file} is missing`);
      const worker = new Worker(file, { workerData: { wasmDir: this.distDir } });
      worker.on('message', (response: LintResponse) => this.receive(response));
      worker.on('error', (error) => logger().error(`The lint worker failed: ${error.stack ?? error.message}`));
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        if (!this.disposed) logger().error(`The lint worker exited with code ${code}; it restarts on the next lint`);
        this.failPending('the lint worker exited');
      });
      worker.unref();
      this.worker = worker;
      logger().info('Lint worker started');
      if (this.roots.length > 0) worker.postMessage({ kind: 'workspace', roots: this.roots } satisfies LintRequest);
      return worker;
    } catch (error) {
      logger().error(`Could not start the lint worker (${error instanceof Error ? error.message : String(error)}): linting on the extension host's thread instead`);
      this.inProcess = new LintServer();
      if (this.roots.length > 0) this.inProcess.handle({ kind: 'workspace', roots: this.roots });
      return undefined;
    }
  }

  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    this.failPending('the lint worker was restarted');
    void old?.terminate();
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve({ kind: 'error', id, message });
    }
    this.pending.clear();
  }
}
