import { argument, type LayerCall, paramValue } from '../../ir/model';
import { appendKeyword, literalAtCall } from '../shared/edits';
import { type ClassReport, firstReport, PerClassReports } from '../shared/perClass';
import type { Rule, TextEdit } from '../types';

/** The bias parameter of a conv/linear layer in its framework. */
function biasParam(call: LayerCall): string {
  return call.framework === 'torch' ? 'bias' : 'use_bias';
}

export const convBiasBeforeBn: Rule = {
  meta: {
    code: 'NRM502',
    name: 'conv-bias-before-bn',
    defaultSeverity: 'warning',
    summary: 'A convolution or linear layer with a bias feeding straight into BatchNorm: the bias is cancelled by the mean subtraction.',
    messages: {
      cancelledBias:
        '{{layer}} has a bias ({{why}}), but its output goes straight into {{norm}} ({{normLine}}), which subtracts the per-channel batch mean: ' +
        'the bias is cancelled and only wastes parameters and memory. Pass {{param}}=False.',
    },
    fix: 'safe',
    docs: {
      whatItDoes:
        'Finds a `Conv*d` / `Linear` (Keras `Conv*D`/`Dense`, Flax `Conv`/`Dense`) layer whose bias is on and whose output is consumed only by a BatchNorm layer, ' +
        'either as consecutive elements of a `Sequential` or in the forward pass.',
      whyIsThisBad:
        'BatchNorm normalizes each channel by subtracting its batch mean, so any constant added per channel before it — exactly what a conv or linear bias is — disappears: ' +
        'the output is the same with or without it, in training and in inference. The bias still costs parameters, optimizer state and a kernel add, ' +
        "and it shows the author may not expect the normalization's effect. The BatchNorm's own `beta` already provides the shift. " +
        'That is why reference implementations (torchvision ResNet, Keras applications) build these convs with `bias=False` / `use_bias=False`. ' +
        'Layers whose output also feeds something else (a residual, another branch) are not reported: there the bias matters; nor is a Keras layer with an activation of its own (`Dense(64, activation=\'relu\')`), whose bias shifts the input of the non-linearity.',
      example: 'import torch.nn as nn\n\nblock = nn.Sequential(\n    nn.Conv2d(64, 128, 3, padding=1),  # bias=True by default\n    nn.BatchNorm2d(128),\n    nn.ReLU(),\n)',
      useInstead: 'import torch.nn as nn\n\nblock = nn.Sequential(\n    nn.Conv2d(64, 128, 3, padding=1, bias=False),\n    nn.BatchNorm2d(128),\n    nn.ReLU(),\n)',
      fixSafety:
        'Safe: the fix sets `bias=False` (`use_bias=False`), which does not change what the model computes. It is only offered when the layer always feeds the BatchNorm ' +
        '(not built under an unknown condition) and the bias is not set through a variable. ' +
        'When the file itself loads weights into a model (`load_state_dict`, `load_weights`, `load_checkpoint`...), the same fix is offered as unsafe: ' +
        'checkpoints saved with the bias (pretrained weights, earlier runs) no longer load strictly, so the loading call then needs `strict=False`.',
      references: [
        { title: 'Ioffe & Szegedy, "Batch Normalization", ICML 2015 (section 3.2: the bias can be ignored)', url: 'https://arxiv.org/abs/1502.03167' },
        { title: 'PyTorch performance tuning guide: disable bias for convolutions directly followed by a batch norm', url: 'https://pytorch.org/tutorials/recipes/recipes/tuning_guide.html' },
      ],
    },
  },
  check(context) {
    REPORTS.run(context);
  },
};

/**
 * Whether a Keras layer applies a non-linearity of its own after the bias (`Dense(64,
 * activation='relu')`): the BatchNorm then normalizes the activation's output, which the bias
 * shifts before the non-linearity (it is not cancelled). An activation that is not written out
 * (a variable) may be one.
 */
function activatesInside(producer: LayerCall): boolean {
  const activation = argument(producer, 'activation')?.value;
  if (!activation || activation.kind === 'none') return false;
  return !(activation.kind === 'string' && activation.value === 'linear');
}

/**
 * The findings of one class's flows (kept per class object: see `PerClassReports`), one per
 * producer: its offset, read when reporting, is the key (a helper's layers bound in two classes).
 */
const REPORTS = new PerClassReports((cls) => {
  const reports: ClassReport[] = [];
  for (const flow of cls.flows) {
    const producer = flow.from.call;
    const norm = flow.to.call;
    if (!producer || !norm || norm.norm !== 'batch') continue;
    if (producer.family !== 'conv' && producer.family !== 'linear') continue;
    if (producer.kind === 'Bilinear' || flow.consumers !== 1) continue;
    const param = biasParam(producer);
    const bias = paramValue(producer, param);
    if (bias?.kind !== 'bool' || !bias.value) continue;
    if (activatesInside(producer)) continue;
    reports.push((context, reported) => {
      if (!firstReport(reported, String(producer.span.startOffset))) return;
      // Checkpoints loaded in this file were saved with the bias: removing it breaks strict loading.
      const load = context.ir.training.weightLoads[0];
      const arg = argument(producer, param);
      let edit: TextEdit | undefined;
      if (!flow.conditional && !producer.viaParameter) {
        if (arg && literalAtCall(arg)) edit = { span: arg.valueSpan, newText: 'False' };
        else if (!arg) edit = appendKeyword(producer, context.text, `${param}=False`);
      }
      context.report({
        messageId: 'cancelledBias',
        data: {
          layer: `${producer.kind} (${flow.from.path})`,
          why: arg ? `${param}=${context.text.slice(arg.valueSpan.startOffset, arg.valueSpan.endOffset)}` : `${param}=True is the default`,
          norm: `${norm.kind} (${flow.to.path})`,
          normLine: context.where(norm.span),
          param,
        },
        span: arg ? arg.span : producer.span,
        ...(edit
          ? {
              fix: load
                ? { title: `Set ${param}=False (the following ${norm.kind} cancels the bias; checkpoints loaded at ${context.where(load.span)} then need strict=False)`, safe: false, edits: [edit] }
                : { title: `Set ${param}=False (the following ${norm.kind} cancels the bias)`, safe: true, edits: [edit] },
            }
          : {}),
        related: [{ span: norm.span, message: `${norm.kind} that cancels the bias` }],
      });
    });
  }
  return reports;
});
