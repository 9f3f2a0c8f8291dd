/**
 * OpenMMLab config files (mmdetection, mmsegmentation, mmpretrain; MMEngine and mmcv 1.x
 * styles): module-level dicts that a framework runner trains from, with no training code in the
 * file. What the training rules need from one: the model dict's norm configs (`norm_cfg=dict(
 * type='BN')`) and whether each trains its statistics (`norm_eval`), the per-GPU batch
 * (`train_dataloader=dict(batch_size=...)`, mmcv 1.x `data=dict(samples_per_gpu=...)`), gradient
 * accumulation (`optim_wrapper=dict(accumulative_counts=...)`), and the runner's SyncBN
 * conversion (`sync_bn='torch'`). A config inherits the values of its `_base_` files (read
 * through a lookup the workspace index gives), merged as MMEngine's `Config` merges them.
 */
import type { DataLoaderIR, GradAccumIR, KnownValue, LayerFact, ModelFacts, ModelVariable, OptimizerIR } from '../../../ir/training';
import type { Span } from '../../../ir/span';
import { configNormClassName } from '../configBuilders';
import { literalValue, spanOf } from '../syntax';
import type { SyntaxNode as Node } from '../syntaxTree';
import { BN_KINDS } from './classes';
import { OPTIMIZERS } from './library';
import { dictEntries, unparen } from './util';
import type { ValueResolver } from './values';
import { qualifiedName, type ImportTable } from '../imports';

/** Where a config value is written: its span, in `file` (project-relative) when another file's. */
interface Written {
  readonly span: Span;
  /** The `_base_` file the value comes from (undefined: the analysed file). */
  readonly file?: string;
  /** For another file's value: the analysed file's `_base_` entry that brought it in. */
  readonly via?: Span;
  /** For a dict's entry: the whole `key=value` (or `'key': value`). */
  readonly entrySpan?: Span;
}

/** A config value as plain data: a dict, a list or tuple, or a value as far as it resolves. */
export type ConfigValue =
  | (Written & { readonly kind: 'dict'; readonly entries: readonly (readonly [string, ConfigValue])[] })
  | (Written & { readonly kind: 'list'; readonly items: readonly ConfigValue[] })
  | (Written & {
      readonly kind: 'value';
      readonly known: KnownValue;
      /** A name the file imports, qualified (`ResNet` of `from mmpretrain.models import ResNet`: `mmpretrain.models.ResNet`). */
      readonly imported?: string;
    });

/** What a config module says of training (its `CONFIG_NAMES`), and the `_base_` files it inherits from. */
export interface ConfigModule {
  readonly names: ReadonlyMap<string, ConfigValue>;
  readonly bases: readonly { readonly path: string; readonly span: Span }[];
  /**
   * A pure-Python config (MMEngine's new format: `with read_base(): from .._base_.x import *`):
   * its statements act on the bases' values in order, as Python runs them (see `ConfigEdit`);
   * `names` are their result without the bases.
   */
  readonly edits?: readonly ConfigEdit[];
}

/**
 * A statement of a pure-Python config that changes one of the `CONFIG_NAMES` (MMEngine runs the
 * file as Python, the bases' names imported first): `model = dict(...)` replaces it (no merge,
 * unlike the older format), `model.merge(dict(...))` merges into it (`ConfigDict.merge`, with
 * `_delete_`), `train_dataloader.update(batch_size=...)` too (`ConfigDict.update`: dict into dict,
 * key by key), and `optim_wrapper.optimizer.lr = ...` / `model['backbone'] = ...` sets one entry.
 */
export interface ConfigEdit {
  readonly name: string;
  readonly op: 'set' | 'merge' | 'update';
  /** The keys from the name down to the entry set (`set` only; empty: the name itself). */
  readonly keys: readonly string[];
  readonly value: ConfigValue;
}

/**
 * A `_base_` file's config (as written in `_base_`: a path relative to the analysed file's
 * folder), merged with its own bases, its values marked with its file; undefined when it is not
 * in view.
 */
export type ConfigBaseLookup = (written: string) => ConfigModule | undefined;

export interface MMConfigFacts {
  readonly models: readonly ModelVariable[];
  readonly loaders: readonly DataLoaderIR[];
  readonly gradAccum: readonly GradAccumIR[];
  /** `sync_bn='torch'` (MMEngine's runner converts BatchNorm to SyncBatchNorm). */
  readonly syncBatchNorm: readonly { readonly span: Span; readonly text: string }[];
  /** The optimizer over the model's parameters (`optim_wrapper`, mmcv 1.x `optimizer`). */
  readonly optimizers: readonly OptimizerIR[];
}

