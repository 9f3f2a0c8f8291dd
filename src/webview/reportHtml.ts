/**
 * The standalone report page (`normscope simulate --format html`): one file with the stylesheet,
 * the chart bundle (chart.js included) and the result inlined; its CSP allows nothing from the
 * network, only the page's own nonce-tagged script and style.
 */

import { randomBytes } from 'crypto';
import type { SimulationResult } from '../simulation/result';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe inside a `<script>` element: no `</script>`, no `<!--`, no line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function reportHtml(result: SimulationResult, assets: { script: string; style: string }): string {
  const nonce = randomBytes(24).toString('base64');
  const csp = `default-src 'none'; img-src data: blob:; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`;
  // A bundle containing `</script` would end the element early: escape it inside the script.
  const script = assets.script.replace(/<\/(script)/gi, '<\\/$1');
  const style = assets.style.replace(/<\/(style)/gi, '<\\/$1');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="NormScope">
<title>${escapeHtml(result.model)} — NormScope activation report</title>
<style nonce="${nonce}">
${style}
</style>
</head>
<body class="report">
<main id="app"></main>
<script type="application/json" id="normscope-result">${scriptSafeJson(result)}</script>
<script nonce="${nonce}">
${script}
</script>
</body>
</html>
`;
}
