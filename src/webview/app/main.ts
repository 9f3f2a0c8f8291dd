/**
 * The simulator page inside the VS Code webview. Receives models from the host (validated),
 * runs the simulation in a Web Worker (the UI never blocks), draws the charts, keeps its state
 * with `setState` so a reload or a VS Code restart restores it, and reports each render back.
 */

import { DEFAULT_OPTIONS, LIMITS, normalizeOptions, type SimulationOptions } from '../../simulation/options';
import type { NetworkSpec } from '../../simulation/spec';
import {
  describeMessage,
  parseHostMessage,
  parseNetworkSpec,
  parseOptions,
  parseWorkerReply,
  type HostMessage,
  type Phase,
  type PageMessage,
  type RunRequest,
} from '../protocol';
import { ChartSet } from './charts';
import { chartCsv } from './csv';
import { buildLayout, readControls, writeControls, type Layout } from './layout';
import { renderResult } from './render';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: PageState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What survives reloads (serializer) and restarts. */
interface PageState {
  readonly options: SimulationOptions;
  readonly spec?: NetworkSpec;
  readonly fileName?: string;
  readonly models?: readonly string[];
  readonly histogramLayer: number;
  /** The input size picked (or given by the host), or absent for the simulator's choice. */
  readonly inputSize?: number;
}

function restoreState(raw: unknown): PageState {
  const o = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const spec = parseNetworkSpec(o.spec);
  const models = Array.isArray(o.models) && o.models.every((m) => typeof m === 'string') ? (o.models) : undefined;
  return {
    options: parseOptions(o.options) ?? DEFAULT_OPTIONS,
    ...(spec ? { spec } : {}),
    ...(typeof o.fileName === 'string' ? { fileName: o.fileName } : {}),
    ...(models ? { models } : {}),
    histogramLayer: typeof o.histogramLayer === 'number' && Number.isInteger(o.histogramLayer) && o.histogramLayer >= 0 ? o.histogramLayer : -1,
    ...(typeof o.inputSize === 'number' && Number.isInteger(o.inputSize) && o.inputSize >= LIMITS.inputSize.min && o.inputSize <= LIMITS.inputSize.max ? { inputSize: o.inputSize } : {}),
  };
}

