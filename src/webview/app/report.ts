/**
 * The standalone HTML report (`normscope simulate --format html`): the same charts as the
 * webview, drawn from the result embedded in the page; exports download directly.
 */

import type { SimulationResult } from '../../simulation/result';
import { ChartSet } from './charts';
import { chartCsv } from './csv';
import { buildLayout } from './layout';
import { renderResult } from './render';

function download(name: string, href: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

function main(): void {
  const root = document.getElementById('app');
  const data = document.getElementById('normscope-result');
  if (!root || !data) return;
  const result = JSON.parse(data.textContent ?? 'null') as SimulationResult;
  const layout = buildLayout(root, false);
  const charts = new ChartSet(layout.canvases);
  renderResult(layout, charts, result, -1);
  layout.status.textContent = `${result.model}: batch ${result.options.batchSize}, ${result.options.steps} training steps, seed ${result.options.seed}, input ${result.options.distribution}(${result.options.inputMean}, ${result.options.inputScale}).`;
  layout.histogramLayer.addEventListener('change', () => charts.setHistogramLayer(Number(layout.histogramLayer.value) || 0));
  for (const { id, format, button } of layout.exportButtons) {
    button.addEventListener('click', () => {
      const name = `${result.model}-${id}.${format}`.replace(/[^A-Za-z0-9._-]/g, '_');
      if (format === 'png') {
        const url = charts.pngDataUrl(id);
        if (url) download(name, url);
      } else {
        const url = URL.createObjectURL(new Blob([chartCsv(id, result)], { type: 'text/csv' }));
        download(name, url);
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      }
    });
  }
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => charts.retheme());
  document.body.dataset.rendered = 'true';
}

main();
