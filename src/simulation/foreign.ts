/**
 * Keras and Flax layers as the simulator's layer ops. Both frameworks are channels-last; the
 * simulator runs channels-first, which gives the same per-channel statistics (BatchNorm,
 * GroupNorm and convolutions see the same numbers). Their BatchNorm momentum is the weight of
 * the old running average: PyTorch's is 1 − that. Names and defaults follow the frameworks'
 * signatures as the model IR records them (`units`, `filters`, `features`, `epsilon`, ...).
 */

import { paramValue, type Framework, type Layer, type LayerCall, type Value } from '../ir/model';
import { DEFAULT_ALPHA } from './activations';
import { SimulationError } from './shapes';
import type { ActivationFn, LayerOp } from './spec';

/** What the builder provides to the mapping (the activation shape, assumptions, pushing ops). */
export interface ForeignHost {
  readonly shape: readonly number[] | undefined;
  /** Side of a square image input, and length of a sequence, when the code does not say them. */
  readonly imageSize: number;
  readonly length: number;
  /** Starts the activation; `declared`: the code states the input's size. */
  start(shape: number[], what: string, declared?: boolean): void;
  assume(text: string): void;
  push(name: string, kind: string, op: LayerOp): void;
  intArg(call: LayerCall | undefined, param: string, fallback: number, where: string): number;
}

/** Activation names of Keras (`activation="relu"`, `Activation("gelu")`) and Flax (`nn.relu`). */
export const FOREIGN_ACTIVATIONS: Readonly<Record<string, ActivationFn>> = {
  relu: 'relu',
  relu6: 'relu6',
  gelu: 'gelu',
  swish: 'silu',
  silu: 'silu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  elu: 'elu',
  selu: 'selu',
  leaky_relu: 'leaky_relu',
  hard_sigmoid: 'hardsigmoid',
  hard_swish: 'hardswish',
  hard_silu: 'hardswish',
};

/** Activations that do not change normalization statistics in a way the charts show. */
const IDENTITY_ACTIVATIONS = new Set(['linear', 'softmax', 'log_softmax']);

const DEFAULT_FEATURES = 64;
const DEFAULT_CHANNELS = 32;

function num(v: Value | undefined): number | undefined {
  return v?.kind === 'number' ? v.value : undefined;
}

function bool(v: Value | undefined): boolean | undefined {
  return v?.kind === 'bool' ? v.value : undefined;
}

function str(v: Value | undefined): string | undefined {
  return v?.kind === 'string' ? v.value : undefined;
}

/** An int, or a tuple of equal ints (`(3, 3)`); `dims` gets the tuple's length. */
function square(v: Value | undefined): { n: number | undefined; dims: number | undefined; uneven: boolean } {
  if (v?.kind === 'number') return { n: v.value, dims: undefined, uneven: false };
  if (v?.kind === 'sequence' && v.items.length > 0 && v.items.every((i) => i.kind === 'number')) {
    const ns = v.items.map((i) => (i as { value: number }).value);
    return { n: Math.max(...ns), dims: ns.length, uneven: ns.some((x) => x !== ns[0]) };
  }
  return { n: undefined, dims: v?.kind === 'sequence' ? v.items.length : undefined, uneven: false };
}

/** `input_shape=(H, W, C)` / `(L, C)` / `(F,)` of a Keras layer, as a channels-first sample shape. */
function declaredInput(call: LayerCall | undefined): number[] | undefined {
  const v = call ? paramValue(call, 'input_shape') ?? paramValue(call, 'input_dim') : undefined;
  if (v?.kind === 'number' && v.value > 0) return [v.value];
  if (v?.kind !== 'sequence') return undefined;
  const dims = v.items.map((i) => (i.kind === 'number' && i.value > 0 ? i.value : undefined));
  if (dims.length === 0 || dims.some((d) => d === undefined)) return undefined;
  const d = dims as number[];
  return d.length === 1 ? d : [d[d.length - 1], ...d.slice(0, -1)];
}

