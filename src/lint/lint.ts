import type { Tree } from 'web-tree-sitter';
import type { FileIR } from '../ir/file';
import { emptyFileIR, fileIRFromTree, type AnalysisOptions } from '../parsing/python/analyse';
import { initPythonParser, pythonParser, type PythonParser } from '../parsing/python/treeSitter';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import { runRules, type RuleFailure } from '../rules/runner';
import { parseSuppressions, type SourceComment } from '../rules/suppressions';
import type { Finding, Rule } from '../rules/types';
import { collectComments } from './comments';

export interface LintResult {
  readonly findings: readonly Finding[];
  readonly failures: readonly RuleFailure[];
}

/** Loads the parser (once). Every other function here needs it to have resolved. */
export async function initLinter(options: { wasmDir?: string } = {}): Promise<void> {
  await initPythonParser(options.wasmDir);
}

/** The IR of a parsed file (the same as `analysePythonFile` in src/parsing/python/analyse.ts, on a tree parsed once). */
function irFromTree(tree: Tree, ts: PythonParser, options: AnalysisOptions): FileIR {
  return fileIRFromTree(tree, ts, options);
}

/** Every suppression directive contains one of these words. */
const SUPPRESSION_WORD = /normscope|noqa/i;

const EMPTY_IR: FileIR = emptyFileIR();

/** Parses once and returns what the rules and the suppression filter need. */
export function analysePythonSource(text: string, options: AnalysisOptions = {}): { ir: FileIR; comments: SourceComment[] } {
  const ts = pythonParser();
  const tree = ts.parser.parse(text);
  if (!tree) return { ir: EMPTY_IR, comments: [] };
  try {
    // Without either word there is no directive to read: skip the comment query (a full tree walk).
    const comments = SUPPRESSION_WORD.test(text) ? collectComments(tree, ts, text) : [];
    return { ir: irFromTree(tree, ts, options), comments };
  } finally {
    tree.delete();
  }
}

export function analysePython(text: string, options: AnalysisOptions = {}): FileIR {
  return analysePythonSource(text, options).ir;
}

/**
 * Lints Python source text: runs the rules, then filters their findings by the file's
 * suppression comments and reports unused ones. Synchronous once `initLinter()` has resolved.
 */
export function lintPython(text: string, config: LintConfig = EMPTY_CONFIG, rules: readonly Rule[] = RULES, options: AnalysisOptions = {}): LintResult {
  const { ir, comments } = analysePythonSource(text, options);
  return runRules(rules, ir, text, config, parseSuppressions(comments, text, rules));
}
