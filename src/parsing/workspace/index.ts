/**
 * The workspace index: resolves imports between the workspace's own Python files
 * (`from models import Net`, `from .backbone import *`, `import models` + `models.Net`,
 * re-exports through `__init__.py`) so a training script knows the layers of a model defined
 * in another file. Per-file summaries (classes with their layer facts, imports) are cached and
 * invalidated when a file changes (a new text, a new size/mtime on disk, or `invalidate`).
 * File access goes through a small host so the same index serves the CLI (node fs) and the
 * editor (open buffers first).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseSyntaxTree, type SyntaxNode as Node, type SyntaxTree } from '../python/syntaxTree';
import type { ModelFacts } from '../../ir/training';
import { collectImports } from '../python/imports';
import { boundBy, collectClassFacts, externalUsesOf, isHolderMember, isModelMember, isModuleClass, kerasNormsOnly, modelFactsOfClass, type BoolArguments, type ClassFacts } from '../python/training/classes';
import { importedFunctionsFromTree, type ExternalClassLookup } from '../python/training/index';
import type { ImportedFunction } from '../python/training/importedFunctions';
import { inFile, readConfigModule, withBases, type ConfigBaseLookup, type ConfigModule } from '../python/training/mmConfig';
import { Resolver } from '../python/resolver';
import { resolverValues } from '../python/training/values';
import type { AnalysisOptions } from '../python/analyse';

export interface WorkspaceHost {
  /** The file's text, or undefined when it cannot be read. */
  read(file: string): string | undefined;
  /** A cheap version stamp (size + mtime on disk); undefined when the file does not exist. */
  stamp(file: string): string | undefined;
}

