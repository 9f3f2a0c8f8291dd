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
}

export interface LinearOp {
  readonly op: 'linear';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
}

export interface Conv2dOp {
  readonly op: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly bias: boolean;
}

export type ActivationFn = 'relu' | 'relu6' | 'leaky_relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid' | 'elu';

export interface ActivationOp {
  readonly op: 'activation';
  readonly fn: ActivationFn;
}

export interface DropoutOp {
  readonly op: 'dropout';
  readonly p: number;
}

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

/** Remembers the current activation under `slot` (the identity branch of a residual block). */
export interface SaveOp {
  readonly op: 'save';
  readonly slot: string;
}

/** Adds the activation remembered under `slot` to the current one (`out += identity`). */
export interface AddOp {
  readonly op: 'add';
  readonly slot: string;
}

export type LayerOp = NormOp | LinearOp | Conv2dOp | ActivationOp | DropoutOp | PoolOp | FlattenOp | SaveOp | AddOp;

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
export const ACTIVATIONS: readonly ActivationFn[] = ['relu', 'relu6', 'leaky_relu', 'gelu', 'silu', 'tanh', 'sigmoid', 'elu'];

export function isNorm(layer: LayerOp): layer is NormOp {
  return layer.op === 'norm';
}
