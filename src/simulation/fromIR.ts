/**
 * Model IR -> runnable network specs. Follows each PyTorch model class's forward pass (submodule
 * calls, functional activations, `x + identity` residuals), expands `nn.Sequential` containers
 * and inlines model classes of the same file used as layers. Sizes come from the IR's resolved
 * arguments; what did not resolve is taken from the activation flowing in (or a stated default)
 * and recorded in `assumptions`, never guessed silently.
 */

import { allLayers, paramValue, type ForwardStep, type Framework, type HelperPass, type Layer, type LayerCall, type ModelClass, type ModelIR, type Value } from '../ir/model';
import type { Span } from '../ir/span';
import { analysePythonFile } from '../parsing/python/analyse';
import { engineRunsActivation } from './engineLayers';
import { InputTooSmallError, outputShape, SimulationError } from './shapes';
import { inverseOrder } from '../engine/tensor';
import { DEFAULT_ALPHA } from './activations';
import { ForeignLayers, type ForeignHost } from './foreign';
import { isRouting, PADDING_MODES, type ActivationFn, type LayerOp, type LayerSpec, type NetworkSpec } from './spec';

export interface ModelEntry {
  readonly name: string;
  /** The class, for CodeLenses and "the model under the cursor". */
  readonly span?: Span;
  /** Absent when the model cannot be simulated (then `reason` says why). */
  readonly spec?: NetworkSpec;
  readonly reason?: string;
}

export interface NetworksFound {
  readonly models: readonly ModelEntry[];
  /** The file's root model: one no other model of the file uses (the last such class). */
  readonly root?: string;
  /** Why there is no model at all. */
  readonly reason?: string;
}

/** Default spatial size of an image input whose size the code does not say (small: BatchNorm still sees batch × 64 values per channel). */
export const DEFAULT_IMAGE_SIZE = 8;
/** Default channel count when a convolution's input channels do not resolve (a block's parameter). */
export const DEFAULT_CHANNELS = 32;
/** Default width when nothing in the model says how many features come in. */
export const DEFAULT_FEATURES = 64;
/** Default sequence length of a (C, L) input to a Conv1d whose length the code does not say. */
export const DEFAULT_LENGTH = 32;
const MAX_DEPTH = 8;
const MAX_LAYERS = 4000;

const ACTIVATIONS: Readonly<Record<string, ActivationFn>> = {
  ReLU: 'relu',
  ReLU6: 'relu6',
  LeakyReLU: 'leaky_relu',
  GELU: 'gelu',
  SiLU: 'silu',
  Swish: 'silu',
  Tanh: 'tanh',
  Sigmoid: 'sigmoid',
  ELU: 'elu',
  SELU: 'selu',
  Hardswish: 'hardswish',
  Hardsigmoid: 'hardsigmoid',
  relu: 'relu',
  relu6: 'relu6',
  leaky_relu: 'leaky_relu',
  gelu: 'gelu',
  silu: 'silu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  hardswish: 'hardswish',
  hardsigmoid: 'hardsigmoid',
};

const IDENTITY_KINDS = new Set(['Identity', 'Softmax', 'LogSoftmax']);
/**
 * timm norms that the engine's layers do not compute as they are (the front end knows them:
 * src/parsing/python/torchLayers.ts), and why. timm's `GroupNorm`, `GroupNorm1`, `LayerNorm` and
 * `RmsNorm` are PyTorch's over the same dimensions, and simulated.
 */
const NOT_LIKE_TORCH: ReadonlyMap<string, string> = new Map([
  ...['BatchNormAct2d', 'SyncBatchNormAct', 'GroupNormAct', 'GroupNorm1Act', 'LayerNormAct', 'LayerNormAct2d', 'FrozenBatchNormAct2d'].map((k) => [k, 'applies an activation after the norm'] as const),
]);

/**
 * timm norms over the channels of an NCHW activation (`LayerNorm2d` permutes to channels-last,
 * runs `F.layer_norm` and permutes back): simulated just so, around the engine's norm of the
 * last dimension.
 */
const CHANNEL_NORMS: ReadonlySet<string> = new Set(['LayerNorm2d', 'LayerNorm2dFp32', 'RmsNorm2d']);

/** Functional concatenations (`torch.cat`, `jnp.concatenate`). */
const CONCAT = new Set(['cat', 'concat', 'concatenate']);
/** Why a forward step's `self.<name>` is not simulated, in each framework's terms. */
const NOT_A_LAYER: Readonly<Record<Framework, string>> = {
  torch: 'is not a layer built in __init__ (e.g. None by default)',
  keras: 'is not a layer built in __init__ or build (e.g. None by default)',
  flax: 'is not a submodule the class fixes (a field without a default, or None)',
};
/** Calls that reorder a tensor's axes: what follows them normalizes or multiplies other axes. */
const AXIS_ORDER = new Set(['permute', 'transpose', 'movedim', 'moveaxis', 'swapaxes', 'swapdims']);

/** A functional step's argument given by keyword `name` or at `position` (see `ForwardStep.args`). */
function stepArg(step: ForwardStep, name: string, position: number): Value | undefined {
  const args = step.args;
  if (!args) return undefined;
  return (args.find((a) => a.name === name) ?? args.find((a) => a.name === undefined && a.position === position))?.value;
}

/** Why a functional step's argument is not known, for an assumption. */
function argWhy(step: ForwardStep, name: string, position: number): string {
  const v = stepArg(step, name, position);
  return v ? `the call's ${name} did not resolve: ${why(v)}` : `not given`;
}

/** Integers of a value: `2` -> [2], `(2, 3)` / `[-2, -1]` -> [2, 3] / [-2, -1]; undefined otherwise. */
function ints(v: Value | undefined): number[] | undefined {
  if (v?.kind === 'number') return Number.isInteger(v.value) ? [v.value] : undefined;
  if (v?.kind !== 'sequence') return undefined;
  const out: number[] = [];
  for (const item of v.items) {
    if (item.kind !== 'number' || !Number.isInteger(item.value)) return undefined;
    out.push(item.value);
  }
  return out;
}

