/** One cell of a notebook, in notebook order (markdown and raw cells included, so indices match the editor's). */
export interface NotebookCell {
  readonly kind: 'code' | 'markdown' | 'raw';
  readonly source: string;
  /** The cell's language when it is known to differ from the notebook's (VS Code stores it in the cell metadata). */
  readonly language?: string;
}

/** The size of a notebook's code (UTF-16 units of its code cells): what size caps apply to. */
export function codeLength(cells: readonly NotebookCell[]): number {
  return cells.reduce((n, c) => n + (c.kind === 'code' ? c.source.length : 0), 0);
}

export interface Notebook {
  readonly cells: readonly NotebookCell[];
  /** The kernel's language (`metadata.kernelspec.language` or `metadata.language_info.name`), lower-cased. */
  readonly language: string | undefined;
}

export type NotebookRead = { readonly ok: true; readonly notebook: Notebook } | { readonly ok: false; readonly message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** nbformat keeps `source` as one string or as a list of lines (each with its own `\n`). */
function sourceText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  return undefined;
}

function lower(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value.toLowerCase() : undefined;
}

/**
 * Reads a Jupyter notebook (nbformat 4) from its JSON text. Malformed JSON or a document that
 * is not a notebook gives a message, never an exception.
 */
export function parseIpynb(text: string): NotebookRead {
  // (An empty file: a notebook being created, or one whose content was not fetched, such as a Git LFS object left out.)
  if (text.trim() === '') return { ok: false, message: 'not a valid notebook: the file is empty' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `not a valid notebook: malformed JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isObject(raw)) return { ok: false, message: 'not a valid notebook: the JSON is not an object' };
  if (typeof raw.nbformat === 'number' && raw.nbformat < 4) {
    return { ok: false, message: `notebook format ${raw.nbformat} is not supported (convert it with \`jupyter nbconvert --to notebook\`)` };
  }
  if (!Array.isArray(raw.cells)) return { ok: false, message: 'not a valid notebook: no "cells" list' };
  const cells: NotebookCell[] = [];
  for (const [i, cell] of raw.cells.entries()) {
    if (!isObject(cell)) return { ok: false, message: `not a valid notebook: cell ${i + 1} is not an object` };
    const source = sourceText(cell.source);
    if (source === undefined) return { ok: false, message: `not a valid notebook: cell ${i + 1} has no text "source"` };
    const kind = cell.cell_type === 'code' ? 'code' : cell.cell_type === 'markdown' ? 'markdown' : 'raw';
    const vscodeMeta = isObject(cell.metadata) && isObject(cell.metadata.vscode) ? cell.metadata.vscode : undefined;
    const language = lower(vscodeMeta?.languageId);
    cells.push({ kind, source, ...(language ? { language } : {}) });
  }
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const kernel = isObject(metadata.kernelspec) ? lower(metadata.kernelspec.language) : undefined;
  const info = isObject(metadata.language_info) ? lower(metadata.language_info.name) : undefined;
  return { ok: true, notebook: { cells, language: kernel ?? info } };
}
