/**
 * The mode analysis: an abstract interpreter over each function's statements that tracks the
 * train/eval mode of every model-like object along every control-flow path. `if`/`else` join;
 * loops iterate to a fixpoint (the top of epoch 2 sees what the end of epoch 1 left); calls to
 * the file's own functions and methods apply their summaries (entry facts substituted by the
 * caller's state), so a `validate(model)` helper or a `freeze_bn()` method counts where it is
 * called. Events (training steps, inference calls, exports) are recorded with the state there.
 */
import type { SyntaxNode as Node } from '../syntaxTree';
import type { FreezeIR, ImportedSite, ModelVariable, ModeOrigin, ModelFacts, ParameterSelection, SwitchOp } from '../../../ir/training';
import type { ImportedFunction, ImportedKey } from './importedFunctions';
import type { BoolArguments } from './classes';
import type { Span } from '../../../ir/span';
import { literalValue, spanOf } from '../syntax';
import type { LauncherCall } from './launchers';
import { hasAlias, State, union, val, type Val } from './state';
import { callArgs, copiedModelKey, indentOf, type CallArgs, isUnder, keyOf, lastSegment, modelKey, rootOf, scalerStepCall, soundsLikeInference, soundsLikeTraining, statementOf, testedOperand, trainingStepCall, unparen, words, wrappedModelKey } from './util';

export interface Fn {
  readonly name: string;
  /** `name`, or `<cls>.<name>` for a method (the function table's key). */
  readonly key: string;
  /** The top-level statement holding the definition (undefined for the module). */
  readonly statement: Node | undefined;
  readonly node: Node;
  readonly body: Node | null;
  readonly params: readonly string[];
  readonly cls: string | undefined;
  readonly isModule: boolean;
  readonly noGradDecorator: Span | undefined;
  /** The enclosing function (for nested definitions). */
  readonly parent: Fn | undefined;
  /** Names assigned in the body (locals, not free variables). */
  readonly locals: ReadonlySet<string>;
}

export interface FlowEvent {
  readonly kind: 'forward' | 'export' | 'step';
  readonly detail: string;
  /** A step's kind: an optimizer's (or a gradient scaler's) `step()`, or a `backward()`. */
  readonly step?: 'optimizer' | 'backward';
  readonly span: Span;
  readonly statementSpan: Span;
  readonly indent: string;
  /** The statement directly in the function body (or module) that holds the site. */
  readonly outerStatementSpan: Span;
  readonly outerIndent: string;
  /** The `with torch.no_grad():` statement holding the site, when in this function. */
  readonly noGradStatement: { readonly span: Span; readonly indent: string } | undefined;
  readonly key: string;
  readonly state: State;
  readonly fn: Fn;
  readonly reason: string | undefined;
  /**
   * `reason` comes from the call's surroundings only (a result named `pred`, a no-grad block
   * outside any loop), not from the function's name: a caller that trains there (a training loop
   * calling `discriminator_forward()`) is no inference.
   */
  readonly weakReason?: boolean;
  readonly noGrad: Span | undefined;
  readonly via: readonly Span[];
  readonly chain: readonly string[];
  readonly loaderKey: string | undefined;
  readonly facts: ModelFacts | undefined;
  /** The original model key where the event is (before translation to callers). */
  readonly siteKey: string;
  /** For steps: the models the step trains (roots, in the owner's namespace). */
  readonly trainedKeys: readonly string[];
  /** The function whose namespace `key`, `state` and `trainedKeys` are in. */
  readonly owner: Fn;
  /** Branch conditions assumed where the event happens (facts contradicting them do not reach it). */
  readonly assume: readonly string[];
  /** The event's function, or a function on the call path that reached it, is a unit test (`FlowHost.isUnitTest`). */
  readonly inUnitTest: boolean;
  /** A forward under no_grad whose result nothing reads (`resultDropped`). */
  readonly resultDropped?: boolean;
  /** The site is in a function of another workspace file, called here (`span` is the call). */
  readonly imported?: ImportedSite;
}

export interface Summary {
  readonly exit: State | undefined;
  readonly events: readonly FlowEvent[];
  readonly returns: { readonly val: Val; readonly facts: ModelFacts | undefined } | undefined;
  /** For a function of another file: what it freezes of what it is given (a file's own functions: `FlowHost.gradFreezesOf`). */
  readonly freezes?: readonly CalleeFreeze[];
  /** For a function of another file: where it is (`utils.py`), for the freezes it makes. */
  readonly file?: string;
}

/**
 * A freeze of parameters a function makes on what it is given (`for p in model.parameters():
 * p.requires_grad = False` in `set_parameter_requires_grad(model, feature_extracting)`), in its
 * own terms: the caller translates the target.
 */
export interface CalleeFreeze {
  readonly target: string;
  readonly kind: 'requires_grad-loop' | 'requires_grad_';
  /** 1-based line of the freeze in its file. */
  readonly line: number;
  readonly selection?: ParameterSelection;
  /**
   * The parameter whose value decides whether it runs (`if feature_extracting:`; `negated` for
   * `if not p:` or an `else`), and the truth of its default when it has one that resolves.
   */
  readonly condition?: { readonly param: string; readonly negated: boolean; readonly byDefault?: boolean };
}

/** A freeze a call makes (see `CalleeFreeze`), in the caller's terms. */
export interface FreezeCallRecord {
  readonly span: Span;
  readonly target: string;
  readonly kind: 'requires_grad-loop' | 'requires_grad_';
  readonly fn: string;
  readonly selection?: ParameterSelection;
  readonly by: NonNullable<FreezeIR['by']>;
}

export interface SwitchRecord {
  readonly span: Span;
  readonly target: string;
  readonly op: SwitchOp;
  readonly scope: 'whole' | 'batchnorm';
  readonly fn: string;
  /** The branch conditions it is made under (see `ModeSwitchIR.branch`). */
  readonly branch?: string;
}

/** What the interpreter needs from the rest of the front end. */
/** What `FlowHost.constructs` finds: the built model's facts, its mode, and the text of that mode's origin (see `ModeOrigin`). */
export interface ConstructionOrigin {
  readonly facts: ModelFacts;
  readonly mode: 'train' | 'eval';
  readonly description: string;
  /** The constructing call (inside a `.cuda()`, `DDP(...)` wrapper: the inner one). */
  readonly at: Span;
  readonly detail?: string;
  /**
   * A container made of another model's modules (`nn.Sequential(*list(backbone.children())[:-1])`,
   * with no mode-dependent layer of its own): their modes are that model's (its key), whatever mode
   * the new container starts in.
   */
  readonly sharesModesOf?: string;
  /**
   * A container holding other models' modules besides new ones (`nn.Sequential(backbone, head)`,
   * `nn.Sequential(encoder, nn.Dropout(), decoder)`): its modes are those of each of these models
   * (their keys), and, when it adds mode-dependent layers (or elements not known), the mode it
   * starts in (`mode`) too.
   */
  readonly holds?: { readonly keys: readonly string[]; readonly own: boolean };
}

/** A call's callee read by its syntax: the same at each visit of the call, so read once. */
export interface CalleeKeys {
  /** The callee (`call.childForFieldName('function')`). */
  readonly f: Node | null;
  /** The call's arguments (`callArgs(call)`). */
  readonly args: CallArgs;
  /** The last segment of the callee's qualified name (`FlowHost.calleeLastName`). */
  readonly last: string;
  /** The method name when the callee is an attribute (`model.eval` -> `eval`). */
  readonly attr: string | undefined;
  /** `keyOf` the callee's object when the callee is an attribute (`model.module.eval` -> `model`). */
  readonly receiver: string | undefined;
  /** `keyOf` the callee (`model.eval` -> `model.eval`). */
  readonly key: string | undefined;
}

/**
 * A hand-written class holding the model, loaders and optimizer it is given (`class Trainer:` with
 * `self.model = model` in `__init__`, no module itself): in its methods, `self.model` is the
 * object its constructor's caller passed, so their summaries apply at the caller's calls in
 * the caller's names.
 */
export interface HeldObjects {
  readonly cls: string;
  /** The class's `__init__` (absent: nothing is kept, its methods still apply). */
  readonly init: Fn | undefined;
  /** The caller's key of each attribute `__init__` sets to a parameter, by attribute (`model` -> `net` for `self.model = model` and `Trainer(net, ...)`). */
  readonly attributes: ReadonlyMap<string, string>;
  /** A class of another workspace file (`from trainer import Trainer`): its name here, and its `__init__` as that file summed it up. */
  readonly imported?: { readonly localName: string; readonly qualified: string | undefined; readonly init: ImportedFunction };
}

/** A method called on a holder instance: the file's own (`method`), or one of another file's class (`imported`). */
export interface HeldMethod {
  readonly method?: Fn;
  readonly imported?: ImportedFunction;
  readonly held: HeldObjects;
}

export interface FlowHost {
  readonly text: string;
  /** Qualified name of a callee (`torch.onnx.export`), or undefined. */
  qualified(callee: Node): string | undefined;
  /** The last segment of the qualified name of a call's callee (`export`), '' when it has none. */
  calleeLastName(call: Node): string;
  /** What a call's callee says by its syntax alone (kept per call node). */
  callee(call: Node): CalleeKeys;
  /** Facts of the model a call constructs, or undefined when the call builds no known model. */
  constructs(call: Node, fn: Fn): ConstructionOrigin | undefined;
  /** Facts for a model key in a function (local, class attribute, or module variable). */
  factsFor(fn: Fn, key: string): ModelFacts | undefined;
  /** `factsFor` at a place: of a name bound to several models, the one bound before `offset` (see `FunctionBindings.earlier`). */
  factsAt(fn: Fn, key: string, offset: number): ModelFacts | undefined;
  /** The file's function a call refers to (nested, top-level, or `self.method`). */
  /** `keys`: the callee's keys when `callee` is that call's callee (`callee(call)`): its texts are not read again. */
  resolveFunction(callee: Node, fn: Fn, receiverFacts: ModelFacts | undefined, keys?: CalleeKeys): Fn | undefined;
  /** A method of a model class of another workspace file, when it switches modes of the instance (see `TrainingBuilder.importedFunctions`). */
  importedModelMethod(facts: ModelFacts, method: string): ImportedFunction | undefined;
  /** What a function of the file freezes of what it is given (its parameters, or `self` for a method), in its own terms. */
  gradFreezesOf(fn: Fn): readonly CalleeFreeze[];
  /**
   * The parameters a function of the file binds to a new model on every call, in its body's own
   * statements (`model = copy.deepcopy(model)`, `net = Net()`; not `if model is None: model =
   * Net()`): what it does to them is not done to what its caller passed.
   */
  reboundParams(fn: Fn): ReadonlySet<string>;
  /** The boolean a value resolves to (a literal, a constant, a default), or undefined. */
  truthOf(node: Node): boolean | undefined;
  /** What a function of another workspace file the callee names does to the models passed to it (`evaluate` of `from engine import evaluate`). */
  importedFunction?(callee: Node, fn: Fn): ImportedFunction | undefined;
  /** A construction of a holder class of the file (`Trainer(model, train_loader, optimizer)`, see `HeldObjects`): its `__init__` and what it keeps of the caller's. */
  heldConstruction(call: Node, fn: Fn): HeldObjects | undefined;
  /**
   * A method called on an instance of a holder class of the file (`trainer.fit(epochs)` after
   * `trainer = Trainer(model, ...)`; `predictor(images)`: its `__call__`), and what that instance
   * keeps of its constructor's caller's.
   */
  heldMethod(call: Node, fn: Fn, keys: CalleeKeys): HeldMethod | undefined;
  /** A bare callee naming what the file imports (`create_model` of `from timm import create_model`), not bound again where it is called. */
  importedFunctionName(callee: Node, fn: Fn): boolean;
  /** The calls in a node (its subtree) in evaluation order, skipping nested lambdas and definitions (a shared array: do not modify it). */
  callsIn(node: Node): readonly Node[];
  isOptimizer(fn: Fn, key: string): boolean;
  /** Names of roots that are model-like in a function. */
  isModelish(fn: Fn, key: string): boolean;
  /** A framework trainer variable (`trainer = Trainer(model=model, ...)`): it runs and switches the model itself. */
  trainerOf(fn: Fn, key: string): { readonly framework: 'huggingface' | 'lightning'; readonly model: string | undefined } | undefined;
  /** A method of a LightningModule (or nested in one): Lightning chooses the mode it runs in. */
  lightningHook(fn: Fn): boolean;
  /** A launcher call (`accelerator.prepare`, `deepspeed.initialize`) and what it returns, position by position. */
  launcher(call: Node): LauncherCall | undefined;
  /** A unit test (`def test_forward_shape`, a `TestCase` method, any `test*` function in a pytest/unittest file): its name says nothing about inference. */
  isUnitTest(fn: Fn): boolean;
  /**
   * A `for` loop whose body runs at least once: over `range(...)` of values known for certain with
   * at least one element (`range(5)`, `range(num_epochs)` with `num_epochs = 5`), or over a
   * non-empty literal list or tuple.
   */
  runsAtLeastOnce(loop: Node): boolean;
}

const MAX_EVENTS = 400;
const MAX_ITERATIONS = 12;

