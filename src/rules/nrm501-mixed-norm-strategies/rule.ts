import { allLayers, argument, type LayerCall, type ModelClass, paramValue } from '../../ir/model';
import { showValue } from '../../ir/values';
import { lineOf } from '../shared/edits';
import type { Rule } from '../types';

function within(cls: ModelClass, call: LayerCall): boolean {
  return call.span.startOffset >= cls.span.startOffset && call.span.endOffset <= cls.span.endOffset;
}

/** Distinct batch-norm calls of a class, one per call site (loop iterations of one site count once). */
function batchNorms(cls: ModelClass): LayerCall[] {
  const bySpan = new Map<number, LayerCall>();
  for (const l of allLayers(cls.layers)) {
    const c = l.call;
    if (c && c.norm === 'batch' && within(cls, c) && !bySpan.has(c.span.startOffset)) bySpan.set(c.span.startOffset, c);
  }
  return [...bySpan.values()];
}

export const mixedNormStrategies: Rule = {
  meta: {
    code: 'NRM501',
    name: 'mixed-norm-strategies',
    defaultSeverity: 'warning',
    summary: 'Inconsistent normalization in one model: a norm_layer/norm_cfg parameter that some layers ignore, or BatchNorm layers with conflicting eps/momentum.',
    messages: {
      ignoresParameter:
        '{{kind}} (self.{{path}}) is hard-coded, while the other normalization layers of {{cls}} come from the `{{param}}` parameter (line {{paramLine}}): ' +
        'passing {{param}}=nn.GroupNorm (or SyncBatchNorm, FrozenBatchNorm) would change every norm except this one. Build it with {{param}}(...) too.',
      conflictingSetting:
        '{{kind}} (self.{{path}}) uses {{param}}={{value}}, while the other {{count}} BatchNorm layers of {{cls}} use {{param}}={{common}}: ' +
        'a setting that differs in one layer is usually a porting slip (e.g. a Keras epsilon 1e-3 in one place). Use {{param}}={{common}} unless the difference is intended.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'In each model class: (1) when a `norm_layer` / `norm` / `norm_cfg` constructor parameter builds some normalization layers, reports layers of the same kind that are built ' +
        'directly instead; (2) when all BatchNorm layers but one share the same `eps` / `momentum` (Keras/Flax: `epsilon`), reports the odd one.',
      whyIsThisBad:
        'A `norm_layer` parameter promises that the whole model switches normalization when a caller asks (GroupNorm for small batches, SyncBatchNorm for multi-GPU, FrozenBatchNorm for ' +
        'fine-tuning). A layer that hard-codes `nn.BatchNorm2d` silently stays BatchNorm, and is the one that breaks with batch size 2 or does not synchronize. Likewise, one BatchNorm ' +
        'with a different epsilon or momentum than all its siblings is rarely a decision: it changes how that layer normalizes and how its statistics average. Uniform designs ' +
        '(LayerNorm throughout a ConvNeXt, RMSNorm throughout a Llama) are not reported.',
      example: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn1 = norm_layer(c)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn2 = nn.BatchNorm2d(c)  # ignores norm_layer',
      useInstead: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn1 = norm_layer(c)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn2 = norm_layer(c)',
      fixSafety: 'No automatic fix: the intended design must be confirmed by the author.',
      references: [
        { title: 'torchvision ResNet: every normalization layer is built with norm_layer', url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py' },
        { title: 'Wu & He, "Group Normalization", ECCV 2018 (swapping BN for GN when batches are small)', url: 'https://arxiv.org/abs/1803.08494' },
      ],
    },
  },
  check(context) {
    for (const cls of context.ir.model.classes) {
      const layers = allLayers(cls.layers);
      // (1) a norm parameter that some layers ignore.
      for (const param of cls.normParameters) {
        if (!param.kind) continue;
        const used = layers.some((l) => l.call?.viaParameter === param.name);
        if (!used) continue;
        const reported = new Set<number>();
        for (const l of layers) {
          const c = l.call;
          if (!c || c.family !== 'norm' || c.viaParameter || c.kind !== param.kind || !within(cls, c) || reported.has(c.span.startOffset)) continue;
          reported.add(c.span.startOffset);
          context.report({
            messageId: 'ignoresParameter',
            data: { kind: c.kind, path: l.path, cls: cls.name, param: param.name, paramLine: lineOf(param.span) },
            span: c.span,
            related: [{ span: param.span, message: `the ${param.name} parameter the other norms use` }],
          });
        }
      }
      // (2) BatchNorm siblings with one odd eps/momentum.
      const bns = batchNorms(cls);
      if (bns.length < 3) continue;
      for (const param of ['eps', 'epsilon', 'momentum']) {
        const values = bns.map((c) => paramValue(c, param));
        if (values.some((v) => v?.kind !== 'number')) continue;
        if (!bns.some((c) => argument(c, param))) continue;
        const counts = new Map<number, number>();
        for (const v of values) if (v?.kind === 'number') counts.set(v.value, (counts.get(v.value) ?? 0) + 1);
        if (counts.size !== 2) continue;
        const [[a, na], [b, nb]] = [...counts.entries()] as [[number, number], [number, number]];
        if (Math.min(na, nb) !== 1) continue;
        const odd = na === 1 ? a : b;
        const common = na === 1 ? b : a;
        // A momentum in the other framework's convention is NRM301/NRM302's finding; do not point the wrong way.
        const framework = bns[0]?.framework;
        const foreign = (m: number) => (framework === 'torch' ? m > 0.5 && m < 1 : m > 0 && m < 0.5);
        if (param === 'momentum' && (foreign(odd) || foreign(common))) continue;
        const i = values.findIndex((v) => v?.kind === 'number' && v.value === odd);
        const call = bns[i];
        const value = values[i];
        if (!call || !value) continue;
        const path = layers.find((l) => l.call === call)?.path ?? call.kind;
        const arg = argument(call, param);
        context.report({
          messageId: 'conflictingSetting',
          data: { kind: call.kind, path, param, value: showValue(value), count: bns.length - 1, cls: cls.name, common: String(common) },
          span: arg?.span ?? call.span,
          related: bns.filter((c) => c !== call).slice(0, 3).map((c) => ({ span: c.span, message: `${c.kind} with ${param}=${common}` })),
        });
      }
    }
  },
};
