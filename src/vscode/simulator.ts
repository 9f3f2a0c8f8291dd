/**
 * "NormScope: Open Activation Simulator" and the "Simulate activations" CodeLens on each model
 * class. The controller follows the editor: it re-sends the model (debounced) when the file
 * changes, picks the model under the cursor, and restores the panel after reloads (serializer).
 */

import * as vscode from 'vscode';
import type { NetworksFound } from '../simulation/fromIR';
import type { RenderedMessage } from '../webview/protocol';
import { SimulatorPanel } from '../webview/host/panel';
import { logger } from './logger';
import { LIMITS } from '../simulation/options';

export const OPEN_SIMULATOR = 'normscope.openSimulator';

/** What the integration tests (and other extensions) can observe of the simulator. */
export interface SimulatorApi {
  /** Fires when the page reports it drew a phase of a simulation. */
  readonly onDidRender: vscode.Event<RenderedMessage>;
  /** The page's recent render reports, oldest first (also those before a listener subscribed). */
  recentRenders(): readonly RenderedMessage[];
  /** How many panels VS Code restored through the serializer (after a reload or a restart). */
  readonly revivedPanels: number;
  /** Opens the simulator on `uri` (default: the active editor), optionally on a given model. */
  open(uri?: vscode.Uri, model?: string): Promise<void>;
  /**
   * The input size (image side or sequence length, where the code does not say it) the panel
   * simulates, as its "Input size" control sets it; undefined for the simulator's choice.
   */
  setInputSize(size: number | undefined): void;
}

const MAX_CHARS = 2 * 1024 * 1024;
const MAX_RENDERS = 100;

function isPython(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'python' && doc.uri.scheme !== 'output';
}

/**
 * Where the models of a document come from: the lint worker's copy of it (see
 * DiagnosticsController.networksOf). `inputSize`: the input size the panel asks for.
 */
export type NetworksSource = (doc: vscode.TextDocument, inputSize: number | undefined) => Promise<NetworksFound>;

interface CacheEntry {
  readonly found: Promise<NetworksFound>;
  settled?: NetworksFound;
}

/**
 * The models of a document once per version and input size (CodeLens, cursor moves and the panel
 * share them), analysed by the lint worker so that the extension host's thread never parses a file.
 */
class ModelCache {
  private cache = new WeakMap<vscode.TextDocument, { version: number; bySize: Map<number | undefined, CacheEntry> }>();

  constructor(private readonly source: NetworksSource) {}

  /** `inputSize`: the input size asked for where the code does not say it (undefined: the simulator's choice). */
  get(doc: vscode.TextDocument, inputSize?: number): Promise<NetworksFound> {
    let sizes = this.cache.get(doc);
    if (!sizes || sizes.version !== doc.version) {
      sizes = { version: doc.version, bySize: new Map() };
      this.cache.set(doc, sizes);
    }
    const hit = sizes.bySize.get(inputSize);
    if (hit) return hit.found;
    const found =
      doc.getText().length > MAX_CHARS
        ? Promise.resolve<NetworksFound>({ models: [], reason: 'file too large to simulate' })
        : this.source(doc, inputSize).catch((error: unknown): NetworksFound => {
            logger().error(`simulator: model analysis failed on ${doc.uri.toString()}: ${String(error)}`);
            return { models: [], reason: 'the model could not be analysed' };
          });
    const entry: CacheEntry = { found };
    void found.then((f) => (entry.settled = f));
    sizes.bySize.set(inputSize, entry);
    return found;
  }

  /** The models of the document's current version if they are already known (cursor moves do not wait). */
  peek(doc: vscode.TextDocument, inputSize?: number): NetworksFound | undefined {
    const sizes = this.cache.get(doc);
    return sizes && sizes.version === doc.version ? sizes.bySize.get(inputSize)?.settled : undefined;
  }
}

