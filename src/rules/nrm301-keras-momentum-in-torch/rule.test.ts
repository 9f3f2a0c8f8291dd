import * as assert from 'assert';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { complementText } from '../shared/momentum';
import { kerasMomentumInTorch } from './rule';

ruleTests(kerasMomentumInTorch, {
  valid: [
    'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=0.1)\n',
    { name: 'default momentum', code: 'import torch.nn as nn\nnn.BatchNorm1d(64)\n' },
    { name: 'momentum=1 is a deliberate idiom', code: 'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=1.0)\n' },
    { name: 'momentum=None (cumulative average)', code: 'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=None)\n' },
    { name: 'exactly 0.5', code: 'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=0.5)\n' },
    { name: 'Keras layer with Keras momentum', code: 'from tensorflow import keras\nkeras.layers.BatchNormalization(momentum=0.99)\n' },
    { name: 'LayerNorm has no momentum', code: 'import torch.nn as nn\nnn.LayerNorm(64, 0.9)\n' },
    { name: 'unresolved value', code: 'import torch.nn as nn\nnn.BatchNorm2d(64, momentum=m)\n' },
    { name: 'an epsilon by position (1e-3), and a large one by name (a deliberate choice)', code: 'import torch.nn as nn\nnn.BatchNorm2d(64, 1e-3)\nnn.BatchNorm2d(64, eps=0.8)\n' },
    { name: 'a Keras BatchNormalization: its second positional parameter is momentum', code: 'from tensorflow import keras\nkeras.layers.BatchNormalization(-1, 0.8)\n' },
  ],
  invalid: [
    {
      name: "a Keras momentum written where eps goes (PyTorch-GAN's nn.BatchNorm2d(out_feat, 0.8))",
      code: 'import torch.nn as nn\nblock = nn.Sequential(nn.ConvTranspose2d(128, 128, 3), nn.BatchNorm2d(128, 0.8), nn.LeakyReLU(0.2))\n',
      findings: [{ messageId: 'epsTakesMomentum', line: 2, column: 76, endLine: 2, endColumn: 79, messageIncludes: ['sets eps=0.8', 'momentum=0.2'], fixSafe: false, fixTitleIncludes: ['momentum=0.2'] }],
      output: 'import torch.nn as nn\nblock = nn.Sequential(nn.ConvTranspose2d(128, 128, 3), nn.BatchNorm2d(128, momentum=0.2), nn.LeakyReLU(0.2))\n',
    },
    {
      name: "PyTorch's own momentum 0.1 written where eps goes; a constant; an explicit momentum as well (no fix then)",
      code: 'import torch.nn as nn\nBN_M = 0.9\na = nn.BatchNorm1d(256, 0.1)\nb = nn.InstanceNorm2d(3, BN_M)\nc = nn.BatchNorm2d(8, 0.99, momentum=0.1)\n',
      findings: [
        { messageId: 'epsTakesMomentum', line: 3, column: 25, endLine: 3, endColumn: 28, messageIncludes: ['pass it by name: momentum=0.1'] },
        { messageId: 'epsTakesMomentum', line: 4, column: 26, endLine: 4, endColumn: 30, messageIncludes: ['sets eps=0.9 (module constant BN_M, line 2)'] },
        { messageId: 'epsTakesMomentum', line: 5, column: 23, endLine: 5, endColumn: 27, messageIncludes: ['momentum=0.01'] },
      ],
      output: 'import torch.nn as nn\nBN_M = 0.9\na = nn.BatchNorm1d(256, momentum=0.1)\nb = nn.InstanceNorm2d(3, BN_M)\nc = nn.BatchNorm2d(8, 0.99, momentum=0.1)\n',
    },
    {
      name: 'keyword momentum',
      code: 'import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0.99)\n',
      findings: [{ messageId: 'kerasConvention', line: 2, column: 25, endLine: 2, endColumn: 38, messageIncludes: ['momentum=0.01'] }],
      output: 'import torch.nn as nn\nbn = nn.BatchNorm2d(64, momentum=0.01)\n',
    },
    {
      name: 'positional momentum (third parameter), InstanceNorm',
      code: 'import torch.nn as nn\nnn.InstanceNorm2d(3, 1e-5, 0.9, True)\n',
      findings: [{ messageId: 'kerasConvention', line: 2, column: 28, endLine: 2, endColumn: 31 }],
      output: 'import torch.nn as nn\nnn.InstanceNorm2d(3, 1e-5, 0.1, True)\n',
    },
    {
      name: 'SyncBatchNorm and BatchNorm1d in one file',
      code: 'import torch\nfrom torch import nn\na = torch.nn.SyncBatchNorm(8, momentum=0.997)\nb = nn.BatchNorm1d(8, momentum=0.6)\n',
      findings: [
        { messageId: 'kerasConvention', line: 3, column: 31, endLine: 3, endColumn: 45 },
        { messageId: 'kerasConvention', line: 4, column: 23, endLine: 4, endColumn: 35 },
      ],
      output: 'import torch\nfrom torch import nn\na = torch.nn.SyncBatchNorm(8, momentum=0.003)\nb = nn.BatchNorm1d(8, momentum=0.4)\n',
    },
    {
      name: 'momentum from a module constant: reported with its origin, no fix at the use',
      code: 'import torch.nn as nn\nBN_MOMENTUM = 0.9\nbn = nn.BatchNorm2d(64, momentum=BN_MOMENTUM)\n',
      findings: [{ messageId: 'kerasConvention', line: 3, column: 25, endLine: 3, endColumn: 45, messageIncludes: ['0.9 (module constant BN_MOMENTUM, line 2)', 'momentum=0.1'] }],
    },
    {
      name: 'momentum passed by instances of a block class: one finding per value, at the parameter use, no fix there',
      code:
        'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c, momentum=0.1):\n        super().__init__()\n        self.bn = nn.BatchNorm2d(c, momentum=momentum)\n\n' +
        'class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = Block(8)\n        self.b = Block(8, momentum=0.99)\n        self.c = Block(8, momentum=0.99)\n        self.d = Block(8, momentum=0.9)\n',
      findings: [
        { messageId: 'kerasConvention', line: 6, column: 37, endLine: 6, endColumn: 54, messageIncludes: ['momentum=0.99 (literal, line 12)', 'use momentum=0.01'] },
        { messageId: 'kerasConvention', line: 6, column: 37, endLine: 6, endColumn: 54, messageIncludes: ['momentum=0.9 (literal, line 14)', 'use momentum=0.1'] },
      ],
    },
  ],
});

describe('complementText', () => {
  it('keeps the written precision', () => {
    assert.strictEqual(complementText(0.99, '0.99'), '0.01');
    assert.strictEqual(complementText(0.9997, '0.9997'), '0.0003');
    assert.strictEqual(complementText(0.9, '9e-1'), '0.1');
  });
});
