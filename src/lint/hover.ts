import type { Argument, LayerCall, NormType } from '../ir/model';
import type { Span } from '../ir/span';
import { describeProvenance, lineWhere, provenanceOf, showValue, type Value, type Where } from '../ir/values';

const NORM_NAMES: Readonly<Record<NormType, string>> = {
  batch: 'batch normalization: statistics over the batch (and spatial positions), running averages for inference',
  instance: 'instance normalization: statistics per sample and channel, over spatial positions',
  layer: 'layer normalization: statistics per sample over the normalized shape',
  group: 'group normalization: statistics per sample over groups of channels',
  rms: 'RMS normalization: root mean square per sample over the normalized shape, no mean subtraction',
  lrn: 'local response normalization across neighbouring channels',
  unit: 'unit normalization: each sample scaled to unit L2 norm',
  frozen: 'frozen batch normalization: fixed statistics and affine (buffers), the same in training and evaluation; nothing to train or update',
};

function contains(span: Span, line: number, column: number): boolean {
  const afterStart = line > span.start.line || (line === span.start.line && column >= span.start.column);
  const beforeEnd = line < span.end.line || (line === span.end.line && column <= span.end.column);
  return afterStart && beforeEnd;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function origin(arg: Argument | undefined, value: Value, where: Where): string {
  if (!arg) return 'framework default';
  const p = arg.provenance ?? provenanceOf(value);
  if (value.kind === 'unknown') return value.reason ? `not resolved (${value.reason})` : 'not resolved';
  if (!p) return 'as written';
  const text = describeProvenance(p, where);
  return p.inferred ? `${text} (a default a caller may override)` : text;
}

/** A hover's text (Markdown) and the span it is for (the layer's callee). */
export interface LayerHover {
  readonly markdown: string;
  readonly span: Span;
}

/**
 * Markdown describing a norm layer construction: kind, framework, every argument with where its
 * value comes from; `where` cites places (a notebook's program: `line 2 of cell 3`).
 */
export function renderLayerHover(call: LayerCall, where: Where = lineWhere): string {
  const out: string[] = [];
  const what = call.norm ? NORM_NAMES[call.norm] : undefined;
  out.push(`**${call.kind}** (${call.framework})${what ? ` — ${what}` : ''}`, '');
  if (call.viaParameter) out.push(`Built through the parameter \`${call.viaParameter}\`.`, '');
  const rows: string[] = [];
  const given = new Set<string>();
  for (const arg of call.args) {
    const name = arg.name ?? (arg.position !== undefined ? `#${arg.position + 1}` : '?');
    if (arg.name) given.add(arg.name);
    rows.push(`| \`${cell(name)}\` | \`${cell(showValue(arg.value))}\` | ${cell(origin(arg, arg.value, where))} |`);
  }
  for (const [name, value] of Object.entries(call.defaults)) {
    if (given.has(name)) continue;
    rows.push(`| \`${cell(name)}\` | \`${cell(showValue(value))}\` | ${origin(undefined, value, where)} |`);
  }
  if (rows.length > 0) out.push('| parameter | value | from |', '|---|---|---|', ...rows, '');
  out.push('_NormScope (static analysis: values that did not resolve are shown as `?`)_');
  return out.join('\n');
}

/** The innermost normalization-layer construction among `calls` at (line, column) (0-based). */
export function normLayerIn(calls: readonly LayerCall[], line: number, column: number): LayerCall | undefined {
  let best: LayerCall | undefined;
  for (const call of calls) {
    if (call.family !== 'norm' || !contains(call.span, line, column)) continue;
    if (!best || call.span.endOffset - call.span.startOffset < best.span.endOffset - best.span.startOffset) best = call;
  }
  return best;
}
