import type { Span } from './span';
import type { Provenance, Value } from './values';

/** The deep-learning framework a construct belongs to. */
export type Framework = 'torch' | 'keras' | 'flax';

/** What a layer or operation does, coarsely. */
export type LayerFamily =
  | 'norm'
  | 'conv'
  | 'linear'
  | 'dropout'
  | 'activation'
  | 'pooling'
  | 'recurrent'
  | 'embedding'
  | 'attention'
  | 'shape'
  | 'merge'
  | 'container'
  | 'module'
  | 'unknown';

/**
 * The statistic a normalization layer computes. `frozen`: none, a BatchNorm whose statistics and
 * affine are fixed buffers (torchvision's, detectron2's and timm's `FrozenBatchNorm2d`): a
 * per-channel affine in training and evaluation alike.
 */
export type NormType = 'batch' | 'instance' | 'layer' | 'group' | 'rms' | 'lrn' | 'unit' | 'frozen';

export type { Provenance, Value } from './values';
export { numberValue } from './values';

export interface Argument {
  /** Parameter name from the framework's signature, when the position or keyword maps to one. */
  readonly name: string | undefined;
  /** Index among positional arguments, or undefined for a keyword argument. */
  readonly position: number | undefined;
  readonly value: Value;
  /** The argument as written (for a keyword argument: `name=value`). */
  readonly span: Span;
  /** The value expression alone. */
  readonly valueSpan: Span;
  readonly provenance?: Provenance;
}

/** A constructor call of a framework layer, e.g. `nn.GroupNorm(32, 256)`. */
export interface LayerCall {
  /** Canonical class name, e.g. `GroupNorm`, `BatchNorm2d`, `BatchNormalization`. */
  readonly kind: string;
  readonly framework: Framework;
  readonly family: LayerFamily;
  readonly norm?: NormType;
  /**
   * Set when the layer is built through a parameter or config (`norm_layer(64)`,
   * `partial(nn.GroupNorm, 32)(64)`, `build_norm_layer(norm_cfg, 64)`): the parameter's name.
   */
  readonly viaParameter?: string;
  /** The framework's defaults for parameters not given (name -> value). */
  readonly defaults: Readonly<Record<string, Value>>;
  /** The callee as written, e.g. `nn.GroupNorm` or `torch.nn.BatchNorm2d`. */
  readonly callee: string;
  /** The whole call expression. */
  readonly span: Span;
  readonly calleeSpan: Span;
  /** Span of the argument list including parentheses. */
  readonly argumentsSpan: Span;
  readonly args: readonly Argument[];
}

/**
 * One layer of a model: an attribute, a container element, a loop-built layer. `path` names it
 * the way PyTorch would (`layer1`, `features[3]`, `blocks[*]` for a loop whose count is unknown).
 */
export interface Layer {
  readonly path: string;
  /** Framework class (`BatchNorm2d`), user class in this file (`BasicBlock`), or `?` when not known. */
  readonly kind: string;
  readonly family: LayerFamily;
  readonly norm?: NormType;
  /** The constructor call when it is a recognised framework layer. */
  readonly call?: LayerCall;
  /** A model class of this file used as a layer. */
  readonly moduleClass?: string;
  /** For a `moduleClass` instance: the arguments it passes to the class's norm parameters (omitted ones are absent). */
  readonly normArguments?: readonly NormArgument[];
  /**
   * For a `moduleClass` instance: its constructor call's arguments bound to the class's
   * `__init__` parameters, in parameter order, defaults filled (`BasicBlock(16, 32, stride=2)` ->
   * `inplanes=16, planes=32, stride=2, downsample=None`). `self`, `*args` and `**kwargs` are left out.
   */
  readonly constructorArguments?: readonly ConstructorArgument[];
  /**
   * For a `moduleClass` instance whose constructor arguments resolve: the class's layers built with
   * these arguments bound (same paths as the class's own `layers`, sizes of this instance).
   * Absent when no argument given at the call resolves (then the class's `layers` say as much).
   */
  readonly instanceLayers?: readonly Layer[];
  /** Contents of `Sequential` / `ModuleList` / `ModuleDict` / `keras.Sequential`, in order. */
  readonly elements?: readonly Layer[];
  /** Built in a loop: `count` when the bound resolved (then the elements are unrolled), else undefined. */
  readonly repeated?: { readonly count: number | undefined; readonly text: string };
  /**
   * Built only under a condition whose value is not known (`if use_bn:`), or one of several
   * `alternatives` for its path.
   */
  readonly conditional?: boolean;
  /**
   * The other layers this path may hold, when exclusive branches of a condition whose value is not
   * known assign it (`if stride != 1: self.shortcut = nn.Sequential(conv, bn)` / `else: self.shortcut
   * = nn.Identity()`, `A if cond else B`), or an assignment under such a condition may replace an
   * earlier one. This layer is the alternative that builds the most layers (the last assigned on a
   * tie), so a reader that takes one layer per path gets the one with the most to check; the others
   * are here, in source order, each `conditional` (and without `alternatives` of their own).
   * Absent when the path has one value.
   */
  readonly alternatives?: readonly Layer[];
  /** The expression that builds the layer. */
  readonly span: Span;
}

