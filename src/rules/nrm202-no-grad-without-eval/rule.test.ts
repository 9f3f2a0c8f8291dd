import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { noGradWithoutEval } from './rule';

const TRAIN = 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';

/** The model trained, then evaluated under another name for the same modules (`alias`: the line binding `fast` to it), after `switch`. */
const ALIASED = (alias: string, switchLine: string) =>
  IMPORTS + CNN + 'model = Net()\n' + alias + '\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nmodel.train()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    fast(x).sum().backward()\n    optimizer.step()\n' + switchLine + 'with torch.no_grad():\n    for x, y in val_loader:\n        print(fast(x).argmax(1))\n';

/** Knowledge distillation: a teacher given weights, its soft targets computed under no_grad in the student's training loop (`setup`: what happens to the teacher before the loop). */
const DISTILL = (setup: string) =>
  IMPORTS +
  CNN +
  `
teacher = Net()
teacher.load_state_dict(torch.load("teacher.pt"))
${setup}student = Net()
optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
for epoch in range(10):
    student.train()
    for x, y in train_loader:
        with torch.no_grad():
            soft = teacher(x).softmax(1)
        loss = nn.functional.kl_div(student(x).log_softmax(1), soft, reduction="batchmean")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
`;

/** A hand-written EMA: a deep copy of the model (`copy`: the line that makes it), updated under no_grad in the training loop, then evaluated (`before`: what precedes the evaluation). */
const EMA = (copy: string, before: string) =>
  'import copy\n' +
  IMPORTS +
  CNN +
  `
model = Net()
${copy}optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for x, y in train_loader:
    optimizer.zero_grad()
    model(x).sum().backward()
    optimizer.step()
    with torch.no_grad():
        for pe, pm in zip(ema.parameters(), model.parameters()):
            pe.mul_(0.999).add_(pm, alpha=0.001)
${before}with torch.no_grad():
    preds = ema(x_test)
`;

/** PyTorch's transfer-learning tutorial: each epoch runs the phases of \`phases\` in order, \`model.train()\` for 'train' and \`model.eval()\` for the others; then a no-grad look at predictions. */
const PHASES = (phases: string) => `import torch
import torch.nn as nn
import torchvision


def train_model(model, optimizer):
    for epoch in range(25):
        for phase in ${phases}:
            if phase == 'train':
                model.train()
            else:
                model.eval()
            for inputs, labels in dataloaders[phase]:
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(inputs), labels)
                if phase == 'train':
                    loss.backward()
                    optimizer.step()
    return model


model = torchvision.models.resnet18(weights='IMAGENET1K_V1')
model = train_model(model, torch.optim.SGD(model.parameters(), lr=0.001))
with torch.no_grad():
    preds = model(x_test).argmax(1)
print(preds)
`;

/** A training function given a second model whose outputs are the targets, under no_grad (its weights: `load`). */
const TARGET_NET = (load: string) =>
  IMPORTS + CNN + 'def train(online, target_net, loader, optimizer):\n    for epoch in range(10):\n        online.train()\n        for x1, x2 in loader:\n            with torch.no_grad():\n                z = target_net(x2)\n            loss = -(online(x1) * z).sum()\n            optimizer.zero_grad()\n            loss.backward()\n            optimizer.step()\n\n\nonline = Net()\ntarget = Net()\ntarget.load_state_dict(LOAD)\ntrain(online, target, train_loader, torch.optim.SGD(online.parameters(), lr=0.1))\n'.replace('LOAD', load);

/** A pytest unit test of a model given weights, its forward under the test's `@torch.no_grad()` (`setup`: what the test does to the model first). */
const UNIT_TEST = (setup: string) =>
  'import pytest\n' + IMPORTS + CNN + `

@torch.no_grad()  # To save memory
def test_forward():
    model = Net()
    model.load_state_dict(torch.load("w.pt"))
${setup}    out = model(torch.randn(1, 3, 32, 32))
    assert out.shape == (1, 10)
`;

