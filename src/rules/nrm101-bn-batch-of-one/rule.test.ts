import { IMPORTS, CNN, MLP, loop } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { bnBatchOfOne } from './rule';

const OPT = 'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n';

/** Udacity's batch-norm notebook: BatchNorm1d built only when the constructor is asked for it. */
const OPTIONAL_BN = (init: string) => `
class NeuralNet(nn.Module):
    def __init__(self, ${init}, hidden=256):
        super().__init__()
        if use_batch_norm:
            self.fc1 = nn.Linear(784, hidden, bias=False)
            self.bn = nn.BatchNorm1d(hidden)
        else:
            self.fc1 = nn.Linear(784, hidden)
        self.norm = nn.BatchNorm1d(hidden) if not plain else nn.Identity()
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.norm(self.fc1(x))))
`;
/** A loader factory (`body`), the module's call of it (`call`), and a training loop over `loopOver`. */
const MAKE_LOADER = (body: string, call: string, loopOver: string) =>
  `\n\ndef make_loader(ds, bs):\n${body}\n\nmodel = MLP()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n${call}for x, y in ${loopOver}:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n`;

const BATCH_OF_ONE = 'loader = DataLoader(ds, batch_size=1, shuffle=True)\n';

/** A block whose BatchNorm1d is optional, used twice by a model (`uses` gives each use's arguments). */
const SUB_BLOCKS = (first: string, second: string) => `
class Block(nn.Module):
    def __init__(self, cin, cout, bn=True):
        super().__init__()
        self.fc = nn.Linear(cin, cout, bias=not bn)
        self.norm = nn.BatchNorm1d(cout) if bn else nn.Identity()

    def forward(self, x):
        return torch.relu(self.norm(self.fc(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.b1 = ${first}
        self.b2 = ${second}
        self.head = nn.Linear(64, 2)

    def forward(self, x):
        return self.head(self.b2(self.b1(x)))
`;

