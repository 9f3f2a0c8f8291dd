import { NodeCache, type SyntaxNode as Node, type SyntaxTree as Tree } from '../syntaxTree';
import type {
  DataLoaderIR,
  DistributedIR,
  FreezeIR,
  GradAccumIR,
  KnownValue,
  LayerFact,
  ModeAt,
  ModeOrigin,
  ModelFacts,
  ModelVariable,
  OptimizerIR,
  ParamGroupIR,
  SiteIR,
  TrainingIR,
  WeightLoadIR,
} from '../../../ir/training';
import { EMPTY_TRAINING } from '../../../ir/training';
import { boundAt, type Span } from '../../../ir/span';
import { collectImports, qualifiedName, type ImportTable } from '../imports';
import { dottedParts, literalValue, spanOf } from '../syntax';
import { AFFINE_NORM_KINDS, BN_KINDS, boolArguments, boundArguments, DROPOUT_KINDS, documentClassFacts, holdsClasses, isHolderClass, isModuleClass, isSynchronized, modelFactsOfClass, withBases, type BoolArguments, type ClassFacts } from './classes';
import { FlowGroup, FORWARD_DEFINITIONS, INERT_STATEMENTS, ModeAnalysis, NO_NAMES, noBindings, setBinding, type CalleeFreeze, type CalleeKeys, type BindingWrite, type ConstructionOrigin, type FlowEvent, type FlowHost, type Fn, type FunctionBindings, type GroupVariables, type HeldMethod, type HeldObjects } from './flow';
import { FlowKeeper } from './flowMemo';
import { importedFunction, type ImportedFunction, type ImportedFunctionLookup, type ImportedReturn, type Returned } from './importedFunctions';
import { FunctionTable } from './functionTable';
import { trainableAssignment } from './kerasTrainable';
import { isParameterLoop, paramCondition, parameterLoopFreeze } from './parameterFreeze';
import { PickedStatements } from './pickedStatements';
import { mmConfigFacts, type ConfigBaseLookup } from './mmConfig';
import { launcherCall, mayLaunch, type LauncherCall } from './launchers';
import { libraryModelFacts, loadsInEvalMode, OPTIMIZERS } from './library';
import { boundNames, type BoundNames } from './boundNames';
import { consistent, type Fact, type Val } from './state';
import { argFor, callArgs, calleeLastName, copiedModelKey, stringArgument, dictEntries, indentAt, indentOf, isUnder, keyOf, lastSegment, modelKey, secondSegment, rootOf, soundsLikeInference, soundsLikeTraining, statementOf, stepsAnOptimizer, trainingStepCall, unparen, words, wrappedModelKey, WRAPPING_FUNCTIONS, type CallArgs } from './util';
import { defaultValue, literalResolver, type ValueResolver } from './values';

/**
 * Facts of a model class imported from another workspace file (the workspace index answers), as
 * a construction builds it: `args`, the boolean values it passes (`MLP(use_bn=False)`), decide
 * the layers its `__init__` builds only under a condition on a parameter (see `ClassFacts.init`).
 */
export type ExternalClassLookup = (localName: string, qualified: string | undefined, args?: BoolArguments) => ModelFacts | undefined;

export interface TrainingOptions {
  readonly resolver?: ValueResolver;
  readonly external?: ExternalClassLookup;
  /** What functions imported from other workspace files do to the models passed to them (the workspace index answers). */
  readonly importedFunctions?: ImportedFunctionLookup;
  /** The `_base_` files of an OpenMMLab config (the workspace index answers). */
  readonly configBases?: ConfigBaseLookup;
  /** The file's import table when the caller already has it (the resolver's). */
  readonly imports?: ImportTable;
  /**
   * Interpret every method of the file's model classes, also those only a caller needs (see
   * `summarisedWhenAsked`): for tests checking that leaving them to their callers changes nothing.
   */
  readonly everyMethod?: boolean;
}

/** What may follow `test_` in an evaluation step's name; anything else (`test_drop_path_scaling`) names a unit test. */
const TEST_STEP_WORDS = new Set(['step', 'epoch', 'loop', 'batch', 'one', 'fn', 'model', 'data', 'dataset', 'set', 'loader', 'on']);
const WEIGHT_LOADS = new Set(['load_state_dict', 'load_weights', 'load_checkpoint', 'load_pretrained', 'init_from_checkpoint', 'load_from_checkpoint']);
const MODEL_WORDS = new Set(['model', 'models', 'net', 'network', 'encoder', 'decoder', 'backbone', 'generator', 'discriminator', 'classifier', 'student', 'teacher', 'critic', 'actor', 'policy', 'unet', 'vae', 'autoencoder', 'detector', 'segmenter', 'segmentor', 'resnet', 'cnn', 'mlp', 'transformer', 'ema']);
const NOT_MODEL_WORDS = new Set(['optimizer', 'optim', 'opt', 'scheduler', 'sched', 'loader', 'dataloader', 'dataset', 'criterion', 'loss', 'scaler', 'args', 'config', 'cfg', 'logger', 'writer', 'metric', 'metrics', 'path', 'dir', 'name', 'file', 'state', 'dict', 'params', 'tokenizer', 'processor']);

const NO_STAR_NAMES: ReadonlySet<string> = new Set();
/** tf.data methods that batch a dataset, with the position of their `drop_remainder` parameter. */
const TF_DATA_BATCHING = new Map([['batch', { dropRemainderAt: 1 }], ['padded_batch', { dropRemainderAt: 3 }]]);
/** tf.data methods whose result has the batches of their receiver (element-wise or order-only steps). */
const TF_DATA_KEEPS_BATCHES = new Set(['prefetch', 'map', 'cache', 'repeat', 'shuffle', 'take', 'skip', 'filter', 'with_options', 'apply', 'ignore_errors', 'enumerate', 'shard', 'assert_cardinality']);
/** Methods of Keras' ImageDataGenerator that yield batches (`batch_size`, default 32). */
const KERAS_GENERATOR_FLOWS = new Set(['flow', 'flow_from_directory', 'flow_from_dataframe']);
/** Keras dataset utilities that yield batches, with their default `batch_size`. */
const TF_DATA_UTILITIES = new Map([['image_dataset_from_directory', 32], ['text_dataset_from_directory', 32], ['audio_dataset_from_directory', 32], ['timeseries_dataset_from_array', 128]]);
/** Methods that return the model they are called on (`Net().cuda()` builds a `Net`). */
/** The detail of a construction's mode origin. */
const TRAINING_MODE = '(modules start in training mode)';

const MOVES = new Set(['to', 'cuda', 'cpu', 'float', 'half', 'double', 'bfloat16', 'train', 'to_empty']);
/** Wrappers whose first argument is the model (`DDP(Net())` builds a `Net`). */
/** Keras optimizers (`keras.optimizers.AdamW`, `tf.keras.optimizers.SGD`). */
const KERAS_OPTIMIZER = /^(tensorflow\.)?(keras|tf_keras)\.(src\.)?optimizers\./;

/** torch.nn layers whose behaviour does not depend on train/eval mode (see `sequentialFacts`). */
/** Keras layers without a training mode of their own (as `MODE_FREE_LAYERS`; recurrent layers, whose `dropout` may be set, are not). */
const KERAS_MODE_FREE_LAYERS = /^(Dense|Flatten|Reshape|Permute|RepeatVector|Input|InputLayer|Embedding|Activation|ReLU|LeakyReLU|PReLU|ELU|Softmax|Identity|Rescaling|Resizing|CenterCrop|(Separable|Depthwise)?Conv[123]D(Transpose)?|(Max|Average|Avg)Pool(ing)?[123]D|Global(Max|Average|Avg)Pool(ing)?[123]D|ZeroPadding[123]D|Cropping[123]D|UpSampling[123]D)$/;
const MODE_FREE_LAYERS = /^(Lazy)?(Linear|Conv[123]d|ConvTranspose[123]d|Bilinear)$|^(ReLU|ReLU6|LeakyReLU|PReLU|ELU|SELU|CELU|GELU|SiLU|Mish|Tanh|Sigmoid|Hardtanh|Hardswish|Hardsigmoid|Softplus|Softsign|Tanhshrink|Softmax|LogSoftmax|Softmin|Identity|Flatten|Unflatten|Embedding|Upsample|PixelShuffle|PixelUnshuffle|ZeroPad[123]d|ReflectionPad[123]d|ReplicationPad[123]d|ConstantPad[123]d)$|^(Adaptive)?(Max|Avg)Pool[123]d$/;
/** TensorFlow's strategies that split a Keras `fit` batch between replicas (tf.distribute). */
const REPLICA_STRATEGIES_LIST = ['MirroredStrategy', 'MultiWorkerMirroredStrategy', 'TPUStrategy'];
/** The callees (last name) `distributed()` and `gradAccum()` look at. */
const DISTRIBUTED_CALLS = new Set(['DistributedDataParallel', 'DDP', 'DataParallel', 'DistributedSampler', 'convert_sync_batchnorm', 'get_world_size', 'Trainer', ...REPLICA_STRATEGIES_LIST]);
const GRAD_ACCUM_CALLS = new Set(['GradientAccumulationPlugin', 'Accelerator', 'initialize']);

function isOptimizerWord(w: string): boolean {
  return w === 'optimizer' || w === 'optim' || w === 'opt' || w === 'optimiser';
}

function isSchedulerWord(w: string): boolean {
  return w === 'sched' || w === 'scheduler';
}

/**
 * Whether a block steps an optimizer (`optimizer.step()`, `scaler.step(optimizer)`): an `if step %
 * n == 0:` around it accumulates gradients; one around `scheduler.step(val_score)` only evaluates
 * or logs every n steps.
 */
function blockStepsAnOptimizer(block: Node): boolean {
  return block.descendantsOfType('call').some(stepsAnOptimizer);
}

/**
 * A block that computes the gradients it steps with (`loss_G.backward()` in it): the update of a
 * WGAN's generator every `n_critic` batches, no accumulation over the batches in between.
 */
function blockRunsBackward(block: Node): boolean {
  return block.descendantsOfType('call').some((c) => {
    const f = c.childForFieldName('function');
    return f?.type === 'attribute' && f.childForFieldName('attribute')?.text === 'backward';
  });
}

function isModelName(name: string): boolean {
  const ws = words(name);
  if (ws.some((w) => NOT_MODEL_WORDS.has(w))) return false;
  return ws.some((w) => MODEL_WORDS.has(w)) || /^net[A-Z_]|^(G|D|netG|netD)$/.test(name);
}

function paramNames(params: Node | null): string[] {
  const out: string[] = [];
  for (const p of params?.namedChildren ?? []) {
    if (p.type === 'identifier') out.push(p.text);
    else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      const n = p.childForFieldName('name');
      if (n) out.push(n.text);
    } else if (p.type === 'typed_parameter') {
      const n = p.namedChildren.find((c) => c.type === 'identifier');
      if (n) out.push(n.text);
    }
  }
  return out;
}

/** Per body node (nodes are immutable and survive edits of other statements). */
const ASSIGNED = new NodeCache<ReadonlySet<string>>();

/**
 * A node's calls in evaluation order (`callsIn`): the calls of its subtree outside nested scopes,
 * so kept on the node (the mode analysis asks again at each pass through a loop, and after edits).
 */
const CALLS_IN = new NodeCache<readonly Node[]>();

/**
 * One object per import table text (`importsKey`): what is kept on a node and depends on the
 * imports too (a callee's qualified name) says which table it was read under, and is read again
 * under another. A few tables are remembered so that files analysed in turn keep their own.
 */
interface ImportsToken {
  readonly key: string;
}
const IMPORTS_TOKENS = new Map<string, ImportsToken>();

function importsToken(imports: ImportTable): ImportsToken {
  const key = importsKey(imports);
  let token = IMPORTS_TOKENS.get(key);
  if (token) {
    IMPORTS_TOKENS.delete(key);
  } else {
    token = { key };
    if (IMPORTS_TOKENS.size >= 16) IMPORTS_TOKENS.delete(IMPORTS_TOKENS.keys().next().value as string);
  }
  IMPORTS_TOKENS.set(key, token);
  return token;
}

function importsKey(imports: ImportTable): string {
  let key = imports.starModules.join(',');
  for (const [alias, target] of imports.aliases) key += `;${alias}=${target}`;
  return key;
}

/**
 * A call and what every pass asks of it first, kept on the call node: its callee and arguments
 * never change, and its qualified name changes only with the imports, so the infos of unchanged
 * statements are reused across the analyses of an edited document. The qualified name is read
 * when first asked: the passes pick calls by their last name, and few are picked.
 */
class CallInfo implements CalleeKeys {
  /**
   * The method name when the callee is an attribute (`model.eval` -> `eval`), else undefined: the
   * passes pick calls by it alone (`c.attr === 'fit'`), without reading the callee's node.
   */
  readonly attr: string | undefined;
  /** The callee's name when it is a bare name (`Net(...)` -> `Net`). */
  readonly name: string | undefined;
  /** The last segment of `q` (see `calleeLastName`). */
  readonly last: string;
  readonly args: CallArgs;
  /** `imported` and `q` once read (`imported` may be undefined: `null` when not read yet). */
  private importedName: string | undefined | null = null;
  private qualifiedText: string | undefined;
  /** `receiver` and `key` once read (a key may be undefined: `null` when not read yet). */
  private receiverKey: string | undefined | null = null;
  private calleeKey: string | undefined | null = null;

  constructor(
    /** The import table the names are qualified with, and its token. */
    readonly imports: ImportsToken,
    private readonly table: ImportTable,
    readonly call: Node,
    readonly f: Node | null,
  ) {
    this.attr = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
    this.name = f?.type === 'identifier' ? f.text : undefined;
    this.last = f ? calleeLastName(f, table) : '';
    this.args = callArgs(call);
  }

  /** `keyOf` the callee's object when the callee is an attribute. */
  get receiver(): string | undefined {
    if (this.receiverKey === null) this.receiverKey = this.f?.type === 'attribute' ? keyOf(this.f.childForFieldName('object')) : undefined;
    return this.receiverKey;
  }

  /** `keyOf` the callee. */
  get key(): string | undefined {
    if (this.calleeKey === null) this.calleeKey = keyOf(this.f);
    return this.calleeKey;
  }

  /** The callee's import-qualified name, or undefined when its head is not imported. */
  get imported(): string | undefined {
    if (this.importedName === null) this.importedName = this.f ? qualifiedName(this.f, this.table, NO_STAR_NAMES) : undefined;
    return this.importedName;
  }

  /** `imported`, else the callee's dotted name, else ''. (The dotted name is made only when asked: `constructs` asks `imported` alone.) */
  get q(): string {
    if (this.qualifiedText === undefined) {
      const f = this.f;
      this.qualifiedText = this.imported ?? (f ? dottedParts(f)?.join('.') : undefined) ?? '';
    }
    return this.qualifiedText;
  }
}
const CALL_INFO = new NodeCache<CallInfo>();

/**
 * Per top-level statement, what each whole-file pass looks at (`TrainingBuilder.pick`), by pass;
 * like `CallInfo`, it depends on the statement's syntax and the import table only.
 */
interface StatementPicks {
  readonly imports: ImportsToken;
  /** By pass number (`PASSES`); undefined until the pass ran on the statement. */
  readonly byPass: (readonly unknown[] | undefined)[];
}

/** The passes whose picks are kept per statement, by name, with their slot in `StatementPicks.byPass`. */
const PASSES = {
  calls: 0, accelerators: 1, trainers: 2, switches: 3, optimizerVariables: 4, weightLoads: 5, loaders: 6, fits: 7, optimizers: 8, distributed: 9,
  moduloSteps: 10, lossAssignments: 11, accumulation: 12, parameterLoops: 13, requiresGrad: 14, 'training=': 15, flagAssignments: 16, flax: 17,
  assignments: 18, moduleAssignments: 19, trainerBases: 20, trainersOrClasses: 21, prepares: 22,
} as const;
type Pass = keyof typeof PASSES;
const PASS_COUNT = Object.keys(PASSES).length;
/** What most passes pick in most statements (one shared array, never modified). */
const NOTHING: readonly never[] = Object.freeze([]);
const PICKS = new NodeCache<StatementPicks>();
/** The model variables of a group that binds none (most): one shared object, never modified. */
const NO_VARIABLES: GroupVariables = Object.freeze({ refs: NOTHING, attrs: NOTHING });

function readCallInfo(call: Node, imports: ImportTable, token: ImportsToken): CallInfo {
  return new CallInfo(token, imports, call, call.childForFieldName('function'));
}


/**
 * The innermost function definition holding a node, or null when that is the module (or a
 * lambda comes first). A walk up a few parents: cheaper than keeping the answer per node.
 */
function enclosingDef(node: Node): Node | null {
  for (let n = node.parent; n; n = n.parent) {
    if (n.type === 'function_definition') return n;
    if (n.type === 'lambda') return null;
  }
  return null;
}

const ASSIGNMENT_KINDS = ['assignment', 'augmented_assignment'] as const;

/**
 * The function of a definition node (a definition without a name has none): set when the `Fn` is
 * made (`addFns`). An analysis makes the `Fn`s of every statement except those whose `Fn`s an
 * open document keeps from its last analysis (`FlowKeeper.functions`), and those were set when
 * made, on the same nodes; so every definition holds the `Fn` of the current analysis of its
 * tree. A slot on the node, where a map per analysis cost a rehash and an entry per function.
 */
const FN_OF_DEFINITION = new NodeCache<Fn>();

/** A top-level statement's function definitions (kept per statement node: most statements have none). */
const DEFINITIONS = new NodeCache<readonly Node[]>();

/** Whether a top-level statement holds a function definition (what the function table looks at). */
function hasDefinitions(statement: Node): boolean {
  return definitionsIn(statement).length > 0;
}

function definitionsIn(statement: Node): readonly Node[] {
  let defs = DEFINITIONS.get(statement);
  if (!defs) DEFINITIONS.set(statement, (defs = nothingIfEmpty(statement.descendantsOfType('function_definition'))));
  return defs;
}

function assignedNames(body: Node | null): ReadonlySet<string> {
  if (!body) return new Set();
  let names = ASSIGNED.get(body);
  if (!names) ASSIGNED.set(body, (names = readAssignedNames(body)));
  return names;
}

/** The names assigned in a body (asked with `has` only: their order does not matter, so each kind of assignment is read on its own). */
function readAssignedNames(body: Node): Set<string> {
  const out = new Set<string>();
  for (const kind of ASSIGNMENT_KINDS) {
    for (const a of body.descendantsOfType(kind)) {
      const left = a.childForFieldName('left');
      if (!left) continue;
      if (left.type === 'identifier') out.add(left.text);
      else if (left.type === 'pattern_list' || left.type === 'tuple_pattern') for (const c of left.namedChildren) if (c.type === 'identifier') out.add(c.text);
    }
  }
  for (const f of body.descendantsOfType('for_statement')) {
    const left = f.childForFieldName('left');
    if (left?.type === 'identifier') out.add(left.text);
    else for (const c of left?.descendantsOfType('identifier') ?? []) out.add(c.text);
  }
  return out;
}

/** An answer kept for the rest of an analysis, with the functions whose bindings it read. */
interface KeptAnswer<T> {
  readonly value: T;
  readonly read: readonly Fn[];
}

/**
 * Where a function's kept `factsFor` answers hold its last kept answer without facts that read
 * the bindings of n functions (n < 16): its next answers without facts that read the same share
 * it. No key: keys are dotted names.
 */
const NO_FACTS: readonly string[] = Array.from({ length: 16 }, (_, n) => `\0${n}`);

/** Whether `read` lists the functions of `reads[from, to)`, in order. */
function sameReads(read: readonly Fn[], reads: readonly Fn[], from: number, to: number): boolean {
  if (read.length !== to - from) return false;
  for (let i = 0; i < read.length; i++) if (read[i] !== reads[from + i]) return false;
  return true;
}

/** Which statements a pass picks from (`TrainingBuilder.pickingStatements`): those with calls, with assignments, or all. */
type Among = 'calls' | 'assignments' | undefined;

/** What a key says by itself about naming a model (see `TrainingBuilder.isModelish`). */
const enum KeyKind {
  /** Never a model (`self`, a callee's local, an optimizer). */
  Never,
  /** A model when it has model facts. */
  ByFacts,
  /** A model: its name says so (`model`, `self.net`, a root switched somewhere). */
  Named,
}

interface TrainerInfo {
  readonly framework: 'huggingface' | 'lightning';
  readonly call: Node;
  readonly fn: Fn;
  readonly variable: string | undefined;
  /** Hugging Face: the model given to the Trainer. */
  readonly model: string | undefined;
  /** Hugging Face: the `args=` node (a `TrainingArguments` variable or call). */
  readonly args: Node | undefined;
  /** `optimizers=(...)`, `optimizer_cls_and_kwargs=`, `**kwargs`, or a subclass building its own optimizer. */
  readonly customOptimizer: boolean;
}

/** Builds the training IR of one parsed file. Never throws on odd code: unknown stays unknown. */
export function trainingFromTree(tree: Tree, options: TrainingOptions = {}): TrainingIR {
  const imports = options.imports ?? collectImports(tree);
  const builder = new TrainingBuilder(tree, tree.text, imports, options);
  try {
    return builder.build();
  } finally {
    builder.release();
  }
}

/**
 * Text without which a method's own summary records nothing a caller's application of it does
 * not (see `summarisedWhenAsked`): mode switches (`.eval()`, `.train(...)`, `.apply(...)`),
 * gradient regions and freezes (`no_grad`, `requires_grad`), inference mode, training steps,
 * exports, saves and fusions, copies, and framework fits.
 */