const NO_GRAD = new Set(['torch.no_grad', 'torch.inference_mode', 'torch.autograd.no_grad', 'torch.autograd.grad_mode.no_grad', 'torch.autograd.inference_mode']);
/** Calls that take a model but do not change its mode (so the mode is still known after them). */
const MODE_NEUTRAL_CALLS = new Set([
  'print', 'len', 'str', 'repr', 'isinstance', 'hasattr', 'getattr', 'setattr', 'type', 'id', 'sum', 'list', 'tuple', 'dict', 'format', 'vars', 'dir',
  'DDP', 'DistributedDataParallel', 'DataParallel', 'compile', 'deepcopy', 'copy', 'save', 'summary', 'count_parameters', 'count_params', 'watch',
  'info', 'debug', 'warning', 'log', 'convert_sync_batchnorm', 'to', 'cuda', 'prepare', 'init', 'load_state_dict', 'state_dict', 'parameters',
  'named_parameters', 'ModelEma', 'ModelEmaV2', 'ModelEmaV3', 'AveragedModel', 'ExponentialMovingAverage', 'EMA', 'get_model_complexity_info',
  'profile', 'flop_count', 'FlopCountAnalysis', 'model_info', 'param_groups_weight_decay', 'param_groups_layer_decay', 'create_optimizer_v2',
  'create_optimizer', 'SGD', 'Adam', 'AdamW', 'register_forward_hook', 'initialize_weights', 'init_weights', 'weights_init', 'wrap', 'fully_shard',
  'FSDP', 'FullyShardedDataParallel', 'trace', 'script', 'export', 'fuse_modules', 'onnx', 'float', 'half', 'bfloat16', 'requires_grad_',
  // Accelerate / Fabric / DeepSpeed calls that take a model without switching its mode.
  'initialize', 'prepare_model', 'unwrap_model', 'accumulate', 'no_sync', 'autocast', 'clip_grad_norm_', 'clip_grad_value_', 'setup', 'setup_module',
  'register_for_checkpointing', 'save_model',
  // Checkpoint loading and data config (detectron2's `DetectionCheckpointer(model).load(...)`, timm's
  // `resolve_data_config(model=...)`), `zip(models, ...)`, d2l's `grad_clipping(net, theta)`, and
  // detectron2's `inference_on_dataset(model, ...)`, which puts the model back in the mode it had.
  'DetectionCheckpointer', 'Checkpointer', 'load_model', 'load_optim', 'resolve_data_config', 'resolve_model_data_config', 'zip', 'grad_clipping',
  'inference_on_dataset',
  // Found on real code (each left a model's mode unknown): Fabric's `clip_gradients(model, ...)`,
  // state dicts taken by Accelerate / `torch.distributed.checkpoint`, `partial(fn, model)`, Keras'
  // `clone_model` / `plot_model`, BigGAN's `toggle_grad`, Accelerate's `remove_hook_from_module`.
  // (Not Opacus' `make_private`: the wrapper it returns shares the model's modules, and a
  // `train()` / `eval()` of the wrapper, not followed, would switch them.)
  'clip_gradients', 'get_state_dict', 'get_model_state_dict', 'get_optimizer_state_dict', 'partial', 'clone_model', 'plot_model',
  'toggle_grad', 'trainable_parameters', 'remove_hook_from_module',
  // Containers: `nn.Sequential(backbone, head)` holds the model, in the mode it is in.
  'Sequential', 'ModuleList', 'ModuleDict',
]);
/** A test's assertion (`self.assertIsNotNone(model)`, `np.testing.assert_allclose(...)`): it reads what it is given. */
const ASSERTION = /^assert(_\w+|[A-Z]\w*)$/;
/** Methods of a framework trainer that run the model in modes the framework chooses. */
const TRAINER_RUNS = new Set(['train', 'evaluate', 'predict', 'fit', 'validate', 'test', 'hyperparameter_search']);
const FORWARD_METHODS = new Set(['forward', 'generate', 'sample', 'infer', 'predict_step']);
/**
 * `nn.Module` methods (and the usual library helpers) that read or change a model without
 * running it: `model.parameters()` in an evaluation function is no inference.
 */
const NOT_A_RUN = new Set([
  'parameters', 'named_parameters', 'buffers', 'named_buffers', 'children', 'named_children', 'modules', 'named_modules',
  'state_dict', 'load_state_dict', 'to', 'cuda', 'cpu', 'float', 'half', 'double', 'bfloat16', 'type', 'apply', 'zero_grad',
  'requires_grad_', 'share_memory', 'extra_repr', 'to_empty', 'no_weight_decay', 'no_weight_decay_keywords', 'group_matcher',
  'init_weights', 'reset_parameters', 'fuse', 'fuse_model', 'save_pretrained', 'push_to_hub', 'tie_weights', 'resize_token_embeddings',
]);
const NOT_A_RUN_PREFIXES = ['get_', 'set_', 'reset_', 'register_', 'load_', 'save_', 'init_', 'num_', 'count_'];

/** The parameters a call passes values to, in order: a method's without `self`. */
function passedParams(fn: Fn): readonly string[] {
  return fn.cls && fn.params[0] === 'self' ? fn.params.slice(1) : fn.params;
}

/** No names (a function that rebinds none of its parameters: `FlowHost.reboundParams`). */
export const NO_NAMES: ReadonlySet<string> = new Set();

/** No freezes (most functions make none). */
const NO_FREEZES: readonly CalleeFreeze[] = [];

/** No attributes kept (a model's own method: `self` is the instance). */
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/** The key of a model's BatchNorm layers, switched apart from it (`model.[BatchNorm]`). */
const BATCHNORM_SUFFIX = '.[BatchNorm]';

/** The last names of the callees `exportKind` knows (`torch.onnx.export`, `torch.jit.trace`...). */
const EXPORT_NAMES = new Set(['export', 'trace', 'trace_module', 'script', 'fuse_modules', 'save', 'aot_compile']);

/** Whether a callee with this last name may be an export or conversion (see `exportKind`). */
function mayExport(last: string): boolean {
  return EXPORT_NAMES.has(last) || last.endsWith('fuse_conv_bn_eval');
}

/** Whether calling `callee` (`model.parameters`) only reads or configures the model. */
function notARun(callee: Node): boolean {
  if (callee.type !== 'attribute') return false;
  const name = callee.childForFieldName('attribute')?.text ?? '';
  return NOT_A_RUN.has(name) || NOT_A_RUN_PREFIXES.some((p) => name.startsWith(p));
}

/** The methods that define a module's forward (`self(x)` in them would recurse: no run of the instance). */
export const FORWARD_DEFINITIONS: ReadonlySet<string> = new Set(['forward', '__call__', 'call', '_forward_impl']);

/** Words of a function's name that say it serves predictions: `classify(image)`, a serving `handler(batch)`, `detect(frame)`. */
const SERVING_WORDS: ReadonlySet<string> = new Set(['handler', 'handle', 'serve', 'serving', 'classify', 'detect', 'recognize', 'recognise']);
/** A web framework's route decorator: `@app.route("/predict")`, `@app.post(...)`, `@router.get(...)` (Flask, FastAPI). */
const ROUTE_DECORATOR = /^(app|router|api|bp|blueprint|server)\.(route|get|post|put|patch|websocket)$/;

/**
 * A function that serves predictions by what it is, not by a word of `soundsLikeInference`: its
 * name (`classify`, `handler`; not with a training word) or a web route's decorator.
 */
function servesPredictions(fn: Fn): boolean {
  const ws = words(fn.name);
  if (ws.some((w) => SERVING_WORDS.has(w)) && !soundsLikeTraining(fn.name) && !ws.includes('train')) return true;
  const holder = fn.node.parent;
  if (holder?.type !== 'decorated_definition') return false;
  for (const d of holder.namedChildren) {
    const expr = d.type === 'decorator' ? d.namedChildren[0] : undefined;
    const callee = expr?.type === 'call' ? expr.childForFieldName('function') : expr;
    if (callee && ROUTE_DECORATOR.test(callee.text)) return true;
  }
  return false;
}

export interface Flow {
  readonly normal: State | undefined;
  readonly breaks: readonly State[];
  readonly conts: readonly State[];
  readonly rets: readonly State[];
}

/** No states (shared by the flows of the statements that only fall through: most). */
const NO_STATES: readonly State[] = Object.freeze([]);

/** The last flow `fallThrough` made (flows are never modified: statements in a row that leave the state as it was share one). */
let lastFallThrough: Flow = { normal: undefined, breaks: NO_STATES, conts: NO_STATES, rets: NO_STATES };

/** `True`, or a non-zero number: a `while` condition that never ends the loop. */
function alwaysTrue(condition: Node | null): boolean {
  const c = condition ? unparen(condition) : undefined;
  return c?.type === 'true' || ((c?.type === 'integer' || c?.type === 'float') && Number(c.text.replace(/_/g, '')) !== 0);
}

/** The flow of a statement that falls through with `normal` (no break, continue or return). */
function fallThrough(normal: State | undefined): Flow {
  if (lastFallThrough.normal !== normal) lastFallThrough = { normal, breaks: NO_STATES, conts: NO_STATES, rets: NO_STATES };
  return lastFallThrough;
}

interface Ctx {
  readonly fn: Fn;
  readonly noGrad: Span | undefined;
  /** Loop variables bound to `X.modules()` items: their switches act on X (or X's BatchNorms). */
  readonly moduleLoops: ReadonlyMap<string, ModuleLoop>;
  readonly loopLoader: string | undefined;
  readonly inferenceLoop: string | undefined;
  readonly sink: FlowEvent[];
  readonly returns: { val: Val; facts: ModelFacts | undefined }[];
  /** Branch conditions assumed on the current path (`+cond` in the `if` body, `-cond` after it). */
  readonly assume: readonly string[];
  /** Loop variables bound to one item of a literal list (`for phase in ['train', 'val']:`), in an unrolled pass (see `loop`). */
  readonly literals?: ReadonlyMap<string, string>;
}

/** No state reaches the end (shared, never modified). */
const NO_FLOW: Flow = { normal: undefined, breaks: NO_STATES, conts: NO_STATES, rets: NO_STATES };

/** No branch condition assumed (a function's start: shared, never modified). */
const NO_ASSUME: readonly string[] = Object.freeze([]);

/** The flow of a function before its body ran (shared, never modified). */
const EMPTY_FLOW: Flow = { normal: State.EMPTY, breaks: NO_STATES, conts: NO_STATES, rets: NO_STATES };

/**
 * A loop over a model's modules (`for m in model.modules():`): the model, and what the tests in
 * its body pick: BatchNorm modules (`isinstance(m, nn.BatchNorm2d)`), or Dropout modules only
 * (Monte Carlo dropout: `if m.__class__.__name__.startswith("Dropout"): m.train()`, which leaves
 * every norm layer's mode as it was).
 */
interface ModuleLoop {
  readonly target: string;
  readonly batchNorm: boolean;
  readonly dropoutOnly: boolean;
}

/** No loop variables bound to modules (shared: a context binding some has a map of its own). */
const NO_MODULE_LOOPS: ReadonlyMap<string, ModuleLoop> = new Map();

const BN_FILTER_WORDS = /BatchNorm|_BatchNorm|_NormBase|\bBN\b|batchnorm|SyncBatchNorm|norm_layer/;
/** A test that picks Dropout modules (and is not negated: `not isinstance(m, nn.Dropout)` picks the others). */
const DROPOUT_FILTER_WORDS = /Dropout|dropout/;
const NEGATED_FILTER = /\bnot\b|!=/;

export interface NoGradRecord {
  readonly span: Span;
  readonly kind: 'no_grad' | 'inference_mode' | 'set_grad_enabled(False)';
  readonly fn: string;
}

/** What a function's assignments bind: model variables, `self.` attributes, launcher-returned names. */
export interface FunctionBindings {
  /** Local (or module-level) names bound to a model, with where. */
  readonly refs: ReadonlyMap<string, ModelRef>;
  /** `self.<attr>` bound to a model in a method, by attribute. */
  readonly attrs: ReadonlyMap<string, ModelFacts>;
  /** Names a launcher returned for an object given to it: `train_dl` -> `train_dataloader`. */
  readonly aliases: ReadonlyMap<string, string>;
  /**
   * What `refs` held for a name before a later assignment bound it to another model, in order (a
   * notebook reusing `model` for each of its examples): for the places before that assignment.
   */
  readonly earlier: ReadonlyMap<string, readonly ModelRef[]>;
}

/** A name bound to a model: its facts, and where. */
export interface ModelRef {
  readonly facts: ModelFacts;
  readonly span: Span;
}

/** The bindings of a function before any: one shared empty map (`setBinding` makes a map of its own at the first write). */
const NO_BINDINGS: ReadonlyMap<string, never> = new Map<string, never>();

/** Bindings with nothing bound yet (most functions bind nothing: no maps are made for them). */
export function noBindings(): FunctionBindings {
  return { refs: NO_BINDINGS, attrs: NO_BINDINGS, aliases: NO_BINDINGS, earlier: NO_BINDINGS };
}

/** `out[to].set(key, value)`: the one way bindings are written (the empty map is shared). */
export function setBinding(out: FunctionBindings, to: 'refs' | 'attrs' | 'aliases', key: string, value: unknown): void {
  const writable = out as unknown as Record<typeof to | 'earlier', Map<string, unknown>>;
  let map = writable[to];
  if ((map as ReadonlyMap<string, unknown>) === NO_BINDINGS) writable[to] = map = new Map<string, unknown>();
  if (to === 'refs') {
    // A name bound to another model: what it was bound to stays, for the places before.
    const before = map.get(key) as ModelRef | undefined;
    if (before !== undefined && before.facts !== (value as ModelRef).facts && before.span.startOffset < (value as ModelRef).span.startOffset) {
      let earlier = writable.earlier as Map<string, ModelRef[]>;
      if ((earlier as ReadonlyMap<string, unknown>) === NO_BINDINGS) writable.earlier = earlier = new Map<string, ModelRef[]>();
      const list = earlier.get(key);
      if (list) list.push(before);
      else earlier.set(key, [before]);
    }
  }
  map.set(key, value);
}

/** The model variables a group's functions bind, and the `self.` attributes they bind by class, in order. */
export interface GroupVariables {
  readonly refs: readonly ModelVariable[];
  readonly attrs: readonly (readonly [cls: string, attr: string, facts: ModelFacts])[];
}

/**
 * One write to a function's bindings (`FunctionBindings[to].set(key, value)`): what binding a
 * module-level statement's assignments did, kept to be done again (see `FlowKeeper.keptBindings`).
 */
export interface BindingWrite {
  readonly to: 'refs' | 'attrs' | 'aliases';
  readonly key: string;
  readonly value: unknown;
}

/**
 * The summaries of a group of functions (those of one top-level statement, in an open document)
 * and everything computing them recorded: the mode origins their facts point to, the mode
 * switches and no-grad regions in their bodies, and the groups whose summaries they used. A
 * group whose inputs did not change can be handed to the next analysis whole (see
 * `TrainingBuilder`), which then interprets only the functions of the other groups.
 */
