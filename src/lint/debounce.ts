/** The longest a re-lint is put off, however slow the last lint of the document was. */
export const MAX_LINT_DELAY_MS = 5000;

/**
 * How long to wait after an edit before re-linting a document. Linting runs in a worker thread
 * (it never blocks the editor), but a document whose last lint took `lastLintMs` still waits at
 * least twice that, so that typing in a large file does not queue up lints faster than the
 * worker finishes them.
 */
export function lintDelay(configuredMs: number, lastLintMs: number | undefined): number {
  const adaptive = lastLintMs === undefined ? 0 : Math.min(MAX_LINT_DELAY_MS, 2 * lastLintMs);
  return Math.max(configuredMs, adaptive);
}