const MAY_RECORD = /\.(eval|train|apply)\s*\(|grad|inference|backward|step|export|trace|script|save|fuse|copy|fit/;

/** A call of a method (or attribute) of `self`: `self._init_backbone(`, with the name. */
const SELF_CALL = /\bself\.(\w+)\s*\(/g;

/** A method's text that may switch a mode (`.eval()`, `.train(...)`): only such methods of a model class are summed up for other files. */
const MODE_SWITCH_TEXT = /\.(eval|train)\s*\(/;

/**
 * What the file's top-level functions do to the models passed to them, by name, as another
 * file applies it at a call (see importedFunctions.ts); `file`: the file's name in messages.
 */
export function importedFunctionsFromTree(tree: Tree, file: string, options: TrainingOptions = {}): ReadonlyMap<string, ImportedFunction> {
  const imports = options.imports ?? collectImports(tree);
  const builder = new TrainingBuilder(tree, tree.text, imports, options);
  try {
    return builder.importedFunctions(file);
  } finally {
    builder.release();
  }
}

class TrainingBuilder implements FlowHost {
  private readonly resolver: ValueResolver;
  private readonly classes: ReadonlyMap<string, ClassFacts>;
  /** The names of several classes of the file, with each definition in order (see `classesAt`); undefined in most files. */
  private readonly redefinedClasses: ReadonlyMap<string, readonly ClassFacts[]> | undefined;
  /** Ends this analysis's hold on `classes` (see `documentClassFacts`). */
  private readonly releaseClasses: () => void;
  /** The import table's token (see `CallInfo`, `StatementPicks`). */
  private readonly importsToken: ImportsToken;
  /** Functions by name (`f`) and methods by class and name (`Cls.f`), in document order (the table's). */
  private readonly fnsByName: ReadonlyMap<string, readonly Fn[]>;
  private readonly moduleFn: Fn;
  /** The names each scope binds itself (see `bindsItself`), read when first asked. */
  private readonly boundByScope = new Map<Fn, BoundNames>();
  /** The flow summaries an open document keeps between analyses (see flowMemo.ts). */
  private readonly keeper: FlowKeeper;
  /** Model facts that came from other files (the workspace index). */
  private readonly foreignFacts = new WeakSet<object>();
  /** Methods by class name, in document order (their `self.` attributes make the class's; the table's). */
  private readonly methods: ReadonlyMap<string, readonly Fn[]>;
  /** Functions whose bindings are being computed (see `bindingsOf`). */
  private readonly binding = new Set<Fn>();
  private readonly switchedRoots = new Set<string>();
  private readonly optimizerVars = new Set<string>();
  /** Variables assigned from `Accelerator(...)` / `Fabric(...)`. */
  private readonly accelerators = new Set<string>();
  /** Framework trainers (`trainer = Trainer(model=model, args=training_args)`), per function, by variable. */
  private readonly trainers = new Map<Fn, Map<string, TrainerInfo>>();
  /** Every framework trainer construction, assigned or not. */
  private readonly trainerCalls: TrainerInfo[] = [];
  private readonly analysis: ModeAnalysis;
  /** `returnFacts` answers, by function and place (-1: the whole value). */
  private readonly returnFactsCache = new Map<Fn, Map<number, ModelFacts | undefined>>();
  private readonly unitTests = new Map<Fn, boolean>();

  constructor(
    private readonly tree: Tree,
    readonly text: string,
    private readonly imports: ImportTable,
    private readonly options: TrainingOptions,
  ) {
    this.resolver = options.resolver ?? literalResolver;
    this.importsToken = importsToken(imports);
    this.picked = new PickedStatements(tree, this.importsToken);
    const classes = documentClassFacts(tree, imports, this.picked.statements('classes', holdsClasses));
    this.classes = classes.classes;
    this.redefinedClasses = classes.redefined;
    this.releaseClasses = classes.release;
    const root = tree.rootNode;
    this.keeper = new FlowKeeper(tree.memo, root, this.importsToken.key, assignedNames);
    this.moduleFn = this.keeper.moduleFn;
    const table = FunctionTable.for(tree, this.moduleFn);
    this.fnsByName = table.byName;
    this.methods = table.methods;
    for (const statement of this.picked.statements('definitions', hasDefinitions)) {
      // The functions of an unchanged statement are the same objects as last time (their summaries may be kept).
      let fns = this.keeper.functions(statement);
      if (!fns) {
        this.keeper.made(statement, (fns = this.addFns(statement)));
        table.place(statement, fns);
      } else if (!table.patched) {
        // (A patched table holds the kept functions already: the last analysis placed these objects.)
        table.place(statement, fns);
      }
    }
    table.done();
    this.analysis = new ModeAnalysis(this, this.keeper, () => this.picked.statements('moduleFlow', movesModeState));
    this.prepass();
    this.prepared = true;
    // File-wide facts the summaries and bindings read besides names (see flowMemo.ts), and whether
    // other files are asked (what was computed without asking them holds nothing from them).
    const sorted = (set: ReadonlySet<string>) => [...set].sort().join(',');
    this.keeper.begin(`${sorted(this.switchedRoots)}|${sorted(this.optimizerVars)}|${sorted(this.accelerators)}|${options.external ? 'external' : ''}|${options.importedFunctions ? 'functions' : ''}`, options.external, options.importedFunctions);
  }

  /** Ends what the analysis holds of its document's kept state (call once, after `build`). */
  release(): void {
    this.releaseClasses();
  }

  // ------------------------------------------------------------ function table

  /** A top-level statement's functions, made anew (their definitions get them: see `FN_OF_DEFINITION`). */
  private addFns(statement: Node): Fn[] {
    const fns: Fn[] = [];
    // (In document order: a nested definition's enclosing one has its function first.)
    for (const def of definitionsIn(statement)) {
      const fn = this.addFn(def, statement);
      if (!fn) continue;
      FN_OF_DEFINITION.set(def, fn);
      fns.push(fn);
    }
    return fns;
  }

  private addFn(def: Node, statement: Node): Fn | undefined {
    const name = def.childForFieldName('name')?.text;
    if (!name) return undefined;
    let parent: Fn = this.moduleFn;
    let cls: string | undefined;
    let noGrad: ReturnType<typeof spanOf> | undefined;
    const holder = def.parent?.type === 'decorated_definition' ? def.parent : def;
    if (holder.type === 'decorated_definition') {
      const decorators = holder.namedChildren;
      for (let i = 0; i < decorators.length; i++) {
        const d = decorators[i];
        if (d.type !== 'decorator') continue;
        const expr = d.namedChildren[0];
        const callee = expr?.type === 'call' ? expr.childForFieldName('function') : expr;
        const q = callee ? this.qualified(callee) : undefined;
        // (The decorator up to its expression's end: a comment after it on the line is inside its node.)
        if (q && /^torch\.(no_grad|inference_mode|autograd\.no_grad)$/.test(q)) noGrad = { ...spanOf(d), end: spanOf(expr).end, endOffset: expr.endIndex };
      }
    }
    const container = holder.parent?.parent;
    if (holder.parent?.type === 'block' && container?.type === 'class_definition') cls = container.childForFieldName('name')?.text;
    for (let n = holder.parent; n; n = n.parent) {
      if (n.type === 'function_definition') {
        parent = FN_OF_DEFINITION.get(n) ?? parent;
        break;
      }
    }
    const body = def.childForFieldName('body');
    const key = cls === undefined ? name : `${cls}.${name}`;
    return { name, key, statement, node: def, body, params: paramNames(def.childForFieldName('parameters')), cls, isModule: false, noGradDecorator: noGrad, parent, locals: assignedNames(body) };
  }

  /** Notes an object from another file and everything in it (copies of its facts share these). */
  private markForeign(v: unknown): void {
    if (typeof v !== 'object' || v === null || this.foreignFacts.has(v)) return;
    this.foreignFacts.add(v);
    for (const x of Array.isArray(v) ? v : Object.values(v)) this.markForeign(x);
  }

  private fnOf(node: Node): Fn {
    const def = enclosingDef(node);
    return (def && FN_OF_DEFINITION.get(def)) ?? this.moduleFn;
  }

  private callInfo(call: Node): CallInfo {
    let info = CALL_INFO.get(call);
    if (info?.imports !== this.importsToken) CALL_INFO.set(call, (info = readCallInfo(call, this.imports, this.importsToken)));
    return info;
  }

  /**
   * What a whole-file pass looks at, statement by statement, in document order. `select` must
   * depend only on the statement's syntax and the imports: its answer is kept per statement node
   * (unchanged statements keep their nodes across edits), and which statements have any is kept
   * per pass (`PickedStatements`), so in an open document a pass costs a look at the statements
   * it picks something in and at those an edit added, not at each statement of the file.
   */
  private pick<T>(pass: Pass, select: (statement: Node, picks: StatementPicks['byPass']) => readonly T[], among?: Among): T[] {
    const out: T[] = [];
    for (const statement of this.pickingStatements(pass, select, among)) {
      const items = picked(this.picksOf(statement), PASSES[pass], statement, select);
      for (let j = 0; j < items.length; j++) out.push(items[j]);
    }
    return out;
  }

  /** The top-level statements in which `select` picks something for `pass`, in document order. */
  private pickingStatements<T>(pass: Pass, select: (statement: Node, picks: StatementPicks['byPass']) => readonly T[], among?: Among): readonly Node[] {
    const slot = PASSES[pass];
    const candidates = among === 'calls' ? this.withCalls : among === 'assignments' ? this.withAssignments : undefined;
    return this.picked.statements(pass, (statement) => picked(this.picksOf(statement), slot, statement, select).length > 0, candidates);
  }

  /**
   * The top-level statements with calls (with assignments): a pass that picks from a statement's
   * calls (assignments) only looks at these (`Among`; about half of a file's statements are
   * imports, comments and others with neither).
   */
  private readonly withCalls = (): readonly Node[] => this.picked.statements('withCalls', (statement) => this.callsOf(statement).length > 0);
  private readonly withAssignments = (): readonly Node[] => this.picked.statements('withAssignments', (statement) => this.assignmentsIn(statement, this.picksOf(statement)).length > 0);

  /** Which statements each pass picks something in (see `pick`). */
  private readonly picked: PickedStatements;

  private picksOf(statement: Node): StatementPicks['byPass'] {
    let picks = PICKS.get(statement);
    if (picks?.imports !== this.importsToken) PICKS.set(statement, (picks = { imports: this.importsToken, byPass: new Array<readonly unknown[] | undefined>(PASS_COUNT) }));
    return picks.byPass;
  }

  /** The calls of the file a pass looks at (see `pick`). */
  private pickCalls(pass: Pass, keep: (info: CallInfo) => boolean): CallInfo[] {
    return this.pick(pass, (s, picks) => selectedFrom(this.callsOf(s, picks), keep), 'calls');
  }

  /** A statement's assignments, in document order (read once: several passes look at them). */
  private assignmentsIn(statement: Node, picks: StatementPicks['byPass']): readonly Node[] {
    // (No closure: most calls find the list made, and a closure made at each call is garbage.)
    let items = picks[PASSES.assignments] as readonly Node[] | undefined;
    if (!items) picks[PASSES.assignments] = items = nothingIfEmpty(statement.descendantsOfType('assignment'));
    return items;
  }

  /** A statement's calls, in document order (`picks`: the statement's, when the caller has them). */
  private callsOf(statement: Node, picks = this.picksOf(statement)): readonly CallInfo[] {
    // (As `assignmentsIn`: no closure, most calls find the list made.)
    let items = picks[PASSES.calls] as readonly CallInfo[] | undefined;
    if (!items) picks[PASSES.calls] = items = this.readCalls(statement);
    return items;
  }

  /** The infos of a statement's calls, in document order (written over the list of call nodes: no second list). */
  private readCalls(statement: Node): readonly CallInfo[] {
    const calls = statement.descendantsOfType('call');
    if (calls.length === 0) return NOTHING;
    const infos = calls as unknown as CallInfo[];
    for (let i = 0; i < calls.length; i++) infos[i] = this.callInfo(calls[i]);
    return infos;
  }

  /**
   * A pass's results, statement by statement, in document order. In an open document they are
   * kept per statement like the model IR's (`StatementMemo`: while the statement and the names it
   * mentions are unchanged), so `compute` must read nothing but the statement, the values the
   * resolver gives its names, and the file's imports and classes: no events, no file-wide facts.
   */
  private perStatement<T>(kind: string, pass: Pass, keep: (info: CallInfo) => boolean, compute: (statement: Node, calls: readonly CallInfo[]) => T): T[] {
    const memo = this.tree.memo;
    const out: T[] = [];
    const select = (statement: Node, picks: StatementPicks['byPass']) => selectedFrom(this.callsOf(statement, picks), keep);
    // Only the statements with calls the pass looks at (`keep`, picked like `pickCalls`) have a result.
    for (const statement of this.pickingStatements(pass, select, 'calls')) {
      const calls = picked(this.picksOf(statement), PASSES[pass], statement, select);
      out.push(memo ? memo.get(statement, kind, () => compute(statement, calls)) : compute(statement, calls));
    }
    return out;
  }

  calleeLastName(call: Node): string {
    return this.callInfo(call).last;
  }

  callee(call: Node): CalleeKeys {
    return this.callInfo(call);
  }

  importedFunction(callee: Node, fn: Fn): ImportedFunction | undefined {
    const lookup = this.options.importedFunctions;
    if (!lookup) return undefined;
    const parts = dottedParts(callee);
    // (A parameter or local of the calling function is not the import.)
    if (!parts || parts[0] === 'self' || (!fn.isModule && (fn.locals.has(parts[0]) || fn.params.includes(parts[0])))) return undefined;
    const localName = parts.join('.');
    const q = this.qualified(callee);
    const answer = lookup(localName, q);
    // What another file says can change while this one does not: summaries that ask hold while it answers the same.
    this.analysis.askedOtherFile({ kind: 'function', localName, qualified: q, answer });
    return answer;
  }

  resolveFunction(callee: Node, fn: Fn, receiverFacts: ModelFacts | undefined, keys?: CalleeKeys): Fn | undefined {
    if (callee.type === 'identifier') {
      const same = this.fnsByName.get(callee.text);
      if (!same) return undefined;
      // The innermost scope defining the name; there, its last definition.
      for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
        for (let i = same.length - 1; i >= 0; i--) if (same[i].parent === scope && !same[i].cls) return same[i];
      }
      return undefined;
    }
    if (callee.type === 'attribute') {
      const obj = callee.childForFieldName('object');
      // (`keys`, the call's: its method name and receiver key, read once, where the texts are read anew.)
      const method = keys ? keys.attr : callee.childForFieldName('attribute')?.text;
      if (!obj || !method) return undefined;
      let cls: string | undefined;
      if (obj.type === 'identifier' && (keys ? keys.receiver : obj.text) === 'self') cls = fn.cls;
      else if (receiverFacts?.evidence === 'file' && this.classes.has(receiverFacts.name)) cls = receiverFacts.name;
      return cls ? this.methodOfClass(cls, method) : undefined;
    }
    return undefined;
  }

  /** Methods by class, then by name (the function table is complete once the constructor ran). */
  private readonly methodsByClass = new Map<string, Map<string, Fn | undefined>>();

  /** `methodOf`, kept per class and method for this analysis. */
  private methodOfClass(cls: string, method: string): Fn | undefined {
    let byName = this.methodsByClass.get(cls);
    if (!byName) this.methodsByClass.set(cls, (byName = new Map<string, Fn | undefined>()));
    if (byName.has(method)) return byName.get(method);
    const found = this.methodOf(cls, method);
    byName.set(method, found);
    return found;
  }

  private methodOf(cls: string, method: string, seen?: Set<string>): Fn | undefined {
    if (seen?.has(cls)) return undefined;
    const own = this.fnsByName.get(`${cls}.${method}`)?.[0];
    if (own) return own;
    const bases = this.classes.get(cls)?.bases ?? [];
    if (bases.length === 0) return undefined;
    // (The classes looked in, made only when there are bases to look in.)
    seen ??= new Set<string>();
    seen.add(cls);
    for (const b of bases) {
      const m = this.methodOf(b, method, seen);
      if (m) return m;
    }
    return undefined;
  }

  /** Whether the file has a holder class at all (see `heldConstruction`): most have none, and then no call asks further. */
  private holders: boolean | undefined;

  /**
   * A construction of a holder class (see `isHolderClass`) of the file or of another workspace
   * file: a hand-written `Trainer` holding what it is given (`self.model = model` in `__init__`,
   * `self.model = DDP(model.to(rank))` too) or builds (`self.model = resnet18()`). Its attributes
   * set to an `__init__` parameter are the caller's objects passed for it.
   */
  heldConstruction(call: Node, fn: Fn): HeldObjects | undefined {
    const info = this.callInfo(call);
    const name = info.name;
    if (name !== undefined && this.classes.has(name)) {
      const classes = this.classesAt(name, call.startIndex);
      if (!isHolderClass(name, classes)) return undefined;
      const init = this.methodOfClass(name, '__init__');
      return { cls: name, init, attributes: init ? this.passedAttributes(call, fn, init.params, this.initParameterAttributes(init)) : new Map<string, string>() };
    }
    // A holder class of another workspace file (`from trainer import Trainer`): a capitalized name, as classes are.
    const f = info.f;
    if (!f || !this.options.importedFunctions || !/^[A-Z]/.test(info.last)) return undefined;
    const parts = dottedParts(f);
    if (!parts || parts[0] === 'self' || (!fn.isModule && (fn.locals.has(parts[0]) || fn.params.includes(parts[0])))) return undefined;
    const localName = parts.join('.');
    const qualified = this.qualified(f);
    const init = this.importedMember(localName, qualified, '__init__');
    if (!init?.cls) return undefined;
    return { cls: init.cls, init: undefined, attributes: this.passedAttributes(call, fn, init.params, new Map(init.attributes ?? [])), imported: { localName, qualified, init } };
  }

  /** The caller's keys of what a holder's `__init__` keeps of its parameters (`attributes`: attribute -> parameter), by attribute. */
  private passedAttributes(call: Node, fn: Fn, initParams: readonly string[], attributes: ReadonlyMap<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    const args = this.callInfo(call).args;
    const params = initParams[0] === 'self' ? initParams.slice(1) : initParams;
    for (const [attr, param] of attributes) {
      const i = params.indexOf(param);
      const a = args.keywords.get(param) ?? (i >= 0 && !args.hasSplat ? args.positional[i] : undefined);
      // (A model built in the call, `Trainer(Net(), ...)`, is the caller's `Net()`, as for a function's parameter.)
      const key = a ? (keyOf(a) ?? (unparen(a).type === 'call' && this.constructs(unparen(a), fn) ? modelKey(a) : undefined)) : undefined;
      if (key !== undefined && key !== 'self') out.set(attr, key);
    }
    return out;
  }

  /** A member of a holder class of another workspace file (`Trainer.__init__`, `Trainer.fit`), as that file's analysis summed it up. */
  private importedMember(localName: string, qualified: string | undefined, member: string): ImportedFunction | undefined {
    const lookup = this.options.importedFunctions;
    if (!lookup) return undefined;
    const name = `${localName}.${member}`;
    const q = qualified !== undefined ? `${qualified}.${member}` : undefined;
    const answer = lookup(name, q);
    // What another file says can change while this one does not: summaries that ask hold while it answers the same.
    this.analysis.askedOtherFile({ kind: 'function', localName: name, qualified: q, answer });
    return answer?.cls !== undefined ? answer : undefined;
  }

  heldMethod(call: Node, fn: Fn, keys: CalleeKeys): HeldMethod | undefined {
    // `predictor(images)`: the instance's `__call__`.
    if (keys.f?.type === 'identifier') return this.heldMethodOf(keys.f.text, '__call__', call, fn);
    const receiver = keys.receiver;
    const method = keys.attr;
    if (!method || (!this.options.importedFunctions && !this.hasHolders())) return undefined;
    // `Evaluator(model, loader).run()`: the instance built in the call.
    const object = receiver === undefined ? keys.f?.childForFieldName('object') : undefined;
    if (object?.type === 'call') return this.methodOfHeld(this.heldConstruction(object, fn), method);
    return receiver === undefined ? undefined : this.heldMethodOf(receiver, method, call, fn);
  }

  /** `receiver.method(...)` at `call` when `receiver` holds an instance of a holder class (see `heldMethod`). */
  private heldMethodOf(receiver: string, method: string, call: Node, fn: Fn): HeldMethod | undefined {
    if ((!this.options.importedFunctions && !this.hasHolders()) || receiver === 'self' || receiver.includes('.')) return undefined;
    // The assignment of the receiver that reaches the call: in the function before it, else in an enclosing scope.
    for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
      const last = this.heldCandidates(scope).has(receiver) ? this.lastAssignmentOf(scope, receiver, scope === fn ? call.startIndex : Number.MAX_SAFE_INTEGER) : undefined;
      if (last) {
        const right = last.childForFieldName('right');
        const built = right ? unparen(right) : undefined;
        if (last.childForFieldName('left')?.type !== 'identifier' || built?.type !== 'call') return undefined;
        return this.methodOfHeld(this.heldConstruction(built, scope), method);
      }
      if (scope.params.includes(receiver) || (!scope.isModule && scope.locals.has(receiver))) return undefined;
    }
    return undefined;
  }

  /** Per function, the names it assigns a call of a capitalized name (`trainer = Trainer(...)`): the instances a method call may be made on (see `heldMethod`). */
  private readonly heldNames = new Map<Fn, ReadonlySet<string>>();

  private heldCandidates(fn: Fn): ReadonlySet<string> {
    let names = this.heldNames.get(fn);
    if (!names) {
      const out = new Set<string>();
      for (const a of this.assignmentsOf(fn)) {
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        const r = right ? unparen(right) : undefined;
        if (left?.type === 'identifier' && r?.type === 'call' && /^[A-Z]/.test(this.callInfo(r).last)) out.add(left.text);
      }
      this.heldNames.set(fn, (names = out));
    }
    return names;
  }

  /** A method of a holder instance: of the file's class, or as its file summed it up. */
  private methodOfHeld(held: HeldObjects | undefined, method: string): HeldMethod | undefined {
    if (!held) return undefined;
    if (held.imported) {
      const m = this.importedMember(held.imported.localName, held.imported.qualified, method);
      return m ? { imported: m, held } : undefined;
    }
    const m = this.methodOfClass(held.cls, method);
    return m ? { method: m, held } : undefined;
  }

  private hasHolders(): boolean {
    if (this.holders === undefined) {
      this.holders = false;
      for (const name of this.classes.keys()) if (isHolderClass(name, this.classes)) this.holders = true;
    }
    return this.holders;
  }

  /** `__init__`'s `self.` attributes set to one of its parameters (`self.model = model`, `self.model = DDP(model.to(rank))`, then `self.model = self.model.cuda()`), by attribute. */
  private initParameterAttributes(init: Fn): ReadonlyMap<string, string> {
    // (What it sets can change with its body: the caller's summary depends on its group.)
    this.analysis.use(init);
    const out = new Map<string, string>();
    for (const a of this.assignmentsOf(init)) {
      const k = keyOf(a.childForFieldName('left'));
      const right = a.childForFieldName('right');
      if (!k?.startsWith('self.') || !right || k.indexOf('.', 5) >= 0) continue;
      const attr = k.slice(5);
      const r = unparen(right);
      const source = r.type === 'identifier' ? r.text : r.type === 'call' ? wrappedModelKey(r) : undefined;
      const param = source === k ? out.get(attr) : source !== undefined && source !== 'self' && init.params.includes(source) ? source : undefined;
      if (param !== undefined) out.set(attr, param);
      else out.delete(attr);
    }
    return out;
  }

  callsIn(node: Node): readonly Node[] {
    let calls = CALLS_IN.get(node);
    if (!calls) {
      calls = this.readCallsIn(node.startIndex, node.endIndex);
      // Kept when long, or when the node has a cache slot array already: most nodes asked are asked
      // once per analysis (a loop's body is asked again at each pass), their calls are few and read
      // again cheaply, and a node's first kept value costs it an array of every cache's slot.
      if (calls.length >= 8 || node.cached !== undefined) CALLS_IN.set(node, calls);
    }
    return calls;
  }

  /** The calls in `[start, end)` in evaluation order, skipping nested lambdas and definitions. */
  private readCallsIn(start: number, end: number): readonly Node[] {
    // (Gathered on a scratch list, then copied to a list of the exact size: the answer is kept.)
    const out = CALLS_SCRATCH;
    let n = 0;
    const statements = this.tree.rootNode.children;
    // The top-level statements the range meets (usually one), then their calls in the range.
    let lo = 0;
    let hi = statements.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((statements[mid]).endIndex <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < statements.length && (statements[k]).startIndex < end; k++) {
      const calls = this.callsOf(statements[k]);
      let i = 0;
      let j = calls.length;
      while (i < j) {
        const mid = (i + j) >> 1;
        if ((calls[mid]).call.startIndex < start) i = mid + 1;
        else j = mid;
      }
      for (; i < calls.length; i++) {
        const c = (calls[i]).call;
        if (c.startIndex >= end) break;
        if (c.endIndex > end) continue;
        if (this.nestedScope(c, start)) continue;
        out[n++] = c;
      }
    }
    if (n === 0) return NOTHING;
    const calls = out.slice(0, n);
    out.fill(undefined as unknown as Node, 0, n);
    return inEvaluationOrder(calls);
  }

  private nestedScope(call: Node, start: number): boolean {
    for (let n = call.parent; n && n.startIndex >= start; n = n.parent) {
      if (n.type === 'lambda' || n.type === 'function_definition' || n.type === 'class_definition') return true;
    }
    return false;
  }

  /**
   * The class a call passes as `norm_layer=`, import-qualified (a `functools.partial`'s class);
   * `''` when it passes something else, undefined when it passes none.
   */
  private normLayerOf(call: Node): string | undefined {
    const node = callArgs(call).keywords.get('norm_layer');
    if (!node) return undefined;
    let cls: Node | undefined = unparen(node);
    if (cls.type === 'call') {
      const fn = cls.childForFieldName('function');
      const q = fn ? this.qualified(fn) : undefined;
      cls = q === 'functools.partial' || q === 'partial' ? callArgs(cls).positional[0] : undefined;
    }
    return cls && (cls.type === 'identifier' || cls.type === 'attribute') ? (this.qualified(cls) ?? '') : '';
  }

  qualified(callee: Node): string | undefined {
    const call = callee.parent;
    // A call's callee: its info has the answer (the usual case); any other node is asked directly.
    if (call?.type === 'call' && call.childForFieldName('function') === callee) return this.callInfo(call).q || undefined;
    return qualifiedName(callee, this.imports, NO_STAR_NAMES) ?? dottedParts(callee)?.join('.');
  }

  importedFunctionName(callee: Node, fn: Fn): boolean {
    const name = callee.text;
    const q = this.qualified(callee);
    if (q === undefined || q === name) return false;
    for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
      if (scope.params.includes(name) || scope.locals.has(name)) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ models

  /**
   * `constructs` answers of this analysis, by call, for the function they were asked in: a call
   * assigned to a name is asked when the function's bindings are made and again when its flow is
   * interpreted. Only answers that asked nothing noted per asker are kept (see `constructsNoted`).
   */
  private readonly constructed = new Map<Node, { readonly fn: Fn; readonly value: ConstructionOrigin | undefined }>();
  /**
   * Counts the `constructs` answers that asked what is noted for whatever is being computed (the
   * workspace index; a same-file factory's return, through its bindings): those are asked anew.
   */
  private constructsNoted = 0;

  constructs(call: Node, fn: Fn): ConstructionOrigin | undefined {
    const known = this.constructed.get(call);
    if (known?.fn === fn) return known.value;
    const noted = this.constructsNoted;
    const value = this.readConstructs(call, fn);
    if (this.constructsNoted === noted) this.constructed.set(call, { fn, value });
    return value;
  }

  private readConstructs(call: Node, fn: Fn): ConstructionOrigin | undefined {
    // (The callee's names from its info: an attribute callee's `attr` is its method's name, a bare
    // name's `name` the name, and the last name of a dotted one is `last`.)
    const info = this.callInfo(call);
    const f = info.f;
    if (!f) return undefined;
    const attr = info.attr;
    // `Net().cuda(rank)`, `Net().to(device)`, `DDP(Net(), ...)`, `torch.compile(Net())`: the model built inside.
    if (attr !== undefined && MOVES.has(attr)) {
      const inner = f.childForFieldName('object');
      if (inner?.type === 'call') return this.constructs(inner, fn);
    }
    // (`dottedLast(f)`: a bare name's own name, else `last`, which is a dotted attribute's last name or ''.)
    if (WRAPPING_FUNCTIONS.has(info.name ?? info.last)) {
      const first = info.args.positional[0];
      if (first?.type === 'call') return this.constructs(first, fn);
      return undefined;
    }
    if (attr === 'eval') {
      const inner = f.childForFieldName('object');
      const built = inner?.type === 'call' ? this.constructs(inner, fn) : undefined;
      if (built) return { facts: built.facts, mode: 'eval', ...constructedAt(call, `${f.text}()`) };
    }
    const name = info.name;
    if (name !== undefined && this.classes.has(name)) {
      const classes = this.classesAt(name, call.startIndex);
      const c = classes.get(name) as ClassFacts;
      if (!isModuleClass(name, classes) && c.layers.length === 0) return undefined;
      const extra = this.otherClassesIn(call, name);
      // (A value that resolves for certain counts, as a module constant; a default a run may override, as an argparse flag's, does not.)
      const truth = (n: Node): boolean | undefined => {
        const v = this.resolveArg(n);
        return typeof v?.value === 'boolean' && !v.inferred ? v.value : undefined;
      };
      const facts = modelFactsOfClass(name, classes, 'file', extra, undefined, boundArguments(c, info.args, truth));
      if (facts) return { facts, mode: 'train', ...constructedAt(call, `${name}(...) built`, TRAINING_MODE) };
    }
    const q = info.imported;
    const text = q ?? f.text;
    const parts = this.options.external ? dottedParts(f) : undefined;
    if (parts && this.options.external) {
      this.constructsNoted++;
      const localName = parts.join('.');
      // (The boolean values the call passes, as a class of this file's construction reads them: a certain value counts.)
      const args = boolArguments(info.args, (n) => {
        const v = this.resolveArg(n);
        return typeof v?.value === 'boolean' && !v.inferred ? v.value : undefined;
      });
      const ext = this.options.external(localName, q, args);
      // What another file says can change while this one does not: summaries that ask hold while it answers the same.
      this.analysis.askedOtherFile({ localName, qualified: q, answer: ext, args });
      if (ext) this.markForeign(ext);
      if (ext) return { facts: ext, mode: 'train', ...constructedAt(call, `${f.text}(...) built`, TRAINING_MODE) };
    }
    const lib = libraryModelFacts(text, stringArgument, call, this.normLayerOf(call));
    if (lib) {
      const evalMode = loadsInEvalMode(text);
      return {
        facts: evalMode || buildsPretrained(call) || text.endsWith('.from_pretrained') ? { ...lib, pretrained: true } : lib,
        mode: evalMode ? 'eval' : 'train',
        ...(evalMode ? constructedAt(call, `${f.text}()`, '(from_pretrained returns the model in eval mode)') : constructedAt(call, `${f.text}(...) built`, TRAINING_MODE)),
      };
    }
    const picked = this.pickedArchitecture(call, f, text);
    if (picked) return { facts: buildsPretrained(call) ? { ...picked, pretrained: true } : picked, mode: 'train', ...constructedAt(call, `${f.text}(...) built`, TRAINING_MODE) };
    if (/(^|\.)(nn\.)?Sequential$/.test(text) && (text.startsWith('torch.nn') || text === 'nn.Sequential')) {
      const made = this.sequentialFacts(call, fn);
      if (made) return { facts: made.facts, mode: 'train', ...constructedAt(call, 'nn.Sequential(...) built', TRAINING_MODE), ...(made.sharesModesOf ? { sharesModesOf: made.sharesModesOf } : {}), ...(made.holds ? { holds: made.holds } : {}) };
    }
    if (KERAS_SEQUENTIAL.test(text)) {
      const facts = this.kerasSequentialFacts(call, fn);
      if (facts) return { facts, mode: 'train', ...constructedAt(call, `${f.text}(...) built`, TRAINING_MODE) };
    }
    if (KERAS_MODEL.test(text)) {
      const facts = this.kerasFunctionalFacts(call, fn);
      if (facts) return { facts, mode: 'train', ...constructedAt(call, `${f.text}(...) built`, TRAINING_MODE) };
    }
    // A same-file factory: `model = build_model(args)`.
    const callee = this.resolveFunction(f, fn, undefined);
    if (callee) {
      this.constructsNoted++;
      const facts = this.returnFacts(callee);
      if (facts) return { facts, mode: 'train', ...constructedAt(call, `${f.text}(...)`, `builds the model ${TRAINING_MODE}`) };
      return undefined;
    }
    // A factory of another workspace file: `from models import build_model`.
    if (this.options.importedFunctions) {
      this.constructsNoted++;
      const returned = this.importedFunction(f, fn)?.returns;
      if (returned) return this.importedConstruction(returned, call, f);
    }
    return undefined;
  }

  /** What a factory of another file (`build_model(args)`) returns, built at `call`. */
  private importedConstruction(returned: ImportedReturn, call: Node, f: Node): ConstructionOrigin {
    this.markForeign(returned.facts);
    return returned.mode === 'eval'
      ? { facts: returned.facts, mode: 'eval', ...constructedAt(call, `${f.text}(...)`, `(returns the model in eval mode: ${returned.description ?? 'eval()'})`) }
      : { facts: returned.facts, mode: 'train', ...constructedAt(call, `${f.text}(...)`, `builds the model ${TRAINING_MODE}`) };
  }

  /**
   * A Keras functional model, `keras.Model(inputs, outputs)`: the layers its block builds before
   * it (`x = layers.BatchNormalization()(x)`, the statements before the call in the same block),
   * and the models it calls on a tensor (`x = base_model(inputs)`: that model's facts, as
   * `constructs` knows them where it is assigned). A model called with `training=False` runs its
   * BatchNormalization in inference mode (the Keras guide's fine-tuning advice): its weights
   * count, its statistics do not.
   */
  private kerasFunctionalFacts(call: Node, fn: Fn): ModelFacts | undefined {
    const args = callArgs(call);
    if (!(args.positional.length >= 2 || args.keywords.has('outputs'))) return undefined;
    const facts: KerasLayerFacts = { batchNorms: [], other: [], affine: [] };
    const statement = statementOf(call);
    const block = statement.parent?.namedChildren ?? [];
    const before = block.slice(0, Math.max(0, block.indexOf(statement)));
    const outputs = args.positional[1] ?? args.keywords.get('outputs');
    const graph = graphStatements(before, outputs);
    const assigned = new Map<string, Node>();
    // `x = base_model.output`: the base model's layers are the functional model's own (the Keras 2
    // fine-tuning style, and a base built with `input_tensor=`); nothing passes them `training=`.
    const bases = new Set<string>();
    const addOutputBases = (n: Node, at: Node): void => {
      for (let base of outputBases(n)) {
        let made = assigned.get(base.text) ?? this.definitionCall(base, fn, at);
        // `last_layer = base.get_layer("mixed7")`: a layer of the base model, whose layers up to it the functional model holds.
        const f = made?.childForFieldName('function');
        const model = f?.type === 'attribute' && f.childForFieldName('attribute')?.text === 'get_layer' ? f.childForFieldName('object') : null;
        if (model?.type === 'identifier') {
          base = model;
          made = assigned.get(base.text) ?? this.definitionCall(base, fn, at);
        }
        if (bases.has(base.text)) continue;
        bases.add(base.text);
        const built = made ? this.constructs(made, fn)?.facts : undefined;
        if (built) addModelFacts(built, facts, { owner: base.text });
      }
    };
    for (const stmt of before) {
      const a = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      // (`x: Tensor` and a half-typed `x =` have no right side.)
      const value = a?.type === 'assignment' ? a.childForFieldName('right') : null;
      const right = value ? unparen(value) : undefined;
      const left = a?.type === 'assignment' ? a.childForFieldName('left') : undefined;
      if (right && graph.has(stmt)) addOutputBases(right, stmt);
      if (!right || right.type !== 'call') {
        if (left?.type === 'identifier' && right) assigned.delete(left.text);
        continue;
      }
      if (!graph.has(stmt)) {
        if (left?.type === 'identifier') assigned.set(left.text, right);
        continue;
      }
      const callee = right.childForFieldName('function');
      if (callee?.type === 'call') {
        // `layers.BatchNormalization()(x)`: a layer built and called.
        addKerasLayer(callee, facts);
      } else if (callee?.type === 'identifier' && assigned.has(callee.text)) {
        // `x = base_model(inputs)`: a model of the block called on a tensor.
        const built = this.constructs(assigned.get(callee.text) as Node, fn)?.facts;
        if (built) {
          const training = callArgs(right).keywords.get('training');
          const mode = training ? literalValue(training) : undefined;
          const inference = mode?.kind === 'bool' && !mode.value;
          const ownerCall = training ? undefined : { span: spanOf(right), argumentsSpan: spanOf(right.childForFieldName('arguments') ?? right) };
          addModelFacts(built, facts, inference ? undefined : { owner: callee.text, ...(ownerCall ? { ownerCall } : { ownerTraining: true }) });
        }
      }
      if (left?.type === 'identifier') assigned.set(left.text, right);
    }
    if (outputs) addOutputBases(outputs, statement);
    if (facts.batchNorms.length + facts.other.length + facts.affine.length === 0) return undefined;
    return { evidence: 'file', name: 'keras.Model', definitionSpan: spanOf(call), batchNorms: facts.batchNorms, otherModeDependent: facts.other, affineNorms: facts.affine, trainKeepsBatchNormFrozen: false, frozenBatchNorm: false, keras: true };
  }

  /**
   * A `keras.Sequential([...])`: its layers (`layers.BatchNormalization()`), and the models in the
   * list (`keras.Sequential([base_model, layers.Dense(5)])`, a Keras Application built in place
   * or assigned before): their facts as `constructs` knows them, a named one's layers with
   * `owner` (its `trainable` state decides, as in a functional model).
   */
  private kerasSequentialFacts(call: Node, fn: Fn): ModelFacts | undefined {
    const args = callArgs(call);
    const list = args.positional[0] ?? args.keywords.get('layers');
    if (list?.type !== 'list') return undefined;
    const facts: KerasLayerFacts = { batchNorms: [], other: [], affine: [] };
    // Whether every element is a layer known here: then a model without any mode-dependent layer is known to be one.
    let allKnown = true;
    for (const a of list.namedChildren) {
      const before = facts.batchNorms.length + facts.other.length + facts.affine.length;
      if (a.type === 'call') addKerasLayer(a, facts);
      if (facts.batchNorms.length + facts.other.length + facts.affine.length > before) continue;
      if (a.type !== 'call' && a.type !== 'identifier') {
        allKnown = false;
        continue;
      }
      const callee = a.type === 'call' ? a.childForFieldName('function') : undefined;
      if (callee && KERAS_MODE_FREE_LAYERS.test(dottedParts(callee)?.pop() ?? '')) continue;
      // (The name's assignment before this statement: `model = keras.Sequential([model])` wraps the earlier model.)
      const made = a.type === 'call' ? a : this.definitionCall(a, fn, statementOf(call));
      const built = made ? this.constructs(made, fn)?.facts : undefined;
      if (!built) {
        allKnown = false;
        continue;
      }
      addModelFacts(built, facts, a.type === 'identifier' ? { owner: a.text } : {});
    }
    if (facts.batchNorms.length + facts.other.length + facts.affine.length === 0 && !allKnown) return undefined;
    return { evidence: 'file', name: 'keras.Sequential', definitionSpan: spanOf(call), batchNorms: facts.batchNorms, otherModeDependent: facts.other, affineNorms: facts.affine, trainKeepsBatchNormFrozen: false, frozenBatchNorm: false, keras: true };
  }

  /** The names of the file's classes other than `name` that a call's identifiers name, in order. (A method: a closure in `constructs` would make each of its calls allocate a context.) */
  private otherClassesIn(call: Node, name: string): string[] {
    return call.descendantsOfType('identifier').map((n) => n.text).filter((n) => this.classes.has(n) && n !== name);
  }

  /**
   * An `nn.Sequential(...)`: the layers given to it (`nn.BatchNorm1d(64)`), and those of a model
   * it is made of: `nn.Sequential(*list(backbone.children())[:-1])` (a model less its head, as
   * built where it was assigned: `constructs`), whose modes it then shares (`sharesModesOf`) when it
   * adds no mode-dependent layer of its own; `*layers`, a list literal assigned before: its layers
   * (not all it may hold: one appended later is not seen); a name assigned a model before
   * (`nn.Sequential(backbone, head)`): its layers, in its modes (`holds`, or `sharesModesOf` when it
   * is the only mode-dependent part), or a layer (`head = nn.Linear(...)`). Other elements are not known.
   */
  private sequentialFacts(call: Node, fn: Fn): { facts: ModelFacts; sharesModesOf?: string; holds?: { keys: readonly string[]; own: boolean } } | undefined {
    const batchNorms: ModelFacts['batchNorms'][number][] = [];
    const other: ModelFacts['otherModeDependent'][number][] = [];
    const affine: ModelFacts['affineNorms'][number][] = [];
    let previous = '';
    // Whether every element is a torch.nn layer whose behaviour does not depend on the mode (then
    // a Sequential without BatchNorm or Dropout is known to have none: an MLP of Linear and ReLU).
    let allKnown = true;
    const sources: string[] = [];
    let inherited = 0;
    /** A model's modules, all of them (`m.children()` spread, or `m` itself): its layers, and its key. */
    const held = (key: string, built: ModelFacts): void => {
      sources.push(key);
      batchNorms.push(...built.batchNorms);
      other.push(...built.otherModeDependent);
      affine.push(...built.affineNorms);
      inherited += built.batchNorms.length + built.otherModeDependent.length;
    };
    const layer = (a: Node): void => {
      if (a.type === 'identifier') {
        // `nn.Sequential(backbone, head)`: a model assigned before (its modules, in its modes), or
        // a layer (`head = nn.Linear(...)`).
        const made = this.definitionCall(a, fn, statementOf(call));
        const built = made ? this.constructs(made, fn)?.facts : undefined;
        if (built && built.evidence !== 'none' && !built.keras) {
          held(a.text, built);
          previous = '';
          return;
        }
        if (made && !built) {
          layer(made);
          return;
        }
      }
      if (a.type !== 'call') {
        allKnown = false;
        previous = '';
        return;
      }
      const parts = dottedParts(a.childForFieldName('function') as Node) ?? [];
      const kind = parts[parts.length - 1] ?? '';
      const span = spanOf(a);
      if (/^(Lazy)?BatchNorm[123]d$/.test(kind)) {
        batchNorms.push({ kind, span, singleValuePerChannel: kind.endsWith('1d') && /^(Linear|Flatten|LazyLinear)$/.test(previous) });
        affine.push({ kind, span });
      } else if (/^Dropout/.test(kind)) other.push({ kind, span });
      else if (/^(LayerNorm|GroupNorm|RMSNorm)$/.test(kind)) affine.push({ kind, span });
      else if (!(parts.length >= 2 && parts[parts.length - 2] === 'nn' && MODE_FREE_LAYERS.test(kind))) allKnown = false;
      previous = kind;
    };
    for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (a.type === 'comment' || a.type === 'keyword_argument' || a.type === 'dictionary_splat') continue;
      if (a.type !== 'list_splat') {
        layer(a);
        continue;
      }
      const source = childrenOf(a);
      if (!source) {
        // `*layers`, a list literal assigned before: its layers (appended ones are not seen, so none is not known for sure).
        const spread = a.namedChildren[0];
        const list = spread?.type === 'identifier' ? this.definitionOf(spread, fn, statementOf(call)) : undefined;
        if (list?.type === 'list') for (const e of list.namedChildren) if (e.type !== 'comment') layer(e);
        allKnown = false;
        previous = '';
        continue;
      }
      const made = this.definitionCall(source, fn, statementOf(call));
      const built = made ? this.constructs(made, fn)?.facts : undefined;
      previous = '';
      if (!built || built.evidence === 'none') {
        allKnown = false;
        continue;
      }
      held(source.text, built);
    }
    if (batchNorms.length + other.length + affine.length === 0 && !allKnown) return undefined;
    const facts: ModelFacts = { evidence: 'file', name: 'nn.Sequential', definitionSpan: spanOf(call), batchNorms, otherModeDependent: other, affineNorms: affine, trainKeepsBatchNormFrozen: false, frozenBatchNorm: false };
    // (One model's modules and nothing mode-dependent besides: their modes are its modes. Several
    // models', or new mode-dependent layers besides: the modes of each, and the new ones' too.)
    const own = !allKnown || batchNorms.length + other.length > inherited;
    if (sources.length === 1 && !own) return { facts, sharesModesOf: sources[0] };
    return sources.length > 0 ? { facts, holds: { keys: sources, own } } : { facts };
  }

  /**
   * The facts of the model a function of the file returns (`return Net()`, `return net`), or, with
   * `index`, of the one at that place of the tuple it returns (`return net, file_name`).
   */
  private returnFacts(fn: Fn, index = -1): ModelFacts | undefined {
    // A factory asked while its own bindings are made (it calls itself): the answer depends on who asked first.
    if (this.binding.has(fn)) this.analysis.cycle();
    let answers = this.returnFactsCache.get(fn);
    if (!answers) this.returnFactsCache.set(fn, (answers = new Map<number, ModelFacts | undefined>()));
    if (answers.has(index)) return answers.get(index);
    // (Undefined while it is computed: a function returning what it returns gets no answer from within.)
    answers.set(index, undefined);
    let facts: ModelFacts | undefined;
    for (const r of fn.body?.descendantsOfType('return_statement') ?? []) {
      if (this.fnOf(r) !== fn) continue;
      const v = r.namedChildren[0];
      let u = v ? unparen(v) : undefined;
      if (index >= 0) {
        if (u?.type !== 'expression_list' && u?.type !== 'tuple') continue;
        const e = u.namedChildren.filter((c) => c.type !== 'comment')[index];
        u = e ? unparen(e) : undefined;
      }
      if (u?.type === 'call') facts = this.constructs(u, fn)?.facts;
      else if (u?.type === 'identifier') facts = this.localRef(fn, u.text)?.facts;
      if (facts) break;
    }
    answers.set(index, facts);
    return facts;
  }

  private localRef(fn: Fn, name: string): { facts: ModelFacts } | undefined {
    return this.bindingsOf(fn).refs.get(name);
  }

  /**
   * What a function's own assignments bind (models, `self.` attributes, launcher aliases),
   * computed when first asked, in the function's group (kept with it in an open document). A
   * function asked while its bindings are being computed gets those made so far.
   */
  private bindingsOf(fn: Fn): FunctionBindings {
    const group = this.analysis.use(fn);
    const b = group.bindings.get(fn);
    if (b) {
      // Its own earlier assignments are what a function reads while binding; anyone else reading them then depends on the order.
      if (this.binding.has(fn) && !this.analysis.isInnermost(fn)) this.analysis.cycle();
      return b;
    }
    return this.makeBindings(fn, group);
  }

  /**
   * Computes a function's bindings into its group (`bindingsOf` without them yet). Apart from
   * `bindingsOf`: its closure makes every call of the function holding it allocate its context,
   * and most calls of `bindingsOf` find the bindings made.
   */
  private makeBindings(fn: Fn, group: FlowGroup): FunctionBindings {
    const b = noBindings();
    group.bindings.set(fn, b);
    this.binding.add(fn);
    try {
      this.analysis.within(fn, () => this.bind(fn, b));
    } finally {
      this.binding.delete(fn);
    }
    return b;
  }

  /** `self.<attr>` of a class: the last method (in document order) that binds it. */
  private classAttr(cls: string, attr: string): ModelFacts | undefined {
    const methods = this.methods.get(cls) ?? [];
    for (let i = methods.length - 1; i >= 0; i--) {
      const facts = this.readBindings(methods[i]).attrs.get(attr);
      if (facts) return facts;
    }
    return undefined;
  }

  /** A function's own assignments (not those of functions nested in it), in document order. */
  private assignmentsOf(fn: Fn): Node[] {
    if (!fn.isModule) return fn.body ? fn.body.descendantsOfType('assignment').filter((a) => enclosingDef(a) === fn.node) : [];
    return this.pick('moduleAssignments', (statement, picks) => this.moduleAssignmentsIn(statement, picks), 'assignments');
  }

  /** A top-level statement's module-level assignments: those not in a function (see `pick`). */
  private moduleAssignmentsIn(statement: Node, picks: StatementPicks['byPass']): readonly Node[] {
    const slot = PASSES.moduleAssignments;
    let items = picks[slot] as readonly Node[] | undefined;
    if (!items) picks[slot] = items = nothingIfEmpty(this.assignmentsIn(statement, picks).filter((a) => enclosingDef(a) === null));
    return items;
  }

  /**
   * The answers of `factsFor` in this analysis, by function and key, with the
   * functions whose bindings each answer read. Bindings do not change once complete, so an
   * answer that read only complete ones holds for the rest of the analysis; asking again notes
   * those functions' groups as used, as reading their bindings does (`ModeAnalysis.use`).
   */
  private readonly factsAnswers = new Map<Fn, Map<string, KeptAnswer<ModelFacts | undefined>>>();
  /**
   * The functions whose bindings the `factsFor`s being computed read (see `readBindings`): a
   * stack, each one's from `factsReadsFrom` up to `factsReadsTop` (a nested one's above its
   * caller's, taken off when done), copied into a list of the exact size when kept.
   */
  private readonly factsReads: Fn[] = [];
  private factsReadsFrom = -1;
  private factsReadsTop = 0;

  /** `bindingsOf`, noted as read by the `factsFor` being computed. */
  private readBindings(fn: Fn): FunctionBindings {
    if (this.factsReadsFrom >= 0) this.factsReads[this.factsReadsTop++] = fn;
    return this.bindingsOf(fn);
  }

  /** A kept answer (see `factsAnswers`), with its reads noted again; undefined when none is kept. */
  private keptAnswer<T>(answers: Map<Fn, Map<string, KeptAnswer<T>>>, fn: Fn, key: string): KeptAnswer<T> | undefined {
    const kept = answers.get(fn)?.get(key);
    // (Indexed loops here and in `keepAnswer`: the lists are of two kinds, the shared frozen empty
    // one and others, and a for-of over both allocates an iterator and a result per step.)
    if (kept) for (let i = 0; i < kept.read.length; i++) this.analysis.use(kept.read[i]);
    return kept;
  }

  /** Keeps an answer when every function whose bindings it read has them complete. */
  private keepAnswer<T>(answers: Map<Fn, Map<string, KeptAnswer<T>>>, fn: Fn, key: string, answer: KeptAnswer<T>): boolean {
    for (let i = 0; i < answer.read.length; i++) if (this.binding.has(answer.read[i])) return false;
    let byKey = answers.get(fn);
    if (!byKey) answers.set(fn, (byKey = new Map<string, KeptAnswer<T>>()));
    byKey.set(key, answer);
    return true;
  }

  factsFor(fn: Fn, key: string): ModelFacts | undefined {
    const kept = this.keptAnswer(this.factsAnswers, fn, key);
    if (kept) return kept.value;
    const outer = this.factsReadsFrom;
    const from = this.factsReadsTop;
    this.factsReadsFrom = from;
    let value: ModelFacts | undefined;
    let answer: KeptAnswer<ModelFacts | undefined> | undefined;
    try {
      value = this.readFactsFor(fn, key);
    } finally {
      const top = this.factsReadsTop;
      // Most answers find no facts, and a function's keys mostly read the same bindings (its own,
      // its enclosing functions', the module's): such an answer is the function's last one like it.
      const shared = value === undefined ? NO_FACTS[top - from] : undefined;
      if (shared !== undefined) {
        const last = this.factsAnswers.get(fn)?.get(shared);
        if (last && sameReads(last.read, this.factsReads, from, top)) answer = last;
      }
      answer ??= { value, read: top > from ? this.factsReads.slice(from, top) : NOTHING };
      this.factsReadsTop = from;
      this.factsReadsFrom = outer;
    }
    if (this.keepAnswer(this.factsAnswers, fn, key, answer) && value === undefined) {
      const shared = NO_FACTS[answer.read.length];
      if (shared !== undefined) this.factsAnswers.get(fn)?.set(shared, answer);
    }
    return value;
  }

  factsAt(fn: Fn, key: string, offset: number): ModelFacts | undefined {
    const facts = this.factsFor(fn, key);
    if (!facts || key === 'self' || key.startsWith('self.') || key.includes('>')) return facts;
    const root = rootOf(key);
    for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
      const b = this.bindingsOf(scope);
      const current = b.refs.get(root);
      if (current) {
        const earlier = b.earlier.get(root);
        if (!earlier || current.facts !== facts) return facts;
        return boundAt([...earlier, current], offset)?.facts ?? facts;
      }
      if (scope.params.includes(root) || (scope !== this.moduleFn && scope.locals.has(root))) return facts;
    }
    return facts;
  }

  private readFactsFor(fn: Fn, key: string): ModelFacts | undefined {
    if (key.includes('>')) return undefined;
    if (key.startsWith('self.')) {
      const attr = secondSegment(key) ?? '';
      for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
        if (scope.cls) return this.classAttr(scope.cls, attr);
      }
      return undefined;
    }
    const root = rootOf(key);
    if (root === 'self' && fn.cls) return modelFactsOfClass(fn.cls, this.classes, 'file');
    for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
      const r = this.readBindings(scope).refs.get(root);
      if (r) return r.facts;
      if (scope.params.includes(root) || (scope !== this.moduleFn && scope.locals.has(root))) return undefined;
    }
    return undefined;
  }

  /**
   * A unit test: a `test*` method of a `TestCase` class, any `test*` function of a module that
   * imports pytest or unittest, or a pytest-style `test_<something>` function whose name is not
   * that of an evaluation step (`test_step`, `test_one_epoch`, `test_model` evaluate; `test_forward_shape` tests).
   * The one definition every rule uses (through `SiteIR.inUnitTest` / `ModeArgumentContext.inUnitTest`).
   */
  isUnitTest(fn: Fn): boolean {
    let v = this.unitTests.get(fn);
    if (v === undefined) {
      v = this.computeUnitTest(fn);
      this.unitTests.set(fn, v);
    }
    return v;
  }

  private computeUnitTest(fn: Fn): boolean {
    if (fn.isModule) return false;
    const ws = words(fn.name);
    if (ws[0] !== 'test') return false;
    if (fn.cls && this.isTestCaseClass(fn.cls, new Set())) return true;
    const testFramework = (m: string) => m === 'pytest' || m === 'unittest' || m.startsWith('pytest.') || m.startsWith('unittest.');
    if ([...this.imports.aliases.values()].some(testFramework) || this.imports.starModules.some(testFramework)) return true;
    return ws.length > 1 && !ws.slice(1).every((w) => TEST_STEP_WORDS.has(w));
  }

  private isTestCaseClass(cls: string, seen: Set<string>): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    return (this.classes.get(cls)?.bases ?? []).some((b) => /(^|\.)(TestCase|IsolatedAsyncioTestCase)$/.test(b) || this.isTestCaseClass(b, seen));
  }

  /** The function or one that encloses it (a helper nested in a test) is a unit test. */
  /** The functions an IR entry's `function` (and `className`) names: several when the file defines it more than once. */
  private functionsNamed(name: string, cls: string | undefined): readonly Fn[] {
    return this.fnsByName.get(cls === undefined ? name : `${cls}.${name}`) ?? NOTHING;
  }

  /** `inUnitTest` of the function of that name (and class): of each, when the file defines it more than once. */
  private inUnitTestNamed(name: string, cls: string | undefined): boolean {
    const fns = this.functionsNamed(name, cls);
    return fns.length > 0 && fns.every((fn) => this.inUnitTest(fn));
  }

  private inUnitTest(fn: Fn): boolean {
    for (let f: Fn | undefined = fn; f; f = f.parent) if (this.isUnitTest(f)) return true;
    return false;
  }

  /**
   * Whether a key names a model in a function: its facts there, else what the key says by itself
   * (`keyKind`). Not kept per function and key: the facts are (`factsFor`), the rest per key.
   */
  isModelish(fn: Fn, key: string): boolean {
    let kind = this.keyKinds.get(key);
    if (kind === undefined) {
      kind = this.keyKind(key);
      // (Kept once the pre-pass made the file-wide facts it reads: the switched roots, the optimizer variables.)
      if (this.prepared) this.keyKinds.set(key, kind);
    }
    if (kind === KeyKind.Never) return false;
    return this.factsFor(fn, key) !== undefined || kind === KeyKind.Named;
  }

  /** `keyKind` answers, by key (see `isModelish`). */
  private readonly keyKinds = new Map<string, KeyKind>();
  /** Whether the pre-pass is done (the facts `keyKind` reads besides the key are complete). */
  private prepared = false;

  /** What a key says by itself, in every function: never a model, a model when it has facts, or a model by its name anyway. */
  private keyKind(key: string): KeyKind {
    if (key === 'self' || key.includes('>') || this.isOptimizer(undefined, key)) return KeyKind.Never;
    if (key.startsWith('self.')) return isModelName(secondSegment(key) ?? '') ? KeyKind.Named : KeyKind.ByFacts;
    const root = rootOf(key);
    if (this.classes.has(root)) return KeyKind.ByFacts;
    return isModelName(root) || this.switchedRoots.has(root) ? KeyKind.Named : KeyKind.ByFacts;
  }

  isOptimizer(_fn: Fn | undefined, key: string): boolean {
    // (Each optimizer word holds `opt`, so a key without it names none: most keys asked.)
    if (this.optimizerVars.size === 0 && !/opt/i.test(key)) return false;
    const root = key.startsWith('self.') ? (secondSegment(key) ?? '') : rootOf(key);
    if (this.optimizerVars.has(root)) return true;
    const ws = words(root);
    return ws.some(isOptimizerWord) && !ws.some(isSchedulerWord);
  }

  // ------------------------------------------------------------ pre-pass

  private prepass(): void {
    const accelerators = (statement: Node, picks: StatementPicks['byPass']): string[] => {
      const out: string[] = [];
      const assignments = this.assignmentsIn(statement, picks);
      // (Indexed loops: the lists are of two kinds, the shared frozen empty one and others.)
      for (let i = 0; i < assignments.length; i++) {
        const a = assignments[i];
        const right = a.childForFieldName('right');
        const r = right ? unparen(right) : undefined;
        const info = r?.type === 'call' ? this.callInfo(r) : undefined;
        // (Each name below ends in `Accelerator` or `Fabric`.)
        const q = info && (info.last === 'Accelerator' || info.last === 'Fabric') ? info.q : undefined;
        if (!q || !/^(accelerate(\.accelerator)?\.Accelerator|Accelerator|lightning(\.fabric)?\.Fabric|lightning_fabric\.Fabric)$/.test(q)) continue;
        const key = keyOf(a.childForFieldName('left'));
        if (key) out.push(key);
      }
      return out;
    };
    for (const key of this.pick('accelerators', accelerators, 'assignments')) this.accelerators.add(key);
    // (Trainers are `...Trainer` names or subclasses in this file: see `trainerFramework`. A
    // class of the file leads to a trainer only through a base whose name ends in `Trainer`;
    // without one, the bare names of the file's classes need no look.)
    const subclasses = this.pickingStatements('trainerBases', (statement) => (this.hasTrainerBase(statement) ? [statement] : NOTHING)).length > 0;
    const trainerCalls = subclasses ? this.pickCalls('trainersOrClasses', (c) => c.last.endsWith('Trainer') || c.name !== undefined) : this.pickCalls('trainers', (c) => c.last.endsWith('Trainer'));
    for (const { call, f, last, name } of trainerCalls) {
      if (!last.endsWith('Trainer') && !(name !== undefined && this.classes.has(name))) continue;
      const framework = f ? this.trainerFrameworkOf(f, name) : undefined;
      if (!framework || call.hasError) continue;
      const args = callArgs(call);
      const fn = this.fnOf(call);
      const stmt = statementOf(call);
      const assignment = stmt.namedChildren[0]?.type === 'assignment' ? stmt.namedChildren[0] : undefined;
      const right = assignment?.childForFieldName('right');
      const variable = assignment && right && unparen(right).equals(call) ? keyOf(assignment.childForFieldName('left')) : undefined;
      const info: TrainerInfo = {
        framework,
        call,
        fn,
        variable,
        model: framework === 'huggingface' ? modelKey(argFor(args, 'model', 0)) : undefined,
        args: framework === 'huggingface' ? argFor(args, 'args', 1) : undefined,
        customOptimizer: args.keywords.has('optimizers') || args.keywords.has('optimizer_cls_and_kwargs') || args.hasSplat || this.overridesOptimizer(f as Node),
      };
      this.trainerCalls.push(info);
      if (variable) {
        let m = this.trainers.get(fn);
        if (!m) this.trainers.set(fn, (m = new Map<string, TrainerInfo>()));
        m.set(variable, info);
      }
    }
    for (const { call, f } of this.pickCalls('switches', (c) => c.attr === 'eval' || c.attr === 'train')) {
      if (f) {
        const k = keyOf(f.childForFieldName('object'));
        if (k && callArgs(call).positional.length <= 1 && !this.trainerOf(this.fnOf(call), k)) this.switchedRoots.add(rootOf(k));
      }
    }
    // Optimizers (a syntactic fact: `opt = torch.optim.SGD(...)`).
    const optimizers = (statement: Node, picks: StatementPicks['byPass']): { left: Node; r: Node; variable: string }[] => {
      const out: { left: Node; r: Node; variable: string }[] = [];
      const assignments = this.assignmentsIn(statement, picks);
      for (let i = 0; i < assignments.length; i++) {
        const a = assignments[i];
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        const r = right ? unparen(right) : undefined;
        if (!left || r?.type !== 'call' || left.type === 'pattern_list' || left.type === 'tuple_pattern' || !this.optimizerBuild(r)) continue;
        const key = keyOf(left);
        const variable = key ? this.optimizerVariable(key, r) : undefined;
        if (variable) out.push({ left, r, variable });
      }
      return out;
    };
    for (const { left, r, variable } of this.pick('optimizerVariables', optimizers, 'assignments')) {
      if (left.type === 'identifier' && this.launcher(r)) continue;
      this.optimizerVars.add(variable);
    }
  }

  /**
   * Whether a top-level statement holds a class with a base whose qualified name ends in
   * `Trainer` (`trainerFramework` asks the bases of the file's classes, and its answers all end so).
   */
  private hasTrainerBase(statement: Node): boolean {
    if (!holdsClasses(statement)) return false;
    for (const c of statement.descendantsOfType('class_definition')) {
      for (const b of c.childForFieldName('superclasses')?.namedChildren ?? []) if ((this.qualified(b) ?? '').endsWith('Trainer')) return true;
    }
    return false;
  }

  /** The variable an optimizer construction assigned to `key` defines (`self.opt` -> `opt`), or undefined when `call` builds no optimizer. */
  private optimizerVariable(key: string, call: Node): string | undefined {
    const built = this.optimizerBuild(call);
    if (built === 'optimizer') return key.startsWith('self.') ? (secondSegment(key) ?? key) : rootOf(key);
    return built === 'factory' ? rootOf(key) : undefined;
  }

  /** Whether `call` builds an optimizer (`torch.optim.SGD(...)`) or calls an optimizer factory (`create_optimizer(...)`). */
  private optimizerBuild(call: Node): 'optimizer' | 'factory' | undefined {
    const info = this.callInfo(call);
    // (A factory's name holds `create_optimizer`, and a name holds it only where the file's text does: most files have none.)
    if (!OPTIMIZERS.has(info.last) && !this.mayCreateOptimizers()) return undefined;
    // (Without an import, `q` is the callee's dotted name: an optimizer's name ends it, or the callee's text holds `create_optimizer`.)
    if (info.imported === undefined && !OPTIMIZERS.has(info.last) && !(info.f?.text.includes('create_optimizer') ?? false)) return undefined;
    const { q, last } = info;
    if (!q) return undefined;
    if (OPTIMIZERS.has(last) && (q.startsWith('torch.optim') || q.startsWith('optim.') || q === last || q.startsWith('timm.optim'))) return 'optimizer';
    return q.includes('create_optimizer') ? 'factory' : undefined;
  }

  /** Whether the file's text holds `create_optimizer` (read when first asked). */
  private mayCreateOptimizers(): boolean {
    return (this.createsOptimizers ??= this.text.includes('create_optimizer'));
  }

  private createsOptimizers: boolean | undefined;

  /**
   * The models built in the arguments of `fn`'s calls of the file's plain functions
   * (`train_model(MLP(), loader)`), with what they build. Only bare-name callees that name a
   * function of the file are looked at.
   */
  private inlineModelArguments(fn: Fn): { arg: Node; built: ConstructionOrigin }[] {
    const calls = fn.isModule ? this.moduleCallsToOwnFunctions() : fn.body ? this.callsIn(fn.body) : NOTHING;
    const out: { arg: Node; built: ConstructionOrigin }[] = [];
    for (const call of calls) {
      const f = call.childForFieldName('function');
      if (f?.type !== 'identifier' || !this.fnsByName.has(f.text)) continue;
      const args = callArgs(call);
      for (const a of [...args.positional, ...args.keywordValues]) {
        const inner = unparen(a);
        if (inner.type !== 'call') continue;
        const built = this.safeConstructs(inner, fn);
        if (built) out.push({ arg: inner, built });
      }
    }
    return out;
  }

  /** Calls at module level (outside definitions) whose callee is a bare name of a function of the file (see `inlineModelArguments`). */
  private moduleCallsToOwnFunctions(): readonly Node[] {
    const out: Node[] = [];
    for (const statement of this.withCalls()) {
      if (INERT_STATEMENTS.has(statement.type)) continue;
      for (const call of this.callsIn(statement)) {
        const f = call.childForFieldName('function');
        if (f?.type === 'identifier' && this.fnsByName.has(f.text)) out.push(call);
      }
    }
    return out;
  }

  /** Computes a function's bindings: model constructions assigned, wrapped and launched, in source order. */
  private bind(fn: Fn, out: FunctionBindings): void {
    if (fn.isModule && this.keeper.keeps) this.bindModule(fn, out);
    else for (const a of this.assignmentsOf(fn)) this.bindAssignment(fn, a, out, undefined);
    // `Trainer(model=Net(), ...)`, Lightning's `trainer.fit(LitNet(), loader)`: the model built
    // in the call, under its text (see `modelKey`).
    for (const t of this.trainerCalls) {
      if (t.fn !== fn || t.framework !== 'huggingface' || t.model === undefined) continue;
      const given = argFor(callArgs(t.call), 'model', 0);
      const built = given && unparen(given).type === 'call' ? this.constructs(unparen(given), fn) : undefined;
      if (built) setBinding(out, 'refs', t.model, { facts: built.facts, span: spanOf(given as Node) });
    }
    for (const fit of this.trainerCalls.length > 0 ? this.lightningFits() : NOTHING) {
      const built = fit.fn === fn && fit.built ? this.constructs(fit.built, fn) : undefined;
      if (built && fit.built) setBinding(out, 'refs', fit.model, { facts: built.facts, span: spanOf(fit.built) });
    }
    // `train_model(MLP(), loader)`: a model built in the call to a function of the file, under its text.
    for (const { arg, built } of this.inlineModelArguments(fn)) setBinding(out, 'refs', modelKey(arg) as string, { facts: built.facts, span: spanOf(arg) });
    // In a LightningModule's `train_dataloader()`, `self` is the model the loader feeds; in its
    // `configure_optimizers()`, the model whose parameters the optimizer gets (`self.parameters()`).
    if ((fn.name === 'train_dataloader' || fn.name === 'configure_optimizers') && fn.cls && this.isLightningClass(fn.cls, 'LightningModule')) {
      const facts = modelFactsOfClass(fn.cls, this.classes, 'file');
      if (facts) setBinding(out, 'refs', 'self', { facts, span: spanOf(fn.node) });
    }
  }

  /**
   * The module's bindings in an open document, statement by statement: a statement whose writes
   * the document kept (`FlowKeeper.keptBindings`) does them again without reading its
   * assignments; the others are bound in a group of their own (what they use and whether
   * anything tainted them is recorded there) and their writes offered to the next analysis.
   */
  private bindModule(fn: Fn, out: FunctionBindings): void {
    const select = (statement: Node, picks: StatementPicks['byPass']) => this.moduleAssignmentsIn(statement, picks);
    const statements = this.pickingStatements('moduleAssignments', select, 'assignments');
    // When every statement does the writes the last analysis's did (the same kept objects, in the
    // same order), the maps they made are the same: they are shared, not filled again.
    const last = this.keeper.lastModuleBindings;
    let same = last !== undefined && last.statements === statements;
    const writesOf = new Array<readonly BindingWrite[] | undefined>(statements.length);
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i];
      const kept = this.keeper.keptBindings(statement);
      if (same && kept !== undefined && kept === last?.writes[i]) {
        writesOf[i] = kept;
        continue;
      }
      if (same) {
        // The statements before this one did the same writes as last time: done now, in order.
        same = false;
        for (let j = 0; j < i; j++) for (const w of writesOf[j] ?? NOTHING) setBinding(out, w.to, w.key, w.value);
      }
      if (kept) {
        for (const w of kept) setBinding(out, w.to, w.key, w.value);
        writesOf[i] = kept;
        continue;
      }
      writesOf[i] = this.bindStatement(fn, statement, out);
    }
    if (same && last) {
      const shared = out as { -readonly [K in keyof FunctionBindings]: FunctionBindings[K] };
      shared.refs = last.bindings.refs;
      shared.attrs = last.bindings.attrs;
      shared.aliases = last.bindings.aliases;
      shared.earlier = last.bindings.earlier;
      return;
    }
    this.keeper.keepModuleBindings({ statements, writes: writesOf, bindings: out });
  }

  /**
   * Binds a module-level statement's assignments into `out`, in a group of its own, and offers its
   * writes to the next analysis. (Apart from `bindModule`: the closure here would make each pass
   * of its loop allocate a context, kept statements included.)
   */
  private bindStatement(fn: Fn, statement: Node, out: FunctionBindings): BindingWrite[] {
    const assignments = this.moduleAssignmentsIn(statement, this.picksOf(statement));
    const writes: BindingWrite[] = [];
    const group = new FlowGroup();
    this.analysis.within(fn, () => {
      for (const a of assignments) this.bindAssignment(fn, a, out, writes);
    }, group);
    this.keeper.keepBindings(statement, writes, group, (v) => this.foreignFacts.has(v));
    return writes;
  }

  /** What one assignment binds, into `out` (and `writes`, when the writes are kept: see `bindModule`). */
  private bindAssignment(fn: Fn, a: Node, out: FunctionBindings, writes: BindingWrite[] | undefined): void {
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (!left || !right) return;
    const r = unparen(right);
    if ((left.type === 'pattern_list' || left.type === 'tuple_pattern') && r.type === 'call') {
      if (this.launcher(r)) this.launcherTargets(left.namedChildren, r, fn, out, writes);
      else this.unpackedReturns(left.namedChildren, r, fn, out, writes);
      return;
    }
    const key = keyOf(left);
    if (!key) return;
    if (r.type === 'call' && left.type === 'identifier' && this.launcher(r)) {
      this.launcherTargets([left], r, fn, out, writes);
      return;
    }
    if (r.type === 'call' && this.optimizerVariable(key, r)) return;
    const built = r.type === 'call' ? this.safeConstructs(r, fn) : undefined;
    let facts = built?.facts;
    if (!facts) {
      // `model = DDP(model)`, `net = model.to(device)`: the same model; `ema = copy.deepcopy(model)`: a copy of it.
      const src = r.type === 'call' ? (wrappedModelKey(r) ?? copiedModelKey(r)) : keyOf(r);
      if (src) facts = this.factsFor(fn, src);
    }
    // `trained = train_model(net, loader)`, a function of the file that returns the model it is given.
    if (!facts && r.type === 'call') facts = this.passedThroughFacts(r, fn);
    if (!facts) return;
    if (key.startsWith('self.') && fn.cls) write(out, writes, 'attrs', secondSegment(key) ?? '', facts);
    else if (!key.includes('.')) write(out, writes, 'refs', key, { facts, span: spanOf(r) });
  }

  /**
   * `transformers.Trainer` / `Seq2SeqTrainer` (or a subclass in this file, or trl's, Optimum's
   * and sentence-transformers' trainers): `huggingface`; Lightning's `Trainer`: `lightning`.
   */
  /** `trainerFramework` of a callee, kept for the analysis by the name it is when a bare name (the answer depends on the name only). */
  private trainerFrameworkOf(callee: Node, name: string | undefined): 'huggingface' | 'lightning' | undefined {
    if (name === undefined) return this.trainerFramework(callee);
    const known = this.trainerFrameworks.get(name);
    if (known !== undefined || this.trainerFrameworks.has(name)) return known;
    const framework = this.trainerFramework(callee);
    this.trainerFrameworks.set(name, framework);
    return framework;
  }

  private readonly trainerFrameworks = new Map<string, 'huggingface' | 'lightning' | undefined>();

  private trainerFramework(callee: Node, seen = new Set<string>()): 'huggingface' | 'lightning' | undefined {
    const q = this.qualified(callee) ?? '';
    // (Optimum's `ORTTrainer`, `INCTrainer`, `GaudiTrainer` and sentence-transformers'
    // `SentenceTransformerTrainer` are `transformers.Trainer` subclasses.)
    if (/^(transformers|trl|optimum|sentence_transformers)(\.\w+)*\.\w*Trainer$/.test(q)) return 'huggingface';
    if (/^(lightning|pytorch_lightning|lightning\.pytorch)(\.\w+)*\.Trainer$/.test(q)) return 'lightning';
    if (callee.type === 'identifier' && !seen.has(callee.text)) {
      seen.add(callee.text);
      const cls = this.classes.get(callee.text);
      const def = cls ? this.classDefinition(callee.text) : undefined;
      for (const b of def?.childForFieldName('superclasses')?.namedChildren ?? []) {
        const k = this.trainerFramework(b, seen);
        if (k) return k;
      }
    }
    return undefined;
  }

  /** The file's first class definition of that name (nested ones included). */
  private classDefinition(name: string): Node | undefined {
    if (!this.classDefinitions) {
      this.classDefinitions = new Map<string, Node>();
      for (const c of this.tree.rootNode.descendantsOfType('class_definition')) {
        const n = c.childForFieldName('name')?.text;
        if (n !== undefined && !this.classDefinitions.has(n)) this.classDefinitions.set(n, c);
      }
    }
    return this.classDefinitions.get(name);
  }

  private classDefinitions: Map<string, Node> | undefined;

  /** A Trainer subclass of this file that builds its own optimizer or decay groups. */
  private overridesOptimizer(callee: Node): boolean {
    if (callee.type !== 'identifier') return false;
    const body = this.classDefinition(callee.text)?.childForFieldName('body');
    return (body?.namedChildren ?? []).some((d) => {
      const def = d.type === 'decorated_definition' ? d.namedChildren.find((c) => c.type === 'function_definition') : d;
      return def?.type === 'function_definition' && /^(create_optimizer|create_optimizer_and_scheduler|get_decay_parameter_names)$/.test(def.childForFieldName('name')?.text ?? '');
    });
  }

  trainerOf(fn: Fn, key: string): { readonly framework: 'huggingface' | 'lightning'; readonly model: string | undefined } | undefined {
    // (Most files have no trainer variable: nothing to look up, scope by scope.)
    if (this.trainers.size === 0 || (key.includes('.') && !key.startsWith('self.'))) return undefined;
    for (let scope: Fn | undefined = fn; scope; scope = scope.parent) {
      const t = this.trainers.get(scope)?.get(key);
      if (t) return t;
      if (scope.params.includes(key) || (scope !== this.moduleFn && scope.locals.has(key))) return undefined;
    }
    return undefined;
  }

  launcher(call: Node): LauncherCall | undefined {
    const info = this.callInfo(call);
    const f = info.f;
    if (!f) return undefined;
    // (The qualified name only tells `deepspeed.initialize`: the other launchers are methods, by
    // name: most calls asked, assigned ones, are neither, and their receivers are not read.)
    const initialize = info.last === 'initialize';
    if (!initialize && !mayLaunch(info.attr)) return undefined;
    return launcherCall(call, initialize ? this.qualified(f) : undefined, this.accelerators);
  }

  /** `model, optimizer, train_dl = accelerator.prepare(net, optimizer, train_loader)`: each returned name stands for its argument. */
  private launcherTargets(targets: readonly Node[], call: Node, fn: Fn, out: FunctionBindings, writes: BindingWrite[] | undefined): void {
    const launched = this.launcher(call);
    if (!launched) return;
    targets.forEach((t, i) => {
      const target = t.type === 'identifier' ? t.text : undefined;
      const source = launched.outputs[i];
      if (!target || !source) return;
      const sourceKey = keyOf(source);
      if (sourceKey === target) return;
      if (sourceKey) write(out, writes, 'aliases', target, out.aliases.get(sourceKey) ?? sourceKey);
      const facts = sourceKey ? this.factsFor(fn, sourceKey) : source.type === 'call' ? this.safeConstructs(source, fn)?.facts : undefined;
      if (facts) write(out, writes, 'refs', target, { facts, span: spanOf(call) });
    });
  }

  /**
   * `net, file_name = get_network(args)`: each name unpacked from what a function of the file
   * returns gets the facts of the model at its place in the returned tuple (`return net, file_name`).
   */
  private unpackedReturns(targets: readonly Node[], call: Node, fn: Fn, out: FunctionBindings, writes: BindingWrite[] | undefined): void {
    const f = call.childForFieldName('function');
    const callee = f ? this.resolveFunction(f, fn, undefined) : undefined;
    if (!callee) {
      // A factory of another workspace file: `net, name = get_network(args)` of `from nets import get_network`.
      const at = f && this.options.importedFunctions ? this.importedFunction(f, fn)?.returnsAt : undefined;
      targets.forEach((t, i) => {
        const returned = at?.[i];
        if (t.type === 'identifier' && returned && f) write(out, writes, 'refs', t.text, { facts: this.importedConstruction(returned, call, f).facts, span: spanOf(call) });
      });
      return;
    }
    // (What it returns can change with its body: the caller's bindings depend on its group.)
    this.analysis.use(callee);
    targets.forEach((t, i) => {
      if (t.type !== 'identifier') return;
      const facts = this.returnFacts(callee, i);
      if (facts) write(out, writes, 'refs', t.text, { facts, span: spanOf(call) });
    });
  }

  /** The loader a launcher-returned name stands for (`train_dl` -> `train_dataloader`), else the name. */
  private loaderBehind(fn: Fn, key: string | undefined): string | undefined {
    return key === undefined ? undefined : (this.bindingsOf(fn).aliases.get(key) ?? key);
  }

  /**
   * The facts of the model a call of a function of the file gives back when every `return` of
   * that function returns one of its parameters (`def train_model(model, ...): ... return
   * model`): those of what the call passes for it.
   */
  private passedThroughFacts(call: Node, fn: Fn): ModelFacts | undefined {
    const f = call.childForFieldName('function');
    const callee = f ? this.resolveFunction(f, fn, undefined) : undefined;
    if (!callee) return undefined;
    // (What it returns can change with its body: the caller's bindings depend on its group.)
    this.analysis.use(callee);
    let returned: string | undefined;
    for (const r of callee.body?.descendantsOfType('return_statement') ?? []) {
      if (this.fnOf(r) !== callee) continue;
      const v = r.namedChildren[0];
      const u = v ? unparen(v) : undefined;
      if (u?.type !== 'identifier' || !callee.params.includes(u.text) || (returned !== undefined && returned !== u.text)) return undefined;
      returned = u.text;
    }
    if (returned === undefined) return undefined;
    const params = callee.cls && callee.params[0] === 'self' ? callee.params.slice(1) : callee.params;
    const args = callArgs(call);
    const a = args.keywords.get(returned) ?? args.positional[params.indexOf(returned)];
    if (!a) return undefined;
    const arg = unparen(a);
    if (arg.type === 'call') return this.safeConstructs(arg, fn)?.facts;
    const key = keyOf(arg);
    return key ? this.factsFor(fn, key) : undefined;
  }

  /**
   * The file's classes as a construction at `offset` sees `name`: the last definition of that name
   * before it when the file defines it more than once (a notebook's later cell redefining
   * `Classifier` with Dropout does not change the model an earlier cell built), else `classes`.
   */
  private classesAt(name: string, offset: number): ReadonlyMap<string, ClassFacts> {
    const all = this.redefinedClasses?.get(name);
    if (!all) return this.classes;
    let inForce: ClassFacts | undefined;
    for (const c of all) if (c.span.startOffset < offset) inForce = c;
    if (!inForce || inForce === this.classes.get(name)) return this.classes;
    return new Map(this.classes).set(name, inForce);
  }

  private safeConstructs(call: Node, fn: Fn): ReturnType<TrainingBuilder['constructs']> {
    try {
      return this.constructs(call, fn);
    } catch {
      return undefined;
    }
  }

  // ------------------------------------------------------------ build

  /** See `importedFunctionsFromTree`. (The last definition of a name is the one imported.) */
  importedFunctions(file: string): ReadonlyMap<string, ImportedFunction> {
    const out = new Map<string, ImportedFunction>();
    for (const [name, fns] of this.fnsByName) {
      // (A nested function of the same name defined later is not the module's.)
      let fn: Fn | undefined;
      for (let i = fns.length - 1; i >= 0 && !fn; i--) if (fns[i].cls === undefined && fns[i].parent === this.moduleFn) fn = fns[i];
      if (!fn) continue;
      const returned = this.returned(fn);
      // (A function without parameters matters to a caller only for the model it returns.)
      if (fn.params.length === 0 && !returned.facts && !returned.at.some((f) => f !== undefined)) continue;
      const summary = this.analysis.summary(fn);
      if (summary) out.set(name, importedFunction(fn, summary, this.analysis.origins, this.text, file, (p) => this.isModelish(fn, p), returned, undefined, this.reboundParams(fn), this.gradFreezesOf(fn)));
    }
    // The methods of holder classes (`Trainer.fit`, `Trainer.__init__` with the attributes it sets), their bases' included.
    for (const [cls, c] of this.classes) {
      if (!isHolderClass(cls, this.classes)) continue;
      const names = new Set<string>(['__init__', ...withBases(cls, this.classes).flatMap((k) => k.methods)]);
      for (const m of names) {
        const fn = this.methodOfClass(cls, m);
        const summary = fn ? this.analysis.summary(fn) : undefined;
        const attributes = m === '__init__' ? (fn ? this.initParameterAttributes(fn) : new Map<string, string>()) : undefined;
        if (fn && summary) out.set(`${cls}.${m}`, importedFunction(fn, summary, this.analysis.origins, this.text, file, (p) => this.isModelish(fn, p), NOTHING_RETURNED, { attributes, factsOf: (key) => this.factsFor(fn, key) }, this.reboundParams(fn), this.gradFreezesOf(fn)));
        else if (m === '__init__') out.set(`${cls}.${m}`, { name: m, file, line: c.span.start.line + 1, params: ['self'], modelParams: [], locals: [], exit: [], events: [], cls, attributes: [] });
      }
    }
    // The methods of model classes that switch the instance's modes (`freeze_bn()`, `set_eval()`):
    // a caller's `model.freeze_bn()` applies them as it would the file's own. (Only methods whose
    // text switches a mode are summed up: most methods of a model class switch nothing.)
    for (const [cls, c] of this.classes) {
      if (!isModuleClass(cls, this.classes)) continue;
      for (const m of c.methods) {
        if (m === '__init__' || FORWARD_DEFINITIONS.has(m) || out.has(`${cls}.${m}`)) continue;
        const fn = this.methodOfClass(cls, m);
        if (!fn || !MODE_SWITCH_TEXT.test(fn.node.text)) continue;
        const summary = this.analysis.summary(fn);
        if (!summary?.exit?.keys().some((k) => rootOf(k) === 'self')) continue;
        out.set(`${cls}.${m}`, importedFunction(fn, summary, this.analysis.origins, this.text, file, (p) => this.isModelish(fn, p), NOTHING_RETURNED, { attributes: undefined, factsOf: (key) => this.factsFor(fn, key) }, this.reboundParams(fn), this.gradFreezesOf(fn)));
      }
    }
    return out;
  }

  /**
   * A method of a model class of another workspace file (`model.freeze_bn()` of `from model
   * import RetinaNet`), as that file's analysis summed it up: undefined unless it switches modes
   * of the instance (see `importedFunctions`).
   */
  importedModelMethod(facts: ModelFacts, method: string): ImportedFunction | undefined {
    return facts.evidence === 'workspace' && this.options.importedFunctions ? this.importedMember(facts.name, undefined, method) : undefined;
  }

  /** The models `fn` returns: the whole value's, and at each place of the tuples it returns. */
  private returned(fn: Fn): Returned {
    let places = 0;
    for (const r of fn.body?.descendantsOfType('return_statement') ?? []) {
      const v = r.namedChildren[0];
      const u = v && this.fnOf(r) === fn ? unparen(v) : undefined;
      if (u?.type === 'expression_list' || u?.type === 'tuple') places = Math.max(places, u.namedChildren.filter((c) => c.type !== 'comment').length);
    }
    const at: (ModelFacts | undefined)[] = [];
    for (let i = 0; i < places; i++) at.push(this.returnFacts(fn, i));
    return { facts: this.returnFacts(fn), at };
  }

  /**
   * Whether `fn` is a method of a model class whose summary only a caller needs (`forward`,
   * `__init__` building layers, helpers computing shapes): nothing in its text switches a mode,
   * opens a no-grad region, trains, exports or copies, nor calls a method of its class that does
   * (`self._init_backbone(...)`), and its name is no inference or training function's
   * (`validation_step`, `predict`). The instance's mode on entry is its caller's, so what it runs
   * says nothing until a caller applies it (and a caller in view asks for the summary then).
   * Most methods of a model file are such: `build` does not interpret them.
   */
  private summarisedWhenAsked(fn: Fn): boolean {
    if (this.options.everyMethod) return false;
    const known = this.askedOnly.get(fn);
    if (known !== undefined) return known;
    // (A method calling itself, directly or through others, is summarised.)
    this.askedOnly.set(fn, false);
    const cls = fn.cls;
    let out = cls !== undefined && fn.noGradDecorator === undefined && isModuleClass(cls, this.classes) && !soundsLikeInference(fn.name) && !soundsLikeTraining(fn.name) && !fn.name.includes('step');
    const text = out ? fn.node.text : '';
    if (out) out = !MAY_RECORD.test(text);
    if (out && cls !== undefined && text.includes('self.')) {
      for (const m of text.matchAll(SELF_CALL)) {
        const callee = this.methodOfClass(cls, m[1]);
        if (callee && !this.summarisedWhenAsked(callee)) {
          out = false;
          break;
        }
      }
    }
    this.askedOnly.set(fn, out);
    return out;
  }

  /** What `summarisedWhenAsked` answered, by method. */
  private readonly askedOnly = new Map<Fn, boolean>();

  build(): TrainingIR {
    const allEvents: FlowEvent[] = [];
    // Statement by statement: a group used again whole has the events and model variables it had
    // (read once, then kept on it), so its functions are not asked one by one (in an open
    // document, most of the file's).
    // The module's function first, then the keeper's statements with functions, in document order.
    const count = this.keeper.statementCount + 1;
    const moduleFns = [this.moduleFn];
    /** The model variables kept of each of them (see `modelVariables`): the keeper's scratch list. */
    const parts = this.keeper.scratch as (GroupVariables | undefined)[];
    for (let i = 0; i < count; i++) {
      const fns = i === 0 ? moduleFns : this.keeper.functionsAt(i - 1);
      const reused = i > 0 ? this.keeper.reusedGroupAt(i - 1) : undefined;
      if (reused?.events) {
        if (!reused.quiet) this.analysis.list(reused);
        parts[i] = reused.variables;
        const events = reused.events;
        for (let j = 0; j < events.length; j++) allEvents.push(events[j]);
        continue;
      }
      parts[i] = undefined;
      const from = allEvents.length;
      for (let j = 0; j < fns.length; j++) {
        if (this.summarisedWhenAsked(fns[j])) continue;
        const s = this.analysis.summary(fns[j]);
        if (s) for (let k = 0; k < s.events.length; k++) allEvents.push(s.events[k]);
      }
      const group = this.keeper.groupOf(fns[0]);
      if (!this.keeper.isShared(group)) {
        // (Its summaries are all made now: what they recorded is complete.)
        group.events = allEvents.length > from ? allEvents.slice(from) : NOTHING;
        group.quiet = group.switches.size === 0 && group.noGradRegions.size === 0 && group.freezeCalls.size === 0;
      }
    }
    // (Every function's bindings: the last of what the groups kept for the next analysis hold.)
    const models = this.modelVariables(moduleFns, parts);
    this.keeper.end((v) => this.foreignFacts.has(v));
    this.withoutTrainingSteps = !allEvents.some((e) => e.kind === 'step');
    const sites = this.sites(allEvents);
    const freezes = this.freezes();
    const withTargets = sites.map((s) => (s.site.kind === 'training-step' ? this.stepTargets(s, freezes) : s));
    const loaders = this.loaders(allEvents).map((l) => (this.inUnitTestNamed(l.function, l.className) ? { ...l, inUnitTest: true as const } : l));
    const optimizers = this.optimizers();
    const distributed = this.distributed();
    const gradAccum = this.gradAccum();
    // An OpenMMLab config file: its model, loader and runner settings are module-level dicts.
    const mm = mmConfigFacts(this.tree.rootNode, { resolver: this.resolver, imports: this.imports }, this.options.configBases);
    return {
      models: mm ? [...models, ...mm.models].sort((a, b) => a.span.startOffset - b.span.startOffset) : models,
      loaders: mm ? [...loaders, ...mm.loaders] : loaders,
      distributed: mm ? { ...distributed, frameworkStrategies: [...distributed.frameworkStrategies, ...mm.syncBatchNorm.map((s) => ({ ...s, syncBatchNorm: true }))] } : distributed,
      gradAccum: mm ? [...gradAccum, ...mm.gradAccum].sort((a, b) => a.span.startOffset - b.span.startOffset) : gradAccum,
      modeSwitches: this.analysis.switches().sort((a, b) => a.span.startOffset - b.span.startOffset).map((s) => ({ span: s.span, target: s.target, op: s.op, scope: s.scope, function: s.fn, ...(s.branch !== undefined ? { branch: s.branch } : {}) })),
      noGradRegions: this.analysis.noGradRegions().sort((a, b) => a.span.startOffset - b.span.startOffset).map((r) => ({ span: r.span, kind: r.kind, function: r.fn })),
      sites: withTargets.map((s) => s.site),
      optimizers: mm ? [...optimizers, ...mm.optimizers] : optimizers,
      freezes,
      keras: this.keras(),
      flax: this.flax(),
      weightLoads: this.weightLoads(),
      ...optional('trainingFlags', this.trainingFlags()),
      ...optional('unknownLocals', this.unknownLocals([...loaders.map((l) => ({ at: l, names: l.feeds })), ...optimizers.map((o) => ({ at: o, names: o.models }))])),
    };
  }

  /**
   * Of the names loaders feed and optimizers take (`uses`, each with the function it is in), those
   * that are local variables of their function with no model binding there (see
   * `TrainingIR.unknownLocals`).
   */
  private unknownLocals(uses: readonly { at: { readonly function: string; readonly className?: string }; names: readonly string[] }[]): NonNullable<TrainingIR['unknownLocals']> {
    const out: { name: string; function: string; className?: string }[] = [];
    for (const { at, names } of uses) {
      const fns = this.functionsNamed(at.function, at.className);
      for (const name of names) {
        const root = rootOf(name);
        if (root === 'self' || name.includes('(')) continue;
        const local = fns.length > 0 && fns.every((fn) => !fn.isModule && fn.locals.has(root) && !fn.params.includes(root) && !this.bindingsOf(fn).refs.has(root));
        if (local && !out.some((u) => u.name === root && u.function === at.function && u.className === at.className)) out.push({ name: root, function: at.function, ...(at.className === undefined ? {} : { className: at.className }) });
      }
    }
    return out;
  }

  /** `model.load_state_dict(...)` and the like: the model gets weights (it is not a fresh random one). */
  private weightLoads(): TrainingIR['weightLoads'] {
    const out: WeightLoadIR[] = [];
    for (const { call, f, attr, args } of this.pickCalls('weightLoads', (c) => c.attr !== undefined && WEIGHT_LOADS.has(c.attr))) {
      if (!f) continue;
      const method = attr ?? '';
      const model = keyOf(f.childForFieldName('object'));
      // `target.load_state_dict(online.state_dict())`: another model's weights.
      const arg = args.positional[0] ? unparen(args.positional[0]) : undefined;
      const source = arg?.type === 'call' ? arg.childForFieldName('function') : undefined;
      const from = source?.type === 'attribute' && source.childForFieldName('attribute')?.text === 'state_dict' ? keyOf(source.childForFieldName('object')) : undefined;
      if (model) out.push({ model, method, span: spanOf(call), ...(from ? { from } : {}) });
    }
    return out;
  }

  /**
   * The train() and eval() switches of a value made in exclusive branches of one condition
   * (their facts' guards contradict: `if args.weights == 'finetune': model.train()` /
   * `elif args.weights == 'freeze': model.eval()`), in pairs.
   */
  private alternativeSwitches(v: Val): { train: ModeOrigin; eval: ModeOrigin }[] {
    const out: { train: ModeOrigin; eval: ModeOrigin }[] = [];
    // (The conditions each was made under: a switch that only survived the path where another was not made is no alternative to it.)
    const switches = [...v.values()].filter((f) => f.made && (f.mode === 'train' || f.mode === 'eval') && this.analysis.origins[f.origin]?.kind === 'switch');
    for (const t of switches) {
      if (t.mode !== 'train') continue;
      const atoms = (t.made as string).split('&');
      for (const e of switches) {
        if (e.mode !== 'eval') continue;
        const contradicts = (e.made as string).split('&').some((a) => atoms.includes((a.startsWith('+') ? '-' : '+') + a.slice(1)));
        if (contradicts) out.push({ train: this.analysis.origins[t.origin], eval: this.analysis.origins[e.origin] });
      }
    }
    return out;
  }

  /**
   * What `key` may hold where event `e` happens: its facts there, less those of paths that
   * contradict the branch conditions the event is under, and less those of paths on which its name
   * is not bound yet: the `entry` value of a name the event's scope binds itself (`if arch == 'a':
   * model = A()` / `elif ...: model = B()`, with no `else`) is no value at all, since that path
   * raises NameError (UnboundLocalError in a function) before the event. A value of nothing else
   * is kept as it is.
   */
  private reaching(e: FlowEvent, key: string): Val {
    const v = this.withModuleEntry(e, this.withHolderEntry(e, consistent(e.state.lookup(key), e.assume)));
    const unbound = (f: Fact) => f.mode === 'entry' && this.bindsItself(e.owner, rootOf(f.key));
    let count = 0;
    for (const f of v.values()) if (unbound(f)) count++;
    if (count === 0 || count === v.size) return v;
    const out = new Map<string, Fact>();
    for (const [id, f] of v) if (!unbound(f)) out.set(id, f);
    return out;
  }

  /**
   * The events whose modes on entry were resolved without a caller (`withHolderEntry` from
   * `__init__`, `withModuleEntry` from the module's code): a site of one of them gives way to a
   * copy of the same site resolved at a caller's call (see `sites`).
   */
  private readonly initEntered = new Set<FlowEvent>();

  /**
   * A value read in a method of a holder class (a `Predictor` whose `__init__` builds the model and
   * whose `__call__` runs it), where the mode of one of the instance's own attributes on entry is
   * what `__init__` left when no other method of the class switches it, binds it or hands it to
   * another call: those entry facts are replaced by `__init__`'s modes. (A caller in view applies
   * the methods with its own state; this is for methods called from code not in view.)
   */
  private withHolderEntry(e: FlowEvent, v: Val): Val {
    const cls = e.owner.cls;
    if (cls === undefined) return v;
    return this.withEntryResolved(e, v, (f) => (f.key.startsWith('self.') ? this.holderInitMode(cls, f.key) : undefined));
  }

  /**
   * `v` with each `entry` fact for which `resolve` gives modes (`withHolderEntry`'s, `withModuleEntry`'s)
   * replaced by them; the event is then one resolved on entry (`initEntered`).
   */
  private withEntryResolved(e: FlowEvent, v: Val, resolve: (f: Fact) => Val | undefined): Val {
    let out: Map<string, Fact> | undefined;
    for (const [id, f] of v) {
      if (f.mode !== 'entry') continue;
      const modes = resolve(f);
      if (!modes) continue;
      out ??= new Map(v);
      out.delete(id);
      for (const [i, g] of modes) out.set(i, g);
    }
    if (!out) return v;
    this.initEntered.add(e);
    return out;
  }

  /**
   * A value read in a function of a script without training (a Gradio `predict(image)`, a Flask
   * route, a serving `handler(batch)`: called by a framework, not by code in view) where a
   * module-level model's mode on entry is what the module's code leaves it in: those entry facts
   * are replaced by the module's exit modes, when they are all known and no code of the file
   * switches the model (`train()` / `eval()` anywhere: then which runs first is not known). Only
   * for inference and export events, and only in a file without training steps, where nothing
   * runs the function while a training loop has the model in training mode. (A caller in view
   * applies the function with its own state, and its copy of the site decides: see `sites`.)
   */
  private withModuleEntry(e: FlowEvent, v: Val): Val {
    const fn = e.owner;
    if (fn.isModule || fn.cls !== undefined || e.kind === 'step' || !this.withoutTrainingSteps) return v;
    return this.withEntryResolved(e, v, (f) => {
      const root = rootOf(f.key);
      return fn.params.includes(root) || this.bindsItself(fn, root) || !this.bindsItself(this.moduleFn, root) ? undefined : this.moduleExitMode(f.key);
    });
  }

  /** Whether the file's events have no training step (set by `build` before sites are read). */
  private withoutTrainingSteps = false;

  /** `withModuleEntry`'s answers, by key. */
  private readonly moduleExitModes = new Map<string, Val | undefined>();

  private moduleExitMode(key: string): Val | undefined {
    if (this.moduleExitModes.has(key)) return this.moduleExitModes.get(key);
    this.moduleExitModes.set(key, undefined);
    // (A model switched anywhere in the file, `model.eval()` at module level or in a function the
    // framework may call first, is left alone: asking each function's exit state instead would
    // read every summary of the file again at each edit.)
    if (this.switchedRoots.has(rootOf(key))) return undefined;
    const v = this.analysis.summary(this.moduleFn)?.exit?.lookup(key);
    if (!v || v.size === 0) return undefined;
    for (const f of v.values()) if (f.mode === 'entry' || f.mode === 'unknown') return undefined;
    this.moduleExitModes.set(key, v);
    return v;
  }

  /** `withHolderEntry`'s answers, by class and key. */
  private readonly holderInitModes = new Map<string, Val | undefined>();

  private holderInitMode(cls: string, key: string): Val | undefined {
    const id = `${cls}\n${key}`;
    if (this.holderInitModes.has(id)) return this.holderInitModes.get(id);
    this.holderInitModes.set(id, undefined);
    const init = this.methodOfClass(cls, '__init__');
    const attr = secondSegment(key) ?? '';
    if (!init || !isHolderClass(cls, this.classes)) return undefined;
    // Every other method leaves the attribute as it found it (its exit state says nothing else of
    // it) and assigns it nothing (`self.model = torch.load(path)`: a mode not known); `__init__`
    // leaves it in modes it set.
    for (const m of withBases(cls, this.classes).flatMap((k) => this.methods.get(k.name) ?? [])) {
      if (m === init) continue;
      const exit = this.analysis.summary(m)?.exit;
      if (exit && exit.keys().some((k) => k === `self.${attr}` || k.startsWith(`self.${attr}.`))) return undefined;
      if (this.lastAssignmentOf(m, `self.${attr}`, Number.MAX_SAFE_INTEGER)) return undefined;
    }
    const v = this.analysis.summary(init)?.exit?.lookup(key);
    if (!v || v.size === 0) return undefined;
    for (const f of v.values()) if (f.mode === 'entry' || f.mode === 'unknown') return undefined;
    this.holderInitModes.set(id, v);
    return v;
  }


  /** Whether `name` is bound by `fn`'s own code (not a parameter: those are bound on entry), so unbound before that. */
  private bindsItself(fn: Fn, name: string): boolean {
    if (fn.params.includes(name)) return false;
    let bound = this.boundByScope.get(fn);
    if (!bound) {
      const body = fn.isModule ? fn.node : fn.body;
      this.boundByScope.set(fn, (bound = body ? boundNames(body) : { names: new Set<string>(), starImport: false }));
    }
    return !bound.starImport && bound.names.has(name);
  }

  private modeAt(v: Val): ModeAt {
    const modes = new Set<'train' | 'eval'>();
    const origins: ModeOrigin[] = [];
    let unresolved = false;
    // The flag that chose each training-mode fact (`if training: model.train()`), if any.
    const flags = new Set<string | undefined>();
    for (const f of v.values()) {
      if (f.mode === 'entry' || f.mode === 'alias') {
        unresolved = true;
        continue;
      }
      if (f.mode === 'train') flags.add(trainingFlag(f.made));
      const o = this.analysis.origins[f.origin];
      if (!o) continue;
      if (f.mode === 'unknown') unresolved = true;
      else modes.add(f.mode);
      if (!origins.some((x) => x === o)) origins.push(o);
    }
    const order = (m: 'train' | 'eval') => (m === 'train' ? 0 : 1);
    const [flag] = flags;
    const alternatives = modes.size === 2 ? this.alternativeSwitches(v) : [];
    return {
      modes: [...modes].sort((a, b) => order(a) - order(b)),
      origins: origins.sort((a, b) => a.span.startOffset - b.span.startOffset),
      ...(alternatives.length > 0 ? { alternatives } : {}),
      unresolved,
      ...(flags.size === 1 && flag !== undefined ? { trainChosenBy: flag } : {}),
    };
  }

  private sites(events: readonly FlowEvent[]): { site: SiteIR; event: FlowEvent }[] {
    const out: { site: SiteIR; event: FlowEvent }[] = [];
    const seen = new Set<string>();
    const teachers = this.teacherForwards(events);
    for (const e of events) {
      const reason = e.reason ?? (e.kind === 'forward' ? teachers.get(e) : undefined);
      if (e.kind === 'forward' && !reason) continue;
      const keys = e.kind === 'step' ? (e.trainedKeys.length > 0 ? e.trainedKeys : ['']) : [e.key];
      for (const key of keys) {
        const mode = key ? this.modeAt(this.reaching(e, key)) : { modes: [], origins: [], unresolved: true };
        const site: SiteIR = {
          kind: e.kind === 'forward' ? 'inference' : e.kind === 'export' ? 'export' : 'training-step',
          detail: e.detail,
          ...(e.step ? { step: e.step } : {}),
          span: e.span,
          statementSpan: e.statementSpan,
          // Read from the current text: a summary kept from an earlier analysis has its spans
          // moved, but the line a statement sits on may have changed in front of it.
          indent: indentAt(this.text, e.statementSpan.startOffset),
          outerStatementSpan: e.outerStatementSpan,
          outerIndent: indentAt(this.text, e.outerStatementSpan.startOffset),
          noGradStatement: e.noGradStatement && { span: e.noGradStatement.span, indent: indentAt(this.text, e.noGradStatement.span.startOffset) },
          model: e.siteKey || key,
          modelInCaller: key,
          facts: (e.kind === 'step' ? undefined : e.facts) ?? (key ? this.factsFor(e.owner, key) : undefined) ?? unknownFacts(key),
          function: e.fn.name,
          reason: reason ?? (e.kind === 'export' ? 'export' : e.kind === 'step' ? 'training step' : ''),
          inUnitTest: e.inUnitTest,
          ...(e.resultDropped ? { resultDropped: true } : {}),
          ...(e.reason === undefined && reason !== undefined ? { teacher: true } : {}),
          inNoGrad: e.noGrad !== undefined,
          noGradSpan: e.noGrad,
          mode,
          via: e.via,
          ...(e.via.length > 0 ? { caller: e.chain[e.chain.length - 1] } : {}),
          ...(e.loaderKey ? { loader: this.loaderBehind(e.owner, e.loaderKey) } : {}),
          ...(e.imported ? { imported: e.imported } : {}),
        };
        const id = JSON.stringify([site.kind, site.span.startOffset, key, site.via.map((v) => v.startOffset), mode.modes, mode.origins.map((o) => o.span.startOffset), mode.unresolved]);
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ site, event: e });
      }
    }
    // Where a site resolved in some caller, its unresolved stand-alone copies add nothing; nor do
    // copies resolved by a holder's `__init__` (`withHolderEntry`) where a caller's call applies it.
    const resolvedAt = new Set(out.filter((s) => s.site.mode.modes.length > 0).map((s) => `${s.site.kind}:${s.site.span.startOffset}`));
    const calledAt = new Set(out.filter((s) => s.event.via.length > 0 && !this.initEntered.has(s.event)).map((s) => `${s.site.kind}:${s.site.span.startOffset}`));
    return out
      .filter((s) => (s.site.mode.modes.length > 0 || !resolvedAt.has(`${s.site.kind}:${s.site.span.startOffset}`)) && !(this.initEntered.has(s.event) && calledAt.has(`${s.site.kind}:${s.site.span.startOffset}`)))
      // (At one place, the sites that know their model's definition first: a rule reporting a place once reports what is known there.)
      .sort((a, b) => a.site.span.startOffset - b.site.span.startOffset || unknownLast(a.site) - unknownLast(b.site));
  }

  /**
   * Forwards of a model the training loop does not train, under `no_grad` in that loop, of a model
   * given weights (`teacher.load_state_dict(...)`, a pretrained library model): a distillation
   * teacher, whose outputs are the targets. In training mode its BatchNorm normalizes with each
   * batch and overwrites the running statistics it was trained with. (A target network updated
   * from the trained one, BYOL / MoCo style, is a copy, or given the trained model's weights: not one.)
   */
  private teacherForwards(events: readonly FlowEvent[]): Map<FlowEvent, string> {
    const out = new Map<FlowEvent, string>();
    let loaded: Set<string> | undefined;
    // (The models the optimizers receive, when every optimizer says: the steps' trained models are
    // every model the function calls outside no_grad, `teacher.load_state_dict(...)` included.)
    let optimized: Set<string> | null | undefined;
    for (const e of events) {
      if (e.kind !== 'forward' || e.reason || !e.noGrad || !e.loaderKey || !e.key) continue;
      const root = rootOf(e.key);
      const steps = events.filter((s) => s.kind === 'step' && s.fn === e.fn && s.loaderKey === e.loaderKey && s.trainedKeys.length > 0);
      if (steps.length === 0) continue;
      if (optimized === undefined) {
        const optimizers = this.optimizers();
        optimized = optimizers.length > 0 && optimizers.every((o) => o.params === 'all' && o.models.length > 0) ? new Set(optimizers.flatMap((o) => o.models.map(rootOf))) : null;
      }
      if (steps.some((s) => s.trainedKeys.some((k) => rootOf(k) === root)) && (optimized === null || optimized.has(root))) continue;
      loaded ??= new Set(this.weightLoads().filter((w) => w.from === undefined).map((w) => rootOf(w.model)));
      if (!loaded.has(root) && !e.facts?.pretrained) continue;
      out.set(e, `a teacher: given weights, not trained by the loop over ${e.loaderKey}`);
    }
    return out;
  }

  private stepTargets(s: { site: SiteIR; event: FlowEvent }, freezes: readonly FreezeIR[]): { site: SiteIR; event: FlowEvent } {
    const targets: NonNullable<SiteIR['targets']>[number][] = [];
    const keys = new Set<string>();
    if (s.site.modelInCaller) keys.add(s.site.modelInCaller);
    for (const f of freezes) keys.add(f.target);
    const model = s.site.modelInCaller;
    // A freeze inside the trained model's class (`self.backbone` in `__init__`): the instance's attribute.
    const facts = model !== '' ? this.factsFor(s.event.owner, model) : undefined;
    for (const f of freezes) {
      if (f.className === undefined || facts?.evidence !== 'file' || facts.name !== f.className) continue;
      const key = model + f.target.slice('self'.length);
      const mode = this.modeAt(this.reaching(s.event, key));
      const bn = this.modeAt(this.reaching(s.event, `${key}.[BatchNorm]`));
      if (mode.modes.length > 0 || bn.modes.length > 0) targets.push({ key, mode, batchNormMode: bn, classFreeze: f.target });
    }
    for (const key of keys) {
      // (A frozen model the trained one holds: its modules' modes are the container's.)
      const held = model !== '' && key !== model && !isUnder(key, model) && this.sharesModesWith(s.event.owner, model, key, s.event.span.startOffset);
      const at = held ? model : key;
      const mode = this.modeAt(this.reaching(s.event, at));
      const bn = this.modeAt(this.reaching(s.event, `${at}.[BatchNorm]`));
      if (mode.modes.length === 0 && bn.modes.length === 0) continue;
      targets.push({ key, mode, batchNormMode: bn, ...(held ? { held: true as const } : {}) });
    }
    return { site: { ...s.site, targets }, event: s.event };
  }

  /**
   * `model` was last assigned, in `fn` before `offset`, a container of `key`'s modules and nothing
   * mode-dependent besides (`model = nn.Sequential(backbone, head)`: `ConstructionOrigin.sharesModesOf`),
   * directly or through wrappers (`model = DDP(model)`, `net = model.cuda()`).
   */
  private sharesModesWith(fn: Fn, model: string, key: string, offset: number, depth = 0): boolean {
    const a = depth <= 4 ? this.lastAssignmentOf(fn, model, offset) : undefined;
    const right = a?.childForFieldName('right');
    const r = right ? unparen(right) : undefined;
    if (!a || r?.type !== 'call' || keyOf(a.childForFieldName('left')) !== model) return false;
    const wrapped = wrappedModelKey(r);
    if (wrapped) return this.sharesModesWith(fn, wrapped, key, wrapped === model ? a.startIndex : offset, depth + 1);
    return this.constructs(r, fn)?.sharesModesOf === key;
  }

  /**
   * The model variables of the file: of the module's functions (`moduleFns`), then of each of the
   * keeper's statements, with the variables kept of some of them (`parts`, by the same index; see `build`).
   */
  private modelVariables(moduleFns: readonly Fn[], parts: readonly (GroupVariables | undefined)[]): ModelVariable[] {
    const out: ModelVariable[] = [];
    const attrs = new Map<string, Map<string, ModelFacts>>();
    const count = this.keeper.statementCount + 1;
    // (Indexed loops: a for-of over the lists, or a destructuring of each triple, would allocate an iterator each.)
    for (let i = 0; i < count; i++) {
      let part = parts[i];
      if (!part) {
        const fns = i === 0 ? moduleFns : this.keeper.functionsAt(i - 1);
        // (The functions of a top-level statement have one group; the module's function has the shared
        // group, as every function has when nothing is kept: read part by part, in order, all the same.)
        const group = this.keeper.groupOf(fns[0]);
        const shared = this.keeper.isShared(group);
        // A group's part is read once: its bindings do not change once made, and a kept group keeps it.
        part = (!shared && group.variables) || this.groupVariables(fns, 0, fns.length);
        if (!shared) group.variables = part;
      }
      // (Most parts are the shared empty one.)
      if (part === NO_VARIABLES) continue;
      const refs = part.refs;
      for (let j = 0; j < refs.length; j++) out.push(refs[j]);
      const bound = part.attrs;
      for (let j = 0; j < bound.length; j++) {
        const triple = bound[j];
        let m = attrs.get(triple[0]);
        if (!m) attrs.set(triple[0], (m = new Map<string, ModelFacts>()));
        m.set(triple[1], triple[2]);
      }
    }
    for (const [cls, m] of attrs) for (const [attr, facts] of m) out.push({ name: `self.${attr}`, function: cls, className: cls, span: facts.definitionSpan ?? spanOf(this.tree.rootNode), facts });
    return out.sort((a, b) => a.span.startOffset - b.span.startOffset);
  }

  /** The model variables bound by `fns[start..end)`, and their `self.` attributes by class, in order. */
  private groupVariables(fns: readonly Fn[], start: number, end: number): GroupVariables {
    const refs: ModelVariable[] = [];
    const attrs: [string, string, ModelFacts][] = [];
    for (let i = start; i < end; i++) {
      const fn = fns[i];
      const b = this.bindingsOf(fn);
      const className = classOf(fn);
      for (const [name, r] of b.refs) refs.push(className === undefined ? { name, function: fn.name, span: r.span, facts: r.facts } : { name, function: fn.name, className, span: r.span, facts: r.facts });
      // (The models a name was bound to before its last binding: a notebook's `model` of each example.)
      if (b.earlier.size > 0) for (const [name, list] of b.earlier) for (const r of list) refs.push(className === undefined ? { name, function: fn.name, span: r.span, facts: r.facts } : { name, function: fn.name, className, span: r.span, facts: r.facts });
      if (fn.cls === undefined) continue;
      for (const [attr, facts] of b.attrs) attrs.push([fn.cls, attr, facts]);
    }
    return refs.length === 0 && attrs.length === 0 ? NO_VARIABLES : { refs, attrs };
  }

  runsAtLeastOnce(loop: Node): boolean {
    const right = loop.childForFieldName('right');
    let iter = right ? unparen(right) : undefined;
    // `enumerate(range(n))`, `tqdm(range(n))`: the same iterations.
    if (iter?.type === 'call' && LOOP_WRAPPERS.has(lastSegment(iter.childForFieldName('function')?.text ?? ''))) {
      const first = callArgs(iter).positional[0];
      iter = first ? unparen(first) : undefined;
    }
    if (!iter) return false;
    if (iter.type === 'list' || iter.type === 'tuple') {
      const elements = iter.namedChildren.filter((c) => c.type !== 'comment');
      return elements.length > 0 && elements.every((c) => c.type !== 'list_splat');
    }
    if (iter.type !== 'call') return false;
    const callee = iter.childForFieldName('function');
    if (callee?.type !== 'identifier' || (callee.text !== 'range' && callee.text !== 'trange')) return false;
    const args = callArgs(iter);
    if (args.keywords.size > 0 || args.positional.length < 1 || args.positional.length > 3) return false;
    const values: number[] = [];
    let inferred = false;
    for (const a of args.positional) {
      const v = this.resolveArg(a);
      // (A parameter a caller of the function passes is not resolved: its default says what a run would do by default.)
      const value = typeof v?.value === 'number' ? v.value : this.parameterDefault(a, loop);
      if (typeof value !== 'number' || !Number.isInteger(value)) return false;
      inferred ||= v?.inferred === true || typeof v?.value !== 'number';
      values.push(value);
    }
    const [start, stop, step] = values.length === 1 ? [0, values[0], 1] : [values[0], values[1], values[2] ?? 1];
    const runs = step > 0 ? start < stop : step < 0 ? start > stop : false;
    // A default a run may override (an argparse flag's, a parameter's) is not known for certain: a
    // run may pass 0 warm-up iterations, or resume at the last epoch of `range(start, epochs)`. But
    // an epoch loop of training steps over `range(epochs)` run zero times is no run anyone makes:
    // with a positive default, it runs at least once.
    if (inferred) return runs && values.length === 1 && (loop.childForFieldName('body')?.descendantsOfType('call').some(trainingStepCall) ?? false);
    return runs;
  }

  /** The integer default of the enclosing function's parameter that `arg` names (`num_epochs=25`), or undefined. */
  private parameterDefault(arg: Node, at: Node): number | undefined {
    if (arg.type !== 'identifier') return undefined;
    const fn = this.fnOf(at);
    if (fn.isModule || !fn.params.includes(arg.text)) return undefined;
    for (const p of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
      if ((p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') || p.childForFieldName('name')?.text !== arg.text) continue;
      const d = p.childForFieldName('value');
      const lit = d ? literalValue(d) : undefined;
      return lit?.kind === 'number' ? Number(lit.value) : undefined;
    }
    return undefined;
  }

  // ------------------------------------------------------------ loaders

  private resolveArg(node: Node | undefined): KnownValue | undefined {
    return node ? this.resolver.resolve(node) : undefined;
  }

  /**
   * A loader argument as `resolveArg` reads it, and when it is a parameter of the enclosing
   * function that the file's callers pass (`def train_model(model, batch_size=1)` called as
   * `train_model(model, batch_size=args.batch_size)`), the value every such call gives it, when
   * the calls agree (a call that leaves it out gives the default). Read anew at each analysis (the
   * loaders are not kept per statement): it depends on statements other than the loader's.
   */
  private resolveLoaderArg(node: Node | undefined, fn: Fn): KnownValue | undefined {
    const v = this.resolveArg(node);
    if (!node || v?.value !== undefined || node.type !== 'identifier' || fn.isModule || fn.cls !== undefined || fn.locals.has(node.text)) return v;
    const index = fn.params.indexOf(node.text);
    if (index < 0) return v;
    const param = (fn.node.childForFieldName('parameters')?.namedChildren ?? []).find((p) => (p.type === 'identifier' ? p : p.childForFieldName('name'))?.text === node.text);
    if (!param || (param.type !== 'identifier' && param.type !== 'default_parameter' && param.type !== 'typed_parameter' && param.type !== 'typed_default_parameter')) return v;
    const fallback = param.childForFieldName('value');
    let agreed: KnownValue | undefined;
    let calls = 0;
    for (const c of this.callsTo(fn)) {
      if (c.args.hasSplat) return v;
      const given = argFor(c.args, node.text, index);
      const passed = given ? this.resolveArg(given) : fallback ? this.resolveArg(fallback) : undefined;
      if (passed?.value === undefined || (agreed && agreed.value !== passed.value)) return v;
      agreed ??= passed;
      calls++;
    }
    if (!agreed) return v;
    return {
      ...agreed,
      text: node.text,
      span: spanOf(node),
      provenance: `${agreed.provenance}, passed to ${fn.name}() by ${calls > 1 ? `each of its ${calls} calls` : 'its call'}`,
      definitionSpan: agreed.definitionSpan ?? agreed.span,
      inferred: true,
    };
  }

  /** The calls of the file that call `fn` (by its name, resolved from where each call is). */
  private callsTo(fn: Fn): CallInfo[] {
    const out: CallInfo[] = [];
    for (const statement of this.tree.rootNode.children) {
      for (const c of this.callsOf(statement)) {
        if (c.name === fn.name && c.f && this.resolveFunction(c.f, this.fnOf(c.call), undefined) === fn) out.push(c);
      }
    }
    return out;
  }

  /** A `collate_fn` (a function of the file, or a lambda) that merges graphs into one batch: `dgl.batch(graphs)`, `Batch.from_data_list(...)`. */
  private batchesGraphs(collate: Node, fn: Fn): boolean {
    const body = collate.type === 'lambda' ? collate : this.resolveFunction(collate, fn, undefined)?.body;
    return body !== undefined && body !== null && /\bdgl\.batch(_hetero)?\s*\(|\bfrom_data_list\s*\(/.test(body.text);
  }

  private loaders(events: readonly FlowEvent[]): DataLoaderIR[] {
    const out: DataLoaderIR[] = [];
    const split = this.splitBatchLoaders();
    // (What the branches below look at: DataLoader, `.fit(...)`, `deepspeed.initialize`, `*TrainingArguments`.)
    for (const { call, f, q } of this.pickCalls('loaders', (c) => c.last === 'DataLoader' || c.attr === 'fit' || c.attr === 'fit_generator' || c.last === 'initialize' || c.last.endsWith('TrainingArguments'))) {
      if (!f || call.hasError) continue;
      const fn = this.fnOf(call);
      const stmt = statementOf(call);
      const assignment = stmt.namedChildren[0]?.type === 'assignment' ? stmt.namedChildren[0] : undefined;
      // (`x: Loader = ...` has a right side; `x: Loader` alone does not.)
      const right = assignment?.childForFieldName('right');
      const assigned = assignment && right && unparen(right).equals(call) ? keyOf(assignment.childForFieldName('left')) : undefined;
      const args = callArgs(call);
      const argsSpan = spanOf(call.childForFieldName('arguments') ?? call);
      if (q === 'torch.utils.data.DataLoader' || q === 'torch.utils.data.dataloader.DataLoader' || (q === 'DataLoader' && !this.imports.aliases.has('DataLoader'))) {
        const args = this.withDictSplats(call, fn, callArgs(call));
        if (args.keywords.has('batch_sampler') || args.positional.length > 4) continue;
        const bsNode = argFor(args, 'batch_size', 1);
        let batchSize: KnownValue | undefined = this.resolveLoaderArg(bsNode, fn);
        if (!bsNode && !args.hasSplat) batchSize = defaultValue(1, "DataLoader's default batch_size=1", spanOf(call));
        if (batchSize && batchSize.value === null) continue;
        if (bsNode && literalValue(bsNode).kind === 'none') continue;
        // Accelerate's `split_batches=True` divides each batch between the processes: each gets at most the loader's.
        if (batchSize && assigned !== undefined && split.has(assigned)) batchSize = { ...batchSize, upperBound: 'Accelerator(split_batches=True) splits it between the processes' };
        const dropNode = argFor(args, 'drop_last', 8);
        const dropLast = dropNode ? this.resolveLoaderArg(dropNode, fn) : args.hasSplat ? undefined : defaultValue(false, "DataLoader's default drop_last=False", spanOf(call));
        const samplerNode = argFor(args, 'sampler', 3);
        const datasetNode = argFor(args, 'dataset', 0);
        const returned = this.returnedLoaderRole(call, fn, assigned, events);
        const role = this.lightningLoaderRole(call, fn, assigned) ?? (returned !== 'returned' ? returned : undefined) ?? this.loaderRole(fn, assigned, datasetNode, args, events, returned === 'returned');
        const collate = argFor(args, 'collate_fn', 6);
        out.push({
          framework: 'torch',
          span: spanOf(call),
          ...(collate && this.batchesGraphs(collate, fn) ? { batchesGraphs: true } : {}),
          argumentsSpan: argsSpan,
          variable: assigned,
          function: fn.name, ...inClass(fn),
          batchSize,
          dropLast,
          sampler: samplerNode?.text,
          distributedSampler: !!samplerNode && /Distributed/.test(samplerNode.text + this.samplerDefinition(samplerNode)),
          dataset: datasetNode ? { text: datasetNode.text, ...this.datasetLength(datasetNode, fn) } : undefined,
          role: role.role,
          roleEvidence: role.evidence,
          feeds: role.feeds,
        });
      } else if (f.type === 'attribute' && (f.childForFieldName('attribute')?.text === 'fit' || f.childForFieldName('attribute')?.text === 'fit_generator')) {
        const receiver = keyOf(f.childForFieldName('object'));
        if (!receiver || !this.isModelish(fn, receiver)) continue;
        const x = argFor(args, 'x', 0);
        // Without `batch_size`, batches come from the data: a tf.data pipeline's `.batch(n)`
        // (Keras' own default of 32 is for arrays only, and which `x` is an array is not known).
        // Data whose batches are not known (a dataset of another cell or file) still says the fit
        // trains the model: its batch size is unknown.
        const pipeline = args.keywords.has('batch_size') || !x ? undefined : this.tfDataBatches(x, fn, call, 0);
        if (!args.keywords.has('batch_size') && !pipeline && !x) continue;
        out.push({
          framework: pipeline && !pipeline.generator ? 'tf.data' : 'keras', span: spanOf(call), argumentsSpan: argsSpan, variable: undefined, function: fn.name, ...inClass(fn),
          batchSize: pipeline ? pipeline.batchSize : this.resolveArg(args.keywords.get('batch_size')),
          dropLast: pipeline?.dropLast, sampler: undefined, distributedSampler: false,
          dataset: x ? { text: x.text, length: undefined, lengthSpan: undefined } : undefined,
          role: 'train', roleEvidence: `${receiver}.${f.childForFieldName('attribute')?.text ?? 'fit'}(...)`, feeds: [receiver],
          ...(pipeline ? { batchedAt: pipeline.span } : {}),
        });
      } else if (q === 'deepspeed.initialize') {
        const launched = this.launcher(call);
        const left = assignment?.childForFieldName('left');
        if (launched?.builtLoader === undefined || !left || (left.type !== 'pattern_list' && left.type !== 'tuple_pattern')) continue;
        const loaderVar = left.namedChildren[launched.builtLoader];
        const engine = keyOf(left.namedChildren[0]);
        const config = this.literalDict(args.keywords.get('config') ?? args.keywords.get('config_params'), fn, call);
        const micro = config?.get('train_micro_batch_size_per_gpu');
        const drop = config?.get('dataloader_drop_last');
        out.push({
          framework: 'deepspeed', span: spanOf(call), argumentsSpan: argsSpan, variable: loaderVar?.type === 'identifier' ? loaderVar.text : undefined, function: fn.name, ...inClass(fn),
          batchSize: this.resolveArg(micro),
          dropLast: drop ? this.resolveArg(drop) : config ? defaultValue(false, "DeepSpeed's default dataloader_drop_last=false", spanOf(call)) : undefined,
          sampler: undefined, distributedSampler: true,
          dataset: { text: args.keywords.get('training_data')?.text ?? args.positional[4]?.text ?? '', length: undefined, lengthSpan: undefined },
          role: 'train', roleEvidence: 'deepspeed.initialize(training_data=...)', feeds: engine && engine !== '_' ? [engine] : [],
        });
      } else if (this.isTrainingArguments(q)) {
        const args = this.withDictSplats(call, fn, callArgs(call));
        // Defaults of `TrainingArguments`: per_device_train_batch_size=8, dataloader_drop_last=False.
        const bs = args.keywords.get('per_device_train_batch_size');
        const drop = args.keywords.get('dataloader_drop_last');
        const trainers = this.trainerCalls.filter((t) => t.framework === 'huggingface' && t.args && (unparen(t.args).equals(call) || (assigned !== undefined && keyOf(t.args) === assigned)));
        const feeds = [...new Set(trainers.map((t) => t.model).filter((m): m is string => m !== undefined))];
        out.push({
          framework: 'huggingface', span: spanOf(call), argumentsSpan: argsSpan, variable: assigned, function: fn.name, ...inClass(fn),
          batchSize: bs ? this.resolveArg(bs) : args.hasSplat ? undefined : defaultValue(8, "TrainingArguments' default per_device_train_batch_size=8", spanOf(call)),
          dropLast: drop ? this.resolveArg(drop) : args.hasSplat ? undefined : defaultValue(false, "TrainingArguments' default dataloader_drop_last=False", spanOf(call)),
          sampler: undefined, distributedSampler: false, dataset: undefined, role: 'train',
          roleEvidence: trainers.length > 0 ? "the Trainer's training arguments" : 'per_device_train_batch_size',
          feeds,
        });
      }
    }
    return out;
  }

  /** Whether an expression is (a name assigned) a Keras `ImageDataGenerator(...)`. */
  private isImageDataGenerator(node: Node, fn: Fn, before: Node): boolean {
    const d = this.definitionOf(node, fn, before);
    const callee = d?.type === 'call' ? d.childForFieldName('function') : undefined;
    return callee !== undefined && callee !== null && /^((tensorflow\.|tf\.)?keras(\.src)?\.preprocessing|keras_preprocessing)\.image\.ImageDataGenerator$/.test(this.qualified(callee) ?? '');
  }

  /**
   * The batches of a data pipeline given to Keras `fit`: a tf.data pipeline's last `.batch(n)` /
   * `.padded_batch(n)` (with `drop_remainder`), through the methods that keep batches
   * (`.prefetch()`, `.map()`, `.cache()`...), names assigned earlier in the function or at module
   * level (`ds = ds.batch(32)`) and same-file functions that return the pipeline (when their
   * returns agree); a Keras dataset utility that batches (`image_dataset_from_directory(batch_size=...)`,
   * default 32); or an `ImageDataGenerator`'s `flow_from_directory(batch_size=...)` (`generator`).
   * Undefined when `x` is not such a pipeline (arrays, other generators, a dataset made
   * elsewhere), or when a step regroups the elements (`.unbatch()`, `.rebatch()`, `batch_size=None`).
   */
  private tfDataBatches(node: Node, fn: Fn, before: Node, depth: number): { batchSize: KnownValue | undefined; dropLast: KnownValue | undefined; span: Span; generator?: true } | undefined {
    if (depth > 12) return undefined;
    const n = unparen(node);
    if (n.type === 'identifier') {
      const d = this.definitionOf(n, fn, before);
      let assignment: Node | null | undefined = d;
      while (assignment && assignment.type !== 'assignment') assignment = assignment.parent;
      return d && assignment ? this.tfDataBatches(d, fn, assignment, depth + 1) : undefined;
    }
    if (n.type !== 'call') return undefined;
    const f = n.childForFieldName('function');
    if (!f) return undefined;
    const args = callArgs(n);
    if (f.type === 'attribute') {
      const method = f.childForFieldName('attribute')?.text ?? '';
      const batching = TF_DATA_BATCHING.get(method);
      if (batching) {
        const bs = argFor(args, 'batch_size', 0);
        if (!bs) return undefined;
        const drop = argFor(args, 'drop_remainder', batching.dropRemainderAt);
        return {
          batchSize: this.resolveArg(bs),
          dropLast: drop ? this.resolveArg(drop) : args.hasSplat ? undefined : defaultValue(false, `tf.data's default drop_remainder=False of .${method}()`, spanOf(n)),
          span: spanOf(n),
        };
      }
      if (TF_DATA_KEEPS_BATCHES.has(method)) {
        const object = f.childForFieldName('object');
        return object ? this.tfDataBatches(object, fn, before, depth + 1) : undefined;
      }
      // Keras' ImageDataGenerator: `datagen.flow_from_directory(path, batch_size=8)` yields batches (default 32).
      const object = f.childForFieldName('object');
      if (KERAS_GENERATOR_FLOWS.has(method) && object && this.isImageDataGenerator(object, fn, before)) {
        const bs = args.keywords.get('batch_size');
        if (!bs && args.hasSplat) return undefined;
        return { batchSize: bs ? this.resolveArg(bs) : defaultValue(32, `ImageDataGenerator.${method}'s default batch_size=32`, spanOf(n)), dropLast: undefined, span: spanOf(n), generator: true };
      }
    }
    if (f.type === 'identifier') {
      // A same-file function that builds the pipeline (`train_ds = make_pipeline(x, y)`): its returns, when they agree.
      const callee = this.resolveFunction(f, fn, undefined);
      if (callee) {
        let found: ReturnType<TrainingBuilder['tfDataBatches']>;
        for (const r of callee.body?.descendantsOfType('return_statement') ?? []) {
          if (this.fnOf(r) !== callee) continue;
          const value = r.namedChildren[0];
          const batches = value ? this.tfDataBatches(value, callee, r, depth + 1) : undefined;
          if (!batches || (found && (found.batchSize?.value !== batches.batchSize?.value || found.batchSize?.value === undefined))) return undefined;
          found ??= batches;
        }
        return found;
      }
    }
    const utility = TF_DATA_UTILITIES.get(lastSegment(this.qualified(f) ?? ''));
    const q = this.qualified(f) ?? '';
    if (utility === undefined || !/^(tensorflow|tf|keras)\./.test(q)) return undefined;
    const bs = args.keywords.get('batch_size');
    if (bs && literalValue(bs).kind === 'none') return undefined;
    if (!bs && args.hasSplat) return undefined;
    const name = lastSegment(q);
    return {
      batchSize: bs ? this.resolveArg(bs) : defaultValue(utility, `${name}'s default batch_size=${utility}`, spanOf(n)),
      // (These utilities keep the last, partial batch.)
      dropLast: undefined,
      span: spanOf(n),
    };
  }

  /**
   * The loader variables given to `<accelerator>.prepare(...)` of an Accelerator made with
   * `split_batches=True` (or `dataloader_config=DataLoaderConfiguration(split_batches=True)`):
   * Accelerate splits each of their batches between the processes.
   */
  private splitBatchLoaders(): ReadonlySet<string> {
    const out = new Set<string>();
    if (this.accelerators.size === 0) return out;
    for (const { call, f, receiver } of this.pickCalls('prepares', (c) => c.attr === 'prepare')) {
      if (!f || receiver === undefined || !this.accelerators.has(receiver)) continue;
      const fn = this.fnOf(call);
      const object = f.childForFieldName('object');
      const made = object ? this.definitionCall(object, fn, call) : undefined;
      if (!made || !splitsBatches(made, (n) => this.definitionCall(n, fn, call))) continue;
      for (const a of callArgs(call).positional) {
        const k = keyOf(a);
        if (k) out.add(k);
      }
    }
    return out;
  }

  /**
   * A call's arguments with its `**name` splats of a dict literal assigned earlier in the function
   * or at module level read as keyword arguments (`loader_args = dict(batch_size=bs, num_workers=4)`
   * then `DataLoader(train_set, shuffle=True, **loader_args)`). A keyword written in the call wins.
   * `hasSplat` stays set while some splat is not such a dict (`*args`, `**vars(args)`).
   */
  private withDictSplats(call: Node, fn: Fn, args: CallArgs): CallArgs {
    if (!args.hasSplat) return args;
    const keywords = new Map(args.keywords);
    let unresolved = false;
    for (const c of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (c.type === 'list_splat') unresolved = true;
      if (c.type !== 'dictionary_splat') continue;
      const inner = c.namedChildren[0];
      const entries = inner ? this.literalDict(inner, fn, call) : undefined;
      if (!entries) unresolved = true;
      else for (const [k, v] of entries) if (!keywords.has(k)) keywords.set(k, v);
    }
    if (keywords.size === args.keywords.size && unresolved) return args;
    return { positional: args.positional, keywords, keywordValues: [...keywords.values()], hasSplat: unresolved };
  }

  /**
   * The expression a name stands for: its last assignment before `before` in `fn` (or at module
   * level); the node itself when not a name. A function reads a module-level name when it is
   * called, so one assigned only after the function's text counts when it is the only one (a
   * script's `def export(): ...` above its `model = ...`).
   */
  private definitionOf(node: Node, fn: Fn, before: Node): Node | undefined {
    const n = unparen(node);
    if (n.type !== 'identifier') return n;
    for (const scope of fn === this.moduleFn ? [fn] : [fn, this.moduleFn]) {
      let d: Node | undefined;
      let later: Node | undefined;
      let laterCount = 0;
      for (const a of (scope.body ?? this.tree.rootNode).descendantsOfType('assignment')) {
        if (a.childForFieldName('left')?.text !== n.text || this.fnOf(a) !== scope) continue;
        if (a.startIndex < before.startIndex) d = a.childForFieldName('right') ?? undefined;
        else if (laterCount++ === 0) later = a.childForFieldName('right') ?? undefined;
      }
      if (d) return unparen(d);
      if (scope !== fn && laterCount === 1 && later) return unparen(later);
    }
    return undefined;
  }

  private definitionCall(node: Node, fn: Fn, before: Node): Node | undefined {
    const d = this.definitionOf(node, fn, before);
    return d?.type === 'call' ? d : undefined;
  }

  /**
   * The string-keyed entries of a dictionary literal: the node itself, or a name assigned a
   * literal `{...}` / `dict(...)` earlier in the same function or at module level. Undefined
   * when it is anything else (a JSON path, `vars(args)`).
   */
  private literalDict(node: Node | undefined, fn: Fn, before: Node): Map<string, Node> | undefined {
    const d = node ? this.definitionOf(node, fn, before) : undefined;
    const entries = d ? dictEntries(d) : undefined;
    return entries ? new Map(entries) : undefined;
  }

  private isTrainingArguments(q: string): boolean {
    return /^transformers(\.\w+)*\.\w*TrainingArguments$/.test(q) || (/^\w*TrainingArguments$/.test(q) && !this.imports.aliases.has(q));
  }

  /** A class of the file that subclasses `kind` (`LightningModule`, `LightningDataModule`) of Lightning, directly or through the file's classes. */
  isLightningClass(cls: string, kind: 'LightningModule' | 'LightningDataModule', seen = new Set<string>()): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    for (const b of this.classes.get(cls)?.bases ?? []) {
      const [head, ...rest] = b.split('.');
      const q = [this.imports.aliases.get(head ?? '') ?? head, ...rest].join('.');
      if (new RegExp(`^(lightning|pytorch_lightning|lightning\\.pytorch)(\\.\\w+)*\\.${kind}$`).test(q)) return true;
      if (this.classes.has(b) && this.isLightningClass(b, kind, seen)) return true;
    }
    return false;
  }

  /** Lightning calls every method of a LightningModule in the mode it chose (train for training_step, eval for validation_step...). */
  lightningHook(fn: Fn): boolean {
    for (let f: Fn | undefined = fn; f; f = f.parent) if (f.cls && this.isLightningClass(f.cls, 'LightningModule')) return true;
    return false;
  }

  /**
   * Lightning's loaders: returned by `train_dataloader()` / `val_dataloader()`... of a
   * LightningModule (the module is the model it feeds) or LightningDataModule, or passed to
   * `trainer.fit(model, train_dataloaders=..., val_dataloaders=...)`.
   */
  private lightningLoaderRole(call: Node, fn: Fn, assigned: string | undefined): { role: DataLoaderIR['role']; evidence: string; feeds: string[] } | undefined {
    const hook = /^(train|val|test|predict)_dataloader$/.exec(fn.name)?.[1];
    if (hook && fn.cls && (this.isLightningClass(fn.cls, 'LightningModule') || this.isLightningClass(fn.cls, 'LightningDataModule'))) {
      const returned = assigned === undefined ? statementOf(call).type === 'return_statement' : (fn.body?.descendantsOfType('return_statement') ?? []).some((r) => r.namedChildren[0]?.text === assigned);
      if (returned) {
        const module = this.isLightningClass(fn.cls, 'LightningModule');
        const feeds = hook !== 'train' ? [] : module ? ['self'] : this.lightningFits().flatMap((f) => (f.datamodule ? [f.model] : []));
        return { role: hook === 'train' ? 'train' : 'eval', evidence: `returned by ${fn.cls}.${fn.name}() (Lightning's ${hook === 'train' ? 'training' : hook === 'val' ? 'validation' : hook} loader)`, feeds };
      }
    }
    for (const fit of this.lightningFits()) {
      for (const [arg, role] of [[fit.train, 'train'], [fit.val, 'eval']] as const) {
        if (!arg) continue;
        if (unparen(arg).equals(call) || (assigned !== undefined && keyOf(arg) === assigned)) {
          return { role, evidence: `passed to ${fit.text}`, feeds: role === 'train' ? [fit.model] : [] };
        }
      }
    }
    return undefined;
  }

  private lightningFitsCache: LightningFit[] | undefined;

  /** `trainer.fit(model, train_dataloaders=..., val_dataloaders=..., datamodule=...)` of a Lightning trainer. */
  private lightningFits(): LightningFit[] {
    if (this.lightningFitsCache) return this.lightningFitsCache;
    const out: LightningFit[] = [];
    for (const { call, f } of this.pickCalls('fits', (c) => c.attr === 'fit')) {
      if (!f) continue;
      const receiver = keyOf(f.childForFieldName('object'));
      const trainer = receiver ? this.trainerOf(this.fnOf(call), receiver) : undefined;
      if (trainer?.framework !== 'lightning') continue;
      const args = callArgs(call);
      const given = argFor(args, 'model', 0);
      // (A module built in the call, `trainer.fit(LitNet(), loader)`: named by the call's text, as `modelKey` does.)
      const model = modelKey(given);
      if (!model || !given) continue;
      const second = args.positional[1];
      const inner = unparen(given);
      out.push({
        model,
        fn: this.fnOf(call),
        ...(inner.type === 'call' ? { built: inner } : {}),
        train: args.keywords.get('train_dataloaders') ?? args.keywords.get('train_dataloader') ?? second,
        val: args.keywords.get('val_dataloaders') ?? args.positional[2],
        datamodule: args.keywords.has('datamodule') || (second !== undefined && /datamodule|\bdm\b|data_module/i.test(second.text)),
        text: `${receiver ?? 'trainer'}.fit(...)`,
      });
    }
    this.lightningFitsCache = out;
    return out;
  }

  private samplerDefinition(sampler: Node): string {
    if (sampler.type !== 'identifier') return '';
    for (const a of this.tree.rootNode.descendantsOfType('assignment')) {
      if (a.childForFieldName('left')?.text === sampler.text) return a.childForFieldName('right')?.text ?? '';
    }
    return '';
  }

  private datasetLength(ds: Node, fn: Fn): { length: number | undefined; lengthSpan: ReturnType<typeof spanOf> | undefined } {
    const none = { length: undefined, lengthSpan: undefined };
    const defOf = (n: Node): Node | undefined => {
      if (n.type === 'call') return n;
      if (n.type !== 'identifier') return undefined;
      let found: Node | undefined;
      for (const a of (fn.body ?? this.tree.rootNode).descendantsOfType('assignment')) {
        if (a.childForFieldName('left')?.text === n.text && a.startIndex < ds.startIndex) found = a.childForFieldName('right') ?? undefined;
      }
      return found ? unparen(found) : undefined;
    };
    const d = defOf(ds);
    if (!d || d.type !== 'call') return none;
    const q = this.qualified(d.childForFieldName('function') as Node) ?? '';
    if (!/TensorDataset$/.test(q)) return none;
    const first = callArgs(d).positional[0];
    const t = first ? defOf(first) : undefined;
    if (!t || t.type !== 'call') return none;
    const tq = this.qualified(t.childForFieldName('function') as Node) ?? '';
    if (!/^torch\.(randn|rand|zeros|ones|empty|full|arange)$/.test(tq)) return none;
    const n = callArgs(t).positional[0];
    if (!n) return none;
    const dim = n.type === 'tuple' || n.type === 'list' ? n.namedChildren[0] : n;
    const v = dim ? this.resolver.resolve(dim) : undefined;
    return typeof v?.value === 'number' && Number.isInteger(v.value) ? { length: v.value, lengthSpan: v.span } : none;
  }

  /**
   * The role of a loader a function of the file returns (`return DataLoader(...)`, or its local
   * `loader` returned, alone or in a tuple: `return train_loader, val_loader`), read where its
   * callers assign the result (`dl = make_loader(ds, 1)`, `train_dl, val_dl = get_loaders()`): a
   * training loop over `dl` there trains on it. `'returned'` when no caller's loop says (then the
   * loader's own names decide its role, and which model it feeds is not known); undefined when the
   * function does not return it.
   */
  private returnedLoaderRole(call: Node, fn: Fn, assigned: string | undefined, events: readonly FlowEvent[]): { role: DataLoaderIR['role']; evidence: string; feeds: string[] } | 'returned' | undefined {
    if (fn.isModule || fn.cls !== undefined) return undefined;
    const index = this.returnedAt(call, fn, assigned);
    if (index === undefined) return undefined;
    for (const c of this.callsTo(fn)) {
      const caller = this.fnOf(c.call);
      const stmt = statementOf(c.call);
      const assignment = stmt.namedChildren[0]?.type === 'assignment' ? stmt.namedChildren[0] : undefined;
      const right = assignment?.childForFieldName('right');
      const left = assignment?.childForFieldName('left');
      if (!right || !left || !unparen(right).equals(c.call)) continue;
      const target = index === 'whole' ? left : left.type === 'pattern_list' || left.type === 'tuple_pattern' ? left.namedChildren[index] : undefined;
      const variable = target?.type === 'identifier' ? target.text : undefined;
      if (!variable) continue;
      // Training steps in loops over that name, where this assignment is the one that reaches them.
      const steps = events.filter(
        (e) =>
          e.kind === 'step' &&
          this.loaderBehind(e.owner, e.loaderKey) === variable &&
          (e.chain[e.chain.length - 1] === caller.name || e.fn === caller) &&
          this.lastAssignmentOf(caller, variable, (e.via[0] ?? e.span).startOffset)?.equals(assignment as Node) === true,
      );
      if (steps.length > 0) return { role: 'train', evidence: `training steps in loops over ${variable} (returned by ${fn.name}())`, feeds: [...new Set(steps.flatMap((e) => e.trainedKeys))] };
    }
    return 'returned';
  }

  /**
   * A library model whose architecture the call picks by a name it does not spell out, when the
   * name resolves (an argparse default, a constant): `models.__dict__[args.arch](...)`,
   * `getattr(models, args.arch)(...)` of `torchvision.models` (or timm's),
   * `timm.create_model(args.model, ...)`, `torchvision.models.get_model(args.model, ...)` and
   * `torch.hub.load('pytorch/vision', args.arch)`. Its facts say what picked it (`ModelFacts.chosenBy`).
   */
  private pickedArchitecture(call: Node, f: Node, text: string): ModelFacts | undefined {
    let module: Node | null | undefined;
    let name: Node | null | undefined;
    /** Where the call takes the name (a library function's argument), and by which keyword. */
    let at = -1;
    let keyword = '';
    if (f.type === 'subscript') {
      const value = f.childForFieldName('value');
      if (value?.type === 'attribute' && value.childForFieldName('attribute')?.text === '__dict__') module = value.childForFieldName('object');
      name = f.childForFieldName('subscript');
    } else if (f.type === 'call' && f.childForFieldName('function')?.text === 'getattr') {
      [module, name] = callArgs(f).positional;
    } else {
      const named = PICKING_FUNCTIONS.get(text);
      if (!named) return undefined;
      [at, keyword] = named;
      name = callArgs(call).positional[at] ?? callArgs(call).keywords.get(keyword);
      if (!name || literalValue(name).kind === 'string') return undefined;
    }
    if (!name) return undefined;
    const v = this.resolveArg(name);
    if (typeof v?.value !== 'string') return undefined;
    const chosen = v.value;
    const qualified = module ? this.qualified(module) : text;
    if (!qualified || !(module ? /^(torchvision\.models|timm(\.models)?)$/.test(qualified) : PICKING_FUNCTIONS.has(qualified))) return undefined;
    const lib = module
      ? libraryModelFacts(`${qualified}.${chosen}`, stringArgument, call, this.normLayerOf(call))
      : libraryModelFacts(qualified, (c: Node, i: number, k: string) => (i === at || k === keyword ? chosen : stringArgument(c, i, k)), call, this.normLayerOf(call));
    if (!lib) return undefined;
    // (A default a run may override says which layers the model has then, not which it lacks: a run picking
    // another architecture may have BatchNorm or Dropout. Without such layers, the model stays not known.)
    if (v.inferred && lib.batchNorms.length === 0 && lib.otherModeDependent.length === 0) return undefined;
    return { ...lib, chosenBy: v.inferred ? `picked by ${name.text} as its ${v.provenance}` : `picked by ${name.text}` };
  }

  /** The last assignment to `key` (`model`, `self.net`) in `fn`'s own body (a target alone or in a tuple) before `offset`. */
  private lastAssignmentOf(fn: Fn, key: string, offset: number): Node | undefined {
    let last: Node | undefined;
    for (const a of this.assignmentsOf(fn)) {
      if (a.startIndex >= offset) break;
      const left = a.childForFieldName('left');
      const targets = left?.type === 'pattern_list' || left?.type === 'tuple_pattern' ? left.namedChildren : left ? [left] : [];
      if (targets.some((t) => keyOf(t) === key)) last = a;
    }
    return last;
  }

  /**
   * Where a function returns the loader `call` makes: `'whole'` (the return value itself), or its
   * index in the tuple returned. Undefined when it is not returned, or returned at different places.
   */
  private returnedAt(call: Node, fn: Fn, assigned: string | undefined): 'whole' | number | undefined {
    const place = (value: Node | undefined): 'whole' | number | undefined => {
      const v = value ? unparen(value) : undefined;
      if (!v) return undefined;
      const is = (n: Node) => n.equals(call) || (assigned !== undefined && n.type === 'identifier' && n.text === assigned);
      if (is(v)) return 'whole';
      if (v.type !== 'tuple' && v.type !== 'expression_list') return undefined;
      const items = v.namedChildren.filter((n) => n.type !== 'comment');
      const i = items.findIndex((n) => is(unparen(n)));
      return i >= 0 ? i : undefined;
    };
    const own = statementOf(call);
    if (own.type === 'return_statement') return place(own.namedChildren[0]);
    if (assigned === undefined || assigned.includes('.') || !fn.body) return undefined;
    let found: 'whole' | number | undefined;
    for (const r of fn.body.descendantsOfType('return_statement')) {
      if (this.fnOf(r) !== fn) continue;
      const at = place(r.namedChildren[0]);
      if (at === undefined) continue;
      if (found !== undefined && found !== at) return undefined;
      found = at;
    }
    return found;
  }

  /** (`returned`: the loader is returned to callers whose loops do not train on it; which model it feeds is not guessed from the file's.) */
  private loaderRole(fn: Fn, variable: string | undefined, dataset: Node | undefined, args: CallArgs, events: readonly FlowEvent[], returned = false): { role: DataLoaderIR['role']; evidence: string; feeds: string[] } {
    if (variable) {
      const steps = events.filter((e) => e.kind === 'step' && this.loaderBehind(e.owner, e.loaderKey) === variable && (e.chain[e.chain.length - 1] === fn.name || e.fn === fn));
      if (steps.length > 0) {
        const feeds = [...new Set(steps.flatMap((e) => e.trainedKeys))];
        return { role: 'train', evidence: `training steps in loops over ${variable}`, feeds };
      }
    }
    const names = [variable ?? '', dataset?.text ?? ''].filter((n) => n.length > 0);
    if (names.some((n) => soundsLikeInference(n))) return { role: 'eval', evidence: `named ${names.join(' / ')}`, feeds: [] };
    // (`trainloader`, `trainset`: `words` reads them as two words.)
    if (names.some((n) => words(n).some((w) => w === 'train' || w === 'training'))) {
      return { role: 'train', evidence: `named ${names.join(' / ')}`, feeds: returned ? [] : this.fileTrainedModels(fn, events) };
    }
    const shuffle = argFor(args, 'shuffle', 2);
    if (shuffle && literalValue(shuffle).kind === 'bool' && (literalValue(shuffle) as { value: boolean }).value && events.some((e) => e.kind === 'step')) {
      return { role: 'train', evidence: 'shuffle=True in a file with training steps', feeds: returned ? [] : this.fileTrainedModels(fn, events) };
    }
    return { role: 'unknown', evidence: 'no training loop over it in view', feeds: [] };
  }

  /**
   * The models the file's training steps train, for a loader of `fn` no loop of its function runs
   * over: of those, the ones whose name is a local variable of `fn` when there are some (a helper
   * making its own `model` and `train_dl` and returning both feeds that model, not another test's
   * `model`), else all of them.
   */
  private fileTrainedModels(fn: Fn, events: readonly FlowEvent[]): string[] {
    const trained = [...new Set(events.filter((e) => e.kind === 'step').flatMap((e) => e.trainedKeys).filter((k) => !k.includes('>')))];
    const own = fn.isModule ? [] : trained.filter((k) => fn.locals.has(rootOf(k)));
    return own.length > 0 ? own : trained;
  }

  // ------------------------------------------------------------ optimizers

  private optimizers(): OptimizerIR[] {
    const out: OptimizerIR[] = [];
    for (const t of this.trainerCalls) {
      // The Hugging Face Trainer builds AdamW itself, with bias and LayerNorm/RMSNorm parameters in a no-decay group.
      if (t.framework !== 'huggingface' || t.customOptimizer || !t.model) continue;
      const targs = t.args ? this.definitionCall(t.args, t.fn, t.call) : undefined;
      const tq = targs ? (this.qualified(targs.childForFieldName('function') as Node) ?? '') : '';
      const wd = targs && this.isTrainingArguments(tq) ? callArgs(targs).keywords.get('weight_decay') : undefined;
      out.push({
        kind: 'Trainer (AdamW)', span: spanOf(t.call), variable: t.variable, function: t.fn.name, ...inClass(t.fn), params: 'all', paramsText: t.model, models: [t.model],
        weightDecay: this.resolveArg(wd), defaultWeightDecay: 0, groups: [], excludesNormsFromDecay: true,
      });
    }
    const kerasOptimizers: { call: Node; last: string; variable: string | undefined; fn: Fn }[] = [];
    const compiles: CallInfo[] = [];
    const exclusions: CallInfo[] = [];
    const picked = this.pickCalls('optimizers', (c) => OPTIMIZERS.has(c.last) || c.last.endsWith('create_optimizer') || c.last.endsWith('create_optimizer_v2') || c.attr === 'compile' || c.attr === 'exclude_from_weight_decay');
    for (const info of picked) {
      const { call, f, q, last } = info;
      if (!f || call.hasError) continue;
      if (info.attr === 'compile' || info.attr === 'exclude_from_weight_decay') {
        (info.attr === 'compile' ? compiles : exclusions).push(info);
        continue;
      }
      const fn = this.fnOf(call);
      const args = callArgs(call);
      const stmt = statementOf(call);
      const assignment = stmt.namedChildren[0]?.type === 'assignment' ? stmt.namedChildren[0] : undefined;
      const variable = assignment ? keyOf(assignment.childForFieldName('left')) : undefined;
      if (KERAS_OPTIMIZER.test(q)) {
        kerasOptimizers.push({ call, last, variable, fn });
        continue;
      }
      if (/create_optimizer(_v2)?$/.test(q) && (q.startsWith('timm') || this.imports.aliases.get(last)?.startsWith('timm'))) {
        const filt = args.keywords.get('filter_bias_and_bn');
        const excludes = !(filt && literalValue(filt).kind === 'bool' && !(literalValue(filt) as { value: boolean }).value);
        out.push({
          kind: last, span: spanOf(call), variable, function: fn.name, ...inClass(fn), params: 'built', paramsText: args.positional[0]?.text ?? '',
          models: args.positional[0] && keyOf(args.positional[0]) ? [rootOf(keyOf(args.positional[0]) as string)] : [],
          weightDecay: this.resolveArg(args.keywords.get('weight_decay')), defaultWeightDecay: undefined, groups: [], excludesNormsFromDecay: excludes,
        });
        continue;
      }
      if (!OPTIMIZERS.has(last)) continue;
      const fromTorch = q.startsWith('torch.optim') || q.startsWith('optim.') || (q === last && /^torch\.optim/.test(this.imports.aliases.get(last) ?? ''));
      if (!fromTorch && !q.startsWith('timm.optim') && !q.startsWith('torch_optimizer')) continue;
      const paramsNode = argFor(args, 'params', 0);
      const wdNode = args.keywords.get('weight_decay') ?? (last === 'SGD' ? args.positional[4] : last === 'Adam' || last === 'AdamW' ? args.positional[4] : undefined);
      const classified = paramsNode ? this.classifyParams(paramsNode, fn) : { params: 'unknown' as const, models: [], groups: [] };
      const parts = paramsNode ? this.partsGiven(paramsNode, fn) : undefined;
      out.push({
        kind: last,
        span: spanOf(call),
        variable,
        function: fn.name, ...inClass(fn),
        params: classified.params,
        paramsText: paramsNode?.text ?? '',
        models: classified.models,
        weightDecay: this.resolveArg(wdNode),
        defaultWeightDecay: OPTIMIZERS.get(last),
        groups: classified.groups,
        excludesNormsFromDecay: false,
        ...(parts ? { parts } : {}),
      });
    }
    for (const k of kerasOptimizers) {
      // The next optimizer its variable holds in its function (a notebook trying one optimizer after another under one name).
      const next = k.variable === undefined ? undefined : kerasOptimizers.find((o) => o.fn === k.fn && o.variable === k.variable && o.call.startIndex > k.call.startIndex);
      const o = this.kerasOptimizer(k, compiles, exclusions, next?.call.startIndex ?? Infinity);
      if (o) out.push(o);
    }
    return out;
  }

  /**
   * A Keras optimizer (`keras.optimizers.AdamW(weight_decay=...)`) and the model whose `compile`
   * gets it (written in the call, or by its variable in the same function, after it and before
   * `until`, where the variable gets another optimizer): every trainable
   * variable decays (AdamW's default 0.004; the others' default None) unless the optimizer's
   * `exclude_from_weight_decay(var_names=[...])` names norm variables, or takes a `var_list`.
   */
  private kerasOptimizer(k: { call: Node; last: string; variable: string | undefined; fn: Fn }, compiles: readonly CallInfo[], exclusions: readonly CallInfo[], until: number): OptimizerIR | undefined {
    const compile = compiles.find((c) => {
      if (this.fnOf(c.call) !== k.fn) return false;
      const a = callArgs(c.call);
      const given = a.keywords.get('optimizer') ?? a.positional[0];
      const u = given ? unparen(given) : undefined;
      if (u === k.call) return true;
      return u !== undefined && k.variable !== undefined && u.type === 'identifier' && u.text === k.variable && c.call.startIndex > k.call.startIndex && c.call.startIndex < until;
    });
    const object = compile?.f?.type === 'attribute' ? compile.f.childForFieldName('object') : undefined;
    const model = object ? keyOf(object) : undefined;
    if (!compile || !model) return undefined;
    const excludes = k.variable !== undefined && exclusions.some((e) => {
      const target = e.f?.type === 'attribute' ? e.f.childForFieldName('object') : undefined;
      if (!target || keyOf(target) !== k.variable) return false;
      const a = callArgs(e.call);
      const names = a.keywords.get('var_names');
      // A var_list, or names not written out: taken as excluding what it should.
      if (!names || a.keywords.has('var_list') || a.positional.length > 0) return true;
      const u = unparen(names);
      if (u.type !== 'list' && u.type !== 'tuple') return true;
      return u.namedChildren.some((n) => {
        const lit = literalValue(n);
        return lit.kind !== 'string' || /norm|bn|batch/i.test(String(lit.value));
      });
    });
    return {
      kind: k.last,
      span: spanOf(k.call),
      variable: k.variable,
      function: k.fn.name,
      ...inClass(k.fn),
      params: 'all',
      paramsText: model,
      models: [rootOf(model)],
      weightDecay: this.resolveArg(callArgs(k.call).keywords.get('weight_decay')),
      defaultWeightDecay: k.last === 'AdamW' ? 0.004 : undefined,
      groups: [],
      excludesNormsFromDecay: excludes,
      keras: true,
    };
  }

  /** How an optimizer's `params` argument selects parameters. */
  private classifyParams(node: Node, fn: Fn, depth = 0): { params: OptimizerIR['params']; models: string[]; groups: ParamGroupIR[] } {
    const n = unparen(node);
    const all = this.allParametersOf(n);
    if (all) return { params: 'all', models: [all], groups: [] };
    if (n.type === 'list' && n.namedChildren.some((c) => c.type === 'dictionary')) {
      const groups: ParamGroupIR[] = [];
      const models = new Set<string>();
      for (const d of n.namedChildren) {
        if (d.type !== 'dictionary') return { params: 'built', models: [], groups: [] };
        let params: Node | undefined;
        let wd: Node | undefined;
        for (const pair of d.namedChildren) {
          if (pair.type !== 'pair') continue;
          const k = pair.childForFieldName('key');
          const key = k && literalValue(k).kind === 'string' ? (literalValue(k) as { value: string }).value : undefined;
          if (key === 'params') params = pair.childForFieldName('value') ?? undefined;
          if (key === 'weight_decay') wd = pair.childForFieldName('value') ?? undefined;
        }
        const m = params ? this.allParametersOf(unparen(params)) : undefined;
        if (m) models.add(rootOf(m));
        groups.push({ span: spanOf(d), params: m ? 'all' : params && this.isSubsetExpr(params) ? 'subset' : 'built', paramsText: params?.text ?? '', weightDecay: this.resolveArg(wd) });
      }
      return { params: 'groups', models: [...models], groups };
    }
    if (n.type === 'identifier' && depth < 2) {
      // `params = model.parameters()` / `params = [p for p in model.parameters() if p.requires_grad]` just above.
      const def = this.valueAssignedBefore(n, fn);
      if (def) return this.classifyParams(def, fn, depth + 1);
    }
    return { params: n.type === 'call' || n.type === 'identifier' ? 'built' : 'unknown', models: [], groups: [] };
  }

  /** The value last assigned to the name `n` in `fn`'s own body before it (`params = model.parameters()` just above), or undefined. */
  private valueAssignedBefore(n: Node, fn: Fn): Node | undefined {
    let def: Node | undefined;
    for (const a of (fn.body ?? this.tree.rootNode).descendantsOfType('assignment')) {
      if (a.childForFieldName('left')?.text === n.text && a.startIndex < n.startIndex && this.fnOf(a) === fn) def = a.childForFieldName('right') ?? undefined;
    }
    return def;
  }

  /**
   * The submodules of one model whose parameters alone an optimizer's `params` are
   * (`model.fc.parameters()`, a list of groups each of `model.<part>.parameters()`, a variable
   * assigned one of those just above), see `OptimizerIR.parts`; undefined for anything else.
   */
  private partsGiven(node: Node, fn: Fn, depth = 0): string[] | undefined {
    const n = unparen(node);
    const partOf = (x: Node): string | undefined => {
      const c = unparen(x);
      const f = c.type === 'call' ? c.childForFieldName('function') : undefined;
      if (f?.type !== 'attribute' || f.childForFieldName('attribute')?.text !== 'parameters' || callArgs(c).positional.length > 0) return undefined;
      const k = keyOf(f.childForFieldName('object'));
      if (!k || k.split('.').length !== 2 || rootOf(k) === 'self' || !this.isModelish(fn, rootOf(k))) return undefined;
      return k;
    };
    const one = partOf(n);
    if (one) return [one];
    if (n.type === 'list' && n.namedChildren.length > 0) {
      const parts: string[] = [];
      for (const d of n.namedChildren) {
        let params: Node | undefined;
        if (d.type === 'dictionary') {
          for (const pair of d.namedChildren) {
            const k = pair.type === 'pair' ? pair.childForFieldName('key') : null;
            if (k && literalValue(k).kind === 'string' && (literalValue(k) as { value: string }).value === 'params') params = pair.childForFieldName('value') ?? undefined;
          }
        }
        const part = params ? partOf(params) : undefined;
        if (!part || (parts.length > 0 && rootOf(parts[0]) !== rootOf(part))) return undefined;
        parts.push(part);
      }
      return parts;
    }
    if (n.type === 'identifier' && depth < 2) {
      const def = this.valueAssignedBefore(n, fn);
      if (def) return this.partsGiven(def, fn, depth + 1);
    }
    return undefined;
  }

  /** `model.parameters()`, `list(model.parameters())`, `filter(lambda p: p.requires_grad, model.parameters())`, `[p for p in model.parameters() if p.requires_grad]` -> `model`. */
  private allParametersOf(n: Node): string | undefined {
    if (n.type === 'call') {
      const f = n.childForFieldName('function');
      if (f?.type === 'attribute' && f.childForFieldName('attribute')?.text === 'parameters' && callArgs(n).positional.length === 0) {
        const k = keyOf(f.childForFieldName('object'));
        return k && !k.includes('.') ? k : k?.startsWith('self.') && k.split('.').length === 2 ? k : k && k.endsWith('.module') ? rootOf(k) : k && this.isModelish(this.fnOf(n), rootOf(k)) && k.split('.').length === 1 ? k : undefined;
      }
      if (f?.type === 'identifier' && (f.text === 'list' || f.text === 'filter' || f.text === 'tuple')) {
        const args = callArgs(n).positional;
        const inner = f.text === 'filter' ? args[1] : args[0];
        if (f.text === 'filter' && !/requires_grad/.test(args[0]?.text ?? '')) return undefined;
        return inner ? this.allParametersOf(unparen(inner)) : undefined;
      }
    }
    if (n.type === 'list_comprehension' || n.type === 'generator_expression') {
      const clause = n.namedChildren.find((c) => c.type === 'for_in_clause');
      const ifs = n.namedChildren.filter((c) => c.type === 'if_clause');
      if (clause && ifs.every((i) => /^\s*if\s+\w+\.requires_grad\s*$/.test(i.text))) {
        const right = clause.childForFieldName('right');
        return right ? this.allParametersOf(unparen(right)) : undefined;
      }
    }
    return undefined;
  }

  private isSubsetExpr(n: Node): boolean {
    const f = unparen(n);
    if (f.type === 'call') {
      const fun = f.childForFieldName('function');
      return fun?.type === 'attribute' && fun.childForFieldName('attribute')?.text === 'parameters';
    }
    return false;
  }

  // ------------------------------------------------------------ distributed, accumulation

  private distributed(): DistributedIR {
    const ddp: DistributedIR['ddpWraps'][number][] = [];
    const dp: ReturnType<typeof spanOf>[] = [];
    const init: ReturnType<typeof spanOf>[] = [];
    const samplers: ReturnType<typeof spanOf>[] = [];
    const sync: ReturnType<typeof spanOf>[] = [];
    const strategies: { span: ReturnType<typeof spanOf>; text: string; syncBatchNorm: boolean | undefined }[] = [];
    const replicas: { span: ReturnType<typeof spanOf>; name: string }[] = [];
    let conditional: { span: ReturnType<typeof spanOf>; condition: KnownValue }[] | undefined;
    let worldSize: KnownValue | undefined;
    for (const { call, f, q, last } of this.pickCalls('distributed', (c) => DISTRIBUTED_CALLS.has(c.last) || c.last.endsWith('init_process_group'))) {
      if (!f) continue;
      const args = callArgs(call);
      if (q === 'torch.nn.parallel.DistributedDataParallel' || q === 'torch.nn.parallel.distributed.DistributedDataParallel' || ((last === 'DistributedDataParallel' || last === 'DDP') && !q.includes('lightning'))) {
        const stmt = statementOf(call);
        ddp.push({ span: spanOf(call), statementSpan: spanOf(stmt), model: keyOf(args.positional[0] ?? args.keywords.get('module')) ?? '', indent: indentOf(this.text, stmt) });
      } else if (last === 'DataParallel' && q.includes('nn')) dp.push(spanOf(call));
      else if (q.endsWith('init_process_group')) init.push(spanOf(call));
      else if (last === 'DistributedSampler') samplers.push(spanOf(call));
      else if (last === 'convert_sync_batchnorm') {
        sync.push(spanOf(call));
        const condition = this.guardOf(call);
        if (condition) (conditional ??= []).push({ span: spanOf(call), condition });
      }
      else if (REPLICA_STRATEGIES_LIST.includes(last) && /^(tensorflow|tf)\.distribute\b/.test(q)) replicas.push({ span: spanOf(call), name: last });
      else if (last === 'get_world_size' && !worldSize) worldSize = { value: undefined, text: call.text, span: spanOf(call), provenance: 'set at launch', inferred: true };
      else if (/(^|\.)Trainer$/.test(q) && /lightning|pl\.|pytorch_lightning/.test(q + (this.imports.aliases.get('Trainer') ?? ''))) {
        const strategy = args.keywords.get('strategy') ?? args.keywords.get('accelerator');
        const syncBn = args.keywords.get('sync_batchnorm');
        const lit = syncBn ? literalValue(syncBn) : undefined;
        if (strategy && /ddp/i.test(strategy.text)) {
          strategies.push({ span: spanOf(call), text: strategy.text, syncBatchNorm: lit?.kind === 'bool' ? lit.value : syncBn ? undefined : false });
        } else if (lit?.kind === 'bool' && lit.value) {
          // `Trainer(devices=8, sync_batchnorm=True)`: the strategy is chosen at launch, BatchNorm is synchronised.
          strategies.push({ span: spanOf(call), text: strategy?.text ?? 'sync_batchnorm=True', syncBatchNorm: true });
        }
      }
    }
    return { ddpWraps: ddp, dataParallel: dp, initProcessGroup: init, distributedSamplers: samplers, syncBatchNormConversions: sync, ...(conditional ? { conditionalSyncBatchNorm: conditional } : {}), frameworkStrategies: strategies, replicaStrategies: replicas, worldSize };
  }

  /**
   * The condition a call runs under, when it sits in the body of an `if` (not its `else`) in its
   * own function: the value of the test (`args.sync_bn`: an argparse flag's default), or of an
   * `and` of tests (False when one of them is). Undefined when the call is not under an `if`.
   */
  private guardOf(call: Node): KnownValue | undefined {
    for (let n: Node | null = call; n && n.parent; n = n.parent) {
      const p: Node = n.parent;
      if (p.type === 'function_definition' || p.type === 'class_definition' || p.type === 'module') return undefined;
      if (p.type !== 'if_statement' || p.childForFieldName('consequence') !== n) continue;
      const test = p.childForFieldName('condition');
      if (!test) return undefined;
      const t = unparen(test);
      if (t.type === 'boolean_operator' && t.childForFieldName('operator')?.text === 'and') {
        const parts = [t.childForFieldName('left'), t.childForFieldName('right')].filter((x): x is Node => x !== null).map((x) => this.resolveArg(unparen(x)));
        return parts.find((v) => v?.value === false) ?? this.resolveArg(t);
      }
      return this.resolveArg(t);
    }
    return undefined;
  }

  private gradAccum(): GradAccumIR[] {
    const out: GradAccumIR[] = [];
    const moduloNames = new Set<string>();
    // (A statement whose text has no `.step(` and no `%` has no such `if`: its nodes are not asked.)
    const moduloSteps = (statement: Node) =>
      !mayHold(statement, '.step(') || !mayHold(statement, '%') ? NOTHING : statement.descendantsOfType('if_statement').flatMap((ifs) => {
        const cond = ifs.childForFieldName('condition');
        const body = ifs.childForFieldName('consequence');
        const mod = cond?.descendantsOfType('binary_operator').find((b) => b.childForFieldName('operator')?.text === '%');
        return cond && body && mod && blockStepsAnOptimizer(body) && !blockRunsBackward(body) && /==\s*0|not\s/.test(cond.text) ? [{ ifs, cond, mod }] : [];
      });
    for (const { ifs, cond, mod } of this.pick('moduloSteps', moduloSteps)) {
      const right = mod.childForFieldName('right');
      if (!right) continue;
      const steps = this.resolver.resolve(unparen(right));
      if (typeof steps.value === 'number' && steps.value <= 1) continue;
      const k = keyOf(unparen(right));
      if (k) moduloNames.add(k);
      out.push({ kind: 'modulo-step', span: spanOf(cond), steps, function: this.fnOf(ifs).name });
    }
    // (A statement whose text has no `loss` has no such assignment: its nodes are not asked.)
    const lossAssignments = (statement: Node) =>
      !/loss/i.test(statement.text) ? NOTHING : statement.descendantsOfType(['augmented_assignment', 'assignment']).filter((a) => /loss/i.test(a.childForFieldName('left')?.text ?? '') && a.childForFieldName('right'));
    for (const a of this.pick('lossAssignments', lossAssignments)) {
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (!left || !right) continue;
      let divisor: Node | undefined;
      if (a.type === 'augmented_assignment' && a.childForFieldName('operator')?.text === '/=') divisor = right;
      else if (a.type === 'assignment' && right.type === 'binary_operator' && right.childForFieldName('operator')?.text === '/' && right.childForFieldName('left')?.text === left.text) divisor = right.childForFieldName('right') ?? undefined;
      if (!divisor) continue;
      const k = keyOf(unparen(divisor));
      if (!k || !(moduloNames.has(k) || /accum/i.test(k))) continue;
      out.push({ kind: 'loss-division', span: spanOf(a), steps: this.resolver.resolve(unparen(divisor)), function: this.fnOf(a).name });
    }
    let acceleratorSetsSteps = false;
    const accumulateContexts: Node[] = [];
    // (What the checks below look at: these callees, `.accumulate(...)`, and two keywords.)
    const accumulation = (c: CallInfo) => GRAD_ACCUM_CALLS.has(c.last) || c.attr === 'accumulate' || c.args.keywords.has('gradient_accumulation_steps') || c.args.keywords.has('accumulate_grad_batches');
    for (const { call, f, q, attr, args } of this.pickCalls('accumulation', accumulation)) {
      // Accelerate's `GradientAccumulationPlugin(num_steps=...)`.
      const plugin = /(^|\.)GradientAccumulationPlugin$/.test(q) ? args.keywords.get('num_steps') : undefined;
      if (/(^|\.)Accelerator$/.test(q) && (args.keywords.has('gradient_accumulation_steps') || args.keywords.has('gradient_accumulation_plugin') || args.hasSplat)) acceleratorSetsSteps = true;
      // `with accelerator.accumulate(model):`
      if (f?.type === 'attribute' && attr === 'accumulate' && this.launcher(call) === undefined) {
        const receiver = keyOf(f.childForFieldName('object'));
        if (receiver && (this.accelerators.has(receiver) || words(receiver).includes('accelerator')) && call.parent?.type === 'with_item') accumulateContexts.push(call);
      }
      // DeepSpeed: `"gradient_accumulation_steps"` in the config dict given to `deepspeed.initialize`.
      const dsConfig = q === 'deepspeed.initialize' ? this.literalDict(args.keywords.get('config') ?? args.keywords.get('config_params'), this.fnOf(call), call) : undefined;
      const v = args.keywords.get('gradient_accumulation_steps') ?? args.keywords.get('accumulate_grad_batches') ?? plugin ?? dsConfig?.get('gradient_accumulation_steps');
      if (!v) continue;
      const steps = this.resolver.resolve(v);
      if (typeof steps.value === 'number' && steps.value <= 1) continue;
      out.push({ kind: 'framework-argument', span: spanOf(v.parent ?? v), steps, function: this.fnOf(call).name });
    }
    if (!acceleratorSetsSteps) {
      // The accumulation steps come from the launch configuration (`accelerate config`, ACCELERATE_GRADIENT_ACCUMULATION_STEPS).
      for (const call of accumulateContexts) {
        out.push({
          kind: 'framework-context',
          span: spanOf(call),
          steps: { value: undefined, text: 'gradient_accumulation_steps', span: spanOf(call), provenance: 'set at launch: accelerate config or ACCELERATE_GRADIENT_ACCUMULATION_STEPS', inferred: true },
          function: this.fnOf(call).name,
        });
      }
    }
    return out.sort((a, b) => a.span.startOffset - b.span.startOffset);
  }

  // ------------------------------------------------------------ freezing, keras, flax

  private freezes(): FreezeIR[] {
    const out: FreezeIR[] = [];
    // (A statement whose text has no `.parameters` or `.named_parameters` has no such loop: its nodes are not asked.)
    const parameterLoops = (s: Node) => (!mayHold(s, 'parameters') ? NOTHING : s.descendantsOfType('for_statement').filter(isParameterLoop));
    for (const loop of this.pick('parameterLoops', parameterLoops)) {
      const f = parameterLoopFreeze(loop);
      if (f) out.push({ span: spanOf(loop), target: f.target, kind: 'requires_grad-loop', function: this.fnOf(loop).name, ...this.classFreeze(loop, f.target), ...(f.selection ? { selection: f.selection } : {}) });
    }
    for (const { call, f } of this.pickCalls('requiresGrad', (c) => c.attr === 'requires_grad_')) {
      const target = f ? this.requiresGradFreeze(call, f) : undefined;
      if (target) out.push({ span: spanOf(call), target, kind: 'requires_grad_', function: this.fnOf(call).name, ...this.classFreeze(call, target) });
    }
    for (const s of this.analysis.switches()) {
      if (s.scope === 'batchnorm' && s.op === 'eval') out.push({ span: s.span, target: s.target, kind: 'batchnorm-eval', function: s.fn });
    }
    // Freezes a call makes: a helper given the model (`set_parameter_requires_grad(model_ft, True)`), a method of its class, a function of another file.
    for (const c of this.analysis.freezeCalls()) out.push({ span: c.span, target: c.target, kind: c.kind, function: c.fn, ...(c.selection ? { selection: c.selection } : {}), by: c.by });
    return out.sort((a, b) => a.span.startOffset - b.span.startOffset);
  }

  /** The target of `x.requires_grad_(False)` (not a weight or bias alone, nor in a loop over parameters, which the loop stands for). */
  private requiresGradFreeze(call: Node, f: Node): string | undefined {
    const a = callArgs(call).positional[0] ?? callArgs(call).keywords.get('requires_grad');
    const lit = a ? literalValue(a) : undefined;
    if (!lit || lit.kind !== 'bool' || lit.value) return undefined;
    const target = keyOf(f.childForFieldName('object'));
    if (!target || target.split('.').pop() === 'weight' || target.split('.').pop() === 'bias') return undefined;
    return this.insideParameterLoop(call) ? undefined : target;
  }

  /** `FlowHost.reboundParams`, by function. */
  private readonly rebound = new Map<Fn, ReadonlySet<string>>();

  reboundParams(fn: Fn): ReadonlySet<string> {
    let out = this.rebound.get(fn);
    if (out) return out;
    let names: Set<string> | undefined;
    if (fn.params.length > 0 && !fn.isModule && fn.body && (mayHold(fn.body, 'copy') || /=\s*[A-Z]/.test(fn.body.text))) {
      for (const a of this.assignmentsOf(fn)) {
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        const r = right ? unparen(right) : undefined;
        if (left?.type !== 'identifier' || !fn.params.includes(left.text) || r?.type !== 'call') continue;
        // (Only a binding every call makes: `if model is None: model = Net()` keeps a model passed.)
        if (a.parent?.type !== 'expression_statement' || a.parent.parent !== fn.body) continue;
        const built = copiedModelKey(r) !== undefined ? true : this.safeConstructs(r, fn);
        if (built === true || (built && !built.sharesModesOf)) (names ??= new Set()).add(left.text);
      }
    }
    out = names ?? NO_NAMES;
    this.rebound.set(fn, out);
    return out;
  }

  truthOf(node: Node): boolean | undefined {
    const v = this.resolver.resolve(node).value;
    return typeof v === 'boolean' ? v : undefined;
  }

  /** What each function freezes of what it is given (see `FlowHost.gradFreezesOf`), by function. */
  private readonly ownFreezes = new Map<Fn, readonly CalleeFreeze[]>();

  gradFreezesOf(fn: Fn): readonly CalleeFreeze[] {
    let out = this.ownFreezes.get(fn);
    if (out) return out;
    const found: CalleeFreeze[] = [];
    const body = fn.body;
    // (Only functions whose text freezes anything are looked into: most freeze nothing.)
    if (body && !fn.isModule && mayHold(body, 'requires_grad')) {
      const rebound = this.reboundParams(fn);
      const given = (target: string) => fn.params.includes(rootOf(target)) && !rebound.has(rootOf(target));
      for (const loop of body.descendantsOfType('for_statement')) {
        if (!isParameterLoop(loop) || this.fnOf(loop) !== fn) continue;
        const f = parameterLoopFreeze(loop);
        if (f && given(f.target)) found.push({ target: f.target, kind: 'requires_grad-loop', line: loop.startPosition.row + 1, ...(f.selection ? { selection: f.selection } : {}), ...this.freezeCondition(loop, fn) });
      }
      for (const call of body.descendantsOfType('call')) {
        const f = call.childForFieldName('function');
        if (f?.type !== 'attribute' || f.childForFieldName('attribute')?.text !== 'requires_grad_' || this.fnOf(call) !== fn) continue;
        const target = this.requiresGradFreeze(call, f);
        if (target && given(target)) found.push({ target, kind: 'requires_grad_', line: call.startPosition.row + 1, ...this.freezeCondition(call, fn) });
      }
    }
    out = found.length > 0 ? found : NOTHING;
    this.ownFreezes.set(fn, out);
    return out;
  }

  /** The parameter a freeze in `fn` depends on (see `paramCondition`), with the truth of its default. */
  private freezeCondition(node: Node, fn: Fn): Pick<CalleeFreeze, 'condition'> {
    const { condition } = paramCondition(node, fn);
    if (!condition) return {};
    let byDefault: boolean | undefined;
    for (const p of fn.node.childForFieldName('parameters')?.namedChildren ?? []) {
      if ((p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') || p.childForFieldName('name')?.text !== condition.param) continue;
      const v = p.childForFieldName('value');
      byDefault = v ? this.truthOf(v) : undefined;
    }
    return { condition: byDefault === undefined ? condition : { ...condition, byDefault } };
  }

  /**
   * For a freeze of `self.<attr>` in a method of a class, when the attribute holds BatchNorm in
   * training mode (a library model: `ClassFacts.frozenParts`; an instance of another class of the
   * file with BatchNorm that its own `train()` does not keep frozen: `frozenOwnParts`): its class.
   */
  private classFreeze(node: Node, target: string): { className?: string } {
    const cls = rootOf(target) === 'self' ? this.fnOf(node).cls : undefined;
    const facts = cls !== undefined ? this.classes.get(cls) : undefined;
    if (!cls || !facts) return {};
    if (facts.frozenParts?.includes(target)) return { className: cls };
    const part = facts.frozenOwnParts?.find((p) => p.attr === target);
    const held = part ? modelFactsOfClass(part.cls, this.classes, 'file') : undefined;
    return held && held.batchNorms.length > 0 && !held.trainKeepsBatchNormFrozen && !held.frozenBatchNorm ? { className: cls } : {};
  }

  private insideParameterLoop(node: Node): boolean {
    for (let n = node.parent; n; n = n.parent) {
      if (n.type === 'for_statement') {
        const r = n.childForFieldName('right');
        if (r && /\.(named_)?parameters\(/.test(r.text)) return true;
      }
      if (n.type === 'function_definition') return false;
    }
    return false;
  }

  private keras(): TrainingIR['keras'] {
    const trainingArguments: TrainingIR['keras']['trainingArguments'][number][] = [];
    const trainableFalse: TrainingIR['keras']['trainableFalse'][number][] = [];
    const statementArguments = (_statement: Node, calls: readonly CallInfo[]) =>
      calls.flatMap(({ call, args }) => {
        const t = args.keywords.get('training');
        return t ? [{ span: spanOf(t.parent ?? t), value: this.resolver.resolve(t), ...this.modeArgumentContext(call) }] : [];
      });
    for (const part of this.perStatement('kerasTrainingArguments', 'training=', passesTraining, statementArguments)) for (const a of part) trainingArguments.push(a);
    const trainableTrue: typeof trainableFalse = [];
    for (const a of this.flagAssignments()) {
      if (flagOf(a) !== 'trainable') continue;
      (a.childForFieldName('right')?.type === 'false' ? trainableFalse : trainableTrue).push(trainableAssignment(a));
    }
    return { trainingArguments, trainableFalse, ...(trainableTrue.length > 0 ? { trainableTrue } : {}) };
  }

  /** `x.trainable = True/False` (Keras) and `x.training = True/False` (a module's own flag) assignments. */
  private flagAssignments(): Node[] {
    return this.pick('flagAssignments', (statement, picks) => selectedFrom(this.assignmentsIn(statement, picks), (a) => flagOf(a) !== undefined), 'assignments');
  }

  /** `model.training = False`: see `TrainingIR.trainingFlags`. */
  private trainingFlags(): NonNullable<TrainingIR['trainingFlags']>[number][] {
    const out: NonNullable<TrainingIR['trainingFlags']>[number][] = [];
    for (const a of this.flagAssignments()) {
      const target = flagOf(a) === 'training' ? keyOf((a.childForFieldName('left') as Node).childForFieldName('object')) : undefined;
      if (target) out.push({ span: spanOf(a), target, value: a.childForFieldName('right')?.type === 'true', function: this.fnOf(a).name });
    }
    return out;
  }

  private flax(): TrainingIR['flax'] {
    const useRunningAverage: TrainingIR['flax']['useRunningAverage'][number][] = [];
    const mutableBatchStats: ReturnType<typeof spanOf>[] = [];
    const mutableBatchStatsCalls: NonNullable<TrainingIR['flax']['mutableBatchStatsCalls']>[number][] = [];
    const applyModeArguments: NonNullable<TrainingIR['flax']['applyModeArguments']>[number][] = [];
    const statementFlax = (_statement: Node, calls: readonly CallInfo[]) => {
      const part = { useRunningAverage: [] as typeof useRunningAverage, mutableBatchStats: [] as typeof mutableBatchStats, mutableBatchStatsCalls: [] as typeof mutableBatchStatsCalls, applyModeArguments: [] as typeof applyModeArguments };
      for (const { call, f: callee, attr, args } of calls) {
        const ura = args.keywords.get('use_running_average');
        if (ura) part.useRunningAverage.push({ span: spanOf(ura.parent ?? ura), value: this.resolver.resolve(ura), ...this.modeArgumentContext(call) });
        const mutable = args.keywords.get('mutable');
        if (mutable && /['"]batch_stats['"]/.test(mutable.text)) {
          part.mutableBatchStats.push(spanOf(mutable.parent ?? mutable));
          part.mutableBatchStatsCalls.push({ span: spanOf(mutable.parent ?? mutable), ...this.modeArgumentContext(call) });
        }
        const applyName = callee?.type === 'attribute' ? attr : callee?.text;
        if (applyName === 'apply' || applyName === 'apply_fn') {
          for (const name of ['train', 'training', 'deterministic']) {
            const v = args.keywords.get(name);
            if (v) part.applyModeArguments.push({ span: spanOf(v.parent ?? v), name, value: this.resolver.resolve(v), ...this.modeArgumentContext(call) });
          }
        }
      }
      return part;
    };
    for (const part of this.perStatement('flax', 'flax', flaxModeCall, statementFlax)) {
      for (const x of part.useRunningAverage) useRunningAverage.push(x);
      for (const x of part.mutableBatchStats) mutableBatchStats.push(x);
      for (const x of part.mutableBatchStatsCalls) mutableBatchStatsCalls.push(x);
      for (const x of part.applyModeArguments) applyModeArguments.push(x);
    }
    return { useRunningAverage, mutableBatchStats, mutableBatchStatsCalls, applyModeArguments };
  }

  /** Where a mode argument is passed: the enclosing function, the callee as written and the call. */
  private modeArgumentContext(call: Node): { function: string; callee: string; callSpan: ReturnType<typeof spanOf>; inUnitTest: boolean } {
    const fn = this.fnOf(call);
    return { function: fn.name, callee: call.childForFieldName('function')?.text ?? '', callSpan: spanOf(call), inUnitTest: this.inUnitTest(fn) };
  }
}

/**
 * Whether a module-level statement may change the mode state (what the module's flow interprets):
 * not a definition, import or comment (`ModeAnalysis` passes over those), nor a token.
 */
function movesModeState(statement: Node): boolean {
  return statement.isNamed && !INERT_STATEMENTS.has(statement.type);
}

/** The description and place of a construction's mode origin (made only for a call that builds a model: most build nothing). */
function constructedAt(call: Node, description: string, detail?: string): Pick<ConstructionOrigin, 'description' | 'at' | 'detail'> {
  return { description, at: spanOf(call), ...(detail ? { detail } : {}) };
}

/** The library functions that take a model's architecture by name, and where: `[position, keyword]`. */
const PICKING_FUNCTIONS: ReadonlyMap<string, readonly [number, string]> = new Map([
  ['timm.create_model', [0, 'model_name']],
  ['timm.models.create_model', [0, 'model_name']],
  ['torchvision.models.get_model', [0, 'name']],
  ['torch.hub.load', [1, 'model']],
]);

/** The calls Keras's `training=` pass looks at. */
function passesTraining(c: CallInfo): boolean {
  return c.args.keywords.has('training');
}

/** A library constructor given pretrained weights: `pretrained=True`, `weights=` other than None. */
function buildsPretrained(call: Node): boolean {
  const args = callArgs(call);
  const pretrained = args.keywords.get('pretrained');
  if (pretrained?.type === 'true') return true;
  const weights = args.keywords.get('weights');
  return weights !== undefined && weights.type !== 'none' && weights.type !== 'false';
}

/** What a method of a holder class returns, as another file sees it: no model (see `importedFunctions`). */
const NOTHING_RETURNED: Returned = { facts: undefined, at: [] };

/** 1 for a site whose model's definition is not known, else 0 (see `sites`). */
function unknownLast(site: SiteIR): number {
  return site.facts.evidence === 'none' ? 1 : 0;
}

/** Calls that iterate what their first argument iterates (see `runsAtLeastOnce`). */
const LOOP_WRAPPERS: ReadonlySet<string> = new Set(['enumerate', 'tqdm', 'tqdm_notebook', 'progress_bar', 'track']);

/**
 * The model whose children a `*` argument spreads: `backbone` in `*backbone.children()`,
 * `*list(backbone.children())`, and `*list(backbone.children())[:-2]` (all but the last: the
 * head left out). Undefined for anything else, a slice that may leave out the first children
 * (`[2:]`, `[:3]`) included.
 */
function childrenOf(splat: Node): Node | undefined {
  let e = splat.namedChildren[0] ? unparen(splat.namedChildren[0]) : undefined;
  if (e?.type === 'subscript') {
    const slices = e.childrenForFieldName('subscript');
    const slice = slices.length === 1 ? slices[0] : undefined;
    if (slice?.type !== 'slice') return undefined;
    const parts = slice.children.filter((c) => c.type !== 'comment');
    // `[:-k]`: ':' then a negative integer, nothing before the colon, no step.
    const stop = parts[1];
    if (parts.length !== 2 || parts[0].type !== ':' || stop?.type !== 'unary_operator' || !/^-\s*\d+$/.test(stop.text)) return undefined;
    e = e.childForFieldName('value') ?? undefined;
  }
  if (e?.type === 'call' && e.childForFieldName('function')?.text === 'list') {
    const inner = callArgs(e).positional;
    e = inner.length === 1 ? unparen(inner[0]) : undefined;
  }
  if (e?.type !== 'call' || callArgs(e).positional.length > 0) return undefined;
  const f = e.childForFieldName('function');
  if (f?.type !== 'attribute' || f.childForFieldName('attribute')?.text !== 'children') return undefined;
  const owner = f.childForFieldName('object');
  return owner?.type === 'identifier' ? owner : undefined;
}

/** `{ [key]: list }` when the list has items, else nothing (an optional IR list). */
function optional<K extends string, T>(key: K, list: readonly T[]): { [k in K]?: readonly T[] } {
  return (list.length > 0 ? { [key]: list } : {}) as { [k in K]?: readonly T[] };
}

/**
 * Which flag an assignment of a boolean literal sets: `x.trainable = False` (Keras), `x.training =
 * False` (a module's own mode flag). (The right side first: it rules out most assignments without
 * reading a name's text.)
 */
function flagOf(a: Node): 'trainable' | 'training' | undefined {
  const right = a.childForFieldName('right')?.type;
  if (right !== 'false' && right !== 'true') return undefined;
  const left = a.childForFieldName('left');
  const attr = left?.type === 'attribute' ? left.childForFieldName('attribute')?.text : undefined;
  return attr === 'trainable' || attr === 'training' ? attr : undefined;
}

/** The calls the Flax pass looks at: `use_running_average=`, `mutable=[..."batch_stats"...]`, `apply(..., train=...)`. */
function flaxModeCall(c: CallInfo): boolean {
  const keywords = c.args.keywords;
  if (keywords.size === 0) return false;
  if (keywords.has('use_running_average')) return true;
  const mutable = keywords.get('mutable');
  if (mutable && /['"]batch_stats['"]/.test(mutable.text)) return true;
  const applyName = c.f?.type === 'attribute' ? c.attr : c.f?.text;
  return (applyName === 'apply' || applyName === 'apply_fn') && (keywords.has('train') || keywords.has('training') || keywords.has('deterministic'));
}

/** `out[to].set(key, value)`, noted in `writes` when given. */
function write(out: FunctionBindings, writes: BindingWrite[] | undefined, to: BindingWrite['to'], key: string, value: unknown): void {
  setBinding(out, to, key, value);
  writes?.push({ to, key, value });
}

/**
 * Whether a statement's text holds `part`: when it does not, no node of the statement holds it
 * either (a cheap test before asking the statement's nodes).
 */
function mayHold(statement: Node, part: string): boolean {
  return statement.text.includes(part);
}

/** The scratch list of `readCallsIn` (never read past what one call wrote; cleared after). */
const CALLS_SCRATCH: Node[] = [];

/**
 * Sorts calls (in document order) into evaluation order: by end, an inner call before the one
 * holding it. An insertion sort in place for the usual few (`sort` makes a work copy of the list;
 * both are stable, so the order is the same), `sort` for long lists.
 */
function inEvaluationOrder(calls: Node[]): Node[] {
  const before = (a: Node, b: Node) => a.endIndex - b.endIndex || b.startIndex - a.startIndex;
  if (calls.length > 32) return calls.sort(before);
  for (let i = 1; i < calls.length; i++) {
    const c = calls[i];
    let j = i;
    while (j > 0 && before(calls[j - 1], c) > 0) {
      calls[j] = calls[j - 1];
      j--;
    }
    calls[j] = c;
  }
  return calls;
}

/**
 * The items `keep` holds for, in order, or the shared empty array when there are none (most
 * statements have none for most passes: no array is made for them, as `filter` would).
 */
function selectedFrom<T>(items: readonly T[], keep: (item: T) => boolean): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < items.length; i++) if (keep(items[i])) (out ??= []).push(items[i]);
  return out ?? NOTHING;
}

/** `items`, or the shared empty array when there are none (most statements have none for most passes). */
function nothingIfEmpty<T>(items: readonly T[]): readonly T[] {
  return items.length === 0 ? NOTHING : items;
}

/** A statement's items for a pass (the slot `slot` of its picks), selected once and kept there. */
function picked<T>(picks: StatementPicks['byPass'], slot: number, statement: Node, select: (statement: Node, picks: StatementPicks['byPass']) => readonly T[]): readonly T[] {
  let items = picks[slot] as readonly T[] | undefined;
  if (!items) picks[slot] = items = nothingIfEmpty(select(statement, picks));
  return items;
}

function unknownFacts(name: string): ModelFacts {
  return { evidence: 'none', name, batchNorms: [], otherModeDependent: [], affineNorms: [], trainKeepsBatchNormFrozen: false, frozenBatchNorm: false };
}

export { EMPTY_TRAINING };

/** The class of a method, or of the method a function is nested in (undefined outside classes). */
function classOf(fn: Fn): string | undefined {
  for (let f: Fn | undefined = fn; f; f = f.parent) if (f.cls !== undefined) return f.cls;
  return undefined;
}

/** `{ className }` for a function in a class (see `ModelVariable.className`), nothing otherwise. */
function inClass(fn: Fn): { className?: string } {
  const className = classOf(fn);
  return className === undefined ? {} : { className };
}

/** `keras.Sequential` by its qualified name (`tf.keras.Sequential`, `keras.models.Sequential`, ...). */
const KERAS_SEQUENTIAL = /^(keras|tensorflow\.keras|tensorflow\.python\.keras|tf_keras)(\.models)?\.Sequential$/;
const KERAS_MODEL = /^(keras|tensorflow\.keras|tensorflow\.python\.keras|tf_keras)(\.models)?\.Model$/;

/**
 * The facts of `keras.Sequential([...])` from the layers listed in its first argument (or
 * `layers=`): BatchNormalization, dropout, and the affine norms. A Keras BatchNormalization given
 * one value per channel does not fail as PyTorch's does (its variance is 0): none is marked
 * `singleValuePerChannel`. Undefined when the list names none of them.
 */

/** The mode-dependent and affine layers of a Keras model, as they are gathered. */
interface KerasLayerFacts {
  readonly batchNorms: ModelFacts['batchNorms'][number][];
  readonly other: ModelFacts['otherModeDependent'][number][];
  readonly affine: ModelFacts['affineNorms'][number][];
}


/**
 * The flag named for training (`training`, `is_training`, `train_mode`) that held where a fact was
 * established (`if training: model.train()`; `made`: its conditions), the innermost such condition.
 */
function trainingFlag(guard: string | undefined): string | undefined {
  const atoms = guard?.split('&') ?? [];
  for (let i = atoms.length - 1; i >= 0; i--) {
    const m = /^\+((?:is_)?(?:training|train)(?:_mode)?)$/.exec(atoms[i]);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The statements of `before` (a block's statements before a functional `keras.Model(inputs,
 * outputs)`) whose values reach `outputs`, found backwards from the names in it: the layer graph
 * of the model. A call on a tensor whose result does not reach it (`feature_batch =
 * base_model(image_batch)`, a look at the features before the model is built) is no part of it.
 */
function graphStatements(before: readonly Node[], outputs: Node | undefined): Set<Node> {
  const out = new Set<Node>();
  if (!outputs) return out;
  const live = new Set<string>();
  const use = (n: Node): void => {
    if (n.type === 'identifier') live.add(n.text);
    else for (const id of n.descendantsOfType('identifier')) live.add(id.text);
  };
  use(outputs);
  for (let i = before.length - 1; i >= 0; i--) {
    const a = before[i].type === 'expression_statement' ? before[i].namedChildren[0] : undefined;
    if (a?.type !== 'assignment' && a?.type !== 'augmented_assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (!left || !right) continue;
    const targets = left.type === 'identifier' ? [left.text] : left.descendantsOfType('identifier').map((n) => n.text);
    if (!targets.some((t) => live.has(t))) continue;
    out.add(before[i]);
    // (`x += y` reads x too: it stays live.)
    if (a.type === 'assignment') for (const t of targets) live.delete(t);
    use(right);
  }
  return out;
}

/** The names whose `.output` a node reads (`base_model.output`, `base.get_layer("top").output`, `base.layers[-2].output`). */
function outputBases(n: Node): Node[] {
  const out: Node[] = [];
  const attributes = n.type === 'attribute' ? [n, ...n.descendantsOfType('attribute')] : n.descendantsOfType('attribute');
  for (const a of attributes) {
    if (a.childForFieldName('attribute')?.text !== 'output') continue;
    let o = a.childForFieldName('object');
    while (o && o.type !== 'identifier') o = o.type === 'attribute' ? o.childForFieldName('object') : o.type === 'subscript' ? o.childForFieldName('value') : o.type === 'call' ? o.childForFieldName('function') : null;
    if (o) out.push(o);
  }
  return out;
}

/**
 * A model's facts added to a Keras model's that holds it (called on a tensor in a functional model,
 * listed in a `keras.Sequential`): its BatchNorm layers with `batchNorm` (their `owner`), or not at
 * all when `batchNorm` is undefined (called with `training=False`: its statistics do not train).
 */
function addModelFacts(built: ModelFacts, facts: KerasLayerFacts, batchNorm: Pick<LayerFact, 'owner' | 'ownerCall' | 'ownerTraining'> | undefined): void {
  if (batchNorm) for (const l of built.batchNorms) facts.batchNorms.push({ ...l, ...batchNorm });
  facts.other.push(...built.otherModeDependent);
  facts.affine.push(...built.affineNorms);
}

/**
 * A Keras layer constructor call (`layers.BatchNormalization()`) sorted into `facts` by its kind,
 * the kinds the file's classes are read by (`classes.ts`): BatchNorm (also an affine norm),
 * Dropout, another affine norm; anything else is left out.
 */
function addKerasLayer(layer: Node, facts: KerasLayerFacts): void {
  const callee = layer.childForFieldName('function');
  const kind = (callee ? dottedParts(callee)?.pop() : undefined) ?? '';
  const span = spanOf(layer);
  if (BN_KINDS.has(kind)) {
    facts.batchNorms.push({ kind, span, singleValuePerChannel: false, ...(isSynchronized(layer) ? { synchronized: true } : {}) });
    facts.affine.push({ kind, span });
  } else if (DROPOUT_KINDS.has(kind)) facts.other.push({ kind, span });
  else if (AFFINE_NORM_KINDS.has(kind)) facts.affine.push({ kind, span });
}

/** A Lightning `trainer.fit(...)`: the model (its key, see `modelKey`), its loaders, and where. */
interface LightningFit {
  readonly model: string;
  readonly fn: Fn;
  /** The model's construction when it is built in the call (`trainer.fit(LitNet(), ...)`). */
  readonly built?: Node;
  readonly train: Node | undefined;
  readonly val: Node | undefined;
  readonly datamodule: boolean;
  readonly text: string;
}

/** Whether an `Accelerator(...)` call splits batches: `split_batches=True`, or a `dataloader_config` (`definition` reads a name) made with it. */
function splitsBatches(accelerator: Node, definition: (name: Node) => Node | undefined): boolean {
  const isTrue = (n: Node | undefined): boolean => {
    const v = n ? literalValue(n) : undefined;
    return v?.kind === 'bool' && v.value;
  };
  const args = callArgs(accelerator);
  if (isTrue(args.keywords.get('split_batches'))) return true;
  const config = args.keywords.get('dataloader_config');
  const made = config ? (unparen(config).type === 'call' ? unparen(config) : definition(config)) : undefined;
  return made !== undefined && isTrue(callArgs(made).keywords.get('split_batches'));
}
