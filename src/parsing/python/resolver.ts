import { NodeCache, SyntaxNode, type SyntaxNode as Node, type SyntaxTree as Tree } from './syntaxTree';
import { writtenAt, type CallableValue, type Provenance, type Value } from '../../ir/values';
import type { Span } from '../../ir/span';
import { collectImports, type ImportTable } from './imports';
import { ifClauses, literalValue, positionKey, spanOf } from './syntax';
import { dottedHead, dottedTail, dottedText } from './dottedNames';
import { classifyLayer } from './torchLayers';
import { configNormClass, mmcvNormName } from './configBuilders';
import { StatementIndex, StatementIndexKind } from './statementIndex';
import { CALLS } from './calls';

/**
 * Constant resolution with provenance. A `Resolver` is built once per parsed file; it answers
 * "what value does this expression have" for literals, module constants, function and class
 * defaults (`self.x = x` in `__init__`), argparse defaults (`args.batch_size`), simple
 * arithmetic, dict/list/config-object lookups within the file. Anything else is an explicit
 * `unknown` (with a `symbol` when it is a plain name/attribute/subscript path, so that two
 * uses of the same unresolved expression in one scope can still be compared).
 *
 * Scope tables are built lazily with tree-sitter queries restricted to the scope's node, so
 * resolving a value never walks the whole file.
 */

/** A parameter of a function as `Resolver.parameters` gives it (shared, read-only). */
export interface ParameterInfo {
  readonly name: string;
  readonly index: number;
  readonly default: Value | undefined;
  readonly span: Span;
  readonly splat: boolean;
  readonly keywordOnly: boolean;
  readonly defaultSpan?: Span;
}

/** Extra name bindings that override the scope's own (loop variables while unrolling a loop). */
export type Bindings = ReadonlyMap<string, Value>;

interface Site {
  /** The right-hand side, or undefined for an assignment whose value is not a plain expression (for-target, augmented, with-as). */
  readonly value: Node | undefined;
  /** The statement that binds (for positions and "after the use" checks). */
  readonly at: Node;
  /**
   * For a target of an unpacking assignment (`a, b = f(x)`; `value` is undefined): the value
   * unpacked, the target's position and the number of targets (see `Resolver.unpackedItem`).
   */
  readonly unpacked?: { readonly from: Node; readonly index: number; readonly count: number };
}

interface Param {
  readonly node: Node;
  readonly default: Node | undefined;
  /** `*args` / `**kwargs` */
  readonly splat: boolean;
  readonly index: number;
  /** After `*` or `*args`: only passed by keyword. */
  readonly keywordOnly: boolean;
}

/** Read access to a table's maps (the module's are answered from per-statement parts). */
interface Lookup<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
}

interface ScopeTable {
  /** The function_definition, class_definition, or null for the module. */
  readonly node: Node | null;
  readonly names: Lookup<readonly Site[]>;
  /** `a.b.c = v` targets by dotted text (`self.width`, `cfg.MODEL.WIDTH`). */
  readonly attrs: Lookup<readonly Site[]>;
  /** Names whose contents are mutated (`cfg['w'] = 1`, `cfg.update(...)`, `layers.append(...)`). */
  readonly mutated: { has(key: string): boolean };
  readonly params: ReadonlyMap<string, Param>;
}

/** The bindings of one scope, or of one module-level statement, as they are collected. */
interface SiteTable {
  readonly names: Map<string, Site[]>;
  readonly attrs: Map<string, Site[]>;
  readonly mutated: Set<string>;
}

interface ArgparseOption {
  readonly flag: string;
  readonly value: Value;
  readonly call: Node;
}

/**
 * Whether an identifier in `node`'s subtree has a name `bindings` binds. The resolver reads
 * bindings by the text of the identifiers it resolves (`name`, `symbolOf`, `isArgsName`), all
 * within the expression resolved: without such an identifier, `resolve(node, bindings)` is
 * `resolve(node)`. (Conservative: an attribute or keyword name counts too.)
 */
export function mentionsBound(node: Node, bindings: Bindings): boolean {
  if (node.type === 'identifier') return bindings.has(node.text);
  if (node.type === 'attribute' && bindings.has(SELF_VALUES)) {
    const dotted = dottedText(node);
    if (dotted !== undefined && bindings.has(dotted)) return true;
  }
  const children = node.children;
  for (let i = 0; i < children.length; i++) if (mentionsBound(children[i], bindings)) return true;
  return false;
}

/**
 * The key a walk's bindings hold while they also bind attributes of the instance being built
 * (`self.inplanes` -> 64, set in the order a constructor and the helpers it calls assign them:
 * see `ModelBuilder`); its value is never read. Not a name Python code can write.
 */
export const SELF_VALUES = 'self.';

/** Methods that change their object in place (the resolver stops trusting its assigned value). */
export const MUTATING_METHODS = new Set(['update', 'append', 'extend', 'insert', 'pop', 'setdefault', 'merge_from_file', 'merge_from_list', 'merge_from_other_cfg', 'clear', 'remove', 'add']);
const CONFIG_FACTORIES = new Set(['dict', 'SimpleNamespace', 'types.SimpleNamespace', 'EasyDict', 'edict', 'easydict.EasyDict', 'Namespace', 'argparse.Namespace', 'ConfigDict', 'ml_collections.ConfigDict', 'AttrDict', 'OmegaConf.create', 'omegaconf.OmegaConf.create', 'DictConfig']);

/** A binding site of a scope: the statement or expression (`whole`), its target and a mutating method. */
interface BindingSite {
  readonly whole: Node;
  readonly left: Node | undefined;
  readonly method: Node | undefined;
}

/**
 * The binding sites of the scope whose body (or, for the module, top-level statement) is `root`,
 * in document order: assignments, augmented assignments, `for` targets (statements and
 * comprehensions), walrus names, `as` targets, calls of a method on an object (possible
 * mutations), imports, and `global`/`nonlocal` names. Nested functions, classes and lambdas are
 * scopes of their own: the walk does not enter them (everything in them, their parameters'
 * defaults included, belongs to them) but lists the nested functions and classes in `defs`,
 * whose names the scope binds.
 */
function bindingSites(root: Node, defs?: Node[]): BindingSite[] {
  const out: BindingSite[] = [];
  /** Records the site `n` is; false for a nested scope, whose subtree is not walked. */
  const site = (n: Node): boolean => {
    switch (n.type) {
      case 'function_definition':
      case 'class_definition':
        defs?.push(n);
        return false;
      case 'lambda':
        return false;
      case 'assignment':
      case 'augmented_assignment':
      case 'for_statement':
      case 'for_in_clause': {
        const left = n.childForFieldName('left');
        if (left) out.push({ whole: n, left, method: undefined });
        break;
      }
      case 'named_expression': {
        const name = n.childForFieldName('name');
        if (name?.type === 'identifier') out.push({ whole: n, left: name, method: undefined });
        break;
      }
      case 'as_pattern_target':
        for (const c of n.namedChildren) out.push({ whole: n, left: c, method: undefined });
        break;
      case 'call': {
        const f = n.childForFieldName('function');
        const object = f?.type === 'attribute' ? f.childForFieldName('object') : null;
        const method = f?.type === 'attribute' ? f.childForFieldName('attribute') : null;
        if (object && method?.type === 'identifier') out.push({ whole: n, left: object, method });
        break;
      }
      case 'import_statement':
      case 'import_from_statement':
        out.push({ whole: n, left: undefined, method: undefined });
        break;
      case 'global_statement':
      case 'nonlocal_statement':
        for (const c of n.namedChildren) if (c.type === 'identifier') out.push({ whole: n, left: c, method: undefined });
        break;
    }
    return true;
  };
  if (root.parent === null) {
    // (The module node: its statements' preorder numbers are their own. Not asked today.)
    const visit = (n: Node): void => {
      if (n.isNamed && SITE_TYPES.has(n.type) && !site(n)) return;
      for (const c of n.children) visit(c);
    };
    visit(root);
    return out;
  }
  // The nodes of the types `site` looks at, in document order, from the list its top-level
  // statement keeps (`siteNodes`) rather than a walk of every node and token: those numbered
  // within `root`'s subtree. A nested scope's nodes follow it, up to its subtree's last number:
  // skipped.
  let top = root;
  while (top.parent?.parent) top = top.parent;
  const nodes = siteNodes(top);
  let i = 0;
  let hi = nodes.length;
  while (i < hi) {
    const mid = (i + hi) >> 1;
    if (nodes[mid].pre < root.pre) i = mid + 1;
    else hi = mid;
  }
  let skipThrough = -1;
  for (; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.pre > root.last) break;
    if (n.pre > skipThrough && !site(n)) skipThrough = n.last;
  }
  return out;
}

/** Per top-level statement node: see `siteNodes`. */
const SITE_NODES = new NodeCache<readonly Node[]>();

/** The named nodes of a top-level statement whose type `bindingSites` looks at, in document order (do not modify). */
function siteNodes(statement: Node): readonly Node[] {
  let nodes = SITE_NODES.get(statement);
  if (!nodes) {
    const all: Node[] = [];
    SyntaxNode.ofTypesIn(statement, SITE_TYPES, all);
    // (The `lambda` keyword is an unnamed node of the type of the named `lambda` expression.)
    nodes = all.filter((n) => n.isNamed);
    SITE_NODES.set(statement, nodes);
  }
  return nodes;
}

/** The node types `bindingSites` stops at: binding sites and nested scopes. */
const SITE_TYPES: ReadonlySet<string> = new Set([
  'function_definition',
  'class_definition',
  'lambda',
  'assignment',
  'augmented_assignment',
  'for_statement',
  'for_in_clause',
  'named_expression',
  'as_pattern_target',
  'call',
  'import_statement',
  'import_from_statement',
  'global_statement',
  'nonlocal_statement',
]);

/** The callee's method name when `call` is `<expr>.<name>(...)`. */
function methodName(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  const a = f?.type === 'attribute' ? f.childForFieldName('attribute') : null;
  return a?.type === 'identifier' ? a.text : undefined;
}



function unknown(node: Node, reason?: string, symbol?: string): Value {
  const text = node.text;
  // (Properties set in the IR's order, the optional ones only when given.)
  const v: { kind: 'unknown'; text: string; symbol?: string; reason?: string } = { kind: 'unknown', text: text.length > 80 ? `${text.slice(0, 77)}...` : text };
  if (symbol) v.symbol = symbol;
  if (reason) v.reason = reason;
  return v;
}

function withProvenance(value: Value, provenance: Provenance): Value {
  if (value.kind === 'unknown') return value;
  return { ...value, provenance };
}

/** The innermost enclosing function/class/lambda of a node, or null at module level. */
export function enclosingScope(node: Node): Node | null {
  // (Compared with the three types: asked for most resolved names, up their ancestors.)
  for (let n = node.parent; n; n = n.parent) {
    const t = n.type;
    if (t === 'function_definition' || t === 'class_definition' || t === 'lambda') return n;
  }
  return null;
}

/** Which values `==` can tell apart by kind alone: numbers (and bools, which are ints), strings, `None`. */
function scalarClass(v: Value): 'number' | 'string' | 'none' | undefined {
  return v.kind === 'number' || v.kind === 'bool' ? 'number' : v.kind === 'string' ? 'string' : v.kind === 'none' ? 'none' : undefined;
}

/** `x == y` for scalars (numbers, bools, strings, `None`); undefined when either is something else. */
function scalarEquals(x: Value, y: Value): boolean | undefined {
  const cx = scalarClass(x);
  const cy = scalarClass(y);
  if (cx === undefined || cy === undefined) return undefined;
  if (cx !== cy) return false;
  if (cx === 'none') return true;
  if (cx === 'string') return x.kind === 'string' && y.kind === 'string' && x.value === y.value;
  return numberOf(x) === numberOf(y);
}

/** `item in container` for a sequence of scalars, a string (substring) or a dict (keys); undefined when not known. */
function contains(container: Value, item: Value): boolean | undefined {
  if (container.kind === 'string') return item.kind === 'string' ? container.value.includes(item.value) : undefined;
  if (container.kind === 'dict') return item.kind === 'string' ? container.entries.some(([k]) => k === item.value) : undefined;
  if (container.kind !== 'sequence') return undefined;
  let unsure = false;
  for (const x of container.items) {
    const same = scalarEquals(item, x);
    if (same === true) return true;
    if (same === undefined) unsure = true;
  }
  return unsure ? undefined : false;
}

/**
 * How deep `helperCall` evaluations may nest (`default(pair(x), ...)`), and how many one
 * resolver makes (what each evaluates is not kept, so helpers calling helpers several times each
 * would multiply: a file written to blow up stops here, not the analysis).
 */
const MAX_HELPER_DEPTH = 4;
const MAX_HELPER_CALLS = 5000;
/** Statements one helper call may run (`runHelper`). */
const MAX_HELPER_STATEMENTS = 64;

/**
 * The classes timm's `get_act_layer` and `get_norm_layer` return for a layer name
 * (`_ACT_LAYER_ME` then `_ACT_LAYER_DEFAULT` in timm/layers/create_act.py, as when not exporting,
 * with a torch that has SiLU, Mish, Hardswish and Hardsigmoid; `_NORM_MAP` in
 * timm/layers/create_norm.py). timm's own classes are named by their `timm.layers` export.
 */
