import { allLayers, argument, type Layer, type LayerCall, type ModelClass, type NormParameter, type NormType, paramValue } from '../../ir/model';
import type { Span } from '../../ir/span';
import { showValue, type Value } from '../../ir/values';
import { type ClassLookup, type ClassReport, PerClassReports } from '../shared/perClass';
import { epsTakesMomentum } from '../shared/momentum';
import type { RuleContext, Rule } from '../types';

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

/** The structure of a layer with its normalization abstracted away: siblings with equal shapes differ only in their norms. */
function shape(l: Layer): string {
  if (l.elements) return `${l.kind}[${l.elements.map(shape).join(',')}]`;
  if (l.moduleClass) return `module:${l.moduleClass}`;
  if (l.family === 'norm') return 'norm';
  return `${l.family}:${l.kind}`;
}

/** The norm leaves of a layer, depth first (the slots that `shape` abstracts). */
function normLeaves(l: Layer): Layer[] {
  if (l.elements) return l.elements.flatMap(normLeaves);
  return l.family === 'norm' && !l.moduleClass ? [l] : [];
}

/** What a sibling comparison sees of a norm: its statistic, with SyncBatchNorm told apart from per-device BatchNorm. */
function normKey(kind: string | undefined, norm: NormType | undefined): string | undefined {
  if (!norm) return undefined;
  return kind?.startsWith('SyncBatchNorm') ? 'sync-batch' : norm;
}

const NORM_NAMES: Readonly<Record<string, string>> = {
  batch: 'BatchNorm', 'sync-batch': 'SyncBatchNorm', instance: 'InstanceNorm', layer: 'LayerNorm', group: 'GroupNorm', rms: 'RMSNorm', lrn: 'LocalResponseNorm', unit: 'UnitNormalization', frozen: 'FrozenBatchNorm',
};

interface SiblingGroup {
  /** Where the siblings live, for messages: `self.layers`, or `self.stage1 … self.stage4`. */
  readonly where: string;
  readonly members: readonly Layer[];
}

/**
 * Groups of sibling blocks of one structure: elements of one container with the same shape, and
 * numbered attributes (`self.stage1`, `self.stage2`) with the same shape. Only composite blocks
 * (a container holding a norm and something else, or an instance of a model class): a list of bare
 * norms of different types is a deliberate choice (switchable normalization).
 */
function siblingGroups(cls: ModelClass): SiblingGroup[] {
  const groups: SiblingGroup[] = [];
  const composite = (l: Layer) => !l.conditional && (l.moduleClass !== undefined || ((l.elements?.length ?? 0) >= 2 && normLeaves(l).length > 0));
  const collect = (where: string, members: readonly Layer[]) => {
    const byShape = new Map<string, Layer[]>();
    for (const m of members) {
      if (!composite(m)) continue;
      const k = shape(m);
      byShape.set(k, [...(byShape.get(k) ?? []), m]);
    }
    for (const ms of byShape.values()) if (ms.length >= 2) groups.push({ where, members: ms });
  };
  for (const l of allLayers(cls.layers)) if (l.elements && l.family === 'container') collect(`self.${l.path}`, l.elements);
  const numbered = new Map<string, Layer[]>();
  for (const l of cls.layers) {
    if (!/\d/.test(l.path) || /[[.]/.test(l.path)) continue;
    const stem = l.path.replace(/\d+/g, '#');
    numbered.set(stem, [...(numbered.get(stem) ?? []), l]);
  }
  for (const [stem, ls] of numbered) if (ls.length >= 2) collect(`self.${stem.replace(/#/g, 'N')}`, ls);
  return groups;
}

/**
 * The members whose value is the odd one out: a unique majority value exists, and the member sits
 * strictly inside the run of siblings (a different first or last block is often a design: a stem,
 * a head, IBN-Net's InstanceNorm in shallow stages). Members built by the same expression as a
 * majority member (one loop whose body picks the norm per index) are a computed choice, not a slip.
 */
function oddInterior(members: readonly Layer[], values: readonly string[]): { odd: number[]; common: string; commonAt: number } | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  if (counts.size < 2) return undefined;
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const [top, second] = sorted;
  if (!top || !second || top[1] === second[1]) return undefined;
  const common = top[0];
  const majority = members.filter((_, i) => values[i] === common);
  const sameSite = (a: Span, b: Span) => a.startOffset === b.startOffset && a.endOffset === b.endOffset;
  const odd: number[] = [];
  values.forEach((v, i) => {
    if (v === common) return;
    const before = values.slice(0, i).includes(common);
    const after = values.slice(i + 1).includes(common);
    const m = members[i];
    if (before && after && m && !majority.some((x) => sameSite(x.span, m.span))) odd.push(i);
  });
  return odd.length ? { odd, common, commonAt: values.indexOf(common) } : undefined;
}

