import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { layernormShapeMismatch } from './rule';

const header = 'import torch.nn as nn\n';
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(layernormShapeMismatch, {
  valid: [
    { name: 'linear then matching LayerNorm', code: cls('        self.proj = nn.Sequential(nn.Linear(256, 512), nn.LayerNorm(512))\n') },
    { name: 'ConvNeXt: permute before LayerNorm', code: cls('        self.dw = nn.Conv2d(96, 96, 7, padding=3, groups=96)\n        self.norm = nn.LayerNorm(96)\n', '    def forward(self, x):\n        x = self.dw(x).permute(0, 2, 3, 1)\n        return self.norm(x)\n') },
    { name: 'LayerNorm over [C, H, W] after a conv', code: cls('        self.b = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.LayerNorm([16, 32, 32]))\n') },
    { name: 'unknown widths', code: `${header}class M(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.b = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))\n` },
  ],
  invalid: [
    {
      name: 'Linear output differs',
      code: cls('        self.proj = nn.Sequential(nn.Linear(256, 512), nn.LayerNorm(256))\n'),
      findings: [{ messageId: 'featureMismatch', line: 5, column: 69, endLine: 5, endColumn: 72, messageIncludes: ['outputs 512 features'] }],
    },
    {
      name: 'LayerNorm(C) straight after Conv2d',
      code: cls('        self.dw = nn.Conv2d(96, 96, 7, padding=3, groups=96)\n        self.norm = nn.LayerNorm(96)\n', '    def forward(self, x):\n        return self.norm(self.dw(x))\n'),
      findings: [{ messageId: 'channelsFirst', line: 6, column: 21, endLine: 6, endColumn: 37, severity: 'warning', messageIncludes: ['(N, C, H, W)', 'LAST dimension (W)'] }],
    },
  ],
});
