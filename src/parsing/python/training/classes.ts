import type { StatementMemo } from '../statementMemo';
import { NodeCache, type SyntaxNode as Node, type SyntaxTree as Tree } from '../syntaxTree';
import type { LayerFact, ModelFacts } from '../../../ir/training';
import { qualifiedName, type ImportTable } from '../imports';
import { dottedParts, spanOf } from '../syntax';
import { callArgs, type CallArgs, stringArgument, testedOperand } from './util';
import { literalValue } from '../syntax';
import { configNormClassName } from '../configBuilders';
import { libraryModelFacts, loadsInEvalMode } from './library';
import { dottedLast } from '../dottedNames';

/**
 * A branch condition a layer is built under in `__init__` that tests one of its parameters
 * (`if use_batch_norm:`, `nn.BatchNorm2d(c) if bn else nn.Identity()`): the layer exists only
 * when the parameter's truth is `holds`.
 */
export interface ParamCondition {
  readonly param: string;
  readonly holds: boolean;
}

/** The boolean literals a call passes: by position and by keyword (undefined for another value), and whether it splats. */
export interface BoolArguments {
  readonly positional: readonly (boolean | undefined)[];
  readonly keywords: readonly (readonly [string, boolean | undefined])[];
  readonly splat: boolean;
}

/** A layer of a class body, with its role in the model's facts. */
export type ClassLayer = LayerFact & { readonly role: 'bn' | 'mode' | 'affine-norm' | 'other'; readonly when?: readonly ParamCondition[] };

/**
 * Per-class facts the training rules need (does the model have BatchNorm, Dropout, affine
 * norms; does it override `train()` to keep BN frozen), derived from the layer construction
 * calls, layer-class references and norm configs (`dict(type='BN')`, see `configNormReferences`)
 * inside each class body, closed over the file's own classes it uses. Exported so the workspace
 * index can publish them for other files.
 */
export interface ClassFacts {
  readonly name: string;
  readonly span: ReturnType<typeof spanOf>;
  readonly bases: readonly string[];
  /** Layer facts of this class body alone. */
  readonly layers: readonly ClassLayer[];
  /** Names of the file's other classes this class refers to (sub-blocks). */
  readonly uses: readonly string[];
  /**
   * The calls of `uses` classes in the body (`ConvBlock(64, 128, bn=False)`), each with the
   * boolean literals it passes (see `BoolArguments`): which of a sub-block's optional layers
   * its instances here have. A class referred to otherwise (`block=ConvBlock`) has one with no
   * arguments known. Absent when the body refers to none.
   */
  readonly useCalls?: readonly { readonly name: string; readonly args: BoolArguments | undefined }[];
  /**
   * Capitalized names the body calls that are neither the file's classes nor known layers
   * (`DoubleConv(64, 128)` of `from .parts import *`): classes of other files, which the
   * workspace index looks up (see `WorkspaceIndex`). Absent when there are none.
   */
  readonly externalUses?: readonly string[];
  readonly methods: readonly string[];
  readonly trainKeepsBatchNormFrozen: boolean;
  readonly frozenBatchNorm: boolean;
  /**
   * The attributes holding a library model with BatchNorm whose parameters the body freezes
   * (`self.backbone = resnet50(...)`, then `for p in self.backbone.parameters(): p.requires_grad = False`):
   * the freeze stops their weights, not their BatchNorm statistics (see `FreezeIR.className`).
   */
  readonly frozenParts?: readonly string[];
  /** The attributes holding an instance of another class of the file whose parameters the body freezes, with that class (see `frozenOwnParts`). */
  readonly frozenOwnParts?: readonly { readonly attr: string; readonly cls: string }[];
  /** A base is a Keras class (`tf.keras.Model`, `keras.layers.Layer`): the class has no train()/eval() mode. */
  readonly keras?: boolean;
  /**
   * `__init__`'s parameters after `self`, in order, with their boolean defaults: present when a
   * layer depends on one (`ClassLayer.when`), for a construction's arguments to decide.
   */
  readonly init?: { readonly params: readonly string[]; readonly defaults: readonly (boolean | undefined)[] };
}

/** timm norms (timm/layers/norm.py, norm_act.py) whose `affine` is their third parameter (`GroupNormAct`'s is the fourth, as BatchNorm's). */
const TIMM_AFFINE_AT_2: readonly string[] = ['LayerNorm2d', 'LayerNormFp32', 'LayerNorm2dFp32', 'RmsNorm', 'RmsNorm2d', 'LayerNormAct', 'LayerNormAct2d', 'GroupNorm1', 'GroupNorm1Act'];
export const BN_KINDS: ReadonlySet<string> = new Set(['BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d', 'SyncBatchNorm', 'BatchNormalization', 'BatchNorm', 'BatchNormAct2d', 'SyncBatchNormAct']);
export const DROPOUT_KINDS: ReadonlySet<string> = new Set(['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianDropout', 'StochasticDepth', 'DropPath']);
const INSTANCE_KINDS = new Set(['InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d']);
export const AFFINE_NORM_KINDS: ReadonlySet<string> = new Set([...BN_KINDS, 'LayerNorm', 'GroupNorm', 'RMSNorm', 'LayerNormalization', 'GroupNormalization', ...TIMM_AFFINE_AT_2, 'GroupNormAct']);
const FROZEN_BN = new Set(['FrozenBatchNorm2d', 'FrozenBatchNorm']);
const GLOBAL_POOLS = new Set(['AdaptiveAvgPool2d', 'AdaptiveMaxPool2d', 'AdaptiveAvgPool1d', 'AdaptiveAvgPool3d', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'GlobalAveragePooling1D']);
const FLATTENING = new Set(['Linear', 'Flatten', 'Dense', 'LazyLinear']);
/** A qualified base class of Keras (`tensorflow.keras.Model`, `keras.layers.Layer`, `tf_keras.Model`). */
const KERAS_CLASS = /^(tensorflow\.(python\.)?keras|tf_keras|keras)\./;
/** No star-imported names (a bare base name is qualified only by its import). */
const NO_NAMES: ReadonlySet<string> = new Set();

/** The last-segment names `layerKind` recognises: a reference ending in anything else is no layer. */
const LAYER_NAMES = new Set([...BN_KINDS, ...DROPOUT_KINDS, ...INSTANCE_KINDS, ...AFFINE_NORM_KINDS, ...FROZEN_BN, ...GLOBAL_POOLS, ...FLATTENING]);

