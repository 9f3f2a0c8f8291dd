import { IMPORTS, CNN, LN_ONLY } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { exportInTrainMode } from './rule';

const TRAINED = 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nfor x, y in train_loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n';

ruleTests(exportInTrainMode, {
  valid: [
    { name: 'trace after eval()', code: IMPORTS + CNN + TRAINED + 'model.eval()\ntraced = torch.jit.trace(model, example)\n' },
    { name: 'ONNX export with the default training=EVAL switches the model itself', code: IMPORTS + CNN + TRAINED + 'torch.onnx.export(model, example, "model.onnx")\n' },
    { name: 'jit.script for a faster training run (not saved)', code: IMPORTS + CNN + 'model = torch.jit.script(Net())\n' },
    { name: 'fuse_modules_qat is meant for training mode', code: IMPORTS + CNN + TRAINED + 'fused = torch.ao.quantization.fuse_modules_qat(model, [["conv", "bn"]])\n' },
    { name: 'checkpoint of a state_dict', code: IMPORTS + CNN + TRAINED + 'torch.save(model.state_dict(), "deploy/model.pt")\n' },
    { name: 'no mode-dependent layers', code: IMPORTS + LN_ONLY + TRAINED.replace('Net()', 'Mixer()') + 'traced = torch.jit.trace(model, example)\n' },
  ],
  invalid: [
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