export class ForeignLayers {
  constructor(private readonly host: ForeignHost) {}

  private where(name: string, kind: string): string {
    return `${name} (${kind})`;
  }

  private say(fw: Framework): void {
    if ((this.host.shape?.length ?? 0) < 2) return;
    this.host.assume(`${fw === 'keras' ? 'Keras' : 'Flax'}: channels-last tensors are simulated channels-first (the same per-channel statistics)`);
  }

  private startIfNeeded(call: LayerCall | undefined, fallback: number[], where: string): void {
    if (this.host.shape) return;
    const declared = declaredInput(call);
    this.host.start(declared ?? fallback, where, declared !== undefined);
  }

  /** `activation="relu"` on a Dense/Conv layer: an activation op after it. */
  private fused(call: LayerCall | undefined, name: string, where: string): void {
    const v = call ? paramValue(call, 'activation') : undefined;
    if (!v || v.kind === 'none') return;
    const text = str(v);
    if (text === undefined) {
      this.host.assume(`${where}: activation did not resolve; left out`);
      return;
    }
    this.activationByName(text, `${name}.activation`, text, where);
  }

  private activationByName(text: string, name: string, kind: string, where: string, alpha?: number): void {
    const key = text.toLowerCase();
    if (IDENTITY_ACTIVATIONS.has(key)) {
      if (key !== 'linear') this.host.assume(`${where}: ${text} left out (does not change normalization statistics)`);
      return;
    }
    const fn = FOREIGN_ACTIVATIONS[key];
    if (!fn) throw new SimulationError(`${where}: the ${text} activation is not simulated`);
    if (fn === 'gelu') this.host.assume(`${where}: GELU simulated exactly (erf); Flax's nn.gelu defaults to the tanh approximation, which differs by < 0.001`);
    this.host.push(name, kind, { op: 'activation', fn, ...(alpha !== undefined ? { alpha } : {}) });
  }

  /** A functional activation of a Flax `__call__` (`nn.relu(x)`); false when `target` is not one. */
  functional(target: string, name: string, where: string): boolean {
    const fn = FOREIGN_ACTIVATIONS[target];
    if (!fn) return false;
    if (DEFAULT_ALPHA[fn] !== undefined) this.host.assume(`${where}: ${fn === 'elu' ? 'alpha' : 'negative_slope'} taken as the default ${DEFAULT_ALPHA[fn]} (a functional call's arguments are not in the model IR)`);
    this.activationByName(target, name, `nn.${target}`, where);
    return true;
  }