export class FlowGroup {
  readonly summaries = new Map<Fn, Summary>();
  readonly bindings = new Map<Fn, FunctionBindings>();
  /** Indexes (into the analysis' origin table) of the origins these summaries' facts use. */
  readonly origins = new Set<number>();
  readonly switches = new Map<number, SwitchRecord>();
  readonly noGradRegions = new Map<number, NoGradRecord>();
  /** The freezes the calls in these functions make (see `CalleeFreeze`), by call and target. */
  readonly freezeCalls = new Map<string, FreezeCallRecord>();
  /** Other groups whose summaries these summaries applied. */
  readonly uses = new Set<FlowGroup>();
  /** `uses`, in the order first used (read with an index: iterating a set allocates an iterator). */
  readonly usedList: FlowGroup[] = [];
  /** The analysis (`nextAnalysisNumber`) that uses this group again (see `FlowKeeper.begin`). */
  reusedIn = 0;
  /** The analysis whose list of groups used holds this one (see `ModeAnalysis.groups`). */
  listedIn = 0;
  /** The model variables the group's functions bind, once read (see `TrainingBuilder.modelVariables`). */
  variables: GroupVariables | undefined;
  /**
   * The events of the group's summaries, function by function in document order, once read (see
   * `TrainingBuilder.build`): a group used again has the same summaries, so the same events.
   */
  events: readonly FlowEvent[] | undefined;
  /**
   * Set with `events`: whether the group recorded no mode switch and no no-grad region (most).
   * A group used again is not listed then (`ModeAnalysis.list`): it would add nothing to them.
   */
  quiet = false;
  /**
   * What other files answered while these summaries were computed (`ModeAnalysis.askedOtherFile`):
   * they hold for a later analysis only while those files answer the same.
   */
  readonly external: ExternalAnswer[] = [];
  /**
   * False when a summary here depends on more than its inputs: on the order summaries were
   * computed in (a cycle of calls between functions).
   */
  reusable = true;
}

/** One answer of the workspace index (another file's model facts, or function), as a summary read it. */
export interface ExternalAnswer {
  /** What was asked: a class's facts (the default), or what a function does (`ImportedFunctionLookup`). */
  readonly kind?: 'function';
  readonly localName: string;
  readonly qualified: string | undefined;
  /** What the index answered (the same object while the file it comes from is unchanged). */
  readonly answer: object | undefined;
  /** For a class: the boolean values the construction passed (see `ExternalClassLookup`). */
  readonly args?: BoolArguments;
}

/**
 * What interpreting one module-level statement did, from one state: the state after it, the
 * events, returns and control transfers it produced, and its own group (switches, origins, uses).
 */
export interface StatementFlow {
  readonly input: State;
  readonly flow: Flow;
  readonly events: readonly FlowEvent[];
  readonly returns: readonly { val: Val; facts: ModelFacts | undefined }[];
  readonly group: FlowGroup;
}

/** Where the summaries of each function live, and the origin table their facts index. */
export interface FlowStore {
  readonly origins: ModeOrigin[];
  groupOf(fn: Fn): FlowGroup;
  /** The group made anew at every analysis (the module's): using it is no dependency. */
  isShared(group: FlowGroup): boolean;
  /** A module-level statement's kept flow, when it may be used again from `state`. */
  keptStatement?(statement: Node, state: State): StatementFlow | undefined;
  /** Offers a module-level statement's flow to the next analysis. */
  keepStatement?(statement: Node, flow: StatementFlow): void;
}

/** Module-level statements that do nothing to the mode state: no need to keep their flow. */
export const INERT_STATEMENTS: ReadonlySet<string> = new Set(['function_definition', 'class_definition', 'decorated_definition', 'comment', 'pass_statement', 'import_statement', 'import_from_statement', 'future_import_statement']);

let analyses = 0;

/**
 * A number for an analysis, never given before: what it marks on the groups it meets (which it
 * uses again, which it listed) tells its marks from those of earlier analyses, without a set.
 */
export function nextAnalysisNumber(): number {
  return ++analyses;
}

/** One group for every function, and a fresh origin table: an analysis that keeps nothing. */
function singleGroup(): FlowStore {
  const group = new FlowGroup();
  return { origins: [], groupOf: () => group, isShared: () => true };
}

export class ModeAnalysis {
  readonly origins: ModeOrigin[];
  private readonly originIndex = new Map<string, number>();
  private readonly inProgress = new Set<Fn>();
  /** The functions being summarised (innermost last) and their groups. */
  private readonly computing: { fn: Fn; group: FlowGroup }[] = [];
  /** The groups whose summaries this analysis used, in the order first used (marked `listedIn` with `number`). */
  private readonly groups: FlowGroup[] = [];
  private readonly number = nextAnalysisNumber();

  constructor(
    private readonly host: FlowHost,
    private readonly store: FlowStore = singleGroup(),
    /**
     * The module's statements that may change the mode state (named, not in `INERT_STATEMENTS`), in
     * document order, when the caller has them listed: the module's flow passes over the others.
     */
    private readonly moduleStatements?: () => readonly Node[],
  ) {
    this.origins = store.origins;
  }

  origin(o: ModeOrigin): number {
    const id = `${o.kind}:${o.mode}:${o.span.startOffset}:${o.span.endOffset}:${o.description}`;
    let i = this.originIndex.get(id);
    if (i === undefined) {
      i = this.origins.length;
      this.origins.push(o);
      this.originIndex.set(id, i);
    }
    this.current()?.origins.add(i);
    return i;
  }

  /** The group of the function being summarised. */
  private current(): FlowGroup | undefined {
    return this.innermost()?.group;
  }

  /**
   * What is being computed now (innermost), if anything. (Not `computing[length - 1]` when empty:
   * reading index -1 of an array is a slow property lookup, and most `use`s happen outside any
   * summary, from `build`.)
   */
  private innermost(): { readonly fn: Fn; readonly group: FlowGroup } | undefined {
    const n = this.computing.length;
    return n > 0 ? this.computing[n - 1] : undefined;
  }

  /** What is being summarised now depends on something other than its inputs: it is never reused. */
  taint(): void {
    for (const c of this.computing) c.group.reusable = false;
  }

  /**
   * What is being computed now read another file's answer: it holds only while that file answers
   * the same (the next analysis asks again before using it; see `FlowKeeper`).
   */
  askedOtherFile(answer: ExternalAnswer): void {
    for (const c of this.computing) c.group.external.push(answer);
  }

  /** Whether `fn` is what is being computed now (innermost). */
  isInnermost(fn: Fn): boolean {
    return this.innermost()?.fn === fn;
  }

  /** What is being computed now depends on the order things were asked in (a cycle): it is never reused. */
  cycle(): void {
    this.taint();
  }

  /** The group of `fn`, noted as used by what is being computed now. */
  use(fn: Fn): FlowGroup {
    const group = this.store.groupOf(fn);
    const caller = this.current();
    if (caller && caller !== group && !this.store.isShared(group) && !caller.uses.has(group)) {
      caller.uses.add(group);
      caller.usedList.push(group);
    }
    return group;
  }

  /** Notes `group` as used by this analysis (its switches and no-grad regions are the file's). */
  list(group: FlowGroup): void {
    if (group.listedIn === this.number) return;
    group.listedIn = this.number;
    this.groups.push(group);
  }

  /** Runs `work` as part of `fn`'s group (or `group`): what it uses and what taints it are recorded there. */
  within<T>(fn: Fn, work: () => T, group: FlowGroup = this.store.groupOf(fn)): T {
    this.computing.push({ fn, group });
    try {
      return work();
    } finally {
      this.computing.pop();
    }
  }

