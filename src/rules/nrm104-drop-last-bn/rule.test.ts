import { IMPORTS, CNN, MLP, loop } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { dropLastBn } from './rule';

const OPT = 'optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n';
const MLP_SETUP = IMPORTS + MLP + 'model = MLP()\n' + OPT;

ruleTests(dropLastBn, {
  valid: [
    { name: 'a DGL graph network (collate_fn=dgl.batch): a last batch of one graph still holds its nodes', code: 'import dgl\nimport torch\nimport torch.nn as nn\nfrom torch.utils.data import DataLoader\n\n\nclass GCNLayer(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.fc = nn.Linear(dim, dim, bias=False)\n        self.bn = nn.BatchNorm1d(dim)\n\n    def forward(self, g, h):\n        g.ndata["h"] = self.fc(h)\n        g.update_all(dgl.function.copy_u("h", "m"), dgl.function.sum("m", "h"))\n        return torch.relu(self.bn(g.ndata["h"]))\n\n\ndef collate(samples):\n    graphs, labels = map(list, zip(*samples))\n    return dgl.batch(graphs), torch.tensor(labels)\n\n\nmodel = GCNLayer(16)\noptimizer = torch.optim.Adam(model.parameters())\ntrain_loader = DataLoader(trainset, batch_size=4, shuffle=True, collate_fn=collate)\nfor g, labels in train_loader:\n    loss = model(g, g.ndata["feat"]).mean()\n    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n'.replace('def collate', 'def collate_graphs').replace('collate_fn=collate', 'collate_fn=collate_graphs') },
    { name: 'Hugging Face Trainer with dataloader_drop_last=True', code: IMPORTS + 'from transformers import Trainer, TrainingArguments\n' + MLP + 'model = MLP()\ntrainer = Trainer(model, TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True))\ntrainer.train()\n' },
    { name: 'drop_last=True', code: MLP_SETUP + 'loader = DataLoader(ds, batch_size=32, shuffle=True, drop_last=True)\n' + loop() },
    {
      name: "Accelerate's split_batches=True: which size the last per-process batch has is not known",
      code: MLP_SETUP + 'from accelerate import Accelerator\naccelerator = Accelerator(split_batches=True)\nloader = DataLoader(ds, batch_size=32, shuffle=True)\nmodel, optimizer, loader = accelerator.prepare(model, optimizer, loader)\n' + loop(),
    },
    { name: 'a dataset length that leaves more than one sample', code: MLP_SETUP + 'ds = TensorDataset(torch.randn(1024, 20), torch.randint(0, 2, (1024,)))\nloader = DataLoader(ds, batch_size=32, shuffle=True)\n' + loop() },
    { name: 'convolutional BatchNorm2d: a batch of one still has spatial values', code: IMPORTS + CNN + 'model = Net()\n' + OPT + 'loader = DataLoader(ds, batch_size=32, shuffle=True)\n' + loop() },
    { name: 'drop_last from a variable the analysis cannot resolve', code: MLP_SETUP + 'loader = DataLoader(ds, batch_size=32, shuffle=True, drop_last=cfg.drop_last)\n' + loop() },
  ],
  invalid: [
    {
      name: 'Hugging Face Trainer: TrainingArguments without dataloader_drop_last, fix adds it',
      code: IMPORTS + 'from transformers import Trainer, TrainingArguments\n' + MLP + 'model = MLP()\nargs = TrainingArguments(output_dir="out", per_device_train_batch_size=64)\ntrainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()\n',
      findings: [{ messageId: 'mayLeaveOne', line: 17, column: 8, endLine: 17, endColumn: 75, severity: 'info', messageIncludes: ['dataloader_drop_last is not True', 'Pass dataloader_drop_last=True'] }],
      output: IMPORTS + 'from transformers import Trainer, TrainingArguments\n' + MLP + 'model = MLP()\nargs = TrainingArguments(output_dir="out", per_device_train_batch_size=64, dataloader_drop_last=True)\ntrainer = Trainer(model=model, args=args, train_dataset=train_ds)\ntrainer.train()\n',
    },
    {
      name: 'a known dataset length leaving one sample: error, fix adds drop_last=True',
      code: MLP_SETUP + 'ds = TensorDataset(torch.randn(1025, 20), torch.randint(0, 2, (1025,)))\nloader = DataLoader(ds, batch_size=32, shuffle=True)\n' + loop(),
      findings: [{ messageId: 'lastBatchOfOne', line: 18, column: 10, endLine: 18, endColumn: 53, messageIncludes: ['1025 samples in batches of 32'] }],
      output: MLP_SETUP + 'ds = TensorDataset(torch.randn(1025, 20), torch.randint(0, 2, (1025,)))\nloader = DataLoader(ds, batch_size=32, shuffle=True, drop_last=True)\n' + loop(),
    },
    {
      name: 'unknown length: information; explicit drop_last=False is replaced',
      code: MLP_SETUP + 'train_loader = DataLoader(\n    train_set,\n    batch_size=64,\n    drop_last=False,\n)\n' + loop('model', 'train_loader'),
      findings: [{ messageId: 'mayLeaveOne', line: 17, column: 16, endLine: 21, endColumn: 2, severity: 'info' }],
      output: MLP_SETUP + 'train_loader = DataLoader(\n    train_set,\n    batch_size=64,\n    drop_last=True,\n)\n' + loop('model', 'train_loader'),
    },
    {
      name: 'trailing comma: the keyword goes after it',
      code: MLP_SETUP + 'train_loader = DataLoader(train_set, batch_size=64,)\n' + loop('model', 'train_loader'),
      findings: [{ messageId: 'mayLeaveOne', line: 17, column: 16, endLine: 17, endColumn: 53, severity: 'info' }],
      output: MLP_SETUP + 'train_loader = DataLoader(train_set, batch_size=64, drop_last=True)\n' + loop('model', 'train_loader'),
    },
  ],
});
