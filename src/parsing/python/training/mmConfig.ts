/**
 * OpenMMLab config files (mmdetection, mmsegmentation, mmpretrain; MMEngine and mmcv 1.x
 * styles): module-level dicts that a framework runner trains from, with no training code in the
 * file. What the training rules need from one: the model dict's norm configs (`norm_cfg=dict(
 * type='BN')`) and whether each trains its statistics (`norm_eval`), the per-GPU batch
 * (`train_dataloader=dict(batch_size=...)`, mmcv 1.x `data=dict(samples_per_gpu=...)`), gradient
 * accumulation (`optim_wrapper=dict(accumulative_counts=...)`), and the runner's SyncBN
 * conversion (`sync_bn='torch'`). Values inherited through `_base_` are not in view.
 */
import type { DataLoaderIR, GradAccumIR, KnownValue, LayerFact, ModelFacts, ModelVariable } from '../../../ir/training';
import type { Span } from '../../../ir/span';
import { configNormClassName } from '../configBuilders';
import { literalValue, spanOf } from '../syntax';
import type { SyntaxNode as Node } from '../syntaxTree';
import { BN_KINDS } from './classes';
import { callArgs, unparen } from './util';
import type { ValueResolver } from './values';

export interface MMConfigFacts {
  readonly models: readonly ModelVariable[];
  readonly loaders: readonly DataLoaderIR[];
  readonly gradAccum: readonly GradAccumIR[];
  /** `sync_bn='torch'` (MMEngine's runner converts BatchNorm to SyncBatchNorm). */
  readonly syncBatchNorm: readonly { readonly span: Span; readonly text: string }[];
}

/** How deep a chain of names (`cfg = norm_cfg`) or nested dicts is followed. */
const MAX_DEPTH = 24;

/** A dict of a config: `dict(a=1)` or `{'a': 1}`, with its string-keyed entries in order. */
interface ConfigDict {
  readonly node: Node;
  readonly entries: ReadonlyMap<string, Node>;
}

/** A norm config of the model dict and whether its BatchNorm statistics train. */
interface NormConfig {
  readonly kind: string;
  /** The dict that names the type (followed through names: `norm_cfg=norm_cfg`). */
  readonly node: Node;
  /** BatchNorm statistics update during training: `true`, frozen by `norm_eval=True`: `false`, not known: undefined. */
  readonly trains: boolean | undefined;
  readonly requiresGrad: boolean;
}

/** The module's top-level assignments of a name (its right-hand sides, in order). */
type Definitions = ReadonlyMap<string, readonly Node[]>;

/**
 * The facts of an OpenMMLab config file, or undefined when the module is not one: it must assign
 * `model` a dict with a `type` and a training loader dict (or `data` dict), the pair every
 * trainable config has once its `_base_` files are merged.
 */
export function mmConfigFacts(root: Node, resolver: ValueResolver): MMConfigFacts | undefined {
  const defs = topLevelDefinitions(root);
  if (!defs.has('model') || !(defs.has('train_dataloader') || defs.has('data'))) return undefined;
  const model = lastDict(defs, 'model', root.endIndex);
  if (!model || !model.entries.has('type')) return undefined;
  const loaders = configLoaders(defs, root, resolver);
  if (loaders.length === 0) return undefined;
  const norms: NormConfig[] = [];
  collectNorms([{ key: 'model', dict: model }], defs, norms);
  const facts = modelFacts(model, norms);
  return {
    models: [{ name: 'model', function: '<module>', span: spanOf(model.node), facts }],
    loaders,
    gradAccum: gradAccum(defs, root, resolver),
    syncBatchNorm: syncBatchNorm(defs, root, resolver),
  };
}

/** The right-hand sides of the module's top-level `name = ...` assignments of the names a config is read from. */
function topLevelDefinitions(root: Node): Definitions {
  const out = new Map<string, Node[]>();
  for (const stmt of root.namedChildren) {
    if (stmt.type !== 'expression_statement') continue;
    const a = stmt.namedChildren[0];
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) continue;
    const list = out.get(left.text);
    if (list) list.push(right);
    else out.set(left.text, [right]);
  }
  return out;
}

/** The last top-level definition of `name` that starts before `before`. */
function lastDefinition(defs: Definitions, name: string, before: number): Node | undefined {
  const list = defs.get(name);
  let found: Node | undefined;
  for (const n of list ?? []) if (n.startIndex < before) found = n;
  return found;
}

