import { bnBatchOfOne } from './nrm101-bn-batch-of-one/rule';
import { bnTinyBatch } from './nrm102-bn-tiny-batch/rule';
import { gradAccumBn } from './nrm103-grad-accum-bn/rule';
import { dropLastBn } from './nrm104-drop-last-bn/rule';
import { missingSyncBn } from './nrm105-missing-sync-bn/rule';
import { missingEval } from './nrm201-missing-eval/rule';
import { noGradWithoutEval } from './nrm202-no-grad-without-eval/rule';
import { trainNotRestored } from './nrm203-train-not-restored/rule';
import { exportInTrainMode } from './nrm204-export-in-train-mode/rule';
import { frozenBnFinetune } from './nrm205-frozen-bn-finetune/rule';
import { kerasMomentumInTorch } from './nrm301-keras-momentum-in-torch/rule';
import { torchMomentumInKeras } from './nrm302-torch-momentum-in-keras/rule';
import { instancenormNoAffine } from './nrm303-instancenorm-no-affine/rule';
import { groupnormGroupsIndivisible } from './nrm401-groupnorm-groups-indivisible/rule';
import { bnFeaturesMismatch } from './nrm402-bn-features-mismatch/rule';
import { layernormShapeMismatch } from './nrm403-layernorm-shape-mismatch/rule';
import { mixedNormStrategies } from './nrm501-mixed-norm-strategies/rule';
import { convBiasBeforeBn } from './nrm502-conv-bias-before-bn/rule';
import { dropoutBeforeBn } from './nrm503-dropout-before-bn/rule';
import { doubleNorm } from './nrm504-double-norm/rule';
import { normModuleReused } from './nrm505-norm-module-reused/rule';
import { bnInRecurrent } from './nrm506-bn-in-recurrent/rule';
import { normWeightDecay } from './nrm601-norm-weight-decay/rule';
import { unusedSuppression } from './nrm901-unused-suppression/rule';
import type { Rule } from './types';

/** Every rule NormScope has, in code order. */
export const RULES: readonly Rule[] = [
  bnBatchOfOne,
  bnTinyBatch,
  gradAccumBn,
  dropLastBn,
  missingSyncBn,
  missingEval,
  noGradWithoutEval,
  trainNotRestored,
  exportInTrainMode,
  frozenBnFinetune,
  kerasMomentumInTorch,
  torchMomentumInKeras,
  instancenormNoAffine,
  groupnormGroupsIndivisible,
  bnFeaturesMismatch,
  layernormShapeMismatch,
  mixedNormStrategies,
  convBiasBeforeBn,
  dropoutBeforeBn,
  doubleNorm,
  normModuleReused,
  bnInRecurrent,
  normWeightDecay,
  unusedSuppression,
];

export function findRule(nameOrCode: string): Rule | undefined {
  return RULES.find((r) => r.meta.name === nameOrCode || r.meta.code === nameOrCode.toUpperCase());
}
