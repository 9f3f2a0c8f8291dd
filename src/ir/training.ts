import type { Span } from './span';
import { citesLocation, describeProvenance, type Provenance, type Where } from './values';

/**
 * What a file says about how its models are trained and used: data loaders and batch sizes,
 * distributed setup, gradient accumulation, optimizers, freezing, and the train/eval mode of
 * each model at every training step, inference call and export call, along every control-flow
 * path (through same-file helper calls and loop iterations). Plain data: no syntax-tree types.
 */

/** A number as far as the front end knows it, with where it came from. */
export interface KnownValue {
  /** The resolved value, or undefined when it did not resolve (never guessed). */
  readonly value: number | boolean | string | undefined;
  /** The expression as written (or a description when the value is a default not written). */
  readonly text: string;
  /** The expression, or (for an omitted argument) the call that omits it. */
  readonly span: Span;
  /** Without a location: "literal", "argparse default of --bs", "DataLoader's default batch_size=1". */
  readonly provenance: string;
  /** The resolver's provenance when the value is not a plain literal (messages show its locations, see `describeValue`). */
  readonly origin?: Provenance;
  /** Where the value was defined, when not at `span` (the `add_argument` call, the constant). */
  readonly definitionSpan?: Span;
  /** True when the value is a default that a run may override (CLI flag, config file). */
  readonly inferred: boolean;
  /**
   * Set when `value` is the most the quantity can be, with why: a loader's batch size that
   * Accelerate's `split_batches=True` divides between the processes (their number is set at launch).
   */
  readonly upperBound?: string;
}

export type Mode = 'train' | 'eval';

/** Why a model may be in a mode at some point. */
export interface ModeOrigin {
  readonly mode: Mode | 'unknown';
  /** `switch`: `.train()`/`.eval()`; `construction`: modules start in training mode; `library`:
   * a loader's documented behaviour (`from_pretrained` returns an eval-mode model); `call`: a
   * call whose effect is not visible. */
  readonly kind: 'switch' | 'construction' | 'library' | 'call';
  readonly span: Span;
  /** Without a location: `model.eval()`, `nn.Sequential(...) built`; shown with `describeOrigin`. */
  readonly description: string;
  /** The call the description cites (`at line 12`), when it cites one. */
  readonly at?: Span;
  /** What follows the location: `(modules start in training mode)`. */
  readonly detail?: string;
}

/** A mode origin as messages show it: `model.eval() at line 40`, `Net(...) built at line 12 (modules start in training mode)`. */
export function describeOrigin(o: ModeOrigin, where: Where): string {
  if (!o.at) return o.description;
  return `${o.description} at ${where(o.at)}${o.detail ? ` ${o.detail}` : ''}`;
}

/**
 * A known value as messages show it: "4 (argparse default of --bs, line 12)", "4 (line 40)",
 * "1 (DataLoader's default batch_size=1, line 7)".
 */
export function describeKnownValue(v: KnownValue, where: Where): string {
  return v.upperBound === undefined ? `${String(v.value)} (${knownValueOrigin(v, where)})` : `at most ${String(v.value)} (${knownValueOrigin(v, where)}; ${v.upperBound})`;
}

/** Where a known value comes from, as messages show it: "argparse default of --bs, line 12", "DataLoader's default batch_size=1". */
export function knownValueText(v: KnownValue, where: Where): string {
  return v.origin ? describeProvenance(v.origin, where) : v.provenance;
}

/** The parenthetical of `describeKnownValue`: "line 40", "argparse default of --bs, line 6". */
export function knownValueOrigin(v: KnownValue, where: Where): string {
  if (v.provenance === 'literal') return where(v.span);
  if (v.origin && citesLocation(v.origin)) return describeProvenance(v.origin, where);
  return `${v.provenance}, ${where(v.definitionSpan ?? v.span)}`;
}

/** The modes an object may be in at one point, over every path that reaches it. */
export interface ModeAt {
  readonly modes: readonly Mode[];
  readonly origins: readonly ModeOrigin[];
  /** Part of the state comes from a caller that is not in view (or an opaque call). */
  readonly unresolved: boolean;
  /**
   * Set when every path to training mode went through `if <flag>:` with a flag named for it
   * (`training`, `is_training`, `train_mode`): the mode is the caller's deliberate choice.
   */
  readonly trainChosenBy?: string;
  /**
   * train() and eval() switches reaching this point from exclusive branches of one condition
   * (`if args.weights == 'finetune': model.train()` / `elif args.weights == 'freeze':
   * model.eval()`): each is the other's alternative, chosen per run, not one undoing the other.
   */
  readonly alternatives?: readonly { readonly train: ModeOrigin; readonly eval: ModeOrigin }[];
}

