/** Per-sample shapes through a network spec (no batch dimension), with clear errors. */

import type { LayerOp, LayerSpec } from './spec';

export class SimulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

/** The input's spatial size (or length) is too small for a kernel or window of the network. */
export class InputTooSmallError extends SimulationError {}

function describe(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `true` when a Linear layer needs its (C, H, W) input flattened first (a `flatten`/`view` in forward). */
export function needsFlatten(op: LayerOp, shape: readonly number[]): boolean {
  return op.op === 'linear' && shape.length > 1 && shape[shape.length - 1] !== op.inFeatures && product(shape) === op.inFeatures;
}

/** Output length of a convolution or pooling window along one dimension. */
function windowOut(n: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((n + 2 * padding - kernel) / stride) + 1;
}

/**
 * Output shape of one layer for an input of `shape`, or a SimulationError naming the layer.
 * `slots`: the shapes remembered by `save` so far (needed by `load` and `cat`).
 */
export function outputShape(layer: LayerSpec, shape: readonly number[], slots?: ReadonlyMap<string, readonly number[]>): number[] {
  const op = layer.layer;
  const where = `${layer.name} (${layer.kind})`;
  const slot = (name: string): readonly number[] => {
    const s = slots?.get(name);
    if (!s) throw new SimulationError(`${where}: uses a branch '${name}' that was never saved`);
    return s;
  };
  switch (op.op) {
    case 'linear': {
      const last = shape[shape.length - 1];
      if (needsFlatten(op, shape)) return [op.outFeatures];
      if (last !== op.inFeatures) throw new SimulationError(`${where} expects ${op.inFeatures} input features but receives ${describe(shape)}`);
      return [...shape.slice(0, -1), op.outFeatures];
    }
    case 'conv2d': {
      if (shape.length !== 3) throw new SimulationError(`${where} needs a (C, H, W) input but receives ${describe(shape)}`);
      const [c, h, w] = shape;
      if (c !== op.inChannels) throw new SimulationError(`${where} expects ${op.inChannels} input channels but receives ${c}`);
      if (op.inChannels % op.groups !== 0 || op.outChannels % op.groups !== 0) throw new SimulationError(`${where}: channels are not divisible by groups=${op.groups}`);
      const oh = Math.floor((h + 2 * op.padding - op.kernel) / op.stride) + 1;
      const ow = Math.floor((w + 2 * op.padding - op.kernel) / op.stride) + 1;
      if (oh < 1 || ow < 1) throw new InputTooSmallError(`${where}: a ${h}×${w} input is smaller than the ${op.kernel}×${op.kernel} kernel`);
      return [op.outChannels, oh, ow];
    }
    case 'conv1d': {
      if (shape.length !== 2) throw new SimulationError(`${where} needs a (C, L) input but receives ${describe(shape)}`);
      const [c, l] = shape;
      if (c !== op.inChannels) throw new SimulationError(`${where} expects ${op.inChannels} input channels but receives ${c}`);
      if (op.inChannels % op.groups !== 0 || op.outChannels % op.groups !== 0) throw new SimulationError(`${where}: channels are not divisible by groups=${op.groups}`);
      const ol = windowOut(l, op.kernel, op.stride, op.padding);
      if (ol < 1) throw new InputTooSmallError(`${where}: an input of length ${l} is shorter than the kernel (${op.kernel})`);
      return [op.outChannels, ol];
    }
    case 'norm': {
      if (op.norm === 'layer' || op.norm === 'rms') {
        const ns = op.normalizedShape ?? [op.features];
        const tail = shape.slice(shape.length - ns.length);
        if (ns.length > shape.length || tail.some((d, i) => d !== ns[i])) {
          throw new SimulationError(`${where} normalizes trailing dimensions ${describe(ns)} but receives ${describe(shape)}`);
        }
      } else if (shape[0] !== op.features) {
        throw new SimulationError(`${where} expects ${op.features} channels but receives ${describe(shape)}`);
      }
      if (op.norm === 'group' && op.groups !== undefined && op.features % op.groups !== 0) {
        throw new SimulationError(`${where}: num_channels=${op.features} is not divisible by num_groups=${op.groups}`);
      }
      return [...shape];
    }
    case 'pool': {
      if (shape.length === 2) {
        // 1-D pooling over (C, L).
        if (op.pool === 'adaptive_avg') return [shape[0], 1];
        const ol = windowOut(shape[1], op.kernel, op.stride, op.padding);
        if (ol < 1) throw new InputTooSmallError(`${where}: an input of length ${shape[1]} is shorter than the window (${op.kernel})`);
        return [shape[0], ol];
      }
      if (shape.length !== 3) throw new SimulationError(`${where} needs a (C, H, W) or (C, L) input but receives ${describe(shape)}`);
      if (op.pool === 'adaptive_avg') return [shape[0], 1, 1];
      const [c, h, w] = shape;
      const oh = Math.floor((h + 2 * op.padding - op.kernel) / op.stride) + 1;
      const ow = Math.floor((w + 2 * op.padding - op.kernel) / op.stride) + 1;
      if (oh < 1 || ow < 1) throw new InputTooSmallError(`${where}: a ${h}×${w} input is smaller than the ${op.kernel}×${op.kernel} window`);
      return [c, oh, ow];
    }
    case 'flatten':
      return [product(shape)];
    case 'permute': {
      const order = op.order;
      if (order.length !== shape.length || [...order].sort((a, b) => a - b).some((d, i) => d !== i)) {
        throw new SimulationError(`${where}: cannot reorder the axes of ${describe(shape)} as [${order.join(', ')}]`);
      }
      return order.map((d) => shape[d]);
    }
    case 'load':
      return [...slot(op.slot)];
    case 'cat': {
      if (op.slots.length === 0) throw new SimulationError(`${where}: nothing to concatenate`);
      const parts = op.slots.map(slot);
      const rest = parts[0].slice(1).join(',');
      if (parts.some((p) => p.length !== parts[0].length || p.slice(1).join(',') !== rest)) {
        throw new SimulationError(`${where}: cannot concatenate ${parts.map(describe).join(' and ')} along the channels`);
      }
      return [parts.reduce((a, p) => a + p[0], 0), ...parts[0].slice(1)];
    }
    case 'add': {
      const other = slot(op.slot);
      // A remembered activation without a shape: a forward's input read before any layer said what comes in.
      if (other.length === 0) throw new SimulationError(`${layer.name}: one operand of + is an activation whose shape the simulator does not know (a forward's input, read before any layer says its shape)`);
      if (other.join(',') !== shape.join(',')) throw new SimulationError(`${layer.name}: cannot add ${describe(other)} to ${describe(shape)} (the shortcut would need a projection)`);
      return [...shape];
    }
    case 'activation':
    case 'dropout':
    case 'save':
      return [...shape];
  }
}

/** Output shape of every layer; checks residual additions too. */
export function inferShapes(inputShape: readonly number[], layers: readonly LayerSpec[]): number[][] {
  const saved = new Map<string, number[]>();
  const shapes: number[][] = [];
  let shape = [...inputShape];
  for (const layer of layers) {
    const op = layer.layer;
    if (op.op === 'save') saved.set(op.slot, shape);
    shape = outputShape(layer, shape, saved);
    shapes.push(shape);
  }
  return shapes;
}
