import { argument, everyLayerCall, numberValue } from '../../ir/model';
import { describeProvenance } from '../../ir/values';
import { TORCH_MOMENTUM_LAYERS } from '../../parsing/python/torchLayers';
import type { Rule } from '../types';

/** `1 - value` written with no more decimals than `value` has (0.99 -> 0.01, not 0.010000000000000009). */
export function complementText(value: number, written: string): string {
  const decimals = written.includes('.') && !written.toLowerCase().includes('e') ? written.split('.')[1]?.replace(/_/g, '').length ?? 0 : 12;
  const fixed = (1 - value).toFixed(Math.min(Math.max(decimals, 1), 15));
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed.includes('.') ? trimmed : `${trimmed}.0`;
}

export const kerasMomentumInTorch: Rule = {
  meta: {
    code: 'NRM301',
    name: 'keras-momentum-in-torch',
    defaultSeverity: 'warning',
    summary: "PyTorch BatchNorm/InstanceNorm momentum between 0.5 and 1: the Keras/TensorFlow keep-fraction convention, where PyTorch's momentum is the weight of the new batch.",
    messages: {
      kerasConvention:
        '{{layer}} momentum={{momentum}}{{origin}} looks like the Keras/TensorFlow convention (fraction of the running average kept). ' +
        'In PyTorch, momentum is the weight of the NEW batch statistic (default 0.1): {{momentum}} makes the running mean and variance follow ' +
        'the last few batches almost entirely. If you meant Keras momentum {{momentum}}, use momentum={{complement}}.',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes: 'Flags a PyTorch `BatchNorm*`, `SyncBatchNorm` or `InstanceNorm*` layer constructed with `0.5 < momentum < 1`.',
      whyIsThisBad:
        'The two frameworks define momentum in opposite directions. PyTorch updates `running = (1 - momentum) * running + momentum * batch` ' +
        '(default 0.1), while Keras/TensorFlow use `moving = momentum * moving + (1 - momentum) * batch` (default 0.99). ' +
        'A value such as 0.9 or 0.99 copied from a TensorFlow model or paper therefore makes PyTorch\'s running statistics track the latest ' +
        'batches almost exclusively: evaluation then uses noisy, last-batch statistics and accuracy in `eval()` mode drops or fluctuates. ' +
        '`momentum=1` (keep only the last batch) is a deliberate idiom, e.g. for recalibrating statistics, and is not reported.',
      example: 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.99)  # ported from Keras',
      useInstead: 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.01)  # the same averaging as Keras momentum=0.99',
      fixSafety:
        'The fix replaces the value with `1 - value`. It is unsafe: it changes how the running statistics are averaged, which is the point, ' +
        'but only right if the value was meant in the Keras convention.',
      references: [
        { title: 'PyTorch documentation: torch.nn.BatchNorm2d (note on momentum)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html' },
        { title: 'Keras documentation: BatchNormalization', url: 'https://keras.io/api/layers/normalization_layers/batch_normalization/' },
      ],
    },
  },
  check(context) {
    // Every call the IR knows: direct calls, and those built with arguments bound (helper
    // functions, instances of a model class: `Block(64, momentum=0.99)`), one finding per value.
    const reported = new Set<string>();
    for (const call of everyLayerCall(context.ir.model)) {
      if (call.framework !== 'torch' || !TORCH_MOMENTUM_LAYERS.has(call.kind)) continue;
      const arg = argument(call, 'momentum');
      const momentum = numberValue(arg?.value);
      if (!arg || momentum === undefined || !(momentum > 0.5 && momentum < 1)) continue;
      const key = `${arg.span.startOffset}:${momentum}`;
      if (reported.has(key)) continue;
      reported.add(key);
      // The value may come from a constant or a default elsewhere: the fix edits only a literal written here.
      const atSite = arg.provenance?.span.startOffset === arg.valueSpan.startOffset && arg.provenance.span.endOffset === arg.valueSpan.endOffset;
      const written = atSite ? context.text.slice(arg.valueSpan.startOffset, arg.valueSpan.endOffset) : String(momentum);
      const complement = complementText(momentum, written);
      context.report({
        messageId: 'kerasConvention',
        data: { layer: call.kind, momentum: written, origin: atSite || !arg.provenance ? '' : ` (${describeProvenance(arg.provenance, context.where)})`, complement },
        span: arg.span,
        ...(atSite
          ? {
              fix: {
                title: `Use momentum=${complement} (PyTorch convention for Keras momentum ${written})`,
                safe: false,
                edits: [{ span: arg.valueSpan, newText: complement }],
              },
            }
          : {}),
        ...(arg.provenance && !atSite ? { related: [{ span: arg.provenance.span, message: `momentum ${written} comes from here` }] } : {}),
      });
    }
  },
};
