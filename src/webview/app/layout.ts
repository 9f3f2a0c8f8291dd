/**
 * The page's DOM, built with createElement (no innerHTML, no inline styles: the CSP forbids
 * them and user-provided names must never become markup). Shared by the webview and the report.
 */

import { DISTRIBUTIONS, INIT_LABELS, INIT_SCHEMES, LIMITS, NORM_SWAP_LABELS, NORM_SWAPS, type SimulationOptions } from '../../simulation/options';
import type { ChartId } from './csv';
import { INPUT_SIZES } from '../protocol';

export interface Layout {
  readonly root: HTMLElement;
  readonly status: HTMLElement;
  readonly title: HTMLElement;
  readonly assumptions: HTMLElement;
  readonly modelPicker: HTMLSelectElement;
  readonly controls?: Controls;
  readonly canvases: Map<ChartId, HTMLCanvasElement>;
  readonly exportButtons: { id: ChartId; format: 'png' | 'csv'; button: HTMLButtonElement }[];
  readonly histogramLayer: HTMLSelectElement;
  readonly captions: Map<ChartId, HTMLElement>;
}

export interface Controls {
  readonly form: HTMLFormElement;
  readonly batchSize: HTMLInputElement;
  readonly steps: HTMLInputElement;
  readonly seed: HTMLInputElement;
  readonly inputMean: HTMLInputElement;
  readonly inputScale: HTMLInputElement;
  readonly distribution: HTMLSelectElement;
  readonly normSwap: HTMLSelectElement;
  readonly init: HTMLSelectElement;
  /** Not a simulation option: the host builds the network with it (see `InputSizeMessage`). */
  readonly inputSize: HTMLSelectElement;
}

