/**
 * What a top-level function of one workspace file does to the models its caller passes it, in a
 * form another file's analysis can apply at a call (`from engine import evaluate`, then
 * `evaluate(model, val_loader)`): the mode each parameter is left in, the inference runs and
 * exports it makes on them in a mode that may be the caller's (those in a mode it set itself are
 * its own file's findings), and its training steps, with the modes there. Plain data, with no syntax nodes and no positions of the other
 * file but the lines its texts cite: the workspace index keeps one per function while the file is
 * unchanged, and the caller's findings land on the call.
 */
import type { LayerFact, ModelFacts, ModeOrigin } from '../../../ir/training';
import type { CalleeFreeze, FlowEvent, Fn, Summary } from './flow';
import type { State, Val } from './state';
import { rootOf } from './util';

/** One possibility for a key: its mode on entry (`entry`, the caller's), or a mode the function set. */
export interface ImportedFact {
  readonly mode: 'entry' | 'train' | 'eval' | 'unknown';
  /** For `entry`: the key whose value on entry it is (a parameter, or a key under one). */
  readonly key?: string;
  /** For a set mode: what set it, with the place in the other file (`model.eval() at engine.py:14`). */
  readonly description?: string;
}

/** A key (under a parameter) and the modes it may be in. */
export interface ImportedKey {
  readonly key: string;
  readonly facts: readonly ImportedFact[];
}

export interface ImportedEvent {
  readonly kind: FlowEvent['kind'];
  readonly step?: FlowEvent['step'];
  /** The call there (`model(...)`, `optimizer.step()`). */
  readonly detail: string;
  /** 1-based line of the site in the other file. */
  readonly line: number;
  /** The model the site runs, under a parameter (`model`, `model.module`), or '' (a step). */
  readonly key: string;
  /** For steps: the models the step trains, under parameters. */
  readonly trainedKeys: readonly string[];
  /** The loader whose loop holds the site, when it is a parameter. */
  readonly loaderKey?: string;
  /** The modes of the keys the site reads (its model's, trained models' and their BatchNorms'). */
  readonly state: readonly ImportedKey[];
  readonly reason?: string;
  readonly weakReason?: boolean;
  /** The no-grad region around the site there (`torch.no_grad()`, `@torch.no_grad()`), if any. */
  readonly noGrad?: string;
  readonly resultDropped?: boolean;
  readonly inUnitTest: boolean;
  /** For a method of a holder class: the facts of the model it runs when the class built it (`self.model = Net()` in `__init__`), as another file's. */
  readonly facts?: ModelFacts;
}

/** A model a factory of the other file returns (`def build_model(args): return ResNet18()`), as the caller gets it. */
export interface ImportedReturn {
  /** Its facts, as those of another file (evidence `workspace`, layers marked with the file). */
  readonly facts: ModelFacts;
  /** `eval` when every path returns it in eval mode (a loader calling `model.eval()`), else `train`. */
  readonly mode: 'train' | 'eval';
  /** For `eval`: what set it there (`model.eval() at utils.py:12`). */
  readonly description?: string;
}

export interface ImportedFunction {
  readonly name: string;
  /** The file, relative to the project root (`engine.py`, `utils/train.py`). */
  readonly file: string;
  /** 1-based line of the definition. */
  readonly line: number;
  readonly params: readonly string[];
  /**
   * The parameters its file's analysis follows as models (by name or use: `model`, a `net` it
   * calls `.eval()` on). What it does with the others is not known: a model passed as one of them
   * may leave in any mode.
   */
  readonly modelParams: readonly string[];
  /** The names the function assigns (its locals: events about them are not the caller's). */
  readonly locals: readonly string[];
  /** The modes of keys under parameters on exit (keys it changed). */
  readonly exit: readonly ImportedKey[];
  readonly events: readonly ImportedEvent[];
  /** The model it returns, when it builds one (a factory). */
  readonly returns?: ImportedReturn;
  /** The models at the places of a tuple it returns (`return net, name`), by place. */
  readonly returnsAt?: readonly (ImportedReturn | undefined)[];
  /**
   * For a method of a holder class of the other file (`Trainer.fit`, see `HeldObjects`): its
   * class. Its keys under `self` are the instance's attributes.
   */
  readonly cls?: string;
  /** For a holder class's `__init__`: the `self.` attributes it sets to a parameter, with that parameter (`['model', 'model']` for `self.model = model`). */
  readonly attributes?: readonly (readonly [string, string])[];
  /** The parameters it freezes of what it is given (`for p in model.parameters(): p.requires_grad = False`). */
  readonly freezes?: readonly CalleeFreeze[];
}