/** A layer of a model definition that matters to training rules. */
export interface LayerFact {
  /** Canonical class name, e.g. `BatchNorm2d`, `Dropout`, `LayerNorm`. */
  readonly kind: string;
  readonly span: Span | undefined;
  /** Relative path of the file that defines it, when it is not the analysed file. */
  readonly file?: string;
  /** BatchNorm whose channels see one value per sample (BatchNorm1d after Linear/Flatten, BN after global pooling). */
  readonly singleValuePerChannel?: boolean;
  /** Keras `BatchNormalization(synchronized=True)`: under a `tf.distribute` strategy its statistics are over the global batch. */
  readonly synchronized?: boolean;
  /** How the layer comes about when the code does not write it (`ResNet's default norm_cfg`); `span` is then where that is decided. */
  readonly via?: string;
  /** A layer of a model that a Keras functional model calls on a tensor (`x = base_model(inputs)`): that model's variable, whose `trainable` state decides. */
  readonly owner?: string;
  /**
   * With `owner`: the call of that model on a tensor (`x = base_model(inputs)`), when it passes
   * no `training=` argument (where `training=False` would go).
   */
  readonly ownerCall?: { readonly span: Span; readonly argumentsSpan: Span };
  /** With `owner`: the call of that model passes `training=` (a value other than False: `training=True`, a flag), so the mode is chosen there. */
  readonly ownerTraining?: boolean;
}

/** What the analysis knows about the definition of a model a script trains or runs. */
export interface ModelFacts {
  /** `file`: defined in this file; `workspace`: in another workspace file; `library`: a known
   * library constructor (torchvision, timm, Hugging Face, Keras Applications); `none`: definition not in view. */
  readonly evidence: 'file' | 'workspace' | 'library' | 'none';
  /** Class or constructor name, e.g. `Net`, `torchvision.models.resnet50`. */
  readonly name: string;
  readonly definitionSpan?: Span;
  readonly definitionFile?: string;
  /** Trainable BatchNorm layers (BatchNorm1d/2d/3d, Lazy*, SyncBatchNorm). */
  readonly batchNorms: readonly LayerFact[];
  /** Other mode-dependent layers: Dropout*, InstanceNorm with track_running_stats, stochastic depth. */
  readonly otherModeDependent: readonly LayerFact[];
  /** Normalization layers with learnable affine parameters (BN, LayerNorm, GroupNorm, RMSNorm...). */
  readonly affineNorms: readonly LayerFact[];
  /** The class overrides `train()` to keep BatchNorm in eval mode. */
  readonly trainKeepsBatchNormFrozen: boolean;
  /** Uses `FrozenBatchNorm2d` (detectron2/torchvision style): statistics fixed by design. */
  readonly frozenBatchNorm: boolean;
  /**
   * A Keras model (a `keras.Model` / `keras.layers.Layer` subclass, `keras.Sequential`, a functional
   * `keras.Model(inputs, outputs)`, a Keras Application): it has no train()/eval() mode; each
   * call's `training=` argument (inference when not given, outside `fit`) decides.
   */
  readonly keras?: boolean;
  /** A library model built with pretrained weights (`weights="IMAGENET1K_V2"`, `pretrained=True`, `from_pretrained`). */
  readonly pretrained?: boolean;
  /**
   * A library model whose architecture the code picks by a name it does not spell out
   * (`models.__dict__[args.arch]()`, `timm.create_model(args.model)`), known from the value that
   * name resolves to: what picked it, for messages (`picked by args.arch, the argparse default of --arch`).
   * A run given another name builds another model.
   */
  readonly chosenBy?: string;
}

export interface ModelVariable {
  /** The variable as written, e.g. `model`, `self.net`. */
  readonly name: string;
  readonly function: string;
  /** For a method (or a function nested in one): its class, which tells apart methods of one name in several classes (each LightningModule's `train_dataloader`). */
  readonly className?: string;
  /** The assignment's right-hand side. */
  readonly span: Span;
  readonly facts: ModelFacts;
}

