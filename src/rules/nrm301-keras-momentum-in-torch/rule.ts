import { argument, everyLayerCall, numberValue } from '../../ir/model';
import { describeProvenance } from '../../ir/values';
import { TORCH_MOMENTUM_LAYERS } from '../../parsing/python/torchLayers';
import { literalAtCall, writtenText } from '../shared/edits';
import { complementText, epsTakesMomentum } from '../shared/momentum';
import type { Rule } from '../types';

export const kerasMomentumInTorch: Rule = {
  meta: {
    code: 'NRM301',
    name: 'keras-momentum-in-torch',
    defaultSeverity: 'warning',
    summary:
      "PyTorch BatchNorm/InstanceNorm momentum between 0.5 and 1 (the Keras/TensorFlow keep-fraction convention, where PyTorch's momentum is the weight of the new batch), or a momentum passed by position where eps goes (`BatchNorm2d(128, 0.8)`).",
    messages: {
      kerasConvention:
        '{{layer}} momentum={{momentum}}{{origin}} looks like the Keras/TensorFlow convention (fraction of the running average kept). ' +
        'In PyTorch, momentum is the weight of the NEW batch statistic (default 0.1): {{momentum}} makes the running mean and variance follow ' +
        'the last few batches almost entirely. If you meant Keras momentum {{momentum}}, use momentum={{complement}}.',
      epsTakesMomentum:
        "{{layer}}'s second positional parameter is eps, not momentum: this sets eps={{eps}}{{origin}}, which normalizes by sqrt(var + {{eps}}) instead of about sqrt(var), so activations with a small variance are no longer scaled to unit variance and the layer barely normalizes. {{advice}}",
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Flags a PyTorch `BatchNorm*`, `SyncBatchNorm` or `InstanceNorm*` layer constructed with `0.5 < momentum < 1`, and one given an eps of 0.05 or more by position ' +
        "(`nn.BatchNorm2d(128, 0.8)`: the second positional parameter is eps, so a momentum written there, Keras' 0.8 or PyTorch's 0.1, becomes the epsilon). " +
        'When the BatchNorm layers of a class disagree on eps because of such a value, NRM501 leaves it to this rule.',
      whyIsThisBad:
        'The two frameworks define momentum in opposite directions. PyTorch updates `running = (1 - momentum) * running + momentum * batch` ' +
        '(default 0.1), while Keras/TensorFlow use `moving = momentum * moving + (1 - momentum) * batch` (default 0.99). ' +
        'A value such as 0.9 or 0.99 copied from a TensorFlow model or paper therefore makes PyTorch\'s running statistics track the latest ' +
        'batches almost exclusively: evaluation then uses noisy, last-batch statistics and accuracy in `eval()` mode drops or fluctuates. ' +
        '`momentum=1` (keep only the last batch) is a deliberate idiom, e.g. for recalibrating statistics, and is not reported. ' +
        "Ported Keras code often writes the momentum by position, `nn.BatchNorm2d(128, 0.8)` for Keras' `BatchNormalization(momentum=0.8)` (common in GAN implementations): in PyTorch that is eps=0.8, added to the variance before the square root, so the layer divides by about sqrt(0.8) rather than by the standard deviation.",
      example: 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.99)  # ported from Keras',
      useInstead: 'import torch.nn as nn\n\nbn = nn.BatchNorm2d(64, momentum=0.01)  # the same averaging as Keras momentum=0.99',
      fixSafety:
        'The fix replaces the value with `1 - value`. It is unsafe: it changes how the running statistics are averaged, which is the point, ' +
        'but only right if the value was meant in the Keras convention. For a momentum passed where eps goes, the fix passes it by name instead (`momentum=0.2` for a Keras 0.8, `momentum=0.1` as written for a value below 0.5), which leaves eps at its default; also unsafe.',
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
      const atSite = literalAtCall(arg);
      const written = writtenText(arg, momentum, context.text);
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
    for (const call of everyLayerCall(context.ir.model)) {
      const found = epsTakesMomentum(call);
      if (!found) continue;
      const { arg, value } = found;
      const key = `eps:${arg.span.startOffset}:${value}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const atSite = literalAtCall(arg);
      const written = writtenText(arg, value, context.text);
      // A Keras keep-fraction (0.8, 0.9, 0.99) is PyTorch momentum 1 - value; a smaller one reads as PyTorch's own (0.1).
      const keras = value >= 0.5;
      const momentum = keras ? complementText(value, written) : written;
      context.report({
        messageId: 'epsTakesMomentum',
        data: {
          layer: call.kind,
          eps: written,
          origin: atSite || !arg.provenance ? '' : ` (${describeProvenance(arg.provenance, context.where)})`,
          advice: keras ? `If ${written} was Keras' momentum (BatchNormalization(momentum=${written})), PyTorch's equivalent is momentum=${momentum}, passed by name.` : `If ${written} was meant as the momentum, pass it by name: momentum=${momentum}.`,
        },
        span: arg.span,
        ...(atSite && !argument(call, 'momentum')
          ? { fix: { title: `Pass momentum=${momentum} by name (eps back to its default)`, safe: false, edits: [{ span: arg.span, newText: `momentum=${momentum}` }] } }
          : {}),
        ...(arg.provenance && !atSite ? { related: [{ span: arg.provenance.span, message: `eps ${written} comes from here` }] } : {}),
      });
    }
  },
};