/**
 * The top-level names whose values the facts are read from. Only these are merged across files:
 * a base's other names (its `norm_cfg = dict(...)`) were already substituted where the base uses
 * them when it ran (a config that overrides `norm_cfg` must pass it to the model dict again).
 */
const CONFIG_NAMES: ReadonlySet<string> = new Set(['model', 'train_dataloader', 'data', 'optim_wrapper', 'optimizer', 'optimizer_config', 'sync_bn', 'default_scope']);

/** How deep a chain of names (`cfg = norm_cfg`) or nested dicts is followed. */
const MAX_DEPTH = 24;

/** The module's top-level assignments of a name (its right-hand sides, in order). */
type Definitions = ReadonlyMap<string, readonly Node[]>;

/**
 * The facts of an OpenMMLab config file, or undefined when the module is not one: once merged
 * with its `_base_` files, it must set `model` to a dict with a `type` and have a training loader
 * dict (or mmcv 1.x `data` dict), the pair every trainable config has.
 */
export function mmConfigFacts(root: Node, reader: ConfigReader, bases?: ConfigBaseLookup): MMConfigFacts | undefined {
  const defs = topLevelDefinitions(root);
  if (!defs.has('_base_') && !hasReadBase(root) && !(defs.has('model') && (defs.has('train_dataloader') || defs.has('data')))) return undefined;
  const own = configModuleOf(defs, root, reader);
  const names = own.bases.length > 0 && bases ? inherit(own, bases) : own.names;
  return factsOf(names);
}

/** The config a module's top-level assignments make (the `CONFIG_NAMES` and `_base_`), without its bases. */
export function readConfigModule(root: Node, reader: ConfigReader): ConfigModule {
  return configModuleOf(topLevelDefinitions(root), root, reader);
}

/** How a config file's values are read: its constant resolver, and its imports (the classes a pure-Python config names as `type`). */
export interface ConfigReader {
  readonly resolver: ValueResolver;
  readonly imports: ImportTable;
}

function configModuleOf(defs: Definitions, root: Node, reader: ConfigReader): ConfigModule {
  if (hasReadBase(root)) return pythonConfigModule(defs, root, reader);
  const names = new Map<string, ConfigValue>();
  for (const name of CONFIG_NAMES) {
    const d = lastDefinition(defs, name, root.endIndex);
    if (d) names.set(name, evaluate(d, defs, reader, 0));
  }
  const bases: { path: string; span: Span }[] = [];
  const b = lastDefinition(defs, '_base_', root.endIndex);
  if (b) {
    const n = follow(b, defs);
    for (const item of n.type === 'list' || n.type === 'tuple' ? n.namedChildren : [n]) {
      const lit = literalValue(item);
      if (lit.kind === 'string') bases.push({ path: lit.value, span: spanOf(item) });
    }
  }
  return { names, bases };
}

/**
 * The names of `own` merged over those of its bases, as MMEngine merges: the bases in order, then
 * the module's own values; a dict merges into the dict it overrides key by key (unless it has
 * `_delete_=True`), anything else replaces. Values from a base are marked with the `_base_`
 * entry that brought them in.
 */
function inherit(own: ConfigModule, lookup: ConfigBaseLookup): ReadonlyMap<string, ConfigValue> {
  const merged = new Map<string, ConfigValue>();
  for (const base of own.bases) {
    const m = lookup(base.path);
    if (!m) continue;
    for (const [name, v] of m.names) merged.set(name, reached(v, base.span));
  }
  if (own.edits) {
    // (A pure-Python config: each `import *` of a base replaced the names it defines; its own statements follow.)
    for (const e of own.edits) applyEdit(merged, e);
    return merged;
  }
  for (const [name, v] of own.names) {
    const old = merged.get(name);
    merged.set(name, old ? mergeInto(v, old) : v);
  }
  return merged;
}

/** `v` (of another file) marked as brought in by the `_base_` entry at `via`. */
function reached(v: ConfigValue, via: Span): ConfigValue {
  if (v.kind === 'dict') return { ...v, via, entries: v.entries.map(([k, e]) => [k, reached(e, via)] as const) };
  if (v.kind === 'list') return { ...v, via, items: v.items.map((e) => reached(e, via)) };
  return { ...v, via };
}

