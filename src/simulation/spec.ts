/**
 * A runnable network, as the simulator sees it: the layers of one model in forward order, each
 * with fully resolved sizes. Built from the model IR by `fromIR.ts` (which records what had to be
 * defaulted in `assumptions`), sent as plain JSON to the webview's worker, and run by
 * `simulate.ts`. Nothing here knows about syntax trees or VS Code.
 */

export type NormType = 'batch' | 'layer' | 'group' | 'instance' | 'rms';

/** A normalization layer with PyTorch's constructor options. */
export interface NormOp {
  readonly op: 'norm';
  readonly norm: NormType;
  /** Channels (batch/instance/group) or the size of the last dimension (layer/RMS, flat inputs). */
  readonly features: number;
  /** LayerNorm/RMSNorm: the trailing dimensions normalized over (default `[features]`). */
  readonly normalizedShape?: readonly number[];
  /** GroupNorm only. */
  readonly groups?: number;
  readonly eps: number;
  /** BatchNorm/InstanceNorm: PyTorch's momentum; `null` is the cumulative average. */
  readonly momentum?: number | null;
  /** `affine` / `elementwise_affine`. */
  readonly affine: boolean;
  /** BatchNorm/InstanceNorm: `track_running_stats`. */
  readonly trackRunningStats?: boolean;
  /**
   * BatchNorm only: a `FrozenBatchNorm2d` (torchvision, detectron2): evaluation mode in every
   * pass, with its initial buffers (running mean 0, variance 1, weight 1, bias 0; `affine` false)
   * and nothing to train or update.
   */
  readonly frozen?: boolean;
}

export interface LinearOp {
  readonly op: 'linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

/** PyTorch's `padding_mode` other than the default zeros. */
export type PaddingMode = 'reflect' | 'replicate' | 'circular';
export const PADDING_MODES: readonly PaddingMode[] = ['reflect', 'replicate', 'circular'];

export interface Conv2dOp {
  readonly op: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly bias: boolean;
  /** Absent: zero padding. */
  readonly paddingMode?: PaddingMode;
}

/** 1-D convolution over `[C, L]` (PyTorch's Conv1d; run as a 1×k Conv2d by the engine). */
export interface Conv1dOp {
  readonly op: 'conv1d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly bias: boolean;
  /** Absent: zero padding. */
  readonly paddingMode?: PaddingMode;
}

export type ActivationFn = 'relu' | 'relu6' | 'leaky_relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'hardswish' | 'hardsigmoid';

export interface ActivationOp {
  readonly op: 'activation';
  readonly fn: ActivationFn;
  /** LeakyReLU's negative_slope, ELU's alpha (PyTorch's defaults when absent: 0.01, 1). */
  readonly alpha?: number;
}

export interface DropoutOp {
  readonly op: 'dropout';
  readonly p: number;
}

/** 2-D pooling on `[C, H, W]`; on a `[C, L]` activation the 1-D pooling (MaxPool1d, ...). */
export interface PoolOp {
  readonly op: 'pool';
  readonly pool: 'max' | 'avg' | 'adaptive_avg';
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

export interface FlattenOp {
  readonly op: 'flatten';
}

/**
 * `x.permute(...)` / `x.transpose(...)` of the activation, batch axis left in place: `order` is
 * over the per-sample axes (`x.permute(0, 2, 3, 1)` is `[1, 2, 0]`: `[C, H, W]` to `[H, W, C]`).
 */
export interface PermuteOp {
  readonly op: 'permute';
  readonly order: readonly number[];
}

/** Remembers the current activation under `slot` (the identity branch of a residual block). */
export interface SaveOp {
  readonly op: 'save';
  readonly slot: string;
}

/** Adds the activation remembered under `slot` to the current one (`out += identity`). */
export interface AddOp {
  readonly op: 'add';
  readonly slot: string;
  /**
   * Which operand is the residual branch (the other is the shortcut): `current` (default) or
   * `saved` when the shortcut was computed last (a `downsample` after the main branch). Zero-γ
   * init zeroes the last norm of the residual branch.
   */
  readonly residual?: 'current' | 'saved';
}

/**
 * Makes the activation remembered under `slot` the current one: the start of a side branch
 * (`identity = self.downsample(x)`). The activation it replaces is dropped unless saved.
 */
export interface LoadOp {
  readonly op: 'load';
  readonly slot: string;
}

/** `torch.cat` of remembered activations, in order, along the channel (first per-sample) dimension. */
export interface CatOp {
  readonly op: 'cat';
  readonly slots: readonly string[];
}

export type LayerOp = NormOp | LinearOp | Conv2dOp | Conv1dOp | ActivationOp | DropoutOp | PoolOp | FlattenOp | PermuteOp | SaveOp | AddOp | LoadOp | CatOp;

export interface LayerSpec {
  /** The module path `named_modules()` would give (`body.3`); for functional ops a readable label. */
  readonly name: string;
  /** The class name as written in the model (`BatchNorm1d`, `ReLU`, `+`). */
  readonly kind: string;
  readonly layer: LayerOp;
}

export interface NetworkSpec {
  /** The simulated model class. */
  readonly model: string;
  /** Shape of one input sample, without the batch dimension: `[features]` or `[C, H, W]`. */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerSpec[];
  /** What was defaulted because it did not resolve, in words a user understands. */
  readonly assumptions: readonly string[];
}

export const NORM_TYPES: readonly NormType[] = ['batch', 'layer', 'group', 'instance', 'rms'];
export const ACTIVATIONS: readonly ActivationFn[] = ['relu', 'relu6', 'leaky_relu', 'gelu', 'silu', 'tanh', 'sigmoid', 'elu', 'selu', 'hardswish', 'hardsigmoid'];

/** Ops that route activations (markers and merges), not layers with their own computation. */
export function isRouting(layer: LayerOp): boolean {
  return layer.op === 'save' || layer.op === 'load' || layer.op === 'add' || layer.op === 'cat';
}

export function isNorm(layer: LayerOp): layer is NormOp {
  return layer.op === 'norm';
}
