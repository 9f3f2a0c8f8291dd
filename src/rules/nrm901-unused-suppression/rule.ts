import type { Span } from '../../ir/span';
import type { Rule, Suppression, SuppressionEntryState, TextEdit } from '../types';

/** A span on the comment's line, `from`/`to` being offsets into the file text. */
function onLine(s: Suppression, from: number, to: number): Span {
  const c = s.comment;
  return {
    start: { line: c.start.line, column: c.start.column + (from - c.startOffset) },
    end: { line: c.start.line, column: c.start.column + (to - c.startOffset) },
    startOffset: from,
    endOffset: to,
  };
}

/** The start of the line a directive covers (the comment's own line when it covers none), for messages. */
function coveredLineSpan(s: Suppression, text: string): Span {
  const target = s.coveredLine ?? s.comment.start.line;
  let line = s.comment.start.line;
  let offset = s.comment.startOffset - s.comment.start.column;
  while (line < target) {
    const next = text.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
    line++;
  }
  const at = { line: target, column: 0 };
  return { start: at, end: at, startOffset: offset, endOffset: offset };
}

/** Removes a comment that is alone on its line, with its line break. */
function removeLine(s: Suppression, text: string): TextEdit {
  const c = s.comment;
  const lineStart = c.startOffset - c.start.column;
  let end = c.endOffset;
  while (end < text.length && text[end] !== '\n') end++;
  if (end < text.length) {
    return { span: { start: { line: c.start.line, column: 0 }, end: { line: c.start.line + 1, column: 0 }, startOffset: lineStart, endOffset: end + 1 }, newText: '' };
  }
  if (c.start.line === 0 || lineStart === 0) return { span: onLine(s, lineStart, end), newText: '' };
  // Last line without a line break: remove the break before it instead.
  const breakAt = text[lineStart - 2] === '\r' ? lineStart - 2 : lineStart - 1;
  const prevStart = text.lastIndexOf('\n', breakAt - 1) + 1;
  return {
    span: { start: { line: c.start.line - 1, column: breakAt - prevStart }, end: { line: c.start.line, column: c.start.column + (end - c.startOffset) }, startOffset: breakAt, endOffset: end },
    newText: '',
  };
}

const isBlank = (ch: string | undefined) => ch === ' ' || ch === '\t';

/** The edit removing the whole directive (and the comment, when the directive is all of it). */
function removeDirective(s: Suppression, text: string): TextEdit {
  const { comment: c, directive: d } = s;
  const after = text.slice(d.endOffset, c.endOffset);
  const directiveFirst = d.startOffset === c.startOffset;
  if (directiveFirst && !after.trim().startsWith('#')) {
    // The comment is the directive (plus, perhaps, its explanation): remove all of it.
    if (s.ownLine) return removeLine(s, text);
    let from = c.startOffset;
    while (from > 0 && isBlank(text[from - 1])) from--;
    return { span: onLine(s, from, c.endOffset), newText: '' };
  }
  if (directiveFirst) {
    // `# noqa: NRM101  # type: ignore` -> `# type: ignore`
    let to = d.endOffset;
    while (to < c.endOffset && isBlank(text[to])) to++;
    return { span: onLine(s, d.startOffset, to), newText: '' };
  }
  // `# type: ignore  # noqa: NRM101` -> `# type: ignore`
  let from = d.startOffset;
  while (from > c.startOffset && isBlank(text[from - 1])) from--;
  return { span: onLine(s, from, d.endOffset), newText: '' };
}

/** The edit rewriting the directive's list without the entries that `drop` marks. */
function rewriteDirective(s: Suppression, text: string, drop: readonly boolean[]): TextEdit {
  const d = s.directive;
  const written = text.slice(d.startOffset, d.endOffset);
  // Every selector in order with its offset: the directive's own entries and, for noqa, the foreign codes.
  const dropped = new Set(s.entries.filter((_, i) => drop[i]).map((e) => e.span.startOffset));
  const tokens: { text: string; at: number }[] =
    s.kind === 'normscope'
      ? s.entries.map((e) => ({ text: e.selector, at: e.span.startOffset }))
      : [...written.slice(written.indexOf(':') + 1).matchAll(/[A-Za-z]+[0-9]+/g)].map((m) => ({ text: m[0], at: d.startOffset + written.indexOf(':') + 1 + m.index }));
  const kept = tokens.filter((t) => !dropped.has(t.at)).map((t) => t.text);
  const first = tokens[0]?.at ?? d.endOffset;
  const prefix = text.slice(d.startOffset, first);
  const suffix = s.kind === 'normscope' ? ']' : '';
  return { span: onLine(s, d.startOffset, d.endOffset), newText: `${prefix}${kept.join(', ')}${suffix}` };
}

function quoted(list: readonly string[]): string {
  return list.map((x) => `\`${x}\``).join(', ');
}