const TIMM_ACT_LAYERS: ReadonlyMap<string, string> = new Map([
  ...(['silu', 'swish'].map((n) => [n, 'torch.nn.SiLU'] as const)),
  ['mish', 'torch.nn.Mish'], ['relu', 'torch.nn.ReLU'], ['relu6', 'torch.nn.ReLU6'], ['leaky_relu', 'torch.nn.LeakyReLU'], ['elu', 'torch.nn.ELU'],
  ['celu', 'torch.nn.CELU'], ['selu', 'torch.nn.SELU'], ['identity', 'torch.nn.Identity'],
  ...(['hard_sigmoid', 'hardsigmoid'].map((n) => [n, 'torch.nn.Hardsigmoid'] as const)),
  ...(['hard_swish', 'hardswish'].map((n) => [n, 'torch.nn.Hardswish'] as const)),
  ['prelu', 'timm.layers.PReLU'], ['gelu', 'timm.layers.GELU'], ['gelu_tanh', 'timm.layers.GELUTanh'], ['quick_gelu', 'timm.layers.QuickGELU'],
  ['sigmoid', 'timm.layers.Sigmoid'], ['tanh', 'timm.layers.Tanh'], ['hard_mish', 'timm.layers.HardMishMe'],
]);
const TIMM_NORM_LAYERS: ReadonlyMap<string, string> = new Map([
  ['batchnorm', 'torch.nn.BatchNorm2d'], ['batchnorm2d', 'torch.nn.BatchNorm2d'], ['batchnorm1d', 'torch.nn.BatchNorm1d'],
  ['frozenbatchnorm2d', 'torchvision.ops.misc.FrozenBatchNorm2d'],
  ...(['GroupNorm', 'GroupNorm1', 'LayerNorm', 'LayerNorm2d', 'LayerNormFp32', 'LayerNorm2dFp32', 'RmsNorm', 'RmsNorm2d', 'RmsNormFp32', 'RmsNorm2dFp32',
    'SimpleNorm', 'SimpleNorm2d', 'SimpleNormFp32', 'SimpleNorm2dFp32'].map((c) => [c.toLowerCase(), `timm.layers.${c}`] as const)),
]);

/**
 * What timm's `get_act_layer(x)` / `get_norm_layer(x)` (`call`) return for a resolved `x`: `None`
 * for `None`, a layer class or `functools.partial` as it is (`get_norm_layer` keeps only a
 * partial's keyword arguments), a name looked up as timm does (`get_act_layer` lower-cases it;
 * `get_norm_layer` also drops underscores; an empty name gives `None`). Undefined when that is not known.
 */
function timmLayerFactory(fn: 'get_act_layer' | 'get_norm_layer', x: Value, call: Node): Value | undefined {
  if (x.kind === 'none') return x;
  if (x.kind === 'callable') return fn === 'get_norm_layer' && x.boundPositional.length > 0 ? { ...x, boundPositional: [] } : x;
  if (x.kind !== 'string') return undefined;
  if (x.value === '') return { kind: 'none', provenance: writtenAt(`${fn}('')`, spanOf(call)) };
  const key = fn === 'get_act_layer' ? x.value.toLowerCase() : x.value.replace(/_/g, '').toLowerCase();
  const target = (fn === 'get_act_layer' ? TIMM_ACT_LAYERS : TIMM_NORM_LAYERS).get(key);
  if (!target) return undefined;
  const provenance: { -readonly [K in keyof Provenance]: Provenance[K] } = writtenAt(`${fn}('${x.value}')`, spanOf(call));
  // (The name may be a parameter's default that a caller overrides.)
  if (x.provenance?.inferred) provenance.inferred = true;
  return { kind: 'callable', target, boundPositional: [], boundKeywords: [], provenance };
}

/** timm's `_NORM_ACT_MAP` and `_NORM_TO_NORM_ACT_MAP` (timm/layers/create_norm_act.py), for the norm + activation classes the front end knows. */
const TIMM_NORM_ACT_LAYERS: ReadonlyMap<string, string> = new Map([
  ['batchnorm', 'BatchNormAct2d'], ['batchnorm2d', 'BatchNormAct2d'], ['groupnorm', 'GroupNormAct'], ['groupnorm1', 'GroupNorm1Act'],
  ['layernorm', 'LayerNormAct'], ['layernorm2d', 'LayerNormAct2d'],
].map(([k, v]) => [k, `timm.layers.${v}`] as const));

/**
 * What timm's `get_norm_act_layer(norm_layer, act_layer)` (`call`) returns: the norm + activation
 * class for a norm name (`'batchnorm2d'`, timm's `_NORM_ACT_MAP`) or norm class (its lower-cased
 * name in `_NORM_TO_NORM_ACT_MAP`: `nn.BatchNorm2d` -> `BatchNormAct2d`), a norm + activation
 * class as it is, a partial's keywords kept, and `act_layer` bound unless the partial binds it
 * (timm passes it, `None` included: no activation). `None` for `None` or `''`. Undefined when not known.
 */
function timmNormActLayer(norm: Value, act: Value, call: Node): Value | undefined {
  if (norm.kind === 'none' || (norm.kind === 'string' && norm.value === '')) return { kind: 'none', provenance: writtenAt('get_norm_act_layer(...)', spanOf(call)) };
  let target: string | undefined;
  if (norm.kind === 'string') target = TIMM_NORM_ACT_LAYERS.get(norm.value.replace(/_/g, '').toLowerCase().split('-')[0] ?? '');
  else if (norm.kind === 'callable') {
    const known = classifyLayer(norm.target);
    target = known && /Act(2d)?$/.test(known.kind) ? norm.target : TIMM_NORM_ACT_LAYERS.get(norm.target.slice(norm.target.lastIndexOf('.') + 1).toLowerCase());
  }
  if (!target || act.kind === 'unknown' || (norm.kind === 'callable' && norm.boundPositional.length > 0)) return undefined;
  const keywords = norm.kind === 'callable' ? norm.boundKeywords : [];
  const provenance: { -readonly [K in keyof Provenance]: Provenance[K] } = writtenAt('get_norm_act_layer(...)', spanOf(call));
  if (norm.kind !== 'unknown' && norm.provenance?.inferred) provenance.inferred = true;
  return { kind: 'callable', target, boundPositional: [], boundKeywords: keywords.some(([k]) => k === 'act_layer') ? keywords : [...keywords, ['act_layer', act]], provenance };
}

/**
 * What mmcv's `build_norm_layer(cfg, C, postfix)` (`call`) returns for a resolved config: the
 * tuple of the layer's name (`infer_abbr` of the class and `str(postfix)`: `'bn1'`, `'gn'`) and
 * the layer (an unknown value: the model IR builds it). Undefined when the config's class or the
 * postfix is not known.
 */
function mmcvNormLayer(call: Node, cfg: Value, postfix: Value | undefined): Value | undefined {
  const cls = cfg.kind === 'dict' ? configNormClass(cfg) : undefined;
  const suffix = postfix === undefined ? '' : postfix.kind === 'string' ? postfix.value : postfix.kind === 'number' && postfix.isInteger ? String(postfix.value) : undefined;
  if (!cls || suffix === undefined) return undefined;
  const provenance: { -readonly [K in keyof Provenance]: Provenance[K] } = writtenAt('the name build_norm_layer gives', spanOf(call));
  // (The config or postfix may be a parameter's default that a caller overrides.)
  if ((cfg.kind !== 'unknown' && cfg.provenance?.inferred) || (postfix?.kind !== 'unknown' && postfix?.provenance?.inferred)) provenance.inferred = true;
  const name: Value = { kind: 'string', value: mmcvNormName(cls, suffix), provenance };
  return { kind: 'sequence', items: [name, unknown(call, 'a layer built by build_norm_layer')], tuple: true, provenance };
}

/**
 * `isinstance(value, types)` for a known value and builtin type names (`int`, `float`, `bool`,
 * `str`, `tuple`, `list`, or a tuple of them); undefined for any other type (a class, a tensor
 * type, `dict`) or an unknown value.
 */
function isInstance(value: Value, types: Node): boolean | undefined {
  const names = types.type === 'tuple' ? types.namedChildren.filter((c) => c.type !== 'comment') : [types];
  let any = false;
  for (const t of names) {
    if (t.type !== 'identifier') return undefined;
    const is = builtinInstance(value, t.text);
    if (is === undefined) return undefined;
    any ||= is;
  }
  return any;
}

function builtinInstance(v: Value, type: string): boolean | undefined {
  if (v.kind === 'unknown' || v.kind === 'callable') return undefined;
  switch (type) {
    case 'int':
      // (`bool` is a subclass of `int`.)
      return v.kind === 'bool' || (v.kind === 'number' && v.isInteger);
    case 'float':
      return v.kind === 'number' && !v.isInteger;
    case 'bool':
      return v.kind === 'bool';
    case 'str':
      return v.kind === 'string';
    case 'tuple':
      return v.kind === 'sequence' && v.tuple === true;
    case 'list':
      return v.kind === 'sequence' && v.tuple !== true;
    default:
      // (`dict` too: a config object built in the file, `SimpleNamespace(...)`, reads as a dict value.)
      return undefined;
  }
}

/** Python's `round(x)`: halves go to the even neighbour (`round(2.5)` is 2, `round(3.5)` is 4), not up as `Math.round`. */
function roundHalfEven(n: number): number {
  return Math.abs(n % 1) === 0.5 ? 2 * Math.round(n / 2) : Math.round(n);
}

/**
 * Whether a loop inside `fn` holds `a` and has `b` in its body (so each can run after the other;
 * a loop's own header, such as the iterable of a `for`, runs once before its first iteration).
 */
function inSameLoop(a: Node, b: Node, fn: Node): boolean {
  for (let n = b.parent; n && n !== fn; n = n.parent) {
    if ((n.type === 'for_statement' || n.type === 'while_statement') && a.startIndex >= n.startIndex && a.endIndex <= n.endIndex && within(b, n.childForFieldName('body'))) return true;
  }
  return false;
}

function within(node: Node, outer: Node | null): boolean {
  return outer !== null && node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;
}

/**
 * The `if name is None:` statement (no `elif`/`else`, directly in `fn`'s body) whose block holds
 * the assignment `at` as one of its own statements; undefined otherwise.
 */
function noneGuardOf(at: Node, name: string, fn: Node | null): Node | undefined {
  const stmt = at.parent?.type === 'expression_statement' ? at.parent : undefined;
  const block = stmt?.parent;
  const guard = block?.type === 'block' ? block.parent : undefined;
  if (!fn || guard?.type !== 'if_statement' || guard.childForFieldName('consequence') !== block) return undefined;
  if (guard.childrenForFieldName('alternative').length > 0 || guard.parent !== fn.childForFieldName('body')) return undefined;
  const condition = guard.childForFieldName('condition');
  if (condition?.type !== 'comparison_operator') return undefined;
  const parts = condition.children;
  const ok = parts.length === 3 && parts[0].type === 'identifier' && parts[0].text === name && parts[1].type === 'is' && parts[2].type === 'none';
  return ok ? guard : undefined;
}

/**
 * `hidden = hidden or dim` directly in `fn`'s body: the right operand of the `or` (what a `None`
 * left operand gives); undefined otherwise.
 */
function orDefault(site: Site, name: string, fn: Node): Node | undefined {
  const value = site.value;
  const stmt = site.at.parent;
  if (value?.type !== 'boolean_operator' || stmt?.type !== 'expression_statement' || stmt.parent !== fn.childForFieldName('body')) return undefined;
  const left = value.childForFieldName('left');
  if (value.childForFieldName('operator')?.text !== 'or' || left?.type !== 'identifier' || left.text !== name) return undefined;
  return value.childForFieldName('right') ?? undefined;
}

/** Whether `node` lies inside the body of `scope` rather than in its parameters or decorators. */
function ownScope(node: Node, scope: Node | null): boolean {
  const s = enclosingScope(node);
  if (scope === null) return s === null;
  return s !== null && s === scope;
}

/**
 * `text.replace(/\s+/g, '')`, without the regular expression for text of printable ASCII
 * characters other than the space (most callees and paths): it has none to remove.
 */
function withoutSpaces(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return text.replace(/\s+/g, '');
  }
  return text;
}

/** Flattens assignment targets: `a, (b, c)` -> [a, b, c]. */
function targets(node: Node): Node[] {
  if (node.type === 'pattern_list' || node.type === 'tuple_pattern' || node.type === 'list_pattern' || node.type === 'tuple' || node.type === 'list' || node.type === 'parenthesized_expression') {
    return node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment').flatMap(targets);
  }
  if (node.type === 'list_splat_pattern' || node.type === 'list_splat') {
    const inner = node.namedChildren[0];
    return inner ? targets(inner) : [];
  }
  return [node];
}

/** The innermost right-hand side of `a = b = v`. */
function assignedValue(assignment: Node): Node | undefined {
  let right = assignment.childForFieldName('right');
  while (right && right.type === 'assignment') right = right.childForFieldName('right');
  return right ?? undefined;
}

function numberOf(v: Value): number | undefined {
  if (v.kind === 'number') return v.value;
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return undefined;
}

function isInt(v: Value): boolean {
  return v.kind === 'bool' || (v.kind === 'number' && v.isInteger);
}

function num(value: number, isInteger: boolean): Value {
  return { kind: 'number', value, isInteger: isInteger && Number.isInteger(value) };
}

/** Python's `str()` of a resolved int, string or bool; undefined for anything else (floats print differently). */
function pyStr(v: Value): string | undefined {
  if (v.kind === 'string') return v.value;
  if (v.kind === 'bool') return v.value ? 'True' : 'False';
  if (v.kind === 'number' && v.isInteger && Number.isInteger(v.value)) return String(v.value);
  return undefined;
}

