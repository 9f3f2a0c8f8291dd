import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { bnFeaturesMismatch } from './rule';

const header = 'import torch.nn as nn\n';
const KERAS = 'from tensorflow import keras\nfrom tensorflow.keras import layers\n\n\ndef build():\n    inputs = keras.Input((32, 32, 3))\n';
const keras = (lines: string) => `${KERAS}${lines}    return keras.Model(inputs, x)\n`;
const FLAX = 'import flax.linen as nn\n\n\nclass CNN(nn.Module):\n    @nn.compact\n    def __call__(self, x, train: bool):\n';
const flax = (lines: string) => `${FLAX}${lines}        return x\n`;
const cls = (body: string, forward = '') => `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n${body}${forward}`;

ruleTests(bnFeaturesMismatch, {
  valid: [
    { name: 'matching widths', code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.BatchNorm2d(128), nn.ReLU())\n') },
    { name: 'GroupNorm with matching channels', code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.GroupNorm(32, 128))\n') },
    { name: 'unresolved widths are not guessed', code: `${header}class M(nn.Module):\n    def __init__(self, a, b):\n        super().__init__()\n        self.b = nn.Sequential(nn.Conv2d(a, b, 3, bias=False), nn.BatchNorm2d(b))\n` },
    { name: 'flatten between conv and BatchNorm1d', code: cls('        self.conv = nn.Conv2d(3, 8, 3)\n        self.bn = nn.BatchNorm1d(800)\n', '    def forward(self, x):\n        return self.bn(self.conv(x).flatten(1))\n') },
    { name: 'conv with equal in/out expression', code: `${header}class M(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.b = nn.Sequential(nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c))\n` },
    { name: 'LazyBatchNorm infers its width', code: cls('        self.b = nn.Sequential(nn.Conv2d(3, 16, 3, bias=False), nn.LazyBatchNorm2d())\n') },

    { name: 'Keras: default axis after a default (channels_last) Conv2D', code: keras('    x = layers.Conv2D(32, 3, use_bias=False)(inputs)\n    x = layers.BatchNormalization()(x)\n') },
    { name: 'Keras: axis=3 after an explicitly channels_last Conv2D', code: keras("    x = layers.Conv2D(32, 3, use_bias=False, data_format='channels_last')(inputs)\n    x = layers.BatchNormalization(axis=3)(x)\n") },
    { name: 'Keras: axis=1 after an explicitly channels_first Conv2D', code: keras("    x = layers.Conv2D(32, 3, use_bias=False, data_format='channels_first')(inputs)\n    x = layers.BatchNormalization(axis=1)(x)\n") },
    { name: 'Keras: an axis computed at run time (keras.applications style)', code: keras("    bn_axis = 3 if keras.backend.image_data_format() == 'channels_last' else 1\n    x = layers.Conv2D(32, 3, use_bias=False)(inputs)\n    x = layers.BatchNormalization(axis=bn_axis)(x)\n") },
    { name: 'Keras: axis=1 after Dense (features are axis 1 of a 2-D output)', code: keras('    x = layers.Dense(64)(layers.Flatten()(inputs))\n    x = layers.BatchNormalization(axis=1)(x)\n') },
    { name: 'Flax: default axis after nn.Conv', code: flax('        x = nn.Conv(32, (3, 3))(x)\n        x = nn.BatchNorm(use_running_average=not train)(x)\n') },
    { name: 'Flax: axis=3 after a 2-D nn.Conv', code: flax('        x = nn.Conv(32, (3, 3))(x)\n        x = nn.BatchNorm(use_running_average=not train, axis=3)(x)\n') },
  ],
  invalid: [
    {
      name: 'literal mismatch in a Sequential',
      code: cls('        self.b = nn.Sequential(nn.Conv2d(64, 128, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())\n'),
      findings: [{ messageId: 'mismatch', line: 5, column: 82, endLine: 5, endColumn: 84, messageIncludes: ['expects 64 channels', 'produces 128'] }],
    },
    {
      name: 'through a loop over a config list',
      code: `${header}CFG = [16, 32, 64]\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        layers = []\n        c = 3\n        for i, v in enumerate(CFG):\n            layers += [nn.Conv2d(c, v, 3, bias=False), nn.BatchNorm2d(CFG[0])]\n            c = v\n        self.features = nn.Sequential(*layers)\n`,
      findings: [
        { messageId: 'mismatch', line: 9, column: 71, endLine: 9, endColumn: 77, messageIncludes: ['expects 16 (module constant CFG, line 2) channels', 'produces 32'] },
      ],
    },
    {
      name: 'constructor defaults: lower severity, says so',
      code: `${header}class Head(nn.Module):\n    def __init__(self, width=256):\n        super().__init__()\n        self.fc = nn.Linear(512, width)\n        self.bn = nn.BatchNorm1d(512)\n    def forward(self, x):\n        return self.bn(self.fc(x))\n`,
      findings: [{ messageId: 'mismatch', line: 6, column: 34, endLine: 6, endColumn: 37, severity: 'warning', messageIncludes: ['256 (default of parameter width of Head.__init__, line 3)', 'a caller may pass others'] }],
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
  ],
});
