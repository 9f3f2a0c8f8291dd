import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { missingEval } from './rule';

const KERAS = `import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def build_model(dropout_only=False):
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(32, 3, use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10)(x))


model = build_model()
optimizer = keras.optimizers.Adam()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True), from_logits=True)
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
`;

const KERAS_DROPOUT_ONLY = `import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers

inputs = keras.Input((64,))
x = layers.Dense(128, activation='relu')(inputs)
x = layers.Dropout(0.5)(x)
model = keras.Model(inputs, layers.Dense(1)(x))
`;

/** Epochs in a `while True:` loop that a step count ends, with validation after the break test. */
const WHILE_TRUE = `
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
step = 0
while True:
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        step += 1
    if step >= 1000:
        break
    model.eval()
    for x, y in val_loader:
        pred = model(x)

for x, y in test_loader:
    pred = model(x)
`;

/** rasbt's GAN notebooks: a forward helper whose result is named `pred`, called from the training loop (and, in `extra`, more). */
const GAN_HELPER = (extra: string) =>
  IMPORTS +
  CNN +
  `
def discriminator_forward(model, img):
    pred = model(img)
    return pred.view(-1)


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    model.train()
    for x, y in train_loader:
        loss = nn.functional.binary_cross_entropy(discriminator_forward(model, x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
${extra}`;

/** Udacity's batch-norm notebook: a train() then a test() whose mode is its `train` flag, set by two separate ifs. */
const TRAIN_THEN_TEST = (ifs: string, calls: string) =>
  IMPORTS +
  CNN +
  `
def train(model):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    for data, target in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(data), target).backward()
        optimizer.step()


def test(model, train):
${ifs}
    for data, target in test_loader:
        output = model(data)


net = Net()
train(net)
${calls}`;

const FLAX = `import jax
import jax.numpy as jnp
import flax.linen as nn


class CNN(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(32, (3, 3), use_bias=False)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
        x = nn.relu(x)
        return nn.Dense(10)(x.mean(axis=(1, 2)))


@jax.jit
def train_step(state, batch):
    def loss_fn(params):
        logits, updates = state.apply_fn({'params': params, 'batch_stats': state.batch_stats}, batch['image'], train=True, mutable=['batch_stats'])
        return jnp.mean(logits), updates
    return jax.grad(loss_fn, has_aux=True)(state.params)
`;

const TRAIN_FN = `
def train_one_epoch(model, loader, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
`;

const VALIDATE_NO_EVAL = `
def validate(model, loader):
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
    return correct
`;

const MAIN = `
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    train_one_epoch(model, train_loader, optimizer)
    validate(model, val_loader)
`;

/** A notebook's MLP: an nn.Sequential (with `LAYER` among its layers), compiled, trained, then a prediction. */
const SEQ_MLP = 'import torch\nfrom torch import nn\n\nmodel = nn.Sequential(nn.Linear(4, 50), nn.ReLU(), LAYER, nn.Linear(50, 3))\nmodel = torch.compile(model, backend=\"aot_eager\").to(device)\noptimizer = torch.optim.Adam(model.parameters(), lr=0.01)\nfor epoch in range(10):\n    model.train()\n    for x, y in loader:\n        optimizer.zero_grad()\n        nn.functional.cross_entropy(model(x), y).backward()\n        optimizer.step()\npred = model(x_test)\n';

/** dair-ai's PyTorch intro: each epoch ends with `model.eval()`, then a test loop after the epochs (`epochs`: how their number is given). */
const EPOCHS_THEN_TEST = (epochs: string) =>
  IMPORTS +
  CNN +
  `num_epochs = ${epochs}
model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
for epoch in tqdm(range(num_epochs)):
    model = model.train()
    for images, labels in trainloader:
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
for images, labels in testloader:
    outputs = model(images)
`;

