import type { ForwardStep, HelperPass, ModelClass } from '../../ir/model';

/** A step of a forward pass, with the helper method it was reached through (undefined: `forward` itself). */
export interface PassStep {
  readonly step: ForwardStep;
  readonly via?: HelperPass;
}

/**
 * Every step one call of the model's forward pass (`forward` / `call` / `__call__`) can run: its own
 * steps, then those of the helper methods it calls (`self._block(x)`, `self.forward_features(x)`),
 * each walked at its call site.
 */
export function passSteps(cls: ModelClass): PassStep[] {
  const out: PassStep[] = (cls.forward?.steps ?? []).map((step) => ({ step }));
  for (const via of cls.helperPasses ?? []) for (const step of via.steps) out.push({ step, via });
  return out;
}
