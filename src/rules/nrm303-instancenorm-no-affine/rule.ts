import { allLayers, everyLayerCall, type LayerCall, paramValue } from '../../ir/model';
import { appendKeyword } from '../shared/edits';
import type { Rule, TextEdit } from '../types';

function off(call: LayerCall, param: string): boolean {
  const v = paramValue(call, param);
  return v?.kind === 'bool' && !v.value;
}

function missingParam(attribute: string): 'affine' | 'track_running_stats' {
  return attribute === 'weight' || attribute === 'bias' ? 'affine' : 'track_running_stats';
}

function enable(call: LayerCall, text: string, param: string): TextEdit | undefined {
  return call.args.some((a) => a.name === param) ? undefined : appendKeyword(call, text, `${param}=True`);
}

export const instancenormNoAffine: Rule = {
  meta: {
    code: 'NRM303',
    name: 'instancenorm-no-affine',
    defaultSeverity: 'warning',
    summary: "InstanceNorm left at PyTorch's defaults (affine=False, no running statistics) where the code uses its weight, bias or running statistics.",
    messages: {
      readsMissing:
        'self.{{path}}.{{attribute}} is None: {{kind}} ({{line}}) is built with {{param}}=False (PyTorch\'s InstanceNorm default, unlike BatchNorm), so it has no {{what}}. ' +
        'Pass {{param}}=True where it is built if the layer should have them.',
      initTouchesMissing:
        '{{kind}} is built with {{param}}=False (PyTorch\'s InstanceNorm default), but the isinstance block on {{initLine}} treats it like BatchNorm and uses m.{{attribute}}, which is None ' +
        "for this layer (nn.init on None fails). Pass {{param}}=True here, or check `m.{{attribute}} is not None` there.",
    },
    fix: 'unsafe',
    docs: {
      whatItDoes:
        'Finds `InstanceNorm1d/2d/3d` layers built without `affine=True` (or without `track_running_stats=True`) whose `weight`/`bias` (or `running_mean`/`running_var`) the code reads: ' +
        'through `self.<layer>.weight`, or in an initialisation loop `if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)): nn.init.constant_(m.weight, 1)` that does not check for None.',
      whyIsThisBad:
        "PyTorch's `InstanceNorm*d` defaults to `affine=False` and `track_running_stats=False`, the opposite of BatchNorm. Its `weight`, `bias`, `running_mean` and `running_var` are then None: " +
        'code written for BatchNorm (weight initialisation, freezing, statistics export) crashes on `None`, or, worse, the author believes the layer learns a scale and shift that it does not ' +
        'have, and `eval()` normalizes with per-instance statistics instead of stored ones.',
      example: 'import torch.nn as nn\n\nnorm = nn.InstanceNorm2d(64)\nfor m in model.modules():\n    if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)):\n        nn.init.constant_(m.weight, 1)  # m.weight is None',
      useInstead: 'import torch.nn as nn\n\nnorm = nn.InstanceNorm2d(64, affine=True)\nfor m in model.modules():\n    if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d)) and m.weight is not None:\n        nn.init.constant_(m.weight, 1)',
      fixSafety: 'The fix adds `affine=True` (or `track_running_stats=True`) to the layer. It is unsafe: it adds parameters (or buffers), which changes training and the checkpoint format.',
      references: [
        { title: 'PyTorch documentation: torch.nn.InstanceNorm2d (affine and track_running_stats default to False)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.InstanceNorm2d.html' },
        { title: 'Ulyanov, Vedaldi & Lempitsky, "Instance Normalization", 2016', url: 'https://arxiv.org/abs/1607.08022' },
      ],
    },
  },
  check(context) {
    const { model } = context.ir;
    const reported = new Set<number>();
    for (const cls of model.classes) {
      if (cls.attributeReads.length === 0) continue;
      const byPath = new Map(allLayers(cls.layers).map((l) => [l.path, l]));
      for (const read of cls.attributeReads) {
        const call = byPath.get(read.path)?.call;
        if (!call || call.framework !== 'torch' || call.norm !== 'instance') continue;
        const param = missingParam(read.attribute);
        if (!off(call, param) || reported.has(read.span.startOffset)) continue;
        reported.add(read.span.startOffset);
        const edit = enable(call, context.text, param);
        context.report({
          messageId: 'readsMissing',
          data: { path: read.path, attribute: read.attribute, kind: call.kind, line: context.where(call.span), param, what: param === 'affine' ? 'weight or bias' : 'running statistics' },
          span: read.span,
          ...(edit ? { fix: { title: `Build ${call.kind} with ${param}=True`, safe: false, edits: [edit] } } : {}),
          related: [{ span: call.span, message: `${call.kind} built with ${param}=False` }],
        });
      }
    }
    const guards = model.typeGuardedAccesses.filter((g) => !g.guarded && g.kinds.some((k) => k.includes('InstanceNorm')));
    if (guards.length === 0) return;
    for (const call of everyLayerCall(model)) {
      if (call.framework !== 'torch' || call.norm !== 'instance') continue;
      const guard = guards.find((g) => g.kinds.includes(call.kind));
      if (!guard) continue;
      const attribute = guard.attributes.find((a) => off(call, missingParam(a)));
      if (!attribute || reported.has(call.span.startOffset)) continue;
      reported.add(call.span.startOffset);
      const param = missingParam(attribute);
      const edit = enable(call, context.text, param);
      context.report({
        messageId: 'initTouchesMissing',
        data: { kind: call.kind, param, initLine: context.where(guard.span), attribute },
        span: call.span,
        ...(edit ? { fix: { title: `Build ${call.kind} with ${param}=True`, safe: false, edits: [edit] } } : {}),
        related: [{ span: guard.span, message: `uses m.${attribute} for ${call.kind}` }],
      });
    }
  },
};
