import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { exportInTrainMode } from './rule';

const TRAINED = 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';

/** A function that traces a module-level model's feature extractor (the model is assigned after it). */
const EXPORT_FN = '\n\ndef export(path):\n    features = nn.Sequential(*list(model.children())[:-1])\n    torch.jit.trace(features, example).save(path)\n\n\n';

/** An MLP of a list that a call adds to, put in training mode and traced. */
const SEQ_OF_LIST = 'layers = [nn.Linear(3, 4), nn.ReLU()]\nlayers.append(make_block())\nmlp = nn.Sequential(*layers)\nmlp.train()\ntorch.jit.trace(mlp, example).save("mlp.pt")\n';

/** A pretrained ResNet's children less its head, in a Sequential (`between`: what is done to the ResNet before). */
const RESNET_FEATURES = (between: string) =>
  `import torchvision\nmodel = torchvision.models.resnet18(weights="IMAGENET1K_V1")\n${between}features = nn.Sequential(*list(model.children())[:-1])\n`;

ruleTests(exportInTrainMode, {
  valid: [
    { name: 'trace after eval()', code: IMPORTS + CNN + TRAINED + 'model.eval()\ntraced = torch.jit.trace(model, example)\n' },
    { name: 'ONNX export with the default training=EVAL switches the model itself', code: IMPORTS + CNN + TRAINED + 'torch.onnx.export(model, example, "model.onnx")\n' },
    { name: 'jit.script for a faster training run (not saved)', code: IMPORTS + CNN + 'model = torch.jit.script(Net())\n' },
    { name: 'fuse_modules_qat is meant for training mode', code: IMPORTS + CNN + TRAINED + 'fused = torch.ao.quantization.fuse_modules_qat(model, [["conv", "bn"]])\n' },
    { name: 'checkpoint of a state_dict', code: IMPORTS + CNN + TRAINED + 'torch.save(model.state_dict(), "deploy/model.pt")\n' },
    {
      name: "a Sequential made of an eval()'d model's children (`*list(model.children())[:-1]`): those children are in eval mode, whatever mode the new container starts in",
      code: IMPORTS + RESNET_FEATURES('model.eval()\n') + 'torch.jit.trace(features, example).save("features.pt")\n',
    },
    { name: 'no mode-dependent layers', code: IMPORTS + LN_ONLY + TRAINED.replace('Net()', 'Mixer()') + 'traced = torch.jit.trace(model, example)\n' },
  ],
  invalid: [
    {
      name: "PyTorch 2's torch.export.export of a pretrained model never switched to eval mode",
      code: 'import torch\nfrom torchvision.models import resnet18\n\nmodel = resnet18(weights="DEFAULT")\nexported = torch.export.export(model, (torch.randn(2, 3, 224, 224),))\ntorch.export.save(exported, "resnet18.pt2")\n',
      findings: [{ messageId: 'exportTrain', line: 5, column: 12, endLine: 5, endColumn: 70, messageIncludes: ['torch.export.export runs while model is in training mode (resnet18(...) built at line 4'] }],
      output: 'import torch\nfrom torchvision.models import resnet18\n\nmodel = resnet18(weights="DEFAULT")\nmodel.eval()\nexported = torch.export.export(model, (torch.randn(2, 3, 224, 224),))\ntorch.export.save(exported, "resnet18.pt2")\n',
    },
    {
      name: 'an EMA deep copy of the trained model exported: a model of its own, in the training mode the model had when copied (the eval() of the model is not its)',
      code: 'import copy\n' + IMPORTS + CNN + TRAINED.replace('optimizer = ', 'ema = copy.deepcopy(model)\noptimizer = ') + 'model.eval()\ntorch.jit.trace(ema, example).save("ema.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 26, column: 1, endLine: 26, endColumn: 30, messageIncludes: ['torch.jit.trace runs while ema is in training mode (copy.deepcopy(model) at line 19 (a copy of model in training mode))'] }],
      output: 'import copy\n' + IMPORTS + CNN + TRAINED.replace('optimizer = ', 'ema = copy.deepcopy(model)\noptimizer = ') + 'model.eval()\nema.eval()\ntorch.jit.trace(ema, example).save("ema.pt")\n',
    },
    {
      name: "an export function defined above the script's model reads that model when called (its only module-level assignment, after the function's text)",
      code: IMPORTS + EXPORT_FN + 'import torchvision\nmodel = torchvision.models.resnet18(weights="IMAGENET1K_V1")\nexport("features.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 14, column: 1, endLine: 14, endColumn: 22, messageIncludes: ['torch.jit.trace runs while features is in training mode (torchvision.models.resnet18(...) built at line 13', 'BatchNorm2d'] }],
    },
    {
      name: 'a Sequential of a list of layers (`*layers`) without mode-dependent ones is not known to have none (one may be appended): traced after train(), it is reported on partial evidence (a warning, not an error)',
      code: IMPORTS + SEQ_OF_LIST,
      findings: [{ messageId: 'exportTrain', line: 9, column: 1, endLine: 9, endColumn: 30, severity: 'warning', messageIncludes: ['its BatchNorm/Dropout layers (if any)'] }],
      output: IMPORTS + SEQ_OF_LIST.replace('torch.jit.trace', 'mlp.eval()\ntorch.jit.trace'),
    },
    {
      name: 'a Sequential of a list literal of layers (`*layers`): its BatchNorm1d is known',
      code: IMPORTS + 'layers = [nn.Linear(3, 4), nn.BatchNorm1d(4)]\nmlp = nn.Sequential(*layers)\ntorch.jit.trace(mlp, example).save("mlp.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 7, column: 1, endLine: 7, endColumn: 30, messageIncludes: ['torch.jit.trace runs while mlp is in training mode (nn.Sequential(...) built at line 6 (modules start in training mode))', 'BatchNorm1d'] }],
      output: IMPORTS + 'layers = [nn.Linear(3, 4), nn.BatchNorm1d(4)]\nmlp = nn.Sequential(*layers)\nmlp.eval()\ntorch.jit.trace(mlp, example).save("mlp.pt")\n',
    },
    {
      name: "a Sequential of a pretrained model's children less its head (PyTorch's C++ transfer-learning example): traced in the training mode the model was built in",
      code: IMPORTS + RESNET_FEATURES('') + 'torch.jit.trace(features, example).save("features.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 8, column: 1, endLine: 8, endColumn: 35, messageIncludes: ['torch.jit.trace runs while features is in training mode (torchvision.models.resnet18(...) built at line 6 (modules start in training mode))', 'BatchNorm2d'] }],
      output: IMPORTS + RESNET_FEATURES('') + 'features.eval()\ntorch.jit.trace(features, example).save("features.pt")\n',
    },
    {
      name: 'jit.trace right after training: fix inserts eval()',
      code: IMPORTS + CNN + TRAINED + 'traced = torch.jit.trace(model, example)\ntraced.save("model.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 23, column: 10, endLine: 23, endColumn: 41, messageIncludes: ['torch.jit.trace runs while model is in training mode'] }],
      output: IMPORTS + CNN + TRAINED + 'model.eval()\ntraced = torch.jit.trace(model, example)\ntraced.save("model.pt")\n',
    },
    {
      name: 'conv-BN fusion in training mode',
      code: IMPORTS + CNN + TRAINED + 'fused = torch.ao.quantization.fuse_modules(model, [["conv", "bn"]])\n',
      findings: [{ messageId: 'exportTrain', line: 23, column: 9, endLine: 23, endColumn: 68 }],
      output: IMPORTS + CNN + TRAINED + 'model.eval()\nfused = torch.ao.quantization.fuse_modules(model, [["conv", "bn"]])\n',
    },
    {
      name: 'ONNX export that preserves the training mode, in an export helper',
      code: IMPORTS + CNN + 'def export(net, path):\n    torch.onnx.export(net, torch.randn(1, 3, 32, 32), path, training=torch.onnx.TrainingMode.PRESERVE)\n\n' + TRAINED + 'export(model, "model.onnx")\n',
      findings: [{ messageId: 'exportTrain', line: 26, column: 1, endLine: 26, endColumn: 28, messageIncludes: ['while model is in training mode'] }],
    },
    {
      name: 'whole model saved for deployment',
      code: IMPORTS + CNN + TRAINED + 'torch.save(model, "deploy/model.pt")\n',
      findings: [{ messageId: 'exportTrain', line: 23, column: 1, endLine: 23, endColumn: 37 }],
      output: IMPORTS + CNN + TRAINED + 'model.eval()\ntorch.save(model, "deploy/model.pt")\n',
    },
  ],
});