/** An axis of a `rank + 1`-D activation (batch first) from a possibly negative index, or undefined. */
function axisOf(d: number, full: number): number | undefined {
  return Number.isInteger(d) && d >= -full && d < full ? (d + full) % full : undefined;
}

/**
 * The order over per-sample axes that a `permute` / `transpose` / `movedim` step states for an activation of
 * per-sample rank `rank` (see `PermuteOp`), or undefined when it does not resolve or moves the batch axis.
 */
function axisOrderOf(step: ForwardStep, rank: number): number[] | undefined {
  const full = rank + 1;
  if (step.target === 'permute') {
    const positional = (step.args ?? []).filter((a) => a.name === undefined);
    const written = positional.length === 1 ? ints(positional[0]?.value) : positional.length > 1 ? ints({ kind: 'sequence', items: positional.map((a) => a.value), tuple: true }) : ints(stepArg(step, 'dims', 0));
    if (!written || written.length !== full) return undefined;
    const axes = written.map((d) => axisOf(d, full));
    if (axes.some((a) => a === undefined) || new Set(axes).size !== full || axes[0] !== 0) return undefined;
    return (axes as number[]).slice(1).map((d) => d - 1);
  }
  if (step.target === 'transpose' || step.target === 'swapaxes' || step.target === 'swapdims') {
    const first = step.target === 'swapaxes' ? 'axis0' : 'dim0';
    const second = step.target === 'swapaxes' ? 'axis1' : 'dim1';
    const a = ints(stepArg(step, first, 0));
    const b = ints(stepArg(step, second, 1));
    const x = a?.length === 1 ? axisOf(a[0], full) : undefined;
    const y = b?.length === 1 ? axisOf(b[0], full) : undefined;
    if (x === undefined || y === undefined || x === 0 || y === 0) return undefined;
    const order = Array.from({ length: rank }, (_, i) => i);
    order[x - 1] = y - 1;
    order[y - 1] = x - 1;
    return order;
  }
  if (step.target === 'movedim' || step.target === 'moveaxis') {
    // `x.movedim(1, -1)`: one axis moved to a place, the others keep their order (lists of axes not followed).
    const a = ints(stepArg(step, 'source', 0));
    const b = ints(stepArg(step, 'destination', 1));
    const from = a?.length === 1 ? axisOf(a[0], full) : undefined;
    const to = b?.length === 1 ? axisOf(b[0], full) : undefined;
    if (from === undefined || to === undefined || from === 0 || to === 0) return undefined;
    const rest = Array.from({ length: rank }, (_, i) => i).filter((d) => d !== from - 1);
    rest.splice(to - 1, 0, from - 1);
    return rest;
  }
  return undefined;
}

/**
 * For `x.mean(dims)` over exactly the spatial axes of a `[C, H, W]` (or the length of a `[C, L]`)
 * activation: whether it keeps the reduced axes (`keepdim=True`); undefined for any other mean.
 */
function spatialMean(step: ForwardStep, rank: number): boolean | undefined {
  if (rank !== 3 && rank !== 2) return undefined;
  const dims = ints(stepArg(step, 'dim', 0));
  if (!dims) return undefined;
  const axes = new Set(dims.map((d) => axisOf(d, rank + 1)));
  const spatial = rank === 3 ? [2, 3] : [2];
  if (axes.size !== spatial.length || !spatial.every((a) => axes.has(a))) return undefined;
  const keep = stepArg(step, 'keepdim', 1);
  return keep?.kind === 'bool' ? keep.value : keep === undefined ? false : undefined;
}

/**
 * ConvNeXt's LayerNorm, copied into many repositories: a class of the file whose constructor
 * takes `data_format` ('channels_last' or 'channels_first') and whose forward calls
 * `F.layer_norm` for channels-last input and normalizes over dim 1 by hand (`x.mean(1,
 * keepdim=True)`) for channels-first. What an instance's arguments say, or undefined for any
 * other class (or a data_format that does not resolve to one of the two).
 */
function formatSwitchedLayerNorm(cls: ModelClass, layer: Layer): { format: 'channels_first' | 'channels_last'; features: number | undefined; eps: number | undefined } | undefined {
  const steps = cls.forward?.steps ?? [];
  if (!steps.some((s) => s.op === 'functional' && s.target === 'layer_norm')) return undefined;
  if (!steps.some((s) => s.op === 'functional' && s.target === 'mean' && ints(stepArg(s, 'dim', 0))?.[0] === 1)) return undefined;
  const args = layer.constructorArguments ?? [];
  const format = args.find((a) => a.name === 'data_format')?.value;
  if (format?.kind !== 'string' || (format.value !== 'channels_first' && format.value !== 'channels_last')) return undefined;
  const features = num(args.find((a) => a.name === 'normalized_shape')?.value);
  return { format: format.value, features: features !== undefined && Number.isInteger(features) && features > 0 ? features : undefined, eps: num(args.find((a) => a.name === 'eps')?.value) };
}

/** PyTorch-style path: `layers[0]` -> `layers.0`. */
function modulePath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/\[\*\]/g, '.*');
}

function num(v: Value | undefined): number | undefined {
  return v?.kind === 'number' ? v.value : undefined;
}

function bool(v: Value | undefined): boolean | undefined {
  return v?.kind === 'bool' ? v.value : undefined;
}

function why(v: Value | undefined): string {
  if (!v) return 'not given';
  if (v.kind === 'unknown') {
    const reason = (v as { reason?: string }).reason;
    return reason ? `\`${v.text}\`: ${reason}` : `\`${v.text}\` did not resolve`;
  }
  return `${v.kind} value`;
}

