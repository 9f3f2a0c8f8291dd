import * as assert from 'assert';
import { lintDelay, MAX_LINT_DELAY_MS } from '../../../src/lint/debounce';

describe('lintDelay (adaptive debounce of as-you-type linting)', () => {
  it('uses the configured delay for documents that lint quickly or were never linted', () => {
    assert.strictEqual(lintDelay(300, undefined), 300);
    assert.strictEqual(lintDelay(300, 20), 300);
    assert.strictEqual(lintDelay(0, 0), 0);
  });

  it('waits twice the last lint time for slow documents, up to a cap', () => {
    assert.strictEqual(lintDelay(300, 400), 800);
    assert.strictEqual(lintDelay(300, 60_000), MAX_LINT_DELAY_MS);
    assert.strictEqual(lintDelay(9000, 60_000), 9000);
  });
});
