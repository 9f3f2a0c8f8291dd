import { type Argument, argument, type Flow, type InstanceFlows, type LayerCall, paramValue } from '../../ir/model';
import { isInferred, showValue } from '../../ir/values';
import { describeInstance, describeValue, instanceName } from '../shared/instances';
import { type ClassReport, firstReport, PerClassReports, PerInstanceReports } from '../shared/perClass';
import type { Rule } from '../types';

/** The parameter holding a torch layer's output channel count. */
function outputParam(call: LayerCall): string | undefined {
  if (call.family === 'conv') return 'out_channels';
  if (call.family === 'linear') return call.kind === 'Bilinear' ? undefined : 'out_features';
  if (call.norm === 'batch' || call.norm === 'instance' || call.norm === 'frozen') return call.kind.startsWith('Lazy') ? undefined : 'num_features';
  if (call.norm === 'group') return 'num_channels';
  return undefined;
}

function inputParam(call: LayerCall): string | undefined {
  if (call.family === 'conv') return call.kind.startsWith('Lazy') ? undefined : 'in_channels';
  if (call.family === 'linear') return call.kind === 'Linear' ? 'in_features' : undefined;
  return undefined;
}

function featureParam(call: LayerCall): string | undefined {
  if (call.norm === 'batch' || call.norm === 'instance' || call.norm === 'frozen') return call.kind.startsWith('Lazy') ? undefined : 'num_features';
  if (call.norm === 'group') return 'num_channels';
  return undefined;
}

/** Rank of a Keras conv's output (batch, spatial..., channels). */
function kerasConvRank(kind: string): number | undefined {
  const m = /(\d)D/.exec(kind);
  return m ? Number(m[1]) + 2 : undefined;
}

const AXIS_NAMES: Readonly<Record<number, readonly string[]>> = {
  3: ['batch', 'length', 'channels'],
  4: ['batch', 'height', 'width', 'channels'],
  5: ['batch', 'depth', 'height', 'width', 'channels'],
};

/** Name of axis `axis` (non-negative) of a rank-`rank` tensor whose channels are at `channelAxis`. */
function axisName(axis: number, rank: number | undefined, channelAxis: number | undefined): string {
  if (axis === 0) return 'the batch axis';
  if (axis === channelAxis) return 'the channel axis';
  if (rank === undefined || channelAxis === undefined) return 'a spatial axis';
  const names = channelAxis === rank - 1 ? AXIS_NAMES[rank] : AXIS_NAMES[rank]?.map((_, i) => (i === 0 ? 'batch' : i === 1 ? 'channels' : (AXIS_NAMES[rank]?.[i - 1] ?? '?')));
  return `the ${names?.[axis] ?? 'spatial'} axis`;
}

/**
 * Keras/Flax BatchNormalization infers its feature count from its input, so the count cannot be
 * wrong; the axis can. After a conv, the channels sit on the last axis (Keras `channels_last`, the
 * default; Flax is always NHWC) or on axis 1 (Keras `channels_first`): a norm axis elsewhere
 * normalizes rows or columns, not channels.
 */
function axisReport(flow: Flow): ClassReport | undefined {
  const producer = flow.from.call;
  const norm = flow.to.call;
  if (!producer || !norm || producer.family !== 'conv' || norm.norm !== 'batch' || producer.framework !== norm.framework) return undefined;
  if (producer.framework !== 'keras' && producer.framework !== 'flax') return undefined;
  const axisArg = argument(norm, 'axis');
  const axisValue = paramValue(norm, 'axis');
  if (axisValue?.kind !== 'number' || !axisValue.isInteger) return undefined;
  let rank: number | undefined;
  let channelAxis: number | undefined;
  let format = '';
  let assumed = false;
  let formatArg: Argument | undefined;
  if (producer.framework === 'keras') {
    rank = kerasConvRank(producer.kind);
    if (rank === undefined) return undefined;
    formatArg = argument(producer, 'data_format');
    const df = formatArg?.value;
    if (formatArg && df?.kind !== 'string') return undefined;
    const first = df?.kind === 'string' && df.value === 'channels_first';
    if (df?.kind === 'string' && !first && df.value !== 'channels_last') return undefined;
    // Without data_format, Keras takes the global image_data_format (channels_last unless configured).
    assumed = !formatArg;
    channelAxis = first ? 1 : rank - 1;
    format = first ? "data_format='channels_first'" : assumed ? "Keras' default data_format, channels_last" : "data_format='channels_last'";
    if (assumed && !axisArg) return undefined;
  } else {
    // Flax convs are channels-last; the rank follows from a literal kernel_size tuple.
    const k = paramValue(producer, 'kernel_size');
    rank = k?.kind === 'sequence' ? k.items.length + 2 : undefined;
    channelAxis = rank !== undefined ? rank - 1 : undefined;
    format = 'Flax convolutions are channels-last';
    if (!axisArg) return undefined;
  }
  const axis = axisValue.value < 0 ? (rank !== undefined ? rank + axisValue.value : undefined) : axisValue.value;
  if (axis === undefined) {
    // A negative axis with an unknown rank: only -1 is known to be the last (channel) axis.
    return undefined;
  }
  const wrong = channelAxis !== undefined ? axis !== channelAxis : producer.framework === 'flax' && axis === 1;
  if (!wrong) return undefined;
  const channelText = channelAxis === undefined ? '-1' : channelAxis === (rank ?? 0) - 1 ? '-1' : String(channelAxis);
  // The key is read when reporting: the offsets move with edits while the class is kept.
  return (context, reported) => {
    if (!firstReport(reported, `${norm.span.startOffset}:${producer.span.startOffset}:axis`)) return;
    context.report({
      messageId: 'axisMismatch',
      data: {
        norm: `${norm.kind} (${flow.to.path})`,
        axis: String(axisValue.value),
        axisName: axisName(axis, rank, channelAxis),
        producer: `${producer.kind} (${flow.from.path})`,
        producerLine: context.where(producer.span),
        format,
        channel: channelText,
        habit: axis === 1 && channelAxis !== 1 ? ' (axis=1 is the channel axis only in PyTorch-style NCHW tensors)' : '',
      },
      span: axisArg?.span ?? norm.span,
      ...(assumed ? { severity: 'warning' as const } : {}),
      related: [{ span: formatArg?.span ?? producer.span, message: `${producer.kind}: ${format}` }],
    });
  };
}

