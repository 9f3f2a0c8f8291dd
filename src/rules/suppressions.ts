import type { Span } from '../ir/span';
import type { Finding, RuleMeta, Suppression, SuppressionEntry, SuppressionEntryState } from './types';

/** A comment of the source, as the parser found it (never a `#` inside a string). */
export interface SourceComment {
  /** From the `#` to the end of the line (without a trailing `\r`). */
  readonly text: string;
  readonly span: Span;
  /** True when only whitespace precedes the comment on its line. */
  readonly ownLine: boolean;
}

/** `# normscope: ignore[a, b]`; the list is optional so that a bare `ignore` can be reported. */
const NORMSCOPE = /#\s*normscope\s*:\s*ignore\b(?:\s*\[([^\]\n]*)\])?/gi;
/** `# noqa: A1, B2` (codes: letters then digits, separated by commas or spaces); bare `# noqa` names nothing. */
const NOQA = /#\s*noqa(?::\s*([A-Za-z]+[0-9]+(?:[,\s]+[A-Za-z]+[0-9]+)*))?/gi;
const CODE_TOKEN = /[A-Za-z]+[0-9]+/g;
/**
 * Where a directive may start (either kind, bare ones included): a text without a match has no
 * directive, so its comments need not be collected (the word alone, as in `# NormScope's tests`, is not one).
 */
export const DIRECTIVE_START = /#\s*(?:normscope\s*:\s*ignore\b|noqa)/i;

/** `DIRECTIVE_START` anchored where `lastIndex` says (see `hasDirective`). */
const DIRECTIVE_AT = new RegExp(DIRECTIVE_START.source, 'iy');

/**
 * Whether `DIRECTIVE_START` matches somewhere in `text`. Every match starts with a `#`, so the
 * pattern is tried at each `#` only: one scan of the text for a character, instead of the
 * pattern tried at every offset (a lint runs this at every keystroke, over the whole file).
 */
export function hasDirective(text: string): boolean {
  for (let at = text.indexOf('#'); at !== -1; at = text.indexOf('#', at + 1)) {
    DIRECTIVE_AT.lastIndex = at;
    if (DIRECTIVE_AT.test(text)) return true;
  }
  return false;
}

function sub(comment: SourceComment, from: number, to: number): Span {
  return {
    start: { line: comment.span.start.line, column: comment.span.start.column + from },
    end: { line: comment.span.start.line, column: comment.span.start.column + to },
    startOffset: comment.span.startOffset + from,
    endOffset: comment.span.startOffset + to,
  };
}

/**
 * The line each of `candidates` covers: its own line, or for an own-line comment the next code
 * line (other own-line comments of `comments` are skipped; a blank line ends the search). Reads
 * only the lines after each own-line candidate, not the whole text.
 */
function coveredLines(candidates: readonly SourceComment[], comments: readonly SourceComment[], text: string): Map<SourceComment, number | undefined> {
  const result = new Map<SourceComment, number | undefined>();
  let commentOnlyLines: Set<number> | undefined;
  for (const comment of candidates) {
    if (!comment.ownLine) {
      result.set(comment, comment.span.start.line);
      continue;
    }
    commentOnlyLines ??= new Set(comments.filter((c) => c.ownLine).map((c) => c.span.start.line));
    let covered: number | undefined;
    // Stacked comments (another directive, an explanation) are skipped; a blank line ends the search.
    let line = comment.span.start.line;
    let end = text.indexOf('\n', comment.span.startOffset);
    while (end >= 0) {
      const start = end + 1;
      line++;
      end = text.indexOf('\n', start);
      if (commentOnlyLines.has(line)) continue;
      if (text.slice(start, end < 0 ? text.length : end).trim() === '') break;
      covered = line;
      break;
    }
    result.set(comment, covered);
  }
  return result;
}

/**
 * Finds the suppression directives in `comments`. Selectors are resolved against `rules` by
 * exact name or code; a `noqa` directive's other tools' codes are kept apart and never reported.
 */