/** What a function returns, as its file's analysis knows it: the whole value's facts, and those of each place of a tuple. */
export interface Returned {
  readonly facts: ModelFacts | undefined;
  readonly at: readonly (ModelFacts | undefined)[];
}

/** The other file's answer for a function a file calls but does not define (`evaluate`, `engine.evaluate`). */
export type ImportedFunctionLookup = (localName: string, qualified: string | undefined) => ImportedFunction | undefined;

/** Events kept per function: a caller applies them all at each call. */
const MAX_IMPORTED_EVENTS = 40;

/**
 * `fn`'s summary as another file applies it. `origins`: the analysis' origin table the summary's
 * facts index; `text`: the file's text (for the no-grad regions' texts); `file`: its name as
 * messages show it; `isModel`: whether the analysis follows a parameter as a model; `returned`:
 * the models it returns.
 */
export function importedFunction(
  fn: Fn,
  summary: Summary,
  origins: readonly ModeOrigin[],
  text: string,
  file: string,
  isModel: (param: string) => boolean,
  returned: Returned,
  holder?: { readonly attributes: ReadonlyMap<string, string> | undefined; readonly factsOf: (key: string) => ModelFacts | undefined },
  rebound: ReadonlySet<string> = new Set(),
  freezes: readonly CalleeFreeze[] = [],
): ImportedFunction {
  // (A parameter it binds to a new model, `model = copy.deepcopy(model)`, is not the caller's after: nothing about it is.)
  const params = new Set(fn.params.filter((p) => !rebound.has(p)));
  const underParam = (key: string) => key !== '' && params.has(rootOf(key));
  const describe = (v: Val): ImportedFact[] => {
    const out: ImportedFact[] = [];
    for (const f of v.values()) {
      // (An alias fact names another key: `State.lookup` reads that key's facts instead, so none is left here.)
      if (f.mode === 'alias') continue;
      if (f.mode === 'entry') {
        if (!out.some((x) => x.mode === 'entry' && x.key === f.key)) out.push({ mode: 'entry', key: f.key });
        continue;
      }
      const o = origins[f.origin];
      const description = o ? `${o.description} at ${file}:${(o.at ?? o.span).start.line + 1}${o.detail ? ` ${o.detail}` : ''}` : `a call in ${fn.name}() (${file})`;
      if (!out.some((x) => x.mode === f.mode && x.description === description)) out.push({ mode: f.mode, description });
    }
    return out;
  };
  const keysOf = (state: State, wanted: readonly string[]): ImportedKey[] => {
    const keys = new Set<string>();
    for (const k of state.keys()) if (underParam(k)) keys.add(k);
    for (const k of wanted) if (underParam(k)) keys.add(k).add(`${k}.[BatchNorm]`);
    return [...keys].map((key) => ({ key, facts: describe(state.lookup(key)) }));
  };
  const events: ImportedEvent[] = [];
  for (const e of summary.events) {
    if (events.length >= MAX_IMPORTED_EVENTS) break;
    const trainedKeys = e.trainedKeys.filter(underParam);
    if (e.kind === 'step' ? trainedKeys.length === 0 : !underParam(e.key)) continue;
    // An inference run or export in a mode the function set itself is its own file's finding (or
    // not one: a recalibration pass, a mode chosen by a flag), whoever calls it. (A training step
    // stays: it links the caller's loader to its model, and the caller's frozen layers to the step.)
    if (e.kind !== 'step' && !dependsOnCaller(e.state.lookup(e.key))) continue;
    const noGrad = e.noGrad ? text.slice(e.noGrad.startOffset, e.noGrad.endOffset) : undefined;
    const facts = holder && e.kind !== 'step' && rootOf(e.key) === 'self' ? holder.factsOf(e.key) : undefined;
    events.push({
      kind: e.kind,
      ...(e.step ? { step: e.step } : {}),
      detail: e.detail,
      line: e.span.start.line + 1,
      key: underParam(e.key) ? e.key : '',
      trainedKeys,
      ...(e.loaderKey && underParam(e.loaderKey) ? { loaderKey: e.loaderKey } : {}),
      state: keysOf(e.state, [e.key, ...trainedKeys]),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.weakReason ? { weakReason: true } : {}),
      ...(noGrad !== undefined ? { noGrad: noGrad.startsWith('@') ? noGrad.slice(1) : noGrad } : {}),
      ...(e.resultDropped ? { resultDropped: true } : {}),
      inUnitTest: e.inUnitTest,
      ...(facts ? { facts: fromFile(facts, file) } : {}),
    });
  }
  return {
    name: fn.name,
    file,
    line: fn.node.startPosition.row + 1,
    params: fn.params,
    modelParams: fn.params.filter((p) => !(fn.cls !== undefined && p === 'self') && isModel(p)),
    locals: [...fn.locals],
    exit: summary.exit ? keysOf(summary.exit, []) : [],
    events,
    ...(returned.facts ? { returns: returnOf(returned.facts, summary.returns?.val, origins, file) } : {}),
    ...(returned.at.some((f) => f !== undefined) ? { returnsAt: returned.at.map((f) => (f ? returnOf(f, undefined, origins, file) : undefined)) } : {}),
    ...(fn.cls !== undefined ? { cls: fn.cls } : {}),
    ...(holder?.attributes ? { attributes: [...holder.attributes] } : {}),
    ...(freezes.length > 0 ? { freezes } : {}),
  };
}

