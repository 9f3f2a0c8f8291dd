/** Drawing a result into the layout: charts, captions, pickers. Shared by the webview and the report. */

import { INIT_LABELS, NORM_SWAP_LABELS } from '../../simulation/options';
import type { SimulationResult } from '../../simulation/result';
import { ChartSet, fmt } from './charts';
import { fillAssumptions, fillHistogramPicker, type Layout } from './layout';

export function captionsFor(r: SimulationResult): Record<string, string> {
  const norms = r.layers.filter((l) => l.trainEvalGap !== undefined);
  const dead = r.layers.filter((l) => l.deadFraction !== undefined);
  const worstDead = dead.reduce<{ name: string; f: number } | undefined>((w, l) => (!w || l.deadFraction! > w.f ? { name: l.name, f: l.deadFraction! } : w), undefined);
  const last = r.layers[r.layers.length - 1];
  const sweep = r.batchSweep ?? [];
  const s4 = sweep.find((s) => s.batchSize === 4);
  const s64 = sweep.find((s) => s.batchSize === 64);
  const grads = r.layers.map((l) => l.gradNorm).filter((g): g is number => g !== undefined && g > 0 && Number.isFinite(g));
  return {
    depth:
      `${r.layers.length} layers, batch ${r.options.batchSize}, ${r.options.steps} training steps, seed ${r.options.seed}. ` +
      (last ? `Output: training ${fmt(last.train.mean)} ± ${fmt(last.train.std)}, inference ${fmt(last.eval.mean)} ± ${fmt(last.eval.std)}. ` : '') +
      (norms.length > 0 ? `Mean train/eval gap over ${norms.length} norm layers: ${fmt(r.trainEvalGap)} σ.` : 'No norm layers.') +
      (worstDead && worstDead.f > 0 ? ` Most dead units: ${worstDead.name} (${(100 * worstDead.f).toFixed(1)} %).` : ''),
    histogram: 'Training-mode (batch statistics) and inference-mode (running statistics) outputs on the same bins.',
    gradients:
      grads.length > 1
        ? `Backward pass of a random-projection loss in training mode: ‖∂L/∂output‖ ranges over ${fmt(Math.min(...grads))} … ${fmt(Math.max(...grads))} (ratio ${fmt(Math.max(...grads) / Math.min(...grads))}).`
        : 'Backward pass of a random-projection loss in training mode.',
    sweep: r.batchSweep
      ? r.sweepLayer
        ? `Noise of ${r.sweepLayer}'s per-channel batch mean over ${r.options.steps} steps.` +
          (s4 && s64 && s64.statNoise > 0 ? ` Batch 4 vs 64: ${fmt(s4.statNoise / s64.statNoise)}× (1/√n predicts 4×).` : '')
        : 'The model has no BatchNorm: no batch-statistic noise to measure; the gap line still shows its norms.'
      : 'Running the sweep…',
    whatIf: r.whatIf
      ? `Same network and inputs, norms swapped (currently ${NORM_SWAP_LABELS[r.options.normSwap]}) and other initialisations (currently ${INIT_LABELS[r.options.init]}).` +
        r.whatIf.filter((v) => v.error !== undefined).map((v) => ` ${v.label}: ${v.error}`).join('')
      : 'Running the what-if variants…',
  };
}

export function renderResult(layout: Layout, charts: ChartSet, r: SimulationResult, selectedLayer: number): void {
  layout.title.textContent = `${r.model}: activation statistics`;
  fillAssumptions(layout.assumptions, r.assumptions, r.warnings);
  // A negative selection means "automatic": the first norm layer, where train and eval differ.
  const auto = Math.max(0, r.layers.findIndex((l) => l.trainEvalGap !== undefined));
  const keep = layout.histogramLayer.options.length === r.layers.length ? Number(layout.histogramLayer.value) : selectedLayer < 0 ? auto : selectedLayer;
  fillHistogramPicker(layout.histogramLayer, r.layers, keep);
  charts.setHistogramLayer(Number(layout.histogramLayer.value) || 0);
  charts.update(r);
  const captions = captionsFor(r);
  for (const [id, p] of layout.captions) p.textContent = captions[id] ?? '';
}