ruleTests(bnBatchOfOne, {
  valid: [
    {
      name: 'two models trained in two loops of one script: the batch-of-one loader feeds the model its loop trains (no BatchNorm), not the other',
      code: IMPORTS + 'plain = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))\nnormed = nn.Sequential(nn.Linear(8, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))\nopt_a = torch.optim.SGD(plain.parameters(), lr=0.1)\nopt_b = torch.optim.SGD(normed.parameters(), lr=0.1)\ntrain_data = DataLoader(small_set, batch_size=1, shuffle=True)\ntrain_loader = DataLoader(big_set, batch_size=64, shuffle=True, drop_last=True)\nfor x, y in train_data:\n    opt_a.zero_grad()\n    nn.functional.cross_entropy(plain(x), y).backward()\n    opt_a.step()\nfor x, y in train_loader:\n    opt_b.zero_grad()\n    nn.functional.cross_entropy(normed(x), y).backward()\n    opt_b.step()\n',
    },
    {
      name: "a helper's loader named for training (`train_dl`, batch 1) that its callers do not train on feeds no model of the file (accelerate's create_components())",
      code: IMPORTS + MLP + '\n\ndef create_components():\n    model = nn.Linear(2, 4)\n    train_dl = DataLoader(ds_a)\n    return model, train_dl\n\n\ndef run():\n    model, train_dl = create_components()\n    net = MLP()\n    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n    for x, y in big_loader:\n        optimizer.zero_grad()\n        net(x).sum().backward()\n        optimizer.step()\n',
    },
    {
      name: "a helper's loader whose name the caller binds again before its loop (accelerate's tests: `train_dl` of create_components(), then of another helper)",
      code: IMPORTS + MLP + MAKE_LOADER('    return DataLoader(ds, batch_size=bs, shuffle=False)\n', 'dl = make_loader(ds_a, 1)\ndl = DataLoader(ds_b, batch_size=32)\n', 'dl'),
    },
    {
      name: "a helper's own loader (batch 1) and model, returned together: neither another function's model nor a step over another function's loader of that name is its (accelerate's test helpers)",
      code:
        IMPORTS +
        MLP +
        '\n\ndef train_mlp(loader):\n    net = MLP()\n    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)\n    for x, y in loader:\n        optimizer.zero_grad()\n        net(x).sum().backward()\n        optimizer.step()\n' +
        '\n\ndef create_components():\n    model = nn.Linear(2, 4)\n    train_dl = DataLoader(TensorDataset(torch.tensor([1, 2, 3])))\n    return model, train_dl\n' +
        '\n\ndef make_loaders():\n    return DataLoader(ds, batch_size=32), DataLoader(ds, batch_size=32)\n' +
        '\n\ndef test_training():\n    model = MLP()\n    train_dl, _ = make_loaders()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for x, y in train_dl:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n',
    },
    {
      name: "a test function's own `model`, bound to a library model whose layers are not known, is not another function's model of that name (Lightning's SWA tests)",
      code: IMPORTS + MLP + 'import pytorch_lightning as pl\nfrom lightning_demos import BoringModel\n\n\ndef train_mlp(loader):\n    model = MLP()\n    trainer = pl.Trainer(max_epochs=1)\n    trainer.fit(model, loader)\n\n\ndef test_smoke():\n    model = BoringModel()\n    trainer = pl.Trainer(fast_dev_run=True)\n    trainer.fit(model, train_dataloaders=DataLoader(ds))\n',
    },
    {
      name: 'Keras: BatchNormalization after Dense, fit with batch_size=1 (Keras gives it zero variance, no error)',
      code: "import keras\nfrom keras import layers\nmodel = keras.Sequential([layers.Dense(32), layers.BatchNormalization(), layers.Dense(10)])\nmodel.fit(x, y, batch_size=1)\n",
    },
    {
      name: 'Keras: a model class whose BatchNormalization follows global pooling, fit with batch_size=1 (no error in Keras either)',
      code:
        'import keras\nfrom keras import layers\n\nclass Net(keras.Model):\n    def __init__(self):\n        super().__init__()\n        self.pool = layers.GlobalAveragePooling2D()\n' +
        '        self.bn = layers.BatchNormalization()\n\n    def call(self, x, training=False):\n        return self.bn(self.pool(x), training=training)\n\nmodel = Net()\nmodel.fit(x, y, batch_size=1)\n',
    },
    {
      name: 'a model built without the BatchNorm its constructor makes optional (`if use_batch_norm:`, `... if not plain else nn.Identity()`): passed by keyword, by position, or left to the default',
      code:
        IMPORTS +
        OPTIONAL_BN('use_batch_norm=False, plain=True') +
        'model = NeuralNet(use_batch_norm=False, plain=True)\n' + OPT + BATCH_OF_ONE + loop() +
        'model = NeuralNet(False, 512, True)\n' + OPT + BATCH_OF_ONE + loop() +
        'model = NeuralNet()\n' + OPT + BATCH_OF_ONE + loop(),
    },
    {
      name: 'a model built without its optional BatchNorm by a module constant',
      code: IMPORTS + 'USE_BN = False\n' + OPTIONAL_BN('use_batch_norm, plain=True') + 'model = NeuralNet(use_batch_norm=USE_BN)\n' + OPT + BATCH_OF_ONE + loop(),
    },
    {
      name: 'sub-blocks built without their optional BatchNorm (by keyword, by position)',
      code: IMPORTS + SUB_BLOCKS('Block(20, 64, bn=False)', 'Block(64, 64, False)') + 'model = Net()\n' + OPT + BATCH_OF_ONE + loop(),
    },
    { name: 'batch size 2', code: IMPORTS + MLP + 'model = MLP()\n' + OPT + 'loader = DataLoader(ds, batch_size=2, shuffle=True)\n' + loop() },
    { name: 'batch 1 into a convolutional BatchNorm2d (spatial extent: bn-tiny-batch instead)', code: IMPORTS + CNN + 'model = Net()\n' + OPT + 'loader = DataLoader(ds, batch_size=1, shuffle=True)\n' + loop() },
    { name: 'a validation loader of batch 1', code: IMPORTS + MLP + 'model = MLP()\nval_loader = DataLoader(val_set, batch_size=1)\nmodel.eval()\nwith torch.no_grad():\n    for x, y in val_loader:\n        out = model(x)\n' },
    { name: 'batch_sampler given: no automatic batching to judge', code: IMPORTS + MLP + 'model = MLP()\n' + OPT + 'loader = DataLoader(ds, batch_sampler=sampler)\n' + loop() },
    { name: 'BatchNorm frozen with model.apply', code: IMPORTS + MLP + 'def set_bn_eval(m):\n    if isinstance(m, nn.BatchNorm1d):\n        m.eval()\n\nmodel = MLP()\n' + OPT + 'loader = DataLoader(ds, batch_size=1, shuffle=True)\nfor epoch in range(3):\n    model.train()\n    model.apply(set_bn_eval)\n    for x, y in loader:\n        loss = model(x).sum()\n        loss.backward()\n        optimizer.step()\n' },
    { name: 'model defined elsewhere (nothing known about its layers)', code: IMPORTS + 'from mylib import build\nmodel = build()\n' + OPT + 'loader = DataLoader(ds, shuffle=True)\n' + loop() },
  ],
  invalid: [
    {
      name: 'a loader a helper returns (`dl = make_loader(ds_a, 1)`) feeds the model trained in the loop over `dl`',
      code: IMPORTS + MLP + MAKE_LOADER('    return DataLoader(ds, batch_size=bs, shuffle=False)\n', 'dl = make_loader(ds_a, 1)\n', 'dl'),
      findings: [{ messageId: 'batchOfOne', line: 18, column: 38, endLine: 18, endColumn: 40, severity: 'warning', messageIncludes: ['Batch size 1 (literal, line 23) feeds model, whose BatchNorm1d (line 10)'] }],
    },
    {
      name: 'the same for one of a returned pair (`loader_a, loader_b = make_loader(None, 1)`): the one the loop runs over, not the other',
      code: IMPORTS + MLP + MAKE_LOADER('    a = DataLoader(ds_a, batch_size=bs)\n    b = DataLoader(ds_b, batch_size=1)\n    return a, b\n', 'loader_a, loader_b = make_loader(None, 1)\n', 'loader_b'),
      findings: [{ messageId: 'batchOfOne', line: 19, column: 37, endLine: 19, endColumn: 38 }],
    },
    {
      name: 'a model built in the call to the training function (`train(MLP(), loader)`), batch size 1: the callee trains that model',
      code: IMPORTS + MLP + '\n\ndef train(model, loader):\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for x, y in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n\n\nloader = DataLoader(ds, batch_size=1)\ntrain(MLP(), loader)\n',
      findings: [{ messageId: 'batchOfOne', line: 25, column: 36, endLine: 25, endColumn: 37, messageIncludes: ['feeds MLP(), whose BatchNorm1d (line 10)'] }],
    },
    {
      name: 'a sub-block left to its default (bn=True) in one of its uses: reported',
      code: IMPORTS + SUB_BLOCKS('Block(20, 64, bn=False)', 'Block(64, 64)') + 'model = Net()\n' + OPT + BATCH_OF_ONE + loop(),
      findings: [{ messageId: 'batchOfOne', line: 27, column: 36, endLine: 27, endColumn: 37, messageIncludes: ['BatchNorm1d (line 10)'] }],
    },
    {
      name: 'a sub-block given a value not known here: reported',
      code: IMPORTS + SUB_BLOCKS('Block(20, 64, bn=False)', 'Block(64, 64, bn=use_bn)') + 'model = Net()\n' + OPT + BATCH_OF_ONE + loop(),
      findings: [{ messageId: 'batchOfOne', line: 27, column: 36, endLine: 27, endColumn: 37, messageIncludes: ['BatchNorm1d (line 10)'] }],
    },
    {
      name: 'the optional BatchNorm left to a command-line flag (off by default, but a run may set it): reported',
      code: IMPORTS + 'parser = argparse.ArgumentParser()\nparser.add_argument("--bn", action="store_true")\nargs = parser.parse_args()\n' + OPTIONAL_BN('use_batch_norm, plain=True') + 'model = NeuralNet(use_batch_norm=args.bn)\n' + OPT + BATCH_OF_ONE + loop(),
      findings: [{ messageId: 'batchOfOne', line: 24, column: 36, endLine: 24, endColumn: 37, messageIncludes: ['BatchNorm1d (line 14)'] }],
    },
    {
      name: 'the optional BatchNorm asked for, or left to a value not known here: reported',
      code: IMPORTS + OPTIONAL_BN('use_batch_norm, plain=True') + 'model = NeuralNet(use_batch_norm=True)\n' + OPT + BATCH_OF_ONE + loop() + 'model = NeuralNet(use_batch_norm=args.bn)\n' + OPT + BATCH_OF_ONE + loop(),
      findings: [
        { messageId: 'batchOfOne', line: 21, column: 36, endLine: 21, endColumn: 37, messageIncludes: ['BatchNorm1d (line 11)'] },
        { messageId: 'batchOfOne', line: 30, column: 36, endLine: 30, endColumn: 37, messageIncludes: ['BatchNorm1d (line 11)'] },
      ],
    },
    {
      name: "DataLoader's default batch_size=1 into BatchNorm1d after Linear",
      code: IMPORTS + MLP + 'model = MLP()\n' + OPT + 'loader = DataLoader(ds, shuffle=True)\n' + loop(),
      findings: [{ messageId: 'batchOfOne', line: 17, column: 10, endLine: 17, endColumn: 38, messageIncludes: ["DataLoader's default batch_size=1", 'BatchNorm1d (line 10)', 'Expected more than 1 value per channel'] }],
    },
    {
      name: 'batch size 1 from an argparse default: inferred, one step lower',
      code: IMPORTS + "parser = argparse.ArgumentParser()\nparser.add_argument('--batch-size', type=int, default=1)\nargs = parser.parse_args()\n" + 'model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 10))\n' + OPT + 'loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)\n' + loop(),
      findings: [{ messageId: 'batchOfOne', line: 10, column: 36, endLine: 10, endColumn: 51, severity: 'warning', messageIncludes: ['argparse default of --batch-size, line 6'] }],
    },
    {
      name: 'Hugging Face Trainer given a model built in the call (`Trainer(model=Net(), ...)`), per_device_train_batch_size=1',
      code: [
        'import torch.nn as nn',
        'from transformers import Trainer, TrainingArguments',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.body = nn.Sequential(nn.Linear(16, 16), nn.BatchNorm1d(16), nn.Linear(16, 2))',
        'args = TrainingArguments(output_dir="out", per_device_train_batch_size=1)',
        'trainer = Trainer(model=Net(), args=args, train_dataset=ds)',
        'trainer.train()',
        '',
      ].join('\n'),
      findings: [{ messageId: 'batchOfOne', line: 7, column: 72, endLine: 7, endColumn: 73, messageIncludes: ['feeds Net(), whose BatchNorm1d (line 6)'] }],
    },
    {
      name: "Lightning: each module's train_dataloader feeds that module (two modules, one method name); self.hparams from save_hyperparameters()",
      code: [
        'import torch.nn as nn',
        'import pytorch_lightning as pl',
        'from torch.utils.data import DataLoader',
        'class Wide(pl.LightningModule):',
        '    def __init__(self, batch_size=8):',
        '        super().__init__()',
        '        self.save_hyperparameters()',
        '        self.net = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8))',
        '    def train_dataloader(self):',
        '        return DataLoader(self.ds, batch_size=self.hparams.batch_size)',
        'class Narrow(pl.LightningModule):',
        '    def __init__(self, batch_size=1):',
        '        super().__init__()',
        '        self.save_hyperparameters()',
        '        self.net = nn.Sequential(nn.Linear(8, 4), nn.BatchNorm1d(4))',
        '    def train_dataloader(self):',
        '        return DataLoader(self.ds, batch_size=self.hparams.batch_size)',
        '',
      ].join('\n'),
      findings: [{ messageId: 'batchOfOne', line: 17, column: 47, endLine: 17, endColumn: 70, severity: 'warning', messageIncludes: ['default of parameter batch_size of Narrow.__init__, line 12', 'feeds Narrow, whose BatchNorm1d (line 15)'] }],
    },
  ],
});
