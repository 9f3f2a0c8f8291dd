import { exclusiveSteps, paramValue, type ForwardStep, type Layer, type LayerCall, type ModelClass } from '../../ir/model';
import type { Span } from '../../ir/span';
import { type PassStep, passSteps } from '../shared/forward';
import { type ClassReport, PerClassReports } from '../shared/perClass';
import type { Rule } from '../types';

/**
 * Two calls in one pass on the value of the same steps (`self.pos_ln(pos_embedding)` computed
 * twice, for two attention biases): the same tensor normalized again, nothing shared between
 * two distributions.
 */
function sameInput(a: PassStep, b: PassStep): boolean {
  const x = a.step.inputs;
  const y = b.step.inputs;
  // (-1 is the pass's input, any of its parameters: `self.norm(x)` and `self.norm(context)` both read it.)
  return a.via === b.via && x.length > 0 && x.length === y.length && x.every((v, i) => v >= 0 && v === y[i]);
}

/**
 * Two calls in one pass on the outputs of one layer called twice (`z1 = self.projector(y1)`,
 * `z2 = self.projector(y2)`, then `self.bn(z1)` and `self.bn(z2)`: Barlow Twins): the norm
 * belongs to a siamese pair of branches, shared like the layers before it, on purpose.
 */
function siameseInputs(a: PassStep, b: PassStep, cls: ModelClass): boolean {
  const x = a.step.inputs;
  const y = b.step.inputs;
  if (a.via !== b.via || x.length === 0 || x.length !== y.length) return false;
  const steps = a.via ? a.via.steps : (cls.forward?.steps ?? []);
  return x.every((v, i) => {
    const p = v >= 0 ? steps[v] : undefined;
    const q = y[i] >= 0 ? steps[y[i]] : undefined;
    return p !== undefined && q !== undefined && p !== q && p.op === 'layer' && q.op === 'layer' && !p.call && !q.call && p.target === q.target;
  });
}

/** What two inputs of one norm share: its running statistics (BatchNorm, InstanceNorm tracking them) and its affine parameters, where it has them. */
function sharedState(call: LayerCall): string | undefined {
  const flag = (name: string) => {
    const v = paramValue(call, name);
    return v?.kind === 'bool' ? v.value : undefined;
  };
  const stats = (call.norm === 'batch' || call.norm === 'instance') && flag('track_running_stats') !== false && (call.norm === 'batch' || flag('track_running_stats') === true);
  // (PyTorch: `affine` / `elementwise_affine`; Keras: `scale` and `center`; Flax: `use_scale` and `use_bias`.)
  const affine = flag('affine') ?? flag('elementwise_affine') ?? ((flag('scale') !== false || flag('center') !== false) && (flag('use_scale') !== false || flag('use_bias') !== false));
  return stats && affine ? 'running statistics and affine parameters' : stats ? 'running statistics' : affine ? 'affine parameters' : undefined;
}

