import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { layernormShapeMismatch } from './rule';

const header = 'import torch.nn as nn\n';
// A transformer MLP whose LayerNorm after fc1 is sized with the model width instead of the hidden width.
const mlp = (norm: string) =>
  'import torch.nn as nn\n\n\nclass Mlp(nn.Module):\n    def __init__(self, dim, hidden=1024):\n        super().__init__()\n' +
  `        self.fc1 = nn.Linear(dim, hidden)\n        self.norm = nn.LayerNorm(${norm})\n        self.act = nn.GELU()\n        self.fc2 = nn.Linear(hidden, dim)\n\n` +
  '    def forward(self, x):\n        return self.fc2(self.act(self.norm(self.fc1(x))))\n';
// A ConvNeXt-style block parameterised by its width (`permute`: whether it goes channels-last first).
const convBlock = (permute: boolean) =>
  'import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n' +
  '        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)\n        self.norm = nn.LayerNorm(dim)\n\n' +
  (permute ? '    def forward(self, x):\n        x = self.dwconv(x).permute(0, 2, 3, 1)\n        return self.norm(x).permute(0, 3, 1, 2)\n' : '    def forward(self, x):\n        return self.norm(self.dwconv(x))\n');
const net = (body: string) => `\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}`;
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(layernormShapeMismatch, {
  valid: [
    { name: 'linear then matching LayerNorm', code: cls('        self.proj = nn.Sequential(nn.Linear(256, 512), nn.LayerNorm(512))\n') },
    { name: 'ConvNeXt: permute before LayerNorm', code: cls('        self.dw = nn.Conv2d(96, 96, 7, padding=3, groups=96)\n        self.norm = nn.LayerNorm(96)\n', '    def forward(self, x):\n        x = self.dw(x).permute(0, 2, 3, 1)\n        return self.norm(x)\n') },
    { name: 'LayerNorm over [C, H, W] after a conv', code: cls('        self.b = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.LayerNorm([16, 32, 32]))\n') },
    { name: 'unknown widths', code: `${header}class M(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.b = nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d))\n` },
    { name: 'instances: an MLP whose LayerNorm follows the hidden width', code: mlp('hidden') + net('        self.mlp = Mlp(256)\n        self.wide = Mlp(256, hidden=2048)\n') },
    { name: 'instances: an MLP built with hidden equal to dim', code: mlp('dim') + net('        self.mlp = Mlp(256, hidden=256)\n') },
    { name: 'instances: ConvNeXt blocks that permute to channels-last', code: convBlock(true) + net('        self.stages = nn.Sequential(Block(96), Block(192))\n') },
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
  {
      name: 'instances: an MLP LayerNorm sized with dim after fc1, built with the default hidden width',
      code: mlp('dim') + net('        self.mlp = Mlp(256)\n'),
      findings: [
        {
          messageId: 'instanceFeatureMismatch',
          line: 8,
          column: 34,
          endLine: 8,
          endColumn: 37,
          messageIncludes: ['normalizes over a last dimension of 256 (line 19)', 'outputs 1024 (default of parameter hidden of Mlp.__init__, line 5) features in the instance `Net.mlp` (`Mlp(256)`, line 19)', 'normalized_shape=[256]'],
        },
      ],
    },
    {
      name: 'instances: LayerNorm(dim) straight after a Conv2d(dim, dim) block, once for several widths',
      code: convBlock(false) + net('        self.stages = nn.Sequential(Block(96), Block(192))\n'),
      findings: [{ messageId: 'instanceChannelsFirst', line: 8, column: 21, endLine: 8, endColumn: 38, severity: 'warning', messageIncludes: ['in the instance `Net.stages.0` (`Block(96)`, line 17) it is sized with the 96 channels', 'LAST dimension (W)'] }],
    },
  ],
});