  leaf(layer: Layer, name: string, fw: Framework): void {
    const call = layer.call;
    const kind = layer.kind;
    const where = this.where(name, kind);
    const p = (param: string): Value | undefined => (call ? paramValue(call, param) : undefined);
    switch (layer.family) {
      case 'linear': {
        if (kind !== 'Dense' && kind !== 'DenseGeneral') throw new SimulationError(`${where}: not supported by the simulator`);
        this.startIfNeeded(call, [DEFAULT_FEATURES], where);
        const shape = this.host.shape!;
        // A Dense on a (C, H, W) activation acts on the last axis in the framework (the channels, channels-last).
        if (shape.length > 1) throw new SimulationError(`${where}: a Dense layer on a ${shape.length + 1}-D tensor (per position) is not simulated; flatten first`);
        const inFeatures = shape[0];
        const outFeatures = this.host.intArg(call, fw === 'keras' ? 'units' : 'features', inFeatures, where);
        this.host.push(name, kind, { op: 'linear', inFeatures, outFeatures, bias: bool(p('use_bias')) ?? true });
        this.fused(call, name, where);
        return;
      }
      case 'conv': {
        const k = square(p('kernel_size'));
        const oneD = kind === 'Conv1D' || (kind === 'Conv' && k.dims === 1);
        const depthwise = kind === 'DepthwiseConv2D';
        if (!(kind === 'Conv2D' || kind === 'Conv1D' || kind === 'Conv' || depthwise) || (kind === 'Conv' && k.dims !== undefined && k.dims > 2)) {
          throw new SimulationError(`${where}: only 1-D and 2-D convolutions are simulated so far`);
        }
        // The framework infers input channels from the data: RGB images unless `input_shape` says otherwise.
        const first = !this.host.shape;
        this.startIfNeeded(call, oneD ? [DEFAULT_CHANNELS, this.host.length] : [3, this.host.imageSize, this.host.imageSize], where);
        const shape = this.host.shape!;
        const inChannels = shape[0];
        // Unresolved output channels: as many as come in (a block's width), or a stated default on the input layer.
        const outChannels = depthwise
          ? inChannels * (num(p('depth_multiplier')) ?? 1)
          : this.host.intArg(call, fw === 'keras' ? 'filters' : 'features', first ? DEFAULT_CHANNELS : inChannels, where);
        let kernel = k.n;
        if (kernel === undefined) {
          kernel = 3;
          this.host.assume(`${where}: kernel_size did not resolve; assumed 3`);
        }
        if (k.uneven) this.host.assume(`${where}: a non-square kernel is simulated as ${kernel}×${kernel}`);
        const s = square(p('strides'));
        const stride = s.n ?? 1;
        const padValue = p('padding');
        const padText = str(padValue)?.toLowerCase();
        let padding = 0;
        if (padText === 'same') padding = Math.floor((kernel - 1) / 2);
        else if (padValue?.kind === 'number') padding = padValue.value;
        else if (padText !== 'valid' && padValue !== undefined) this.host.assume(`${where}: padding did not resolve; assumed 'valid'`);
        const groups = depthwise ? inChannels : (num(p(fw === 'keras' ? 'groups' : 'feature_group_count')) ?? 1);
        this.host.push(name, kind, { op: oneD ? 'conv1d' : 'conv2d', inChannels, outChannels, kernel, stride, padding, groups, bias: bool(p('use_bias')) ?? true });
        this.say(fw);
        this.fused(call, name, where);
        return;
      }
      case 'norm':
        this.norm(layer, name, where, fw);
        return;
      case 'activation': {
        if (kind === 'Activation') {
          const text = str(call?.args.find((a) => a.position === 0 || a.name === 'activation')?.value);
          if (text === undefined) throw new SimulationError(`${where}: the activation's name did not resolve`);
          this.activationByName(text, name, kind, where);
          return;
        }
        if (kind === 'ReLU') {
          const max = num(p('max_value'));
          const slope = num(p('negative_slope'));
          if (max !== undefined && max !== 6) throw new SimulationError(`${where}: ReLU(max_value=${max}) is not simulated (only 6)`);
          if (slope) this.host.push(name, kind, { op: 'activation', fn: 'leaky_relu', alpha: slope });
          else this.host.push(name, kind, { op: 'activation', fn: max === 6 ? 'relu6' : 'relu' });
          return;
        }
        if (kind === 'LeakyReLU') {
          // Keras's default slope is 0.3 (PyTorch's 0.01).
          const slope = num(p('negative_slope')) ?? num(p('alpha')) ?? 0.3;
          this.host.push(name, kind, { op: 'activation', fn: 'leaky_relu', alpha: slope });
          return;
        }
        if (kind === 'ELU') {
          this.host.push(name, kind, { op: 'activation', fn: 'elu', alpha: num(p('alpha')) ?? 1 });
          return;
        }
        if (kind === 'Softmax') {
          this.host.assume(`${where}: left out (does not change normalization statistics)`);
          return;
        }
        throw new SimulationError(`${where}: this activation is not simulated`);
      }
      case 'dropout': {
        const rate = num(p('rate'));
        if (rate === undefined) this.host.assume(`${where}: rate did not resolve; assumed 0.5`);
        this.host.push(name, kind, { op: 'dropout', p: rate ?? 0.5 });
        return;
      }
      case 'pooling': {
        if (kind === 'GlobalAveragePooling2D' || kind === 'GlobalAveragePooling1D' || kind === 'GlobalAvgPool2D' || kind === 'GlobalAvgPool1D') {
          // Keras drops the pooled axes: (C,) comes out.
          this.host.push(name, kind, { op: 'pool', pool: 'adaptive_avg', kernel: 1, stride: 1, padding: 0 });
          this.host.push(`${name}.flatten`, 'Flatten', { op: 'flatten' });
          return;
        }
        const max = kind === 'MaxPooling2D' || kind === 'MaxPooling1D' || kind === 'MaxPool2D' || kind === 'MaxPool1D';
        const avg = kind === 'AveragePooling2D' || kind === 'AveragePooling1D' || kind === 'AvgPool2D' || kind === 'AvgPool1D';
        if (!max && !avg) throw new SimulationError(`${where}: pooling not supported by the simulator`);
        const size = square(p('pool_size')).n ?? 2;
        const stride = square(p('strides')).n ?? size;
        const padText = str(p('padding'))?.toLowerCase();
        this.host.push(name, kind, { op: 'pool', pool: max ? 'max' : 'avg', kernel: size, stride, padding: padText === 'same' ? Math.floor((size - 1) / 2) : 0 });
        return;
      }
      case 'shape':
        if (kind === 'Flatten') {
          this.host.push(name, kind, { op: 'flatten' });
          return;
        }
        if (kind === 'InputLayer' || kind === 'Input') return;
        throw new SimulationError(`${where}: not supported by the simulator`);
      default:
        throw new SimulationError(`${where}: ${layer.family} layers are not simulated`);
    }
  }

