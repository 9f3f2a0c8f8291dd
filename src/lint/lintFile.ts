import { parseIpynb } from '../parsing/notebook/ipynb';
import type { AnalysisOptions } from '../parsing/python/analyse';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import type { Rule } from '../rules/types';
import { lintPython, type LintResult } from './lint';
import { lintNotebook } from './notebook';
import { isNotebookFile } from './paths';

export type FileLint = (LintResult & { readonly ok: true }) | { readonly ok: false; readonly message: string };

/**
 * Lints the text of a file by its kind: a `.ipynb` notebook (its JSON; code cells linted as one
 * program, findings carrying their cell) or Python source.
 */
export function lintFileText(file: string, text: string, config: LintConfig = EMPTY_CONFIG, rules: readonly Rule[] = RULES, analysis: AnalysisOptions = {}): FileLint {
  try {
    if (!isNotebookFile(file)) return { ok: true, ...lintPython(text, config, rules, analysis) };
    const read = parseIpynb(text);
    if (!read.ok) return read;
    return { ok: true, ...lintNotebook(read.notebook.cells, config, { rules, analysis, ...(read.notebook.language ? { language: read.notebook.language } : {}) }) };
  } catch (error) {
    // A bug of ours on unusual code: this file is reported as not linted, the others still are.
    return { ok: false, message: `internal error, file not linted (please report it): ${error instanceof Error ? error.message : String(error)}` };
  }
}
