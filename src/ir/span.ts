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

/**
 * Of bindings in source order (each with the span of what it binds), the one in force at
 * `offset`: the last one made before it, else the first (a use read before the line that binds
 * the name, such as a function defined above it).
 */
export function boundAt<T extends { readonly span: Span }>(ordered: readonly T[], offset: number): T | undefined {
  let found: T | undefined;
  for (const b of ordered) {
    if (b.span.startOffset >= offset) return found ?? b;
    found = b;
  }
  return found;
}