/** Layer libraries whose class names we recognise in a class body. */
function layerKind(parts: readonly string[], imports: ImportTable): string | undefined {
  const head = parts[0];
  if (head === undefined) return undefined;
  const bound = imports.aliases.get(head);
  const qualified = bound ? [bound, ...parts.slice(1)].join('.') : parts.length > 1 && (head === 'nn' || head === 'torch') ? parts.join('.') : undefined;
  const last = parts[parts.length - 1];
  if (!last || !LAYER_NAMES.has(last)) return undefined;
  if (qualified && /^(torch|keras|tensorflow|tf|flax|torchvision|timm|detectron2|mmcv)\b/.test(qualified)) return last;
  // Star-imported or bare names (`from torch.nn import *`, `BatchNorm2d(...)` in a snippet).
  if (parts.length === 1 && (imports.starModules.some((m) => /^(torch|keras|tensorflow|flax)/.test(m)) || FROZEN_BN.has(last))) return last;
  if (parts.length > 1 && (head === 'layers' || head === 'L')) return last; // `from tensorflow.keras import layers`
  return undefined;
}

function isTracked(call: Node | undefined): boolean {
  if (!call) return false;
  const args = callArgs(call);
  const v = args.keywords.get('track_running_stats') ?? args.positional[4];
  return v !== undefined && literalValue(v).kind === 'bool' && (literalValue(v) as { value: boolean }).value;
}

function hasFalse(call: Node | undefined, name: string, position: number): boolean {
  if (!call) return false;
  const args = callArgs(call);
  const v = args.keywords.get(name) ?? args.positional[position];
  const lit = v ? literalValue(v) : undefined;
  return lit?.kind === 'bool' && !lit.value;
}

/** Keras' `BatchNormalization(synchronized=True)` (a literal; Keras 3 and tf.keras 2.12+). */
export function isSynchronized(call: Node | undefined): boolean {
  const v = call ? callArgs(call).keywords.get('synchronized') : undefined;
  const lit = v ? literalValue(v) : undefined;
  return lit?.kind === 'bool' && lit.value;
}

function dropoutIsZero(call: Node | undefined): boolean {
  if (!call) return false;
  const args = callArgs(call);
  const p = args.keywords.get('p') ?? args.keywords.get('rate') ?? args.keywords.get('drop_prob') ?? args.positional[0];
  const lit = p ? literalValue(p) : undefined;
  return lit?.kind === 'number' && lit.value === 0;
}

function isGlobalPool(call: Node | undefined, kind: string): boolean {
  if (kind.startsWith('Global')) return true;
  if (!call) return false;
  const first = callArgs(call).positional[0];
  if (!first) return false;
  const lit = literalValue(first);
  if (lit.kind === 'number') return lit.value === 1;
  if (first.type === 'tuple') return first.namedChildren.every((c) => literalValue(c).kind === 'number' && (literalValue(c) as { value: number }).value === 1);
  return false;
}

function classBody(cls: Node): Node | null {
  return cls.childForFieldName('body');
}

/** Does `def train(self, mode=True)` put BatchNorm modules back into eval mode? */
function trainOverrideFreezesBn(method: Node): boolean {
  const text = method.text;
  return /BatchNorm|_BatchNorm|freeze_bn|frozen_stages|norm_eval|bn_eval/.test(text) && /\.eval\(\)|\.train\(False\)|\.train\(mode=False\)/.test(text);
}

/**
 * The facts of every class in the file, by name (a later class of the same name wins). Per
 * top-level statement, reused across edits when the tree carries a memo (see `StatementMemo`).
 * `statements`: the top-level statements holding class definitions (`holdsClasses`), in
 * document order, when the caller has them listed; by default every statement is looked at.
 */
export function collectClassFacts(tree: Tree, imports: ImportTable, statements: readonly Node[] = tree.rootNode.children, external = false): Map<string, ClassFacts> {
  const out = new Map<string, ClassFacts>();
  for (const facts of classFactLists(tree, imports, statements, external)) for (const f of facts) out.set(f.name, f);
  return out;
}

/** The facts of the classes of each statement holding some (see `collectClassFacts`), statement by statement. */
function classFactLists(tree: Tree, imports: ImportTable, statements: readonly Node[], external = false): (readonly ClassFacts[])[] {
  const out: (readonly ClassFacts[])[] = [];
  const compute = classFactsComputer(tree, imports, external);
  const memo = tree.memo;
  memo?.sync(tree);
  for (const stmt of statements) {
    if (classNamesIn(stmt).length === 0) continue;
    out.push(memo ? memo.get(stmt, external ? 'classFactsExternal' : 'classFacts', compute) : compute(stmt));
  }
  return out;
}

/**
 * The names defined by more than one class of the file, each with its definitions in document
 * order (a notebook redefining `Classifier` in a later cell, with Dropout): undefined when there
 * are none, as in most files.
 */
function redefinitions(lists: readonly (readonly ClassFacts[] | undefined)[]): ReadonlyMap<string, readonly ClassFacts[]> | undefined {
  let seen: Map<string, ClassFacts[]> | undefined;
  let twice = false;
  for (const list of lists) {
    if (!list) continue;
    for (const f of list) {
      seen ??= new Map<string, ClassFacts[]>();
      const all = seen.get(f.name);
      if (all) {
        all.push(f);
        twice = true;
      } else seen.set(f.name, [f]);
    }
  }
  if (!twice || !seen) return undefined;
  for (const [name, all] of seen) if (all.length < 2) seen.delete(name);
  return seen;
}

/**
 * The facts of a top-level statement's classes, computed (what the memo keeps as `classFacts`).
 * `external`: with `externalUses` (what the workspace index looks up; the file's own analysis does not read them).
 */
function classFactsComputer(tree: Tree, imports: ImportTable, external = false): (stmt: Node) => ClassFacts[] {
  // The names of the file's classes, read only when a statement's facts are computed (kept facts need none).
  let tables: NameTables | undefined;
  return (stmt: Node) => {
    tables ??= nameTables(tree);
    return classFactsOf(stmt.descendantsOfType('class_definition'), tables.names, tables.lengths, tables.shapes, imports, external);
  };
}

/**
 * What `collectClassFacts` made for an open document's last analysis (see `documentClassFacts`):
 * the statements looked at, each one's facts (the memo's objects), and the map made of them.
 */
interface KeptClassFacts {
  statements: readonly Node[];
  readonly facts: (readonly ClassFacts[])[];
  readonly map: Map<string, ClassFacts>;
  /** Whether an analysis holds `map` now (another one then makes its own). */
  inUse: boolean;
}
const KEPT_CLASS_FACTS = new WeakMap<StatementMemo, KeptClassFacts>();

