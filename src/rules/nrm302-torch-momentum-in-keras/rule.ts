import { argument, everyLayerCall } from '../../ir/model';
import { literalAtCall, writtenText } from '../shared/edits';
import { complementText } from '../shared/momentum';
import type { Rule } from '../types';

export const torchMomentumInKeras: Rule = {
  meta: {
    code: 'NRM302',
    name: 'torch-momentum-in-keras',
    defaultSeverity: 'warning',
    summary: "Keras/Flax BatchNorm momentum below 0.5: PyTorch's update-weight convention, where Keras and Flax keep that fraction of the running average.",
    messages: {
      torchConvention:
        '{{layer}} momentum={{momentum}} looks like the PyTorch convention (weight of the new batch). In {{framework}}, momentum is the fraction of the running average KEPT ' +
        '(default 0.99): {{momentum}} makes the moving mean and variance follow the last batch almost entirely, so inference uses noisy statistics. ' +
        'If you meant PyTorch momentum {{momentum}}, use momentum={{complement}}.',
    },
    fix: 'unsafe',
    docs: {
      whatItDoes: 'Flags a Keras `BatchNormalization` or Flax `nn.BatchNorm` (also through `functools.partial`) built with `0 < momentum < 0.5`.',
      whyIsThisBad:
        'Keras and Flax update `moving = momentum * moving + (1 - momentum) * batch` (defaults 0.99), while PyTorch updates `running = (1 - momentum) * running + momentum * batch` (default 0.1). ' +
        'A value like 0.1 or 0.01 copied from a PyTorch model therefore keeps only 10% (or 1%) of the moving average per step: the statistics used at inference are those of the last few batches, ' +
        'and evaluation accuracy fluctuates or drops. `momentum=0` (use only the last batch) is left alone as a deliberate choice.',
      example: 'from tensorflow.keras import layers\n\nbn = layers.BatchNormalization(momentum=0.1)  # ported from PyTorch',
      useInstead: 'from tensorflow.keras import layers\n\nbn = layers.BatchNormalization(momentum=0.9)  # the same averaging as PyTorch momentum=0.1',
      fixSafety: 'The fix replaces the value with `1 - value`. It is unsafe: it changes how the moving statistics are averaged, which is right only if the value was meant in the PyTorch convention.',
      references: [
        { title: 'Keras documentation: BatchNormalization (momentum)', url: 'https://keras.io/api/layers/normalization_layers/batch_normalization/' },
        { title: 'Flax documentation: flax.linen.BatchNorm (momentum: decay rate for the exponential moving average)', url: 'https://flax.readthedocs.io/en/latest/api_reference/flax.linen/layers.html#flax.linen.BatchNorm' },
        { title: 'PyTorch documentation: torch.nn.BatchNorm2d (note on momentum)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html' },
      ],
    },
  },
  check(context) {
    const reported = new Set<number>();
    for (const call of everyLayerCall(context.ir.model)) {
      if ((call.framework !== 'keras' && call.framework !== 'flax') || call.norm !== 'batch') continue;
      const arg = argument(call, 'momentum');
      const momentum = arg?.value.kind === 'number' ? arg.value.value : undefined;
      if (!arg || momentum === undefined || !(momentum > 0 && momentum < 0.5)) continue;
      if (reported.has(arg.valueSpan.startOffset)) continue;
      reported.add(arg.valueSpan.startOffset);
      const atSite = literalAtCall(arg);
      const written = writtenText(arg, momentum, context.text);
      const complement = complementText(momentum, written);
      context.report({
        messageId: 'torchConvention',
        data: { layer: call.kind, framework: call.framework === 'keras' ? 'Keras' : 'Flax', momentum: written, complement },
        span: arg.span,
        ...(atSite ? { fix: { title: `Use momentum=${complement} (Keras/Flax convention for PyTorch momentum ${written})`, safe: false, edits: [{ span: arg.valueSpan, newText: complement }] } } : {}),
      });
    }
  },
};
