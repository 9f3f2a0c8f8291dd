import type { FileIR } from '../ir/file';
import { parsePythonModel } from '../parsing/python/parsePython';
import { initPythonParser } from '../parsing/python/treeSitter';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import { runRules, type RuleFailure } from '../rules/runner';
import type { Finding, Rule } from '../rules/types';

export interface LintResult {
  readonly findings: readonly Finding[];
  readonly failures: readonly RuleFailure[];
}

/** Loads the parser (once). Every other function here needs it to have resolved. */
export async function initLinter(options: { wasmDir?: string } = {}): Promise<void> {
  await initPythonParser(options.wasmDir);
}

export function analysePython(text: string): FileIR {
  return { model: parsePythonModel(text) };
}

/** Lints Python source text. Synchronous once `initLinter()` has resolved. */
export function lintPython(text: string, config: LintConfig = EMPTY_CONFIG, rules: readonly Rule[] = RULES): LintResult {
  const ir = analysePython(text);
  return runRules(rules, ir, text, config);
}
