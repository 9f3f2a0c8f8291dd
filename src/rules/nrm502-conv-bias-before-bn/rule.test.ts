import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { convBiasBeforeBn } from './rule';

const header = 'import torch\nimport torch.nn as nn\n';

ruleTests(convBiasBeforeBn, {
  valid: [
    { name: 'bias=False before BN', code: `${header}block = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.b = block\n` },
    {
      name: 'activation between conv and BN',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3), nn.ReLU(), nn.BatchNorm2d(64))\n`,
    },
    {
      name: 'conv output also used by a residual',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(64, 64, 3, padding=1)\n        self.bn = nn.BatchNorm2d(64)\n    def forward(self, x):\n        y = self.conv(x)\n        return self.bn(y) + y\n`,
    },
    {
      name: 'conv before LayerNorm / GroupNorm (not cancelled per channel)',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3), nn.GroupNorm(8, 64))\n`,
    },
    {
      name: 'VGG-style bias=not batch_norm inside the batch_norm branch',
      code: `${header}def make_layers(cfg, batch_norm=False):\n    layers = []\n    c = 3\n    for v in cfg:\n        conv = nn.Conv2d(c, v, 3, padding=1, bias=not batch_norm)\n        if batch_norm:\n            layers += [conv, nn.BatchNorm2d(v), nn.ReLU()]\n        else:\n            layers += [conv, nn.ReLU()]\n        c = v\n    return nn.Sequential(*layers)\n`,
    },
    { name: 'unknown bias value is not guessed', code: `${header}class M(nn.Module):\n    def __init__(self, use_bias):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3, bias=use_bias), nn.BatchNorm2d(64))\n` },
    {
      name: "Keras: a Dense with its own activation before BatchNormalization (the bias shifts the ReLU's input; TensorFlow's effective_tf2 guide)",
      code: "import tensorflow as tf\nmodel = tf.keras.Sequential([\n    tf.keras.layers.Flatten(),\n    tf.keras.layers.Dense(64, activation='relu'),\n    tf.keras.layers.BatchNormalization(),\n    tf.keras.layers.Conv2D(8, 3, activation=act),\n    tf.keras.layers.BatchNormalization(),\n])\n",
    },
    { name: 'Keras use_bias=False', code: 'from tensorflow.keras import layers\ndef block(x):\n    x = layers.Conv2D(32, 3, use_bias=False)(x)\n    return layers.BatchNormalization()(x)\n' },
  ],
  invalid: [
    {
      name: 'default bias in a Sequential: fix appends bias=False',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64), nn.ReLU())\n`,
      findings: [{ messageId: 'cancelledBias', line: 6, column: 35, endLine: 6, endColumn: 54, messageIncludes: ['Conv2d (body.0)', 'BatchNorm2d (body.1)', 'bias=True is the default'], fixSafe: true }],
      output: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())\n`,
    },
    {
      name: 'explicit bias=True in the forward pass: fix flips the literal',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(128, 64, bias=True)\n        self.bn = nn.BatchNorm1d(64)\n    def forward(self, x):\n        return torch.relu(self.bn(self.fc(x)))\n`,
      findings: [{ messageId: 'cancelledBias', line: 6, column: 38, endLine: 6, endColumn: 47 }],
      output: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(128, 64, bias=False)\n        self.bn = nn.BatchNorm1d(64)\n    def forward(self, x):\n        return torch.relu(self.bn(self.fc(x)))\n`,
    },
    {
      name: 'Keras functional API',
      code: 'from tensorflow.keras import layers\ndef block(x):\n    x = layers.Conv2D(32, 3)(x)\n    return layers.BatchNormalization()(x)\n',
      findings: [{ messageId: 'cancelledBias', line: 3, column: 9, endLine: 3, endColumn: 29, messageIncludes: ['use_bias=False'] }],
      output: 'from tensorflow.keras import layers\ndef block(x):\n    x = layers.Conv2D(32, 3, use_bias=False)(x)\n    return layers.BatchNormalization()(x)\n',
    },
    {
      name: "Keras: activation=None and activation='linear' add no non-linearity",
      code: "from tensorflow.keras import layers\ndef block(x):\n    x = layers.Conv2D(32, 3, activation=None)(x)\n    x = layers.BatchNormalization()(x)\n    x = layers.Dense(8, activation='linear')(x)\n    return layers.BatchNormalization()(x)\n",
      findings: [
        { messageId: 'cancelledBias', line: 3, column: 9, endLine: 3, endColumn: 46 },
        { messageId: 'cancelledBias', line: 5, column: 9, endLine: 5, endColumn: 45 },
      ],
      output: "from tensorflow.keras import layers\ndef block(x):\n    x = layers.Conv2D(32, 3, activation=None, use_bias=False)(x)\n    x = layers.BatchNormalization()(x)\n    x = layers.Dense(8, activation='linear', use_bias=False)(x)\n    return layers.BatchNormalization()(x)\n",
    },
    {
      name: 'keras-applications style: the layers module handed in by get_submodules_from_kwargs',
      code: 'from . import get_submodules_from_kwargs\nlayers = None\ndef block(x, filters):\n    x = layers.Conv2D(filters, 1)(x)\n    return layers.BatchNormalization(axis=3)(x)\ndef ResNet(**kwargs):\n    global layers\n    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)\n',
      findings: [{ messageId: 'cancelledBias', line: 4, column: 9, endLine: 4, endColumn: 34, fixSafe: true }],
      output: 'from . import get_submodules_from_kwargs\nlayers = None\ndef block(x, filters):\n    x = layers.Conv2D(filters, 1, use_bias=False)(x)\n    return layers.BatchNormalization(axis=3)(x)\ndef ResNet(**kwargs):\n    global layers\n    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)\n',
    },
    {
      name: 'the file loads pretrained weights: the same fix, offered as unsafe',
      code: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3), nn.BatchNorm2d(64))\n\ndef m(path):\n    model = M()\n    model.load_state_dict(torch.load(path))\n    return model\n`,
      findings: [{ messageId: 'cancelledBias', line: 6, column: 35, endLine: 6, endColumn: 54, fixSafe: false, fixTitleIncludes: ['loaded at line 10 then need strict=False'] }],
      output: `${header}class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64))\n\ndef m(path):\n    model = M()\n    model.load_state_dict(torch.load(path))\n    return model\n`,
    },
    {
      name: 'conv in one branch of an unknown condition: reported without a fix',
      code: `${header}def make(cfg, bn):\n    layers = []\n    for v in cfg:\n        conv = nn.Conv2d(3, v, 3)\n        if bn:\n            layers += [conv, nn.BatchNorm2d(v)]\n        else:\n            layers += [conv, nn.ReLU()]\n    return nn.Sequential(*layers)\n`,
      findings: [{ messageId: 'cancelledBias', line: 6, column: 16, endLine: 6, endColumn: 34 }],
    },
  ],
});