/**
 * `collectClassFacts` for the training IR of an open document: the map is kept from one analysis
 * to the next and patched where a statement's facts are other objects than last time (the statement
 * changed, or the memo computed them again) but name the same classes in the same order. Each
 * statement's facts are still asked of the memo (they are its objects: it moves their spans). The
 * map is only read, and only until `release`; an analysis made meanwhile makes its own.
 */
export function documentClassFacts(
  tree: Tree,
  imports: ImportTable,
  statements: readonly Node[],
): { readonly classes: ReadonlyMap<string, ClassFacts>; readonly redefined: ReadonlyMap<string, readonly ClassFacts[]> | undefined; readonly release: () => void } {
  const memo = tree.memo;
  const kept = memo ? KEPT_CLASS_FACTS.get(memo) : undefined;
  if (!memo || kept?.inUse) {
    const lists = classFactLists(tree, imports, statements);
    const classes = new Map<string, ClassFacts>();
    for (const list of lists) for (const f of list) classes.set(f.name, f);
    return { classes, redefined: redefinitions(lists), release: () => undefined };
  }
  const compute = classFactsComputer(tree, imports);
  memo.sync(tree);
  const facts = kept && kept.statements.length === statements.length ? kept.facts : new Array<readonly ClassFacts[]>(statements.length);
  let patchable = kept !== undefined && facts === kept.facts;
  for (let i = 0; i < statements.length; i++) {
    const now = memo.get(statements[i], 'classFacts', compute);
    const was = facts[i];
    if (now === was) continue;
    facts[i] = now;
    if (!patchable || !kept) continue;
    if (!sameNames(now, was)) {
      patchable = false;
      continue;
    }
    // A later class of a name wins: an entry is replaced only where it held this statement's class.
    for (let j = 0; j < now.length; j++) if (kept.map.get(now[j].name) === was[j]) kept.map.set(now[j].name, now[j]);
  }
  let record = kept;
  if (!patchable || !record) {
    const map = new Map<string, ClassFacts>();
    for (const list of facts) for (const f of list) map.set(f.name, f);
    record = { statements, facts, map, inUse: false };
    KEPT_CLASS_FACTS.set(memo, record);
  }
  record.statements = statements;
  record.inUse = true;
  const held = record;
  return { classes: held.map, redefined: redefinitions(held.facts), release: () => (held.inUse = false) };
}

/** Whether two statements' facts name the same classes in the same order. */
function sameNames(a: readonly ClassFacts[], b: readonly ClassFacts[] | undefined): b is readonly ClassFacts[] {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].name !== b[i].name) return false;
  return true;
}

/**
 * The names of the classes of an open document's last tree, counted per name: the next tree's
 * are those plus the names of the statements it added, minus those of the statements it removed.
 */
interface ClassNameCount {
  version: number;
  readonly counts: Map<string, number>;
  readonly names: Set<string>;
  /** Counts the changes of `names`; `tables` were made from the names of that count. */
  generation: number;
  tables: (NameTables & { readonly generation: number }) | undefined;
}

/** The file's class names, and the lengths and shapes of those and the layer names (see `nameLengths`, `nameShapes`). */
interface NameTables {
  readonly names: ReadonlySet<string>;
  readonly lengths: Uint8Array;
  readonly shapes: Uint8Array;
}

/** The name tables of a tree's classes, kept for an open document while its class names stay the same. */
function nameTables(tree: Tree): NameTables {
  const names = fileClassNames(tree);
  const memo = tree.memo;
  const kept = memo ? CLASS_NAME_COUNTS.get(memo) : undefined;
  if (kept?.names === names && kept.tables?.generation === kept.generation) return kept.tables;
  const lengths = nameLengths(names);
  const tables = { names, lengths, shapes: nameShapes(names, lengths) };
  if (kept?.names === names) kept.tables = { ...tables, generation: kept.generation };
  return tables;
}
const CLASS_NAME_COUNTS = new WeakMap<StatementMemo, ClassNameCount>();

/** The names of the file's classes (nested ones included). */
function fileClassNames(tree: Tree): ReadonlySet<string> {
  const memo = tree.memo;
  const kept = memo ? CLASS_NAME_COUNTS.get(memo) : undefined;
  if (kept?.version === tree.version) return kept.names;
  const changes = tree.changes;
  if (kept && changes && changes.from === kept.version) {
    // (The added statements first: a statement edited in place removes and adds the same names,
    // which then never leave the set, so its name tables stay.)
    for (const s of changes.added) {
      for (const name of classNamesIn(s)) {
        const n = kept.counts.get(name) ?? 0;
        kept.counts.set(name, n + 1);
        if (n === 0) {
          kept.names.add(name);
          kept.generation++;
        }
      }
    }
    for (const s of changes.removed) {
      for (const name of classNamesIn(s)) {
        const n = (kept.counts.get(name) ?? 0) - 1;
        if (n > 0) kept.counts.set(name, n);
        else {
          kept.counts.delete(name);
          kept.names.delete(name);
          kept.generation++;
        }
      }
    }
    kept.version = tree.version;
    return kept.names;
  }
  const counts = new Map<string, number>();
  const names = new Set<string>();
  for (const stmt of tree.rootNode.children) {
    for (const name of classNamesIn(stmt)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      names.add(name);
    }
  }
  if (memo) CLASS_NAME_COUNTS.set(memo, { version: tree.version, counts, names, generation: 0, tables: undefined });
  return names;
}

/** The names of the classes a top-level statement defines (kept per statement node: nodes do not change). */
const CLASS_NAMES = new NodeCache<readonly string[]>();

/** Whether a top-level statement holds a (named) class definition. */
export function holdsClasses(statement: Node): boolean {
  return classNamesIn(statement).length > 0;
}

function classNamesIn(statement: Node): readonly string[] {
  let names = CLASS_NAMES.get(statement);
  if (!names) CLASS_NAMES.set(statement, (names = statement.descendantsOfType('class_definition').flatMap((c) => c.childForFieldName('name')?.text ?? [])));
  return names;
}

/**
 * The lengths of the names a class body's identifiers are looked up in (the layer names and
 * `classNames`), flagged by length: an identifier of another length is neither, and is passed
 * over without reading its text.
 */
function nameLengths(classNames: ReadonlySet<string>): Uint8Array {
  let max = 0;
  for (const n of LAYER_NAMES) max = Math.max(max, n.length);
  for (const n of classNames) max = Math.max(max, n.length);
  const out = new Uint8Array(max + 1);
  for (const n of LAYER_NAMES) out[n.length] = 1;
  for (const n of classNames) out[n.length] = 1;
  return out;
}