/** An expression followed through module-level names (`norm_cfg=norm_cfg`) to what they were assigned. */
function follow(node: Node, defs: Definitions, depth = 0): Node {
  let n = unparen(node);
  for (let i = depth; n.type === 'identifier' && i < MAX_DEPTH; i++) {
    const d = lastDefinition(defs, n.text, n.startIndex);
    if (!d) break;
    n = unparen(d);
  }
  return n;
}

/** The dict an expression is (through names), or undefined. */
function configDict(node: Node, defs: Definitions): ConfigDict | undefined {
  const n = follow(node, defs);
  if (n.type === 'call' && n.childForFieldName('function')?.text === 'dict' && !n.hasError) return { node: n, entries: callArgs(n).keywords };
  if (n.type === 'dictionary' && !n.hasError) {
    const entries = new Map<string, Node>();
    for (const pair of n.namedChildren) {
      if (pair.type !== 'pair') continue;
      const k = pair.childForFieldName('key');
      const v = pair.childForFieldName('value');
      const lit = k ? literalValue(k) : undefined;
      if (lit?.kind === 'string' && v) entries.set(lit.value, v);
    }
    return { node: n, entries };
  }
  return undefined;
}

function lastDict(defs: Definitions, name: string, before: number): ConfigDict | undefined {
  const d = lastDefinition(defs, name, before);
  return d ? configDict(d, defs) : undefined;
}

/** A literal (through names) as a boolean, or undefined. */
function boolOf(node: Node | undefined, defs: Definitions): boolean | undefined {
  if (!node) return undefined;
  const v = literalValue(follow(node, defs));
  return v.kind === 'bool' ? v.value : undefined;
}

/** The layer class a norm config's `type` names: `'BN'` -> `BatchNorm2d`, `nn.SyncBatchNorm` -> `SyncBatchNorm`. */
function normKind(cfg: ConfigDict, defs: Definitions): string | undefined {
  const typeNode = cfg.entries.get('type');
  if (!typeNode) return undefined;
  const t = follow(typeNode, defs);
  const lit = literalValue(t);
  if (lit.kind === 'string') return configNormClassName(lit.value);
  if (t.type === 'attribute' || t.type === 'identifier') {
    const last = t.text.split('.').pop() ?? '';
    return BN_KINDS.has(last) || last === 'GroupNorm' || last === 'LayerNorm' ? last : undefined;
  }
  return undefined;
}

/** A dict of the model config and the key it is under (`backbone`, `decode_head`; `model` for the root). */
interface Level {
  readonly key: string;
  readonly dict: ConfigDict;
}

/**
 * The norm configs under the innermost dict of `path` (the dicts from the model down to it). A
 * BatchNorm's statistics train unless the nearest of those dicts that sets `norm_eval` sets it
 * to True (mmcv/mmdet/mmseg/mmpretrain backbones keep their BatchNorm in eval mode then); inside
 * a backbone that does not set it, the backbone class's default decides (True in mmdetection's
 * ResNet, False in mmpretrain's), so it is not known. Necks and heads have no `norm_eval`: their
 * BatchNorm trains.
 */
function collectNorms(path: readonly Level[], defs: Definitions, out: NormConfig[]): void {
  if (path.length > MAX_DEPTH) return;
  const dict = (path[path.length - 1]).dict;
  for (const [key, value] of dict.entries) {
    if (/(^|_)norm_cfg$/.test(key)) {
      const cfg = configDict(value, defs);
      const kind = cfg ? normKind(cfg, defs) : undefined;
      if (cfg && kind) out.push({ kind, node: cfg.node, trains: trainsStatistics(path, defs), requiresGrad: boolOf(cfg.entries.get('requires_grad'), defs) !== false });
      continue;
    }
    for (const item of dictsIn(value, defs)) collectNorms([...path, { key, dict: item }], defs, out);
  }
}

/** Whether BatchNorm under the innermost of `path` trains its statistics (see `collectNorms`). */
function trainsStatistics(path: readonly Level[], defs: Definitions): boolean | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const at = path[i];
    const normEval = at.dict.entries.get('norm_eval');
    if (normEval) {
      const v = boolOf(normEval, defs);
      return v === undefined ? undefined : !v;
    }
  }
  return path.some((p) => /(^|_)backbone$/.test(p.key)) ? undefined : true;
}

