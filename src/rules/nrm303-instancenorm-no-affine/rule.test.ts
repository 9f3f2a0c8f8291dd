import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { instancenormNoAffine } from './rule';

const header = 'import torch.nn as nn\n';
const init = 'def init_weights(model):\n    for m in model.modules():\n        if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)):\n            nn.init.constant_(m.weight, 1)\n';

ruleTests(instancenormNoAffine, {
  valid: [
    { name: 'affine=True', code: `${header}norm = nn.InstanceNorm2d(64, affine=True)\n${init}` },
    { name: 'init checks for None', code: `${header}norm = nn.InstanceNorm2d(64)\ndef f(model):\n    for m in model.modules():\n        if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)):\n            if m.weight is not None:\n                nn.init.constant_(m.weight, 1)\n` },
    { name: 'InstanceNorm used as a plain function (style transfer)', code: `${header}class S(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.inorm = nn.InstanceNorm2d(64)\n    def forward(self, x):\n        return self.inorm(x)\n` },
    { name: 'init loop over BatchNorm only', code: `${header}norm = nn.InstanceNorm2d(64)\ndef f(model):\n    for m in model.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            nn.init.constant_(m.weight, 1)\n` },
  ],
  invalid: [
    {
      name: 'init loop treats InstanceNorm like BatchNorm',
      code: `${header}norm = nn.InstanceNorm2d(64)\n${init}`,
      findings: [{ messageId: 'initTouchesMissing', line: 2, column: 8, endLine: 2, endColumn: 29, messageIncludes: ['affine=False', 'line 5'] }],
      output: `${header}norm = nn.InstanceNorm2d(64, affine=True)\n${init}`,
    },
    {
      name: 'reads self.in1.weight',
      code: `${header}class S(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.in1 = nn.InstanceNorm2d(32)\n    def scale(self):\n        return self.in1.weight.abs().mean()\n`,
      findings: [{ messageId: 'readsMissing', line: 7, column: 16, endLine: 7, endColumn: 31 }],
      output: `${header}class S(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.in1 = nn.InstanceNorm2d(32, affine=True)\n    def scale(self):\n        return self.in1.weight.abs().mean()\n`,
    },
    {
      name: 'reads running_mean without track_running_stats',
      code: `${header}class S(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.in1 = nn.InstanceNorm1d(32, affine=True)\n    def stats(self):\n        return self.in1.running_mean\n`,
      findings: [{ messageId: 'readsMissing', line: 7, column: 16, endLine: 7, endColumn: 37, messageIncludes: ['track_running_stats=False'] }],
      output: `${header}class S(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.in1 = nn.InstanceNorm1d(32, affine=True, track_running_stats=True)\n    def stats(self):\n        return self.in1.running_mean\n`,
    },
  ],
});
