import { describeValue, evidenceNote, insertBefore, layerLocations, layerWhere, loaderBatchNorms, lowered, optInNote, syncBatchNormOptIn, sizeText } from '../shared/training';
import type { Rule } from '../types';

export const missingSyncBn: Rule = {
  meta: {
    code: 'NRM105',
    name: 'missing-sync-bn',
    defaultSeverity: 'warning',
    summary: 'Multi-process data-parallel training with plain BatchNorm and a small per-device batch, without `convert_sync_batchnorm`.',
    messages: {
      noSync:
        '{{model}} is trained with DistributedDataParallel and plain BatchNorm ({{layer}}) on a per-process batch of {{batch}}: each process normalizes with its own {{micro}} samples, not the global batch. Convert it with torch.nn.SyncBatchNorm.convert_sync_batchnorm({{model}}) before wrapping it in DDP.{{note}}',
    },
    fix: 'unsafe',
    options: {
      'below': { type: 'number', default: 16, description: 'Per-process batch sizes below this are reported.' },
    },
    docs: {
      whatItDoes:
        'Finds multi-process data-parallel training — `DistributedDataParallel(...)`, `init_process_group`, `DistributedSampler`, Lightning `Trainer(strategy="ddp")` — of a model with plain BatchNorm whose per-process training batch is below `below`, when the file never calls `SyncBatchNorm.convert_sync_batchnorm` (a conversion under a condition that does not resolve counts as one) or sets Lightning\'s `sync_batchnorm=True`. When every conversion runs only under a flag that is off by default (torchvision\'s `if args.sync_bn:` with `--sync-bn` a `store_true` flag), the default run is reported as an info note citing the flag, without a fix. A loader made in a unit test (a `test_*` function of a pytest or unittest file, a `TestCase` test method) is not checked: its batches are sized for the test.',
      whyIsThisBad:
        'Under DDP each process runs its own forward pass: plain BatchNorm computes statistics over the local batch only. Scaling to 8 GPUs with 4 images each gives a global batch of 32 for the optimizer but BatchNorm statistics from 4 images, with the accuracy loss of tiny-batch BatchNorm. `SyncBatchNorm` computes the statistics over all processes.',
      example: 'model = ResNet50().cuda(rank)\nmodel = DDP(model, device_ids=[rank])\nloader = DataLoader(train_set, batch_size=4, sampler=DistributedSampler(train_set))',
      useInstead: 'model = ResNet50().cuda(rank)\nmodel = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)\nmodel = DDP(model, device_ids=[rank])',
      fixSafety: 'The fix inserts `model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)` before the DDP wrap. It is unsafe: it changes the numerics and adds a synchronisation per BatchNorm layer (and `torch` must be imported).',
      references: [
        { title: 'PyTorch documentation: torch.nn.SyncBatchNorm.convert_sync_batchnorm', url: 'https://pytorch.org/docs/stable/generated/torch.nn.SyncBatchNorm.html#torch.nn.SyncBatchNorm.convert_sync_batchnorm' },
        { title: 'Goyal et al., "Accurate, Large Minibatch SGD", 2017 (BN statistics are per-worker)', url: 'https://arxiv.org/abs/1706.02677' },
      ],
    },
  },
  check(context) {
    const { training } = context.ir;
    const d = training.distributed;
    // A conversion only under a flag that is off by default (`if args.sync_bn:`, a store_true
    // flag) leaves the default run unsynchronized: reported as a note (the user has a switch).
    const optIn = syncBatchNormOptIn(training);
    if ((d.syncBatchNormConversions.length > 0 && !optIn) || d.frameworkStrategies.some((s) => s.syncBatchNorm !== false)) return;
    const anchorWrap = d.ddpWraps[0];
    const anchor = anchorWrap?.span ?? d.frameworkStrategies[0]?.span ?? d.initProcessGroup[0];
    if (!anchor) return;
    const below = Number(context.options['below']);
    for (const loader of training.loaders) {
      if (loader.role !== 'train' || loader.framework !== 'torch') continue;
      const bs = loader.batchSize;
      if (!bs || typeof bs.value !== 'number' || bs.value >= below || bs.value < 1) continue;
      const m = loaderBatchNorms(context.ir, loader);
      if (!m) continue;
      const bns = m.batchNorms;
      const model = anchorWrap?.model || m.name;
      const canFix = anchorWrap !== undefined && /^[A-Za-z_][\w.]*$/.test(model);
      context.report({
        messageId: 'noSync',
        data: { model, layer: layerWhere(bns[0], context.where), batch: describeValue(bs, context.where), micro: sizeText(bs), note: evidenceNote(m.facts) + (optIn ? optInNote(optIn, context.where) : '') },
        span: anchor,
        related: [
          { span: bs.provenance.startsWith('DataLoader') ? loader.span : bs.span, message: `per-process batch size ${sizeText(bs)}` },
          ...layerLocations(bns, (l) => `plain ${l.kind}`, 1),
          ...(optIn ? [{ span: optIn.span, message: `converted to SyncBatchNorm only when ${optIn.condition.text} is set` }] : []),
        ],
        ...(optIn ? { severity: 'info' as const } : lowered('warning', bs.inferred) ? { severity: lowered('warning', bs.inferred) } : {}),
        ...(!optIn && canFix && anchorWrap
          ? { fix: { title: 'Convert BatchNorm to SyncBatchNorm before DDP', safe: false, edits: [insertBefore(anchorWrap.statementSpan, anchorWrap.indent, `${model} = torch.nn.SyncBatchNorm.convert_sync_batchnorm(${model})`)] } }
          : {}),
      });
      return;
    }
  },
};
