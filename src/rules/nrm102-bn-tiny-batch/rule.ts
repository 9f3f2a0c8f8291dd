import { knownValueText } from '../../ir/training';
import { describeValue, evidenceNote, layerLocations, layerWhere, loaderBatchNorms, lowerSeverity, optInNote, smallBatchAdvice, syncBatchNormOptIn } from '../shared/training';
import type { KnownValue } from '../../ir/training';
import type { Rule, Severity } from '../types';

/** A documented default of the API (`DataLoader`'s batch_size=1, `TrainingArguments`' per_device_train_batch_size=8): reported on the call. */
function isDefault(v: KnownValue): boolean {
  return /'s? default /.test(v.provenance);
}

export const bnTinyBatch: Rule = {
  meta: {
    code: 'NRM102',
    name: 'bn-tiny-batch',
    defaultSeverity: 'warning',
    summary: 'BatchNorm trained with a per-device batch below a threshold (warning below 8, information below 16): noisy statistics.',
    messages: {
      tiny:
        '{{model}} trains BatchNorm ({{layer}}) with a per-device batch of {{batch}}: statistics of so few samples are noisy and differ from the running estimates used at inference, which hurts accuracy. {{advice}}{{note}}',
      tinySynced:
        '{{model}} trains synchronized BatchNorm ({{layer}}) with a batch of {{batch}}; under {{strategy}} that is the global batch, and synchronized BatchNorm computes its statistics over all of it: still only {{count}} samples, noisy and unlike the running estimates used at inference, which hurts accuracy. {{advice}}{{note}}',
      tinyGlobal:
        '{{model}} trains BatchNorm ({{layer}}) with a batch of {{batch}}; where it trains under {{strategy}}, that is the global batch, split between the replicas, so each replica\'s BatchNorm normalizes only its share (unless it is `synchronized=True`). Statistics of so few samples are noisy and differ from the running estimates used at inference, which hurts accuracy. {{advice}}{{note}}',
    },
    fix: 'none',
    options: {
      'warn-below': { type: 'number', default: 8, description: 'Per-device batch sizes below this are reported as warnings.' },
      'info-below': { type: 'number', default: 16, description: 'Per-device batch sizes below this (and at least `warn-below`) are reported as information.' },
    },
    docs: {
      whatItDoes:
        'Resolves the batch size of each training data loader (literals, constants, argparse and function defaults, with provenance), the batch size of Keras `fit` (its `batch_size`, or the batches of the tf.data pipeline it trains on: the pipeline\'s `.batch(n)` / `.padded_batch(n)` through `.map()`, `.prefetch()` and the like, or a Keras dataset utility such as `image_dataset_from_directory(batch_size=...)`, default 32, or an `ImageDataGenerator`\'s `flow_from_directory(batch_size=...)` given to `fit` / `fit_generator`), Hugging Face `per_device_train_batch_size` (default 8) of the `TrainingArguments` a `Trainer` trains the model with, DeepSpeed\'s `train_micro_batch_size_per_gpu` (a literal config dict), PyTorch Lightning\'s training loader (returned by `train_dataloader()` of a LightningModule or LightningDataModule, or given to `trainer.fit`), and an OpenMMLab config\'s per-GPU batch (`train_dataloader = dict(batch_size=...)`, mmcv 1.x `data = dict(samples_per_gpu=...)`) for the config\'s `model` dict (merged with the config\'s `_base_` files in the workspace), and reports those below `warn-below` (warning) or `info-below` (information) when the trained model has BatchNorm layers that compute batch statistics. ' +
        'A PyTorch data loader\'s batch size is already per process under DDP; one that Accelerate\'s `split_batches=True` divides between the processes is reported as at most its size, and so is a Keras `fit` batch under a `tf.distribute` strategy (MirroredStrategy, MultiWorkerMirroredStrategy, TPUStrategy), which is the global batch (a Keras `BatchNormalization(synchronized=True)` computes its statistics over all of it, and is reported on that batch). Models whose BatchNorm is frozen (eval mode during training, FrozenBatchNorm2d, a `train()` override, a torchvision or timm model built with `norm_layer=FrozenBatchNorm2d`, a Keras model set `trainable = False` before its `fit` and not unfrozen since, whose BatchNormalization then runs in inference mode, or such a model called inside a functional `keras.Model` or listed in a `keras.Sequential`, or one called there with `training=False`) or converted to SyncBatchNorm (including Lightning\'s `Trainer(sync_batchnorm=True)`) are not reported; a conversion that runs only under a flag that is off by default (`if args.sync_bn:` with a `store_true` flag) leaves the default run reported, with a note. In an OpenMMLab config, the BatchNorm configs of the model dict count (`norm_cfg=dict(type=\'BN\')`, `SyncBN` does not, nor `sync_bn = \'torch\'`): a head\'s trains, a backbone\'s trains when it sets `norm_eval=False` (with `norm_eval=True` its statistics are frozen; when it does not say, its class\'s default decides: known for the common backbones of the config\'s `default_scope`, or in the pure-Python format of the package the backbone class is imported from (`from mmpretrain.models import ResNet`), where mmpretrain\'s and mmsegmentation\'s train and mmdetection\'s ResNet freezes, and otherwise not reported). A known backbone without a `norm_cfg` has its class\'s default BatchNorm (`backbone=dict(type=\'ResNet\', depth=50)` under `default_scope = \'mmpretrain\'`). A config\'s values may come from its bases, in either format: `_base_ = [...]` (merged as MMEngine merges) or the pure-Python `with read_base(): from .._base_.x import *` (then its statements act as Python runs them: `model = dict(...)` replaces, `.merge()` / `.update()` merge, `train_dataloader.batch_size = 2` sets). A loader whose `collate_fn` merges graphs into one batch (`dgl.batch`, PyG\'s `Batch.from_data_list`) is left alone: its batch size counts graphs, and BatchNorm normalizes over all their nodes. A loader made in a unit test (a `test_*` function of a pytest or unittest file, a `TestCase` test method) is not checked: its batches are sized for the test.',
      whyIsThisBad:
        'BatchNorm\'s error grows rapidly as the batch shrinks: Wu & He report ResNet-50 ImageNet error rising from 23.6% at 32 images per GPU to 34.7% at 2, while GroupNorm stays flat. Small batches give noisy mean/variance estimates during training that disagree with the running averages used at inference.',
      example: 'parser.add_argument("--batch-size", type=int, default=4)\n...\nloader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)  # ResNet with BatchNorm2d',
      useInstead: 'model = torchvision.models.resnet50(norm_layer=lambda c: nn.GroupNorm(32, c))\nloader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)',
      fixSafety: 'No automatic fix: changing the batch size or the normalization layer changes training.',
      references: [
        { title: 'Wu & He, "Group Normalization", ECCV 2018', url: 'https://arxiv.org/abs/1803.08494' },
        { title: 'Ioffe, "Batch Renormalization", NeurIPS 2017', url: 'https://arxiv.org/abs/1702.03275' },
        { title: 'PyTorch documentation: torch.nn.SyncBatchNorm', url: 'https://pytorch.org/docs/stable/generated/torch.nn.SyncBatchNorm.html' },
      ],
    },
  },
  check(context) {
    const warnBelow = Number(context.options['warn-below']);
    const infoBelow = Number(context.options['info-below']);
    const { training } = context.ir;
    // A conversion under a flag that is off by default (`if args.sync_bn:` with `--sync-bn` a
    // store_true flag) leaves the default run's BatchNorm per device: reported, with a note.
    const conversions = training.distributed.syncBatchNormConversions;
    const optIn = syncBatchNormOptIn(training);
    const synced = (conversions.length > 0 && !optIn) || training.distributed.frameworkStrategies.some((s) => s.syncBatchNorm === true);
    if (synced) return;
    for (const loader of training.loaders) {
      if (loader.role !== 'train') continue;
      const bs = loader.batchSize;
      if (!bs || typeof bs.value !== 'number' || !Number.isInteger(bs.value) || bs.value < 1) continue;
      if (bs.value >= infoBelow && bs.value >= warnBelow) continue;
      // (At batch size 1, BatchNorm1d after a Linear is NRM101's error.)
      const m = loaderBatchNorms(context.ir, loader, bs.value === 1 ? (l) => !l.singleValuePerChannel : undefined);
      if (!m) continue;
      const spatial = m.batchNorms;
      let severity: Severity = bs.value < warnBelow ? 'warning' : 'info';
      if (bs.inferred) severity = lowerSeverity(severity);
      // Keras `fit` under a tf.distribute strategy (one made before it: which models a strategy's
      // scope holds is not in the IR): `batch_size` is the global batch.
      const strategy = loader.framework === 'keras' || loader.framework === 'tf.data' ? training.distributed.replicaStrategies.find((s) => s.span.startOffset < loader.span.startOffset) : undefined;
      // Keras `BatchNormalization(synchronized=True)` under the strategy sees the whole global batch.
      const unsynced = strategy ? spatial.filter((l) => !l.synchronized) : spatial;
      const synced = strategy !== undefined && unsynced.length === 0;
      context.report({
        messageId: synced ? 'tinySynced' : strategy ? 'tinyGlobal' : 'tiny',
        data: {
          model: m.name,
          layer: layerWhere(synced ? spatial[0] : unsynced[0], context.where),
          ...(synced ? { count: bs.value } : {}),
          batch: describeValue(bs, context.where),
          advice: smallBatchAdvice(loader.framework, synced),
          note: evidenceNote(m.facts) + (optIn ? optInNote(optIn, context.where) : ''),
          ...(strategy ? { strategy: `${strategy.name} (${context.where(strategy.span)})` } : {}),
        },
        span: isDefault(bs) ? loader.span : bs.span,
        related: [
          ...(bs.definitionSpan ? [{ span: bs.definitionSpan, message: `batch size defined here (${knownValueText(bs, context.where)})` }] : []),
          { span: loader.span, message: loader.framework === 'keras' || loader.framework === 'tf.data' ? 'the fit that trains on these batches' : 'the training data loader' },
          ...(loader.batchedAt && !(loader.batchedAt.startOffset <= bs.span.startOffset && bs.span.endOffset <= loader.batchedAt.endOffset) ? [{ span: loader.batchedAt, message: 'the tf.data pipeline batches here' }] : []),
          ...layerLocations(spatial, (l) => `${l.kind} computes batch statistics`, 1),
          ...(optIn ? [{ span: optIn.span, message: `converted to SyncBatchNorm only when ${optIn.condition.text} is set` }] : []),
        ],
        ...(severity !== 'warning' ? { severity } : {}),
      });
    }
  },
};
