/**
 * The one place where layer specs become the engine's layers (src/engine): the simulator never
 * computes a forward or backward itself. Initialisation schemes other than PyTorch's default
 * are applied to the weight the engine created.
 */

import { initWeight } from '../engine/init';
import type { Layer } from '../engine/layer';
import { Activation, Conv2d, Dropout, GlobalAvgPool, Linear, Pool2d, type ActivationKind } from '../engine/layers';
import { BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm } from '../engine/norms';
import type { Rng } from '../engine/rng';
import { inverseOrder, permute, reshape, type FloatArray, type Tensor } from '../engine/tensor';
import { ExtraActivationLayer, isExtraActivation } from './activations';
import type { InitScheme } from './options';
import { SimulationError } from './shapes';
import type { ActivationFn, LayerOp, NormOp } from './spec';

/** Runs `inner` on a view with a trailing unit dimension: InstanceNorm on a flat (N, C) activation. */
class TrailingUnitDim implements Layer {
  readonly kind: string;
  constructor(private readonly inner: Layer) {
    this.kind = inner.kind;
  }
  parameters(): ReturnType<Layer['parameters']> {
    return this.inner.parameters();
  }
  forward(x: Tensor, training: boolean, out?: FloatArray): Tensor {
    return reshape(this.inner.forward(reshape(x, [...x.shape, 1]), training, out), x.shape);
  }
  backward(gradY: Tensor, out?: FloatArray): Tensor {
    return reshape(this.inner.backward(reshape(gradY, [...gradY.shape, 1]), out), gradY.shape);
  }
}

/**
 * Runs a 2-D layer on a 1-D activation: `[N, C, L]` is seen as `[N, C, 1, L]` (Conv1d as a 1×k
 * Conv2d, MaxPool1d as a 1×k window): the same arithmetic, so the engine's kernels do the work.
 */
class AsOneD implements Layer {
  readonly kind: string;
  constructor(private readonly inner: Layer) {
    this.kind = inner.kind;
  }
  parameters(): ReturnType<Layer['parameters']> {
    return this.inner.parameters();
  }
  forward(x: Tensor, training: boolean): Tensor {
    const y = this.inner.forward(reshape(x, [x.shape[0], x.shape[1], 1, x.shape[2]]), training);
    return reshape(y, [y.shape[0], y.shape[1], y.shape[3]]);
  }
  backward(gradY: Tensor): Tensor {
    const dx = this.inner.backward(reshape(gradY, [gradY.shape[0], gradY.shape[1], 1, gradY.shape[2]]));
    return reshape(dx, [dx.shape[0], dx.shape[1], dx.shape[3]]);
  }
}

/**
 * A layer run in another axis order: the input is permuted by `into` (over per-sample axes),
 * `inner` runs, and its output is permuted back. A norm swapped in (a what-if) where the
 * activation's channels are not its first axis (between a ConvNeXt block's permutes) normalizes
 * the channels, as it would in the standard layout.
 */
export class Permuted implements Layer {
  readonly kind: string;
  private readonly into: number[];
  private readonly back: number[];
  constructor(
    private readonly inner: Layer,
    into: readonly number[],
  ) {
    this.kind = inner.kind;
    this.into = [0, ...into.map((d) => d + 1)];
    this.back = inverseOrder(this.into);
  }
  parameters(): ReturnType<Layer['parameters']> {
    return this.inner.parameters();
  }
  forward(x: Tensor, training: boolean): Tensor {
    return permute(this.inner.forward(permute(x, this.into), training), this.back);
  }
  backward(gradY: Tensor): Tensor {
    return permute(this.inner.backward(permute(gradY, this.into)), this.back);
  }
}

/**
 * A `FrozenBatchNorm2d`: its BatchNorm runs in evaluation mode in training passes too (its running
 * statistics stay as they are), and it has no parameters: torchvision's and detectron2's keep
 * weight and bias as buffers, which no optimizer updates.
 */
class Frozen implements Layer {
  readonly kind: string;
  constructor(private readonly inner: Layer) {
    this.kind = inner.kind;
  }
  parameters(): ReturnType<Layer['parameters']> {
    return [];
  }
  forward(x: Tensor, _training: boolean, out?: FloatArray): Tensor {
    return this.inner.forward(x, false, out);
  }
  backward(gradY: Tensor, out?: FloatArray): Tensor {
    return this.inner.backward(gradY, out);
  }
}