/**
 * The slot of a name's shape (its length and first character) in `nameShapes`: an ASCII first
 * character has its own, any other shares slot 0 of its length (no identifier starts with NUL).
 */
function shapeOf(length: number, firstChar: number): number {
  return length * 128 + (firstChar < 128 ? firstChar : 0);
}

/**
 * The shapes (`shapeOf`) of the names a class body's identifiers are looked up in, flagged: an
 * identifier of another shape (`self`, `x`, `planes`: most are lower case, the layer names are
 * not) is neither, and is passed over without reading its text. By length first (`lengths`).
 */
function nameShapes(classNames: ReadonlySet<string>, lengths: Uint8Array): Uint8Array {
  const out = new Uint8Array(lengths.length * 128);
  for (const n of LAYER_NAMES) out[shapeOf(n.length, n.charCodeAt(0))] = 1;
  for (const n of classNames) out[shapeOf(n.length, n.charCodeAt(0))] = 1;
  return out;
}

/**
 * The norms a class body names by config, in document order: the type of an mmcv config
 * (`dict(type='BN', requires_grad=True)`, `{'type': 'SyncBN'}`) and detectron2's norm names
 * (`get_norm('FrozenBN', C)`, or a parameter's default `norm='BN'` where the body passes that
 * parameter to `get_norm`). `at`: where the name is; `node`: what the layer's span is (the config).
 */
function configNormReferences(body: Node): { readonly at: number; readonly kind: string; readonly node: Node }[] {
  const out: { at: number; kind: string; node: Node }[] = [];
  let getNormParameters: Set<string> | undefined;
  for (const str of body.descendantsOfType('string')) {
    // (The names are 2 to 11 characters long; with quotes and a prefix, 4 to 14. Docstrings are longer.)
    const length = str.endIndex - str.startIndex;
    if (length < 4 || length > 14) continue;
    const value = literalValue(str);
    const kind = value.kind === 'string' ? configNormClassName(value.value) : undefined;
    if (!kind) continue;
    const node = configOf(str, () => (getNormParameters ??= parametersGivenToGetNorm(body)));
    if (node) out.push({ at: str.startIndex, kind, node });
  }
  return out;
}

/** The config a norm's type name `str` is the type of (see `configNormReferences`), if it is one. */
function configOf(str: Node, getNormParameters: () => ReadonlySet<string>): Node | undefined {
  const parent = str.parent;
  switch (parent?.type) {
    case 'keyword_argument': {
      const call = parent.parent?.parent;
      return parent.childForFieldName('name')?.text === 'type' && parent.childForFieldName('value') === str && call?.type === 'call' && call.childForFieldName('function')?.text === 'dict' ? call : undefined;
    }
    case 'pair': {
      const key = parent.childForFieldName('key');
      const keyValue = key ? literalValue(key) : undefined;
      return keyValue?.kind === 'string' && keyValue.value === 'type' && parent.childForFieldName('value') === str && parent.parent?.type === 'dictionary' ? parent.parent : undefined;
    }
    case 'argument_list': {
      const call = parent.parent;
      return call?.type === 'call' && parent.namedChildren[0] === str && callsGetNorm(call) ? str : undefined;
    }
    case 'default_parameter':
    case 'typed_default_parameter': {
      const name = parent.childForFieldName('name')?.text;
      return parent.childForFieldName('value') === str && name !== undefined && getNormParameters().has(name) ? str : undefined;
    }
    default:
      return undefined;
  }
}

/** The names a class body passes as `get_norm`'s first argument (detectron2: `get_norm(norm, out_channels)`). */
function parametersGivenToGetNorm(body: Node): Set<string> {
  const out = new Set<string>();
  for (const call of body.descendantsOfType('call')) {
    if (!callsGetNorm(call)) continue;
    const first = call.childForFieldName('arguments')?.namedChildren[0];
    if (first?.type === 'identifier') out.add(first.text);
  }
  return out;
}

/** Whether a call's callee is detectron2's `get_norm` (`get_norm(...)`, `layers.get_norm(...)`). */
function callsGetNorm(call: Node): boolean {
  const callee = call.childForFieldName('function');
  return callee !== null && dottedLast(callee) === 'get_norm';
}

/** Whether an identifier is the callee of a call (`DoubleConv(...)`). */
function calledByName(identifier: Node): boolean {
  const parent = identifier.parent;
  return parent?.type === 'call' && parent.childForFieldName('function') === identifier;
}

