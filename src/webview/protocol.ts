/**
 * Typed messages between the extension host and the simulator page, and between the page and
 * its worker. Both sides validate what they receive with the `parse*` functions below; anything
 * that does not match is dropped (and logged by the receiver), never half-used.
 * No `vscode` here: the page bundles this file too.
 */

import { DISTRIBUTIONS, INIT_SCHEMES, LIMITS, NORM_SWAPS, type SimulationOptions } from '../simulation/options';
import type { Phase } from '../simulation/progressive';
import type { SimulationResult } from '../simulation/result';
import { ACTIVATIONS, NORM_TYPES, PADDING_MODES, type LayerOp, type LayerSpec, type NetworkSpec } from '../simulation/spec';

// ---------------------------------------------------------------------------------------------
// Host -> page

/** A model to simulate (sent on open, when the file changes, when the cursor moves to another model). */
export interface ShowModelMessage {
  readonly type: 'showModel';
  readonly fileName: string;
  /** Every model class of the file, for the model picker. */
  readonly models: readonly string[];
  readonly spec: NetworkSpec;
  /** The input size the spec was built with where the code does not say it (absent: the simulator's choice). */
  readonly inputSize?: number;
}

/** The file has no model the simulator can run (and why). */
export interface NoModelMessage {
  readonly type: 'noModel';
  readonly fileName: string;
  readonly reason: string;
}

/** A line for the page's status area (e.g. "Saved chart to …"). */
export interface NoticeMessage {
  readonly type: 'notice';
  readonly message: string;
}

export type HostMessage = ShowModelMessage | NoModelMessage | NoticeMessage;

// ---------------------------------------------------------------------------------------------
// Page -> host

export interface ReadyMessage {
  readonly type: 'ready';
  /** The input size the page's state asks for (restored after a reload); absent for the simulator's choice. */
  readonly inputSize?: number;
}

/**
 * The input size picked in the page: the image side (or sequence length) the host builds the
 * model's network with where the code does not say it; null for the simulator's choice.
 */
export interface InputSizeMessage {
  readonly type: 'inputSize';
  readonly size: number | null;
}

/** The page drew a phase of a simulation (used by the integration test and the log). */
export interface RenderedMessage {
  readonly type: 'rendered';
  readonly model: string;
  readonly phase: Phase;
  readonly layers: number;
  readonly ms: number;
  /** The per-sample input shape simulated (`[C, H, W]`, `[C, L]` or `[features]`). */
  readonly inputShape: readonly number[];
}

export interface SelectModelMessage {
  readonly type: 'selectModel';
  readonly model: string;
}

/** Save a chart (PNG data URL) or its data (CSV text) through the host's save dialog. */
export interface ExportMessage {
  readonly type: 'export';
  readonly format: 'png' | 'csv';
  readonly name: string;
  readonly data: string;
}

export interface PageErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

export type PageMessage = ReadyMessage | InputSizeMessage | RenderedMessage | SelectModelMessage | ExportMessage | PageErrorMessage;

/** The input sizes the page offers (image sides; sequence lengths for 1-D models), besides the simulator's choice. */
export const INPUT_SIZES: readonly number[] = [8, 16, 32, 64, 128, 224];

// ---------------------------------------------------------------------------------------------
// Page <-> worker

/** `preview`: the main pass on a small batch for one step, drawn first; then the full run's phases (see simulation/progressive.ts). */
export type { Phase } from '../simulation/progressive';
export const PHASES: readonly Phase[] = ['preview', 'main', 'sweep', 'whatIf'];

export interface RunRequest {
  readonly type: 'run';
  readonly runId: number;
  readonly spec: NetworkSpec;
  readonly options: SimulationOptions;
}

export interface PhaseResult {
  readonly type: 'phase';
  readonly runId: number;
  readonly phase: Phase;
  /** More results of this phase follow (one sweep point or what-if variant at a time). */
  readonly partial: boolean;
  /** What this result holds, for the status line (`sweep 3/7`). */
  readonly progress: string;
  readonly result: SimulationResult;
  readonly ms: number;
}

