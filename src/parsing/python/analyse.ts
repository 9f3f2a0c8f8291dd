import { parseSyntaxTree, type SyntaxTree as Tree } from './syntaxTree';
import type { FileIR } from '../../ir/file';
import { EMPTY_MODEL, modelFromTree } from './parsePython';
import { EMPTY_TRAINING } from '../../ir/training';
import { Resolver } from './resolver';
import { trainingFromTree, type ExternalClassLookup } from './training';
import { resolverValues } from './training/values';
import type { ConfigBaseLookup } from './training/mmConfig';
import type { ImportedFunctionLookup } from './training/importedFunctions';

/**
 * Builds the FileIR of a parsed (copied) tree: one resolver shared by every slice of the IR.
 * Each slice (model, training) is a plain function of (tree, resolver).
 */
export function fileIRFromTree(tree: Tree, options: AnalysisOptions = {}): FileIR {
  const resolver = new Resolver(tree);
  return {
    model: modelFromTree(tree, resolver),
    training: trainingFromTree(tree, { resolver: resolverValues(resolver), imports: resolver.imports, ...(options.external ? { external: options.external } : {}), ...(options.importedFunctions ? { importedFunctions: options.importedFunctions } : {}), ...(options.configBases ? { configBases: options.configBases } : {}) }),
  };
}

/** What the analysis of one file may know from outside it. */
export interface AnalysisOptions {
  /** Facts of model classes imported from other workspace files (see src/parsing/workspace). */
  readonly external?: ExternalClassLookup;
  /** What functions imported from other workspace files do to the models passed to them (see src/parsing/workspace). */
  readonly importedFunctions?: ImportedFunctionLookup;
  /** The `_base_` files of an OpenMMLab config file (see src/parsing/workspace). */
  readonly configBases?: ConfigBaseLookup;
}

/** The IR of a file that could not be parsed at all. */
export function emptyFileIR(): FileIR {
  return { model: EMPTY_MODEL, training: EMPTY_TRAINING };
}

/** The IR of Python source text. Synchronous once `initPythonParser()` has resolved; never throws on bad input. */
export function analysePythonFile(text: string): FileIR {
  const tree = parseSyntaxTree(text);
  return tree ? fileIRFromTree(tree) : emptyFileIR();
}