export interface DataLoaderIR {
  readonly framework: 'torch' | 'keras' | 'tf.data' | 'huggingface' | 'lightning' | 'deepspeed' | 'mmengine';
  /** Made in a unit test (same definition as `SiteIR.inUnitTest`): its batches are the test's choice. Present when true. */
  readonly inUnitTest?: true;
  /**
   * The constructing call (`DataLoader(...)`, `model.fit(...)` (Keras, also for a tf.data pipeline's
   * batches), `TrainingArguments(...)`, `deepspeed.initialize(training_data=...)`), or an
   * OpenMMLab config's loader dict (`train_dataloader = dict(...)`).
   */
  readonly span: Span;
  /** tf.data: the call that batches the data `fit` trains on (`ds.batch(32)`, `image_dataset_from_directory(...)`). */
  readonly batchedAt?: Span;
  /**
   * Each batch merges graphs into one (a `collate_fn` calling `dgl.batch` or PyG's
   * `Batch.from_data_list`): the batch size counts graphs, and a norm layer sees the nodes of all
   * of them.
   */
  readonly batchesGraphs?: boolean;
  readonly argumentsSpan: Span;
  readonly variable: string | undefined;
  readonly function: string;
  /** For a method (or a function nested in one): its class, which tells apart methods of one name in several classes (each LightningModule's `train_dataloader`). */
  readonly className?: string;
  /** Per-process batch size (DataLoader) or per-call batch size (Keras fit). */
  readonly batchSize: KnownValue | undefined;
  readonly dropLast: KnownValue | undefined;
  readonly sampler: string | undefined;
  readonly distributedSampler: boolean;
  readonly dataset: { readonly text: string; readonly length: number | undefined; readonly lengthSpan: Span | undefined } | undefined;
  readonly role: 'train' | 'eval' | 'unknown';
  readonly roleEvidence: string;
  /** Models trained with batches from this loader (variable names in the function that builds it). */
  readonly feeds: readonly string[];
}

export interface DistributedIR {
  readonly ddpWraps: readonly { readonly span: Span; readonly statementSpan: Span; readonly model: string; readonly indent: string }[];
  readonly dataParallel: readonly Span[];
  readonly initProcessGroup: readonly Span[];
  readonly distributedSamplers: readonly Span[];
  readonly syncBatchNormConversions: readonly Span[];
  /**
   * The conversions of `syncBatchNormConversions` that run only when an `if` holds
   * (`if args.sync_bn: model = nn.SyncBatchNorm.convert_sync_batchnorm(model)`), with the
   * condition's value as far as it resolves (an argparse `store_true` flag: False by default).
   * Present when there are any.
   */
  readonly conditionalSyncBatchNorm?: readonly { readonly span: Span; readonly condition: KnownValue }[];
  /** Lightning `Trainer(strategy='ddp', sync_batchnorm=...)`, HF/accelerate launchers. */
  readonly frameworkStrategies: readonly { readonly span: Span; readonly text: string; readonly syncBatchNorm: boolean | undefined }[];
  /**
   * TensorFlow replica strategies (`tf.distribute.MirroredStrategy()`, `MultiWorkerMirroredStrategy`,
   * `TPUStrategy`): Keras `fit`'s `batch_size` is then the global batch, split between the replicas.
   */
  readonly replicaStrategies: readonly { readonly span: Span; readonly name: string }[];
  readonly worldSize: KnownValue | undefined;
}

export interface GradAccumIR {
  /** `framework-context`: `with accelerator.accumulate(model):` whose step count is not in the file (set at launch). */
  readonly kind: 'modulo-step' | 'loss-division' | 'framework-argument' | 'framework-context';
  readonly span: Span;
  readonly steps: KnownValue;
  readonly function: string;
}

export type SwitchOp = 'train' | 'eval' | 'train(unknown)' | 'requires_grad_(False)' | 'requires_grad_(True)';

export interface ModeSwitchIR {
  readonly span: Span;
  readonly target: string;
  readonly op: SwitchOp;
  /** `whole`: the object; `batchnorm`: only its BatchNorm modules (a filtered `modules()` loop or `apply`). */
  readonly scope: 'whole' | 'batchnorm';
  readonly function: string;
  /**
   * The branch conditions the switch is made under, as opaque atoms (`+c` in the body of `if c:`,
   * `-c` in its `else`) joined by `&`: two switches whose atoms contradict are in exclusive
   * branches (`if phase == 'train': model.train()` / `else: model.eval()`). Absent outside any branch.
   */
  readonly branch?: string;
}