ruleTests(missingEval, {
  valid: [
    {
      name: 'a KerasHub model has no training mode: a submodule called through a local alias in a validation function is not reported',
      code: 'import keras_hub\n\n\ndef validate(keras_model, x):\n    backbone = keras_model.backbone\n    return backbone.vision_encoder(x)\n\n\nkeras_model = keras_hub.models.ViTImageClassifier.from_preset("vit_base_patch16_224_imagenet")\nvalidate(keras_model, x)\n',
    },
    {
      name: "a class whose Keras base is not in view (keras-hub's task classes) with Keras norm layers only is a Keras model: no training mode to report",
      code: 'import keras\nfrom keras_hub.src.models.task import Task\n\n\nclass Classifier(Task):\n    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n        self.bn = keras.layers.BatchNormalization()\n        self.head = keras.layers.Dense(10)\n\n    def call(self, x):\n        return self.head(self.bn(x))\n\n\ndef validate_output(keras_model, batch):\n    return keras_model(batch)\n\n\nkeras_model = Classifier()\nvalidate_output(keras_model, batch)\n',
    },
    { name: "epochs that each end in eval(), a known number of them (5): the test loop after them runs in eval mode (dair-ai's PyTorch intro)", code: EPOCHS_THEN_TEST('5') },
    {
      name: "a Keras model's predict() in a function reading the module's `model`, which a later cell rebinds to a Hugging Face TF model (also a Keras model: no train/eval mode)",
      code: 'import tensorflow as tf\nfrom tensorflow import keras\nfrom transformers import TFAutoModelForSequenceClassification\n\n\nclass Small(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.dense = keras.layers.Dense(8)\n        self.drop = keras.layers.Dropout(0.5)\n\n    def call(self, x, training=None):\n        return self.drop(self.dense(x), training=training)\n\n\nmodel = Small()\nmodel.compile(optimizer="adam", loss="mse")\nmodel.fit(x_train, y_train, epochs=2)\n\n\ndef predict(batch):\n    return model.predict(batch)\n\n\nprint(predict(x_test))\nmodel = TFAutoModelForSequenceClassification.from_pretrained("bert-base-uncased")\n',
    },
    {
      name: "a forward pass whose `y_pred` goes into the loss it returns, its backward in another function (ignite's segmentation reference): no inference",
      code: 'import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        return self.bn(self.conv(x))\n\n\ndef create_trainer(model, optimizer, criterion, device):\n    def forward_pass(batch):\n        model.train()\n        x, y = batch\n        y_pred = model(x.to(device))\n        loss = criterion(y_pred, y)\n        return loss\n\n    def backward_pass(loss):\n        loss.backward()\n        optimizer.step()\n        optimizer.zero_grad()\n\n    def training_step(engine, batch):\n        loss = forward_pass(batch)\n        backward_pass(loss)\n        return loss.item()\n\n    return training_step\n\n\nmodel = Net()\ntrainer = create_trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss(), "cuda")\n',
    },
    { name: 'an nn.Sequential of Linear and ReLU (wrapped by torch.compile) has no mode-dependent layer', code: SEQ_MLP.replace('LAYER', 'nn.Tanh()') },
    {
      name: "a module-level training loop's `y_pred = model(X_train)` is no inference (mrdbourke's PyTorch cheatsheet)",
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.01)\nfor epoch in range(100):\n    model.train()\n    y_pred = model(X_train)\n    loss = nn.functional.mse_loss(y_pred, y_train)\n    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n',
    },
    {
      name: "a forward helper whose result is named pred, called from the training loop, is no inference there (rasbt's GAN notebooks)",
      code: GAN_HELPER(''),
    },
    {
      name: "a test() whose mode is its flag, by two ifs (`if(train==True): model.train()`, `if(train==False): model.eval()`): no path keeps the training loop's mode; train=True is the caller's choice (Udacity's batch-norm notebook)",
      code: TRAIN_THEN_TEST('    if(train==True):\n        model.train()\n    if(train==False):\n        model.eval()', 'test(net, train=True)\ntest(net, train=False)\n'),
    },
    {
      name: 'the same with `if train:` and `if not train:`, and with `train is True` / `train is not True`',
      code:
        TRAIN_THEN_TEST('    if train:\n        model.train()\n    if not train:\n        model.eval()', 'test(net, train=False)\n') +
        TRAIN_THEN_TEST('    if train is True:\n        model.train()\n    if train is not True:\n        model.eval()', 'test(net, train=False)\n').replace(IMPORTS + CNN, ''),
    },
    {
      name: "an LR finder's range_test() (a 'test' name) calling _train_batch(), which trains: its forward is no inference; nor is a forward in an 'evaluate'-named function that steps the optimizer itself (test-time adaptation)",
      code:
        IMPORTS +
        CNN +
        'class LRFinder:\n    def __init__(self, model, optimizer):\n        self.model = model\n        self.optimizer = optimizer\n\n    def range_test(self, loader, num_iter=100):\n        losses = []\n        for _ in range(num_iter):\n            losses.append(self._train_batch(loader))\n        return losses\n\n    def _train_batch(self, loader):\n        self.model.train()\n        self.optimizer.zero_grad()\n        x, y = next(iter(loader))\n        loss = nn.functional.cross_entropy(self.model(x), y)\n        loss.backward()\n        self.optimizer.step()\n        return loss.item()\n\n\ndef evaluate_with_adaptation(model, x, opt):\n    loss = model(x).mean()\n    loss.backward()\n    opt.step()\n\n\nmodel = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nLRFinder(model, optimizer).range_test(loader)\nevaluate_with_adaptation(model, torch.randn(2, 3, 8, 8), optimizer)\n',
    },
    {
      name: 'Keras: a subclassed model (through a base of the file) called for Monte Carlo dropout sampling: no train()/eval() mode to be in (TensorFlow\'s SNGP tutorial)',
      code: 'import tensorflow as tf\n\n\nclass DeepResNet(tf.keras.Model):\n    def __init__(self, num_hidden=128):\n        super().__init__()\n        self.dense = tf.keras.layers.Dense(num_hidden)\n        self.dropout = tf.keras.layers.Dropout(0.1)\n\n    def call(self, inputs):\n        return self.dropout(self.dense(inputs))\n\n\nclass DeepResNetSNGP(DeepResNet):\n    pass\n\n\nresnet_model = DeepResNetSNGP()\nresnet_model.compile(optimizer="adam", loss="mse")\nresnet_model.fit(x_train, y_train, batch_size=128)\n\n\ndef mc_dropout_sampling(test_examples):\n    return resnet_model(test_examples, training=True)\n\n\ndef evaluate(test_examples):\n    return resnet_model(test_examples)\n\n\nsamples = [mc_dropout_sampling(x_test) for _ in range(10)]\nevaluate(x_test)\n',
    },
    { name: "Keras: a functional model's stateless_call in predict() (Keras models have no train()/eval() mode; the call runs in inference mode by default)", code: "import jax\nimport keras\n\n\ndef make_model():\n    inputs = keras.Input((28, 28, 1))\n    y = keras.layers.Conv2D(16, 3, activation=\"relu\")(inputs)\n    y = keras.layers.Flatten()(y)\n    y = keras.layers.Dropout(0.4)(y)\n    return keras.Model(inputs=inputs, outputs=keras.layers.Dense(10)(y))\n\n\nmodel = make_model()\n\n\n@jax.jit\ndef predict(data):\n    predictions, _ = model.stateless_call(model.trainable_variables, model.non_trainable_variables, data)\n    return predictions\n\n\npredictions = predict(x)\n" },
    {
      name: 'a shape smoke test: a model built right there, never given weights or trained in the file (pytorch-cifar `def test()`)',
      code: IMPORTS + CNN + 'def test():\n    net = Net()\n    y = net(torch.randn(2, 3, 32, 32))\n    print(y.size())\n',
    },
    { name: 'a README demo: preds of a freshly built model on random input', code: IMPORTS + CNN + 'v = Net()\nimg = torch.randn(1, 3, 32, 32)\npreds = v(img)\n' },
    { name: 'validate() switches to eval', code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL.replace('    correct = 0', '    model.eval()\n    correct = 0') + MAIN },
    { name: 'the caller switches to eval', code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL + MAIN.replace('    validate(model', '    model.eval()\n    validate(model') },
    { name: 'a model without mode-dependent layers', code: IMPORTS + LN_ONLY + TRAIN_FN + VALIDATE_NO_EVAL + MAIN.replace('Net()', 'Mixer()') },
    { name: 'validate() never called with a model in view (Lightning-style hook)', code: IMPORTS + CNN + VALIDATE_NO_EVAL },
    { name: 'an opaque helper may switch modes: unknown, not reported', code: IMPORTS + CNN + VALIDATE_NO_EVAL + 'from engine import evaluate_setup\nmodel = Net()\nevaluate_setup(model)\nvalidate(model, val_loader)\n' },
    {
      name: 'train/eval chosen per phase',
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor phase in ["train", "val"]:\n    if phase == "train":\n        model.train()\n    else:\n        model.eval()\n    for x, y in loaders[phase]:\n        out = model(x)\n        if phase == "train":\n            out.sum().backward()\n            optimizer.step()\n',
    },
    {
      name: 'Keras: training=False in test_step, training=True in train_step',
      code: KERAS + '\n\n@tf.function\ndef test_step(x, y):\n    return model(x, training=False)\n',
    },
    {
      name: 'Keras: training passed through as a variable',
      code: KERAS + '\n\ndef evaluate(x, training):\n    return model(x, training=training)\n',
    },
    {
      name: 'Keras: Monte Carlo dropout on a model known to have no BatchNorm',
      code: KERAS_DROPOUT_ONLY + '\n\ndef predict_with_uncertainty(x, n=20):\n    return tf.stack([model(x, training=True) for _ in range(n)])\n',
    },
    {
      name: 'Keras: batch statistics kept on purpose when generating images (pix2pix)',
      code: KERAS + '\n\ndef generate_images(model, test_input):\n    return model(test_input, training=True)\n',
    },
    {
      name: 'Flax: eval_step applies the model with train=False and no mutable batch_stats',
      code: FLAX + "\n\n@jax.jit\ndef eval_step(state, batch):\n    return state.apply_fn({'params': state.params, 'batch_stats': state.batch_stats}, batch['image'], train=False)\n",
    },
    {
      name: 'a training=True keyword of a plain function in a pytest test (timm drop_path)',
      code: "import torch\nfrom timm.layers import drop_path\n\ndef test_drop_path_scaling():\n    x = torch.ones(8, 4)\n    assert drop_path(x, 0.5, training=True).shape == x.shape\n",
    },
    {
      name: 'Keras: training=True in a test_step-free pytest test of a layer',
      code: KERAS + '\n\ndef test_model_output_shape():\n    assert model(tf.zeros((2, 32, 32, 3)), training=True).shape == (2, 10)\n',
    },
    {
      name: 'Keras: a model loaded from disk, nothing of Keras in view',
      code: "from tensorflow import keras\n\nmodel = keras.models.load_model('model.keras')\n\ndef evaluate(x):\n    return model(x, training=True)\n",
    },
    {
      name: 'a pytest unit test calling a fresh model is not an evaluation pass',
      code: IMPORTS + CNN + '\ndef test_forward_shape():\n    model = Net()\n    out = model(torch.randn(2, 3, 32, 32))\n    assert out.shape[0] == 2\n',
    },
  ],
  invalid: [
    {
      name: '`while True:` is left by its break only: after the loop the model is in the mode it had at the break (train), not the one it was built in nor the eval() after the break',
      code: IMPORTS + CNN + WHILE_TRUE,
      output: IMPORTS + CNN + WHILE_TRUE.replace('for x, y in test_loader:', 'model.eval()\nfor x, y in test_loader:'),
      findings: [{ messageId: 'trainMode', line: 35, column: 12, endLine: 35, endColumn: 20, messageIncludes: ['while it is in training mode (model.train() at line 22):'] }],
    },
    {
      name: 'a model built in an if/elif without else (SimCLR\'s evaluation notebook): the path through neither branch has no model (NameError), so the model is in training mode for certain',
      code: IMPORTS + CNN + "\nif arch == 'a':\n    model = Net()\nelif arch == 'b':\n    model = Net()\nmodel.load_state_dict(torch.load('ckpt.pt'))\nfor x, y in test_loader:\n    pred = model(x)\n",
      output: IMPORTS + CNN + "\nif arch == 'a':\n    model = Net()\nelif arch == 'b':\n    model = Net()\nmodel.load_state_dict(torch.load('ckpt.pt'))\nmodel.eval()\nfor x, y in test_loader:\n    pred = model(x)\n",
      findings: [{ messageId: 'trainMode', line: 24, column: 12, endLine: 24, endColumn: 20, messageIncludes: ['while it is in training mode (Net(...) built at line 19 (modules start in training mode); Net(...) built at line 21'] }],
    },
    {
      name: 'the same in a function: its own local is unbound on the path through neither branch (UnboundLocalError)',
      code: IMPORTS + CNN + "\ndef evaluate(arch, loader):\n    if arch == 'a':\n        model = Net()\n    elif arch == 'b':\n        model = Net()\n    model.load_state_dict(torch.load('ckpt.pt'))\n    for x, y in loader:\n        pred = model(x)\n",
      output: IMPORTS + CNN + "\ndef evaluate(arch, loader):\n    if arch == 'a':\n        model = Net()\n    elif arch == 'b':\n        model = Net()\n    model.load_state_dict(torch.load('ckpt.pt'))\n    model.eval()\n    for x, y in loader:\n        pred = model(x)\n",
      findings: [{ messageId: 'trainMode', line: 25, column: 16, endLine: 25, endColumn: 24, messageIncludes: ['while it is in training mode'] }],
    },
    {
      name: 'a parameter rebound on one branch keeps the value it was called with on the other: that mode is not known',
      code: IMPORTS + CNN + "\ndef evaluate(model, loader, fresh):\n    if fresh:\n        model = Net()\n    for x, y in loader:\n        pred = model(x)\n",
      output: IMPORTS + CNN + "\ndef evaluate(model, loader, fresh):\n    if fresh:\n        model = Net()\n    model.eval()\n    for x, y in loader:\n        pred = model(x)\n",
      findings: [{ messageId: 'mayBeTrainMode', line: 22, column: 16, endLine: 22, endColumn: 24 }],
    },
    {
      name: "a Dropout-only model evaluated in training mode: its Dropout stays active (the message says so, not that it uses batch statistics)",
      code: 'import torch\nimport torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in loader:\n    optimizer.zero_grad()\n    nn.functional.cross_entropy(model(x), y).backward()\n    optimizer.step()\n\n\ndef evaluate(loader):\n    return [model(x).argmax(1) for x, _ in loader]\n\n\nprint(evaluate(test_loader))\n',
      findings: [{ messageId: 'trainMode', line: 16, column: 7, endLine: 16, endColumn: 28, messageIncludes: ['its Dropout stay active, so results are random and differ from run to run.'] }],
    },
    {
      name: 'epochs that each end in eval(), a number a run chooses (maybe none): the test loop may run the model as built, in training mode',
      code: EPOCHS_THEN_TEST('int(sys.argv[1])'),
      output: EPOCHS_THEN_TEST('int(sys.argv[1])').replace('for images, labels in testloader:', 'model.eval()\nfor images, labels in testloader:'),
      findings: [{ messageId: 'mayBeTrainMode', line: 29, column: 15, endLine: 29, endColumn: 28, messageIncludes: ['Net(...) built at line 18', 'on some path (Net(...) built at line 18 (modules start in training mode)): there its BatchNorm2d use batch statistics and its Dropout stay active. Call'] }],
    },
    {
      name: 'no epochs at all (range(0)) is no loop that surely runs: the test loop may run the model as built, in training mode',
      code: EPOCHS_THEN_TEST('0'),
      output: EPOCHS_THEN_TEST('0').replace('for images, labels in testloader:', 'model.eval()\nfor images, labels in testloader:'),
      findings: [{ messageId: 'mayBeTrainMode', line: 29, column: 15, endLine: 29, endColumn: 28, messageIncludes: ['Net(...) built at line 18'] }],
    },
    {
      name: 'a notebook reusing `model`: predict() reads the BatchNorm model bound before it, not the MLP bound after it',
      code: 'import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3, bias=False)\n        self.bn = nn.BatchNorm2d(8)\n\n    def forward(self, x):\n        return self.bn(self.conv(x)).mean((2, 3))\n\n\nclass MLP(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(8, 2)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\nmodel = Net()\nmodel.load_state_dict(torch.load("net.pt"))\n\n\ndef predict(x):\n    return model(x)\n\n\nprint(predict(torch.randn(1, 3, 8, 8)))\nmodel = MLP()\nmodel.load_state_dict(torch.load("mlp.pt"))\n',
      findings: [{ messageId: 'trainMode', line: 32, column: 7, endLine: 32, endColumn: 39, messageIncludes: ['model runs for inference (in predict())', 'BatchNorm2d'] }],
    },
    {
      name: 'an nn.Sequential with a layer of its own (`Block()`): its layers are not all known, the evidence is partial (info)',
      code: SEQ_MLP.replace('LAYER', 'Block(50)'),
      findings: [{ messageId: 'trainMode', line: 13, column: 8, endLine: 13, endColumn: 21, severity: 'info', messageIncludes: ['(if any)'] }],
      output: SEQ_MLP.replace('LAYER', 'Block(50)').replace('pred = model(x_test)', 'model.eval()\npred = model(x_test)'),
    },
    {
      name: '`model.training = False` before a call of evaluate(): the flag is the model\'s alone, its BatchNorm stays in training mode',
      code:
        IMPORTS +
        CNN +
        'def evaluate(model, loader):\n    correct = 0\n    for x, y in loader:\n        correct += (model(x).argmax(1) == y).sum().item()\n    return correct\n\n\nmodel = Net()\nmodel.load_state_dict(torch.load("ckpt.pt"))\nmodel.training = False\nprint(evaluate(model, test_loader))\n',
      findings: [{ messageId: 'trainMode', line: 27, column: 7, endLine: 27, endColumn: 35, messageIncludes: ['model.training = False (line 26) sets the flag of model alone'] }],
    },
    {
      name: 'the same helper called from a validate() in the epoch loop runs for inference there',
      code: GAN_HELPER('    validate(model)\n\n\ndef validate(model):\n    for x, y in val_loader:\n        discriminator_forward(model, x)\n'),
      findings: [{ messageId: 'trainMode', line: 32, column: 5, endLine: 32, endColumn: 20, messageIncludes: ['model runs for inference (result named pred)'] }],
    },
    {
      name: 'the model a training function returns (`trained = train_model(net, loader)`, which returns its parameter) is the one passed: its layers are known',
      code:
        IMPORTS +
        CNN +
        '\ndef train_model(model, loader):\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n    model.train()\n    for x, y in loader:\n        optimizer.zero_grad()\n        nn.functional.cross_entropy(model(x), y).backward()\n        optimizer.step()\n    return model\n\n\ndef evaluate(model, loader):\n    for x, y in loader:\n        model(x)\n\n\nnet = Net()\ntrained = train_model(net, train_loader)\nevaluate(trained, test_loader)\n',
      findings: [{ messageId: 'trainMode', line: 35, column: 1, endLine: 35, endColumn: 31, messageIncludes: ['trained runs for inference (in evaluate())', 'its BatchNorm2d use batch statistics and its Dropout stay active'] }],
    },
    {
      name: 'a test() that switches to training mode on its flag but never to eval: the training loop\'s mode survives test(net, train=False)',
      code: TRAIN_THEN_TEST('    if(train==True):\n        model.train()', 'test(net, train=False)\n'),
      findings: [{ messageId: 'trainMode', line: 36, column: 1, endLine: 36, endColumn: 23, messageIncludes: ['net runs for inference (in test())', 'model.train() at line 20'] }],
    },
    {
      name: 'two ifs testing different flags leave the path on which neither ran',
      code: TRAIN_THEN_TEST('    if train:\n        model.train()\n    if other:\n        model.eval()', 'test(net, train=False)\n'),
      findings: [{ messageId: 'mayBeTrainMode', line: 38, column: 1, endLine: 38, endColumn: 23, messageIncludes: ['net runs for inference (in test())'] }],
    },
    {
      name: 'a flag not named for training does not make train() deliberate',
      code: IMPORTS + CNN + 'model = Net()\nmodel.load_state_dict(torch.load("w.pt"))\nmodel.eval()\nif verbose:\n    model.train()\nfor x, y in test_loader:\n    preds = model(x)\n',
      findings: [{ messageId: 'mayBeTrainMode', line: 23, column: 13, endLine: 23, endColumn: 21, messageIncludes: ['model.train() at line 21'] }],
      output: IMPORTS + CNN + 'model = Net()\nmodel.load_state_dict(torch.load("w.pt"))\nmodel.eval()\nif verbose:\n    model.train()\nmodel.eval()\nfor x, y in test_loader:\n    preds = model(x)\n',
    },
    {
      name: 'the same demo once the model is given weights: a real inference in training mode',
      code: IMPORTS + CNN + 'v = Net()\nv.load_state_dict(torch.load("w.pt"))\nimg = torch.randn(1, 3, 32, 32)\npreds = v(img)\n',
      findings: [{ messageId: 'trainMode', line: 20, column: 9, endLine: 20, endColumn: 15, messageIncludes: ['result named preds'] }],
      output: IMPORTS + CNN + 'v = Net()\nv.load_state_dict(torch.load("w.pt"))\nimg = torch.randn(1, 3, 32, 32)\nv.eval()\npreds = v(img)\n',
    },
    {
      name: 'validate() without eval, reached in training mode: anchored on the call',
      code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL + MAIN,
      findings: [{ messageId: 'trainMode', line: 35, column: 5, endLine: 35, endColumn: 32, messageIncludes: ['in validate()', 'model.train() at line 19', 'its BatchNorm2d use batch statistics and its Dropout stay active'] }],
    },
    {
      name: 'a test loop at module level: fix inserts eval() before the loop',
      code: IMPORTS + CNN + 'model = Net()\nmodel.load_state_dict(torch.load("w.pt"))\nfor x, y in test_loader:\n    preds = model(x)\n',
      findings: [{ messageId: 'trainMode', line: 20, column: 13, endLine: 20, endColumn: 21, messageIncludes: ['Net(...) built at line 17'] }],
      output: IMPORTS + CNN + 'model = Net()\nmodel.load_state_dict(torch.load("w.pt"))\nmodel.eval()\nfor x, y in test_loader:\n    preds = model(x)\n',
    },
    {
      name: 'eval() on one path only',
      code: IMPORTS + CNN + 'model = Net()\nif args.pretrained:\n    model.load_state_dict(torch.load("w.pt"))\n    model.eval()\n\ndef predict(model, x):\n    return model(x).argmax(1)\n\nlabels = predict(model, x_test)\n',
      findings: [{ messageId: 'mayBeTrainMode', line: 25, column: 10, endLine: 25, endColumn: 32 }],
    },
    {
      name: 'Keras: model(x, training=True) in test_step',
      code: KERAS + '\n\n@tf.function\ndef test_step(x, y):\n    return model(x, training=True)\n',
      findings: [{ messageId: 'kerasTrainingTrue', line: 28, column: 21, endLine: 28, endColumn: 34, messageIncludes: ['model(..., training=True) in test_step()', 'BatchNormalization, line 9', 'Pass training=False'] }],
      output: KERAS + '\n\n@tf.function\ndef test_step(x, y):\n    return model(x, training=False)\n',
    },
    {
      name: 'Keras: a custom Model.test_step calls self(x, training=True)',
      code: "from tensorflow import keras\nfrom tensorflow.keras import layers\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.conv = layers.Conv2D(8, 3)\n        self.bn = layers.BatchNormalization()\n\n    def call(self, x, training=False):\n        return self.bn(self.conv(x), training=training)\n\n    def test_step(self, data):\n        x, y = data\n        y_pred = self(x, training=True)\n        return {'loss': self.compiled_loss(y, y_pred)}\n",
      findings: [{ messageId: 'kerasTrainingTrue', line: 15, column: 26, endLine: 15, endColumn: 39, messageIncludes: ['self(..., training=True) in test_step()'] }],
      output: "from tensorflow import keras\nfrom tensorflow.keras import layers\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.conv = layers.Conv2D(8, 3)\n        self.bn = layers.BatchNormalization()\n\n    def call(self, x, training=False):\n        return self.bn(self.conv(x), training=training)\n\n    def test_step(self, data):\n        x, y = data\n        y_pred = self(x, training=True)\n        return {'loss': self.compiled_loss(y, y_pred)}\n".replace('self(x, training=True)', 'self(x, training=False)'),
    },
    {
      name: "Flax: mutable=['batch_stats'] in evaluate with the model defined elsewhere: information, evidence partial",
      code: "from models import ResNet\n\ndef evaluate(model, variables, images):\n    logits, _ = model.apply(variables, images, mutable=['batch_stats'])\n    return logits\n",
      findings: [{ messageId: 'flaxMutableBatchStats', line: 4, column: 48, endLine: 4, endColumn: 71, severity: 'info', messageIncludes: ['evidence is partial'] }],
    },
    {
      name: "Flax: eval_step with train=True and mutable=['batch_stats'] (one finding per call)",
      code: FLAX + "\n\n@jax.jit\ndef eval_step(state, batch):\n    logits, _ = state.apply_fn({'params': state.params, 'batch_stats': state.batch_stats}, batch['image'], train=True, mutable=['batch_stats'])\n    return logits\n",
      findings: [{ messageId: 'flaxMutableBatchStats', line: 25, column: 120, endLine: 25, endColumn: 143, messageIncludes: ["state.apply_fn(..., mutable=['batch_stats']) in eval_step()"] }],
    },
    {
      name: 'Flax: evaluate applies with train=True',
      code: FLAX + "\n\ndef evaluate(model, variables, images):\n    return model.apply(variables, images, train=True)\n",
      findings: [{ messageId: 'flaxApplyTrain', line: 24, column: 43, endLine: 24, endColumn: 53, messageIncludes: ['model.apply(..., train=True) in evaluate()', 'BatchNorm layers (BatchNorm, line 10)', 'Pass train=False'] }],
      output: FLAX + "\n\ndef evaluate(model, variables, images):\n    return model.apply(variables, images, train=False)\n",
    },
  ],
});
