import { instanceFlows, type InstanceFlows, type ModelClass, type ModelIR } from '../../ir/model';
import type { RuleContext } from '../types';

/**
 * A finding of one class, reported when called: its message cites places through the run's
 * `context.where`. `reported` is shared by the run's reports (of every class, and whatever the rule
 * reports after them): a report that may repeat another class's (a helper function's layers, bound
 * in two classes) reports only if its key, read from the current offsets, is not in it yet.
 */
export type ClassReport = (context: RuleContext, reported: Set<string>) => void;

/** Whether `key` is new to a run's `reported` set (then added): a `ClassReport` reports only then. */
export function firstReport(reported: Set<string>, key: string): boolean {
  if (reported.has(key)) return false;
  reported.add(key);
  return true;
}

/** Looks a model class of the file up by name (the first one so named, as `classes.find` would). */
export type ClassLookup = (name: string) => ModelClass | undefined;

interface Kept {
  /** The classes the reports were computed from, by the names looked up. */
  readonly deps: readonly (readonly [string, ModelClass | undefined])[];
  readonly reports: readonly ClassReport[];
}

/**
 * A rule's findings for each class, computed once per class object: a class's IR is not changed
 * once built, and an open document's re-analysis hands the classes of unchanged statements on as
 * the same objects, their spans moved in place. So a rule whose findings for a class read only
 * that class (and the classes it looks up by name through `lookup`, checked again on reuse) keeps
 * them as thunks that format their messages when run, with the lines of the current text. Each
 * rule holds its own `PerClassReports`.
 */
export class PerClassReports {
  private readonly kept = new WeakMap<ModelClass, Kept>();

  constructor(private readonly compute: (cls: ModelClass, lookup: ClassLookup) => ClassReport[]) {}

  /** Reports every class's findings, in class order (`reported`: see `ClassReport`). */
  run(context: RuleContext, reported: Set<string> = new Set()): void {
    const model = context.ir.model;
    const lookup = classLookup(model);
    for (const cls of model.classes) {
      let kept = this.kept.get(cls);
      if (!kept || kept.deps.some(([name, c]) => lookup(name) !== c)) {
        const deps: (readonly [string, ModelClass | undefined])[] = [];
        const reports = this.compute(cls, (name) => {
          const c = lookup(name);
          deps.push([name, c]);
          return c;
        });
        this.kept.set(cls, (kept = { deps, reports }));
      }
      for (const report of kept.reports) report(context, reported);
    }
  }
}

/**
 * A rule's findings for each model-class instance sized by its constructor arguments
 * (`Stem(width=32)`; see `instanceFlows`), computed once per instance: unchanged classes hand
 * their instances on as the same objects.
 */
export class PerInstanceReports {
  private readonly kept = new WeakMap<InstanceFlows, ClassReport[]>();

  constructor(private readonly compute: (inst: InstanceFlows) => ClassReport[]) {}

  /** Reports every instance's findings, in class order (`reported`: see `ClassReport`). */
  run(context: RuleContext, reported: Set<string>): void {
    for (const inst of instanceFlows(context.ir.model)) {
      let reports = this.kept.get(inst);
      if (!reports) this.kept.set(inst, (reports = this.compute(inst)));
      for (const report of reports) report(context, reported);
    }
  }
}

/** The classes of a model by name, first one wins (kept per model IR). */
function classLookup(model: ModelIR): ClassLookup {
  let byName = BY_NAME.get(model);
  if (!byName) {
    byName = new Map();
    for (const c of model.classes) if (!byName.has(c.name)) byName.set(c.name, c);
    BY_NAME.set(model, byName);
  }
  const map = byName;
  return (name) => map.get(name);
}

const BY_NAME = new WeakMap<ModelIR, Map<string, ModelClass>>();
