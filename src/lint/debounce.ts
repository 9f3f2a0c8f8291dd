/** The longest a re-lint is put off, however slow the last lint of the document was. */
export const MAX_LINT_DELAY_MS = 5000;

/**
 * How long to wait after an edit before re-linting a document. Linting runs on the extension
 * host's thread, so a document whose last lint took `lastLintMs` waits at least twice that:
 * while the user types in a large file, the host then spends at most about a third of its time
 * linting instead of blocking on every pause.
 */
export function lintDelay(configuredMs: number, lastLintMs: number | undefined): number {
  const adaptive = lastLintMs === undefined ? 0 : Math.min(MAX_LINT_DELAY_MS, 2 * lastLintMs);
  return Math.max(configuredMs, adaptive);
}
