/** What a simulation produces: plain JSON, shared by the CLI, the HTML report and the webview. */

import type { SimulationOptions } from './options';

export interface Moments {
  readonly mean: number;
  readonly std: number;
}

export interface Summary extends Moments {
  readonly min: number;
  readonly max: number;
}

export interface Histogram {
  /** Left edge of the first bin and right edge of the last. */
  readonly lo: number;
  readonly hi: number;
  /** Fraction of values in each bin (sums to 1). */
  readonly fractions: readonly number[];
}

export interface LayerResult {
  readonly name: string;
  readonly kind: string;
  /** `op` of the layer spec (`norm`, `linear`, `activation`, ...). */
  readonly op: string;
  /** Output shape for one sample. */
  readonly shape: readonly number[];
  /** Statistics of the layer's output in the last training-mode step. */
  readonly train: Summary;
  /** Statistics of the layer's output in the inference pass. */
  readonly eval: Summary;
  /** Shared bin edges for both histograms (so they can be overlaid). */
  readonly histogram: { readonly lo: number; readonly hi: number; readonly train: readonly number[]; readonly eval: readonly number[] };
  /** ReLU-family layers: fraction of units that output 0 for every sample of the batch (training pass). */
  readonly deadFraction?: number;
  /** Norm layers: |mean_train − mean_eval| / std_eval of their output. */
  readonly trainEvalGap?: number;
  /** L2 norm of dLoss/d(output of this layer) from the backward pass (training mode); absent if the backward failed. */
  readonly gradNorm?: number;
  /** L2 norm of the gradient of this layer's weight, for layers that have one. */
  readonly weightGradNorm?: number;
}

export interface SweepPoint {
  readonly batchSize: number;
  /** Samples each channel of the first BatchNorm averages over per step (batch × spatial). */
  readonly samplesPerChannel: number;
  /** Std over steps of the first BatchNorm's per-channel batch mean, averaged over channels. */
  readonly statNoise: number;
  /** Mean over norm layers of |mean_train − mean_eval| / std_eval of their outputs. */
  readonly trainEvalGap: number;
}

export interface WhatIfLayer {
  readonly name: string;
  readonly train: Moments;
  readonly eval: Moments;
}

export interface WhatIfVariant {
  /** e.g. `BatchNorm`, `no norm`, `init: orthogonal`. */
  readonly label: string;
  readonly normSwap: string;
  readonly init: string;
  /** Empty when the variant could not run (see `error`). */
  readonly layers: readonly WhatIfLayer[];
  readonly trainEvalGap: number;
  readonly error?: string;
}

export interface SimulationResult {
  readonly model: string;
  readonly assumptions: readonly string[];
  readonly options: SimulationOptions;
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerResult[];
  /** Mean over norm layers of `trainEvalGap`. */
  readonly trainEvalGap: number;
  /** Absent until the sweep ran (the webview shows the main pass first). */
  readonly batchSweep?: readonly SweepPoint[];
  readonly whatIf?: readonly WhatIfVariant[];
  /** The first BatchNorm the sweep measures, if any. */
  readonly sweepLayer?: string;
  /** Problems that did not stop the run (e.g. a what-if variant that PyTorch would refuse). */
  readonly warnings: readonly string[];
}
