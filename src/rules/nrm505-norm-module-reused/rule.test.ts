import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { normModuleReused } from './rule';

const header = 'import torch.nn as nn\n';
const cls = (body: string, forward: string) => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;
const layers = '        self.conv1 = nn.Conv2d(8, 8, 3, bias=False)\n        self.conv2 = nn.Conv2d(8, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n';

ruleTests(normModuleReused, {
  valid: [
    { name: 'one call', code: cls(layers, '    def forward(self, x):\n        return self.bn(self.conv2(self.conv1(x)))\n') },
    { name: 'calls in exclusive branches', code: cls(layers, '    def forward(self, x, a):\n        if a:\n            return self.bn(self.conv1(x))\n        else:\n            return self.bn(self.conv2(x))\n') },
    { name: 'one call inside a loop', code: cls(layers, '    def forward(self, x):\n        for _ in range(3):\n            x = self.bn(self.conv1(x))\n        return x\n') },
    { name: 'ReLU reused is fine', code: cls(`${layers}        self.relu = nn.ReLU()\n`, '    def forward(self, x):\n        x = self.relu(self.conv1(x))\n        return self.relu(self.conv2(x))\n') },
  ],
  invalid: [
    {
      name: 'BatchNorm after two convs',
      code: cls(layers, '    def forward(self, x):\n        x = self.bn(self.conv1(x))\n        return self.bn(self.conv2(x))\n'),
      findings: [{ messageId: 'reused', line: 10, column: 16, endLine: 10, endColumn: 38, messageIncludes: ['self.bn (BatchNorm2d)', 'line 9', 'running statistics'] }],
    },
    {
      name: 'LayerNorm on two inputs: information',
      code: cls('        self.norm = nn.LayerNorm(64)\n', '    def forward(self, q, k):\n        return self.norm(q) @ self.norm(k).transpose(-1, -2)\n'),
      findings: [{ messageId: 'reused', line: 7, column: 31, endLine: 7, endColumn: 43, severity: 'info' }],
    },
  ],
});