function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * `Resolver.qualify` per node (a function of the node's subtree and the import table), with the
 * import table it was read with.
 */
const QUALIFIED = new NodeCache<string | null>();
const QUALIFIED_WITH = new NodeCache<ImportTable>();

/**
 * A module-level name's (or attribute's) binding sites gathered from several statements, and the
 * calls of one name gathered likewise, by the index's answer they were gathered from
 * (`StatementIndex.statementsWith`, specific to the key): an index keeps its answer, the same
 * array, until a statement with that key is added or removed, so an open document's resolvers
 * (one per edit) gather them once.
 */
const GATHERED_SITES = new WeakMap<readonly Node[], readonly Site[]>();
const GATHERED_CALLS = new WeakMap<readonly Node[], readonly Node[]>();

/** Resolves expressions of one parsed file to values with provenance. */
export class Resolver {
  readonly imports: ImportTable;
  private readonly tables = new Map<Node, ScopeTable>();
  private moduleTable: ScopeTable | undefined;
  private argparse: Map<string, ArgparseOption[]> | undefined;
  private argsNames: Set<string> | undefined;
  private readonly callsByName = new Map<string, readonly Node[]>();
  private readonly memo = new Map<Node, Value>();
  /** `parameters` by function node id. */
  private readonly parameterLists = new Map<Node, readonly ParameterInfo[]>();
  private readonly callSiteOverrides = new Map<Param, boolean>();
  /**
   * A parameter's value from its default when no caller in the file overrides it, by parameter
   * (it depends on neither the use nor bindings: see `parameter`), shared by its uses.
   */
  private readonly parameterDefaults = new Map<Param, Value>();
  /** The assignments of `self.<attr>` in a class's methods, by class and attribute (see `selfAttribute`). */
  private readonly selfSites = new Map<Node, Map<string, readonly { site: Site; table: ScopeTable }[]>>();
  /** `positionKey` of the scopes `symbolOf` names (a function of the node in this resolver's tree). */
  private readonly scopeKeys = new Map<Node, string>();
  private readonly definitions = new Map<string, Node | undefined>();
  private depth = 0;

  /**
   * Whole-file facts (imports, module-level bindings, calls by name, top-level definitions) are
   * read from per-statement indexes (see `StatementIndex`), so building a resolver and asking it
   * about one statement does not cost the whole file, and an edited document's indexes are
   * moved forward by the statements that changed.
   */
  constructor(
    readonly tree: Tree,
    imports?: ImportTable,
  ) {
    this.imports = imports ?? collectImports(tree);
  }

  /** Top-level class definitions by name (the last one when a name is defined twice). */
  topLevelClass(name: string): Node | undefined {
    return this.definition(`c:${name}`);
  }

  /** Top-level function definitions by name (the last one when a name is defined twice). */
  topLevelFunction(name: string): Node | undefined {
    return this.definition(`f:${name}`);
  }

  /** The last top-level definition filed under `key` (`c:Name` or `f:name`). */
  private definition(key: string): Node | undefined {
    if (this.definitions.has(key)) return this.definitions.get(key);
    const index = StatementIndex.of(this.tree, DEFINITIONS);
    const statements = index.statementsWith(key);
    const last = statements[statements.length - 1];
    const def = last ? (index.partOf(last)?.def ?? undefined) : undefined;
    this.definitions.set(key, def);
    return def;
  }

  /** The fully qualified name of a dotted expression through the file's imports, e.g. `torch.nn.BatchNorm2d`. */
  qualify(node: Node): string | undefined {
    // (Asked about the same callees by the layer calls, the classes and the forward walks; and
    // again after an edit of another statement: kept with the node while the imports stay.)
    if (QUALIFIED_WITH.get(node) === this.imports) return QUALIFIED.get(node) ?? undefined;
    const q = this.qualifyUncached(node);
    QUALIFIED_WITH.set(node, this.imports);
    QUALIFIED.set(node, q ?? null);
    return q;
  }

  private qualifyUncached(node: Node): string | undefined {
    const head = dottedHead(node);
    const rest = head === undefined ? undefined : dottedTail(node);
    if (head === undefined || rest === undefined) return undefined;
    // (`rest` is '' for a bare name; an attribute has names after the head even when one is missing.)
    const hasRest = node.type === 'attribute';
    const bound = this.imports.aliases.get(head);
    if (bound) return hasRest ? `${bound}.${rest}` : bound;
    if (hasRest && (head === 'torch' || head === 'nn' || head === 'F')) {
      const base = head === 'torch' ? 'torch' : head === 'nn' ? 'torch.nn' : 'torch.nn.functional';
      return `${base}.${rest}`;
    }
    // `from torch.nn import *` then `GroupNorm(...)`: only names the framework really exports.
    if (!hasRest) {
      for (const m of this.imports.starModules) if (classifyLayer(`${m}.${head}`)) return `${m}.${head}`;
    }
    return undefined;
  }

  /** How many `helperCall` evaluations enclose the one being resolved, and how many this resolver made. */
  private helperDepth = 0;
  private helperCalls = 0;

  /** Resolves an expression node to a value. `bindings` override names (loop variables). */
  resolve(node: Node, bindings?: Bindings): Value {
    if (this.depth > 40) return unknown(node, 'too deep');
    // Bindings are read for identifiers only (see `mentionsBound`): an expression that mentions
    // none of their names has the value it has without them, resolved once.
    const bound = bindings !== undefined && bindings.size > 0 && mentionsBound(node, bindings) ? bindings : undefined;
    if (!bound) {
      const cached = this.memo.get(node);
      if (cached) return cached;
    }
    this.depth++;
    try {
      const v = this.resolveInner(node, bound);
      if (!bound) this.memo.set(node, v);
      return v;
    } finally {
      this.depth--;
    }
  }

  private resolveInner(node: Node, bindings: Bindings | undefined): Value {
    if (node.hasError) return unknown(node, 'syntax error');
    switch (node.type) {
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'string':
      case 'concatenated_string': {
        if (node.type === 'string' && node.namedChildren.some((c) => c?.type === 'interpolation')) return this.fString(node, bindings);
        const v = node.type === 'concatenated_string' ? this.concatenated(node) : literalValue(node);
        // (`v` is a new object: its provenance is set in place, not by a copy.)
        if (v.kind !== 'unknown') (v as { provenance?: Provenance }).provenance = writtenAt('literal', spanOf(node));
        return v;
      }
      case 'parenthesized_expression': {
        const inner = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
        return inner.length === 1 && inner[0] ? this.resolve(inner[0], bindings) : unknown(node);
      }
      case 'unary_operator': {
        const op = node.childForFieldName('operator')?.text;
        const arg = node.childForFieldName('argument');
        if (!arg) return unknown(node);
        const v = this.resolve(arg, bindings);
        const n = numberOf(v);
        if (n === undefined) return unknown(node, undefined, this.symbolOf(node, bindings));
        if (op === '-') return this.derived(num(-n, isInt(v)), node, [v]);
        if (op === '+') return this.derived(num(n, isInt(v)), node, [v]);
        if (op === '~' && isInt(v)) return this.derived(num(~n, true), node, [v]);
        return unknown(node);
      }
      case 'not_operator': {
        const arg = node.childForFieldName('argument');
        const v = arg ? this.resolve(arg, bindings) : undefined;
        const t = v ? this.truthy(v) : undefined;
        return t === undefined || !v ? unknown(node) : this.derived({ kind: 'bool', value: !t }, node, [v]);
      }
      case 'binary_operator':
        return this.binary(node, bindings);
      case 'boolean_operator': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const op = node.childForFieldName('operator')?.text;
        if (!left || !right) return unknown(node);
        const l = this.resolve(left, bindings);
        const t = this.truthy(l);
        if (t === undefined) return unknown(node);
        if ((op === 'and' && !t) || (op === 'or' && t)) return l;
        return this.resolve(right, bindings);
      }
      case 'comparison_operator':
        return this.comparison(node, bindings);
      case 'conditional_expression': {
        const [a, cond, b] = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
        if (!a || !cond || !b) return unknown(node);
        const t = this.truthy(this.resolve(cond, bindings));
        if (t === undefined) return unknown(node, 'condition not known');
        return this.resolve(t ? a : b, bindings);
      }
      case 'tuple':
      case 'list': {
        const items: Value[] = [];
        for (const child of node.namedChildren) {
          if (!child || child.type === 'comment') continue;
          if (child.type === 'list_splat') {
            const inner = child.namedChildren[0];
            const v = inner ? this.resolve(inner, bindings) : undefined;
            if (v?.kind !== 'sequence') return unknown(node, 'starred element not known');
            items.push(...v.items);
          } else items.push(this.resolve(child, bindings));
        }
        return { kind: 'sequence', items, tuple: node.type === 'tuple', provenance: writtenAt('literal', spanOf(node)) };
      }
      case 'dictionary': {
        const entries: (readonly [string, Value])[] = [];
        for (const child of node.namedChildren) {
          if (!child || child.type === 'comment') continue;
          if (child.type === 'pair') {
            const key = child.childForFieldName('key');
            const value = child.childForFieldName('value');
            if (!key || !value) return unknown(node);
            const k = this.resolve(key, bindings);
            if (k.kind !== 'string' && k.kind !== 'number') return unknown(node, 'key not known');
            entries.push([String(k.value), this.resolve(value, bindings)]);
          } else if (child.type === 'dictionary_splat') {
            const inner = child.namedChildren[0];
            const v = inner ? this.resolve(inner, bindings) : undefined;
            if (v?.kind !== 'dict') return unknown(node, 'unpacked mapping not known');
            entries.push(...v.entries);
          } else return unknown(node);
        }
        return { kind: 'dict', entries: dedupe(entries), provenance: writtenAt('literal', spanOf(node)) };
      }
      case 'identifier':
        return this.name(node, bindings);
      case 'attribute':
        return this.attribute(node, bindings);
      case 'subscript':
        return this.subscript(node, bindings);
      case 'call':
        return this.call(node, bindings);
    }
    return unknown(node);
  }

  /** A value computed from operands: resolved, with provenance naming the non-literal origins. */
  private derived(value: Value, node: Node, operands: readonly Value[]): Value {
    if (value.kind === 'unknown') return value;
    let origins: Provenance[] | undefined;
    let inferred = false;
    for (const o of operands) {
      const op = o.kind === 'unknown' ? undefined : o.provenance;
      // A literal written in this expression is part of it; one written elsewhere (a constructor
      // argument bound to a parameter: `c * 2` for `Block(24)`) is where the value comes from.
      if (op === undefined || (op.description.startsWith('literal') && op.span.startOffset >= node.startIndex && op.span.endOffset <= node.endIndex)) continue;
      (origins ??= []).push(op);
      if (op.inferred) inferred = true;
    }
    const first = origins?.[0];
    const p: { -readonly [K in keyof Provenance]: Provenance[K] } = !origins
      ? writtenAt('literal', spanOf(node))
      : origins.length === 1 && first
        ? { description: 'computed from', span: first.span, from: first.from ?? [first] }
        : { description: 'computed from', span: spanOf(node), from: origins.flatMap((o) => o.from ?? [o]) };
    if (inferred) p.inferred = true;
    // (Every caller passes a new value: its provenance is set in place, in the position a copy
    // `{ ...value, provenance }` would give it, the last.)
    (value as { provenance?: Provenance }).provenance = p;
    return value;
  }

  /** An f-string whose replacement fields all resolve to ints, strings or bools (`f'layer{i + 1}'`). */
  private fString(node: Node, bindings: Bindings | undefined): Value {
    let out = '';
    const operands: Value[] = [];
    for (const part of node.namedChildren) {
      if (!part || part.type === 'string_start' || part.type === 'string_end') continue;
      if (part.type === 'string_content') {
        out += part.text;
        continue;
      }
      if (part.type !== 'interpolation') return unknown(node, 'f-string part not known', this.symbolOf(node, bindings));
      const inner = part.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      const [expr, ...rest] = inner;
      // A conversion (`!r`) or a format spec (`:02d`) changes the text: not followed.
      // (So does a self-documenting `{x=}`: its `=` token is not in the copy, but the text after `x` is not just the closing brace.)
      if (!expr || rest.length > 0 || part.tree.text.slice(expr.endIndex, part.endIndex).trim() !== '}') return unknown(node, 'f-string formatting not followed');
      const v = this.resolve(expr, bindings);
      const text = pyStr(v);
      if (text === undefined) return unknown(node, `\`${expr.text}\` did not resolve`);
      operands.push(v);
      out += text;
    }
    return this.derived({ kind: 'string', value: out }, node, operands);
  }

  /** `'layer%d' % i`, `'%s_%d' % (name, i)`: `%s`, `%d`, `%i` and `%%` only. */
  private percentFormat(node: Node, format: string, args: Value): Value {
    const values = args.kind === 'sequence' && args.tuple ? args.items : [args];
    let k = 0;
    let failed = false;
    const out = format.replace(/%([%sdi])/g, (_, c: string) => {
      if (c === '%') return '%';
      const v = values[k++];
      const text = v && (c === 's' ? pyStr(v) : v.kind === 'number' && Number.isInteger(v.value) ? String(v.value) : undefined);
      if (text === undefined) failed = true;
      return text ?? '';
    });
    if (failed || k !== values.length || /%[^%sdi]/.test(format.replace(/%[%sdi]/g, ''))) return unknown(node, 'string formatting not followed');
    return this.derived({ kind: 'string', value: out }, node, values);
  }

  /** `'layer{}'.format(i)`, `'{0}_{name}'.format(i, name=n)`: plain fields only. */
  private braceFormat(node: Node, format: string, positional: readonly Value[], keywords: ReadonlyMap<string, Value>): Value {
    let auto = 0;
    let failed = false;
    const out = format.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
      if (m === '{{') return '{';
      if (m === '}}') return '}';
      const f = field ?? '';
      const v = f === '' ? positional[auto++] : /^\d+$/.test(f) ? positional[Number(f)] : /^[A-Za-z_]\w*$/.test(f) ? keywords.get(f) : undefined;
      const text = v ? pyStr(v) : undefined;
      if (text === undefined) failed = true;
      return text ?? '';
    });
    if (failed || /[{}]/.test(format.replace(/\{\{|\}\}|\{[^{}]*\}/g, ''))) return unknown(node, 'string formatting not followed');
    return this.derived({ kind: 'string', value: out }, node, [...positional, ...keywords.values()]);
  }

  private concatenated(node: Node): Value {
    let out = '';
    for (const part of node.namedChildren) {
      if (!part) continue;
      const v = literalValue(part);
      if (v.kind !== 'string') return unknown(node);
      out += v.value;
    }
    return { kind: 'string', value: out };
  }

  truthy(v: Value): boolean | undefined {
    switch (v.kind) {
      case 'bool':
        return v.value;
      case 'number':
        return v.value !== 0;
      case 'string':
        return v.value.length > 0;
      case 'none':
        return false;
      case 'sequence':
        return v.items.length > 0;
      case 'dict':
        return v.entries.length > 0;
      case 'callable':
        return true;
      case 'unknown':
        return undefined;
    }
  }

  private binary(node: Node, bindings: Bindings | undefined): Value {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const op = node.childForFieldName('operator')?.text;
    if (!left || !right || !op) return unknown(node);
    return this.operation(node, op, this.resolve(left, bindings), this.resolve(right, bindings), bindings);
  }

  /** `l op r` for the expression `node` (a binary operator, or an augmented assignment's `op=`). */
  private operation(node: Node, op: string, l: Value, r: Value, bindings: Bindings | undefined): Value {
    const ln = numberOf(l);
    const rn = numberOf(r);
    if (ln !== undefined && rn !== undefined) {
      const ints = isInt(l) && isInt(r);
      let out: Value | undefined;
      switch (op) {
        case '+':
          out = num(ln + rn, ints);
          break;
        case '-':
          out = num(ln - rn, ints);
          break;
        case '*':
          out = num(ln * rn, ints);
          break;
        case '/':
          out = rn === 0 ? undefined : num(ln / rn, false);
          break;
        case '//':
          out = rn === 0 ? undefined : num(Math.floor(ln / rn), ints);
          break;
        case '%':
          out = rn === 0 ? undefined : num(pyMod(ln, rn), ints);
          break;
        case '**':
          out = ints && rn < 0 ? num(ln ** rn, false) : num(ln ** rn, ints);
          break;
        case '<<':
          out = ints ? num(ln * 2 ** rn, true) : undefined;
          break;
        case '>>':
          out = ints ? num(Math.floor(ln / 2 ** rn), true) : undefined;
          break;
      }
      if (out && out.kind === 'number' && Number.isFinite(out.value)) return this.derived(out, node, [l, r]);
      return unknown(node);
    }
    if (op === '%' && l.kind === 'string' && r.kind !== 'unknown') return this.percentFormat(node, l.value, r);
    if (op === '+' && l.kind === 'string' && r.kind === 'string') return this.derived({ kind: 'string', value: l.value + r.value }, node, [l, r]);
    if (op === '+' && l.kind === 'sequence' && r.kind === 'sequence') return this.derived({ kind: 'sequence', items: [...l.items, ...r.items], tuple: l.tuple }, node, [l, r]);
    if (op === '*' && (l.kind === 'sequence' || r.kind === 'sequence')) {
      const seq = l.kind === 'sequence' ? l : r.kind === 'sequence' ? r : undefined;
      const times = l.kind === 'sequence' ? r : l;
      if (seq && times.kind === 'number' && times.isInteger && times.value >= 0 && times.value * seq.items.length <= 10000) {
        const items: Value[] = [];
        for (let i = 0; i < times.value; i++) items.push(...seq.items);
        return this.derived({ kind: 'sequence', items, tuple: seq.tuple }, node, [l, r]);
      }
    }
    return unknown(node, undefined, this.symbolOf(node, bindings));
  }

  private comparison(node: Node, bindings: Bindings | undefined): Value {
    const operands = node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
    const ops = node.children.filter((c): c is Node => c !== null && !c.isNamed).map((c) => c.text);
    if (operands.length !== 2 || ops.length !== 1) return unknown(node);
    const [a, b] = operands.map((o) => this.resolve(o, bindings)) as [Value, Value];
    const an = numberOf(a);
    const bn = numberOf(b);
    let result: boolean | undefined;
    const op = ops[0];
    if (op === 'in' || op === 'not in') {
      // `norm in ('bn', 'sync_bn')`, `'bn' in name`, `key in cfg`.
      const found = contains(b, a);
      result = found === undefined ? undefined : op === 'in' ? found : !found;
    } else if (an !== undefined && bn !== undefined) {
      result = op === '<' ? an < bn : op === '<=' ? an <= bn : op === '>' ? an > bn : op === '>=' ? an >= bn : op === '==' ? an === bn : op === '!=' ? an !== bn : undefined;
    } else if (a.kind === 'string' && b.kind === 'string') {
      result = op === '==' ? a.value === b.value : op === '!=' ? a.value !== b.value : undefined;
    } else if ((op === 'is' || op === 'is not') && (a.kind === 'none' || b.kind === 'none') && a.kind !== 'unknown' && b.kind !== 'unknown') {
      const same = a.kind === b.kind;
      result = op === 'is' ? same : !same;
    } else if ((op === '==' || op === '!=') && scalarClass(a) !== undefined && scalarClass(b) !== undefined && scalarClass(a) !== scalarClass(b)) {
      // A number and a string (VGG's `v == 'M'` over `[64, 'M', ...]`), or `None` and either: never equal.
      result = op === '!=';
    }
    return result === undefined ? unknown(node) : this.derived({ kind: 'bool', value: result }, node, [a, b]);
  }

  /** `symbolOf(node, bindings)`, computed when first called (unknown values only read it). */
  private lazySymbol(node: Node, bindings: Bindings | undefined): () => string | undefined {
    let made = false;
    let symbol: string | undefined;
    return () => {
      if (!made) {
        symbol = this.symbolOf(node, bindings);
        made = true;
      }
      return symbol;
    };
  }

  /** A stable symbol for a pure path expression (`c`, `cfg[1]`, `self.width * 2`) within its scope. */
  symbolOf(node: Node, bindings?: Bindings): string | undefined {
    if (bindings && bindings.size > 0 && node.type === 'identifier' && bindings.has(node.text)) {
      const b = bindings.get(node.text);
      return b?.kind === 'unknown' ? b.symbol : undefined;
    }
    if (!isPurePath(node)) return undefined;
    const scope = enclosingScope(node);
    const text = node.text;
    // `self.x` means the same thing in every method of a class.
    const owner = text.startsWith('self.') && scope ? (enclosingClass(scope) ?? scope) : scope;
    // (A name has no spaces to drop.)
    let key = 'module';
    if (owner) {
      const known = this.scopeKeys.get(owner);
      if (known === undefined) this.scopeKeys.set(owner, (key = positionKey(owner)));
      else key = known;
    }
    return `${key}:${node.type === 'identifier' ? text : withoutSpaces(text)}`;
  }

  // ---------------------------------------------------------------- names

  private name(node: Node, bindings: Bindings | undefined): Value {
    const name = node.text;
    const bound = bindings?.get(name);
    if (bound) return bound;
    let scope = enclosingScope(node);
    // Class bodies do not enclose their methods: skip them when looking outwards from a method.
    let first = true;
    while (true) {
      if (scope && scope.type === 'class_definition' && !first) {
        scope = enclosingScope(scope);
        continue;
      }
      const table = this.table(scope);
      const param = table.params.get(name);
      if (param) {
        const reassigned = table.names.get(name);
        if (!reassigned || reassigned.length === 0) return this.parameter(param, scope, node, bindings);
        return this.replacedDefault(param, reassigned, scope, node, bindings) ?? this.reassignedParameter(param, reassigned, table, scope, node, bindings);
      }
      const sites = table.names.get(name);
      if (sites && sites.length > 0) {
        // A local assigned more than once, read in its own function: the assignment it reads.
        const v = first && sites.length > 1 && scope?.type === 'function_definition' ? this.lastStraightLine(name, sites, table, scope, node) : undefined;
        return v ?? this.fromSites(name, sites, table, node);
      }
      if (scope === null) break;
      scope = enclosingScope(scope);
      first = false;
    }
    return unknown(node, 'not defined in this file', this.symbolOf(node, bindings));
  }

  /**
   * A local of `fn` that `fn` assigns several times, read in `fn` itself (`use`): when the last
   * assignment before the use is a plain one in the function's straight-line body, and no
   * assignment shares a loop with the use, the value it assigns (`c = 64; ...; c = c * 2; f(c)`
   * reads 128). Undefined otherwise (the caller reads it as one assigned several times).
   */
  private lastStraightLine(name: string, sites: readonly Site[], table: ScopeTable, fn: Node, use: Node): Value | undefined {
    if (table.mutated.has(name)) return undefined;
    // (As in `reassignedParameter`: a use in an assignment's own value, or in the iterable of a
    // `for` whose target it is, runs before that binds.)
    const before = (s: Site) => s.at.startIndex >= use.endIndex || within(use, s.value ?? s.unpacked?.from ?? null) || (s.at.type === 'for_statement' && within(use, s.at.childForFieldName('right')));
    let last: Site | undefined;
    for (const s of sites) {
      if (inSameLoop(s.at, use, fn)) return undefined;
      if (!before(s) && (!last || s.at.startIndex > last.at.startIndex)) last = s;
    }
    if (!last?.value || last.at.type !== 'assignment' || last.at.parent?.type !== 'expression_statement' || last.at.parent.parent !== fn.childForFieldName('body') || use.startIndex < last.at.endIndex) return undefined;
    const v = this.fromSites(name, [last], table, use);
    return v.kind === 'unknown' ? undefined : v;
  }

  private fromSites(name: string, sites: readonly Site[], table: ScopeTable, use: Node): Value {
    // (The use's symbol only when the value is unknown: `symbolOf` depends on nothing resolved.)
    const symbol = () => this.symbolOf(use);
    if (table.mutated.has(name)) return unknown(use, `${name} is modified in place`, symbol());
    if (sites.length !== 1) return unknown(use, `${name} is assigned ${sites.length} times`, symbol());
    const [site] = sites;
    if (site && (site.at.type === 'import_statement' || site.at.type === 'import_from_statement')) {
      return this.callableOf(use) ?? unknown(use, `${name} is imported`, symbol());
    }
    if (site && (site.at.type === 'class_definition' || site.at.type === 'function_definition')) {
      // A class or function of this file used as a value (`block=BasicBlock`).
      return { kind: 'callable', target: name, boundPositional: [], boundKeywords: [], provenance: { description: name, span: spanOf(site.at.childForFieldName('name') ?? site.at), at: spanOf(site.at) } };
    }
    if (site?.unpacked) {
      const item = this.unpackedItem(site.unpacked);
      if (item) return item;
    }
    if (!site?.value) return unknown(use, `${name} is not bound by a plain assignment`, symbol());
    const v = this.resolve(site.value);
    if (v.kind === 'unknown') return { ...v, symbol: v.symbol ?? symbol() };
    if (v.kind === 'sequence' || v.kind === 'dict') return withProvenance(v, this.nameProvenance(name, site, table, v));
    return withProvenance(v, this.nameProvenance(name, site, table, v));
  }

  /** The item an unpacking target takes (see `Site.unpacked`): undefined unless the value is a sequence of as many items, and the item is known. */
  private unpackedItem(unpacked: NonNullable<Site['unpacked']>): Value | undefined {
    const v = this.resolve(unpacked.from);
    const item = v.kind === 'sequence' && v.items.length === unpacked.count ? v.items[unpacked.index] : undefined;
    return item && item.kind !== 'unknown' ? item : undefined;
  }

  private nameProvenance(name: string, site: Site, table: ScopeTable, v: Value): Provenance {
    const own = v.kind === 'unknown' ? undefined : v.provenance;
    // Keep a deeper origin (an argparse default reached through `bs = args.batch_size`).
    if (own && !own.description.startsWith('literal')) return own;
    const where = table.node === null ? 'module constant' : table.node.type === 'class_definition' ? 'class attribute' : 'variable';
    return { description: `${where} ${name}`, span: site.value ? spanOf(site.value) : spanOf(site.at), at: spanOf(site.at) };
  }

  private parameter(param: Param, scope: Node | null, use: Node, bindings: Bindings | undefined): Value {
    const name = param.node.text;
    // (The use's symbol only when the value is unknown: `symbolOf` depends on nothing resolved.)
    const symbol = () => this.symbolOf(use, bindings);
    if (param.splat || !param.default || !scope) return unknown(use, `parameter ${name} has no default`, symbol());
    const kept = this.parameterDefaults.get(param);
    if (kept) return kept;
    const fn = scope.type === 'function_definition' ? scope : undefined;
    const fnName = fn?.childForFieldName('name')?.text ?? 'lambda';
    if (fn && this.overriddenAtCallSite(fn, param)) return unknown(use, `parameter ${name} is passed explicitly by a caller in this file`, symbol());
    const v = this.resolve(param.default);
    if (v.kind === 'unknown') return { ...v, symbol: v.symbol ?? symbol() };
    const cls = fn ? enclosingClass(fn) : undefined;
    const owner = cls && fnName === '__init__' ? `${cls.childForFieldName('name')?.text ?? '?'}.__init__` : fnName;
    const provenance: { -readonly [K in keyof Provenance]: Provenance[K] } = writtenAt(`default of parameter ${name} of ${owner}`, spanOf(param.default));
    provenance.inferred = true;
    const out = withProvenance(v, provenance);
    this.parameterDefaults.set(param, out);
    return out;
  }

  /**
   * A `None` default the function replaces before use: `if norm_layer is None: norm_layer =
   * nn.BatchNorm2d` at the top level of the body, or `hidden = hidden or dim`. After that, when no
   * caller in the file passes the parameter, the value is the replacement (inferred: a caller
   * elsewhere may pass one). Undefined otherwise: the parameter is then read as any other (a
   * parameter assigned in other ways still reads as its default: a known imprecision).
   */
  private replacedDefault(param: Param, sites: readonly Site[], scope: Node | null, use: Node, bindings: Bindings | undefined): Value | undefined {
    const name = param.node.text;
    const site = sites.length === 1 ? sites[0] : undefined;
    const fn = scope?.type === 'function_definition' ? scope : undefined;
    if (!site?.value || !fn || !param.default || param.splat) return undefined;
    const guard = noneGuardOf(site.at, name, fn);
    const replacement = guard ? site.value : orDefault(site, name, fn);
    if (!replacement || this.resolve(param.default).kind !== 'none') return undefined;
    const symbol = () => this.symbolOf(use, bindings);
    // Before the replacement (the guard's condition, the `or` itself) the parameter is what the
    // caller passed; a caller in the file passing one makes the default say nothing: both are
    // read as any parameter is.
    const from = guard ? guard.endIndex : site.at.endIndex;
    if (use.startIndex < from || this.overriddenAtCallSite(fn, param)) return undefined;
    const v = this.resolve(replacement);
    if (v.kind === 'unknown') return { ...v, symbol: v.symbol ?? symbol() };
    // A replacement with an origin of its own (`hidden or dim * 4`: computed from `dim`'s default) keeps it.
    if (v.provenance && !v.provenance.description.startsWith('literal')) return withProvenance(v, { ...v.provenance, inferred: true });
    const cls = enclosingClass(fn);
    const fnName = fn.childForFieldName('name')?.text ?? '?';
    const owner = cls && fnName === '__init__' ? `${cls.childForFieldName('name')?.text ?? '?'}.__init__` : fnName;
    const provenance: { -readonly [K in keyof Provenance]: Provenance[K] } = writtenAt(`default of parameter ${name} of ${owner} (None, replaced)`, spanOf(replacement));
    provenance.inferred = true;
    return withProvenance(v, provenance);
  }

  /** Whether `name` is bound at the top level by imports only (`from .helpers import to_2tuple`: relative imports are not in the import table). */
  private importedAtTopLevel(name: string): boolean {
    const sites = this.table(null).names.get(name);
    return sites !== undefined && sites.length > 0 && sites.every((s) => s.at.type === 'import_from_statement' || s.at.type === 'import_statement');
  }

  /**
   * A parameter the function assigns again (`width = int(width * 1.5)`, `x = 5`, `x += 1`, a loop
   * target), other than the `None` replacements `replacedDefault` reads. Before every assignment
   * (and outside any loop that holds one), and where every assignment before the use sits under
   * an `if` that never runs (`neverRuns`), it is the parameter as passed. After the one plain
   * assignment before the use, in the straight-line body, it is the value assigned when that
   * resolves (`x = x + 1` reads the `x` before it; `act = get_act_layer(act)` the class timm
   * returns). Otherwise unknown after an assignment: one that does not resolve, in a loop that
   * assigns it, after a loop target, `+=`, nested `def` or `with ... as` binds it. A
   * comprehension's variable of the same name is its own scope's.
   */
  private reassignedParameter(param: Param, all: readonly Site[], table: ScopeTable, scope: Node | null, use: Node, bindings: Bindings | undefined): Value {
    const sites = all.filter((s) => s.at.type !== 'for_in_clause');
    const fn = scope?.type === 'function_definition' || scope?.type === 'lambda' ? scope : undefined;
    const asPassed = this.parameter(param, scope, use, bindings);
    if (sites.length === 0 || !fn) return asPassed;
    // (A use in an assignment's own value runs before it binds.)
    // (So does the iterable of a `for` whose target it is: `for d, num_heads in zip(depths, num_heads)`.)
    const before = (s: Site) => s.at.startIndex >= use.endIndex || within(use, s.value ?? s.unpacked?.from ?? null) || (s.at.type === 'for_statement' && within(use, s.at.childForFieldName('right')));
    // The sites that may have bound it when the use runs: written before it, or in a loop with
    // it. Less those under an `if` whose condition is false for the values read, which never run
    // (`if not isinstance(depths, (list, tuple)): depths = [depths]` with a tuple default; only one
    // written before the use: the condition's own uses are then earlier still).
    const binding = sites.filter((s) => (!before(s) || inSameLoop(s.at, use, fn)) && !(s.at.endIndex <= use.startIndex && this.neverRuns(s.at, fn, bindings)));
    if (binding.length === 0) return asPassed;
    const name = param.node.text;
    const [site] = binding;
    if (binding.length === 1 && site && site.value && site.at.type === 'assignment' && use.startIndex >= site.at.endIndex && site.at.parent?.type === 'expression_statement' && site.at.parent.parent === fn.childForFieldName('body')) {
      const v = this.fromSites(name, binding, table, use);
      if (v.kind !== 'unknown') return v;
    }
    // (Named by its text, not its line: the IR of an unchanged statement is reused after edits above it.)
    const line = site ? quoted(site.at) : '';
    // (In a loop that assigns it, the default held at most until the first assignment: TinyVit's
    // `drop_path_rate = dpr[...]` before each stage reads it.)
    const looped = binding.find((s) => inSameLoop(s.at, use, fn));
    if (looped) return unknown(use, `parameter ${name} is assigned again in the loop (${quoted(looped.at)})`, this.symbolOf(use, bindings));
    // (A loop target, `+=`, `with ... as`: not a wrapper of the value passed, as `p = f(p)` may be.)
    const rebound = binding.find((s) => s.at.type !== 'assignment' || s.value === undefined);
    if (rebound) return unknown(use, `parameter ${name} is bound again in the function (${quoted(rebound.at)})`, this.symbolOf(use, bindings));
    if (asPassed.kind === 'none') return unknown(use, `parameter ${name} is None by default and assigned again in the function (${line})`, this.symbolOf(use, bindings));
    // (Unknown as passed: unknown after it too, for the reason it had.)
    if (asPassed.kind === 'unknown') return asPassed;
    return unknown(use, `parameter ${name} is assigned again in the function (${line}) to a value not known`, this.symbolOf(use, bindings));
  }

  /**
   * Whether the statement `at` in the function `fn` sits in the body of an `if` (not an `elif` or
   * `else`) whose condition resolves, under `bindings`, to a false value: it never runs.
   */
  private neverRuns(at: Node, fn: Node, bindings: Bindings | undefined): boolean {
    for (let n: Node | null = at; n && n !== fn; n = n.parent) {
      const parent: Node | null = n.parent;
      if (parent?.type !== 'if_statement' || parent.childForFieldName('consequence') !== n) continue;
      const condition = parent.childForFieldName('condition');
      if (condition && this.truthy(this.resolve(condition, bindings)) === false) return true;
    }
    return false;
  }

  /**
   * Whether a call in this file passes `param` explicitly to `fn` (by keyword, by position, or
   * through `*args`/`**kwargs`): then its default says nothing about the value actually used.
   */
  private overriddenAtCallSite(fn: Node, p: Param): boolean {
    const cached = this.callSiteOverrides.get(p);
    if (cached !== undefined) return cached;
    const fnName = fn.childForFieldName('name')?.text;
    if (!fnName) return false;
    const cls = enclosingClass(fn);
    const callee = cls && fnName === '__init__' ? cls.childForFieldName('name')?.text : cls ? undefined : fnName;
    if (!callee) return false;
    const param = p.node.text;
    const key = p;
    const positional = cls ? p.index - 1 : p.index; // `self` is not passed
    let overridden = false;
    for (const call of this.callsNamed(callee)) {
      const args = call.childForFieldName('arguments');
      if (args?.type !== 'argument_list') continue;
      let pos = 0;
      for (const a of args.namedChildren) {
        if (!a || a.type === 'comment') continue;
        if (a.type === 'keyword_argument') {
          if (a.childForFieldName('name')?.text === param) overridden = true;
        } else if (a.type === 'list_splat' || a.type === 'dictionary_splat') overridden = true;
        else {
          if (pos === positional) overridden = true;
          pos++;
        }
      }
      if (overridden) break;
    }
    this.callSiteOverrides.set(key, overridden);
    return overridden;
  }

  /**
   * The calls in the file whose callee is the identifier `name` or an attribute `<expr>.name`
   * (whatever their arguments), in document order.
   */
  callsNamed(name: string): readonly Node[] {
    let list = this.callsByName.get(name);
    if (!list) {
      const index = StatementIndex.of(this.tree, CALLS);
      const statements = index.statementsWith(name);
      if (statements.length === 1) list = index.partOf(statements[0]).get(name) ?? [];
      else {
        list = GATHERED_CALLS.get(statements);
        if (!list) GATHERED_CALLS.set(statements, (list = statements.flatMap((s) => index.partOf(s).get(name) ?? [])));
      }
      this.callsByName.set(name, list);
    }
    return list;
  }

  // ---------------------------------------------------------------- attributes and subscripts

  private attribute(node: Node, bindings: Bindings | undefined): Value {
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text;
    if (!object || !attr) return unknown(node);
    // (The symbol is read only for an unknown value: made when first asked for.)
    const symbol = this.lazySymbol(node, bindings);
    // The whole expression as a plain dotted name (`cfg.MODEL.WIDTH`), when it is one.
    const dotted = dottedText(node);
    const head = dotted === undefined ? undefined : dottedHead(node);
    // `self.x`: as the walk of an instance's constructor last assigned it, when it binds it.
    if (dotted !== undefined && head === 'self' && bindings !== undefined && bindings.has(SELF_VALUES)) {
      const bound = bindings.get(dotted);
      if (bound) return bound;
    }
    // `self.hparams.x` in a Lightning module whose `__init__` saves its arguments (`savedHyperparameter`).
    if (dotted !== undefined && head === 'self' && object.type === 'attribute' && object.childForFieldName('attribute')?.text === 'hparams' && object.childForFieldName('object')?.type === 'identifier') {
      const cls = this.classOf(node);
      const v = cls ? this.savedHyperparameter(cls, attr, node) : undefined;
      if (v) return v;
    }
    // `self.x`: assignments in the class's methods, then class attributes.
    if (dotted !== undefined && object.type === 'identifier' && head === 'self') {
      const cls = this.classOf(node);
      if (cls) return this.selfAttribute(cls, attr, node, symbol);
    }
    // `args.batch_size`: an argparse default.
    if (object.type === 'identifier' && this.isArgsName(object, bindings)) {
      const opts = this.argparseOptions().get(attr);
      if (opts && opts.length > 0) {
        const values = new Set(opts.map((o) => JSON.stringify(o.value.kind === 'unknown' ? o.value.text : (o.value as { value?: unknown }).value)));
        const opt = opts[0];
        if (values.size !== 1 || !opt) return unknown(node, `--${attr} has different defaults`, symbol());
        const v = opt.value;
        if (v.kind === 'unknown') return { ...v, symbol: symbol() };
        return withProvenance(v, { ...writtenAt(`argparse default of ${opt.flag}`, spanOf(opt.call)), inferred: true });
      }
      return unknown(node, `no argparse option ${attr} in this file`, symbol());
    }
    // `cfg.MODEL.WIDTH = 64` written at module level.
    if (dotted !== undefined && head !== undefined && head !== 'self') {
      const module = this.table(null);
      const sites = module.attrs.get(dotted);
      if (sites && sites.length > 0) {
        if (module.mutated.has(head)) return unknown(node, `${head} is modified in place`, symbol());
        if (sites.length !== 1 || !sites[0]?.value) return unknown(node, `${dotted} is assigned ${sites.length} times`, symbol());
        const v = this.resolve(sites[0].value);
        return v.kind === 'unknown' ? { ...v, symbol: symbol() } : withProvenance(v, this.nameProvenance(dotted, sites[0], module, v));
      }
    }
    // A config object or dict resolved in the file: `cfg.width` on `cfg = dict(width=64)`.
    const base = this.resolve(object, bindings);
    if (base.kind === 'dict') return this.lookup(base, attr, node, symbol);
    // `block.expansion` where `block` stands for a class of this file (`BasicBlock` passed as an
    // argument): the class attribute, as for `BasicBlock.expansion`.
    if (base.kind === 'callable' && base.boundPositional.length === 0 && base.boundKeywords.length === 0) {
      const cls = this.topLevelClass(base.target);
      const sites = cls ? this.table(cls).names.get(attr) : undefined;
      if (cls && sites && sites.length > 0) return this.fromSites(attr, sites, this.table(cls), node);
    }
    // `Config.WIDTH` on a class used as a namespace of constants.
    if (object.type === 'identifier' && this.topLevelClass(object.text) && !this.shadowed(object)) {
      const cls = this.topLevelClass(object.text);
      if (cls) {
        const table = this.table(cls);
        const sites = table.names.get(attr);
        if (sites && sites.length > 0) return this.fromSites(attr, sites, table, node);
      }
    }
    // `nn.BatchNorm2d` used as a value.
    const root = head;
    if (root && this.imports.aliases.has(root) && !this.shadowed(object)) return this.callableOf(node) ?? unknown(node, undefined, symbol());
    return unknown(node, undefined, symbol());
  }

  private shadowed(identifier: Node): boolean {
    const scope = enclosingScope(identifier);
    if (!scope) return false;
    const table = this.table(scope);
    return table.params.has(identifier.text) || table.names.has(identifier.text);
  }

  private lookup(base: Value & { kind: 'dict' }, key: string, node: Node, symbol: () => string | undefined): Value {
    const entry = base.entries.find(([k]) => k === key);
    if (!entry) return unknown(node, `no key ${key}`, symbol());
    const v = entry[1];
    if (v.kind === 'unknown') return { ...v, symbol: v.symbol ?? symbol() };
    return inherit(v, base);
  }

  private subscript(node: Node, bindings: Bindings | undefined): Value {
    const value = node.childForFieldName('value');
    const index = node.childForFieldName('subscript');
    const symbol = this.lazySymbol(node, bindings);
    if (!value || !index || node.childrenForFieldName('subscript').length !== 1) return unknown(node, undefined, symbol());
    const base = this.resolve(value, bindings);
    if (index.type === 'slice') {
      if (base.kind !== 'sequence') return unknown(node, undefined, symbol());
      const parts = index.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
      const colonCount = index.children.filter((c) => c?.type === ':').length;
      // Only `a[i:j]` forms with resolvable bounds; steps are left out.
      if (colonCount !== 1) return unknown(node, undefined, symbol());
      const first = index.firstChild;
      const startNode = first && first.type !== ':' ? parts[0] : undefined;
      const endNode = parts.length === 2 ? parts[1] : !startNode ? parts[0] : undefined;
      const s = startNode ? numberOf(this.resolve(startNode, bindings)) : 0;
      const e = endNode ? numberOf(this.resolve(endNode, bindings)) : base.items.length;
      if (s === undefined || e === undefined) return unknown(node, undefined, symbol());
      const norm = (i: number) => (i < 0 ? Math.max(0, base.items.length + i) : Math.min(i, base.items.length));
      return this.derived({ kind: 'sequence', items: base.items.slice(norm(s), norm(e)), tuple: base.tuple }, node, [base]);
    }
    const key = this.resolve(index, bindings);
    if (base.kind === 'dict' && (key.kind === 'string' || key.kind === 'number')) return this.lookup(base, String(key.value), node, symbol);
    if (base.kind === 'sequence' && key.kind === 'number' && key.isInteger) {
      const i = key.value < 0 ? base.items.length + key.value : key.value;
      const item = base.items[i];
      if (!item) return unknown(node, 'index out of range', symbol());
      if (item.kind === 'unknown') return { ...item, symbol: item.symbol ?? symbol() };
      return inherit(item, base);
    }
    return unknown(node, undefined, symbol());
  }

  private classOf(node: Node): Node | undefined {
    const scope = enclosingScope(node);
    return scope ? enclosingClass(scope) : undefined;
  }

  /** `self.<attr>` inside class `cls`: the single assignment in its methods, else a class attribute. */
  /** The assignments of `self.<attr>` in the methods of `cls`. */
  private selfSitesOf(cls: Node, attr: string): readonly { site: Site; table: ScopeTable }[] {
    // (Gathered once per class and attribute: every use of `self.<attr>` in the class asks.)
    let byAttr = this.selfSites.get(cls);
    if (!byAttr) this.selfSites.set(cls, (byAttr = new Map<string, readonly { site: Site; table: ScopeTable }[]>()));
    let sites = byAttr.get(attr);
    if (!sites) {
      const found: { site: Site; table: ScopeTable }[] = [];
      const body = cls.childForFieldName('body');
      for (const stmt of body?.namedChildren ?? []) {
        const fn = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if (fn?.type !== 'function_definition') continue;
        const table = this.table(fn);
        for (const site of table.attrs.get(`self.${attr}`) ?? []) found.push({ site, table });
      }
      byAttr.set(attr, (sites = found));
    }
    return sites;
  }

  private selfAttribute(cls: Node, attr: string, use: Node, symbol: () => string | undefined): Value {
    const sites = this.selfSitesOf(cls, attr);
    if (sites.length > 1) return unknown(use, `self.${attr} is assigned ${sites.length} times`, symbol());
    const only = sites[0];
    if (only) {
      const item = only.site.unpacked ? this.unpackedItem(only.site.unpacked) : undefined;
      if (item) return item;
      if (!only.site.value) return unknown(use, `self.${attr} is not a plain assignment`, symbol());
      const v = this.resolve(only.site.value);
      if (v.kind === 'unknown') return { ...v, symbol: v.symbol ?? symbol() };
      return v;
    }
    const classTable = this.table(cls);
    const classSites = classTable.names.get(attr);
    if (classSites && classSites.length > 0) return this.fromSites(attr, classSites, classTable, use);
    return unknown(use, `self.${attr} is not assigned in the class`, symbol());
  }

  /**
   * `self.hparams.<name>` (`use`) in a class whose `__init__` calls Lightning's
   * `self.save_hyperparameters()` (all of its arguments, or those named: `'lr', 'batch_size'`, less
   * `ignore=`): the `__init__` parameter `name`, read as any parameter (its default, inferred).
   * Undefined when the class does not save it that way, assigns `self.hparams` itself, or
   * `__init__` assigns the parameter again (Lightning saves the value at the call).
   */
  private savedHyperparameter(cls: Node, name: string, use: Node): Value | undefined {
    let init: Node | undefined;
    for (const stmt of cls.childForFieldName('body')?.namedChildren ?? []) {
      const fn = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (fn?.type === 'function_definition' && fn.childForFieldName('name')?.text === '__init__') init = fn;
    }
    if (!init || this.selfSitesOf(cls, 'hparams').length > 0) return undefined;
    const table = this.table(init);
    const param = table.params.get(name);
    if (!param || param.splat || (table.names.get(name)?.length ?? 0) > 0) return undefined;
    let saved = false;
    for (const call of init.descendantsOfType('call')) {
      const f = call.childForFieldName('function');
      if (f?.type !== 'attribute' || f.childForFieldName('attribute')?.text !== 'save_hyperparameters' || f.childForFieldName('object')?.text !== 'self') continue;
      const names: string[] = [];
      let ignored: Value | undefined;
      for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
        if (a.type === 'comment') continue;
        if (a.type === 'keyword_argument') {
          const k = a.childForFieldName('name')?.text;
          const value = a.childForFieldName('value');
          if (k === 'ignore' && value) ignored = this.resolve(value);
          else if (k !== 'logger' && k !== 'frame') return undefined;
          continue;
        }
        const v = this.resolve(a);
        // (A dict, a Namespace or `*args`: hyperparameters other than the arguments.)
        if (v.kind !== 'string') return undefined;
        names.push(v.value);
      }
      const ignoredNames = ignored === undefined ? [] : ignored.kind === 'string' ? [ignored.value] : ignored.kind === 'sequence' && ignored.items.every((i) => i.kind === 'string') ? ignored.items.map((i) => (i as { value: string }).value) : undefined;
      if (!ignoredNames) return undefined;
      if ((names.length === 0 || names.includes(name)) && !ignoredNames.includes(name)) saved = true;
    }
    return saved ? this.parameter(param, init, use, undefined) : undefined;
  }

  // ---------------------------------------------------------------- calls

  private call(node: Node, bindings: Bindings | undefined): Value {
    const fn = node.childForFieldName('function');
    const args = node.childForFieldName('arguments');
    if (!fn || !args || args.type !== 'argument_list') return unknown(node);
    const name = withoutSpaces(fn.text);
    const positional: Node[] = [];
    const keywords: [string, Node][] = [];
    let splats: Node[] | undefined;
    for (const a of args.namedChildren) {
      if (!a || a.type === 'comment') continue;
      if (a.type === 'keyword_argument') {
        const k = a.childForFieldName('name')?.text;
        const v = a.childForFieldName('value');
        if (k && v) keywords.push([k, v]);
      } else if (a.type === 'list_splat') return unknown(node, undefined, undefined);
      else if (a.type === 'dictionary_splat') (splats ??= []).push(a);
      else positional.push(a);
    }
    const qualified = this.qualify(fn) ?? name;
    const last = qualified.slice(qualified.lastIndexOf('.') + 1);
    // `**d` is read for `partial` only (`partial(nn.GELU, **dd)`), as the keywords of a dict that resolves.
    if (splats) return last === 'partial' ? this.partialWithSplats(node, qualified, name, positional, keywords, splats, bindings) : unknown(node, undefined, undefined);
    const one = positional.length === 1 && keywords.length === 0 && positional[0] ? this.resolve(positional[0], bindings) : undefined;
    // Builtins on resolved values.
    if (one && (name === 'int' || name === 'float' || name === 'round' || name === 'abs')) {
      const n = numberOf(one);
      if (n !== undefined) {
        const out = name === 'int' ? num(Math.trunc(n), true) : name === 'float' ? num(n, false) : name === 'round' ? num(roundHalfEven(n), true) : num(Math.abs(n), isInt(one));
        return this.derived(out, node, [one]);
      }
      if (name === 'int' && one.kind === 'string' && /^\s*[-+]?\d+\s*$/.test(one.value)) return this.derived(num(parseInt(one.value, 10), true), node, [one]);
      if (name === 'float' && one.kind === 'string' && one.value.trim() !== '' && !Number.isNaN(Number(one.value))) return this.derived(num(Number(one.value), false), node, [one]);
    }
    // `to_2tuple(x)` (timm) and `_pair(x)` (torch.nn.modules.utils), imported: `(x, x)` for a
    // single value, the items of a sequence as a tuple.
    if (one && (last === 'to_2tuple' || last === '_pair') && (qualified !== name || this.importedAtTopLevel(name)) && one.kind !== 'unknown' && one.kind !== 'callable' && one.kind !== 'dict') {
      return this.derived({ kind: 'sequence', items: one.kind === 'sequence' ? one.items : [one, one], tuple: true }, node, [one]);
    }
    // timm's `get_norm_act_layer(norm_layer, act_layer=None)`, imported: see `timmNormActLayer`.
    if (last === 'get_norm_act_layer' && (qualified !== name || this.importedAtTopLevel(name)) && positional.length + keywords.length <= 2) {
      const norm = positional[0] ?? keywords.find(([k]) => k === 'norm_layer')?.[1];
      const act = positional[1] ?? keywords.find(([k]) => k === 'act_layer')?.[1];
      const out = norm ? timmNormActLayer(this.resolve(norm, bindings), act ? this.resolve(act, bindings) : { kind: 'none' }, node) : undefined;
      if (out) return out;
    }
    // timm's `get_act_layer(x)` / `get_norm_layer(x)`, imported: see `timmLayerFactory`.
    if (one && (last === 'get_act_layer' || last === 'get_norm_layer') && (qualified !== name || this.importedAtTopLevel(name))) {
      const out = timmLayerFactory(last, one, node);
      if (out) return out;
    }
    // timm's `make_divisible(v, divisor=8, min_value=None, round_limit=.9)` and torchvision's
    // `_make_divisible(v, divisor, min_value=None)`, imported (a copy in the file is run as written: `helperCall`).
    if ((last === 'make_divisible' || last === '_make_divisible') && (qualified.startsWith('timm.') || qualified.startsWith('torchvision.')) && positional[0]) {
      const out = this.makeDivisible(node, qualified.startsWith('timm.'), positional, keywords, bindings);
      if (out) return out;
    }
    // mmcv's `build_norm_layer(cfg, C, postfix)`, imported: `(name, layer)` (see `mmcvNormLayer`).
    if (last === 'build_norm_layer' && positional[0] && (qualified !== name || this.importedAtTopLevel(name))) {
      const postfix = positional[2] ?? keywords.find(([k]) => k === 'postfix')?.[1];
      const out = mmcvNormLayer(node, this.resolve(positional[0], bindings), postfix ? this.resolve(postfix, bindings) : undefined);
      if (out) return out;
    }
    if (one && name === 'len' && (one.kind === 'sequence' || one.kind === 'string' || one.kind === 'dict')) {
      const n = one.kind === 'sequence' ? one.items.length : one.kind === 'dict' ? one.entries.length : one.value.length;
      return this.derived(num(n, true), node, [one]);
    }
    if ((name === 'tuple' || name === 'list') && one?.kind === 'sequence') return this.derived({ kind: 'sequence', items: one.items, tuple: name === 'tuple' }, node, [one]);
    if (name === 'isinstance' && keywords.length === 0 && positional.length === 2 && positional[0] && positional[1]) {
      // `if isinstance(kernel_size, int): kernel_size = (kernel_size, kernel_size)`: builtin types of known values.
      const answer = isInstance(this.resolve(positional[0], bindings), positional[1]);
      if (answer !== undefined) return this.derived({ kind: 'bool', value: answer }, node, []);
    }
    if ((name === 'max' || name === 'min' || name === 'sum') && keywords.length === 0 && positional.length >= 1) {
      const vals = positional.length === 1 && one?.kind === 'sequence' ? one.items : positional.map((p) => this.resolve(p, bindings));
      const ns = vals.map(numberOf);
      if (ns.length > 0 && ns.every((n) => n !== undefined)) {
        const nums = ns;
        const out = name === 'max' ? Math.max(...nums) : name === 'min' ? Math.min(...nums) : nums.reduce((a, b) => a + b, 0);
        return this.derived(num(out, vals.every(isInt)), node, vals);
      }
    }
    if (name === 'math.ceil' || name === 'math.floor' || name === 'math.sqrt') {
      const n = one ? numberOf(one) : undefined;
      if (one && n !== undefined) {
        const out = name === 'math.ceil' ? num(Math.ceil(n), true) : name === 'math.floor' ? num(Math.floor(n), true) : num(Math.sqrt(n), false);
        return this.derived(out, node, [one]);
      }
    }
    // `'layer{}'.format(i)` on a string the file fixes.
    if (fn.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'format') {
      const object = fn.childForFieldName('object');
      const format = object ? this.resolve(object, bindings) : undefined;
      if (format?.kind === 'string') return this.braceFormat(node, format.value, positional.map((p) => this.resolve(p, bindings)), new Map(keywords.map(([k, v]) => [k, this.resolve(v, bindings)])));
    }
    // Config objects built in the file.
    if (CONFIG_FACTORIES.has(name) || CONFIG_FACTORIES.has(qualified)) {
      const entries: (readonly [string, Value])[] = [];
      if (positional.length > 1) return unknown(node);
      if (positional[0]) {
        const base = this.resolve(positional[0], bindings);
        if (base.kind !== 'dict') return unknown(node, 'config contents not known');
        entries.push(...base.entries);
      }
      for (const [k, v] of keywords) entries.push([k, this.resolve(v, bindings)]);
      return { kind: 'dict', entries: dedupe(entries), provenance: writtenAt(`${last}(...)`, spanOf(node)) };
    }
    // `functools.partial(nn.GroupNorm, 32)`: a callable with bound arguments.
    if (last === 'partial' && (qualified === 'functools.partial' || name === 'partial') && positional[0]) {
      return this.partial(node, positional, keywords.map(([k, v]) => [k, this.resolve(v, bindings)] as const), bindings);
    }
    if (fn.type === 'identifier') {
      const v = this.helperCall(node, fn, positional, keywords, bindings);
      if (v) return v;
    }
    return unknown(node);
  }

  /**
   * `make_divisible(v, divisor, min_value, round_limit)` as timm and torchvision write it: `v`
   * rounded to the nearest multiple of `divisor`, at least `min_value` (default `divisor`), one
   * multiple more when rounding took off more than `1 - round_limit` (torchvision: 0.9, and no
   * `divisor` default). Undefined when an argument does not resolve to a number.
   */
  private makeDivisible(call: Node, timm: boolean, positional: readonly Node[], keywords: readonly (readonly [string, Node])[], bindings: Bindings | undefined): Value | undefined {
    const names = timm ? ['v', 'divisor', 'min_value', 'round_limit'] : ['v', 'divisor', 'min_value'];
    if (positional.length > names.length || keywords.some(([k]) => !names.includes(k))) return undefined;
    const arg = (i: number): Value | undefined => {
      const at = positional[i] ?? keywords.find(([k]) => k === names[i])?.[1];
      return at ? this.resolve(at, bindings) : undefined;
    };
    const given = names.map((_, i) => arg(i));
    const [v, divisor, minValue, roundLimit] = given;
    const n = v ? numberOf(v) : undefined;
    const d = divisor ? numberOf(divisor) : timm ? 8 : undefined;
    // (timm: `min_value = min_value or divisor`; torchvision: `if min_value is None`.)
    const given0 = minValue === undefined || minValue.kind === 'none' ? d : numberOf(minValue);
    const m = timm && given0 === 0 ? d : given0;
    const r = roundLimit === undefined ? 0.9 : numberOf(roundLimit);
    if (n === undefined || d === undefined || m === undefined || r === undefined || !Number.isInteger(d) || d <= 0) return undefined;
    let out = Math.max(m, Math.floor(Math.trunc(n + d / 2) / d) * d);
    if (out < r * n) out += d;
    return this.derived(num(out, true), call, given.filter((x): x is Value => x !== undefined));
  }

  /** `functools.partial(f, *positional, **keywords)` (`call`), the keywords resolved. */
  private partial(call: Node, positional: readonly Node[], keywords: readonly (readonly [string, Value])[], bindings: Bindings | undefined): Value {
    const first = positional[0];
    const resolved = first ? this.resolve(first, bindings) : undefined;
    const target = resolved?.kind === 'callable' ? resolved : first ? this.callableOf(first) : undefined;
    if (!target) return unknown(call);
    return {
      kind: 'callable',
      target: target.target,
      boundPositional: [...target.boundPositional, ...positional.slice(1).map((p) => this.resolve(p, bindings))],
      boundKeywords: [...target.boundKeywords, ...keywords],
      provenance: writtenAt('partial(...)', spanOf(call)),
    };
  }

  /** `partial(f, ..., **d)` (`call`): `d` read as its keywords when it resolves to a dict; unknown otherwise. */
  private partialWithSplats(call: Node, qualified: string, name: string, positional: readonly Node[], keywords: readonly (readonly [string, Node])[], splats: readonly Node[], bindings: Bindings | undefined): Value {
    if ((qualified !== 'functools.partial' && name !== 'partial') || !positional[0]) return unknown(call, undefined, undefined);
    // (Keywords, then the splats' entries: a keyword given twice is a TypeError in Python, so
    // the order does not change what a well-formed call binds.)
    const all: (readonly [string, Value])[] = keywords.map(([k, v]) => [k, this.resolve(v, bindings)] as const);
    for (const splat of splats) {
      const inner = splat.namedChildren[0];
      const d = inner ? this.resolve(inner, bindings) : undefined;
      if (d?.kind !== 'dict') return unknown(call, undefined, undefined);
      for (const [k, v] of d.entries) all.push([k, v]);
    }
    return this.partial(call, positional, all, bindings);
  }

  /**
   * A call of a small top-level function of this file, with arguments that resolve: its body run
   * with the parameters bound (`runHelper`): one `return <expression>` (`pair(224)` for `def
   * pair(t): return t if isinstance(t, tuple) else (t, t)`), or a few assignments and `if`s
   * before it (MobileNet's `_make_divisible(v, divisor, min_value=None)`). Undefined when the call
   * is not one, or the body does not run to a value that resolves.
   */
  private helperCall(call: Node, callee: Node, positional: readonly Node[], keywords: readonly (readonly [string, Node])[], bindings: Bindings | undefined): Value | undefined {
    const def = this.topLevelFunction(callee.text);
    if (!def || def.parent?.type === 'decorated_definition' || this.helperDepth >= MAX_HELPER_DEPTH || this.helperCalls >= MAX_HELPER_CALLS) return undefined;
    // The name at the call must be that function (not a local or parameter of the same name).
    const named = this.resolve(callee, bindings);
    if (named.kind !== 'callable' || named.target !== callee.text || named.provenance?.at?.startOffset !== def.startIndex) return undefined;
    const body = def.childForFieldName('body')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    // (A one-statement body must be a `return`: a function that only assigns gives None, which is not what its callers want to read.)
    if (body.length === 0 || (body.length === 1 && body[0]?.type !== 'return_statement')) return undefined;
    const params = this.parameters(def);
    const bound = new Map<string, Value>();
    const given: Value[] = [];
    for (const p of params) {
      if (p.splat) return undefined;
      const k = keywords.find(([name]) => name === p.name);
      const at = k ? k[1] : !p.keywordOnly ? positional[p.index] : undefined;
      const v = at ? this.resolve(at, bindings) : p.default;
      if (!v || v.kind === 'unknown') return undefined;
      if (at) given.push(v);
      bound.set(p.name, v);
    }
    if (positional.length > params.filter((p) => !p.keywordOnly).length || keywords.some(([name]) => !bound.has(name))) return undefined;
    this.helperDepth++;
    this.helperCalls++;
    let v: Value | null | undefined;
    try {
      v = this.runHelper(body, bound, { statements: 0 });
    } finally {
      this.helperDepth--;
    }
    // (A copy: the value may be one the memo keeps. Its origin: the arguments given, if any.)
    if (!v || v.kind === 'unknown') return undefined;
    return given.length > 0 ? this.derived({ ...v }, call, given) : { ...v };
  }

  /**
   * Runs a helper's statements (`helperCall`) with `env` binding its names, as Python would:
   * assignments and augmented assignments to plain names, `if` / `elif` / `else` whose condition
   * resolves, `return`, docstrings, `pass` and `assert` (taken to hold). The value returned, `null` when the statements end
   * without a `return`, undefined when one is of another kind (a loop, a call for its effect) or a
   * condition does not resolve. At most `MAX_HELPER_STATEMENTS` statements per call.
   */
  private runHelper(stmts: readonly Node[], env: Map<string, Value>, run: { statements: number }): Value | null | undefined {
    for (const s of stmts) {
      if (s.type === 'comment' || s.type === 'pass_statement' || s.type === 'assert_statement') continue;
      if (++run.statements > MAX_HELPER_STATEMENTS) return undefined;
      if (s.type === 'return_statement') {
        const v = s.namedChildren.find((c) => c.type !== 'comment');
        return v ? this.resolve(v, env) : { kind: 'none' };
      }
      if (s.type === 'if_statement') {
        const block = this.branchTaken(s, env);
        if (block === undefined) return undefined;
        if (block === null) continue;
        const v = this.runHelper(block.namedChildren, env, run);
        if (v !== null) return v;
        continue;
      }
      const e = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
      if (e?.type === 'string') continue;
      const left = e?.childForFieldName('left');
      const right = e?.childForFieldName('right');
      if (!e || left?.type !== 'identifier' || !right) return undefined;
      if (e.type === 'assignment' && right.type !== 'assignment') env.set(left.text, this.resolve(right, env));
      else if (e.type === 'augmented_assignment') {
        const op = e.childForFieldName('operator')?.text;
        const before = env.get(left.text) ?? this.resolve(left, env);
        env.set(left.text, op ? this.operation(e, op.slice(0, -1), before, this.resolve(right, env), env) : unknown(e));
      } else return undefined;
    }
    return null;
  }

  /** The block an `if` statement runs for the values of `env`: null for none, undefined when a condition does not resolve. */
  private branchTaken(stmt: Node, env: Map<string, Value>): Node | null | undefined {
    for (const c of ifClauses(stmt)) {
      if (!c.condition) return c.body;
      const t = this.truthy(this.resolve(c.condition, env));
      if (t === undefined) return undefined;
      if (t) return c.body;
    }
    return null;
  }

  /** A framework class or function named by a dotted expression (`nn.BatchNorm2d`). */
  callableOf(node: Node): CallableValue | undefined {
    const q = this.qualify(node);
    if (!q) return undefined;
    return { kind: 'callable', target: q, boundPositional: [], boundKeywords: [], provenance: writtenAt(node.text, spanOf(node)) };
  }

  // ---------------------------------------------------------------- argparse

  private isArgsName(identifier: Node, bindings: Bindings | undefined): boolean {
    if (bindings?.has(identifier.text)) return false;
    const names = this.parseArgsNames();
    if (!names.has(identifier.text)) return false;
    // The name must not be bound to something else in the scope of the use.
    const scope = enclosingScope(identifier);
    if (scope) {
      const table = this.table(scope);
      const sites = table.names.get(identifier.text);
      if (sites && sites.some((s) => !s.value || !this.isParseArgsCall(s.value))) return false;
      const param = table.params.get(identifier.text);
      if (param?.default) return false;
    }
    return true;
  }

  private isParseArgsCall(node: Node): boolean {
    let n: Node | null = node;
    // `parser.parse_known_args()[0]`
    if (n.type === 'subscript') n = n.childForFieldName('value');
    if (!n || n.type !== 'call') return false;
    const fn = n.childForFieldName('function');
    if (!fn) return false;
    if (fn.type === 'attribute') {
      const m = fn.childForFieldName('attribute')?.text;
      return m === 'parse_args' || m === 'parse_known_args';
    }
    // `args = get_args()` where `get_args` returns `parser.parse_args()`.
    if (fn.type === 'identifier') {
      const def = this.definition(`f:${fn.text}`);
      if (!def) return false;
      return def
        .descendantsOfType('return_statement')
        .some((r) => r.namedChildren.some((value) => ownScope(value, def) && this.isParseArgsCall(value)));
    }
    return false;
  }

  /** Names bound to `parse_args()` results anywhere in the file (`args`, `opt`, ...). */
  private parseArgsNames(): Set<string> {
    if (this.argsNames) return this.argsNames;
    const names = new Set<string>();
    if (this.hasArgparseOptions()) {
      for (const call of [...this.callsNamed('parse_args'), ...this.callsNamed('parse_known_args')]) {
        const m = methodName(call);
        if (m !== 'parse_args' && m !== 'parse_known_args') continue;
        let stmt: Node | null = call.parent;
        if (stmt?.type === 'subscript') stmt = stmt.parent;
        if (stmt?.type === 'assignment') {
          for (const t of targets(stmt.childForFieldName('left') ?? stmt).slice(0, 1)) if (t.type === 'identifier') names.add(t.text);
        } else if (stmt?.type === 'return_statement') {
          // `def get_args(): return parser.parse_args()`, then `args = get_args()` anywhere.
          const fn = enclosingScope(stmt);
          const fnName = fn?.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
          if (fnName) {
            // (The calls of `fnName` that are the right-hand side of an assignment.)
            for (const c of this.callsNamed(fnName)) {
              const a = c.parent;
              if (a?.type !== 'assignment' || a.childForFieldName('right') !== c || c.childForFieldName('function')?.type !== 'identifier') continue;
              const n = a.childForFieldName('left');
              if (n?.type === 'identifier') names.add(n.text);
            }
          }
        }
      }
    }
    this.argsNames = names;
    return names;
  }

  /**
   * Whether `argparseOptions()` has any option, without resolving their defaults (it is asked
   * per analysis, for every `parse_args` name; the defaults only when an option is read).
   */
  private hasArgparseOptions(): boolean {
    if (this.argparse) return this.argparse.size > 0;
    for (const call of this.callsNamed('add_argument')) {
      if (methodName(call) !== 'add_argument') continue;
      const args = call.childForFieldName('arguments');
      if (args?.type !== 'argument_list' || call.hasError) continue;
      if (argparseFlag(args) !== undefined) return true;
    }
    return false;
  }

  /** argparse options of the file by destination (`--batch-size` -> `batch_size`). */
  argparseOptions(): Map<string, ArgparseOption[]> {
    if (this.argparse) return this.argparse;
    const out = new Map<string, ArgparseOption[]>();
    for (const call of this.callsNamed('add_argument')) {
      if (methodName(call) !== 'add_argument') continue;
      const args = call.childForFieldName('arguments');
      if (args?.type !== 'argument_list' || call.hasError) continue;
      let dest: string | undefined;
      let def: Node | undefined;
      let action: string | undefined;
      let type: string | undefined;
      let hasDefault = false;
      for (const a of args.namedChildren) {
        if (!a || a.type !== 'keyword_argument') continue;
        const k = a.childForFieldName('name')?.text;
        const v = a.childForFieldName('value');
        if (!v) continue;
        if (k === 'dest') dest = literalValue(v).kind === 'string' ? (literalValue(v) as { value: string }).value : undefined;
        else if (k === 'default') {
          def = v;
          hasDefault = true;
        } else if (k === 'action') action = literalValue(v).kind === 'string' ? (literalValue(v) as { value: string }).value : undefined;
        else if (k === 'type') type = v.text;
      }
      const long = argparseFlag(args);
      if (long === undefined) continue;
      const name = dest ?? long.replace(/^-+/, '').replace(/-/g, '_');
      let value: Value;
      if (hasDefault && def) {
        value = this.resolve(def);
        if (value.kind === 'string' && (type === 'int' || type === 'float')) {
          const n = Number(value.value);
          value = Number.isNaN(n) ? unknown(def) : num(type === 'int' ? Math.trunc(n) : n, type === 'int');
        }
      } else if (action === 'store_true') value = { kind: 'bool', value: false };
      else if (action === 'store_false') value = { kind: 'bool', value: true };
      else value = { kind: 'none' };
      const list = out.get(name) ?? [];
      list.push({ flag: long, value, call });
      out.set(name, list);
    }
    this.argparse = out;
    return out;
  }

  // ---------------------------------------------------------------- scope tables

  /** The names, attributes and parameters bound directly in a scope (null = module). */
  private table(scope: Node | null): ScopeTable {
    if (scope === null) return (this.moduleTable ??= this.moduleScope());
    const cached = this.tables.get(scope);
    if (cached) return cached;
    const table = { node: scope, names: new Map<string, Site[]>(), attrs: new Map<string, Site[]>(), mutated: new Set<string>(), params: new Map<string, Param>() };
    if (scope.type === 'function_definition' || scope.type === 'lambda') collectParams(scope, table.params);
    const body = scope.childForFieldName('body');
    if (body) {
      const defs: Node[] = [];
      for (const site of bindingSites(body, defs)) addMatch(table, site.whole, site.left, site.method);
      // Nested functions and classes bind their names too.
      for (const def of defs) {
        const name = def.childForFieldName('name');
        if (name?.type === 'identifier') addSite(table.names, name.text, { value: undefined, at: def });
      }
    }
    this.tables.set(scope, table);
    return table;
  }

  /**
   * The module's table, answered per name from what each top-level statement binds (see
   * `MODULE_BINDINGS`): a lookup costs the statements binding that name, not the file.
   */
  private moduleScope(): ScopeTable {
    const lookup = (prefix: string, pick: (t: SiteTable) => Map<string, Site[]>): Lookup<readonly Site[]> => {
      const cache = new Map<string, readonly Site[] | undefined>();
      return {
        get: (key) => {
          if (cache.has(key)) return cache.get(key);
          const index = StatementIndex.of(this.tree, MODULE_BINDINGS);
          const statements = index.statementsWith(prefix + key);
          let sites: readonly Site[] | undefined;
          if (statements.length === 1) sites = pick(index.partOf(statements[0])).get(key);
          else if (statements.length > 1) {
            sites = GATHERED_SITES.get(statements);
            if (!sites) GATHERED_SITES.set(statements, (sites = statements.flatMap((s) => pick(index.partOf(s)).get(key) ?? [])));
          }
          cache.set(key, sites);
          return sites;
        },
        has: (key) => StatementIndex.of(this.tree, MODULE_BINDINGS).has(prefix + key),
      };
    };
    return {
      node: null,
      names: lookup('n:', (t) => t.names),
      attrs: lookup('a:', (t) => t.attrs),
      mutated: { has: (key) => StatementIndex.of(this.tree, MODULE_BINDINGS).has(`m:${key}`) },
      params: new Map(),
    };
  }

  /** Parameters of a function, in order, with their default values resolved (for IR consumers). */
  parameters(fn: Node): readonly ParameterInfo[] {
    // (Asked for a class's `__init__` by every instance of it and by its own IR: kept per function.)
    let list = this.parameterLists.get(fn);
    if (!list) this.parameterLists.set(fn, (list = this.readParameters(fn)));
    return list;
  }

  private readParameters(fn: Node): readonly ParameterInfo[] {
    const table = this.table(fn);
    const params = [...table.params.values()];
    // (The table lists them by index already unless a name repeats: a stable sort would keep them.)
    let sorted = true;
    for (let i = 1; i < params.length; i++) if (params[i - 1].index > params[i].index) sorted = false;
    if (!sorted) params.sort((a, b) => a.index - b.index);
    const out: ParameterInfo[] = [];
    for (const p of params) {
      // (Properties in their usual order, `defaultSpan` only with a default: no spread.)
      const info: { -readonly [K in keyof ParameterInfo]: ParameterInfo[K] } = {
        name: p.node.text,
        index: p.index,
        default: p.default ? this.resolve(p.default) : undefined,
        span: spanOf(p.node),
        splat: p.splat,
        keywordOnly: p.keywordOnly,
      };
      if (p.default) info.defaultSpan = spanOf(p.default);
      out.push(info);
    }
    return out;
  }

  /**
   * The module-level statements before the top-level statement that holds `node`, in order,
   * without class and function definitions and imports (a script's straight-line code).
   */
  moduleStatementsBefore(node: Node): Node[] {
    let top: Node = node;
    while (top.parent && top.parent.type !== 'module') top = top.parent;
    const out: Node[] = [];
    for (const stmt of this.tree.rootNode.namedChildren) {
      if (!stmt || stmt.startIndex >= top.startIndex) break;
      if (stmt.type === 'expression_statement') out.push(stmt);
    }
    // Statements before `node` in its own top-level statement's blocks (`with strategy.scope():`).
    if (top !== node) {
      for (const s of top.descendantsOfType('expression_statement')) if (s.endIndex <= node.startIndex && s.parent?.type === 'block' && !insideDefinition(s, top)) out.push(s);
    }
    return out;
  }

  /**
   * `name.<method>(...)` calls in the statements that follow `statement` in its block (or at
   * module level), until `name` is assigned again: `model.add(layers.Dense(64))` after
   * `model = keras.Sequential()`.
   */
  methodCallsAfter(statement: Node, name: string, methods: ReadonlySet<string>): Node[] {
    const out: Node[] = [];
    const siblings = statement.parent?.namedChildren ?? [];
    for (const s of siblings.slice(siblings.indexOf(statement) + 1)) {
      const e = s.type === 'expression_statement' ? s.namedChildren[0] : undefined;
      if (e?.type === 'assignment' && e.childForFieldName('left')?.text === name) break;
      const f = e?.type === 'call' ? e.childForFieldName('function') : undefined;
      if (e && f?.type === 'attribute' && f.childForFieldName('object')?.text === name && methods.has(f.childForFieldName('attribute')?.text ?? '')) out.push(e);
    }
    return out;
  }

  /**
   * Whether `target` (an identifier being assigned) is the only binding of its name in its scope:
   * assigned once, not a parameter, not a loop variable, not modified in place. Such a local
   * has one value per run of the scope (per iteration of an unrolled loop).
   */
  assignedOnce(target: Node): boolean {
    if (target.type !== 'identifier') return false;
    const table = this.table(enclosingScope(target));
    if (table.params.has(target.text) || table.mutated.has(target.text)) return false;
    const sites = table.names.get(target.text);
    return sites?.length === 1;
  }

  /** Whether the function `fn` assigns `name` (a parameter, say) or changes it in place (`kwargs['groups'] = 32`). */
  changesInBody(fn: Node, name: string): boolean {
    const table = this.table(fn);
    return table.mutated.has(name) || (table.names.get(name)?.length ?? 0) > 0;
  }

  /** The single value node assigned to a name in the scope of `use` (or an outer scope), if any. */
  definitionOf(use: Node): Node | undefined {
    let scope = enclosingScope(use);
    while (true) {
      const table = this.table(scope);
      if (table.params.has(use.text)) return undefined;
      const sites = table.names.get(use.text);
      if (sites) return sites.length === 1 ? sites[0]?.value : undefined;
      if (scope === null) return undefined;
      scope = enclosingScope(scope);
    }
  }
}

