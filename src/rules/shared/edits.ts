import type { Argument, LayerCall } from '../../ir/model';
import type { Span } from '../../ir/span';
import type { TextEdit } from '../types';

/** True when the argument's value is a literal written at the call (not a constant or default from elsewhere). */
export function literalAtCall(arg: Argument): boolean {
  const p = arg.provenance;
  return p !== undefined && p.span.startOffset === arg.valueSpan.startOffset && p.span.endOffset === arg.valueSpan.endOffset;
}

/** The argument's value as written at the call when it is a literal there (`literalAtCall`), else the value resolved elsewhere. */
export function writtenText(arg: Argument, value: number, text: string): string {
  return literalAtCall(arg) ? text.slice(arg.valueSpan.startOffset, arg.valueSpan.endOffset) : String(value);
}

/** An edit that appends `name=value` to a call's argument list (before the closing parenthesis). */
export function appendKeyword(call: LayerCall, text: string, keyword: string): TextEdit | undefined {
  const span = call.argumentsSpan;
  if (text.slice(span.endOffset - 1, span.endOffset) !== ')') return undefined;
  const inner = text.slice(span.startOffset + 1, span.endOffset - 1);
  const trimmed = inner.trimEnd();
  const at = span.endOffset - 1 - (inner.length - trimmed.length);
  const prefix = trimmed.length === 0 ? '' : trimmed.endsWith(',') ? ' ' : ', ';
  const position = positionAt(text, at);
  const point: Span = { start: position, end: position, startOffset: at, endOffset: at };
  return { span: point, newText: `${prefix}${keyword}` };
}

function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}