/** `lengths`: the name lengths of the layer names and `classNames` (`nameLengths`); `shapes`: their shapes (`nameShapes`). */
function classFactsOf(classNodes: readonly Node[], classNames: ReadonlySet<string>, lengths: Uint8Array, shapes: Uint8Array, imports: ImportTable, withExternal: boolean): ClassFacts[] {
  const out: ClassFacts[] = [];
  for (const cls of classNodes) {
    const name = cls.childForFieldName('name')?.text;
    const body = classBody(cls);
    if (!name || !body) continue;
    const baseNodes = cls.childForFieldName('superclasses')?.namedChildren ?? [];
    const bases = baseNodes.map((b) => b.text);
    const keras = baseNodes.some((b) => KERAS_CLASS.test(qualifiedName(b, imports, NO_NAMES) ?? ''));
    const layers: ClassLayer[] = [];
    const init = initOf(body);
    let conditioned = false;
    const uses = new Set<string>();
    const useCalls: { name: string; args: BoolArguments | undefined }[] = [];
    let external: Set<string> | undefined;
    /** A capitalized name the body calls, not the file's class nor a layer: maybe a class of another file. */
    const noteExternal = (identifier: Node, start: number): void => {
      const first = source.charCodeAt(start);
      if (first < 65 || first > 90 || !calledByName(identifier)) return;
      const text = identifier.text;
      if (text !== name && !classNames.has(text) && !LAYER_NAMES.has(text)) (external ??= new Set()).add(text);
    };
    let previous: string | undefined;
    let previousGlobal = false;
    let frozenBatchNorm = false;
    let frozenParts: readonly string[] = [];
    /** A reference whose last name is a layer's (`call` when it is called): its facts, in document order. */
    const reference = (call: Node | undefined, ref: Node): void => {
      const parts = dottedParts(ref);
      if (!parts) return;
      const kind = layerKind(parts, imports);
      if (kind) layer(call, kind, call ?? ref);
    };
    /** A layer of a kind, referred to at `at` (`call` when it is constructed there). */
    const layer = (call: Node | undefined, kind: string, at: Node): void => {
      const span = spanOf(at);
      const conditions = init ? paramConditions(at, init.node, init.params) : undefined;
      const when = conditions ? { when: conditions } : {};
      if (conditions) conditioned = true;
      if (FROZEN_BN.has(kind)) frozenBatchNorm = true;
      if (BN_KINDS.has(kind)) {
        // (PyTorch's BatchNorm fails on one value per channel; Keras' BatchNormalization and Flax's
        // BatchNorm give it zero variance instead: no error to claim for them.)
        const torchKind = kind !== 'BatchNormalization' && kind !== 'BatchNorm';
        const single = torchKind && (kind === 'BatchNorm1d' || kind === 'LazyBatchNorm1d' ? (previous !== undefined && FLATTENING.has(previous)) || previousGlobal : previousGlobal);
        layers.push({ kind, span, role: 'bn', singleValuePerChannel: call ? single : undefined, ...(kind === 'BatchNormalization' && isSynchronized(call) ? { synchronized: true } : {}), ...when });
        if (!(call && hasFalse(call, 'affine', 3))) layers.push({ kind, span, role: 'affine-norm', ...when });
      } else if (DROPOUT_KINDS.has(kind)) {
        if (!dropoutIsZero(call)) layers.push({ kind, span, role: 'mode', ...when });
      } else if (INSTANCE_KINDS.has(kind)) {
        if (isTracked(call)) layers.push({ kind, span, role: 'mode', ...when });
      } else if (AFFINE_NORM_KINDS.has(kind)) {
        const off = kind === 'LayerNorm' || kind === 'RMSNorm' ? hasFalse(call, 'elementwise_affine', 2) : TIMM_AFFINE_AT_2.includes(kind) ? hasFalse(call, 'affine', 2) : hasFalse(call, 'affine', 3);
        if (!off) layers.push({ kind, span, role: 'affine-norm', ...when });
      }
      if (call) {
        previousGlobal = GLOBAL_POOLS.has(kind) ? isGlobalPool(call, kind) : previousGlobal && !FLATTENING.has(kind) ? previousGlobal : false;
        if (GLOBAL_POOLS.has(kind) && FLATTENING.has(previous ?? '')) previousGlobal = false;
        previous = kind;
      }
    };
    // The references of the body, in document order: calls of a dotted name, and whole dotted
    // names that are not themselves called. Only those whose last name is a layer's, or that
    // name one of the file's other classes, count, so the body's identifiers are scanned for
    // such names and each found one is taken up to the reference it ends (the order of the
    // identifiers is that of the references: a dotted name ends in one, before any argument).
    const source = body.tree.text;
    // Norms named by config (`norm_cfg=dict(type='BN')`), taken in turn with the references.
    const configs = configNormReferences(body);
    let nextConfig = 0;
    for (const identifier of body.descendantsOfType('identifier')) {
      const start = identifier.startIndex;
      for (; nextConfig < configs.length && configs[nextConfig].at < start; nextConfig++) layer(undefined, configs[nextConfig].kind, configs[nextConfig].node);
      const length = identifier.endIndex - start;
      if (length >= lengths.length || lengths[length] === 0) {
        if (withExternal) noteExternal(identifier, start);
        continue;
      }
      const first = source.charCodeAt(start);
      if (shapes[shapeOf(length, first)] === 0) {
        if (withExternal) noteExternal(identifier, start);
        continue;
      }
      const text = identifier.text;
      const isLayer = LAYER_NAMES.has(text);
      const usesClass = text !== name && classNames.has(text);
      if (!isLayer && !usesClass) {
        if (withExternal) noteExternal(identifier, start);
        continue;
      }
      const parent = identifier.parent;
      if (parent?.type === 'attribute') {
        // `nn.BatchNorm2d`: the attribute is the reference when it is whole (not `a.b` of `a.b.c`).
        if (!isLayer || parent.childForFieldName('attribute') !== identifier || parent.parent?.type === 'attribute') continue;
        const call = parent.parent?.type === 'call' && parent.parent.childForFieldName('function') === parent ? parent.parent : undefined;
        reference(call, parent);
        continue;
      }
      if (usesClass) {
        uses.add(text);
        const called = parent?.type === 'call' && parent.childForFieldName('function') === identifier;
        useCalls.push({ name: text, args: called ? boolArguments(callArgs(parent)) : undefined });
      }
      if (isLayer) reference(parent?.type === 'call' && parent.childForFieldName('function') === identifier ? parent : undefined, identifier);
    }
    for (; nextConfig < configs.length; nextConfig++) layer(undefined, configs[nextConfig].kind, configs[nextConfig].node);
    const library = libraryModelsIn(body, imports);
    if (library) {
      frozenBatchNorm ||= library.frozenBatchNorm;
      if (library.frozenParts.length > 0) frozenParts = library.frozenParts;
      if (library.layers.length > 0) {
        layers.push(...library.layers);
        // (In document order, as the references are: a stable sort.)
        layers.sort((a, b) => (a.span?.startOffset ?? 0) - (b.span?.startOffset ?? 0));
      }
    }
    const methods: string[] = [];
    let trainKeepsBatchNormFrozen = false;
    for (const stmt of body.namedChildren) {
      const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (def?.type !== 'function_definition') continue;
      const m = def.childForFieldName('name')?.text;
      if (!m) continue;
      methods.push(m);
      if (m === 'train' && trainOverrideFreezesBn(def)) trainKeepsBatchNormFrozen = true;
    }
    const frozenOwn = frozenOwnParts(body, classNames);
    out.push({ name, span: spanOf(cls), bases, layers, uses: [...uses], ...(useCalls.length > 0 ? { useCalls } : {}), ...(external ? { externalUses: [...external] } : {}), methods, trainKeepsBatchNormFrozen, frozenBatchNorm, ...(frozenParts.length > 0 ? { frozenParts } : {}), ...(frozenOwn.length > 0 ? { frozenOwnParts: frozenOwn } : {}), ...(keras ? { keras } : {}), ...(init && conditioned ? { init: { params: init.params, defaults: init.defaults } } : {}) });
  }
  return out;
}

/** Text that a class body building a library model holds (a quick test before its calls are read). */
const LIBRARY_HINT = /models\.|create_model|from_pretrained|from_name|applications\.|from_preset|hub\.load|get_model|smp\.|segmentation_models_pytorch/;

/**
 * The layers of the library models a class body builds (`self.backbone = torchvision.models.resnet50(weights=...)`,
 * `timm.create_model('resnet50')`, `AutoModel.from_pretrained(...)`: see `libraryModelFacts`),
 * each at the call that builds it, and whether one has FrozenBatchNorm2d (`norm_layer=`).
 */
