import type { SyntaxNode as Node, SyntaxTree as Tree } from './syntaxTree';
import { dottedHead, dottedLast, dottedTail } from './dottedNames';
import { callsByCalleeName } from './calls';
import { StatementIndex, StatementIndexKind } from './statementIndex';

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
  if (node.type === 'dotted_name') {
    const text = node.text;
    return /\s/.test(text) ? text.split('.').map((s) => s.trim()).join('.') : text;
  }
  return undefined; // relative imports never name a framework module
}

/** What one top-level statement contributes to the import table, in its order. */
interface ImportPart {
  /** `alias -> module` bindings of its import statements. */
  readonly aliases: readonly (readonly [string, string])[];
  readonly starModules: readonly string[];
  /** Keras modules handed in at run time (see `injectedKerasModules`): bound unless an import binds the name. */
  readonly injected: readonly (readonly [string, string])[];
}

const IMPORT_PARTS = new StatementIndexKind<ImportPart>(importPart, (p) => (p.aliases.length > 0 || p.starModules.length > 0 || p.injected.length > 0 ? ['imports'] : []));

/** The part of a statement that imports and injects nothing (most statements; parts are read-only). */
const NO_IMPORTS: ImportPart = { aliases: [], starModules: [], injected: [] };

function importPart(stmt: Node): ImportPart {
  const aliases: [string, string][] = [];
  const starModules: string[] = [];
  // (The two types asked one by one, merged in document order only when both occur.)
  const imports = stmt.descendantsOfType('import_statement');
  const fromImports = stmt.descendantsOfType('import_from_statement');
  const nodes = fromImports.length === 0 ? imports : imports.length === 0 ? fromImports : imports.concat(fromImports).sort((a, b) => a.pre - b.pre);
  for (const node of nodes) {
    if (node.hasError) continue;
    if (node.type === 'import_statement') {
      for (const name of node.childrenForFieldName('name')) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const full = moduleName(name.childForFieldName('name'));
          const alias = name.childForFieldName('alias')?.text;
          if (full && alias) aliases.push([alias, full]);
        } else {
          const full = moduleName(name);
          if (full) aliases.push([full.split('.')[0] ?? full, full.split('.')[0] ?? full]);
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
          if (original && alias) aliases.push([alias, `${from}.${original}`]);
        } else {
          const original = moduleName(name);
          if (original) aliases.push([original, `${from}.${original}`]);
        }
      }
    }
  }
  const injected = injectedKerasModules(stmt);
  if (aliases.length === 0 && starModules.length === 0 && injected.length === 0) return NO_IMPORTS;
  return { aliases, starModules, injected };
}

/** The import table of each tree, and per document the last one made with the statements it came from. */
const TABLES = new WeakMap<Tree, ImportTable>();
const LAST = Symbol('last import table');
interface LastTable {
  readonly statements: readonly Node[];
  readonly table: ImportTable;
}

/**
 * The file's import table (computed once per tree). Built from what each top-level statement
 * contributes; in an edited document, the previous table object is returned again while the
 * statements contributing to it are the same, in the same order.
 */
export function collectImports(tree: Tree): ImportTable {
  const cached = TABLES.get(tree);
  if (cached) return cached;
  const index = StatementIndex.of(tree, IMPORT_PARTS);
  const statements = index.statementsWith('imports');
  const last = tree.indexes.get(LAST) as LastTable | undefined;
  let table: ImportTable;
  if (last && last.statements.length === statements.length && last.statements.every((s, i) => s === statements[i])) table = last.table;
  else {
    const aliases = new Map<string, string>();
    const starModules: string[] = [];
    const parts = statements.map((s) => index.partOf(s));
    for (const p of parts) {
      for (const [alias, target] of p.aliases) aliases.set(alias, target);
      for (const m of p.starModules) starModules.push(m);
    }
    for (const p of parts) for (const [name, module] of p.injected) if (!aliases.has(name)) aliases.set(name, module);
    table = { aliases, starModules };
    tree.indexes.set(LAST, { statements, table } satisfies LastTable);
  }
  TABLES.set(tree, table);
  return table;
}

/** What `get_submodules_from_kwargs(kwargs)` returns, in order (keras-applications' convention). */
const KERAS_SUBMODULES = ['keras.backend', 'keras.layers', 'keras.models', 'keras.utils'];

/**
 * Keras modules handed in at run time instead of imported: keras-applications binds
 * `backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)` (module-level
 * names through `global`), tf.keras' applications `layers = VersionAwareLayers()`. A name an
 * import already binds keeps its import (the caller checks), and so does the first injection.
 */
function injectedKerasModules(stmt: Node): (readonly [string, string])[] {
  const out: (readonly [string, string])[] = [];
  // Only a statement that calls one of the two (by the callee's last name) can bind one: most do not.
  const calls = callsByCalleeName(stmt);
  if (!calls.has('VersionAwareLayers') && !calls.has('get_submodules_from_kwargs')) return out;
  for (const a of stmt.descendantsOfType('assignment')) {
    const right = a.childForFieldName('right');
    const left = a.childForFieldName('left');
    if (right?.type !== 'call' || !left) continue;
    const callee = dottedLast(right.childForFieldName('function') ?? right);
    if (callee === 'VersionAwareLayers' && left.type === 'identifier') {
      out.push([left.text, 'keras.layers']);
    } else if (callee === 'get_submodules_from_kwargs' && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
      left.namedChildren.forEach((target, i) => {
        const module = KERAS_SUBMODULES[i];
        if (target.type === 'identifier' && module) out.push([target.text, module]);
      });
    }
  }
  return out;
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
  // (By the dotted-name questions, not a copy of the parts: asked once per callee.)
  const head = dottedHead(callee);
  const tail = head === undefined ? undefined : dottedTail(callee);
  if (head === undefined || tail === undefined) return undefined;
  // An attribute has names after the head even when one is missing (`''`).
  const hasRest = callee.type === 'attribute';
  const bound = imports.aliases.get(head) ?? (hasRest ? CONVENTIONAL.get(head) : undefined);
  if (bound) return hasRest ? `${bound}.${tail}` : bound;
  if (!hasRest && starNames.has(head)) {
    const module = imports.starModules.find((m) => m === 'torch.nn' || m.startsWith('torch.nn.'));
    if (module) return `${module}.${head}`;
  }
  return undefined;
}
