import * as assert from 'assert';
import { DIRECTIVE_START, hasDirective } from '../../../src/rules/suppressions';

describe('hasDirective (the per-keystroke check for suppression directives)', () => {
  const texts: [string, boolean][] = [
    ['', false],
    ['x = 1\n', false],
    ['x = 1  # a comment about noqa-free code\n', false],
    ["# NormScope's tests\n", false],
    ['x = "noqa"  # normscope ignores nothing here\n', false],
    ['x = 1  # noqa\n', true],
    ['x = 1  #noqa: E501\n', true],
    ['x = 1  # NOQA\n', true],
    ['x = 1  # normscope: ignore[NRM301]\n', true],
    ['x = 1  #   NormScope :ignore\n', true],
    ['x = 1  # normscope: ignored\n', false],
    ['x = "#"  # first hash is in a string\n# then # noqa\n', true],
    ['#', false],
    ['x = 1 ##noqa', true],
    ['x = 1 #\n noqa', true],
  ];
  for (const [text, expected] of texts) {
    it(`${JSON.stringify(text)} -> ${expected}`, () => {
      // The same answer as the pattern tried over the whole text.
      assert.strictEqual(DIRECTIVE_START.test(text), expected);
      assert.strictEqual(hasDirective(text), expected);
    });
  }
});