/** A returned model's facts as the caller gets them, and its mode (`v`: the returned value's, when known). */
function returnOf(facts: ModelFacts, v: Val | undefined, origins: readonly ModeOrigin[], file: string): ImportedReturn {
  let evalOrigin: ModeOrigin | undefined;
  let allEval = v !== undefined && v.size > 0;
  for (const f of v?.values() ?? []) {
    if (f.mode !== 'eval') allEval = false;
    else evalOrigin ??= origins[f.origin];
  }
  const mode = allEval && evalOrigin ? 'eval' : 'train';
  return {
    facts: fromFile(facts, file),
    mode,
    ...(mode === 'eval' && evalOrigin ? { description: `${evalOrigin.description} at ${file}:${(evalOrigin.at ?? evalOrigin.span).start.line + 1}` } : {}),
  };
}

/** Facts made in `file`'s analysis as another file sees them: its own classes' are `workspace` evidence, and every layer says which file it is in. */
function fromFile(facts: ModelFacts, file: string): ModelFacts {
  const tag = (layers: readonly LayerFact[]) => layers.map((l) => (l.file !== undefined ? l : { ...l, file }));
  return {
    ...facts,
    ...(facts.evidence === 'file' ? { evidence: 'workspace' as const, definitionFile: facts.definitionFile ?? file } : {}),
    batchNorms: tag(facts.batchNorms),
    otherModeDependent: tag(facts.otherModeDependent),
    affineNorms: tag(facts.affineNorms),
  };
}

/** Whether a value holds its key's mode on entry (the caller's) on some path. */
function dependsOnCaller(v: Val): boolean {
  for (const f of v.values()) if (f.mode === 'entry') return true;
  return false;
}