  /** The mode switches recorded in every function summarised (or reused) in this analysis. */
  switches(): SwitchRecord[] {
    const out: SwitchRecord[] = [];
    // (Most groups have none: their maps are not iterated, which would allocate an iterator each.)
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) if (groups[i].switches.size > 0) for (const s of groups[i].switches.values()) out.push(s);
    return out;
  }

  /** The freezes made by calls in every function summarised (or reused) in this analysis. */
  freezeCalls(): FreezeCallRecord[] {
    const out: FreezeCallRecord[] = [];
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) if (groups[i].freezeCalls.size > 0) for (const r of groups[i].freezeCalls.values()) out.push(r);
    return out;
  }

  noGradRegions(): NoGradRecord[] {
    const out: NoGradRecord[] = [];
    const groups = this.groups;
    for (let i = 0; i < groups.length; i++) if (groups[i].noGradRegions.size > 0) for (const r of groups[i].noGradRegions.values()) out.push(r);
    return out;
  }

  private modeVal(mode: 'train' | 'eval' | 'unknown', o: ModeOrigin, assume: readonly string[] = []): Val {
    if (assume.length === 0) return val({ mode, origin: this.origin(o), key: '' });
    const guard = assume.join('&');
    return val({ mode, origin: this.origin(o), key: '', guard, made: guard });
  }

  summary(fn: Fn): Summary | undefined {
    const group = this.use(fn);
    this.list(group);
    const done = group.summaries.get(fn);
    if (done) return done;
    return this.summarise(fn, group);
  }

  /**
   * Computes a function's summary (`summary` without one yet). Apart from `summary`: its closures
   * make every call of the function that holds them allocate their context, and most calls of
   * `summary` find the summary made.
   */
  private summarise(fn: Fn, group: FlowGroup): Summary | undefined {
    if (this.inProgress.has(fn)) {
      // A cycle through other functions: what each gets depends on which was asked first.
      if (this.innermost()?.fn !== fn) this.cycle();
      return undefined;
    }
    this.inProgress.add(fn);
    this.computing.push({ fn, group });
    const sink: FlowEvent[] = [];
    const returns: Ctx['returns'] = [];
    const ctx: Ctx = { fn, noGrad: fn.noGradDecorator, moduleLoops: NO_MODULE_LOOPS, loopLoader: undefined, inferenceLoop: undefined, sink, returns, assume: NO_ASSUME };
    let flow: Flow = EMPTY_FLOW;
    try {
      const statements = fn.isModule && this.moduleStatements ? this.moduleStatements() : fn.body ? fn.body.namedChildren : [];
      flow = fn.isModule && this.store.keptStatement ? this.block(statements, State.EMPTY, ctx, (s, st) => this.keptOrStmt(s, st, ctx)) : this.block(statements, State.EMPTY, ctx);
    } finally {
      this.inProgress.delete(fn);
      this.computing.pop();
    }
    let ret: Summary['returns'];
    if (returns.length > 0) {
      let v: Val = new Map();
      for (const r of returns) v = union(v, r.val);
      ret = { val: v, facts: returns.find((r) => r.facts)?.facts };
    }
    const s: Summary = { exit: flow.rets.length === 0 ? flow.normal : State.join([flow.normal, ...flow.rets]), events: sink, returns: ret };
    group.summaries.set(fn, s);
    return s;
  }

  // ---------------------------------------------------------------- statements

  /** The statements in order; `interpret` is how one statement runs (`stmt`, or the module's `keptOrStmt`). */
  private block(stmts: readonly Node[], state: State, ctx: Ctx, interpret?: (s: Node, st: State) => Flow): Flow {
    let cur: State | undefined = state;
    // (Made at the first state each gets: most blocks have no break, continue or return.)
    let breaks: State[] | undefined;
    let conts: State[] | undefined;
    let rets: State[] | undefined;
    // (Indexed loops: the arrays are of two kinds, shared frozen empty ones and others, and a
    // for-of over both allocates an iterator and a result per step.)
    for (let i = 0; i < stmts.length; i++) {
      if (!cur) break;
      const s = stmts[i];
      // (The module's definitions, imports and comments only fall through: most of a file's statements.)
      if (interpret && INERT_STATEMENTS.has(s.type)) continue;
      const f: Flow = interpret ? interpret(s, cur) : this.stmt(s, cur, ctx);
      for (let j = 0; j < f.breaks.length; j++) (breaks ??= []).push(f.breaks[j]);
      for (let j = 0; j < f.conts.length; j++) (conts ??= []).push(f.conts[j]);
      for (let j = 0; j < f.rets.length; j++) (rets ??= []).push(f.rets[j]);
      cur = f.normal;
    }
    if (!breaks && !conts && !rets) return fallThrough(cur);
    return { normal: cur, breaks: breaks ?? NO_STATES, conts: conts ?? NO_STATES, rets: rets ?? NO_STATES };
  }

  /**
   * One module-level statement, like `stmt`, but a statement whose flow the store kept from the
   * same state is not interpreted again (see `FlowStore.keptStatement`); one interpreted anew is
   * offered to the store.
   */
  private keptOrStmt(s: Node, state: State, ctx: Ctx): Flow {
    const store = this.store;
    const kept = store.keptStatement?.(s, state);
    // (Events past the cap would be dropped differently: a flow is used again only well below it.)
    if (kept && ctx.sink.length + kept.events.length < MAX_EVENTS) {
      // (A kept statement's group is complete: one without switches or no-grad regions adds nothing to them.)
      if (kept.group.switches.size > 0 || kept.group.noGradRegions.size > 0 || kept.group.freezeCalls.size > 0) this.list(kept.group);
      for (const e of kept.events) ctx.sink.push(e);
      for (const r of kept.returns) ctx.returns.push(r);
      return kept.flow;
    }
    const group = new FlowGroup();
    this.list(group);
    const events = ctx.sink.length;
    const returns = ctx.returns.length;
    this.computing.push({ fn: ctx.fn, group });
    let f: Flow;
    try {
      f = this.stmt(s, state, ctx);
    } finally {
      this.computing.pop();
    }
    if (ctx.sink.length < MAX_EVENTS) store.keepStatement?.(s, { input: state, flow: f, events: ctx.sink.slice(events), returns: ctx.returns.slice(returns), group });
    return f;
  }

  private bodyOf(node: Node | null | undefined): Node[] {
    if (!node) return [];
    return node.type === 'block' ? node.namedChildren : [node];
  }

  private stmt(s: Node, state: State, ctx: Ctx): Flow {
    const plain = fallThrough;
    switch (s.type) {
      // (The most common kind first: the cases are tried in order.)
      case 'expression_statement':
        return plain(this.expressionStatement(s, state, ctx));
      case 'function_definition':
      case 'class_definition':
      case 'decorated_definition':
      case 'comment':
      case 'pass_statement':
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
      case 'global_statement':
      case 'nonlocal_statement':
        return plain(state);
      case 'return_statement': {
        const st = this.calls(s, state, ctx);
        const value = s.namedChildren[0];
        const key = value ? keyOf(unparen(value)) : undefined;
        if (key && this.host.isModelish(ctx.fn, key)) ctx.returns.push({ val: st.lookup(key), facts: this.host.factsFor(ctx.fn, key) });
        else if (value?.type === 'call') {
          const c = this.host.constructs(value, ctx.fn);
          if (c?.sharesModesOf) ctx.returns.push({ val: st.lookup(c.sharesModesOf), facts: c.facts });
          else if (c) ctx.returns.push({ val: this.builtVal(c, value, st), facts: c.facts });
        }
        return { normal: undefined, breaks: [], conts: [], rets: [st] };
      }
      case 'raise_statement':
        return { normal: undefined, breaks: [], conts: [], rets: [] };
      case 'assert_statement':
        // `assert False` (`assert 0, "unreachable"`): nothing goes on past it.
        return alwaysFails(s) ? { normal: undefined, breaks: [], conts: [], rets: [] } : plain(this.calls(s, state, ctx));
      case 'break_statement':
        return { normal: undefined, breaks: [state], conts: [], rets: [] };
      case 'continue_statement':
        return { normal: undefined, breaks: [], conts: [state], rets: [] };
      case 'if_statement':
        return this.ifStatement(s, state, ctx);
      case 'for_statement':
      case 'while_statement':
        return this.loop(s, state, ctx);
      case 'with_statement':
        return this.withStatement(s, state, ctx);
      case 'try_statement':
        return this.tryStatement(s, state, ctx);
      case 'match_statement':
        return this.matchStatement(s, state, ctx);
      default:
        return plain(this.calls(s, state, ctx));
    }
  }

  /** (Apart from `stmt`: its closures would make every call of `stmt` allocate their context.) */
  private matchStatement(s: Node, state: State, ctx: Ctx): Flow {
    const st = this.calls(s.childForFieldName('subject') ?? s, state, ctx);
    const cases = (s.childForFieldName('body')?.namedChildren ?? []).filter((c) => c.type === 'case_clause');
    const flows = cases.map((c) => this.block(this.bodyOf(c.childForFieldName('consequence')), st, ctx));
    return merge([...flows, fallThrough(st)]);
  }

  private ifStatement(s: Node, state: State, ctx: Ctx): Flow {
    const condition = s.childForFieldName('condition');
    let st = this.calls(condition, state, ctx);
    // `if isinstance(net, nn.Module): net.eval()` (d2l's evaluate_accuracy): a model is a module,
    // so the other path is not one a model takes.
    if (this.isModuleTest(condition, ctx)) return this.block(this.bodyOf(s.childForFieldName('consequence')), st, ctx);
    // `if phase == 'train':` in a pass of `for phase in ['train', 'val']:` for one item: one branch runs.
    if (ctx.literals) {
      const taken = decidedBranch(s, ctx.literals);
      if (taken !== undefined) return taken === null ? fallThrough(st) : this.block(this.bodyOf(taken), st, ctx);
    }
    const negations: string[] = [conditionAtom(condition, false)];
    const flows: Flow[] = [this.block(this.bodyOf(s.childForFieldName('consequence')), st, { ...ctx, assume: [...ctx.assume, conditionAtom(condition, true)] })];
    let hasElse = false;
    for (const alt of s.childrenForFieldName('alternative')) {
      if (alt.type === 'elif_clause') {
        const c = alt.childForFieldName('condition');
        st = this.calls(c, st, ctx);
        flows.push(this.block(this.bodyOf(alt.childForFieldName('consequence')), st, { ...ctx, assume: [...ctx.assume, ...negations, conditionAtom(c, true)] }));
        negations.push(conditionAtom(c, false));
      } else if (alt.type === 'else_clause') {
        hasElse = true;
        flows.push(this.block(this.bodyOf(alt.childForFieldName('body')), st, { ...ctx, assume: [...ctx.assume, ...negations] }));
      }
    }
    // The path on which no branch ran: what a branch changed holds there only when no condition
    // held (`if train == False: model.eval()` after `if train == True: model.train()` leaves no
    // path on which the mode the function was called with survives).
    if (!hasElse) flows.push(fallThrough(st.guarded(changedKeys(flows, st), negations)));
    return merge(flows);
  }

  /** `isinstance(net, nn.Module)` (`torch.nn.Module`, `keras.Model`, a tuple holding one) of a model: a test that holds. */
  private isModuleTest(condition: Node | null, ctx: Ctx): boolean {
    const test = condition ? unparen(condition) : undefined;
    if (test?.type !== 'call' || test.childForFieldName('function')?.text !== 'isinstance') return false;
    const [value, types] = callArgs(test).positional;
    const key = value ? keyOf(value) : undefined;
    if (!key || !types || key === 'self' || !this.host.isModelish(ctx.fn, key)) return false;
    const names = types.type === 'tuple' ? types.namedChildren : [types];
    return names.some((n) => /^((torch\.)?nn\.)?Module$|^((tf\.)?keras\.)?Model$/.test(n.text));
  }

  private loop(s: Node, state: State, ctx: Ctx): Flow {
    const isFor = s.type === 'for_statement';
    let pre = state;
    let inner = ctx;
    if (isFor) {
      const right = s.childForFieldName('right');
      pre = this.calls(right, state, ctx);
      inner = this.forContext(s, right, ctx);
      const moduleLoop = newModuleLoop(ctx, inner);
      if (moduleLoop !== undefined) return { normal: this.moduleLoop(s, moduleLoop, pre, inner), breaks: [], conts: [], rets: [] };
    }
    const body = this.bodyOf(s.childForFieldName('body'));
    let head = pre;
    let flow: Flow = NO_FLOW;
    let events: FlowEvent[] = [];
    for (let i = 0; i < MAX_ITERATIONS; i++) {
      events = [];
      const iterCtx: Ctx = { ...inner, sink: events };
      const atCond = isFor ? head : this.calls(s.childForFieldName('condition'), head, iterCtx);
      flow = this.block(body, atCond, iterCtx);
      const next = State.join([pre, flow.normal, ...flow.conts]) ?? pre;
      if (next.equals(head)) break;
      head = next;
    }
    pushEvents(ctx.sink, events);
    // A loop over a literal list of names (`for phase in ['train', 'val']:`) runs its items in
    // order: it is left as the last item's pass leaves it (a `model.eval()` under `else:` of
    // `if phase == 'train':`), not as any iteration may. (Its events are the passes' above, with
    // every item's states joined, as for any loop.)
    const unrolled = isFor ? this.literalPasses(s, body, pre, inner) : undefined;
    if (unrolled) flow = { ...flow, breaks: [...flow.breaks, ...unrolled.breaks] };
    // A loop whose body runs at least once (`for epoch in range(5)`) is not left as it was entered:
    // only the states at the end of an iteration go on (at the fixpoint, those of every iteration).
    // `while True:` is only left by its `break`s (its `else` never runs).
    const exit = unrolled ? unrolled.exit : isFor ? (this.host.runsAtLeastOnce(s) ? State.join([flow.normal, ...flow.conts]) : head) : alwaysTrue(s.childForFieldName('condition')) ? undefined : head;
    const alternative = s.childForFieldName('alternative');
    let after: Flow = fallThrough(exit);
    if (alternative && exit) after = this.block(this.bodyOf(alternative.childForFieldName('body')), exit, ctx);
    return { normal: State.join([after.normal, ...flow.breaks]), breaks: after.breaks, conts: after.conts, rets: [...flow.rets, ...after.rets] };
  }

  /**
   * The passes of a loop over a literal list or tuple of strings (`for phase in ['train', 'val']:`,
   * at most 8 items) with its variable bound to each item in turn, so that tests of it
   * (`if phase == 'train':`) take one branch: the state the last pass leaves, and the states its
   * `break`s leave. Undefined for any other loop. (What the passes record is dropped: the loop's
   * events are those of its passes over every item at once.)
   */
  private literalPasses(s: Node, body: readonly Node[], pre: State, ctx: Ctx): { exit: State | undefined; breaks: State[] } | undefined {
    const left = s.childForFieldName('left');
    const right = s.childForFieldName('right');
    const items = right ? unparen(right) : undefined;
    if (left?.type !== 'identifier' || (items?.type !== 'list' && items?.type !== 'tuple')) return undefined;
    const values: string[] = [];
    for (const item of items.namedChildren) {
      const v = literalValue(item);
      if (v.kind !== 'string') return undefined;
      values.push(String(v.value));
    }
    if (values.length === 0 || values.length > 8) return undefined;
    const breaks: State[] = [];
    let head: State | undefined = pre;
    for (const value of values) {
      if (!head) break;
      const literals = new Map(ctx.literals ?? []).set(left.text, value);
      const f = this.block(body, head, { ...ctx, sink: [], literals });
      for (const b of f.breaks) breaks.push(b);
      head = State.join([f.normal, ...f.conts]);
    }
    return { exit: head, breaks };
  }

  /**
   * `for m in model.modules(): if isinstance(m, nn.BatchNorm2d): m.eval()` acts on every
   * (matching) module: its switches are definite, not "on some iterations".
   */
  private moduleLoop(s: Node, loopVar: string, state: State, ctx: Ctx): State {
    const body = s.childForFieldName('body');
    if (!body) return state;
    let st = state;
    for (const call of this.host.callsIn(body)) {
      const f = call.childForFieldName('function');
      if (f?.type === 'attribute' && keyOf(f.childForFieldName('object')) === loopVar) {
        const m = f.childForFieldName('attribute')?.text;
        if (m === 'eval' || m === 'train') st = this.call(call, st, ctx);
      }
    }
    return st;
  }

  /** Binds what a `for` loop iterates: a model's modules, a data loader, a validation set. */
  private forContext(s: Node, right: Node | null, ctx: Ctx): Ctx {
    if (!right) return ctx;
    const left = s.childForFieldName('left');
    const loopVars = left ? (left.type === 'identifier' ? [left.text] : left.descendantsOfType('identifier').map((n) => n.text)) : [];
    const iter = unparen(right);
    // `for m in model.modules()` / `for name, m in model.named_modules()` / `.children()`
    const modulesCall = findCall(iter, (c) => {
      const f = c.childForFieldName('function');
      const attr = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
      return attr === 'modules' || attr === 'named_modules' || attr === 'children' || attr === 'named_children';
    });
    if (modulesCall) {
      const target = keyOf(modulesCall.childForFieldName('function')?.childForFieldName('object'));
      const modVar = loopVars[loopVars.length - 1];
      if (target && modVar) {
        const body = s.childForFieldName('body');
        const conditions = body ? conditionsText(body) : '';
        const batchNorm = BN_FILTER_WORDS.test(conditions);
        const dropoutOnly = !batchNorm && DROPOUT_FILTER_WORDS.test(conditions) && !NEGATED_FILTER.test(conditions);
        const moduleLoops = new Map(ctx.moduleLoops);
        moduleLoops.set(modVar, { target, batchNorm, dropoutOnly });
        return { ...ctx, moduleLoops };
      }
    }
    const names = iter.type === 'identifier' || iter.type === 'attribute' ? [iter] : iter.descendantsOfType(['identifier', 'attribute']);
    let loader: string | undefined;
    let inferenceLoop: string | undefined;
    for (const n of names) {
      const k = keyOf(n);
      if (!k || n.parent?.type === 'attribute') continue;
      // `for epoch in range(args.epochs)`: a count, not a loader.
      if (insideRangeCall(n, iter)) continue;
      if (/loader|dataloader|_dl$|^dl|batches|data_iter|_iter$|dataset|ds$|^(train|training|val|valid|validation|test|eval)_data$/i.test(k) || ctx.fn.params.includes(rootOf(k))) loader ??= k;
      if (soundsLikeInference(k.split('.').pop() ?? k)) inferenceLoop ??= k;
    }
    if (iter.type === 'subscript') {
      const key = iter.childForFieldName('subscript');
      if (key && literalValue(key).kind === 'string' && soundsLikeInference(String((literalValue(key) as { value: string }).value))) inferenceLoop ??= iter.text;
    }
    return { ...ctx, loopLoader: ctx.loopLoader ?? loader, inferenceLoop: inferenceLoop ?? ctx.inferenceLoop };
  }

  private withStatement(s: Node, state: State, ctx: Ctx): Flow {
    let st = state;
    let noGrad = ctx.noGrad;
    const clause = s.namedChildren.find((c) => c.type === 'with_clause');
    for (const item of clause?.namedChildren ?? []) {
      st = this.calls(item, st, ctx);
      const v = item.childForFieldName('value');
      const value = v?.type === 'as_pattern' ? v.namedChildren[0] : v;
      if (value?.type !== 'call') continue;
      const q = this.host.qualified(value.childForFieldName('function') as Node);
      if (!q) continue;
      let kind: 'no_grad' | 'inference_mode' | 'set_grad_enabled(False)' | undefined;
      if (NO_GRAD.has(q)) {
        const first = callArgs(value).positional[0];
        const off = q.endsWith('inference_mode') && first && literalValue(first).kind === 'bool' && !(literalValue(first) as { value: boolean }).value;
        if (!off) kind = q.endsWith('inference_mode') ? 'inference_mode' : 'no_grad';
      } else if (q === 'torch.set_grad_enabled' || q === 'torch.autograd.set_grad_enabled') {
        const first = callArgs(value).positional[0];
        const lit = first ? literalValue(first) : undefined;
        // (False, or a test a literal pass decides false: `set_grad_enabled(phase == 'train')` in the 'val' pass.)
        const off = lit?.kind === 'bool' ? !lit.value : first && ctx.literals ? literalTest(first, ctx.literals) === false : false;
        if (off) kind = 'set_grad_enabled(False)';
      }
      if (kind) {
        noGrad = spanOf(value);
        this.current()?.noGradRegions.set(value.startIndex, { span: noGrad, kind, fn: ctx.fn.name });
      }
    }
    const body = this.block(this.bodyOf(s.childForFieldName('body')), st, { ...ctx, noGrad });
    return body;
  }

  private tryStatement(s: Node, state: State, ctx: Ctx): Flow {
    const body = this.block(this.bodyOf(s.childForFieldName('body')), state, ctx);
    const flows: Flow[] = [];
    let elseFlow: Flow | undefined;
    let finallyBlock: Node | undefined;
    const handlerIn = State.join([state, body.normal]) ?? state;
    for (const c of s.namedChildren) {
      if (c.type === 'except_clause' || c.type === 'except_group_clause') {
        const block = c.namedChildren.find((x) => x.type === 'block');
        flows.push(this.block(this.bodyOf(block), handlerIn, ctx));
      } else if (c.type === 'else_clause') {
        elseFlow = this.block(this.bodyOf(c.childForFieldName('body')), body.normal ?? state, ctx);
      } else if (c.type === 'finally_clause') {
        finallyBlock = c.namedChildren.find((x) => x.type === 'block');
      }
    }
    const main = elseFlow ? { ...elseFlow, breaks: [...body.breaks, ...elseFlow.breaks], conts: [...body.conts, ...elseFlow.conts], rets: [...body.rets, ...elseFlow.rets] } : body;
    const joined = merge([main, ...flows]);
    if (!finallyBlock) return joined;
    if (!joined.normal) return joined;
    const fin = this.block(this.bodyOf(finallyBlock), joined.normal, ctx);
    return { normal: fin.normal, breaks: [...joined.breaks, ...fin.breaks], conts: [...joined.conts, ...fin.conts], rets: [...joined.rets, ...fin.rets] };
  }

  private expressionStatement(s: Node, state: State, ctx: Ctx): State | undefined {
    const inner = s.namedChildren[0];
    if (inner?.type === 'assignment') {
      const right = inner.childForFieldName('right');
      const st = this.calls(right, state, ctx);
      return this.assign(inner.childForFieldName('left'), right, st, ctx);
    }
    return this.calls(s, state, ctx);
  }

  // ---------------------------------------------------------------- assignments

  private assign(left: Node | null, right: Node | null, state: State, ctx: Ctx): State {
    if (!left || !right) return state;
    const r = unparen(right);
    if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && r.type === 'call') {
      // `model, optimizer, loader = accelerator.prepare(model, optimizer, loader)`,
      // `model_engine, optimizer, _, _ = deepspeed.initialize(model=model, ...)`: the same objects, wrapped.
      const launched = this.host.launcher(r);
      if (launched) {
        // (A loop, not forEach: a closure would make every call of `assign` allocate its context.)
        let st = state;
        const targets = left.namedChildren;
        for (let i = 0; i < targets.length; i++) {
          const a = launched.outputs[i];
          const tk = keyOf(targets[i]);
          const ak = a ? keyOf(a) : undefined;
          if (tk && ak && tk !== ak) st = copyKey(st, ak, tk);
        }
        return st;
      }
      return state;
    }
    const target = keyOf(left);
    if (!target) return this.assigned(state, left, r, ctx);
    // (A wrapper of the same object under its own name, `model = DDP(model)`, `model = model.cuda()`, names it still.)
    const same = (r.type === 'call' ? wrappedModelKey(r) : keyOf(r)) === target;
    return this.assigned(same ? state : state.detached(target), left, r, ctx);
  }

  /** `assign` once the keys that named what `left` named keep their modes (`State.detached`). */
  private assigned(state: State, left: Node, r: Node, ctx: Ctx): State {
    const target = keyOf(left);
    if (!target) return state;
    if (r.type === 'call') {
      const launched = this.host.launcher(r);
      const launchedKey = launched?.outputs.length === 1 && launched.outputs[0] ? keyOf(launched.outputs[0]) : undefined;
      if (launchedKey) return launchedKey === target ? state : copyKey(state, launchedKey, target);
      // A holder (`predictor = Predictor(...)`) has no mode of its own: its `__init__`, applied with
      // the call, left the models it holds in theirs (under `predictor.`).
      if (r.childForFieldName('function')?.type === 'identifier' && this.host.heldConstruction(r, ctx.fn)) return state;
      const built = this.host.constructs(r, ctx.fn);
      // A Keras model has no train()/eval() mode: each call's `training=` decides.
      if (built?.facts.keras) return state.drop(target);
      if (built?.sharesModesOf) return copyKey(state, built.sharesModesOf, target);
      if (built) return state.set(target, this.builtVal(built, r, state));
      const f = r.childForFieldName('function');
      // `model = DDP(model)`, `model = model.to(device)`, `model = torch.compile(model).to(device)`;
      // under another name (`compiled = torch.compile(model)`, `ddp_model = DDP(model)`) the same
      // modules: a switch of either is a switch of both.
      const source = wrappedModelKey(r);
      if (source) return source === target ? state : state.alias(target, state.switched(source));
      // `ema = copy.deepcopy(model)`: a model of its own, in the mode the model is in now.
      const copied = copiedModelKey(r);
      if (copied && copied !== target) return this.copiedModes(copyKey(state, copied, target), target, copied, r, ctx);
      const callee = f ? this.host.resolveFunction(f, ctx.fn, undefined) : undefined;
      if (callee) {
        const summary = this.summary(callee);
        if (summary?.returns) {
          const translate = this.translator(callee, r, ctx, undefined);
          return state.set(target, this.substitute(summary.returns.val, state, translate, spanOf(r)));
        }
      }
    } else {
      // `net = model`: the same object under another name.
      const source = keyOf(r);
      if (source && this.host.isModelish(ctx.fn, source) && source !== target) return state.alias(target, state.switched(source));
    }
    return state.drop(target);
  }

  /**
   * The state after `target = copy.deepcopy(source)` (`state`: with `source`'s values copied to
   * `target`): the copy's known modes cite the copy (`copy.deepcopy(model) at line 20`), not how the
   * original got them; modes known only on entry stay as they are (a caller's state says what they are).
   */
  private copiedModes(state: State, target: string, source: string, call: Node, ctx: Ctx): State {
    const v = state.lookup(target);
    let out: Val = new Map();
    const span = spanOf(call);
    for (const f of v.values()) {
      if (f.mode !== 'train' && f.mode !== 'eval') {
        out = union(out, val(f));
        continue;
      }
      const detail = f.mode === 'train' ? `(a copy of ${source} in training mode)` : `(a copy of ${source} in eval mode)`;
      out = union(out, this.modeVal(f.mode, { mode: f.mode, kind: 'construction', span, description: `${call.childForFieldName('function')?.text ?? 'deepcopy'}(${source})`, at: span, detail }, ctx.assume));
    }
    return state.set(target, out);
  }

  // ---------------------------------------------------------------- calls
  // ---------------------------------------------------------------- calls

  /** Interprets every call in `node` in evaluation order. */
  private calls(node: Node | null | undefined, state: State, ctx: Ctx): State {
    if (!node) return state;
    let st = state;
    const calls = this.host.callsIn(node);
    for (let i = 0; i < calls.length; i++) st = this.call(calls[i], st, ctx);
    return st;
  }

  private call(call: Node, state: State, ctx: Ctx): State {
    // (The callee's info has the call's parts: its nodes are not read again.)
    const callee = this.host.callee(call);
    const f = callee.f;
    if (!f) return state;
    const args = callee.args;
    const fnName = ctx.fn.name;
    // `loss_scaler(loss, optimizer, ...)` (timm's NativeScaler): backward() and the optimizer's step().
    if (callee.last.includes('caler') && scalerStepCall(call)) {
      this.event('step', `${f.text}(...)`, call, '', state, ctx, 'optimizer');
      return state;
    }
    if (f.type === 'attribute') {
      const method = callee.attr ?? '';
      const receiver = callee.receiver;
      if (receiver) {
        const trainer = this.host.trainerOf(ctx.fn, receiver);
        if (trainer) return this.trainerCall(trainer, receiver, method, call, state, ctx);
        // `trainer.train()` of a hand-written `Trainer` class: its method, not a mode switch.
        if (method === 'train' || method === 'eval') {
          const held = this.host.heldMethod(call, ctx.fn, callee);
          if (held) return this.applyHeld(held, call, state, ctx, receiver);
        }
        const loop = ctx.moduleLoops.size > 0 ? ctx.moduleLoops.get(rootOf(receiver)) : undefined;
        // (Dropout modules switched alone change no norm layer's mode.)
        if (loop?.dropoutOnly && receiver === rootOf(receiver) && (method === 'eval' || method === 'train')) return state;
        const switchTarget = loop && receiver === rootOf(receiver) ? (loop.batchNorm ? `${loop.target}.[BatchNorm]` : loop.target) : receiver;
        const scope: 'whole' | 'batchnorm' = loop?.batchNorm && receiver === rootOf(receiver) ? 'batchnorm' : 'whole';
        if (method === 'eval' && args.positional.length === 0 && args.keywords.size === 0) {
          return this.switchTo(state, switchTarget, 'eval', call, scope, fnName, ctx);
        }
        if (method === 'train' && isModeArgument(args)) {
          const a = args.positional[0] ?? args.keywords.get('mode');
          const lit = a ? literalValue(a) : { kind: 'bool' as const, value: true };
          const mode = lit.kind === 'bool' ? (lit.value ? 'train' : 'eval') : 'unknown';
          return this.switchTo(state, switchTarget, mode, call, scope, fnName, ctx);
        }
        if (method === 'step' && (this.host.isOptimizer(ctx.fn, receiver) || /scaler/i.test(receiver))) {
          this.event('step', `${receiver}.step()`, call, '', state, ctx, 'optimizer');
          return state;
        }
        if (method === 'backward' && args.positional.length === 0) {
          this.event('step', `${receiver}.backward()`, call, '', state, ctx, 'backward');
          return state;
        }
        if (method === 'backward' && /accelerator|fabric|engine/i.test(receiver)) {
          this.event('step', `${receiver}.backward()`, call, '', state, ctx, 'backward');
          return state;
        }
        if (FORWARD_METHODS.has(method) && this.host.isModelish(ctx.fn, receiver)) {
          this.event('forward', `${receiver}.${method}()`, call, receiver, state, ctx);
          return state;
        }
        if (method === 'apply' && this.host.isModelish(ctx.fn, receiver)) {
          const fnArg = args.positional[0];
          // `model.apply(lambda m: m.eval() if isinstance(m, nn.BatchNorm2d) else None)`: an eval() of its parameter, filtered or not.
          if (fnArg?.type === 'lambda') {
            const param = fnArg.childForFieldName('parameters')?.namedChildren[0];
            const body = fnArg.childForFieldName('body');
            const calls = body ? (body.type === 'call' ? [body] : body.descendantsOfType('call')) : [];
            const evals = param?.type === 'identifier' && calls.some((c) => c.childForFieldName('function')?.text === `${param.text}.eval`);
            if (!evals || !body) return state;
            const bn = BN_FILTER_WORDS.test(body.text);
            return this.switchTo(state, bn ? `${receiver}.[BatchNorm]` : receiver, 'eval', call, bn ? 'batchnorm' : 'whole', fnName, ctx);
          }
          const target = fnArg ? this.host.resolveFunction(fnArg, ctx.fn, undefined) : undefined;
          if (target && target.params.length > 0) {
            const summary = this.summary(target);
            const p = target.params[0];
            const exitVal = summary?.exit?.vals.get(p);
            if (exitVal && [...exitVal.values()].some((x) => x.mode === 'eval')) {
              const bn = BN_FILTER_WORDS.test(target.node.text);
              return this.switchTo(state, bn ? `${receiver}.[BatchNorm]` : receiver, 'eval', call, bn ? 'batchnorm' : 'whole', fnName, ctx);
            }
          }
          return state;
        }
        // A method of the file's own model class (`model.freeze_bn()`), or `self.helper(...)`
        // (a method's own class: the facts of `self` are not needed to find it).
        const ownMethod = f.childForFieldName('object')?.type === 'identifier' && receiver === 'self' && ctx.fn.cls !== undefined;
        // `trainer.fit(epochs)` of `trainer = Trainer(model, loader, optimizer)`: what the method does to what the trainer holds.
        const heldMethod = ownMethod ? undefined : this.host.heldMethod(call, ctx.fn, callee);
        if (heldMethod) return this.applyHeld(heldMethod, call, state, ctx, receiver);
        const facts = ownMethod ? undefined : this.host.factsFor(ctx.fn, receiver);
        const method_ = this.host.resolveFunction(f, ctx.fn, facts, callee);
        if (method_) return this.apply(method_, call, state, ctx, receiver);
        // A method of a model class of another workspace file that switches the instance's modes (`model.freeze_bn()`).
        const importedMethod = facts ? this.host.importedModelMethod(facts, method) : undefined;
        if (importedMethod) return this.applyImported(importedMethod, call, state, ctx, { cls: importedMethod.cls ?? facts?.name ?? '', init: undefined, attributes: NO_ATTRIBUTES }, receiver);
        if (this.host.isModelish(ctx.fn, receiver) && !FORWARD_METHODS.has(method)) {
          // Unknown method on a model: its mode is unchanged unless the method says train/eval.
          if (/^(set_)?(train|eval|inference|test)(_mode)?$|freeze|unfreeze/.test(method)) {
            return state.set(receiver, this.modeVal('unknown', { mode: 'unknown', kind: 'call', ...citing(`${f.text}()`, spanOf(call)) }));
          }
        }
      } else if (f.childForFieldName('object')?.type === 'call') {
        // `Evaluator(model, loader).run()`: the method of the instance built there.
        const held = this.host.heldMethod(call, ctx.fn, callee);
        if (held) return this.applyHeld(held, call, state, ctx, undefined);
      }
    }
    // Exports and conversions (the callee's last name tells the few that may be one).
    const last = callee.last;
    const q = mayExport(last) ? this.host.qualified(f) : undefined;
    const exportDetail = q ? this.exportKind(q, call, args) : undefined;
    if (exportDetail) {
      const first = args.positional[0] ?? args.keywords.get('model') ?? args.keywords.get('module') ?? args.keywords.get('obj') ?? args.keywords.get('f');
      const key = keyOf(first);
      if (key) this.event('export', exportDetail, call, key, state, ctx);
      return state;
    }
    // `Trainer(model, loader, optimizer)`: what its `__init__` does to what it is given (and no opaque call).
    const held = f.type === 'identifier' ? this.host.heldConstruction(call, ctx.fn) : undefined;
    if (held) {
      if (held.imported) return this.applyImported(held.imported.init, call, state, ctx, held, heldTarget(call));
      return held.init ? this.apply(held.init, call, state, ctx, heldTarget(call), this.summary(held.init), held) : state;
    }
    // (An attribute callee without receiver facts names no function of the file: `self.f` was asked above.)
    const own = f.type === 'attribute' ? undefined : this.host.resolveFunction(f, ctx.fn, undefined);
    if (own) return this.apply(own, call, state, ctx, undefined);
    // `predictor(images)` of `predictor = Predictor(...)`: its `__call__`.
    const heldCall = f.type === 'identifier' ? this.host.heldMethod(call, ctx.fn, callee) : undefined;
    if (heldCall) return this.applyHeld(heldCall, call, state, ctx, f.text);
    const key = callee.key;
    // (An imported function whose name has a model word, timm's `create_model(...)` or `reparameterize_model(...)`, is called: no model runs.)
    if (key && key !== 'self' && this.host.isModelish(ctx.fn, key) && !this.host.isOptimizer(ctx.fn, key) && !(f.type === 'identifier' && this.host.importedFunctionName(f, ctx.fn))) {
      // (`m.print_network()`, `model.summary()`: a method of the model's class called without input, not a submodule run.)
      if (!notARun(f) && !(f.type === 'attribute' && args.positional.length === 0 && args.keywords.size === 0)) this.event('forward', `${key}(...)`, call, key, state, ctx);
      return state;
    }
    // `self(x)` in a method of a model class other than its forward (`def predict(self, x)`): the
    // instance runs, in the mode its caller has it in (a caller in view applies the method).
    if (key === 'self' && ctx.fn.cls !== undefined && !FORWARD_DEFINITIONS.has(ctx.fn.name) && this.host.factsFor(ctx.fn, 'self')) {
      this.event('forward', 'self(...)', call, key, state, ctx);
      return state;
    }
    // A function of another workspace file given a model (`evaluate(model, loader)` after `from
    // engine import evaluate`): what it does to the model, as that file's analysis summed it up.
    if (this.host.importedFunction && this.passesModel(args, ctx)) {
      const imported = this.host.importedFunction(f, ctx.fn);
      if (imported) return this.applyImported(imported, call, state, ctx);
    }
    // An opaque call given a model may change its mode: what it leaves is unknown.
    const name = last !== '' ? last : lastSegment(f.text);
    if (!MODE_NEUTRAL_CALLS.has(name) && !ASSERTION.test(name)) {
      // (No closure here: it would make every call of `call` allocate its context.)
      let st = state;
      const positional = args.positional;
      for (let i = 0; i < positional.length; i++) st = this.unknownAfter(positional[i], st, f, call, ctx);
      const keywordValues = args.keywordValues;
      for (let i = 0; i < keywordValues.length; i++) st = this.unknownAfter(keywordValues[i], st, f, call, ctx);
      return st;
    }
    return state;
  }

  /** A model given to an opaque call `call` (callee `f`) as argument `a`: its mode is unknown after the call. */
  private unknownAfter(a: Node, st: State, f: Node, call: Node, ctx: Ctx): State {
    if (!this.namesModel(a, ctx)) return st;
    return st.set(keyOf(a) as string, this.modeVal('unknown', { mode: 'unknown', kind: 'call', ...citing(`${f.text}(...)`, spanOf(call)) }));
  }

  /**
   * `trainer.train()`, `trainer.evaluate()`, `trainer.predict(...)`, Lightning's
   * `trainer.fit(model)`: the framework switches train/eval mode around its own loops, so these
   * are neither mode switches nor inference runs of ours, and the model's mode afterwards is the
   * framework's business (unknown here).
   */
  private trainerCall(trainer: { readonly model: string | undefined }, receiver: string, method: string, call: Node, state: State, ctx: Ctx): State {
    if (!TRAINER_RUNS.has(method)) return state;
    const args = callArgs(call);
    const models = new Set<string>();
    if (trainer.model) models.add(trainer.model);
    const given = keyOf(args.keywords.get('model') ?? args.positional[0]);
    if (given && this.host.isModelish(ctx.fn, given)) models.add(given);
    let st = state;
    for (const m of models) {
      st = st.set(m, this.modeVal('unknown', { mode: 'unknown', kind: 'call', ...citing(`${receiver}.${method}()`, spanOf(call)), detail: '(the trainer sets train/eval mode itself)' }));
    }
    return st;
  }

  private exportKind(q: string, call: Node, args: ReturnType<typeof callArgs>): string | undefined {
    if (q === 'torch.onnx.export' || q === 'onnx.export' || q.endsWith('.onnx.export')) {
      // The default `training=TrainingMode.EVAL` switches the model to eval for the export.
      const t = args.keywords.get('training') ?? args.positional[5];
      return t && /PRESERVE/.test(t.text) ? 'torch.onnx.export(training=PRESERVE)' : undefined;
    }
    if (q === 'torch.jit.trace' || q === 'torch.jit.trace_module') return q;
    // PyTorch 2's export (and AOTInductor's compile of it) records the module as it runs now: its
    // BatchNorm and Dropout in training mode stay so in the exported program (train()/eval() of it do not switch them).
    if (q === 'torch.export.export' || q === 'torch._export.aot_compile') return q;
    if (q === 'torch.jit.script') {
      // Scripting for a faster training run is common; it is an export when the result is saved.
      const stmt = statementOf(call);
      const assigned = stmt.namedChildren[0]?.type === 'assignment' ? keyOf(stmt.namedChildren[0].childForFieldName('left')) : undefined;
      const scope = (ctx_fn_text(call) ?? '').slice(0);
      if (assigned && (scope.includes(`${assigned}.save(`) || new RegExp(`jit\\.save\\(\\s*${assigned.replace('.', '\\.')}\\b`).test(scope))) return q;
      return undefined;
    }
    if (/(^|\.)quantization\.fuse_modules$/.test(q) || q.endsWith('quantization.fuse_modules')) return 'fuse_modules';
    if (q.endsWith('fuse_conv_bn_eval') || q.endsWith('fuse_conv_bn_weights')) return q.endsWith('eval') ? 'fuse_conv_bn_eval' : undefined;
    if (q === 'torch.save') {
      const obj = args.positional[0];
      const path = args.positional[1] ?? args.keywords.get('f');
      if (!obj || obj.type === 'call' || obj.type === 'dictionary') return undefined;
      const pathText = path?.text ?? '';
      const fnText = enclosingFunctionName(call) ?? '';
      if (/deploy|export|inference|serving|production|traced|for_inference/i.test(pathText) || /export|deploy/i.test(fnText)) return 'torch.save (deployment)';
    }
    return undefined;
  }

  private switchTo(state: State, written: string, mode: 'train' | 'eval' | 'unknown', call: Node, scope: 'whole' | 'batchnorm', fnName: string, ctx: Ctx): State {
    const op: SwitchOp = mode === 'unknown' ? 'train(unknown)' : mode;
    const span = spanOf(call);
    const displayTarget = written.replace('.[BatchNorm]', '');
    // (A switch of an alias, `compiled.eval()`, switches the object it names: `model`.)
    const target = state.switched(written);
    const switches = this.current()?.switches;
    // (A pass of a literal loop that decided the branch, `for phase in ['train', 'val']`, keeps the branch the joined pass saw.)
    const branch = ctx.assume.length > 0 ? ctx.assume.join('&') : switches?.get(call.startIndex)?.branch;
    switches?.set(call.startIndex, { span, target: displayTarget, op, scope, fn: fnName, ...(branch !== undefined ? { branch } : {}) });
    const description = call.text.length > 60 ? displayTarget + '.' + op + '()' : call.text;
    const v = this.modeVal(mode, { mode, kind: 'switch', span, description, at: span }, ctx.assume);
    let st = state.set(target, v);
    if (mode !== 'eval' && scope === 'whole') {
      const facts = this.host.factsFor(ctx.fn, target);
      if (facts?.trainKeepsBatchNormFrozen) {
        st = st.set(`${target}.[BatchNorm]`, this.modeVal('eval', { mode: 'eval', kind: 'switch', span: facts.definitionSpan ?? span, description: `${facts.name}.train() override keeps BatchNorm in eval mode` }));
      }
    }
    return st;
  }

  // ---------------------------------------------------------------- interprocedural

  private translator(callee: Fn, call: Node, ctx: Ctx, selfKey: string | undefined, held?: HeldObjects): (key: string) => string | undefined {
    const args = callArgs(call);
    const map = new Map<string, string | undefined>();
    const params = passedParams(callee);
    // (A parameter the callee binds to a new model, `model = copy.deepcopy(model)`, is no longer the caller's there.)
    const rebound = callee.body ? this.host.reboundParams(callee) : NO_NAMES;
    params.forEach((p, i) => {
      const a = rebound.has(p) ? undefined : (args.keywords.get(p) ?? args.positional[i]);
      // (A model built in the call, `train(MLP(), loader)`, is the caller's `MLP()`: see `builtInArguments`.)
      map.set(p, a ? (keyOf(a) ?? (unparen(a).type === 'call' && this.host.constructs(unparen(a), ctx.fn) ? modelKey(a) : undefined)) : undefined);
    });
    return (key: string) => {
      const root = rootOf(key);
      const rest = key.slice(root.length);
      if (root === 'self' && callee.cls) {
        if (held) {
          // (`self.model.backbone` -> the caller's `net.backbone`; other attributes are the instance's own.)
          const attr = rest.slice(1).split('.')[0];
          const kept = attr ? held.attributes.get(attr) : undefined;
          if (kept) return kept + rest.slice(1 + attr.length);
          return selfKey ? selfKey + rest : undefined;
        }
        return selfKey ? selfKey + rest : ctx.fn.cls ? key : undefined;
      }
      if (map.has(root)) {
        const m = map.get(root);
        return m ? m + rest : undefined;
      }
      if (callee.locals.has(root)) return `${callee.name}>${key}`;
      return key; // a free variable: the caller's (module-level) object of that name
    };
  }

  private substitute(v: Val, callerState: State, translate: (key: string) => string | undefined, callSpan: Span): Val {
    let out: Val = new Map();
    for (const f of v.values()) {
      if (f.mode !== 'entry') {
        out = union(out, val(f));
        continue;
      }
      const t = translate(f.key);
      if (t === undefined || t.includes('>')) {
        out = union(out, this.modeVal('unknown', { mode: 'unknown', kind: 'call', span: callSpan, description: 'a value not passed by the caller' }));
      } else out = union(out, callerState.lookup(t));
    }
    return out;
  }

  private compose(caller: State, callee: State, translate: (key: string) => string | undefined, callSpan: Span): State {
    let st = caller;
    const keys = callee.keys().sort((a, b) => a.length - b.length);
    for (const k of keys) {
      const t = translate(k);
      if (!t) continue;
      const raw = callee.vals.get(k) as Val;
      // (An alias in the callee, `net = model`, stands for what it names there.)
      const v = hasAlias(raw) ? callee.lookup(k) : raw;
      const sub = this.substitute(v, caller, translate, callSpan);
      const keepsEntry = [...v.values()].some((f) => f.mode === 'entry' && f.key === k);
      st = keepsEntry ? st.merge(t, sub) : st.set(t, sub);
    }
    return st;
  }

  /** Whether a call's arguments name a model. */
  private passesModel(args: CallArgs, ctx: Ctx): boolean {
    // (Loops, not closures: this runs for most calls of a workspace lint.)
    const positional = args.positional;
    for (let i = 0; i < positional.length; i++) if (this.namesModel(positional[i], ctx)) return true;
    const keywordValues = args.keywordValues;
    for (let i = 0; i < keywordValues.length; i++) if (this.namesModel(keywordValues[i], ctx)) return true;
    return false;
  }

  /** Whether an argument is a model of the caller's (not `self`, not an optimizer). */
  private namesModel(a: Node, ctx: Ctx): boolean {
    const k = keyOf(a);
    return k !== undefined && k !== 'self' && this.host.isModelish(ctx.fn, k) && !this.host.isOptimizer(ctx.fn, k);
  }

  /** A method called on a holder instance (`trainer.fit(10)`), the file's own or another file's class's. */
  private applyHeld(m: HeldMethod, call: Node, state: State, ctx: Ctx, receiver: string | undefined): State {
    if (m.imported) return this.applyImported(m.imported, call, state, ctx, m.held, receiver);
    return m.method ? this.apply(m.method, call, state, ctx, receiver, this.summary(m.method), m.held) : state;
  }

  /**
   * A call of a function of another file (`imported`, its summary as plain data): its events
   * happen at the call, in the caller's terms, and the models passed to it leave it in the modes
   * it left them in, as the file's own helpers' summaries apply (`apply`).
   */
  private applyImported(imported: ImportedFunction, call: Node, state: State, ctx: Ctx, held?: HeldObjects, selfKey?: string): State {
    const callSpan = spanOf(call);
    // (The function as the summary machinery sees one: its parameters and locals translate keys; it has no body or definition node here, so the call stands for it.)
    const callee: Fn = { name: imported.name, key: `${imported.file}#${imported.cls !== undefined ? `${imported.cls}.` : ''}${imported.name}`, statement: undefined, node: call, body: null, params: imported.params, cls: held ? held.cls : undefined, isModule: false, noGradDecorator: undefined, parent: undefined, locals: new Set(imported.locals) };
    // (A method's `self` is the instance the call is made on, not an argument.)
    const params = held && imported.params[0] === 'self' ? imported.params.slice(1) : imported.params;
    const stateOf = (keys: readonly ImportedKey[]): State => {
      let st = State.EMPTY;
      // (Outer keys first: setting one drops the keys under it.)
      for (const k of [...keys].sort((a, b) => a.key.length - b.key.length)) {
        let v: Val = new Map();
        for (const f of k.facts) {
          const fact = f.mode === 'entry' ? val({ mode: 'entry', origin: -1, key: f.key ?? k.key }) : this.modeVal(f.mode, { mode: f.mode, kind: 'call', span: callSpan, description: f.description ?? `${imported.name}(...)` });
          v = union(v, fact);
        }
        st = st.set(k.key, v);
      }
      return st;
    };
    const stmt = statementOf(call);
    const outer = outerStatement(call);
    // Of the other file's events, those about what this file passes as a model (a `criterion`
    // the other file switches, and so follows, is no model here).
    const args = callArgs(call);
    const passedModel = (key: string, facts?: ModelFacts): boolean => {
      const root = rootOf(key);
      if (held && root === 'self') {
        // An attribute holding what the constructor's caller passed (`self.model = model`), or a model the other file knows the class built.
        const kept = held.attributes.get(key.split('.')[1] ?? '');
        return kept !== undefined ? this.host.isModelish(ctx.fn, kept) || kept.includes('(') : facts !== undefined;
      }
      const i = params.indexOf(root);
      const a = i < 0 ? undefined : (args.keywords.get(root) ?? args.positional[i]);
      if (!a) return false;
      const k = keyOf(a);
      return k !== undefined ? this.host.isModelish(ctx.fn, k) : unparen(a).type === 'call' && this.host.constructs(unparen(a), ctx.fn) !== undefined;
    };
    const relevant = imported.events.filter((e) => (e.kind === 'step' ? e.trainedKeys.some((k) => passedModel(k)) : passedModel(e.key, e.facts)));
    const events: FlowEvent[] = relevant.map((e) => ({
      kind: e.kind,
      detail: e.detail,
      ...(e.step ? { step: e.step } : {}),
      span: callSpan,
      statementSpan: spanOf(stmt),
      indent: indentOf(this.host.text, stmt),
      outerStatementSpan: spanOf(outer),
      outerIndent: indentOf(this.host.text, outer),
      noGradStatement: undefined,
      key: e.key,
      state: stateOf(e.state),
      fn: callee,
      reason: e.reason,
      ...(e.weakReason ? { weakReason: true } : {}),
      noGrad: e.noGrad !== undefined ? callSpan : undefined,
      via: [],
      chain: [imported.name],
      loaderKey: e.loaderKey,
      facts: e.facts,
      siteKey: e.key,
      trainedKeys: e.trainedKeys.filter((k) => passedModel(k)),
      owner: callee,
      assume: NO_ASSUME,
      inUnitTest: e.inUnitTest,
      ...(e.resultDropped ? { resultDropped: true } : {}),
      imported: { function: imported.name, file: imported.file, line: e.line, ...(e.noGrad !== undefined ? { noGrad: e.noGrad } : {}) },
    }));
    const after = this.apply(callee, call, state, ctx, selfKey, { exit: stateOf(imported.exit), events, returns: undefined, ...(imported.freezes ? { freezes: imported.freezes, file: imported.file } : {}) }, held);
    // A model passed as a parameter the other file does not follow as one: what it is left in is not known (an opaque call).
    let st = after;
    params.forEach((p, i) => {
      const a = args.keywords.get(p) ?? args.positional[i];
      if (a && !imported.modelParams.includes(p)) st = this.unknownAfter(a, st, call.childForFieldName('function') ?? call, call, ctx);
    });
    return st;
  }

  private apply(callee: Fn, call: Node, entered: State, ctx: Ctx, selfKey: string | undefined, summary = this.summary(callee), held?: HeldObjects): State {
    const callSpan = spanOf(call);
    if (!summary) return entered; // recursion: no effect assumed
    const state = this.builtInArguments(call, entered, ctx);
    const translate = this.translator(callee, call, ctx, held ? selfKey : (selfKey ?? (ctx.fn.cls && callee.cls ? 'self' : undefined)), held);
    // A callee that runs a training step itself (an LR finder's `_train_batch()` called from its
    // `range_test()`) trains: its forwards are not inference because of the caller's name.
    const byCallerName = this.inferenceByName(ctx.fn) && !summary.events.some((e) => e.kind === 'step');
    for (const e of summary.events) {
      if (ctx.sink.length >= MAX_EVENTS) break;
      // Events about the callee's own local models are complete in its own summary. (Not those of a
      // local bound to the caller's model, `net = model`: its mode on entry is the caller's. A local's
      // own mode on entry, as an instance's attribute no `__init__` set has, is no caller's.)
      const keys = e.kind === 'step' ? e.trainedKeys : [e.key];
      const ownLocal = (k: string) => callee.locals.has(rootOf(k)) && !callee.params.includes(rootOf(k));
      if (keys.length > 0 && keys.every((k) => ownLocal(k) && ![...e.state.lookup(k).values()].some((f) => f.mode === 'entry' && !ownLocal(f.key)))) continue;
      const key = e.key === '' ? '' : (translate(e.key) ?? `${callee.name}>${e.key}`);
      const composed = this.compose(state, e.state, translate, callSpan);
      const facts = e.facts ?? (key ? this.host.factsFor(ctx.fn, key) : undefined);
      // (A reason from the callee's surroundings stands where this caller evaluates too, and then no longer is weak.)
      const evaluatesHere = byCallerName || ctx.inferenceLoop !== undefined;
      const trainsHere = e.weakReason === true && !evaluatesHere && (functionHasTrainingStep(ctx.fn) || insideTrainingLoop(call));
      const reason = (trainsHere ? undefined : e.reason) ?? (byCallerName ? `called from ${ctx.fn.name}()` : ctx.inferenceLoop ? `called in a loop over ${ctx.inferenceLoop}` : undefined);
      const weakReason = e.weakReason === true && !evaluatesHere && reason === e.reason;
      ctx.sink.push({
        ...e,
        key,
        state: composed,
        facts,
        reason,
        weakReason,
        noGrad: e.noGrad ?? ctx.noGrad,
        via: [callSpan, ...e.via],
        chain: [...e.chain, ctx.fn.name],
        loaderKey: e.loaderKey ? (translate(e.loaderKey) ?? undefined) : ctx.loopLoader,
        trainedKeys: e.trainedKeys.map((k) => translate(k) ?? `${callee.name}>${k}`),
        owner: ctx.fn,
        assume: [...ctx.assume, ...e.assume],
        inUnitTest: e.inUnitTest || this.host.isUnitTest(ctx.fn),
      });
    }
    this.noteFreezes(callee, summary, translate, call, callSpan, ctx);
    if (!summary.exit) return state;
    this.noteBatchNormFreezes(summary.exit, translate, call, callSpan, ctx);
    return this.compose(state, summary.exit, translate, callSpan);
  }

  /**
   * The parameters a call freezes of the caller's models (`set_parameter_requires_grad(model_ft,
   * feature_extract)`, `model.freeze_backbone()`, a function of another file): each freeze of the
   * callee on what it is given, translated, where the value of the parameter it depends on (`if
   * feature_extracting:`) says it runs; not when that value is not known.
   */
  private noteFreezes(callee: Fn, summary: Summary, translate: (key: string) => string | undefined, call: Node, callSpan: Span, ctx: Ctx): void {
    const freezes = summary.freezes ?? (callee.body ? this.host.gradFreezesOf(callee) : NO_FREEZES);
    if (freezes.length === 0) return;
    const group = this.current();
    if (!group) return;
    for (const f of freezes) {
      if (f.condition && !this.conditionHolds(callee, call, f.condition)) continue;
      const t = translate(f.target);
      if (t === undefined || t.includes('>')) continue;
      const where = summary.file !== undefined ? `${summary.file}:${f.line}` : `line ${f.line}`;
      group.freezeCalls.set(`${call.startIndex}:${t}`, { span: callSpan, target: t, kind: f.kind, fn: ctx.fn.name, ...(f.selection ? { selection: f.selection } : {}), by: { function: callee.name, where } });
    }
  }

  /** Whether a call passes a value that makes `condition` (a test of a parameter of `callee`) hold; false when not known. */
  private conditionHolds(callee: Fn, call: Node, condition: NonNullable<CalleeFreeze['condition']>): boolean {
    const args = callArgs(call);
    const params = passedParams(callee);
    const i = params.indexOf(condition.param);
    const given = args.keywords.get(condition.param) ?? (i >= 0 ? args.positional[i] : undefined);
    const value = given ? this.host.truthOf(given) : args.hasSplat ? undefined : condition.byDefault;
    return value !== undefined && value !== condition.negated;
  }

  /**
   * A call that leaves BatchNorm layers of the caller's model in eval mode on every path
   * (`model.freeze_bn()` of a method looping over `self.modules()`, `fix_bn(net)` of a helper):
   * a BatchNorm switch at the call, on the caller's model, as the loop written in place is. (The
   * switch inside the callee is on its `self` or parameter: no model of the caller's.)
   */
  private noteBatchNormFreezes(exit: State, translate: (key: string) => string | undefined, call: Node, callSpan: Span, ctx: Ctx): void {
    for (const [k, v] of exit.vals) {
      if (!k.endsWith(BATCHNORM_SUFFIX) || v.size === 0) continue;
      let allEval = true;
      for (const f of v.values()) if (f.mode !== 'eval') allEval = false;
      const t = allEval ? translate(k) : undefined;
      if (t === undefined || t.includes('>') || !t.endsWith(BATCHNORM_SUFFIX)) continue;
      this.current()?.switches.set(call.startIndex, { span: callSpan, target: t.slice(0, -BATCHNORM_SUFFIX.length), op: 'eval', scope: 'batchnorm', fn: ctx.fn.name });
    }
  }

  /**
   * The caller's state with the models built in a call's arguments (`train(MLP(), loader)`) in the
   * mode they are built in, under their text (`MLP()`: the callee's parameter stands for it).
   */
  private builtInArguments(call: Node, state: State, ctx: Ctx): State {
    let st = state;
    const args = callArgs(call);
    for (const a of [...args.positional, ...args.keywordValues]) {
      const inner = unparen(a);
      if (inner.type !== 'call') continue;
      const c = this.host.constructs(inner, ctx.fn);
      const key = c ? modelKey(inner) : undefined;
      if (c?.sharesModesOf && key) st = st.set(key, state.lookup(c.sharesModesOf));
      else if (c && key) st = st.set(key, this.builtVal(c, inner, state));
    }
    return st;
  }

  /**
   * The modes of what `call` constructs (`c`): the mode it starts in; for a container of other
   * models' modules (`ConstructionOrigin.holds`), theirs (in `state`), with the mode it starts in
   * only when it adds mode-dependent layers of its own.
   */
  private builtVal(c: ConstructionOrigin, call: Node, state: State): Val {
    const own = (): Val => this.modeVal(c.mode, { mode: c.mode, kind: c.mode === 'eval' ? 'library' : 'construction', span: spanOf(call), description: c.description, at: c.at, ...(c.detail ? { detail: c.detail } : {}) });
    if (!c.holds) return own();
    let v: Val = c.holds.own ? own() : new Map();
    for (const k of c.holds.keys) v = union(v, state.lookup(k));
    return v;
  }

  // ---------------------------------------------------------------- events

  /** The function, or one enclosing it, is a unit test. */
  private unitTestScope(fn: Fn): boolean {
    for (let f: Fn | undefined = fn; f; f = f.parent) if (this.host.isUnitTest(f)) return true;
    return false;
  }

  /** A function whose name says it evaluates, predicts or samples (`validate`, `run_test`). */
  private inferenceByName(fn: Fn): boolean {
    return !fn.isModule && (soundsLikeInference(fn.name) || servesPredictions(fn)) && !this.host.isUnitTest(fn) && !this.host.lightningHook(fn);
  }

  private event(kind: FlowEvent['kind'], detail: string, call: Node, key: string, state: State, ctx: Ctx, step?: FlowEvent['step']): void {
    if (ctx.sink.length >= MAX_EVENTS) return;
    const stmt = statementOf(call);
    let reason: string | undefined;
    let weakReason = false;
    if (kind === 'forward' && !this.host.lightningHook(ctx.fn)) {
      if (this.inferenceByName(ctx.fn) && !functionHasTrainingStep(ctx.fn)) reason = `in ${ctx.fn.name}()`;
      else if (ctx.inferenceLoop) reason = `in a loop over ${ctx.inferenceLoop}`;
      else if (ctx.noGrad && !soundsLikeTraining(ctx.fn.name) && !functionHasTrainingStep(ctx.fn) && !insideTrainingLoop(call)) {
        reason = 'outside any training loop';
        weakReason = true;
      }
      const assigned = stmt.namedChildren[0]?.type === 'assignment' ? keyOf(stmt.namedChildren[0].childForFieldName('left')) : undefined;
      if (!reason && assigned && /^(pred|preds|prediction|predictions|logits_test|test_out|y_pred|y_hat_test)$/i.test(assigned) && !functionHasTrainingStep(ctx.fn) && !insideTrainingLoop(call) && !feedsLoss(ctx.fn, assigned)) {
        reason = `result named ${assigned}`;
        weakReason = true;
      }
    }
    const trainedKeys = kind === 'step' ? trainedModels(ctx.fn, this.host, call) : [];
    const outer = outerStatement(call);
    const withStmt = ctx.noGrad ? noGradWith(call, ctx.noGrad) : undefined;
    ctx.sink.push({
      kind,
      detail,
      ...(step ? { step } : {}),
      span: spanOf(call),
      statementSpan: spanOf(stmt),
      indent: indentOf(this.host.text, stmt),
      outerStatementSpan: spanOf(outer),
      outerIndent: indentOf(this.host.text, outer),
      noGradStatement: withStmt ? { span: spanOf(withStmt), indent: indentOf(this.host.text, withStmt) } : undefined,
      key,
      state,
      fn: ctx.fn,
      reason,
      ...(weakReason ? { weakReason } : {}),
      noGrad: ctx.noGrad,
      via: [],
      chain: [ctx.fn.name],
      loaderKey: ctx.loopLoader,
      facts: key ? this.host.factsAt(ctx.fn, key, call.startIndex) : undefined,
      siteKey: key,
      trainedKeys,
      owner: ctx.fn,
      assume: ctx.assume,
      inUnitTest: this.unitTestScope(ctx.fn),
      ...(kind === 'forward' && ctx.noGrad && resultDropped(ctx.fn, call, stmt) ? { resultDropped: true } : {}),
    });
  }
}