/**
 * What a top-level statement binds at module level: a class or function definition its name,
 * any other statement the binding sites outside its nested definitions.
 */
const MODULE_BINDINGS = new StatementIndexKind<SiteTable>(
  (stmt) => {
    const def = stmt.isNamed ? (stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt) : null;
    if (!stmt.isNamed || def?.type === 'class_definition' || def?.type === 'function_definition') {
      // (A definition binds its name only: no attribute or mutation maps of its own. Parts are
      // read-only once built.)
      const names = new Map<string, Site[]>();
      const name = def?.childForFieldName('name');
      if (def && name) addSite(names, name.text, { value: undefined, at: def });
      return { names, attrs: NO_SITES, mutated: NO_NAMES };
    }
    const table: SiteTable = { names: new Map(), attrs: new Map(), mutated: new Set() };
    for (const site of bindingSites(stmt)) addMatch(table, site.whole, site.left, site.method);
    return table;
  },
  function* (t) {
    for (const k of t.names.keys()) yield `n:${k}`;
    for (const k of t.attrs.keys()) yield `a:${k}`;
    for (const k of t.mutated) yield `m:${k}`;
  },
  (t, key) => {
    t.names.forEach((_, k) => key(`n:${k}`));
    t.attrs.forEach((_, k) => key(`a:${k}`));
    t.mutated.forEach((k) => key(`m:${k}`));
  },
);

