import * as assert from 'assert';
import { lintWith, ruleTests } from '../../../test/unit/helpers/ruleTester';
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
    {
      name: "PyTorch-GAN's generator: two BatchNorm2d(C, 0.8) (a momentum where eps goes: NRM301's finding) and one with the default eps",
      code: `${header}class Generator(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv_blocks = nn.Sequential(\n            nn.BatchNorm2d(128),\n            nn.Upsample(scale_factor=2),\n            nn.Conv2d(128, 128, 3, stride=1, padding=1),\n            nn.BatchNorm2d(128, 0.8),\n            nn.Conv2d(128, 64, 3, stride=1, padding=1),\n            nn.BatchNorm2d(64, 0.8),\n        )\n`,
    },
    { name: 'consistent eps', code: `${header}class B(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.BatchNorm2d(8, eps=1e-3)\n        self.b = nn.BatchNorm2d(8, eps=1e-3)\n        self.c = nn.BatchNorm2d(8, eps=1e-3)\n` },
    {
      name: 'sibling blocks of one structure, BatchNorm throughout',
      code: `${header}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.blocks = nn.ModuleList([\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n        ])\n`,
    },
    {
      name: 'a different norm in the first sibling only (a stage-wise design, e.g. IBN-Net)',
      code: `${header}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.blocks = nn.ModuleList([\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.InstanceNorm2d(64, affine=True), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n        ])\n`,
    },
    {
      name: 'two siblings with different norms: no majority to compare with',
      code: `${header}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.ModuleList([nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()), nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.GroupNorm(32, 64), nn.ReLU())])\n`,
    },
    {
      name: 'a ModuleList of alternative bare norms (switchable normalization)',
      code: `${header}class Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.norms = nn.ModuleList([nn.BatchNorm2d(c), nn.GroupNorm(32, c), nn.BatchNorm2d(c)])\n`,
    },
    {
      name: 'the norm picked per index in one loop is a computed choice',
      code: `${header}class Net(nn.Module):\n    def __init__(self, c=64):\n        super().__init__()\n        self.stages = nn.ModuleList([nn.Sequential(nn.Conv2d(c, c, 3), nn.GroupNorm(32, c) if i == 1 else nn.BatchNorm2d(c), nn.ReLU()) for i in range(3)])\n`,
    },
    {
      name: 'siblings of different structures (stem vs blocks) may normalize differently',
      code: `${header}class Net(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.layers = nn.Sequential(\n            nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d)),\n            nn.Sequential(nn.Conv1d(d, d, 1), nn.BatchNorm1d(d)),\n            nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d)),\n        )\n`,
    },
    {
      name: 'every block forwards the norm_layer parameter (first and loop blocks)',
      code: `${header}class Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n\nclass Stage(nn.Module):\n    def __init__(self, c, n, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        layers = [Block(c, norm_layer=norm_layer)]\n        for _ in range(1, n):\n            layers.append(Block(c, norm_layer=norm_layer))\n        self.body = nn.Sequential(*layers)\n`,
    },
    {
      name: 'one sibling overrides a default the others leave alone (a deliberate exception)',
      code: `${header}class Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n\nclass Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.body = nn.Sequential(Block(c), Block(c), Block(c, norm_layer=nn.Identity))\n`,
    },
    {
      name: 'siblings pass the class default explicitly and implicitly',
      code: `${header}class Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n\nclass Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.body = nn.Sequential(Block(c, norm_layer=nn.BatchNorm2d), Block(c))\n`,
    },
  ],
  invalid: [
    {
      name: 'one norm ignores norm_layer',
      code: `${header}class B(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn1 = norm_layer(c)\n        self.bn2 = nn.BatchNorm2d(c)\n`,
      findings: [{ messageId: 'ignoresParameter', line: 6, column: 20, endLine: 6, endColumn: 37, messageIncludes: ['self.bn2', '`norm_layer` parameter (line 3)', 'passing norm_layer=nn.GroupNorm', 'Build it with norm_layer(...) too'] }],
    },
    {
      name: "an mmcv ConvModule's norm ignores the class's norm_cfg",
      code: `${header}from mmcv.cnn import ConvModule, build_norm_layer\nclass B(nn.Module):\n    def __init__(self, c, norm_cfg=dict(type='BN')):\n        super().__init__()\n        self.bn1 = build_norm_layer(norm_cfg, c)[1]\n        self.conv = ConvModule(c, c, 3, norm_cfg=dict(type='BN'))\n`,
      findings: [{ messageId: 'ignoresParameter', line: 7, column: 21, endLine: 7, endColumn: 66, messageIncludes: ['BatchNorm2d (self.conv.bn)', 'Build it with ConvModule(..., norm_cfg=norm_cfg) too'] }],
    },
    {
      name: 'one LayerNorm ignores a LayerNorm norm_layer (timm ViT style: the advice is another eps)',
      code: `${header}class B(nn.Module):\n    def __init__(self, d, norm_layer=nn.LayerNorm):\n        super().__init__()\n        self.norm1 = norm_layer(d)\n        self.norm2 = norm_layer(d)\n        self.head_norm = nn.LayerNorm(d)\n`,
      findings: [{ messageId: 'ignoresParameter', line: 7, column: 26, endLine: 7, endColumn: 41, messageIncludes: ['self.head_norm', 'passing norm_layer=partial(nn.LayerNorm, eps=1e-6)', 'Build it with norm_layer(...) too'] }],
    },
    {
      name: "one LayerNorm ignores an mmcv LN norm_cfg (mmcv's terms, another eps than the default's)",
      code: `${header}from mmcv.cnn import build_norm_layer\nclass B(nn.Module):\n    def __init__(self, c, norm_cfg=dict(type='LN', eps=1e-6)):\n        super().__init__()\n        self.ln1 = build_norm_layer(norm_cfg, c)[1]\n        self.ln2 = nn.LayerNorm(c)\n`,
      findings: [{ messageId: 'ignoresParameter', line: 7, column: 20, endLine: 7, endColumn: 35, messageIncludes: ["passing norm_cfg=dict(type='LN', eps=1e-5)", 'Build it with build_norm_layer(norm_cfg, C)[1] too'] }],
    },
    {
      name: "one norm ignores an mmcv norm_cfg (the advice in mmcv's terms)",
      code: `${header}from mmcv.cnn import build_norm_layer\nclass B(nn.Module):\n    def __init__(self, c, norm_cfg=dict(type='BN')):\n        super().__init__()\n        self.bn1 = build_norm_layer(norm_cfg, c)[1]\n        self.bn2 = nn.BatchNorm2d(c)\n`,
      findings: [{ messageId: 'ignoresParameter', line: 7, column: 20, endLine: 7, endColumn: 37, messageIncludes: ['`norm_cfg` parameter (line 4)', "passing norm_cfg=dict(type='GN', num_groups=32)", 'Build it with build_norm_layer(norm_cfg, C)[1] too'] }],
    },
    {
      name: 'one BatchNorm with a different eps',
      code: `${header}class B(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.BatchNorm2d(8)\n        self.b = nn.BatchNorm2d(8)\n        self.c = nn.BatchNorm2d(8, eps=1e-3)\n`,
      findings: [{ messageId: 'conflictingSetting', line: 7, column: 36, endLine: 7, endColumn: 44, messageIncludes: ['eps=0.001', 'other 2 BatchNorm layers', 'eps=0.00001'] }],
    },
    {
      name: 'one interior sibling block of a ModuleList uses GroupNorm, the others BatchNorm',
      code: `${header}class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.blocks = nn.ModuleList([\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.GroupNorm(32, 64), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()),\n        ])\n`,
      findings: [{ messageId: 'siblingDiffers', line: 7, column: 72, endLine: 7, endColumn: 92, messageIncludes: ['GroupNorm in blocks[1]', '2 of the 3 blocks', 'self.blocks', 'use BatchNorm'] }],
    },
    {
      name: 'numbered stage attributes of one structure, one with InstanceNorm in the middle',
      code: `${header}class Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.stage1 = nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))\n        self.stage2 = nn.Sequential(nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))\n        self.stage3 = nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))\n`,
      findings: [{ messageId: 'siblingDiffers', line: 6, column: 57, endLine: 6, endColumn: 77, messageIncludes: ['InstanceNorm2d in stage2', 'self.stageN', 'use BatchNorm'] }],
    },
    {
      name: 'SyncBatchNorm in all blocks but one',
      code: `${header}class Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.body = nn.Sequential(\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.SyncBatchNorm(c), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c), nn.ReLU()),\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.SyncBatchNorm(c), nn.ReLU()),\n        )\n`,
      findings: [{ messageId: 'siblingDiffers', line: 7, column: 47, endLine: 7, endColumn: 64, messageIncludes: ['BatchNorm2d in body.1', 'use SyncBatchNorm'] }],
    },
    {
      name: 'instances of one block class: an interior one is passed another norm',
      code: `${header}from functools import partial\n\nclass Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n\nclass Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.body = nn.Sequential(Block(c, nn.BatchNorm2d), Block(c, partial(nn.GroupNorm, 32)), Block(c, nn.BatchNorm2d))\n`,
      findings: [{ messageId: 'siblingDiffers', line: 12, column: 70, endLine: 12, endColumn: 95, messageIncludes: ['GroupNorm in body.1', 'use BatchNorm'] }],
    },
    {
      name: 'loop-built blocks omit the norm_layer the first block is given (torchvision _make_layer slip)',
      code: `${header}class Block(nn.Module):\n    def __init__(self, c, norm_layer=None):\n        super().__init__()\n        if norm_layer is None:\n            norm_layer = nn.BatchNorm2d\n        self.bn = norm_layer(c)\n\nclass Stage(nn.Module):\n    def __init__(self, c, n=3, norm_layer=None):\n        super().__init__()\n        layers = [Block(c, norm_layer=norm_layer)]\n        for _ in range(1, n):\n            layers.append(Block(c))\n        self.body = nn.Sequential(*layers)\n`,
      findings: [{ messageId: 'siblingOmitsParameter', line: 14, column: 27, endLine: 14, endColumn: 35, messageIncludes: ['Block (body.1) is built without `norm_layer`', 'default BatchNorm2d', 'norm_layer=norm_layer (line 12)'] }],
    },
  ],
});

