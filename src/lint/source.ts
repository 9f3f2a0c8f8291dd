import * as fs from 'fs';
import { isNotebookFile } from './paths';

/** Files above this size are skipped unless the caller sets its own cap. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

/**
 * A notebook file also holds its outputs (plots as base64, tables): there the size cap applies
 * to the code cells (see `lintFileText`), and the file itself may be up to this large.
 */
export const NOTEBOOK_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** The largest file of this kind read under a cap of `maxBytes` on its code. */
export function fileSizeCap(file: string, maxBytes: number): number {
  return isNotebookFile(file) ? Math.max(maxBytes, NOTEBOOK_MAX_FILE_BYTES) : maxBytes;
}

export type SourceRead = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };

/**
 * Decodes file bytes as UTF-8 source text. Binary content (NUL bytes, invalid UTF-8) is refused
 * with a message rather than linted as garbage.
 */
export function decodeSource(bytes: Uint8Array): SourceRead {
  const probe = bytes.subarray(0, 8192);
  if (probe.includes(0)) return { ok: false, message: 'binary file (contains NUL bytes), skipped' };
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { ok: true, text };
  } catch {
    return { ok: false, message: 'not valid UTF-8 text, skipped' };
  }
}

export function readSourceFile(file: string, maxBytes = DEFAULT_MAX_BYTES): SourceRead {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return { ok: false, message: 'not a regular file' };
    size = stat.size;
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  const cap = fileSizeCap(file, maxBytes);
  if (size > cap) {
    return { ok: false, message: `file is ${Math.round(size / 1024)} KiB, over the ${Math.round(cap / 1024)} KiB size cap, skipped` };
  }
  try {
    return decodeSource(fs.readFileSync(file));
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}
