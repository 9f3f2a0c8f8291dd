import { argument, type Flow, type InstanceFlows } from '../../ir/model';
import { showValue, type Value } from '../../ir/values';
import { describeInstance, describeValue, instanceName } from '../shared/instances';
import { type ClassReport, firstReport, PerClassReports, PerInstanceReports } from '../shared/perClass';
import type { Rule } from '../types';

/** The last dimension a LayerNorm/RMSNorm normalizes over, when `normalized_shape` resolves. */
function lastDim(v: Value | undefined): number | undefined {
  if (!v) return undefined;
  if (v.kind === 'number' && v.isInteger) return v.value;
  if (v.kind === 'sequence') {
    const last = v.items[v.items.length - 1];
    return last?.kind === 'number' && last.isInteger ? last.value : undefined;
  }
  return undefined;
}

function rank(v: Value | undefined): number | undefined {
  if (v?.kind === 'number') return 1;
  if (v?.kind === 'sequence') return v.items.length;
  return undefined;
}

export const layernormShapeMismatch: Rule = {
  meta: {
    code: 'NRM403',
    name: 'layernorm-shape-mismatch',
    defaultSeverity: 'error',
    summary: "LayerNorm's normalized_shape not matching the features it receives, or LayerNorm over the last axis (width) of an NCHW conv output where the channels were meant.",
    messages: {
      featureMismatch:
        '{{norm}} normalizes over a last dimension of {{expected}}, but {{producer}} ({{producerLine}}) outputs {{actual}} features: PyTorch raises ' +
        '"Given normalized_shape=[{{expected}}], expected input with shape [*, {{expected}}]". Use {{actual}}.',
      instanceChannelsFirst:
        '{{norm}} gets the (N, C, {{spatial}}) output of {{producer}} ({{producerLine}}) directly, and in the instance {{instance}} it is sized with the {{channels}} channels, ' +
        'but LayerNorm normalizes the LAST dimension ({{lastAxis}}), not C. Permute to channels-last first (x.permute(0, 2, 3, 1) as in ConvNeXt), use a channels-first LayerNorm, or GroupNorm(1, C) to normalize over C, H and W.',
      instanceFeatureMismatch:
        '{{norm}} normalizes over a last dimension of {{expected}}, but {{producer}} ({{producerLine}}) outputs {{actual}} features in the instance {{instance}}: PyTorch raises ' +
        '"Given normalized_shape=[{{expectedValue}}], expected input with shape [*, {{expectedValue}}]" on its first forward pass{{inferred}}. Size the norm with the expression that sizes the producer\'s output.',
      channelsFirst:
        '{{norm}} gets the (N, C, {{spatial}}) output of {{producer}} ({{producerLine}}) directly, but LayerNorm normalizes the LAST dimension ({{lastAxis}}), not the {{channels}} channels. ' +
        'Permute to channels-last first (x.permute(0, 2, 3, 1) as in ConvNeXt), use a channels-first LayerNorm, or GroupNorm(1, {{channels}}) to normalize over C, H and W.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Checks LayerNorm/RMSNorm layers fed directly by a `Linear` or `Embedding` layer whose output width is known against the last entry of `normalized_shape`, and reports ' +
        'a LayerNorm sized with the channel count of a `Conv1d/2d/3d` whose output it receives unchanged (an NCHW tensor). A block class parameterised by its widths is ' +
        'also checked as each instance of it in the file builds it (`Mlp(256)` whose `LayerNorm(dim)` follows `Linear(dim, hidden)` with `hidden=1024`; `Block(96)` whose ' +
        '`LayerNorm(dim)` follows `Conv2d(dim, dim, 7)`): the finding sits on the norm in the class and names the instance. PyTorch only: Keras `LayerNormalization` and Flax ' +
        '`nn.LayerNorm` / `nn.RMSNorm` take no `normalized_shape` (they read the feature size from their input when built), so a size mismatch cannot be written; and their default ' +
        "axis (-1) after a channels-last conv is the channels, a per-position LayerNorm that channels-last ConvNeXt-style models use on purpose. What remains statically knowable there " +
        "is a BatchNorm `axis` that misses the conv's channel axis, which `bn-features-mismatch` (NRM402) reports.",
      whyIsThisBad:
        '`nn.LayerNorm(normalized_shape)` normalizes over the LAST `len(normalized_shape)` dimensions. After a linear layer these must equal its output features, or the forward pass ' +
        'fails. After a convolution the last dimension is the width, not the channels: `LayerNorm(C)` on an (N, C, H, W) tensor fails unless W happens to equal C, and if it does, ' +
        'it silently normalizes each row of pixels instead of each position\'s channels. ConvNeXt and similar models permute to channels-last or use a channels-first LayerNorm for this reason.',
      example: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)\n        self.norm = nn.LayerNorm(dim)\n\n    def forward(self, x):\n        return self.norm(self.dwconv(x))  # normalizes over W',
      useInstead: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, dim):\n        super().__init__()\n        self.dwconv = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)\n        self.norm = nn.LayerNorm(dim)\n\n    def forward(self, x):\n        x = self.dwconv(x).permute(0, 2, 3, 1)  # (N, H, W, C)\n        return self.norm(x).permute(0, 3, 1, 2)',
      fixSafety: 'No automatic fix: the right axis or width depends on the model.',
      references: [
        { title: 'PyTorch documentation: torch.nn.LayerNorm (normalized_shape: the last D dimensions)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html' },
        { title: 'Liu et al., "A ConvNet for the 2020s" (ConvNeXt), CVPR 2022, and its channels-first LayerNorm', url: 'https://github.com/facebookresearch/ConvNeXt/blob/main/models/convnext.py' },
      ],
    },
  },
  check(context) {
    const reported = new Set<string>();
    REPORTS.run(context, reported);
    // The layers of a model-class instance sized by its constructor arguments (`Block(256, 1024)`),
    // for a pair the class alone does not decide: the class's own finding, if any, comes first.
    INSTANCE_REPORTS.run(context, reported);
  },
};