function libraryModelsIn(body: Node, imports: ImportTable): { layers: ClassLayer[]; frozenBatchNorm: boolean; frozenParts: string[] } | undefined {
  if (!LIBRARY_HINT.test(body.text)) return undefined;
  const layers: ClassLayer[] = [];
  let frozenBatchNorm = false;
  const frozenParts: string[] = [];
  const calls = body.descendantsOfType('call');
  // The objects the body puts in eval mode (`self.vgg.eval()`) and those whose parameters it freezes.
  const evaluated = new Set<string>();
  for (const call of calls) {
    const f = call.childForFieldName('function');
    const object = f?.type === 'attribute' ? f.childForFieldName('object') : undefined;
    if (object && object.type !== 'call' && f?.childForFieldName('attribute')?.text === 'eval') evaluated.add(object.text);
  }
  const frozen = frozenTargets(calls);
  for (const call of calls) {
    const f = call.childForFieldName('function');
    if (f?.type !== 'attribute' && f?.type !== 'identifier') continue;
    const q = qualifiedName(f, imports, NO_NAMES);
    if (!q) continue;
    const facts = libraryModelFacts(q, stringArgument, call, normLayerOf(call, imports));
    // (A Keras model's layers follow its `trainable` flag and each call's `training=`, which the
    // class facts do not read: not counted.)
    if (!facts || facts.keras) continue;
    frozenBatchNorm ||= facts.frozenBatchNorm;
    const span = spanOf(call);
    const via = `${f.text}(...)`;
    const { chainEval, target } = builtInto(call);
    // (A model `from_pretrained` returns is in eval mode, as is one the body puts in eval mode
    // (`models.vgg19_bn(...).features.eval()`, `self.backbone.eval()`), and building the class
    // around it does not switch it: its Dropout and BatchNorm are not in the training mode the
    // class starts in.)
    if (!loadsInEvalMode(q) && !chainEval && !(target !== undefined && evaluated.has(target))) {
      for (const l of facts.batchNorms) layers.push({ kind: l.kind, span, via, role: 'bn' });
      for (const l of facts.otherModeDependent) layers.push({ kind: l.kind, span, via, role: 'mode' });
      if (target !== undefined && frozen.has(target) && facts.batchNorms.length > 0 && !facts.frozenBatchNorm && !frozenParts.includes(target)) frozenParts.push(target);
    }
    // (Its norms' affine parameters are the class's to train, unless the body freezes them.)
    if (!(target !== undefined && frozen.has(target))) for (const l of facts.affineNorms) layers.push({ kind: l.kind, span, via, role: 'affine-norm' });
  }
  return { layers, frozenBatchNorm, frozenParts };
}

/**
 * Where a library model's construction goes: whether the chain it heads puts it in eval mode
 * (`models.vgg19_bn(...).features.eval()`), and the target the chain is assigned to (`self.backbone`).
 */
function builtInto(call: Node): { chainEval: boolean; target: string | undefined } {
  let chainEval = false;
  let n: Node = call;
  for (let p = n.parent; p && (p.type === 'attribute' || p.type === 'call'); n = p, p = p.parent) {
    if (p.type === 'attribute' && p.childForFieldName('object')?.equals(n) && p.childForFieldName('attribute')?.text === 'eval' && p.parent?.type === 'call') chainEval = true;
  }
  const assignment = n.parent;
  const target = assignment?.type === 'assignment' && assignment.childForFieldName('right')?.equals(n) ? assignment.childForFieldName('left')?.text : undefined;
  return { chainEval, target };
}

/** The objects whose parameters a class body freezes (`self.backbone.requires_grad_(False)`, `for p in self.backbone.parameters(): p.requires_grad = False`). */
function frozenTargets(calls: readonly Node[]): Set<string> {
  const frozen = new Set<string>();
  for (const call of calls) {
    const f = call.childForFieldName('function');
    const method = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : undefined;
    const object = f?.childForFieldName('object');
    if (!object || object.type === 'call') continue;
    if (method === 'requires_grad_' && callArgs(call).positional[0]?.text === 'False') frozen.add(object.text);
    else if (method === 'parameters' && freezesLoopVariable(call)) frozen.add(object.text);
  }
  return frozen;
}

/**
 * The attributes a class body assigns an instance of another class of the file and freezes
 * (`self.encoder = Encoder()`, then `self.encoder.requires_grad_(False)`), with that class: whether
 * it has BatchNorm is read where its facts are (see `ClassFacts.frozenOwnParts`).
 */
function frozenOwnParts(body: Node, classNames: ReadonlySet<string>): { attr: string; cls: string }[] {
  if (!/requires_grad/.test(body.text)) return [];
  const frozen = frozenTargets(body.descendantsOfType('call'));
  const out: { attr: string; cls: string }[] = [];
  for (const a of body.descendantsOfType('assignment')) {
    const attr = a.childForFieldName('left')?.text;
    const right = a.childForFieldName('right');
    const f = right?.type === 'call' ? right.childForFieldName('function') : undefined;
    if (attr?.startsWith('self.') && frozen.has(attr) && f?.type === 'identifier' && classNames.has(f.text)) out.push({ attr, cls: f.text });
  }
  return out;
}

/** `X.parameters()` as the iterable of a loop that sets `requires_grad = False` on its variable. */
function freezesLoopVariable(call: Node): boolean {
  const loop = call.parent;
  if (loop?.type !== 'for_statement' || !loop.childForFieldName('right')?.equals(call)) return false;
  const variable = loop.childForFieldName('left')?.text;
  for (const a of loop.childForFieldName('body')?.descendantsOfType('assignment') ?? []) {
    if (a.childForFieldName('left')?.text === `${variable}.requires_grad` && a.childForFieldName('right')?.text === 'False') return true;
  }
  return false;
}

/** The class a library model's call passes as `norm_layer=` (import-qualified; `''` when not a name), see `libraryModelFacts`. */
function normLayerOf(call: Node, imports: ImportTable): string | undefined {
  const node = callArgs(call).keywords.get('norm_layer');
  if (!node) return undefined;
  let cls: Node | undefined = node;
  if (cls.type === 'call') {
    const fn = cls.childForFieldName('function');
    const q = fn ? qualifiedName(fn, imports, NO_NAMES) : undefined;
    cls = q === 'functools.partial' || q === 'partial' ? callArgs(cls).positional[0] : undefined;
  }
  return cls && (cls.type === 'identifier' || cls.type === 'attribute') ? (qualifiedName(cls, imports, NO_NAMES) ?? dottedParts(cls)?.join('.') ?? '') : '';
}

