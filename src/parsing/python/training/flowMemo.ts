/**
 * Flow summaries kept across the analyses of an open document.
 *
 * The mode analysis summarises every function of the file (`ModeAnalysis.summary`), and the
 * training IR reads what each function's assignments bind (`FunctionBindings`). In an open
 * document most functions are unchanged after an edit, and so are these, as long as nothing they
 * read changed. The summaries and bindings of the functions of one top-level statement form a
 * `FlowGroup`, kept in the document's `StatementMemo` (kind `flow`) with the `Fn`s they are
 * about. The next analysis uses a kept group again when all of these hold:
 *
 * - the memo still has it: the statement is unchanged, mentions no name a changed statement
 *   defines (transitively), and the statements holding its spans did not change rows (the memo
 *   moves its spans' offsets);
 * - the file's imports are the same (qualified names decide launchers, no-grad decorators...);
 * - the file-wide facts the analysis reads besides names are the same (`inputs`: the roots
 *   switched with `.train()`/`.eval()`, optimizer variables, accelerators, whether other files
 *   are asked at all);
 * - every group whose summaries it applied is itself used again (a callee's summary changed);
 * - it is `reusable`: no cycle of calls through other functions (whose summaries depend on
 *   which was asked first), and no facts from another file (their spans are not this file's);
 * - every answer of another file it read (`FlowGroup.external`: the workspace index can change
 *   without this document changing) is the same when asked again.
 *
 * The module's own code is interpreted statement by statement; a module-level statement's flow
 * (kind `moduleFlow`: the state after it, its events, its own group) is used again under the same
 * conditions, when the state before it is also the same as last time. What a module-level
 * statement's assignments bind (kind `moduleBindings`: the writes to the module's bindings) is
 * done again under the same conditions too, when nothing tainted its binding. One-off analyses
 * (no memo) keep nothing: one group for every function.
 */
import type { ModeOrigin } from '../../../ir/training';
import type { Span } from '../../../ir/span';
import { spansIn, type StatementMemo } from '../statementMemo';
import { NodeCache, SyntaxNode } from '../syntaxTree';
import { FlowGroup, nextAnalysisNumber, type BindingWrite, type FlowStore, type Fn, type FunctionBindings, type StatementFlow } from './flow';
import type { ExternalClassLookup } from './index';
import type { ImportedFunctionLookup } from './importedFunctions';
import { State } from './state';

/** The module as a function: its body is the file, so it is re-pointed at each analysis's tree. */
export class ModuleFn implements Fn {
  readonly name = '<module>';
  readonly key = '<module>';
  readonly statement = undefined;
  readonly params: readonly string[] = [];
  readonly cls = undefined;
  readonly isModule = true;
  readonly noGradDecorator = undefined;
  readonly parent = undefined;
  body: SyntaxNode;

  constructor(
    public node: SyntaxNode,
    private readonly assignedNames: (body: SyntaxNode) => ReadonlySet<string>,
  ) {
    this.body = node;
  }

  /** Names assigned at module level (read only when asked: no rule asks it of the module). */
  get locals(): ReadonlySet<string> {
    return this.assignedNames(this.body);
  }
}

/** What a document keeps from one analysis to the next. */
interface Kept {
  readonly importsKey: string;
  inputs: string | undefined;
  readonly moduleFn: ModuleFn;
  /** The origin table every kept group's facts index into (it only grows; see MAX_ORIGINS). */
  readonly origins: ModeOrigin[];
  /** Statements whose group the last analysis used again, and those it summarised anew (for tests and logs). */
  reused: number;
  computed: number;
  /** Module-level statements whose flow the last analysis used again, and those it interpreted. */
  statementsReused: number;
  statementsComputed: number;
  /** Module-level statements whose binding writes the last analysis did again, and those it bound anew. */
  bindingsReused: number;
  bindingsComputed: number;
  /** The keeper's lists of statements (see `FlowKeeper.statementNodes`), handed from one analysis to the next: no new arrays per edit. */
  readonly lists: StatementLists;
  /** Whether an analysis is using `lists` (from its keeper's construction to its `end`): another one then makes its own. */
  listsInUse: boolean;
  /** The module's bindings as the last analysis made them (see `FlowKeeper.lastModuleBindings`). */
  moduleBindings: ModuleBindings | undefined;
}

/**
 * The module's bindings an analysis made in an open document, with what they were made from:
 * the module-level statements with assignments (the pass's list, the same object while none of
 * them changed) and each one's writes (those kept in the memo are the same objects when kept).
 * The maps are never written again: an analysis whose statements do the same writes shares them.
 */
