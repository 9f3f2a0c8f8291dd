/**
 * The webview's HTML: a strict CSP with a fresh nonce per render (from `crypto`), one stylesheet
 * and one script from the extension's `dist/webview` folder, the worker's URL in a data
 * attribute. Pure (no `vscode`), so the Chromium tests load exactly what the panel loads.
 */

import { randomBytes } from 'crypto';

export interface PanelHtmlInput {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly workerUri: string;
  readonly styleUri: string;
  /** Defaults to a fresh random nonce. */
  readonly nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(24).toString('base64');
}

export function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    // 'wasm-unsafe-eval' lets the worker compile the engine's WebAssembly kernel (no JS eval).
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    // The worker script is fetched from the extension's folder and started from a blob URL.
    `connect-src ${cspSource}`,
    'worker-src blob:',
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(panelCsp(input.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(input.styleUri)}">
<title>NormScope Simulator</title>
</head>
<body data-worker="${escapeAttr(input.workerUri)}">
<main id="app"></main>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>
`;
}