/** The attribute sites and mutated names of a definition's part (empty; never written). */
const NO_SITES = new Map<string, Site[]>();
const NO_NAMES = new Set<string>();

/** The class or function a top-level statement defines (`c:Name` / `f:name`). */
const DEFINITIONS = new StatementIndexKind<{ readonly key: string; readonly def: Node } | null>(
  (stmt) => {
    if (!stmt.isNamed) return null;
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    const name = def?.childForFieldName('name')?.text;
    if (!def || !name) return null;
    if (def.type === 'class_definition') return { key: `c:${name}`, def };
    if (def.type === 'function_definition') return { key: `f:${name}`, def };
    return null;
  },
  (d) => (d ? [d.key] : []),
);

function addMatch(table: SiteTable, whole: Node, left: Node | undefined, method: Node | undefined): void {
  switch (whole.type) {
    case 'assignment': {
      if (!left || whole.parent?.type === 'assignment') {
        // Inner part of a chained assignment `a = b = v`: the outer match records both.
        if (left && whole.parent?.type === 'assignment') bind(table, left, assignedValue(whole), whole);
        return;
      }
      const right = assignedValue(whole);
      const ts = targets(left);
      if (ts.length > 1 && right && (right.type === 'tuple' || right.type === 'expression_list' || right.type === 'list')) {
        const values = right.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
        if (values.length === ts.length && !values.some((v) => v.type === 'list_splat')) {
          ts.forEach((t, i) => bind(table, t, values[i], whole));
          return;
        }
      }
      if (ts.length === 1 && ts[0] && left.type !== 'pattern_list' && left.type !== 'tuple_pattern') bind(table, ts[0], right, whole);
      else {
        // `name, layer = build_norm_layer(cfg, C)`: a flat list of names takes the items of the value by position.
        const flat = right !== undefined && ts.length > 1 && left.namedChildren.every((c) => c.type === 'identifier' || c.type === 'attribute' || c.type === 'comment');
        ts.forEach((t, index) => bind(table, t, undefined, whole, flat ? { from: right, index, count: ts.length } : undefined));
      }
      return;
    }
    case 'call': {
      // `obj.update(...)`, `layers.append(...)`: the object's contents change.
      if (left && method && MUTATING_METHODS.has(method.text)) {
        const root = dottedHead(left);
        if (root && root !== 'self') table.mutated.add(root);
        if (root === 'self') {
          const dotted = dottedText(left);
          if (dotted !== undefined) table.mutated.add(dotted);
        }
      }
      return;
    }
    case 'import_from_statement':
    case 'import_statement': {
      for (const n of whole.childrenForFieldName('name')) {
        if (!n) continue;
        const bound = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text.split('.')[0];
        if (bound) addSite(table.names, bound, { value: undefined, at: whole });
      }
      return;
    }
    default:
      if (left) for (const t of targets(left)) bind(table, t, undefined, whole);
  }
}