/** A constructor argument of a model-class instance, bound to a parameter of the class's `__init__`. */
export interface ConstructorArgument {
  /** The parameter's name. */
  readonly name: string;
  /** The value at the call, or the parameter's default; unknown when neither is known. */
  readonly value: Value;
  /** `given`: written at the call; `default`: the parameter's default applies; `unknown`: neither (a required parameter not passed, or a `*args`/`**kwargs` call). */
  readonly source: 'given' | 'default' | 'unknown';
  /** The argument as written (for `default`, the default's expression in the class). */
  readonly span?: Span;
}

/** An argument of a model-class instance bound to one of the class's norm parameters (`Block(64, norm_layer=nn.GroupNorm)`). */
export interface NormArgument {
  /** The parameter of the class's `__init__`. */
  readonly name: string;
  /** The norm class the value builds, when known. */
  readonly kind?: string;
  readonly norm?: NormType;
  /** The value as written. */
  readonly text: string;
  /** The argument as written (`norm_layer=nn.GroupNorm`, or the positional value). */
  readonly span: Span;
}

/** A constructor parameter that carries a normalization layer (`norm_layer=nn.BatchNorm2d`). */
export interface NormParameter {
  readonly name: string;
  /** The default (a callable, `partial(...)`, a cfg dict), after `if norm_layer is None: norm_layer = X`. */
  readonly default: Value | undefined;
  /** The norm type the default builds, when known. */
  readonly norm?: NormType;
  readonly kind?: string;
  readonly span: Span;
  /** Where the parameter builds layers. */
  readonly uses: readonly Span[];
}

/** One operation of a forward pass. */
export interface ForwardStep {
  readonly index: number;
  /** `layer` (a submodule call), `functional` (`F.relu`, `torch.cat`), `add` (`x + identity`), or `other`. */
  readonly op: 'layer' | 'functional' | 'add' | 'other';
  /** The submodule's path for `layer` steps (`bn1`, `layers[0]`, `blocks[*]`); the function name otherwise. */
  readonly target: string;
  readonly family: LayerFamily;
  readonly norm?: NormType;
  /** Indexes of the steps whose output this step consumes; -1 is the forward's input (or unknown). */
  readonly inputs: readonly number[];
  /** The layer for inline-built layers (`nn.Dense(10)(x)` in Flax `@nn.compact`). */
  readonly call?: LayerCall;
  /**
   * For a `functional` step: its arguments other than the data it transforms, resolved (the
   * order of `x.permute(0, 2, 3, 1)`, the dims of `x.mean([-2, -1])`, `p` of `F.dropout(x, p=0.1)`,
   * the slope of `F.leaky_relu(x, 0.2)`); positions count the call's positional arguments as
   * written (`F.leaky_relu`'s input is position 0). Absent when there are none.
   */
  readonly args?: readonly Argument[];
  /**
   * Set when the step sits in a loop of the forward pass (its source span). A loop whose count is
   * known is unrolled (`for blk in self.blocks` over known elements, `range(self.depth)` that
   * resolves, `range(len(self.blocks))`, `enumerate(self.head)`): one step per iteration and call,
   * in order, each with its `iteration`, the loop variable standing for each element
   * (`blocks[0]`, `blocks[1]`, ...) or value (`getattr(self, f'norm{i}')` -> `norm0`, `norm1`).
   * Otherwise one step stands for every iteration (its target the container, `blocks`, or
   * `blocks[*]`; inline layers built there are `repeated` an unknown number of times).
   */
  readonly loop?: Span;
  /** For a step of an unrolled loop: the iteration (from 0) of the innermost unrolled loop around it. */
  readonly iteration?: number;
  /**
   * Branches enclosing the step: `ifStart:branchIndex` pairs, and what their tests say of the
   * module's flags (`self.flag:1` / `self.flag:0`), for telling exclusive steps apart (`exclusiveSteps`).
   */
  readonly branches: readonly string[];
  readonly span: Span;
}

