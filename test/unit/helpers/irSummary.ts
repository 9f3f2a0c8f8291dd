import type { Argument, Layer, LayerCall, LayerUse, ModelIR } from '../../../src/ir/model';
import { describeProvenance, lineWhere, showValue, type Value } from '../../../src/ir/values';

/** A readable, stable rendering of the model IR for snapshot files (positions as `line:col`, 1-based). */
export function summarizeModel(model: ModelIR): unknown {
  shown = new Map();
  return {
    classes: model.classes.map((c) => ({
      name: c.name,
      framework: c.framework,
      at: `${c.nameSpan.start.line + 1}:${c.nameSpan.start.column + 1}`,
      bases: c.bases,
      layers: c.layers.map(layer),
      normParameters: c.normParameters.map((p) => ({
        name: p.name,
        default: p.default ? showValue(p.default) : null,
        kind: p.kind ?? null,
        uses: p.uses.map((u) => `${u.start.line + 1}:${u.start.column + 1}`),
      })),
      forward: c.forward
        ? c.forward.steps.map((s) => `${s.index}: ${s.op} ${s.target}${s.norm ? ` [${s.norm}]` : ''}${s.args ? `(${s.args.map((a) => `${a.name !== undefined ? `${a.name}=` : ''}${showValue(a.value)}`).join(', ')})` : ''} <- ${s.inputs.join(',')}${s.loop ? (s.iteration !== undefined ? ` (in loop #${s.iteration})` : ' (in loop)') : ''}`)
        : null,
      flows: c.flows.map((f) => `${end(f.from, f.conditional)} -> ${end(f.to, f.conditional)} (${f.via}${f.consumers !== 1 ? `, ${f.consumers} consumers` : ''}${f.conditional ? ', conditional' : ''})`),
      attributeReads: c.attributeReads.map((r) => `self.${r.path}.${r.attribute}`),
    })),
    typeGuardedAccesses: model.typeGuardedAccesses.map((g) => ({ kinds: g.kinds, attributes: g.attributes, guarded: g.guarded })),
    layerCalls: model.layerCalls.map((c) => `${c.span.start.line + 1}:${c.span.start.column + 1} ${call(c)}`),
  };
}

/** A flow's end: its path, and for a conditional flow the layer's kind (a path may hold alternatives). */
function end(u: LayerUse, conditional: boolean): string {
  const kind = u.call?.kind ?? u.layer?.kind;
  return conditional && kind ? `${u.path} [${kind}]` : u.path;
}

function value(v: Value): string {
  const p = v.kind === 'unknown' ? undefined : v.provenance;
  const origin = p && !p.description.startsWith('literal') ? ` <${describeProvenance(p, lineWhere)}>` : '';
  return `${showValue(v)}${origin}`;
}

function arg(a: Argument): string {
  return `${a.name ?? `#${a.position ?? '?'}`}=${value(a.value)}`;
}

function call(c: LayerCall): string {
  return `${c.framework}.${c.kind}(${c.args.map(arg).join(', ')})${c.viaParameter ? ` via ${c.viaParameter}` : ''}`;
}

/** `BasicBlock(inplanes=16, planes=32, stride=2, downsample=None (default))` */
function instance(l: Layer): string {
  const args = (l.constructorArguments ?? []).map((a) => `${a.name}=${value(a.value)}${a.source === 'default' ? ' (default)' : ''}`);
  return `${l.kind}(${args.join(', ')})`;
}

/** Instance layer lists already shown (the front end shares one list between instances built with equal arguments). */
let shown = new Map<readonly Layer[], string>();

function layer(l: Layer): unknown {
  const own = layerAlone(l);
  if (!l.alternatives) return own;
  // `{"shortcut: Identity() if ?": {"or": [the other alternatives]}}`; the layer's own contents (if any) under "as".
  const [head, contents] = typeof own === 'string' ? [own, undefined] : (Object.entries(own as Record<string, unknown>)[0] ?? ['', undefined]);
  return { [head]: { ...(contents !== undefined ? { as: contents } : {}), or: l.alternatives.map(layer) } };
}

function layerAlone(l: Layer): unknown {
  const head = `${l.path}: ${l.call ? call(l.call) : l.constructorArguments ? instance(l) : l.kind}${l.repeated ? ` repeated ${l.repeated.count ?? '?'} (${l.repeated.text})` : ''}${l.conditional ? ' if ?' : ''}`;
  if (l.instanceLayers) {
    const same = shown.get(l.instanceLayers);
    if (same !== undefined) return { [head]: { instance: `as ${same}` } };
    shown.set(l.instanceLayers, l.path);
    return { [head]: { instance: l.instanceLayers.map(layer) } };
  }
  return l.elements ? { [head]: l.elements.map(layer) } : head;
}
