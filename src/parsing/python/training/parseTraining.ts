import { EMPTY_TRAINING, type TrainingIR } from '../../../ir/training';
import { pythonParser } from '../treeSitter';
import { trainingFromTree, type TrainingOptions } from './index';

/** Parses Python source into the training IR. `initPythonParser()` must have resolved. */
export function parsePythonTraining(text: string, options: TrainingOptions = {}): TrainingIR {
  const ts = pythonParser();
  const tree = ts.parser.parse(text);
  if (!tree) return EMPTY_TRAINING;
  try {
    return trainingFromTree(tree, ts, options, text);
  } finally {
    tree.delete();
  }
}
