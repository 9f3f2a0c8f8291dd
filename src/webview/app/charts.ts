/**
 * The five charts (chart.js), drawn from a SimulationResult: mean ± std through depth (training
 * vs inference overlaid), per-layer histograms, gradient norms, the batch-size sweep and the
 * what-if comparison. Used by the webview page and by the standalone HTML report.
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import type { LayerResult, SimulationResult } from '../../simulation/result';
import type { ChartId } from './csv';
import { readPalette, withAlpha, type Palette } from './theme';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip);

export function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(a < 1 ? 4 : 3);
}

type AnyChart = Chart<'line' | 'bar', (number | null)[], string>;

function baseOptions(p: Palette, yTitle: string, xTitle: string, logY = false): ChartConfiguration<'line'>['options'] {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: 'index', intersect: false },
    color: p.foreground,
    font: { family: p.font },
    plugins: {
      legend: { labels: { color: p.foreground, boxWidth: 14, filter: (item) => !String(item.text).startsWith('_') } },
      tooltip: {
        filter: (item: TooltipItem<'line'>) => !String(item.dataset.label ?? '').startsWith('_'),
        callbacks: { label: (item: TooltipItem<'line'>) => `${item.dataset.label ?? ''}: ${fmt(item.parsed.y ?? undefined)}` },
      },
    },
    scales: {
      x: { ticks: { color: p.muted, autoSkip: true, maxRotation: 60 }, grid: { color: p.grid }, title: { display: true, text: xTitle, color: p.muted } },
      y: { type: logY ? 'logarithmic' : 'linear', ticks: { color: p.muted }, grid: { color: p.grid }, title: { display: true, text: yTitle, color: p.muted } },
    },
  };
}

function lineWidth(p: Palette): number {
  return p.highContrast ? 3 : 2;
}

function line(label: string, data: (number | null)[], color: string, p: Palette, extra: Partial<ChartDataset<'line', (number | null)[]>> = {}): ChartDataset<'line', (number | null)[]> {
  return { type: 'line', label, data, borderColor: color, backgroundColor: color, borderWidth: lineWidth(p), pointRadius: 2, pointHoverRadius: 5, tension: 0, ...extra };
}

/** Lower/upper band edges (labels starting with `_` are hidden from legend and tooltip). */
function band(label: string, lower: number[], upper: number[], color: string, p: Palette): ChartDataset<'line', (number | null)[]>[] {
  const fill = p.highContrast ? 'transparent' : withAlpha(color, 0.15);
  const edge = p.highContrast ? color : withAlpha(color, 0.35);
  return [
    { type: 'line', label: `_${label} lower`, data: lower, borderColor: edge, borderWidth: 1, borderDash: [4, 3], pointRadius: 0, fill: false },
    { type: 'line', label: `_${label} upper`, data: upper, borderColor: edge, borderWidth: 1, borderDash: [4, 3], pointRadius: 0, backgroundColor: fill, fill: '-1' },
  ];
}

function layerLabels(r: SimulationResult): string[] {
  return r.layers.map((l) => l.name);
}

function depthConfig(r: SimulationResult, p: Palette): ChartConfiguration<'line', (number | null)[], string> {
  const [cTrain, cEval] = p.series;
  const tm = r.layers.map((l) => l.train.mean);
  const em = r.layers.map((l) => l.eval.mean);
  const options = baseOptions(p, 'activation', 'layer (forward order)');
  options!.plugins!.tooltip!.callbacks!.label = (item: TooltipItem<'line'>) => {
    const l = r.layers[item.dataIndex];
    const s = item.dataset.label === 'training mean' ? l.train : l.eval;
    return `${item.dataset.label}: ${fmt(s.mean)} ± ${fmt(s.std)}  [${fmt(s.min)}, ${fmt(s.max)}]`;
  };
  options!.plugins!.tooltip!.callbacks!.afterBody = (items: TooltipItem<'line'>[]) => {
    const l = items.length > 0 ? r.layers[items[0].dataIndex] : undefined;
    if (!l) return [];
    const lines = [`kind: ${l.kind}`];
    if (l.trainEvalGap !== undefined) lines.push(`train/eval gap: ${fmt(l.trainEvalGap)} σ`);
    if (l.deadFraction !== undefined) lines.push(`dead units: ${(100 * l.deadFraction).toFixed(1)} %`);
    return lines;
  };
  return {
    type: 'line',
    data: {
      labels: layerLabels(r),
      datasets: [
        line('training mean', tm, cTrain, p),
        ...band('training', r.layers.map((l) => l.train.mean - l.train.std), r.layers.map((l) => l.train.mean + l.train.std), cTrain, p),
        line('inference mean', em, cEval, p, { borderDash: [6, 3] }),
        ...band('inference', r.layers.map((l) => l.eval.mean - l.eval.std), r.layers.map((l) => l.eval.mean + l.eval.std), cEval, p),
      ],
    },
    options,
  };
}