/** The statement holding `node` that sits directly in a function body or the module. */
function outerStatement(node: Node): Node {
  let last: Node = node;
  for (let n: Node | null = node; n; n = n.parent) {
    const p: Node | null = n.parent;
    if (!p) return last;
    if (p.type === 'module' || (p.type === 'block' && p.parent?.type === 'function_definition')) return n;
    last = n;
  }
  return last;
}

/** The `with` statement whose item is the no-grad call `span`, when it encloses `node`. */
function noGradWith(node: Node, span: Span): Node | undefined {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return undefined;
    if (n.type === 'with_statement' && n.startIndex <= span.startOffset && span.endOffset <= n.endIndex) return n;
  }
  return undefined;
}

/** The first loop variable `inner` binds to modules that `ctx` does not (or binds otherwise). (A function: a closure in `loop` would make each of its calls allocate a context.) */
function newModuleLoop(ctx: Ctx, inner: Ctx): string | undefined {
  for (const [v, loop] of inner.moduleLoops) if (!ctx.moduleLoops.has(v) || ctx.moduleLoops.get(v) !== loop) return v;
  return undefined;
}

/**
 * The branch of an `if` statement that runs when its tests compare loop variables bound to
 * literals (`literals`) with strings (`phase == 'train'`, `phase != "val"`, `phase in ('val',
 * 'test')`): the block of the first test that holds, null when none holds and there is no
 * `else`; undefined when a test before the one that holds is of another kind.
 */