/** A config value merged over the one it overrides (MMEngine's `Config._merge_a_into_b`). */
function mergeInto(over: ConfigValue, under: ConfigValue, depth = 0): ConfigValue {
  if (over.kind !== 'dict' || under.kind !== 'dict' || depth > MAX_DEPTH) return withoutDelete(over);
  const del = over.entries.find(([k]) => k === '_delete_');
  if (del && del[1].kind === 'value' && del[1].known.value === true) return withoutDelete(over);
  const entries = new Map<string, ConfigValue>(under.entries);
  for (const [k, v] of over.entries) {
    if (k === '_delete_') continue;
    const old = entries.get(k);
    entries.set(k, old ? mergeInto(v, old, depth + 1) : withoutDelete(v));
  }
  return { ...over, entries: [...entries] };
}

function withoutDelete(v: ConfigValue): ConfigValue {
  return v.kind === 'dict' && v.entries.some(([k]) => k === '_delete_') ? { ...v, entries: v.entries.filter(([k]) => k !== '_delete_') } : v;
}

/** Every value of a config module marked as written in `file` (the index, for a `_base_` file's values). */
export function inFile(module: ConfigModule, file: string): ConfigModule {
  const mark = (v: ConfigValue): ConfigValue => {
    const file_ = v.file ?? file;
    if (v.kind === 'dict') return { ...v, file: file_, entries: v.entries.map(([k, e]) => [k, mark(e)] as const) };
    if (v.kind === 'list') return { ...v, file: file_, items: v.items.map(mark) };
    return { ...v, file: file_ };
  };
  return { names: new Map([...module.names].map(([k, v]) => [k, mark(v)])), bases: module.bases };
}

/** A module's own config merged with its bases' (the index, for a `_base_` file that has bases of its own). */
export function withBases(own: ConfigModule, lookup: ConfigBaseLookup): ConfigModule {
  return own.bases.length === 0 ? own : { names: inherit(own, lookup), bases: own.bases };
}

/** A pure-Python config's statement applied to the names so far (see `ConfigEdit`). */
function applyEdit(names: Map<string, ConfigValue>, e: ConfigEdit): void {
  const old = names.get(e.name);
  if (e.op === 'merge') {
    names.set(e.name, old ? mergeInto(e.value, old) : e.value);
    return;
  }
  if (e.op === 'update') {
    names.set(e.name, old ? updateInto(e.value, old) : e.value);
    return;
  }
  names.set(e.name, e.keys.length === 0 ? e.value : withEntry(old, e.keys, e.value));
}

/** `ConfigDict.update`: dicts go into the dicts they replace key by key, anything else replaces (no `_delete_`). */
function updateInto(over: ConfigValue, under: ConfigValue, depth = 0): ConfigValue {
  if (over.kind !== 'dict' || under.kind !== 'dict' || depth > MAX_DEPTH) return over;
  const entries = new Map<string, ConfigValue>(under.entries);
  for (const [k, v] of over.entries) {
    const old = entries.get(k);
    entries.set(k, old ? updateInto(v, old, depth + 1) : v);
  }
  return { ...under, entries: [...entries] };
}

/** `v` with the entry at `keys` set to `value` (the dicts on the way made when missing, as `ConfigDict` makes them). */
function withEntry(v: ConfigValue | undefined, keys: readonly string[], value: ConfigValue): ConfigValue {
  const [key, ...rest] = keys;
  if (key === undefined) return value;
  const dict: ConfigValue & { kind: 'dict' } = v?.kind === 'dict' ? v : { kind: 'dict', span: value.span, entries: [] };
  const entries = new Map(dict.entries);
  entries.set(key, withEntry(entries.get(key), rest, value));
  return { ...dict, entries: [...entries] };
}

// ------------------------------------------------------------------ syntax to values

/** Whether the module is a pure-Python config: it has a top-level `with read_base():`. */
function hasReadBase(root: Node): boolean {
  return root.namedChildren.some((stmt) => readBaseBody(stmt) !== undefined);
}

/** The body of a top-level `with read_base():` statement. */
function readBaseBody(stmt: Node): Node | undefined {
  if (stmt.type !== 'with_statement') return undefined;
  const items = stmt.namedChildren.find((c) => c.type === 'with_clause')?.namedChildren ?? [];
  const value = items.length === 1 ? items[0]?.childForFieldName('value') : undefined;
  if (value?.type !== 'call' || value.childForFieldName('function')?.text !== 'read_base') return undefined;
  return stmt.childForFieldName('body') ?? undefined;
}

/**
 * The bases of a pure-Python config: `from .._base_.models.resnet18 import *` inside `with
 * read_base():` is `../_base_/models/resnet18.py` from the config's folder. An absolute module
 * (`from mmpretrain.configs._base_... import *`) names an installed package's file: not in view.
 */