/** The dicts a config value holds: itself, or the dicts of a list or tuple of them. */
function dictsIn(value: Node, defs: Definitions): ConfigDict[] {
  const n = follow(value, defs);
  const d = configDict(n, defs);
  if (d) return [d];
  if (n.type === 'list' || n.type === 'tuple') return n.namedChildren.flatMap((c) => { const e = configDict(c, defs); return e ? [e] : []; });
  return [];
}

function modelFacts(model: ConfigDict, norms: readonly NormConfig[]): ModelFacts {
  const typeNode = model.entries.get('type');
  const type = typeNode ? literalValue(typeNode) : undefined;
  const fact = (n: NormConfig): LayerFact => ({ kind: n.kind, span: spanOf(n.node) });
  return {
    evidence: 'file',
    name: type?.kind === 'string' ? type.value : 'model',
    definitionSpan: spanOf(model.node),
    batchNorms: norms.filter((n) => BN_KINDS.has(n.kind) && n.kind !== 'SyncBatchNorm' && n.trains === true).map(fact),
    otherModeDependent: [],
    affineNorms: norms.filter((n) => n.requiresGrad).map(fact),
    trainKeepsBatchNormFrozen: false,
    frozenBatchNorm: false,
  };
}

/** MMEngine's `train_dataloader=dict(batch_size=...)`, mmcv 1.x `data=dict(samples_per_gpu=...)`: the batch each GPU trains with. */
function configLoaders(defs: Definitions, root: Node, resolver: ValueResolver): DataLoaderIR[] {
  const out: DataLoaderIR[] = [];
  const engine = lastDict(defs, 'train_dataloader', root.endIndex);
  const legacy = engine ? undefined : lastDict(defs, 'data', root.endIndex);
  const loader = engine ?? legacy;
  if (!loader) return out;
  const key = engine ? 'batch_size' : 'samples_per_gpu';
  const bsNode = loader.entries.get(key);
  if (!bsNode) return out;
  const batchSize: KnownValue = resolver.resolve(bsNode);
  const drop = loader.entries.get('drop_last');
  const sampler = loader.entries.get('sampler');
  const samplerType = sampler ? configDict(sampler, defs)?.entries.get('type') : undefined;
  const dataset = loader.entries.get(engine ? 'dataset' : 'train');
  const args = loader.node.type === 'call' ? loader.node.childForFieldName('arguments') ?? loader.node : loader.node;
  out.push({
    framework: 'mmengine',
    span: spanOf(loader.node),
    argumentsSpan: spanOf(args),
    variable: engine ? 'train_dataloader' : 'data',
    function: '<module>',
    batchSize,
    dropLast: drop ? resolver.resolve(drop) : undefined,
    sampler: samplerType?.text,
    distributedSampler: false,
    dataset: dataset ? { text: dataset.text, length: undefined, lengthSpan: undefined } : undefined,
    role: 'train',
    roleEvidence: engine ? 'train_dataloader of the config' : 'samples_per_gpu of the config',
    feeds: ['model'],
  });
  return out;
}

/** MMEngine `optim_wrapper=dict(accumulative_counts=N)`; mmcv 1.x `optimizer_config=dict(type='GradientCumulativeOptimizerHook', cumulative_iters=N)`. */
function gradAccum(defs: Definitions, root: Node, resolver: ValueResolver): GradAccumIR[] {
  const wrapper = lastDict(defs, 'optim_wrapper', root.endIndex);
  const hook = lastDict(defs, 'optimizer_config', root.endIndex);
  const node = wrapper?.entries.get('accumulative_counts') ?? hook?.entries.get('cumulative_iters');
  if (!node) return [];
  const steps = resolver.resolve(node);
  if (typeof steps.value === 'number' && steps.value <= 1) return [];
  return [{ kind: 'framework-argument', span: spanOf(node.parent ?? node), steps, function: '<module>' }];
}

/** `sync_bn = 'torch'` / `'mmcv'`: MMEngine's runner converts the model's BatchNorm to SyncBatchNorm. */
function syncBatchNorm(defs: Definitions, root: Node, resolver: ValueResolver): { span: Span; text: string }[] {
  const node = lastDefinition(defs, 'sync_bn', root.endIndex);
  if (!node) return [];
  const v = resolver.resolve(node);
  return typeof v.value === 'string' && v.value !== '' ? [{ span: spanOf(node.parent ?? node), text: `sync_bn=${node.text}` }] : [];
}
