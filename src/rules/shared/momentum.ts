import { argument, numberValue, type Argument, type LayerCall } from '../../ir/model';
import { TORCH_MOMENTUM_LAYERS } from '../../parsing/python/torchLayers';

// BatchNorm momentum conventions, shared by NRM301 (Keras momentum in PyTorch), NRM302 (PyTorch
// momentum in Keras) and NRM501 (which leaves a momentum passed where eps goes to NRM301).

/** `1 - value` written with no more decimals than `value` has (0.99 -> 0.01, not 0.010000000000000009). */
export function complementText(value: number, written: string): string {
  const decimals = written.includes('.') && !written.toLowerCase().includes('e') ? written.split('.')[1]?.replace(/_/g, '').length ?? 0 : 12;
  const fixed = (1 - value).toFixed(Math.min(Math.max(decimals, 1), 15));
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed.includes('.') ? trimmed : `${trimmed}.0`;
}

/**
 * The eps a PyTorch BatchNorm/InstanceNorm is given by position with a value no epsilon has (0.05
 * or more): a momentum written where eps goes (`nn.BatchNorm2d(128, 0.8)`: the second positional
 * parameter is eps). Undefined otherwise.
 */
export function epsTakesMomentum(call: LayerCall): { readonly arg: Argument; readonly value: number } | undefined {
  if (call.framework !== 'torch' || !TORCH_MOMENTUM_LAYERS.has(call.kind)) return undefined;
  const arg = argument(call, 'eps');
  const value = numberValue(arg?.value);
  return arg && arg.position !== undefined && value !== undefined && value >= 0.05 && value < 1 ? { arg, value } : undefined;
}
