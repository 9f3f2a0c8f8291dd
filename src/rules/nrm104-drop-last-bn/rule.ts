import { addKeyword, describeValue, evidenceNote, layerLocations, layerWhere, loaderBatchNorms } from '../shared/training';
import type { Rule } from '../types';

export const dropLastBn: Rule = {
  meta: {
    code: 'NRM104',
    name: 'drop-last-bn',
    defaultSeverity: 'error',
    summary: 'A training loader feeding a BatchNorm model without `drop_last=True`, where the last batch can be of size 1 (error when the dataset length is known to leave 1, information otherwise).',
    messages: {
      lastBatchOfOne:
        '{{count}} samples in batches of {{batch}} leave a last batch of 1, and {{model}}\'s {{layer}} sees one value per channel on it: PyTorch raises "Expected more than 1 value per channel when training" at the end of the first epoch. Pass {{option}}=True.{{note}}',
      mayLeaveOne:
        'This training loader keeps a smaller last batch ({{option}} is not True), and {{model}}\'s {{layer}} sees one value per channel when a batch holds one sample: if the dataset size leaves a remainder of 1 (len(dataset) % {{batch}} == 1), training crashes with "Expected more than 1 value per channel when training". Pass {{option}}=True.{{note}}',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Finds training `DataLoader`s without `drop_last=True` (and Hugging Face `TrainingArguments` without `dataloader_drop_last=True` for the model a `Trainer` trains) feeding a model whose BatchNorm layer sees one value per channel for a one-sample batch (BatchNorm1d after Linear/Flatten, BN after global pooling). When the dataset length is known (a `TensorDataset` of tensors of literal size) and leaves a remainder of exactly 1, the finding is an error; otherwise it is information. A loader whose batches Accelerate\'s `split_batches=True` divides between the processes is not reported: which size the last per-process batch has depends on the number of processes. A loader whose `collate_fn` merges graphs into one batch (`dgl.batch`, PyG\'s `Batch.from_data_list`) is left alone: its batch size counts graphs, and BatchNorm normalizes over all their nodes. A loader made in a unit test (a `test_*` function of a pytest or unittest file, a `TestCase` test method) is not checked: its batches are sized for the test.',
      whyIsThisBad:
        'With `drop_last=False` (the default) the last batch of each epoch holds `len(dataset) % batch_size` samples. When that is 1, BatchNorm over features has one value per channel and PyTorch raises — typically hours into a run, at the end of the first epoch, or only on the machine whose dataset split happens to leave one sample.',
      example: 'model = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))\nloader = DataLoader(TensorDataset(torch.randn(1025, 20), labels), batch_size=32, shuffle=True)',
      useInstead: 'loader = DataLoader(TensorDataset(torch.randn(1025, 20), labels), batch_size=32, shuffle=True, drop_last=True)',
      fixSafety: 'The fix adds (or sets) `drop_last=True`. It is unsafe: up to `batch_size - 1` samples per epoch are no longer seen.',
      references: [
        { title: 'PyTorch documentation: torch.utils.data.DataLoader (drop_last)', url: 'https://pytorch.org/docs/stable/data.html#torch.utils.data.DataLoader' },
        { title: 'PyTorch documentation: torch.nn.BatchNorm1d', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm1d.html' },
      ],
    },
  },
  check(context) {
    for (const loader of context.ir.training.loaders) {
      if (loader.role !== 'train' || (loader.framework !== 'torch' && loader.framework !== 'huggingface')) continue;
      // The Hugging Face Trainer's loaders take `dataloader_drop_last` from the TrainingArguments.
      const option = loader.framework === 'huggingface' ? 'dataloader_drop_last' : 'drop_last';
      if (loader.dropLast?.value === true || (loader.dropLast && loader.dropLast.value === undefined)) continue;
      const bs = loader.batchSize;
      // (A batch split between processes, `upperBound`: which size the last one has is not known.)
      if (!bs || typeof bs.value !== 'number' || bs.value < 2 || bs.upperBound !== undefined) continue;
      const m = loaderBatchNorms(context.ir, loader, (l) => l.singleValuePerChannel === true);
      if (!m) continue;
      const single = m.batchNorms;
      const length = loader.dataset?.length;
      if (length !== undefined && length % bs.value !== 1) continue;
      const explicitFalse = loader.dropLast !== undefined && !/'s? default /.test(loader.dropLast.provenance);
      const edit = explicitFalse && loader.dropLast
        ? { span: loader.dropLast.span, newText: 'True' }
        : addKeyword(context.text, loader.argumentsSpan, `${option}=True`);
      const known = length !== undefined;
      context.report({
        messageId: known ? 'lastBatchOfOne' : 'mayLeaveOne',
        data: { count: length ?? 0, batch: known ? describeValue(bs, context.where) : bs.value, model: m.name, layer: layerWhere(single[0], context.where), note: evidenceNote(m.facts), option },
        span: loader.span,
        related: [
          ...(known && loader.dataset?.lengthSpan ? [{ span: loader.dataset.lengthSpan, message: `dataset of ${length} samples` }] : []),
          ...layerLocations(single, (l) => `${l.kind} sees one value per channel on a batch of 1`, 1),
        ],
        ...(known ? {} : { severity: 'info' as const }),
        fix: { title: `Set ${option}=True`, safe: false, edits: [edit] },
      });
    }
  },
};