export class SimulatorController implements vscode.Disposable, vscode.CodeLensProvider, SimulatorApi {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly panelDisposables: vscode.Disposable[] = [];
  private readonly rendered = new vscode.EventEmitter<RenderedMessage>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  private readonly models: ModelCache;
  private followed: vscode.Uri | undefined;
  private selected: string | undefined;
  /** The input size the panel asks for (its control), or undefined for the simulator's choice. */
  private inputSize: number | undefined;
  private debounce: ReturnType<typeof setTimeout> | undefined;
  private readonly renders: RenderedMessage[] = [];
  private revived = 0;
  readonly onDidRender = this.rendered.event;
  readonly onDidChangeCodeLenses = this.lensesChanged.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    source: NetworksSource,
  ) {
    this.models = new ModelCache(source);
    this.disposables.push(
      this.rendered,
      this.lensesChanged,
      vscode.commands.registerCommand(OPEN_SIMULATOR, (uri?: unknown, model?: unknown) =>
        this.open(uri instanceof vscode.Uri ? uri : undefined, typeof model === 'string' ? model : undefined),
      ),
      vscode.languages.registerCodeLensProvider({ language: 'python' }, this),
      vscode.window.registerWebviewPanelSerializer(SimulatorPanel.viewType, {
        deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
          this.revived += 1;
          logger().info('simulator: panel restored by VS Code (serializer)');
          this.attach(SimulatorPanel.revive(panel, this.extensionUri, logger()));
          const editor = vscode.window.activeTextEditor;
          if (editor && isPython(editor.document)) this.follow(editor.document.uri);
        },
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.followed && e.document.uri.toString() === this.followed.toString()) this.schedule(300);
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isPython(editor.document) && SimulatorPanel.instance) this.follow(editor.document.uri);
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.onSelection(e)),
    );
  }

  async open(uri?: vscode.Uri, model?: string): Promise<void> {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    const panel = SimulatorPanel.createOrShow(this.extensionUri, logger());
    this.attach(panel);
    if (!target) {
      panel.post({ type: 'noModel', fileName: '', reason: 'Open a Python file with a model class to simulate it.' });
      return;
    }
    this.followed = target;
    this.selected = model;
    await this.send();
  }

  setInputSize(size: number | undefined): void {
    if (size !== undefined && !(Number.isInteger(size) && size >= LIMITS.inputSize.min && size <= LIMITS.inputSize.max)) throw new RangeError(`input size must be an integer from ${LIMITS.inputSize.min} to ${LIMITS.inputSize.max}`);
    if (size === this.inputSize) return;
    this.inputSize = size;
    if (this.followed) this.schedule(0);
  }

  recentRenders(): readonly RenderedMessage[] {
    return [...this.renders];
  }

  get revivedPanels(): number {
    return this.revived;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!isPython(doc)) return [];
    return (await this.models.get(doc)).models.filter((m) => m.span !== undefined)
      .map((m) => {
        const start = new vscode.Position(m.span!.start.line, m.span!.start.column);
        return new vscode.CodeLens(new vscode.Range(start, start), {
          title: m.spec ? 'Simulate activations' : `Simulate activations (unavailable: ${m.reason ?? 'unsupported'})`,
          tooltip: m.spec ? `Open the NormScope activation simulator on ${m.name}` : (m.reason ?? ''),
          command: OPEN_SIMULATOR,
          arguments: [doc.uri, m.name],
        });
      });
  }

  private attach(panel: SimulatorPanel): void {
    if (this.panelDisposables.length > 0) return;
    this.panelDisposables.push(
      panel.onDidReceiveMessage((m) => {
        if (m.type === 'rendered') {
          this.renders.push(m);
          if (this.renders.length > MAX_RENDERS) this.renders.shift();
          this.rendered.fire(m);
        }
        if (m.type === 'selectModel') {
          this.selected = m.model;
          void this.send();
        }
        // The page's input size: kept in its state, said again when it is ready (after a reload).
        if (m.type === 'inputSize') this.setInputSize(m.size ?? undefined);
        // A page restored from its state says the size it had (a new page has none: the host's stays).
        if (m.type === 'ready' && m.inputSize !== undefined) this.setInputSize(m.inputSize);
      }),
      panel.onDidDispose(() => {
        for (const d of this.panelDisposables.splice(0)) d.dispose();
        this.followed = undefined;
        this.inputSize = undefined;
        clearTimeout(this.debounce);
      }),
    );
  }

  private follow(uri: vscode.Uri): void {
    if (this.followed?.toString() === uri.toString()) return;
    this.followed = uri;
    this.selected = undefined;
    this.schedule(0);
  }

  private onSelection(e: vscode.TextEditorSelectionChangeEvent): void {
    if (!SimulatorPanel.instance || !this.followed || e.textEditor.document.uri.toString() !== this.followed.toString()) return;
    const offset = e.textEditor.document.offsetAt(e.selections[0].active);
    const under = this.models.peek(e.textEditor.document, this.inputSize)?.models.find((m) => m.span && m.span.startOffset <= offset && offset < m.span.endOffset);
    if (under && under.name !== this.selected) {
      this.selected = under.name;
      this.schedule(150);
    }
  }

  private schedule(delay: number): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.send(), delay);
  }

  private async send(): Promise<void> {
    const panel = SimulatorPanel.instance;
    const uri = this.followed;
    if (!panel || !uri) return;
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(uri);
    } catch (error) {
      panel.post({ type: 'noModel', fileName: uri.fsPath, reason: `cannot open the file: ${String(error)}` });
      return;
    }
    const fileName = vscode.workspace.asRelativePath(uri);
    const found = await this.models.get(doc, this.inputSize);
    if (SimulatorPanel.instance !== panel) return;
    if (found.models.length === 0) {
      panel.post({ type: 'noModel', fileName, reason: found.reason ?? 'no model class in this file' });
      return;
    }
    const name = this.selected ?? found.root ?? found.models[0].name;
    const entry = found.models.find((m) => m.name === name) ?? found.models[0];
    if (!entry.spec) {
      panel.post({ type: 'noModel', fileName, reason: `cannot simulate ${entry.name}: ${entry.reason ?? 'unsupported model'}` });
      return;
    }
    panel.post({ type: 'showModel', fileName, models: found.models.map((m) => m.name), spec: entry.spec, ...(this.inputSize !== undefined ? { inputSize: this.inputSize } : {}) });
  }

  dispose(): void {
    clearTimeout(this.debounce);
    for (const d of this.panelDisposables.splice(0)) d.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    SimulatorPanel.instance?.dispose();
  }
}
