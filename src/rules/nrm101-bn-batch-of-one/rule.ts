import { knownValueText } from '../../ir/training';
import { describeValue, evidenceNote, layerLocations, layerWhere, loaderBatchNorms, lowered } from '../shared/training';
import type { Rule } from '../types';

export const bnBatchOfOne: Rule = {
  meta: {
    code: 'NRM101',
    name: 'bn-batch-of-one',
    defaultSeverity: 'error',
    summary: 'BatchNorm trained where a channel sees one value per batch (batch size 1 into BatchNorm1d after Linear, or BN after global pooling): PyTorch raises.',
    messages: {
      batchOfOne:
        'Batch size {{batch}} feeds {{model}}, whose {{layer}} normalizes features with no spatial extent: with one sample per batch each channel sees a single value and PyTorch raises "Expected more than 1 value per channel when training". Use a batch size of at least 2, or LayerNorm/GroupNorm for that layer.{{note}}',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Finds training data loaders (and Keras `fit` calls) whose per-device batch size resolves to 1 — including `DataLoader(dataset)` with the default `batch_size=1` — feeding a model with a BatchNorm layer whose channels see one value per sample: `BatchNorm1d` after `Linear`/`Flatten`, or BatchNorm after global average pooling. ' +
        'Batch size 1 into a convolutional BatchNorm with spatial extent trains (badly) and is reported by `bn-tiny-batch` instead, as is a Keras BatchNormalization or Flax BatchNorm: they give one value per channel zero variance instead of failing. A loader made in a unit test (a `test_*` function of a pytest or unittest file, a `TestCase` test method) is not checked: its batches are sized for the test.',
      whyIsThisBad:
        'BatchNorm in training mode computes a mean and variance per channel over the batch (and spatial) dimensions. With N×H×W = 1 the variance is zero and undefined for the unbiased estimate; `torch.nn.functional.batch_norm` refuses it with `ValueError: Expected more than 1 value per channel when training`, so the run crashes at the first step.',
      example: 'model = nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))\nloader = DataLoader(dataset, shuffle=True)  # batch_size defaults to 1',
      useInstead: 'model = nn.Sequential(nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))\nloader = DataLoader(dataset, batch_size=32, shuffle=True, drop_last=True)',
      fixSafety: 'No automatic fix: the right batch size depends on memory and data.',
      references: [
        { title: 'PyTorch source: torch.nn.functional._verify_batch_size ("Expected more than 1 value per channel when training")', url: 'https://github.com/pytorch/pytorch/blob/main/torch/nn/functional.py' },
        { title: 'PyTorch documentation: torch.nn.BatchNorm1d', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html' },
      ],
    },
  },
  check(context) {
    for (const loader of context.ir.training.loaders) {
      if (loader.role !== 'train' || loader.batchSize?.value !== 1) continue;
      const m = loaderBatchNorms(context.ir, loader, (l) => l.singleValuePerChannel === true);
      if (!m) continue;
      const single = m.batchNorms;
      const bs = loader.batchSize;
      context.report({
        messageId: 'batchOfOne',
        data: { batch: describeValue(bs, context.where), model: m.name, layer: layerWhere(single[0], context.where), note: evidenceNote(m.facts) },
        span: bs.provenance.startsWith('DataLoader') ? loader.span : bs.span,
        related: [
          ...(bs.definitionSpan ? [{ span: bs.definitionSpan, message: `batch size defined here (${knownValueText(bs, context.where)})` }] : []),
          ...layerLocations(single, (l) => `${l.kind} sees one value per channel at batch size 1`),
        ],
        ...(lowered('error', bs.inferred) ? { severity: lowered('error', bs.inferred) } : {}),
      });
    }
  },
};
