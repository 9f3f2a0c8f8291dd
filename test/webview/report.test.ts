/**
 * The standalone HTML report (`normscope simulate --format html`) in headless Chromium: one
 * file, no network, its CSP respected, every chart drawn.
 */

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { reportAssets } from '../../src/cli/simulate';
import { convSpec } from '../../src/simulation/builders';
import { normalizeOptions } from '../../src/simulation/options';
import { simulate } from '../../src/simulation/simulate';
import { reportHtml } from '../../src/webview/reportHtml';
import { inkedPixels, launch, RESULTS } from './harness';

describe('standalone HTML report in headless Chromium', function () {
  this.timeout(120000);
  let browser: Browser;

  before(async () => {
    browser = await launch();
    fs.mkdirSync(RESULTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
  });

  it('renders every chart from one file without any request', async () => {
    const spec = { ...convSpec(8, 8), model: 'Conv</script><b>Net' };
    const result = simulate(spec, normalizeOptions({ batchSize: 8, steps: 4, seed: 3 }));
    const file = path.join(RESULTS, 'report.html');
    fs.writeFileSync(file, reportHtml(result, reportAssets()));
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) requests.push(r.url());
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => document.body.dataset.rendered === 'true');
    for (const id of ['depth', 'histogram', 'gradients', 'sweep', 'whatIf']) {
      assert.ok((await inkedPixels(page, `#chart-${id}`)) > 2000, `chart ${id} is empty`);
    }
    assert.strictEqual(await page.title(), 'Conv</script><b>Net — NormScope activation report');
    assert.deepStrictEqual(requests, []);
    assert.deepStrictEqual(errors, []);
    await page.screenshot({ path: path.join(RESULTS, 'report.png'), fullPage: true });
    await page.close();
  });
});
