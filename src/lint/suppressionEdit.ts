import type { Span } from '../ir/span';
import { parseSyntaxTree } from '../parsing/python/syntaxTree';
import { RULES } from '../rules/catalogue';
import { parseSuppressions } from '../rules/suppressions';
import type { TextEdit } from '../rules/types';
import { collectComments } from './comments';

function point(text: string, lineStarts: readonly number[], line: number, column: number): Span {
  const offset = (lineStarts[line] ?? text.length) + column;
  return { start: { line, column }, end: { line, column }, startOffset: offset, endOffset: offset };
}

/**
 * The edit that suppresses `rule` on `line` (0-based) of Python `text`, the way a user would
 * write it: the rule added to the `# normscope: ignore[...]` already covering the line, else a
 * new one at the end of the line (after any comment there), or alone on the line above when the
 * line continues with a backslash.
 */
export function suppressionEdit(text: string, line: number, rule: string): TextEdit {
  const tree = parseSyntaxTree(text);
  const comments = tree ? collectComments(tree, text) : [];
  const existing = parseSuppressions(comments, text, RULES).filter((s) => s.kind === 'normscope' && s.coveredLine === line);
  // Prefer the one at the end of the line, then one above it.
  const target = existing.find((s) => !s.ownLine) ?? existing[0];
  if (target) {
    const d = target.directive;
    const written = text.slice(d.startOffset, d.endOffset);
    const close = written.lastIndexOf(']');
    if (close >= 0) {
      const at = d.startOffset + close;
      const span = { start: { line: d.start.line, column: d.start.column + close }, end: { line: d.start.line, column: d.start.column + close }, startOffset: at, endOffset: at };
      return { span, newText: target.entries.length > 0 ? `, ${rule}` : rule };
    }
    return { span: d, newText: `# normscope: ignore[${rule}]` };
  }
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const start = lineStarts[line] ?? text.length;
  const next = lineStarts[line + 1];
  let content = text.slice(start, next === undefined ? text.length : next - 1);
  if (content.endsWith('\r')) content = content.slice(0, -1);
  const trimmedEnd = content.replace(/[ \t]+$/, '');
  if (trimmedEnd.endsWith('\\')) {
    const indent = content.slice(0, content.length - content.trimStart().length);
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    return { span: point(text, lineStarts, line, 0), newText: `${indent}# normscope: ignore[${rule}]${eol}` };
  }
  return { span: point(text, lineStarts, line, trimmedEnd.length), newText: `  # normscope: ignore[${rule}]` };
}
