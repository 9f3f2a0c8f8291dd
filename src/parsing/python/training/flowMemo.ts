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
 *   which was asked first), and no facts from another file (the workspace index can change
 *   without this document changing, and their spans are not this file's).
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
import { SyntaxNode } from '../syntaxTree';
import { FlowGroup, type BindingWrite, type FlowStore, type Fn, type StatementFlow } from './flow';
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

export class FlowKeeper implements FlowStore {
  readonly moduleFn: ModuleFn;
  readonly origins: ModeOrigin[];
  private readonly kept: Kept | undefined;
  /** Each statement's functions, and the flow kept for it (if any), in document order. */
  private readonly statements = new Map<SyntaxNode, { fns: readonly Fn[]; previous: FunctionsFlow | undefined }>();
  /** Module-level statements' flows made in this analysis, to keep. */
  private readonly moduleFlows = new Map<SyntaxNode, StatementFlow>();
  /** Whether the file-wide facts are those of the last analysis (nothing kept is used otherwise). */
  private sameInputs = false;
  private statementsReused = 0;
  private bindingsReused = 0;
  private bindingsComputed = 0;
  /** The group of each statement in this analysis (kept or new). */
  private readonly groups = new Map<SyntaxNode, FlowGroup>();
  private readonly reused = new Set<FlowGroup>();
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
      kept = { importsKey, inputs: undefined, moduleFn: new ModuleFn(root, assignedNames), origins: [], reused: 0, computed: 0, statementsReused: 0, statementsComputed: 0, bindingsReused: 0, bindingsComputed: 0 };
      KEPT.set(memo, kept);
    }
    this.kept = kept;
    if (kept) {
      kept.moduleFn.node = root;
      kept.moduleFn.body = root;
    }
    this.moduleFn = kept?.moduleFn ?? new ModuleFn(root, assignedNames);
    this.origins = kept?.origins ?? [];
  }

  /** Whether this analysis keeps anything for the next (an open document's). */
  get keeps(): boolean {
    return this.kept !== undefined;
  }

  /**
   * A top-level statement's functions: those it had at the last analysis when they still stand
   * (the same objects: their summaries may be kept), else those `make` makes. Recorded in
   * document order (call it for each statement with function definitions, in order).
   */
  functions(statement: SyntaxNode, make: () => readonly Fn[]): readonly Fn[] {
    const previous = this.previous(statement);
    const fns = previous?.fns ?? make();
    if (fns.length > 0) this.statements.set(statement, { fns, previous });
    return fns;
  }

  /**
   * Decides which kept groups this analysis uses again, given the file-wide facts the summaries
   * read besides names (`inputs`). Call once, after the pre-pass and before any summary.
   */
  begin(inputs: string): void {
    this.begun = true;
    const kept = this.kept;
    if (!kept) return;
    const sameInputs = kept.inputs === inputs;
    kept.inputs = inputs;
    this.sameInputs = sameInputs;
    if (!sameInputs) return;
    const candidates = new Map<SyntaxNode, FlowGroup>();
    const home = new Map<FlowGroup, SyntaxNode>();
    for (const [statement, s] of this.statements) {
      if (s.previous?.group.reusable) {
        candidates.set(statement, s.previous.group);
        home.set(s.previous.group, statement);
      }
    }
    // A group is used again only if every group it applied summaries of is too.
    for (let changed = true; changed; ) {
      changed = false;
      for (const [statement, group] of candidates) {
        for (const used of group.uses) {
          if (home.has(used)) continue;
          candidates.delete(statement);
          home.delete(group);
          changed = true;
          break;
        }
      }
    }
    for (const [statement, group] of candidates) {
      this.groups.set(statement, group);
      this.reused.add(group);
    }
  }

  keptStatement(statement: SyntaxNode, state: State): StatementFlow | undefined {
    if (!this.kept || !this.sameInputs) return undefined;
    const entry = this.memo?.peek<ModuleEntry>(statement, 'moduleFlow');
    const flow = entry?.kept === this.kept ? entry.flow : undefined;
    if (!flow?.group.reusable) return undefined;
    for (const g of flow.group.uses) if (!this.reused.has(g)) return undefined;
    if (!flow.input.equals(state)) return undefined;
    this.statementsReused++;
    return flow;
  }

  keepStatement(statement: SyntaxNode, flow: StatementFlow): void {
    if (this.kept) this.moduleFlows.set(statement, flow);
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
    if (!entry || entry.kept !== this.kept || entry.inputs !== this.kept.inputs) return undefined;
    for (const g of entry.group.uses) if (!this.reused.has(g)) return undefined;
    this.bindingsReused++;
    return entry.writes;
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

  isShared(group: FlowGroup): boolean {
    return group === this.shared;
  }

  groupOf(fn: Fn): FlowGroup {
    const statement = this.kept && this.begun ? fn.statement : undefined;
    if (!statement) return this.shared;
    let group = this.groups.get(statement);
    if (!group) this.groups.set(statement, (group = new FlowGroup()));
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
    kept.reused = this.reused.size;
    kept.computed = this.statements.size - this.reused.size;
    kept.statementsReused = this.statementsReused;
    kept.statementsComputed = this.moduleFlows.size;
    kept.bindingsReused = this.bindingsReused;
    kept.bindingsComputed = this.bindingsComputed;
    for (const [statement, s] of this.statements) {
      let group = this.groups.get(statement);
      if (group && this.reused.has(group)) continue;
      if (!group) {
        // (Every function is summarised in `build`; a statement without a group is not kept.)
        group = new FlowGroup();
        group.reusable = false;
      }
      const flow: FunctionsFlow = { kept, fns: s.fns, group };
      const collected = collectSpans(flow, kept.origins, foreign);
      if (collected.foreign) group.reusable = false;
      // An unusable group still keeps its functions (their spans only), so the Fns stay the same objects.
      const spans = group.reusable ? collected.spans : collectSpans({ fns: s.fns }, kept.origins, foreign).spans;
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
  if (group) roots.push(group.summaries, group.bindings, group.switches, group.noGradRegions, [...group.origins].map((i) => origins[i]));
  const spans = spansIn(roots, skip);
  return { spans, foreign: isForeign };
}