async function workerScriptUrl(url: string): Promise<string> {
  // Webview resources live on another origin than the page: load the script once and start
  // workers from a blob URL (allowed by the CSP's `worker-src blob:`).
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load the simulation worker (${response.status})`);
  const blob = new Blob([await response.text()], { type: 'text/javascript' });
  return URL.createObjectURL(blob);
}

const NEXT: Record<Phase, string> = {
  preview: 'running the full pass…',
  main: 'running the batch-size sweep…',
  sweep: 'running the sweep…',
  whatIf: 'running the what-if variants…',
};

class Page {
  private state: PageState;
  private readonly layout: Layout;
  private readonly charts: ChartSet;
  private worker: Worker | undefined;
  private workerUrl: string | undefined;
  /** The worker is still working on run `runId` (it has not sent its last result). */
  private busy = false;
  private runId = 0;
  private runStarted = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly vscode: VsCodeApi, root: HTMLElement) {
    this.state = restoreState(vscode.getState());
    this.layout = buildLayout(root, true);
    this.charts = new ChartSet(this.layout.canvases);
    writeControls(this.layout.controls!, this.state.options);
    this.showInputSize(this.state.inputSize);
    this.wire();
  }

  async start(workerUrl: string): Promise<void> {
    try {
      this.workerUrl = await workerScriptUrl(workerUrl);
      this.spawnWorker();
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
    }
    if (this.state.spec) {
      this.showModels(this.state.models ?? [this.state.spec.model], this.state.spec.model);
      this.run();
    }
    this.vscode.postMessage({ type: 'ready', ...(this.state.inputSize !== undefined ? { inputSize: this.state.inputSize } : {}) });
  }

  private spawnWorker(): void {
    if (!this.workerUrl) return;
    const worker = new Worker(this.workerUrl);
    worker.addEventListener('message', (e: MessageEvent<unknown>) => this.onWorker(e.data));
    worker.addEventListener('error', (e) => this.fail(`simulation worker error: ${e.message}`));
    this.worker = worker;
    this.busy = false;
  }

  private wire(): void {
    window.addEventListener('message', (e: MessageEvent<unknown>) => {
      const message = parseHostMessage(e.data);
      if (!message) {
        const what = describeMessage(e.data);
        console.warn(`NormScope: dropped a malformed ${what}`);
        this.vscode.postMessage({ type: 'error', message: `page dropped a malformed ${what}` });
        return;
      }
      this.onHost(message);
    });
    const controls = this.layout.controls!;
    controls.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.optionsChanged(0);
    });
    // The input size is the host's to apply (it builds the network): it answers with the model
    // again. Not a simulation option: its events stop here, before the form's listeners.
    controls.inputSize.addEventListener('input', (e) => e.stopPropagation());
    controls.inputSize.addEventListener('change', (e) => {
      e.stopPropagation();
      const size = controls.inputSize.value === '' ? undefined : Number(controls.inputSize.value);
      this.save({ ...this.state, inputSize: size });
      this.setStatus(size !== undefined ? `Rebuilding the model with ${size} as its input size…` : 'Rebuilding the model with the automatic input size…', false);
      this.vscode.postMessage({ type: 'inputSize', size: size ?? null });
    });
    controls.form.addEventListener('change', () => this.optionsChanged(150));
    controls.form.addEventListener('input', () => this.optionsChanged(400));
    this.layout.modelPicker.addEventListener('change', () => this.vscode.postMessage({ type: 'selectModel', model: this.layout.modelPicker.value }));
    this.layout.histogramLayer.addEventListener('change', () => {
      const index = Number(this.layout.histogramLayer.value) || 0;
      this.save({ ...this.state, histogramLayer: index });
      this.charts.setHistogramLayer(index);
    });
    for (const { id, format, button } of this.layout.exportButtons) {
      button.addEventListener('click', () => {
        const result = this.charts.current;
        if (!result) return;
        const data = format === 'png' ? this.charts.pngDataUrl(id) : chartCsv(id, result);
        if (data) this.vscode.postMessage({ type: 'export', format, name: `${result.model}-${id}.${format}`.replace(/[^A-Za-z0-9._-]/g, '_'), data });
      });
    }
    new MutationObserver(() => this.charts.retheme()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  private save(state: PageState): void {
    this.state = state;
    this.vscode.setState(state);
  }

  private onHost(message: HostMessage): void {
    switch (message.type) {
      case 'showModel':
        if (message.spec.model !== this.state.spec?.model) this.state = { ...this.state, histogramLayer: -1 };
        // The host says which input size it built the model with (it may have been set from elsewhere).
        this.showInputSize(message.inputSize);
        this.save({ ...this.state, spec: message.spec, fileName: message.fileName, models: message.models, inputSize: message.inputSize });
        this.showModels(message.models, message.spec.model);
        this.run();
        break;
      case 'noModel':
        this.setStatus(`${message.fileName}: ${message.reason}`, true);
        break;
      case 'notice':
        this.setStatus(message.message, false);
        break;
    }
  }

  /** Shows an input size in its control (a size the host was given that the menu lacks gets an entry). */
  private showInputSize(size: number | undefined): void {
    const select = this.layout.controls!.inputSize;
    const value = size !== undefined ? String(size) : '';
    if (![...select.options].some((o) => o.value === value)) select.append(new Option(value, value));
    select.value = value;
  }

  private showModels(models: readonly string[], selected: string): void {
    const picker = this.layout.modelPicker;
    picker.replaceChildren(
      ...models.map((m) => {
        const o = document.createElement('option');
        o.value = m;
        o.textContent = m;
        return o;
      }),
    );
    picker.value = selected;
    picker.hidden = models.length < 2;
  }

  private optionsChanged(delay: number): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      if (!this.layout.controls!.form.checkValidity()) {
        this.setStatus('Some settings are out of range: fix the highlighted fields.', true);
        return;
      }
      this.save({ ...this.state, options: normalizeOptions(readControls(this.layout.controls!)) });
      this.run();
    }, delay);
  }

  private run(): void {
    const spec = this.state.spec;
    if (!spec || !this.worker) return;
    // A worker busy with a superseded run (a long sweep or what-if unit) would delay this run's
    // first result until that unit ends: start a fresh one instead.
    if (this.busy) {
      this.worker.terminate();
      this.spawnWorker();
    }
    this.runId += 1;
    this.runStarted = performance.now();
    const request: RunRequest = { type: 'run', runId: this.runId, spec, options: this.state.options };
    this.setStatus(`Simulating ${spec.model}…`, false);
    this.busy = true;
    this.worker.postMessage(request);
  }

  private onWorker(data: unknown): void {
    const reply = parseWorkerReply(data);
    if (!reply || reply.runId !== this.runId) return; // a superseded run
    if (reply.type === 'failed') {
      this.busy = false;
      this.fail(reply.message);
      return;
    }
    renderResult(this.layout, this.charts, reply.result, this.state.histogramLayer);
    const ms = performance.now() - this.runStarted;
    const done = reply.phase === 'whatIf' && !reply.partial;
    if (done) this.busy = false;
    const where = `${reply.result.model}${this.state.fileName ? ` (${this.state.fileName})` : ''}`;
    const next = reply.partial ? '…' : `, ${NEXT[reply.phase]}`;
    this.setStatus(done ? `${where}: done in ${Math.round(ms)} ms` : `${where}: ${reply.progress} at ${Math.round(ms)} ms${next}`, false);
    if (!reply.partial) this.vscode.postMessage({ type: 'rendered', model: reply.result.model, phase: reply.phase, layers: reply.result.layers.length, ms, inputShape: reply.result.inputShape });
  }

  private setStatus(text: string, isError: boolean): void {
    this.layout.status.textContent = text;
    this.layout.status.classList.toggle('error', isError);
  }

  private fail(message: string): void {
    this.setStatus(message, true);
    this.vscode.postMessage({ type: 'error', message });
  }
}

const root = document.getElementById('app');
if (root) {
  const page = new Page(acquireVsCodeApi(), root);
  void page.start(document.body.dataset.worker ?? '');
}
