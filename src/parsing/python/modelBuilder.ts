import { NodeCache, type SyntaxNode as Node, type SyntaxTree as Tree } from './syntaxTree';
import { allLayers, exclusiveSteps, type Argument, type ConstructorArgument, type Flow, type ForwardStep, type Framework, type Layer, type LayerCall, type LayerFamily, type LayerUse, type ModelClass, type NormParameter, type NormType } from '../../ir/model';
import type { Span } from '../../ir/span';
import { writtenAt, type CallableValue, type Provenance, type Value } from '../../ir/values';
import { type Bindings, enclosingScope, mentionsBound, Resolver, SELF_VALUES } from './resolver';
import type { ImportTable } from './imports';
import { dottedParts, ifClauses, positionKey, spanOf } from './syntax';
import { dottedHead, dottedLast, dottedText } from './dottedNames';
import { configActivationClass, configConvClass, configKeywords, configNormClass, mmcvNormName } from './configBuilders';
import { classifyLayer, FUNCTIONAL_OPS, type DefaultValue, type LayerClass, type LayerSignature } from './torchLayers';

/** Bases that make a class a model, by qualified name. */
const TORCH_BASES = new Set([
  'torch.nn.Module',
  'torch.nn.modules.module.Module',
  'torch.nn.Sequential',
  'torch.nn.ModuleList',
  'pytorch_lightning.LightningModule',
  'lightning.LightningModule',
  'lightning.pytorch.LightningModule',
  'mmcv.runner.BaseModule',
  'mmengine.model.BaseModule',
  'transformers.PreTrainedModel',
  'transformers.modeling_utils.PreTrainedModel',
]);

/** Constructor parameters that carry a norm layer or its config. */
const NORM_PARAM = /^(norm|norm_?layer|norm_cfg|norm_fn|norm_type|norm_module|norm_cls|normalization|bn_layer|batch_norm_layer|norm_op)$/i;

/** mmcv `ConvModule`'s parameters, in order. */
const CONV_MODULE_PARAMS: readonly string[] = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'conv_cfg', 'norm_cfg', 'act_cfg', 'inplace', 'with_spectral_norm', 'padding_mode', 'order'];
/** Activations `ConvModule` does not pass `inplace` to (the others it does). */
const NO_INPLACE_ACTIVATIONS: ReadonlySet<string> = new Set(['Tanh', 'PReLU', 'Sigmoid', 'GELU', 'Hardsigmoid']);
/** The library functions that build a layer from a config (see `configBuilders.ts`). */
const CONFIG_BUILDERS: ReadonlySet<string> = new Set(['build_norm_layer', 'build_conv_layer', 'build_activation_layer', 'get_norm']);
const NORM_BUILDERS = new Set(['build_norm_layer', 'get_norm', 'get_norm_layer', 'create_norm', 'make_norm']);
const MAX_UNROLL = 64;
/** Names of modules whose dotted calls (`F.relu(x)`, `jnp.mean(x)`) are operations, not tensor methods. */
const MODULE_HEADS: ReadonlySet<string> = new Set(['F', 'torch', 'nn', 'jax', 'jnp', 'tf', 'keras', 'einops']);
const MAX_HELPER_DEPTH = 3;
/** Model-class instances built with their arguments bound: nesting depth, and how many per file. */
const MAX_INSTANCE_DEPTH = 2;
const MAX_INSTANCES = 400;

type Elem = MutableLayer | 'barrier';
/** An IR type with its properties settable (objects built property by property, then handed out read-only). */
type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** A helper method walked at its call site (see `ModelClass.helperPasses`). */
type HelperPass = NonNullable<ModelClass['helperPasses']>[number];
/** A norm-carrying argument of a model-class instance (see `Layer.normArguments`). */
type NormArgument = NonNullable<Layer['normArguments']>[number];

/** Container contents with their barriers (unknown-condition branches, loops of unknown count), by frozen layer. */
const BARRIERS = new WeakMap<Layer, readonly (Layer | 'barrier')[]>();
/** The Flax field an inline layer was built through (`self.norm(name='norm_proj')(x)` -> `norm`). */
const INLINE_FIELD = new WeakMap<Layer, string>();
/** The branches of unknown conditions a frozen layer was built under (see `Ctx.branches`). */
const BRANCHES = new WeakMap<Layer, readonly string[]>();

interface MutableLayer {
  path: string;
  kind: string;
  family: LayerFamily;
  norm?: NormType;
  call?: LayerCall;
  moduleClass?: string;
  normArguments?: NormArgument[];
  constructorArguments?: ConstructorArgument[];
  instanceLayers?: Layer[];
  elements?: Elem[];
  repeated?: { count: number | undefined; text: string };
  conditional?: boolean;
  alternatives?: MutableLayer[];
  /** See `Ctx.branches`. */
  branches?: readonly string[];
  span: Span;
}

interface Ctx {
  readonly bindings: Map<string, Value>;
  readonly conditional: boolean;
  /**
   * The branches of conditions whose value is not known that enclose the walk, outermost first, as
   * `ifStart:branchIndex` (the format of `ForwardStep.branches`): two layers built under different
   * branches of one `if` never both exist.
   */
  readonly branches?: readonly string[];
  readonly repeated?: { count: number | undefined; text: string };
  readonly depth: number;
  /** Local names bound to layer-building expressions or accumulated lists. */
  /** Local names; a name bound to an expression keeps the locals of its assignment (`locals`), so `blocks = nn.Sequential(*blocks)` reads the earlier `blocks`. */
  readonly locals: Map<string, { node?: Node; elems?: Elem[]; bindings: Map<string, Value>; locals?: Ctx['locals']; conditional?: boolean }>;
  /** Helper returns collected while walking a helper function. */
  returns?: MutableLayer[];
  /** How many model-class instances enclose this walk (see `Layer.instanceLayers`). */
  readonly instances?: number;
  /**
   * The `if` statements whose condition's known value chose the branch being walked, and the
   * loops being unrolled iteration by iteration with their values carried: a statement under one
   * runs, each time the walk reaches it, as if the `if` or loop were not there (see
   * `straightLine`). `Stage(64)` with `if downsample: dim = dim * 2` reads `dim` as 128 after it.
   */
  readonly decided?: ReadonlySet<Node>;
}

/** `ctx` walking the branch of `stmt` that its known condition chose, or an iteration of the loop `stmt` unrolled with its values carried. */
function decidedBranch(ctx: Ctx, stmt: Node): Ctx {
  const decided = new Set(ctx.decided);
  decided.add(stmt);
  return { ...ctx, decided };
}

/** Whether the parameter `name` of `fn` is `*name` (a list) or `**name` (a dict). */
function splatKind(fn: Node, name: string): 'list' | 'dict' | undefined {
  for (const c of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    if ((c.type === 'list_splat_pattern' || c.type === 'dictionary_splat_pattern') && c.namedChildren[0]?.text === name) return c.type === 'list_splat_pattern' ? 'list' : 'dict';
  }
  return undefined;
}

/** `*name` / `**name` of `fn` collecting nothing: an empty tuple or dict. */
function emptySplatValue(kind: 'list' | 'dict', fn: Node, name: string): Value {
  const provenance = writtenAt(`${kind === 'dict' ? '**' : '*'}${name} of ${fn.childForFieldName('name')?.text ?? 'the function'}, given nothing`, spanOf(fn.childForFieldName('parameters') ?? fn));
  return kind === 'dict' ? { kind: 'dict', entries: [], provenance } : { kind: 'sequence', items: [], tuple: true, provenance };
}

/** The value of `SELF_VALUES` in a walk's bindings (never read). */
const NONE_VALUE: Value = { kind: 'none' };

function layerUse(path: string, layer: Layer | undefined, span: Span, call?: LayerCall): LayerUse {
  // (Properties set one by one, in the IR's order: no temporary objects per optional property.)
  const out = { path } as Writable<LayerUse>;
  if (layer) out.layer = layer;
  const c = call ?? layer?.call;
  if (c) out.call = c;
  out.span = span;
  return out;
}

/** Parameters whose numeric defaults are floats even when written as whole numbers (`momentum=0`). */
const FLOAT_PARAMS: ReadonlySet<string> = new Set(['eps', 'epsilon', 'momentum', 'p', 'rate', 'alpha', 'beta', 'negative_slope']);

/** A framework default of a layer class, as every call of it reports it (but for the span). */
interface DefaultTemplate {
  readonly name: string;
  readonly value: DefaultValue;
  readonly description: string;
  readonly isInteger: boolean;
}

/** The default templates of a layer class (`classifyLayer` hands out one object per class). */
const DEFAULT_TEMPLATES = new WeakMap<LayerClass, readonly DefaultTemplate[]>();

function defaultTemplates(cls: LayerClass): readonly DefaultTemplate[] {
  let templates = DEFAULT_TEMPLATES.get(cls);
  if (!templates) {
    const list: DefaultTemplate[] = [];
    const defaults = cls.signature.defaults;
    const framework = cls.signature.library ?? (cls.framework === 'torch' ? 'PyTorch' : cls.framework === 'keras' ? 'Keras' : 'Flax');
    if (defaults) {
      for (const name in defaults) {
        const d = defaults[name];
        list.push({ name, value: d, description: `${framework} default ${name}=${d === null ? 'None' : String(d)}`, isInteger: typeof d === 'number' && Number.isInteger(d) && !FLOAT_PARAMS.has(name) });
      }
    }
    DEFAULT_TEMPLATES.set(cls, (templates = list));
  }
  return templates;
}

/** A framework default as a value, its provenance at `span` (properties in the IR's order). */
function defaultValue(t: DefaultTemplate, span: Span): Value {
  const provenance = { description: t.description, span };
  const d = t.value;
  if (d === null) return { kind: 'none', provenance };
  if (typeof d === 'number') return { kind: 'number', value: d, isInteger: t.isInteger, provenance };
  if (typeof d === 'boolean') return { kind: 'bool', value: d, provenance };
  return { kind: 'string', value: d, provenance };
}

/** A layer call's argument, its properties in the IR's order (`provenance` only when the value has one). */
/** The extras of a functional step with neither a norm type nor arguments (shared: never changed). */
const NO_EXTRA: { norm?: NormType; args?: readonly Argument[] } = Object.freeze({});

function argument(name: string | undefined, position: number | undefined, value: Value, span: Span, valueSpan: Span): Argument {
  const out = { name, position, value, span, valueSpan } as Writable<Argument>;
  if (value.kind !== 'unknown' && value.provenance) out.provenance = value.provenance;
  return out;
}

function frozen(l: MutableLayer): Layer {
  let elems: (Layer | 'barrier')[] | undefined;
  let elements: Layer[] | undefined;
  if (l.elements) {
    elems = [];
    elements = [];
    for (const e of l.elements) {
      if (e === 'barrier') elems.push(e);
      else {
        const f = frozen(e);
        elems.push(f);
        elements.push(f);
      }
    }
  }
  const alternatives = l.alternatives?.map((a) => frozen(a));
  // Properties set one by one, in the IR's order (a spread of `cond ? {...} : {}` per optional
  // property costs a temporary object and a generic copy each).
  const out: Writable<Layer> = { path: l.path, kind: l.kind, family: l.family } as Writable<Layer>;
  if (l.norm) out.norm = l.norm;
  if (l.call) out.call = l.call;
  if (l.moduleClass) out.moduleClass = l.moduleClass;
  if (l.normArguments) out.normArguments = l.normArguments;
  if (l.constructorArguments) out.constructorArguments = l.constructorArguments;
  if (l.instanceLayers) out.instanceLayers = l.instanceLayers;
  if (elements) out.elements = elements;
  if (l.repeated) out.repeated = l.repeated;
  if (l.conditional) out.conditional = true;
  if (alternatives && alternatives.length > 0) out.alternatives = alternatives;
  out.span = l.span;
  if (elems) BARRIERS.set(out, elems);
  if (l.branches && l.branches.length > 0) BRANCHES.set(out, l.branches);
  return out;
}

/** Whether two layers were built in different branches of one `if` (so never both). */
function exclusiveLayers(a: Layer | undefined, b: Layer | undefined): boolean {
  const x = a ? BRANCHES.get(a) : undefined;
  const y = b ? BRANCHES.get(b) : undefined;
  if (!x || !y) return false;
  for (const p of x) {
    const [ifA, branchA] = p.split(':');
    for (const q of y) {
      const [ifB, branchB] = q.split(':');
      if (ifA === ifB && branchA !== branchB) return true;
    }
  }
  return false;
}

/** How many layers a layer builds (containers: their elements; `Identity` and layers of unknown family: none). */
function layerWeight(l: MutableLayer): number {
  if (l.elements) return l.elements.reduce((n, e) => n + (e === 'barrier' ? 0 : layerWeight(e)), 0);
  return l.kind === 'Identity' || l.family === 'unknown' ? 0 : 1;
}

/**
 * One layer standing for several alternatives of a path (in source order): the one that builds the
 * most layers, the last on a tie, with the others as its `alternatives` (see `Layer.alternatives`).
 */
function withAlternatives(all: readonly MutableLayer[]): MutableLayer {
  let best = 0;
  all.forEach((l, i) => {
    if (layerWeight(l) >= layerWeight(all[best] ?? l)) best = i;
  });
  const marked = all.map((l) => ({ ...l, conditional: true, alternatives: undefined }));
  const chosen = marked[best];
  return { ...chosen, alternatives: marked.filter((_, i) => i !== best) };
}

/** Whether `prefix` is a prefix of `branches` (a layer built under `prefix` is built whenever one under `branches` is). */
function enclosesBranches(prefix: readonly string[] | undefined, branches: readonly string[] | undefined): boolean {
  const p = prefix ?? [];
  const b = branches ?? [];
  return p.length <= b.length && p.every((x, i) => b[i] === x);
}

/** Builds the model IR of a file's classes (and Keras/Flax functional model-building functions). */
export class ModelBuilder {
  private readonly callCache = new Map<number, LayerCall | null>();
  /** The model classes of the file by name, with their framework (`findModelClasses`; do not modify: it may be shared). */
  private modelClassNames: ReadonlyMap<string, Framework> = new Map();
  /** The classes of the file (`findModelClasses`), and by name once asked for (`classNamed`). */
  private classes: () => readonly ClassHeader[] = () => [];
  private classNodes: Map<string, Node> | undefined;
  /** The children a `nn.Sequential` subclass passes to its own constructor, by class node. */
  private readonly sequentialChildren = new Map<Node, Elem[]>();
  /** Instance layers by class and bound argument values (see `instanceOf`). */
  private readonly instanceMemo = new Map<string, Layer[]>();
  private instanceCount = 0;
  /** The walk of the module-level statements so far, and the index of the next top-level statement (see `moduleWalkBefore`). */
  private moduleWalk: { readonly walker: ForwardWalker; readonly inline: Layer[]; next: number } | undefined;

  constructor(readonly resolver: Resolver) {}

  // ------------------------------------------------------------------ layer calls

  /** A framework layer constructor call (`nn.BatchNorm2d(64)`), with arguments resolved under `bindings`. */
  layerCall(call: Node, bindings?: Bindings, viaParameter?: { name: string; callable: CallableValue }): LayerCall | undefined {
    // A call whose arguments mention no bound name is built as without bindings (they are read
    // only there, through `Resolver.resolve`: see `mentionsBound`), once.
    const args = bindings && bindings.size > 0 ? call.childForFieldName('arguments') : null;
    const cacheable = !bindings || bindings.size === 0 || (args !== null && !mentionsBound(args, bindings));
    if (cacheable && !viaParameter) {
      const cached = this.callCache.get(call.startIndex);
      if (cached !== undefined) return cached ?? undefined;
    }
    const result = this.buildLayerCall(call, cacheable ? undefined : bindings, viaParameter);
    if (cacheable && !viaParameter) this.callCache.set(call.startIndex, result ?? null);
    return result;
  }

  private buildLayerCall(call: Node, bindings: Bindings | undefined, via: { name: string; callable: CallableValue } | undefined): LayerCall | undefined {
    if (call.hasError) return undefined;
    const callee = call.childForFieldName('function');
    const argsNode = call.childForFieldName('arguments');
    if (!callee || !argsNode || argsNode.type !== 'argument_list') return undefined;
    const cls = classifyLayer(via ? via.callable.target : this.resolver.qualify(callee));
    if (!cls) return via ? undefined : this.builderLayerCall(call, callee, argsNode, bindings);
    if (cls.signature.family === 'container') return undefined;
    return layerCallOf(cls, call, callee, argsNode, this.mapArguments(argsNode, cls.signature, bindings, via?.callable), via?.name);
  }

  /**
   * A layer built from a config by a library builder (see `configBuilders.ts`), as the call of the
   * class the config names that the builder makes: mmcv's `build_norm_layer(cfg, C, postfix)` is
   * `cls(C, **cfg)` (`cls(num_channels=C, **cfg)` for GroupNorm), `build_conv_layer(cfg, *args,
   * **kwargs)` is `cls(*args, **kwargs, **cfg)`, `build_activation_layer(cfg)` is `cls(**cfg)`,
   * detectron2's `get_norm(norm, C)` is `cls(C)` (`GroupNorm(32, C)` for `'GN'`; `norm(C)` for a
   * class or partial). The config's entries are keyword arguments written where the config is. Undefined when the config's class is not known,
   * for another builder, or for one the file defines itself.
   */
  private builderLayerCall(call: Node, callee: Node, argsNode: Node, bindings: Bindings | undefined): LayerCall | undefined {
    const builder = lastName(callee);
    if (!CONFIG_BUILDERS.has(builder)) return undefined;
    if (callee.type === 'identifier' && this.resolver.topLevelFunction(builder)) return undefined;
    const split = splitArguments(argsNode);
    if (!split) return undefined;
    const { positional, keywords } = split;
    const cfgNode = positional[0] ?? keywords.get(builder === 'get_norm' ? 'norm' : 'cfg');
    if (!cfgNode) return undefined;
    const cfg = this.resolver.resolve(cfgNode, bindings);
    const conv = builder === 'build_conv_layer';
    const activation = builder === 'build_activation_layer';
    // (mmcv takes a dict config only; detectron2 a name, or a class or partial it calls.)
    const callable = builder === 'get_norm' && cfg.kind === 'callable' ? cfg : undefined;
    const cls = conv ? configConvClass(cfg) : activation ? configActivationClass(cfg) : callable ? classifyLayer(callable.target) : (builder === 'get_norm' ? cfg.kind === 'string' : cfg.kind === 'dict') ? configNormClass(cfg) : undefined;
    if (!cls || cls.signature.family !== (conv ? 'conv' : activation ? 'activation' : 'norm')) return undefined;
    // detectron2's 'LN' is its own channels-first LayerNorm, not `nn.LayerNorm(C)`.
    if (builder === 'get_norm' && cfg.kind === 'string' && cls.kind === 'LayerNorm') return undefined;
    const params = cls.signature.params;
    const args: Argument[] = [];
    const where = cfg.kind !== 'unknown' && cfg.provenance ? cfg.provenance.span : spanOf(cfgNode);
    const written = (v: Value): Span => (v.kind !== 'unknown' && v.provenance ? v.provenance.span : where);
    const given = (name: string | undefined, position: number | undefined, node: Node) => {
      const span = spanOf(node);
      args.push(argument(name, position, this.resolver.resolve(node, bindings), span, span));
    };
    if (conv) {
      positional.slice(1).forEach((p, i) => given(params[i], i, p));
      keywords.forEach((v, k) => k !== 'cfg' && given(k, undefined, v));
    } else if (!activation) {
      const channels = positional[1] ?? keywords.get(builder === 'get_norm' ? 'out_channels' : 'num_features');
      if (!channels) return undefined;
      let position = 0;
      if (callable) {
        for (const v of callable.boundPositional) args.push(argument(params[position], position++, v, where, written(v)));
      } else if (builder === 'get_norm' && cls.kind === 'GroupNorm') {
        // `"GN": lambda channels: nn.GroupNorm(32, channels)` in detectron2/layers/batch_norm.py.
        const groups: Value = { kind: 'number', value: 32, isInteger: true, provenance: { description: "detectron2 get_norm('GN') default num_groups=32", span: spanOf(call) } };
        args.push(argument(params[position], position++, groups, where, where));
      }
      if (builder === 'build_norm_layer' && cls.kind === 'GroupNorm') given('num_channels', undefined, channels);
      else given(params[position], position, channels);
    }
    for (const [k, v] of (callable ? callable.boundKeywords : configKeywords(cfg, !conv && !activation)) ?? []) args.push(argument(k, undefined, v, where, written(v)));
    return layerCallOf(cls, call, callee, argsNode, args, configName(cfgNode));
  }