export interface ModuleBindings {
  readonly statements: readonly SyntaxNode[];
  readonly writes: readonly (readonly BindingWrite[] | undefined)[];
  readonly bindings: FunctionBindings;
}

/** The statements with functions, in document order, their functions, and the flow kept for each (if any): the first `count` entries. */
interface StatementLists {
  readonly nodes: SyntaxNode[];
  readonly fns: (readonly Fn[])[];
  readonly previous: (FunctionsFlow | undefined)[];
  /** A scratch list for the analysis using the lists (see `FlowKeeper.scratch`). */
  readonly scratch: unknown[];
}

function statementLists(): StatementLists {
  return { nodes: [], fns: [], previous: [], scratch: [] };
}

/** A statement's functions and their group, as kept in the memo. */
interface FunctionsFlow {
  readonly kept: Kept;
  readonly fns: readonly Fn[];
  readonly group: FlowGroup;
}

/** The memo entry: the spans of the kept results (the memo moves them), the rest out of its sight. */
interface Entry {
  readonly spans: Span[];
  readonly flow: FunctionsFlow;
}

/** What a module-level statement's assignments bound, as kept in the memo (kind `moduleBindings`). */
interface BindingsEntry {
  readonly spans: Span[];
  readonly kept: Kept;
  readonly inputs: string | undefined;
  readonly writes: readonly BindingWrite[];
  /** Its computation's own group: what it used, whether anything tainted it. */
  readonly group: FlowGroup;
}

/** A module-level statement's flow, as kept in the memo. */
interface ModuleEntry {
  readonly spans: Span[];
  readonly kept: Kept;
  readonly flow: StatementFlow;
}

const KEPT = new WeakMap<StatementMemo, Kept>();

/** How many statements' flow summaries the last analysis of a document used again, and how many it computed. */
/** How many module-level statements' bindings the last analysis of a document did again from what it kept, and how many it bound anew. */
export function bindingsReuse(memo: StatementMemo): { reused: number; computed: number } | undefined {
  const kept = KEPT.get(memo);
  return kept ? { reused: kept.bindingsReused, computed: kept.bindingsComputed } : undefined;
}

export function flowReuse(memo: StatementMemo): { reused: number; computed: number; statements: { reused: number; computed: number } } | undefined {
  const kept = KEPT.get(memo);
  return kept ? { reused: kept.reused, computed: kept.computed, statements: { reused: kept.statementsReused, computed: kept.statementsComputed } } : undefined;
}

/** Past this many origins (a long editing session), the document starts over with a new table. */
const MAX_ORIGINS = 50_000;

/**
 * The group a top-level statement has in an analysis, kept on the statement node with the keeper
 * of that analysis (a slot on the node: no map per analysis). A slot of another keeper is stale.
 */
const GROUP_KEEPER = new NodeCache<FlowKeeper>();
const GROUP = new NodeCache<FlowGroup>();

export class FlowKeeper implements FlowStore {
  readonly moduleFn: ModuleFn;
  readonly origins: ModeOrigin[];
  private readonly kept: Kept | undefined;
  /** This analysis's number: the groups it uses again are marked with it (`FlowGroup.reusedIn`). */
  private readonly number = nextAnalysisNumber();
  /** The statements with functions, in document order, their functions, and the flow kept for each (if any): the first `count` entries. */
  private readonly statementNodes: SyntaxNode[];
  private readonly statementFns: (readonly Fn[])[];
  private readonly previousFlows: (FunctionsFlow | undefined)[];
  /**
   * A list the analysis may use for its own per-statement values while it runs (handed from one
   * analysis to the next like the statement lists: no new array per edit). Cleared at `end` (its length stays).
   */
  readonly scratch: unknown[];
  private count = 0;
  /** Module-level statements' flows made in this analysis, to keep. */
  private readonly moduleFlows = new Map<SyntaxNode, StatementFlow>();
  /** Whether the file-wide facts are those of the last analysis (nothing kept is used otherwise). */
  private sameInputs = false;
  /** Asks other files again (see `holds`). */
  private external: ExternalClassLookup | undefined;
  private importedFunctions: ImportedFunctionLookup | undefined;
  private statementsReused = 0;
  private bindingsReused = 0;
  private bindingsComputed = 0;
  /** How many statements' groups this analysis uses again. */
  private reusedGroups = 0;
  /** The module's group, and every function's when nothing is kept. */
  private readonly shared = new FlowGroup();
  private begun = false;

