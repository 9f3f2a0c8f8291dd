import * as assert from 'assert';
import { panelCsp, panelHtml } from '../../../src/webview/host/html';
import { reportHtml, scriptSafeJson } from '../../../src/webview/reportHtml';

describe('webview HTML', () => {
  const input = { cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/main.js', workerUri: 'https://x/worker.js', styleUri: 'https://x/s.css' };

  it('uses a fresh crypto nonce in the CSP and on the one script', () => {
    const a = panelHtml(input);
    const b = panelHtml(input);
    const nonceA = /nonce-([^']+)'/.exec(a)![1];
    const nonceB = /nonce-([^']+)'/.exec(b)![1];
    assert.notStrictEqual(nonceA, nonceB);
    assert.ok(nonceA.length >= 32);
    assert.ok(a.includes(`<script nonce="${nonceA}" src="https://x/main.js">`));
    assert.strictEqual((a.match(/<script/g) ?? []).length, 1);
  });

  it('allows nothing remote: scripts only by nonce, resources only from the webview source', () => {
    const csp = panelCsp('https://x', 'N');
    assert.match(csp, /^default-src 'none'/);
    assert.ok(csp.includes("script-src 'nonce-N' 'wasm-unsafe-eval'"));
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes("'unsafe-eval'") && !csp.includes('*'));
    assert.ok(csp.includes('worker-src blob:'));
  });

  it('keeps model names from breaking out of the report', () => {
    assert.ok(!scriptSafeJson({ a: '</script><script>alert(1)</script>' }).includes('<'));
    const html = reportHtml(
      { model: '<img src=x onerror=alert(1)>', assumptions: [], options: {} as never, inputShape: [1], layers: [], trainEvalGap: 0, warnings: [] },
      { script: 'console.log("</script>")', style: 'body{}' },
    );
    assert.ok(!html.includes('<img'));
    assert.strictEqual((html.match(/<\/script>/g) ?? []).length, 2);
    assert.match(html, /default-src 'none'/);
  });
});