export interface NoGradRegionIR {
  readonly span: Span;
  readonly kind: 'no_grad' | 'inference_mode' | 'set_grad_enabled(False)';
  readonly function: string;
}

export interface SiteIR {
  readonly kind: 'inference' | 'export' | 'training-step';
  /** e.g. `forward`, `torch.onnx.export`, `torch.jit.trace`, `optimizer.step`. */
  readonly detail: string;
  /** A training step's kind: an optimizer's (or a gradient scaler's) `step()`, or a `backward()`. */
  readonly step?: 'optimizer' | 'backward';
  readonly span: Span;
  /** The statement holding the site (for fixes that insert a line before it). */
  readonly statementSpan: Span;
  readonly indent: string;
  /** The statement directly in the function body (or module) that holds the site. */
  readonly outerStatementSpan: Span;
  readonly outerIndent: string;
  /** The `with torch.no_grad():` statement around the site, when in the same function. */
  readonly noGradStatement: { readonly span: Span; readonly indent: string } | undefined;
  /** The model the site runs, as named where the site is. */
  readonly model: string;
  /** The model's name in the outermost caller, where the mode was resolved. */
  readonly modelInCaller: string;
  readonly facts: ModelFacts;
  readonly function: string;
  /** Why this is an inference site: a function name, a validation loader loop, a no-grad region. */
  readonly reason: string;
  /**
   * The site runs in a unit test: its function, one enclosing it, or a caller on the path that
   * reached it is a `test_<something>` function (not an evaluation step such as `test_step`), a
   * `TestCase` method, or a `test*` function of a module importing pytest/unittest.
   */
  readonly inUnitTest: boolean;
  /**
   * An inference site that is the forward of a model the training loop around it does not train,
   * under `no_grad`, a model given weights (a distillation teacher): its outputs are the targets.
   */
  readonly teacher?: boolean;
  /**
   * A forward under no_grad whose result nothing reads: the call is the whole statement
   * (`model(x)`), or it assigns a name its function never reads (`_ = model(x)`). What remains of
   * it is the running statistics its BatchNorm layers update (a recalibration pass).
   */
  readonly resultDropped?: boolean;
  readonly inNoGrad: boolean;
  readonly noGradSpan: Span | undefined;
  readonly mode: ModeAt;
  /** Call sites from the outermost caller inwards that lead to the site (empty when direct). */
  readonly via: readonly Span[];
  /** For a site reached through calls (`via`): the outermost caller's function, where its mode was resolved. */
  readonly caller?: string;
  /** For training steps: the mode of each frozen target and its BatchNorm layers there. */
  readonly targets?: readonly {
    readonly key: string;
    readonly mode: ModeAt;
    readonly batchNormMode: ModeAt;
    /**
     * The trained model is a container of this target's modules and nothing mode-dependent besides
     * (`model = nn.Sequential(backbone, head)`, then wrapped): the modes are the container's, which
     * its `train()` / `eval()` set for the target's modules too.
     */
    readonly held?: true;
    /** The target is an instance's attribute frozen inside its class (`FreezeIR.className`): that freeze's target (`self.backbone`). */
    readonly classFreeze?: string;
  }[];
  /** For training steps: the loader whose loop holds the step. */
  readonly loader?: string;
  /** The site is in a function of another workspace file, called here: `span` is the call. */
  readonly imported?: ImportedSite;
}

/** Where in another workspace file a site is whose function a file calls (`SiteIR.imported`). */
export interface ImportedSite {
  /** The called function (`evaluate`). */
  readonly function: string;
  /** Its file, relative to the project root. */
  readonly file: string;
  /** 1-based line of the site there. */
  readonly line: number;
  /** The no-grad region around the site there, as written (`torch.no_grad()`). */
  readonly noGrad?: string;
}

export interface ParamGroupIR {
  readonly span: Span;
  readonly params: 'all' | 'subset' | 'built' | 'unknown';
  readonly paramsText: string;
  readonly weightDecay: KnownValue | undefined;
}

