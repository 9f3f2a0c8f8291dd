import type { SyntaxNode as Node } from './syntaxTree';
import { StatementIndexKind } from './statementIndex';

/**
 * Every call in a top-level statement with an identifier or attribute callee, by the callee's
 * last name (`f` of `f(x)` and of `a.b.f(x)`), each list in document order. One part per
 * statement node, shared by its users: the resolver's index of calls by name
 * (`Resolver.callsNamed`), the model IR's layer calls and the import table's run-time Keras
 * modules, so a statement's calls are read once.
 */
export const CALLS = new StatementIndexKind<ReadonlyMap<string, readonly Node[]>>(
  (stmt) => {
    const calls = new Map<string, Node[]>();
    for (const call of stmt.descendantsOfType('call')) {
      const f = call.childForFieldName('function');
      const name = f?.type === 'identifier' ? f : f?.type === 'attribute' ? f.childForFieldName('attribute') : null;
      if (name?.type !== 'identifier') continue;
      const key = name.text;
      const list = calls.get(key);
      if (list) list.push(call);
      else calls.set(key, [call]);
    }
    return calls;
  },
  (calls) => calls.keys(),
  (calls, key) => calls.forEach((_, k) => key(k)),
);

/** The calls of a top-level statement by the callee's last name (see `CALLS`; do not modify). */
export function callsByCalleeName(statement: Node): ReadonlyMap<string, readonly Node[]> {
  return CALLS.partOf(statement);
}