  private norm(layer: Layer, name: string, where: string, fw: Framework): void {
    const call = layer.call;
    const p = (param: string): Value | undefined => (call ? paramValue(call, param) : undefined);
    const type = layer.norm;
    const kind = layer.kind;
    if (type !== 'batch' && type !== 'layer' && type !== 'group' && type !== 'rms' && type !== 'instance') throw new SimulationError(`${where}: this normalization is not simulated`);
    this.startIfNeeded(call, [DEFAULT_FEATURES], where);
    const shape = this.host.shape!;
    const channels = shape[0];
    const eps = num(p('epsilon')) ?? (fw === 'keras' ? 1e-3 : type === 'batch' ? 1e-5 : 1e-6);
    const affine = fw === 'keras' ? (bool(p('center')) ?? true) && (bool(p('scale')) ?? true) : (bool(p('use_bias')) ?? true) && (bool(p('use_scale')) ?? true);
    const axis = num(p('axis'));
    if (axis !== undefined && axis !== -1) throw new SimulationError(`${where}: axis=${axis} is not simulated (only the channels axis, -1)`);
    switch (type) {
      case 'batch': {
        const momentum = num(p('momentum')) ?? 0.99;
        this.host.assume(`${fw === 'keras' ? 'Keras' : 'Flax'} BatchNorm momentum m keeps m of the running average: simulated as PyTorch's momentum 1 − m`);
        this.host.push(name, kind, { op: 'norm', norm: 'batch', features: channels, eps, momentum: 1 - momentum, affine, trackRunningStats: true });
        return;
      }
      case 'group': {
        const groups = this.host.intArg(call, fw === 'keras' ? 'groups' : 'num_groups', 32, where);
        this.host.push(name, kind, { op: 'norm', norm: 'group', features: channels, groups, eps, affine });
        return;
      }
      case 'instance':
        this.host.push(name, kind, { op: 'norm', norm: 'group', features: channels, groups: channels, eps, affine });
        return;
      case 'layer':
      case 'rms':
        // Over the last (channels) axis, per position: on a flat activation that is the features.
        if (shape.length > 1) throw new SimulationError(`${where}: ${kind} over the channels of each position of a ${shape.length}-D activation is not simulated (only flat features)`);
        this.host.push(name, kind, { op: 'norm', norm: type, features: shape[0], eps, affine });
        return;
    }
  }
}
