import { parseSyntaxTree, type SyntaxNode as Node, type SyntaxTree as Tree } from './syntaxTree';
import type { LayerCall, ModelClass, ModelIR } from '../../ir/model';
import type { ImportTable } from './imports';
import { definitionsIn, ModelBuilder } from './modelBuilder';
import { Resolver } from './resolver';
import { callsByCalleeName } from './calls';
import { classifyLayer, FLAX_LAYERS, KERAS_LAYERS, TIMM_LAYERS, TORCH_LAYERS } from './torchLayers';

const LAYER_NAMES: ReadonlySet<string> = new Set([...TORCH_LAYERS.keys(), ...KERAS_LAYERS.keys(), ...FLAX_LAYERS.keys(), ...TIMM_LAYERS.keys()]);

export const EMPTY_MODEL: ModelIR = { layerCalls: [], classes: [], typeGuardedAccesses: [] };

/** What one top-level statement contributes to the model IR. */
interface StatementModel {
  readonly layerCalls: readonly LayerCall[];
  readonly classes: readonly ModelClass[];
  readonly typeGuardedAccesses: ModelIR['typeGuardedAccesses'];
}

/**
 * Builds the model IR slice from a parsed tree, one top-level statement at a time. When the tree
 * carries a memo (an open document), a statement's part is reused while nothing it depends on
 * changed (see `StatementMemo`).
 */
export function modelFromTree(tree: Tree, resolver: Resolver = new Resolver(tree)): ModelIR {
  const builder = new ModelBuilder(resolver);
  const memo = tree.memo;
  memo?.sync(tree);
  const aliases = layerAliases(resolver.imports);
  builder.findModelClasses(tree.rootNode);
  const statementModel = (stmt: Node): StatementModel => {
    const layerCalls: LayerCall[] = [];
    for (const call of layerNamedCalls(stmt, aliases)) {
      const layer = builder.layerCall(call);
      if (layer) layerCalls.push(layer);
    }
    const classes: ModelClass[] = [];
    for (const node of definitionsIn(stmt).classNodes) {
      if (!builder.isModelClassNode(node)) continue;
      const cls = builder.modelClass(node);
      if (cls) classes.push(cls);
    }
    // Keras functional / inline-layer model-building functions at the top level.
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') {
      const fn = builder.functionalModel(def) ?? builder.returnedModel(def);
      if (fn) classes.push(fn);
    }
    // Models assigned at module level: `model = keras.Sequential([...])`, `model = keras.Model(inputs, outputs)`.
    for (const m of builder.moduleLevelModels(stmt)) classes.push(m);
    // In document order within the statement; statements are disjoint and come in document order,
    // so the file's lists are the statements' lists one after the other (no sort of the whole file:
    // after an edit it read every span of the file). Stable sorts: ties keep the order above.
    // (Most lists are in order already: a sort copies its list, a check does not.)
    if (!inOrder(layerCalls)) layerCalls.sort(byStart);
    if (!inOrder(classes)) classes.sort(byStart);
    return { layerCalls, classes, typeGuardedAccesses: builder.typeGuardedAccesses(stmt) };
  };
  // The statements' parts, then the file's lists in arrays of their exact size (pushing one by
  // one would grow each array several times: per edit, for a large file, that was most of what
  // this function allocates).
  const statements = tree.rootNode.children;
  // (A fresh list if a model is built while another is: the scratch list is in use then.)
  const parts = PARTS.length === 0 ? PARTS : [];
  let layerCount = 0;
  let classCount = 0;
  let accessCount = 0;
  try {
    // (Index loops: this runs over every statement at every edit.)
    for (let i = 0; i < statements.length; i++) {
      const stmt = statements[i];
      if (!stmt.isNamed) continue;
      const part = memo ? memo.get(stmt, 'model', statementModel) : statementModel(stmt);
      parts.push(part);
      layerCount += part.layerCalls.length;
      classCount += part.classes.length;
      accessCount += part.typeGuardedAccesses.length;
    }
    const layerCalls = sized<LayerCall>(layerCount);
    const classes = sized<ModelClass>(classCount);
    const typeGuardedAccesses = sized<ModelIR['typeGuardedAccesses'][number]>(accessCount);
    let l = 0;
    let c = 0;
    let t = 0;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const pl = part.layerCalls;
      for (let j = 0; j < pl.length; j++) layerCalls[l++] = pl[j];
      const pc = part.classes;
      for (let j = 0; j < pc.length; j++) classes[c++] = pc[j];
      const pt = part.typeGuardedAccesses;
      for (let j = 0; j < pt.length; j++) typeGuardedAccesses[t++] = pt[j];
    }
    return { layerCalls, classes, typeGuardedAccesses };
  } finally {
    if (parts === PARTS) parts.length = 0;
  }
}

/** Scratch list of `modelFromTree`. */
const PARTS: StatementModel[] = [];

/** An array for `n` elements, filled by the caller (empty arrays are the usual literal). */
function sized<T>(n: number): T[] {
  return n === 0 ? [] : new Array<T>(n);
}

function byStart(a: { readonly span: { readonly startOffset: number } }, b: { readonly span: { readonly startOffset: number } }): number {
  return a.span.startOffset - b.span.startOffset;
}

/** Whether a list is in document order already (a stable sort by start would keep it as it is). */
function inOrder(list: readonly { readonly span: { readonly startOffset: number } }[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1].span.startOffset > list[i].span.startOffset) return false;
  return true;
}

/** Per import table (kept across an open document's edits while its imports do not change). */
const LAYER_ALIASES = new WeakMap<ImportTable, ReadonlySet<string>>();

/** Import aliases of layer classes (`from torch.nn import BatchNorm2d as BN`). */
function layerAliases(imports: ImportTable): ReadonlySet<string> {
  let aliases = LAYER_ALIASES.get(imports);
  if (!aliases) {
    aliases = new Set([...imports.aliases].filter(([, target]) => classifyLayer(target)).map(([alias]) => alias));
    LAYER_ALIASES.set(imports, aliases);
  }
  return aliases;
}

/**
 * The calls in a top-level statement whose callee's last name is a layer class or an import alias
 * of one, with an argument list, in document order. Read from the resolver's per-statement call
 * index (filed by that same name), so a statement's calls are not walked again.
 */
function layerNamedCalls(stmt: Node, aliases: ReadonlySet<string>): Node[] {
  const out: Node[] = [];
  let lists = 0;
  callsByCalleeName(stmt).forEach((calls, name) => {
    if (!LAYER_NAMES.has(name) && !aliases.has(name)) return;
    lists++;
    for (const call of calls) if (call.childForFieldName('arguments')?.type === 'argument_list') out.push(call);
  });
  // Each list is in document order; several are merged by preorder number (document order in the statement).
  if (lists > 1) out.sort((a, b) => a.pre - b.pre);
  return out;
}

/** Parses Python source into the model IR. `initPythonParser()` must have resolved. */
export function parsePythonModel(text: string): ModelIR {
  const tree = parseSyntaxTree(text);
  return tree ? modelFromTree(tree) : EMPTY_MODEL;
}