export interface RunFailed {
  readonly type: 'failed';
  readonly runId: number;
  readonly message: string;
}

export type WorkerReply = PhaseResult | RunFailed;

// ---------------------------------------------------------------------------------------------
// Validation

/** Upper bounds that keep a hostile or absurd message from exhausting memory. */
export const MAX_LAYERS = 4096;
export const MAX_SIZE = 1 << 16;
export const MAX_STRING = 4096;
export const MAX_EXPORT = 32 * 1024 * 1024;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, max = MAX_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

function int(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function oneOf<T extends string>(v: unknown, values: readonly T[]): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

function parseLayerOp(v: unknown): LayerOp | undefined {
  if (!isObj(v)) return undefined;
  switch (v.op) {
    case 'norm':
      if (!oneOf(v.norm, NORM_TYPES) || !int(v.features, 1, MAX_SIZE) || !num(v.eps) || v.eps < 0 || typeof v.affine !== 'boolean') return undefined;
      if (v.groups !== undefined && !int(v.groups, 1, MAX_SIZE)) return undefined;
      if (v.momentum !== undefined && v.momentum !== null && !(num(v.momentum) && v.momentum >= 0 && v.momentum <= 1)) return undefined;
      if (v.trackRunningStats !== undefined && typeof v.trackRunningStats !== 'boolean') return undefined;
      if (v.frozen !== undefined && !(v.frozen === true && v.norm === 'batch')) return undefined;
      if (v.normalizedShape !== undefined && !(Array.isArray(v.normalizedShape) && v.normalizedShape.length >= 1 && v.normalizedShape.length <= 3 && v.normalizedShape.every((d) => int(d, 1, MAX_SIZE)))) return undefined;
      return {
        op: 'norm',
        norm: v.norm,
        features: v.features,
        eps: v.eps,
        affine: v.affine,
        ...(v.groups !== undefined ? { groups: v.groups } : {}),
        ...(v.momentum !== undefined ? { momentum: v.momentum } : {}),
        ...(v.trackRunningStats !== undefined ? { trackRunningStats: v.trackRunningStats } : {}),
        ...(v.normalizedShape !== undefined ? { normalizedShape: v.normalizedShape } : {}),
        ...(v.frozen === true ? { frozen: true } : {}),
      };
    case 'linear':
      if (!int(v.inFeatures, 1, MAX_SIZE) || !int(v.outFeatures, 1, MAX_SIZE) || typeof v.bias !== 'boolean') return undefined;
      return { op: 'linear', inFeatures: v.inFeatures, outFeatures: v.outFeatures, bias: v.bias };
    case 'conv2d':
      if (!int(v.inChannels, 1, MAX_SIZE) || !int(v.outChannels, 1, MAX_SIZE) || !int(v.kernel, 1, 64) || !int(v.stride, 1, 64)) return undefined;
      if (!int(v.padding, 0, 64) || !int(v.groups, 1, MAX_SIZE) || typeof v.bias !== 'boolean') return undefined;
      if (v.paddingMode !== undefined && !oneOf(v.paddingMode, PADDING_MODES)) return undefined;
      return { op: 'conv2d', inChannels: v.inChannels, outChannels: v.outChannels, kernel: v.kernel, stride: v.stride, padding: v.padding, groups: v.groups, bias: v.bias, ...(v.paddingMode !== undefined ? { paddingMode: v.paddingMode } : {}) };
    case 'conv1d':
      if (!int(v.inChannels, 1, MAX_SIZE) || !int(v.outChannels, 1, MAX_SIZE) || !int(v.kernel, 1, 64) || !int(v.stride, 1, 64)) return undefined;
      if (!int(v.padding, 0, 64) || !int(v.groups, 1, MAX_SIZE) || typeof v.bias !== 'boolean') return undefined;
      if (v.paddingMode !== undefined && !oneOf(v.paddingMode, PADDING_MODES)) return undefined;
      return { op: 'conv1d', inChannels: v.inChannels, outChannels: v.outChannels, kernel: v.kernel, stride: v.stride, padding: v.padding, groups: v.groups, bias: v.bias, ...(v.paddingMode !== undefined ? { paddingMode: v.paddingMode } : {}) };
    case 'activation':
      if (!oneOf(v.fn, ACTIVATIONS)) return undefined;
      if (v.alpha !== undefined && !(num(v.alpha) && Math.abs(v.alpha) <= 1e3)) return undefined;
      return { op: 'activation', fn: v.fn, ...(v.alpha !== undefined ? { alpha: v.alpha } : {}) };
    case 'dropout':
      return num(v.p) && v.p >= 0 && v.p <= 1 ? { op: 'dropout', p: v.p } : undefined;
    case 'pool':
      if (!oneOf(v.pool, ['max', 'avg', 'adaptive_avg'] as const) || !int(v.kernel, 1, 64) || !int(v.stride, 1, 64) || !int(v.padding, 0, 64)) return undefined;
      return { op: 'pool', pool: v.pool, kernel: v.kernel, stride: v.stride, padding: v.padding };
    case 'flatten':
      return { op: 'flatten' };
    case 'permute': {
      // An order of the per-sample axes: each of 0..n-1 once (n at most 4).
      const order = v.order;
      if (!Array.isArray(order) || order.length < 1 || order.length > 4 || !order.every((d) => int(d, 0, order.length - 1)) || new Set(order).size !== order.length) return undefined;
      return { op: 'permute', order: order };
    }
    case 'save':
    case 'load':
      return str(v.slot, 256) ? { op: v.op, slot: v.slot } : undefined;
    case 'add':
      if (!str(v.slot, 256) || (v.residual !== undefined && v.residual !== 'current' && v.residual !== 'saved')) return undefined;
      return { op: 'add', slot: v.slot, ...(v.residual !== undefined ? { residual: v.residual } : {}) };
    case 'cat':
      if (!Array.isArray(v.slots) || v.slots.length < 1 || v.slots.length > 64 || !v.slots.every((x) => str(x, 256))) return undefined;
      return { op: 'cat', slots: v.slots };
    default:
      return undefined;
  }
}

export function parseNetworkSpec(v: unknown): NetworkSpec | undefined {
  if (!isObj(v) || !str(v.model, 256) || !Array.isArray(v.inputShape) || !Array.isArray(v.layers) || !Array.isArray(v.assumptions)) return undefined;
  if (v.inputShape.length < 1 || v.inputShape.length > 3 || !v.inputShape.every((d) => int(d, 1, MAX_SIZE))) return undefined;
  if (v.layers.length > MAX_LAYERS || v.assumptions.length > MAX_LAYERS || !v.assumptions.every((a) => str(a))) return undefined;
  const layers: LayerSpec[] = [];
  for (const l of v.layers) {
    if (!isObj(l) || !str(l.name, 512) || !str(l.kind, 256)) return undefined;
    const layer = parseLayerOp(l.layer);
    if (!layer) return undefined;
    layers.push({ name: l.name, kind: l.kind, layer });
  }
  return { model: v.model, inputShape: v.inputShape, layers, assumptions: v.assumptions };
}

export function parseOptions(v: unknown): SimulationOptions | undefined {
  if (!isObj(v)) return undefined;
  if (!int(v.batchSize, 1, 1024) || !int(v.steps, 1, 200) || !int(v.seed, 0, 2 ** 31 - 1) || !int(v.bins, 2, 200)) return undefined;
  if (!num(v.inputMean) || !num(v.inputScale) || v.inputScale <= 0) return undefined;
  if (!oneOf(v.distribution, DISTRIBUTIONS) || !oneOf(v.normSwap, NORM_SWAPS) || !oneOf(v.init, INIT_SCHEMES)) return undefined;
  return {
    batchSize: v.batchSize,
    steps: v.steps,
    seed: v.seed,
    bins: v.bins,
    inputMean: v.inputMean,
    inputScale: v.inputScale,
    distribution: v.distribution,
    normSwap: v.normSwap,
    init: v.init,
  };
}

export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'showModel': {
      if (!str(v.fileName) || !Array.isArray(v.models) || v.models.length > MAX_LAYERS || !v.models.every((m) => str(m, 256))) return undefined;
      const spec = parseNetworkSpec(v.spec);
      if (!spec || (v.inputSize !== undefined && !int(v.inputSize, LIMITS.inputSize.min, LIMITS.inputSize.max))) return undefined;
      return { type: 'showModel', fileName: v.fileName, models: v.models, spec, ...(v.inputSize !== undefined ? { inputSize: v.inputSize } : {}) };
    }
    case 'noModel':
      return str(v.fileName) && str(v.reason) ? { type: 'noModel', fileName: v.fileName, reason: v.reason } : undefined;
    case 'notice':
      return str(v.message) ? { type: 'notice', message: v.message } : undefined;
    default:
      return undefined;
  }
}

