import { codeLength, parseIpynb } from '../parsing/notebook/ipynb';
import type { AnalysisOptions } from '../parsing/python/analyse';
import { RULES } from '../rules/catalogue';
import { EMPTY_CONFIG, type LintConfig } from '../rules/config';
import type { Rule } from '../rules/types';
import { parseSyntaxTree, type SyntaxTree } from '../parsing/python/syntaxTree';
import { lintPython, lintSyntaxTree, type LintResult } from './lint';
import { lintNotebook } from './notebook';
import { isNotebookFile } from './paths';
import { DEFAULT_MAX_BYTES } from './source';

export type FileLint = (LintResult & { readonly ok: true }) | { readonly ok: false; readonly message: string };

/** How `lintFileText` lints (every field optional). */
export interface FileLintOptions {
  readonly config?: LintConfig;
  readonly rules?: readonly Rule[];
  /** What the analysis may know from outside the file (the workspace's model classes). */
  readonly analysis?: AnalysisOptions;
  /** A cap on a notebook's code cells (its file, outputs included, may be larger: see `fileSizeCap`). */
  readonly maxCodeBytes?: number;
  /** Told the syntax tree of a Python file before it is analysed (the CLI's workspace index reads its imports from it). */
  readonly parsed?: (tree: SyntaxTree) => void;
}

/**
 * Lints the text of a file by its kind: a `.ipynb` notebook (its JSON; code cells linted as one
 * program, findings carrying their cell) or Python source.
 */
export function lintFileText(file: string, text: string, options: FileLintOptions = {}): FileLint {
  const { config = EMPTY_CONFIG, rules = RULES, analysis = {}, maxCodeBytes = DEFAULT_MAX_BYTES, parsed } = options;
  try {
    if (!isNotebookFile(file)) {
      const tree = parseSyntaxTree(text);
      if (!tree) return { ok: true, ...lintPython(text, config, rules, analysis) };
      parsed?.(tree);
      return { ok: true, ...lintSyntaxTree(tree, config, rules, analysis) };
    }
    const read = parseIpynb(text);
    if (!read.ok) return read;
    const code = codeLength(read.notebook.cells);
    if (code > maxCodeBytes) return { ok: false, message: `the code cells hold ${Math.round(code / 1024)} KiB, over the ${Math.round(maxCodeBytes / 1024)} KiB size cap, skipped` };
    return { ok: true, ...lintNotebook(read.notebook.cells, config, { rules, analysis, ...(read.notebook.language ? { language: read.notebook.language } : {}) }) };
  } catch (error) {
    // A bug of ours on unusual code: this file is reported as not linted, the others still are.
    return { ok: false, message: `internal error, file not linted (please report it): ${error instanceof Error ? error.message : String(error)}` };
  }
}
