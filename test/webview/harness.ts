/**
 * Serves the simulator page exactly as the panel builds it (same HTML generator, same CSP, same
 * bundles from dist/webview) on 127.0.0.1, and drives it in Debian's headless Chromium with a
 * stand-in for VS Code's `acquireVsCodeApi` that records what the page posts.
 */

import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/webview/host/html';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureChromium } = require('../../../scripts/ensure-chromium.js') as { ensureChromium: () => string };

export const ROOT = path.join(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist', 'webview');
export const RESULTS = path.join(ROOT, 'test-results');

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' };

export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `/` (the panel HTML) and the files of dist/webview. */
export async function serve(): Promise<Served> {
  const server = http.createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(panelHtml({ cspSource: origin, scriptUri: `${origin}/main.js`, workerUri: `${origin}/worker.js`, styleUri: `${origin}/simulator.css` }));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      // Chromium asks every page for one; a webview never does.
      res.writeHead(204);
      res.end();
      return;
    }
    const file = path.join(DIST, path.normalize(url.pathname).replace(/^([/\\])+/, ''));
    if (!file.startsWith(DIST) || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function launch(): Promise<Browser> {
  const executablePath = ensureChromium();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Installed before the page's scripts: the VS Code API stand-in and a CSP-violation recorder. */
export function fakeVsCodeApi(initialState: unknown): string {
  return `(() => {
    window.__posted = [];
    window.__violations = [];
    let state = ${JSON.stringify(initialState ?? null)};
    window.__getState = () => state;
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => state,
      setState: (s) => { state = JSON.parse(JSON.stringify(s)); },
    });
  })();`;
}

export interface Posted {
  type: string;
  [key: string]: unknown;
}

export async function posted(page: Page): Promise<Posted[]> {
  return page.evaluate(() => (window as unknown as { __posted: Posted[] }).__posted);
}

/** Waits (polling, with a deadline) until the page posted a message matching `match`. */
export async function waitForPosted(page: Page, match: (m: Posted) => boolean, after = 0, timeoutMs = 60000): Promise<Posted> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await posted(page);
    const hit = all.slice(after).find(match);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`timed out waiting for a posted message; got: ${JSON.stringify(all.map((m) => m.type))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Counts pixels of a canvas that differ from fully transparent (chart.js draws on a transparent canvas). */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const ctx = c.getContext('2d');
    if (!ctx || c.width === 0 || c.height === 0) return 0;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
    return n;
  });
}

/** Distinct colours drawn on a canvas (more than axes and text means data series). */
export async function distinctColours(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (canvas) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return seen.size;
  });
}

/** VS Code's theme variables for the three theme kinds (a subset of what VS Code injects). */
export const THEMES: Record<string, { bodyClass: string; vars: Record<string, string> }> = {
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-foreground': '#3b3b3b',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-editor-background': '#ffffff',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-focusBorder': '#005fb8',
      '--vscode-input-background': '#ffffff',
      '--vscode-input-foreground': '#3b3b3b',
      '--vscode-input-border': '#cecece',
      '--vscode-button-secondaryBackground': '#e5e5e5',
      '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-widget-border': '#e5e5e5',
      '--vscode-charts-lines': 'rgba(59, 59, 59, 0.15)',
      '--vscode-charts-blue': '#1a85ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#388a34',
      '--vscode-charts-red': '#e51400',
      '--vscode-charts-purple': '#652d90',
      '--vscode-charts-yellow': '#bf8803',
    },
  },
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-editor-background': '#1f1f1f',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-focusBorder': '#0078d4',
      '--vscode-input-background': '#313131',
      '--vscode-input-foreground': '#cccccc',
      '--vscode-input-border': '#3c3c3c',
      '--vscode-button-secondaryBackground': '#313131',
      '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-widget-border': '#313131',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.15)',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#d18616',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-red': '#f14c4c',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#cca700',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-foreground': '#ffffff',
      '--vscode-descriptionForeground': '#ffffff',
      '--vscode-editor-background': '#000000',
      '--vscode-font-family': 'sans-serif',
      '--vscode-font-size': '13px',
      '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-input-background': '#000000',
      '--vscode-input-foreground': '#ffffff',
      '--vscode-input-border': '#6fc3df',
      '--vscode-button-secondaryBackground': '#000000',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-widget-border': '#6fc3df',
      '--vscode-charts-lines': 'rgba(255, 255, 255, 0.4)',
      '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#ff9e3d',
      '--vscode-charts-green': '#89d185',
      '--vscode-charts-red': '#f48771',
      '--vscode-charts-purple': '#b180d7',
      '--vscode-charts-yellow': '#ffd700',
    },
  },
};

/** Applies a theme the way VS Code does: variables on <html>, a class on <body>. */
export async function applyTheme(page: Page, name: string): Promise<void> {
  const theme = THEMES[name];
  await page.evaluate((t) => {
    for (const [k, v] of Object.entries(t.vars)) document.documentElement.style.setProperty(k, v);
    document.body.classList.remove('vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light');
    document.body.classList.add(t.bodyClass);
  }, theme);
}
