import { IMPORTS, CNN, loop } from '../../../test/unit/helpers/trainingCode';
import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { missingSyncBn } from './rule';

const DDP_IMPORT = 'from torch.nn.parallel import DistributedDataParallel as DDP\nimport torch.distributed as dist\n';
const SETUP = (body: string) =>
  IMPORTS + DDP_IMPORT + CNN + `\ndef main(rank):\n    dist.init_process_group("nccl")\n    model = Net().cuda(rank)\n${body}    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n` + loop('model', 'loader', '    ');

/** torchvision's references: `--sync-bn` a store_true flag (off by default). */
const FLAG = '    parser = argparse.ArgumentParser()\n    parser.add_argument("--sync-bn", dest="sync_bn", action="store_true")\n    args = parser.parse_args()\n';

ruleTests(missingSyncBn, {
  valid: [
    { name: 'converted before DDP', code: SETUP('    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)\n    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds))\n') },
    { name: 'converted under a flag (torchvision --sync-bn)', code: SETUP('    if args.sync_bn:\n        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)\n    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds))\n') },
    { name: 'a per-process batch of 32', code: SETUP('    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=32, sampler=DistributedSampler(ds))\n') },
    { name: 'single process', code: IMPORTS + CNN + 'model = Net()\noptimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloader = DataLoader(ds, batch_size=4, shuffle=True)\n' + loop() },
  ],
  invalid: [
    {
      name: 'converted only under --sync-bn, a store_true flag: the default run is reported as a note citing the flag, without a fix',
      code: SETUP(FLAG + '    if args.sync_bn:\n        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)\n    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds))\n'),
      findings: [{ messageId: 'noSync', severity: 'info', line: 28, column: 13, endLine: 28, endColumn: 42, messageIncludes: ['per-process batch of 4', 'runs only when args.sync_bn is set, off by default'] }],
    },
    {
      name: 'DDP with plain BatchNorm and 4 images per process: fix converts before the wrap',
      code: SETUP('    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds))\n'),
      findings: [{ messageId: 'noSync', line: 23, column: 13, endLine: 23, endColumn: 42, messageIncludes: ['per-process batch of 4 (line 24)', 'BatchNorm2d (line 12)'] }],
      output: SETUP('    model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)\n    model = DDP(model, device_ids=[rank])\n    loader = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds))\n'),
    },
  ],
});