/** The findings of one class's flows (kept per class object: see `PerClassReports`). */
const REPORTS = new PerClassReports((cls) => cls.flows.map((flow) => flowReport(flow)).filter((r) => r !== undefined));

/** The findings of an instance's flows (kept per instance). */
const INSTANCE_REPORTS = new PerInstanceReports((inst) => inst.flows.map((flow) => flowReport(flow, inst)).filter((r) => r !== undefined));

/**
 * A LayerNorm/RMSNorm's width against what its producer outputs (in `inst`: as the instance sizes
 * them), reported once per norm: the key, the norm's offset, is read when reporting (offsets move
 * with edits while the class is kept).
 */
function flowReport(flow: Flow, inst?: InstanceFlows): ClassReport | undefined {
  const producer = flow.from.call;
  const norm = flow.to.call;
  if (!producer || !norm || producer.framework !== 'torch' || norm.framework !== 'torch') return undefined;
  if (norm.norm !== 'layer' && norm.norm !== 'rms') return undefined;
  const shapeArg = argument(norm, 'normalized_shape');
  const shape = shapeArg?.value;
  const last = lastDim(shape);
  if (!shapeArg || last === undefined) return undefined;
  const instanceRelated = (what: string) => (inst ? [{ span: inst.root.span, message: `the instance ${instanceName(inst)}, ${what}` }] : []);
  if (producer.kind === 'Linear' || producer.kind === 'Embedding') {
    const outArg = argument(producer, producer.kind === 'Linear' ? 'out_features' : 'embedding_dim');
    const out = outArg?.value;
    if (!outArg || out?.kind !== 'number' || out.value === last) return undefined;
    const lastValue = shape?.kind === 'sequence' ? shape.items[shape.items.length - 1] : shape;
    const inferred = [lastValue, out].some((v) => v?.kind === 'number' && v.provenance?.inferred === true);
    return (context, reported) => {
      if (!firstReport(reported, String(norm.span.startOffset))) return;
      const instance = inst ? describeInstance(inst, context.text, context.where) : undefined;
      context.report({
        messageId: instance ? 'instanceFeatureMismatch' : 'featureMismatch',
        data: {
          norm: `${norm.kind} (${flow.to.path})`,
          expected: instance && lastValue ? describeValue(lastValue, context.where, norm) : last,
          producer: `${producer.kind} (${flow.from.path})`,
          producerLine: context.where(producer.span),
          actual: instance ? describeValue(out, context.where, producer) : showValue(out),
          ...(instance ? { instance, expectedValue: last, inferred: inferred ? ' with the default values shown; a caller may pass others' : '' } : {}),
        },
        span: shapeArg.span,
        ...(instance && inferred ? { severity: 'warning' as const } : {}),
        related: [{ span: outArg.span, message: `${producer.kind} output features` }, ...instanceRelated(`${norm.kind} sized ${last}, ${producer.kind} output ${showValue(out)}`)],
      });
    };
  }
  const m = /^Conv(Transpose)?([123])d$/.exec(producer.kind);
  if (!m || rank(shape) !== 1) return undefined;
  const outArg = argument(producer, 'out_channels');
  const out = outArg?.value;
  if (!outArg || out?.kind !== 'number' || out.value !== last) return undefined;
  const dims = Number(m[2]);
  return (context, reported) => {
    if (!firstReport(reported, String(norm.span.startOffset))) return;
    const instance = inst ? describeInstance(inst, context.text, context.where) : undefined;
    context.report({
      messageId: instance ? 'instanceChannelsFirst' : 'channelsFirst',
      data: {
        norm: instance ? `${norm.kind} (${flow.to.path})` : `${norm.kind}(${last}) (${flow.to.path})`,
        spatial: dims === 1 ? 'L' : dims === 2 ? 'H, W' : 'D, H, W',
        lastAxis: dims === 1 ? 'L' : 'W',
        producer: `${producer.kind} (${flow.from.path})`,
        producerLine: context.where(producer.span),
        channels: last,
        ...(instance ? { instance } : {}),
      },
      span: norm.span,
      severity: 'warning',
      related: [{ span: producer.span, message: `${producer.kind} producing (N, C, ...) with C = ${last}` }, ...instanceRelated(`C = ${last}`)],
    });
  };
}
