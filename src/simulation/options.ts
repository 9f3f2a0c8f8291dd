/** What the user controls in a simulation run (webview controls, CLI flags). */

import type { NormType } from './spec';

export type InputDistribution = 'normal' | 'uniform';

/** `asIs` keeps the model's own norms; `none` removes them (identity). */
export type NormSwap = 'asIs' | NormType | 'none';

/** `default` is PyTorch's constructor init (Kaiming-uniform, a=√5, for linear and conv). */
export type InitScheme = 'default' | 'kaiming_normal' | 'xavier_uniform' | 'xavier_normal' | 'orthogonal' | 'zero_gamma';

export interface SimulationOptions {
  readonly batchSize: number;
  /** Training-mode forward steps before the inference pass. */
  readonly steps: number;
  readonly seed: number;
  readonly inputMean: number;
  readonly inputScale: number;
  readonly distribution: InputDistribution;
  readonly normSwap: NormSwap;
  readonly init: InitScheme;
  /** Bins of each layer's histogram. */
  readonly bins: number;
}

export const NORM_SWAPS: readonly NormSwap[] = ['asIs', 'batch', 'group', 'layer', 'instance', 'rms', 'none'];
export const INIT_SCHEMES: readonly InitScheme[] = ['default', 'kaiming_normal', 'xavier_uniform', 'xavier_normal', 'orthogonal', 'zero_gamma'];
export const DISTRIBUTIONS: readonly InputDistribution[] = ['normal', 'uniform'];

export const DEFAULT_OPTIONS: SimulationOptions = {
  batchSize: 32,
  steps: 10,
  seed: 0,
  inputMean: 0,
  inputScale: 1,
  distribution: 'normal',
  normSwap: 'asIs',
  init: 'default',
  bins: 30,
};

/** Batch sizes of the sweep: 2, 4, 8, …, 128. */
export const SWEEP_BATCH_SIZES: readonly number[] = [2, 4, 8, 16, 32, 64, 128];

export const LIMITS = {
  batchSize: { min: 1, max: 1024 },
  steps: { min: 1, max: 200 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  inputScale: { min: 1e-6, max: 1e6 },
  inputMean: { min: -1e6, max: 1e6 },
  bins: { min: 2, max: 200 },
  /** Image side or sequence length asked for when the code does not say the input's size. */
  inputSize: { min: 1, max: 1024 },
} as const;

export const NORM_SWAP_LABELS: Readonly<Record<NormSwap, string>> = {
  asIs: 'as written',
  batch: 'BatchNorm',
  group: 'GroupNorm',
  layer: 'LayerNorm',
  instance: 'InstanceNorm',
  rms: 'RMSNorm',
  none: 'no norm',
};

export const INIT_LABELS: Readonly<Record<InitScheme, string>> = {
  default: 'PyTorch default',
  kaiming_normal: 'Kaiming normal',
  xavier_uniform: 'Xavier uniform',
  xavier_normal: 'Xavier normal',
  orthogonal: 'orthogonal',
  zero_gamma: 'zero-γ (last norm of each residual branch)',
};

/** Clamps and rounds untrusted values into a valid option set. */
export function normalizeOptions(partial: Partial<SimulationOptions>): SimulationOptions {
  const int = (v: number | undefined, d: number, lim: { min: number; max: number }): number =>
    v === undefined || !Number.isFinite(v) ? d : Math.min(lim.max, Math.max(lim.min, Math.round(v)));
  const num = (v: number | undefined, d: number, lim: { min: number; max: number }): number =>
    v === undefined || !Number.isFinite(v) ? d : Math.min(lim.max, Math.max(lim.min, v));
  return {
    batchSize: int(partial.batchSize, DEFAULT_OPTIONS.batchSize, LIMITS.batchSize),
    steps: int(partial.steps, DEFAULT_OPTIONS.steps, LIMITS.steps),
    seed: int(partial.seed, DEFAULT_OPTIONS.seed, LIMITS.seed),
    inputMean: num(partial.inputMean, DEFAULT_OPTIONS.inputMean, LIMITS.inputMean),
    inputScale: num(partial.inputScale, DEFAULT_OPTIONS.inputScale, LIMITS.inputScale),
    distribution: partial.distribution && DISTRIBUTIONS.includes(partial.distribution) ? partial.distribution : DEFAULT_OPTIONS.distribution,
    normSwap: partial.normSwap && NORM_SWAPS.includes(partial.normSwap) ? partial.normSwap : DEFAULT_OPTIONS.normSwap,
    init: partial.init && INIT_SCHEMES.includes(partial.init) ? partial.init : DEFAULT_OPTIONS.init,
    bins: int(partial.bins, DEFAULT_OPTIONS.bins, LIMITS.bins),
  };
}
