import type { Tree } from 'web-tree-sitter';
import type { LayerCall, ModelClass, ModelIR } from '../../ir/model';
import { ModelBuilder } from './modelBuilder';
import { Resolver } from './resolver';
import { pythonParser, type PythonParser } from './treeSitter';

const CALL_QUERY = '(call function: [(identifier) (attribute)] @callee arguments: (argument_list) @args) @call';

export const EMPTY_MODEL: ModelIR = { layerCalls: [], classes: [], typeGuardedAccesses: [] };

/** Builds the model IR slice from a parsed tree. */
export function modelFromTree(tree: Tree, ts: PythonParser, resolver: Resolver = new Resolver(tree, ts)): ModelIR {
  const builder = new ModelBuilder(ts, resolver);
  const layerCalls: LayerCall[] = [];
  for (const match of ts.query(CALL_QUERY).matches(tree.rootNode)) {
    const call = match.captures.find((c) => c.name === 'call')?.node;
    if (!call) continue;
    const layer = builder.layerCall(call);
    if (layer) layerCalls.push(layer);
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
  const ts = pythonParser();
  const tree = ts.parser.parse(text);
  if (!tree) return EMPTY_MODEL;
  try {
    return modelFromTree(tree, ts);
  } finally {
    tree.delete();
  }
}