export function parseSuppressions(comments: readonly SourceComment[], text: string, rules: readonly { readonly meta: RuleMeta }[]): Suppression[] {
  const byName = new Map<string, string>();
  for (const { meta } of rules) {
    byName.set(meta.name, meta.name);
    byName.set(meta.code.toUpperCase(), meta.name);
  }
  const resolve = (selector: string): string | undefined => byName.get(selector) ?? byName.get(selector.toUpperCase());
  const candidates = comments.filter((c) => DIRECTIVE_START.test(c.text));
  if (candidates.length === 0) return [];
  const covered = coveredLines(candidates, comments, text);
  const out: Suppression[] = [];
  for (const comment of candidates) {
    const base = { comment: comment.span, ownLine: comment.ownLine, coveredLine: covered.get(comment) };
    for (const m of comment.text.matchAll(NORMSCOPE)) {
      const start = m.index;
      const entries: SuppressionEntry[] = [];
      const list = m[1];
      if (list !== undefined) {
        const listStart = start + m[0].indexOf('[') + 1;
        let cursor = 0;
        for (const part of list.split(',')) {
          const trimmed = part.trim();
          if (trimmed.length > 0) {
            const at = listStart + cursor + part.indexOf(trimmed);
            entries.push({ selector: trimmed, span: sub(comment, at, at + trimmed.length), rule: resolve(trimmed) });
          }
          cursor += part.length + 1;
        }
      }
      out.push({ ...base, kind: 'normscope', directive: sub(comment, start, start + m[0].length), entries, foreignCodes: [] });
    }
    for (const m of comment.text.matchAll(NOQA)) {
      const start = m.index;
      const codes = m[1];
      if (codes === undefined) continue; // a bare `# noqa` suppresses nothing here
      const codesStart = start + m[0].length - codes.length;
      const entries: SuppressionEntry[] = [];
      const foreignCodes: string[] = [];
      for (const t of codes.matchAll(CODE_TOKEN)) {
        const token = t[0];
        const at = codesStart + t.index;
        const rule = resolve(token);
        if (rule !== undefined || /^NRM/i.test(token)) entries.push({ selector: token, span: sub(comment, at, at + token.length), rule });
        else foreignCodes.push(token);
      }
      if (entries.length === 0) continue; // another tool's directive
      out.push({ ...base, kind: 'noqa', directive: sub(comment, start, start + m[0].length), entries, foreignCodes });
    }
  }
  return out;
}

export interface SuppressionOutcome {
  /** The findings no suppression covers. */
  readonly kept: Finding[];
  /** Per suppression, per entry: whether it covered a finding (`used`) or not (`unused`). */
  readonly used: ReadonlyMap<Suppression, readonly boolean[]>;
}

/** Drops the findings a suppression covers (same rule, finding starts on the covered line). */
export function applySuppressions(findings: readonly Finding[], suppressions: readonly Suppression[]): SuppressionOutcome {
  const used = new Map<Suppression, boolean[]>(suppressions.map((s) => [s, s.entries.map(() => false)]));
  if (suppressions.length === 0) return { kept: [...findings], used };
  const byLine = new Map<number, Suppression[]>();
  for (const s of suppressions) {
    if (s.coveredLine === undefined) continue;
    const list = byLine.get(s.coveredLine) ?? [];
    list.push(s);
    byLine.set(s.coveredLine, list);
  }
  const kept: Finding[] = [];
  for (const finding of findings) {
    let suppressed = false;
    for (const s of byLine.get(finding.span.start.line) ?? []) {
      s.entries.forEach((e, i) => {
        if (e.rule === finding.rule) {
          suppressed = true;
          const flags = used.get(s);
          if (flags) flags[i] = true;
        }
      });
    }
    if (!suppressed) kept.push(finding);
  }
  return { kept, used };
}

/** The state of each entry, given which rules ran to completion. */
export function entryStates(suppression: Suppression, used: readonly boolean[], ran: ReadonlySet<string>): SuppressionEntryState[] {
  return suppression.entries.map((e, i) => {
    if (used[i]) return 'used';
    if (e.rule === undefined) return 'unknown';
    return ran.has(e.rule) ? 'unused' : 'not-run';
  });
}
