import { argument, everyLayerCall, numberValue } from '../../ir/model';
import { describeProvenance, isInferred, provenanceOf, type Provenance } from '../../ir/values';
import type { Rule } from '../types';

/** Divisors of `n` closest to `groups`, for the suggestion in the message. */
function nearestDivisors(n: number, groups: number): number[] {
  const divisors: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) divisors.push(d);
  divisors.sort((a, b) => Math.abs(a - groups) - Math.abs(b - groups) || b - a);
  return divisors.slice(0, 2).sort((a, b) => a - b);
}

export const groupnormGroupsIndivisible: Rule = {
  meta: {
    code: 'NRM401',
    name: 'groupnorm-groups-indivisible',
    defaultSeverity: 'error',
    summary: 'GroupNorm whose channel count is not divisible by its number of groups (PyTorch raises at construction).',
    messages: {
      indivisible:
        'GroupNorm splits {{channels}} channels into {{groups}} groups, but {{channels}} is not divisible by {{groups}}: ' +
        "PyTorch raises \"num_channels must be divisible by num_groups\" when the layer is built. Use a group count that divides {{channels}} (e.g. {{suggestion}}).",
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Checks `nn.GroupNorm(num_groups, num_channels)` calls whose two counts are known and flags those where `num_channels % num_groups != 0`. ' +
        "GroupNorms built from configs count too: mmcv's `build_norm_layer(dict(type='GN', num_groups=32), C)` and `ConvModule(..., norm_cfg=dict(type='GN', ...))`, detectron2's `get_norm('GN', C)` (32 groups), timm's `GroupNorm(C)` (32 groups by default).",
      whyIsThisBad:
        'GroupNorm divides the channels into `num_groups` equal groups and normalizes each group over its channels and spatial positions. ' +
        'Unequal groups are not defined: `torch.nn.GroupNorm.__init__` raises `ValueError: num_channels must be divisible by num_groups`, so the model cannot even be built. ' +
        'The mistake usually appears when a width is changed (e.g. 96 channels with the customary 32 groups) and is found only when the script reaches that layer.',
      example: 'import torch.nn as nn\n\nnorm = nn.GroupNorm(32, 96)  # 96 % 32 == 0, fine\nhead = nn.GroupNorm(32, 100)  # 100 % 32 != 0: ValueError',
      useInstead: 'import torch.nn as nn\n\nhead = nn.GroupNorm(25, 100)  # or 20, 10, ...: a divisor of the channel count',
      fixSafety: 'No automatic fix: the right group count is a modelling choice (it changes what the layer normalizes over).',
      references: [
        { title: 'PyTorch documentation: torch.nn.GroupNorm', url: 'https://pytorch.org/docs/stable/generated/torch.nn.GroupNorm.html' },
        { title: 'Wu & He, "Group Normalization", ECCV 2018', url: 'https://arxiv.org/abs/1803.08494' },
      ],
    },
  },
  check(context) {
    const reported = new Set<number>();
    // Every call the IR knows: direct calls, loop iterations, helpers called with arguments, partial(nn.GroupNorm, 32)(c).
    for (const call of everyLayerCall(context.ir.model)) {
      if (call.framework !== 'torch' || call.kind !== 'GroupNorm') continue;
      const groupsArg = argument(call, 'num_groups');
      const channelsArg = argument(call, 'num_channels');
      const groups = numberValue(groupsArg?.value);
      const channels = numberValue(channelsArg?.value);
      if (groups === undefined || channels === undefined) continue;
      if (!Number.isInteger(groups) || !Number.isInteger(channels) || groups <= 0 || channels <= 0) continue;
      if (channels % groups === 0 || reported.has(call.span.startOffset)) continue;
      reported.add(call.span.startOffset);
      const inferred = isInferred(groupsArg?.value) || isInferred(channelsArg?.value);
      // Where a count comes from, unless it is written in the call itself: a constant, a default,
      // or the argument an instance of the enclosing class passes (`Block(48)`).
      const inCall = (p: Provenance) => p.span.startOffset >= call.span.startOffset && p.span.endOffset <= call.span.endOffset;
      const origins = [groupsArg, channelsArg]
        .map((a) => provenanceOf(a?.value))
        .filter((p): p is Provenance => p !== undefined && !(p.description.startsWith('literal') && inCall(p)));
      context.report({
        messageId: 'indivisible',
        data: { channels, groups, suggestion: nearestDivisors(channels, groups).join(' or ') },
        span: call.span,
        ...(inferred ? { severity: 'warning' as const } : {}),
        ...(origins.length > 0 ? { related: origins.map((p) => ({ span: p.span, message: `value ${p.from ? '' : 'from '}${describeProvenance(p, context.where)}` })) } : {}),
      });
    }
  },
};