export function parsePageMessage(v: unknown): PageMessage | undefined {
  if (!isObj(v)) return undefined;
  switch (v.type) {
    case 'ready':
      if (v.inputSize === undefined) return { type: 'ready' };
      return int(v.inputSize, LIMITS.inputSize.min, LIMITS.inputSize.max) ? { type: 'ready', inputSize: v.inputSize } : undefined;
    case 'inputSize':
      return v.size === null || int(v.size, LIMITS.inputSize.min, LIMITS.inputSize.max) ? { type: 'inputSize', size: v.size } : undefined;
    case 'rendered':
      if (!str(v.model, 256) || !oneOf(v.phase, PHASES) || !int(v.layers, 0, MAX_LAYERS) || !num(v.ms)) return undefined;
      if (!Array.isArray(v.inputShape) || v.inputShape.length < 1 || v.inputShape.length > 3 || !v.inputShape.every((d) => int(d, 1, MAX_SIZE))) return undefined;
      return { type: 'rendered', model: v.model, phase: v.phase, layers: v.layers, ms: v.ms, inputShape: v.inputShape };
    case 'selectModel':
      return str(v.model, 256) ? { type: 'selectModel', model: v.model } : undefined;
    case 'export': {
      if (!oneOf(v.format, ['png', 'csv'] as const) || !str(v.name, 200) || !str(v.data, MAX_EXPORT)) return undefined;
      if (!/^[A-Za-z0-9._-]+$/.test(v.name)) return undefined;
      if (v.format === 'png' && !v.data.startsWith('data:image/png;base64,')) return undefined;
      return { type: 'export', format: v.format, name: v.name, data: v.data };
    }
    case 'error':
      return str(v.message) ? { type: 'error', message: v.message } : undefined;
    default:
      return undefined;
  }
}