function readBaseImports(body: Node): { path: string; span: Span }[] {
  const out: { path: string; span: Span }[] = [];
  for (const stmt of body.namedChildren) {
    if (stmt.type !== 'import_from_statement' || !stmt.namedChildren.some((c) => c.type === 'wildcard_import')) continue;
    const module = stmt.childForFieldName('module_name');
    if (module?.type !== 'relative_import') continue;
    const dots = module.namedChildren.find((c) => c.type === 'import_prefix')?.text.length ?? 0;
    const dotted = module.namedChildren.find((c) => c.type === 'dotted_name');
    if (dots === 0 || !dotted) continue;
    const up = dots === 1 ? './' : '../'.repeat(dots - 1);
    out.push({ path: `${up}${dotted.namedChildren.map((c) => c.text).join('/')}.py`, span: spanOf(module) });
  }
  return out;
}

/**
 * A pure-Python config's module: its bases from `with read_base():` and its top-level statements
 * that change one of the `CONFIG_NAMES`, in order (see `ConfigEdit`).
 */
function pythonConfigModule(defs: Definitions, root: Node, reader: ConfigReader): ConfigModule {
  const bases: { path: string; span: Span }[] = [];
  const edits: ConfigEdit[] = [];
  for (const stmt of root.namedChildren) {
    const body = readBaseBody(stmt);
    if (body) {
      bases.push(...readBaseImports(body));
      continue;
    }
    if (stmt.type !== 'expression_statement') continue;
    const e = stmt.namedChildren[0];
    if (!e) continue;
    const value = (n: Node): ConfigValue => evaluate(n, defs, reader, 0);
    if (e.type === 'assignment') {
      const right = e.childForFieldName('right');
      const target = e.childForFieldName('left');
      const path = target ? entryPath(target) : undefined;
      if (right && path && CONFIG_NAMES.has(path.name)) edits.push({ name: path.name, op: 'set', keys: path.keys, value: value(right) });
      continue;
    }
    // `model.merge(dict(...))`, `train_dataloader.update(dict(batch_size=4))` / `.update(batch_size=4)`.
    if (e.type !== 'call') continue;
    const fn = e.childForFieldName('function');
    const object = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
    if (object?.type !== 'identifier' || !CONFIG_NAMES.has(object.text) || (method !== 'merge' && method !== 'update')) continue;
    const args = (e.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a.type !== 'comment');
    const first = args[0];
    if (args.length === 1 && first && first.type !== 'keyword_argument') edits.push({ name: object.text, op: method, keys: [], value: value(first) });
    else if (method === 'update' && args.length > 0 && args.every((a) => a.type === 'keyword_argument')) {
      const entries = args.flatMap((a) => {
        const k = a.childForFieldName('name');
        const v = a.childForFieldName('value');
        return k && v ? [[k.text, { ...value(v), entrySpan: spanOf(a) }] as const] : [];
      });
      edits.push({ name: object.text, op: 'update', keys: [], value: { kind: 'dict', span: spanOf(e), entries } });
    }
  }
  const names = new Map<string, ConfigValue>();
  for (const e of edits) applyEdit(names, e);
  return { names, bases, edits };
}