export interface OptimizerIR {
  readonly kind: string;
  readonly span: Span;
  readonly variable: string | undefined;
  readonly function: string;
  /** For a method (or a function nested in one): its class, which tells apart methods of one name in several classes (each LightningModule's `train_dataloader`). */
  readonly className?: string;
  /** How the parameters were given. `all`: every parameter of a model (`model.parameters()`);
   * `groups`: a literal list of groups; `built`: by a helper or variable the analysis does not
   * follow (timm `param_groups_weight_decay`, a `no_decay` list); `unknown`. */
  readonly params: 'all' | 'groups' | 'built' | 'unknown';
  readonly paramsText: string;
  /** The models whose parameters the optimizer receives. */
  readonly models: readonly string[];
  readonly weightDecay: KnownValue | undefined;
  /** The optimizer's default weight decay when not passed (AdamW: 0.01). */
  readonly defaultWeightDecay: number | undefined;
  readonly groups: readonly ParamGroupIR[];
  /** timm `create_optimizer_v2` / `optim_factory`, the Hugging Face Trainer's own AdamW: exclude norm and bias parameters from decay by default. */
  readonly excludesNormsFromDecay: boolean;
  /**
   * An OpenMMLab config's optimizer: MMEngine's `optim_wrapper=dict(optimizer=dict(...))` or mmcv
   * 1.x's `optimizer=dict(...)`, whose per-parameter options are a `paramwise_cfg` (of the
   * `optim_wrapper`; of the `optimizer` in mmcv 1.x).
   */
  readonly config?: 'mmengine' | 'mmcv';
  /** A Keras optimizer given to `model.compile(optimizer=...)`: it decays every trainable variable unless `exclude_from_weight_decay` takes some out. */
  readonly keras?: boolean;
  /**
   * The submodules whose parameters alone the optimizer receives (`model.fc.parameters()`, or
   * groups of such: `model.fc`, `model.layer4`), each of one model; absent when it receives
   * anything else too. The rest of that model is not trained by it.
   */
  readonly parts?: readonly string[];

}

export interface FreezeIR {
  readonly span: Span;
  readonly target: string;
  readonly kind: 'requires_grad-loop' | 'requires_grad_' | 'batchnorm-eval';
  readonly function: string;
  /**
   * A freeze in a method of a model class of the file, of an attribute holding a library model with
   * BatchNorm (`self.backbone` in `__init__`): the class, whose instances the training steps'
   * `targets` link it to (`classFreeze`).
   */
  readonly className?: string;
  /** A `requires_grad-loop` whose freezing statement is under a test: which parameters it freezes (absent: all). */
  readonly selection?: ParameterSelection;
  /**
   * A freeze a call makes (`set_parameter_requires_grad(model_ft, True)`, `model.freeze_backbone()`,
   * a function of another workspace file): the function, and where its freeze is (`line 30`,
   * `utils.py:5`). The span is the call's, the target the caller's model.
   */
  readonly by?: { readonly function: string; readonly where: string };
}

/**
 * The parameters a loop over a model's parameters freezes, by its test: all but those the test
 * names (`keeps`: `if name not in ["fc.weight", "fc.bias"]:`, a linear probe), those it names
 * (`picks`: `if "layer1" in name:`), or not known (several tests, tests of other kinds).
 */
export interface ParameterSelection {
  readonly kind: 'keeps' | 'picks' | 'unknown';
  /** The test(s), as written. */
  readonly test: string;
  /** Whether the test names normalization parameters (`bn`, `norm`, `gamma`, `beta`). */
  readonly namesNorms: boolean;
}

/** Where a mode argument is passed: the enclosing function (`''` at module level) and the callee as written. */
export interface ModeArgumentContext {
  readonly function?: string;
  /** e.g. `model`, `self`, `state.apply_fn`, `model.apply`. */
  readonly callee?: string;
  /** The whole call. */
  readonly callSpan?: Span;
  /** The enclosing function (or one enclosing it) is a unit test (same definition as `SiteIR.inUnitTest`). */
  readonly inUnitTest?: boolean;
}

export interface KerasModeIR {
  /** `training=` keyword arguments of calls (`model(x, training=True)`). */
  readonly trainingArguments: readonly ({ readonly span: Span; readonly value: KnownValue } & ModeArgumentContext)[];
  readonly trainableFalse: readonly TrainableAssignment[];
  /** `x.trainable = True` assignments (unfreezing to fine-tune); present when there are any. */
  readonly trainableTrue?: readonly TrainableAssignment[];
}