  constructor(
    private readonly memo: StatementMemo | undefined,
    root: SyntaxNode,
    importsKey: string,
    assignedNames: (body: SyntaxNode) => ReadonlySet<string>,
  ) {
    let kept = memo ? KEPT.get(memo) : undefined;
    if (memo && (!kept || kept.importsKey !== importsKey || kept.origins.length > MAX_ORIGINS)) {
      kept = { importsKey, inputs: undefined, moduleFn: new ModuleFn(root, assignedNames), origins: [], reused: 0, computed: 0, statementsReused: 0, statementsComputed: 0, bindingsReused: 0, bindingsComputed: 0, lists: statementLists(), listsInUse: false, moduleBindings: undefined };
      KEPT.set(memo, kept);
    }
    this.kept = kept;
    if (kept) {
      kept.moduleFn.node = root;
      kept.moduleFn.body = root;
    }
    this.moduleFn = kept?.moduleFn ?? new ModuleFn(root, assignedNames);
    this.origins = kept?.origins ?? [];
    const lists = kept && !kept.listsInUse ? kept.lists : statementLists();
    if (kept) kept.listsInUse = true;
    this.statementNodes = lists.nodes;
    this.statementFns = lists.fns;
    this.previousFlows = lists.previous;
    this.scratch = lists.scratch;
  }

  /** How many top-level statements have functions (`functions` and `made` were called for). */
  get statementCount(): number {
    return this.count;
  }

  /** The functions of the `i`th of them. */
  functionsAt(i: number): readonly Fn[] {
    return this.statementFns[i];
  }

  /** Whether this analysis keeps anything for the next (an open document's). */
  get keeps(): boolean {
    return this.kept !== undefined;
  }

  /**
   * A top-level statement's functions as the last analysis made them, when they still stand (the
   * same objects: their summaries may be kept); then they are recorded. Undefined otherwise: the
   * caller makes them and records them with `made`. Call it for each statement with function
   * definitions, in document order.
   */
  functions(statement: SyntaxNode): readonly Fn[] | undefined {
    const previous = this.previous(statement);
    if (!previous) return undefined;
    this.record(statement, previous.fns, previous);
    return previous.fns;
  }

  /** Records a statement's functions made anew (`functions` had none). */
  made(statement: SyntaxNode, fns: readonly Fn[]): void {
    this.record(statement, fns, undefined);
  }

  private record(statement: SyntaxNode, fns: readonly Fn[], previous: FunctionsFlow | undefined): void {
    if (fns.length === 0) return;
    const i = this.count++;
    if (i < this.statementNodes.length) {
      this.statementNodes[i] = statement;
      this.statementFns[i] = fns;
      this.previousFlows[i] = previous;
    } else {
      this.statementNodes.push(statement);
      this.statementFns.push(fns);
      this.previousFlows.push(previous);
    }
  }

  /**
   * Decides which kept groups this analysis uses again, given the file-wide facts the summaries
   * read besides names (`inputs`). Call once, after the pre-pass and before any summary.
   */
  begin(inputs: string, external?: ExternalClassLookup, importedFunctions?: ImportedFunctionLookup): void {
    this.begun = true;
    this.external = external;
    this.importedFunctions = importedFunctions;
    const kept = this.kept;
    if (!kept) return;
    const sameInputs = kept.inputs === inputs;
    kept.inputs = inputs;
    this.sameInputs = sameInputs;
    if (!sameInputs) return;
    // The candidates (marked with this analysis's number): the reusable kept groups whose other
    // files answer as they did.
    const number = this.number;
    const previous = this.previousFlows;
    /** The candidates that used other groups (most use none: only these can cease to be candidates). */
    const using: FlowGroup[] = [];
    for (let i = 0; i < this.count; i++) {
      const group = previous[i]?.group;
      if (!group?.reusable || !this.holds(group)) continue;
      group.reusedIn = number;
      if (group.usedList.length > 0) using.push(group);
    }
    // A group is used again only if every group it applied summaries of is too.
    for (let changed = true; changed; ) {
      changed = false;
      for (let i = 0; i < using.length; i++) {
        const group = using[i];
        if (group.reusedIn !== number) continue;
        const used = group.usedList;
        for (let j = 0; j < used.length; j++) {
          if (used[j].reusedIn === number) continue;
          group.reusedIn = 0;
          changed = true;
          break;
        }
      }
    }
    for (let i = 0; i < this.count; i++) {
      const group = previous[i]?.group;
      if (group?.reusedIn !== number) continue;
      this.setGroup(this.statementNodes[i], group);
      this.reusedGroups++;
    }
  }

