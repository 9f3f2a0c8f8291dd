import type { InstanceFlows, LayerCall } from '../../ir/model';
import { describeProvenance, provenanceOf, showValue, type Value, type Where } from '../../ir/values';

/**
 * A value with where it comes from (`256 (module constant C, line 3)`), unless it is a literal
 * written in `call` itself or computed from literals only; a literal written elsewhere (the
 * argument an instance passes, `Stem(width=32)`) cites its line. Without `call`, literals are
 * shown bare.
 */
export function describeValue(v: Value, where: Where, call?: LayerCall): string {
  const p = provenanceOf(v);
  if (!p) return showValue(v);
  // A value computed from literals only (`width // 4` for `Stage(256)`): the message names the
  // instance and its line already; the literals add nothing.
  if (p.from && p.from.every((o) => o.description.startsWith('literal'))) return showValue(v);
  if (!p.description.startsWith('literal')) return `${showValue(v)} (${describeProvenance(p, where)})`;
  const inCall = call === undefined || (p.span.startOffset >= call.span.startOffset && p.span.endOffset <= call.span.endOffset);
  return inCall ? showValue(v) : `${showValue(v)} (${where(p.span)})`;
}

/**
 * An instance's name in messages: the class holding it and its path (`Net.stem`), or the model
 * alone for the instance a factory function returns (`resnet18`: it is the model, path '').
 */
export function instanceName(inst: InstanceFlows): string {
  return inst.path ? `${inst.owner.name}.${inst.path}` : inst.owner.name;
}

/**
 * How a message names a model-class instance: `` `Net.stem` (`Stem(width=32)`, line 17) ``, or
 * for an instance inside another one, `` `Net.layer2.block` (built in `Stage(256)`, line 29) ``:
 * the outermost instance's call, whose arguments size the rest (a long call: `Stage(...)`).
 */
export function describeInstance(inst: InstanceFlows, text: string, where: Where): string {
  const written = text
    .slice(inst.root.span.startOffset, inst.root.span.endOffset)
    .replace(/\s+/g, ' ')
    .replace(/\( /g, '(')
    .replace(/,? \)/g, ')');
  const call = written.length <= 60 ? written : `${inst.root.kind}(...)`;
  return `\`${instanceName(inst)}\` (${inst.instance === inst.root ? '' : 'built in '}\`${call}\`, ${where(inst.root.span)})`;
}
