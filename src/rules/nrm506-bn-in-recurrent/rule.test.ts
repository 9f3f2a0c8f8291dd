import { ruleTests } from '../../../test/unit/helpers/ruleTester';
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
  ],
  invalid: [
    {
      name: 'BatchNorm1d on the hidden state of a GRUCell loop',
      code: `${header}class E(nn.Module):\n    def __init__(self, d=32):\n        super().__init__()\n        self.cell = nn.GRUCell(d, d)\n        self.bn = nn.BatchNorm1d(d)\n    def forward(self, xs, h):\n        for x in xs:\n            h = self.bn(self.cell(x, h))\n        return h\n`,
      findings: [{ messageId: 'perStep', line: 7, column: 19, endLine: 7, endColumn: 36, messageIncludes: ['BatchNorm1d (self.bn)', 'GRUCell (self.cell)', 'line 9'] }],
    },
  ],
});
