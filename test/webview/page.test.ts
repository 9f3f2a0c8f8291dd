/**
 * The simulator page in real headless Chromium: it loads under its CSP, renders non-empty charts
 * (canvas pixels, not just the DOM), reacts to a control, survives malformed messages, restores
 * its state, and leaves a screenshot per theme in test-results/ (looked at by a person).
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { mlpSpec, convSpec } from '../../src/simulation/builders';
import type { ShowModelMessage } from '../../src/webview/protocol';
import { applyTheme, distinctColours, fakeVsCodeApi, inkedPixels, launch, posted, RESULTS, serve, THEMES, waitForPosted, type Served } from './harness';

const CHARTS = ['depth', 'histogram', 'gradients', 'sweep', 'whatIf'];

function showModel(spec = mlpSpec({ depth: 6, width: 64, norm: 'batch', dropout: 0.1 })): ShowModelMessage {
  return { type: 'showModel', fileName: 'models/mlp.py', models: [spec.model, 'Other'], spec };
}

describe('simulator page in headless Chromium', function () {
  this.timeout(180000);
  let browser: Browser;
  let served: Served;
  const consoleErrors: string[] = [];

  before(async () => {
    served = await serve();
    browser = await launch();
    fs.mkdirSync(RESULTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await served?.close();
  });

  async function open(initialState: unknown = null, width = 1200): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 1500 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.addInitScript(fakeVsCodeApi(initialState));
    await page.goto(served.url);
    await waitForPosted(page, (m) => m.type === 'ready');
    return page;
  }

  async function send(page: Page, message: unknown): Promise<void> {
    await page.evaluate((m) => window.postMessage(m, '*'), message);
  }

  async function violations(page: Page): Promise<string[]> {
    return page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
  }

  it('loads under its CSP and draws all five charts with data', async () => {
    const page = await open();
    const before = (await posted(page)).length;
    await send(page, showModel());
    const first = await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main', before);
    assert.strictEqual(first.model, 'MLP6x64');
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf', before);
    // A quick preview first, then the full run refines it phase by phase.
    const phases = (await posted(page)).filter((m) => m.type === 'rendered').map((m) => m.phase);
    assert.deepStrictEqual(phases, ['preview', 'main', 'sweep', 'whatIf']);
    for (const id of CHARTS) {
      const ink = await inkedPixels(page, `#chart-${id}`);
      assert.ok(ink > 2000, `chart ${id} has only ${ink} drawn pixels`);
      assert.ok((await distinctColours(page, `#chart-${id}`)) > 3, `chart ${id} shows no coloured series`);
    }
    assert.deepStrictEqual(await violations(page), []);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content') ?? '');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]{20,}' 'wasm-unsafe-eval';/);
    assert.deepStrictEqual(consoleErrors, []);
    const status = await page.$eval('.status', (e) => e.textContent ?? '');
    assert.match(status, /MLP6x64 \(models\/mlp\.py\): done/);
    await page.close();
  });

  it('re-simulates when a control changes and keeps the setting in its state', async () => {
    const page = await open();
    await send(page, showModel());
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf');
    const before = (await posted(page)).length;
    const captionBefore = await page.$eval('.card-depth .caption', (e) => e.textContent ?? '');
    assert.match(captionBefore, /batch 32/);
    await page.fill('#batchSize', '8');
    await page.selectOption('#normSwap', 'group');
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main', before);
    await page.waitForFunction(() => /batch 8/.test(document.querySelector('.card-depth .caption')?.textContent ?? ''));
    const kinds = await page.evaluate(() => [...document.querySelectorAll('#histogramLayer option')].map((o) => o.textContent));
    assert.ok(kinds.some((k) => /BatchNorm1d → GroupNorm/.test(k ?? '')), `norm swap not applied: ${kinds.join(' | ')}`);
    const state = (await page.evaluate(() => (window as unknown as { __getState: () => unknown }).__getState())) as { options: { batchSize: number; normSwap: string } };
    assert.strictEqual(state.options.batchSize, 8);
    assert.strictEqual(state.options.normSwap, 'group');
    await page.close();
  });

  it('asks the host for another input size (the host rebuilds the model), keeps it in its state and says it again when ready', async () => {
    const page = await open();
    await send(page, showModel());
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main');
    const before = (await posted(page)).length;
    assert.strictEqual(await page.$eval('#inputSize', (e) => (e as HTMLSelectElement).value), '');
    await page.selectOption('#inputSize', '32');
    const asked = await waitForPosted(page, (m) => m.type === 'inputSize', before);
    assert.deepStrictEqual(asked, { type: 'inputSize', size: 32 });
    // Not a simulation option: the page does not re-run the old network for it (the host's new model will).
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepStrictEqual((await posted(page)).slice(before).filter((m) => m.type === 'rendered' && m.phase === 'preview'), []);
    assert.match(await page.$eval('.status', (e) => e.textContent ?? ''), /Rebuilding the model with 32 as its input size/);
    const state = (await page.evaluate(() => (window as unknown as { __getState: () => unknown }).__getState())) as { inputSize?: number };
    assert.strictEqual(state.inputSize, 32);
    // The host answers with the model built at that size; its renders report the input shape.
    const conv = convSpec(4, 32);
    const answered = (await posted(page)).length;
    await send(page, { ...showModel(conv), inputSize: 32 });
    const drawn = await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main', answered);
    assert.deepStrictEqual(drawn.inputShape, conv.inputShape);
    assert.strictEqual(await page.$eval('#inputSize', (e) => (e as HTMLSelectElement).value), '32');
    // A size given to the host elsewhere (its API) that the menu lacks is shown too.
    await send(page, { ...showModel(conv), inputSize: 48 });
    await page.waitForFunction(() => (document.querySelector('#inputSize') as HTMLSelectElement).value === '48');
    // A model the host built with its own choice (the size set back elsewhere) resets the control.
    await send(page, showModel());
    await page.waitForFunction(() => (document.querySelector('#inputSize') as HTMLSelectElement).value === '');
    await page.close();
    // A page restored from that state says the size when it is ready, and shows it.
    const restored = await open(state);
    assert.deepStrictEqual((await posted(restored)).find((m) => m.type === 'ready'), { type: 'ready', inputSize: 32 });
    assert.strictEqual(await restored.$eval('#inputSize', (e) => (e as HTMLSelectElement).value), '32');
    const again = (await posted(restored)).length;
    await restored.selectOption('#inputSize', '');
    assert.deepStrictEqual(await waitForPosted(restored, (m) => m.type === 'inputSize', again), { type: 'inputSize', size: null });
    await restored.close();
  });

  it('a new model while the worker is busy restarts it: the new run does not wait for the old one', async () => {
    const page = await open();
    const before = (await posted(page)).length;
    // 128 channels of 96×96: even its preview is most of a minute of work, far past the deadline below.
    // Unless the page restarts the busy worker, the new model's results wait behind it.
    await send(page, showModel(convSpec(128, 96)));
    await send(page, showModel(mlpSpec({ depth: 3, width: 16 })));
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf', before, 20000);
    const after = (await posted(page)).slice(before).filter((m) => m.type === 'rendered');
    assert.deepStrictEqual(after.map((m) => `${String(m.model)}:${String(m.phase)}`), ['MLP3x16:preview', 'MLP3x16:main', 'MLP3x16:sweep', 'MLP3x16:whatIf']);
    const status = await page.$eval('.status', (e) => e.textContent ?? '');
    assert.match(status, /MLP3x16 \(models\/mlp\.py\): done in \d+ ms/);
    await page.close();
  });

  it('restores a saved state (serializer) and redraws without the host', async () => {
    const spec = convSpec(8, 8);
    const page = await open({ options: { batchSize: 4, steps: 3, seed: 7, inputMean: 0, inputScale: 1, distribution: 'uniform', normSwap: 'asIs', init: 'default', bins: 20 }, spec, fileName: 'conv.py', models: [spec.model], histogramLayer: 2 });
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main');
    assert.strictEqual(await page.inputValue('#batchSize'), '4');
    assert.strictEqual(await page.inputValue('#distribution'), 'uniform');
    assert.ok((await inkedPixels(page, '#chart-depth')) > 2000);
    await page.close();
  });

  it('drops malformed messages, reports them, and keeps working', async () => {
    const page = await open();
    for (const bad of [null, 42, 'showModel', [], { type: 'showModel' }, { type: 'showModel', fileName: 'x', models: [], spec: { model: 'M', inputShape: [4], layers: [{ name: 'a', kind: 'K', layer: { op: 'linear', inFeatures: -1, outFeatures: 2, bias: true } }], assumptions: [] } }, { type: 'nope' }, { type: 'notice', message: 7 }]) {
      await send(page, bad);
    }
    await waitForPosted(page, (m) => m.type === 'error' && /dropped a malformed/.test(String(m.message)));
    const errors = (await posted(page)).filter((m) => m.type === 'error');
    assert.strictEqual(errors.length, 8, JSON.stringify(errors));
    const before = (await posted(page)).length;
    await send(page, showModel(mlpSpec({ depth: 3, width: 16 })));
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'main', before);
    assert.ok((await inkedPixels(page, '#chart-depth')) > 2000);
    assert.deepStrictEqual(await violations(page), []);
    await page.close();
  });

  it('is usable from the keyboard: controls and export buttons take focus in order', async () => {
    const page = await open();
    await send(page, showModel());
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf');
    const focused: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-label') || document.activeElement?.tagName || ''));
    }
    assert.ok(focused.includes('batchSize') && focused.includes('normSwap'), focused.join(', '));
    assert.ok(focused.some((f) => /^Export .* as PNG$/.test(f)), focused.join(', '));
    // Activating an export button with the keyboard posts the chart to the host.
    const before = (await posted(page)).length;
    await page.focus('button[data-chart="sweep"][data-format="csv"]');
    await page.keyboard.press('Enter');
    const exported = await waitForPosted(page, (m) => m.type === 'export', before);
    assert.strictEqual(exported.format, 'csv');
    assert.match(String(exported.data), /^batch_size,samples_per_channel,stat_noise,train_eval_gap\n2,/);
    await page.focus('button[data-chart="depth"][data-format="png"]');
    await page.keyboard.press('Enter');
    const png = await waitForPosted(page, (m) => m.type === 'export' && m.format === 'png', before);
    assert.match(String(png.data), /^data:image\/png;base64,/);
    await page.close();
  });

  for (const theme of Object.keys(THEMES)) {
    it(`renders in the ${theme} theme (screenshot in test-results/)`, async () => {
      const page = await open();
      await applyTheme(page, theme);
      await send(page, showModel(mlpSpec({ depth: 8, width: 64, norm: 'batch', dropout: 0.1, residual: true })));
      await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf');
      await page.waitForTimeout(100);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const expected = { light: 'rgb(255, 255, 255)', dark: 'rgb(31, 31, 31)', 'high-contrast': 'rgb(0, 0, 0)' }[theme];
      assert.strictEqual(bg, expected);
      for (const id of CHARTS) assert.ok((await inkedPixels(page, `#chart-${id}`)) > 2000, `chart ${id} empty in ${theme}`);
      await page.screenshot({ path: path.join(RESULTS, `simulator-${theme}.png`), fullPage: true });
      await page.close();
    });
  }

  it('stays readable at a narrow width (no horizontal scrolling)', async () => {
    const page = await open(null, 360);
    await applyTheme(page, 'light');
    await send(page, showModel());
    await waitForPosted(page, (m) => m.type === 'rendered' && m.phase === 'whatIf');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page scrolls horizontally by ${overflow}px at 360px`);
    assert.ok((await inkedPixels(page, '#chart-depth')) > 1000);
    await page.screenshot({ path: path.join(RESULTS, 'simulator-narrow.png'), fullPage: true });
    await page.close();
  });
});
