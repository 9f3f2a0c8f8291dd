import type { Node, Tree } from 'web-tree-sitter';
import type { Argument, LayerCall, ModelIR } from '../../ir/model';
import { qualifiedName } from './imports';
import { Resolver } from './resolver';
import { spanOf } from './syntax';
import { TORCH_LAYERS } from './torchLayers';
import { pythonParser, type PythonParser } from './treeSitter';

const TORCH_LAYER_NAMES: ReadonlySet<string> = new Set(TORCH_LAYERS.keys());

const CALL_QUERY = '(call function: [(identifier) (attribute)] @callee arguments: (argument_list) @args) @call';

/** The class name of a `torch.nn` layer from its qualified name, e.g. `torch.nn.GroupNorm`. */
function torchLayerKind(qualified: string | undefined): string | undefined {
  if (!qualified || !qualified.startsWith('torch.nn.')) return undefined;
  const parts = qualified.split('.');
  if (parts.includes('functional')) return undefined;
  const kind = parts[parts.length - 1];
  return kind !== undefined && TORCH_LAYERS.has(kind) ? kind : undefined;
}

function mapArguments(argsNode: Node, params: readonly string[], resolver: Resolver): Argument[] {
  const args: Argument[] = [];
  let position = 0;
  let positionsKnown = true;
  for (const child of argsNode.namedChildren) {
    if (!child || child.type === 'comment') continue;
    if (child.type === 'keyword_argument') {
      const name = child.childForFieldName('name');
      const value = child.childForFieldName('value');
      if (!name || !value) continue;
      const v = resolver.resolve(value);
      args.push({
        name: name.text,
        position: undefined,
        value: v,
        span: spanOf(child),
        valueSpan: spanOf(value),
        ...(v.kind !== 'unknown' && v.provenance ? { provenance: v.provenance } : {}),
      });
    } else if (child.type === 'list_splat' || child.type === 'dictionary_splat') {
      // `*args` hides how many positional arguments follow; `**kw` hides keywords (unknown values stay out).
      if (child.type === 'list_splat') positionsKnown = false;
    } else {
      const v = resolver.resolve(child);
      args.push({
        name: positionsKnown ? params[position] : undefined,
        position: positionsKnown ? position : undefined,
        value: v,
        span: spanOf(child),
        valueSpan: spanOf(child),
        ...(v.kind !== 'unknown' && v.provenance ? { provenance: v.provenance } : {}),
      });
      position++;
    }
  }
  return args;
}

/** Builds the model IR slice from a parsed tree. */
export function modelFromTree(tree: Tree, ts: PythonParser, resolver: Resolver = new Resolver(tree, ts)): ModelIR {
  const imports = resolver.imports;
  const layerCalls: LayerCall[] = [];
  for (const match of ts.query(CALL_QUERY).matches(tree.rootNode)) {
    const call = match.captures.find((c) => c.name === 'call')?.node;
    const callee = match.captures.find((c) => c.name === 'callee')?.node;
    const argsNode = match.captures.find((c) => c.name === 'args')?.node;
    if (!call || !callee || !argsNode) continue;
    // A call with a syntax error inside tells us too little to be trusted.
    if (call.hasError) continue;
    const kind = torchLayerKind(qualifiedName(callee, imports, TORCH_LAYER_NAMES));
    if (!kind) continue;
    const signature = TORCH_LAYERS.get(kind);
    if (!signature) continue;
    layerCalls.push({
      kind,
      framework: 'torch',
      callee: callee.text,
      span: spanOf(call),
      calleeSpan: spanOf(callee),
      argumentsSpan: spanOf(argsNode),
      args: mapArguments(argsNode, signature.params, resolver),
    });
  }
  layerCalls.sort((a, b) => a.span.startOffset - b.span.startOffset);
  return { layerCalls };
}

/** Parses Python source into the model IR. `initPythonParser()` must have resolved. */
export function parsePythonModel(text: string): ModelIR {
  const ts = pythonParser();
  const tree = ts.parser.parse(text);
  if (!tree) return { layerCalls: [] };
  try {
    return modelFromTree(tree, ts);
  } finally {
    tree.delete();
  }
}
