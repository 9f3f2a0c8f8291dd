import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { mixedNormStrategies } from './rule';

const header = 'import torch.nn as nn\n';

ruleTests(mixedNormStrategies, {
  valid: [
    {
      name: 'every norm through norm_layer (torchvision style)',
      code: `${header}class B(nn.Module):\n    def __init__(self, c, norm_layer=None):\n        super().__init__()\n        if norm_layer is None:\n            norm_layer = nn.BatchNorm2d\n        self.bn1 = norm_layer(c)\n        self.bn2 = norm_layer(c)\n`,
    },
    { name: 'LayerNorm throughout, no parameter', code: `${header}class B(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.n1 = nn.LayerNorm(d)\n        self.n2 = nn.LayerNorm(d)\n        self.n3 = nn.LayerNorm(d)\n` },
    {
      name: 'a head LayerNorm next to a BatchNorm parameter is a different kind',
      code: `${header}class B(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n        self.head_norm = nn.LayerNorm(c)\n`,
    },
    { name: 'consistent eps', code: `${header}class B(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.BatchNorm2d(8, eps=1e-3)\n        self.b = nn.BatchNorm2d(8, eps=1e-3)\n        self.c = nn.BatchNorm2d(8, eps=1e-3)\n` },
  ],
  invalid: [
    {
      name: 'one norm ignores norm_layer',
      code: `${header}class B(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn1 = norm_layer(c)\n        self.bn2 = nn.BatchNorm2d(c)\n`,
      findings: [{ messageId: 'ignoresParameter', line: 6, column: 20, endLine: 6, endColumn: 37, messageIncludes: ['self.bn2', '`norm_layer` parameter (line 3)'] }],
    },
    {
      name: 'one BatchNorm with a different eps',
      code: `${header}class B(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.BatchNorm2d(8)\n        self.b = nn.BatchNorm2d(8)\n        self.c = nn.BatchNorm2d(8, eps=1e-3)\n`,
      findings: [{ messageId: 'conflictingSetting', line: 7, column: 36, endLine: 7, endColumn: 44, messageIncludes: ['eps=0.001', 'other 2 BatchNorm layers', 'eps=0.00001'] }],
    },
  ],
});