/** A method of a model class walked where the forward pass calls it (see `ModelClass.helperPasses`). */
export interface HelperPass {
  /** The method's name (`_block`). */
  readonly name: string;
  /** The method's definition. */
  readonly span: Span;
  /** The call `self._block(x)` in `forward` (or in another helper). */
  readonly callSite: Span;
  readonly steps: readonly ForwardStep[];
}

/** A layer use: the layer (when known), its path and where it is used. */
export interface LayerUse {
  readonly path: string;
  readonly layer?: Layer;
  readonly call?: LayerCall;
  readonly span: Span;
}

/** "`from` feeds `to` directly": consecutive container elements or forward-pass data flow. */
export interface Flow {
  readonly from: LayerUse;
  readonly to: LayerUse;
  /** `sequence`: consecutive elements of a container; `forward`: the forward pass. */
  readonly via: 'sequence' | 'forward';
  /** How many operations consume `from`'s output (1 in a Sequential); more means it also feeds something else. */
  readonly consumers: number;
  /** Either end is built only under a condition whose value is unknown. */
  readonly conditional: boolean;
}

/** A model class: `nn.Module`, `keras.Model`/`Layer` or `flax.linen.Module` subclass. */
export interface ModelClass {
  readonly name: string;
  readonly framework: Framework;
  /** Base classes as written. */
  readonly bases: readonly string[];
  readonly span: Span;
  readonly nameSpan: Span;
  /** Layers built in `__init__` / `setup` / `build` (and inline in Flax `@nn.compact`), in order. */
  readonly layers: readonly Layer[];
  readonly normParameters: readonly NormParameter[];
  /** `forward` / `call` / `__call__`, when present. */
  readonly forward?: { readonly name: string; readonly span: Span; readonly steps: readonly ForwardStep[] };
  /**
   * Methods of the class that the forward pass calls (`self._block(x)`, `self.forward_features(x)`),
   * directly or through another such method: one entry per call site, its steps walked there (they
   * inherit the call site's loop and branches; step indexes are local to the entry, -1 is its input).
   */
  readonly helperPasses?: readonly HelperPass[];
  readonly flows: readonly Flow[];
  /** `self.<layer>.<attr>` reads in the class (`weight`, `bias`, `running_mean`), for rules about missing parameters. */
  readonly attributeReads: readonly { readonly path: string; readonly attribute: string; readonly span: Span }[];
}

/** What a file says about models. */
export interface ModelIR {
  /** Every framework layer constructor call in the file, in source order. */
  readonly layerCalls: readonly LayerCall[];
  readonly classes: readonly ModelClass[];
  /**
   * `isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d))` branches that touch `m.weight`,
   * `m.bias` or running statistics (init loops), for rules about layers that lack them.
   */
  readonly typeGuardedAccesses: readonly {
    readonly kinds: readonly string[];
    readonly attributes: readonly string[];
    /** The block checks first (`m.weight is not None`, `m.affine`, `hasattr`). */
    readonly guarded: boolean;
    readonly span: Span;
  }[];
}

/**
 * Whether two forward steps never run in one pass: one is in a branch of an `if` (or a conditional
 * expression) and the other in another branch of it, or they are under opposite tests of one of
 * the module's flags (`self.flag:1` / `self.flag:0`, see `ForwardStep.branches`).
 */