function buildNorm(op: NormOp, inShape: readonly number[]): Layer {
  const spatial = inShape.length - 1;
  const dims = (spatial >= 1 && spatial <= 3 ? spatial : 1) as 1 | 2 | 3;
  switch (op.norm) {
    case 'batch': {
      if (op.frozen) return new Frozen(new BatchNorm({ numFeatures: op.features, eps: op.eps, momentum: 0.1, affine: false, trackRunningStats: true, dims: spatial === 0 ? 1 : dims }));
      return new BatchNorm({ numFeatures: op.features, eps: op.eps, momentum: op.momentum === undefined ? 0.1 : op.momentum, affine: op.affine, trackRunningStats: op.trackRunningStats ?? true, dims: spatial === 0 ? 1 : dims });
    }
    case 'instance': {
      const layer = new InstanceNorm({ numFeatures: op.features, eps: op.eps, momentum: op.momentum === undefined ? 0.1 : op.momentum, affine: op.affine, trackRunningStats: op.trackRunningStats ?? false, dims: spatial === 0 ? 1 : dims });
      return spatial === 0 ? new TrailingUnitDim(layer) : layer;
    }
    case 'group':
      return new GroupNorm({ numGroups: op.groups ?? 32, numChannels: op.features, eps: op.eps, affine: op.affine });
    case 'layer':
      return new LayerNorm({ normalizedShape: op.normalizedShape ?? [op.features], eps: op.eps, elementwiseAffine: op.affine });
    case 'rms':
      return new RMSNorm({ normalizedShape: op.normalizedShape ?? [op.features], eps: op.eps, elementwiseAffine: op.affine });
  }
}

export interface LayerRngs {
  /** Weights (PyTorch's default init at construction). */
  readonly init: Rng;
  readonly dropout: Rng;
}

/** Activations the engine runs; the others (ReLU6, LeakyReLU, Sigmoid, ELU, ...) come from `activations.ts`. */
const ENGINE_ACTIVATIONS: Partial<Record<ActivationFn, ActivationKind>> = { relu: 'relu', gelu: 'gelu', silu: 'silu', tanh: 'tanh' };

/** Whether the simulator can run this activation (in the engine or in `activations.ts`). */
export function engineRunsActivation(fn: ActivationFn): boolean {
  return ENGINE_ACTIVATIONS[fn] !== undefined || isExtraActivation(fn);
}

export function buildLayer(op: LayerOp, inShape: readonly number[], rngs: LayerRngs): Layer {
  switch (op.op) {
    case 'norm':
      return buildNorm(op, inShape);
    case 'linear':
      return new Linear({ inFeatures: op.inFeatures, outFeatures: op.outFeatures, bias: op.bias, rng: rngs.init });
    case 'conv2d':
      return new Conv2d({ inChannels: op.inChannels, outChannels: op.outChannels, kernelSize: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups, bias: op.bias, rng: rngs.init, ...(op.paddingMode ? { paddingMode: op.paddingMode } : {}) });
    case 'conv1d':
      return new AsOneD(
        new Conv2d({ inChannels: op.inChannels, outChannels: op.outChannels, kernelSize: [1, op.kernel], stride: [1, op.stride], padding: [0, op.padding], groups: op.groups, bias: op.bias, rng: rngs.init, ...(op.paddingMode ? { paddingMode: op.paddingMode } : {}) }),
      );
    case 'activation': {
      const fn = ENGINE_ACTIVATIONS[op.fn];
      if (fn) return new Activation(fn);
      if (isExtraActivation(op.fn)) return new ExtraActivationLayer(op.fn, op.alpha);
      throw new SimulationError(`the ${op.fn} activation is not in the simulator yet`);
    }
    case 'dropout':
      return new Dropout(op.p, rngs.dropout);
    case 'pool': {
      const oneD = inShape.length === 2;
      const layer = op.pool === 'adaptive_avg' ? new GlobalAvgPool() : new Pool2d(op.pool, oneD ? { kernelSize: [1, op.kernel], stride: [1, op.stride], padding: [0, op.padding] } : { kernelSize: op.kernel, stride: op.stride, padding: op.padding });
      return oneD ? new AsOneD(layer) : layer;
    }
    case 'flatten':
    case 'permute':
    case 'save':
    case 'load':
    case 'cat':
    case 'add':
      throw new SimulationError(`internal: ${op.op} is handled by the network, not a layer`);
  }
}

/** Re-initialises a Linear/Conv weight with `scheme` (the default keeps PyTorch's init from construction). */
export function applyInit(layer: Layer, op: LayerOp, scheme: InitScheme, rng: Rng): void {
  if (scheme === 'default' || scheme === 'zero_gamma') return;
  if (op.op !== 'linear' && op.op !== 'conv2d' && op.op !== 'conv1d') return;
  const weight = layer.parameters().find((p) => p.name === 'weight');
  if (weight) initWeight(weight.value, scheme, rng);
}

/** Zero-γ: the norm's scale starts at 0, so its residual branch starts as the identity. */
export function zeroGamma(layer: Layer): void {
  const weight = layer.parameters().find((p) => p.name === 'weight');
  weight?.value.data.fill(0);
}
