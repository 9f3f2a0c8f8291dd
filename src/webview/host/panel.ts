/**
 * The simulator's webview panel: one instance (`createOrShow` reveals it), revived by a
 * serializer after reloads and restarts, a fresh CSP nonce per render, resources only from
 * `dist/webview`. Messages to the page are queued until the page says `ready`; messages from the
 * page are validated and malformed ones dropped and logged. Every listener is disposed.
 */

import * as vscode from 'vscode';
import { describeMessage, parsePageMessage, type HostMessage, type PageMessage } from '../protocol';
import { panelHtml } from './html';

export interface PanelLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class SimulatorPanel implements vscode.Disposable {
  static readonly viewType = 'normscope.simulator';
  private static current: SimulatorPanel | undefined;

  private readonly disposables: vscode.Disposable[] = [];
  private readonly queue: HostMessage[] = [];
  private ready = false;
  private disposed = false;
  private readonly received = new vscode.EventEmitter<PageMessage>();
  private readonly closed = new vscode.EventEmitter<void>();
  /** Every valid message from the page (after `ready` handling). */
  readonly onDidReceiveMessage = this.received.event;
  readonly onDidDispose = this.closed.event;

  static get instance(): SimulatorPanel | undefined {
    return SimulatorPanel.current;
  }

  static webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
      enableFindWidget: false,
    };
  }

  static createOrShow(extensionUri: vscode.Uri, log: PanelLogger): SimulatorPanel {
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    if (SimulatorPanel.current && SimulatorPanel.hasTab()) {
      SimulatorPanel.current.panel.reveal(column, true);
      return SimulatorPanel.current;
    }
    // A panel whose tab is gone but whose dispose event has not reached this extension host yet
    // (closed and reopened quickly): messages to it would go nowhere.
    SimulatorPanel.current?.dispose();
    const panel = vscode.window.createWebviewPanel(SimulatorPanel.viewType, 'NormScope Simulator', { viewColumn: column, preserveFocus: true }, SimulatorPanel.webviewOptions(extensionUri));
    SimulatorPanel.current = new SimulatorPanel(panel, extensionUri, log);
    return SimulatorPanel.current;
  }

  /** Whether a simulator tab is open in the workbench. */
  private static hasTab(): boolean {
    return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(SimulatorPanel.viewType)));
  }

  /** Called by the serializer with a panel VS Code restored. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, log: PanelLogger): SimulatorPanel {
    SimulatorPanel.current?.dispose();
    panel.webview.options = SimulatorPanel.webviewOptions(extensionUri);
    SimulatorPanel.current = new SimulatorPanel(panel, extensionUri, log);
    return SimulatorPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly log: PanelLogger,
  ) {
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'simulator.svg');
    this.disposables.push(
      this.received,
      this.closed,
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((data: unknown) => this.onMessage(data)),
    );
    this.render();
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Sends now if the page is ready, else when it is (in order). */
  post(message: HostMessage): void {
    if (this.disposed) return;
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message).then(undefined, (error: unknown) => this.log.warn(`simulator: postMessage failed: ${String(error)}`));
  }

  private render(): void {
    const webview = this.panel.webview;
    const asset = (...parts: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', ...parts)).toString();
    this.ready = false;
    webview.html = panelHtml({ cspSource: webview.cspSource, scriptUri: asset('main.js'), workerUri: asset('worker.js'), styleUri: asset('simulator.css') });
  }

  private onMessage(data: unknown): void {
    const message = parsePageMessage(data);
    if (!message) {
      this.log.warn(`simulator: dropped a malformed ${describeMessage(data)} from the page`);
      return;
    }
    switch (message.type) {
      case 'ready': {
        this.ready = true;
        const pending = this.queue.splice(0);
        for (const m of pending) this.post(m);
        break;
      }
      case 'error':
        this.log.warn(`simulator page: ${message.message}`);
        break;
      case 'export':
        void this.export(message.format, message.name, message.data);
        break;
      case 'rendered':
        this.log.info(`simulator: ${message.model} ${message.phase} rendered, ${message.layers} layers, ${Math.round(message.ms)} ms`);
        break;
      case 'selectModel':
        break;
    }
    this.received.fire(message);
  }

  private async export(format: 'png' | 'csv', name: string, data: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === 'png' ? { 'PNG image': ['png'] } : { 'CSV data': ['csv'] },
      saveLabel: 'Export',
    });
    if (!target) return;
    try {
      const bytes = format === 'png' ? Buffer.from(data.slice('data:image/png;base64,'.length), 'base64') : Buffer.from(data, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post({ type: 'notice', message: `Saved ${target.fsPath}` });
    } catch (error) {
      this.log.error(`simulator: export failed: ${String(error)}`);
      void vscode.window.showErrorMessage(`NormScope: could not save ${target.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (SimulatorPanel.current === this) SimulatorPanel.current = undefined;
    this.closed.fire();
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.queue.length = 0;
  }
}
