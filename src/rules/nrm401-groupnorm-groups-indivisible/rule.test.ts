import * as assert from 'assert';
import { lintPython } from '../../lint/lint';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { groupnormGroupsIndivisible } from './rule';

ruleTests(groupnormGroupsIndivisible, {
  valid: [
    'import torch.nn as nn\nnorm = nn.GroupNorm(32, 256)\n',
    { name: 'keywords in any order', code: 'from torch import nn\nnn.GroupNorm(num_channels=96, num_groups=32)\n' },
    { name: 'one group (LayerNorm-like)', code: 'import torch\ntorch.nn.GroupNorm(1, 7)\n' },
    { name: 'unresolved values are not guessed', code: 'import torch.nn as nn\nnn.GroupNorm(groups, channels)\n' },
    { name: 'a GroupNorm of another library', code: 'import flax.linen as nn\nnn.GroupNorm(num_groups=3)\n' },
    { name: 'a default overridden by a caller in the file is not used', code: 'import torch.nn as nn\nclass Head(nn.Module):\n    def __init__(self, width=100):\n        super().__init__()\n        self.norm = nn.GroupNorm(32, width)\nhead = Head(width=128)\n' },
    { name: 'a call with a syntax error inside', code: 'import torch.nn as nn\nnn.GroupNorm(3, 10 +)\n' },
    { name: 'splatted positional arguments hide the mapping', code: 'import torch.nn as nn\nnn.GroupNorm(*args, 10)\n' },
  ],
  invalid: [
    {
      name: 'literal counts',
      code: 'import torch.nn as nn\nnorm = nn.GroupNorm(32, 100)\n',
      findings: [{ messageId: 'indivisible', line: 2, column: 8, endLine: 2, endColumn: 29, messageIncludes: ['100 channels into 32 groups', '25'] }],
    },
    {
      name: 'keyword arguments, fully qualified callee',
      code: 'import torch\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.gn = torch.nn.GroupNorm(num_groups=3, num_channels=10, eps=1e-5)\n',
      findings: [{ messageId: 'indivisible', line: 6, column: 19, endLine: 6, endColumn: 78 }],
    },
    {
      name: 'imported class with an alias',
      code: 'from torch.nn import GroupNorm as GN\nlayers = [GN(4, 6), GN(4, 8)]\n',
      findings: [{ messageId: 'indivisible', line: 2, column: 11, endLine: 2, endColumn: 19 }],
    },
    {
      name: 'star import and a non-ASCII string before the call (UTF-16 columns)',
      code: 'from torch.nn import *\nname = "résumé 😀"; g = GroupNorm(8, 12)\n',
      findings: [{ messageId: 'indivisible', line: 2, column: 25, endLine: 2, endColumn: 41 }],
    },
    {
      name: 'channels passed by an instance of a block class (the class alone does not know them)',
      code:
        'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, planes):\n        super().__init__()\n        self.norm = nn.GroupNorm(32, planes)\n\n' +
        'class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b1 = Block(64)\n        self.b2 = Block(48)\n',
      findings: [{ messageId: 'indivisible', line: 6, column: 21, endLine: 6, endColumn: 45, messageIncludes: ['48 channels into 32 groups'] }],
    },
    {
      name: "an mmcv norm config (`build_norm_layer(norm_cfg, C)`) and detectron2's get_norm('GN', C), which uses 32 groups",
      code:
        "import torch.nn as nn\nfrom mmcv.cnn import build_norm_layer\nfrom detectron2.layers import get_norm\n\nclass Stem(nn.Module):\n    def __init__(self, c=48, norm_cfg=dict(type='GN', num_groups=32)):\n" +
        "        super().__init__()\n        self.norm_name, norm = build_norm_layer(norm_cfg, c)\n        self.add_module(self.norm_name, norm)\n        self.head = get_norm('GN', 40)\n",
      findings: [
        { messageId: 'indivisible', line: 8, column: 32, endLine: 8, endColumn: 61, severity: 'warning', messageIncludes: ['48 channels into 32 groups'] },
        { messageId: 'indivisible', line: 10, column: 21, endLine: 10, endColumn: 39, messageIncludes: ['40 channels into 32 groups'] },
      ],
    },
    {
      name: "mmcv's ConvModule with a GroupNorm config: the norm is over the module's out_channels",
      code: "import torch.nn as nn\nfrom mmcv.cnn import ConvModule\n\nhead = nn.Sequential(ConvModule(256, 48, 3, norm_cfg=dict(type='GN', num_groups=32)))\n",
      findings: [{ messageId: 'indivisible', line: 4, column: 22, endLine: 4, endColumn: 85, messageIncludes: ['48 channels into 32 groups'] }],
    },
    {
      name: 'counts through constructor defaults and module constants',
      code: 'import torch.nn as nn\nGROUPS = 32\nclass Head(nn.Module):\n    def __init__(self, width=100):\n        super().__init__()\n        self.norm = nn.GroupNorm(GROUPS, width)\n',
      findings: [{ messageId: 'indivisible', line: 6, column: 21, endLine: 6, endColumn: 48, severity: 'warning', messageIncludes: ['100 channels into 32 groups'] }],
    },
  ],
});

describe('groupnorm-groups-indivisible: where the counts come from', () => {
  it('a channel count computed from an instance argument points at that argument', () => {
    const code = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.norm = nn.GroupNorm(32, c * 2)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.b = Block(24)',
    ].join('\n');
    const found = lintPython(code).findings.filter((f) => f.code === 'NRM401');
    assert.deepStrictEqual(
      found.map((f) => [f.span.start.line + 1, ...(f.related ?? []).map((r) => `${r.span.start.line + 1}:${r.span.start.column + 1} ${r.message}`)]),
      [[5, '9:24 value computed from literal, line 9']],
    );
  });
});