export function exclusiveSteps(a: ForwardStep, b: ForwardStep): boolean {
  for (const x of a.branches) {
    const at = x.lastIndexOf(':');
    for (const y of b.branches) {
      const bt = y.lastIndexOf(':');
      if (at === bt && x.slice(0, at) === y.slice(0, bt) && x.slice(at + 1) !== y.slice(bt + 1)) return true;
    }
  }
  return false;
}

/** Returns the argument bound to `name`, by keyword or by its position in the signature. */
export function argument(call: LayerCall, name: string): Argument | undefined {
  return call.args.find((a) => a.name === name);
}

/** The value of a parameter: as written, else the framework's default, else undefined. */
export function paramValue(call: LayerCall, name: string): Value | undefined {
  return argument(call, name)?.value ?? call.defaults[name];
}

/**
 * Every layer of a class, containers' elements and a path's `alternatives` included (depth first, in
 * order; a layer's alternatives come just before it, so a map by path keeps the layer itself).
 * Kept per `layers` array: an IR is not changed once built, and an open document's re-analysis
 * hands the classes of unchanged statements on as they were, so the rules that ask after each
 * edit walk only the classes that changed. Do not modify the returned array.
 */
export function allLayers(layers: readonly Layer[]): readonly Layer[] {
  let out = ALL_LAYERS.get(layers);
  if (!out) ALL_LAYERS.set(layers, (out = readAllLayers(layers)));
  return out;
}

const ALL_LAYERS = new WeakMap<readonly Layer[], readonly Layer[]>();

function readAllLayers(layers: readonly Layer[]): Layer[] {
  const out: Layer[] = [];
  const visit = (l: Layer) => {
    for (const a of l.alternatives ?? []) visit(a);
    out.push(l);
    for (const e of l.elements ?? []) visit(e);
  };
  layers.forEach(visit);
  return out;
}

/**
 * Every layer constructor call the IR knows: the file's direct calls plus the calls of each
 * model's layers (unrolled loop iterations, helper-function calls with their arguments bound,
 * layers built through norm parameters, inline Flax/Keras layers, and the layers of an instance
 * of a model class built with arguments that resolve: `Block(48)`'s `nn.GroupNorm(32, planes)`
 * with `planes` = 48). One entry per call site and argument values, in source order.
 */
export function everyLayerCall(model: ModelIR): readonly LayerCall[] {
  let calls = EVERY_LAYER_CALL.get(model);
  if (!calls) EVERY_LAYER_CALL.set(model, (calls = readEveryLayerCall(model)));
  return calls;
}

/** Per model IR (an IR is not changed once built; several rules ask). */
const EVERY_LAYER_CALL = new WeakMap<ModelIR, readonly LayerCall[]>();

function readEveryLayerCall(model: ModelIR): LayerCall[] {
  // The direct calls, then each class's calls not among them (an instance's calls sized by its
  // arguments, helper-function calls with their arguments bound...): most of a class's calls are
  // direct calls of the file, the same objects, so only the few others need sorting by where they
  // start, and are then merged into the direct calls (already in source order as the builder
  // lists them; sorted if not). A stable merge, direct calls first at one start, gives the order
  // of a stable sort of all of them. Then, per run of one start, a call is dropped when one kept
  // before it has the same end and argument values (a call met twice is the same object as the
  // first one met: dropping the repeat first changes nothing).
  const direct = inSourceOrder(model.layerCalls);
  const met = new Set<LayerCall>(direct);
  const others: LayerCall[] = [];
  for (const cls of model.classes) {
    for (const c of classLayerCalls(cls)) {
      if (met.has(c)) continue;
      met.add(c);
      others.push(c);
    }
  }
  const rest = inSourceOrder(others);
  const out: LayerCall[] = [];
  let runStart = 0;
  const keep = (c: LayerCall): void => {
    const start = c.span.startOffset;
    if (out.length === 0 || out[out.length - 1].span.startOffset !== start) runStart = out.length;
    else if (isKeptAlready(out, runStart, c)) return;
    out.push(c);
  };
  let j = 0;
  for (const c of direct) {
    const start = c.span.startOffset;
    while (j < rest.length && rest[j].span.startOffset < start) keep(rest[j++]);
    keep(c);
  }
  while (j < rest.length) keep(rest[j++]);
  return out;
}