function bind(table: SiteTable, target: Node, value: Node | undefined, at: Node, unpacked?: Site['unpacked']): void {
  if (target.type === 'identifier') addSite(table.names, target.text, unpacked ? { value, at, unpacked } : { value, at });
  else if (target.type === 'attribute') {
    const dotted = dottedText(target);
    if (dotted !== undefined) addSite(table.attrs, dotted, unpacked ? { value, at, unpacked } : { value, at });
    else {
      const root = rootName(target);
      if (root) table.mutated.add(root);
    }
  } else if (target.type === 'subscript') {
    const root = rootName(target);
    if (root) table.mutated.add(root);
  }
}

function collectParams(fn: Node, params: Map<string, Param>): void {
  const list = fn.childForFieldName('parameters');
  let index = 0;
  let keywordOnly = false;
  for (const p of list?.namedChildren ?? []) {
    if (!p || p.type === 'comment') continue;
    if (p.type === 'keyword_separator') keywordOnly = true;
    let nameNode: Node | null = null;
    let def: Node | undefined;
    let splat = false;
    switch (p.type) {
      case 'identifier':
        nameNode = p;
        break;
      case 'default_parameter':
      case 'typed_default_parameter':
        nameNode = p.childForFieldName('name');
        def = p.childForFieldName('value') ?? undefined;
        break;
      case 'typed_parameter':
        nameNode = p.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        break;
      case 'list_splat_pattern':
      case 'dictionary_splat_pattern':
        nameNode = p.namedChildren.find((c) => c?.type === 'identifier') ?? null;
        splat = true;
        break;
      default:
        break;
    }
    if (nameNode && nameNode.type === 'identifier') params.set(nameNode.text, { node: nameNode, default: def, splat, index, keywordOnly });
    if (p.type === 'list_splat_pattern') keywordOnly = true;
    if (!splat && p.type !== 'keyword_separator' && p.type !== 'positional_separator') index++;
  }
}