export const bnFeaturesMismatch: Rule = {
  meta: {
    code: 'NRM402',
    name: 'bn-features-mismatch',
    defaultSeverity: 'error',
    summary: "A BatchNorm/InstanceNorm/GroupNorm (or FrozenBatchNorm2d) channel count that differs from the channels the layer before it produces.",
    messages: {
      instanceMismatch:
        '{{norm}} expects {{expected}} channels, but {{producer}} ({{producerLine}}) produces {{actual}} in the instance {{instance}}: PyTorch raises ' +
        '"running_mean should contain {{actualValue}} elements not {{expectedValue}}" (or a shape error) on its first forward pass{{inferred}}. Size the norm with the expression that sizes the producer\'s output.',
      mismatch:
        '{{norm}} expects {{expected}} channels, but {{producer}} ({{producerLine}}) produces {{actual}}: PyTorch raises "running_mean should contain {{actualValue}} elements not {{expectedValue}}" ' +
        '(or a shape error) on the first forward pass{{inferred}}. Use {{actualValue}} here.',
      inputChannels:
        '{{norm}} is sized with `{{expr}}`, the INPUT channel count of {{producer}} ({{producerLine}}), which outputs `{{out}}` channels: ' +
        'this breaks as soon as the two differ. Use the producer\'s output channel count.',
      axisMismatch:
        '{{norm}} normalizes axis {{axis}}, {{axisName}} of the output of {{producer}} ({{producerLine}}), whose channels are on axis {{channel}} ({{format}}): ' +
        'it keeps one mean and variance per row or column instead of per channel{{habit}}. Use axis={{channel}}.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'For each normalization layer fed directly by a convolution, linear or other normalization layer (in a `Sequential` or in the forward pass), compares its channel count ' +
        "(`num_features`, also of torchvision's and detectron2's `FrozenBatchNorm2d`; GroupNorm's `num_channels`) with the producer's output channels (`out_channels`, `out_features`, `num_features`). Values are resolved through constants, " +
        "defaults, config dicts and unrolled loops; a norm sized with the producer's input channel expression (`BatchNorm1d(cfg[1])` after `Conv1d(cfg[1], cfg[2])`) is reported too. " +
        'A block class parameterised by its width is also checked as each instance of it in the file builds it (`self.stem = Stem(width=32)` where `Stem` keeps a ' +
        '`BatchNorm2d(64)` after its `Conv2d(3, width, ...)`, nested blocks included): the finding sits on the norm in the class and names the instance and where its width is passed. ' +
        "The instance's constructor is followed as Python runs it with those arguments: an `if` their values decide takes its branch (`if downsample: dim = dim * 2`), and a loop " +
        'over known values runs block by block with what each iteration leaves (`in_chs = out_chs` at the end of a stage\'s loop: a `BatchNorm2d(in_chs * 2)` that fits the first ' +
        'block of `Stage(32, 64)` but not the second is reported on the second). ' +
        'Keras `BatchNormalization` and Flax `nn.BatchNorm` take no channel count (they infer it from their input when built), so for them the count cannot be wrong; what can be is the ' +
        "`axis` they normalize: after a Keras `ConvND` the channels are on axis -1 (`data_format='channels_last'`) or 1 (`'channels_first'`), after a Flax `nn.Conv` always on the last axis. " +
        'A `BatchNormalization(axis=1)` after a channels-last conv (or the default `axis=-1` after an explicitly channels-first one) is reported: an error when the conv states its ' +
        "`data_format`, a warning when it relies on Keras' global `image_data_format` (channels_last unless configured). Axes computed at run time " +
        "(`bn_axis = 3 if backend.image_data_format() == 'channels_last' else 1`) are not judged.",
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
        { title: 'Keras documentation: BatchNormalization (axis: the features axis, -1 for channels_last)', url: 'https://keras.io/api/layers/normalization_layers/batch_normalization/' },
        { title: 'Flax documentation: flax.linen.BatchNorm (axis, default -1; convolutions are NHWC)', url: 'https://flax.readthedocs.io/en/latest/api_reference/flax.linen/layers.html#flax.linen.BatchNorm' },
      ],
    },
  },
  check(context) {
    const reported = new Set<string>();
    REPORTS.run(context, reported);
    // The layers of a model-class instance sized by its constructor arguments (`Stem(width=32)`),
    // for a pair the class alone does not decide: the class's own finding, if any, comes first.
    INSTANCE_REPORTS.run(context, reported);
  },
};

