/**
 * Chart colours from VS Code's theme variables (`--vscode-charts-*`, `--vscode-foreground`, ...),
 * read at render time so light, dark and high-contrast themes all work; the standalone report
 * defines the same variables in its stylesheet.
 */

export interface Palette {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly background: string;
  readonly series: readonly string[];
  /** High-contrast themes: thicker lines, no translucent fills. */
  readonly highContrast: boolean;
  readonly font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v.length > 0 ? v : fallback;
}

export function readPalette(doc: Document = document): Palette {
  const style = getComputedStyle(doc.body);
  const cls = doc.body.classList;
  const highContrast = cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light');
  const foreground = cssVar(style, '--vscode-foreground', cssVar(style, '--ns-foreground', '#333333'));
  return {
    foreground,
    muted: cssVar(style, '--vscode-descriptionForeground', foreground),
    grid: cssVar(style, '--vscode-charts-lines', cssVar(style, '--ns-grid', 'rgba(128,128,128,0.35)')),
    background: cssVar(style, '--vscode-editor-background', cssVar(style, '--ns-background', '#ffffff')),
    series: [
      cssVar(style, '--vscode-charts-blue', '#1a85ff'),
      cssVar(style, '--vscode-charts-orange', '#d18616'),
      cssVar(style, '--vscode-charts-green', '#388a34'),
      cssVar(style, '--vscode-charts-red', '#e51400'),
      cssVar(style, '--vscode-charts-purple', '#652d90'),
      cssVar(style, '--vscode-charts-yellow', '#bf8803'),
      foreground,
    ],
    highContrast,
    font: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
  };
}

/** `color` with alpha `a` (accepts #rgb, #rrggbb, #rrggbbaa and rgb()/rgba()). */
export function withAlpha(color: string, a: number): string {
  const c = color.trim();
  let m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) {
    const [r, g, b] = m[1].split('').map((h) => parseInt(h + h, 16));
    return `rgba(${r}, ${g}, ${b}, ${a})`;
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(c);
  if (m) {
    const n = parseInt(m[1], 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }
  m = /^rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)/i.exec(c);
  if (m) return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${a})`;
  return c;
}