function histogramConfig(l: LayerResult | undefined, p: Palette): ChartConfiguration<'bar', (number | null)[], string> {
  const [cTrain, cEval] = p.series;
  const h = l?.histogram;
  const bins = h?.train.length ?? 0;
  const w = h ? (h.hi - h.lo) / Math.max(1, bins) : 0;
  const labels = Array.from({ length: bins }, (_, b) => fmt(h!.lo + (b + 0.5) * w));
  const options = baseOptions(p, 'fraction of values', l ? `output of ${l.name} (${l.kind})` : 'value') as ChartConfiguration<'bar'>['options'];
  options!.plugins!.tooltip!.callbacks!.title = (items) => (items.length > 0 && h ? `[${fmt(h.lo + items[0].dataIndex * w)}, ${fmt(h.lo + (items[0].dataIndex + 1) * w)})` : '');
  options!.plugins!.tooltip!.callbacks!.label = (item) => `${item.dataset.label ?? ''}: ${(100 * (item.parsed.y ?? 0)).toFixed(2)} %`;
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { type: 'bar', label: 'training', data: h ? [...h.train] : [], backgroundColor: p.highContrast ? cTrain : withAlpha(cTrain, 0.6), borderColor: cTrain, borderWidth: 1, grouped: false, barPercentage: 1, categoryPercentage: 1 },
        { type: 'bar', label: 'inference', data: h ? [...h.eval] : [], backgroundColor: p.highContrast ? 'transparent' : withAlpha(cEval, 0.45), borderColor: cEval, borderWidth: p.highContrast ? 2 : 1, grouped: false, barPercentage: 1, categoryPercentage: 1 },
      ],
    },
    options,
  };
}

function gradientConfig(r: SimulationResult, p: Palette): ChartConfiguration<'line', (number | null)[], string> {
  const [c1, , c3] = p.series;
  const positive = (v: number | undefined): number | null => (v !== undefined && v > 0 && Number.isFinite(v) ? v : null);
  return {
    type: 'line',
    data: {
      labels: layerLabels(r),
      datasets: [
        line('‖∂L/∂output‖', r.layers.map((l) => positive(l.gradNorm)), c1, p, { spanGaps: true }),
        line('‖∂L/∂weight‖', r.layers.map((l) => positive(l.weightGradNorm)), c3, p, { showLine: false, pointRadius: 4, pointStyle: 'rectRot' }),
      ],
    },
    options: baseOptions(p, 'gradient L2 norm (log)', 'layer (forward order)', true),
  };
}