/** `calls` stably sorted by where they start (the list itself when it already is). */
function inSourceOrder(calls: readonly LayerCall[]): readonly LayerCall[] {
  for (let i = 1; i < calls.length; i++) {
    if (calls[i].span.startOffset < calls[i - 1].span.startOffset) return calls.slice().sort((a, b) => a.span.startOffset - b.span.startOffset);
  }
  return calls;
}

/** Whether `out[from..]` (calls of `c`'s start) holds `c`, or a call of its end with its argument values. */
function isKeptAlready(out: readonly LayerCall[], from: number, c: LayerCall): boolean {
  for (let i = from; i < out.length; i++) {
    const o = out[i];
    if (o === c) return true;
    if (o.span.endOffset === c.span.endOffset && sameArgumentValues(o, c)) return true;
  }
  return false;
}

/** The calls of a class's layers and forward steps, in that order (kept per class, as `allLayers`). */
function classLayerCalls(cls: ModelClass): readonly LayerCall[] {
  let calls = CLASS_LAYER_CALLS.get(cls);
  if (!calls) {
    const list: LayerCall[] = [];
    const add = (layers: readonly Layer[]): void => {
      for (const l of allLayers(layers)) {
        if (l.call) list.push(l.call);
        // An instance of a model class of the file, built with arguments that resolve: its layers with those bound.
        if (l.instanceLayers) add(l.instanceLayers);
      }
    };
    add(cls.layers);
    for (const s of cls.forward?.steps ?? []) if (s.call) list.push(s.call);
    CLASS_LAYER_CALLS.set(cls, (calls = list));
  }
  return calls;
}

const CLASS_LAYER_CALLS = new WeakMap<ModelClass, readonly LayerCall[]>();

/** Whether two calls pass the same arguments (by name or position) with the same values, as `valueKey` sees them. */
function sameArgumentValues(a: LayerCall, b: LayerCall): boolean {
  if (a.args.length !== b.args.length) return false;
  for (let i = 0; i < a.args.length; i++) {
    const x = a.args[i];
    const y = b.args[i];
    if (String(x.name ?? x.position) !== String(y.name ?? y.position)) return false;
    const p = valueKey(x.value);
    const q = valueKey(y.value);
    // NaN and the infinities count as one value (none sizes a layer).
    if (p !== q && !(typeof p === 'number' && typeof q === 'number' && !Number.isFinite(p) && !Number.isFinite(q))) return false;
  }
  return true;
}

function valueKey(v: Value): unknown {
  return v.kind === 'number' || v.kind === 'bool' || v.kind === 'string' ? v.value : v.kind === 'unknown' ? `?${v.symbol ?? v.text}` : v.kind;
}

/** Whether a layer call was written with an explicit argument for `name`. */
export function hasArgument(call: LayerCall, name: string): boolean {
  return call.args.some((a) => a.name === name);
}

/**
 * A model-class instance built with constructor arguments that resolve (`self.stem = Stem(width=32)`),
 * with its class's flows carried over to the instance's layers (`Layer.instanceLayers`): the same
 * layer pairs, their calls sized as this instance sizes them.
 */
export interface InstanceFlows {
  /** The class holding the outermost instance (`Net`). */
  readonly owner: ModelClass;
  /** The outermost instance layer, in `owner`'s layers: the call whose arguments size the rest. */
  readonly root: Layer;
  /** The instance whose class's flows these are (`root` itself, or an instance among its instance layers). */
  readonly instance: Layer;
  /** The instance's path from `owner` (`stem`, `stages[1].block`). */
  readonly path: string;
  /** The class `instance` builds (`Stem`). */
  readonly cls: ModelClass;
  /** Flows of `cls` whose two ends are layers of the instance with calls; those calls are the instance's. */
  readonly flows: readonly Flow[];
}

/**
 * Every model-class instance with instance layers in the file's classes (nested ones too, each
 * visited once per class holding it), with its class's flows carried over: a layer pair of the class is matched to the
 * instance's layers of the same path and call site. A pair the instance builds differently (a loop
 * of another length, a branch taken) is left out. Kept per model IR (an IR is not changed once
 * built), and per holding class (unchanged classes hand theirs on; re-read when a class they
 * instantiate changed).
 */
