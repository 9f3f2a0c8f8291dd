import type { SyntaxNode as Node } from '../syntaxTree';
import type { TrainableAssignment } from '../../../ir/training';
import { dottedParts, spanOf } from '../syntax';
import { BN_KINDS } from './classes';
import { keyOf, unparen } from './util';

/**
 * A Keras `x.trainable = True/False` assignment (see `flagOf` in index.ts): the model it sets,
 * and, for `layer.trainable = ...` in a loop over a model's layers (`for layer in
 * base_model.layers[-20:]:`, `for i, layer in enumerate(model.layers):`), that model with which of
 * its layers (`TrainableAssignment.layers`).
 */
export function trainableAssignment(a: Node): TrainableAssignment {
  const left = a.childForFieldName('left') as Node;
  const object = left.childForFieldName('object');
  const span = spanOf(a);
  const fallback: TrainableAssignment = { span, target: keyOf(object) ?? left.text };
  if (object?.type !== 'identifier') return fallback;
  const variable = object.text;
  const tests: { condition: Node | null; holds: boolean }[] = [];
  let inner: Node = a;
  for (let n = a.parent; n; inner = n, n = n.parent) {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'module') return fallback;
    if (n.type === 'if_statement') {
      // In its body the condition holds; in an `else` / `elif` branch, that one does not (and an `elif`'s own test is the `if_statement`'s alternative's).
      const consequence = n.childForFieldName('consequence');
      if (consequence && inner === consequence) tests.push({ condition: n.childForFieldName('condition'), holds: true });
      else tests.push({ condition: n.childForFieldName('condition'), holds: false });
    } else if (n.type === 'elif_clause') {
      const consequence = n.childForFieldName('consequence');
      if (consequence && inner === consequence) tests.push({ condition: n.childForFieldName('condition'), holds: true });
    } else if (n.type === 'for_statement') {
      const target = loopVariable(n.childForFieldName('left'));
      if (target !== variable) return fallback;
      const right = n.childForFieldName('right');
      const layers = right?.type === 'identifier' ? layersNamed(right, n) : layersIterated(right);
      if (!layers) return fallback;
      const body = n.childForFieldName('body');
      const skipped = body ? skipsBatchNormBefore(body, inner, variable) : false;
      const batchNorm = skipped ? 'skipped' : batchNormTest(tests, variable);
      return { span, target: layers.model, layers: { ...(layers.slice ? { slice: layers.slice } : {}), ...(batchNorm ? { batchNorm } : {}) } };
    }
  }
  return fallback;
}

/** The name a `for` binds for each item: `layer`, or the last of `i, layer` (`enumerate`). */
function loopVariable(left: Node | null): string | undefined {
  if (!left) return undefined;
  if (left.type === 'identifier') return left.text;
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern') {
    const names = left.namedChildren;
    return names.length === 2 && names[1].type === 'identifier' ? names[1].text : undefined;
  }
  return undefined;
}

/** `model.layers`, `model.layers[-20:]`, `enumerate(model.layers[:100])`: the model and the slice's text (none for all layers). */
function layersIterated(right: Node | null): { model: string; slice?: string } | undefined {
  if (!right) return undefined;
  let r = unparen(right);
  if (r.type === 'call' && r.childForFieldName('function')?.text === 'enumerate') {
    const first = r.childForFieldName('arguments')?.namedChildren[0];
    if (!first) return undefined;
    r = unparen(first);
  }
  let slice: string | undefined;
  if (r.type === 'subscript') {
    const index = r.childForFieldName('subscript');
    if (index?.type !== 'slice') return undefined;
    // (`[:]` is every layer.)
    if (index.namedChildren.length > 0) slice = `[${index.text}]`;
    r = r.childForFieldName('value') as Node;
  }
  if (r?.type !== 'attribute' || r.childForFieldName('attribute')?.text !== 'layers') return undefined;
  const model = keyOf(r.childForFieldName('object'));
  return model ? { model, ...(slice ? { slice } : {}) } : undefined;
}

/**
 * A name the loop iterates over, assigned a model's layers in the function (or module) around
 * the loop (`layers_to_process = model.layers[-n:]`, in each branch of an `if`): that model, with
 * a slice when any assignment slices. Undefined unless every assignment of the name there is one.
 */
function layersNamed(name: Node, loop: Node): { model: string; slice?: string } | undefined {
  let scope: Node | null = loop.parent;
  while (scope && scope.type !== 'function_definition' && scope.type !== 'module') scope = scope.parent;
  if (!scope) return undefined;
  const statements = scope.type === 'module' ? scope.namedChildren : (scope.childForFieldName('body')?.namedChildren ?? []);
  let found: { model: string; slice?: string } | undefined;
  for (const statement of statements) {
    const assignments = statement.type === 'expression_statement' ? [statement.namedChildren[0]] : statement.type === 'if_statement' ? statement.descendantsOfType('assignment') : [];
    for (const a of assignments) {
      if (a?.type !== 'assignment' || a.childForFieldName('left')?.text !== name.text) continue;
      const layers = layersIterated(a.childForFieldName('right'));
      if (!layers || (found && found.model !== layers.model)) return undefined;
      found = { model: layers.model, ...(found?.slice ?? layers.slice ? { slice: found?.slice ?? layers.slice } : {}) };
    }
  }
  return found;
}

/** What the `if` tests around the assignment say of BatchNormalization layers. */
function batchNormTest(tests: readonly { condition: Node | null; holds: boolean }[], variable: string): 'skipped' | 'only' | 'unknown' | undefined {
  let out: 'only' | 'unknown' | undefined;
  for (const { condition, holds } of tests) {
    const test = isBatchNormTest(condition, variable);
    if (test === undefined) {
      out = 'unknown';
      continue;
    }
    if (test === holds) out ??= 'only';
    else return 'skipped';
  }
  return out;
}

/**
 * `isinstance(layer, BatchNormalization)` (any qualifier, or in a tuple of classes): true; its
 * `not`: false; any other test: undefined.
 */
function isBatchNormTest(condition: Node | null, variable: string): boolean | undefined {
  if (!condition) return undefined;
  const c = unparen(condition);
  if (c.type === 'not_operator') {
    const v = isBatchNormTest(c.childForFieldName('argument'), variable);
    return v === undefined ? undefined : !v;
  }
  if (c.type !== 'call' || c.childForFieldName('function')?.text !== 'isinstance') return undefined;
  const [subject, classes] = c.childForFieldName('arguments')?.namedChildren ?? [];
  if (subject?.text !== variable || !classes) return undefined;
  const kinds = classes.type === 'tuple' ? classes.namedChildren : [classes];
  return kinds.some((k) => BN_KINDS.has(dottedParts(k)?.pop() ?? '')) ? true : undefined;
}

/** `if isinstance(layer, BatchNormalization): continue` among the loop body's statements before the one holding the assignment. */
function skipsBatchNormBefore(body: Node, holder: Node, variable: string): boolean {
  for (const s of body.namedChildren) {
    if (s === holder) return false;
    if (s.type !== 'if_statement' || s.childForFieldName('alternative')) continue;
    const consequence = s.childForFieldName('consequence')?.namedChildren ?? [];
    if (consequence.length === 1 && consequence[0].type === 'continue_statement' && isBatchNormTest(s.childForFieldName('condition'), variable) === true) return true;
  }
  return false;
}