function decidedBranch(s: Node, literals: ReadonlyMap<string, string>): Node | null | undefined {
  const tests: { condition: Node | null; block: Node | null }[] = [{ condition: s.childForFieldName('condition'), block: s.childForFieldName('consequence') }];
  let otherwise: Node | null = null;
  for (const alt of s.childrenForFieldName('alternative')) {
    if (alt.type === 'elif_clause') tests.push({ condition: alt.childForFieldName('condition'), block: alt.childForFieldName('consequence') });
    else if (alt.type === 'else_clause') otherwise = alt.childForFieldName('body');
  }
  for (const t of tests) {
    const holds = t.condition ? literalTest(t.condition, literals) : undefined;
    if (holds === undefined) return undefined;
    if (holds) return t.block;
  }
  return otherwise;
}

/** Whether a comparison of a bound loop variable with a string (or a list or tuple of strings) holds; undefined when it is no such test. */
function literalTest(condition: Node, literals: ReadonlyMap<string, string>): boolean | undefined {
  const c = unparen(condition);
  if (c.type === 'not_operator') {
    const inner = c.childForFieldName('argument');
    const v = inner ? literalTest(inner, literals) : undefined;
    return v === undefined ? undefined : !v;
  }
  if (c.type !== 'comparison_operator') return undefined;
  const ops = c.childrenForFieldName('operators');
  const [a, b] = c.namedChildren;
  if (ops.length !== 1 || !a || !b) return undefined;
  const op = ops[0].type;
  const bound = (n: Node) => (n.type === 'identifier' ? literals.get(n.text) : undefined);
  const text = (n: Node) => {
    const v = literalValue(n);
    return v.kind === 'string' ? String(v.value) : undefined;
  };
  if (op === '==' || op === '!=') {
    const x = bound(a) ?? bound(b);
    const y = bound(a) !== undefined ? text(b) : text(a);
    if (x === undefined || y === undefined) return undefined;
    return (x === y) === (op === '==');
  }
  if (op === 'in' || op === 'not in') {
    const x = bound(a);
    const u = unparen(b);
    if (x === undefined || (u.type !== 'list' && u.type !== 'tuple' && u.type !== 'set')) return undefined;
    const names = u.namedChildren.map(text);
    if (names.some((n) => n === undefined)) return undefined;
    return names.includes(x) === (op === 'in');
  }
  return undefined;
}