/** A Keras `trainable` assignment. */
export interface TrainableAssignment {
  readonly span: Span;
  /**
   * The model (or layer) it sets: `base_model` for `base_model.trainable = False`, and for
   * `layer.trainable = True` in a loop over its layers (`for layer in base_model.layers[-20:]:`).
   */
  readonly target: string;
  /**
   * Set in a loop over the target's layers: `slice`, the part looped over when not all of them
   * (`[-20:]`, `[:fine_tune_at]`); `batchNorm`, what a test around the assignment says of
   * BatchNormalization layers: `skipped` (`if not isinstance(layer, BatchNormalization):`, or an
   * `isinstance` test that `continue`s), `only` (set only on them), `unknown` (another test).
   */
  readonly layers?: { readonly slice?: string; readonly batchNorm?: 'skipped' | 'only' | 'unknown' };
}

export interface FlaxModeIR {
  readonly useRunningAverage: readonly ({ readonly span: Span; readonly value: KnownValue } & ModeArgumentContext)[];
  readonly mutableBatchStats: readonly Span[];
  /** The calls behind `mutableBatchStats` (same order): `mutable=['batch_stats']` with where it is passed. */
  readonly mutableBatchStatsCalls?: readonly ({ readonly span: Span } & ModeArgumentContext)[];
  /** `train=` / `training=` / `deterministic=` keyword arguments of `.apply(...)` / `apply_fn(...)` calls. */
  readonly applyModeArguments?: readonly ({ readonly span: Span; readonly name: string; readonly value: KnownValue } & ModeArgumentContext)[];
}

export interface TrainingIR {
  readonly models: readonly ModelVariable[];
  readonly loaders: readonly DataLoaderIR[];
  readonly distributed: DistributedIR;
  readonly gradAccum: readonly GradAccumIR[];
  readonly modeSwitches: readonly ModeSwitchIR[];
  readonly noGradRegions: readonly NoGradRegionIR[];
  readonly sites: readonly SiteIR[];
  readonly optimizers: readonly OptimizerIR[];
  readonly freezes: readonly FreezeIR[];
  readonly keras: KerasModeIR;
  readonly flax: FlaxModeIR;
  /** Calls that give a model weights (`model.load_state_dict(...)`, `load_weights`, `load_checkpoint`). */
  readonly weightLoads: readonly WeightLoadIR[];
  /**
   * `model.training = False` (or True) assignments: they set that one module's flag, not its
   * submodules' (`model.eval()` / `train()` set them all); present when there are any.
   */
  readonly trainingFlags?: readonly { readonly span: Span; readonly target: string; readonly value: boolean; readonly function: string }[];
  /**
   * Names a loader feeds or an optimizer takes the parameters of that are local variables of that
   * function bound to no model this analysis knows (`model = BoringModel()` of a library): another
   * function's model of the same name is not theirs. Present when there are any.
   */
  readonly unknownLocals?: readonly { readonly name: string; readonly function: string; readonly className?: string }[];
}

export interface WeightLoadIR {
  /** The model variable (`model`, `self.backbone`). */
  readonly model: string;
  readonly method: string;
  readonly span: Span;
  /** The weights are another model's (`target.load_state_dict(online.state_dict())`): that model. */
  readonly from?: string;
}

export const EMPTY_TRAINING: TrainingIR = {
  models: [],
  loaders: [],
  distributed: { ddpWraps: [], dataParallel: [], initProcessGroup: [], distributedSamplers: [], syncBatchNormConversions: [], frameworkStrategies: [], replicaStrategies: [], worldSize: undefined },
  gradAccum: [],
  modeSwitches: [],
  noGradRegions: [],
  sites: [],
  optimizers: [],
  freezes: [],
  keras: { trainingArguments: [], trainableFalse: [] },
  flax: { useRunningAverage: [], mutableBatchStats: [] },
  weightLoads: [],
};

/** True when the model has layers whose behaviour depends on train/eval mode. */
export function isModeDependent(facts: ModelFacts): boolean {
  return facts.batchNorms.length > 0 || facts.otherModeDependent.length > 0;
}

/** A model may be in training mode at the point (on some path). */
export function mayBeTraining(mode: ModeAt): boolean {
  return mode.modes.includes('train');
}