  /**
   * mmcv's `ConvModule(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
   * groups=1, bias='auto', conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True,
   * ..., order=('conv', 'norm', 'act'))` (mmcv/cnn/bricks/conv_module.py): a container of its conv
   * (`conv`), its norm when `norm_cfg` is given (named as `build_norm_layer` names it: `bn`, `gn`;
   * over `out_channels`, or `in_channels` when it comes first) and its activation when `act_cfg`
   * is not None (`activate`), in `order`. `bias='auto'` is a bias only without a norm. A norm or
   * activation whose config does not resolve is one of unknown kind that may not be there.
   * Undefined when the arguments or the conv's config are not understood.
   */
  private convModule(node: Node, path: string, ctx: Ctx): MutableLayer | undefined {
    const callee = node.childForFieldName('function');
    const argsNode = node.childForFieldName('arguments');
    const split = argsNode?.type === 'argument_list' ? splitArguments(argsNode) : undefined;
    if (!callee || !argsNode || !split || split.positional.length > CONV_MODULE_PARAMS.length) return undefined;
    if ([...split.keywords.keys()].some((k) => !CONV_MODULE_PARAMS.includes(k) && k !== 'efficient_conv_bn_eval')) return undefined;
    const nodeOf = (name: string): Node | undefined => split.positional[CONV_MODULE_PARAMS.indexOf(name)] ?? split.keywords.get(name);
    const valueOf = (name: string, fallback: () => Value): Value => {
      const n = nodeOf(name);
      return n ? this.resolver.resolve(n, ctx.bindings) : fallback();
    };
    const calleeSpan = spanOf(callee);
    const libraryDefault = (text: string, v: Value): Value => ({ ...v, provenance: { description: `mmcv ConvModule default ${text}`, span: calleeSpan } }) as Value;
    const convCfg = valueOf('conv_cfg', () => libraryDefault('conv_cfg=None', { kind: 'none' }));
    const normCfg = valueOf('norm_cfg', () => libraryDefault('norm_cfg=None', { kind: 'none' }));
    const actCfg = valueOf('act_cfg', () => libraryDefault("act_cfg=dict(type='ReLU')", { kind: 'dict', entries: [['type', { kind: 'string', value: 'ReLU' }]] }));
    const order = valueOf('order', () => ({ kind: 'sequence', items: ['conv', 'norm', 'act'].map((value) => ({ kind: 'string', value })), tuple: true }));
    const steps = order.kind === 'sequence' && order.items.every((i) => i.kind === 'string') ? order.items.map((i) => (i as { value: string }).value) : undefined;
    const convCls = configConvClass(convCfg);
    if (!convCls || !steps || steps.length !== 3 || !['conv', 'norm', 'act'].every((x) => steps.includes(x))) return undefined;
    const given = (name: string, position: number | undefined, at: Node): Argument => {
      const span = spanOf(at);
      return argument(name, position, this.resolver.resolve(at, ctx.bindings), span, span);
    };
    // The conv: its arguments as ConvModule passes them, `bias='auto'` decided by the norm.
    const convArgs: Argument[] = [];
    CONV_MODULE_PARAMS.slice(0, 7).forEach((name, i) => {
      const at = nodeOf(name);
      if (at) convArgs.push(given(name, split.positional[i] === at ? i : undefined, at));
    });
    const biasNode = nodeOf('bias');
    const bias = biasNode ? this.resolver.resolve(biasNode, ctx.bindings) : undefined;
    if (bias && !(bias.kind === 'string' && bias.value === 'auto')) convArgs.push(given('bias', undefined, biasNode as Node));
    else {
      const where = biasNode ? spanOf(biasNode) : calleeSpan;
      const auto: Value =
        normCfg.kind === 'none' ? { kind: 'bool', value: true, provenance: { description: "ConvModule bias='auto' without a norm", span: where } }
          : normCfg.kind === 'unknown' ? { kind: 'unknown', text: "bias='auto'", reason: 'norm_cfg not known' }
            : { kind: 'bool', value: false, provenance: { description: "ConvModule bias='auto' before a norm", span: where } };
      convArgs.push(argument('bias', undefined, auto, where, where));
    }
    const convNode = nodeOf('conv_cfg');
    const elements = new Map<string, MutableLayer>();
    elements.set('conv', withCall(layerAt(`${path}.conv`, node, ctx, convCls.kind, 'conv'), layerCallOf(convCls, node, callee, argsNode, convArgs, convNode ? configName(convNode) : undefined)));
    // The norm, over the channels that reach it.
    const normNode = nodeOf('norm_cfg');
    const normCls = normCfg.kind === 'dict' ? configNormClass(normCfg) : undefined;
    const channels = nodeOf(steps.indexOf('norm') > steps.indexOf('conv') ? 'out_channels' : 'in_channels');
    if (normCls && channels) {
      const where = normCfg.kind !== 'unknown' && normCfg.provenance ? normCfg.provenance.span : calleeSpan;
      const normArgs = [normCls.kind === 'GroupNorm' ? given('num_channels', undefined, channels) : given(normCls.signature.params[0] ?? 'num_features', 0, channels)];
      for (const [k, v] of configKeywords(normCfg, true) ?? []) normArgs.push(argument(k, undefined, v, where, v.kind !== 'unknown' && v.provenance ? v.provenance.span : where));
      elements.set('norm', withCall(layerAt(`${path}.${mmcvNormName(normCls, '')}`, node, ctx, normCls.kind, 'norm'), layerCallOf(normCls, node, callee, argsNode, normArgs, normNode ? configName(normNode) : undefined)));
    } else if (normCfg.kind !== 'none') elements.set('norm', { ...layerAt(`${path}.norm`, node, ctx, '?', 'norm'), conditional: true });
    // The activation (`inplace` passed to those that take it, as ConvModule does).
    const actCls = actCfg.kind === 'dict' ? configActivationClass(actCfg) : undefined;
    if (actCls) {
      const where = actCfg.kind !== 'unknown' && actCfg.provenance ? actCfg.provenance.span : calleeSpan;
      const actArgs = (configKeywords(actCfg, false) ?? []).map(([k, v]) => argument(k, undefined, v, where, v.kind !== 'unknown' && v.provenance ? v.provenance.span : where));
      const inplace = nodeOf('inplace');
      if (!NO_INPLACE_ACTIVATIONS.has(actCls.kind) && !actArgs.some((a) => a.name === 'inplace')) actArgs.push(inplace ? given('inplace', undefined, inplace) : argument('inplace', undefined, { kind: 'bool', value: true, provenance: { description: 'mmcv ConvModule default inplace=True', span: calleeSpan } }, calleeSpan, calleeSpan));
      const actNode = nodeOf('act_cfg');
      elements.set('act', withCall(layerAt(`${path}.activate`, node, ctx, actCls.kind, 'activation'), layerCallOf(actCls, node, callee, argsNode, actArgs, actNode ? configName(actNode) : undefined)));
    } else if (actCfg.kind !== 'none') elements.set('act', { ...layerAt(`${path}.activate`, node, ctx, '?', 'activation'), conditional: true });
    return withElements(layerAt(path, node, ctx, 'ConvModule', 'container'), steps.map((x) => elements.get(x)).filter((e): e is MutableLayer => e !== undefined));
  }

