import type { Tree } from 'web-tree-sitter';
import { spanOf } from '../parsing/python/syntax';
import type { PythonParser } from '../parsing/python/treeSitter';
import type { SourceComment } from '../rules/suppressions';

const COMMENT_QUERY = '(comment) @comment';

/** The comments of a parsed file, from tree-sitter's comment nodes (so never a `#` inside a string). */
export function collectComments(tree: Tree, ts: PythonParser, text: string): SourceComment[] {
  const comments: SourceComment[] = [];
  for (const { node } of ts.query(COMMENT_QUERY).captures(tree.rootNode)) {
    let span = spanOf(node);
    let body = node.text;
    if (body.endsWith('\r')) {
      body = body.slice(0, -1);
      span = { ...span, end: { line: span.end.line, column: span.end.column - 1 }, endOffset: span.endOffset - 1 };
    }
    let i = span.startOffset - 1;
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t' || text[i] === '\f')) i--;
    comments.push({ text: body, span, ownLine: i < 0 || text[i] === '\n' || text[i] === '\r' });
  }
  return comments;
}