ruleTests(noGradWithoutEval, {
  valid: [
    { name: 'torch.compile under another name: model.eval() switches the compiled module too', code: ALIASED('fast = torch.compile(model)', 'model.eval()\n') },
    { name: 'DDP under another name (the DDP tutorial): model.eval() switches the modules the wrapper runs', code: ALIASED('fast = torch.nn.parallel.DistributedDataParallel(model, device_ids=[0])', 'model.eval()\n') },
    { name: 'the compiled module switched, the model run: the same modules', code: ALIASED('fast = torch.compile(model)', 'fast.eval()\n').replace('        print(fast(x).argmax(1))', '        print(model(x).argmax(1))') },
    { name: 'a plain second name inside a loop (`net = model`), switched through the first at each epoch', code: ALIASED('fast = model', '').replace('model.train()\nfor x, y in train_loader:', 'for epoch in range(3):\n    model.train()\n    for x, y in train_loader:').replace('\n    optimizer.zero_grad()\n    fast(x).sum().backward()\n    optimizer.step()\n', '\n        optimizer.zero_grad()\n        fast(x).sum().backward()\n        optimizer.step()\n    model.eval()\n    with torch.no_grad():\n        for x, y in val_loader:\n            print(fast(x).argmax(1))\n').replace('with torch.no_grad():\n    for x, y in val_loader:\n        print(fast(x).argmax(1))\n', '') },
    { name: 'a model built, untrained, in the call to the evaluation function (`evaluate(Net(), loader)`): its outputs are random in either mode', code: IMPORTS + CNN + 'def evaluate(model, loader):\n    with torch.no_grad():\n        for x, y in loader:\n            model(x)\n\n\n' + TRAIN + 'evaluate(Net(), val_loader)\n' },
    {
      name: "a notebook redefining its model class in a later cell, with Dropout: the model an earlier cell built is the earlier class's, without it (Udacity's validation notebook)",
      code: IMPORTS + 'class Classifier(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(784, 10)\n\n    def forward(self, x):\n        return self.fc(x)\n\n\nmodel = Classifier()\n' + TRAIN.replace('model = Net()\n', '') + 'with torch.no_grad():\n    for images, labels in testloader:\n        log_ps = model(images)\n\n\nclass Classifier(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(784, 10)\n        self.dropout = nn.Dropout(p=0.2)\n\n    def forward(self, x):\n        return self.fc(self.dropout(x))\n\n\nmodel = Classifier()\n' + TRAIN.replace('model = Net()\n', '') + 'model.eval()\nwith torch.no_grad():\n    for images, labels in testloader:\n        log_ps = model(images)\n',
    },
    { name: "a unit test that puts the model in training mode itself, then runs it under the test's @torch.no_grad() (mmpretrain's backbone tests)", code: UNIT_TEST('    model.train()\n') },
    { name: 'Monte Carlo dropout: a Dropout-only model switched by train() right before a no-grad sampling loop (a Bayesian-NN notebook)', code: 'import torch\nimport torch.nn as nn\nfrom torch import optim\n\nnet = nn.Sequential(nn.Dropout(p=0.05), nn.Linear(1, 20), nn.ReLU(), nn.Dropout(p=0.05), nn.Linear(20, 1))\ncriterion = nn.MSELoss()\noptimiser = optim.SGD(net.parameters(), lr=0.01)\nfor epoch in range(1000):\n    loss = criterion(net(x.view(-1, 1)), y.view(-1, 1))\n    optimiser.zero_grad()\n    loss.backward()\n    optimiser.step()\n\nnet.eval()\nwith torch.no_grad():\n    mean = net(xx.view(-1, 1))\n\nnet.train()\nsamples = []\nwith torch.no_grad():\n    for t in range(100):\n        samples.append(net(xx.view(-1, 1)).squeeze())\n' },
    {
      name: "d2l's evaluate_accuracy_gpu: eval() under `if isinstance(net, nn.Module)` (a model is one), or after returning when it is not one",
      code: 'import torch\nfrom torch import nn\n\n\ndef evaluate_accuracy_gpu(net, data_iter, device=None):\n    if isinstance(net, nn.Module):\n        net.eval()\n        if not device:\n            device = next(iter(net.parameters())).device\n    correct = 0\n    with torch.no_grad():\n        for X, y in data_iter:\n            correct += (net(X.to(device)).argmax(1) == y.to(device)).sum()\n    return correct\n\n\ndef train_ch6(net, train_iter, test_iter, num_epochs, lr, device):\n    net.to(device)\n    optimizer = torch.optim.SGD(net.parameters(), lr=lr)\n    loss = nn.CrossEntropyLoss()\n    for epoch in range(num_epochs):\n        net.train()\n        for X, y in train_iter:\n            optimizer.zero_grad()\n            l = loss(net(X.to(device)), y.to(device))\n            l.backward()\n            optimizer.step()\n        test_acc = evaluate_accuracy_gpu(net, test_iter)\n\n\nnet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.Sigmoid(), nn.Flatten(), nn.Linear(6 * 28 * 28, 10))\ntrain_ch6(net, train_iter, test_iter, 10, 0.9, "cuda")\n' + 'import torch\nfrom torch import nn\n\n\ndef evaluate_accuracy_gpu(net, data_iter, device=None):\n    if not isinstance(net, torch.nn.Module):\n        return 0\n    net.eval()\n    correct = 0\n    with torch.no_grad():\n        for X, y in data_iter:\n            correct += (net(X.to(device)).argmax(1) == y.to(device)).sum()\n    return correct\n\n\ndef train_ch6(net, train_iter, test_iter, num_epochs, lr, device):\n    net.to(device)\n    optimizer = torch.optim.SGD(net.parameters(), lr=lr)\n    loss = nn.CrossEntropyLoss()\n    for epoch in range(num_epochs):\n        net.train()\n        for X, y in train_iter:\n            optimizer.zero_grad()\n            l = loss(net(X.to(device)), y.to(device))\n            l.backward()\n            optimizer.step()\n        test_acc = evaluate_accuracy_gpu(net, test_iter)\n\n\nnet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.Sigmoid(), nn.Flatten(), nn.Linear(6 * 28 * 28, 10))\ntrain_ch6(net, train_iter, test_iter, 10, 0.9, "cuda")\n'.replace('evaluate_accuracy_gpu', 'evaluate_other').replace('def train_ch6', 'def train_other').replace('train_ch6(', 'train_other('),
    },
    {
      name: 'training mode chosen on purpose by a `training` flag (timm onnx export helper)',
      code: IMPORTS + CNN + 'def export(model, x, training=False):\n    if training:\n        model.train()\n    else:\n        model.eval()\n    with torch.inference_mode():\n        reference = model(x)\n    torch.onnx.export(model, x, "m.onnx")\n    return reference\n\n\nmodel = Net()\nmodel.load_state_dict(torch.load("w.pt"))\nexport(model, torch.randn(1, 3, 32, 32))\n',
    },
    { name: 'eval() before no_grad', code: IMPORTS + CNN + TRAIN + 'model.eval()\nwith torch.no_grad():\n    preds = model(x_test)\n' },
    { name: 'no_grad inside the training loop (an EMA update / logging)', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor i, (x, y) in enumerate(train_loader):\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n    if i % 100 == 0:\n        with torch.no_grad():\n            sample = model(x[:4])\n' },
    { name: 'no mode-dependent layers', code: IMPORTS + LN_ONLY + TRAIN.replace('Net()', 'Mixer()') + 'with torch.no_grad():\n    preds = model(x_test)\n' },
    {
      name: 'Monte Carlo dropout: eval(), then only the Dropout modules back in training mode (a helper, and inline with isinstance)',
      code:
        IMPORTS +
        CNN +
        'def enable_dropout(model):\n    for m in model.modules():\n        if m.__class__.__name__.startswith("Dropout"):\n            m.train()\n\n\n' +
        TRAIN +
        'model.eval()\nenable_dropout(model)\nwith torch.no_grad():\n    samples = [model(x_test) for _ in range(20)]\nfor m in model.modules():\n    if isinstance(m, nn.Dropout):\n        m.train()\nwith torch.no_grad():\n    samples = [model(x_test) for _ in range(20)]\n',
    },
    {
      name: 'a BatchNorm recalibration pass: train() in the function, forwards under no_grad whose results are dropped (after pruning)',
      code: IMPORTS + CNN + 'def after_pruning(model, loader):\n    for m in model.modules():\n        if isinstance(m, nn.BatchNorm2d):\n            m.reset_running_stats()\n    model.train()\n    with torch.no_grad():\n        for x, _ in loader:\n            model(x)\n\n\n' + TRAIN + 'model.eval()\nafter_pruning(model, train_loader)\n',
    },
    {
      name: "BigGAN's standing statistics: train() in the function, a forward under no_grad assigned to a name nothing reads",
      code: IMPORTS + CNN + 'def accumulate(net, z, num_accumulations=16):\n    net.train()\n    for i in range(num_accumulations):\n        with torch.no_grad():\n            z.normal_()\n            x = net(z)\n    net.eval()\n\n\n' + TRAIN + 'model.eval()\naccumulate(model, torch.randn(8, 3, 32, 32))\n',
    },
    {
      name: "a function named for standing statistics (`accumulate_standing_stats`) keeps what its forwards return",
      code: IMPORTS + CNN + 'def accumulate_standing_stats(net, z):\n    net.train()\n    with torch.no_grad():\n        x = net(z)\n    net.eval()\n    return x\n\n\n' + TRAIN + 'model.eval()\naccumulate_standing_stats(model, torch.randn(8, 3, 32, 32))\n',
    },
    {
      name: 'a function named for the BatchNorm statistics (`update_bn_stats`) keeps what its forwards return',
      code: IMPORTS + CNN + 'def update_bn_stats(model, loader):\n    model.train()\n    with torch.no_grad():\n        outs = [model(x) for x, _ in loader]\n    return len(outs)\n\n\n' + TRAIN + 'model.eval()\nupdate_bn_stats(model, train_loader)\n',
    },
    {
      name: "fvcore's precise BN: the caller's train(), then a helper named for BatchNorm statistics that leaves the mode to it",
      code: IMPORTS + CNN + 'def update_bn_stats(model, loader):\n    with torch.no_grad():\n        for x, _ in loader:\n            model(x)\n\n\n' + TRAIN + 'model.train()\nupdate_bn_stats(model, train_loader)\nmodel.eval()\n',
    },
    { name: 'distillation: the teacher in eval mode', code: DISTILL('teacher.eval()\n') },
    { name: "Mean Teacher: the EMA model switched to training mode by a train() of its own is the method's choice", code: DISTILL('teacher.train()\n') },
    {
      name: 'a BYOL / MoCo style target network (given the trained model\'s weights, none of its own) in training mode',
      code: TARGET_NET('online.state_dict()'),
    },
    { name: 'an EMA copy of the model switched to eval mode before it is evaluated', code: EMA('ema = copy.deepcopy(model)\n', 'ema.eval()\n') },
    { name: 'an EMA copy made of a model in eval mode starts in eval mode', code: EMA('model.eval()\nema = copy.deepcopy(model)\nmodel.train()\n', '') },
    { name: "the phases of the transfer-learning tutorial (`for phase in ['train', 'val']:`): the last one leaves the model in eval mode", code: PHASES("['train', 'val']") },
    {
      name: 'an epoch loop over a parameter with a positive default (`range(num_epochs)`, a caller passing its own value) runs at least once: its last phase decides',
      code: PHASES("['train', 'val']").replace('def train_model(model, optimizer):', 'def train_model(model, optimizer, num_epochs=25):').replace('range(25)', 'range(num_epochs)').replace('lr=0.001))', 'lr=0.001), num_epochs=10)'),
    },
    { name: 'inference_mode(False) does not disable anything', code: IMPORTS + CNN + TRAIN + 'with torch.inference_mode(False):\n    preds = model(x_test)\n' },
  ],
  invalid: [
    {
      name: 'a helper building its own model only when none is passed (`if model is None: model = Net()`) trains the model passed: its train() holds after the call',
      code: IMPORTS + CNN + 'def train(loader, model=None):\n    if model is None:\n        model = Net()\n    model.train()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for x, y in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n    return model\n\n\nnet = Net()\nnet.eval()\ntrain(train_loader, net)\nwith torch.no_grad():\n    print(net(x_test))\n',
      output: IMPORTS + CNN + 'def train(loader, model=None):\n    if model is None:\n        model = Net()\n    model.train()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n    for x, y in loader:\n        optimizer.zero_grad()\n        model(x).sum().backward()\n        optimizer.step()\n    return model\n\n\nnet = Net()\nnet.eval()\ntrain(train_loader, net)\nnet.eval()\nwith torch.no_grad():\n    print(net(x_test))\n',
      findings: [{ messageId: 'noGradOnly', line: 32, column: 6, endLine: 32, endColumn: 21, messageIncludes: ['net runs under torch.no_grad()', 'model.train() at line 20'] }],
    },
    {
      name: 'torch.compile under another name, neither switched: the training mode cited is the model.train() before the loop',
      code: ALIASED('fast = torch.compile(model)', ''),
      output: ALIASED('fast = torch.compile(model)', 'fast.eval()\n'),
      findings: [{ messageId: 'noGradOnly', line: 25, column: 6, endLine: 25, endColumn: 21, messageIncludes: ['fast runs under torch.no_grad()', 'in training mode (model.train() at line 20)'] }],
    },
    {
      name: 'a second name bound before the model is bound to another one: it keeps the first model and its mode',
      code: ALIASED('fast = torch.compile(model)\nmodel = Net()', 'model.eval()\n'),
      output: ALIASED('fast = torch.compile(model)\nmodel = Net()', 'model.eval()\nfast.eval()\n'),
      findings: [{ messageId: 'noGradOnly', line: 27, column: 6, endLine: 27, endColumn: 21, messageIncludes: ['fast runs under torch.no_grad()', 'Net(...) built at line 17'] }],
    },
    {
      name: 'a loop over a parameter with a positive default that trains nothing may run zero times (a caller may pass 0): what it switches is only possibly done',
      code: 'import torch\nimport torchvision\n\n\ndef calibrate(model, passes=5):\n    for _ in range(passes):\n        model.eval()\n\n\nmodel = torchvision.models.resnet18(weights="DEFAULT")\ncalibrate(model, passes=0)\nwith torch.no_grad():\n    preds = model(x)\nprint(preds)\n',
      findings: [{ messageId: 'noGradOnly', line: 12, column: 6, endLine: 12, endColumn: 21, messageIncludes: ['model runs under torch.no_grad() (outside any training loop) but is possibly in training mode'] }],
      output: 'import torch\nimport torchvision\n\n\ndef calibrate(model, passes=5):\n    for _ in range(passes):\n        model.eval()\n\n\nmodel = torchvision.models.resnet18(weights="DEFAULT")\ncalibrate(model, passes=0)\nmodel.eval()\nwith torch.no_grad():\n    preds = model(x)\nprint(preds)\n',
    },
    {
      name: "phases run in the other order (`for phase in ('val', 'train'):`): the last one leaves the model in training mode",
      code: PHASES("('val', 'train')"),
      findings: [{ messageId: 'noGradOnly', line: 24, column: 6, endLine: 24, endColumn: 21, messageIncludes: ['model runs under torch.no_grad() (outside any training loop) but is in training mode (model.train() at line 10)'] }],
      output: PHASES("('val', 'train')").replace('with torch.no_grad():', 'model.eval()\nwith torch.no_grad():'),
    },
    {
      name: 'two models run in training mode in one no-grad block are two findings (one per model, however often each runs)',
      code: 'import torch\nimport torchvision\n\nseg = torchvision.models.resnet18(weights="DEFAULT")\nclf = torchvision.models.resnet50(weights="DEFAULT")\nwith torch.no_grad():\n    a = seg(x)\n    b = clf(x)\n    c = clf(x + 1)\nprint(a, b, c)\n',
      findings: [
        { messageId: 'noGradOnly', line: 6, column: 6, endLine: 6, endColumn: 21, messageIncludes: ['seg runs under torch.no_grad()'] },
        { messageId: 'noGradOnly', line: 6, column: 6, endLine: 6, endColumn: 21, messageIncludes: ['clf runs under torch.no_grad()'] },
      ],
      output: 'import torch\nimport torchvision\n\nseg = torchvision.models.resnet18(weights="DEFAULT")\nclf = torchvision.models.resnet50(weights="DEFAULT")\nclf.eval()\nseg.eval()\nwith torch.no_grad():\n    a = seg(x)\n    b = clf(x)\n    c = clf(x + 1)\nprint(a, b, c)\n',
    },
    {
      name: 'an EMA deep copy of the model evaluated without eval(): a model of its own, in the training mode the model had when copied',
      code: EMA('ema = copy.deepcopy(model)\n', ''),
      findings: [{ messageId: 'noGradOnly', line: 29, column: 6, endLine: 29, endColumn: 21, messageIncludes: ['ema runs under torch.no_grad() (outside any training loop)', 'copy.deepcopy(model) at line 20 (a copy of model in training mode)'] }],
      output: EMA('ema = copy.deepcopy(model)\n', 'ema.eval()\n'),
    },
    {
      name: "an EMA copy: the model's eval() after the copy is not the copy's",
      code: EMA('ema = copy.deepcopy(model)\n', 'model.eval()\n'),
      findings: [{ messageId: 'noGradOnly', line: 30, column: 6, endLine: 30, endColumn: 21, messageIncludes: ['ema runs under torch.no_grad()'] }],
      output: EMA('ema = copy.deepcopy(model)\n', 'model.eval()\nema.eval()\n'),
    },
    {
      name: 'a pretrained library model built in the call to the evaluation function: evaluated in the training mode it was built in',
      code: 'import torch\nimport torchvision\n\n\ndef evaluate(model, loader):\n    with torch.no_grad():\n        for x, y in loader:\n            model(x)\n\n\nevaluate(torchvision.models.resnet18(weights="DEFAULT"), val_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 6, column: 10, endLine: 6, endColumn: 25, messageIncludes: ['torchvision.models.resnet18(weights="DEFAULT") runs under torch.no_grad() (in evaluate())', 'torchvision.models.resnet18(...) built at line 11'] }],
      output: 'import torch\nimport torchvision\n\n\ndef evaluate(model, loader):\n    model.eval()\n    with torch.no_grad():\n        for x, y in loader:\n            model(x)\n\n\nevaluate(torchvision.models.resnet18(weights="DEFAULT"), val_loader)\n',
    },
    {
      name: 'a unit test whose model, given weights, is in the training mode it was built in: reported (the test did not choose it)',
      code: UNIT_TEST(''),
      findings: [{ messageId: 'noGradOnly', line: 24, column: 11, endLine: 24, endColumn: 43, messageIncludes: ['model runs under torch.no_grad() (outside any training loop)', 'Net(...) built at line 22'] }],
    },
    {
      name: 'a Dropout-only model whose train() came before its training loop, then a no-grad prediction: not a sampling pass',
      code: 'import torch\nimport torch.nn as nn\nfrom torch import optim\n\nnet = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(20, 1))\ncriterion = nn.MSELoss()\noptimiser = optim.SGD(net.parameters(), lr=0.01)\nnet.train()\nfor epoch in range(1000):\n    loss = criterion(net(x.view(-1, 1)), y.view(-1, 1))\n    optimiser.zero_grad()\n    loss.backward()\n    optimiser.step()\n\nwith torch.no_grad():\n    preds = net(test_x)\n',
      findings: [{ messageId: 'noGradOnly', line: 15, column: 6, endLine: 15, endColumn: 21, messageIncludes: ['net.train() at line 8'] }],
      output: 'import torch\nimport torch.nn as nn\nfrom torch import optim\n\nnet = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Dropout(p=0.5), nn.Linear(20, 1))\ncriterion = nn.MSELoss()\noptimiser = optim.SGD(net.parameters(), lr=0.01)\nnet.train()\nfor epoch in range(1000):\n    loss = criterion(net(x.view(-1, 1)), y.view(-1, 1))\n    optimiser.zero_grad()\n    loss.backward()\n    optimiser.step()\n\nnet.eval()\nwith torch.no_grad():\n    preds = net(test_x)\n',
    },
    {
      name: 'distillation: a teacher not named so (`model_t`), given weights where the loop runs, is told from the student by the optimizer',
      code: DISTILL('').replace(/teacher/g, 'model_t'),
      findings: [{ messageId: 'noGradOnly', line: 25, column: 14, endLine: 25, endColumn: 29, messageIncludes: ['model_t runs under torch.no_grad() (a teacher'] }],
      output: DISTILL('').replace(/teacher/g, 'model_t').replace('        with torch.no_grad():\n            soft', '        model_t.eval()\n        with torch.no_grad():\n            soft'),
    },
    {
      name: 'distillation: a pretrained torchvision teacher (weights=...) never switched out of training mode',
      code: 'import torch\nimport torchvision\n\nteacher = torchvision.models.resnet50(weights="IMAGENET1K_V2")\nstudent = torchvision.models.resnet18(num_classes=1000)\noptimizer = torch.optim.SGD(student.parameters(), lr=0.1)\nfor epoch in range(90):\n    student.train()\n    for x, y in train_loader:\n        with torch.no_grad():\n            t = teacher(x)\n        loss = (student(x) - t).pow(2).mean()\n        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n',
      findings: [{ messageId: 'noGradOnly', line: 10, column: 14, endLine: 10, endColumn: 29, messageIncludes: ['teacher runs under torch.no_grad() (a teacher', 'torchvision.models.resnet50(...) built at line 4'] }],
      output: 'import torch\nimport torchvision\n\nteacher = torchvision.models.resnet50(weights="IMAGENET1K_V2")\nstudent = torchvision.models.resnet18(num_classes=1000)\noptimizer = torch.optim.SGD(student.parameters(), lr=0.1)\nfor epoch in range(90):\n    student.train()\n    for x, y in train_loader:\n        teacher.eval()\n        with torch.no_grad():\n            t = teacher(x)\n        loss = (student(x) - t).pow(2).mean()\n        optimizer.zero_grad()\n        loss.backward()\n        optimizer.step()\n',
    },
    {
      name: 'a teacher given weights from a file, passed to the training function: reported on the call, in the caller\'s mode',
      code: TARGET_NET('torch.load("teacher.pt")'),
      findings: [{ messageId: 'noGradOnly', line: 21, column: 18, endLine: 21, endColumn: 33, messageIncludes: ['target runs under torch.no_grad() (a teacher'] }],
      output: TARGET_NET('torch.load("teacher.pt")').replace('            with torch.no_grad():', '            target_net.eval()\n            with torch.no_grad():'),
    },
    {
      name: 'distillation: a teacher given weights and never switched out of training mode computes the soft targets under no_grad in the loop',
      code: DISTILL(''),
      findings: [{ messageId: 'noGradOnly', line: 25, column: 14, endLine: 25, endColumn: 29, messageIncludes: ['teacher runs under torch.no_grad() (a teacher: given weights, not trained by the loop over train_loader)', 'Net(...) built at line 18'] }],
      output: DISTILL('').replace('        with torch.no_grad():\n            soft', '        teacher.eval()\n        with torch.no_grad():\n            soft'),
    },
    {
      name: 'no_grad after training, model still in training mode: fix inserts eval()',
      code: IMPORTS + CNN + TRAIN + 'with torch.no_grad():\n    preds = model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 23, column: 6, endLine: 23, endColumn: 21, messageIncludes: ['runs under torch.no_grad()', 'Net(...) built at line 17'] }],
      output: IMPORTS + CNN + TRAIN + 'model.eval()\nwith torch.no_grad():\n    preds = model(x_test)\n',
    },
    {
      name: 'a decorated evaluate() called with a training-mode model: anchored on the call',
      code: IMPORTS + CNN + '@torch.no_grad()\ndef evaluate(net, loader):\n    return [net(x) for x, _ in loader]\n\n' + TRAIN + 'scores = evaluate(model, val_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 27, column: 10, endLine: 27, endColumn: 37, messageIncludes: ['torch.no_grad()', 'in evaluate()'] }],
    },
    {
      name: 'inference_mode in a test function with a mode that depends on a flag',
      code: IMPORTS + CNN + 'def test(model, loader):\n    with torch.inference_mode():\n        for x, y in loader:\n            out = model(x)\n\nmodel = Net()\nif args.freeze:\n    model.eval()\ntest(model, test_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 18, column: 10, endLine: 18, endColumn: 32, messageIncludes: ['possibly in training mode'] }],
      output: IMPORTS + CNN + 'def test(model, loader):\n    model.eval()\n    with torch.inference_mode():\n        for x, y in loader:\n            out = model(x)\n\nmodel = Net()\nif args.freeze:\n    model.eval()\ntest(model, test_loader)\n',
    },
    {
      name: 'every module but Dropout put back in training mode (a negated filter) is training mode for BatchNorm',
      code: IMPORTS + CNN + TRAIN + 'model.eval()\nfor m in model.modules():\n    if not isinstance(m, nn.Dropout):\n        m.train()\nwith torch.no_grad():\n    preds = model(x_test)\nprint(preds)\n',
      findings: [{ messageId: 'noGradOnly', line: 27, column: 6, endLine: 27, endColumn: 21, messageIncludes: ['m.train() at line 26'] }],
      output: IMPORTS + CNN + TRAIN + 'model.eval()\nfor m in model.modules():\n    if not isinstance(m, nn.Dropout):\n        m.train()\nmodel.eval()\nwith torch.no_grad():\n    preds = model(x_test)\nprint(preds)\n',
    },
    {
      name: '`model.training = False` sets the flag of the model alone: the message says so',
      code: IMPORTS + CNN + TRAIN + 'model.training = False\nwith torch.no_grad():\n    preds = model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 24, column: 6, endLine: 24, endColumn: 21, messageIncludes: ['model.training = False (line 23) sets the flag of model alone', 'model.eval() sets them all'] }],
      output: IMPORTS + CNN + TRAIN + 'model.training = False\nmodel.eval()\nwith torch.no_grad():\n    preds = model(x_test)\n',
    },
    {
      name: 'the model wrapped in a chain (`torch.compile(model).to(device)`) is the same model, in the same mode',
      code: IMPORTS + CNN + TRAIN.replace('model = Net()\n', 'model = Net()\nmodel = torch.compile(model).to("cuda")\n') + 'with torch.no_grad():\n    preds = model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 24, column: 6, endLine: 24, endColumn: 21, messageIncludes: ['Net(...) built at line 17'] }],
      output: IMPORTS + CNN + TRAIN.replace('model = Net()\n', 'model = Net()\nmodel = torch.compile(model).to("cuda")\n') + 'model.eval()\nwith torch.no_grad():\n    preds = model(x_test)\n',
    },
    {
      name: 'convert_sync_batchnorm returns the same model, in the same mode',
      code: IMPORTS + CNN + TRAIN.replace('model = Net()\n', 'model = Net()\nmodel = nn.SyncBatchNorm.convert_sync_batchnorm(model)\n') + 'with torch.no_grad():\n    preds = model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 24, column: 6, endLine: 24, endColumn: 21, messageIncludes: ['Net(...) built at line 17'] }],
      output: IMPORTS + CNN + TRAIN.replace('model = Net()\n', 'model = Net()\nmodel = nn.SyncBatchNorm.convert_sync_batchnorm(model)\n') + 'model.eval()\nwith torch.no_grad():\n    preds = model(x_test)\n',
    },
    {
      name: 'a dropped forward under no_grad whose training mode no train() of its function chose is still reported',
      code: IMPORTS + CNN + TRAIN + 'with torch.no_grad():\n    model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 23, column: 6, endLine: 23, endColumn: 21 }],
      output: IMPORTS + CNN + TRAIN + 'model.eval()\nwith torch.no_grad():\n    model(x_test)\n',
    },
    {
      name: 'train() by mistake before a forward whose result is assigned and read later is still reported',
      code: IMPORTS + CNN + 'def predict(model, z):\n    model.train()\n    with torch.no_grad():\n        x = model(z)\n    print(x.argmax(1))\n\n\n' + TRAIN + 'predict(model, torch.randn(8, 3, 32, 32))\n',
      findings: [{ messageId: 'noGradOnly', line: 19, column: 10, endLine: 19, endColumn: 25, messageIncludes: ['model.train() at line 18'] }],
      output: IMPORTS + CNN + 'def predict(model, z):\n    model.train()\n    model.eval()\n    with torch.no_grad():\n        x = model(z)\n    print(x.argmax(1))\n\n\n' + TRAIN + 'predict(model, torch.randn(8, 3, 32, 32))\n',
    },
    {
      name: "the caller's train(), a training step, then a helper that drops its forwards' results: no recalibration, reported",
      code: IMPORTS + CNN + 'def update_stats(model, loader):\n    with torch.no_grad():\n        for x, _ in loader:\n            model(x)\n\n\n' + TRAIN + 'model.train()\nmodel(x).sum().backward()\noptimizer.step()\nupdate_stats(model, train_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 18, column: 10, endLine: 18, endColumn: 25, messageIncludes: ['model.train() at line 29'] }],
      output: IMPORTS + CNN + 'def update_stats(model, loader):\n    model.eval()\n    with torch.no_grad():\n        for x, _ in loader:\n            model(x)\n\n\n' + TRAIN + 'model.train()\nmodel(x).sum().backward()\noptimizer.step()\nupdate_stats(model, train_loader)\n',
    },
    {
      name: 'a dropped forward under no_grad after train() and a training loop in the same function is no recalibration: reported',
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nmodel.train()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\nwith torch.no_grad():\n    out = model(x_test)\n',
      findings: [{ messageId: 'noGradOnly', line: 24, column: 6, endLine: 24, endColumn: 21, messageIncludes: ['model.train() at line 19'] }],
      output: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nmodel.train()\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\nmodel.eval()\nwith torch.no_grad():\n    out = model(x_test)\n',
    },
    {
      name: "a model class holding a torchvision ResNet (PyTorch's siamese example without its eval()): its BatchNorm counts",
      code:
        'import torch\nimport torch.nn as nn\nimport torchvision\n\n\nclass Siamese(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.resnet = torchvision.models.resnet18(weights=None)\n        self.fc = nn.Linear(1000, 1)\n\n    def forward(self, a, b):\n        return self.fc(self.resnet(a) - self.resnet(b))\n\n\n' +
        'def train(model, loader, optimizer):\n    model.train()\n    for a, b, y in loader:\n        optimizer.zero_grad()\n        model(a, b).sum().backward()\n        optimizer.step()\n\n\n' +
        'def test(model, loader):\n    with torch.no_grad():\n        return [model(a, b) for a, b, _ in loader]\n\n\n' +
        'model = Siamese()\noptimizer = torch.optim.Adadelta(model.parameters())\nfor epoch in range(10):\n    train(model, train_loader, optimizer)\n    test(model, test_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 25, column: 10, endLine: 25, endColumn: 25, messageIncludes: ['in training mode (model.train() at line 17)', 'BatchNorm2d'] }],
      output:
        'import torch\nimport torch.nn as nn\nimport torchvision\n\n\nclass Siamese(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.resnet = torchvision.models.resnet18(weights=None)\n        self.fc = nn.Linear(1000, 1)\n\n    def forward(self, a, b):\n        return self.fc(self.resnet(a) - self.resnet(b))\n\n\n' +
        'def train(model, loader, optimizer):\n    model.train()\n    for a, b, y in loader:\n        optimizer.zero_grad()\n        model(a, b).sum().backward()\n        optimizer.step()\n\n\n' +
        'def test(model, loader):\n    model.eval()\n    with torch.no_grad():\n        return [model(a, b) for a, b, _ in loader]\n\n\n' +
        'model = Siamese()\noptimizer = torch.optim.Adadelta(model.parameters())\nfor epoch in range(10):\n    train(model, train_loader, optimizer)\n    test(model, test_loader)\n',
    },
    {
      name: 'train() by mistake in a validation function whose predictions are used is still reported',
      code: IMPORTS + CNN + 'def validate(model, loader):\n    model.train()\n    with torch.no_grad():\n        return [model(x).argmax(1) for x, _ in loader]\n\n\n' + TRAIN + 'preds = validate(model, val_loader)\n',
      findings: [{ messageId: 'noGradOnly', line: 19, column: 10, endLine: 19, endColumn: 25, messageIncludes: ['model.train() at line 18'] }],
      output: IMPORTS + CNN + 'def validate(model, loader):\n    model.train()\n    model.eval()\n    with torch.no_grad():\n        return [model(x).argmax(1) for x, _ in loader]\n\n\n' + TRAIN + 'preds = validate(model, val_loader)\n',
    },
  ],
});
