// Which parameters a loop over a model's parameters freezes (`for name, p in
// model.named_parameters(): if name not in ["fc.weight", "fc.bias"]: p.requires_grad = False`),
// read from the tests around its freezing statement. A linear probe freezes everything but its
// head; a partial fine-tune freezes the layers its test names.
import type { ParameterSelection } from '../../../ir/training';
import type { SyntaxNode as Node } from '../syntaxTree';

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