/** The findings of one class's flows (kept per class object: see `PerClassReports`). */
const REPORTS = new PerClassReports((cls) => {
  const reports: ClassReport[] = [];
  for (const flow of cls.flows) {
    const axis = axisReport(flow);
    if (axis) reports.push(axis);
    const widths = widthsReport(flow);
    if (widths) reports.push(widths);
  }
  return reports;
});

/** The findings of an instance's flows (kept per instance). */
const INSTANCE_REPORTS = new PerInstanceReports((inst) => inst.flows.map((flow) => widthsReport(flow, inst)).filter((r) => r !== undefined));

/** A torch norm's channel count against its producer's output channels (in `inst`: as the instance sizes them). */
function widthsReport(flow: Flow, inst?: InstanceFlows): ClassReport | undefined {
  const producer = flow.from.call;
  const norm = flow.to.call;
  if (!producer || !norm || producer.framework !== 'torch' || norm.framework !== 'torch') return undefined;
  const fp = featureParam(norm);
  const op = outputParam(producer);
  if (!fp || !op) return undefined;
  const featArg = argument(norm, fp);
  const outArg = argument(producer, op);
  if (!featArg || !outArg) return undefined;
  // The key is read when reporting: the offsets move with edits while the class is kept.
  const key = (): string => `${norm.span.startOffset}:${producer.span.startOffset}`;
  const feat = featArg.value;
  const out = outArg.value;
  if (feat.kind === 'number' && out.kind === 'number') {
    if (feat.value === out.value) return undefined;
    const inferred = isInferred(feat) || isInferred(out);
    return (context, reported) => {
      if (!firstReport(reported, key())) return;
      const instance = inst ? describeInstance(inst, context.text, context.where) : undefined;
      context.report({
        messageId: instance ? 'instanceMismatch' : 'mismatch',
        data: {
          norm: `${norm.kind} (${flow.to.path})`,
          expected: describeValue(feat, context.where, inst && norm),
          producer: `${producer.kind} (${flow.from.path})`,
          producerLine: context.where(producer.span),
          actual: describeValue(out, context.where, inst && producer),
          inferred: inferred ? ' with the default values shown; a caller may pass others' : '',
          actualValue: showValue(out),
          expectedValue: showValue(feat),
          ...(instance ? { instance } : {}),
        },
        span: featArg.span,
        ...(inferred ? { severity: 'warning' as const } : {}),
        related: [
          { span: outArg.span, message: `${producer.kind} output channels: ${showValue(out)}` },
          ...(inst ? [{ span: inst.root.span, message: `the instance ${instanceName(inst)}, ${norm.kind} sized ${showValue(feat)}` }] : []),
        ],
      });
    };
  }
  // Symbolic: the norm is sized with the producer's input-channel expression (the class alone).
  if (inst) return undefined;
  const ip = inputParam(producer);
  const inArg = ip ? argument(producer, ip) : undefined;
  if (!inArg || feat.kind !== 'unknown' || !feat.symbol) return undefined;
  const input = inArg.value;
  if (input.kind !== 'unknown' || input.symbol !== feat.symbol) return undefined;
  if (out.kind === 'unknown' && out.symbol === feat.symbol) return undefined;
  return (context, reported) => {
    if (!firstReport(reported, key())) return;
    context.report({
      messageId: 'inputChannels',
      data: {
        norm: `${norm.kind} (${flow.to.path})`,
        expr: context.text.slice(featArg.valueSpan.startOffset, featArg.valueSpan.endOffset),
        producer: `${producer.kind} (${flow.from.path})`,
        producerLine: context.where(producer.span),
        out: context.text.slice(outArg.valueSpan.startOffset, outArg.valueSpan.endOffset),
      },
      span: featArg.span,
      severity: 'warning',
      related: [{ span: outArg.span, message: `${producer.kind} output channels` }],
    });
  };
}