  private mapArguments(argsNode: Node, signature: LayerSignature, bindings: Bindings | undefined, partial: CallableValue | undefined): Argument[] {
    const params = signature.params;
    const args: Argument[] = [];
    let position = 0;
    let positionsKnown = true;
    if (partial) {
      // Arguments bound by functools.partial come first; they are written at the partial(...) call.
      const where = partial.provenance?.span ?? spanOf(argsNode);
      for (const v of partial.boundPositional) {
        args.push(argument(params[position], position, v, where, v.kind !== 'unknown' && v.provenance ? v.provenance.span : where));
        position++;
      }
      for (const [k, v] of partial.boundKeywords) {
        args.push(argument(k, undefined, v, where, v.kind !== 'unknown' && v.provenance ? v.provenance.span : where));
      }
    }
    const children = argsNode.namedChildren;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (!child || child.type === 'comment') continue;
      if (child.type === 'keyword_argument') {
        const name = child.childForFieldName('name');
        const value = child.childForFieldName('value');
        if (!name || !value) continue;
        const v = this.resolver.resolve(value, bindings);
        args.push(argument(name.text, undefined, v, spanOf(child), spanOf(value)));
      } else if (child.type === 'list_splat' || child.type === 'dictionary_splat') {
        if (child.type === 'list_splat') positionsKnown = false;
      } else {
        const v = this.resolver.resolve(child, bindings);
        // (The argument is its value: one span object for both.)
        const span = spanOf(child);
        args.push(argument(positionsKnown ? params[position] : undefined, positionsKnown ? position : undefined, v, span, span));
        position++;
      }
    }
    return args;
  }

  // ------------------------------------------------------------------ classes

  /**
   * Finds model classes (direct and indirect subclasses within the file). For the module, the
   * classes come from each statement's part (`definitionsIn`), and each base's framework through
   * the imports from a per-node cache (`importedBaseFramework`); the names found are kept per
   * document with the class headers they were found from (`ModelClassIndex`): an analysis after
   * an edit that changed no class header (name or bases) reads neither the file's statements nor
   * its classes. (The classes by name are gathered when first asked for: `classNamed`; the
   * top-level functions come from the resolver's index: `Resolver.topLevelFunction`.) Then
   * `isModelClassNode` answers for a class node.
   */
  findModelClasses(root: Node): void {
    if (root.parent === null && root.type === 'module' && this.modelClassNames.size === 0) {
      const index = ModelClassIndex.of(root.tree);
      this.modelClassNames = index.modelClassNames(this.resolver);
      this.classes = () => index.headers();
    } else {
      const classes: ClassHeader[] = [];
      for (const node of root.descendantsOfType('class_definition')) {
        const header = classHeader(node);
        if (header) classes.push(header);
      }
      this.classes = () => classes;
      // (A copy: the map may be one a `ModelClassIndex` keeps.)
      const names = new Map(this.modelClassNames);
      findModelClassNames(classes, this.resolver, names);
      this.modelClassNames = names;
    }
    this.classNodes = undefined;
  }

  /** Whether a class node is one of the model classes `findModelClasses` found. */
  isModelClassNode(node: Node): boolean {
    const header = classHeader(node);
    return header !== undefined && this.modelClassNames.has(header.name);
  }

  /** The class of the file named `name` (the last one, at any depth), among those `findModelClasses` saw. */
  private classNamed(name: string): Node | undefined {
    if (!this.classNodes) {
      this.classNodes = new Map();
      for (const c of this.classes()) this.classNodes.set(c.name, c.node);
    }
    return this.classNodes.get(name);
  }

  isModelClass(name: string): boolean {
    return this.modelClassNames.has(name);
  }

  /** The framework of a model class of the file. */
  frameworkOf(name: string): Framework | undefined {
    return this.modelClassNames.get(name);
  }

  /** The IR of one model class. */
  modelClass(node: Node): ModelClass | undefined {
    const nameNode = node.childForFieldName('name');
    const body = node.childForFieldName('body');
    if (!nameNode || !body) return undefined;
    const name = nameNode.text;
    const framework = this.modelClassNames.get(name) ?? 'torch';
    const methods = new Map<string, { fn: Node; decorators: string[] }>();
    for (const stmt of body.namedChildren) {
      if (!stmt) continue;
      const fn = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (fn?.type !== 'function_definition') continue;
      const decorators = stmt.type === 'decorated_definition' ? stmt.namedChildren.filter((d) => d?.type === 'decorator').map((d) => d?.text ?? '') : [];
      const mname = fn.childForFieldName('name')?.text;
      if (mname) methods.set(mname, { fn, decorators });
    }
    const layers: MutableLayer[] = [];
    const normParameters: NormParameter[] = [];
    const ctor = methods.get('__init__') ?? methods.get('setup');
    const bindings = new Map<string, Value>();
    if (ctor) {
      for (const np of this.normParameters(ctor.fn, bindings)) normParameters.push(np);
      const ctx: Ctx = { bindings, conditional: false, depth: 0, locals: new Map() };
      this.walkConstructor(ctor.fn.childForFieldName('body'), ctx, layers, node);
    }
    const build = methods.get('build');
    if (build && framework === 'keras') this.walkConstructor(build.fn.childForFieldName('body'), { bindings: new Map(), conditional: false, depth: 0, locals: new Map() }, layers, node);
    // Dataclass-style Flax fields that carry a norm (`norm: Callable = nn.BatchNorm`, `norm: ModuleDef`) are norm parameters.
    if (framework === 'flax') for (const np of this.flaxNormFields(body)) if (!normParameters.some((p) => p.name === np.name)) normParameters.push(np);
    const fwdName = framework === 'torch' ? 'forward' : framework === 'keras' ? 'call' : '__call__';
    const fwd = methods.get(fwdName) ?? methods.get('forward') ?? methods.get('__call__') ?? methods.get('call');
    const frozenLayers = layers.map((l) => frozen(l));
    const byPath = new Map<string, Layer>();
    for (const l of frozenLayers) byPath.set(l.path, l);
    let forward: ModelClass['forward'];
    const inline: Layer[] = [];
    const sequentialLists = new Set<string>();
    if (fwd) {
      const walker = new ForwardWalker(this, byPath, sequentialLists, inline);
      walker.walkFunction(fwd.fn);
      forward = { name: fwd.fn.childForFieldName('name')?.text ?? fwdName, span: spanOf(fwd.fn), steps: walker.steps };
    }
    const helperPasses = fwd && forward ? this.helperPasses(methods, fwd.fn, forward.steps, byPath) : [];
    // Flax norm fields used inline (`self.norm(use_running_average=not train)(x)`) whose class the file does not fix.
    for (const l of inline) {
      if (l.kind !== '?' || l.family !== 'norm') continue;
      const np = normParameters.find((p) => p.name === INLINE_FIELD.get(l));
      if (np) (np.uses as Span[]).push(l.span);
    }
    const allTop = [...frozenLayers, ...inline];
    // Inline layers that are not framework calls (model classes built inline) are found by path, like the constructor's.
    for (const l of inline) if (!l.call && !byPath.has(l.path)) byPath.set(l.path, l);
    // A Sequential subclass without its own forward runs its children in order.
    const ownChildren = fwd ? undefined : this.sequentialChildren.get(node);
    const asSequence: Layer[] = ownChildren
      ? [{ path: '', kind: 'Sequential', family: 'container', span: spanOf(node), elements: ownChildren.filter((c): c is MutableLayer => c !== 'barrier').map((c) => byPath.get(c.path) ?? frozen(c)) }]
      : [];
    const flows = this.flows([...allTop, ...asSequence], forward?.steps ?? [], byPath, sequentialLists);
    // Where each norm parameter builds layers (the constructor calls made through it).
    const everyLayer: Layer[] = [];
    if (normParameters.length > 0) {
      for (const l of allTop) {
        everyLayer.push(l);
        flattenInto(l, everyLayer);
      }
    }
    for (const np of normParameters) {
      const seen = new Set<number>();
      for (const l of everyLayer) {
        if (l.call?.viaParameter !== np.name || seen.has(l.call.span.startOffset)) continue;
        seen.add(l.call.span.startOffset);
        (np.uses as Span[]).push(l.call.span);
      }
    }
    return {
      name,
      framework,
      bases: (node.childForFieldName('superclasses')?.namedChildren ?? []).filter((b): b is Node => b !== null && b.type !== 'comment').map((b) => b.text),
      span: spanOf(node),
      nameSpan: spanOf(nameNode),
      layers: allTop,
      normParameters,
      ...(forward ? { forward } : {}),
      ...(helperPasses.length > 0 ? { helperPasses } : {}),
      flows,
      attributeReads: this.attributeReads(node),
    };
  }

  /**
   * The methods of a class that its forward pass calls (`self._block(x)`), transitively, each
   * walked at its call site with the call site's loop and branches (see `ModelClass.helperPasses`).
   */
  private helperPasses(methods: ReadonlyMap<string, { fn: Node }>, fwd: Node, steps: readonly ForwardStep[], byPath: Map<string, Layer>): HelperPass[] {
    const out: HelperPass[] = [];
    const seen = new Set<number>();
    const visit = (from: readonly ForwardStep[], depth: number) => {
      if (depth > MAX_HELPER_DEPTH) return;
      for (const s of from) {
        if (s.op !== 'layer') continue;
        // (Most targets have no index: no regular expression for them.)
        if (byPath.has(s.target.indexOf('[') < 0 ? s.target : s.target.replace(/\[.*$/, ''))) continue;
        const m = methods.get(s.target);
        if (!m || m.fn === fwd || seen.has(s.span.startOffset)) continue;
        seen.add(s.span.startOffset);
        const walker = new ForwardWalker(this, byPath, new Set(), [], { ...(s.loop ? { loop: s.loop } : {}), branches: s.branches });
        walker.walkFunction(m.fn);
        out.push({ name: s.target, span: spanOf(m.fn), callSite: s.span, steps: walker.steps });
        visit(walker.steps, depth + 1);
      }
    };
    visit(steps, 1);
    return out;
  }

  /**
   * Keras functional / Flax-free model-building functions: a top-level function whose body
   * builds framework layers and calls them inline (`x = layers.Conv2D(32, 3)(x)`).
   */
  functionalModel(fn: Node): ModelClass | undefined {
    const nameNode = fn.childForFieldName('name');
    if (!nameNode) return undefined;
    const inline: Layer[] = [];
    const walker = new ForwardWalker(this, new Map(), new Set(), inline);
    walker.walkFunction(fn);
    if (inline.length === 0) return undefined;
    const framework = inline.find((l) => l.call)?.call?.framework ?? 'keras';
    return {
      name: nameNode.text,
      framework,
      bases: [],
      span: spanOf(fn),
      nameSpan: spanOf(nameNode),
      layers: inline,
      normParameters: [],
      forward: { name: nameNode.text, span: spanOf(fn), steps: walker.steps },
      flows: this.flows(inline, walker.steps, new Map(), new Set()),
      attributeReads: [],
    };
  }

  /**
   * Models assigned at module level by one top-level statement (also inside its `if`/`with`/`try`
   * blocks): `model = keras.Sequential([...])`, `tf.keras.Sequential`, `nn.Sequential(...)`, Flax
   * `nn.Sequential([...])`, named after the variable; and `model = keras.Model(inputs, outputs)`
   * over the module-level functional graph before it (read through `Resolver.moduleStatementsBefore`).
   */
  moduleLevelModels(stmt: Node): ModelClass[] {
    const out: ModelClass[] = [];
    const visit = (s: Node, depth: number): void => {
      if (depth > 3) return;
      if (s.type === 'expression_statement') {
        const e = s.namedChildren[0];
        if (e?.type !== 'assignment') return;
        const left = e.childForFieldName('left');
        const right = e.childForFieldName('right');
        if (left?.type !== 'identifier' || right?.type !== 'call') return;
        const m = this.moduleSequential(s, left, right) ?? this.moduleFunctional(s, left, right) ?? this.moduleInstanceModel(s, left, right);
        if (m) out.push(m);
        return;
      }
      if (s.type === 'if_statement' || s.type === 'with_statement' || s.type === 'try_statement') {
        const blocks = [s.childForFieldName('body'), s.childForFieldName('consequence'), ...s.namedChildren.filter((c) => c.type === 'else_clause' || c.type === 'elif_clause' || c.type === 'except_clause' || c.type === 'finally_clause').map((c) => c.childForFieldName('body') ?? c.childForFieldName('consequence') ?? c.namedChildren.find((x) => x.type === 'block') ?? null)];
        for (const b of blocks) for (const c of b?.namedChildren ?? []) visit(c, depth + 1);
      }
    };
    visit(stmt, 0);
    return out;
  }

  /**
   * `model = Net(32)`: an instance of a model class of the file built with arguments that resolve,
   * as a model named `model` whose one layer is the instance (`instanceModel`), as a factory
   * function's is. Not for an instance built with its defaults only (`Net()` is the
   * class's own model), nor one whose arguments do not build its layers.
   */
  private moduleInstanceModel(stmt: Node, name: Node, call: Node): ModelClass | undefined {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier' || !this.isModelClass(callee.text)) return undefined;
    const ctx: Ctx = { bindings: new Map(), conditional: false, depth: 0, locals: new Map() };
    return this.instanceModel(this.layerFromExpr(call, '', ctx), name, stmt);
  }

  /** `model = keras.Sequential([...])` (any framework's Sequential) as a model named `model`. */
  private moduleSequential(stmt: Node, name: Node, call: Node): ModelClass | undefined {
    const callee = call.childForFieldName('function');
    const cls = callee ? classifyLayer(this.resolver.qualify(callee)) : undefined;
    if (cls?.kind !== 'Sequential') return undefined;
    const ctx: Ctx = { bindings: new Map(), conditional: false, depth: 0, locals: new Map() };
    const l = this.layerFromExpr(call, name.text, ctx);
    // `model = keras.Sequential()` then `model.add(layers.Dense(64))` statements.
    if (l?.elements) {
      for (const add of this.resolver.methodCallsAfter(stmt, name.text, new Set(['add']))) {
        const arg = add.childForFieldName('arguments')?.namedChildren.find((c) => c.type !== 'comment' && c.type !== 'keyword_argument');
        if (!arg || this.isKerasInput(arg)) continue;
        const path = `${name.text}.${l.elements.filter((e) => e !== 'barrier').length}`;
        l.elements.push(this.layerFromExpr(arg, path, ctx) ?? unknownLayer(arg, path, ctx));
      }
    }
    if (!l || (l.elements ?? []).filter((e) => e !== 'barrier').length === 0) return undefined;
    const layer = frozen(l);
    return {
      name: name.text,
      framework: cls.framework,
      bases: [],
      span: spanOf(stmt),
      nameSpan: spanOf(name),
      layers: [layer],
      normParameters: [],
      flows: this.flows([layer], [], new Map(), new Set()),
      attributeReads: [],
    };
  }

  /**
   * `model = keras.Model(inputs, outputs)` at module level: the layers called inline by the
   * module-level statements before it (`x = layers.Conv2D(32, 3)(inputs)`), those that lead to
   * `outputs`, in order.
   */
  private moduleFunctional(stmt: Node, name: Node, call: Node): ModelClass | undefined {
    const callee = call.childForFieldName('function');
    const q = callee ? this.resolver.qualify(callee) : undefined;
    const parts = q?.split('.') ?? [];
    if (!q || !['keras', 'tensorflow', 'tf_keras'].includes(parts[0] ?? '') || parts[parts.length - 1] !== 'Model') return undefined;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
    const keyword = (k: string) => args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === k)?.childForFieldName('value') ?? undefined;
    const positional = args.filter((a) => a.type !== 'keyword_argument');
    const outputs = keyword('outputs') ?? positional[1];
    if (!outputs) return undefined;
    const { walker, inline } = this.moduleWalkBefore(stmt, outputs);
    const kept = walker.stepsReaching(outputs);
    if (kept.steps.length === 0) return undefined;
    const layers = inline.filter((l) => kept.paths.has(l.path));
    if (layers.length === 0) return undefined;
    return {
      name: name.text,
      framework: 'keras',
      bases: [],
      span: spanOf(stmt),
      nameSpan: spanOf(name),
      layers,
      normParameters: [],
      forward: { name: name.text, span: spanOf(stmt), steps: kept.steps },
      flows: this.flows(layers, kept.steps, new Map(), new Set()),
      attributeReads: [],
    };
  }

  /**
   * A forward walk of the module-level statements before `stmt` (`Resolver.moduleStatementsBefore`),
   * ready for `stepsReaching(outputs)`. Several `keras.Model(...)` statements of one file would
   * each walk the module's statements from its start; when `stmt` is itself a top-level statement
   * after the last one asked about, and reading `outputs` builds nothing (names, or a tuple or
   * list of names), the walk of the earlier one is advanced instead: a walk is a function of the
   * statements walked, in order, so it is the walk a fresh walker would make.
   */
  private moduleWalkBefore(stmt: Node, outputs: Node): { walker: ForwardWalker; inline: Layer[] } {
    const statements = stmt.parent?.type === 'module' ? stmt.parent.namedChildren : undefined;
    const shared = this.moduleWalk;
    const inOrder = !shared || shared.next === 0 || (statements?.[shared.next - 1]?.startIndex ?? Infinity) < stmt.startIndex;
    if (!statements || !inOrder || !readsNamesOnly(outputs)) {
      const inline: Layer[] = [];
      const walker = new ForwardWalker(this, new Map(), new Set(), inline);
      walker.walkStatements(this.resolver.moduleStatementsBefore(stmt));
      return { walker, inline };
    }
    let walk = shared;
    if (!walk) {
      const inline: Layer[] = [];
      walk = this.moduleWalk = { walker: new ForwardWalker(this, new Map(), new Set(), inline), inline, next: 0 };
    }
    for (; walk.next < statements.length; walk.next++) {
      const s = statements[walk.next];
      if (s.startIndex >= stmt.startIndex) break;
      if (s.type === 'expression_statement') walk.walker.walkStatements([s]);
    }
    return walk;
  }

  /**
   * The model class of this file that a call constructs inline (`MlpBlock(hidden=64)` in a Flax
   * `@nn.compact` method, `self.block(...)` with a field holding the class), or undefined.
   */
  inlineModuleClass(call: Node, bindings: Bindings | undefined): string | undefined {
    const callee = call.childForFieldName('function');
    if (!callee || (callee.type !== 'identifier' && !isSelfAttr(callee))) return undefined;
    const bound = this.resolver.resolve(callee, bindings);
    if (bound.kind === 'callable' && this.isModelClass(bound.target)) return bound.target;
    return callee.type === 'identifier' && this.isModelClass(callee.text) ? callee.text : undefined;
  }

  /** The layer of a model-class instance constructed inline (see `inlineModuleClass`), its arguments bound. */
  inlineModule(call: Node, className: string, path: string, bindings: Map<string, Value>): Layer {
    const ctx: Ctx = { bindings: new Map(bindings), conditional: false, depth: 0, locals: new Map() };
    return frozen({ path, kind: className, family: 'module', moduleClass: className, ...this.normArgumentsOf(call, className, ctx), ...this.instanceOf(call, className, ctx), span: spanOf(call) });
  }

  /** A top-level function that returns a container of layers (`make_layers(cfg, batch_norm)`), as a model. */
  returnedModel(fn: Node): ModelClass | undefined {
    const nameNode = fn.childForFieldName('name');
    if (!nameNode) return undefined;
    const bindings = new Map<string, Value>();
    for (const p of this.resolver.parameters(fn)) bindings.set(p.name, { kind: 'unknown', text: p.name, symbol: `param@${positionKey(fn)}:${p.name}` });
    const ctx: Ctx = { bindings, conditional: false, depth: 1, locals: new Map(), returns: [] };
    this.walkConstructor(fn.childForFieldName('body'), ctx, [], fn);
    const returned = ctx.returns ?? [];
    const r = returned[0];
    if (returned.length === 1 && r?.moduleClass) return this.factoryModel(fn, nameNode);
    if (returned.length !== 1 || !r || r.family !== 'container' || (r.elements ?? []).filter((e) => e !== 'barrier').length < 2) return undefined;
    const layer = frozen(rebase(r, nameNode.text));
    const framework = allLayersOf(layer).find((l) => l.call)?.call?.framework ?? 'torch';
    return {
      name: nameNode.text,
      framework,
      bases: [],
      span: spanOf(fn),
      nameSpan: spanOf(nameNode),
      layers: [layer],
      normParameters: [],
      flows: this.flows([layer], [], new Map(), new Set()),
      attributeReads: [],
    };
  }

  /**
   * A top-level function that returns an instance of a model class of the file, as the model it
   * returns when called without arguments: torchvision's `def resnet18(**kwargs): return
   * ResNet(BasicBlock, [2, 2, 2, 2], **kwargs)`, also through a helper (`_resnet(...)`) and a
   * local (`model = ResNet(...); return model`). Its parameters take their defaults, `*args` and
   * `**kwargs` pass nothing (a function with a parameter without a default, or changing its
   * `*args`/`**kwargs`, is not one). Its one layer is the instance, at the root (path ''), built
   * with those arguments (`Layer.instanceLayers`); undefined when they do not build its layers.
   */
  private factoryModel(fn: Node, nameNode: Node): ModelClass | undefined {
    const bindings = new Map<string, Value>();
    for (const p of this.resolver.parameters(fn)) {
      const splat = splatKind(fn, p.name);
      // `kwargs['groups'] = 32` (torchvision's `resnext50_32x4d`): what it passes is not followed.
      if (splat && this.resolver.changesInBody(fn, p.name)) return undefined;
      if (splat) bindings.set(p.name, emptySplatValue(splat, fn, p.name));
      else if (p.default) bindings.set(p.name, p.default);
      // (A parameter without a default: the function cannot be called without arguments.)
      else return undefined;
    }
    const ctx: Ctx = { bindings, conditional: false, depth: 1, locals: new Map(), returns: [] };
    this.walkConstructor(fn.childForFieldName('body'), ctx, [], fn);
    const returned = ctx.returns ?? [];
    return returned.length === 1 ? this.instanceModel(returned[0], nameNode, fn) : undefined;
  }

  /**
   * A model whose one layer is `instance` (a model-class instance built with its arguments), at
   * the root (path ''), named `name`, defined by `node`: a factory function's or a module-level
   * variable's. Undefined unless it is built for sure (not conditional) and its layers were built.
   */
  private instanceModel(instance: MutableLayer | undefined, name: Node, node: Node): ModelClass | undefined {
    if (!instance?.moduleClass || instance.conditional || instance.alternatives || !instance.instanceLayers || instance.instanceLayers.length === 0) return undefined;
    return {
      name: name.text,
      framework: this.modelClassNames.get(instance.moduleClass) ?? 'torch',
      bases: [],
      span: spanOf(node),
      nameSpan: spanOf(name),
      layers: [frozen({ ...instance, path: '' })],
      normParameters: [],
      flows: [],
      attributeReads: [],
    };
  }

  // ------------------------------------------------------------------ norm parameters

  /** The dataclass fields of a Flax module (`features: int = 64`, `norm: ModuleDef`), in order. */
  flaxFields(body: Node | null): { name: Node; annotation: Node | null; value: Node | null }[] {
    const out: { name: Node; annotation: Node | null; value: Node | null }[] = [];
    for (const stmt of body?.namedChildren ?? []) {
      const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (a?.type !== 'assignment') continue;
      const left = a.childForFieldName('left');
      const annotation = a.childForFieldName('type');
      if (left?.type !== 'identifier' || !annotation || /ClassVar/.test(annotation.text)) continue;
      out.push({ name: left, annotation, value: a.childForFieldName('right') });
    }
    return out;
  }

  /** Flax fields that carry a norm layer: named like one (`norm`, `norm_layer`, ...) and not a flag. */
  private flaxNormFields(body: Node | null): NormParameter[] {
    const out: NormParameter[] = [];
    for (const f of this.flaxFields(body)) {
      if (!NORM_PARAM.test(f.name.text) || f.annotation?.text === 'bool') continue;
      const def = f.value ? this.resolver.resolve(f.value) : undefined;
      if (def?.kind === 'bool') continue;
      const kind = def ? this.normKindOf(def) : undefined;
      out.push({ name: f.name.text, default: def, ...(kind ? { kind: kind.kind, ...(kind.norm ? { norm: kind.norm } : {}) } : {}), span: spanOf(f.name), uses: [] });
    }
    return out;
  }

  private normParameters(fn: Node, bindings: Map<string, Value>): NormParameter[] {
    const out: NormParameter[] = [];
    const params = this.resolver.parameters(fn);
    const body = fn.childForFieldName('body');
    for (const p of params) {
      if (!NORM_PARAM.test(p.name) || p.default?.kind === 'bool') continue;
      let def: Value | undefined = p.default;
      // timm: `norm_layer = norm_layer or partial(nn.LayerNorm, eps=1e-6)`
      for (const stmt of body?.namedChildren ?? []) {
        const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
        const right = assign?.type === 'assignment' && assign.childForFieldName('left')?.text === p.name ? assign.childForFieldName('right') : undefined;
        if (right?.type === 'boolean_operator' && right.childForFieldName('operator')?.text === 'or' && right.childForFieldName('left')?.text === p.name) {
          const alt = right.childForFieldName('right');
          if (alt && (def === undefined || def.kind === 'none')) {
            def = this.resolver.resolve(alt);
            bindings.set(p.name, def);
          }
        }
      }
      // torchvision: `if norm_layer is None: norm_layer = nn.BatchNorm2d`
      for (const stmt of body?.namedChildren ?? []) {
        if (stmt?.type !== 'if_statement') continue;
        const cond = stmt.childForFieldName('condition');
        if (cond?.text.replace(/\s+/g, ' ') !== `${p.name} is None`) continue;
        const block = stmt.childForFieldName('consequence');
        const first = block?.namedChildren[0];
        const assign = first?.type === 'expression_statement' ? first.namedChildren[0] : undefined;
        if (assign?.type === 'assignment' && assign.childForFieldName('left')?.text === p.name) {
          const right = assign.childForFieldName('right');
          if (right && (def === undefined || def.kind === 'none')) {
            def = this.resolver.resolve(right);
            bindings.set(p.name, def);
          }
        }
      }
      const kind = def ? this.normKindOf(def) : undefined;
      out.push({
        name: p.name,
        default: def,
        ...(kind ? { kind: kind.kind, ...(kind.norm ? { norm: kind.norm } : {}) } : {}),
        span: p.span,
        uses: [],
      });
    }
    return out;
  }

  /** The norm class a parameter value builds: a callable, a partial, a cfg dict or name. */
  normKindOf(v: Value): { kind: string; norm?: NormType; framework: Framework } | undefined {
    if (v.kind === 'callable') {
      const c = classifyLayer(v.target);
      return c && c.signature.family === 'norm' ? { kind: c.kind, ...(c.signature.norm ? { norm: c.signature.norm } : {}), framework: c.framework } : undefined;
    }
    const c = v.kind === 'string' || v.kind === 'dict' ? configNormClass(v) : undefined;
    return c ? { kind: c.kind, ...(c.signature.norm ? { norm: c.signature.norm } : {}), framework: 'torch' } : undefined;
  }

  // ------------------------------------------------------------------ constructor walking

  private walkConstructor(block: Node | null, ctx: Ctx, out: MutableLayer[], cls: Node): void {
    if (!block) return;
    for (const stmt of block.namedChildren) {
      if (!stmt || stmt.type === 'comment') continue;
      this.walkStatement(stmt, ctx, out, cls);
    }
  }

  private walkStatement(stmt: Node, ctx: Ctx, out: MutableLayer[], cls: Node): void {
    switch (stmt.type) {
      case 'expression_statement': {
        const e = stmt.namedChildren[0];
        if (!e) return;
        if (e.type === 'assignment') this.assignment(e, ctx, out);
        else if (e.type === 'augmented_assignment') {
          const left = e.childForFieldName('left');
          const right = e.childForFieldName('right');
          if (left?.type === 'identifier' && right) {
            const acc = ctx.locals.get(left.text)?.elems;
            if (acc) acc.push(...this.elementsOf(right, ctx, `${left.text}`, acc.length));
          } else if (left && right && isSelfAttr(left)) {
            const target = out.find((l) => l.path === selfPath(left));
            if (target?.elements) target.elements.push(...this.elementsOf(right, ctx, target.path, target.elements.length));
          }
        } else if (e.type === 'call' && !this.sequentialInit(e, ctx, out, cls)) this.callStatement(e, ctx, out);
        return;
      }
      case 'for_statement':
        this.forLoop(stmt, ctx, out, cls);
        return;
      case 'if_statement':
        this.ifStatement(stmt, ctx, out, cls);
        return;
      case 'with_statement':
      case 'try_statement': {
        const body = stmt.childForFieldName('body');
        this.walkConstructor(body, ctx, out, cls);
        return;
      }
      case 'return_statement': {
        const v = stmt.namedChildren[0];
        if (v && ctx.returns) {
          const l = this.layerFromExpr(v, 'return', ctx);
          // (A local that a condition whose value is not known may have replaced is one of several layers.)
          if (l && v.type === 'identifier' && ctx.locals.get(v.text)?.conditional) l.conditional = true;
          if (l) ctx.returns.push(l);
        }
        return;
      }
      default:
        return;
    }
  }

  private assignment(e: Node, ctx: Ctx, out: MutableLayer[]): void {
    const left = e.childForFieldName('left');
    let right = e.childForFieldName('right');
    while (right?.type === 'assignment') right = right.childForFieldName('right');
    if (!left || !right) return;
    if (isSelfAttr(left)) {
      const l = this.layerFromExpr(right, selfPath(left), ctx);
      if (l) {
        this.setLayer(out, l);
        // (Now a layer: a value bound before, `self.norm = None`, no longer holds.)
        const key = ctx.instances !== undefined ? dottedText(left) : undefined;
        if (key !== undefined) ctx.bindings.delete(key);
      } else if (ctx.instances !== undefined && left.type === 'attribute') this.bindSelfValue(left, right, ctx);
      return;
    }
    if (left.type === 'identifier') {
      if (right.type === 'list' || right.type === 'list_comprehension' || isCallTo(right, 'ModuleList')) {
        const elems = right.type === 'list' || right.type === 'list_comprehension' ? this.elementsOf(right, ctx, left.text, 0) : this.containerElements(right, ctx, left.text);
        ctx.locals.set(left.text, { elems, bindings: new Map(ctx.bindings) });
      } else {
        ctx.locals.set(left.text, { node: right, bindings: new Map(ctx.bindings), locals: new Map(ctx.locals), ...(ctx.conditional ? { conditional: true } : {}) });
        // Under bound names (an unrolled loop's values, a helper's arguments) a local computed from
        // them takes its value here: `name = 'bn%d' % i`, `width = planes * 2`.
        if (ctx.bindings.size > 0 && (this.resolver.assignedOnce(left) || straightLine(e, ctx.decided))) {
          const v = this.resolver.resolve(right, ctx.bindings);
          ctx.bindings.set(left.text, v.kind === 'unknown' && !v.symbol ? { ...v, symbol: `local@${positionKey(e)}:${left.text}` } : v);
        }
      }
      return;
    }
    // `self.norm1_name, norm1 = build_norm_layer(cfg, C)` (mmcv): the layer is the second item.
    if (left.type === 'pattern_list' && right.type === 'call') {
      const names = left.namedChildren.filter((c): c is Node => c !== null);
      const second = names.length === 2 && NORM_BUILDERS.has(lastName(right.childForFieldName('function'))) ? names[1] : undefined;
      // `_, self.norm = build_norm_layer(cfg, C)`: the attribute is the layer.
      if (second && isSelfAttr(second)) {
        const l = this.layerFromExpr(right, selfPath(second), ctx);
        if (l) this.setLayer(out, l);
      }
      if (second?.type === 'identifier') {
        ctx.locals.set(second.text, { node: right, bindings: new Map(ctx.bindings), locals: new Map(ctx.locals) });
        // In an instance's walk the name is the one its arguments give (`'gn1'` for a GroupNorm config).
        const first = names[0];
        if (ctx.instances !== undefined && first && isSelfAttr(first)) this.bindSelfValue(first, right, ctx, 0);
      }
    }
  }

  /**
   * In the walk of an instance's constructor (and the helpers it calls), `self.x = value` binds
   * `self.x` to the value from here on, as Python runs it: torchvision's ResNet sets
   * `self.inplanes = 64`, and each `_make_layer` call reads it and sets it again for the next one.
   * Under a condition whose value is not known, or in a loop whose count is not, the value after
   * it is not known. (Outside instance walks `self.x` keeps the resolver's flow-insensitive reading.)
   */
  private bindSelfValue(left: Node, right: Node, ctx: Ctx, item?: number): void {
    const key = dottedText(left);
    if (key === undefined) return;
    let v = ctx.conditional || (ctx.repeated !== undefined && ctx.repeated.count === undefined) ? undefined : this.resolver.resolve(right, ctx.bindings);
    // (A target of an unpacking assignment: the value's item at its position.)
    if (v && item !== undefined) v = v.kind === 'sequence' ? v.items[item] : undefined;
    if (!v || (v.kind === 'unknown' && !v.symbol)) v = { kind: 'unknown', text: key, symbol: `self@${positionKey(left)}`, ...(v?.kind === 'unknown' && v.reason ? { reason: v.reason } : {}) };
    ctx.bindings.set(SELF_VALUES, NONE_VALUE);
    ctx.bindings.set(key, v);
  }

  /**
   * `super().__init__(conv, norm, act)` in a subclass of `nn.Sequential` (torchvision's
   * `Conv2dNormActivation` style; also `nn.Sequential.__init__(self, ...)`): the arguments are
   * the class's own children, named `0`, `1`, ... as PyTorch names them, and run in that order.
   */
  private sequentialInit(e: Node, ctx: Ctx, out: MutableLayer[], cls: Node): boolean {
    const fn = e.childForFieldName('function');
    if (fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== '__init__') return false;
    const object = fn.childForFieldName('object');
    const viaSuper = object?.type === 'call' && object.childForFieldName('function')?.text === 'super';
    const explicit = object !== null && !viaSuper && this.resolver.qualify(object) === 'torch.nn.Sequential';
    if (!viaSuper && !explicit) return false;
    const bases = cls.childForFieldName('superclasses')?.namedChildren ?? [];
    if (!bases.some((b) => (b.type === 'identifier' || b.type === 'attribute') && this.resolver.qualify(b) === 'torch.nn.Sequential')) return false;
    const args = (e.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment' && c.type !== 'keyword_argument').slice(explicit ? 1 : 0);
    const children: Elem[] = [];
    for (const a of args) {
      if (a.type === 'list_splat') {
        const inner = a.namedChildren[0];
        if (inner) children.push(...this.elementsOf(inner, ctx, '', children.length));
        continue;
      }
      const path = String(children.length);
      children.push(this.layerFromExpr(a, path, ctx) ?? unknownLayer(a, path, ctx));
    }
    let index = 0;
    for (const c of children) {
      if (c === 'barrier') continue;
      c.path = String(index++);
      out.push(c);
    }
    this.sequentialChildren.set(cls, children);
    return true;
  }

  /** The attribute name a computed name expression gives (`f'layer{i}'`, `'denseblock%d' % (i + 1)`), or `<expression>` when it does not resolve. */
  private computedName(node: Node, ctx: Ctx): string {
    const v = this.resolver.resolve(node, ctx.bindings);
    return v.kind === 'string' ? v.value : `<${node.text}>`;
  }

  /**
   * Sets the layer at `l.path` of the class. An earlier layer there is replaced when `l` is built
   * whenever it was (same or enclosing branches); otherwise, built in another branch of an unknown
   * condition or only under one, the path holds either (see `Layer.alternatives`).
   */
  private setLayer(out: MutableLayer[], l: MutableLayer): void {
    const i = out.findIndex((x) => x.path === l.path);
    const before = out[i];
    if (i < 0 || !before) {
      out.push(l);
      return;
    }
    const kept = [...(before.alternatives ?? []), { ...before, alternatives: undefined }]
      .sort((a, b) => a.span.startOffset - b.span.startOffset)
      .filter((e) => !enclosesBranches(l.branches, e.branches));
    out[i] = kept.length === 0 ? l : withAlternatives([...kept, ...(l.alternatives ?? []), { ...l, alternatives: undefined }].sort((a, b) => a.span.startOffset - b.span.startOffset));
  }

  private callStatement(e: Node, ctx: Ctx, out: MutableLayer[]): void {
    const fn = e.childForFieldName('function');
    const args = e.childForFieldName('arguments');
    if (!fn || !args) return;
    const argList = args.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    // `setattr(self, f'layer{i}', nn.BatchNorm2d(c))`, `self.__setattr__('level_%d' % i, subtree)`
    const plain = argList.every((a) => a.type !== 'list_splat' && a.type !== 'keyword_argument' && a.type !== 'dictionary_splat');
    const setattr =
      fn.type === 'identifier' && fn.text === 'setattr' && argList.length === 3 && argList[0]?.text === 'self'
        ? argList.slice(1)
        : fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === '__setattr__' && fn.childForFieldName('object')?.text === 'self' && argList.length === 2
          ? argList
          : undefined;
    if (setattr && plain && setattr[0] && setattr[1]) {
      const path = this.computedName(setattr[0], ctx);
      const l = this.layerFromExpr(setattr[1], path, ctx);
      if (l) this.setLayer(out, l);
      return;
    }
    if (fn.type !== 'attribute') return;
    const method = fn.childForFieldName('attribute')?.text;
    const object = fn.childForFieldName('object');
    if (!object || !method) return;
    if ((method === 'add_module' || method === 'register_module') && argList.length === 2 && argList[0] && argList[1] && argList.every((a) => a.type !== 'list_splat' && a.type !== 'keyword_argument')) {
      const name = this.computedName(argList[0], ctx);
      if (object.text === 'self') {
        const l = this.layerFromExpr(argList[1], name, ctx);
        if (l) this.setLayer(out, l);
        return;
      }
      // `self.features.add_module('denseblock%d' % (i + 1), block)`: a named child of a container attribute.
      const container = isSelfAttr(object) ? out.find((l) => l.path === selfPath(object)) : undefined;
      if (container?.elements) {
        const path = `${container.path}.${name}`;
        const l = this.layerFromExpr(argList[1], path, ctx);
        container.elements.push(l ?? unknownLayer(argList[1], path, ctx));
      }
      return;
    }
    const list = object.type === 'identifier' ? ctx.locals.get(object.text)?.elems : isSelfAttr(object) ? out.find((l) => l.path === selfPath(object))?.elements : undefined;
    const base = object.type === 'identifier' ? object.text : selfPath(object);
    if (!list) return;
    if (method === 'append' && argList[0]) {
      const l = this.layerFromExpr(argList[0], `${base}[${list.length}]`, ctx);
      list.push(l ?? unknownLayer(argList[0], `${base}[${list.length}]`, ctx));
    } else if (method === 'extend' && argList[0]) list.push(...this.elementsOf(argList[0], ctx, base, list.length));
  }

  private forLoop(stmt: Node, ctx: Ctx, out: MutableLayer[], cls: Node): void {
    const left = stmt.childForFieldName('left');
    const right = stmt.childForFieldName('right');
    const body = stmt.childForFieldName('body');
    if (!left || !right || !body) return;
    const items = this.iterationValues(right, ctx.bindings);
    const accs = [...ctx.locals.values()].map((l) => l.elems).filter((e): e is Elem[] => e !== undefined);
    const mark = () => accs.forEach((a) => a.push('barrier'));
    if (items && items.length <= MAX_UNROLL && ctx.bindings.size > 0 && !stmt.childForFieldName('alternative') && !jumpsOut(body)) {
      // Unrolled under bound names (an instance's arguments): the iterations run in order, each
      // reading what the one before it left (`in_chs = out_chs` at the end of the body: the
      // first block gets the argument, the next ones `out_chs`), as straight-line code does.
      const decided = decidedBranch(ctx, stmt);
      for (const item of items) {
        bindTarget(left, item, ctx.bindings);
        this.walkConstructor(body, decided, out, cls);
      }
      return;
    }
    // A bound name the body assigns may carry an earlier iteration's value (`in_channels = v`): unknown in the body.
    // (Its key is made only when there is a bound name to forget.)
    if (ctx.bindings.size > 0) forgetAssigned(body, ctx.bindings, `loop@${positionKey(stmt)}`);
    if (items && items.length <= MAX_UNROLL) {
      for (const item of items) {
        const bindings = new Map(ctx.bindings);
        bindTarget(left, item, bindings);
        this.walkConstructor(body, { ...ctx, bindings }, out, cls);
      }
      return;
    }
    // Unknown bound: walk once; what it builds is "repeated", isolated by barriers.
    const bindings = new Map(ctx.bindings);
    bindTarget(left, { kind: 'unknown', text: left.text, symbol: `loop@${positionKey(stmt)}:${left.text}` }, bindings);
    mark();
    this.walkConstructor(body, { ...ctx, bindings, repeated: { count: undefined, text: right.text } }, out, cls);
    mark();
  }

  private ifStatement(stmt: Node, ctx: Ctx, out: MutableLayer[], cls: Node): void {
    const cond = stmt.childForFieldName('condition');
    const consequence = stmt.childForFieldName('consequence');
    const alternatives = stmt.childrenForFieldName('alternative').filter((a): a is Node => a !== null);
    const v = cond ? this.resolver.resolve(cond, ctx.bindings) : undefined;
    const t = v ? this.resolver.truthy(v) : undefined;
    if (t === true) {
      this.walkConstructor(consequence, decidedBranch(ctx, stmt), out, cls);
      return;
    }
    if (t === false) {
      const next = alternatives[0];
      if (!next) return;
      if (next.type === 'elif_clause') {
        // Treat the elif as a nested if over the remaining clauses.
        this.elif(stmt, alternatives, 0, ctx, out, cls);
      } else this.walkConstructor(next.childForFieldName('body'), decidedBranch(ctx, stmt), out, cls);
      return;
    }
    const accs = [...ctx.locals.values()].map((l) => l.elems).filter((e): e is Elem[] => e !== undefined);
    const mark = () => accs.forEach((a) => a.push('barrier'));
    // Inside `if flag:` the flag is true; inside its `else:` false (the flag is not reassigned there).
    const flag = cond?.type === 'identifier' ? cond.text : cond?.type === 'not_operator' && cond.childForFieldName('argument')?.type === 'identifier' ? cond.childForFieldName('argument')?.text : undefined;
    const negated = cond?.type === 'not_operator';
    const key = positionKey(stmt);
    const branches = (i: number) => [...(ctx.branches ?? []), `${key}:${i}`];
    const branchCtx = (truth: boolean, i: number): Ctx => {
      const bindings = new Map(ctx.bindings);
      if (flag) bindings.set(flag, { kind: 'bool', value: negated ? !truth : truth });
      return { ...ctx, bindings, conditional: true, branches: branches(i) };
    };
    mark();
    this.walkConstructor(consequence, branchCtx(true, 0), out, cls);
    alternatives.forEach((alt, i) => {
      mark();
      this.walkConstructor(alt.childForFieldName('body') ?? alt.childForFieldName('consequence'), alt.type === 'else_clause' ? branchCtx(false, i + 1) : { ...ctx, bindings: new Map(ctx.bindings), conditional: true, branches: branches(i + 1) }, out, cls);
    });
    mark();
    // After a branch of unknown condition, a bound name it assigns has one of several values.
    if (ctx.bindings.size > 0) forgetAssigned(stmt, ctx.bindings, `if@${key}`);
  }

  private elif(stmt: Node, alternatives: Node[], i: number, ctx: Ctx, out: MutableLayer[], cls: Node): void {
    const clause = alternatives[i];
    if (!clause) return;
    if (clause.type !== 'elif_clause') {
      this.walkConstructor(clause.childForFieldName('body'), decidedBranch(ctx, stmt), out, cls);
      return;
    }
    const cond = clause.childForFieldName('condition');
    const t = cond ? this.resolver.truthy(this.resolver.resolve(cond, ctx.bindings)) : undefined;
    if (t === true) this.walkConstructor(clause.childForFieldName('consequence'), decidedBranch(ctx, stmt), out, cls);
    else if (t === false) this.elif(stmt, alternatives, i + 1, ctx, out, cls);
    else {
      // Branch indexes as in `ifStatement` (0 is the `if`'s own body, which did not run).
      const branch = (k: number): Ctx => ({ ...ctx, bindings: new Map(ctx.bindings), conditional: true, branches: [...(ctx.branches ?? []), `${positionKey(stmt)}:${k + 1}`] });
      this.walkConstructor(clause.childForFieldName('consequence'), branch(i), out, cls);
      alternatives.slice(i + 1).forEach((rest, k) => this.walkConstructor(rest.childForFieldName('body') ?? rest.childForFieldName('consequence'), branch(i + 1 + k), out, cls));
      for (const rest of alternatives.slice(i)) if (ctx.bindings.size > 0) forgetAssigned(rest, ctx.bindings, `if@${positionKey(rest)}`);
    }
  }

  /** Values a `for` loop iterates over, when they resolve: `range(n)`, a list, `enumerate(list)`, `zip(a, b)`. */
  iterationValues(node: Node, bindings: Bindings): Value[] | undefined {
    if (node.type === 'call') {
      const fn = node.childForFieldName('function')?.text;
      const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is Node => c !== null && c.type !== 'comment');
      if (fn === 'range') {
        const ns = args.map((a) => this.resolver.resolve(a, bindings));
        if (ns.some((n) => n.kind !== 'number' || !n.isInteger) || ns.length === 0 || ns.length > 3) return undefined;
        const [a, b, c] = ns.map((n) => (n as { value: number }).value);
        const start = ns.length === 1 ? 0 : (a ?? 0);
        const stop = ns.length === 1 ? (a ?? 0) : (b ?? 0);
        const step = c ?? 1;
        if (step === 0) return undefined;
        const out: Value[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
          out.push({ kind: 'number', value: i, isInteger: true, provenance: writtenAt('loop index', spanOf(node)) });
          if (out.length > MAX_UNROLL) return undefined;
        }
        return out;
      }
      if (fn === 'reversed' && args.length === 1 && args[0]) return this.iterationValues(args[0], bindings)?.reverse();
      if (fn === 'enumerate' && args[0]) {
        const inner = this.iterationValues(args[0], bindings);
        return inner?.map((v, i) => ({ kind: 'sequence', items: [{ kind: 'number', value: i, isInteger: true }, v], tuple: true }));
      }
      if (fn === 'zip' && args.length >= 2) {
        const lists = args.map((a) => this.iterationValues(a, bindings));
        if (lists.some((l) => !l)) return undefined;
        const n = Math.min(...lists.map((l) => l?.length ?? 0));
        const out: Value[] = [];
        for (let i = 0; i < n; i++) out.push({ kind: 'sequence', items: lists.map((l) => l?.[i] ?? { kind: 'none' }), tuple: true });
        return out;
      }
    }
    const v = this.resolver.resolve(node, bindings);
    return v.kind === 'sequence' ? [...v.items] : undefined;
  }

  // ------------------------------------------------------------------ expressions -> layers

  /** The elements a list-like expression contributes (`[a, b]`, `[Block() for _ in range(n)]`, `*layers`). */
  /**
   * Whether an element that builds no layer is a plain value (it resolves to a number, string,
   * bool, `None` or a sequence: `math.ceil(ps / stride)` in `[... for ps in patch_size]`), so no
   * layer at all rather than one of unknown kind.
   */
  private plainValue(node: Node, bindings: Map<string, Value>): boolean {
    const v = this.resolver.resolve(node, bindings.size > 0 ? bindings : undefined);
    return v.kind === 'number' || v.kind === 'string' || v.kind === 'bool' || v.kind === 'none' || v.kind === 'sequence';
  }

  private elementsOf(node: Node, ctx: Ctx, base: string, offset: number): Elem[] {
    if (node.type === 'list' || node.type === 'tuple') {
      const out: Elem[] = [];
      for (const c of node.namedChildren) {
        if (!c || c.type === 'comment') continue;
        if (c.type === 'list_splat') {
          const inner = c.namedChildren[0];
          if (inner) out.push(...this.elementsOf(inner, ctx, base, offset + out.length));
          continue;
        }
        // `keras.Input(shape=...)` first in a `keras.Sequential([...])` declares the input, it is not a layer.
        if (this.isKerasInput(c)) continue;
        const l = this.layerFromExpr(c, `${base}[${offset + out.length}]`, ctx);
        if (!l && this.plainValue(c, ctx.bindings)) continue;
        out.push(l ?? unknownLayer(c, `${base}[${offset + out.length}]`, ctx));
      }
      return out;
    }
    if (node.type === 'list_comprehension' || node.type === 'generator_expression') {
      const body = node.childForFieldName('body');
      const clauses = node.namedChildren.filter((c): c is Node => c !== null && c.type === 'for_in_clause');
      const clause = clauses[0];
      // One `for` clause, then any `if` clauses (`[Block(d) for i in range(n) if i % 2 == 0]`).
      const conditions = node.namedChildren.filter((c): c is Node => c !== null && c.type === 'if_clause').map((c) => c.namedChildren.find((x) => x !== null && x.type !== 'comment') ?? null);
      const ifsAfterFor = clause !== undefined && node.namedChildren.every((c) => c === null || c.type !== 'if_clause' || c.startIndex > clause.startIndex);
      if (!body || !clause || clauses.length !== 1 || !ifsAfterFor || conditions.some((c) => c === null)) return [unknownLayer(node, `${base}[*]`, ctx)];
      const target = clause.childForFieldName('left');
      const iter = clause.childForFieldName('right');
      if (!target || !iter) return [];
      const items = this.iterationValues(iter, ctx.bindings);
      if (items && items.length <= MAX_UNROLL) {
        // Each iteration's bindings, kept when every condition holds; undefined when a condition does not resolve.
        const kept: Map<string, Value>[] = [];
        let known = true;
        for (const item of items) {
          const bindings = new Map(ctx.bindings);
          bindTarget(target, item, bindings);
          const truths = conditions.map((c) => (c ? this.resolver.truthy(this.resolver.resolve(c, bindings)) : undefined));
          if (truths.includes(false)) continue;
          if (truths.includes(undefined)) {
            known = false;
            break;
          }
          kept.push(bindings);
        }
        if (known) {
          const out: Elem[] = [];
          for (const bindings of kept) {
            const path = `${base}[${offset + out.length}]`;
            const l = this.layerFromExpr(body, path, { ...ctx, bindings });
            if (!l && this.plainValue(body, bindings)) continue;
            out.push(l ?? unknownLayer(body, path, ctx));
          }
          return out;
        }
      }
      // Bound or condition not known: one summarised element, "repeated" an unknown number of times.
      const bindings = new Map(ctx.bindings);
      bindTarget(target, { kind: 'unknown', text: target.text, symbol: `loop@${positionKey(clause)}:${target.text}` }, bindings);
      const text = [iter.text, ...conditions.map((c) => `if ${c?.text ?? '?'}`)].join(' ');
      const l = this.layerFromExpr(body, `${base}[*]`, { ...ctx, bindings, repeated: { count: undefined, text } });
      return l ? ['barrier', l, 'barrier'] : [];
    }
    if (node.type === 'identifier') {
      const local = ctx.locals.get(node.text);
      if (local?.elems) return [...local.elems];
      if (local?.node && ctx.depth < 8) return this.elementsOf(local.node, { ...ctx, bindings: local.bindings, locals: local.locals ?? ctx.locals, depth: ctx.depth + 1 }, base, offset);
    }
    if (node.type === 'call') {
      const l = this.layerFromExpr(node, `${base}[${offset}]`, ctx);
      if (l?.family === 'container' && l.elements) return l.elements;
    }
    return ['barrier'];
  }

  /** `keras.Input(...)` / `tf.keras.layers.Input(...)`. */
  private isKerasInput(node: Node): boolean {
    if (node.type !== 'call') return false;
    const callee = node.childForFieldName('function');
    const parts = callee ? this.resolver.qualify(callee)?.split('.') : undefined;
    return parts !== undefined && ['keras', 'tensorflow', 'tf_keras'].includes(parts[0] ?? '') && parts[parts.length - 1] === 'Input';
  }

  /** Contents of `nn.Sequential(...)`, `nn.ModuleList([...])`, `nn.ModuleDict({...})`, `keras.Sequential([...])`. */
  private containerElements(call: Node, ctx: Ctx, path: string): Elem[] {
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is Node => c !== null && c.type !== 'comment' && c.type !== 'keyword_argument');
    const kind = lastName(call.childForFieldName('function'));
    if (kind === 'Sequential' && args.length === 1 && args[0]) {
      const only = args[0];
      // keras.Sequential([...]) / flax nn.Sequential([...]) / nn.Sequential(OrderedDict([...]))
      if (only.type === 'list') return this.elementsOf(only, ctx, path, 0);
      if (only.type === 'call' && lastName(only.childForFieldName('function')) === 'OrderedDict') {
        const pairs = only.childForFieldName('arguments')?.namedChildren[0];
        if (pairs?.type === 'list') {
          const out: Elem[] = [];
          for (const p of pairs.namedChildren) {
            if (p?.type !== 'tuple') continue;
            const [k, v] = p.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
            const key = k ? this.resolver.resolve(k, ctx.bindings) : undefined;
            if (v) out.push(this.layerFromExpr(v, `${path}.${key?.kind === 'string' ? key.value : '?'}`, ctx) ?? unknownLayer(v, `${path}.${key?.kind === 'string' ? key.value : '?'}`, ctx));
          }
          return out;
        }
      }
    }
    if (kind === 'ModuleDict' && args[0]?.type === 'dictionary') {
      const out: Elem[] = [];
      for (const p of args[0].namedChildren) {
        if (p?.type !== 'pair') continue;
        const k = p.childForFieldName('key');
        const v = p.childForFieldName('value');
        const key = k ? this.resolver.resolve(k, ctx.bindings) : undefined;
        if (v) out.push(this.layerFromExpr(v, `${path}.${key?.kind === 'string' ? key.value : '?'}`, ctx) ?? unknownLayer(v, `${path}.${key?.kind === 'string' ? key.value : '?'}`, ctx));
      }
      return out;
    }
    if (kind === 'ModuleList' || kind === 'ModuleDict') return args[0] ? this.elementsOf(args[0], ctx, path, 0) : [];
    const out: Elem[] = [];
    for (const a of args) {
      if (a.type === 'list_splat') {
        const inner = a.namedChildren[0];
        if (inner) out.push(...this.elementsOf(inner, ctx, path, out.length));
      } else out.push(this.layerFromExpr(a, `${path}.${out.length}`, ctx) ?? unknownLayer(a, `${path}.${out.length}`, ctx));
    }
    return out;
  }

  /** The layer an expression builds, or undefined when it builds none (a number, a tensor op). */
  layerFromExpr(node: Node, path: string, ctx: Ctx): MutableLayer | undefined {
    const at = (kind: string, family: LayerFamily): MutableLayer => layerAt(path, node, ctx, kind, family);
    if (node.type === 'parenthesized_expression' && node.namedChildren[0]) return this.layerFromExpr(node.namedChildren[0], path, ctx);
    if (node.type === 'conditional_expression') {
      const [a, cond, b] = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      if (!a || !cond || !b) return undefined;
      const t = this.resolver.truthy(this.resolver.resolve(cond, ctx.bindings));
      if (t !== undefined) return this.layerFromExpr(t ? a : b, path, ctx);
      // `A if cond else B`: the path holds either (`None` or a non-layer on one side: the other, conditional).
      const branch = (i: number): Ctx => ({ ...ctx, conditional: true, branches: [...(ctx.branches ?? []), `${positionKey(node)}:${i}`] });
      const both = [this.layerFromExpr(a, path, branch(0)), this.layerFromExpr(b, path, branch(1))].filter((l): l is MutableLayer => l !== undefined);
      if (both.length === 0) return undefined;
      return both.length === 1 ? { ...both[0], conditional: true } : withAlternatives(both.flatMap((l) => [...(l.alternatives ?? []), { ...l, alternatives: undefined }]).sort((x, y) => x.span.startOffset - y.span.startOffset));
    }
    if (node.type === 'identifier') {
      const local = ctx.locals.get(node.text);
      if (local?.node && local.node !== node && ctx.depth < 8) return this.layerFromExpr(local.node, path, { ...ctx, bindings: new Map([...local.bindings, ...ctx.bindings]), locals: local.locals ?? ctx.locals, depth: ctx.depth + 1 });
      if (local?.elems) return withElements(at('list', 'container'), [...local.elems]);
      return undefined;
    }
    if (node.type === 'subscript') {
      // `build_norm_layer(cfg, C)[1]`
      const v = node.childForFieldName('value');
      if (v?.type === 'call' && NORM_BUILDERS.has(lastName(v.childForFieldName('function')))) return this.layerFromExpr(v, path, ctx);
      return undefined;
    }
    if (node.type === 'list' || node.type === 'list_comprehension') return withElements(at('list', 'container'), this.elementsOf(node, ctx, path, 0));
    if (node.type !== 'call') return undefined;
    const callee = node.childForFieldName('function');
    if (!callee) return undefined;
    const q = this.resolver.qualify(callee);
    const cls = classifyLayer(q);
    if (cls?.signature.family === 'container') {
      let i = 0;
      const list = cls.kind === 'ModuleList';
      const elements = this.containerElements(node, ctx, path).map((e) => (e === 'barrier' ? e : rebase(e, list ? `${path}[${i++}]` : cls.kind === 'ModuleDict' || e.path.startsWith(`${path}.`) && !/^\d+$/.test(e.path.slice(path.length + 1)) ? e.path : `${path}.${i++}`)));
      return withElements(at(cls.kind, 'container'), elements);
    }
    if (cls) {
      const call = this.layerCall(node, ctx.bindings);
      if (!call) return undefined;
      return withCall(at(call.kind, call.family), call);
    }
    const name = lastName(callee);
    // mmcv's ConvModule: conv, norm and activation from their configs.
    if (name === 'ConvModule' && /^(mmcv|mmdet|mmseg|mmpretrain|mmengine)\./.test(q ?? '')) {
      const module = this.convModule(node, path, ctx);
      if (module) return module;
    }
    // Layers built from configs by mmcv and detectron2 (`builderLayerCall`).
    if (CONFIG_BUILDERS.has(name)) {
      const call = this.layerCall(node, ctx.bindings);
      if (call) return withCall(at(call.kind, call.family), call);
    }
    // Norm builders from configs whose class is not known: mmcv build_norm_layer(cfg, C), detectron2 get_norm(norm, C).
    if (NORM_BUILDERS.has(name)) {
      const first = node.childForFieldName('arguments')?.namedChildren.find((c) => c && c.type !== 'comment' && c.type !== 'keyword_argument');
      const v = first ? this.resolver.resolve(first, ctx.bindings) : undefined;
      const k = v ? this.normKindOf(v) : undefined;
      const l = at(k?.kind ?? '?', 'norm');
      if (k?.norm) l.norm = k.norm;
      return l;
    }
    // A parameter or variable holding a layer class: `norm_layer(64)`, `block(inplanes, planes)`.
    if (callee.type === 'identifier') {
      const bound = this.resolver.resolve(callee, ctx.bindings);
      if (bound.kind === 'callable') {
        const c = classifyLayer(bound.target);
        if (c && c.signature.family !== 'container') {
          const call = this.layerCall(node, ctx.bindings, { name: callee.text, callable: bound });
          if (call) return withCall(at(call.kind, call.family), call);
        }
        if (this.isModelClass(bound.target)) return this.moduleInstance(at(bound.target, 'module'), node, bound.target, ctx);
      }
      if (this.isModelClass(callee.text)) return this.moduleInstance(at(callee.text, 'module'), node, callee.text, ctx);
      if (NORM_PARAM.test(callee.text) && (bound.kind === 'unknown' || bound.kind === 'none')) return at('?', 'norm');
      // A helper function of this file that returns a layer (`conv_bn(inp, oup, 2)`).
      const helper = this.resolver.topLevelFunction(callee.text);
      if (helper) return this.helperLayer(helper, node, path, ctx);
      // A norm parameter holding a class the front end does not know (timm's `LayerNorm2d`) is a norm of unknown kind too.
      if (NORM_PARAM.test(callee.text) && bound.kind === 'callable') return at('?', 'norm');
      return undefined;
    }
    // `self._make_layer(block, 64, layers[0])`: a method of the same class returning a layer.
    if (isSelfAttr(callee)) {
      const method = callee.childForFieldName('attribute')?.text;
      const cls2 = enclosingClassOf(node);
      const fn = method && cls2 ? findMethod(cls2, method) : undefined;
      if (fn) return this.helperLayer(fn, node, path, ctx);
    }
    return undefined;
  }

  /** `layer` (built by `call`) as an instance of the model class `className`: its norm arguments, bound arguments and layers. */
  private moduleInstance(layer: MutableLayer, call: Node, className: string, ctx: Ctx): MutableLayer {
    layer.moduleClass = className;
    return Object.assign(layer, this.normArgumentsOf(call, className, ctx), this.instanceOf(call, className, ctx));
  }

  /**
   * The norm-carrying constructor arguments of a model-class instance (`Block(64, norm_layer=nn.GroupNorm)`):
   * arguments bound to a norm parameter (`norm_layer`, `norm_cfg`, ...) of the class's `__init__`.
   */
  private normArgumentsOf(call: Node, className: string, ctx: Ctx): { normArguments?: NormArgument[] } {
    const clsNode = this.classNamed(className);
    const init = clsNode ? findMethod(clsNode, '__init__') : undefined;
    if (!init) return {};
    const params = this.resolver.parameters(init).filter((p) => NORM_PARAM.test(p.name));
    if (params.length === 0) return {};
    const positional: Node[] = [];
    const keywords = new Map<string, Node>();
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const k = a.childForFieldName('name')?.text;
        if (k) keywords.set(k, a);
      } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') return {};
      else positional.push(a);
    }
    const out: NormArgument[] = [];
    for (const p of params) {
      const arg = keywords.get(p.name) ?? positional[p.index - 1];
      if (!arg) continue;
      const valueNode = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
      if (!valueNode) continue;
      const k = this.normKindOf(this.resolver.resolve(valueNode, ctx.bindings));
      out.push({ name: p.name, ...(k ? { kind: k.kind, ...(k.norm ? { norm: k.norm } : {}) } : {}), text: valueNode.text, span: spanOf(arg) });
    }
    return out.length ? { normArguments: out } : {};
  }

  /**
   * A model-class instance's constructor arguments bound to the class's `__init__` parameters
   * (defaults filled) and, when an argument given at the call resolves, the class's layers built
   * with them bound (`Layer.constructorArguments`, `Layer.instanceLayers`).
   */
  private instanceOf(call: Node, className: string, ctx: Ctx): { constructorArguments?: ConstructorArgument[]; instanceLayers?: Layer[] } {
    const clsNode = this.resolver.topLevelClass(className) ?? this.classNamed(className);
    const init = clsNode ? findMethod(clsNode, '__init__') : undefined;
    if (!clsNode) return {};
    // A Flax module's constructor takes its dataclass fields, in order; its `setup` reads them as
    // `self.<field>`, which bound names do not reach: arguments only, no instance layers.
    if (!init && this.frameworkOf(className) === 'flax') {
      const fields = this.flaxFields(clsNode.childForFieldName('body')).map((f, i) => ({
        name: f.name.text,
        index: i + 1,
        default: f.value ? this.resolver.resolve(f.value) : undefined,
        span: spanOf(f.name),
        splat: false,
        keywordOnly: false,
        ...(f.value ? { defaultSpan: spanOf(f.value) } : {}),
      }));
      const bound = this.boundArguments(call, className, fields, clsNode, ctx);
      return bound.args.length > 0 ? { constructorArguments: bound.args } : {};
    }
    if (!init) return {};
    const params = this.resolver.parameters(init).filter((p, i) => i > 0 || p.splat);
    const { args, bindings, resolvedGiven } = this.boundArguments(call, className, params, init, ctx);
    if (args.length === 0) return {};
    const depth = ctx.instances ?? 0;
    if (!resolvedGiven || depth >= MAX_INSTANCE_DEPTH) return { constructorArguments: args };
    const locals = this.passedLocals(call, params, ctx);
    let key = `${className}(${args.map((a) => `${a.name}=${instanceKey(a.value)}`).join(',')})`;
    for (const [name, local] of locals) key += `|${name}@${local.node?.startIndex ?? -1}`;
    // (A walk made inside another instance stops at a shallower nesting limit than one made from a class.)
    key += `|${depth}`;
    let layers = this.instanceMemo.get(key);
    if (!layers) {
      if (this.instanceCount >= MAX_INSTANCES) return { constructorArguments: args };
      this.instanceCount++;
      // A norm parameter left at None takes the class's `if norm_layer is None: norm_layer = ...`
      // fallback; one passed through `**kwargs` may be anything (not the fallback: a guess).
      const fallbacks = new Map<string, Value>();
      this.normParameters(init, fallbacks);
      for (const [name, v] of fallbacks) if (bindings.get(name)?.kind === 'none' || args.find((a) => a.name === name)?.source === 'default') bindings.set(name, v);
      const out: MutableLayer[] = [];
      this.walkConstructor(init.childForFieldName('body'), { bindings, conditional: false, depth: 0, locals, instances: depth + 1 }, out, clsNode);
      layers = out.map((l) => frozen(l));
      this.instanceMemo.set(key, layers);
    }
    return layers.length > 0 ? { constructorArguments: args, instanceLayers: layers } : { constructorArguments: args };
  }

  /**
   * Within an instance's walk, the caller's local layers passed as arguments, under the
   * parameters' names: `block(self.inplanes, planes, stride, downsample)` in torchvision's
   * `_make_layer`, where `downsample` holds the `nn.Sequential` the walk built when its condition
   * held (or None). The instance's `self.downsample = downsample` then builds that layer. Outside
   * instance walks a local may hold one of several layers: nothing is passed.
   */
  private passedLocals(call: Node, params: readonly { name: string; index: number; splat: boolean; keywordOnly: boolean }[], ctx: Ctx): Ctx['locals'] {
    const out: Ctx['locals'] = new Map();
    if (ctx.instances === undefined || ctx.locals.size === 0) return out;
    const positional: Node[] = [];
    const keywords = new Map<string, Node>();
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const k = a.childForFieldName('name')?.text;
        const v = a.childForFieldName('value');
        if (k && v) keywords.set(k, v);
      } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') break;
      else positional.push(a);
    }
    for (const p of params) {
      if (p.splat) continue;
      const given = keywords.get(p.name) ?? (p.keywordOnly ? undefined : positional[p.index - 1]);
      const local = given?.type === 'identifier' ? ctx.locals.get(given.text) : undefined;
      if (local?.node && !local.conditional) out.set(p.name, local);
    }
    return out;
  }

  /** Whether `*x` / `**x` is known to pass nothing: its value is an empty sequence or dict. */
  private emptySplat(splat: Node, bindings: Bindings | undefined): boolean {
    const inner = splat.namedChildren[0];
    if (!inner) return false;
    // (A name the function fills in, `kwargs['groups'] = 32`, is not what the binding says.)
    const scope = inner.type === 'identifier' ? enclosingScope(inner) : null;
    if (scope?.type === 'function_definition' && this.resolver.changesInBody(scope, inner.text)) return false;
    const v = this.resolver.resolve(inner, bindings);
    return splat.type === 'list_splat' ? v.kind === 'sequence' && v.items.length === 0 : v.kind === 'dict' && v.entries.length === 0;
  }

  /** A call's arguments bound to `params` (positional by index from 1, keywords by name), defaults filled. */
  private boundArguments(
    call: Node,
    className: string,
    params: readonly { name: string; index: number; default: Value | undefined; span: Span; splat: boolean; keywordOnly: boolean; defaultSpan?: Span }[],
    owner: Node,
    ctx: Ctx,
  ): { args: ConstructorArgument[]; bindings: Map<string, Value>; resolvedGiven: boolean } {
    const init = owner;
    const positional: Node[] = [];
    const keywords = new Map<string, Node>();
    let positionsKnown = true;
    let kwargsSplat = false;
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const k = a.childForFieldName('name')?.text;
        if (k) keywords.set(k, a);
      } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
        // A splat known to be empty passes nothing (`**kwargs` of a factory called without any).
        if (!this.emptySplat(a, ctx.bindings)) {
          if (a.type === 'list_splat') positionsKnown = false;
          else kwargsSplat = true;
        }
      } else if (positionsKnown) positional.push(a);
    }
    const args: ConstructorArgument[] = [];
    const bindings = new Map<string, Value>();
    let resolvedGiven = false;
    for (const p of params) {
      if (p.splat) {
        bindings.set(p.name, { kind: 'unknown', text: p.name, symbol: `param@${positionKey(init)}:${p.name}` });
        continue;
      }
      const arg = keywords.get(p.name) ?? (p.keywordOnly ? undefined : positional[p.index - 1]);
      const valueNode = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
      let value: Value;
      let source: ConstructorArgument['source'];
      let span: Span | undefined;
      if (arg && valueNode) {
        value = this.resolver.resolve(valueNode, ctx.bindings);
        if (value.kind === 'unknown' && !value.symbol) value = { ...value, symbol: `arg@${positionKey(valueNode)}` };
        else if (value.kind !== 'unknown') resolvedGiven = true;
        source = 'given';
        span = spanOf(arg);
      } else if (p.default && positionsKnown && !kwargsSplat) {
        const own = p.default.kind === 'unknown' ? undefined : p.default.provenance;
        value =
          p.default.kind === 'unknown' || (own && !own.description.startsWith('literal'))
            ? p.default
            : { ...p.default, provenance: writtenAt(`default of ${init.type === 'class_definition' ? `field ${p.name} of ${className}` : `parameter ${p.name} of ${className}.__init__`}`, p.defaultSpan ?? p.span) };
        source = 'default';
        span = p.defaultSpan;
      } else {
        value = { kind: 'unknown', text: p.name, symbol: `param@${positionKey(init)}:${p.name}`, reason: positionsKnown && !kwargsSplat ? `parameter ${p.name} is not passed` : 'passed through *args / **kwargs' };
        source = 'unknown';
      }
      args.push({ name: p.name, value, source, ...(span ? { span } : {}) });
      bindings.set(p.name, value);
    }
    return { args, bindings, resolvedGiven };
  }

  /** The layer a helper function returns for this call, its parameters bound to the call's arguments. */
  private helperLayer(fn: Node, call: Node, path: string, ctx: Ctx): MutableLayer | undefined {
    if (ctx.depth >= MAX_HELPER_DEPTH) return { path, kind: '?', family: 'unknown', span: spanOf(call) };
    const bindings = new Map<string, Value>();
    const params = this.resolver.parameters(fn);
    const isMethod = enclosingClassOf(fn) !== undefined;
    const positional: Node[] = [];
    const keywords = new Map<string, Node>();
    let splat = false;
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const k = a.childForFieldName('name')?.text;
        const v = a.childForFieldName('value');
        if (k && v) keywords.set(k, v);
      } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') {
        if (!this.emptySplat(a, ctx.bindings)) splat = true;
      } else positional.push(a);
    }
    for (const p of params) {
      const idx = isMethod ? p.index - 1 : p.index;
      if (idx < 0) continue;
      if (p.splat) {
        // `*args` / `**kwargs` of the helper: empty when the call passes nothing they collect.
        const kind = splatKind(fn, p.name);
        const named = params.filter((q) => !q.splat);
        const collects = kind === 'dict' ? [...keywords.keys()].some((k) => !named.some((q) => q.name === k)) : positional.length > named.filter((q) => !q.keywordOnly).length - (isMethod ? 1 : 0);
        bindings.set(p.name, !splat && kind !== undefined && !collects ? emptySplatValue(kind, fn, p.name) : { kind: 'unknown', text: p.name, symbol: `param@${positionKey(fn)}:${p.name}` });
        continue;
      }
      const given = keywords.get(p.name) ?? positional[idx];
      let v: Value;
      if (given) {
        v = this.resolver.resolve(given, ctx.bindings);
        if (v.kind === 'unknown' && !v.symbol) v = { ...v, symbol: `arg@${positionKey(given)}` };
      } else if (p.default && !splat) v = p.default;
      else v = { kind: 'unknown', text: p.name, symbol: `param@${positionKey(fn)}:${p.name}` };
      bindings.set(p.name, v);
    }
    // The helper sees its own parameters only (and, below, an instance's self attributes): the
    // caller's other bindings are not its names.
    const hctx: Ctx = { bindings, conditional: ctx.conditional, ...(ctx.branches ? { branches: ctx.branches } : {}), ...(ctx.repeated ? { repeated: ctx.repeated } : {}), depth: ctx.depth + 1, locals: new Map(), returns: [], ...(ctx.instances ? { instances: ctx.instances } : {}) };
    // An instance's attributes as its constructor set them so far: a method reads them, and what
    // it sets is what the constructor reads after the call (see `bindSelfValue`).
    const selfValues = isMethod && ctx.instances !== undefined;
    if (selfValues) for (const [k, v] of ctx.bindings) if (k.startsWith(SELF_VALUES)) bindings.set(k, v);
    const out: MutableLayer[] = [];
    this.walkConstructor(fn.childForFieldName('body'), hctx, out, fn);
    if (selfValues) for (const [k, v] of bindings) if (k.startsWith(SELF_VALUES)) ctx.bindings.set(k, v);
    const returned = hctx.returns ?? [];
    if (returned.length !== 1 || !returned[0]) return { path, kind: '?', family: 'unknown', span: spanOf(call) };
    return { ...rebase(returned[0], path), span: spanOf(call) };
  }

  // ------------------------------------------------------------------ flows

  private flows(layers: readonly Layer[], steps: readonly ForwardStep[], byPath: Map<string, Layer>, sequentialLists: Set<string>): Flow[] {
    const flows: Flow[] = [];
    const seen = new Set<string>();
    /** Layer pairs linked as consecutive elements: a forward pass that runs the container's elements one by one adds nothing. */
    const sequencePairs = new Set<string>();
    const add = (from: LayerUse | undefined, to: LayerUse | undefined, via: Flow['via'], consumers = 1) => {
      if (!from || !to) return;
      // (The pair's text only when it is recorded or may have been.)
      const pair = from.layer && to.layer && (via === 'sequence' || sequencePairs.size > 0) ? `${from.layer.span.startOffset}:${from.layer.span.endOffset}>${to.layer.span.startOffset}:${to.layer.span.endOffset}` : undefined;
      if (pair && via === 'sequence') sequencePairs.add(pair);
      else if (pair && sequencePairs.has(pair)) return;
      const key = `${from.path}@${from.span.startOffset}/${from.layer?.span.startOffset ?? ''}>${to.path}@${to.span.startOffset}/${to.layer?.span.startOffset ?? ''}`;
      if (seen.has(key)) return;
      seen.add(key);
      flows.push({ from, to, via, consumers, conditional: from.layer?.conditional === true || to.layer?.conditional === true });
    };
    const visit = (l: Layer) => {
      l.alternatives?.forEach(visit);
      const elems = BARRIERS.get(l) ?? l.elements;
      if (!elems) return;
      const sequential = runsInOrder(l) || sequentialLists.has(l.path);
      let prev: Layer | undefined;
      for (const e of elems) {
        if (e === 'barrier') {
          prev = undefined;
          continue;
        }
        if (sequential && prev) add(lastLeaf(prev), firstLeaf(e), 'sequence');
        prev = e;
        visit(e);
      }
    };
    layers.forEach(visit);
    // How many steps take each step's output as an input (counted once per consuming step).
    let consumersOf: Map<number, number> | undefined;
    const consumerCount = (index: number): number => {
      if (!consumersOf) {
        consumersOf = new Map();
        for (const st of steps) st.inputs.forEach((x, j) => {
          if (st.inputs.indexOf(x) === j) consumersOf?.set(x, (consumersOf.get(x) ?? 0) + 1);
        });
      }
      return consumersOf.get(index) ?? 0;
    };
    for (const step of steps) {
      if (step.op !== 'layer') continue;
      // A path with alternatives: a flow from or to each of them, except between alternatives of
      // two paths built in different branches of one `if` (they never meet).
      const tos = stepUses(step, byPath, 'first');
      for (const i of step.inputs) {
        const src = steps[i];
        // (Not from a step that never runs in the same pass: `if not self.normalize_first: x = self.norm1(x)`, then `if self.normalize_first: x = self.norm2(x)`.)
        if (!src || src.op !== 'layer' || exclusiveSteps(src, step)) continue;
        const consumers = consumerCount(src.index);
        for (const from of stepUses(src, byPath, 'last')) for (const to of tos) if (!exclusiveLayers(from.layer, to.layer)) add(from, to, 'forward', consumers);
      }
    }
    return flows;
  }

  private attributeReads(cls: Node): ModelClass['attributeReads'] {
    const out: { path: string; attribute: string; span: Span }[] = [];
    // `self.<layer>.<attr>`
    for (const whole of cls.descendantsOfType('attribute')) {
      const inner = whole.childForFieldName('object');
      const attr = whole.childForFieldName('attribute');
      if (inner?.type !== 'attribute' || attr?.type !== 'identifier') continue;
      const self = inner.childForFieldName('object');
      const layer = inner.childForFieldName('attribute');
      if (self?.type !== 'identifier' || layer?.type !== 'identifier' || self.text !== 'self') continue;
      if (!PARAMETER_ATTRIBUTES.has(attr.text)) continue;
      out.push({ path: layer.text, attribute: attr.text, span: spanOf(whole) });
    }
    return out;
  }

  /** `isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d))` blocks that touch `m.weight`/`m.bias`/running stats. */
  typeGuardedAccesses(root: Node): { kinds: string[]; attributes: string[]; guarded: boolean; span: Span }[] {
    const out: { kinds: string[]; attributes: string[]; guarded: boolean; span: Span }[] = [];
    // `if isinstance(<var>, <types>): <body>`
    for (const ifNode of root.descendantsOfType('if_statement')) {
      const cond = ifNode.childForFieldName('condition');
      const body = ifNode.childForFieldName('consequence');
      const f = cond?.type === 'call' ? cond.childForFieldName('function') : null;
      const args = cond?.childForFieldName('arguments');
      if (f?.type !== 'identifier' || f.text !== 'isinstance' || body?.type !== 'block' || args?.type !== 'argument_list') continue;
      const [v, types, extra] = args.namedChildren;
      if (v?.type !== 'identifier' || !types || extra) continue;
      const typeNodes = types.type === 'tuple' ? types.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') : [types];
      const kinds = typeNodes.map((t) => classifyLayer(this.resolver.qualify(t))?.kind).filter((k): k is string => k !== undefined);
      if (kinds.length === 0) continue;
      const attributes = new Set<string>();
      const accesses = body.descendantsOfType('attribute');
      for (const c of accesses) {
        const o = c.childForFieldName('object');
        const a = c.childForFieldName('attribute');
        if (o?.type === 'identifier' && a?.type === 'identifier' && o.text === v.text && ['weight', 'bias', 'running_mean', 'running_var'].includes(a.text)) attributes.add(a.text);
      }
      // `if m.weight is not None:`, `if m.affine:`, `hasattr(m, 'weight')` guard the access.
      const guarded =
        body.descendantsOfType('comparison_operator').some((c) => c.namedChildren.some((x) => x.type === 'none')) ||
        accesses.some((c) => { const a = c.childForFieldName('attribute'); return a?.type === 'identifier' && a.text === 'affine'; }) ||
        body.descendantsOfType('call').some((c) => { const h = c.childForFieldName('function'); return h?.type === 'identifier' && (h.text === 'hasattr' || h.text === 'getattr'); });
      if (attributes.size > 0) out.push({ kinds, attributes: [...attributes], guarded, span: spanOf(ifNode) });
    }
    return out;
  }
}