class Builder implements ForeignHost {
  readonly layers: LayerSpec[] = [];
  readonly assumptions: string[] = [];
  inputShape: number[] | undefined;
  shape: number[] | undefined;
  /** The framework of the class whose body is being laid out. */
  private framework: Framework = 'torch';
  private readonly foreign = new ForeignLayers(this);
  private slots = 0;
  /** Per-sample shape of each remembered activation (`save` slot). */
  private readonly slotShapes = new Map<string, number[]>();
  /** The helper passes (a class's own methods) being walked: a method that calls itself is walked once. */
  private readonly walking = new Set<HelperPass>();

  /** Whether the input's spatial size (or length) is this builder's default, not the code's. */
  sizeAssumed = false;

  constructor(
    private readonly classes: ReadonlyMap<string, ModelClass>,
    /** Side of a square image input whose size the code does not say. */
    readonly imageSize: number = DEFAULT_IMAGE_SIZE,
    /** Length of a (C, L) sequence input whose length the code does not say. */
    readonly length: number = DEFAULT_LENGTH,
    /** Why the previous, smaller input size failed (said in the input's assumption). */
    private readonly smallerFailed?: string,
    /** Whether `imageSize` and `length` were asked for (`networkFromClass`'s `inputSize`), not defaults. */
    private readonly asked = false,
  ) {}

  assume(text: string): void {
    if (!this.assumptions.includes(text)) this.assumptions.push(text);
  }

  /**
   * Starts the activation when the first shaped layer says what comes in. `declared`: the code
   * states the input's size (a Keras `input_shape`); otherwise an image's side or a sequence's
   * length is this builder's `imageSize` or `length`.
   */
  start(shape: number[], what: string, declared = false): void {
    if (this.shape) return;
    this.inputShape = shape;
    this.shape = shape;
    this.sizeAssumed = !declared && shape.length > 1;
    const why = (noun: string): string =>
      declared ? '' : ` (the ${noun} is not in the code${this.asked ? '; the size asked for' : this.smallerFailed ? `; a smaller input did not fit: ${this.smallerFailed}` : ''})`;
    const described =
      shape.length === 3 ? `images of ${shape[0]} channels, ${shape[1]}×${shape[2]}${why('size')}` : shape.length === 2 ? `sequences of ${shape[0]} channels, length ${shape[1]}${why('length')}` : `${shape[0]} features`;
    this.assume(`input: ${described} — from ${what}`);
  }

  /** An integer argument, or `fallback` with an assumption saying why. */
  intArg(call: LayerCall | undefined, param: string, fallback: number, where: string): number {
    const v = call ? paramValue(call, param) : undefined;
    const n = num(v);
    if (n !== undefined && Number.isInteger(n) && n > 0) return n;
    if (v !== undefined || call) this.assume(`${where}: ${param} ${v === undefined ? 'not given' : `did not resolve (${why(v)})`}; assumed ${fallback}`);
    return fallback;
  }

  push(name: string, kind: string, layer: LayerOp): void {
    if (this.layers.length >= MAX_LAYERS) throw new SimulationError(`more than ${MAX_LAYERS} layers`);
    const spec: LayerSpec = { name, kind, layer };
    if (this.shape) this.shape = outputShape(spec, this.shape, this.slotShapes);
    this.layers.push(spec);
  }