export function instanceFlows(model: ModelIR): readonly InstanceFlows[] {
  let out = INSTANCE_FLOWS.get(model);
  if (!out) INSTANCE_FLOWS.set(model, (out = readInstanceFlows(model)));
  return out;
}

const INSTANCE_FLOWS = new WeakMap<ModelIR, readonly InstanceFlows[]>();

function readInstanceFlows(model: ModelIR): InstanceFlows[] {
  const byName = new Map<string, ModelClass[]>();
  for (const c of model.classes) {
    const same = byName.get(c.name);
    if (same) same.push(c);
    else byName.set(c.name, [c]);
  }
  // The class whose `__init__` built an instance's layers (a name defined twice: the one holding them).
  const classOf = (l: Layer): ModelClass | undefined => {
    const first = l.instanceLayers?.[0];
    return l.moduleClass ? byName.get(l.moduleClass)?.find((c) => !first || (c.span.startOffset <= first.span.startOffset && first.span.endOffset <= c.span.endOffset)) : undefined;
  };
  const out: InstanceFlows[] = [];
  for (const owner of model.classes) {
    let kept = OWNER_INSTANCE_FLOWS.get(owner);
    if (!kept || kept.deps.some(([l, c]) => classOf(l) !== c)) OWNER_INSTANCE_FLOWS.set(owner, (kept = ownerInstanceFlows(owner, classOf)));
    out.push(...kept.entries);
  }
  return out;
}

/**
 * The instances among one class's layers (kept per class, with the classes each instance was
 * matched to: an edit of another class makes them read again).
 */
function ownerInstanceFlows(owner: ModelClass, classOf: (l: Layer) => ModelClass | undefined): OwnerInstanceFlows {
  const entries: InstanceFlows[] = [];
  const deps: [Layer, ModelClass | undefined][] = [];
  const visited = new Set<Layer>();
  const visit = (root: Layer | undefined, prefix: string, layers: readonly Layer[]): void => {
    for (const l of allLayers(layers)) {
      if (!l.moduleClass || !l.instanceLayers || visited.has(l)) continue;
      visited.add(l);
      const path = prefix + l.path;
      const cls = classOf(l);
      deps.push([l, cls]);
      if (cls) {
        const flows = flowsOfInstance(cls, l);
        if (flows.length > 0) entries.push({ owner, root: root ?? l, instance: l, path, cls, flows });
      }
      visit(root ?? l, path ? `${path}.` : '', l.instanceLayers);
    }
  };
  visit(undefined, '', owner.layers);
  return { entries, deps };
}

interface OwnerInstanceFlows {
  readonly entries: readonly InstanceFlows[];
  readonly deps: readonly (readonly [Layer, ModelClass | undefined])[];
}

const OWNER_INSTANCE_FLOWS = new WeakMap<ModelClass, OwnerInstanceFlows>();

/**
 * `cls`'s flows carried over to the layers of `instance`, kept per instance layer and class (an
 * edit of the class's forward pass alone may leave the instance as it was).
 */
function flowsOfInstance(cls: ModelClass, instance: Layer): readonly Flow[] {
  const kept = INSTANCE_LAYER_FLOWS.get(instance);
  if (kept?.cls === cls) return kept.flows;
  const list: Flow[] = [];
  const byKey = new Map<string, Layer>();
  for (const l of allLayers(instance.instanceLayers ?? [])) if (l.call) byKey.set(`${l.path}@${l.span.startOffset}`, l);
  const carried = (use: LayerUse): LayerUse | undefined => {
    const l = use.layer && use.call ? byKey.get(`${use.layer.path}@${use.layer.span.startOffset}`) : undefined;
    return l?.call ? { path: use.path, layer: l, call: l.call, span: use.span } : undefined;
  };
  for (const f of cls.flows) {
    const from = carried(f.from);
    const to = from && carried(f.to);
    if (from && to) list.push({ from, to, via: f.via, consumers: f.consumers, conditional: f.conditional || from.layer?.conditional === true || to.layer?.conditional === true });
  }
  INSTANCE_LAYER_FLOWS.set(instance, { cls, flows: list });
  return list;
}

const INSTANCE_LAYER_FLOWS = new WeakMap<Layer, { readonly cls: ModelClass; readonly flows: readonly Flow[] }>();