describe('NRM501 sibling findings point to their evidence', () => {
  it('relates a differing sibling norm to a sibling that uses the common one', () => {
    const code = `${header}class Net(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.body = nn.Sequential(\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c)),\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.GroupNorm(8, c)),\n            nn.Sequential(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c)),\n        )\n`;
    const [f, ...rest] = lintWith(mixedNormStrategies, code);
    assert.deepStrictEqual(rest, []);
    assert.ok(f);
    assert.deepStrictEqual(f.related.map((r) => [r.span.start.line + 1, r.message]), [[6, 'the BatchNorm2d of sibling body.0.1']]);
  });
  it('relates an omitted norm parameter to the sibling that passes it and to the parameter', () => {
    const code = `${header}class Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.bn = norm_layer(c)\n\nclass Net(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.body = nn.Sequential(Block(c, norm_layer=norm_layer), Block(c))\n`;
    const [f, ...rest] = lintWith(mixedNormStrategies, code);
    assert.deepStrictEqual(rest, []);
    assert.ok(f);
    assert.strictEqual(f.messageId, 'siblingOmitsParameter');
    assert.deepStrictEqual(f.related.map((r) => r.message), ['a sibling passes norm_layer=norm_layer', 'sibling body.0', 'the norm_layer parameter of Block (default BatchNorm2d)']);
  });
});