  /** Whether this analysis uses `group` again (a kept group whose inputs did not change). */
  private reuses(group: FlowGroup): boolean {
    return group.reusedIn === this.number;
  }

  /** Whether every group in `used` is used again. */
  private reusesAll(used: readonly FlowGroup[]): boolean {
    for (let i = 0; i < used.length; i++) if (!this.reuses(used[i])) return false;
    return true;
  }

  private setGroup(statement: SyntaxNode, group: FlowGroup): void {
    GROUP_KEEPER.set(statement, this);
    GROUP.set(statement, group);
  }

  /** The group of a statement in this analysis, if it has one yet. */
  private groupAt(statement: SyntaxNode): FlowGroup | undefined {
    return GROUP_KEEPER.get(statement) === this ? GROUP.get(statement) : undefined;
  }

  keptStatement(statement: SyntaxNode, state: State): StatementFlow | undefined {
    if (!this.kept || !this.sameInputs) return undefined;
    const entry = this.memo?.peek<ModuleEntry>(statement, 'moduleFlow');
    const flow = entry?.kept === this.kept ? entry.flow : undefined;
    if (!flow?.group.reusable || !this.holds(flow.group) || !this.reusesAll(flow.group.usedList)) return undefined;
    if (!flow.input.equals(state)) return undefined;
    this.statementsReused++;
    return flow;
  }

  keepStatement(statement: SyntaxNode, flow: StatementFlow): void {
    // A training step at module level trains the models called anywhere in the module's code
    // (`trainedModels` of the module reads every module-level statement), not only in this
    // statement: its flow is interpreted again at every analysis.
    if (this.kept && !flow.events.some((e) => e.kind === 'step')) this.moduleFlows.set(statement, flow);
  }

  /**
   * What a module-level statement's assignments bound at the last analysis, when it may be bound
   * again the same way: the statement and the names it mentions are unchanged (the memo), so are
   * the imports and the file-wide facts, and every group its binding used is used again. (What
   * it read of the module's bindings made by earlier statements is under names it mentions.)
   */
  keptBindings(statement: SyntaxNode): readonly BindingWrite[] | undefined {
    if (!this.kept || !this.sameInputs) return undefined;
    const entry = this.memo?.peek<BindingsEntry>(statement, 'moduleBindings');
    if (!entry || entry.kept !== this.kept || entry.inputs !== this.kept.inputs || !this.holds(entry.group)) return undefined;
    if (!this.reusesAll(entry.group.usedList)) return undefined;
    this.bindingsReused++;
    return entry.writes;
  }

  /**
   * The module's bindings the last analysis made (undefined when none were kept, or the imports
   * changed since). They hold for this analysis when it binds the same statements with the same
   * kept writes (`keptBindings`), in order.
   */
  get lastModuleBindings(): ModuleBindings | undefined {
    return this.kept?.moduleBindings;
  }

  /** Keeps the module's bindings this analysis made for the next one (see `lastModuleBindings`). */
  keepModuleBindings(made: ModuleBindings): void {
    if (this.kept) this.kept.moduleBindings = made;
  }

  /** Offers a module-level statement's binding writes, computed in `group`, to the next analysis. */
  keepBindings(statement: SyntaxNode, writes: readonly BindingWrite[], group: FlowGroup, foreign: (value: object) => boolean): void {
    const memo = this.memo;
    const kept = this.kept;
    this.bindingsComputed++;
    if (!memo || !kept || !group.reusable) return;
    const collected = collectSpans({ fns: [], events: writes }, kept.origins, foreign);
    if (collected.foreign) return;
    const entry: BindingsEntry = { spans: collected.spans, kept, inputs: kept.inputs, writes, group };
    for (const k of ['kept', 'inputs', 'writes', 'group']) Object.defineProperty(entry, k, { enumerable: false });
    memo.put(statement, 'moduleBindings', entry);
  }

  /** Whether every other file `group` read answers the same now (the same object: see the workspace index). */
  private holds(group: FlowGroup): boolean {
    if (group.external.length === 0) return true;
    const external = this.external;
    const functions = this.importedFunctions;
    return group.external.every((a) => {
      if (a.kind === 'function') return functions !== undefined && functions(a.localName, a.qualified) === a.answer;
      return external !== undefined && external(a.localName, a.qualified, a.args) === a.answer;
    });
  }

  isShared(group: FlowGroup): boolean {
    return group === this.shared;
  }