function checkSiblings(cls: ModelClass, lookup: ClassLookup, reports: ClassReport[]): void {
  const reported = new Set<number>();
  const report = (span: Span, r: (context: RuleContext) => Parameters<RuleContext['report']>[0]) => {
    if (reported.has(span.startOffset)) return;
    reported.add(span.startOffset);
    reports.push((context) => context.report(r(context)));
  };
  for (const group of siblingGroups(cls)) {
    const { members, where } = group;
    const first = members[0];
    if (!first) continue;
    if (first.moduleClass) {
      // Instances of one model class: compare what each passes to the class's norm parameters.
      const blockClass = first.moduleClass;
      const target = lookup(blockClass);
      for (const param of target?.normParameters ?? []) {
        const args = members.map((m) => m.normArguments?.find((a) => a.name === param.name));
        const passing = args.filter((a) => a !== undefined);
        const omitting = members.filter((_, i) => !args[i]);
        // (a) some siblings pass the norm parameter, others leave it at its default. Counted by call
        // site: `[Block(c, norm_layer=norm_layer)] + [Block(c) for _ in range(n)]` is one against one.
        const sites = (ls: readonly { span: Span }[]) => new Set(ls.map((l) => l.span.startOffset)).size;
        if (passing.length > 0 && omitting.length > 0 && sites(passing) >= sites(omitting) && param.kind) {
          const sample = passing[0];
          // A value that is the enclosing class's own norm parameter varies with its caller, whatever its default.
          const forwarded = (text: string) => cls.normParameters.some((p) => p.name === text || `self.${p.name}` === text || `self._${p.name}` === text);
          const sameAsDefault = passing.every((a) => a.kind !== undefined && !forwarded(a.text) && normKey(a.kind, a.norm) === normKey(param.kind, param.norm));
          const defaultKind = param.kind;
          if (sample && !sameAsDefault) {
            for (const m of omitting) {
              const sibling = members.find((_, i) => args[i]);
              report(m.span, (context) => ({
                messageId: 'siblingOmitsParameter',
                data: { cls: blockClass, path: m.path, param: param.name, kind: defaultKind, count: passing.length, where, value: sample.text, line: context.where(sample.span) },
                span: m.span,
                related: [
                  { span: sample.span, message: `a sibling passes ${param.name}=${sample.text}` },
                  ...(sibling ? [{ span: sibling.span, message: `sibling ${sibling.path}` }] : []),
                  { span: param.span, message: `the ${param.name} parameter of ${blockClass} (default ${defaultKind})` },
                ],
              }));
            }
            continue;
          }
        }
        // (b) every sibling passes a known norm, and an interior one differs.
        if (passing.length !== members.length) continue;
        const values = args.map((a) => normKey(a?.kind, a?.norm));
        if (values.some((v) => v === undefined)) continue;
        const odd = oddInterior(members, values as string[]);
        if (!odd) continue;
        for (const i of odd.odd) {
          const a = args[i];
          const m = members[i];
          const model = args[odd.commonAt];
          if (!a || !m || !model) continue;
          report(a.span, () => ({
            messageId: 'siblingDiffers',
            data: { path: m.path, norm: a.kind ?? '?', where, count: members.length, common: NORM_NAMES[odd.common] ?? odd.common, commonCount: values.filter((v) => v === odd.common).length },
            span: a.span,
            related: [{ span: model.span, message: `a sibling block passes ${model.text}` }],
          }));
        }
      }
      continue;
    }
    // Containers of one shape: compare the norm at each position.
    const leaves = members.map(normLeaves);
    const slots = leaves[0]?.length ?? 0;
    for (let s = 0; s < slots; s++) {
      const at = leaves.map((ls) => ls[s]);
      const values = at.map((l) => normKey(l?.kind, l?.norm));
      if (values.some((v) => v === undefined)) continue;
      const odd = oddInterior(members, values as string[]);
      if (!odd) continue;
      for (const i of odd.odd) {
        const leaf = at[i];
        const m = members[i];
        const model = at[odd.commonAt];
        if (!leaf || !m || !model) continue;
        const span = leaf.call?.span ?? leaf.span;
        report(span, () => ({
          messageId: 'siblingDiffers',
          data: { path: m.path, norm: leaf.kind, where, count: members.length, common: NORM_NAMES[odd.common] ?? odd.common, commonCount: values.filter((v) => v === odd.common).length },
          span,
          related: [{ span: model.call?.span ?? model.span, message: `the ${model.kind} of sibling ${model.path}` }],
        }));
      }
    }
  }
}

