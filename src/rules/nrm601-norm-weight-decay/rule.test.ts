import { IMPORTS, CNN, GN } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { normWeightDecay } from './rule';

/** A LightningModule with a LayerNorm whose `configure_optimizers` returns `torch.optim.<optimizer>`, as lines. */
const LIGHTNING_NORMED = (optimizer: string): string[] => [
  'import torch',
  'import torch.nn as nn',
  'import pytorch_lightning as pl',
  'class Normed(pl.LightningModule):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.net = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8))',
  '    def configure_optimizers(self):',
  `        return torch.optim.${optimizer}`,
];

const NO_NORMS = `
class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 2)
`;

ruleTests(normWeightDecay, {
  valid: [
    { name: "a weight decay that is numerically none (Pytorch-UNet's RMSprop weight_decay=1e-8)", code: 'import torch\nimport torchvision\n\nmodel = torchvision.models.resnet18()\noptimizer = torch.optim.RMSprop(model.parameters(), lr=1e-5, weight_decay=1e-8, momentum=0.999)\n' },
    {
      name: 'Keras: an optimizer whose exclude_from_weight_decay names the norm variables, one without decay, and a model without norms',
      code: "from tensorflow import keras\n\nmodel = keras.applications.EfficientNetB0(weights=None, classes=5)\nopt = keras.optimizers.AdamW(learning_rate=1e-3)\nopt.exclude_from_weight_decay(var_names=[\"batch_normalization\", \"bias\"])\nmodel.compile(optimizer=opt, loss=\"mse\")\nmodel.fit(x, y, batch_size=64)\n\nplain = keras.applications.MobileNetV2(weights=None)\nplain.compile(optimizer=keras.optimizers.Adam(1e-3), loss=\"mse\")\nvgg = keras.applications.VGG16(weights=None)\nvgg.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.05), loss=\"mse\")\n",
    },
    {
      name: "a torchvision ResNet with norm_layer=FrozenBatchNorm2d (DETR's backbone): its norms' weights are buffers, not parameters",
      code: 'import torch\nimport torchvision\nfrom torchvision.ops import misc as misc_nn_ops\n\nmodel = torchvision.models.resnet50(weights="DEFAULT", norm_layer=misc_nn_ops.FrozenBatchNorm2d)\noptimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)\n',
    },
    {
      name: 'a linear probe: every parameter but the head frozen (SimCLR\'s evaluation notebook), or the whole model frozen before its head is replaced',
      code: IMPORTS + "import torchvision\nmodel = torchvision.models.resnet18()\nfor name, param in model.named_parameters():\n    if name not in ['fc.weight', 'fc.bias']:\n        param.requires_grad = False\noptimizer = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=0.0008)\n\n\ndef probe():\n    net = torchvision.models.resnet50()\n    net.requires_grad_(False)\n    net.fc = nn.Linear(2048, 10)\n    return torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-4)\n",
    },
    {
      name: 'Keras: an optimizer compiled by no model of its function (given to a helper that compiles its own model), after another optimizer of that name compiled with a BatchNorm model',
      code: "from tensorflow import keras\nfrom tensorflow.keras import layers\n\nmodel = keras.applications.ResNet50(weights=None)\noptimizer = keras.optimizers.SGD(0.1)\nmodel.compile(optimizer=optimizer, loss=\"mse\")\noptimizer = keras.optimizers.AdamW(weight_decay=1e-5)\n\n\ndef build_and_train(optimizer):\n    m = keras.Sequential([layers.Dense(10)])\n    m.compile(optimizer=optimizer, loss=\"mse\")\n\n\nbuild_and_train(optimizer)\n",
    },
    { name: 'no weight decay', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n' },
    { name: 'weight_decay=0', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0)\n' },
    {
      name: 'decay and no-decay groups (timm/HF style)',
      code: IMPORTS + CNN + 'model = Net()\ndecay, no_decay = [], []\nfor name, p in model.named_parameters():\n    (no_decay if p.ndim <= 1 else decay).append(p)\noptimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)\n',
    },
    { name: 'timm optimizer factory (excludes norms and biases by default)', code: IMPORTS + 'import timm\nfrom timm.optim import create_optimizer_v2\nmodel = timm.create_model("resnet50")\noptimizer = create_optimizer_v2(model, opt="adamw", weight_decay=0.05)\n' },
    { name: 'parameters from a helper', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(utils.set_weight_decay(model, 1e-4, norm_weight_decay=0.0), lr=0.1, weight_decay=1e-4)\n' },
    { name: 'a model without normalization layers', code: IMPORTS + NO_NORMS + 'model = Plain()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n' },
    { name: 'groups of submodules: which hold norms is not known here', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD([{"params": model.conv.parameters(), "lr": 0.01}, {"params": model.fc.parameters()}], lr=0.1, weight_decay=1e-4)\n' },
    { name: 'a model whose definition is not in view', code: IMPORTS + 'from models import build\nmodel = build()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=5e-4)\n' },
    {
      name: "Lightning: a module without norms, after one with them: each configure_optimizers is its own module's",
      code: [
        ...LIGHTNING_NORMED('AdamW(self.net.parameters(), weight_decay=0.0)'),
        'class Plain(pl.LightningModule):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.net = nn.Linear(8, 8)',
        '    def configure_optimizers(self):',
        '        return torch.optim.SGD(self.net.parameters(), lr=0.1, weight_decay=5e-4)',
        '',
      ].join('\n'),
    },
  ],
  invalid: [
    {
      name: 'KerasHub: a BERT text classifier and a generic CausalLM by its preset (LayerNormalization) compiled with AdamW; their preprocessor is no model',
      code: 'import keras\nimport keras_hub\n\npreprocessor = keras_hub.models.BertTextClassifierPreprocessor.from_preset("bert_base_en")\npreprocessor.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01))\nclassifier = keras_hub.models.BertTextClassifier.from_preset("bert_base_en", num_classes=2)\nclassifier.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss="mse")\nlm = keras_hub.models.CausalLM.from_preset("gemma_2b_en")\nlm.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss="mse")\n',
      findings: [
        { messageId: 'decaysNormsKeras', line: 7, column: 30, endLine: 7, endColumn: 71, messageIncludes: ['every trainable variable of classifier', 'LayerNormalization'] },
        { messageId: 'decaysNormsKeras', line: 9, column: 22, endLine: 9, endColumn: 63, messageIncludes: ['every trainable variable of lm'] },
      ],
    },
    {
      name: 'KerasHub: a ViT backbone from a preset (LayerNormalization) compiled with AdamW',
      code: 'import keras\nimport keras_hub\n\nbackbone = keras_hub.models.ViTBackbone.from_preset("vit_base_patch16_224_imagenet")\nbackbone.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.05), loss="mse")\n',
      findings: [{ messageId: 'decaysNormsKeras', line: 5, column: 28, endLine: 5, endColumn: 69, messageIncludes: ['including the scale and shift of its LayerNormalization layers'] }],
    },
    {
      name: 'the smallest weight decay reported (1e-6)',
      code: 'import torch\nimport torchvision\n\nmodel = torchvision.models.resnet18()\noptimizer = torch.optim.RMSprop(model.parameters(), lr=1e-5, weight_decay=1e-6, momentum=0.999)\n',
      findings: [{ messageId: 'decaysNorms', line: 5, column: 13, endLine: 5, endColumn: 96, messageIncludes: ['RMSprop applies weight decay 0.000001'] }],
    },
    {
      name: 'Keras: AdamW given to compile over a keras.Sequential and over a model class of the file, both with BatchNormalization',
      code: "from tensorflow import keras\nfrom tensorflow.keras import layers\n\nseq = keras.Sequential([layers.Conv2D(8, 3), layers.BatchNormalization(), layers.ReLU()])\nseq.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss=\"mse\")\n\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.conv = layers.Conv2D(8, 3)\n        self.bn = layers.BatchNormalization()\n\n    def call(self, x, training=False):\n        return self.bn(self.conv(x), training=training)\n\n\nnet = Net()\nnet.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss=\"mse\")\n",
      findings: [
        { messageId: 'decaysNormsKeras', line: 5, column: 23, endLine: 5, endColumn: 64, messageIncludes: ['every trainable variable of seq'] },
        { messageId: 'decaysNormsKeras', line: 19, column: 23, endLine: 19, endColumn: 64, messageIncludes: ['every trainable variable of net'] },
      ],
    },
    {
      name: "Keras: AdamW's default decay (0.004) and an SGD with weight_decay, given to compile, over Keras Applications with BatchNormalization",
      code: "from tensorflow import keras\n\nmodel = keras.applications.EfficientNetB0(weights=None, classes=5)\nopt = keras.optimizers.AdamW(learning_rate=1e-3)\nmodel.compile(optimizer=opt, loss=\"mse\")\nmodel.fit(x, y, batch_size=64)\n\nother = keras.applications.ResNet50(weights=None)\nother.compile(optimizer=keras.optimizers.SGD(0.1, weight_decay=1e-4), loss=\"mse\")\n\n",
      findings: [
        { messageId: 'decaysNormsKeras', line: 4, column: 7, endLine: 4, endColumn: 49, severity: 'hint', messageIncludes: ["AdamW's default", 'opt.exclude_from_weight_decay('] },
        { messageId: 'decaysNormsKeras', line: 9, column: 25, endLine: 9, endColumn: 69, messageIncludes: ['weight decay 0.0001', 'every trainable variable of other'] },
      ],
    },
    {
      name: "Lightning: configure_optimizers over self.parameters() of a module with LayerNorm (named by its class)",
      code: [...LIGHTNING_NORMED('AdamW(self.parameters(), lr=1e-3, weight_decay=0.05)'), ''].join('\n'),
      findings: [{ messageId: 'decaysNorms', line: 9, column: 16, endLine: 9, endColumn: 80, messageIncludes: ['AdamW applies weight decay 0.05 (line 9) to every parameter of Normed', 'LayerNorm (line 7)'] }],
    },
    {
      name: 'frozen parameters that leave norms trainable: the loop picks early layers, keeps the norms by name, or freezes a part only',
      code: IMPORTS + "import torchvision\nmodel = torchvision.models.resnet18()\nfor name, p in model.named_parameters():\n    if 'layer1' in name:\n        p.requires_grad = False\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=1e-4)\n\n\ndef tune():\n    net = torchvision.models.resnet50()\n    for n, p in net.named_parameters():\n        if 'bn' not in n:\n            p.requires_grad = False\n    return torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-4)\n\n\ndef partial():\n    net = torchvision.models.resnet50()\n    net.layer1.requires_grad_(False)\n    return torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-4)\n",
      findings: [
        { messageId: 'decaysNorms', line: 10, column: 13, endLine: 10, endColumn: 75, messageIncludes: ['every parameter of model'] },
        { messageId: 'decaysNorms', line: 18, column: 12, endLine: 18, endColumn: 72, messageIncludes: ['every parameter of net'] },
        { messageId: 'decaysNorms', line: 24, column: 12, endLine: 24, endColumn: 72, messageIncludes: ['every parameter of net'] },
      ],
    },
    {
      name: 'Keras: a notebook reusing `model`: the optimizer compiled with the BatchNorm model is reported, the one compiled with the later dense model is not',
      code: "from tensorflow import keras\nfrom tensorflow.keras import layers\n\nmodel = keras.Sequential([layers.Conv2D(8, 3), layers.BatchNormalization(), layers.ReLU()])\nmodel.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss=\"mse\")\nmodel = keras.Sequential([layers.Flatten(), layers.Dense(10)])\nmodel.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01), loss=\"mse\")\n",
      findings: [{ messageId: 'decaysNormsKeras', line: 5, column: 25, endLine: 5, endColumn: 66, messageIncludes: ['every trainable variable of model'] }],
    },
    {
      name: 'SGD over model.parameters() with weight decay',
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)\n',
      findings: [{ messageId: 'decaysNorms', line: 18, column: 13, endLine: 18, endColumn: 89, messageIncludes: ['weight decay 0.0001 (line 18)', 'BatchNorm2d (line 10)'] }],
    },
    {
      name: "AdamW's default decay on a GroupNorm model: hint",
      code: IMPORTS + GN + 'model = GNNet()\noptimizer = torch.optim.AdamW(filter(lambda p: p.requires_grad, model.parameters()), lr=1e-3)\n',
      findings: [{ messageId: 'decaysNorms', line: 15, column: 13, endLine: 15, endColumn: 94, severity: 'hint', messageIncludes: ["0.01 (AdamW's default)"] }],
    },
    {
      name: 'weight decay from an argparse default on a torchvision model',
      code: "import argparse\nimport torch\nimport torchvision\nparser = argparse.ArgumentParser()\nparser.add_argument('--wd', type=float, default=1e-4)\nargs = parser.parse_args()\nmodel = torchvision.models.resnet18()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=args.wd)\n",
      findings: [{ messageId: 'decaysNorms', line: 8, column: 13, endLine: 8, endColumn: 78, severity: 'hint', messageIncludes: ['argparse default of --wd', 'torchvision.models.resnet18'] }],
    },
  ],
});
