/**
 * Event-time windows for detector state: distinct values per key, expiring by event time,
 * bounded per key and in keys overall. Eviction is least-recently-updated first.
 */

/**
 * Event-time grain of the LRU order: an entry touched again within this many seconds keeps its
 * place (and gets the new time), so expiry may keep an entry up to one grain past its cutoff.
 */
export const REORDER_GRAIN_SECONDS = 1;

/** Distinct values with the event time each was last seen; Map order = update order. */
export class TimedSet {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxValues: number) {}

  get size(): number {
    return this.seen.size;
  }

  /** Adds or refreshes a value; returns true when the value is new in the window. */
  add(value: string, ts: number): boolean {
    const prev = this.seen.get(value);
    if (prev !== undefined && ts - prev < REORDER_GRAIN_SECONDS) {
      // Refreshed in place: Map order stays by last update to within the grain (hot path: no
      // delete + re-insert per record).
      if (ts > prev) this.seen.set(value, ts);
      return false;
    }
    const had = prev !== undefined && this.seen.delete(value);
    this.seen.set(value, ts);
    if (this.seen.size > this.maxValues) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    return !had;
  }

  has(value: string): boolean {
    return this.seen.has(value);
  }

  /** Drops values last seen before `cutoff` (event time). */
  expire(cutoff: number): void {
    for (const [v, ts] of this.seen) {
      if (ts >= cutoff) break;
      this.seen.delete(v);
    }
  }

  values(): IterableIterator<string> {
    return this.seen.keys();
  }

  entries(): IterableIterator<[string, number]> {
    return this.seen.entries();
  }

  /** [value, lastSeen] pairs in update order, for checkpoints. */
  dump(): [string, number][] {
    return [...this.seen];
  }

  static load(maxValues: number, pairs: readonly (readonly [string, number])[]): TimedSet {
    const set = new TimedSet(maxValues);
    for (const [v, ts] of pairs) set.seen.set(v, ts);
    return set;
  }
}

/** Per-key state with a bound on the number of keys (LRU) and event-time expiry. */
export class KeyedState<S> {
  private readonly states = new Map<string, { state: S; lastTs: number }>();

  constructor(
    private readonly maxKeys: number,
    private readonly create: () => S,
  ) {}

  get size(): number {
    return this.states.size;
  }

  get(key: string, ts: number): S {
    let entry = this.states.get(key);
    if (entry) {
      if (ts - entry.lastTs < REORDER_GRAIN_SECONDS) {
        if (ts > entry.lastTs) entry.lastTs = ts;
        return entry.state;
      }
      this.states.delete(key);
      entry.lastTs = ts;
    } else {
      entry = { state: this.create(), lastTs: ts };
      if (this.states.size >= this.maxKeys) {
        const oldest = this.states.keys().next().value as string;
        this.states.delete(oldest);
      }
    }
    this.states.set(key, entry);
    return entry.state;
  }

  peek(key: string): S | undefined {
    return this.states.get(key)?.state;
  }

  /** Drops keys idle since before `cutoff`; returns how many were dropped. */
  expire(cutoff: number): number {
    let n = 0;
    for (const [k, e] of this.states) {
      if (e.lastTs >= cutoff) break;
      this.states.delete(k);
      n++;
    }
    return n;
  }

  entries(): IterableIterator<[string, { state: S; lastTs: number }]> {
    return this.states.entries();
  }

  /** Keys with their state mapped to JSON-able form, in LRU order, for checkpoints. */
  dump<J>(toJson: (s: S) => J): [string, number, J][] {
    return [...this.states].map(([k, e]) => [k, e.lastTs, toJson(e.state)]);
  }

  load<J>(rows: readonly (readonly [string, number, J])[], fromJson: (j: J) => S): void {
    this.states.clear();
    for (const [k, lastTs, j] of rows) this.states.set(k, { state: fromJson(j), lastTs });
  }
}

/** Bounded list of evidence samples plus the true count. */
export class Sample<T> {
  readonly items: T[] = [];
  count = 0;

  constructor(private readonly cap: number) {}

  add(item: T): void {
    this.count++;
    if (this.items.length < this.cap) this.items.push(item);
  }
}

export interface SampleJson<T> {
  readonly items: T[];
  readonly count: number;
}

export function dumpSample<T>(s: Sample<T>): SampleJson<T> {
  return { items: s.items, count: s.count };
}

export function loadSample<T>(cap: number, j: SampleJson<T>): Sample<T> {
  const s = new Sample<T>(cap);
  s.items.push(...j.items.slice(0, cap));
  s.count = j.count;
  return s;
}

export const clamp99 = (x: number): number => Math.max(0, Math.min(99, Math.round(x)));
