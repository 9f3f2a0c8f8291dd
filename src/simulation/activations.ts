/**
 * Elementwise activations the engine (src/engine) does not have yet, with PyTorch's formulas and
 * defaults: ReLU6, LeakyReLU (negative_slope 0.01), Sigmoid, ELU (alpha 1), SELU, Hardswish and
 * Hardsigmoid. Forward and backward follow `torch.nn.functional` (the derivative at a kink is
 * PyTorch's choice: 0 where it has none). When the engine grows these, `engineLayers.ts` should
 * build the engine's instead and this file goes.
 */

import type { Layer, Parameter } from '../engine/layer';
import { allocateLike, type Tensor } from '../engine/tensor';
import type { ActivationFn } from './spec';

export type ExtraActivation = 'relu6' | 'leaky_relu' | 'sigmoid' | 'elu' | 'selu' | 'hardswish' | 'hardsigmoid';

export const EXTRA_ACTIVATIONS: readonly ExtraActivation[] = ['relu6', 'leaky_relu', 'sigmoid', 'elu', 'selu', 'hardswish', 'hardsigmoid'];

/** PyTorch's defaults for the parameter of the parametrised ones. */
export const DEFAULT_ALPHA: Partial<Record<ActivationFn, number>> = { leaky_relu: 0.01, elu: 1 };

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

export function isExtraActivation(fn: ActivationFn): fn is ExtraActivation {
  return (EXTRA_ACTIVATIONS as readonly string[]).includes(fn);
}

/** y = f(x) and dy/dx for one value. */
function fn(kind: ExtraActivation, alpha: number): { f: (x: number) => number; df: (x: number) => number } {
  switch (kind) {
    case 'relu6':
      return { f: (x) => (x <= 0 ? 0 : x >= 6 ? 6 : x), df: (x) => (x > 0 && x < 6 ? 1 : 0) };
    case 'leaky_relu':
      return { f: (x) => (x > 0 ? x : alpha * x), df: (x) => (x > 0 ? 1 : alpha) };
    case 'sigmoid':
      return {
        f: (x) => 1 / (1 + Math.exp(-x)),
        df: (x) => {
          const s = 1 / (1 + Math.exp(-x));
          return s * (1 - s);
        },
      };
    case 'elu':
      return { f: (x) => (x > 0 ? x : alpha * Math.expm1(x)), df: (x) => (x > 0 ? 1 : alpha * Math.exp(x)) };
    case 'selu':
      return { f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)) };
    case 'hardswish':
      // x · relu6(x + 3) / 6; PyTorch's gradient: 0 below −3, 1 above 3, x/3 + 1/2 between.
      return { f: (x) => (x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6), df: (x) => (x < -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5) };
    case 'hardsigmoid':
      return { f: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5), df: (x) => (x > -3 && x < 3 ? 1 / 6 : 0) };
  }
}

/** An elementwise activation as an engine `Layer` (same contract: forward caches x, backward uses it). */
export class ExtraActivationLayer implements Layer {
  readonly kind: string;
  private readonly f: (x: number) => number;
  private readonly df: (x: number) => number;
  private cache: Tensor | null = null;

  constructor(readonly fnName: ExtraActivation, readonly alpha: number = DEFAULT_ALPHA[fnName] ?? 0) {
    this.kind = fnName;
    ({ f: this.f, df: this.df } = fn(fnName, alpha));
  }

  parameters(): Parameter[] {
    return [];
  }

  forward(x: Tensor, _training: boolean): Tensor {
    const xd = x.data;
    const y = allocateLike(xd, xd.length);
    const f = this.f;
    for (let i = 0; i < xd.length; i++) y[i] = f(xd[i]);
    this.cache = x;
    return { shape: [...x.shape], data: y };
  }

  backward(gradY: Tensor): Tensor {
    const x = this.cache;
    if (!x) throw new Error(`${this.kind}: backward before forward`);
    if (gradY.data.length !== x.data.length) throw new Error(`${this.kind}: gradient of ${gradY.data.length} values for ${x.data.length} outputs`);
    const dx = allocateLike(x.data, x.data.length);
    const df = this.df;
    for (let i = 0; i < dx.length; i++) dx[i] = gradY.data[i] * df(x.data[i]);
    return { shape: [...x.shape], data: dx };
  }
}