export const mixedNormStrategies: Rule = {
  meta: {
    code: 'NRM501',
    name: 'mixed-norm-strategies',
    defaultSeverity: 'warning',
    summary: 'Inconsistent normalization in one model: a norm_layer/norm_cfg parameter that some layers ignore, sibling blocks of one structure with different norm types, or BatchNorm layers with conflicting eps/momentum.',
    messages: {
      ignoresParameter:
        '{{kind}} (self.{{path}}) is hard-coded, while the other normalization layers of {{cls}} come from the `{{param}}` parameter ({{paramLine}}): ' +
        'passing {{alternative}} would change every norm except this one. Build it with {{build}} too.',
      conflictingSetting:
        '{{kind}} (self.{{path}}) uses {{param}}={{value}}, while the other {{count}} BatchNorm layers of {{cls}} use {{param}}={{common}}: ' +
        'a setting that differs in one layer is usually a porting slip (e.g. a Keras epsilon 1e-3 in one place). Use {{param}}={{common}} unless the difference is intended.',
      siblingDiffers:
        '{{norm}} in {{path}}, while {{commonCount}} of the {{count}} blocks of the same structure in {{where}} (before and after it) use {{common}}: ' +
        'one block normalizing differently from its siblings is usually a copy-paste slip. Use {{common}} here too, or make the choice explicit (a norm_layer argument).',
      siblingOmitsParameter:
        '{{cls}} ({{path}}) is built without `{{param}}` and so gets the default {{kind}}, while its sibling {{cls}} blocks in {{where}} pass {{param}}={{value}} ({{line}}): ' +
        'a caller choosing another norm changes every block but this one. Pass {{param}}={{value}} here too.',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'In each model class: (1) when a `norm_layer` / `norm` / `norm_cfg` constructor parameter builds some normalization layers, reports layers of the same kind that are built ' +
        'directly instead; (2) when all BatchNorm layers but one share the same `eps` / `momentum` (Keras/Flax: `epsilon`), reports the odd one; (3) among sibling blocks of one ' +
        'structure — the elements of one `Sequential` / `ModuleList` / list, or numbered attributes (`self.stage1`, `self.stage2`, ...), that have the same layers in the same order ' +
        'once their norms are set aside, or instances of one block class — reports a block whose norm type differs from the one most siblings use (e.g. one GroupNorm block among ' +
        'BatchNorm blocks, one BatchNorm among SyncBatchNorm), and a block instance built without the `norm_layer` argument that its siblings pass (so it silently falls back to ' +
        "the class's default). To keep deliberate designs clean, a different norm is only reported when siblings with the majority norm come both before and after it (a different " +
        'first or last block is often a stem, a head, or a stage-wise design such as IBN-Net\'s InstanceNorm in shallow stages), when there is a strict majority, and when the blocks ' +
        'come from different expressions (a loop that picks the norm per index, `nn.GroupNorm(...) if i < 2 else nn.BatchNorm2d(...)`, is a computed choice). A list of bare norms ' +
        'of different types (switchable normalization) and blocks of different structures (a BatchNorm conv stem before LayerNorm transformer blocks) are never compared.',
      whyIsThisBad:
        'A `norm_layer` parameter promises that the whole model switches normalization when a caller asks (GroupNorm for small batches, SyncBatchNorm for multi-GPU, FrozenBatchNorm for ' +
        'fine-tuning). A layer that hard-codes `nn.BatchNorm2d` silently stays BatchNorm, and is the one that breaks with batch size 2 or does not synchronize; the same holds for a block ' +
        'built without the `norm_layer` its siblings receive. Blocks repeated with one structure are meant to compute the same function at different depths: one of them with ' +
        'another norm type is almost always a copy-paste slip (the one block that does not synchronize its statistics, or that keeps running statistics when the others do not). Likewise, one BatchNorm ' +
        'with a different epsilon or momentum than all its siblings is rarely a decision: it changes how that layer normalizes and how its statistics average. Uniform designs ' +
        '(LayerNorm throughout a ConvNeXt, RMSNorm throughout a Llama) are not reported.',
      example: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn1 = norm_layer(c)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn2 = nn.BatchNorm2d(c)  # ignores norm_layer',
      useInstead: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c, norm_layer=nn.BatchNorm2d):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn1 = norm_layer(c)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn2 = norm_layer(c)',
      fixSafety: 'No automatic fix: the intended design must be confirmed by the author.',
      references: [
        { title: 'torchvision ResNet: every normalization layer is built with norm_layer', url: 'https://github.com/pytorch/vision/blob/main/torchvision/models/resnet.py' },
        { title: 'Wu & He, "Group Normalization", ECCV 2018 (swapping BN for GN when batches are small)', url: 'https://arxiv.org/abs/1803.08494' },
        { title: 'Pan et al., "Two at Once: Enhancing Learning and Generalization Capacities via IBN-Net", ECCV 2018 (a deliberate stage-wise mix, not reported)', url: 'https://arxiv.org/abs/1807.09441' },
      ],
    },
  },
  check(context) {
    REPORTS.run(context);
  },
};

