import { IMPORTS, CNN, GN, loop, WGAN } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { bnTinyBatch } from './rule';

const OPT = 'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n';
const CNN_SETUP = IMPORTS + CNN + 'model = Net()\n' + OPT;

/** A training function whose loader takes its batch size through `**loader_args` (Pytorch-UNet's train.py), then `calls`. */
const TRAIN_MODEL = (calls: string) =>
  IMPORTS +
  CNN +
  'def train_model(model, epochs=5, batch_size=32):\n    loader_args = dict(batch_size=batch_size, num_workers=4, pin_memory=True)\n    train_loader = DataLoader(train_set, shuffle=True, **loader_args)\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n' +
  loop('model', 'train_loader', '    ') +
  '\nparser = argparse.ArgumentParser()\nparser.add_argument("--batch-size", dest="batch_size", type=int, default=2)\nargs = parser.parse_args()\nmodel = Net()\n' +
  calls;

/** torchvision's reference style: SyncBatchNorm only when `--sync-bn` (a store_true flag) is given; `flag` replaces its add_argument options. */
const SYNC_BN_FLAG = (flag = 'action="store_true"', guard = 'args.distributed and args.sync_bn') =>
  `import argparse\nimport torch\nimport torch.nn as nn\nimport torchvision\nfrom torch.utils.data import DataLoader\n\nparser = argparse.ArgumentParser()\nparser.add_argument("--batch-size", default=4, type=int)\nparser.add_argument("--sync-bn", dest="sync_bn", ${flag})\nargs = parser.parse_args()\n\nmodel = torchvision.models.resnet50()\nif ${guard}:\n    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)\nloader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True)\noptimizer = torch.optim.SGD(model.parameters(), lr=0.01)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n`;

/** An older Keras transfer-learning script: ImageDataGenerator batches, a keras.Sequential over an application; `frozen` freezes the base. */
const KERAS_GENERATOR = (frozen = '') =>
  `from tensorflow.keras.preprocessing.image import ImageDataGenerator\nfrom tensorflow.keras.applications import ResNet50\nfrom tensorflow.keras import layers, models\n\ndatagen = ImageDataGenerator(rescale=1.0 / 255)\ntrain_generator = datagen.flow_from_directory("data/train", target_size=(224, 224), batch_size=4)\nbase = ResNet50(weights="imagenet", include_top=False)\n${frozen}model = models.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(5, activation="softmax")])\nmodel.compile(optimizer="adam", loss="categorical_crossentropy")\nmodel.fit_generator(train_generator, epochs=10)\n`;

/** A keras.Sequential with BatchNormalization, compiled; `fit` follows. */
const KERAS_BN = 'import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n\nmodel = keras.Sequential([layers.Conv2D(16, 3), layers.BatchNormalization(), layers.GlobalAveragePooling2D(), layers.Dense(10)])\nmodel.compile(optimizer="adam", loss="mse")\n';