export const normModuleReused: Rule = {
  meta: {
    code: 'NRM505',
    name: 'norm-module-reused',
    defaultSeverity: 'warning',
    summary: 'One normalization module called at two places in a forward pass, or on every iteration of a loop over different layers: its statistics and affine parameters are shared by accident.',
    messages: {
      reused:
        'self.{{path}} ({{kind}}) is called here{{here}} and {{first}} in the same forward pass: both inputs share one set of {{shared}}. ' +
        'Create a separate {{kind}} for each place (e.g. self.{{path}}_2).',
      reusedInLoop:
        'self.{{path}} ({{kind}}) is called on every iteration of the loop on {{loopLine}}, each time on the output of another layer ({{producers}}): ' +
        'all iterations share one set of running statistics and affine parameters, so the running estimate mixes the outputs of every layer and fits none of them at inference. ' +
        'Create one {{kind}} per iteration (e.g. an nn.ModuleList built alongside {{alongside}}).',
    },
    fix: 'none',
    docs: {
      whatItDoes:
        'Finds a normalization layer attribute (`self.bn`, `self.norm`) called at two or more places of `forward` / `call` / `__call__` that can run in the same pass, including the ' +
        'helper methods of the same class that the forward pass calls (`self._block(x)`, `self.forward_features(x)`). Calling one helper (or submodule) twice is deliberate weight ' +
        'sharing (a siamese encoder) and is not reported, nor is one norm on the outputs of one layer called on two inputs (Barlow Twins\' BatchNorm on the embeddings its projector makes of two views); two different call sites of the same norm after different layers are. So is one BatchNorm called in a loop on the output of a layer that changes with the ' +
        'iteration (`for conv in self.convs: x = self.bn(conv(x))`); a loop that runs the same layers each time (one encoder on several inputs, a weight-tied recurrence) is left alone, and so is a `FrozenBatchNorm2d` (nothing in it changes in training).',
      whyIsThisBad:
        'A normalization layer is not a stateless function: it owns a learned scale and shift, and BatchNorm also keeps running mean and variance. Calling the same instance on two ' +
        'different tensors (after two different convs, on two branches) makes them share the affine parameters and, for BatchNorm, mixes both distributions into one running estimate ' +
        'that fits neither at inference. It usually comes from writing `self.bn = nn.BatchNorm2d(c)` once and using it after every conv, as one would a `ReLU`. ' +
        'Calls in mutually exclusive `if` / `else` branches are not reported, nor a second call on the same value (a norm applied twice to one tensor only recomputes it), nor calls under opposite tests of one flag of the module, even in two `if`s or in a helper (`if self.do_layer_norm_before:` before attention, `if not self.do_layer_norm_before:` after it: OPT\'s pre-norm or post-norm layer). Reuse of a norm with running statistics (BatchNorm, an InstanceNorm with `track_running_stats=True`) is a warning; of one with affine parameters only (LayerNorm, GroupNorm, RMSNorm, an InstanceNorm with `affine=True`) information; a norm with neither (`nn.LayerNorm(d, elementwise_affine=False)`, an `InstanceNorm2d` by default) shares nothing and is not reported.',
      example: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn = nn.BatchNorm2d(c)\n\n    def forward(self, x):\n        x = self.bn(self.conv1(x)).relu()\n        return self.bn(self.conv2(x)).relu()',
      useInstead: 'import torch.nn as nn\n\nclass Block(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn1 = nn.BatchNorm2d(c)\n        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)\n        self.bn2 = nn.BatchNorm2d(c)\n\n    def forward(self, x):\n        x = self.bn1(self.conv1(x)).relu()\n        return self.bn2(self.conv2(x)).relu()',
      fixSafety: 'No automatic fix: a new layer changes the parameter set (and checkpoints).',
      references: [
        { title: 'PyTorch forums: "Reusing the same BatchNorm layer" (running statistics are shared)', url: 'https://discuss.pytorch.org/t/is-it-okay-to-reuse-batchnorm-layers/13577' },
        { title: 'PyTorch documentation: torch.nn.BatchNorm2d (running_mean / running_var buffers)', url: 'https://pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html' },
      ],
    },
  },
  check(context) {
    REPORTS.run(context);
  },
};

