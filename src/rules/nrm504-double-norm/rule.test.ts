import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { doubleNorm } from './rule';

const header = 'import torch.nn as nn\n';
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(doubleNorm, {
  valid: [
    { name: "a pre-norm or post-norm block by a module flag (keras-hub's TransformerEncoder `normalize_first`): the post-attention norm and the pre-feedforward norm never both run", code: 'import torch.nn as nn\n\n\nclass Block(nn.Module):\n    def __init__(self, dim, normalize_first=False):\n        super().__init__()\n        self.normalize_first = normalize_first\n        self.attn = nn.MultiheadAttention(dim, 4)\n        self.norm1 = nn.LayerNorm(dim)\n        self.norm2 = nn.LayerNorm(dim)\n        self.fc = nn.Linear(dim, dim)\n\n    def forward(self, x):\n        residual = x\n        if self.normalize_first:\n            x = self.norm1(x)\n        x = self.attn(x, x, x)[0]\n        x = x + residual\n        if not self.normalize_first:\n            x = self.norm1(x)\n        residual = x\n        if self.normalize_first:\n            x = self.norm2(x)\n        x = self.fc(x)\n        x = x + residual\n        if not self.normalize_first:\n            x = self.norm2(x)\n        return x\n' },
    {
      name: 'a FrozenBatchNorm2d next to a norm: a fixed per-channel affine, nothing standardized twice',
      code: `from torchvision.ops import FrozenBatchNorm2d\n${cls('        self.s = nn.Sequential(nn.Conv2d(3, 8, 3), FrozenBatchNorm2d(8), nn.BatchNorm2d(8))\n        self.t = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), FrozenBatchNorm2d(8))\n')}`,
    },
    { name: 'conv, BN, ReLU', code: cls('        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())\n') },
    {
      name: 'pre-norm transformer block: norms on different branches',
      code: cls(
        '        self.norm1 = nn.LayerNorm(256)\n        self.attn = nn.MultiheadAttention(256, 8)\n        self.norm2 = nn.LayerNorm(256)\n        self.mlp = nn.Linear(256, 256)\n',
        '    def forward(self, x):\n        h = self.norm1(x)\n        x = x + self.attn(h, h, h)[0]\n        return x + self.mlp(self.norm2(x))\n',
      ),
    },
    { name: 'norm then LocalResponseNorm is not a double standardization', code: cls('        self.s = nn.Sequential(nn.BatchNorm2d(8), nn.LocalResponseNorm(2))\n') },
    {
      name: "timm's BatchNormAct2d applies its activation before the next norm",
      code: `from timm.layers import BatchNormAct2d, LayerNorm2d\n${cls('        self.s = nn.Sequential(BatchNormAct2d(8), LayerNorm2d(8))\n')}`,
    },
    {
      name: "timm's get_norm_act_layer: the norm's activation (nn.SiLU) before the next norm",
      code: `from timm.layers import get_norm_act_layer\n${header}class M(nn.Module):\n    def __init__(self, norm_layer=nn.BatchNorm2d, act_layer=nn.SiLU):\n        super().__init__()\n        norm_act_layer = get_norm_act_layer(norm_layer, act_layer)\n        self.s = nn.Sequential(norm_act_layer(8), nn.LayerNorm(8))\n`,
    },
    { name: 'alternatives in if/else branches', code: cls('        if flag:\n            self.norm = nn.BatchNorm2d(8)\n        else:\n            self.norm = nn.GroupNorm(2, 8)\n') },
  ],
  invalid: [
    {
      name: "timm's get_norm_act_layer with act_layer=None: no activation in between",
      code: `from timm.layers import get_norm_act_layer\n${header}class M(nn.Module):\n    def __init__(self, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        norm_act_layer = get_norm_act_layer(norm_layer, None)\n        self.s = nn.Sequential(norm_act_layer(8), nn.LayerNorm(8))\n`,
      findings: [{ messageId: 'backToBack', line: 7, column: 51, endLine: 7, endColumn: 66, messageIncludes: ['LayerNorm (s.1) directly follows BatchNormAct2d (s.0)'] }],
    },
    {
      name: "timm's BatchNormAct2d with apply_act=False, then a norm",
      code: `from timm.layers import BatchNormAct2d, LayerNorm2d\n${cls('        self.s = nn.Sequential(BatchNormAct2d(8, apply_act=False), LayerNorm2d(8))\n')}`,
      findings: [{ messageId: 'backToBack', line: 6, column: 68, endLine: 6, endColumn: 82, messageIncludes: ['LayerNorm2d (s.1) directly follows BatchNormAct2d (s.0)'] }],
    },
    {
      name: 'Sequential',
      code: cls('        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.BatchNorm2d(64), nn.ReLU())\n'),
      findings: [{ messageId: 'backToBack', line: 5, column: 88, endLine: 5, endColumn: 106, messageIncludes: ['BatchNorm2d (stem.2) directly follows BatchNorm2d (stem.1)'] }],
    },
    {
      name: 'forward pass: LayerNorm after LayerNorm',
      code: cls('        self.ln1 = nn.LayerNorm(64)\n        self.ln2 = nn.LayerNorm(64)\n', '    def forward(self, x):\n        return self.ln2(self.ln1(x))\n'),
      findings: [{ messageId: 'backToBack', line: 6, column: 20, endLine: 6, endColumn: 36 }],
    },
  ],
});