ruleTests(bnTinyBatch, {
  valid: [
    {
      name: "a unit test's fit on a batch of 2 (keras-cv's RetinaNet test: the test checks that training runs)",
      code: 'import keras\nfrom keras import layers\n\n\nclass RetinaNetTest:\n    def test_fit(self):\n        model = keras.Sequential([layers.Conv2D(8, 3), layers.BatchNormalization(), layers.GlobalAveragePooling2D(), layers.Dense(2)])\n        model.compile(optimizer="adam", loss="mse")\n        model.fit(x=xs, y=ys, batch_size=2)\n',
    },
    { name: 'a DGL graph network: the collate_fn merges the batch\'s graphs (dgl.batch), so BatchNorm sees all their nodes', code: 'import dgl\nimport torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n\n\nclass GCNLayer(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.fc = nn.Linear(dim, dim, bias=False)\n        self.bn = nn.BatchNorm1d(dim)\n\n    def forward(self, g, h):\n        g.ndata["h"] = self.fc(h)\n        g.update_all(dgl.function.copy_u("h", "m"), dgl.function.sum("m", "h"))\n        return torch.relu(self.bn(g.ndata["h"]))\n\n\ndef collate(samples):\n    graphs, labels = map(list, zip(*samples))\n    return dgl.batch(graphs), torch.tensor(labels)\n\n\nmodel = GCNLayer(16)\noptimizer = torch.optim.Adam(model.parameters())\ntrain_loader = DataLoader(trainset, batch_size=4, shuffle=True, collate_fn=collate)\nfor g, labels in train_loader:\n    loss = model(g, g.ndata["feat"]).mean()\n    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n' },
    { name: 'Keras: the application in a keras.Sequential frozen with trainable = False, fit on ImageDataGenerator batches of 4', code: KERAS_GENERATOR('base.trainable = False\n') },
    { name: "Keras: ImageDataGenerator's default batch of 32", code: KERAS_GENERATOR().replace(', batch_size=4)', ')') },
    { name: 'SyncBatchNorm under a flag that is on by default', code: SYNC_BN_FLAG('action="store_true", default=True') },
    { name: 'SyncBatchNorm under a condition that does not resolve (set at run time)', code: SYNC_BN_FLAG(undefined, 'args.distributed') },
    { name: 'the parameter passed different values by two callers: batch not known', code: TRAIN_MODEL('train_model(model, batch_size=args.batch_size)\ntrain_model(model, batch_size=64)\n') },
    { name: 'the parameter passed by a caller with **kwargs: batch not known', code: TRAIN_MODEL('train_model(model, **vars(args))\n') },
    { name: 'a **splat of something other than a dict literal: batch not known', code: TRAIN_MODEL('train_model(model, batch_size=2)\n').replace('**loader_args)', '**get_loader_args())') },
    { name: 'Keras fit on a tf.data pipeline batched by 64', code: KERAS_BN + 'ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(64).prefetch(tf.data.AUTOTUNE)\nmodel.fit(ds, epochs=3)\n' },
    { name: "Keras fit on image_dataset_from_directory's default batch of 32", code: KERAS_BN + 'train_ds = keras.utils.image_dataset_from_directory("data", image_size=(64, 64))\nmodel.fit(train_ds, epochs=3)\n' },
    { name: 'Keras fit on a pipeline regrouped after its batch (.unbatch()): batch not known', code: KERAS_BN + 'ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(2).unbatch()\nmodel.fit(ds, epochs=3)\n' },
    { name: 'a same-file pipeline function whose returns disagree: batch not known', code: KERAS_BN + 'def make(x, y, small):\n    ds = tf.data.Dataset.from_tensor_slices((x, y))\n    if small:\n        return ds.batch(2)\n    return ds.batch(64)\n\nmodel.fit(make(x, y, False), epochs=3)\n' },
    { name: 'Keras transfer learning: a functional model over an application frozen with trainable = False, fit with batch 4', code: "import tensorflow as tf\nfrom tensorflow import keras\n\nbase_model = keras.applications.ResNet50(weights=\"imagenet\", include_top=False, input_shape=(224, 224, 3))\nbase_model.trainable = False\n\ninputs = keras.Input(shape=(224, 224, 3))\nx = base_model(inputs)\nx = keras.layers.GlobalAveragePooling2D()(x)\nx = keras.layers.Dropout(0.2)(x)\noutputs = keras.layers.Dense(10)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss=\"sparse_categorical_crossentropy\")\nmodel.fit(train_ds, epochs=5, batch_size=4)\n\n" },
    { name: "Keras fine-tuning as the Keras guide says: the unfrozen application called with training=False keeps its BatchNormalization in inference mode", code: "import tensorflow as tf\nfrom tensorflow import keras\n\nbase_model = keras.applications.ResNet50(weights=\"imagenet\", include_top=False, input_shape=(224, 224, 3))\nbase_model.trainable = False\n\ninputs = keras.Input(shape=(224, 224, 3))\nx = base_model(inputs, training=False)\nx = keras.layers.GlobalAveragePooling2D()(x)\nx = keras.layers.Dropout(0.2)(x)\noutputs = keras.layers.Dense(10)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss=\"sparse_categorical_crossentropy\")\nmodel.fit(train_ds, epochs=5)\n\n# fine-tune\nbase_model.trainable = True\nmodel.compile(optimizer=keras.optimizers.Adam(1e-5), loss=\"sparse_categorical_crossentropy\")\nmodel.fit(train_ds, epochs=5, batch_size=4)\n" },
    {
      name: 'Keras: an application frozen with trainable = False before fit (its BatchNormalization runs in inference mode), and VGG16 (no BatchNorm)',
      code: "from tensorflow import keras\n\nbase = keras.applications.MobileNetV2(weights=\"imagenet\")\nbase.trainable = False\nbase.compile(optimizer=\"adam\", loss=\"mse\")\nbase.fit(x, y, batch_size=2)\nvgg = keras.applications.VGG16(weights=None)\nvgg.compile(optimizer=\"sgd\", loss=\"mse\")\nvgg.fit(x, y, batch_size=2)\n",
    },
    {
      name: "torchvision models built with norm_layer= FrozenBatchNorm2d (DETR, detection backbones), SyncBatchNorm, GroupNorm, or a class not known",
      code: 'import torch\nimport torchvision\nfrom functools import partial\nfrom torch import nn\nfrom torch.utils.data import DataLoader\nfrom torchvision.ops.misc import FrozenBatchNorm2d\n\ndef frozen(ds):\n    model = torchvision.models.resnet50(norm_layer=FrozenBatchNorm2d)\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\ndef sync(ds):\n    model = torchvision.models.resnet50(norm_layer=nn.SyncBatchNorm)\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\ndef gn(ds):\n    model = torchvision.models.resnet50(norm_layer=partial(nn.GroupNorm, 32))\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\ndef odd(ds):\n    model = torchvision.models.resnet50(norm_layer=lambda c: nn.GroupNorm(8, c))\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\n',
    },
    { name: 'Hugging Face Trainer on a transformer (no BatchNorm) with the default batch', code: IMPORTS + 'from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments\nmodel = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\ntrainer = Trainer(model=model, args=TrainingArguments(output_dir="out"))\ntrainer.train()\n' },
    { name: 'batch 32', code: CNN_SETUP + 'loader = DataLoader(ds, batch_size=32, shuffle=True)\n' + loop() },
    { name: 'GroupNorm model with a tiny batch', code: IMPORTS + GN + 'model = GNNet()\n' + OPT + 'loader = DataLoader(ds, batch_size=2, shuffle=True)\n' + loop() },
    { name: 'converted to SyncBatchNorm', code: CNN_SETUP + 'model = nn.SyncBatchNorm.convert_sync_batchnorm(model)\nloader = DataLoader(ds, batch_size=4, shuffle=True)\n' + loop() },
    { name: 'a tiny evaluation loader', code: CNN_SETUP + 'test_loader = DataLoader(test_set, batch_size=2)\nmodel.eval()\nwith torch.no_grad():\n    for x, y in test_loader:\n        out = model(x)\n' },
    {
      name: 'BatchNorm frozen in a train() override',
      code: IMPORTS + CNN.replace('    def forward', '    def train(self, mode=True):\n        super().train(mode)\n        for m in self.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n        return self\n\n    def forward') + 'model = Net()\n' + OPT + 'loader = DataLoader(ds, batch_size=2, shuffle=True)\n' + loop(),
    },
    { name: 'unresolved batch size', code: CNN_SETUP + 'loader = DataLoader(ds, batch_size=cfg.bs, shuffle=True)\n' + loop() },
  ],
  invalid: [
    {
      name: "timm's NativeScaler: `loss_scaler(loss, optimizer, parameters=...)` is the loop's training step (MAE, DeiT, ConvNeXt)",
      code: CNN_SETUP + 'loss_scaler = NativeScaler()\ntrain_loader = DataLoader(train_set, batch_size=2, shuffle=True)\nmodel.train()\nfor x, y in train_loader:\n    loss = criterion(model(x), y)\n    loss_scaler(loss, optimizer, clip_grad=None, parameters=model.parameters())\n    optimizer.zero_grad()\n',
      findings: [{ messageId: 'tiny', line: 20, column: 49, endLine: 20, endColumn: 50, messageIncludes: ['model trains BatchNorm'] }],
    },
    {
      name: 'the same fit on a batch of 2 in a function that is no unit test',
      code: 'import keras\nfrom keras import layers\n\n\nclass RetinaNetTraining:\n    def fit(self):\n        model = keras.Sequential([layers.Conv2D(8, 3), layers.BatchNormalization(), layers.GlobalAveragePooling2D(), layers.Dense(2)])\n        model.compile(optimizer="adam", loss="mse")\n        model.fit(x=xs, y=ys, batch_size=2)\n',
      findings: [{ messageId: 'tiny', line: 9, column: 42, endLine: 9, endColumn: 43 }],
    },
    {
      name: 'Lightning: a LightningModule built in the call to trainer.fit(LitNet(), train_loader)',
      code: 'import torch\nimport torch.nn as nn\nimport lightning as L\nfrom torch.utils.data import DataLoader\n\n\nclass LitNet(L.LightningModule):\n    def __init__(self):\n        super().__init__()\n        self.net = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))\n\n    def training_step(self, batch, batch_idx):\n        x, y = batch\n        return nn.functional.cross_entropy(self.net(x), y)\n\n    def configure_optimizers(self):\n        return torch.optim.SGD(self.parameters(), lr=0.1)\n\n\ntrain_loader = DataLoader(train_set, batch_size=2, shuffle=True)\ntrainer = L.Trainer(max_epochs=1)\ntrainer.fit(LitNet(), train_loader)\n',
      findings: [{ messageId: 'tiny', line: 20, column: 49, endLine: 20, endColumn: 50, messageIncludes: ['LitNet() trains BatchNorm (BatchNorm2d (line 10))'] }],
    },
    {
      name: 'a GAN loop over one loader: the generator (no BatchNorm) trained first, the discriminator (BatchNorm2d) after it',
      code: WGAN,
      findings: [{ messageId: 'tiny', line: 30, column: 41, endLine: 30, endColumn: 42, messageIncludes: ['discriminator trains BatchNorm (BatchNorm2d (line 19))'] }],
    },
    {
      name: 'Keras: a model wrapped in a keras.Sequential under its own name (`model = keras.Sequential([model])`) keeps its BatchNormalization',
      code: 'import keras\n\nmodel = keras.applications.MobileNetV2(weights=None)\nmodel = keras.Sequential([model])\nmodel.compile(optimizer="adam", loss="mse")\nmodel.fit(x, y, batch_size=2)\n',
      findings: [{ messageId: 'tiny', line: 6, column: 28, endLine: 6, endColumn: 29 }],
    },
    {
      name: 'Keras: fit_generator on ImageDataGenerator.flow_from_directory(batch_size=4), a keras.Sequential over a ResNet50 application',
      code: KERAS_GENERATOR(),
      findings: [{ messageId: 'tiny', line: 6, column: 96, endLine: 6, endColumn: 97, messageIncludes: ['per-device batch of 4 (line 6)'] }],
    },
    {
      name: "SyncBatchNorm only under --sync-bn, a store_true flag (torchvision's references): the default run's BatchNorm is per device",
      code: SYNC_BN_FLAG(),
      findings: [{ messageId: 'tiny', line: 15, column: 43, endLine: 15, endColumn: 58, severity: 'info', messageIncludes: ['The SyncBatchNorm conversion runs only when args.sync_bn is set, off by default (argparse default of --sync-bn, line 9)'] }],
    },
    {
      name: "a loader given its batch size through **loader_args, a dict of the function, from the function's parameter that its one caller passes (Pytorch-UNet style)",
      code: TRAIN_MODEL('train_model(model, batch_size=args.batch_size)\n'),
      findings: [{ messageId: 'tiny', line: 18, column: 35, endLine: 18, endColumn: 45, messageIncludes: ['per-device batch of 2 (argparse default of --batch-size, line 29)'], severity: 'info' }],
    },
    {
      name: 'the parameter passed the same value by two callers (one leaving it to its default of the same value)',
      code: TRAIN_MODEL('train_model(model, batch_size=4)\ntrain_model(model, epochs=2)\n').replace('batch_size=32', 'batch_size=4'),
      findings: [{ messageId: 'tiny', line: 18, column: 35, endLine: 18, endColumn: 45, messageIncludes: ['per-device batch of 4'], severity: 'info' }],
    },
    {
      name: 'Keras fit on a tf.data pipeline whose .batch(4) comes before .map() and .prefetch(), through reassignments',
      code: KERAS_BN + 'ds = tf.data.Dataset.from_tensor_slices((x, y))\nds = ds.batch(4, drop_remainder=True)\nds = ds.map(lambda a, b: (a / 255.0, b)).prefetch(2)\nmodel.fit(ds, epochs=3)\n',
      findings: [{ messageId: 'tiny', line: 8, column: 15, endLine: 8, endColumn: 16, messageIncludes: ['per-device batch of 4 (line 8)'] }],
    },
    {
      name: 'Keras fit on image_dataset_from_directory(batch_size=BATCH) made by a same-file function',
      code: KERAS_BN + 'BATCH = 2\n\ndef load(path):\n    return keras.utils.image_dataset_from_directory(path, image_size=(64, 64), batch_size=BATCH)\n\ntrain_ds = load("data/train")\nmodel.fit(train_ds, epochs=3)\n',
      findings: [{ messageId: 'tiny', line: 10, column: 91, endLine: 10, endColumn: 96, messageIncludes: ['per-device batch of 2 (module constant BATCH, line 7)'] }],
    },
    {
      name: "Accelerate's split_batches=True (through a DataLoaderConfiguration): the per-process batch is at most the loader's",
      code:
        CNN_SETUP +
        'from accelerate import Accelerator, DataLoaderConfiguration\nconfig = DataLoaderConfiguration(split_batches=True)\naccelerator = Accelerator(dataloader_config=config)\n' +
        'loader = DataLoader(ds, batch_size=4, shuffle=True)\nmodel, optimizer, loader = accelerator.prepare(model, optimizer, loader)\n' +
        loop(),
      findings: [{ messageId: 'tiny', line: 22, column: 36, endLine: 22, endColumn: 37, messageIncludes: ['per-device batch of at most 4 (line 22; Accelerator(split_batches=True) splits it between the processes)'] }],
    },
    {
      name: 'Keras: a keras.Sequential with BatchNormalization fit with batch_size=2 (one finding, no batch-of-one claim: Keras does not fail there)',
      code: [
        'import keras',
        'from keras import layers',
        'model = keras.Sequential([',
        '    layers.Input((16,)),',
        '    layers.Dense(32),',
        '    layers.BatchNormalization(),',
        '    layers.Dense(10),',
        '])',
        'model.compile(optimizer="adam", loss="mse")',
        'model.fit(x_train, y_train, batch_size=2, epochs=3)',
        '',
      ].join('\n'),
      findings: [{ messageId: 'tiny', line: 10, column: 40, endLine: 10, endColumn: 41, messageIncludes: ['per-device batch of 2 (line 10)', 'BatchNormalization (line 6)', 'Consider GroupNormalization (or LayerNormalization)', '`trainable = False`'] }],
    },
    {
      name: 'Keras under a tf.distribute MirroredStrategy: fit\'s batch_size is the global batch, split between the replicas',
      code: [
        'import tensorflow as tf',
        'from tensorflow import keras',
        'strategy = tf.distribute.MirroredStrategy()',
        'with strategy.scope():',
        '    model = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.BatchNormalization(), keras.layers.Flatten(), keras.layers.Dense(10)])',
        '    model.compile(optimizer="sgd", loss="mse")',
        'model.fit(x_train, y_train, batch_size=8, epochs=3)',
        '',
      ].join('\n'),
      findings: [{ messageId: 'tinyGlobal', line: 7, column: 40, endLine: 7, endColumn: 41, severity: 'info', messageIncludes: ['batch of 8 (line 7); where it trains under MirroredStrategy (line 3), that is the global batch, split between the replicas', 'Consider GroupNormalization'] }],
    },
    {
      name: 'Keras under a strategy with BatchNormalization(synchronized=True): its statistics are over the whole global batch, still tiny',
      code: [
        'import tensorflow as tf',
        'from tensorflow import keras',
        'strategy = tf.distribute.MirroredStrategy()',
        'with strategy.scope():',
        '    model = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.BatchNormalization(synchronized=True), keras.layers.Flatten(), keras.layers.Dense(10)])',
        'model.fit(x_train, y_train, batch_size=4)',
        '',
      ].join('\n'),
      findings: [{ messageId: 'tinySynced', line: 6, column: 40, endLine: 6, endColumn: 41, messageIncludes: ['trains synchronized BatchNorm', 'still only 4 samples', 'Consider a larger global batch'] }],
    },
    {
      name: 'Keras under a strategy, one synchronized BatchNormalization and one not: the one that normalizes its share is named',
      code: [
        'import tensorflow as tf',
        'from tensorflow import keras',
        'strategy = tf.distribute.MirroredStrategy()',
        'class Net(keras.Model):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.conv = keras.layers.Conv2D(8, 3)',
        '        self.bn1 = keras.layers.BatchNormalization(synchronized=True)',
        '        self.bn2 = keras.layers.BatchNormalization()',
        '    def call(self, x, training=False):',
        '        return self.bn2(self.bn1(self.conv(x), training=training), training=training)',
        'net = Net()',
        'net.fit(x_train, y_train, batch_size=4)',
        '',
      ].join('\n'),
      findings: [{ messageId: 'tinyGlobal', line: 13, column: 38, endLine: 13, endColumn: 39, messageIncludes: ['BatchNormalization (line 9)', 'split between the replicas'] }],
    },
    {
      name: 'Keras: a fit before any tf.distribute strategy is made is not said to be split',
      code: 'import tensorflow as tf\nfrom tensorflow import keras\nmodel = keras.Sequential([keras.layers.Conv2D(8, 3), keras.layers.BatchNormalization()])\nmodel.fit(x, y, batch_size=4)\nstrategy = tf.distribute.MirroredStrategy()\n',
      findings: [{ messageId: 'tiny', line: 4, column: 28, endLine: 4, endColumn: 29, messageIncludes: ['per-device batch of 4'] }],
    },
    {
      name: 'Hugging Face Trainer: per_device_train_batch_size of the TrainingArguments it trains with',
      code: IMPORTS + 'from transformers import Trainer, TrainingArguments\n' + CNN + 'model = Net()\ntraining_args = TrainingArguments(output_dir="out", per_device_train_batch_size=2)\ntrainer = Trainer(model=model, args=training_args)\ntrainer.train()\n',
      findings: [{ messageId: 'tiny', line: 19, column: 81, endLine: 19, endColumn: 82, messageIncludes: ['per-device batch of 2 (line 19)'] }],
    },
    {
      name: 'Hugging Face Trainer: the default per_device_train_batch_size=8 on a ResNet checkpoint is information, on the call',
      code: IMPORTS + 'from transformers import AutoModelForImageClassification, Trainer, TrainingArguments\nmodel = AutoModelForImageClassification.from_pretrained("microsoft/resnet-50")\ntrainer = Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=train_ds)\ntrainer.train()\n',
      findings: [{ messageId: 'tiny', line: 7, column: 37, endLine: 7, endColumn: 72, severity: 'info', messageIncludes: ["8 (TrainingArguments' default per_device_train_batch_size=8", 'known to contain BatchNorm'] }],
    },
    {
      name: 'literal batch 4 (warning)',
      code: CNN_SETUP + 'train_loader = DataLoader(train_set, batch_size=4, shuffle=True)\n' + loop('model', 'train_loader'),
      findings: [{ messageId: 'tiny', line: 19, column: 49, endLine: 19, endColumn: 50, messageIncludes: ['per-device batch of 4 (line 19)', 'BatchNorm2d (line 10)'] }],
    },
    {
      name: "a model whose BatchNorm is timm's BatchNormAct2d",
      code:
        IMPORTS.replace('import torch\n', 'import torch\nfrom timm.layers import BatchNormAct2d\n') +
        CNN.replace('nn.BatchNorm2d(16)', 'BatchNormAct2d(16)') +
        'model = Net()\n' +
        OPT +
        'train_loader = DataLoader(train_set, batch_size=4, shuffle=True)\n' +
        loop('model', 'train_loader'),
      findings: [{ messageId: 'tiny', line: 20, column: 49, endLine: 20, endColumn: 50, messageIncludes: ['per-device batch of 4 (line 20)', 'BatchNormAct2d (line 11)'] }],
    },
    {
      name: 'batch 12 is information',
      code: CNN_SETUP + 'loader = DataLoader(ds, batch_size=12, shuffle=True)\n' + loop(),
      findings: [{ messageId: 'tiny', line: 19, column: 36, endLine: 19, endColumn: 38, severity: 'info' }],
    },
    {
      name: 'argparse default 4: inferred, one step lower',
      code: IMPORTS + "parser = argparse.ArgumentParser()\nparser.add_argument('--bs', type=int, default=4)\nargs = parser.parse_args()\n" + CNN + 'model = Net()\n' + OPT + 'loader = DataLoader(ds, batch_size=args.bs, shuffle=True)\n' + loop(),
      findings: [{ messageId: 'tiny', line: 22, column: 36, endLine: 22, endColumn: 43, severity: 'info', messageIncludes: ['argparse default of --bs, line 6'] }],
    },
    {
      name: 'configured thresholds',
      code: CNN_SETUP + 'loader = DataLoader(ds, batch_size=4, shuffle=True)\n' + loop(),
      config: { rules: { 'bn-tiny-batch': { options: { 'warn-below': 4, 'info-below': 8 } } } },
      findings: [{ messageId: 'tiny', line: 19, column: 36, endLine: 19, endColumn: 37, severity: 'info' }],
    },
    {
      name: "two functions, each with its own loader of one name: each loader goes with its own function's model (the one with frozen BatchNorm is not reported)",
      code: 'import torch\nimport torchvision\nfrom functools import partial\nfrom torch import nn\nfrom torch.utils.data import DataLoader\nfrom torchvision.ops.misc import FrozenBatchNorm2d\n\ndef detection(ds):\n    model = torchvision.models.resnet50(norm_layer=FrozenBatchNorm2d)\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\ndef plain(ds):\n    model = torchvision.models.resnet50()\n    loader = DataLoader(ds, batch_size=2, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\ndef big(ds):\n    model = torchvision.models.resnet50()\n    loader = DataLoader(ds, batch_size=64, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n\n',
      findings: [{ messageId: 'tiny', line: 20, column: 40, endLine: 20, endColumn: 41, messageIncludes: ['torchvision.models.resnet50 is known to contain BatchNorm'] }],
    },
    {
      name: 'Keras Applications: ResNet50 and tf.keras.applications.efficientnet.EfficientNetB0 are known to contain BatchNormalization',
      code: "import tensorflow as tf\nfrom tensorflow import keras\n\nmodel = keras.applications.ResNet50(weights=None, classes=10)\nmodel.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")\nmodel.fit(x, y, batch_size=2, epochs=5)\neff = tf.keras.applications.efficientnet.EfficientNetB0(weights=None, classes=5)\neff.compile(optimizer=\"adam\", loss=\"mse\")\neff.fit(x, y, batch_size=4)\n",
      findings: [
        { messageId: 'tiny', line: 6, column: 28, endLine: 6, endColumn: 29, messageIncludes: ['keras.applications.ResNet50 is known to contain BatchNorm'] },
        { messageId: 'tiny', line: 9, column: 26, endLine: 9, endColumn: 27, messageIncludes: ['efficientnet.EfficientNetB0'] },
      ],
    },
    {
      name: 'Keras fine-tuning: an application unfrozen (trainable = True) and called in a functional model without training=False trains its BatchNormalization at batch 4',
      code: "import tensorflow as tf\nfrom tensorflow import keras\n\nbase_model = keras.applications.ResNet50(weights=\"imagenet\", include_top=False, input_shape=(224, 224, 3))\nbase_model.trainable = False\n\ninputs = keras.Input(shape=(224, 224, 3))\nx = base_model(inputs)\nx = keras.layers.GlobalAveragePooling2D()(x)\nx = keras.layers.Dropout(0.2)(x)\noutputs = keras.layers.Dense(10)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss=\"sparse_categorical_crossentropy\")\nmodel.fit(train_ds, epochs=5)\n\n# fine-tune\nbase_model.trainable = True\nmodel.compile(optimizer=keras.optimizers.Adam(1e-5), loss=\"sparse_categorical_crossentropy\")\nmodel.fit(train_ds, epochs=5, batch_size=4)\n",
      findings: [{ messageId: 'tiny', line: 19, column: 42, endLine: 19, endColumn: 43, messageIncludes: ['per-device batch of 4'] }],
    },
    {
      name: 'a torchvision ResNet through a helper training function',
      code: 'import torch\nimport torchvision\nfrom torch.utils.data import DataLoader\n\ndef train(net, data, opt):\n    net.train()\n    for x, y in data:\n        opt.zero_grad()\n        net(x).sum().backward()\n        opt.step()\n\nmodel = torchvision.models.resnet50()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(ds, batch_size=2, shuffle=True)\ntrain(model, loader, optimizer)\n',
      findings: [{ messageId: 'tiny', line: 14, column: 36, endLine: 14, endColumn: 37, messageIncludes: ['torchvision.models.resnet50 is known to contain BatchNorm'] }],
    },
  ],
});
