import type { ModelIR } from './model';
import type { TrainingIR } from './training';

/** Everything the front end knows about one file; rules read only this, never syntax trees. */
export interface FileIR {
  readonly model: ModelIR;
  readonly training: TrainingIR;
}
