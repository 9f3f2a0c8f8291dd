import { IMPORTS, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { frozenBnFinetune } from './rule';

const MODEL = `
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.backbone(x).mean((2, 3)))
`;

const FREEZE = 'model = Classifier()\nfor p in model.backbone.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n';
const LOOP = (first: string) => `for epoch in range(10):\n${first}    for x, y in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n`;

/** The model with a method putting its BatchNorm layers in eval mode (pytorch-retinanet's, EfficientDet's `freeze_bn`); `test` guards the loop when given. */
const FREEZE_BN_METHOD = (test = '') =>
  MODEL.replace(
    '    def forward',
    `    def freeze_bn(self):\n${test ? `        if ${test}:\n    ` : ''}        for m in self.modules():\n${test ? '    ' : ''}            if isinstance(m, nn.BatchNorm2d):\n${test ? '    ' : ''}                m.eval()\n\n    def forward`,
  );
/** A helper of the script putting a model's BatchNorm layers in eval mode (DeepLabV3Plus' `fix_bn`), its parameter not named as the caller's model. */
const FIX_BN = 'def fix_bn(module):\n    for m in module.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n\n\n';

/** The PyTorch fine-tuning tutorial's feature extraction: a helper freezing what it is given when its flag says so, the flag `extract` (a module constant), the model trained in its phases. */
const TUTORIAL = (extract: string) => `import torch
import torch.nn as nn
from torchvision import models

feature_extract = ${extract}


def set_parameter_requires_grad(model, feature_extracting):
    if feature_extracting:
        for param in model.parameters():
            param.requires_grad = False


model_ft = models.resnet18(weights="DEFAULT")
set_parameter_requires_grad(model_ft, feature_extract)
model_ft.fc = nn.Linear(model_ft.fc.in_features, 2)
optimizer = torch.optim.SGD([p for p in model_ft.parameters() if p.requires_grad], lr=0.001)
for epoch in range(3):
    model_ft.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model_ft(x), y).backward()
        optimizer.step()
`;

/** VICReg's / Barlow Twins' linear evaluation: a backbone frozen, then held by `nn.Sequential(backbone, head)` (wrapped in DDP) which the loop trains; `mode`: what the loop does to the mode. */
const HELD = (mode: string) =>
  'import torchvision\n' +
  IMPORTS +
  "backbone = torchvision.models.resnet50()\nbackbone.fc = nn.Identity()\nhead = nn.Linear(2048, 1000)\nmodel = nn.Sequential(backbone, head)\nbackbone.requires_grad_(False)\nmodel = torch.nn.parallel.DistributedDataParallel(model, device_ids=[0])\noptimizer = torch.optim.SGD(head.parameters(), lr=0.01)\n" +
  LOOP(mode);

/** The Keras transfer-learning guide's script: frozen phase, then fine-tuning after `base_model.trainable = True`. */
/** A model class that freezes the torchvision ResNet it holds, in `__init__`, then trained in a script (`build` replaces the backbone's construction, `extra` follows the head). */
const CLASS_FREEZE = (build = 'torchvision.models.resnet50(weights="DEFAULT")', extra = '') => `import torch
import torch.nn as nn
import torchvision
from torch.utils.data import DataLoader


class FineTuner(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = ${build}
        for p in self.backbone.parameters():
            p.requires_grad = False
        self.head = nn.Linear(1000, 10)
${extra}
    def forward(self, x):
        return self.head(self.backbone(x))


model = FineTuner()
optimizer = torch.optim.SGD(model.head.parameters(), lr=0.1)
loader = DataLoader(train_set, batch_size=32, shuffle=True)
model.train()
for x, y in loader:
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()
`;
/** A model class holding an encoder of the file (`norm` its normalization) that it freezes in `__init__`, trained in a script. */
const OWN_FREEZE = (norm: string) => `import torch
import torch.nn as nn
from torch.utils.data import DataLoader


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, bias=False)
        self.norm = ${norm}


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.encoder.requires_grad_(False)
        self.head = nn.Linear(16, 10)


model = Classifier()
optimizer = torch.optim.SGD(model.head.parameters(), lr=0.1)
loader = DataLoader(train_set, batch_size=32, shuffle=True)
for x, y in loader:
    optimizer.zero_grad()
    model(x).sum().backward()
    optimizer.step()
`;
const KERAS_HEAD = 'import tensorflow as tf\nfrom tensorflow import keras\n\ntrain_ds = keras.utils.image_dataset_from_directory("data/train", batch_size=32)\nbase_model = keras.applications.Xception(weights="imagenet", input_shape=(150, 150, 3), include_top=False)\nbase_model.trainable = False\n\ninputs = keras.Input(shape=(150, 150, 3))\n';
const KERAS_TAIL =
  'x = keras.layers.GlobalAveragePooling2D()(x)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss="mse")\nmodel.fit(train_ds, epochs=20)\n';
/** The same fine-tuning with a KerasHub backbone built by `build` instead of Keras Applications' Xception. */
const HUB = (text: string, build: string) => text.replace('from tensorflow import keras\n', 'from tensorflow import keras\nimport keras_hub\n').replace('keras.applications.Xception(weights="imagenet", input_shape=(150, 150, 3), include_top=False)', build);
const KERAS_FINETUNE = '\nbase_model.trainable = True\nmodel.compile(optimizer=keras.optimizers.Adam(1e-5), loss="mse")\nmodel.fit(train_ds, epochs=10)\n';

/** The Keras Applications docs' InceptionV3 fine-tuning: the base's layers are the model's own (`base_model.output`), the head trained first. */
const KERAS2_HEAD =
  'import tensorflow as tf\nfrom tensorflow.keras.applications import InceptionV3\nfrom tensorflow.keras.layers import Dense, GlobalAveragePooling2D\nfrom tensorflow.keras.models import Model\n\n' +
  'train_ds = tf.keras.utils.image_dataset_from_directory("data/train", batch_size=32)\nbase_model = InceptionV3(weights="imagenet", include_top=False)\nx = base_model.output\nx = GlobalAveragePooling2D()(x)\npredictions = Dense(200, activation="softmax")(x)\nmodel = Model(inputs=base_model.input, outputs=predictions)\n' +
  'for layer in base_model.layers:\n    layer.trainable = False\nmodel.compile(optimizer="rmsprop", loss="mse")\nmodel.fit(train_ds, epochs=3)\n';
/** Its second phase: the loop `unfreeze` (the body of `for layer in model.layers[249:]:`), then a fit. */
const KERAS2_FINETUNE = (unfreeze: string) => `for layer in model.layers[:249]:\n    layer.trainable = False\nfor layer in model.layers[249:]:\n${unfreeze}model.compile(optimizer="sgd", loss="mse")\nmodel.fit(train_ds, epochs=10)\n`;

/** Udacity's transfer-learning notebook: densenet121's features frozen, its classifier trained; a validation pass every few steps over `testloader` (a run-on name), then `model.train()`. */
const TRANSFER = `import torch
from torch import nn, optim
from torchvision import models

model = models.densenet121(pretrained=True)
for param in model.parameters():
    param.requires_grad = False
model.classifier = nn.Linear(1024, 2)
optimizer = optim.Adam(model.classifier.parameters(), lr=0.003)
for inputs, labels in trainloader:
    loss = criterion(model(inputs), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        for inputs, labels in testloader:
            logps = model.forward(inputs)
    model.train()
`;

/** Transfer learning with only the new head's parameters given to the optimizer (`params`), no requires_grad freeze; `before`: what the epoch does first. */
const HEAD_ONLY = (params: string, before = '    model.train()\n') => `import torch
import torch.nn as nn
import torchvision

model = torchvision.models.resnet18(weights="DEFAULT")
model.fc = nn.Linear(512, 2)
optimizer = torch.optim.Adam(${params}, lr=1e-3)
for epoch in range(3):
${before}    for x, y in train_loader:
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
`;

ruleTests(frozenBnFinetune, {
  valid: [
    {
      name: 'a freeze of everything but the normalization parameters (`if "bn" not in name:`): BatchNorm is meant to adapt',
      code: 'import torch\nimport torch.nn as nn\n\nmodel = torch.hub.load("pytorch/vision", "resnet18", pretrained=True)\nfor name, param in model.named_parameters():\n    if "bn" not in name:\n        param.requires_grad = False\nmodel.fc = nn.Linear(512, 2)\noptimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.01)\nmodel.train()\nfor x, y in train_loader:\n    loss = nn.functional.cross_entropy(model(x), y)\n    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n',
    },
    { name: 'an optimizer given the head and a backbone stage: the backbone is meant to adapt', code: HEAD_ONLY('[{"params": model.fc.parameters()}, {"params": model.layer4.parameters(), "lr": 1e-4}]') },
    { name: 'an optimizer given the head, another the whole model', code: HEAD_ONLY('model.fc.parameters()').replace('for epoch', 'backbone_optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)\nfor epoch') },
    { name: "an optimizer given the head, the model's BatchNorm put in eval mode after each train()", code: HEAD_ONLY('model.fc.parameters()', '    model.train()\n    for m in model.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n') },
    { name: 'an optimizer given the head of a model of the file (where its BatchNorm is, the front end does not say)', code: HEAD_ONLY('model.fc.parameters()').replace('model = torchvision.models.resnet18(weights="DEFAULT")', 'class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.body = nn.Linear(8, 512)\n        self.fc = nn.Sequential(nn.Linear(512, 512), nn.BatchNorm1d(512))\n\n    def forward(self, x):\n        return self.fc(self.body(x))\n\n\nmodel = Net()') },
    {
      name: 'a class freezing an encoder of the file that has no BatchNorm (GroupNorm) in __init__, its trained head having some',
      code: OWN_FREEZE('nn.GroupNorm(4, 16)').replace('self.head = nn.Linear(16, 10)', 'self.head = nn.Sequential(nn.Linear(16, 10), nn.BatchNorm1d(10))'),
    },
    { name: "a class freezing its backbone in __init__ whose train() override keeps the backbone in eval mode", code: CLASS_FREEZE(undefined, '\n    def train(self, mode=True):\n        super().train(mode)\n        self.backbone.eval()\n        return self\n') },
    { name: 'a class freezing a ViT backbone (no BatchNorm) in __init__', code: CLASS_FREEZE('timm.create_model("vit_base_patch16_224", pretrained=True)').replace('import torchvision', 'import timm') },
    { name: 'KerasHub: an unfrozen ViT backbone (LayerNormalization, no BatchNormalization)', code: HUB(KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE, 'keras_hub.models.ViTBackbone.from_preset("vit_base_patch16_224_imagenet")') },
    { name: "BN put back in eval after every train() by the model's freeze_bn() method", code: IMPORTS + FREEZE_BN_METHOD() + FREEZE + LOOP('    model.train()\n    model.freeze_bn()\n') },
    { name: 'BN put back in eval after every train() by a helper of the script (fix_bn(model))', code: IMPORTS + MODEL + FIX_BN + FREEZE + LOOP('    model.train()\n    fix_bn(model)\n') },
    { name: "the fine-tuning tutorial's helper called with its flag False (fine-tuning the whole model): no freeze", code: TUTORIAL('False') },
    { name: "a helper freezing a copy it makes of what it is given (`model = copy.deepcopy(model)`): the caller's model is not frozen", code: TUTORIAL('True').replace('    if feature_extracting:\n', '    model = copy.deepcopy(model)\n    if feature_extracting:\n').replace('import torch\n', 'import copy\nimport torch\n') },
    { name: 'BN put back in eval after every train()', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    for m in model.backbone.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n') },
    { name: 'BN put back in eval after every train() by model.apply(lambda ...)', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    model.apply(lambda m: m.eval() if isinstance(m, nn.BatchNorm2d) else None)\n') },
    { name: 'the whole frozen backbone in eval mode after train()', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    model.backbone.eval()\n') },
    {
      name: 'a train() override keeps BN frozen',
      code: IMPORTS + MODEL.replace('    def forward', '    def train(self, mode=True):\n        super().train(mode)\n        for m in self.backbone.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n        return self\n\n    def forward') + FREEZE + LOOP('    model.train()\n'),
    },
    {
      name: "fine-tune or linear probe chosen per run: the probe's frozen model kept in eval mode, the fine-tuning one trained (Barlow Twins' evaluate.py)",
      code:
        IMPORTS +
        MODEL +
        "model = Classifier()\nif args.weights == 'freeze':\n    for p in model.backbone.parameters():\n        p.requires_grad = False\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n" +
        LOOP("    if args.weights == 'finetune':\n        model.train()\n    elif args.weights == 'freeze':\n        model.eval()\n    else:\n        assert False\n"),
    },
    { name: 'a frozen backbone held by the trained nn.Sequential, which the loop puts in eval mode (linear evaluation)', code: HELD('    model.eval()\n') },
    { name: 'a frozen backbone held by the trained nn.Sequential, put in eval mode before the container was built', code: HELD('').replace('model = nn.Sequential(backbone, head)\n', 'backbone.eval()\nmodel = nn.Sequential(backbone, head)\n') },
    { name: 'frozen model without BatchNorm', code: IMPORTS + LN_ONLY + 'model = Mixer()\nfor p in model.fc1.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.01)\n' + LOOP('    model.train()\n') },
    { name: 'a freeze method that also freezes BN statistics', code: IMPORTS + MODEL.replace('    def forward', '    def freeze_backbone(self):\n        for p in self.backbone.parameters():\n            p.requires_grad = False\n        for m in self.backbone.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n\n    def forward') + 'model = Classifier()\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n' + LOOP('    model.train()\n    model.freeze_backbone()\n') },
    { name: 'Keras: the base model called with training=False, as the Keras guide says', code: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE },
    { name: 'Keras: the frozen phase alone (trainable = False: BatchNormalization in inference mode)', code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL },
    { name: 'Keras: an unfreezing loop that skips BatchNormalization (the keras.io EfficientNet example)', code: KERAS2_HEAD + KERAS2_FINETUNE('    if not isinstance(layer, tf.keras.layers.BatchNormalization):\n        layer.trainable = True\n') },
    { name: 'Keras: an unfreezing loop that continues past BatchNormalization layers', code: KERAS2_HEAD + KERAS2_FINETUNE('    if isinstance(layer, (tf.keras.layers.BatchNormalization, tf.keras.layers.LayerNormalization)):\n        continue\n    layer.trainable = True\n') },
    { name: 'Keras: an unfreezing loop under a test it cannot read decides nothing', code: KERAS2_HEAD + KERAS2_FINETUNE('    if layer.name.startswith("mixed9"):\n        layer.trainable = True\n') },
    { name: 'Keras: the frozen phase alone, through a layer of the base (`get_layer("mixed7").output`)', code: KERAS2_HEAD.replace('x = base_model.output\n', 'last = base_model.get_layer("mixed7")\nx = last.output\n') },
    { name: 'Keras: a partial freeze after unfreezing, with training=False (TensorFlow\'s transfer-learning tutorial)', code: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE.replace('base_model.trainable = True\n', 'base_model.trainable = True\nfor layer in base_model.layers[:100]:\n    layer.trainable = False\n') },
    { name: 'Keras: refrozen before the second fit', code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE.replace('trainable = True', 'trainable = False') },
    { name: 'Keras: the base model passed training=True deliberately', code: KERAS_HEAD + 'x = base_model(inputs, training=True)\n' + KERAS_TAIL + KERAS_FINETUNE },
    {
      name: 'Keras: a look at the base model\'s features before the model is built is no part of it (TensorFlow\'s transfer-learning tutorial)',
      code: KERAS_HEAD.replace('inputs = keras.Input', 'feature_batch = base_model(image_batch)\ninputs = keras.Input') + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE,
    },
    { name: 'Keras: an unfrozen base without BatchNormalization (VGG16)', code: (KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE).replace('Xception', 'VGG16') },
  ],
  invalid: [
    {
      name: "only the head's parameters given to the optimizer (no requires_grad freeze): the backbone is frozen by being left out, its BatchNorm in training mode",
      code: HEAD_ONLY('model.fc.parameters()'),
      findings: [{ messageId: 'headOnly', line: 7, column: 13, endLine: 7, endColumn: 61, messageIncludes: ["Only model.fc's parameters are given to this optimizer, so the rest of model (torchvision.models.resnet18) is frozen", 'training step (line 13, model.train() at line 9)'] }],
    },
    {
      name: 'only the head, through a variable and in a group of its own',
      code: HEAD_ONLY('params').replace('optimizer = ', 'params = [{"params": model.fc.parameters(), "weight_decay": 0.0}]\noptimizer = '),
      findings: [{ messageId: 'headOnly', line: 8, column: 13, endLine: 8, endColumn: 46, messageIncludes: ["Only model.fc's parameters"] }],
    },
    {
      name: "a class freezing an encoder of the file with BatchNorm in __init__ (requires_grad_(False)), its instance trained in the training mode it was built in",
      code: OWN_FREEZE('nn.BatchNorm2d(16)'),
      findings: [{ messageId: 'statsStillUpdate', line: 17, column: 9, endLine: 17, endColumn: 43, messageIncludes: ['self.encoder is frozen here', 'Classifier(...) built at line 21'] }],
    },
    {
      name: 'a class freezing the torchvision ResNet it holds in __init__, its instance trained in training mode: the freeze is reported',
      code: CLASS_FREEZE(),
      findings: [{ messageId: 'statsStillUpdate', line: 11, column: 9, endLine: 12, endColumn: 36, messageIncludes: ['self.backbone is frozen here', 'model.train() at line 22'] }],
    },
    {
      name: 'KerasHub: a ResNet backbone from a preset, unfrozen and called without training=False',
      code: HUB(KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE, 'keras_hub.models.ResNetBackbone.from_preset("resnet_50_imagenet")'),
      findings: [{ messageId: 'kerasStatsUpdate', line: 10, column: 5, endLine: 10, endColumn: 23, messageIncludes: ['base_model is unfrozen for fine-tuning (base_model.trainable = True, line 17)'] }],
      output: HUB(KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE, 'keras_hub.models.ResNetBackbone.from_preset("resnet_50_imagenet")'),
    },
    {
      name: 'KerasHub: a generic Backbone whose preset is an EfficientNet, unfrozen and called without training=False',
      code: HUB(KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE, 'keras_hub.models.Backbone.from_preset("efficientnet_b0_ra_imagenet")'),
      findings: [{ messageId: 'kerasStatsUpdate', line: 10, column: 5, endLine: 10, endColumn: 23 }],
      output: HUB(KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE, 'keras_hub.models.Backbone.from_preset("efficientnet_b0_ra_imagenet")'),
    },
    {
      name: "a validation eval() (its loop over `testloader` is an inference loop) is no BatchNorm freeze: the frozen features' BatchNorm trains (Udacity's transfer-learning notebook)",
      code: TRANSFER,
      findings: [{ messageId: 'statsStillUpdate', line: 6, column: 1, endLine: 7, endColumn: 32, messageIncludes: ['model is frozen here', 'at the training step (line 13, models.densenet121(...) built at line 5'] }],
    },
    {
      name: 'a notebook freezing a second model for a later loop: the finding on the second freeze names that loop\'s step',
      code: TRANSFER + TRANSFER.split('\n').slice(4).join('\n'),
      findings: [
        { messageId: 'statsStillUpdate', line: 6, column: 1, endLine: 7, endColumn: 32, messageIncludes: ['at the training step (line 13,'] },
        { messageId: 'statsStillUpdate', line: 21, column: 1, endLine: 22, endColumn: 32, messageIncludes: ['at the training step (line 28,'] },
      ],
    },
    {
      name: 'a frozen backbone held by the trained nn.Sequential (in DDP), never switched: its BatchNorm trains in the mode it was built in',
      code: HELD(''),
      findings: [{ messageId: 'statsStillUpdate', line: 10, column: 1, endLine: 10, endColumn: 31, messageIncludes: ['backbone is frozen', 'torchvision.models.resnet50(...) built at line 6'] }],
    },
    {
      name: "a frozen backbone held by the trained nn.Sequential, which the loop's model.train() switches too",
      code: HELD('    model.train()\n'),
      findings: [{ messageId: 'statsStillUpdate', line: 10, column: 1, endLine: 10, endColumn: 31, messageIncludes: ['backbone is frozen', 'model.train() at line 14'] }],
    },
    {
      name: 'requires_grad=False only: BN statistics still update',
      code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n'),
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 16, endColumn: 28, messageIncludes: ['model.backbone is frozen'] }],
    },
    {
      name: 'the eval() of each epoch\'s validation pass is no BN freeze: the frozen backbone\'s statistics still update (Accelerate cv_example style)',
      code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n') + '    model.eval()\n    with torch.no_grad():\n        for x, y in val_loader:\n            model(x)\n',
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 16, endColumn: 28, messageIncludes: ['model.backbone is frozen'] }],
    },
    {
      name: "a phase loop's validation eval() (`else: model.eval()`, instead of the train phase's train()) is no BatchNorm freeze that train() undoes: the frozen model's statistics update in the train phase",
      code: TUTORIAL('True')
        .replaceAll('model_ft', 'model')
        .replace(
          'for epoch in range(3):\n    model.train()\n    for x, y in train_loader:\n        optimizer.zero_grad()\n        nn.functional.cross_entropy(model(x), y).backward()\n        optimizer.step()\n',
          "for epoch in range(3):\n    for phase in ['train', 'val']:\n        if phase == 'train':\n            model.train()\n        else:\n            model.eval()\n        for x, y in loaders[phase]:\n            optimizer.zero_grad()\n            with torch.set_grad_enabled(phase == 'train'):\n                loss = nn.functional.cross_entropy(model(x), y)\n                if phase == 'train':\n                    loss.backward()\n                    optimizer.step()\n",
        ),
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 15, endColumn: 52, messageIncludes: ['model is frozen here (requires_grad=False, by set_parameter_requires_grad() at line 10)', 'model.train() at line 21'] }],
    },
    {
      name: "the PyTorch fine-tuning tutorial's feature extraction: a helper given the model freezes it (`set_parameter_requires_grad(model_ft, feature_extract)`), its BatchNorm trains",
      code: TUTORIAL('True'),
      findings: [{ messageId: 'statsStillUpdate', line: 15, column: 1, endLine: 15, endColumn: 55, messageIncludes: ['model_ft is frozen here (requires_grad=False, by set_parameter_requires_grad() at line 10)', 'model_ft.train() at line 19'] }],
    },
    {
      name: "a BN freeze by the model's freeze_bn() method before the loop, undone by model.train()",
      code: IMPORTS + FREEZE_BN_METHOD() + FREEZE + 'model.freeze_bn()\n' + LOOP('    model.train()\n'),
      findings: [{ messageId: 'freezeUndone', line: 25, column: 5, endLine: 25, endColumn: 18, messageIncludes: ['model.train() at line 25', 'freeze at line 23'] }],
    },
    {
      name: 'a BN freeze by a helper of the script before the loop, undone by model.train()',
      code: IMPORTS + MODEL + FIX_BN + FREEZE + 'fix_bn(model)\n' + LOOP('    model.train()\n'),
      findings: [{ messageId: 'freezeUndone', line: 26, column: 5, endLine: 26, endColumn: 18, messageIncludes: ['model.train() at line 26', 'freeze at line 24'] }],
    },
    {
      name: 'a freeze_bn() method that freezes only under a flag of its own: no freeze the call surely makes (the frozen backbone\'s statistics update)',
      code: IMPORTS + FREEZE_BN_METHOD('self.frozen') + FREEZE + LOOP('    model.train()\n    model.freeze_bn()\n'),
      findings: [{ messageId: 'statsStillUpdate', line: 21, column: 1, endLine: 22, endColumn: 28, messageIncludes: ['model.backbone is frozen'] }],
    },
    {
      name: 'a BN freeze before the loop undone by model.train()',
      code: IMPORTS + MODEL + FREEZE + 'for m in model.backbone.modules():\n    if isinstance(m, nn.BatchNorm2d):\n        m.eval()\n' + LOOP('    model.train()\n'),
      findings: [{ messageId: 'freezeUndone', line: 22, column: 5, endLine: 22, endColumn: 18, messageIncludes: ['model.train() at line 22', 'freeze at line 20'] }],
    },
    {
      name: 'Keras fine-tuning: base_model unfrozen and called without training=False (its BatchNormalization statistics update in the second fit)',
      code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE,
      findings: [{ messageId: 'kerasStatsUpdate', line: 9, column: 5, endLine: 9, endColumn: 23, messageIncludes: ['base_model is unfrozen for fine-tuning (base_model.trainable = True, line 16)', 'model.fit(...) (line 18)'], fixSafe: false, fixTitleIncludes: ['training=False'] }],
      output: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE,
    },
    {
      name: 'Keras fine-tuning on a dataset of another file (its batches not known): the fit still trains the unfrozen base',
      code: KERAS_HEAD.replace('train_ds = keras.utils.image_dataset_from_directory("data/train", batch_size=32)\n', 'from data import train_ds\n') + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE,
      findings: [{ messageId: 'kerasStatsUpdate', line: 9, column: 5, endLine: 9, endColumn: 23, messageIncludes: ['model.fit(...) (line 18)'] }],
      output: KERAS_HEAD.replace('train_ds = keras.utils.image_dataset_from_directory("data/train", batch_size=32)\n', 'from data import train_ds\n') + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE,
    },
    {
      name: 'Keras fine-tuning: the call in the model\'s graph is reported, not an earlier look at the features',
      code: KERAS_HEAD.replace('inputs = keras.Input', 'feature_batch = base_model(image_batch)\ninputs = keras.Input') + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE,
      findings: [{ messageId: 'kerasStatsUpdate', line: 10, column: 5, endLine: 10, endColumn: 23, messageIncludes: ['base_model is unfrozen for fine-tuning'] }],
      output: KERAS_HEAD.replace('inputs = keras.Input', 'feature_batch = base_model(image_batch)\ninputs = keras.Input') + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE,
    },
    {
      name: 'Keras fine-tuning in a function, on a tf.data pipeline; a later call with other arguments keeps them',
      code: 'from tensorflow import keras\nimport tensorflow as tf\n\ndef finetune(images, labels):\n    ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(100).batch(64).prefetch(2)\n    base = keras.applications.ResNet50(weights="imagenet", include_top=False)\n    base.trainable = True\n    inputs = keras.Input(shape=(224, 224, 3))\n    x = base(inputs, mask=None)\n    x = keras.layers.GlobalAveragePooling2D()(x)\n    model = keras.Model(inputs, keras.layers.Dense(10)(x))\n    model.compile(optimizer="adam", loss="mse")\n    model.fit(ds, epochs=3)\n',
      findings: [{ messageId: 'kerasStatsUpdate', line: 9, column: 9, endLine: 9, endColumn: 32, messageIncludes: ['base is unfrozen for fine-tuning (base.trainable = True, line 7)'] }],
      output: 'from tensorflow import keras\nimport tensorflow as tf\n\ndef finetune(images, labels):\n    ds = tf.data.Dataset.from_tensor_slices((images, labels)).shuffle(100).batch(64).prefetch(2)\n    base = keras.applications.ResNet50(weights="imagenet", include_top=False)\n    base.trainable = True\n    inputs = keras.Input(shape=(224, 224, 3))\n    x = base(inputs, mask=None, training=False)\n    x = keras.layers.GlobalAveragePooling2D()(x)\n    model = keras.Model(inputs, keras.layers.Dense(10)(x))\n    model.compile(optimizer="adam", loss="mse")\n    model.fit(ds, epochs=3)\n',
    },
    {
      name: 'Keras: a loop unfreezing part of a called base model (its BatchNormalization layers among them)',
      code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + '\nfor layer in base_model.layers[100:]:\n    layer.trainable = True\nmodel.fit(train_ds, epochs=10)\n',
      findings: [{ messageId: 'kerasStatsUpdate', line: 9, column: 5, endLine: 9, endColumn: 23, messageIncludes: ['base_model is unfrozen for fine-tuning (the loop over base_model.layers[100:], line 17)', 'model.fit(...) (line 18)'], fixTitleIncludes: ['training=False'] }],
      output: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + '\nfor layer in base_model.layers[100:]:\n    layer.trainable = True\nmodel.fit(train_ds, epochs=10)\n',
    },
    {
      name: 'Keras: a partial freeze after unfreezing leaves the top layers\' BatchNormalization trainable, called without training=False',
      code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE.replace('base_model.trainable = True\n', 'base_model.trainable = True\nfor layer in base_model.layers[:100]:\n    layer.trainable = False\n'),
      findings: [{ messageId: 'kerasStatsUpdate', line: 9, column: 5, endLine: 9, endColumn: 23, messageIncludes: ['(base_model.trainable = True, line 16)'] }],
      output: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE.replace('base_model.trainable = True\n', 'base_model.trainable = True\nfor layer in base_model.layers[:100]:\n    layer.trainable = False\n'),
    },
    {
      name: 'Keras: unfreezing the top blocks through the functional model\'s own layer list (the Keras Applications docs\' InceptionV3 example)',
      code: KERAS2_HEAD + KERAS2_FINETUNE('    layer.trainable = True\n'),
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 19, column: 5, endLine: 19, endColumn: 27, messageIncludes: ['BatchNormalization layers of base_model', 'the loop over model.layers[249:], line 19', 'model.fit(...) (line 21)'] }],
    },
    {
      name: 'Keras: a notebook that reuses `model` for a small CNN after the fine-tuning example: the fit reads the model bound before it',
      code: KERAS2_HEAD + KERAS2_FINETUNE('    layer.trainable = True\n') + 'model = tf.keras.Sequential([tf.keras.layers.Conv2D(8, 3), tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])\nmodel.compile(optimizer="sgd", loss="mse")\nmodel.fit(train_ds, epochs=10)\n',
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 19, column: 5, endLine: 19, endColumn: 27, messageIncludes: ['the loop over model.layers[249:], line 19', 'model.fit(...) (line 21)'] }],
    },
    {
      name: 'Keras: the base unfrozen whole, its layers the model\'s own through a layer\'s output',
      code: KERAS2_HEAD.replace('x = base_model.output\n', 'last = base_model.get_layer("mixed7")\nx = last.output\n') + 'base_model.trainable = True\nmodel.fit(train_ds, epochs=10)\n',
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 17, column: 1, endLine: 17, endColumn: 28, messageIncludes: ['(base_model.trainable = True, line 17)', 'model.fit(...) (line 18)'] }],
    },
    {
      name: 'Keras: the Keras 2 style on an ImageDataGenerator of the standalone keras_preprocessing package, trained with fit_generator',
      code: KERAS2_HEAD.replace('train_ds = tf.keras.utils.image_dataset_from_directory("data/train", batch_size=32)', 'from keras_preprocessing.image import ImageDataGenerator\ntrain_ds = ImageDataGenerator(rescale=1.0 / 255).flow_from_directory("data/train", batch_size=32)') + KERAS2_FINETUNE('    layer.trainable = True\n').replace('model.fit(train_ds, epochs=10)', 'model.fit_generator(train_ds, epochs=10)'),
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 20, column: 5, endLine: 20, endColumn: 27, messageIncludes: ['the loop over model.layers[249:], line 20', 'model.fit_generator(...) (line 22)'] }],
    },
    {
      name: 'Keras: a loop over a name assigned part of the layers in each branch (the newer keras.io unfreeze_model, without its BatchNormalization skip)',
      code: KERAS2_HEAD + 'if TWO_BLOCKS:\n    to_unfreeze = model.layers[249:]\nelse:\n    to_unfreeze = model.layers[280:]\nfor layer in to_unfreeze:\n    layer.trainable = True\nmodel.fit(train_ds, epochs=10)\n',
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 21, column: 5, endLine: 21, endColumn: 27, messageIncludes: ['the loop over model.layers[249:], line 21', '(line 22)'] }],
    },
    {
      name: 'Keras: an annotation without a value in the block before the functional model (it crashed the analysis of the file)',
      code: KERAS_HEAD + 'x: tf.Tensor\nx = base_model(inputs)\n' + KERAS_TAIL + KERAS_FINETUNE,
      findings: [{ messageId: 'kerasStatsUpdate', line: 10, column: 5, endLine: 10, endColumn: 23, messageIncludes: ['base_model is unfrozen for fine-tuning'] }],
      output: KERAS_HEAD + 'x: tf.Tensor\nx = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE,
    },
    {
      name: 'Keras: a base model listed in a keras.Sequential, unfrozen',
      code: 'import tensorflow as tf\n\ntrain_ds = tf.keras.utils.image_dataset_from_directory("data/train", batch_size=32)\nbase = tf.keras.applications.MobileNetV2(include_top=False, weights="imagenet")\nbase.trainable = False\nmodel = tf.keras.Sequential([base, tf.keras.layers.GlobalAveragePooling2D(), tf.keras.layers.Dense(5)])\nmodel.compile(optimizer="adam", loss="mse")\nmodel.fit(train_ds, epochs=5)\nfor layer in base.layers[-30:]:\n    layer.trainable = True\nmodel.fit(train_ds, epochs=5)\n',
      findings: [{ messageId: 'kerasLayersUnfrozen', line: 10, column: 5, endLine: 10, endColumn: 27, messageIncludes: ['of base for fine-tuning (the loop over base.layers[-30:], line 10)', 'model.fit(...) (line 11)'] }],
    },
  ],
});
