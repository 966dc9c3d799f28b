/**
 * Shared pieces of the AD reconnaissance and account-scan detectors (rpc-recon,
 * rpc-targeted-recon, file-share-enumeration, suspicious-ldap-query, smb-account-scan,
 * kerberos-account-scan): learned "normal breadth" baselines, learned per-host habits, and
 * cheap string facts about SMB paths. Nothing here runs a regex on the hot path.
 *
 * ## Learned breadth (`PeakBaseline`)
 *
 * "Far more than normal for a host in this network" (Vectra's wording for RPC Recon and File
 * Share Enumeration) is learned as:
 * - **host normal**: the highest windowed count the host reached on any of its last
 *   `baselineDays` *completed* UTC days (today never teaches today, so a burst cannot hide
 *   itself; a habit seen yesterday is normal today);
 * - **network normal**: the 90th percentile of the host normals of all hosts that did the thing
 *   at all (recomputed once per event-time day), so a handful of management servers do not
 *   raise the bar for everybody.
 *
 * A host fires when its windowed count reaches
 * `max(floor, networkExcessFactor × networkNormal, hostExcessFactor × hostNormal)`.
 *
 * ## Learning (`HostClock`)
 *
 * During the learning period (the first `learningSeconds` after the detector's first record)
 * the daily habits of the hosts are not known yet and there is no network normal: every
 * detection then keeps its certainty below 50 (Low or Medium alone; stacked with other
 * behaviour an attacker still reaches Critical). For hosts that were already there near the
 * start, only blatant excess fires (`learningFloorFactor ×` the floor or score). A host first
 * seen more than `newHostGraceSeconds` after the start (by this detector, or by the identity
 * layer's `firstSeen`) has its whole history in view: nothing to learn about it, so it meets the
 * normal thresholds at once — the reference incident's VPN host logged in and scanned within
 * minutes, whether or not Vigil had been running for a day.
 */
import type { HostView } from './types.js';
import type { TimedSet } from './window.js';

export const DAY_SECONDS = 86_400;

/** Hosts with a learned normal needed before the network normal counts. */
const MIN_NETWORK_HOSTS = 10;

/** The threshold keys every learned-breadth detector carries (units in the names). */
export interface BreadthThresholds {
  readonly learningSeconds: number;
  readonly baselineDays: number;
  readonly hostExcessFactor: number;
  readonly networkExcessFactor: number;
  readonly learningFloorFactor: number;
  readonly newHostGraceSeconds: number;
}

export const BREADTH_DEFAULTS = {
  /**
   * Event-time seconds after the first record during which baselines are learned (1 day: one
   * full daily cycle teaches the daily jobs of management servers; weekly jobs fire once).
   */
  learningSeconds: 86_400,
  /** Completed days of per-host peaks kept as that host's normal. */
  baselineDays: 14,
  /** Fire at this multiple of the host's own learned peak. */
  hostExcessFactor: 2,
  /** Fire at this multiple of the network's normal (p90 of host peaks). */
  networkExcessFactor: 3,
  /** While learning, fire only at this multiple of the floor. */
  learningFloorFactor: 2,
  /** Hosts first seen later than this after the start are new: no learning allowance. */
  newHostGraceSeconds: 3_600,
} as const;

export interface BreadthThreshold {
  readonly value: number;
  readonly learning: boolean;
  readonly hostNormal: number;
  readonly networkNormal: number;
}

interface HostPeaks {
  day: number;
  peak: number;
  /** Peaks of completed days, oldest first: [day, peak]. */
  days: [number, number][];
}

export interface PeakBaselineJson {
  readonly startTs: number | null;
  readonly networkNormal: number;
  readonly networkDay: number;
  readonly hosts: [string, number, number, [number, number][]][];
}

export class PeakBaseline {
  startTs: number | undefined;
  networkNormal = 0;
  private networkDay = -1;
  private readonly hosts = new Map<string, HostPeaks>();

  constructor(private readonly maxHosts: number) {}

  /** Records a host's current windowed count (call when it grows). */
  observe(host: string, ts: number, count: number, baselineDays: number): void {
    if (this.startTs === undefined) this.startTs = ts;
    const day = Math.floor(ts / DAY_SECONDS);
    let h = this.hosts.get(host);
    if (h === undefined) {
      h = { day, peak: 0, days: [] };
      if (this.hosts.size >= this.maxHosts) this.hosts.delete(this.hosts.keys().next().value as string);
    } else {
      this.hosts.delete(host);
      this.roll(h, day, baselineDays);
    }
    this.hosts.set(host, h);
    if (count > h.peak) h.peak = count;
  }

