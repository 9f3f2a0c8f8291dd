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

/** The Keras transfer-learning guide's script: frozen phase, then fine-tuning after `base_model.trainable = True`. */
const KERAS_HEAD = 'import tensorflow as tf\nfrom tensorflow import keras\n\ntrain_ds = keras.utils.image_dataset_from_directory("data/train", batch_size=32)\nbase_model = keras.applications.Xception(weights="imagenet", input_shape=(150, 150, 3), include_top=False)\nbase_model.trainable = False\n\ninputs = keras.Input(shape=(150, 150, 3))\n';
const KERAS_TAIL =
  'x = keras.layers.GlobalAveragePooling2D()(x)\noutputs = keras.layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\nmodel.compile(optimizer=keras.optimizers.Adam(), loss="mse")\nmodel.fit(train_ds, epochs=20)\n';
const KERAS_FINETUNE = '\nbase_model.trainable = True\nmodel.compile(optimizer=keras.optimizers.Adam(1e-5), loss="mse")\nmodel.fit(train_ds, epochs=10)\n';

ruleTests(frozenBnFinetune, {
  valid: [
    { name: 'BN put back in eval after every train()', code: IMPORTS + MODEL + FREEZE + LOOP('    model.train()\n    for m in model.backbone.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.eval()\n') },
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
    { name: 'frozen model without BatchNorm', code: IMPORTS + LN_ONLY + 'model = Mixer()\nfor p in model.fc1.parameters():\n    p.requires_grad = False\noptimizer = torch.optim.SGD(model.fc2.parameters(), lr=0.01)\n' + LOOP('    model.train()\n') },
    { name: 'a freeze method that also freezes BN statistics', code: IMPORTS + MODEL.replace('    def forward', '    def freeze_backbone(self):\n        for p in self.backbone.parameters():\n            p.requires_grad = False\n        for m in self.backbone.modules():\n            if isinstance(m, nn.BatchNorm2d):\n                m.eval()\n\n    def forward') + 'model = Classifier()\noptimizer = torch.optim.SGD(model.head.parameters(), lr=0.01)\n' + LOOP('    model.train()\n    model.freeze_backbone()\n') },
    { name: 'Keras: the base model called with training=False, as the Keras guide says', code: KERAS_HEAD + 'x = base_model(inputs, training=False)\n' + KERAS_TAIL + KERAS_FINETUNE },
    { name: 'Keras: the frozen phase alone (trainable = False: BatchNormalization in inference mode)', code: KERAS_HEAD + 'x = base_model(inputs)\n' + KERAS_TAIL },
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
  ],
});