export const unusedSuppression: Rule = {
  phase: 'after-suppressions',
  meta: {
    code: 'NRM901',
    name: 'unused-suppression',
    defaultSeverity: 'warning',
    summary: 'A suppression comment (`# normscope: ignore[...]`, `# noqa: NRM...`) that no longer matches a finding, or names no rule.',
    messages: {
      unused: 'Unused suppression: {{rules}} reported nothing on {{line}}. Remove {{them}} from the comment.',
      noCodeLine: 'Unused suppression: this comment is followed by a blank line or the end of the file, so it covers no code line.',
      unknown: 'Suppression names {{selectors}}, but no NormScope rule has that name or code (names look like `bn-tiny-batch`, codes like `NRM102`).',
      unusedAndUnknown: 'Suppression names {{selectors}}, which no NormScope rule is called, and {{rules}}, which reported nothing on {{line}}.',
      noRules: '`# normscope: ignore` without a list of rules suppresses nothing: name them, e.g. `# normscope: ignore[bn-tiny-batch]`.',
    },
    fix: 'safe',
    docs: {
      whatItDoes:
        'Reports suppression comments that do not suppress anything: a `# normscope: ignore[...]` or `# noqa: NRM...` entry whose rule ran ' +
        'and found nothing on the line it covers, an entry naming no NormScope rule, a `# normscope: ignore` without a rule list, and an ' +
        'own-line suppression that is followed by a blank line instead of code. Entries for rules that did not run (disabled, not selected) ' +
        'are never reported, and other tools\' codes in a `# noqa` comment are left alone.',
      whyIsThisBad:
        'A suppression outlives the finding it was written for: once the code is fixed, or the rule becomes more precise, the comment ' +
        'silently hides the next, real finding on that line. Misspelt rule names suppress nothing while looking as if they did. ' +
        'Ruff (`RUF100`) and ESLint (`--report-unused-disable-directives`) report the same for the same reasons.',
      example:
        'import torch.nn as nn\n\nnorm = nn.GroupNorm(32, 256)  # normscope: ignore[groupnorm-groups-indivisible]\nbn = nn.BatchNorm2d(64)  # noqa: E501, NRM301',
      useInstead: 'import torch.nn as nn\n\nnorm = nn.GroupNorm(32, 256)\nbn = nn.BatchNorm2d(64)  # noqa: E501',
      fixSafety:
        'The fix is safe: it removes only entries that suppress nothing (the whole comment when nothing else is left in it, never leaving ' +
        'a bare `# noqa`, which other linters read as "suppress everything").',
      references: [
        { title: 'Ruff: unused-noqa (RUF100)', url: 'https://docs.astral.sh/ruff/rules/unused-noqa/' },
        { title: 'ESLint: reportUnusedDisableDirectives', url: 'https://eslint.org/docs/latest/use/configure/rules#report-unused-eslint-disable-comments' },
      ],
    },
  },
  check(context) {
    for (const { suppression: s, states } of context.suppressions) {
      if (s.kind === 'normscope' && s.entries.length === 0) {
        context.report({ messageId: 'noRules', span: s.directive, fix: { title: 'Remove the empty suppression', safe: true, edits: [removeDirective(s, context.text)] } });
        continue;
      }
      // Entries naming this rule are its own business (kept on purpose), like Ruff's RUF100.
      const isSelf = s.entries.map((e) => e.rule === 'unused-suppression');
      const drop = states.map((st: SuppressionEntryState, i) => !isSelf[i] && (st === 'unused' || st === 'unknown'));
      if (!drop.some(Boolean)) continue;
      const unknown = s.entries.filter((_, i) => drop[i] && states[i] === 'unknown').map((e) => e.selector);
      const unused = s.entries.filter((_, i) => drop[i] && states[i] === 'unused').map((e) => e.selector);
      const keepsSomething = drop.some((d) => !d) || s.foreignCodes.length > 0;
      const edit = keepsSomething ? rewriteDirective(s, context.text, drop) : removeDirective(s, context.text);
      const dropped = [...unknown, ...unused];
      const fix = { title: keepsSomething ? `Remove ${dropped.join(', ')} from the suppression` : 'Remove the unused suppression', safe: true, edits: [edit] };
      const line = context.where(coveredLineSpan(s, context.text));
      if (s.coveredLine === undefined && unknown.length === 0) {
        context.report({ messageId: 'noCodeLine', span: s.directive, fix });
      } else if (unknown.length > 0 && unused.length > 0) {
        context.report({ messageId: 'unusedAndUnknown', data: { selectors: quoted(unknown), rules: quoted(unused), line }, span: s.directive, fix });
      } else if (unknown.length > 0) {
        context.report({ messageId: 'unknown', data: { selectors: quoted(unknown) }, span: s.directive, fix });
      } else {
        context.report({ messageId: 'unused', data: { rules: quoted(unused), line, them: unused.length === 1 ? 'it' : 'them' }, span: s.directive, fix });
      }
    }
  },
};
