/**
 * A runnable network built from a NetworkSpec with the engine's layers: forward in training or
 * inference mode (observing every layer's output), backward for gradient norms. Residual
 * connections are `save`/`add` pairs over the forward order. Norm swaps and init schemes for
 * the what-if comparison are applied here, at build time.
 */

import type { Layer } from '../engine/layer';
import { add, inverseOrder, overlaps, permute, reshape, zeros, type FloatArray, type Tensor } from '../engine/tensor';

/** `[0, 1, ..., n - 1]`. */
function identityOrder(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
import type { Rng } from '../engine/rng';
import { applyInit, buildLayer, Permuted, zeroGamma } from './engineLayers';
import type { InitScheme, NormSwap } from './options';
import { needsFlatten, outputShape, SimulationError } from './shapes';
import { isRouting, type LayerSpec, type NetworkSpec, type NormOp } from './spec';

export interface Step {
  readonly spec: LayerSpec;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  /** null: identity (`save`, a removed norm) or handled by the network (`add`, `flatten`, `permute`). */
  readonly layer: Layer | null;
  /** Linear after a (C, H, W) activation: flatten first (the forward's `flatten`/`view`). */
  readonly flattenFirst: boolean;
  /** The norm this step runs, after any swap (undefined for non-norm layers and removed norms). */
  readonly norm?: NormOp;
}

export interface BuildOptions {
  readonly normSwap: NormSwap;
  readonly init: InitScheme;
  /** Weights are drawn from this generator. */
  readonly initRng: Rng;
  /** Dropout masks are drawn from this generator. */
  readonly dropoutRng: Rng;
}

/**
 * Groups for a GroupNorm swap: the largest divisor of `c` not above 32 (the usual choice); on a
 * flat activation (no spatial positions) also at least 8 channels per group, since a group of
 * one value normalizes to 0.
 */
export function defaultGroups(c: number, flat = false): number {
  const maxGroups = flat ? Math.max(1, Math.floor(c / 8)) : c;
  for (let g = Math.min(32, maxGroups); g > 1; g--) if (c % g === 0) return g;
  return 1;
}

/** The norm a swap puts in place of `op` on an activation of `shape`, or null for `none`. */
export function swapNorm(op: NormOp, swap: NormSwap, shape: readonly number[]): NormOp | null {
  if (swap === 'asIs') return op;
  if (swap === 'none') return null;
  const channels = shape[0];
  const last = shape[shape.length - 1];
  const base = { op: 'norm' as const, eps: 1e-5, affine: true };
  switch (swap) {
    case 'batch':
      return { ...base, norm: 'batch', features: channels, momentum: 0.1, trackRunningStats: true };
    case 'instance':
      return { ...base, norm: 'instance', features: channels, momentum: 0.1, affine: false, trackRunningStats: false };
    case 'group':
      return { ...base, norm: 'group', features: channels, groups: defaultGroups(channels, shape.length === 1) };
    case 'layer':
      return { ...base, norm: 'layer', features: last, normalizedShape: [...shape] };
    case 'rms':
      return { ...base, norm: 'rms', features: last, normalizedShape: [...shape], eps: 1e-6 };
  }
}

/**
 * Indices of the norms that end a residual branch: for each `add`, the last norm of its residual
 * operand (the current activation, or the saved one when `residual` is `saved`), looking back
 * from the end of that branch to where it started (its `save`, or the `load` of a side branch).
 */
export function branchEndNorms(layers: readonly LayerSpec[]): Set<number> {
  const ends = new Set<number>();
  const savedAt = new Map<string, number>();
  const lastNormBefore = (end: number, stop: number): number | undefined => {
    for (let j = end - 1; j > stop; j--) {
      const op = layers[j].layer.op;
      if (op === 'norm') return j;
      if (op === 'load' || op === 'cat') return undefined;
    }
    return undefined;
  };
  layers.forEach((l, i) => {
    const op = l.layer;
    if (op.op === 'save') savedAt.set(op.slot, i);
    if (op.op === 'add') {
      const from = savedAt.get(op.slot) ?? -1;
      const j = op.residual === 'saved' ? lastNormBefore(from, -1) : lastNormBefore(i, from);
      if (j !== undefined) ends.add(j);
    }
  });
  return ends;
}

/** Concatenates `[N, C_i, ...]` tensors along dimension 1. */
export function concatChannels(parts: readonly Tensor[]): Tensor {
  const batch = parts[0].shape[0];
  const inner = parts[0].shape.slice(2).reduce((a, b) => a * b, 1);
  const channels = parts.reduce((a, p) => a + p.shape[1], 0);
  const out = new Float32Array(batch * channels * inner);
  let offset = 0;
  for (let n = 0; n < batch; n++) {
    for (const p of parts) {
      const size = p.shape[1] * inner;
      out.set(p.data.subarray(n * size, (n + 1) * size), offset);
      offset += size;
    }
  }
  return { shape: [batch, channels, ...parts[0].shape.slice(2)], data: out };
}

/** The inverse of `concatChannels` for a gradient: one part per channel count. */
export function splitChannels(t: Tensor, channels: readonly number[]): Tensor[] {
  const batch = t.shape[0];
  const inner = t.shape.slice(2).reduce((a, b) => a * b, 1);
  const total = t.shape[1];
  return channels.map((c, k) => {
    const start = channels.slice(0, k).reduce((a, b) => a + b, 0);
    const data = new Float32Array(batch * c * inner);
    for (let n = 0; n < batch; n++) data.set(t.data.subarray((n * total + start) * inner, (n * total + start + c) * inner), n * c * inner);
    return { shape: [batch, c, ...t.shape.slice(2)], data };
  });
}

function accumulate(pending: Map<string, Tensor>, slot: string, grad: Tensor): void {
  const had = pending.get(slot);
  pending.set(slot, had ? add(had, grad) : grad);
}

/** A free array of `like`'s kind and length from `free`, if any. */
function takeFree(free: Map<number, FloatArray[]>, like: FloatArray): FloatArray | undefined {
  const list = free.get(like.length);
  if (!list) return undefined;
  const k = list.findIndex((a) => a.constructor === like.constructor && !overlaps(a, like));
  return k < 0 ? undefined : list.splice(k, 1)[0];
}

function giveFree(free: Map<number, FloatArray[]>, array: FloatArray): void {
  const list = free.get(array.length);
  if (!list) free.set(array.length, [array]);
  else if (!list.includes(array)) list.push(array);
}

export class Network {
  readonly steps: Step[] = [];
  /** Per step, the output array of the last reusing forward (see `forward`'s `reuse`). */
  private readonly outputs: (FloatArray | undefined)[] = [];

  constructor(readonly spec: NetworkSpec, options: BuildOptions) {
    let shape: readonly number[] = spec.inputShape;
    const zeroGammaAt = options.init === 'zero_gamma' ? branchEndNorms(spec.layers) : new Set<number>();
    const slots = new Map<string, readonly number[]>();
    // The activation's axis order against the standard one (axis i holds standard axis layout[i]):
    // after a ConvNeXt block's `permute(0, 2, 3, 1)`, [1, 2, 0] (its channels last).
    let layout: readonly number[] = identityOrder(shape.length);
    const slotLayouts = new Map<string, readonly number[]>();
    spec.layers.forEach((layerSpec, index) => {
      try {
        const op = layerSpec.layer;
        if (op.op === 'save') {
          slots.set(op.slot, shape);
          slotLayouts.set(op.slot, layout);
        }
        shape = this.addStep(layerSpec, index, shape, options, zeroGammaAt, slots, layout);
        if (op.op === 'permute') layout = op.order.map((d) => layout[d]);
        else if (op.op === 'load') layout = slotLayouts.get(op.slot) ?? identityOrder(shape.length);
        if (layout.length !== shape.length) layout = identityOrder(shape.length);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Engine errors do not know the layer's name: add it (shape errors already carry it).
        throw message.startsWith(layerSpec.name) ? error : new SimulationError(`${layerSpec.name} (${layerSpec.kind}): ${message}`);
      }
    });
  }

  private addStep(layerSpec: LayerSpec, index: number, shape: readonly number[], options: BuildOptions, zeroGammaAt: ReadonlySet<number>, slots: ReadonlyMap<string, readonly number[]>, layout: readonly number[]): readonly number[] {
    {
      const op = layerSpec.layer;
      const flattenFirst = needsFlatten(op, shape);
      const inShape = flattenFirst ? [shape.reduce((a, b) => a * b, 1)] : shape;
      let layer: Layer | null = null;
      let norm: NormOp | undefined;
      let effective = layerSpec;
      if (op.op === 'norm') {
        // A norm swapped in where the axes are reordered runs in the standard order (its channels first).
        const reordered = !flattenFirst && options.normSwap !== 'asIs' && options.normSwap !== 'none' && layout.some((d, i) => d !== i);
        const toStandard = reordered ? inverseOrder(layout) : undefined;
        const normShape = toStandard ? toStandard.map((d) => inShape[d]) : inShape;
        const swapped = swapNorm(op, options.normSwap, normShape);
        if (swapped) {
          norm = swapped;
          effective = { ...layerSpec, layer: swapped };
          layer = buildLayer(swapped, normShape, { init: options.initRng, dropout: options.dropoutRng });
          if (zeroGammaAt.has(index)) zeroGamma(layer);
          if (toStandard) {
            outputShape(effective, normShape, slots);
            layer = new Permuted(layer, toStandard);
            effective = layerSpec;
          }
        }
      } else if (!isRouting(op) && op.op !== 'flatten' && op.op !== 'permute') {
        layer = buildLayer(op, inShape, { init: options.initRng, dropout: options.dropoutRng });
        applyInit(layer, op, options.init, options.initRng);
      }
      const outShape = outputShape(effective, inShape, slots);
      this.steps.push({ spec: layerSpec, inShape, outShape, layer, flattenFirst, ...(norm ? { norm } : {}) });
      return outShape;
    }
  }

  /**
   * Runs the network on `x` (`[batch, ...inputShape]`). `observe(i, input, output)` sees each
   * step's input and output (the input as the layer saw it, after any flatten).
   * `reuse`: each layer writes into the output array it produced in the previous reusing
   * forward (the layers' `out` argument), instead of allocating: the outputs of an earlier
   * reusing forward are overwritten, so only pass it when those are no longer needed (the
   * training steps before the last kept one). A forward without `reuse` allocates fresh arrays.
   */
  forward(x: Tensor, training: boolean, observe?: (index: number, input: Tensor, output: Tensor) => void, reuse = false): Tensor {
    const saved = new Map<string, Tensor>();
    let cur = x;
    const batch = x.shape[0];
    this.steps.forEach((step, i) => {
      if (step.flattenFirst) cur = reshape(cur, [batch, ...step.inShape]);
      const input = cur;
      const op = step.spec.layer;
      if (op.op === 'save') saved.set(op.slot, cur);
      else if (op.op === 'load') cur = saved.get(op.slot)!;
      else if (op.op === 'cat') cur = concatChannels(op.slots.map((s) => saved.get(s)!));
      else if (op.op === 'add') cur = add(cur, saved.get(op.slot)!);
      else if (op.op === 'flatten') cur = reshape(cur, [batch, ...step.outShape]);
      else if (op.op === 'permute') cur = permute(cur, [0, ...op.order.map((d) => d + 1)]);
      else if (step.layer) {
        const prev = reuse ? this.outputs[i] : undefined;
        const out = prev && prev.length === cur.data.length && prev.constructor === cur.data.constructor && !overlaps(prev, cur.data) ? prev : undefined;
        const inData = cur.data;
        cur = step.layer.forward(cur, training, out);
        if (reuse && cur.data !== inData) this.outputs[i] = cur.data;
      }
      observe?.(i, input, cur);
    });
    return cur;
  }

  /**
   * Backward from `gradOut` (dLoss/d output of the last forward). `observe(i, gradOfOutput)`
   * sees the gradient with respect to each step's output, last step first.
   * `reuse`: a gradient array no longer needed (consumed by its layer, not held for a residual
   * join, not `gradOut`) is handed to a later layer of the same size as its output buffer (the
   * layers' `out` argument): an observer must then read each gradient at once, not keep it.
   */
  backward(gradOut: Tensor, observe?: (index: number, gradOutput: Tensor) => void, reuse = false): Tensor {
    const free = reuse ? new Map<number, FloatArray[]>() : null;
    // Gradients waiting for the `save` of the activation they belong to (a slot read by several
    // ops collects all of their parts).
    const pending = new Map<string, Tensor>();
    let grad = gradOut;
    const batch = gradOut.shape[0];
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i];
      observe?.(i, grad);
      const op = step.spec.layer;
      if (op.op === 'add') {
        // y = x + saved: the gradient flows unchanged into both; the saved part joins at its `save`.
        accumulate(pending, op.slot, grad);
      } else if (op.op === 'save') {
        const shortcut = pending.get(op.slot);
        if (shortcut) {
          grad = add(grad, shortcut);
          pending.delete(op.slot);
        }
      } else if (op.op === 'load' || op.op === 'cat') {
        // The output came from saved activations; the activation it replaced gets no gradient here.
        if (op.op === 'load') accumulate(pending, op.slot, grad);
        else {
          const parts = splitChannels(grad, op.slots.map((s) => this.slotShape(i, s)[0]));
          op.slots.forEach((s, k) => accumulate(pending, s, parts[k]));
        }
        grad = zeros([batch, ...step.inShape]);
      } else if (op.op === 'flatten') {
        grad = reshape(grad, [batch, ...step.inShape]);
      } else if (op.op === 'permute') {
        grad = permute(grad, [0, ...inverseOrder(op.order).map((d) => d + 1)]);
      } else if (step.layer) {
        const prev = grad;
        const out = free ? takeFree(free, prev.data) : undefined;
        grad = step.layer.backward(prev, out);
        if (free) {
          if (out && grad.data !== out) giveFree(free, out);
          const held = overlaps(prev.data, gradOut.data) || overlaps(prev.data, grad.data) || [...pending.values()].some((t) => overlaps(t.data, prev.data));
          if (!held) giveFree(free, prev.data);
        }
      }
      if (step.flattenFirst) grad = reshape(grad, [batch, ...(i > 0 ? this.steps[i - 1].outShape : this.spec.inputShape)]);
    }
    return grad;
  }

  /** The per-sample shape remembered under `slot` as seen by step `index` (the latest `save` before it). */
  private slotShape(index: number, slot: string): readonly number[] {
    for (let j = index - 1; j >= 0; j--) {
      const op = this.steps[j].spec.layer;
      if (op.op === 'save' && op.slot === slot) return this.steps[j].outShape;
    }
    throw new SimulationError(`internal: branch '${slot}' was never saved`);
  }
}
