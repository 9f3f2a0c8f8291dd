import { kerasMomentumInTorch } from './nrm301-keras-momentum-in-torch/rule';
import { groupnormGroupsIndivisible } from './nrm401-groupnorm-groups-indivisible/rule';
import { unusedSuppression } from './nrm901-unused-suppression/rule';
import type { Rule } from './types';

/** Every rule NormScope has, in code order. */
export const RULES: readonly Rule[] = [kerasMomentumInTorch, groupnormGroupsIndivisible, unusedSuppression];

export function findRule(nameOrCode: string): Rule | undefined {
  return RULES.find((r) => r.meta.name === nameOrCode || r.meta.code === nameOrCode.toUpperCase());
}
