/**
 * The names a scope's own code binds: a module's top-level code (outside its function and class
 * bodies), or a function's body (outside nested ones), as Python's scoping rules count them.
 *
 * The mode analysis uses it to tell a path on which a name is still unbound from one on which it
 * holds a value from outside (see `State.lookup`'s `entry` facts): in
 * `if arch == 'a': model = A()` / `elif arch == 'b': model = B()` followed by `model(x)`, the path
 * through neither branch raises `NameError` at `model(x)`, so it tells nothing of the mode there.
 */
import type { SyntaxNode as Node } from '../syntaxTree';

export interface BoundNames {
  /** The names bound in the scope itself. */
  readonly names: ReadonlySet<string>;
  /** `from m import *` in the scope: any name may be bound by it. */
  readonly starImport: boolean;
}

/** Statements (and expressions) with a scope of their own: their bodies bind nothing in the enclosing scope. */
const OWN_SCOPE = new Set(['function_definition', 'class_definition', 'lambda', 'list_comprehension', 'set_comprehension', 'dictionary_comprehension', 'generator_expression']);

/** Patterns whose parts are assignment targets (`a, (b, *c) = ...`). */
const TARGET_GROUPS = new Set(['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'list_splat_pattern', 'list_splat', 'parenthesized_expression', 'as_pattern_target']);

/**
 * The names `body` binds (a module's root, or a function's body). In a function, a name declared
 * `global` or `nonlocal` there is not its own: it is left out.
 */
export function boundNames(body: Node): BoundNames {
  const names = new Set<string>();
  const declared = new Set<string>();
  let starImport = false;
  const target = (n: Node | null): void => {
    if (!n) return;
    if (n.type === 'identifier') names.add(n.text);
    else if (TARGET_GROUPS.has(n.type)) for (const c of n.namedChildren) target(c);
  };
  // (A stack, not recursion: bodies nest deeper than the call stack allows.)
  const stack: Node[] = [...body.namedChildren];
  while (stack.length > 0) {
    const n = stack.pop() as Node;
    switch (n.type) {
      case 'function_definition':
      case 'class_definition':
        target(n.childForFieldName('name'));
        // Decorators and default values run in this scope, but bind nothing worth following.
        continue;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement':
        target(n.childForFieldName('left'));
        break;
      case 'as_pattern':
      case 'except_clause':
        target(n.childForFieldName('alias'));
        break;
      case 'named_expression':
        target(n.childForFieldName('name'));
        break;
      case 'import_statement':
        for (const c of n.namedChildren) {
          if (c.type === 'aliased_import') target(c.childForFieldName('alias'));
          // `import a.b` binds `a`.
          else if (c.type === 'dotted_name') target(c.namedChildren[0] ?? null);
        }
        continue;
      case 'import_from_statement':
        for (const c of n.namedChildren) {
          if (c.type === 'wildcard_import') starImport = true;
          else if (c === n.childForFieldName('module_name')) continue;
          else if (c.type === 'aliased_import') target(c.childForFieldName('alias'));
          else if (c.type === 'dotted_name') target(c.namedChildren[c.namedChildren.length - 1] ?? null);
        }
        continue;
      case 'global_statement':
      case 'nonlocal_statement':
        for (const c of n.namedChildren) if (c.type === 'identifier') declared.add(c.text);
        continue;
      default:
        if (OWN_SCOPE.has(n.type)) continue;
    }
    const children = n.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
  for (const d of declared) names.delete(d);
  return { names, starImport };
}