export function parseRunRequest(v: unknown): RunRequest | undefined {
  if (!isObj(v) || v.type !== 'run' || !int(v.runId, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  const spec = parseNetworkSpec(v.spec);
  const options = parseOptions(v.options);
  return spec && options ? { type: 'run', runId: v.runId, spec, options } : undefined;
}

/** Worker replies come from our own bundle; a light shape check guards against a broken worker. */
export function parseWorkerReply(v: unknown): WorkerReply | undefined {
  if (!isObj(v) || !int(v.runId, 0, Number.MAX_SAFE_INTEGER)) return undefined;
  if (v.type === 'failed' && str(v.message)) return { type: 'failed', runId: v.runId, message: v.message };
  if (v.type === 'phase' && oneOf(v.phase, PHASES) && num(v.ms) && typeof v.partial === 'boolean' && str(v.progress, 200) && isObj(v.result) && Array.isArray(v.result.layers)) {
    return { type: 'phase', runId: v.runId, phase: v.phase, partial: v.partial, progress: v.progress, ms: v.ms, result: v.result as unknown as SimulationResult };
  }
  return undefined;
}

/** A short, safe description of a dropped message for the log. */
export function describeMessage(v: unknown): string {
  if (isObj(v) && typeof v.type === 'string') return `message of type '${v.type.slice(0, 40)}'`;
  return `value of type ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`;
}