/**
 * The layer a forward step's target names: a layer of the class (`bn1`), an element of one by index
 * (`blocks[2]`, also of a `Sequential`) or by its own path (`features.conv0`), or, for `blocks[*]`
 * and an index past the known elements, the container.
 */
function findLayer(byPath: ReadonlyMap<string, Layer>, target: string): Layer | undefined {
  const own = byPath.get(target);
  if (own) return own;
  const m = /^(.*)\[(\d+|\*)\]$/.exec(target);
  if (m && m[1] !== undefined) {
    const container = findLayer(byPath, m[1]);
    const e = m[2] !== '*' && !container?.alternatives ? container?.elements?.[Number(m[2])] : undefined;
    return e ?? container;
  }
  const head = /^[^.[]+/.exec(target)?.[0];
  const top = head !== undefined ? byPath.get(head) : undefined;
  return top ? allLayers([top]).find((l) => l.path === target) : undefined;
}

/** The uses a layer step makes: of the layer at its path, and of each of that layer's `alternatives`. */
function stepUses(step: ForwardStep, byPath: Map<string, Layer>, end: 'first' | 'last'): LayerUse[] {
  if (step.call) return [layerUse(step.target, undefined, step.span, step.call)];
  const layer = findLayer(byPath, step.target);
  if (!layer) return [];
  const out: LayerUse[] = [];
  if (layer.alternatives) {
    for (const a of layer.alternatives) {
      const u = layerStepUse(step, a, end);
      if (u) out.push(u);
    }
  }
  const u = layerStepUse(step, layer, end);
  if (u) out.push(u);
  return out;
}

function layerStepUse(step: ForwardStep, layer: Layer, end: 'first' | 'last'): LayerUse | undefined {
  if (layer.family === 'container') {
    const leaf = end === 'first' ? firstLeaf(layer) : lastLeaf(layer);
    // (`leaf` is a new use: its span is set in place, where a copy would keep it.)
    if (leaf) (leaf as Writable<LayerUse>).span = leaf.layer?.span ?? step.span;
    return leaf;
  }
  return layerUse(layer.path, layer, step.span);
}

/** Appends a layer's alternatives and elements, each followed by its own, transitively (not the layer itself). */
function flattenInto(l: Layer, out: Layer[]): void {
  for (const e of l.alternatives ?? []) {
    out.push(e);
    flattenInto(e, out);
  }
  for (const e of l.elements ?? []) {
    out.push(e);
    flattenInto(e, out);
  }
}

function allLayersOf(l: Layer): Layer[] {
  return [l, ...(l.elements ?? []).flatMap(allLayersOf)];
}

/** Whether a container runs its elements one after the other (`nn.Sequential`, mmcv's `ConvModule`). */
function runsInOrder(l: Layer): boolean {
  return l.kind === 'Sequential' || l.kind === 'ConvModule';
}

function firstLeaf(l: Layer): LayerUse | undefined {
  if (l.family === 'container') {
    if (!runsInOrder(l) || !l.elements || l.elements.length === 0) return undefined;
    const first = l.elements[0];
    return first ? firstLeaf(first) : undefined;
  }
  return layerUse(l.path, l, l.span);
}

function lastLeaf(l: Layer): LayerUse | undefined {
  if (l.family === 'container') {
    if (!runsInOrder(l) || !l.elements || l.elements.length === 0) return undefined;
    const last = l.elements[l.elements.length - 1];
    return last ? lastLeaf(last) : undefined;
  }
  return layerUse(l.path, l, l.span);
}

function rebase(l: MutableLayer, path: string): MutableLayer {
  let i = 0;
  // (A `ConvModule`'s children keep their names, `conv`, `bn`, `activate`; a list's are numbered.)
  const child = (e: MutableLayer): string => (l.kind === 'ConvModule' && e.path.startsWith(`${l.path}.`) ? `${path}.${e.path.slice(l.path.length + 1)}` : `${path}.${i++}`);
  return {
    ...l,
    path,
    ...(l.elements ? { elements: l.elements.map((e) => (e === 'barrier' ? e : rebase(e, child(e)))) } : {}),
    ...(l.alternatives ? { alternatives: l.alternatives.map((a) => rebase(a, path)) } : {}),
  };
}

/** `getattr(self, name)` or `self.__getattr__(name)`. */
function isGetattr(call: Node): boolean {
  const f = call.childForFieldName('function');
  return f?.text === 'getattr' || (f?.type === 'attribute' && f.childForFieldName('attribute')?.text === '__getattr__' && f.childForFieldName('object')?.text === 'self');
}

/** Makes the bound names that `node` assigns (outside nested functions) unknown. */
function forgetAssigned(node: Node, bindings: Map<string, Value>, where: string): void {
  if (bindings.size === 0) return;
  for (const a of node.descendantsOfType(['assignment', 'augmented_assignment'])) {
    const left = a.childForFieldName('left');
    for (const name of left ? flatTargets(left) : []) {
      if (bindings.has(name)) bindings.set(name, { kind: 'unknown', text: name, symbol: `${where}:${name}` });
    }
  }
}

/**
 * Whether a loop body can leave its iteration early: a `return` or `raise`, or a `break` or
 * `continue` outside the loops nested in it (a nested function's statements do not count).
 */
function jumpsOut(body: Node): boolean {
  for (const n of body.descendantsOfType(['break_statement', 'continue_statement', 'return_statement', 'raise_statement'])) {
    let inLoop = false;
    let inFunction = false;
    for (let p = n.parent; p && p !== body; p = p.parent) {
      if (p.type === 'for_statement' || p.type === 'while_statement') inLoop = true;
      if (p.type === 'function_definition' || p.type === 'lambda') inFunction = true;
    }
    if (inFunction) continue;
    if (n.type === 'return_statement' || n.type === 'raise_statement' || !inLoop) return true;
  }
  return false;
}

/**
 * Whether a statement runs once, in order, whenever its function runs: no loop or `if` between it
 * and the function (`out_features = out_features or in_features` at the top of `__init__`), other
 * than `decided` ones (an `if` whose known condition chose the branch the statement is in, a loop
 * walked iteration by iteration with its values carried).
 */
function straightLine(node: Node, decided?: ReadonlySet<Node>): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return true;
    if ((p.type === 'if_statement' || p.type === 'for_statement') && decided?.has(p)) continue;
    if (p.type === 'for_statement' || p.type === 'while_statement' || p.type === 'if_statement' || p.type === 'try_statement' || p.type === 'with_statement' || p.type === 'class_definition' || p.type === 'module') return false;
  }
  return false;
}