/** `model` -> model; `optim_wrapper.optimizer.lr` / `model['backbone']` -> the name and the keys below it. */
function entryPath(target: Node): { name: string; keys: string[] } | undefined {
  const keys: string[] = [];
  let n: Node | null = target;
  for (let i = 0; n && i < MAX_DEPTH; i++) {
    if (n.type === 'identifier') return { name: n.text, keys: keys.reverse() };
    if (n.type === 'attribute') {
      const a = n.childForFieldName('attribute');
      if (!a) return undefined;
      keys.push(a.text);
      n = n.childForFieldName('object');
      continue;
    }
    if (n.type === 'subscript') {
      const sub = n.childForFieldName('subscript');
      const lit = sub ? literalValue(sub) : undefined;
      if (lit?.kind !== 'string') return undefined;
      keys.push(lit.value);
      n = n.childForFieldName('value');
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** The right-hand sides of the module's top-level `name = ...` assignments. */
function topLevelDefinitions(root: Node): Definitions {
  const out = new Map<string, Node[]>();
  for (const stmt of root.namedChildren) {
    if (stmt.type !== 'expression_statement') continue;
    const a = stmt.namedChildren[0];
    if (a?.type !== 'assignment') continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (left?.type !== 'identifier' || !right) continue;
    const list = out.get(left.text);
    if (list) list.push(right);
    else out.set(left.text, [right]);
  }
  return out;
}

/** The last top-level definition of `name` that starts before `before`. */
function lastDefinition(defs: Definitions, name: string, before: number): Node | undefined {
  let found: Node | undefined;
  for (const n of defs.get(name) ?? []) if (n.startIndex < before) found = n;
  return found;
}

/** An expression followed through module-level names (`norm_cfg=norm_cfg`) to what they were assigned. */
function follow(node: Node, defs: Definitions): Node {
  let n = unparen(node);
  for (let i = 0; n.type === 'identifier' && i < MAX_DEPTH; i++) {
    const d = lastDefinition(defs, n.text, n.startIndex);
    if (!d) break;
    n = unparen(d);
  }
  return n;
}

/** The entries of a dict written in place (see `dictEntries`); none read from one with a syntax error. */
function configEntries(n: Node): [string, Node][] | undefined {
  return n.hasError ? undefined : dictEntries(n);
}

/** A config expression as a value: dicts and lists through names; anything else as the resolver reads it (where written). */
function evaluate(node: Node, defs: Definitions, reader: ConfigReader, depth: number): ConfigValue {
  const n = follow(node, defs);
  const entries = depth < MAX_DEPTH ? configEntries(n) : undefined;
  if (entries) return { kind: 'dict', span: spanOf(n), entries: entries.map(([k, v]) => [k, { ...evaluate(v, defs, reader, depth + 1), ...(v.parent ? { entrySpan: spanOf(v.parent) } : {}) }] as const) };
  if ((n.type === 'list' || n.type === 'tuple') && depth < MAX_DEPTH) return { kind: 'list', span: spanOf(n), items: n.namedChildren.map((c) => evaluate(c, defs, reader, depth + 1)) };
  const imported = n.type === 'identifier' || n.type === 'attribute' ? qualifiedName(n, reader.imports, NO_STAR_NAMES) : undefined;
  return { kind: 'value', span: spanOf(node), known: reader.resolver.resolve(node), ...(imported?.includes('.') ? { imported } : {}) };
}

const NO_STAR_NAMES: ReadonlySet<string> = new Set();

// ------------------------------------------------------------------ values to facts

function entry(v: ConfigValue | undefined, key: string): ConfigValue | undefined {
  return v?.kind === 'dict' ? v.entries.find(([k]) => k === key)?.[1] : undefined;
}

function scalar(v: ConfigValue | undefined): KnownValue['value'] {
  return v?.kind === 'value' ? v.known.value : undefined;
}

/** A dict of the model config and the key it is under (`backbone`, `decode_head`; `model` for the root). */
interface Level {
  readonly key: string;
  readonly dict: ConfigValue & { readonly kind: 'dict' };
}

/** A norm config of the model dict and whether its BatchNorm statistics train. */
/**
 * The norm a backbone builds when its config does not say (`backbone=dict(type='ResNet', depth=50)`):
 * the class's own `norm_cfg` and `norm_eval` defaults, by the registry the config builds from
 * (its `default_scope`). mmpretrain's are read from its backbones' signatures (ResNet and the
 * classes that pass their arguments on to it: BatchNorm, statistics trained); mmdetection's
 * ResNet keeps them in eval mode (`norm_eval=True`), mmsegmentation's trains them.
 */
const BACKBONE_DEFAULT_NORMS: ReadonlyMap<string, ReadonlyMap<string, { readonly kind: string; readonly normEval: boolean }>> = (() => {
  const table = (entries: readonly (readonly [readonly string[], string, boolean])[]) => new Map(entries.flatMap(([types, kind, normEval]) => types.map((t) => [t, { kind, normEval }] as const)));
  const resnets = ['ResNet', 'ResNetV1c', 'ResNetV1d', 'ResNeXt'];
  const pretrain = table([
    [[...resnets, 'SEResNet', 'SEResNeXt', 'Res2Net', 'ResNeSt', 'RegNet', 'MobileNetV2', 'MobileNetV3', 'EfficientNet', 'EfficientNetV2', 'ShuffleNetV1', 'ShuffleNetV2', 'HRNet', 'MobileOne', 'RepVGG', 'RepLKNet', 'CSPDarkNet', 'CSPResNet', 'Vig', 'PyramidVig'], 'BatchNorm2d', false],
    [['DenseNet', 'ConvMixer', 'MobileViT'], 'BatchNorm2d', false],
    [['VisionTransformer', 'DeiT3', 'BEiTViT', 'SwinTransformer', 'SwinTransformerV2', 'DaViT', 'MlpMixer', 'T2T_ViT', 'TNT', 'VAN', 'MViT', 'HiViT', 'XCiT'], 'LayerNorm', false],
  ]);
  return new Map([
    ['mmpretrain', pretrain],
    ['mmcls', pretrain],
    ['mmdet', table([[resnets, 'BatchNorm2d', true]])],
    ['mmseg', table([[resnets, 'BatchNorm2d', false]])],
  ]);
})();

interface NormConfig {
  readonly kind: string;
  readonly at: ConfigValue;
  /** BatchNorm statistics update during training: `true`, frozen by `norm_eval=True`: `false`, not known: undefined. */
  readonly trains: boolean | undefined;
  readonly requiresGrad: boolean;
  /** A backbone's default norm (no `norm_cfg` in its dict): `at` is its `type`, and this says so (`ResNet's default norm_cfg`). */
  readonly via?: string;
}

/**
 * The defaults of the backbone class a config's `type` names, if known: in the registry of the
 * package the class is imported from (the pure-Python format: `from mmpretrain.models import
 * ResNet`), else of the registry the config builds from (its `default_scope`).
 */
type BackboneDefaults = (type: ConfigValue | undefined) => { readonly kind: string; readonly normEval: boolean } | undefined;

function backboneDefaults(defaultScope: KnownValue['value']): BackboneDefaults {
  return (type) => {
    const name = typeName(type);
    if (name === undefined) return undefined;
    const scope = type?.kind === 'value' && type.imported ? type.imported.split('.')[0] : defaultScope;
    return typeof scope === 'string' ? BACKBONE_DEFAULT_NORMS.get(scope)?.get(name) : undefined;
  };
}

/** The class name a config's `type` names (`'ResNet'`, or `ResNet` imported in the pure-Python format). */
function typeName(v: ConfigValue | undefined): string | undefined {
  if (v?.kind !== 'value') return undefined;
  if (typeof v.known.value === 'string') return v.known.value;
  return v.known.value === undefined && /^[A-Za-z_][\w.]*$/.test(v.known.text) ? v.known.text.split('.').pop() : undefined;
}

function factsOf(names: ReadonlyMap<string, ConfigValue>): MMConfigFacts | undefined {
  const model = names.get('model');
  if (model?.kind !== 'dict' || !entry(model, 'type')) return undefined;
  const loader = configLoader(names);
  if (!loader) return undefined;
  const norms: NormConfig[] = [];
  collectNorms([{ key: 'model', dict: model }], norms, backboneDefaults(scalar(names.get('default_scope'))));
  return {
    models: [{ name: 'model', function: '<module>', span: here(model), facts: modelFacts(model, norms) }],
    loaders: [loader],
    gradAccum: gradAccum(names),
    syncBatchNorm: syncBatchNorm(names),
    optimizers: configOptimizers(names),
  };
}

/** Where a value shows in the analysed file: where it is written, or the `_base_` entry that brought it in. */
function here(v: ConfigValue): Span {
  return v.via ?? v.span;
}

/**
 * A value's `KnownValue` in the analysed file: its own, or for another file's, one placed on the
 * `_base_` entry that brought it in and saying where it is written.
 */
function knownHere(v: ConfigValue & { readonly kind: 'value' }): KnownValue {
  if (!v.via) return v.known;
  return { value: v.known.value, text: v.known.text, span: v.via, provenance: `inherited from ${v.file ?? 'a _base_ file'}:${v.span.start.line + 1} through \`_base_\``, inferred: false };
}

/**
 * The norm configs under the innermost dict of `path` (the dicts from the model down to it). A
 * BatchNorm's statistics train unless the nearest of those dicts that sets `norm_eval` sets it
 * to True (mmcv/mmdet/mmseg/mmpretrain backbones keep their BatchNorm in eval mode then); inside
 * a backbone that does not set it, the backbone class's default decides (True in mmdetection's
 * ResNet, False in mmpretrain's): known for the classes of `BACKBONE_DEFAULT_NORMS` under the
 * config's `default_scope`, not known otherwise. Necks and heads have no `norm_eval`: their
 * BatchNorm trains. A known backbone without a `norm_cfg` builds its class's default norm.
 */
function collectNorms(path: readonly Level[], out: NormConfig[], defaults: BackboneDefaults): void {
  if (path.length > MAX_DEPTH) return;
  const level = path[path.length - 1];
  const dict = level.dict;
  // A backbone that leaves its norm to its class: the class's default `norm_cfg` (see `BACKBONE_DEFAULT_NORMS`).
  const type = entry(dict, 'type');
  const name = typeName(type);
  const known = name !== undefined && /(^|_)backbone$/.test(level.key) ? defaults(type) : undefined;
  if (known && type && !dict.entries.some(([k]) => k === 'norm_cfg')) out.push({ kind: known.kind, at: type, trains: trainsStatistics(path, defaults), requiresGrad: true, via: `${name}'s default norm_cfg` });
  for (const [key, value] of dict.entries) {
    if (/(^|_)norm_cfg$/.test(key)) {
      const kind = value.kind === 'dict' ? normKind(value) : undefined;
      if (kind) out.push({ kind, at: value, trains: trainsStatistics(path, defaults), requiresGrad: scalar(entry(value, 'requires_grad')) !== false });
      continue;
    }
    const items = value.kind === 'dict' ? [value] : value.kind === 'list' ? value.items : [];
    for (const item of items) if (item.kind === 'dict') collectNorms([...path, { key, dict: item }], out, defaults);
  }
}

/** The layer class a norm config's `type` names: `'BN'` -> `BatchNorm2d`, `nn.SyncBatchNorm` -> `SyncBatchNorm`. */
function normKind(cfg: ConfigValue): string | undefined {
  const type = entry(cfg, 'type');
  if (type?.kind !== 'value') return undefined;
  if (typeof type.known.value === 'string') return configNormClassName(type.known.value);
  if (type.known.value !== undefined) return undefined;
  const last = type.known.text.split('.').pop() ?? '';
  return /^[A-Za-z_][\w.]*$/.test(type.known.text) && (BN_KINDS.has(last) || last === 'GroupNorm' || last === 'LayerNorm') ? last : undefined;
}

/**
 * Whether BatchNorm under the innermost of `path` trains its statistics (see `collectNorms`): the
 * nearest `norm_eval`, else inside a backbone its class's default when known.
 */
function trainsStatistics(path: readonly Level[], defaults: BackboneDefaults): boolean | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    const normEval = entry((path[i]).dict, 'norm_eval');
    if (normEval) {
      const v = scalar(normEval);
      return typeof v === 'boolean' ? !v : undefined;
    }
  }
  const backbone = path.find((p) => /(^|_)backbone$/.test(p.key));
  if (!backbone) return true;
  const known = defaults(entry(backbone.dict, 'type'));
  return known ? !known.normEval : undefined;
}

function modelFacts(model: ConfigValue, norms: readonly NormConfig[]): ModelFacts {
  const type = scalar(entry(model, 'type'));
  const fact = (n: NormConfig): LayerFact => ({ kind: n.kind, span: n.at.span, ...(n.at.file !== undefined ? { file: n.at.file } : {}), ...(n.via ? { via: n.via } : {}) });
  return {
    evidence: 'file',
    name: typeof type === 'string' ? type : 'model',
    definitionSpan: here(model),
    batchNorms: norms.filter((n) => BN_KINDS.has(n.kind) && n.kind !== 'SyncBatchNorm' && n.trains === true).map(fact),
    otherModeDependent: [],
    affineNorms: norms.filter((n) => n.requiresGrad).map(fact),
    trainKeepsBatchNormFrozen: false,
    frozenBatchNorm: false,
  };
}

/** MMEngine's `train_dataloader=dict(batch_size=...)`, mmcv 1.x `data=dict(samples_per_gpu=...)`: the batch each GPU trains with. */
function configLoader(names: ReadonlyMap<string, ConfigValue>): DataLoaderIR | undefined {
  const engine = names.get('train_dataloader');
  const loader = engine?.kind === 'dict' ? engine : names.get('data');
  if (loader?.kind !== 'dict') return undefined;
  const isEngine = loader === engine;
  const bs = entry(loader, isEngine ? 'batch_size' : 'samples_per_gpu');
  if (bs?.kind !== 'value') return undefined;
  const drop = entry(loader, 'drop_last');
  const samplerType = entry(entry(loader, 'sampler'), 'type');
  const span = here(loader);
  return {
    framework: 'mmengine',
    span,
    argumentsSpan: span,
    variable: isEngine ? 'train_dataloader' : 'data',
    function: '<module>',
    batchSize: knownHere(bs),
    dropLast: drop?.kind === 'value' ? knownHere(drop) : undefined,
    sampler: samplerType?.kind === 'value' ? samplerType.known.text : undefined,
    distributedSampler: false,
    dataset: undefined,
    role: 'train',
    roleEvidence: isEngine ? 'train_dataloader of the config' : 'samples_per_gpu of the config',
    feeds: ['model'],
  };
}

/** MMEngine `optim_wrapper=dict(accumulative_counts=N)`; mmcv 1.x `optimizer_config=dict(type='GradientCumulativeOptimizerHook', cumulative_iters=N)`. */
function gradAccum(names: ReadonlyMap<string, ConfigValue>): GradAccumIR[] {
  const v = entry(names.get('optim_wrapper'), 'accumulative_counts') ?? entry(names.get('optimizer_config'), 'cumulative_iters');
  if (v?.kind !== 'value') return [];
  const steps = knownHere(v);
  if (typeof steps.value === 'number' && steps.value <= 1) return [];
  return [{ kind: 'framework-argument', span: v.via ?? v.entrySpan ?? v.span, steps, function: '<module>' }];
}

/** `sync_bn = 'torch'` / `'mmcv'`: MMEngine's runner converts the model's BatchNorm to SyncBatchNorm. */
function syncBatchNorm(names: ReadonlyMap<string, ConfigValue>): { span: Span; text: string }[] {
  const v = names.get('sync_bn');
  if (v?.kind !== 'value' || typeof v.known.value !== 'string' || v.known.value === '') return [];
  return [{ span: here(v), text: `sync_bn=${v.known.text}` }];
}

/**
 * The optimizer a config trains with: MMEngine's `optim_wrapper=dict(optimizer=dict(type='SGD',
 * weight_decay=1e-4), paramwise_cfg=...)`, mmcv 1.x's `optimizer=dict(type='SGD', weight_decay=
 * 1e-4, paramwise_cfg=...)`. The default optimizer constructor gives it every parameter of the
 * model with the same decay unless `paramwise_cfg` says otherwise (see `paramwiseExcludesNorms`).
 */
function configOptimizers(names: ReadonlyMap<string, ConfigValue>): OptimizerIR[] {
  const wrapper = names.get('optim_wrapper');
  const inWrapper = entry(wrapper, 'optimizer');
  const opt = inWrapper?.kind === 'dict' ? inWrapper : names.get('optimizer');
  if (opt?.kind !== 'dict') return [];
  const engine = opt === inWrapper;
  const type = entry(opt, 'type');
  if (type?.kind !== 'value') return [];
  // `type='AdamW'`, or the class itself in the new pure-Python style (`type=torch.optim.AdamW`).
  const kind = typeof type.known.value === 'string' ? type.known.value : type.known.value === undefined ? type.known.text.split('.').pop() : undefined;
  if (!kind || !/^[A-Za-z_]\w*$/.test(kind)) return [];
  const decay = entry(opt, 'weight_decay');
  const options = engine ? wrapper : opt;
  const paramwise = entry(options, 'paramwise_cfg');
  // A constructor of its own (`constructor='LearningRateDecayOptimizerConstructor'`) builds the groups its way.
  const constructor = entry(options, 'constructor');
  return [
    {
      kind,
      span: here(opt),
      variable: engine ? 'optim_wrapper' : 'optimizer',
      function: '<module>',
      params: 'all',
      paramsText: 'model',
      models: ['model'],
      weightDecay: decay?.kind === 'value' ? knownHere(decay) : undefined,
      defaultWeightDecay: OPTIMIZERS.get(kind),
      groups: [],
      excludesNormsFromDecay: constructor !== undefined || paramwiseExcludesNorms(paramwise),
      config: engine ? 'mmengine' : 'mmcv',
    },
  ];
}

/**
 * Whether a `paramwise_cfg` takes the norms' weights and biases out of the decay (or may: what
 * does not read as a plain dict counts): `norm_decay_mult=0`, mmpretrain's `flat_decay_mult=0`
 * (every 1-D parameter), or a `custom_keys` entry for norm parameter names (`'norm'`, `'.bn'`,
 * `'ln'`) with `decay_mult=0`.
 */
function paramwiseExcludesNorms(cfg: ConfigValue | undefined): boolean {
  if (!cfg) return false;
  if (cfg.kind !== 'dict') return true;
  const zero = (v: ConfigValue | undefined): boolean => v !== undefined && scalar(v) !== 1 && (typeof scalar(v) !== 'number' || scalar(v) === 0);
  if (zero(entry(cfg, 'norm_decay_mult')) || zero(entry(cfg, 'flat_decay_mult'))) return true;
  const keys = entry(cfg, 'custom_keys');
  if (keys === undefined) return false;
  if (keys.kind !== 'dict') return true;
  return keys.entries.some(([k, v]) => /norm|(^|[._])(bn|ln|gn)([._]|$)/i.test(k) && zero(entry(v, 'decay_mult')));
}
