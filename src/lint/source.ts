import * as fs from 'fs';

/** Files above this size are skipped unless the caller sets its own cap. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

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
  if (size > maxBytes) {
    return { ok: false, message: `file is ${Math.round(size / 1024)} KiB, over the ${Math.round(maxBytes / 1024)} KiB size cap, skipped` };
  }
  try {
    return decodeSource(fs.readFileSync(file));
  } catch (error) {
    return { ok: false, message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
}