  /** Emits a framework layer (a leaf of the module tree). */
  leaf(layer: Layer, name: string): void {
    const call = layer.call;
    const kind = layer.kind;
    const where = `${name} (${kind})`;
    const framework = call?.framework ?? this.framework;
    if (framework !== 'torch') {
      this.foreign.leaf(layer, name, framework);
      return;
    }
    switch (layer.family) {
      case 'linear': {
        if (kind !== 'Linear' && kind !== 'LazyLinear') throw new SimulationError(`${where}: not supported by the simulator`);
        const inGiven = num(call ? paramValue(call, 'in_features') : undefined);
        if (!this.shape) this.start([this.intArg(call, 'in_features', DEFAULT_FEATURES, where)], where);
        const current = this.shape!;
        const flat = current.reduce((a, b) => a * b, 1);
        const inFeatures = inGiven !== undefined && (inGiven === current[current.length - 1] || inGiven === flat) ? inGiven : current.length > 1 ? flat : current[current.length - 1];
        if (inGiven !== undefined && inGiven !== inFeatures) this.assume(`${where}: in_features=${inGiven} does not match the ${inFeatures} features that reach it; used ${inFeatures}`);
        else if (inGiven === undefined && this.layers.length > 0) this.assume(`${where}: in_features taken from the activation (${inFeatures})`);
        const outFeatures = this.intArg(call, 'out_features', inFeatures, where);
        this.push(name, kind, { op: 'linear', inFeatures, outFeatures, bias: bool(call ? paramValue(call, 'bias') : undefined) ?? true });
        return;
      }
      case 'conv': {
        if (kind !== 'Conv2d' && kind !== 'Conv1d') throw new SimulationError(`${where}: only Conv1d and Conv2d convolutions are simulated so far`);
        const oneD = kind === 'Conv1d';
        if (!this.shape) {
          const c = this.intArg(call, 'in_channels', DEFAULT_CHANNELS, where);
          this.start(oneD ? [c, this.length] : [c, this.imageSize, this.imageSize], where);
        }
        const inChannels = this.shape![0];
        const given = num(call ? paramValue(call, 'in_channels') : undefined);
        if (given !== undefined && given !== inChannels) this.assume(`${where}: in_channels=${given} does not match the ${inChannels} channels that reach it; used ${inChannels}`);
        const outChannels = this.intArg(call, 'out_channels', inChannels, where);
        const kernel = this.intArg(call, 'kernel_size', 3, where);
        const stride = num(call ? paramValue(call, 'stride') : undefined) ?? 1;
        const padding = this.padding(call, kernel, where);
        const groups = num(call ? paramValue(call, 'groups') : undefined) ?? 1;
        const modeValue = call ? paramValue(call, 'padding_mode') : undefined;
        const mode = modeValue?.kind === 'string' ? modeValue.value : undefined;
        const paddingMode = PADDING_MODES.find((m) => m === mode);
        if (modeValue !== undefined && mode !== 'zeros' && !paddingMode) this.assume(`${where}: padding_mode did not resolve (${why(modeValue)}); zero padding used`);
        this.push(name, kind, { op: oneD ? 'conv1d' : 'conv2d', inChannels, outChannels, kernel, stride, padding, groups, bias: bool(call ? paramValue(call, 'bias') : undefined) ?? true, ...(paddingMode ? { paddingMode } : {}) });
        return;
      }
      case 'norm':
        this.norm(layer, name, where);
        return;
      case 'activation': {
        if (IDENTITY_KINDS.has(kind)) {
          this.assume(`${where}: left out (does not change normalization statistics)`);
          return;
        }
        const fn = ACTIVATIONS[kind];
        if (!fn || !engineRunsActivation(fn)) throw new SimulationError(`${where}: this activation is not in the simulator's engine yet`);
        const param = fn === 'leaky_relu' ? 'negative_slope' : fn === 'elu' ? 'alpha' : undefined;
        const alpha = param ? num(call ? paramValue(call, param) : undefined) : undefined;
        if (param && alpha === undefined && call && paramValue(call, param) !== undefined) this.assume(`${where}: ${param} did not resolve; PyTorch's default ${DEFAULT_ALPHA[fn]} used`);
        this.push(name, kind, { op: 'activation', fn, ...(alpha !== undefined ? { alpha } : {}) });
        return;
      }
      case 'dropout': {
        const p = num(call ? paramValue(call, 'p') : undefined) ?? 0.5;
        this.push(name, kind, { op: 'dropout', p });
        return;
      }
      case 'pooling': {
        if (kind === 'AdaptiveAvgPool2d' || kind === 'AdaptiveAvgPool1d') {
          const size = num(call ? paramValue(call, 'output_size') : undefined);
          if (size !== undefined && size !== 1) throw new SimulationError(`${where}: only output_size=1 (global average pooling) is simulated`);
          this.push(name, kind, { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 });
          return;
        }
        if (kind === 'MaxPool2d' || kind === 'AvgPool2d' || kind === 'MaxPool1d' || kind === 'AvgPool1d') {
          const kernel = this.intArg(call, 'kernel_size', 2, where);
          const stride = num(call ? paramValue(call, 'stride') : undefined) ?? kernel;
          const padding = num(call ? paramValue(call, 'padding') : undefined) ?? 0;
          this.push(name, kind, { op: 'pool', pool: kind.startsWith('Max') ? 'max' : 'avg', kernel, stride, padding });
          return;
        }
        throw new SimulationError(`${where}: pooling not supported by the simulator`);
      }
      case 'shape':
        if (kind === 'Flatten') {
          this.push(name, kind, { op: 'flatten' });
          return;
        }
        throw new SimulationError(`${where}: not supported by the simulator`);
      default:
        throw new SimulationError(`${where}: ${layer.family} layers are not simulated`);
    }
  }

  /** A convolution's padding: a number, `'same'` (stride 1: (k − 1) / 2) or `'valid'` (0). */
  private padding(call: LayerCall | undefined, kernel: number, where: string): number {
    const v = call ? paramValue(call, 'padding') : undefined;
    if (v === undefined) return 0;
    if (v.kind === 'number') return v.value;
    if (v.kind === 'string' && v.value.toLowerCase() === 'valid') return 0;
    if (v.kind === 'string' && v.value.toLowerCase() === 'same') {
      if (kernel % 2 === 0) this.assume(`${where}: 'same' padding with an even kernel (${kernel}) pads one side more; simulated with ${Math.floor((kernel - 1) / 2)} on both`);
      return Math.floor((kernel - 1) / 2);
    }
    this.assume(`${where}: padding did not resolve (${why(v)}); assumed 0`);
    return 0;
  }

  /**
   * A LayerNorm/RMSNorm over the channels of a `[C, H, W]` (or `[C, L]`) activation at each
   * position: permuted to channels-last, normalized over the last dimension, permuted back (as
   * timm's `LayerNorm2d` and ConvNeXt's `channels_first` LayerNorm compute it).
   */
  private channelNorm(name: string, kind: string, norm: 'layer' | 'rms', given: number | undefined, eps: number, affine: boolean, where: string): void {
    const shape = this.shape!;
    if (shape.length < 2) throw new SimulationError(`${where} normalizes the channels of a (C, H, W) activation but receives [${shape.join(', ')}]`);
    const channels = shape[0];
    if (given !== undefined && given !== channels) throw new SimulationError(`${where} expects ${given} channels but receives [${shape.join(', ')}]`);
    if (given === undefined) this.assume(`${where}: channels taken from the activation (${channels})`);
    const into = [...Array.from({ length: shape.length - 1 }, (_, i) => i + 1), 0];
    this.push(`${name}.channels_last`, 'permute', { op: 'permute', order: into });
    this.push(name, kind, { op: 'norm', norm, features: channels, eps, affine });
    this.push(`${name}.channels_first`, 'permute', { op: 'permute', order: inverseOrder(into) });
  }

