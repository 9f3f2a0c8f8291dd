/**
 * Where each cell's source text sits inside the notebook's JSON, so that a position inside a
 * cell (0-based line and UTF-16 column of the decoded source) maps to a position in the .ipynb
 * file itself (for SARIF, whose consumers show the raw file). Works on text that JSON.parse
 * accepted; anything unexpected gives undefined, never a throw.
 */
export type CellLocator = (cell: number, line: number, column: number) => { line: number; column: number } | undefined;

interface RawString {
  /** Offset of the first character after the opening quote. */
  readonly start: number;
  /** Offset of the closing quote. */
  readonly end: number;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] ?? '')) this.pos++;
  }

  string(): RawString {
    if (this.text[this.pos] !== '"') throw new Error('string expected');
    const start = ++this.pos;
    while (this.pos < this.text.length && this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    const end = this.pos++;
    return { start, end };
  }

  /** Skips any value. */
  value(): void {
    this.ws();
    const ch = this.text[this.pos];
    if (ch === '"') this.string();
    else if (ch === '{') this.object(() => this.value());
    else if (ch === '[') this.array(() => this.value());
    else while (this.pos < this.text.length && !',]} \t\n\r'.includes(this.text[this.pos] ?? '')) this.pos++;
  }

  object(onValue: (key: string) => void): void {
    this.pos++; // {
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const k = this.string();
      const key = JSON.parse(this.text.slice(k.start - 1, k.end + 1)) as string;
      this.ws();
      this.pos++; // :
      this.ws();
      onValue(key);
      this.ws();
      if (this.text[this.pos++] !== ',') return; // }
    }
  }

  array(onItem: (index: number) => void): void {
    this.pos++; // [
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.ws();
      onItem(i);
      this.ws();
      if (this.text[this.pos++] !== ',') return; // ]
    }
  }
}

/** Raw offset in `text` of decoded UTF-16 index `index` of the JSON string at `s`. */
function rawOffset(text: string, s: RawString, index: number): number {
  let raw = s.start;
  let decoded = 0;
  while (decoded < index && raw < s.end) {
    if (text[raw] === '\\') raw += text[raw + 1] === 'u' ? 6 : 2;
    else raw++;
    decoded++;
  }
  return raw;
}

export function locateCells(text: string): CellLocator | undefined {
  const cells: RawString[][] = [];
  try {
    const sc = new Scanner(text);
    sc.ws();
    if (text[sc.pos] !== '{') return undefined;
    sc.object((key) => {
      if (key !== 'cells' || text[sc.pos] !== '[') return sc.value();
      sc.array(() => {
        const parts: RawString[] = [];
        cells.push(parts);
        if (text[sc.pos] !== '{') return sc.value();
        sc.object((k) => {
          if (k !== 'source') return sc.value();
          if (text[sc.pos] === '"') parts.push(sc.string());
          else if (text[sc.pos] === '[') sc.array(() => (text[sc.pos] === '"' ? parts.push(sc.string()) : sc.value()));
          else sc.value();
        });
      });
    });
  } catch {
    return undefined;
  }
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - (lineStarts[lo] ?? 0) };
  };
  return (cell, line, column) => {
    const parts = cells[cell];
    if (!parts) return undefined;
    let currentLine = 0;
    let consumed = 0; // characters of the target line held by earlier parts (a line split across list items)
    for (const [k, part] of parts.entries()) {
      const decoded = JSON.parse(text.slice(part.start - 1, part.end + 1)) as string;
      let lineStart = 0;
      for (;;) {
        const nl = decoded.indexOf('\n', lineStart);
        const lineEnd = nl < 0 ? decoded.length : nl;
        if (currentLine === line) {
          const col = column - consumed;
          if (nl < 0 && col >= lineEnd - lineStart && k < parts.length - 1) {
            consumed += lineEnd - lineStart;
            break;
          }
          return position(rawOffset(text, part, lineStart + Math.max(0, Math.min(col, lineEnd - lineStart))));
        }
        if (nl < 0) break;
        currentLine++;
        lineStart = nl + 1;
      }
    }
    return undefined;
  };
}
