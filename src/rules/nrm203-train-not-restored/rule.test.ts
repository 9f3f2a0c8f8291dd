import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { trainNotRestored } from './rule';

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

ruleTests(trainNotRestored, {
  valid: [
    { name: 'train() at the start of each epoch', code: IMPORTS + CNN + TRAIN_NO_SWITCH.replace('    for x, y in loader:', '    model.train()\n    for x, y in loader:') + VALIDATE + MAIN },
    { name: 'train() in the epoch loop after validation', code: IMPORTS + CNN + TRAIN_NO_SWITCH + VALIDATE + MAIN + '    model.train()\n' },
    { name: 'no mode-dependent layers', code: IMPORTS + LN_ONLY + TRAIN_NO_SWITCH + VALIDATE + MAIN.replace('Net()', 'Mixer()') },
    { name: 'validation only after training', code: IMPORTS + CNN + TRAIN_NO_SWITCH + VALIDATE + MAIN.replace('    validate(model, val_loader)\n', '') + 'validate(model, val_loader)\n' },
    { name: 'the whole run in eval mode on purpose (no train-mode step at all)', code: IMPORTS + CNN + 'model = Net()\nmodel.eval()\noptimizer = torch.optim.SGD(model.fc.parameters(), lr=0.1)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n' },
  ],
  invalid: [
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