/**
 * What a user might pass for a norm parameter, as the example of a change this layer would miss:
 * for a BatchNorm default, another strategy (GroupNorm, SyncBatchNorm, frozen BatchNorm); for a
 * LayerNorm or RMSNorm default (transformers), another epsilon, as timm's and mmcv's ViTs are
 * given; else BatchNorm. In the parameter's own terms: an mmcv config, a detectron2 name, a class.
 */
function alternativeFor(param: NormParameter, kind: string, builder: string | undefined): string {
  const name = param.name;
  const layerLike = /(LayerNorm|RMSNorm|RmsNorm)/.test(kind);
  const batch = /BatchNorm/.test(kind);
  // Another epsilon than the default's (timm's and mmcv's ViTs pass 1e-6).
  const eps = defaultEps(param.default) === 1e-6 ? '1e-5' : '1e-6';
  if (builder === 'build_norm_layer') return layerLike ? `${name}=dict(type='LN', eps=${eps})` : batch ? `${name}=dict(type='GN', num_groups=32) (or SyncBN, IN)` : `${name}=dict(type='SyncBN')`;
  if (builder === 'get_norm') return batch ? `${name}='GN' (or 'SyncBN', 'FrozenBN')` : `${name}='SyncBN'`;
  return layerLike ? `${name}=partial(nn.LayerNorm, eps=${eps})` : batch ? `${name}=nn.GroupNorm (or SyncBatchNorm, FrozenBatchNorm)` : `${name}=nn.BatchNorm2d`;
}