  private norm(layer: Layer, name: string, where: string): void {
    const call = layer.call;
    const type = layer.norm;
    if (type === 'lrn' || type === 'unit' || type === undefined) throw new SimulationError(`${where}: this normalization is not simulated`);
    const unlike = NOT_LIKE_TORCH.get(layer.kind);
    if (unlike) throw new SimulationError(`${where}: timm's ${layer.kind} ${unlike}; not simulated`);
    const eps = num(call ? paramValue(call, 'eps') : undefined) ?? (type === 'rms' ? 1e-6 : 1e-5);
    if (CHANNEL_NORMS.has(layer.kind) && (type === 'layer' || type === 'rms')) {
      if (!this.shape) this.start([this.intArg(call, 'num_channels', DEFAULT_FEATURES, where), this.imageSize, this.imageSize], where);
      const given = num(call ? paramValue(call, 'num_channels') : undefined);
      this.channelNorm(name, layer.kind, type, given, eps, bool(call ? paramValue(call, 'affine') : undefined) ?? true, where);
      return;
    }
    if (!this.shape) {
      const features = this.intArg(call, type === 'group' ? 'num_channels' : type === 'layer' || type === 'rms' ? 'normalized_shape' : 'num_features', DEFAULT_FEATURES, where);
      this.start(/2d$/.test(layer.kind) ? [features, this.imageSize, this.imageSize] : [features], where);
      if (/1d$/.test(layer.kind) && type !== 'batch') this.assume(`${where}: input taken as flat features (N, ${features}); a (N, C, L) input would need a convolution before it`);
    }
    const shape = this.shape!;
    const channels = shape[0];
    const last = shape[shape.length - 1];
    switch (type) {
      case 'frozen': {
        const given = num(call ? paramValue(call, 'num_features') : undefined);
        if (given === undefined) this.assume(`${where}: num_features taken from the activation (${channels})`);
        this.assume(`${where}: ${layer.kind} keeps its initial buffers (running mean 0, variance 1, weight 1, bias 0; detectron2's variance is 1 - eps): a scale of 1/sqrt(1 + eps) in every pass, nothing trained`);
        this.push(name, layer.kind, { op: 'norm', norm: 'batch', features: given ?? channels, eps, affine: false, trackRunningStats: true, frozen: true });
        return;
      }
      case 'batch':
      case 'instance': {
        const given = num(call ? paramValue(call, 'num_features') : undefined);
        if (given === undefined) this.assume(`${where}: num_features taken from the activation (${channels})`);
        const momentumValue = call ? paramValue(call, 'momentum') : undefined;
        this.push(name, layer.kind, {
          op: 'norm',
          norm: type,
          features: given ?? channels,
          eps,
          momentum: momentumValue?.kind === 'none' ? null : (num(momentumValue) ?? 0.1),
          affine: bool(call ? paramValue(call, 'affine') : undefined) ?? type === 'batch',
          trackRunningStats: bool(call ? paramValue(call, 'track_running_stats') : undefined) ?? type === 'batch',
        });
        return;
      }
      case 'group': {
        const given = num(call ? paramValue(call, 'num_channels') : undefined);
        if (given === undefined) this.assume(`${where}: num_channels taken from the activation (${channels})`);
        const groups = this.intArg(call, 'num_groups', 32, where);
        this.push(name, layer.kind, { op: 'norm', norm: 'group', features: given ?? channels, groups, eps, affine: bool(call ? paramValue(call, 'affine') : undefined) ?? true });
        return;
      }
      case 'layer':
      case 'rms': {
        const given = num(call ? paramValue(call, 'normalized_shape') : undefined);
        if (given === undefined) this.assume(`${where}: normalized_shape taken from the activation's last dimension (${last})`);
        this.push(name, layer.kind, { op: 'norm', norm: type, features: given ?? last, eps, affine: bool(call ? paramValue(call, 'elementwise_affine') : undefined) ?? true });
        return;
      }
    }
  }

  /** A layer of the module tree: container, model class of this file, or framework layer. */
  module(layer: Layer, name: string, depth: number, underCondition = false): void {
    if (layer.alternatives && !underCondition) {
      const kinds = [...layer.alternatives, layer].map((l) => (l.elements ? `${l.kind}(${l.elements.length})` : l.kind));
      this.assume(`${name}: one of ${kinds.length} alternatives (${kinds.join(' / ')}) chosen by a condition whose value is not known; simulated as ${kinds[kinds.length - 1]}`);
    } else if (layer.conditional && !underCondition) this.assume(`${name}: built only under a condition whose value is not known; simulated as built`);
    if (layer.repeated && layer.repeated.count === undefined) this.assume(`${name}: built in a loop whose count did not resolve (${layer.repeated.text}); simulated once`);
    if (layer.elements) {
      // Element paths are relative to the class (`body.0`); keep the prefix of an inlined class.
      const own = modulePath(layer.path);
      const base = name.endsWith(own) ? name.slice(0, name.length - own.length) : '';
      for (const e of layer.elements) this.module(e, base + modulePath(e.path), depth, underCondition || layer.conditional === true);
      return;
    }
    if (layer.moduleClass) {
      const cls = this.classes.get(layer.moduleClass);
      if (!cls) throw new SimulationError(`${name}: class ${layer.moduleClass} not found`);
      const switched = formatSwitchedLayerNorm(cls, layer);
      if (switched) {
        const where = `${name} (${layer.moduleClass})`;
        if (!this.shape) this.start(switched.format === 'channels_first' ? [switched.features ?? DEFAULT_FEATURES, this.imageSize, this.imageSize] : [switched.features ?? DEFAULT_FEATURES], where);
        const eps = switched.eps ?? 1e-5;
        this.assume(`${layer.moduleClass}, a LayerNorm class of this file, with data_format='${switched.format}' (its forward calls F.layer_norm, or normalizes over dim 1 by hand); simulated as PyTorch's LayerNorm over the ${switched.format === 'channels_first' ? 'channels at each position' : 'last dimension'}`);
        if (switched.format === 'channels_first') this.channelNorm(name, layer.moduleClass, 'layer', switched.features, eps, true, where);
        else this.push(name, layer.moduleClass, { op: 'norm', norm: 'layer', features: switched.features ?? this.shape![this.shape!.length - 1], eps, affine: true });
        return;
      }
      // Sizes of this instance: the class's layers built with the call's arguments, when they resolve.
      if (layer.instanceLayers) {
        const mark = { layers: this.layers.length, assumptions: this.assumptions.length, shape: this.shape, inputShape: this.inputShape };
        try {
          this.classBody(cls, name ? `${name}.` : '', depth + 1, layer.instanceLayers);
          return;
        } catch (error) {
          if (!(error instanceof SimulationError)) throw error;
          // What reaches the block does not fit the sizes its call gives (a forward pass the IR
          // follows only in part): lay it out again with sizes taken from the activation, and say so.
          this.layers.length = mark.layers;
          this.assumptions.length = mark.assumptions;
          this.shape = mark.shape;
          this.inputShape = mark.inputShape;
          this.assume(`${name} (${layer.moduleClass}): the sizes its constructor call gives do not fit what reaches it (${error.message}); simulated with sizes taken from the activation`);
        }
      }
      // (A factory model's instance is the root module: its layers keep their own names.)
      this.classBody(cls, name ? `${name}.` : '', depth + 1);
      return;
    }
    if (layer.kind === '?' || layer.family === 'unknown' || layer.family === 'module') throw new SimulationError(`${name}: a layer of unknown kind`);
    this.leaf(layer, name);
  }