function sweepConfig(r: SimulationResult, p: Palette): ChartConfiguration<'line', (number | null)[], string> {
  const [c1, c2, , , , , fg] = p.series;
  const sweep = r.batchSweep ?? [];
  const first = sweep.find((s) => s.statNoise > 0);
  // Reference: noise ∝ 1/√(samples per channel), anchored at the first point.
  const ref = sweep.map((s) => (first ? first.statNoise * Math.sqrt(first.samplesPerChannel / s.samplesPerChannel) : null));
  const options = baseOptions(p, 'batch-statistic noise', 'batch size', true);
  options!.scales!.y2 = { type: 'linear', position: 'right', ticks: { color: p.muted }, grid: { drawOnChartArea: false }, title: { display: true, text: 'train/eval gap (σ)', color: p.muted } };
  options!.plugins!.tooltip!.callbacks!.afterTitle = (items: TooltipItem<'line'>[]) =>
    items.length > 0 && sweep[items[0].dataIndex] ? `${sweep[items[0].dataIndex].samplesPerChannel} samples per channel` : '';
  return {
    type: 'line',
    data: {
      labels: sweep.map((s) => String(s.batchSize)),
      datasets: [
        line(`noise of ${r.sweepLayer ?? 'BatchNorm'}'s batch mean`, sweep.map((s) => (s.statNoise > 0 ? s.statNoise : null)), c1, p),
        line('∝ 1/√samples', ref, fg, p, { borderDash: [2, 4], pointRadius: 0, borderWidth: 1 }),
        line('train/eval gap', sweep.map((s) => s.trainEvalGap), c2, p, { yAxisID: 'y2', borderDash: [6, 3] }),
      ],
    },
    options,
  };
}

function whatIfConfig(r: SimulationResult, p: Palette): ChartConfiguration<'line', (number | null)[], string> {
  const variants = (r.whatIf ?? []).filter((v) => v.error === undefined);
  const labels = variants[0]?.layers.map((l) => l.name) ?? [];
  const options = baseOptions(p, 'output std (training mode, log)', 'layer (forward order)', true);
  return {
    type: 'line',
    data: {
      labels,
      datasets: variants.map((v, i) =>
        line(`${v.label} (gap ${fmt(v.trainEvalGap)})`, v.layers.map((l) => (l.train.std > 0 ? l.train.std : null)), p.series[i % p.series.length], p, {
          borderDash: i >= p.series.length ? [5, 3] : [],
          pointStyle: (['circle', 'rect', 'triangle', 'rectRot', 'star', 'cross', 'crossRot'] as const)[i % 7],
          spanGaps: true,
        }),
      ),
    },
    options,
  };
}

/** Holds the chart instances of one page; `update` redraws from a result, `retheme` after a theme change. */
export class ChartSet {
  private readonly charts = new Map<ChartId, AnyChart>();
  private result: SimulationResult | undefined;
  private histogramLayer = 0;

  constructor(private readonly canvases: ReadonlyMap<ChartId, HTMLCanvasElement>) {}

  get current(): SimulationResult | undefined {
    return this.result;
  }

  setHistogramLayer(index: number): void {
    this.histogramLayer = index;
    if (this.result) this.draw('histogram', this.result, readPalette());
  }

  update(result: SimulationResult): void {
    this.result = result;
    if (this.histogramLayer >= result.layers.length) this.histogramLayer = 0;
    const p = readPalette();
    for (const id of this.canvases.keys()) this.draw(id, result, p);
  }

  retheme(): void {
    if (this.result) this.update(this.result);
  }

  pngDataUrl(id: ChartId): string | undefined {
    const chart = this.charts.get(id);
    if (!chart) return undefined;
    // Paint the theme background under the transparent canvas so the PNG reads on any viewer.
    const src = chart.canvas;
    const out = document.createElement('canvas');
    out.width = src.width;
    out.height = src.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = readPalette().background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    return out.toDataURL('image/png');
  }

  destroy(): void {
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }

  private draw(id: ChartId, r: SimulationResult, p: Palette): void {
    const canvas = this.canvases.get(id);
    if (!canvas) return;
    const config = this.config(id, r, p) as ChartConfiguration<'line' | 'bar', (number | null)[], string>;
    const old = this.charts.get(id);
    if (old) old.destroy();
    this.charts.set(id, new Chart(canvas, config));
  }

  private config(id: ChartId, r: SimulationResult, p: Palette): unknown {
    switch (id) {
      case 'depth':
        return depthConfig(r, p);
      case 'histogram':
        return histogramConfig(r.layers[this.histogramLayer], p);
      case 'gradients':
        return gradientConfig(r, p);
      case 'sweep':
        return sweepConfig(r, p);
      case 'whatIf':
        return whatIfConfig(r, p);
    }
  }
}
