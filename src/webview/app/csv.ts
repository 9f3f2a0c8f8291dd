/** The data behind each chart as CSV (one function per chart; shared by the webview and the report). */

import type { SimulationResult } from '../../simulation/result';

export type ChartId = 'depth' | 'histogram' | 'gradients' | 'sweep' | 'whatIf';
export const CHART_IDS: readonly ChartId[] = ['depth', 'histogram', 'gradients', 'sweep', 'whatIf'];

function cell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : String(v);
  // Quote when needed; neutralise spreadsheet formulas in names that come from user code.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function table(header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export function chartCsv(id: ChartId, r: SimulationResult): string {
  switch (id) {
    case 'depth':
      return table(
        ['index', 'layer', 'kind', 'train_mean', 'train_std', 'train_min', 'train_max', 'eval_mean', 'eval_std', 'eval_min', 'eval_max', 'dead_fraction', 'train_eval_gap'],
        r.layers.map((l, i) => [i, l.name, l.kind, l.train.mean, l.train.std, l.train.min, l.train.max, l.eval.mean, l.eval.std, l.eval.min, l.eval.max, l.deadFraction, l.trainEvalGap]),
      );
    case 'histogram': {
      const rows: (string | number)[][] = [];
      for (const l of r.layers) {
        const bins = l.histogram.train.length;
        const w = (l.histogram.hi - l.histogram.lo) / bins;
        for (let b = 0; b < bins; b++) rows.push([l.name, l.histogram.lo + b * w, l.histogram.lo + (b + 1) * w, l.histogram.train[b], l.histogram.eval[b]]);
      }
      return table(['layer', 'bin_lo', 'bin_hi', 'train_fraction', 'eval_fraction'], rows);
    }
    case 'gradients':
      return table(['index', 'layer', 'kind', 'grad_norm', 'weight_grad_norm'], r.layers.map((l, i) => [i, l.name, l.kind, l.gradNorm, l.weightGradNorm]));
    case 'sweep':
      return table(
        ['batch_size', 'samples_per_channel', 'stat_noise', 'train_eval_gap'],
        (r.batchSweep ?? []).map((p) => [p.batchSize, p.samplesPerChannel, p.statNoise, p.trainEvalGap]),
      );
    case 'whatIf': {
      const rows: (string | number | undefined)[][] = [];
      for (const v of r.whatIf ?? []) {
        if (v.error !== undefined) rows.push([v.label, '', '', '', '', '', v.error]);
        for (const l of v.layers) rows.push([v.label, l.name, l.train.mean, l.train.std, l.eval.mean, l.eval.std, undefined]);
      }
      return table(['variant', 'layer', 'train_mean', 'train_std', 'eval_mean', 'eval_std', 'error'], rows);
    }
  }
}