  private roll(h: HostPeaks, day: number, baselineDays: number): void {
    if (day <= h.day) return;
    if (h.peak > 0) h.days.push([h.day, h.peak]);
    h.day = day;
    h.peak = 0;
    while (h.days.length > 0 && h.days[0]![0] <= day - baselineDays) h.days.shift();
  }

  /** The host's learned normal: its highest peak on completed days within the baseline. */
  hostNormal(host: string, ts: number, baselineDays: number): number {
    const h = this.hosts.get(host);
    if (h === undefined) return 0;
    const day = Math.floor(ts / DAY_SECONDS);
    let max = 0;
    for (const [d, p] of h.days) if (d > day - baselineDays && p > max) max = p;
    if (h.day < day && h.day > day - baselineDays && h.peak > max) max = h.peak;
    return max;
  }

  /** Recomputes the network normal once per event-time day (call from onTick). */
  refresh(ts: number, baselineDays: number): void {
    const day = Math.floor(ts / DAY_SECONDS);
    if (day === this.networkDay) return;
    this.networkDay = day;
    const normals: number[] = [];
    for (const host of this.hosts.keys()) {
      const n = this.hostNormal(host, ts, baselineDays);
      if (n > 0) normals.push(n);
    }
    // A handful of hosts is no population: one management server would be "the network".
    if (normals.length < MIN_NETWORK_HOSTS) {
      this.networkNormal = 0;
      return;
    }
    normals.sort((a, b) => a - b);
    this.networkNormal = normals[Math.min(normals.length - 1, Math.floor(normals.length * 0.9))]!;
  }

  /**
   * `learning`: the host is inside its learning period (HostClock.learning); `period`: the
   * learning period is still running, so the network normal is not trusted yet.
   */
  threshold(
    host: string,
    ts: number,
    floor: number,
    t: BreadthThresholds,
    learning: boolean,
    period = learning,
  ): BreadthThreshold {
    const hostNormal = this.hostNormal(host, ts, t.baselineDays);
    const networkNormal = period ? 0 : this.networkNormal;
    const value = Math.max(
      learning ? Math.ceil(floor * t.learningFloorFactor) : floor,
      Math.ceil(t.networkExcessFactor * networkNormal),
      Math.ceil(t.hostExcessFactor * hostNormal),
      1,
    );
    return { value, learning: period, hostNormal, networkNormal };
  }

  dump(): PeakBaselineJson {
    return {
      startTs: this.startTs ?? null,
      networkNormal: this.networkNormal,
      networkDay: this.networkDay,
      hosts: [...this.hosts].map(([k, h]) => [
        k,
        h.day,
        h.peak,
        h.days.map((x) => [x[0], x[1]] as [number, number]),
      ]),
    };
  }

  static load(maxHosts: number, j: PeakBaselineJson | undefined): PeakBaseline {
    const b = new PeakBaseline(maxHosts);
    if (!j) return b;
    b.startTs = j.startTs ?? undefined;
    b.networkNormal = j.networkNormal;
    b.networkDay = j.networkDay;
    for (const [k, day, peak, days] of j.hosts)
      b.hosts.set(k, { day, peak, days: days.map((x) => [x[0], x[1]]) });
    return b;
  }
}

/**
 * When a detector started and when it first saw each host (bounded, oldest evicted), to tell
 * hosts in their learning period from new hosts seen whole (see the module comment).
 */
export class HostClock {
  startTs: number | undefined;
  private readonly first = new Map<string, number>();

  constructor(private readonly maxHosts: number) {}

  /** Notes a host (source or target) at `ts`; starts the clock on first use. */
  note(host: string, ts: number): void {
    if (this.startTs === undefined) this.startTs = ts;
    if (this.first.has(host)) return;
    if (this.first.size >= this.maxHosts) this.first.delete(this.first.keys().next().value as string);
    this.first.set(host, ts);
  }

  /** The learning period is running (baselines are still being learned). */
  period(ts: number, t: LearningThresholds): boolean {
    if (this.startTs === undefined) this.startTs = ts;
    return ts < this.startTs + t.learningSeconds;
  }

  /** The learning period is running and the host was already there near its start. */
  learning(host: string, ts: number, hosts: HostView, t: LearningThresholds): boolean {
    if (this.startTs === undefined) this.startTs = ts;
    if (ts >= this.startTs + t.learningSeconds) return false;
    const seen = Math.min(this.first.get(host) ?? ts, hosts.firstSeen(host) ?? Number.POSITIVE_INFINITY);
    return seen <= this.startTs + t.newHostGraceSeconds;
  }

  dump(): HostClockJson {
    return { startTs: this.startTs ?? null, first: [...this.first] };
  }

  static load(maxHosts: number, j: HostClockJson | undefined): HostClock {
    const c = new HostClock(maxHosts);
    if (!j) return c;
    c.startTs = j.startTs ?? undefined;
    for (const [h, ts] of j.first) c.first.set(h, ts);
    return c;
  }
}