/** A model class's facts, closed over the file's own classes it uses (sub-blocks, bases). */
export function modelFactsOfClass(
  name: string,
  classes: ReadonlyMap<string, ClassFacts>,
  evidence: 'file' | 'workspace',
  extraUses: readonly string[] = [],
  file?: string,
  /** The truth of an `__init__` parameter as a construction passes it (or its default), when known. */
  bound?: (param: string) => boolean | undefined,
): ModelFacts | undefined {
  const root = classes.get(name);
  if (!root) return undefined;
  const layers: ClassLayer[] = [];
  let keep = false;
  let frozen = false;
  const closure = classClosure([name, ...extraUses], classes);
  const instances = instanceArguments(root, closure, classes, bound);
  for (const c of closure) {
    // (The layers that the arguments of every instance of the class leave out are not in the model.)
    const binders = instances.get(c);
    if (binders) {
      for (const l of c.layers) if (!l.when || binders.some((b) => !excludes(l.when as readonly ParamCondition[], b))) layers.push(l);
    } else layers.push(...c.layers);
    keep ||= c.trainKeepsBatchNormFrozen && c.name === name;
    frozen ||= c.frozenBatchNorm;
  }
  // (Or its layers say so: a class whose Keras base is several files away, keras-hub's `ImageClassifier` subclasses.)
  const keras = isKerasClass(name, classes) || kerasNormsOnly({ batchNorms: layers.filter((l) => l.role === 'bn'), affineNorms: layers.filter((l) => l.role === 'affine-norm') });
  const withFile = <T extends LayerFact>(l: T): LayerFact => ({ kind: l.kind, span: l.span, ...(file ? { file } : {}), ...(l.singleValuePerChannel !== undefined ? { singleValuePerChannel: l.singleValuePerChannel } : {}), ...(l.synchronized ? { synchronized: true } : {}) });
  return {
    evidence,
    name,
    definitionSpan: root.span,
    ...(file ? { definitionFile: file } : {}),
    batchNorms: layers.filter((l) => l.role === 'bn' && l.kind !== 'SyncBatchNorm').map(withFile),
    otherModeDependent: layers.filter((l) => l.role === 'mode').map(withFile),
    affineNorms: layers.filter((l) => l.role === 'affine-norm').map(withFile),
    trainKeepsBatchNormFrozen: keep,
    frozenBatchNorm: frozen,
    ...(keras ? { keras } : {}),
  };
}

/** The truth of an `__init__` parameter in one instance of a class, when known. */
type Binder = (param: string) => boolean | undefined;

/** Whether an instance (`b`) leaves out a layer built under `when`. */
function excludes(when: readonly ParamCondition[], b: Binder): boolean {
  return when.some((w) => {
    const v = b(w.param);
    return v !== undefined && v !== w.holds;
  });
}

/**
 * For the classes of a model's closure whose layers depend on their arguments (`ClassFacts.init`):
 * the arguments of each of their instances in the model (the built class's from `bound`; a
 * sub-block's from each call of it in the closure's bodies). A class missing from the map keeps
 * all its layers (an instance's arguments unknown, or it is no sub-block: a base class).
 */
function instanceArguments(root: ClassFacts, closure: readonly ClassFacts[], classes: ReadonlyMap<string, ClassFacts>, bound: Binder | undefined): Map<ClassFacts, Binder[]> {
  const out = new Map<ClassFacts, Binder[]>();
  const unknown = new Set<ClassFacts>();
  if (bound && root.init) out.set(root, [bound]);
  else unknown.add(root);
  const notSubBlock = (target: ClassFacts | undefined): void => {
    if (!target) return;
    unknown.add(target);
    out.delete(target);
  };
  for (const c of closure) {
    // (A base's layers are built by `super().__init__(...)`, with arguments not read here.)
    for (const b of c.bases) notSubBlock(classes.get(b));
    for (const u of c.useCalls ?? []) {
      const target = classes.get(u.name);
      if (!target?.init || unknown.has(target)) continue;
      if (!u.args || target === root) {
        notSubBlock(target);
        continue;
      }
      const list = out.get(target) ?? [];
      list.push(binderOf(target.init, u.args));
      out.set(target, list);
    }
  }
  return out;
}

/** An instance's binder from the boolean literals its call passes, or the defaults of what it leaves out. */
function binderOf(init: NonNullable<ClassFacts['init']>, args: BoolArguments): Binder {
  return (param: string) => {
    const i = init.params.indexOf(param);
    if (i < 0) return undefined;
    const k = args.keywords.find(([name]) => name === param);
    if (k) return k[1];
    if (i < args.positional.length) return args.positional[i];
    return args.splat ? undefined : init.defaults[i];
  };
}

/** A boolean literal's value. */
function boolLiteralValue(n: Node): boolean | undefined {
  const v = literalValue(n);
  return v.kind === 'bool' ? v.value : undefined;
}

/** The booleans a call's arguments are (see `BoolArguments`), as `truth` reads each (by default: boolean literals). */
export function boolArguments(args: CallArgs, truth: (n: Node) => boolean | undefined = boolLiteralValue): BoolArguments {
  return { positional: args.positional.map(truth), keywords: [...args.keywords].map(([k, v]) => [k, truth(v)] as const), splat: args.hasSplat };
}

/**
 * What a construction of a class passes to its `__init__` parameters that layers depend on
 * (`ClassFacts.init`), as truth values: a boolean passed (as `truth` reads it), else the default
 * when nothing is passed for it; unknown for anything else (another value, `*args` or `**kwargs`).
 */
export function boundArguments(c: ClassFacts, args: CallArgs, truth?: (n: Node) => boolean | undefined): Binder | undefined {
  return boundBy(c, boolArguments(args, truth));
}

/** `boundArguments` of a construction's arguments read already (another file's: see `ExternalClassLookup`). */
export function boundBy(c: ClassFacts, args: BoolArguments): Binder | undefined {
  return c.init ? binderOf(c.init, args) : undefined;
}

/** `__init__` directly in a class body: its node, its parameters after `self` and their boolean defaults. */
function initOf(body: Node): { node: Node; params: string[]; defaults: (boolean | undefined)[] } | undefined {
  for (const stmt of body.namedChildren) {
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type !== 'function_definition' || def.childForFieldName('name')?.text !== '__init__') continue;
    const params: string[] = [];
    const defaults: (boolean | undefined)[] = [];
    for (const p of def.childForFieldName('parameters')?.namedChildren ?? []) {
      const id = p.type === 'identifier' ? p : p.type === 'default_parameter' || p.type === 'typed_default_parameter' ? p.childForFieldName('name') : p.type === 'typed_parameter' ? p.namedChildren[0] : undefined;
      if (id?.type !== 'identifier') continue;
      const value = p.childForFieldName('value');
      const v = value ? literalValue(value) : undefined;
      params.push(id.text);
      defaults.push(v?.kind === 'bool' ? v.value : undefined);
    }
    if (params[0] === 'self') {
      params.shift();
      defaults.shift();
    }
    return { node: def, params, defaults };
  }
  return undefined;
}

