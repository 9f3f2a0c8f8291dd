// Which parameters a loop over a model's parameters freezes (`for name, p in
// model.named_parameters(): if name not in ["fc.weight", "fc.bias"]: p.requires_grad = False`),
// read from the tests around its freezing statement. A linear probe freezes everything but its
// head; a partial fine-tune freezes the layers its test names.
import type { ParameterSelection } from '../../../ir/training';
import type { SyntaxNode as Node } from '../syntaxTree';
import { keyOf, unparen } from './util';

/** Words of a test that names normalization parameters (`'bn' not in name`, `"norm" in n`). */
const NORM_WORDS = /bn|norm|gamma|beta/i;

/** Whether a test holds for the parameters it does not name: `not ...`, `x not in y`, `x != y`, and `and` of those. */
function negated(test: Node): boolean | undefined {
  if (test.type === 'parenthesized_expression') return test.namedChildren[0] ? negated(test.namedChildren[0]) : undefined;
  if (test.type === 'not_operator') return true;
  if (test.type === 'comparison_operator') {
    const ops = test.childrenForFieldName('operators');
    if (ops.length !== 1) return undefined;
    const op = ops[0].type;
    if (op === 'not in' || op === '!=') return true;
    if (op === 'in' || op === '==') return false;
    return undefined;
  }
  if (test.type === 'boolean_operator') {
    const left = test.childForFieldName('left');
    const right = test.childForFieldName('right');
    const l = left ? negated(left) : undefined;
    const r = right ? negated(right) : undefined;
    if (l === undefined || r === undefined || l !== r) return undefined;
    // `a not in n and b not in n` keeps a and b; `a in n or b in n` picks them; the others mix.
    const op = test.childForFieldName('operator')?.type;
    return (op === 'and') === l ? l : undefined;
  }
  // `name.startswith("fc")`, `any(k in name for k in keys)`: a positive test.
  if (test.type === 'call' || test.type === 'identifier' || test.type === 'attribute') return false;
  return undefined;
}

/** A block holding a bare `continue` and nothing else. */
function onlyContinues(block: Node | null): boolean {
  const statements = block?.namedChildren.filter((s) => s.type !== 'comment') ?? [];
  return statements.length === 1 && statements[0].type === 'continue_statement';
}

/**
 * The parameters a freezing statement (`freezing`) of a parameter loop (`loop`) freezes, from
 * the tests between them: undefined when it freezes them all (no test); `keeps` when it freezes
 * all but those the test names (`if name not in [...]:`, `if not name.startswith("fc"):`, the
 * `else` of a positive test, an earlier `if "fc" in name: continue`); `picks` when it freezes
 * those (`if "layer1" in name:`); `unknown` for several tests, loops between them, or tests of
 * other kinds.
 */
export function parameterSelection(loop: Node, freezing: Node): ParameterSelection | undefined {
  const body = loop.childForFieldName('body');
  if (!body) return undefined;
  const tests: { readonly test: Node; readonly keeps: boolean | undefined }[] = [];
  let unknown = false;
  let child = freezing;
  for (let n = freezing.parent; n && n !== body; child = n, n = n.parent) {
    if (n.type === 'if_statement') {
      const test = n.childForFieldName('condition');
      if (!test) return { kind: 'unknown', test: '', namesNorms: false };
      const inBody = n.childForFieldName('consequence') === child;
      if (inBody) tests.push({ test, keeps: negated(test) });
      else if (child.type === 'else_clause' && !n.childrenForFieldName('alternative').some((a) => a.type === 'elif_clause')) {
        const neg = negated(test);
        tests.push({ test, keeps: neg === undefined ? undefined : !neg });
      } else unknown = true;
    } else if (n.type === 'for_statement' || n.type === 'while_statement' || n.type === 'conditional_expression' || n.type === 'elif_clause') unknown = true;
  }
  // `if "fc" in name: continue` before it: the parameters it names are kept.
  const top = child;
  for (const s of body.namedChildren) {
    if (s === top) break;
    if (s.type === 'if_statement' && s.childrenForFieldName('alternative').length === 0 && onlyContinues(s.childForFieldName('consequence'))) {
      const test = s.childForFieldName('condition');
      const neg = test ? negated(test) : undefined;
      if (test) tests.push({ test, keeps: neg === undefined ? undefined : !neg });
    }
  }
  if (tests.length === 0 && !unknown) return undefined;
  const text = tests.map((t) => t.test.text).join(' / ');
  const namesNorms = NORM_WORDS.test(text);
  if (unknown || tests.length !== 1 || tests[0].keeps === undefined) return { kind: 'unknown', test: text, namesNorms };
  return { kind: tests[0].keeps ? 'keeps' : 'picks', test: text, namesNorms };
}

/** A `for` over a model's parameters (`for p in model.parameters():`, `for n, p in model.backbone.named_parameters():`). */
export function isParameterLoop(loop: Node): boolean {
  return /\.(named_)?parameters\b/.test(loop.childForFieldName('right')?.text ?? '');
}

/**
 * What a loop over a model's parameters freezes: the model (`model.backbone` of
 * `model.backbone.parameters()`), and which of its parameters when a test selects them; undefined
 * when the loop freezes nothing (no `p.requires_grad = False` or `p.requires_grad_(False)`).
 */
export function parameterLoopFreeze(loop: Node): { readonly target: string; readonly selection?: ParameterSelection } | undefined {
  const right = loop.childForFieldName('right');
  const body = loop.childForFieldName('body');
  if (!right || !body) return undefined;
  const call = unparen(right);
  const f = call.type === 'call' ? call.childForFieldName('function') : undefined;
  const attr = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
  if (attr !== 'parameters' && attr !== 'named_parameters') return undefined;
  const freezing =
    body.descendantsOfType('assignment').find((a) => /\.requires_grad$/.test(a.childForFieldName('left')?.text ?? '') && a.childForFieldName('right')?.type === 'false') ??
    body.descendantsOfType('call').find((c) => /\.requires_grad_\(\s*False\s*\)$/.test(c.text));
  const object = f?.childForFieldName('object');
  const target = keyOf(object);
  if (!freezing || !target) return undefined;
  const selection = parameterSelection(loop, freezing);
  return selection ? { target, selection } : { target };
}

/**
 * The parameter a freeze in function `fn` depends on: the freeze sits in the body of `if p:` (or
 * `if not p:`, or the `else` of `if p:`), `p` a parameter (`set_parameter_requires_grad(model,
 * feature_extracting)` of the PyTorch fine-tuning tutorial), the nearest such test; none
 * otherwise (other tests are read as the freeze's own, as for a freeze written in place).
 */
export function paramCondition(node: Node, fn: { readonly node: Node; readonly params: readonly string[] }): { readonly condition?: { readonly param: string; readonly negated: boolean } } {
  for (let n: Node | null = node; n && n !== fn.node; n = n.parent) {
    const parent: Node | null = n.parent;
    const ifStatement: Node | undefined = parent?.type === 'if_statement' ? parent : parent?.type === 'else_clause' && parent.parent?.type === 'if_statement' ? parent.parent : undefined;
    if (!ifStatement || ifStatement.childForFieldName('condition') === n) continue;
    let test = ifStatement.childForFieldName('condition');
    let negated = parent?.type === 'else_clause';
    if (test?.type === 'not_operator') {
      test = test.childForFieldName('argument');
      negated = !negated;
    }
    if (test?.type === 'identifier' && fn.params.includes(test.text)) return { condition: { param: test.text, negated } };
  }
  return {};
}