/** An element taken out of a container keeps the container's origin when its own is just "literal". */
function inherit(item: Value, container: Value): Value {
  if (item.kind === 'unknown' || container.kind === 'unknown') return item;
  const own = item.provenance;
  const outer = container.provenance;
  if (!outer || outer.description.startsWith('literal') || (own && !own.description.startsWith('literal'))) return item;
  return withProvenance(item, { ...outer, span: own?.span ?? outer.span });
}

/** Whether `node` sits in a function or class body inside `top`. */
function insideDefinition(node: Node, top: Node): boolean {
  for (let p = node.parent; p && p !== top; p = p.parent) if (p.type === 'function_definition' || p.type === 'class_definition') return true;
  return false;
}

function addSite(map: Map<string, Site[]>, key: string, site: Site): void {
  const list = map.get(key);
  if (list) list.push(site);
  else map.set(key, [site]);
}

function rootName(node: Node): string | undefined {
  let n: Node | null = node;
  while (n && (n.type === 'attribute' || n.type === 'subscript')) n = n.type === 'attribute' ? n.childForFieldName('object') : n.childForFieldName('value');
  return n?.type === 'identifier' ? n.text : undefined;
}

function enclosingClass(fn: Node): Node | undefined {
  let p = fn.parent;
  while (p) {
    if (p.type === 'class_definition') return p;
    if (p.type === 'function_definition') return undefined;
    p = p.parent;
  }
  return undefined;
}