/**
 * A key telling bound argument values apart: resolved values by value, unknowns by symbol, and
 * each by where it comes from. The instance's layers cite their arguments' origins (`units=1`,
 * literal at the call), so two calls with equal values written in different places build layers
 * that differ in their provenance: sharing one walk between them made a layer cite the other
 * call, whichever the analysis reached first (and an open document, which re-walks only edited
 * statements, reached them in another order than a fresh analysis). Calls in a loop, and calls
 * passing the same constant, still share their walk.
 */
function instanceKey(v: Value): string {
  if (v.kind === 'unknown') return `?${v.symbol ?? v.text}`;
  const at = originKey(v.provenance);
  if (v.kind === 'sequence') return `${v.tuple ? '(' : '['}${v.items.map(instanceKey).join(',')}${v.tuple ? ')' : ']'}${at}`;
  if (v.kind === 'dict') return `{${v.entries.map(([k, x]) => `${k}:${instanceKey(x)}`).join(',')}}${at}`;
  if (v.kind === 'callable') return `${v.target}(${[...v.boundPositional.map(instanceKey), ...v.boundKeywords.map(([k, x]) => `${k}=${instanceKey(x)}`)].join(',')})${at}`;
  if (v.kind === 'none') return `None${at}`;
  return `${v.kind}:${String(v.value)}${at}`;
}

