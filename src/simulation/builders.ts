/**
 * Synthetic network specs: the bench's `mlp50x256`, the tests' fixtures, and a quick way to try
 * the simulator without a Python file. Names follow `nn.Sequential` numbering (`body.3`).
 */

import type { ActivationFn, LayerSpec, NetworkSpec, NormType } from './spec';

export interface MlpOptions {
  readonly depth: number;
  readonly width: number;
  readonly inFeatures?: number;
  /** A norm after each Linear (BatchNorm1d by default); `null` for none. */
  readonly norm?: NormType | null;
  readonly activation?: ActivationFn;
  readonly dropout?: number;
  /** Wrap each block in a residual connection (needs inFeatures === width). */
  readonly residual?: boolean;
}

const NORM_KIND: Record<NormType, string> = { batch: 'BatchNorm1d', layer: 'LayerNorm', group: 'GroupNorm', instance: 'InstanceNorm1d', rms: 'RMSNorm' };
const ACT_KIND: Record<ActivationFn, string> = { relu: 'ReLU', relu6: 'ReLU6', leaky_relu: 'LeakyReLU', gelu: 'GELU', silu: 'SiLU', tanh: 'Tanh', sigmoid: 'Sigmoid', elu: 'ELU', selu: 'SELU', hardswish: 'Hardswish', hardsigmoid: 'Hardsigmoid' };

/** `body = nn.Sequential(*[Linear, Norm, Act] * depth)`, as an MLP model would write it. */
export function mlpSpec(o: MlpOptions): NetworkSpec {
  const layers: LayerSpec[] = [];
  const norm = o.norm === undefined ? 'batch' : o.norm;
  const act = o.activation ?? 'relu';
  let index = 0;
  let features = o.inFeatures ?? o.width;
  for (let d = 0; d < o.depth; d++) {
    if (o.residual) layers.push({ name: `block${d}.shortcut`, kind: 'identity', layer: { op: 'save', slot: `b${d}` } });
    layers.push({ name: `body.${index++}`, kind: 'Linear', layer: { op: 'linear', inFeatures: features, outFeatures: o.width, bias: norm === null } });
    features = o.width;
    if (norm) {
      layers.push({
        name: `body.${index++}`,
        kind: NORM_KIND[norm],
        layer: { op: 'norm', norm, features: o.width, eps: 1e-5, affine: true, ...(norm === 'group' ? { groups: 32 } : {}), ...(norm === 'batch' ? { momentum: 0.1, trackRunningStats: true } : {}) },
      });
    }
    layers.push({ name: `body.${index++}`, kind: ACT_KIND[act], layer: { op: 'activation', fn: act } });
    if (o.dropout !== undefined && o.dropout > 0) layers.push({ name: `body.${index++}`, kind: 'Dropout', layer: { op: 'dropout', p: o.dropout } });
    if (o.residual) layers.push({ name: `block${d}.add`, kind: '+', layer: { op: 'add', slot: `b${d}` } });
  }
  return { model: `MLP${o.depth}x${o.width}`, inputShape: [o.inFeatures ?? o.width], layers, assumptions: [] };
}

/** A small convolutional network (conv-BN-ReLU blocks, a residual block, pooling, a classifier). */
export function convSpec(channels = 16, size = 16): NetworkSpec {
  const c = channels;
  const bn = (name: string): LayerSpec => ({ name, kind: 'BatchNorm2d', layer: { op: 'norm', norm: 'batch', features: c, eps: 1e-5, momentum: 0.1, affine: true, trackRunningStats: true } });
  const conv = (name: string, inC: number): LayerSpec => ({ name, kind: 'Conv2d', layer: { op: 'conv2d', inChannels: inC, outChannels: c, kernel: 3, stride: 1, padding: 1, groups: 1, bias: false } });
  const relu = (name: string): LayerSpec => ({ name, kind: 'ReLU', layer: { op: 'activation', fn: 'relu' } });
  return {
    model: 'SmallConvNet',
    inputShape: [3, size, size],
    assumptions: [],
    layers: [
      conv('stem.0', 3),
      bn('stem.1'),
      relu('stem.2'),
      { name: 'block.identity', kind: 'identity', layer: { op: 'save', slot: 'block' } },
      conv('block.conv1', c),
      bn('block.bn1'),
      relu('block.relu'),
      conv('block.conv2', c),
      bn('block.bn2'),
      { name: 'block.add', kind: '+', layer: { op: 'add', slot: 'block' } },
      relu('block.relu'),
      { name: 'pool', kind: 'AdaptiveAvgPool2d', layer: { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 } },
      { name: 'flatten', kind: 'Flatten', layer: { op: 'flatten' } },
      { name: 'fc', kind: 'Linear', layer: { op: 'linear', inFeatures: c, outFeatures: 10, bias: true } },
    ],
  };
}
