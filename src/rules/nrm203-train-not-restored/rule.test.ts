import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { trainNotRestored } from './rule';

/** Barlow Twins' evaluate.py: fine-tune or linear probe (the whole model in eval mode), chosen per run; validation at the end of each epoch. */
const PROBE_OR_FINETUNE = (choice: string) =>
  IMPORTS +
  CNN +
  `
parser = argparse.ArgumentParser()
parser.add_argument('--weights', default='freeze', choices=('finetune', 'freeze'))
args = parser.parse_args()
model = Net()
if args.weights == 'freeze':
    for p in model.parameters():
        p.requires_grad = False
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
${choice}
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            model(x)
`;

const TRAIN_NO_SWITCH = `
def train_one_epoch(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
`;

const VALIDATE = `
def validate(model, loader):
    model.eval()
    with torch.no_grad():
        return sum(model(x).sum() for x, _ in loader)
`;

const MAIN = `
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(10):
    train_one_epoch(model, train_loader, optimizer)
    validate(model, val_loader)
`;

/** A checkpoint's accuracy measured before fine-tuning it: `model.eval()` for the evaluation, then the training loop. */
const EVAL_THEN_TRAIN = (between: string) =>
  IMPORTS +
  CNN +
  `
model = Net()
model.load_state_dict(torch.load("checkpoint.pt"))
model.eval()
with torch.no_grad():
    before = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
${between}optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(5):
    for x, y in train_loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
`;

/** Hugging Face's custom training loop on a model `from_pretrained` returns (in eval mode). */
const HF_LOOP = (checkpoint: string, before: string) => `import torch
from transformers import AutoModelForImageClassification, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("${checkpoint}")
model = AutoModelForImageClassification.from_pretrained("${checkpoint}", num_labels=10)
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-5)
${before}for epoch in range(3):
    for batch in train_loader:
        outputs = model(**batch)
        outputs.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
`;