/** The findings of one class (kept per class: they read only the class). */
function classReports(cls: ModelClass): ClassReport[] {
  const reports: ClassReport[] = [];
  const reported = new Set<string>();
  const byPath = new Map<string, Layer>(cls.layers.map((l) => [l.path, l]));
  const calls = new Map<string, PassStep[]>();
  for (const p of passSteps(cls)) {
    const s = p.step;
    if (s.op !== 'layer' || s.call) continue;
    const layer = byPath.get(s.target);
    // (A FrozenBatchNorm2d holds no statistics or parameters that training changes: sharing one is harmless.)
    if (!layer || layer.family !== 'norm' || layer.norm === 'frozen' || !layer.call || layer.repeated) continue;
    const list = calls.get(s.target) ?? [];
    if (!list.some((x) => x.step.span.startOffset === s.span.startOffset)) list.push(p);
    calls.set(s.target, list);
  }
  for (const [path, list] of calls) {
    if (list.length < 2) continue;
    const layer = byPath.get(path);
    const call = layer?.call;
    if (!layer || !call) continue;
    list.sort((a, b) => a.step.span.startOffset - b.step.span.startOffset);
    const first = list[0];
    const second = list.slice(1).find((s) => first && !exclusiveSteps(first.step, s.step) && !sameInput(first, s) && !siameseInputs(first, s, cls));
    if (!first || !second) continue;
    const shared = sharedState(call);
    // (A norm without statistics or affine parameters, `nn.LayerNorm(d, elementwise_affine=False)`, is a function: nothing to share.)
    if (shared === undefined) continue;
    const stats = shared.startsWith('running');
    reported.add(path);
    reports.push((context) => {
      const through = (p: PassStep) => (p.via ? ` (in self.${p.via.name}, called on ${context.where(p.via.callSite)})` : '');
      // (Both on one line, `x, y = self.norm(x), self.norm(y)`: "on line 148" would name the line it is on.)
      const sameLine = first.via === second.via && first.step.span.start.line === second.step.span.start.line;
      const firstAt = sameLine ? 'before it on the same line' : `on ${context.where(first.step.span)}${first.via === second.via ? '' : through(first)}`;
      context.report({
        messageId: 'reused',
        data: { path, kind: call.kind, first: firstAt, here: through(second), shared },
        span: second.step.span,
        ...(stats ? {} : { severity: 'info' as const }),
        related: [
          { span: first.step.span, message: `first call of self.${path}` },
          ...[...new Set([first.via, second.via])].flatMap((via) => (via ? [{ span: via.callSite, message: `self.${via.name} is called from the forward pass here` }] : [])),
          { span: call.span, message: `the one ${call.kind} instance` },
        ],
      });
    });
  }
  // One BatchNorm called in a loop after a layer that changes with the iteration
  // (`for conv in self.convs: x = self.bn(conv(x))`): the same sharing, once per iteration.
  for (const steps of [cls.forward?.steps ?? [], ...(cls.helperPasses ?? []).map((h) => h.steps)]) {
    for (const found of sharedInLoop(steps, byPath)) {
      if (reported.has(found.path)) continue;
      reported.add(found.path);
      const { step, call, loop, producers } = found;
      const containers = [...new Set(producers.map((t) => t.replace(/\[[^\]]*\]$/, '')))];
      const listed = [...new Set(producers)];
      reports.push((context) =>
        context.report({
          messageId: 'reusedInLoop',
          data: {
            path: found.path,
            kind: call.kind,
            loopLine: context.where(loop),
            producers: step.iteration === undefined ? `the elements of ${containers.map((c) => `self.${c}`).join(', ')}` : listed.length > 3 ? `${listed.slice(0, 3).join(', ')}, ...` : listed.join(', '),
            alongside: containers.map((c) => `self.${c}`).join(', '),
          },
          span: step.span,
          related: [
            { span: loop, message: 'the loop' },
            { span: call.span, message: `the one ${call.kind} instance` },
          ],
        }),
      );
    }
  }
  return reports;
}

const REPORTS = new PerClassReports(classReports);

/** A BatchNorm called in a loop after a layer that changes with the iteration (see `sharedInLoop`). */
interface SharedInLoop {
  readonly path: string;
  /** Its first step (the call site). */
  readonly step: ForwardStep;
  /** The BatchNorm's construction. */
  readonly call: LayerCall;
  readonly loop: Span;
  /** The paths of the layers feeding it, one per iteration (the container when the loop is not unrolled). */
  readonly producers: readonly string[];
}

/**
 * BatchNorm steps of one pass (forward or a helper: step indexes are local to it) that sit in a
 * loop and normalize, at each iteration, the output of a layer that differs between iterations:
 * an element of a container (`convs[0]`, `convs[1]`, ... when the loop is unrolled; the container
 * itself, standing for each of its elements, when its length is not known). A loop that calls the
 * same layers each time (a weight-tied recurrence, one encoder on several inputs) is deliberate
 * sharing and is left alone.
 */
function sharedInLoop(steps: readonly ForwardStep[], byPath: ReadonlyMap<string, Layer>): SharedInLoop[] {
  const bySite = new Map<number, ForwardStep[]>();
  for (const s of steps) {
    if (s.op !== 'layer' || s.call || !s.loop) continue;
    const layer = byPath.get(s.target);
    if (!layer || layer.norm !== 'batch' || !layer.call || layer.repeated) continue;
    const list = bySite.get(s.span.startOffset);
    if (list) list.push(s);
    else bySite.set(s.span.startOffset, [s]);
  }
  const out: SharedInLoop[] = [];
  for (const site of bySite.values()) {
    const first = site[0];
    const loop = first?.loop;
    const call = first ? byPath.get(first.target)?.call : undefined;
    if (!first || !loop || !call) continue;
    // The layers whose output the norm takes, inside the same loop.
    const producers: string[] = [];
    for (const s of site) {
      for (const i of s.inputs) {
        const p = i >= 0 ? steps[i] : undefined;
        if (p && p.op === 'layer' && !p.call && p.loop?.startOffset === loop.startOffset) producers.push(p.target);
      }
    }
    const varies = first.iteration === undefined
      ? producers.some((t) => t.endsWith('[*]') || byPath.get(t)?.family === 'container')
      : new Set(producers).size >= 2 && new Set(site.map((s) => s.iteration)).size >= 2;
    if (varies) out.push({ path: first.target, step: first, call, loop, producers });
  }
  return out;
}
