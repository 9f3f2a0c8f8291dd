import { parseSyntaxTree, type SyntaxTree as Tree } from './syntaxTree';
import type { LayerCall, ModelClass, ModelIR } from '../../ir/model';
import { ModelBuilder } from './modelBuilder';
import { Resolver } from './resolver';
import { classifyLayer, FLAX_LAYERS, KERAS_LAYERS, TORCH_LAYERS } from './torchLayers';

const LAYER_NAMES: ReadonlySet<string> = new Set([...TORCH_LAYERS.keys(), ...KERAS_LAYERS.keys(), ...FLAX_LAYERS.keys()]);

export const EMPTY_MODEL: ModelIR = { layerCalls: [], classes: [], typeGuardedAccesses: [] };

/** Builds the model IR slice from a parsed tree. */
export function modelFromTree(tree: Tree, resolver: Resolver = new Resolver(tree)): ModelIR {
  const builder = new ModelBuilder(resolver);
  const layerCalls: LayerCall[] = [];
  // Layer class names, plus import aliases of layer classes (`from torch.nn import BatchNorm2d as BN`).
  const aliases = new Set([...resolver.imports.aliases].filter(([, target]) => classifyLayer(target)).map(([alias]) => alias));
  for (const [name, calls] of resolver.callIndex()) {
    if (!LAYER_NAMES.has(name) && !aliases.has(name)) continue;
    for (const call of calls) {
      const layer = builder.layerCall(call);
      if (layer) layerCalls.push(layer);
    }
  }
  layerCalls.sort((a, b) => a.span.startOffset - b.span.startOffset);
  const classes: ModelClass[] = [];
  for (const node of builder.findModelClasses(tree.rootNode)) {
    const cls = builder.modelClass(node);
    if (cls) classes.push(cls);
  }
  // Keras functional / inline-layer model-building functions at the top level.
  for (const stmt of tree.rootNode.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type !== 'function_definition') continue;
    const fn = builder.functionalModel(def) ?? builder.returnedModel(def);
    if (fn) classes.push(fn);
  }
  classes.sort((a, b) => a.span.startOffset - b.span.startOffset);
  return { layerCalls, classes, typeGuardedAccesses: builder.typeGuardedAccesses(tree.rootNode) };
}

/** Parses Python source into the model IR. `initPythonParser()` must have resolved. */
export function parsePythonModel(text: string): ModelIR {
  const tree = parseSyntaxTree(text);
  return tree ? modelFromTree(tree) : EMPTY_MODEL;
}
