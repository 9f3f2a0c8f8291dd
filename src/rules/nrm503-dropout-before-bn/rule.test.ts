import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { dropoutBeforeBn } from './rule';

const header = 'import torch.nn as nn\n';
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(dropoutBeforeBn, {
  valid: [
    { name: 'dropout after BN', code: cls('        self.head = nn.Sequential(nn.Linear(512, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.5))\n') },
    { name: 'dropout before LayerNorm (no running statistics)', code: cls('        self.head = nn.Sequential(nn.Dropout(0.1), nn.LayerNorm(256))\n') },
    { name: 'dropout then linear then BN', code: cls('        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(256, 256), nn.BatchNorm1d(256))\n') },
    {
      name: 'dropout and BN on different branches',
      code: cls('        self.drop = nn.Dropout(0.2)\n        self.bn = nn.BatchNorm1d(64)\n', '    def forward(self, x, y):\n        return self.drop(x) + self.bn(y)\n'),
    },
  ],
  invalid: [
    {
      name: 'Sequential',
      code: cls('        self.head = nn.Sequential(nn.Linear(512, 256), nn.Dropout(0.5), nn.BatchNorm1d(256))\n'),
      findings: [{ messageId: 'varianceShift', line: 5, column: 56, endLine: 5, endColumn: 71, messageIncludes: ['Dropout (head.1) feeds BatchNorm1d (head.2)'] }],
    },
    {
      name: 'forward pass',
      code: cls('        self.drop = nn.Dropout2d(0.1)\n        self.bn = nn.BatchNorm2d(64)\n', '    def forward(self, x):\n        x = self.drop(x)\n        return self.bn(x)\n'),
      findings: [{ messageId: 'varianceShift', line: 5, column: 21, endLine: 5, endColumn: 38 }],
    },
    {
      name: 'Keras functional',
      code: 'from tensorflow.keras import layers\ndef head(x):\n    x = layers.Dropout(0.3)(x)\n    return layers.BatchNormalization()(x)\n',
      findings: [{ messageId: 'varianceShift', line: 3, column: 9, endLine: 3, endColumn: 28 }],
    },
  ],
});
