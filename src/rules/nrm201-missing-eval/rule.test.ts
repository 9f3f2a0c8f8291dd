import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { missingEval } from './rule';

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

ruleTests(missingEval, {
  valid: [
    { name: 'validate() switches to eval', code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL.replace('    correct = 0', '    model.eval()\n    correct = 0') + MAIN },
    { name: 'the caller switches to eval', code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL + MAIN.replace('    validate(model', '    model.eval()\n    validate(model') },
    { name: 'a model without mode-dependent layers', code: IMPORTS + LN_ONLY + TRAIN_FN + VALIDATE_NO_EVAL + MAIN.replace('Net()', 'Mixer()') },
    { name: 'validate() never called with a model in view (Lightning-style hook)', code: IMPORTS + CNN + VALIDATE_NO_EVAL },
    { name: 'an opaque helper may switch modes: unknown, not reported', code: IMPORTS + CNN + VALIDATE_NO_EVAL + 'from engine import evaluate_setup\nmodel = Net()\nevaluate_setup(model)\nvalidate(model, val_loader)\n' },
    {
      name: 'train/eval chosen per phase',
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor phase in ["train", "val"]:\n    if phase == "train":\n        model.train()\n    else:\n        model.eval()\n    for x, y in loaders[phase]:\n        out = model(x)\n        if phase == "train":\n            out.sum().backward()\n            optimizer.step()\n',
    },
  ],
  invalid: [
    {
      name: 'validate() without eval, reached in training mode: anchored on the call',
      code: IMPORTS + CNN + TRAIN_FN + VALIDATE_NO_EVAL + MAIN,
      findings: [{ messageId: 'trainMode', line: 35, column: 5, endLine: 35, endColumn: 32, messageIncludes: ['in validate()', 'model.train() at line 19', 'BatchNorm2d, Dropout'] }],
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
  ],
});