function isPurePath(node: Node): boolean {
  switch (node.type) {
    case 'identifier':
      return true;
    case 'attribute': {
      const o = node.childForFieldName('object');
      return o !== null && isPurePath(o);
    }
    case 'subscript': {
      const v = node.childForFieldName('value');
      const s = node.childForFieldName('subscript');
      return v !== null && s !== null && isPurePath(v) && (s.type === 'integer' || s.type === 'string' || isPurePath(s));
    }
    case 'binary_operator': {
      const l = node.childForFieldName('left');
      const r = node.childForFieldName('right');
      return l !== null && r !== null && (isPurePath(l) || l.type === 'integer') && (isPurePath(r) || r.type === 'integer');
    }
    case 'parenthesized_expression': {
      const inner = node.namedChildren[0];
      return node.namedChildCount === 1 && inner !== null && inner !== undefined && isPurePath(inner);
    }
    default:
      return false;
  }
}

function dedupe(entries: readonly (readonly [string, Value])[]): (readonly [string, Value])[] {
  const map = new Map<string, Value>();
  for (const [k, v] of entries) map.set(k, v);
  return [...map.entries()];
}

/**
 * The flag an `add_argument(...)` call's option is named by (the first `--long` one, else the
 * first positional name, else the first flag); undefined when it has none (no option).
 */
function argparseFlag(args: Node): string | undefined {
  const flags: string[] = [];
  for (const a of args.namedChildren) {
    if (!a || a.type === 'comment' || a.type === 'keyword_argument') continue;
    const lit = literalValue(a);
    if (lit.kind === 'string') flags.push(lit.value);
  }
  const long = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => !f.startsWith('-')) ?? flags[0];
  return long ? long : undefined;
}

/** A binding site as reasons quote it: its first line, shortened (`embed_dim = embed_dim or in_features`). */
function quoted(site: Node): string {
  const first = site.text.split('\n', 1)[0] ?? '';
  const short = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return `\`${short}\``;
}