/** Reads files from disk (files over `maxBytes` are treated as absent). */
export function diskHost(maxBytes = 2 * 1024 * 1024): WorkspaceHost {
  return {
    read(file) {
      try {
        const st = fs.statSync(file);
        if (!st.isFile() || st.size > maxBytes) return undefined;
        return fs.readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    stamp(file) {
      try {
        const st = fs.statSync(file);
        return st.isFile() ? `${st.size}:${st.mtimeMs}` : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

interface ImportEntry {
  /** Dots of a relative import (0 for absolute). */
  readonly level: number;
  /** Module path after the dots (`models.net`), possibly empty (`from . import x`). */
  readonly module: string;
  /** The imported name (`Net`), or undefined for `import a.b` / star imports. */
  readonly name: string | undefined;
}

/** What a file imports. */
export interface FileImports {
  /** Local name -> where it comes from. */
  readonly imports: ReadonlyMap<string, ImportEntry>;
  readonly stars: readonly ImportEntry[];
}

export interface FileSummary extends FileImports {
  readonly classes: ReadonlyMap<string, ClassFacts>;
  /** The names of the file's top-level functions (what they do is read when a caller asks: see `WorkspaceIndex.functionsOf`). */
  readonly functions: ReadonlySet<string>;
}

function summarise(text: string): FileSummary {
  const tree = parseSyntaxTree(text);
  if (!tree) return EMPTY_SUMMARY;
  return { ...importsOfTree(tree), classes: collectClassFacts(tree, collectImports(tree), tree.rootNode.children, true), functions: topLevelFunctions(tree) };
}

const EMPTY_SUMMARY: FileSummary = { classes: new Map(), imports: new Map(), stars: [], functions: new Set() };

/** The names the file's top-level `def` statements (decorated or not) define. */
/** Whether a file defines a class of that name (see `WorkspaceIndex.classDefinitions`). */
function definesClass(summary: FileSummary, name: string): boolean {
  return summary.classes.has(name);
}

function topLevelFunctions(tree: SyntaxTree): Set<string> {
  const out = new Set<string>();
  for (const statement of tree.rootNode.namedChildren) {
    const def = statement.type === 'decorated_definition' ? statement.childForFieldName('definition') : statement;
    const name = def?.type === 'function_definition' ? def.childForFieldName('name')?.text : undefined;
    if (name) out.add(name);
  }
  return out;
}

/** What a file's top-level functions do (see `WorkspaceIndex.functionsOf`), and the other files reading them read. */
interface ImportedFunctions {
  readonly functions: ReadonlyMap<string, ImportedFunction>;
  /** The versions of the other files its analysis read (`WorkspaceIndex.versionOf`), then. */
  readonly versions: ReadonlyMap<string, string | undefined>;
  /** The files those answers came from. */
  readonly visited: ReadonlySet<string>;
  /** The lint it was last read or checked in (see `WorkspaceIndex.functionsOf`). */
  checkedIn?: object;
}

/**
 * What one kind of lookup finds where a dotted name leads (see `WorkspaceIndex.find`): whether a
 * file's summary defines the name, and the answer then.
 */
interface Definitions<T> {
  defines(summary: FileSummary, name: string): boolean;
  answer(file: string, summary: FileSummary, name: string, hops: number, seen: Set<string>, visited: Set<string> | undefined, known: Map<string, string | undefined> | undefined): T | undefined;
}

/** The imports of a parsed file (its top-level statements' and nested ones'). */
function importsOfTree(tree: SyntaxTree): FileImports {
  return importsOfNodes(importNodesOf(tree));
}

const IMPORT_TYPES = ['import_statement', 'import_from_statement'];

/**
 * A file's import statements (nested ones too), in document order. Found per top-level statement
 * and kept per statement node: an open document's tree hands unchanged statements on as the same
 * nodes, so after an edit only the edited statement is searched.
 */
function importNodesOf(tree: SyntaxTree): Node[] {
  const out: Node[] = [];
  for (const statement of tree.rootNode.children) {
    let found = IMPORTS_IN.get(statement);
    if (!found) IMPORTS_IN.set(statement, (found = statement.descendantsOfType(IMPORT_TYPES)));
    for (const n of found) out.push(n);
  }
  return out;
}

const IMPORTS_IN = new WeakMap<Node, readonly Node[]>();

/** Whether two lists hold the same nodes (an open document's tree hands unchanged statements' nodes on as the same objects). */
function sameNodes(a: readonly Node[], b: readonly Node[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The imports made by import statements. */
function importsOfNodes(nodes: readonly Node[]): FileImports {
  const imports = new Map<string, ImportEntry>();
  const stars: ImportEntry[] = [];
  for (const node of nodes) {
    if (node.hasError) continue;
    if (node.type === 'import_statement') {
      for (const n of node.childrenForFieldName('name')) {
        if (n.type === 'aliased_import') {
          const full = n.childForFieldName('name')?.text;
          const alias = n.childForFieldName('alias')?.text;
          if (full && alias) imports.set(alias, { level: 0, module: full, name: undefined });
        } else if (n.type === 'dotted_name') {
          const head = n.text.split('.')[0] ?? n.text;
          imports.set(head, { level: 0, module: head, name: undefined });
        }
      }
      continue;
    }
    const from = node.childForFieldName('module_name');
    const { level, module } = moduleOf(from);
    if (module === undefined) continue;
    if (node.namedChildren.some((c) => c.type === 'wildcard_import')) stars.push({ level, module, name: undefined });
    for (const n of node.childrenForFieldName('name')) {
      const original = n.type === 'aliased_import' ? n.childForFieldName('name')?.text : n.text;
      const local = n.type === 'aliased_import' ? n.childForFieldName('alias')?.text : n.text;
      if (original && local) imports.set(local, { level, module, name: original });
    }
  }
  return { imports, stars };
}

function moduleOf(node: Node | null): { level: number; module: string | undefined } {
  if (!node) return { level: 0, module: undefined };
  if (node.type === 'dotted_name') return { level: 0, module: node.text };
  if (node.type === 'relative_import') {
    const prefix = node.namedChildren.find((c) => c.type === 'import_prefix')?.text ?? '';
    const dotted = node.namedChildren.find((c) => c.type === 'dotted_name')?.text ?? '';
    return { level: prefix.length, module: dotted };
  }
  return { level: 0, module: undefined };
}

const MAX_HOPS = 8;

/** Base classes of what is no model: datasets and samplers, plain objects, enums, exceptions, typed records. */
const NOT_MODEL_BASES = /^(torch\.utils\.data(\.\w+)*\.\w+|(\w+\.)*(object|Dataset|IterableDataset|Sampler|Exception|Enum|IntEnum|NamedTuple|TypedDict|ABC|Protocol|Generic|dict|list))$/;

/** How many `_base_` files deep a config's inheritance is followed. */
const MAX_BASE_DEPTH = 8;

/** A config file's own config (without its bases), read from a parse of its text. */
function configOfText(text: string): ConfigModule {
  const tree = parseSyntaxTree(text);
  if (!tree) return { names: new Map(), bases: [] };
  const resolver = new Resolver(tree);
  return readConfigModule(tree.rootNode, { resolver: resolverValues(resolver), imports: resolver.imports });
}

export class WorkspaceIndex {
  private readonly cache = new Map<string, { stamp: string; value: FileSummary }>();
  /** Class facts made from each summary, by class name (see `factsOf`). */
  private readonly facts = new WeakMap<FileSummary, Map<string, ModelFacts | undefined>>();
  /** Imports of files on disk read from a parse the caller made (see `noteParsed`), with the file's stamp then. */
  private readonly parsed = new Map<string, { stamp: string; imports: FileImports }>();
  /** Editor buffers: their text, and their imports when the editor's tree of the text gave them. */
  private readonly overrides = new Map<string, { version: string; text: string; imports?: FileImports; importNodes?: readonly Node[] }>();
  /** OpenMMLab config files' own configs (see `configBasesFor`), by file, with the stamp they were read at. */
  private readonly configs = new Map<string, { stamp: string; value: ConfigModule }>();
  /** What the top-level functions of files do to the models passed to them (see `functionsOf`), with the stamp they were read at. */
  private readonly functions: readonly [Map<string, { stamp: string; value: ImportedFunctions }>, Map<string, { stamp: string; value: ImportedFunctions }>] = [new Map(), new Map()];
  /** While a lookup of `lookupFor` runs: the stamps it read (a file is stat-ed once per lint, not once per name asked). */
  private lintStamps: Map<string, string | undefined> | undefined;
  /**
   * While a lookup runs: the lint it serves (the outermost lookup's), which a file's functions
   * are checked against once (see `functionsOf`), with the modules that lint found on disk.
   */
  private lint: { readonly token: object; readonly stamps: Map<string, string | undefined>; readonly known: Map<string, string | undefined> } | undefined;

  /**
   * @param roots folders imports are resolved against (the project root, source folders);
   *   the importing file's own folder is always tried first, as `python script.py` does.
   */
  constructor(
    private readonly roots: readonly string[],
    private readonly host: WorkspaceHost = diskHost(),
  ) {}

  /**
   * Uses `text` for `file` instead of the disk (an editor buffer); `version` changes with the text.
   * `tree`, the syntax tree of `text` when the caller has one (an open document's), gives the
   * file's imports at once: the lookups of the file's own lint then read them without parsing the
   * file a second time (nor reading them again while its import statements are the same nodes:
   * an edit elsewhere). Its class facts, needed only when another file imports it, still come
   * from a parse of `text`, on the first such lookup.
   */
  update(file: string, text: string, version: string, tree?: SyntaxTree): void {
    const key = path.resolve(file);
    const old = this.overrides.get(key);
    const same = old !== undefined && old.version === version && old.text === text;
    if (same && (old.imports !== undefined || !tree)) return;
    if (tree) {
      const importNodes = importNodesOf(tree);
      const imports = old?.imports && old.importNodes && sameNodes(old.importNodes, importNodes) ? old.imports : importsOfNodes(importNodes);
      this.overrides.set(key, { version, text, imports, importNodes });
    } else {
      this.overrides.set(key, { version, text });
    }
    if (!same) this.cache.delete(key);
  }

  /** Forgets a file's cached summary (and its editor text); the next lookup re-reads it. */
  invalidate(file: string): void {
    const key = path.resolve(file);
    this.overrides.delete(key);
    this.parsed.delete(key);
    this.cache.delete(key);
    this.configs.delete(key);
    for (const cache of this.functions) cache.delete(key);
  }

  /** The host's stamp of a file, read once per lint while a lookup of `lookupFor` runs. */
  private stamp(file: string): string | undefined {
    const stamps = this.lintStamps;
    if (!stamps) return this.host.stamp(file);
    if (stamps.has(file)) return stamps.get(file);
    const stamp = this.host.stamp(file);
    stamps.set(file, stamp);
    return stamp;
  }

  /** Number of cached summaries (for tests and logging). */
  get size(): number {
    return this.cache.size;
  }

  summary(file: string): FileSummary | undefined {
    return this.readThrough(path.resolve(file), this.cache, (text) => {
      try {
        return summarise(text);
      } catch {
        return EMPTY_SUMMARY;
      }
    });
  }

  /**
   * What `compute` makes of a file's text (an editor buffer's, else the disk's), kept in `cache`
   * with the stamp it was read at and made again when the stamp changes.
   */
  private readThrough<T>(key: string, cache: Map<string, { stamp: string; value: T }>, compute: (text: string) => T): T | undefined {
    const override = this.overrides.get(key);
    const stamp = this.versionOf(key);
    if (stamp === undefined) return undefined;
    const cached = cache.get(key);
    if (cached && cached.stamp === stamp) return cached.value;
    const text = override ? override.text : this.host.read(key);
    if (text === undefined) return undefined;
    const value = compute(text);
    cache.set(key, { stamp, value });
    return value;
  }

  /**
   * Reads the imports of `file` as it is on disk from `tree`, a parse of it the caller made anyway
   * (the CLI's lint of the file): the file's own lookups then start from them without parsing it
   * again, while its size and time on disk are unchanged.
   */
  noteParsed(file: string, tree: SyntaxTree): void {
    const key = path.resolve(file);
    const stamp = this.host.stamp(key);
    if (stamp !== undefined && !this.overrides.has(key)) this.parsed.set(key, { stamp, imports: importsOfTree(tree) });
  }

  /** A file's imports: an editor buffer's as its tree gave them (see `update`), or a noted parse's (`noteParsed`), else its summary's. */
  private importsOf(file: string): FileImports | undefined {
    const key = path.resolve(file);
    const override = this.overrides.get(key);
    if (override) return override.imports ?? this.summary(file);
    const parsed = this.parsed.get(key);
    if (parsed && !this.cache.has(key) && parsed.stamp === this.stamp(key)) return parsed.imports;
    return this.summary(file);
  }

  /**
   * The file a module name refers to from `fromFile`, or undefined (not a workspace module).
   * `known`: answers already found during one lookup's lint (the disk is read once per module then).
   */
  resolveModule(fromFile: string, entry: { level: number; module: string }, known?: Map<string, string | undefined>): string | undefined {
    if (!known) return this.findModule(fromFile, entry);
    const key = `${path.dirname(path.resolve(fromFile))}\0${entry.level}\0${entry.module}`;
    if (known.has(key)) return known.get(key);
    const found = this.findModule(fromFile, entry);
    known.set(key, found);
    return found;
  }

  private findModule(fromFile: string, entry: { level: number; module: string }): string | undefined {
    const parts = entry.module ? entry.module.split('.') : [];
    const bases: string[] = [];
    if (entry.level > 0) {
      let dir = path.dirname(path.resolve(fromFile));
      for (let i = 1; i < entry.level; i++) dir = path.dirname(dir);
      bases.push(dir);
    } else {
      // The file's folder, then the roots (a folder once: a script usually sits in a root).
      for (const base of [path.dirname(path.resolve(fromFile)), ...this.roots.map((r) => path.resolve(r))]) if (!bases.includes(base)) bases.push(base);
    }
    for (const base of bases) {
      const joined = path.join(base, ...parts);
      for (const candidate of parts.length === 0 ? [path.join(base, '__init__.py')] : [`${joined}.py`, path.join(joined, '__init__.py')]) {
        if (this.stamp(candidate) !== undefined || this.overrides.has(path.resolve(candidate))) return candidate;
      }
    }
    return undefined;
  }

  /** Facts of the class `dotted` (`Net`, `models.Net`, `pkg.models.Net`) as seen from `fromFile`. */
  classFacts(fromFile: string, dotted: string, visited?: Set<string>, known?: Map<string, string | undefined>, args?: BoolArguments): ModelFacts | undefined {
    return this.find(fromFile, dotted.split('.'), 0, new Set(), visited, known, args ? this.constructedWith(args) : this.classDefinitions);
  }

  /** `classDefinitions` for a construction passing `args` (see `ExternalClassLookup`): the class's own layers as those values build it. */
  private constructedWith(args: BoolArguments): Definitions<ModelFacts> {
    return {
      defines: definesClass,
      answer: (file, summary, name, hops, seen, visited, known) => this.factsOf(file, summary, name, hops, seen, visited, known, args),
    };
  }

  /** A lookup of classes for `file` (see `lookup`), the boolean values of a construction part of what is memoised. */
  private classLookup(file: string, visited: Set<string> | undefined, known: Map<string, string | undefined>, stamps: Map<string, string | undefined>): ExternalClassLookup {
    // (The values by key: a JSON round trip would turn a value not known, `undefined`, into `null`.)
    const argsOf = new Map<string, BoolArguments>();
    const byKey = this.lookup(known, stamps, (key, k) => {
      const args = argsOf.get(key);
      return args ? this.classFacts(file, key.slice(0, key.indexOf('\n')), visited, k, args) : this.classFacts(file, key, visited, k);
    });
    return (dotted, _qualified, args) => {
      // (Most names are no workspace model class, or one whose layers do not depend on the values
      // passed: one lookup by name answers every construction of them.)
      const plain = byKey(dotted);
      if (!args || plain === undefined || !this.builtByArguments.has(plain)) return plain;
      const key = `${dotted}\n${JSON.stringify(args)}`;
      if (!argsOf.has(key)) argsOf.set(key, args);
      return byKey(key);
    };
  }

  /**
   * What the function `dotted` (`evaluate`, `engine.evaluate`) of another workspace file does to
   * the models passed to it, as seen from `fromFile`. `depth` 0: read with the functions its own
   * file imports (one file further, at depth 1, read with classes only: no chain or cycle of
   * imports is followed further).
   */
  importedFunction(fromFile: string, dotted: string, visited?: Set<string>, known?: Map<string, string | undefined>, depth: 0 | 1 = 0): ImportedFunction | undefined {
    return this.find(fromFile, dotted.split('.'), 0, new Set(), visited, known, this.functionDefinitions[depth]);
  }

  private readonly classDefinitions: Definitions<ModelFacts> = {
    defines: definesClass,
    answer: (file, summary, name, hops, seen, visited, known) => this.factsOf(file, summary, name, hops, seen, visited, known),
  };

  /** The function lookups of `importedFunction`, by depth. */
  private readonly functionDefinitions = [this.functionsAt(0), this.functionsAt(1)] as const;

  private functionsAt(depth: 0 | 1): Definitions<ImportedFunction> {
    return {
      // (A top-level function, or a member of a holder class: `Trainer.fit`, `Trainer.__init__`; or a
      // method of a model class, `RetinaNet.freeze_bn`, which its file sums up when it switches modes.)
      defines: (summary, name) => {
        const dot = name.indexOf('.');
        if (dot < 0) return summary.functions.has(name);
        const cls = name.slice(0, dot);
        const member = name.slice(dot + 1);
        return isHolderMember(cls, member, summary.classes) || isModelMember(cls, member, summary.classes);
      },
      answer: (file, _summary, name, _hops, _seen, visited) => {
        const read = this.functionsOf(file, depth);
        // (The files its analysis read from are the caller's dependencies too.)
        for (const f of read?.visited ?? []) visited?.add(f);
        return read?.functions.get(name);
      },
    };
  }

  /**
   * What each top-level function of `file` does to the models passed to it, read from a parse and
   * a training analysis of the file with what it imports from the workspace (see `readFunctions`;
   * `depth` as `importedFunction`'s). Kept while the file and those its analysis read from are
   * unchanged (a module created where an import found none is not noticed until the file changes).
   */
  private functionsOf(file: string, depth: 0 | 1): ImportedFunctions | undefined {
    const key = path.resolve(file);
    const cache = this.functions[depth];
    const kept = this.readThrough(key, cache, (text) => this.readFunctions(key, text, depth));
    // (Checked once per lint: a lint asks for a file's functions once per name it calls.)
    const lint = this.lint;
    if (!kept || (lint !== undefined && kept.checkedIn === lint.token)) return kept;
    let same = true;
    for (const [f, version] of kept.versions) if (this.versionOf(f) !== version) same = false;
    if (same) {
      kept.checkedIn = lint?.token;
      return kept;
    }
    cache.delete(key);
    return this.readThrough(key, cache, (text) => this.readFunctions(key, text, depth));
  }

  /**
   * Reads `file`'s functions (see `functionsOf`) with the facts of the classes it imports from the
   * workspace (a factory's `return Net()` of `from models import Net`) and, at depth 0, what the
   * functions it imports do (`model.py`'s `generate_model()` returning `resnet.generate_model(...)`).
   */
  private readFunctions(file: string, text: string, depth: 0 | 1): ImportedFunctions {
    const visited = new Set<string>();
    const known = new Map<string, string | undefined>();
    const stamps = new Map<string, string | undefined>();
    const external = this.classLookup(file, visited, known, stamps);
    const importedFunctions = depth === 0 ? this.lookup(known, stamps, (dotted, k) => this.importedFunction(file, dotted, visited, k, 1)) : undefined;
    let functions: ReadonlyMap<string, ImportedFunction> = new Map();
    try {
      const tree = parseSyntaxTree(text);
      if (tree) functions = importedFunctionsFromTree(tree, this.relative(file), { external, ...(importedFunctions ? { importedFunctions } : {}) });
    } catch {
      functions = new Map();
    }
    const versions = new Map<string, string | undefined>();
    for (const f of visited) if (f !== file) versions.set(f, this.versionOf(f));
    // (What it read is this lint's: checked.)
    return { functions, versions, visited, checkedIn: this.lint?.token };
  }

  /** A file's version as `readThrough` tells it: its editor buffer's, else its stamp on disk. */
  private versionOf(file: string): string | undefined {
    const override = this.overrides.get(file);
    return override ? `buffer:${override.version}` : this.stamp(file);
  }

  private find<T>(file: string, parts: readonly string[], hops: number, seen: Set<string>, visited: Set<string> | undefined, known: Map<string, string | undefined> | undefined, definitions: Definitions<T>): T | undefined {
    if (hops > MAX_HOPS || parts.length === 0) return undefined;
    const id = `${path.resolve(file)}#${parts.join('.')}`;
    if (seen.has(id)) return undefined;
    seen.add(id);
    const own = this.importsOf(file);
    if (!own) return undefined;
    if (hops > 0) visited?.add(path.resolve(file));
    const [head, ...rest] = parts as [string, ...string[]];
    // (A name of the file: a class or function, or a class's method, `Trainer.fit`.)
    if (rest.length <= 1 && hops > 0) {
      const found = this.summary(file);
      const name = rest.length === 0 ? head : `${head}.${rest[0]}`;
      if (found && definitions.defines(found, name)) return definitions.answer(file, found, name, hops, seen, visited, known);
    }
    const entry = own.imports.get(head);
    if (entry) {
      if (entry.name === undefined) {
        // `import models` / `import pkg.models as m`: the rest names a class in that module (or deeper).
        const all = [...entry.module.split('.'), ...rest];
        for (let cut = all.length - 1; cut >= 1; cut--) {
          const target = this.resolveModule(file, { level: 0, module: all.slice(0, cut).join('.') }, known);
          if (target) return this.find(target, all.slice(cut), hops + 1, seen, visited, known, definitions);
        }
        return undefined;
      }
      // `from models import Net` (Net may itself be re-exported), or `from . import models` + `models.Net`.
      const target = this.resolveModule(file, entry, known);
      if (target) {
        const found = this.find(target, [entry.name, ...rest], hops + 1, seen, visited, known, definitions);
        if (found) return found;
      }
      const asModule = this.resolveModule(file, { level: entry.level, module: entry.module ? `${entry.module}.${entry.name}` : entry.name }, known);
      if (asModule && rest.length > 0) return this.find(asModule, rest, hops + 1, seen, visited, known, definitions);
      return undefined;
    }
    if (rest.length === 0) {
      for (const star of own.stars) {
        const target = this.resolveModule(file, star, known);
        if (!target) continue;
        const found = this.find(target, [head], hops + 1, seen, visited, known, definitions);
        if (found) return found;
      }
    }
    return undefined;
  }

  /**
   * The facts of class `name` of `file`'s summary, with those of the classes of other workspace
   * files it uses (`DoubleConv(...)` of `from .parts import *`, a base class imported by name),
   * looked up from `file` as a name of its own would be. Made once per summary and the answers
   * it merges: while the files are unchanged, every lookup answers with the same object (an open
   * document's training analysis keeps what it computed from an answer while the answer is the
   * same object).
   */
  private factsOf(file: string, summary: FileSummary, name: string, hops: number, seen: Set<string>, visited: Set<string> | undefined, known: Map<string, string | undefined> | undefined, args?: BoolArguments): ModelFacts | undefined {
    let byName = this.facts.get(summary);
    if (!byName) this.facts.set(summary, (byName = new Map<string, ModelFacts | undefined>()));
    // (By name, and the construction's values when its `__init__` has parameters some layers depend on.)
    const c = summary.classes.get(name);
    const bound = args && c?.init ? args : undefined;
    const key = bound ? `${name}\n${JSON.stringify(bound)}` : name;
    if (!byName.has(key)) byName.set(key, modelFactsOfClass(name, summary.classes, 'workspace', [], this.relative(file), c && bound ? boundBy(c, bound) : undefined));
    const own = byName.get(key);
    const answer = this.withUsedFacts(file, summary, name, hops, seen, visited, known, own);
    // (A class some of whose layers depend on `__init__`'s parameters: its lookups take the construction's values.)
    if (answer && c?.init) this.builtByArguments.add(answer);
    return answer;
  }

  /** The facts of classes of `file` whose layers depend on the values a construction passes (see `classLookup`). */
  private readonly builtByArguments = new WeakSet<ModelFacts>();

  /** `own` (class `name`'s facts) with those of the classes of other workspace files it uses (see `factsOf`). */
  private withUsedFacts(file: string, summary: FileSummary, name: string, hops: number, seen: Set<string>, visited: Set<string> | undefined, known: Map<string, string | undefined> | undefined, own: ModelFacts | undefined): ModelFacts | undefined {
    if (!own || this.notAModel(summary, name)) return undefined;
    const used: ModelFacts[] = [];
    for (const other of externalUsesOf(name, summary.classes)) {
      const facts = this.find(file, [other], hops + 1, seen, visited, known, this.classDefinitions);
      if (facts && !used.includes(facts)) used.push(facts);
    }
    if (used.length === 0) return own;
    const kept = this.withUsed.get(own);
    if (kept && kept.used.length === used.length && kept.used.every((f, i) => f === used[i])) return kept.facts;
    const merged: ModelFacts = {
      ...own,
      batchNorms: [...own.batchNorms, ...used.flatMap((f) => f.batchNorms)],
      otherModeDependent: [...own.otherModeDependent, ...used.flatMap((f) => f.otherModeDependent)],
      affineNorms: [...own.affineNorms, ...used.flatMap((f) => f.affineNorms)],
      frozenBatchNorm: own.frozenBatchNorm || used.some((f) => f.frozenBatchNorm),
    };
    // (A Keras model by the layers of the classes it uses, when its own say nothing: keras-hub's task classes.)
    const facts: ModelFacts = !merged.keras && kerasNormsOnly(merged) ? { ...merged, keras: true } : merged;
    this.withUsed.set(own, { used, facts });
    return facts;
  }

  /**
   * Whether a class is known not to be a model: neither it nor its bases in the file derive from
   * a module class (`nn.Module`, `keras.Model`, ... by name), and the bases it ends in are known
   * not to be models (`torch.utils.data.Dataset`, `object`, `Enum`, ... or none at all): a dataset,
   * a config object. Any other base (a workspace class, a library's model class) leaves it
   * possibly a model.
   */
  private notAModel(summary: FileSummary, name: string): boolean {
    if (isModuleClass(name, summary.classes)) return false;
    const seen = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const n = queue.pop() as string;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const b of summary.classes.get(n)?.bases ?? []) {
        if (summary.classes.has(b)) {
          queue.push(b);
          continue;
        }
        // The base as imported (`Dataset` of `from torch.utils.data import Dataset`), else as written.
        const [head = b, ...rest] = b.split('.');
        const entry = summary.imports.get(head);
        const qualified = entry ? [...(entry.module ? [entry.module] : []), ...(entry.name !== undefined ? [entry.name] : []), ...rest].join('.') : b;
        if (!NOT_MODEL_BASES.test(qualified)) return false;
      }
    }
    return true;
  }

  /** A class's facts merged with those of the other files' classes it uses (see `factsOf`), by its own facts. */
  private readonly withUsed = new WeakMap<ModelFacts, { readonly used: readonly ModelFacts[]; readonly facts: ModelFacts }>();

  private relative(file: string): string {
    const root = this.roots[0];
    const rel = root ? path.relative(path.resolve(root), path.resolve(file)) : path.basename(file);
    return (rel.startsWith('..') ? path.basename(file) : rel).split(path.sep).join('/');
  }

  /**
   * The lookup the training analysis of `file` uses for names it does not define. The files it
   * reads facts from are added to `visited` (the editor re-lints `file` when one of them changes).
   */
  lookupFor(file: string, visited?: Set<string>): ExternalClassLookup {
    return this.classLookup(file, visited, new Map(), new Map());
  }

  /**
   * A lookup of names of one file: each name's answer (`find`) memoised, with the modules found on
   * disk (`known`) and the files' stamps read once during the lint.
   */
  private lookup<T>(known: Map<string, string | undefined>, stamps: Map<string, string | undefined>, find: (dotted: string, known: Map<string, string | undefined>) => T | undefined): (dotted: string) => T | undefined {
    const memo = new Map<string, T | undefined>();
    return (dotted: string) => {
      if (memo.has(dotted)) return memo.get(dotted);
      let answer: T | undefined;
      const outer = this.lintStamps;
      const outerLint = this.lint;
      // (A lookup made while another runs, reading another file's functions for it, serves that
      // lint: the stamps and modules it found stand.)
      const lint = outerLint ?? { token: stamps, stamps, known };
      this.lintStamps = lint.stamps;
      this.lint = lint;
      try {
        answer = find(dotted, lint.known);
      } catch {
        answer = undefined;
      } finally {
        this.lintStamps = outer;
        this.lint = outerLint;
      }
      memo.set(dotted, answer);
      return answer;
    };
  }

  /**
   * The lookup an OpenMMLab config `file` reads its `_base_` files through: a path as written in
   * `_base_` (relative to the file's folder) gives that file's config merged with its own bases,
   * its values marked with its project-relative path. The files read are added to `visited`.
   */
  configBasesFor(file: string, visited?: Set<string>): ConfigBaseLookup {
    const stamps = new Map<string, string | undefined>();
    const lookup = (from: string, depth: number, seen: ReadonlySet<string>): ConfigBaseLookup => (written) => {
      // (`mmdet::_base_/...` names a file of an installed package: not in view.)
      if (depth > MAX_BASE_DEPTH || written.includes('::') || !written.endsWith('.py')) return undefined;
      const target = path.resolve(path.dirname(path.resolve(from)), written);
      if (seen.has(target)) return undefined;
      const outer = this.lintStamps;
      this.lintStamps = stamps;
      try {
        const own = this.configOf(target);
        if (!own) return undefined;
        visited?.add(target);
        const next = new Set(seen).add(target);
        return inFile(withBases(own, lookup(target, depth + 1, next)), this.relative(target));
      } catch {
        return undefined;
      } finally {
        this.lintStamps = outer;
      }
    };
    return lookup(file, 0, new Set([path.resolve(file)]));
  }

  /** The analysis options of `file`'s lint: imported classes' facts, what imported functions do, and `_base_` configs from the workspace. */
  analysisFor(file: string, visited?: Set<string>): AnalysisOptions {
    // (One table of modules found and of stamps for both lookups: a file is stat-ed once per lint.)
    const known = new Map<string, string | undefined>();
    const stamps = new Map<string, string | undefined>();
    return {
      external: this.classLookup(file, visited, known, stamps),
      importedFunctions: this.lookup(known, stamps, (dotted, k) => this.importedFunction(file, dotted, visited, k)),
      configBases: this.configBasesFor(file, visited),
    };
  }

  /** A file's own config (see `configOfText`), read again when its text or stamp changes. */
  private configOf(file: string): ConfigModule | undefined {
    return this.readThrough(file, this.configs, configOfText);
  }
}

/** The nearest folder above `start` holding pyproject.toml, setup.py, setup.cfg or .git; else `start`. */
export function projectRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (['pyproject.toml', 'setup.py', 'setup.cfg', '.git'].some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(start);
    dir = up;
  }
}
