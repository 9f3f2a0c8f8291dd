import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { bnFeaturesMismatch } from './rule';

const header = 'import torch.nn as nn\n';
const KERAS = 'from tensorflow import keras\nfrom tensorflow.keras import layers\n\n\ndef build():\n    inputs = keras.Input((32, 32, 3))\n';
const keras = (lines: string) => `${KERAS}${lines}    return keras.Model(inputs, x)\n`;
const FLAX = 'import flax.linen as nn\n\n\nclass CNN(nn.Module):\n    @nn.compact\n    def __call__(self, x, train: bool):\n';
const flax = (lines: string) => `${FLAX}${lines}        return x\n`;
// A stem parameterised by its width whose BatchNorm keeps the width it was written for.
const STEM =
  'import torch.nn as nn\n\n\nclass Stem(nn.Module):\n    def __init__(self, width=64):\n        super().__init__()\n' +
  '        self.conv = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)\n        self.bn = nn.BatchNorm2d(64)\n        self.act = nn.ReLU(inplace=True)\n\n' +
  '    def forward(self, x):\n        return self.act(self.bn(self.conv(x)))\n';
const net = (name: string, body: string) => `\n\nclass ${name}(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}`;
// A bottleneck whose last BatchNorm hard-codes the usual expansion of 4 while its conv follows the parameter.
const BOTTLENECK =
  'import torch.nn as nn\n\n\nclass Bottleneck(nn.Module):\n    def __init__(self, inplanes, planes, stride=1, expansion=4):\n        super().__init__()\n' +
  '        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)\n        self.bn1 = nn.BatchNorm2d(planes)\n' +
  '        self.conv3 = nn.Conv2d(planes, planes * expansion, 1, bias=False)\n        self.bn3 = nn.BatchNorm2d(planes * 4)\n\n' +
  '    def forward(self, x):\n        return self.bn3(self.conv3(self.bn1(self.conv1(x))))\n';
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(bnFeaturesMismatch, {
  valid: [
    { name: 'instances: a model built at module level with the width its BatchNorm keeps, or with its defaults', code: STEM + '\n\nmodel = Stem(width=64)\nother = Stem()\n' },
    { name: 'matching widths', code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.BatchNorm2d(128), nn.ReLU())\n') },
    { name: 'GroupNorm with matching channels', code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.GroupNorm(32, 128))\n') },
    { name: 'unresolved widths are not guessed', code: `${header}class M(nn.Module):\n    def __init__(self, a, b):\n        super().__init__()\n        self.b = nn.Sequential(nn.Conv2d(a, b, 3, bias=False), nn.BatchNorm2d(b))\n` },
    { name: 'flatten between conv and BatchNorm1d', code: cls('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm1d(800)\n', '    def forward(self, x):\n        return self.bn(self.conv(x).flatten(1))\n') },
    { name: 'conv with equal in/out expression', code: `${header}class M(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.b = nn.Sequential(nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c))\n` },
    { name: "detectron2's FrozenBatchNorm2d with matching channels", code: cls("        self.conv = nn.Conv2d(64, 128, 3, bias=False)\n        self.bn = FrozenBatchNorm2d(128)\n", '    def forward(self, x):\n        return self.bn(self.conv(x))\n').replace(header, `${header}from detectron2.layers import FrozenBatchNorm2d\n`) },
    { name: 'LazyBatchNorm infers its width', code: cls('        self.b = nn.Sequential(nn.Conv2d(3, 16, 3, bias=False), nn.LazyBatchNorm2d())\n') },

    { name: 'Keras: default axis after a default (channels_last) Conv2D', code: keras('    x = layers.Conv2D(32, 3, use_bias=False)(inputs)\n    x = layers.BatchNormalization()(x)\n') },
    { name: 'Keras: axis=3 after an explicitly channels_last Conv2D', code: keras("    x = layers.Conv2D(32, 3, use_bias=False, data_format='channels_last')(inputs)\n    x = layers.BatchNormalization(axis=3)(x)\n") },
    { name: 'Keras: axis=1 after an explicitly channels_first Conv2D', code: keras("    x = layers.Conv2D(32, 3, use_bias=False, data_format='channels_first')(inputs)\n    x = layers.BatchNormalization(axis=1)(x)\n") },
    { name: 'Keras: an axis computed at run time (keras.applications style)', code: keras("    bn_axis = 3 if keras.backend.image_data_format() == 'channels_last' else 1\n    x = layers.Conv2D(32, 3, use_bias=False)(inputs)\n    x = layers.BatchNormalization(axis=bn_axis)(x)\n") },
    { name: 'Keras: axis=1 after Dense (features are axis 1 of a 2-D output)', code: keras('    x = layers.Dense(64)(layers.Flatten()(inputs))\n    x = layers.BatchNormalization(axis=1)(x)\n') },
    { name: 'Flax: default axis after nn.Conv', code: flax('        x = nn.Conv(32, (3, 3))(x)\n        x = nn.BatchNorm(use_running_average=not train)(x)\n') },
    {
      name: 'instances: a width-parameterised stem built with the width its BatchNorm was written for (or the default)',
      code: STEM + net('Small', '        self.stem = Stem()\n') + net('Wide', '        self.stem = Stem(width=64)\n'),
    },
    {
      name: 'instances: a branch the instance decides picks the norm sized by the parameter (the other alternative is not its layer)',
      code:
        'import torch.nn as nn\n\n\nclass Stem(nn.Module):\n    def __init__(self, width=64):\n        super().__init__()\n' +
        '        self.conv = nn.Conv2d(3, width, 7, stride=2, padding=3, bias=False)\n        if width != 64:\n            self.bn = nn.BatchNorm2d(width)\n        else:\n            self.bn = nn.BatchNorm2d(64)\n\n' +
        '    def forward(self, x):\n        return self.bn(self.conv(x))\n' +
        net('Net', '        self.stem = Stem(32)\n'),
    },
    {
      name: 'instances: bottlenecks built with the expansion their BatchNorm assumes',
      code: BOTTLENECK + net('Net', '        self.layer1 = nn.Sequential(Bottleneck(64, 64), Bottleneck(256, 64, expansion=4))\n'),
    },
    { name: 'Flax: axis=3 after a 2-D nn.Conv', code: flax('        x = nn.Conv(32, (3, 3))(x)\n        x = nn.BatchNorm(use_running_average=not train, axis=3)(x)\n') },
  ],
  invalid: [
    {
      name: "torchvision's FrozenBatchNorm2d sized for the conv's input channels (its buffers are per channel: a shape error at the first forward)",
      code: "import torch.nn as nn\nfrom torchvision.ops.misc import FrozenBatchNorm2d\n\nclass Stem(nn.Module):\n    def __init__(self):\n        super().__init__()\n" +
        '        self.conv = nn.Conv2d(64, 128, 3, padding=1, bias=False)\n        self.bn = FrozenBatchNorm2d(64)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n',
      findings: [{ messageId: 'mismatch', line: 8, column: 37, endLine: 8, endColumn: 39, messageIncludes: ['expects 64 channels', 'produces 128'] }],
    },
    {
      name: "mmcv builders: a conv from build_conv_layer(None, ...) into a BatchNorm from build_norm_layer(norm_cfg, C)",
      code:
        "import torch.nn as nn\nfrom mmcv.cnn import build_conv_layer, build_norm_layer\n\nclass Head(nn.Module):\n    def __init__(self, norm_cfg=dict(type='BN')):\n        super().__init__()\n" +
        "        self.conv = build_conv_layer(None, 256, 512, 3, padding=1, bias=False)\n        self.bn = build_norm_layer(norm_cfg, 256)[1]\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n",
      findings: [{ messageId: 'mismatch', line: 8, column: 46, endLine: 8, endColumn: 49, messageIncludes: ['expects 256 channels', 'produces 512'] }],
    },
    {
      name: 'literal mismatch in a Sequential',
      code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())\n'),
      findings: [{ messageId: 'mismatch', line: 5, column: 82, endLine: 5, endColumn: 84, messageIncludes: ['expects 64 channels', 'produces 128'] }],
    },
    {
      name: 'through a loop over a config list',
      code: `${header}CFG = [16, 32, 64]\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        layers = []\n        c = 3\n        for i, v in enumerate(CFG):\n            layers += [nn.Conv2d(c, v, 3, bias=False), nn.BatchNorm2d(CFG[0])]\n            c = v\n        self.features = nn.Sequential(*layers)\n`,
      findings: [
        { messageId: 'mismatch', line: 9, column: 71, endLine: 9, endColumn: 77, messageIncludes: ['expects 16 (module constant CFG, line 2) channels', 'produces 32', '"running_mean should contain 32 elements not 16"', 'Use 32 here.'] },
      ],
    },
    {
      name: 'constructor defaults: lower severity, says so',
      code: `${header}class Head(nn.Module):\n    def __init__(self, width=256):\n        super().__init__()\n        self.fc = nn.Linear(512, width)\n        self.bn = nn.BatchNorm1d(512)\n    def forward(self, x):\n        return self.bn(self.fc(x))\n`,
      findings: [{ messageId: 'mismatch', line: 6, column: 34, endLine: 6, endColumn: 37, severity: 'warning', messageIncludes: ['256 (default of parameter width of Head.__init__, line 3)', '"running_mean should contain 256 elements not 512"', 'a caller may pass others', 'Use 256 here.'] }],
    },
    {
      name: "symbolic: sized with the conv's input channels",
      code: `${header}class M(nn.Module):\n    def __init__(self, cfg):\n        super().__init__()\n        self.conv = nn.Conv1d(cfg[1], cfg[2], 3, bias=False)\n        self.bn = nn.BatchNorm1d(cfg[1])\n    def forward(self, x):\n        return self.bn(self.conv(x))\n`,
      findings: [{ messageId: 'inputChannels', line: 6, column: 34, endLine: 6, endColumn: 40, severity: 'warning', messageIncludes: ['`cfg[1]`', 'outputs `cfg[2]`'] }],
    },
    {
      name: "Keras: BatchNormalization(axis=1) after a Conv2D on Keras' default channels_last format: warning",
      code: keras('    x = layers.Conv2D(32, 3, use_bias=False)(inputs)\n    x = layers.BatchNormalization(axis=1)(x)\n'),
      findings: [{ messageId: 'axisMismatch', line: 8, column: 35, endLine: 8, endColumn: 41, severity: 'warning', messageIncludes: ['normalizes axis 1, the height axis', "Keras' default data_format, channels_last", 'Use axis=-1'] }],
    },
    {
      name: 'Keras: the default axis=-1 after an explicitly channels_first Conv2D: error, anchored on the norm call',
      code: keras("    x = layers.Conv2D(32, 3, use_bias=False, data_format='channels_first')(inputs)\n    x = layers.BatchNormalization()(x)\n"),
      findings: [{ messageId: 'axisMismatch', line: 8, column: 9, endLine: 8, endColumn: 36, messageIncludes: ['normalizes axis -1, the width axis', "data_format='channels_first'", 'Use axis=1'] }],
    },
    {
      name: 'Flax: nn.BatchNorm(axis=1) after a 2-D nn.Conv',
      code: flax('        x = nn.Conv(32, (3, 3))(x)\n        x = nn.BatchNorm(use_running_average=not train, axis=1)(x)\n'),
      findings: [{ messageId: 'axisMismatch', line: 8, column: 57, endLine: 8, endColumn: 63, messageIncludes: ['normalizes axis 1, the height axis', 'Flax convolutions are channels-last', 'Use axis=-1'] }],
    },
  {
      name: 'instances: a stem built narrower than the width its BatchNorm keeps (the call spans lines; the value cites where it is passed)',
      code: STEM + net('Small', '        self.stem = Stem()\n') + net('Narrow', '        self.stem = Stem(\n            width=32,\n        )\n'),
      findings: [
        {
          messageId: 'instanceMismatch',
          line: 8,
          column: 34,
          endLine: 8,
          endColumn: 36,
          messageIncludes: ['BatchNorm2d (bn) expects 64 channels', 'produces 32 (line 25) in the instance `Narrow.stem` (`Stem(width=32)`, line 24)', 'should contain 32 elements not 64'],
        },
      ],
    },
    {
      name: 'instances: the model a factory function returns, built narrower than its BatchNorm (named by the factory)',
      code: STEM + '\n\ndef narrow_stem(**kwargs):\n    return Stem(width=32, **kwargs)\n',
      findings: [
        {
          messageId: 'instanceMismatch',
          line: 8,
          column: 34,
          endLine: 8,
          endColumn: 36,
          messageIncludes: ['BatchNorm2d (bn) expects 64 channels', 'in the instance `narrow_stem` (`Stem(width=32, **kwargs)`, line 16)'],
        },
      ],
    },
    {
      name: 'instances: a model built at module level narrower than its BatchNorm (`model = Stem(width=32)` in a script; named by the variable)',
      code: STEM + '\n\nmodel = Stem(width=32)\n',
      findings: [
        {
          messageId: 'instanceMismatch',
          line: 8,
          column: 34,
          endLine: 8,
          endColumn: 36,
          messageIncludes: ['BatchNorm2d (bn) expects 64 channels', 'in the instance `model` (`Stem(width=32)`, line 15)'],
        },
      ],
    },
    {
      name: 'instances: a stage whose loop carries its width (`in_chs = out_chs`): the second block\'s BatchNorm no longer fits',
      code:
        'import torch.nn as nn\n\n\nclass Stage(nn.Module):\n    def __init__(self, in_chs, out_chs, depth=2):\n        super().__init__()\n        blocks = []\n' +
        '        for i in range(depth):\n            blocks.append(nn.Conv2d(in_chs, out_chs, 3, padding=1, bias=False))\n            blocks.append(nn.BatchNorm2d(in_chs * 2))\n            in_chs = out_chs\n' +
        '        self.blocks = nn.Sequential(*blocks)\n' +
        net('Net', '        self.s = Stage(32, 64)\n'),
      findings: [
        {
          messageId: 'instanceMismatch',
          line: 10,
          column: 42,
          endLine: 10,
          endColumn: 52,
          messageIncludes: ['BatchNorm2d (blocks.3) expects 128 channels', 'Conv2d (blocks.2) (line 9) produces 64', 'in the instance `Net.s`'],
        },
      ],
    },
    {
      name: 'instances: a bottleneck built with another expansion, inside a stage (the outermost instance is named)',
      code:
        BOTTLENECK +
        '\n\nclass Stage(nn.Module):\n    def __init__(self, width):\n        super().__init__()\n        self.block = Bottleneck(width, width // 4, expansion=2)\n\n    def forward(self, x):\n        return self.block(x)\n' +
        net('Net', '        self.layer1 = Bottleneck(64, 64)\n        self.layer2 = Stage(256)\n'),
      findings: [
        {
          messageId: 'instanceMismatch',
          line: 10,
          column: 35,
          endLine: 10,
          endColumn: 45,
          messageIncludes: ['BatchNorm2d (bn3) expects 256 channels', 'Conv2d (conv3) (line 9) produces 128 in the instance `Net.layer2.block` (built in `Stage(256)`, line 29)'],
        },
      ],
    },
    {
      name: "instances: a norm sized with the conv's input channels is reported once, by the class (not again per instance)",
      code:
        'import torch.nn as nn\n\n\nclass Down(nn.Module):\n    def __init__(self, in_ch, out_ch):\n        super().__init__()\n' +
        '        self.conv = nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1, bias=False)\n        self.bn = nn.BatchNorm2d(in_ch)\n\n' +
        '    def forward(self, x):\n        return self.bn(self.conv(x))\n' +
        net('Net', '        self.down1 = Down(64, 128)\n        self.down2 = Down(128, 256)\n'),
      findings: [{ messageId: 'inputChannels', line: 8, column: 34, endLine: 8, endColumn: 39, severity: 'warning', messageIncludes: ['`in_ch`'] }],
    },
  ],
});
