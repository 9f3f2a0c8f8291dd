/**
 * The abstract state of the mode analysis: for each tracked object (a dotted key such as
 * `model`, `model.backbone`, `self.net`, or `model.[BatchNorm]` for "the BatchNorm modules of
 * model"), the set of facts "it may be in mode M because of origin O". Keys not in the map take
 * the value of their nearest ancestor, or else the value they had on entry to the function
 * (`entry` facts, substituted by the caller's state at each call site).
 */
import { isUnder } from './util';

export type FactMode = 'train' | 'eval' | 'unknown' | 'entry';

export interface Fact {
  readonly mode: FactMode;
  /** Index into the analysis' origin table (train/eval/unknown facts). */
  readonly origin: number;
  /** The key whose entry value this stands for (entry facts). */
  readonly key: string;
  /**
   * Branch conditions under which the fact holds (`+cond` / `-cond`), joined by `&`: those it was
   * established under, then those of the paths it survived on (see `State.guarded`).
   */
  readonly guard?: string;
  /** The conditions it was established under (the start of `guard`). */
  readonly made?: string;
}

export type Val = ReadonlyMap<string, Fact>;

export function factId(f: Fact): string {
  return `${f.mode === 'entry' ? `entry@${f.key}` : `${f.mode}@${f.origin}`}${f.guard ? '#' + f.guard : ''}`;
}

/**
 * A fact that holds only where `atoms` (`+cond` / `-cond`) do too: its guard with them added
 * (each once); undefined when they contradict it (the fact cannot hold there).
 */
function withGuard(f: Fact, atoms: readonly string[]): Fact | undefined {
  const guard = f.guard ? f.guard.split('&') : [];
  let added = false;
  for (const a of atoms) {
    if (guard.includes(a)) continue;
    if (guard.includes((a.startsWith('+') ? '-' : '+') + a.slice(1))) return undefined;
    guard.push(a);
    added = true;
  }
  return added ? { ...f, guard: guard.join('&') } : f;
}

/** Drops facts established under a branch condition that contradicts the assumptions at a point. */
export function consistent(v: Val, assume: readonly string[]): Val {
  if (assume.length === 0) return v;
  const negated = new Set(assume.map((a) => (a.startsWith('+') ? '-' : '+') + a.slice(1)));
  const out = new Map<string, Fact>();
  for (const [k, f] of v) {
    if (f.guard && f.guard.split('&').some((g) => negated.has(g))) continue;
    out.set(k, f);
  }
  return out.size === 0 ? v : out;
}

export function val(...facts: Fact[]): Val {
  return new Map(facts.map((f) => [factId(f), f]));
}

export function union(a: Val, b: Val): Val {
  if (a.size === 0) return b;
  if (b.size === 0) return a;
  const out = new Map(a);
  for (const [k, f] of b) out.set(k, f);
  return out;
}

function sameVal(a: Val, b: Val): boolean {
  if (a.size !== b.size) return false;
  for (const k of a.keys()) if (!b.has(k)) return false;
  return true;
}

/** Ancestors of a key, nearest first: `a.b.c` -> `a.b`, `a`. */
function ancestors(key: string): string[] {
  const out: string[] = [];
  let k = key;
  for (;;) {
    const dot = k.lastIndexOf('.');
    if (dot < 0) return out;
    k = k.slice(0, dot);
    out.push(k);
  }
}

export class State {
  static readonly EMPTY = new State(new Map());

  private constructor(readonly vals: ReadonlyMap<string, Val>) {}

  lookup(key: string): Val {
    const own = this.vals.get(key);
    if (own) return own;
    for (const a of ancestors(key)) {
      const v = this.vals.get(a);
      if (v) return v;
    }
    return val({ mode: 'entry', origin: -1, key });
  }

  /** Sets `key` (the whole object): its descendants follow it. */
  set(key: string, v: Val): State {
    const out = new Map<string, Val>();
    for (const [k, x] of this.vals) if (!isUnder(k, key)) out.set(k, x);
    out.set(key, v);
    return new State(out);
  }

  /**
   * The state on a path where the branch conditions `atoms` hold, for `keys` (those a branch not
   * taken would have changed): their facts carry the conditions, and those the conditions
   * contradict are dropped (a key keeps its facts when all would be).
   */
  guarded(keys: readonly string[], atoms: readonly string[]): State {
    if (keys.length === 0) return this;
    const out = new Map(this.vals);
    for (const key of keys) {
      const v = this.lookup(key);
      const g = new Map<string, Fact>();
      for (const f of v.values()) {
        const h = withGuard(f, atoms);
        if (h) g.set(factId(h), h);
      }
      if (g.size > 0) out.set(key, g);
    }
    return new State(out);
  }

  /** Adds possibilities to `key` without resetting its descendants. */
  merge(key: string, v: Val): State {
    const out = new Map(this.vals);
    out.set(key, union(this.lookup(key), v));
    return new State(out);
  }

  /** Forgets every key under `root` (a variable rebound to something untracked). */
  drop(root: string): State {
    let any = false;
    for (const k of this.vals.keys()) if (isUnder(k, root)) any = true;
    if (!any) return this;
    const out = new Map<string, Val>();
    for (const [k, x] of this.vals) if (!isUnder(k, root)) out.set(k, x);
    return new State(out);
  }

  keys(): string[] {
    return [...this.vals.keys()];
  }

  static join(states: readonly (State | undefined)[]): State | undefined {
    // The same state from every path (branches and loop bodies that changed nothing: most) joins to itself.
    let only: State | undefined;
    let same = true;
    for (let i = 0; i < states.length && same; i++) {
      const s = states[i];
      if (s === undefined) continue;
      if (only === undefined) only = s;
      else same = s === only;
    }
    if (same) return only;
    const live = states.filter((s): s is State => s !== undefined);
    const keys = new Set<string>();
    for (const s of live) for (const k of s.vals.keys()) keys.add(k);
    const out = new Map<string, Val>();
    for (const k of keys) {
      let v: Val = new Map();
      for (const s of live) v = union(v, s.lookup(k));
      out.set(k, v);
    }
    return new State(out);
  }

  equals(other: State): boolean {
    if (this === other) return true;
    if (this.vals.size !== other.vals.size) return false;
    for (const [k, v] of this.vals) {
      const o = other.vals.get(k);
      if (!o || !sameVal(v, o)) return false;
    }
    return true;
  }
}
