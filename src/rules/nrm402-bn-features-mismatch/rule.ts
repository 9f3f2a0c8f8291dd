import { argument, type LayerCall } from '../../ir/model';
import { isInferred, provenanceOf, showValue, type Value } from '../../ir/values';
import { lineOf } from '../shared/edits';
import type { Rule } from '../types';

/** The parameter holding a torch layer's output channel count. */
function outputParam(call: LayerCall): string | undefined {
  if (call.family === 'conv') return 'out_channels';
  if (call.family === 'linear') return call.kind === 'Bilinear' ? undefined : 'out_features';
  if (call.norm === 'batch' || call.norm === 'instance') return call.kind.startsWith('Lazy') ? undefined : 'num_features';
  if (call.norm === 'group') return 'num_channels';
  return undefined;
}

function inputParam(call: LayerCall): string | undefined {
  if (call.family === 'conv') return call.kind.startsWith('Lazy') ? undefined : 'in_channels';
  if (call.family === 'linear') return call.kind === 'Linear' ? 'in_features' : undefined;
  return undefined;
}

function featureParam(call: LayerCall): string | undefined {
  if (call.norm === 'batch' || call.norm === 'instance') return call.kind.startsWith('Lazy') ? undefined : 'num_features';
  if (call.norm === 'group') return 'num_channels';
  return undefined;
}

function describe(v: Value): string {
  const p = provenanceOf(v);
  return p && !p.description.startsWith('literal') ? `${showValue(v)} (${p.description})` : showValue(v);
}

export const bnFeaturesMismatch: Rule = {
  meta: {
    code: 'NRM402',
    name: 'bn-features-mismatch',
    defaultSeverity: 'error',
    summary: "A BatchNorm/InstanceNorm/GroupNorm channel count that differs from the channels the layer before it produces.",
    messages: {
      mismatch:
        '{{norm}} expects {{expected}} channels, but {{producer}} (line {{producerLine}}) produces {{actual}}: PyTorch raises "running_mean should contain {{actual}} elements not {{expected}}" ' +
        '(or a shape error) on the first forward pass{{inferred}}. Use {{actual}} here.',
      inputChannels:
        '{{norm}} is sized with `{{expr}}`, the INPUT channel count of {{producer}} (line {{producerLine}}), which outputs `{{out}}` channels: ' +
        'this breaks as soon as the two differ. Use the producer\'s output channel count.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'For each normalization layer fed directly by a convolution, linear or other normalization layer (in a `Sequential` or in the forward pass), compares its channel count ' +
        "(`num_features`, GroupNorm's `num_channels`) with the producer's output channels (`out_channels`, `out_features`, `num_features`). Values are resolved through constants, " +
        "defaults, config dicts and unrolled loops; a norm sized with the producer's input channel expression (`BatchNorm1d(cfg[1])` after `Conv1d(cfg[1], cfg[2])`) is reported too.",
      whyIsThisBad:
        'BatchNorm and InstanceNorm (with running statistics or affine parameters) and GroupNorm keep one parameter per channel; a count that differs from the incoming tensor fails at the ' +
        "first forward pass with a shape error, typically after data loading and model setup have already cost minutes. Sizing a norm with the conv's input channels is a classic " +
        'copy-paste slip that works only while the widths happen to be equal, and breaks when the model is widened.',
      example: 'import torch.nn as nn\n\nblock = nn.Sequential(\n    nn.Conv2d(64, 128, 3, padding=1, bias=False),\n    nn.BatchNorm2d(64),  # the input width\n    nn.ReLU(),\n)',
      useInstead: 'import torch.nn as nn\n\nblock = nn.Sequential(\n    nn.Conv2d(64, 128, 3, padding=1, bias=False),\n    nn.BatchNorm2d(128),\n    nn.ReLU(),\n)',
      fixSafety: 'No automatic fix: the right width may be the norm\'s or the producer\'s.',
      references: [
        { title: 'PyTorch documentation: torch.nn.BatchNorm2d (num_features: C from an expected input of size (N, C, H, W))', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html' },
        { title: 'PyTorch documentation: torch.nn.GroupNorm', url: 'https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html' },
      ],
    },
  },
  check(context) {
    const reported = new Set<string>();
    for (const cls of context.ir.model.classes) {
      for (const flow of cls.flows) {
        const producer = flow.from.call;
        const norm = flow.to.call;
        if (!producer || !norm || producer.framework !== 'torch' || norm.framework !== 'torch') continue;
        const fp = featureParam(norm);
        const op = outputParam(producer);
        if (!fp || !op) continue;
        const featArg = argument(norm, fp);
        const outArg = argument(producer, op);
        if (!featArg || !outArg) continue;
        const key = `${norm.span.startOffset}:${producer.span.startOffset}`;
        const feat = featArg.value;
        const out = outArg.value;
        if (feat.kind === 'number' && out.kind === 'number') {
          if (feat.value === out.value || reported.has(key)) continue;
          reported.add(key);
          const inferred = isInferred(feat) || isInferred(out);
          context.report({
            messageId: 'mismatch',
            data: {
              norm: `${norm.kind} (${flow.to.path})`,
              expected: describe(feat),
              producer: `${producer.kind} (${flow.from.path})`,
              producerLine: lineOf(producer.span),
              actual: describe(out),
              inferred: inferred ? ' with the default values shown; a caller may pass others' : '',
            },
            span: featArg.span,
            ...(inferred ? { severity: 'warning' as const } : {}),
            related: [{ span: outArg.span, message: `${producer.kind} output channels: ${showValue(out)}` }],
          });
          continue;
        }
        // Symbolic: the norm is sized with the producer's input-channel expression.
        const ip = inputParam(producer);
        const inArg = ip ? argument(producer, ip) : undefined;
        if (!inArg || feat.kind !== 'unknown' || !feat.symbol) continue;
        const input = inArg.value;
        if (input.kind !== 'unknown' || input.symbol !== feat.symbol) continue;
        if (out.kind === 'unknown' && out.symbol === feat.symbol) continue;
        if (reported.has(key)) continue;
        reported.add(key);
        context.report({
          messageId: 'inputChannels',
          data: {
            norm: `${norm.kind} (${flow.to.path})`,
            expr: context.text.slice(featArg.valueSpan.startOffset, featArg.valueSpan.endOffset),
            producer: `${producer.kind} (${flow.from.path})`,
            producerLine: lineOf(producer.span),
            out: context.text.slice(outArg.valueSpan.startOffset, outArg.valueSpan.endOffset),
          },
          span: featArg.span,
          severity: 'warning',
          related: [{ span: outArg.span, message: `${producer.kind} output channels` }],
        });
      }
    }
  },
};