/** The `eps` a norm parameter's default sets (a config's entry, a partial's keyword), if a number. */
function defaultEps(value: Value | undefined): number | undefined {
  const eps = value?.kind === 'dict' ? value.entries.find(([k]) => k === 'eps')?.[1] : value?.kind === 'callable' ? value.boundKeywords.find(([k]) => k === 'eps')?.[1] : undefined;
  return eps?.kind === 'number' ? eps.value : undefined;
}

/** The findings of one class (kept per class: they read the class and the block classes it instantiates). */
function classReports(cls: ModelClass, lookup: ClassLookup): ClassReport[] {
  const reports: ClassReport[] = [];
  checkSiblings(cls, lookup, reports);
  const layers = allLayers(cls.layers);
  // (1) a norm parameter that some layers ignore.
  for (const param of cls.normParameters) {
    if (!param.kind) continue;
    const user = layers.find((l) => l.call?.viaParameter === param.name)?.call;
    if (!user) continue;
    // A config (mmcv's `build_norm_layer(norm_cfg, C)`, detectron2's `get_norm(norm, C)`) or a class (`norm_layer(C)`).
    const builder = /(?:^|\.)(build_norm_layer|get_norm)$/.exec(user.callee)?.[1];
    const advice = { alternative: alternativeFor(param, param.kind, builder), build: builder === 'build_norm_layer' ? `build_norm_layer(${param.name}, C)[1]` : builder === 'get_norm' ? `get_norm(${param.name}, C)` : `${param.name}(...)` };
    const reported = new Set<number>();
    for (const l of layers) {
      const c = l.call;
      if (!c || c.family !== 'norm' || c.viaParameter || c.kind !== param.kind || !within(cls, c) || reported.has(c.span.startOffset)) continue;
      reported.add(c.span.startOffset);
      reports.push((context) =>
        context.report({
          messageId: 'ignoresParameter',
          data: {
            kind: c.kind,
            path: l.path,
            cls: cls.name,
            param: param.name,
            paramLine: context.where(param.span),
            alternative: advice.alternative,
            // (A norm of mmcv's ConvModule takes the config through the module.)
            build: /(^|\.)ConvModule$/.test(c.callee) ? `ConvModule(..., ${param.name}=${param.name})` : advice.build,
          },
          span: c.span,
          related: [{ span: param.span, message: `the ${param.name} parameter the other norms use` }],
        }),
      );
    }
  }
  // (2) BatchNorm siblings with one odd eps/momentum.
  const bns = batchNorms(cls);
  if (bns.length < 3) return reports;
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
    // So is a PyTorch momentum passed where eps goes (`BatchNorm2d(128, 0.8)`, NRM301).
    if (param === 'eps' && framework === 'torch' && bns.some((c) => epsTakesMomentum(c) !== undefined)) continue;
    const i = values.findIndex((v) => v?.kind === 'number' && v.value === odd);
    const call = bns[i];
    const value = values[i];
    if (!call || !value) continue;
    const path = layers.find((l) => l.call === call)?.path ?? call.kind;
    const arg = argument(call, param);
    reports.push((context) =>
      context.report({
        messageId: 'conflictingSetting',
        data: { kind: call.kind, path, param, value: showValue(value), count: bns.length - 1, cls: cls.name, common: String(common) },
        span: arg?.span ?? call.span,
        related: bns.filter((c) => c !== call).slice(0, 3).map((c) => ({ span: c.span, message: `${c.kind} with ${param}=${common}` })),
      }),
    );
  }
  return reports;
}

const REPORTS = new PerClassReports(classReports);