  /** A class's forward pass (or, without one, its layers in order); `layers`: an instance's own (see `Layer.instanceLayers`). */
  classBody(cls: ModelClass, prefix: string, depth: number, layers: readonly Layer[] = cls.layers): void {
    if (depth > MAX_DEPTH) throw new SimulationError(`${cls.name}: modules nested more than ${MAX_DEPTH} deep`);
    const outer = this.framework;
    this.framework = cls.framework;
    try {
      this.classLayers(cls, prefix, depth, layers);
    } finally {
      this.framework = outer;
    }
  }

  private classLayers(cls: ModelClass, prefix: string, depth: number, layers: readonly Layer[]): void {
    const steps = cls.forward?.steps ?? [];
    if (steps.length === 0) {
      if (layers.length === 0) this.assume(`${prefix ? prefix.slice(0, -1) : cls.name} (${cls.name}): no layers found in its class; left out`);
      for (const l of layers) this.module(l, prefix + modulePath(l.path), depth);
      return;
    }
    this.forward(cls, steps, prefix, depth, layers, cls.forward?.name ?? 'forward');
  }

  /** Remembers `shape` under a new slot by inserting a `save` at position `at` of the layer list. */
  private saveAt(at: number, name: string, shape: number[]): string {
    const slot = `r${this.slots++}`;
    this.layers.splice(at, 0, { name, kind: 'identity', layer: { op: 'save', slot } });
    this.slotShapes.set(slot, shape);
    return slot;
  }