/** Where a value comes from, as part of an `instanceKey`: the places its provenance cites, and what it is computed from. */
function originKey(p: Provenance | undefined): string {
  if (!p) return '';
  let key = `@${p.span.startOffset}:${p.at ? p.at.startOffset : ''}${p.inferred ? '~' : ''}${p.description}`;
  if (p.from) key += `(${p.from.map(originKey).join(',')})`;
  return key;
}

/** The positional and keyword arguments of a call; undefined when it has a `*` or `**` splat. */
function splitArguments(argsNode: Node): { positional: Node[]; keywords: Map<string, Node> } | undefined {
  const positional: Node[] = [];
  const keywords = new Map<string, Node>();
  for (const a of argsNode.namedChildren) {
    if (a.type === 'comment') continue;
    if (a.type === 'list_splat' || a.type === 'dictionary_splat') return undefined;
    if (a.type !== 'keyword_argument') positional.push(a);
    else {
      const name = a.childForFieldName('name');
      const value = a.childForFieldName('value');
      if (name && value) keywords.set(name.text, value);
    }
  }
  return { positional, keywords };
}

/** The name a config is passed through (`norm_cfg`, `self.norm_cfg`), for `LayerCall.viaParameter`. */
function configName(cfg: Node): string | undefined {
  return cfg.type === 'identifier' ? cfg.text : isSelfAttr(cfg) ? selfPath(cfg) : undefined;
}

/**
 * The IR of a call of `cls` at `call` with `args`: written in the file, or made by a library
 * function there (a config builder, `ConvModule`), with the arguments it passes.
 */
function layerCallOf(cls: LayerClass, call: Node, callee: Node, argsNode: Node, args: Argument[], viaParameter: string | undefined): LayerCall {
  const calleeSpan = spanOf(callee);
  const defaults: Record<string, Value> = {};
  // (One span object for the callee and every default: IR spans are read-only, and the memo moves a shared span once.)
  for (const t of defaultTemplates(cls)) defaults[t.name] = defaultValue(t, calleeSpan);
  // (Properties set one by one in the IR's order: a spread of `cond ? {...} : {}` per optional
  // property costs a temporary object and a generic copy each, for every layer call of a file.)
  const out = { kind: cls.kind, framework: cls.framework, family: cls.signature.family } as Writable<LayerCall>;
  if (cls.signature.norm) out.norm = cls.signature.norm;
  if (viaParameter) out.viaParameter = viaParameter;
  out.defaults = defaults;
  out.callee = callee.text;
  out.span = spanOf(call);
  out.calleeSpan = calleeSpan;
  out.argumentsSpan = spanOf(argsNode);
  out.args = args;
  return out;
}

/** The layer `node` builds at `path` under `ctx` (conditional, in its branches, repeated as the walk is). */
function layerAt(path: string, node: Node, ctx: Ctx, kind: string, family: LayerFamily): MutableLayer {
  const l: MutableLayer = { path, kind, family, span: spanOf(node) };
  if (ctx.conditional) l.conditional = true;
  if (ctx.branches?.length) l.branches = ctx.branches;
  if (ctx.repeated) l.repeated = ctx.repeated;
  return l;
}

function withElements(l: MutableLayer, elements: Elem[]): MutableLayer {
  l.elements = elements;
  return l;
}

function withCall(l: MutableLayer, call: LayerCall): MutableLayer {
  if (call.norm) l.norm = call.norm;
  l.call = call;
  return l;
}

function unknownLayer(node: Node, path: string, ctx: Ctx): MutableLayer {
  return layerAt(path, node, ctx, '?', 'unknown');
}

function isSelfAttr(node: Node): boolean {
  if (node.type !== 'attribute') return false;
  const object = node.childForFieldName('object');
  return object !== null && isSelf(object);
}

/** Whether a node's text is `self` (without slicing the text). */
function isSelf(node: Node): boolean {
  const start = node.startIndex;
  return node.endIndex - start === 4 && node.tree.text.startsWith('self', start);
}

function selfPath(node: Node): string {
  return node.childForFieldName('attribute')?.text ?? node.text;
}

function lastName(node: Node | null | undefined): string {
  return node ? (dottedLast(node) ?? '') : '';
}

function isCallTo(node: Node, name: string): boolean {
  return node.type === 'call' && lastName(node.childForFieldName('function')) === name;
}

function bindTarget(target: Node, value: Value, bindings: Map<string, Value>): void {
  if (target.type === 'identifier') {
    bindings.set(target.text, value);
    return;
  }
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'tuple') {
    const parts = target.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    parts.forEach((p, i) => {
      const item = value.kind === 'sequence' ? value.items[i] : undefined;
      bindTarget(p, item ?? { kind: 'unknown', text: p.text, symbol: `loop@${positionKey(target)}:${p.text}` }, bindings);
    });
  }
}

function enclosingClassOf(node: Node): Node | undefined {
  let p = enclosingScope(node);
  while (p) {
    if (p.type === 'class_definition') return p;
    p = enclosingScope(p);
  }
  return undefined;
}

function findMethod(cls: Node, name: string): Node | undefined {
  for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
    const fn = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (fn?.type === 'function_definition' && fn.childForFieldName('name')?.text === name) return fn;
  }
  return undefined;
}

/**
 * Walks a forward pass (`forward` / `call` / `__call__`, or a Keras functional model-building
 * function) in statement order, tracking which step produced each variable.
 */
class ForwardWalker {
  readonly steps: ForwardStep[] = [];
  private env = new Map<string, number[]>();
  /** Loop variables bound to submodules: `blk` in `for blk in self.blocks` (the element's path when unrolled, else the container's). */
  private loopIterables = new Map<string, string>();
  private loop: Span | undefined;
  private branches: string[] = [];
  private inlineCounts: Map<string, number> | undefined;
  /** Values of the unrolled loops' variables (`i` in `for i in range(self.depth)`). */
  private bindings = new Map<string, Value>();
  /** The unrolled iterations enclosing the walk (`''` outside any): steps of one call site are one step per iteration. */
  private iteration = '';
  /** The innermost unrolled loop's iteration index. */
  private iterationIndex: number | undefined;
  /** How many times the body being walked runs as unrolled (product of the enclosing unrolled counts). */
  private unrolled = 1;
  /** The enclosing loop whose count is not known, for inline layers built in it (`Layer.repeated`). */
  private repeated: { count: undefined; text: string } | undefined;
  /** The iteration key of each step, by step index (see `iteration`). */
  private readonly stepIterations: string[] = [];
  /**
   * The steps made inside loops by the start offset of their node, in order (`push` looks for a
   * step to reuse among them, inside a loop only: a node outside every loop is walked outside).
   */
  private stepsAt: Map<number, ForwardStep[]> | undefined;
  /** Inline layers by call site and iteration: the second walk of a loop body (its back edge) builds no new layer. */
  private inlineAt: Map<string, string> | undefined;
  /** The function walked (`walkFunction`). */
  private fn: Node | undefined;
  /** Functions defined in the body walked so far, by name (mmcv's `def _inner_forward(x): ...` in `forward`). */
  private localFunctions: Map<string, Node> | undefined;
  /** The local functions being walked at their call sites (a recursive one is not walked again). */
  private readonly inlined = new Set<Node>();
  /** While a local function is walked at its call site: the steps its `return` statements give. */
  private returned: number[] | undefined;
  /** What each walk of a local function gave, by the steps its parameters stood for (see `localCall`). */
  private localResults: Map<Node, Map<string, number[]>> | undefined;

  constructor(
    private readonly builder: ModelBuilder,
    private readonly byPath: Map<string, Layer>,
    private readonly sequentialLists: Set<string>,
    private readonly inline: Layer[],
    /** For a helper method walked at its call site: the call site's loop and branches. */
    at?: { readonly loop?: Span; readonly branches: readonly string[] },
  ) {
    if (at) {
      this.loop = at.loop;
      this.branches = [...at.branches];
    }
  }

  /** Module-level statements in order (a script's functional graph); names never assigned are inputs. */
  walkStatements(stmts: readonly Node[]): void {
    for (const s of stmts) this.statement(s);
  }

  /**
   * The steps `expr`'s value comes from, transitively, re-indexed in order (inputs outside them
   * become -1), with the paths of the inline layers they call.
   */
  stepsReaching(expr: Node): { steps: ForwardStep[]; paths: Set<string> } {
    const reach = new Set<number>();
    const todo = this.expr(expr).filter((i) => i >= 0);
    while (todo.length > 0) {
      const i = todo.pop()!;
      if (reach.has(i)) continue;
      reach.add(i);
      for (const j of this.steps[i]?.inputs ?? []) if (j >= 0 && !reach.has(j)) todo.push(j);
    }
    const order = [...reach].sort((a, b) => a - b);
    const index = new Map(order.map((old, k) => [old, k]));
    const steps = order.map((old, k) => {
      const s = this.steps[old];
      return { ...s, index: k, inputs: [...new Set(s.inputs.map((i) => index.get(i) ?? -1))] };
    });
    return { steps, paths: new Set(steps.filter((s) => s.call).map((s) => s.target)) };
  }

  walkFunction(fn: Node): void {
    this.fn = fn;
    const params = fn.childForFieldName('parameters');
    for (const p of params?.namedChildren ?? []) {
      if (!p) continue;
      const name = p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text;
      if (name && name !== 'self') this.env.set(name, [-1]);
    }
    this.block(fn.childForFieldName('body'));
  }

  private block(b: Node | null): void {
    const outer = this.branches.length;
    for (const s of b?.namedChildren ?? []) {
      if (!s) continue;
      this.statement(s);
      // After an `if` some of whose branches return (`if self.parallel_blocks is None: ...;
      // return x`), the rest of the block runs only when one of the others ran: when that is one
      // branch, the rest is in it (so it never runs with the branches that returned).
      const rest = s.type === 'if_statement' ? fallThroughBranch(s) : undefined;
      if (rest !== undefined) this.branches.push(rest);
    }
    this.branches.length = outer;
  }

  private statement(s: Node): void {
    switch (s.type) {
      case 'expression_statement': {
        const e = s.namedChildren[0];
        if (!e) return;
        if (e.type === 'assignment') {
          const left = e.childForFieldName('left');
          let right = e.childForFieldName('right');
          while (right?.type === 'assignment') right = right.childForFieldName('right');
          if (!left || !right) return;
          const produced = this.expr(right);
          for (const t of flatTargets(left)) this.env.set(t, produced);
        } else if (e.type === 'augmented_assignment') {
          const left = e.childForFieldName('left');
          const right = e.childForFieldName('right');
          if (!left || !right) return;
          const a = this.expr(left);
          const b = this.expr(right);
          const op = e.children.find((c) => c && !c.isNamed)?.text;
          if (left.type === 'identifier') this.env.set(left.text, op === '+=' ? [this.push('add', 'add', 'merge', [...a, ...b], e)] : [this.push('other', op ?? 'op', 'unknown', [...a, ...b], e)]);
        } else this.expr(e);
        return;
      }
      case 'return_statement': {
        const v = s.namedChildren[0];
        const produced = v ? this.expr(v) : NO_INPUTS;
        if (this.returned) this.returned.push(...produced);
        return;
      }
      case 'function_definition':
      case 'decorated_definition': {
        const def = s.type === 'decorated_definition' ? s.childForFieldName('definition') : s;
        const name = def?.type === 'function_definition' ? def.childForFieldName('name')?.text : undefined;
        if (def && name) (this.localFunctions ??= new Map<string, Node>()).set(name, def);
        return;
      }
      case 'if_statement': {
        const before = new Map(this.env);
        const merged = new Map<string, number[]>();
        const clauses = ifClauses(s);
        const branches = clauses.map((c) => c.body);
        const hasElse = clauses[clauses.length - 1]?.condition === null;
        const key = positionKey(s);
        // (forEach over the maps: a for-of makes an entry array per name.)
        const merge = (v: number[], k: string): void => {
          merged.set(k, union(merged.get(k), v));
        };
        const flags = flagFactsOfClauses(clauses);
        branches.forEach((b, i) => {
          this.env = new Map(before);
          const outer = this.branches.length;
          this.branches.push(`${key}:${i}`, ...(flags[i] ?? NO_BRANCHES));
          this.block(b);
          this.branches.length = outer;
          // (A branch that returns leaves nothing to the statements after the `if`.)
          if (!alwaysExits(b)) this.env.forEach(merge);
        });
        if (!hasElse) before.forEach(merge);
        this.env = merged;
        return;
      }
      case 'for_statement':
      case 'while_statement': {
        const outer = { loop: this.loop, iterables: new Map(this.loopIterables), bindings: this.bindings, repeated: this.repeated };
        this.loop = spanOf(s);
        const left = s.childForFieldName('left');
        const right = s.childForFieldName('right');
        const body = s.childForFieldName('body');
        const items = s.type === 'for_statement' && left && right ? this.loopItems(left, right) : undefined;
        // Zero iterations (`for w in self.widths` with a default `()`) is not taken for known: a caller may pass some.
        if (items && items.length > 0 && items.length * this.unrolled <= MAX_UNROLL) {
          // The count is known: one walk of the body per iteration, in order, the loop variable bound.
          this.unroll(s, items, outer, () => this.block(body));
        } else {
          // `for blk in self.blocks: x = blk(x)` (elements not known one by one): calls of `blk` are calls of the container.
          const over = left && right ? loopContainer(left, right) : undefined;
          if (over) {
            this.loopIterables.set(over.name, over.container);
            this.sequentialLists.add(over.container);
          }
          // The loop variable has no single value; the body's inline layers are built an unknown number of times.
          this.bindings = new Map(outer.bindings);
          for (const name of left ? flatTargets(left) : []) this.bindings.delete(name);
          this.repeated = { count: undefined, text: s.type === 'for_statement' ? (right?.text ?? '?') : (s.childForFieldName('condition')?.text ?? '?') };
          this.block(body);
          // Twice: the second pass sees the values the first left (the loop's back edge).
          this.block(body);
        }
        this.loopIterables = outer.iterables;
        this.bindings = outer.bindings;
        this.repeated = outer.repeated;
        this.loop = outer.loop;
        return;
      }
      case 'with_statement':
        this.block(s.childForFieldName('body'));
        return;
      case 'try_statement':
        this.block(s.childForFieldName('body'));
        return;
      default:
        return;
    }
  }

  /**
   * The iterations of a `for` loop whose count is known, each binding the loop's target: over a
   * container attribute with known elements (`for blk in self.blocks`, `enumerate(self.head)`:
   * the variable stands for each element), over `range(len(self.blocks))`, or over values that
   * resolve (`range(self.depth)`, a literal list). Undefined when the count is not known.
   */
  private loopItems(left: Node, right: Node): ((bindings: Map<string, Value>, iterables: Map<string, string>) => void)[] | undefined {
    const args = right.type === 'call' ? (right.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is Node => c !== null && c.type !== 'comment') : [];
    const fn = right.type === 'call' ? right.childForFieldName('function')?.text : undefined;
    // `for name in self.blocks` over a `ModuleDict` (iterating one gives its keys, as a `dict` does),
    // `for name, blk in self.blocks.items()`, `for blk in self.blocks.values()`.
    const callee = right.type === 'call' && args.length === 0 ? right.childForFieldName('function') : null;
    const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
    const dict = this.moduleDictEntries(method === 'items' || method === 'values' || method === 'keys' ? callee?.childForFieldName('object') : right);
    if (dict) {
      const pair = left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') : [];
      if ((method === undefined || method === 'keys') && left.type === 'identifier') return dict.map(({ key }) => (bindings) => bindTarget(left, { kind: 'string', value: key }, bindings));
      if (method === 'values' && left.type === 'identifier') return dict.map(({ target }) => (_b, iterables) => iterables.set(left.text, target));
      if (method === 'items' && pair.length === 2 && pair[1].type === 'identifier') {
        const [key, value] = pair as [Node, Node];
        return dict.map((entry) => (bindings, iterables) => {
          bindTarget(key, { kind: 'string', value: entry.key }, bindings);
          iterables.set(value.text, entry.target);
        });
      }
      return undefined;
    }
    // `for blk in self.blocks`, `for blk in self.blocks[:-1]`
    const direct = this.knownElements(right);
    if (direct && left.type === 'identifier') return direct.map(({ target }) => (_b, iterables) => iterables.set(left.text, target));
    // `for i, blk in enumerate(self.blocks)`
    const inner = fn === 'enumerate' && args.length === 1 ? args[0] : undefined;
    const listed = inner ? this.knownElements(inner) : undefined;
    const parts = left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment') : [];
    if (listed && parts.length === 2 && parts[1]?.type === 'identifier') {
      const [index, name] = parts as [Node, Node];
      return listed.map(({ target }, i) => (bindings, iterables) => {
        bindTarget(index, { kind: 'number', value: i, isInteger: true }, bindings);
        iterables.set(name.text, target);
      });
    }
    // `for i in range(len(self.blocks))`
    const lenArg = fn === 'range' && args.length === 1 && args[0]?.type === 'call' && args[0].childForFieldName('function')?.text === 'len' ? args[0].childForFieldName('arguments')?.namedChildren.find((c) => c !== null && c.type !== 'comment') : undefined;
    const counted = lenArg ? this.knownElements(lenArg) : undefined;
    if (counted) return counted.map((_e, i) => (bindings) => bindTarget(left, { kind: 'number', value: i, isInteger: true }, bindings));
    const values = this.builder.iterationValues(right, this.bindings);
    return values?.map((v) => (bindings) => bindTarget(left, v, bindings));
  }