/**
 * The conditions on `__init__`'s parameters a node sits under in it (`if use_bn:`, its `else`,
 * `A if bn else B`); undefined when there are none, or the node is not in `__init__` itself (a
 * nested function's body runs when it is called).
 */
function paramConditions(node: Node, init: Node, params: readonly string[]): ParamCondition[] | undefined {
  let out: ParamCondition[] | undefined;
  const note = (condition: Node | null, positive: boolean): void => {
    const t = testedOperand(condition);
    if (t.subject?.type === 'identifier' && params.includes(t.subject.text)) (out ??= []).push({ param: t.subject.text, holds: t.holds === positive });
  };
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p === init) return out;
    if (p.type === 'function_definition' || p.type === 'lambda' || p.type === 'class_definition') return undefined;
    if (p.type === 'if_statement' && p.childForFieldName('consequence') === child) note(p.childForFieldName('condition'), true);
    else if (p.type === 'elif_clause' && p.childForFieldName('consequence') === child) note(p.childForFieldName('condition'), true);
    else if (p.type === 'else_clause' && p.parent?.type === 'if_statement' && !p.parent.childrenForFieldName('alternative').some((a) => a.type === 'elif_clause')) note(p.parent.childForFieldName('condition'), false);
    else if (p.type === 'conditional_expression') {
      const [yes, condition, no] = p.namedChildren;
      if (child === yes) note(condition, true);
      else if (child === no) note(condition, false);
    }
  }
  return undefined;
}

/** Whether a class, or one of its bases in the file, derives from a Keras class. */
const KERAS_NORM_KIND = /^(Batch|Layer|Group|Unit|Spectral)Normalization$/;

/** Keras' normalization layers (`BatchNormalization`...), none of PyTorch's or Flax's: the model is a Keras one (its norm layers, those of the classes it uses in other files included). */
export function kerasNormsOnly(facts: Pick<ModelFacts, 'batchNorms' | 'affineNorms'>): boolean {
  const norms = [...facts.batchNorms, ...facts.affineNorms];
  return norms.length > 0 && norms.every((l) => KERAS_NORM_KIND.test(l.kind));
}

function isKerasClass(name: string, classes: ReadonlyMap<string, ClassFacts>, seen = new Set<string>()): boolean {
  const c = classes.get(name);
  if (!c || seen.has(name)) return false;
  seen.add(name);
  return c.keras === true || c.bases.some((b) => isKerasClass(b, classes, seen));
}

/**
 * The names a class and the file's classes it uses (sub-blocks, bases) call or derive from that
 * the file does not define (`ClassFacts.externalUses`, bare-name bases): classes of other files,
 * for the workspace index to look up. In the order found, each once.
 */
export function externalUsesOf(name: string, classes: ReadonlyMap<string, ClassFacts>): string[] {
  const out = new Set<string>();
  for (const c of classClosure([name], classes)) {
    for (const e of c.externalUses ?? []) if (!classes.has(e)) out.add(e);
    for (const b of c.bases) if (!classes.has(b) && /^[A-Z]\w*$/.test(b)) out.add(b);
  }
  return [...out];
}

/** The facts of `names`' classes and of the file's classes they use (sub-blocks, then bases), breadth first, each once. */
function classClosure(names: readonly string[], classes: ReadonlyMap<string, ClassFacts>): ClassFacts[] {
  const out: ClassFacts[] = [];
  const seen = new Set<string>();
  const queue = [...names];
  while (queue.length > 0) {
    const n = queue.shift() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    const c = classes.get(n);
    if (!c) continue;
    out.push(c);
    queue.push(...c.uses);
    for (const b of c.bases) if (classes.has(b)) queue.push(b);
  }
  return out;
}

/**
 * A holder class (see `TrainingBuilder.heldConstruction`): methods, and no base but `object`, an
 * abstract base or other holder classes of the file (so no module: the layers it has are those of
 * the models it builds, `self.model = resnet18()`; and the methods and `__init__` of a library's
 * or another file's base are not in view).
 */
export function isHolderClass(name: string, classes: ReadonlyMap<string, ClassFacts>, depth = 0): boolean {
  const c = classes.get(name);
  if (!c || c.methods.length === 0 || depth > 8) return false;
  return c.bases.every((b) => b === 'object' || b === 'ABC' || b === 'abc.ABC' || (b !== name && isHolderClass(b, classes, depth + 1)));
}

/** Whether `member` (`__init__`, or a method of the class or its bases) is one of a holder class's (`Trainer.fit` of another file: see `WorkspaceIndex`). */
export function isHolderMember(name: string, member: string, classes: ReadonlyMap<string, ClassFacts>): boolean {
  return isHolderClass(name, classes) && (member === '__init__' || withBases(name, classes).some((c) => c.methods.includes(member)));
}

/** Whether `member` is a method of the model class `name` of the file (its own: `freeze_bn` of `RetinaNet`). */
export function isModelMember(name: string, member: string, classes: ReadonlyMap<string, ClassFacts>): boolean {
  return classes.get(name)?.methods.includes(member) === true && isModuleClass(name, classes);
}

/** A class of the file and its bases of the file, transitively, each once (the class first). */
export function withBases(name: string, classes: ReadonlyMap<string, ClassFacts>): ClassFacts[] {
  const out: ClassFacts[] = [];
  const c = classes.get(name);
  if (c) out.push(c);
  for (let i = 0; i < out.length && i < 16; i++) {
    for (const b of out[i].bases) {
      const base = classes.get(b);
      if (base && !out.includes(base)) out.push(base);
    }
  }
  return out;
}

/** True when a class (through its in-file bases) derives from a module class of a framework. */
export function isModuleClass(name: string, classes: ReadonlyMap<string, ClassFacts>, seen = new Set<string>()): boolean {
  const c = classes.get(name);
  if (!c || seen.has(name)) return false;
  seen.add(name);
  return c.bases.some((b) => /(^|\.)(Module|Model|Layer|LightningModule|PreTrainedModel|Sequential)$/.test(b) || isModuleClass(b, classes, seen));
}
