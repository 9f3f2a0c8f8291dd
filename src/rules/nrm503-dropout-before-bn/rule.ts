import type { Rule } from '../types';

export const dropoutBeforeBn: Rule = {
  meta: {
    code: 'NRM503',
    name: 'dropout-before-bn',
    defaultSeverity: 'warning',
    summary: 'Dropout feeding BatchNorm: the variance BatchNorm learns in training does not match inference (variance shift).',
    messages: {
      varianceShift:
        '{{dropout}} feeds {{norm}} ({{normLine}}) directly. In training, dropout inflates the variance that BatchNorm measures and stores in its running statistics; ' +
        'in eval() dropout is off, so BatchNorm normalizes with the wrong variance (the "variance shift"). Move the dropout after the BatchNorm (e.g. before the final classifier), or drop it.',
    },
    fix: 'none',
    docs: {
      whatItDoes: 'Finds a `Dropout` layer whose output goes straight into a BatchNorm layer (consecutive `Sequential` elements or in the forward pass), in PyTorch, Keras and Flax.',
      whyIsThisBad:
        'Dropout scales the kept activations by 1/(1-p) during training, which changes their variance; BatchNorm records that training-time variance in its running estimate. ' +
        'At inference dropout is disabled, the variance of its output is different, and BatchNorm normalizes with statistics that no longer fit: accuracy drops, ' +
        'more so with a large dropout rate. Li et al. (CVPR 2019) analyse this "variance shift" and recommend placing dropout after all BatchNorm layers.',
      example: 'import torch.nn as nn\n\nhead = nn.Sequential(\n    nn.Linear(512, 256),\n    nn.Dropout(0.5),\n    nn.BatchNorm1d(256),\n    nn.ReLU(),\n)',
      useInstead: 'import torch.nn as nn\n\nhead = nn.Sequential(\n    nn.Linear(512, 256, bias=False),\n    nn.BatchNorm1d(256),\n    nn.ReLU(),\n    nn.Dropout(0.5),\n)',
      fixSafety: 'No automatic fix: moving or removing a dropout layer changes the model and its regularisation.',
      references: [
        { title: 'Li, Chen, Hu & Yang, "Understanding the Disharmony between Dropout and Batch Normalization by Variance Shift", CVPR 2019', url: 'https://arxiv.org/abs/1801.05134' },
      ],
    },
  },
  check(context) {
    const reported = new Set<number>();
    for (const cls of context.ir.model.classes) {
      for (const flow of cls.flows) {
        const dropout = flow.from.call;
        const norm = flow.to.call;
        if (!dropout || !norm || dropout.family !== 'dropout' || norm.norm !== 'batch') continue;
        if (reported.has(dropout.span.startOffset)) continue;
        reported.add(dropout.span.startOffset);
        context.report({
          messageId: 'varianceShift',
          data: { dropout: `${dropout.kind} (${flow.from.path})`, norm: `${norm.kind} (${flow.to.path})`, normLine: context.where(norm.span) },
          span: dropout.span,
          related: [{ span: norm.span, message: `${norm.kind} that receives the dropout's output` }],
        });
      }
    }
  },
};
