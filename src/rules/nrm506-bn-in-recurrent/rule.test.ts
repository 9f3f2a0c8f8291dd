import * as assert from 'assert';
import { lintWith, ruleTests } from '../../../test/unit/helpers/ruleTester';
import { bnInRecurrent } from './rule';

const header = 'import torch.nn as nn\nimport torch.nn.functional as F\n';

ruleTests(bnInRecurrent, {
  valid: [
    {
      name: 'LayerNorm in the loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.norm = nn.LayerNorm(d)\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.norm(self.cell(x, h))\n        return h\n`,
    },
    {
      name: 'BatchNorm on the input features, outside the loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.bn = nn.BatchNorm1d(d)\n        self.lstm = nn.LSTM(d, d, batch_first=True)\n    def forward(self, x):\n        x = self.bn(x.transpose(1, 2)).transpose(1, 2)\n        out, _ = self.lstm(x)\n        return out\n`,
    },
    {
      name: 'BatchNorm in a loop over layers of a CNN',
      code: `${header}class C(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(8, 8, 3, padding=1, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n    def forward(self, x):\n        for _ in range(3):\n            x = F.relu(self.bn(self.conv(x)))\n        return x\n`,
    },
    {
      name: 'a step helper with LayerNorm called in the loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.norm = nn.LayerNorm(d)\n    def _step(self, x, h):\n        return self.norm(self.cell(x, h))\n    def forward(self, xs, h):\n        for x in xs:\n            h = self._step(x, h)\n        return h\n`,
    },
    {
      name: 'a BatchNorm helper called once, outside the time loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def _head(self, h):\n        return self.bn(h)\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.cell(x, h)\n        return self._head(h)\n`,
    },
  ],
  invalid: [
    {
      name: 'BatchNorm1d on the hidden state of a GRUCell loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.bn(self.cell(x, h))\n        return h\n`,
      findings: [{ messageId: 'perStep', line: 7, column: 19, endLine: 7, endColumn: 36, messageIncludes: ['BatchNorm1d (self.bn)', 'GRUCell (self.cell)', 'line 9'] }],
    },
    {
      name: 'a step helper with BatchNorm called once per time step',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.LSTMCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def _step(self, x, state):\n        h, c = self.cell(x, state)\n        return self.bn(h), c\n    def forward(self, xs, state):\n        for x in xs:\n            state = self._step(x, state)\n        return state\n`,
      findings: [{ messageId: 'perStep', line: 7, column: 19, endLine: 7, endColumn: 36, messageIncludes: ['BatchNorm1d (self.bn)', 'LSTMCell (self.cell)', 'loop over time steps (line 12)'] }],
    },
    {
      name: 'the whole time loop in a helper method',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def _unroll(self, xs, h):\n        for x in xs:\n            h = self.bn(self.cell(x, h))\n        return h\n    def forward(self, xs, h):\n        return self._unroll(xs, h)\n`,
      findings: [{ messageId: 'perStep', line: 7, column: 19, endLine: 7, endColumn: 36, messageIncludes: ['BatchNorm1d (self.bn)', 'line 9'] }],
    },
  ],
});

describe('NRM506 through helper methods', () => {
  it('points to the helper call inside the loop', () => {
    const code = `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def _step(self, x, h):\n        return self.bn(self.cell(x, h))\n    def forward(self, xs, h):\n        for x in xs:\n            h = self._step(x, h)\n        return h\n`;
    const [f, ...rest] = lintWith(bnInRecurrent, code);
    assert.deepStrictEqual(rest, []);
    assert.ok(f);
    assert.deepStrictEqual(f.related.map((r) => [r.span.start.line + 1, r.message]), [
      [9, 'called once per time step here, in self._step'],
      [12, 'self._step is called inside the loop here'],
      [9, 'the recurrent cell in the same loop, in self._step'],
    ]);
  });
});
