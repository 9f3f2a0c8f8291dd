/**
 * The abstract state of the mode analysis: for each tracked object (a dotted key such as
 * `model`, `model.backbone`, `self.net`, or `model.[BatchNorm]` for "the BatchNorm modules of
 * model"), the set of facts "it may be in mode M because of origin O". Keys not in the map take
 * the value of their nearest ancestor, or else the value they had on entry to the function
 * (`entry` facts, substituted by the caller's state at each call site).
 */
import { isUnder } from './util';

/**
 * `alias`: the key names the same object as another (`compiled = torch.compile(model)`, `net =
 * model`, `ddp_model = DDP(model)`): its mode is that key's, now (`State.lookup` reads it there).
 */
export type FactMode = 'train' | 'eval' | 'unknown' | 'entry' | 'alias';

export interface Fact {
  readonly mode: FactMode;
  /** Index into the analysis' origin table (train/eval/unknown facts). */
  readonly origin: number;
  /** The key whose entry value this stands for (entry facts), or which it names too (alias facts). */
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
  return `${f.mode === 'entry' || f.mode === 'alias' ? `${f.mode}@${f.key}` : `${f.mode}@${f.origin}`}${f.guard ? '#' + f.guard : ''}`;
}

/** A value that stands for another key's (`State.alias`). */
function aliasVal(source: string): Val {
  return new Map([[`alias@${source}`, { mode: 'alias', origin: -1, key: source }]]);
}

/** The key a value names alone (a single alias fact), if it is one. */
function aliasedKey(v: Val | undefined): string | undefined {
  if (v?.size !== 1) return undefined;
  for (const f of v.values()) return f.mode === 'alias' ? f.key : undefined;
  return undefined;
}

/** Whether a value has an alias fact (see `FactMode`). */
export function hasAlias(v: Val): boolean {
  for (const f of v.values()) if (f.mode === 'alias') return true;
  return false;
}

/** How many aliases `lookup` follows (`a = b`, `b = c`, ...; a cycle ends there). */
const MAX_ALIAS_DEPTH = 4;

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

  lookup(key: string, depth = 0): Val {
    const own = this.vals.get(key);
    if (own) return this.resolved(own, '', depth);
    for (const a of ancestors(key)) {
      const v = this.vals.get(a);
      if (v) return this.resolved(v, key.slice(a.length), depth);
    }
    return val({ mode: 'entry', origin: -1, key });
  }

  /** `v` with its alias facts replaced by the values of the keys they name (with `rest`, the key's part below the alias). */
  private resolved(v: Val, rest: string, depth: number): Val {
    if (!hasAlias(v)) return v;
    let out: Val = new Map();
    for (const [id, f] of v) {
      if (f.mode !== 'alias') out = union(out, new Map([[id, f]]));
      else if (depth < MAX_ALIAS_DEPTH) out = union(out, this.lookup(f.key + rest, depth + 1));
    }
    // (Past the last alias followed: that key's mode on entry.)
    if (out.size > 0) return out;
    for (const f of v.values()) if (f.mode === 'alias') return val({ mode: 'entry', origin: -1, key: f.key + rest });
    return out;
  }

  /**
   * The key a switch of `key` switches: the one it names when it (or an ancestor) is an alias
   * (`compiled.eval()` switches `model`, `compiled.backbone` is `model.backbone`), else `key`.
   */
  switched(key: string): string {
    let k = key;
    for (let depth = 0; depth < MAX_ALIAS_DEPTH; depth++) {
      let next: string | undefined;
      const own = aliasedKey(this.vals.get(k));
      if (own !== undefined) next = own;
      else {
        for (const a of ancestors(k)) {
          const v = this.vals.get(a);
          if (!v) continue;
          const source = aliasedKey(v);
          if (source !== undefined) next = source + k.slice(a.length);
          break;
        }
      }
      if (next === undefined) return k;
      k = next;
    }
    return k;
  }

  /** `target` (and what is under it) names the object `source` names from now on (see `FactMode`). */
  alias(target: string, source: string): State {
    return this.set(target, aliasVal(source));
  }

  /**
   * The state before `root` is bound to another object: the keys that name the object it named
   * (`compiled` of `compiled = torch.compile(model)`, before `model = Net()`) keep the modes they
   * have now.
   */
  detached(root: string): State {
    let out: Map<string, Val> | undefined;
    for (const [k, v] of this.vals) {
      let refers = false;
      for (const f of v.values()) if (f.mode === 'alias' && (f.key === root || isUnder(f.key, root))) refers = true;
      if (!refers) continue;
      out ??= new Map(this.vals);
      out.set(k, this.lookup(k));
    }
    return out ? new State(out) : this;
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
      // (A key that names the same object on every path stays an alias of it.)
      const first = aliasedKey(live[0].vals.get(k));
      if (first !== undefined && live.every((s) => aliasedKey(s.vals.get(k)) === first)) {
        out.set(k, live[0].vals.get(k) as Val);
        continue;
      }
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