export interface LearningThresholds {
  readonly learningSeconds: number;
  readonly newHostGraceSeconds: number;
}

export interface HostClockJson {
  readonly startTs: number | null;
  readonly first: [string, number][];
}

/**
 * Per-host habits: keys (an RPC operation, an LDAP query class) a host used, with the UTC day it
 * first did. A habit counts from the next day on (today never teaches today). Two-level maps (no
 * key strings built per record); bounded in hosts (least recently used evicted) and in keys per
 * host.
 */
export class HabitSet {
  private readonly byHost = new Map<string, Map<string, number>>();

  constructor(
    private readonly maxHosts: number,
    private readonly maxKeysPerHost = 512,
  ) {}

  /** Records `key` as used by `host` at `ts`. */
  note(host: string, key: string, ts: number): void {
    let m = this.byHost.get(host);
    if (m === undefined) {
      m = new Map();
      if (this.byHost.size >= this.maxHosts) this.byHost.delete(this.byHost.keys().next().value as string);
    } else this.byHost.delete(host);
    this.byHost.set(host, m);
    const day = Math.floor(ts / DAY_SECONDS);
    const had = m.get(key);
    if (had !== undefined && had <= day) return;
    if (had === undefined && m.size >= this.maxKeysPerHost) m.delete(m.keys().next().value as string);
    m.set(key, day);
  }

  /** The host did this on an earlier day. */
  habitual(host: string, key: string, ts: number): boolean {
    const d = this.byHost.get(host)?.get(key);
    return d !== undefined && d < Math.floor(ts / DAY_SECONDS);
  }

  dump(): [string, [string, number][]][] {
    return [...this.byHost].map(([h, m]) => [h, [...m]]);
  }

  static load(
    maxHosts: number,
    rows: readonly (readonly [string, readonly (readonly [string, number])[]])[] | undefined,
  ): HabitSet {
    const s = new HabitSet(maxHosts);
    for (const [h, keys] of rows ?? [])
      s.byHost.set(h, new Map(keys.map(([k, d]) => [k, d] as [string, number])));
    return s;
  }
}

/** `\\server\share[\…]` → lower-case share name, or undefined when the path has no share. */
export function shareName(path: string | undefined): string | undefined {
  if (path === undefined || path.length < 4) return undefined;
  // Skip the leading `\\server`.
  let i = 0;
  while (i < path.length && (path.charCodeAt(i) === 92 || path.charCodeAt(i) === 47)) i++;
  const sep = indexOfSlash(path, i);
  if (sep < 0) return undefined;
  const end = indexOfSlash(path, sep + 1);
  const share = path.slice(sep + 1, end < 0 ? path.length : end);
  return share.length === 0 ? undefined : share.toLowerCase();
}

function indexOfSlash(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 47) return i;
  }
  return -1;
}

/** Last component of an SMB file name (`dir\delete.me` → `delete.me`), lower-cased. */
export function baseName(name: string): string {
  let i = name.length - 1;
  while (i >= 0) {
    const c = name.charCodeAt(i);
    if (c === 92 || c === 47) break;
    i--;
  }
  return (i < 0 ? name : name.slice(i + 1)).toLowerCase();
}

/** A Set built once per list instance (thresholds resolve once per engine). */
export function setOf(
  list: readonly string[],
  cache: WeakMap<readonly string[], ReadonlySet<string>>,
): ReadonlySet<string> {
  let s = cache.get(list);
  if (s === undefined) {
    s = new Set(list.map((x) => x.toLowerCase()));
    cache.set(list, s);
  }
  return s;
}

/** Event time of the least recently seen value still counted in a window (`ts` when empty). */
export function oldestIn(sets: readonly TimedSet[], ts: number): number {
  let oldest = ts;
  for (const set of sets) {
    const first = set.entries().next();
    if (!first.done && first.value[1] < oldest) oldest = first.value[1];
  }
  return oldest;
}

/** `10.5.0.70 (WIN-YF76VYWGUIM)` when the identity layer knows a name, else the address. */
export function hostLabel(hosts: HostView, host: string, ip: string): string {
  const name = hosts.names(host)[0];
  return name === undefined ? ip : `${ip} (${name})`;
}

/** Human minutes with one decimal. */
export function minutes(seconds: number): number {
  return Math.round(seconds / 6) / 10;
}

/** First `n` of a list joined, with "+k more". */
export function listSome(items: Iterable<string>, n: number): string {
  const out: string[] = [];
  let more = 0;
  for (const x of items) {
    if (out.length < n) out.push(x);
    else more++;
  }
  return more > 0 ? `${out.join(', ')} +${more} more` : out.join(', ');
}
