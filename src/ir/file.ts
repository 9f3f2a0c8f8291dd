import type { ModelIR } from './model';

/** Everything the front end knows about one file; rules read only this, never syntax trees. */
export interface FileIR {
  readonly model: ModelIR;
}