  /**
   * A forward pass as a data-flow graph over the IR's steps, laid out in source order: the main
   * chain runs straight; a step that reads an earlier activation (a `downsample(x)` shortcut, the
   * second operand of `+`, the parts of `torch.cat`) gets that activation remembered (`save`)
   * where it was produced and starts from it (`load`). `method`: the walked method's name, for
   * notes (`forward`, Keras' `call`, Flax's `__call__`, a helper such as `forward_features`).
   */
  private forward(cls: ModelClass, steps: readonly ForwardStep[], prefix: string, depth: number, layers: readonly Layer[], method: string): void {
    const byPath = new Map<string, Layer>();
    for (const l of allLayers(layers)) byPath.set(modulePath(l.path), l);
    // Position in this.layers after which each step's output is the current activation (-1: the forward's input).
    const producedAt = new Map<number, number>([[-1, this.layers.length]]);
    const entryShape = this.shape ? [...this.shape] : undefined;
    const shapes = new Map<number, number[]>();
    const shapeOf = (i: number): number[] => shapes.get(i) ?? (i === -1 ? (entryShape ?? this.inputShape ?? []) : []);
    // Compute layers on the way from the forward's input to each step's output (tells a residual branch from its shortcut).
    const depthOf = new Map<number, number>([[-1, 0]]);
    const slotOf = new Map<number, string>();
    // Steps left out pass their input through (`identity = self.downsample(x)` with downsample None).
    const alias = new Map<number, number>();
    const resolve = (i: number): number => {
      let j = i;
      for (let n = 0; n < steps.length && alias.has(j); n++) j = alias.get(j)!;
      return j;
    };
    const leaveOut = (step: ForwardStep, why: string): void => {
      // (With the line: "Block.forward: * was left out" alone does not say which product.)
      this.assume(`${cls.name}.${method}, line ${step.span.start.line + 1}: ${why}`);
      if (step.inputs.length >= 1) alias.set(step.index, resolve(step.inputs[0]));
    };
    const available = (i: number): boolean => producedAt.has(i);
    /** The slot holding step `i`'s output, inserting its `save` where it was produced. */
    const remember = (i: number, name: string): string => {
      const known = slotOf.get(i);
      if (known) return known;
      const at = producedAt.get(i)!;
      const slot = this.saveAt(at, name, shapeOf(i));
      for (const [k, v] of producedAt) if (v > at) producedAt.set(k, v + 1);
      slotOf.set(i, slot);
      return slot;
    };
    let chain = -1;
    /** Makes step `i`'s output the current activation (a `load` unless it already is). */
    const enter = (i: number, name: string): void => {
      if (i === chain) return;
      const slot = remember(i, `${name}.input`);
      this.push(`${name}.branch`, 'branch', { op: 'load', slot });
      chain = i;
    };
    /** The step's data input: the current activation when it reads it, else the latest available one. */
    const dataInput = (inputs: readonly number[]): number | undefined => {
      if (inputs.length === 0 || inputs.includes(chain)) return chain;
      const candidates = inputs.filter(available);
      return candidates.length > 0 ? Math.max(...candidates) : undefined;
    };
    const done = (step: ForwardStep, from: number, before: number): void => {
      chain = step.index;
      producedAt.set(step.index, this.layers.length);
      if (this.shape) shapes.set(step.index, [...this.shape]);
      const computed = this.layers.slice(before).filter((l) => !isRouting(l.layer)).length;
      depthOf.set(step.index, (depthOf.get(from) ?? 0) + computed);
    };
    for (const step of steps) {
      const target = modulePath(step.target);
      const name = `${prefix}${target}`;
      const inputs = [...new Set(step.inputs.map(resolve))];
      const before = this.layers.length;
      if (step.op === 'add') {
        // More than two inputs: the IR's union over alternative assignments (`identity = x`, then
        // `identity = self.downsample(x)` under an `if`): the latest assignment is taken.
        const operands = inputs.filter(available);
        if (operands.length < 2) {
          leaveOut(step, `an addition whose operands are not both known (${step.target}) was left out`);
          continue;
        }
        const first = operands.includes(chain) ? chain : Math.max(...operands);
        const second = Math.max(...operands.filter((o) => o !== first));
        if (operands.length > 2) this.assume(`${cls.name}.${method}, line ${step.span.start.line + 1}: an operand of \`+\` is assigned on several paths; simulated with its last assignment`);
        enter(first, name);
        const slot = remember(second, `${name}.shortcut`);
        const residual = (depthOf.get(second) ?? 0) > (depthOf.get(first) ?? 0) ? 'saved' : 'current';
        this.push(name, '+', { op: 'add', slot, ...(residual === 'saved' ? { residual } : {}) });
        done(step, Math.max(first, second), before);
        depthOf.set(step.index, Math.max(depthOf.get(first) ?? 0, depthOf.get(second) ?? 0));
        continue;
      }
      if (step.op === 'functional' && CONCAT.has(step.target)) {
        const parts = step.inputs.map(resolve);
        if (parts.length < 1 || !parts.every(available)) {
          leaveOut(step, `${step.target}(…) of values the simulator does not follow was left out`);
          continue;
        }
        const slots = parts.map((p, k) => remember(p, `${name}.in${k}`));
        this.assume(`${cls.name}.${method}: ${step.target}(…) joins its inputs along the channels (dim=1): the call's arguments are not in the model IR`);
        this.push(name, step.target, { op: 'cat', slots });
        done(step, Math.max(...parts), before);
        depthOf.set(step.index, Math.max(...parts.map((p) => depthOf.get(p) ?? 0)));
        continue;
      }
      if (step.op === 'layer') {
        const layer = byPath.get(target) ?? byPath.get(target.replace(/\.\*$/, ''));
        // A method of the class (`x = self.forward_features(x)`): its steps, walked at this call.
        const helper = layer ? undefined : cls.helperPasses?.find((h) => h.name === step.target && h.callSite.startOffset === step.span.startOffset);
        if (helper) {
          const from = dataInput(inputs);
          if (from === undefined || this.walking.has(helper)) {
            leaveOut(step, from === undefined ? `self.${step.target}(…) reads a value the simulator does not follow and was left out` : `self.${step.target}(…) calls itself again; the recursive call was left out`);
            continue;
          }
          if (from !== chain) enter(from, name);
          const start = this.layers.length;
          this.walking.add(helper);
          try {
            this.forward(cls, helper.steps, prefix, depth, layers, helper.name);
          } finally {
            this.walking.delete(helper);
          }
          done(step, from, start);
          continue;
        }
        if (!layer) {
          leaveOut(step, `self.${step.target} ${NOT_A_LAYER[cls.framework]} and was left out`);
          continue;
        }
        const from = dataInput(inputs);
        if (from === undefined) {
          leaveOut(step, `self.${step.target} reads a value the simulator does not follow and was left out`);
          continue;
        }
        if (from !== chain) enter(from, name);
        const start = this.layers.length;
        this.module(layer, name, depth);
        done(step, from, start);
        continue;
      }
      if (step.op === 'functional') {
        const from = dataInput(inputs);
        if (from === undefined) {
          leaveOut(step, `${step.target}(…) reads a value the simulator does not follow and was left out`);
          continue;
        }
        if (this.framework !== 'torch') {
          if (from !== chain) enter(from, name);
          const start = this.layers.length;
          if (this.foreign.functional(step.target, name, `${name} (${step.target})`)) {
            done(step, from, start);
            continue;
          }
          if (step.target === 'mean' && this.shape && this.shape.length > 1) {
            this.assume(`${name} (${step.target}): taken as global average pooling over the spatial axes (the call's axes are not in the model IR)`);
            this.push(name, 'mean', { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 });
            this.push(`${name}.flatten`, 'Flatten', { op: 'flatten' });
            done(step, from, start);
            continue;
          }
        }
        // An axis order the call states (`x.permute(0, 2, 3, 1)`: a ConvNeXt block's LayerNorm and
        // Linear layers then act on the channels, last); one it does not would let the layers after
        // it act on the wrong axes without a word: refuse instead.
        if (AXIS_ORDER.has(step.target) && this.shape && this.shape.length > 1) {
          const order = axisOrderOf(step, this.shape.length);
          if (!order) throw new SimulationError(`${name}: ${step.target}(…) reorders the axes of the ${this.shape.length + 1}-D activation in an order that did not resolve (or moves the batch axis), and the simulator does not guess it`);
          if (from !== chain) enter(from, name);
          const start = this.layers.length;
          this.push(name, step.target, { op: 'permute', order });
          done(step, from, start);
          continue;
        }
        // `x.mean([-2, -1])` / `x.mean((2, 3), keepdim=True)`: global average pooling over the spatial axes.
        const keep = step.target === 'mean' && this.shape ? spatialMean(step, this.shape.length) : undefined;
        if (keep !== undefined) {
          if (from !== chain) enter(from, name);
          const start = this.layers.length;
          this.push(name, 'mean', { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 });
          if (!keep) this.push(`${name}.flatten`, 'Flatten', { op: 'flatten' });
          done(step, from, start);
          continue;
        }
        const fn = ACTIVATIONS[step.target];
        if (fn && !engineRunsActivation(fn)) throw new SimulationError(`${name} (F.${step.target}): this activation is not in the simulator's engine yet`);
        // The slope of `F.leaky_relu(x, 0.2)`, the alpha of `F.elu(x, alpha=...)`, the p of `F.dropout(x, p=0.1)`: as the call gives them.
        const alphaName = fn === 'elu' ? 'alpha' : 'negative_slope';
        const alpha = fn && DEFAULT_ALPHA[fn] !== undefined ? num(stepArg(step, alphaName, 1)) : undefined;
        if (fn && DEFAULT_ALPHA[fn] !== undefined && alpha === undefined) this.assume(`${name} (F.${step.target}): ${alphaName} taken as PyTorch's default ${DEFAULT_ALPHA[fn]} (${argWhy(step, alphaName, 1)})`);
        const p = step.target === 'dropout' ? num(stepArg(step, 'p', 1)) : undefined;
        const pKnown = p !== undefined && p >= 0 && p <= 1 ? p : undefined;
        if (step.target === 'dropout' && pKnown === undefined) this.assume(`${name} (F.dropout): p taken as PyTorch's default 0.5 (${argWhy(step, 'p', 1)})`);
        const op: LayerOp | undefined = fn
          ? { op: 'activation', fn, ...(alpha !== undefined ? { alpha } : {}) }
          : step.target === 'flatten' || step.target === 'view' || step.target === 'reshape'
            ? { op: 'flatten' }
            : step.target === 'dropout'
              ? { op: 'dropout', p: pKnown ?? 0.5 }
              : step.target === 'adaptive_avg_pool2d' || step.target === 'adaptive_avg_pool1d'
                ? { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 }
                : undefined;
        if (!op) {
          leaveOut(step, `${step.target}(…) was left out`);
          continue;
        }
        if (from !== chain) enter(from, name);
        const start = this.layers.length;
        this.push(name, fn ? `F.${step.target}` : step.target === 'dropout' || step.target.startsWith('adaptive') ? `F.${step.target}` : step.target, op);
        done(step, from, start);
        continue;
      }
      leaveOut(step, `${step.target} was left out`);
    }
  }
}

