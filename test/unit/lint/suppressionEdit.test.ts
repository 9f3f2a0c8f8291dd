import * as assert from 'assert';
import { lintPython } from '../../../src/lint/lint';
import { suppressionEdit } from '../../../src/lint/suppressionEdit';

function apply(text: string, line: number, rule: string): string {
  const e = suppressionEdit(text, line, rule);
  return text.slice(0, e.span.startOffset) + e.newText + text.slice(e.span.endOffset);
}

const HEAD = 'import torch.nn as nn\n';

describe('"Disable <rule> for this line" edit', () => {
  const cases: [string, string, number, string, string][] = [
    ['appends a directive at the end of the line', `g = nn.GroupNorm(3, 10)   \n`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]   \n`],
    ['extends the directive already there', `g = nn.GroupNorm(3, 10); b = nn.BatchNorm2d(3, momentum=0.9)  # normscope: ignore[NRM301]\n`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10); b = nn.BatchNorm2d(3, momentum=0.9)  # normscope: ignore[NRM301, groupnorm-groups-indivisible]\n`],
    ['extends an own-line directive above', `# normscope: ignore[NRM301]\ng = nn.GroupNorm(3, 10); b = nn.BatchNorm2d(3, momentum=0.9)\n`, 2, 'groupnorm-groups-indivisible', `# normscope: ignore[NRM301, groupnorm-groups-indivisible]\ng = nn.GroupNorm(3, 10); b = nn.BatchNorm2d(3, momentum=0.9)\n`],
    ['fills an empty list', `g = nn.GroupNorm(3, 10)  # normscope: ignore[]\n`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]\n`],
    ['after another comment', `g = nn.GroupNorm(3, 10)  # paper value\n`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10)  # paper value  # normscope: ignore[groupnorm-groups-indivisible]\n`],
    ['above a backslash-continued line', `if True:\n    g = [nn.GroupNorm(3, 10)] + \\\n        []\n`, 2, 'groupnorm-groups-indivisible', `if True:\n    # normscope: ignore[groupnorm-groups-indivisible]\n    g = [nn.GroupNorm(3, 10)] + \\\n        []\n`],
    ['CRLF', `g = nn.GroupNorm(3, 10)\r\nx = 1\r\n`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]\r\nx = 1\r\n`],
    ['last line without a line break', `g = nn.GroupNorm(3, 10)`, 1, 'groupnorm-groups-indivisible', `g = nn.GroupNorm(3, 10)  # normscope: ignore[groupnorm-groups-indivisible]`],
  ];
  for (const [name, body, line, rule, expected] of cases) {
    it(name, () => {
      const after = apply(HEAD + body, line, rule);
      assert.strictEqual(after, HEAD + expected);
      // The result really suppresses the finding and leaves no unused suppression.
      const left = lintPython(after).findings.filter((f) => f.rule === rule || f.code === 'NRM901');
      assert.deepStrictEqual(left.map((f) => f.message), []);
    });
  }
});