  /** The elements of a container attribute, when each is known (no loop of unknown count, no alternatives). */
  private containerElementsOf(container: string): readonly Layer[] | undefined {
    const l = this.byPath.get(container);
    const all = l ? (BARRIERS.get(l) ?? l.elements) : undefined;
    if (!l || !all || l.alternatives || all.some((e) => e === 'barrier' || (e.repeated !== undefined && e.repeated.count === undefined))) return undefined;
    return all.filter((e): e is Layer => e !== 'barrier');
  }

  /**
   * The entries of a `self.` attribute that is an `nn.ModuleDict` with known elements, in order:
   * each key and the path of its element (`blocks.a`). Undefined for anything else.
   */
  private moduleDictEntries(n: Node | null | undefined): { key: string; target: string }[] | undefined {
    if (!n || !isSelfAttr(n)) return undefined;
    const container = selfPath(n);
    if (this.byPath.get(container)?.kind !== 'ModuleDict') return undefined;
    const all = this.containerElementsOf(container);
    const prefix = `${container}.`;
    if (!all || all.some((e) => !e.path.startsWith(prefix))) return undefined;
    return all.map((e) => ({ key: e.path.slice(prefix.length), target: e.path }));
  }

  /**
   * The elements `self.blocks` or a slice of it (`self.blocks[1:]`, `self.layers[:-1]`, constant
   * bounds, positive step) stands for, each with the target a call of it names (`blocks[2]`, or
   * the element's own path when it is named, `features.conv0`).
   */
  private knownElements(n: Node): { layer: Layer; target: string }[] | undefined {
    const attr = n.type === 'subscript' ? n.childForFieldName('value') : n;
    if (!attr || !isSelfAttr(attr)) return undefined;
    const container = selfPath(attr);
    const all = this.containerElementsOf(container);
    if (!all) return undefined;
    const indexed = all.map((layer, i) => ({ layer, target: layer.path === `${container}[${i}]` || layer.path === `${container}.${i}` ? `${container}[${i}]` : layer.path }));
    if (n.type !== 'subscript') return indexed;
    const slice = n.childForFieldName('subscript');
    if (slice?.type !== 'slice') return undefined;
    // `start:stop:step`, each part optional.
    const parts: (Node | undefined)[] = [undefined];
    for (const c of slice.children) {
      if (!c) continue;
      if (c.type === ':') parts.push(undefined);
      else if (c.isNamed && c.type !== 'comment') parts[parts.length - 1] = c;
    }
    const ints = parts.map((p) => {
      if (!p) return null;
      const v = this.builder.resolver.resolve(p, this.bindings.size > 0 ? this.bindings : undefined);
      return v.kind === 'number' && v.isInteger ? v.value : undefined;
    });
    if (ints.some((x) => x === undefined) || parts.length > 3) return undefined;
    const count = indexed.length;
    const at = (x: number | null | undefined, fallback: number) => (x === null || x === undefined ? fallback : Math.min(count, Math.max(0, x < 0 ? x + count : x)));
    const step = ints[2] ?? 1;
    if (step <= 0) return undefined;
    const out: { layer: Layer; target: string }[] = [];
    for (let i = at(ints[0], 0); i < at(ints[1], count); i += step) out.push(indexed[i]);
    return out;
  }

  private push(op: ForwardStep['op'], target: string, family: LayerFamily, inputs: number[], node: Node, extra: { norm?: NormType; call?: LayerCall; args?: readonly Argument[] } = {}): number {
    // The second pass of a loop body re-visits the same calls: reuse their step, widen its inputs.
    const start = node.startIndex;
    let existing: ForwardStep | undefined;
    const at = this.loop ? (this.stepsAt ??= new Map<number, ForwardStep[]>()).get(start) : undefined;
    if (at) {
      const end = node.endIndex;
      for (const st of at) {
        if (st.span.endOffset === end && st.target === target && this.stepIterations[st.index] === this.iteration) {
          existing = st;
          break;
        }
      }
    }
    if (existing) {
      (existing.inputs as number[]).push(...inputs.filter((i) => !existing.inputs.includes(i) && i !== existing.index));
      return existing.index;
    }
    const index = this.steps.length;
    // (Properties in the IR's order, optional ones only when set; the usual step, with none of
    // them, is one literal: adding properties one by one past a literal's grows its storage.)
    const stepInputs = inputs.length > 0 ? distinct(inputs) : [-1];
    // (Steps outside every branch share one empty list: IR lists are read-only.)
    const branches = this.branches.length === 0 ? NO_BRANCHES : this.branches.slice();
    let step: Writable<ForwardStep>;
    if (!extra.norm && !extra.call && !extra.args && !this.loop && this.iterationIndex === undefined) step = { index, op, target, family, inputs: stepInputs, branches, span: spanOf(node) };
    else {
      step = { index, op, target, family } as Writable<ForwardStep>;
      if (extra.norm) step.norm = extra.norm;
      if (extra.call) step.call = extra.call;
      if (extra.args) step.args = extra.args;
      step.inputs = stepInputs;
      if (this.loop) step.loop = this.loop;
      if (this.iterationIndex !== undefined) step.iteration = this.iterationIndex;
      step.branches = branches;
      step.span = spanOf(node);
    }
    this.steps.push(step);
    this.stepIterations[index] = this.iteration;
    if (this.loop) {
      if (at) at.push(step);
      else this.stepsAt?.set(start, [step]);
    }
    return index;
  }

  /** The steps whose outputs an expression's value may be. */
  private expr(e: Node): number[] {
    switch (e.type) {
      case 'identifier':
        return this.env.get(e.text) ?? [-1];
      case 'parenthesized_expression':
        return e.namedChildren[0] ? this.expr(e.namedChildren[0]) : [];
      case 'binary_operator': {
        const l = e.childForFieldName('left');
        const r = e.childForFieldName('right');
        const op = e.childForFieldName('operator')?.text;
        const a = l ? this.expr(l) : [];
        const b = r ? this.expr(r) : [];
        const tensors = (xs: number[], n: Node | null) => n !== null && n.type !== 'integer' && n.type !== 'float' && xs.length > 0;
        if (tensors(a, l) && tensors(b, r)) return [this.push(op === '+' ? 'add' : 'other', op === '+' ? 'add' : (op ?? 'op'), op === '+' ? 'merge' : 'unknown', [...a, ...b], e)];
        // `x * 0.5`: scaling keeps no layer adjacency.
        return [this.push('other', op ?? 'op', 'unknown', [...a, ...b], e)];
      }
      case 'tuple':
      case 'list':
      case 'expression_list': {
        const out: number[] = [];
        for (const c of e.namedChildren) {
          if (c.type === 'comment') continue;
          const xs = this.expr(c);
          for (let i = 0; i < xs.length; i++) out.push(xs[i]);
        }
        return out;
      }
      case 'subscript': {
        const v = e.childForFieldName('value');
        return v ? this.expr(v) : [];
      }
      case 'call':
        return this.call(e);
      case 'attribute': {
        const o = e.childForFieldName('object');
        return o && !isSelf(o) ? this.expr(o) : [];
      }
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension':
      case 'generator_expression':
        return this.comprehension(e);
      case 'conditional_expression': {
        // `self.norm(x) if self.norm is not None else x`: either value, each in its branch (as an
        // `if` statement's branches, with what the test says of the module's flags).
        const [a, test, b] = e.namedChildren.filter((c) => c.type !== 'comment');
        if (!a || !b || !test) return [];
        const key = positionKey(e);
        const outer = this.branches.length;
        this.branches.push(`${key}:0`, ...flagFacts(test, true));
        const x = this.expr(a);
        this.branches.length = outer;
        this.branches.push(`${key}:1`, ...flagFacts(test, false));
        const y = this.expr(b);
        this.branches.length = outer;
        return union(x, y);
      }
      default:
        return [];
    }
  }

  /**
   * Walks a loop (or comprehension) `at` whose iterations are known: `walk` once per item, in
   * order, with the item's bindings on top of `outer`'s and the iteration numbered (steps of one
   * call site are one step per iteration).
   */
  private unroll(at: Node, items: readonly ((bindings: Map<string, Value>, iterables: Map<string, string>) => void)[], outer: { readonly iterables: Map<string, string>; readonly bindings: Map<string, Value> }, walk: () => void): void {
    const saved = { iteration: this.iteration, index: this.iterationIndex, unrolled: this.unrolled };
    const loopKey = positionKey(at);
    this.unrolled *= items.length;
    items.forEach((item, i) => {
      this.iteration = `${saved.iteration}/${loopKey}#${i}`;
      this.iterationIndex = i;
      this.bindings = new Map(outer.bindings);
      this.loopIterables = new Map(outer.iterables);
      item(this.bindings, this.loopIterables);
      walk();
    });
    this.iteration = saved.iteration;
    this.iterationIndex = saved.index;
    this.unrolled = saved.unrolled;
  }

  /**
   * `[branch(x) for branch in self.branches]`, `(h(x) for h in self.heads.values())`, a dict
   * comprehension's values: the body is walked once per iteration when the comprehension has one
   * `for` clause, no `if`, and a count that is known (as a `for` loop is unrolled), else once
   * standing for every iteration. Each iteration reads the same inputs (nothing flows from one to
   * the next, unlike a loop that reassigns `x`), and the value is every step the iterations made
   * (what `torch.cat` merges).
   */
  private comprehension(e: Node): number[] {
    // (`{name: head(x) for name, head in self.heads.items()}`: the pair's value is what is computed.)
    const written = e.childForFieldName('body');
    const body = written?.type === 'pair' ? written.childForFieldName('value') : written;
    if (!body) return [];
    const fors: Node[] = [];
    let filtered = false;
    for (const c of e.namedChildren) {
      if (c.type === 'for_in_clause') fors.push(c);
      else if (c.type === 'if_clause') filtered = true;
    }
    const outer = { loop: this.loop, iterables: new Map(this.loopIterables), bindings: this.bindings, repeated: this.repeated };
    this.loop = spanOf(e);
    const left = fors.length === 1 ? fors[0].childForFieldName('left') : null;
    const right = fors.length === 1 ? fors[0].childForFieldName('right') : null;
    const items = left && right && !filtered ? this.loopItems(left, right) : undefined;
    const out: number[] = [];
    if (items && items.length > 0 && items.length * this.unrolled <= MAX_UNROLL) {
      this.unroll(e, items, outer, () => {
        for (const x of this.expr(body)) out.push(x);
      });
    } else {
      // Calls of the loop variable over `self.branches` are calls of the container (not a chain of its elements).
      const over = left && right ? loopContainer(left, right) : undefined;
      this.bindings = new Map(outer.bindings);
      for (const f of fors) {
        const target = f.childForFieldName('left');
        for (const name of target ? flatTargets(target) : []) {
          this.bindings.delete(name);
          this.loopIterables.delete(name);
        }
      }
      if (over) this.loopIterables.set(over.name, over.container);
      this.repeated = { count: undefined, text: right?.text ?? '?' };
      for (const x of this.expr(body)) out.push(x);
    }
    this.loopIterables = outer.iterables;
    this.bindings = outer.bindings;
    this.repeated = outer.repeated;
    this.loop = outer.loop;
    return distinct(out);
  }

  /**
   * What a functional step records besides its inputs: its norm type, and its arguments from
   * position `from` on (`F.dropout(x, p=0.1)`: from 1, the input is position 0; a tensor method
   * `x.permute(0, 2, 3, 1)`: from 0), resolved. None after a `*args` / `**kwargs`.
   */
  private functionalExtra(call: Node, op: { readonly norm?: NormType }, from: number): { norm?: NormType; args?: readonly Argument[] } {
    const list = call.childForFieldName('arguments');
    let args: Argument[] | undefined;
    if (list && list.type === 'argument_list') {
      const bindings = this.bindings.size > 0 ? this.bindings : undefined;
      let position = 0;
      for (const a of list.namedChildren) {
        if (a.type === 'comment') continue;
        if (a.type === 'list_splat' || a.type === 'dictionary_splat') break;
        if (a.type === 'keyword_argument') {
          const name = a.childForFieldName('name');
          const value = a.childForFieldName('value');
          if (name && value && name.text !== 'input') (args ??= []).push(argument(name.text, undefined, this.builder.resolver.resolve(value, bindings), spanOf(a), spanOf(value)));
          continue;
        }
        if (position >= from) (args ??= []).push(argument(undefined, position, this.builder.resolver.resolve(a, bindings), spanOf(a), spanOf(a)));
        position++;
      }
    }
    if (!op.norm && !args) return NO_EXTRA;
    return { ...(op.norm ? { norm: op.norm } : {}), ...(args ? { args } : {}) };
  }

  private argInputs(call: Node): { first: number[]; all: number[] } {
    // The steps of the first positional argument, then of the positional arguments after the
    // first argument (of any kind), in this order (each walk can add steps). `all` is `first`
    // itself when no other argument adds one (the lists are read, never changed, by `call`).
    const list = call.childForFieldName('arguments');
    // `sum(h(x) for h in self.heads)`: a generator is the call's one argument.
    if (list?.type === 'generator_expression') {
      const xs = this.expr(list);
      return { first: xs, all: xs };
    }
    const args = list?.namedChildren;
    if (!args || args.length === 0) return { first: NO_INPUTS, all: NO_INPUTS };
    let firstPositional: Node | undefined;
    for (const a of args) {
      if (a.type === 'comment' || a.type === 'keyword_argument') continue;
      firstPositional = a;
      break;
    }
    const first = firstPositional ? this.expr(firstPositional) : NO_INPUTS;
    let all = first;
    let seen = 0;
    for (const a of args) {
      if (a.type === 'comment' || seen++ === 0 || a.type === 'keyword_argument') continue;
      const xs = this.expr(a);
      if (xs.length === 0) continue;
      if (all === first) all = first.slice();
      for (const x of xs) all.push(x);
    }
    return { first, all };
  }

  private call(e: Node): number[] {
    const fn = e.childForFieldName('function');
    if (!fn) return [];
    // Inline construct-and-call: `nn.Conv(64, (3, 3))(x)` (Flax compact), `layers.Dense(10)(x)` (Keras functional).
    if (fn.type === 'call' && !isGetattr(fn)) {
      const call = this.builder.layerCall(fn, this.bindings.size > 0 ? this.bindings : undefined) ?? this.viaCallable(fn);
      const { first, all } = this.argInputs(e);
      if (call) {
        const path = this.inlineLayer(fn, call.kind, (p) => ({ path: p, kind: call.kind, family: call.family, ...(call.norm ? { norm: call.norm } : {}), call, span: call.span }));
        return [this.push('layer', path, call.family, first.length > 0 ? first : all, e, { ...(call.norm ? { norm: call.norm } : {}), call })];
      }
      // A model class of this file built inline: `MlpBlock(hidden=64)(x)`, `EncoderBlock(name=f'block_{i}')(x)`.
      const bindings = this.bindings.size > 0 ? this.bindings : undefined;
      const moduleClass = this.builder.inlineModuleClass(fn, bindings);
      if (moduleClass) {
        const path = this.inlineLayer(fn, moduleClass, (p) => this.builder.inlineModule(fn, moduleClass, p, this.bindings));
        return [this.push('layer', path, 'module', first.length > 0 ? first : all, e)];
      }
      // A Flax norm field whose class the file does not fix (`norm: ModuleDef`, given by the parent): a norm of unknown kind.
      const field = this.normField(fn);
      if (field) {
        const path = this.inlineLayer(fn, field, (p) => ({ path: p, kind: '?', family: 'norm', span: spanOf(fn) }), field);
        return [this.push('layer', path, 'norm', first.length > 0 ? first : all, e)];
      }
      // Another Flax field holding a module class the file does not fix (`conv: ModuleDef`): one call of that submodule.
      const callee = fn.childForFieldName('function');
      if (callee && isSelfAttr(callee) && this.fields().has(selfPath(callee))) return [this.push('layer', selfPath(callee), 'module', first.length > 0 ? first : all, e)];
      this.expr(fn);
      return [this.push('other', 'call', 'unknown', all, e)];
    }
    // A function defined in the forward pass (mmcv's `_inner_forward`), called directly or through
    // `torch.utils.checkpoint.checkpoint(fn, *args)`: its body, walked here with its arguments.
    const local = this.localCall(e, fn);
    if (local) return local;
    const { first, all } = this.argInputs(e);
    // `self.conv1(x)`, `self.layers[0](x)`, `self.blocks(x)`
    const target = this.submodule(fn);
    if (target !== undefined) {
      const layer = findLayer(this.byPath, target);
      const family = layer ? layer.family : 'module';
      return [this.push('layer', target, family, first.length > 0 ? first : all, e, layer?.norm ? { norm: layer.norm } : {})];
    }
    if (fn.type === 'attribute') {
      const method = fn.childForFieldName('attribute')?.text ?? '';
      const object = fn.childForFieldName('object');
      // `blk.norm(x)` where `blk` stands for an element of a container: that element's child.
      const element = object?.type === 'identifier' ? this.loopIterables.get(object.text) : undefined;
      const child = element !== undefined ? findLayer(this.byPath, `${element}.${method}`) : undefined;
      if (child) return [this.push('layer', child.path, child.family, first.length > 0 ? first : all, e, child.norm ? { norm: child.norm } : {})];
      const q = this.builder.resolver.qualify(fn);
      const head = q === undefined ? dottedHead(fn) : undefined;
      const isModule = q !== undefined || (head !== undefined && MODULE_HEADS.has(head));
      const op = FUNCTIONAL_OPS.get(method);
      // Keras' functional merge `layers.add([x, shortcut])`: a residual addition.
      if (isModule && (method === 'add' || method === 'Add') && /^(keras|tensorflow|tf_keras)\./.test(q ?? '') && all.length >= 2) return [this.push('add', 'add', 'merge', all, e)];
      if (isModule) {
        if (op) return [this.push('functional', method, op.family, op.family === 'merge' ? all : first.length > 0 ? first : all, e, this.functionalExtra(e, op, 1))];
        return [this.push('other', method, 'unknown', all, e)];
      }
      // A tensor method: `x.view(...)`, `x.relu()`, `x.flatten(1)`
      const inputs = object ? this.expr(object) : [];
      if (op) return [this.push('functional', method, op.family, [...inputs, ...all], e, this.functionalExtra(e, op, 0))];
      if (method === 'contiguous' || method === 'clone' || method === 'to' || method === 'float' || method === 'type_as') return inputs;
      return [this.push('other', method, 'unknown', [...inputs, ...all], e)];
    }
    if (fn.type === 'identifier') {
      const iter = this.loopIterables.get(fn.text);
      if (iter !== undefined) {
        const layer = findLayer(this.byPath, iter);
        return [this.push('layer', iter, layer?.family ?? 'container', first.length > 0 ? first : all, e, layer?.norm ? { norm: layer.norm } : {})];
      }
      const op = FUNCTIONAL_OPS.get(fn.text);
      if (op && this.builder.resolver.qualify(fn)) return [this.push('functional', fn.text, op.family, op.family === 'merge' ? all : first.length > 0 ? first : all, e, this.functionalExtra(e, op, 1))];
    }
    return [this.push('other', fn.text.length > 40 ? 'call' : fn.text, 'unknown', all, e)];
  }

