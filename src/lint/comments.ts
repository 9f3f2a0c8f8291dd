import type { SyntaxTree as Tree } from '../parsing/python/syntaxTree';
import { spanOf } from '../parsing/python/syntax';
import type { SourceComment } from '../rules/suppressions';

/** The comments of a parsed file, from tree-sitter's comment nodes (so never a `#` inside a string). */
export function collectComments(tree: Tree, text: string): SourceComment[] {
  const comments: SourceComment[] = [];
  for (const node of tree.rootNode.descendantsOfType('comment')) {
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
