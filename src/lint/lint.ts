import { parseSyntaxTree, type SyntaxTree as Tree } from '../parsing/python/syntaxTree';
import type { FileIR } from '../ir/file';
import { lineWhere, type Where } from '../ir/values';
import { emptyFileIR, fileIRFromTree, type AnalysisOptions } from '../parsing/python/analyse';
import { initPythonParser } from '../parsing/python/treeSitter';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import { runRules, type RuleFailure } from '../rules/runner';
import { hasDirective, parseSuppressions, type SourceComment } from '../rules/suppressions';
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


const EMPTY_IR: FileIR = emptyFileIR();

/** Parses once and returns what the rules and the suppression filter need. */
export function analysePythonSource(text: string, options: AnalysisOptions = {}): { ir: FileIR; comments: SourceComment[] } {
  const tree = parseSyntaxTree(text);
  if (!tree) return { ir: EMPTY_IR, comments: [] };
  return analyseSyntaxTree(tree, options);
}

/** What `analysePythonSource` gives, for an already copied tree (see `PythonDocument`). */
export function analyseSyntaxTree(tree: Tree, options: AnalysisOptions = {}): { ir: FileIR; comments: SourceComment[] } {
  // Without a directive's start there is no directive to read: skip collecting comments.
  const comments = hasDirective(tree.text) ? collectComments(tree, tree.text) : [];
  return { ir: fileIRFromTree(tree, options), comments };
}

export function analysePython(text: string, options: AnalysisOptions = {}): FileIR {
  return analysePythonSource(text, options).ir;
}

/**
 * Lints Python source text: runs the rules, then filters their findings by the file's
 * suppression comments and reports unused ones. Synchronous once `initLinter()` has resolved.
 * `where` renders the places messages cite (`line 12`; a notebook's program names cells).
 */
export function lintPython(text: string, config: LintConfig = EMPTY_CONFIG, rules: readonly Rule[] = RULES, options: AnalysisOptions = {}, where: Where = lineWhere): LintResult {
  const { ir, comments } = analysePythonSource(text, options);
  return runRules(rules, ir, text, config, parseSuppressions(comments, text, rules), where);
}

/** `lintPython` on an already parsed and copied tree (an open document's, see `PythonDocument`). */
export function lintSyntaxTree(tree: Tree, config: LintConfig = EMPTY_CONFIG, rules: readonly Rule[] = RULES, options: AnalysisOptions = {}, where: Where = lineWhere): LintResult {
  const { ir, comments } = analyseSyntaxTree(tree, options);
  return runRules(rules, ir, tree.text, config, parseSuppressions(comments, tree.text, rules), where);
}