/**
 * A branch condition as a guard atom: `+cond` where it holds (`positive`), `-cond` where it does
 * not, with `cond` its text (spaces collapsed). A test of a name's truth is written as the name
 * (see `testedOperand`): `(train == True)`, `train is True` and `not not train` are `+train`;
 * `train == False` and `not train` are `-train`. So two tests of one flag written differently
 * still contradict.
 */
function conditionAtom(condition: Node | null, positive: boolean): string {
  const t = testedOperand(condition);
  const holds = t.holds === positive;
  return `${holds ? '+' : '-'}${t.subject ? t.subject.text.replace(/\s+/g, ' ') : '?'}`;
}

/** An `assert` whose condition is a false literal (`assert False`, `assert 0, "..."`): it always raises. */
function alwaysFails(s: Node): boolean {
  const condition = s.namedChildren[0];
  if (!condition) return false;
  const v = literalValue(unparen(condition));
  return (v.kind === 'bool' && !v.value) || (v.kind === 'number' && v.value === 0);
}

/** The keys whose value some branch's normal exit has other than `before`. */
function changedKeys(flows: readonly Flow[], before: State): string[] {
  const out = new Set<string>();
  for (const f of flows) {
    const after = f.normal;
    if (!after || after === before) continue;
    for (const k of after.keys()) if (after.lookup(k) !== before.lookup(k)) out.add(k);
  }
  return [...out];
}

