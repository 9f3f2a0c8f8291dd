import { IMPORTS, CNN, GN, WGAN } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { gradAccumBn } from './rule';

const ACCUM_LOOP = `optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
accum_steps = 8
for epoch in range(10):
    for i, (x, y) in enumerate(loader):
        loss = nn.functional.cross_entropy(model(x), y) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
`;

ruleTests(gradAccumBn, {
  valid: [
    { name: "a WGAN's generator updated every n_critic batches in a block that runs its own backward: no accumulation", code: WGAN },
    {
      name: "accumulation in one function's loop (pretraining, batch 64) says nothing of another function's tiny loader without it (fine-tuning, batch 4)",
      code: "import torch\nimport torchvision\nfrom torch.utils.data import DataLoader\n\n\ndef pretrain(ds):\n    model = torchvision.models.resnet50()\n    loader = DataLoader(ds, batch_size=64, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.1)\n    model.train()\n    for i, (x, y) in enumerate(loader):\n        loss = model(x).sum() / 4\n        loss.backward()\n        if (i + 1) % 4 == 0:\n            opt.step()\n            opt.zero_grad()\n\n\ndef finetune(ds):\n    model = torchvision.models.resnet18()\n    loader = DataLoader(ds, batch_size=4, shuffle=True)\n    opt = torch.optim.SGD(model.parameters(), lr=0.01)\n    model.train()\n    for x, y in loader:\n        opt.zero_grad()\n        model(x).sum().backward()\n        opt.step()\n",
    },
    {
      name: "an evaluation every n steps that steps the learning-rate scheduler (`scheduler.step(val_score)`) is no accumulation (Pytorch-UNet's train.py)",
      code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nscheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)\nloader = DataLoader(ds, batch_size=4, shuffle=True)\nglobal_step = 0\nfor x, y in loader:\n    loss = nn.functional.cross_entropy(model(x), y)\n    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n    global_step += 1\n    division_step = 100\n    if global_step % division_step == 0:\n        val_score = evaluate(model)\n        scheduler.step(val_score)\n',
    },
    { name: 'micro-batch of 32', code: IMPORTS + CNN + 'model = Net()\nloader = DataLoader(ds, batch_size=32, shuffle=True)\n' + ACCUM_LOOP },
    { name: 'GroupNorm model', code: IMPORTS + GN + 'model = GNNet()\nloader = DataLoader(ds, batch_size=2, shuffle=True)\n' + ACCUM_LOOP },
    { name: 'a modulo condition that only logs', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(ds, batch_size=4, shuffle=True)\nfor i, (x, y) in enumerate(loader):\n    loss = model(x).sum()\n    loss.backward()\n    optimizer.step()\n    if i % 100 == 0:\n        print(loss.item())\n' },
    {
      name: 'accelerator.accumulate with gradient_accumulation_steps=1 on the Accelerator',
      code: IMPORTS + 'from accelerate import Accelerator\n' + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\ntrain_loader = DataLoader(train_set, batch_size=4, shuffle=True)\naccelerator = Accelerator(gradient_accumulation_steps=1)\nmodel, optimizer, train_loader = accelerator.prepare(model, optimizer, train_loader)\nfor x, y in train_loader:\n    with accelerator.accumulate(model):\n        loss = model(x).sum()\n        accelerator.backward(loss)\n        optimizer.step()\n',
    },
  ],
  invalid: [
    {
      name: 'accelerator.accumulate with the step count left to the launch configuration',
      code: IMPORTS + 'from accelerate import Accelerator\n' + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(train_set, batch_size=4, shuffle=True)\naccelerator = Accelerator(mixed_precision="fp16")\nnet, optimizer, train_dl = accelerator.prepare(model, optimizer, loader)\nfor x, y in train_dl:\n    with accelerator.accumulate(net):\n        loss = net(x).sum()\n        accelerator.backward(loss)\n        optimizer.step()\n',
      findings: [{ messageId: 'microBatch', line: 24, column: 10, endLine: 24, endColumn: 37, severity: 'info', messageIncludes: ['set at launch', 'micro-batch of 4 (line 20)'] }],
    },
    {
      name: 'DeepSpeed config dict: micro-batch per GPU and accumulation steps',
      code: IMPORTS + 'import deepspeed\n' + CNN + 'ds_config = {"train_micro_batch_size_per_gpu": 4, "gradient_accumulation_steps": 8}\nnet = Net()\nmodel_engine, optimizer, trainloader, _ = deepspeed.initialize(model=net, model_parameters=net.parameters(), training_data=trainset, config=ds_config)\nfor x, y in trainloader:\n    loss = model_engine(x).sum()\n    model_engine.backward(loss)\n    model_engine.step()\n',
      findings: [{ messageId: 'microBatch', line: 18, column: 51, endLine: 18, endColumn: 83, messageIncludes: ['4 × 8 = 32', 'micro-batch of 4 (line 18)'] }],
    },
    {
      name: 'accumulating 8 micro-batches of 4',
      code: IMPORTS + CNN + 'model = Net()\nloader = DataLoader(ds, batch_size=4, shuffle=True)\n' + ACCUM_LOOP,
      findings: [{ messageId: 'microBatch', line: 25, column: 12, endLine: 25, endColumn: 38, messageIncludes: ['4 × 8 = 32', 'micro-batch of 4 (line 18)', 'over 8 micro-batches (module constant accum_steps, line 20)', 'Consider GroupNorm (or LayerNorm), SyncBatchNorm across devices'] }],
    },
    {
      name: "Keras: an optimizer's gradient_accumulation_steps with fit's batch_size (the advice in Keras' terms)",
      code: 'import keras\nfrom keras import layers\nmodel = keras.Sequential([layers.Dense(64), layers.BatchNormalization(), layers.Dense(10)])\nmodel.compile(optimizer=keras.optimizers.Adam(gradient_accumulation_steps=8), loss="mse")\nmodel.fit(x, y, batch_size=4)\n',
      findings: [{ messageId: 'microBatch', line: 4, column: 47, endLine: 4, endColumn: 76, messageIncludes: ['4 × 8 = 32', 'Consider GroupNormalization (or LayerNormalization), BatchNormalization(synchronized=True)'] }],
    },
    {
      name: 'Hugging Face TrainingArguments-style accumulation with argparse micro-batch',
      code: IMPORTS + "parser = argparse.ArgumentParser()\nparser.add_argument('--batch-size', type=int, default=2)\nargs = parser.parse_args()\n" + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\ntrain_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)\naccelerator = Accelerator(gradient_accumulation_steps=16)\nfor x, y in train_loader:\n    with accelerator.accumulate(model):\n        loss = model(x).sum()\n        accelerator.backward(loss)\n        optimizer.step()\n',
      findings: [{ messageId: 'microBatch', line: 23, column: 27, endLine: 23, endColumn: 57, severity: 'info', messageIncludes: ['2 × 16 = 32'] }],
    },
  ],
});