  /**
   * The group of the `i`th top-level statement with functions (in the order `functions` and `made`
   * were called) when this analysis uses it again whole (its summaries are those of the last
   * analysis), else undefined. (By position: cheaper than by statement, asked of every statement.)
   */
  reusedGroupAt(i: number): FlowGroup | undefined {
    const group = i < this.count ? this.previousFlows[i]?.group : undefined;
    return group && this.reuses(group) ? group : undefined;
  }

  groupOf(fn: Fn): FlowGroup {
    const statement = this.kept && this.begun ? fn.statement : undefined;
    if (!statement) return this.shared;
    let group = this.groupAt(statement);
    if (!group) this.setGroup(statement, (group = new FlowGroup()));
    return group;
  }

  /**
   * Keeps this analysis's new groups in the memo for the next one. `foreign` tells objects that
   * come from another file (their spans are not this file's): a group holding one is not kept.
   */
  end(foreign: (value: object) => boolean): void {
    const memo = this.memo;
    const kept = this.kept;
    if (!memo || !kept) return;
    this.scratch.fill(undefined);
    if (this.statementNodes === kept.lists.nodes) kept.listsInUse = false;
    kept.reused = this.reusedGroups;
    kept.computed = this.count - this.reusedGroups;
    kept.statementsReused = this.statementsReused;
    kept.statementsComputed = this.moduleFlows.size;
    kept.bindingsReused = this.bindingsReused;
    kept.bindingsComputed = this.bindingsComputed;
    for (let i = 0; i < this.count; i++) {
      // (A group used again is the one kept at its place: nothing to look up on the statement.)
      const previous = this.previousFlows[i]?.group;
      if (previous && this.reuses(previous)) continue;
      const statement = this.statementNodes[i];
      const fns = this.statementFns[i];
      let group = this.groupAt(statement);
      if (group && this.reuses(group)) continue;
      if (!group) {
        // (Every function is summarised in `build`; a statement without a group is not kept.)
        group = new FlowGroup();
        group.reusable = false;
      }
      const flow: FunctionsFlow = { kept, fns, group };
      const collected = collectSpans(flow, kept.origins, foreign);
      if (collected.foreign) group.reusable = false;
      // An unusable group still keeps its functions (their spans only), so the Fns stay the same objects.
      const spans = group.reusable ? collected.spans : collectSpans({ fns }, kept.origins, foreign).spans;
      const entry: Entry = { spans, flow };
      // The flow is out of the memo's sight: it only moves the spans listed.
      Object.defineProperty(entry, 'flow', { enumerable: false });
      memo.put(statement, 'flow', entry);
    }
    for (const [statement, flow] of this.moduleFlows) {
      const collected = collectSpans({ fns: [], group: flow.group, events: flow.events, returns: flow.returns }, kept.origins, foreign);
      if (collected.foreign || !flow.group.reusable) continue;
      const entry: ModuleEntry = { spans: collected.spans, kept, flow };
      Object.defineProperty(entry, 'kept', { enumerable: false });
      Object.defineProperty(entry, 'flow', { enumerable: false });
      memo.put(statement, 'moduleFlow', entry);
    }
  }

  private previous(statement: SyntaxNode): FunctionsFlow | undefined {
    const flow = this.kept ? this.memo?.peek<Entry>(statement, 'flow')?.flow : undefined;
    return flow?.kept === this.kept ? flow : undefined;
  }
}

/**
 * The spans a statement's flow holds: in its summaries' events, facts and switches, in its
 * functions (no-grad decorators) and in the origins its facts index. Syntax nodes, abstract
 * states (no spans) and other groups (kept with their own statements) are not entered.
 */
function collectSpans(flow: { fns: readonly Fn[]; group?: FlowGroup; events?: unknown; returns?: unknown }, origins: readonly ModeOrigin[], foreign: (value: object) => boolean): { spans: Span[]; foreign: boolean } {
  let isForeign = false;
  const skip = (v: object): boolean => {
    if (v instanceof SyntaxNode || v instanceof State || v instanceof ModuleFn || v instanceof FlowGroup) return true;
    if (foreign(v)) isForeign = true;
    return false;
  };
  const group = flow.group;
  const roots: unknown[] = [flow.fns, flow.events, flow.returns];
  if (group) roots.push(group.summaries, group.bindings, group.switches, group.noGradRegions, group.freezeCalls, [...group.origins].map((i) => origins[i]));
  const spans = spansIn(roots, skip);
  return { spans, foreign: isForeign };
}
