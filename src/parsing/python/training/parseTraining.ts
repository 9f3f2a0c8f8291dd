import { EMPTY_TRAINING, type TrainingIR } from '../../../ir/training';
import { parseSyntaxTree } from '../syntaxTree';
import { trainingFromTree, type TrainingOptions } from './index';

/** Parses Python source into the training IR. `initPythonParser()` must have resolved. */
export function parsePythonTraining(text: string, options: TrainingOptions = {}): TrainingIR {
  const tree = parseSyntaxTree(text);
  return tree ? trainingFromTree(tree, options) : EMPTY_TRAINING;
}