  /**
   * The steps a call of a local function gives (`_inner_forward(x)`, `cp.checkpoint(_inner_forward,
   * x)`): its body walked with its parameters standing for the arguments' steps, and what its
   * `return` statements give. Names it assigns stay its own, as Python scopes them; names of the
   * enclosing function it reads are read as they are at the call. A call on the same inputs as an
   * earlier one gives that one's steps (its steps keep the branches of the first call site).
   * Undefined for another call, a splat among the arguments, or a function already being walked
   * (recursion).
   */
  private localCall(e: Node, fn: Node): number[] | undefined {
    if (!this.localFunctions) return undefined;
    const list = e.childForFieldName('arguments');
    const args = (list?.type === 'argument_list' ? list.namedChildren : []).filter((a) => a.type !== 'comment');
    let def: Node | undefined;
    let passed = args;
    if (fn.type === 'identifier') def = this.localFunctions.get(fn.text);
    if (!def && dottedLast(fn) === 'checkpoint' && this.builder.resolver.qualify(fn)?.startsWith('torch.utils.checkpoint.') && args[0]?.type === 'identifier') {
      def = this.localFunctions.get(args[0].text);
      passed = args.slice(1).filter((a) => a.type !== 'keyword_argument');
    }
    if (!def || this.inlined.has(def) || passed.some((a) => a.type === 'list_splat' || a.type === 'dictionary_splat')) return undefined;
    const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p.type !== 'comment');
    if (params.some((p) => p.type === 'list_splat_pattern' || p.type === 'dictionary_splat_pattern')) return undefined;
    const names = params.map((p) => (p.type === 'identifier' ? p.text : p.childForFieldName('name')?.text));
    // (The arguments are evaluated in the caller's scope, before the body runs.)
    const bound = new Map<string, number[]>();
    let position = 0;
    for (const a of passed) {
      if (a.type === 'keyword_argument') {
        const name = a.childForFieldName('name')?.text;
        const value = a.childForFieldName('value');
        if (name && value) bound.set(name, this.expr(value));
      } else {
        const name = names[position++];
        const steps = this.expr(a);
        if (name) bound.set(name, steps);
      }
    }
    // Called again on the same inputs (mmcv's `cp.checkpoint(_inner_forward, x)` under `if
    // self.with_cp`, `_inner_forward(x)` under `else`): the same computation, walked once.
    const key = names.map((n) => (n ? (bound.get(n) ?? NO_INPUTS).join(',') : '')).join(';');
    const results = (this.localResults ??= new Map<Node, Map<string, number[]>>()).get(def) ?? new Map<string, number[]>();
    this.localResults.set(def, results);
    const known = results.get(key);
    if (known) return known;
    const outer = { env: this.env, returned: this.returned, functions: this.localFunctions };
    this.env = new Map(outer.env);
    // (Functions it defines are its own too.)
    this.localFunctions = new Map(outer.functions);
    for (const name of names) if (name) this.env.set(name, bound.get(name) ?? NO_INPUTS);
    this.returned = [];
    this.inlined.add(def);
    try {
      this.block(def.childForFieldName('body'));
      const out = [...new Set(this.returned)];
      results.set(key, out);
      return out;
    } finally {
      this.inlined.delete(def);
      this.env = outer.env;
      this.returned = outer.returned;
      this.localFunctions = outer.functions;
    }
  }

  /**
   * The path of the inline layer built at `site` in this iteration: a new one named like Flax names
   * it (`Dense_0`, `Dense_1`, ... in call order), or, on the second walk of a loop body, the one
   * the first walk built. Inside a loop whose count is not known the layer is `repeated`.
   */
  private inlineLayer(site: Node, prefix: string, build: (path: string) => Layer, field?: string): string {
    const key = `${site.startIndex}:${site.endIndex}${this.iteration}`;
    const known = (this.inlineAt ??= new Map<string, string>()).get(key);
    if (known !== undefined) return known;
    // `name='conv1'` names the submodule (and takes no automatic number), as in Flax and Keras.
    const named = this.explicitName(site);
    const counts = (this.inlineCounts ??= new Map<string, number>());
    const n = named === undefined ? (counts.get(prefix) ?? 0) : 0;
    if (named === undefined) counts.set(prefix, n + 1);
    const path = named ?? `${prefix}_${n}`;
    this.inlineAt.set(key, path);
    const built = build(path);
    const l = this.repeated ? { ...built, repeated: this.repeated } : built;
    if (field) INLINE_FIELD.set(l, field);
    this.inline.push(l);
    return path;
  }

  /** The `name=` a constructor call gives its layer, when it resolves to a string (`name=f'block_{i}'` in an unrolled loop). */
  private explicitName(call: Node): string | undefined {
    const arg = (call.childForFieldName('arguments')?.namedChildren ?? []).find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'name');
    const value = arg?.childForFieldName('value');
    const v = value ? this.builder.resolver.resolve(value, this.bindings.size > 0 ? this.bindings : undefined) : undefined;
    return v?.kind === 'string' && v.value.length > 0 ? v.value : undefined;
  }

  /** `conv(64, (3, 3))` where `conv = partial(nn.Conv, use_bias=False)` or a norm parameter. */
  private viaCallable(call: Node): LayerCall | undefined {
    const callee = call.childForFieldName('function');
    // `conv(...)` (a local partial) or, in a Flax module, `self.norm(...)` (a field: `norm: Callable = nn.BatchNorm`).
    const field = callee && isSelfAttr(callee) && this.fields().has(selfPath(callee)) ? selfPath(callee) : undefined;
    if (!callee || (callee.type !== 'identifier' && !field)) return undefined;
    const bound = this.builder.resolver.resolve(callee);
    if (bound.kind !== 'callable' || !classifyLayer(bound.target)) return undefined;
    return this.builder.layerCall(call, undefined, { name: field ?? callee.text, callable: bound });
  }

  private fieldNames: Set<string> | undefined;

  /** The dataclass fields of the Flax module whose method is walked (none for other classes). */
  private fields(): Set<string> {
    if (!this.fieldNames) {
      const cls = this.fn ? enclosingClassOf(this.fn) : undefined;
      const flax = cls !== undefined && this.builder.frameworkOf(cls.childForFieldName('name')?.text ?? '') === 'flax';
      this.fieldNames = new Set(flax ? this.builder.flaxFields(cls.childForFieldName('body')).map((f) => f.name.text) : []);
    }
    return this.fieldNames;
  }

  /** The expression a `@property` method `name` of the walked function's class returns, when its body is that one `return`. */
  private propertyReturn(name: string): Node | undefined {
    const cls = this.fn ? enclosingClassOf(this.fn) : undefined;
    const method = cls ? findMethod(cls, name) : undefined;
    const decorated = method?.parent?.type === 'decorated_definition' ? method.parent : undefined;
    if (!method || !decorated || !decorated.namedChildren.some((d) => d.type === 'decorator' && d.namedChildren[0]?.text === 'property')) return undefined;
    const body = method.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment' && !(c.type === 'expression_statement' && c.namedChildren[0]?.type === 'string'));
    const only = body?.length === 1 ? body[0] : undefined;
    return only?.type === 'return_statement' ? (only.namedChildren[0] ?? undefined) : undefined;
  }

  /** `self.norm(...)` where `norm` is a Flax norm field whose value does not resolve to a layer class. */
  private normField(call: Node): string | undefined {
    const callee = call.childForFieldName('function');
    if (!callee || !isSelfAttr(callee)) return undefined;
    const name = selfPath(callee);
    if (!this.fields().has(name) || !NORM_PARAM.test(name)) return undefined;
    const bound = this.builder.resolver.resolve(callee);
    return bound.kind === 'unknown' || bound.kind === 'none' ? name : undefined;
  }

  private submodule(fn: Node, viaProperty = false): string | undefined {
    if (isSelfAttr(fn)) {
      const path = selfPath(fn);
      // mmcv style: `self.norm1(x)` where the class's property `norm1` returns
      // `getattr(self, self.norm1_name)`: the submodule the property returns.
      if (!viaProperty && !findLayer(this.byPath, path)) {
        const returned = this.propertyReturn(path);
        const target = returned ? this.submodule(returned, true) : undefined;
        if (target !== undefined) return target;
      }
      return path;
    }
    // `getattr(self, 'bn0')(x)`, `self.__getattr__('bn0')(x)`; a name that does not resolve keeps the `<expression>` path `setattr` gave it.
    if (fn.type === 'call' && isGetattr(fn)) {
      const all = (fn.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is Node => c !== null && c.type !== 'comment');
      const args = fn.childForFieldName('function')?.type === 'identifier' ? all : [fn.childForFieldName('function')?.childForFieldName('object') ?? all[0], ...all];
      const [object, name] = args;
      if (args.length === 2 && object?.text === 'self' && name && name.type !== 'keyword_argument' && name.type !== 'list_splat') {
        const v = this.builder.resolver.resolve(name, this.bindings.size > 0 ? this.bindings : undefined);
        // A name that resolves here but not where `setattr` built the layers names them as `setattr` did.
        const unresolved = `<${name.text}>`;
        return v.kind === 'string' && (this.byPath.has(v.value) || !this.byPath.has(unresolved)) ? v.value : unresolved;
      }
    }
    if (fn.type === 'subscript') {
      const v = fn.childForFieldName('value');
      const i = fn.childForFieldName('subscript');
      if (v && isSelfAttr(v) && i) {
        if (i.type === 'integer') return `${selfPath(v)}[${i.text}]`;
        // `self.blocks[i](x)` in an unrolled loop, `self.layers[-1](x)` (counted from the end when the elements are known).
        const n = i.type === 'identifier' ? this.bindings.get(i.text) : i.type === 'unary_operator' || i.type === 'string' ? this.builder.resolver.resolve(i) : undefined;
        // `self.heads['cls'](x)`, `self.blocks[name](x)` over a `ModuleDict`'s keys: its element `heads.cls`.
        if (n?.kind === 'string') return findLayer(this.byPath, `${selfPath(v)}.${n.value}`) ? `${selfPath(v)}.${n.value}` : `${selfPath(v)}[*]`;
        const count = n?.kind === 'number' && n.value < 0 ? this.containerElementsOf(selfPath(v))?.length : undefined;
        const index = n?.kind === 'number' && n.isInteger ? (n.value >= 0 ? n.value : count !== undefined ? count + n.value : undefined) : undefined;
        return index !== undefined && index >= 0 ? `${selfPath(v)}[${index}]` : `${selfPath(v)}[*]`;
      }
    }
    return undefined;
  }
}

/** The attributes of a layer whose reads `attributeReads` reports. */
const PARAMETER_ATTRIBUTES: ReadonlySet<string> = new Set(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);

/** The `branches` of a step outside every branch (shared: IR lists are read-only). */
const NO_BRANCHES: readonly string[] = Object.freeze([]);
/** No input steps (shared, read-only: see `ForwardWalker.argInputs`). */
const NO_INPUTS = Object.freeze([]) as unknown as number[];

/** Whether an expression is a name, or a tuple or list of names (a forward walk reads it without building steps). */
function readsNamesOnly(node: Node): boolean {
  if (node.type === 'identifier') return true;
  if (node.type !== 'tuple' && node.type !== 'list') return false;
  return node.namedChildren.every((c) => c.type === 'identifier' || c.type === 'comment');
}

/** The numbers of a short list without repeats, in first-seen order (as `[...new Set(xs)]`). */
function distinct(xs: readonly number[]): number[] {
  if (xs.length > 16) return [...new Set(xs)];
  const out: number[] = [];
  for (const x of xs) if (!out.includes(x)) out.push(x);
  return out;
}

/** The steps of `a` then of `b`, without repeats, in first-seen order (a new list: env lists are shared). */
function union(a: readonly number[] | undefined, b: readonly number[]): number[] {
  return distinct(a ? a.concat(b) : b);
}

/**
 * What each clause of an `if` (`ifClauses`) says of the module's flags (`self.layer_norm_first`, `self.training`:
 * the same for the whole forward pass), as `ForwardStep.branches` entries `self.flag:1` / `self.flag:0`:
 * a branch runs when its condition holds and those before it do not. Two steps whose entries
 * differ for one flag never run in the same pass, even in two different `if`s (a helper's
 * `if not self.layer_norm_first:` and the forward's `if self.layer_norm_first:`).
 */
function flagFactsOfClauses(clauses: readonly { readonly condition: Node | null }[]): (readonly string[])[] {
  const failed: string[] = [];
  return clauses.map((c) => {
    const facts = c.condition ? [...failed, ...flagFacts(c.condition, true)] : [...failed];
    if (c.condition) failed.push(...flagFacts(c.condition, false));
    return facts;
  });
}

/** The `self.flag:1` / `self.flag:0` entries a condition's holding (or failing) implies: `self.x`, `not ...`, `and` when it holds, `or` when it fails. */
function flagFacts(condition: Node, holds: boolean): string[] {
  const c = condition.type === 'parenthesized_expression' && condition.namedChildren.length === 1 ? condition.namedChildren[0] : condition;
  if (c.type === 'attribute') {
    const parts = dottedParts(c);
    return parts && parts.length >= 2 && parts[0] === 'self' ? [`${parts.join('.')}:${holds ? 1 : 0}`] : [];
  }
  if (c.type === 'not_operator') {
    const argument = c.childForFieldName('argument');
    return argument ? flagFacts(argument, !holds) : [];
  }
  if (c.type === 'boolean_operator') {
    const op = c.childForFieldName('operator')?.type;
    if ((op === 'and') !== holds) return [];
    const left = c.childForFieldName('left');
    const right = c.childForFieldName('right');
    return [...(left ? flagFacts(left, holds) : []), ...(right ? flagFacts(right, holds) : [])];
  }
  return [];
}

/** The blocks of an `if` statement's branches, in order (`if`, `elif`s, `else`), and whether it has an `else`. */
function ifBranches(stmt: Node): { blocks: (Node | null)[]; hasElse: boolean } {
  const clauses = ifClauses(stmt);
  return { blocks: clauses.map((c) => c.body), hasElse: clauses[clauses.length - 1]?.condition === null };
}

/** Whether a block always leaves its function (its last statement returns or raises, or is an `if` / `else` all of whose branches do). */
function alwaysExits(block: Node | null): boolean {
  const stmts = block?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
  const last = stmts[stmts.length - 1];
  if (!last) return false;
  if (last.type === 'return_statement' || last.type === 'raise_statement') return true;
  if (last.type !== 'if_statement') return false;
  const { blocks, hasElse } = ifBranches(last);
  return hasElse && blocks.every(alwaysExits);
}

/**
 * The branch (`ifStart:index`, as `ForwardStep.branches` has them; the index after the last for
 * an `if` without `else`) the statements after an `if` run in, when all its branches but one
 * leave the function. Undefined when none leaves, or several do not.
 */
function fallThroughBranch(stmt: Node): string | undefined {
  const { blocks, hasElse } = ifBranches(stmt);
  const staying = blocks.map((b, i) => (alwaysExits(b) ? -1 : i)).filter((i) => i >= 0);
  if (!hasElse) staying.push(blocks.length);
  return staying.length === 1 && staying.length < blocks.length + (hasElse ? 0 : 1) ? `${positionKey(stmt)}:${staying[0]}` : undefined;
}

/**
 * The loop variable standing for the elements of a `self.` container, and the container's path:
 * `blk in self.blocks`, `(i, blk) in enumerate(self.blocks)`, `(name, blk) in self.blocks.items()`,
 * `blk in self.blocks.values()`. Undefined for any other loop.
 */
function loopContainer(left: Node, right: Node): { name: string; container: string } | undefined {
  const pair = left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren.filter((c) => c.type !== 'comment') : [];
  const second = pair.length === 2 && pair[1].type === 'identifier' ? pair[1].text : undefined;
  if (left.type === 'identifier' && isSelfAttr(right)) return { name: left.text, container: selfPath(right) };
  if (right.type !== 'call') return undefined;
  const fn = right.childForFieldName('function');
  const args = (right.childForFieldName('arguments')?.namedChildren ?? []).filter((c) => c.type !== 'comment');
  if (fn?.type === 'identifier' && fn.text === 'enumerate' && args.length === 1 && isSelfAttr(args[0]) && second) return { name: second, container: selfPath(args[0]) };
  const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
  if (!object || !isSelfAttr(object) || args.length > 0) return undefined;
  if (method === 'items' && second) return { name: second, container: selfPath(object) };
  if (method === 'values' && left.type === 'identifier') return { name: left.text, container: selfPath(object) };
  return undefined;
}

function flatTargets(n: Node): string[] {
  if (n.type === 'identifier') return [n.text];
  if (n.type === 'pattern_list' || n.type === 'tuple_pattern' || n.type === 'list_pattern' || n.type === 'tuple') return n.namedChildren.flatMap((c) => (c ? flatTargets(c) : []));
  return [];
}

/** A class definition's node, name and base expressions (names or dotted names). */
interface ClassHeader {
  readonly node: Node;
  readonly name: string;
  readonly bases: readonly Node[];
  /** Each base's name when it is an identifier (else undefined). */
  readonly baseNames: readonly (string | undefined)[];
}

/** A class's header, kept per node: nodes do not change. */
const CLASS_HEADERS = new NodeCache<ClassHeader | null>();

function classHeader(node: Node): ClassHeader | undefined {
  let header = CLASS_HEADERS.get(node);
  if (header === undefined) {
    const nameNode = node.childForFieldName('name');
    const bases = (node.childForFieldName('superclasses')?.namedChildren ?? []).filter((b) => b.type === 'identifier' || b.type === 'attribute');
    header = nameNode?.type === 'identifier' ? { node, name: nameNode.text, bases, baseNames: bases.map((b) => (b.type === 'identifier' ? b.text : undefined)) } : null;
    CLASS_HEADERS.set(node, header);
  }
  return header ?? undefined;
}

/** The classes a top-level statement defines, at any depth, in document order. */
interface StatementDefinitions {
  /** Every `class_definition` in the statement. */
  readonly classNodes: readonly Node[];
  /** Those with a name, with their headers. */
  readonly classes: readonly ClassHeader[];
}

const NO_DEFINITIONS: StatementDefinitions = { classNodes: [], classes: [] };

/** Per top-level statement node (a function of its subtree): see `definitionsIn`. */
const STATEMENT_DEFINITIONS = new NodeCache<StatementDefinitions>();

/** The classes a top-level statement defines (kept per statement node: do not modify). */
export function definitionsIn(stmt: Node): StatementDefinitions {
  let defs = STATEMENT_DEFINITIONS.get(stmt);
  if (defs === undefined) {
    const classNodes = stmt.descendantsOfType('class_definition');
    const classes: ClassHeader[] = [];
    for (const node of classNodes) {
      const header = classHeader(node);
      if (header) classes.push(header);
    }
    defs = classNodes.length === 0 ? NO_DEFINITIONS : { classNodes, classes };
    STATEMENT_DEFINITIONS.set(stmt, defs);
  }
  return defs;
}

/**
 * Adds to `names` the classes of `classes` (in document order) that are model classes: a class
 * with a base that is a model class of the file or names a framework's module class through the
 * imports, until no more are found. A class takes the framework of its first such base, as the
 * names stand when it is reached.
 */
function findModelClassNames(classes: readonly ClassHeader[], resolver: Resolver, names: Map<string, Framework>): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of classes) {
      if (names.has(c.name)) continue;
      for (let i = 0; i < c.bases.length; i++) {
        // (A base named by an identifier may be a model class of the file: see `baseFramework`.)
        const inFile = c.baseNames[i] !== undefined ? names.get(c.baseNames[i] as string) : undefined;
        const fw = inFile ?? importedBaseFramework(c.bases[i], resolver);
        if (fw) {
          names.set(c.name, fw);
          changed = true;
          break;
        }
      }
    }
  }
}

/** Per top-level statement node: see `classHeadersText`. */
const CLASS_HEADERS_TEXT = new NodeCache<string>();

/**
 * What `findModelClassNames` reads of a statement's classes, as text: each class's name and its
 * bases (type and text), in document order. Two statements with the same text here give the same
 * model class names under one import table.
 */
function classHeadersText(stmt: Node): string {
  let text = CLASS_HEADERS_TEXT.get(stmt);
  if (text === undefined) {
    text = definitionsIn(stmt)
      .classes.map((c) => `${c.name}(${c.bases.map((b) => `${b.type}:${b.text}`).join(',')})`)
      .join(';');
    CLASS_HEADERS_TEXT.set(stmt, text);
  }
  return text;
}

/** Where a document's `ModelClassIndex` is kept in `SyntaxTree.indexes`. */
const MODEL_CLASS_INDEX = Symbol('ModelClassIndex');

/**
 * A document's model class names (`findModelClassNames` over every class of the file), kept across
 * its trees (in `SyntaxTree.indexes`, one per document lineage like a `StatementIndex`).
 *
 * It keeps the top-level statements that define classes, in document order, moved forward by the
 * statements a tree's `changes` report (else listed again from the tree), and the names found
 * from their classes with the import table they were read through. The names are dropped when
 * the classes' headers, in order, differ from those they were found from (`classHeadersText` of
 * each statement, compared where the statement changed) or when the import table differs: an
 * edit inside a class or function body keeps them.
 */
class ModelClassIndex {
  /** The `version` of the tree described. */
  private synced = -1;
  /** The top-level statements of that tree that define (named) classes, in document order. */
  private statements: Node[] = [];
  /** Their classes' headers, in document order (made when asked for). */
  private headerList: ClassHeader[] | undefined;
  /** The model class names found from those headers, and the import table they were found with. */
  private found: { readonly names: ReadonlyMap<string, Framework>; readonly imports: ImportTable } | undefined;

  static of(tree: Tree): ModelClassIndex {
    let index = tree.indexes.get(MODEL_CLASS_INDEX) as ModelClassIndex | undefined;
    if (!index) tree.indexes.set(MODEL_CLASS_INDEX, (index = new ModelClassIndex()));
    index.sync(tree);
    return index;
  }

  /** The model class names of the tree last given to `of`, found through `resolver`'s imports (do not modify). */
  modelClassNames(resolver: Resolver): ReadonlyMap<string, Framework> {
    if (this.found?.imports !== resolver.imports) {
      const names = new Map<string, Framework>();
      findModelClassNames(this.headers(), resolver, names);
      this.found = { names, imports: resolver.imports };
    }
    return this.found.names;
  }

  /** The headers of every named class of the tree last given to `of`, in document order (do not modify). */
  headers(): readonly ClassHeader[] {
    if (!this.headerList) {
      this.headerList = [];
      for (const stmt of this.statements) for (const c of definitionsIn(stmt).classes) this.headerList.push(c);
    }
    return this.headerList;
  }

  private sync(tree: Tree): void {
    if (this.synced === tree.version) return;
    const before = this.statements;
    const changes = tree.changes;
    if (changes && changes.from === this.synced) {
      const removed = new Set(changes.removed);
      const after = removed.size > 0 ? before.filter((s) => !removed.has(s)) : before.slice();
      // The added statements are in document order: each goes in after those before it.
      let at = 0;
      for (const s of changes.added) {
        if (definitionsIn(s).classes.length === 0) continue;
        const start = s.startIndex;
        while (at < after.length && after[at].startIndex < start) at++;
        after.splice(at++, 0, s);
      }
      this.statements = after;
    } else {
      this.statements = tree.rootNode.children.filter((s) => definitionsIn(s).classes.length > 0);
    }
    if (!sameClassHeaders(before, this.statements)) this.found = undefined;
    if (this.statements.length !== before.length || this.statements.some((s, i) => s !== before[i])) this.headerList = undefined;
    this.synced = tree.version;
  }
}

/** Whether two lists of class-defining statements have the same class headers, in order. */
function sameClassHeaders(a: readonly Node[], b: readonly Node[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== y && classHeadersText(x) !== classHeadersText(y)) return false;
  }
  return true;
}

/**
 * The framework a class base names through the file's imports (`nn.Module`, `keras.Model`,
 * `flax.linen.Module`), kept per base node with the import table it was read with (an edited
 * document keeps its table while its imports do not change).
 */
const IMPORTED_BASES = new NodeCache<{ readonly imports: ImportTable; readonly framework: Framework | undefined }>();

function importedBaseFramework(base: Node, resolver: Resolver): Framework | undefined {
  const cached = IMPORTED_BASES.get(base);
  if (cached && cached.imports === resolver.imports) return cached.framework;
  const framework = frameworkOfBase(resolver.qualify(base));
  IMPORTED_BASES.set(base, { imports: resolver.imports, framework });
  return framework;
}

function frameworkOfBase(q: string | undefined): Framework | undefined {
  if (!q) return undefined;
  if (TORCH_BASES.has(q) || q === 'torch.nn.Module') return 'torch';
  const parts = q.split('.');
  const last = parts[parts.length - 1];
  if ((parts[0] === 'keras' || parts[0] === 'tensorflow' || parts[0] === 'tf_keras') && (last === 'Model' || last === 'Layer' || last === 'Sequential')) return 'keras';
  if (parts[0] === 'flax' && last === 'Module') return 'flax';
  return undefined;
}
