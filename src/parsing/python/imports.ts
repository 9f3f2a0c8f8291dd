import type { SyntaxNode as Node, SyntaxTree as Tree } from './syntaxTree';
import { dottedParts } from './syntax';

/**
 * What each imported name stands for: `nn` -> `torch.nn` after `from torch import nn`,
 * `GN` -> `torch.nn.GroupNorm` after `from torch.nn import GroupNorm as GN`.
 */
export interface ImportTable {
  readonly aliases: ReadonlyMap<string, string>;
  /** Modules imported with `from M import *`. */
  readonly starModules: readonly string[];
}

function moduleName(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'dotted_name') return node.text.split('.').map((s) => s.trim()).join('.');
  return undefined; // relative imports never name a framework module
}

export function collectImports(tree: Tree): ImportTable {
  const aliases = new Map<string, string>();
  const starModules: string[] = [];
  for (const node of tree.rootNode.descendantsOfType(['import_statement', 'import_from_statement'])) {
    if (node.hasError) continue;
    if (node.type === 'import_statement') {
      for (const name of node.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const full = moduleName(name.childForFieldName('name'));
          const alias = name.childForFieldName('alias')?.text;
          if (full && alias) aliases.set(alias, full);
        } else {
          const full = moduleName(name);
          if (full) aliases.set(full.split('.')[0] ?? full, full.split('.')[0] ?? full);
        }
      }
    } else {
      const from = moduleName(node.childForFieldName('module_name'));
      if (!from) continue;
      if (node.namedChildren.some((c) => c?.type === 'wildcard_import')) starModules.push(from);
      for (const name of node.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const original = moduleName(name.childForFieldName('name'));
          const alias = name.childForFieldName('alias')?.text;
          if (original && alias) aliases.set(alias, `${from}.${original}`);
        } else {
          const original = moduleName(name);
          if (original) aliases.set(original, `${from}.${original}`);
        }
      }
    }
  }
  injectedKerasModules(tree, aliases);
  return { aliases, starModules };
}

/** What `get_submodules_from_kwargs(kwargs)` returns, in order (keras-applications' convention). */
const KERAS_SUBMODULES = ['keras.backend', 'keras.layers', 'keras.models', 'keras.utils'];

/**
 * Keras modules handed in at run time instead of imported: keras-applications binds
 * `backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)` (module-level
 * names through `global`), tf.keras' applications `layers = VersionAwareLayers()`. A name an
 * import already binds keeps its import.
 */
function injectedKerasModules(tree: Tree, aliases: Map<string, string>): void {
  for (const a of tree.rootNode.descendantsOfType('assignment')) {
    const right = a.childForFieldName('right');
    const left = a.childForFieldName('left');
    if (right?.type !== 'call' || !left) continue;
    const callee = dottedParts(right.childForFieldName('function') ?? right)?.pop();
    if (callee === 'VersionAwareLayers' && left.type === 'identifier') {
      if (!aliases.has(left.text)) aliases.set(left.text, 'keras.layers');
    } else if (callee === 'get_submodules_from_kwargs' && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
      left.namedChildren.forEach((target, i) => {
        const module = KERAS_SUBMODULES[i];
        if (target.type === 'identifier' && module && !aliases.has(target.text)) aliases.set(target.text, module);
      });
    }
  }
}

/** Names conventionally bound to torch without an import in view (snippets, notebook cells). */
const CONVENTIONAL: ReadonlyMap<string, string> = new Map([
  ['torch', 'torch'],
  ['nn', 'torch.nn'],
]);

/**
 * The fully qualified name of a callee such as `nn.GroupNorm`, or undefined when its head is
 * not an imported (or conventional) name.
 */
export function qualifiedName(callee: Node, imports: ImportTable, starNames: ReadonlySet<string>): string | undefined {
  const parts = dottedParts(callee);
  if (!parts || parts.length === 0) return undefined;
  const [head, ...rest] = parts as [string, ...string[]];
  const bound = imports.aliases.get(head) ?? (rest.length > 0 ? CONVENTIONAL.get(head) : undefined);
  if (bound) return [bound, ...rest].join('.');
  if (rest.length === 0 && starNames.has(head)) {
    const module = imports.starModules.find((m) => m === 'torch.nn' || m.startsWith('torch.nn.'));
    if (module) return `${module}.${head}`;
  }
  return undefined;
}