function usedClasses(classes: readonly ModelClass[]): Set<string> {
  const used = new Set<string>();
  for (const c of classes) for (const l of allLayers(c.layers)) if (l.moduleClass && l.moduleClass !== c.name) used.add(l.moduleClass);
  return used;
}

/**
 * Image sides and sequence lengths tried in turn, smallest first, when the code does not say the
 * input's size and a kernel or window of the network needs more (a ViT's 16×16 patch embedding
 * does not fit the default 8×8 image). Small inputs keep the simulation fast.
 */
const IMAGE_SIZES = [DEFAULT_IMAGE_SIZE, 16, 32, 64, 128, 256];
const LENGTHS = [DEFAULT_LENGTH, 64, 128, 256, 512, 1024];

/**
 * The network of a model class. `inputSize`: the image side (or sequence length) to simulate when
 * the code does not say the input's size, instead of the smallest of `IMAGE_SIZES` (`LENGTHS`)
 * the network fits; a size the code states (a Keras `input_shape`) is kept.
 */
export function networkFromClass(cls: ModelClass, classes: ReadonlyMap<string, ModelClass>, inputSize?: number): NetworkSpec {
  let smallerFailed: string | undefined;
  for (let attempt = 0; ; attempt++) {
    const b = inputSize !== undefined ? new Builder(classes, inputSize, inputSize, undefined, true) : new Builder(classes, IMAGE_SIZES[attempt], LENGTHS[attempt], smallerFailed);
    try {
      b.classBody(cls, '', 0);
    } catch (error) {
      if (inputSize !== undefined && error instanceof InputTooSmallError && b.sizeAssumed) throw new SimulationError(`${error.message} (with the input size ${inputSize} asked for)`);
      if (!(error instanceof InputTooSmallError && b.sizeAssumed && attempt + 1 < IMAGE_SIZES.length) || inputSize !== undefined) throw error;
      smallerFailed = error.message;
      continue;
    }
    if (b.layers.length === 0 || !b.inputShape) throw new SimulationError(`${cls.name} has no layer the simulator can run`);
    return { model: cls.name, inputShape: b.inputShape, layers: b.layers, assumptions: b.assumptions };
  }
}

/** The simulatable models of a file's model IR (`inputSize`: see `networkFromClass`). */
export function networksFromModelIR(model: ModelIR, inputSize?: number): NetworksFound {
  const classes = model.classes ?? [];
  if (classes.length === 0) return { models: [], reason: 'no model class (nn.Module, keras.Model or flax.linen.Module subclass) in this file' };
  const byName = new Map(classes.map((c) => [c.name, c]));
  const used = usedClasses(classes);
  const models: ModelEntry[] = classes.map((cls) => {
    try {
      return { name: cls.name, span: cls.span, spec: networkFromClass(cls, byName, inputSize) };
    } catch (error) {
      return { name: cls.name, span: cls.span, reason: error instanceof Error ? error.message : String(error) };
    }
  });
  const roots = classes.filter((c) => !used.has(c.name));
  const root = (roots.length > 0 ? roots[roots.length - 1] : classes[classes.length - 1]).name;
  return { models, root };
}

/** Parses Python source (the parser must be initialised) and returns its simulatable models (`inputSize`: see `networkFromClass`). */
export function networksFromSource(text: string, inputSize?: number): NetworksFound {
  return networksFromModelIR(analysePythonFile(text).model, inputSize);
}