ruleTests(trainNotRestored, {
  valid: [
    {
      name: "a helper that switches a deep copy of the model it is given (`model = copy.deepcopy(model)`, then `model.eval()`), called after each step: the trained model stays in training mode",
      code:
        'import copy\n' +
        IMPORTS +
        CNN +
        '\n\ndef perturb(model, x):\n    model = copy.deepcopy(model)\n    model.eval()\n    x = x.clone().requires_grad_(True)\n    model(x).sum().backward()\n    return x + 0.01 * x.grad.sign()\n\n\nmodel = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nmodel.train()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    nn.functional.cross_entropy(model(x), y).backward()\n    optimizer.step()\n    x_adv = perturb(model, x)\n',
    },
    {
      name: 'a pretrained feature extractor put in eval mode for its no_grad forwards beside the trained head: switching its mode does not run it, and it is not trained',
      code: 'import torch\nimport torch.nn as nn\nimport torchvision\nfrom torch.utils.data import DataLoader\n\n\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(512, 10)\n        self.bn = nn.BatchNorm1d(10)\n\n    def forward(self, x):\n        return self.bn(self.fc(x))\n\n\ndef train(head, extractor, loader, optimizer):\n    extractor.eval()\n    head.train()\n    for x, y in loader:\n        with torch.no_grad():\n            f = extractor(x)\n        loss = nn.functional.cross_entropy(head(f), y)\n        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n\n\nextractor = torchvision.models.resnet18(weights="DEFAULT")\nextractor.load_state_dict(torch.load("ckpt.pt"))\nhead = Head()\nloader = DataLoader(train_set, batch_size=64, shuffle=True)\ntrain(head, extractor, loader, torch.optim.SGD(head.parameters(), lr=0.1))\n',
    },
    {
      name: "train() or eval() chosen per run at the top of each epoch (a linear probe keeps the whole model in eval mode; `assert False` ends the other path): the epoch's validation eval() does not reach the next step",
      code: PROBE_OR_FINETUNE("    if args.weights == 'finetune':\n        model.train()\n    elif args.weights == 'freeze':\n        model.eval()\n    else:\n        assert False"),
    },
    { name: 'train() at the start of each epoch', code: IMPORTS + CNN + TRAIN_NO_SWITCH.replace('    for x, y in loader:', '    model.train()\n    for x, y in loader:') + VALIDATE + MAIN },
    { name: 'train() in the epoch loop after validation', code: IMPORTS + CNN + TRAIN_NO_SWITCH + VALIDATE + MAIN + '    model.train()\n' },
    { name: 'no mode-dependent layers', code: IMPORTS + LN_ONLY + TRAIN_NO_SWITCH + VALIDATE + MAIN.replace('Net()', 'Mixer()') },
    { name: 'validation only after training', code: IMPORTS + CNN + TRAIN_NO_SWITCH + VALIDATE + MAIN.replace('    validate(model, val_loader)\n', '') + 'validate(model, val_loader)\n' },
    { name: 'the whole run in eval mode on purpose (no train-mode step at all)', code: IMPORTS + CNN + 'model = Net()\nmodel.eval()\noptimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n' },
    { name: 'from_pretrained, then train() before the training loop (Hugging Face\'s custom loop)', code: HF_LOOP('microsoft/resnet-50', 'model.train()\n') },
    { name: 'from_pretrained of a transformer without BatchNorm: its Dropout is off, no normalization matter (and a tokenizer is no model)', code: HF_LOOP('google/vit-base-patch16-224', '') },
    { name: 'an evaluation before training, then train()', code: EVAL_THEN_TRAIN('model.train()\n') },
    {
      name: 'a backward() without an optimizer computes a saliency map, it trains nothing',
      code: IMPORTS + CNN + 'model = Net()\nmodel.load_state_dict(torch.load("ckpt.pt"))\nmodel.eval()\nwith torch.no_grad():\n    target = model(x).argmax(1)\nx.requires_grad_(True)\nscore = model(x)[0, target]\nmodel.zero_grad()\nscore.backward()\nsaliency = x.grad.abs().amax(dim=1)\n',
    },
    {
      name: 'a linear probe keeps the frozen model in eval mode on purpose (MoCo / SimSiam main_lincls.py)',
      code: EVAL_THEN_TRAIN('for name, param in model.named_parameters():\n    if name not in ["fc.weight", "fc.bias"]:\n        param.requires_grad = False\n'),
    },
  ],
  invalid: [
    {
      name: 'from_pretrained returns the model in eval mode, and the custom training loop never calls train()',
      code: HF_LOOP('microsoft/resnet-50', ''),
      findings: [{ messageId: 'trainsInEvalMode', line: 5, column: 9, endLine: 5, endColumn: 94, messageIncludes: ['model is in eval mode at every training step (outputs.loss.backward(), line 10)', 'from_pretrained() at line 5 (from_pretrained returns the model in eval mode)', 'BatchNorm2d'] }],
    },
    {
      name: 'an evaluation of the checkpoint before fine-tuning leaves the model in eval mode for the whole training',
      code: EVAL_THEN_TRAIN(''),
      findings: [{ messageId: 'trainsInEvalMode', line: 20, column: 1, endLine: 20, endColumn: 13, messageIncludes: ['model is in eval mode at every training step', 'model.eval() at line 20', 'Call model.train() before the training loop'] }],
    },
    {
      name: "train() only when fine-tuning: the validation eval() reaches a linear probe's next epoch (its first trained in training mode)",
      code: PROBE_OR_FINETUNE("    if args.weights == 'finetune':\n        model.train()"),
      findings: [{ messageId: 'notRestored', line: 33, column: 5, endLine: 33, endColumn: 17, messageIncludes: ['model.eval() at line 33'] }],
    },
    {
      name: 'an else that may go on (`assert args.weights == "freeze"`) leaves the validation eval() in place',
      code: PROBE_OR_FINETUNE("    if args.weights == 'finetune':\n        model.train()\n    else:\n        assert args.weights == 'freeze'"),
      findings: [{ messageId: 'notRestored', line: 35, column: 5, endLine: 35, endColumn: 17, messageIncludes: ['model.eval() at line 35'] }],
    },
    {
      name: 'validate() switches to eval, training never switches back: anchored on the eval()',
      code: IMPORTS + CNN + TRAIN_NO_SWITCH + VALIDATE + MAIN,
      findings: [{ messageId: 'notRestored', line: 25, column: 5, endLine: 25, endColumn: 17, messageIncludes: ['model.eval() at line 25', 'optimizer.step()'] }],
    },
    {
      name: 'eval() inline in the epoch loop',
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor epoch in range(10):\n    for x, y in train_loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n    model.eval()\n    with torch.no_grad():\n        acc = sum((model(x).argmax(1) == y).sum() for x, y in val_loader)\n',
      findings: [{ messageId: 'notRestored', line: 24, column: 5, endLine: 24, endColumn: 17 }],
    },
  ],
});
