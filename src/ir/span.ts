/**
 * Source positions. Lines and columns are 0-based; columns count UTF-16 code units
 * (what VS Code and JavaScript strings use); `end` is exclusive.
 */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface Span {
  readonly start: Position;
  readonly end: Position;
  /** UTF-16 offsets into the analysed text, `endOffset` exclusive. */
  readonly startOffset: number;
  readonly endOffset: number;
}

export function spanText(text: string, span: Span): string {
  return text.slice(span.startOffset, span.endOffset);
}

export function compareSpans(a: Span, b: Span): number {
  return a.startOffset - b.startOffset || a.endOffset - b.endOffset;
}