export const CHART_TITLES: Readonly<Record<ChartId, string>> = {
  depth: 'Mean ± std through depth: training vs inference',
  histogram: 'Histogram of one layer’s output',
  gradients: 'Gradient norms through depth',
  sweep: 'Batch-size sweep: BatchNorm statistic noise and train/eval gap',
  whatIf: 'What if: other normalizations and initialisations',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function field(label: string, input: HTMLElement, id: string, hint?: string): HTMLElement {
  const wrap = el('div', { class: 'field' });
  const l = el('label', { for: id }, label);
  wrap.append(l, input);
  if (hint) {
    input.setAttribute('aria-describedby', `${id}-hint`);
    wrap.append(el('span', { class: 'hint', id: `${id}-hint` }, hint));
  }
  return wrap;
}

function numberInput(id: string, min: number, max: number, step: string): HTMLInputElement {
  return el('input', { id, name: id, type: 'number', min: String(min), max: String(max), step, inputmode: 'decimal', required: '' });
}

function select(id: string, values: readonly string[], labels: (v: string) => string): HTMLSelectElement {
  const s = el('select', { id, name: id });
  for (const v of values) s.append(el('option', { value: v }, labels(v)));
  return s;
}

function buildControls(): Controls {
  const form = el('form', { class: 'controls', 'aria-label': 'Simulation settings' });
  const c: Controls = {
    form,
    batchSize: numberInput('batchSize', LIMITS.batchSize.min, LIMITS.batchSize.max, '1'),
    steps: numberInput('steps', LIMITS.steps.min, LIMITS.steps.max, '1'),
    seed: numberInput('seed', LIMITS.seed.min, LIMITS.seed.max, '1'),
    inputMean: numberInput('inputMean', LIMITS.inputMean.min, LIMITS.inputMean.max, 'any'),
    inputScale: numberInput('inputScale', LIMITS.inputScale.min, LIMITS.inputScale.max, 'any'),
    distribution: select('distribution', DISTRIBUTIONS, (v) => v),
    normSwap: select('normSwap', NORM_SWAPS, (v) => NORM_SWAP_LABELS[v as keyof typeof NORM_SWAP_LABELS]),
    init: select('init', INIT_SCHEMES, (v) => INIT_LABELS[v as keyof typeof INIT_LABELS]),
    inputSize: select('inputSize', ['', ...INPUT_SIZES.map(String)], (v) => (v === '' ? 'automatic' : v)),
  };
  form.append(
    field('Batch size', c.batchSize, 'batchSize'),
    field('Steps', c.steps, 'steps', 'training-mode steps'),
    field('Seed', c.seed, 'seed'),
    field('Input mean', c.inputMean, 'inputMean'),
    field('Input scale', c.inputScale, 'inputScale'),
    field('Input distribution', c.distribution, 'distribution'),
    field('Normalization', c.normSwap, 'normSwap'),
    field('Initialisation', c.init, 'init'),
    field('Input size', c.inputSize, 'inputSize', 'image side or sequence length, where the code does not say it'),
  );
  return c;
}

export function writeControls(c: Controls, o: SimulationOptions): void {
  c.batchSize.value = String(o.batchSize);
  c.steps.value = String(o.steps);
  c.seed.value = String(o.seed);
  c.inputMean.value = String(o.inputMean);
  c.inputScale.value = String(o.inputScale);
  c.distribution.value = o.distribution;
  c.normSwap.value = o.normSwap;
  c.init.value = o.init;
}

export function readControls(c: Controls): Partial<SimulationOptions> {
  const n = (i: HTMLInputElement): number | undefined => (i.value.trim() === '' ? undefined : Number(i.value));
  return {
    batchSize: n(c.batchSize),
    steps: n(c.steps),
    seed: n(c.seed),
    inputMean: n(c.inputMean),
    inputScale: n(c.inputScale),
    distribution: c.distribution.value as SimulationOptions['distribution'],
    normSwap: c.normSwap.value as SimulationOptions['normSwap'],
    init: c.init.value as SimulationOptions['init'],
  };
}

export function buildLayout(root: HTMLElement, withControls: boolean): Layout {
  root.replaceChildren();
  const header = el('header', { class: 'top' });
  const title = el('h1', {}, 'NormScope activation simulator');
  const modelPicker = el('select', { id: 'model', 'aria-label': 'Model', class: 'model-picker' });
  modelPicker.hidden = true;
  const status = el('p', { class: 'status', role: 'status', 'aria-live': 'polite' }, 'Waiting for a model…');
  const assumptions = el('details', { class: 'assumptions' });
  assumptions.hidden = true;
  header.append(title, modelPicker, status, assumptions);
  root.append(header);

  const controls = withControls ? buildControls() : undefined;
  if (controls) root.append(controls.form);

  const grid = el('div', { class: 'charts' });
  const canvases = new Map<ChartId, HTMLCanvasElement>();
  const captions = new Map<ChartId, HTMLElement>();
  const exportButtons: Layout['exportButtons'] = [];
  const histogramLayer = el('select', { id: 'histogramLayer', 'aria-label': 'Layer shown in the histogram' });
  for (const id of Object.keys(CHART_TITLES) as ChartId[]) {
    const card = el('section', { class: `card card-${id}`, 'aria-labelledby': `title-${id}` });
    const head = el('div', { class: 'card-head' });
    head.append(el('h2', { id: `title-${id}` }, CHART_TITLES[id]));
    const actions = el('div', { class: 'actions' });
    for (const format of ['png', 'csv'] as const) {
      const button = el('button', { type: 'button', class: 'export', 'data-chart': id, 'data-format': format, 'aria-label': `Export ${CHART_TITLES[id]} as ${format.toUpperCase()}` }, format.toUpperCase());
      exportButtons.push({ id, format, button });
      actions.append(button);
    }
    head.append(actions);
    card.append(head);
    if (id === 'histogram') card.append(field('Layer', histogramLayer, 'histogramLayer'));
    const frame = el('div', { class: 'chart-frame' });
    const canvas = el('canvas', { id: `chart-${id}`, role: 'img', 'aria-label': CHART_TITLES[id] });
    frame.append(canvas);
    const caption = el('p', { class: 'caption' });
    captions.set(id, caption);
    card.append(frame, caption);
    canvases.set(id, canvas);
    grid.append(card);
  }
  root.append(grid);
  return { root, status, title, assumptions, modelPicker, controls, canvases, exportButtons, histogramLayer, captions };
}

export function fillAssumptions(details: HTMLElement, assumptions: readonly string[], warnings: readonly string[]): void {
  details.replaceChildren();
  const all = [...assumptions, ...warnings];
  details.hidden = all.length === 0;
  if (all.length === 0) return;
  details.append(el('summary', {}, `${assumptions.length} assumption${assumptions.length === 1 ? '' : 's'}${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`));
  const list = el('ul');
  for (const a of assumptions) list.append(el('li', {}, a));
  for (const w of warnings) list.append(el('li', { class: 'warning' }, w));
  details.append(list);
}

export function fillHistogramPicker(picker: HTMLSelectElement, names: readonly { name: string; kind: string }[], selected: number): void {
  picker.replaceChildren(...names.map((n, i) => el('option', { value: String(i) }, `${i}: ${n.name} (${n.kind})`)));
  picker.value = String(Math.min(selected, Math.max(0, names.length - 1)));
}