function merge(flows: readonly Flow[]): Flow {
  const normal = State.join(flows.map((f) => f.normal));
  // (Most branches only fall through: then so does the whole, with no lists made.)
  let transfers = false;
  for (let i = 0; i < flows.length && !transfers; i++) transfers = flows[i].breaks.length > 0 || flows[i].conts.length > 0 || flows[i].rets.length > 0;
  if (!transfers) return fallThrough(normal);
  return {
    normal,
    breaks: flows.flatMap((f) => f.breaks),
    conts: flows.flatMap((f) => f.conts),
    rets: flows.flatMap((f) => f.rets),
  };
}

function pushEvents(sink: FlowEvent[], events: readonly FlowEvent[]): void {
  for (const e of events) {
    if (sink.length >= MAX_EVENTS) return;
    sink.push(e);
  }
}

/** `model.train()`, `.train(False)`, `.train(mode)`, `.train(mode=is_training)`; not `tokenizer.train(files)`. */
function isModeArgument(args: ReturnType<typeof callArgs>): boolean {
  if (args.hasSplat) return false;
  const n = args.positional.length + args.keywords.size;
  if (n === 0) return true;
  if (n > 1) return false;
  const a = args.positional[0] ?? args.keywords.get('mode');
  if (!a) return false;
  if (literalValue(a).kind === 'bool') return true;
  const k = keyOf(a);
  return k !== undefined && /mode|train|flag|is_|enable/.test(k.toLowerCase());
}

function copyKey(state: State, source: string, target: string): State {
  let st = state.set(target, state.lookup(source));
  for (const k of state.keys()) {
    if (k !== source && isUnder(k, source)) st = st.set(target + k.slice(source.length), state.lookup(k));
  }
  return st;
}

/** `n` is an argument of a `range(...)` call within `iter`. */
function insideRangeCall(n: Node, iter: Node): boolean {
  for (let p = n.parent; p && p.startIndex >= iter.startIndex && p.endIndex <= iter.endIndex; p = p.parent) {
    if (p.type === 'call' && p.childForFieldName('function')?.text === 'range') return true;
    if (p.equals(iter)) break;
  }
  return false;
}

function findCall(node: Node, pred: (c: Node) => boolean): Node | undefined {
  if (node.type === 'call' && pred(node)) return node;
  for (const c of node.type === 'call' ? (node.childForFieldName('arguments')?.namedChildren ?? []) : []) {
    const found = findCall(c, pred);
    if (found) return found;
  }
  return undefined;
}

/** The text of the `if` conditions and `isinstance` checks inside a loop body (for BatchNorm filters). */
function conditionsText(body: Node): string {
  const parts: string[] = [];
  for (const n of body.descendantsOfType(['if_statement', 'elif_clause', 'conditional_expression'])) {
    const c = n.childForFieldName('condition') ?? n.namedChildren[1];
    if (c) parts.push(c.text);
  }
  return parts.join('\n');
}

function enclosingFunction(node: Node): Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'function_definition') return n;
  return undefined;
}

function enclosingFunctionName(node: Node): string | undefined {
  return enclosingFunction(node)?.childForFieldName('name')?.text;
}

function ctx_fn_text(node: Node): string | undefined {
  let n: Node | null = enclosingFunction(node) ?? null;
  if (!n) for (n = node; n.parent; n = n.parent);
  return n?.text;
}

/** Inside a loop (of the same function) whose body holds a training step: e.g. samples drawn for logging during training. */
function insideTrainingLoop(node: Node): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return false;
    if (n.type === 'for_statement' || n.type === 'while_statement') {
      if (n.childForFieldName('body')?.descendantsOfType('call').some(trainingStepCall)) return true;
    }
  }
  return false;
}

const stepCache = new WeakMap<Fn, boolean>();

/** Whether a function's own body holds a training step (`.backward()`, `optimizer.step()`). */
export function functionHasTrainingStep(fn: Fn): boolean {
  let v = stepCache.get(fn);
  if (v === undefined) {
    v = !fn.isModule && (fn.body?.descendantsOfType('call').some(trainingStepCall) ?? false);
    stepCache.set(fn, v);
  }
  return v;
}

/**
 * The models a training step in `fn` (the call `step`) trains: those run (or handed to helpers)
 * outside no_grad in the innermost loop around it that runs any (a script training two models in
 * two loops: each loop's own), else in the whole function.
 */
function trainedModels(fn: Fn, host: FlowHost, step: Node): string[] {
  const body = fn.body;
  if (!body) return [];
  for (let p = step.parent; p && p.startIndex >= body.startIndex && !p.equals(body); p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'class_definition') break;
    if (p.type !== 'for_statement' && p.type !== 'while_statement') continue;
    const inLoop = modelsRunIn(p, fn, host);
    if (inLoop.length > 0) return inLoop;
  }
  return modelsRunIn(body, fn, host);
}

/** The models run (or handed to helpers) outside no_grad in `node`, a part of `fn`'s body. */
function modelsRunIn(node: Node, fn: Fn, host: FlowHost): string[] {
  const out = new Set<string>();
  for (const call of host.callsIn(node)) {
    if (insideNoGrad(call, host)) continue;
    const callee = host.callee(call);
    const k = callee.key;
    // (A method that reads or configures the model, `model.load_state_dict(...)`, or switches its
    // mode, `model.train()`, does not run it.)
    const runs = !(callee.f && notARun(callee.f)) && callee.attr !== 'train' && callee.attr !== 'eval';
    if (k && runs && host.isModelish(fn, k) && k !== 'self') out.add(rootKey(k));
    for (const a of callArgs(call).positional) {
      const ak = keyOf(a);
      if (ak && ak !== 'self' && host.isModelish(fn, ak) && !host.isOptimizer(fn, ak) && !words(ak).includes('teacher') && !words(ak).includes('ema')) out.add(rootKey(ak));
    }
  }
  return [...out].filter((k) => !words(k).includes('teacher') && !words(k).includes('ema'));
}

/**
 * Nothing reads the result of `call`: it is the whole statement (`model(x)`), or the statement
 * assigns it to a name the function (module) never reads (`x = net(z)`, `_ = model(batch)`; a
 * `global` / `nonlocal` statement naming it counts as a read). Only what the forward does to the
 * model stays: the running statistics its BatchNorm layers update.
 */
function resultDropped(fn: Fn, call: Node, stmt: Node): boolean {
  if (stmt.type !== 'expression_statement') return false;
  const first = stmt.namedChildren[0];
  if (stmt.namedChildCount !== 1 || !first) return false;
  if (first.equals(call)) return true;
  if (first.type !== 'assignment' || !first.childForFieldName('right')?.equals(call)) return false;
  const left = first.childForFieldName('left');
  if (left?.type !== 'identifier' || !fn.body) return false;
  const name = left.text;
  for (const id of fn.body.descendantsOfType('identifier')) {
    if (id.text !== name) continue;
    const parent = id.parent;
    // A store: the left side of an assignment, or a name in a for loop's target.
    if (parent?.type === 'assignment' && parent.childForFieldName('left')?.equals(id)) continue;
    if (parent?.type === 'for_statement' && parent.childForFieldName('left')?.equals(id)) continue;
    return false;
  }
  return true;
}

/**
 * Whether a name's value goes into a loss in the function: an assignment to a name that says
 * `loss` reads it (`loss = criterion(y_pred, y)` in a forward pass whose backward is elsewhere).
 */
function feedsLoss(fn: Fn, name: string): boolean {
  for (const a of fn.body?.descendantsOfType(['assignment', 'augmented_assignment']) ?? []) {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (!left || !right || !/loss/i.test(left.text)) continue;
    if (right.type === 'identifier' ? right.text === name : right.descendantsOfType('identifier').some((n) => n.text === name)) return true;
  }
  return false;
}

function rootKey(k: string): string {
  return k.startsWith('self.') ? k.split('.').slice(0, 2).join('.') : rootOf(k);
}

function insideNoGrad(node: Node, host: FlowHost): boolean {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return false;
    if (n.type === 'with_statement') {
      const clause = n.namedChildren.find((c) => c.type === 'with_clause');
      for (const item of clause?.namedChildren ?? []) {
        const v = item.childForFieldName('value');
        const value = v?.type === 'as_pattern' ? v.namedChildren[0] : v;
        if (value?.type === 'call') {
          const q = host.qualified(value.childForFieldName('function') as Node);
          if (q && NO_GRAD.has(q)) return true;
        }
      }
    }
  }
  return false;
}

/** The name a construction is assigned to (`trainer` of `trainer = Trainer(...)`), or undefined. */
function heldTarget(call: Node): string | undefined {
  const parent = call.parent;
  if (parent?.type !== 'assignment' || !parent.childForFieldName('right')?.equals(call)) return undefined;
  const left = parent.childForFieldName('left');
  return left?.type === 'identifier' ? left.text : undefined;
}

/** A mode origin's span and text, citing the place itself (`at line 12`: one span object for both). */
function citing(description: string, span: Span): { span: Span; description: string; at: Span } {
  return { span, description, at: span };
}
