import { paramValue, type LayerCall } from '../../ir/model';
import type { Rule } from '../types';

export const doubleNorm: Rule = {
  meta: {
    code: 'NRM504',
    name: 'double-norm',
    defaultSeverity: 'warning',
    summary: 'Two normalization layers back to back: the second re-normalizes an already normalized signal.',
    messages: {
      backToBack:
        '{{second}} directly follows {{first}} ({{firstLine}}) with nothing in between: the second normalization undoes most of the first (its affine scale and shift included) ' +
        'and adds parameters and, for BatchNorm, running statistics. Keep one of them, or put the layer that was meant to sit between them back.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Finds a normalization layer (BatchNorm, InstanceNorm, LayerNorm, GroupNorm, RMSNorm, Keras/Flax equivalents) whose input comes straight from another normalization layer. ' +
        "A norm that applies an activation after itself (timm's `BatchNormAct2d` and the other `...Act` classes, unless `apply_act=False` or `act_layer=None`) has that activation in between, and is not reported; neither is a `FrozenBatchNorm2d` (a fixed per-channel affine that standardizes nothing).",
      whyIsThisBad:
        'A normalization layer standardizes its input and then applies a learned scale and shift. A second normalization right after it standardizes again, which cancels ' +
        "the first layer's scale and shift (over the axes both normalize) and leaves a redundant layer whose parameters fight each other. It usually means a layer in between was " +
        'deleted, a block was pasted twice, or a pre-norm and a post-norm design were mixed. Deliberate designs normalize different tensors (pre-norm on each branch), which this rule does not report.',
      example: 'import torch.nn as nn\n\nstem = nn.Sequential(\n    nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),\n    nn.BatchNorm2d(64),\n    nn.BatchNorm2d(64),\n    nn.ReLU(),\n)',
      useInstead: 'import torch.nn as nn\n\nstem = nn.Sequential(\n    nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False),\n    nn.BatchNorm2d(64),\n    nn.ReLU(),\n)',
      fixSafety: 'No automatic fix: which of the two layers to keep (and its trained parameters) is the author\'s decision.',
      references: [
        { title: 'PyTorch documentation: normalization layers', url: 'https://pytorch.org/docs/stable/nn.html#normalization-layers' },
        { title: 'Ioffe & Szegedy, "Batch Normalization", ICML 2015', url: 'https://arxiv.org/abs/1502.03167' },
      ],
    },
  },
  check(context) {
    const reported = new Set<number>();
    for (const cls of context.ir.model.classes) {
      for (const flow of cls.flows) {
        const first = flow.from.call;
        const second = flow.to.call;
        if (!first || !second || first.family !== 'norm' || second.family !== 'norm') continue;
        // LocalResponseNorm and unit normalization are not standardizing layers with parameters; a
        // FrozenBatchNorm2d standardizes nothing (a fixed per-channel affine).
        if (first.norm === 'lrn' || second.norm === 'lrn' || first.norm === 'unit' || second.norm === 'unit' || first.norm === 'frozen' || second.norm === 'frozen') continue;
        // A norm that applies an activation after itself (timm's `BatchNormAct2d`) has one in between.
        if (appliesActivation(first)) continue;
        if (reported.has(second.span.startOffset)) continue;
        reported.add(second.span.startOffset);
        context.report({
          messageId: 'backToBack',
          data: { first: `${first.kind} (${flow.from.path})`, second: `${second.kind} (${flow.to.path})`, firstLine: context.where(first.span) },
          span: second.span,
          related: [{ span: first.span, message: `the first normalization (${first.kind})` }],
        });
      }
    }
  },
};

/** Whether a norm layer applies an activation after normalizing (timm's `...Act` classes, unless `apply_act=False` or `act_layer=None`). */
function appliesActivation(call: LayerCall): boolean {
  if (call.defaults.apply_act === undefined) return false;
  const v = paramValue(call, 'apply_act');
  // (`act_layer=None` is no activation too, as `get_norm_act_layer(norm, None)` makes it.)
  return !(v?.kind === 'bool' && !v.value) && paramValue(call, 'act_layer')?.kind !== 'none';
}
