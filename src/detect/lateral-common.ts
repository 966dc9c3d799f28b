/**
 * Shared pieces of the lateral-movement detectors (remote execution, admin shares, tool
 * transfer, backup discovery, staging, DCSync, RDP): learned baselines with a learning period,
 * the account behind a connection (from ntlm/kerberos records of the same uid), and cheap
 * string facts about SMB paths and file names (no regex on the hot path).
 */
import { parseAccount } from '../identity/names.js';
import type { ZeekRecord } from '../model/records.js';
import type { EvidenceRef, HostView } from './types.js';

/**
 * A learned set of tuples (e.g. `src|dst|account|interface`) with the event time each was last
 * seen, bounded (least recently seen evicted), with a learning clock.
 *
 * The learning period counts *observed* event time, not wall time: the gaps between the records
 * the detector finds relevant, each gap counted up to `maxGapSeconds` (6 h: a quiet night or
 * evening still counts, a sensor outage or a replay that starts with days of perimeter-only data
 * does not). The detector does not stop learning before it has watched the network's internal
 * activity for the period.
 */
export class LearnedSet {
  private readonly seen = new Map<string, number>();
  /** Event time of the first relevant record (kept for reports). */
  startTs: number | undefined;
  private lastTs: number | undefined;
  /** Observed event-time seconds so far. */
  observed = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxGapSeconds = 21_600,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** Advances the learning clock with a relevant record's time. */
  see(ts: number): void {
    if (this.lastTs === undefined) {
      this.startTs = ts;
      this.lastTs = ts;
      return;
    }
    const gap = ts - this.lastTs;
    if (gap <= 0) return;
    this.observed += Math.min(gap, this.maxGapSeconds);
    this.lastTs = ts;
  }

  /**
   * Whether a record at `ts` would move the clock by at least `stepSeconds`: lets the hot path
   * skip the (address-parsing) relevance test for most records. Sampling loses nothing: the
   * clock sums the gaps between the records it was given.
   */
  due(ts: number, stepSeconds = 30): boolean {
    return this.lastTs === undefined || ts - this.lastTs >= stepSeconds;
  }

  /** Advances the clock; true while less than `periodSeconds` has been observed. */
  learning(ts: number, periodSeconds: number): boolean {
    this.see(ts);
    return this.observed < periodSeconds;
  }

  has(key: string): boolean {
    return this.seen.has(key);
  }

  /** Adds or refreshes; returns true when the key was not known. */
  add(key: string, ts: number): boolean {
    const had = this.seen.delete(key);
    this.seen.set(key, ts);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return !had;
  }

  /** Forgets keys last seen before `cutoff` (they become new again). */
  expire(cutoff: number): void {
    for (const [k, ts] of this.seen) {
      if (ts >= cutoff) break;
      this.seen.delete(k);
    }
  }

  dump(): LearnedSetJson {
    return {
      startTs: this.startTs ?? null,
      lastTs: this.lastTs ?? null,
      observed: this.observed,
      seen: [...this.seen],
    };
  }

  static load(maxEntries: number, j: LearnedSetJson | undefined): LearnedSet {
    const s = new LearnedSet(maxEntries);
    if (!j) return s;
    s.startTs = j.startTs ?? undefined;
    s.lastTs = j.lastTs ?? undefined;
    s.observed = j.observed ?? 0;
    for (const [k, ts] of j.seen) s.seen.set(k, ts);
    return s;
  }
}

export interface LearnedSetJson {
  readonly startTs: number | null;
  readonly lastTs?: number | null;
  readonly observed?: number;
  readonly seen: [string, number][];
}

/**
 * Counts distinct values per key (e.g. targets per `src|account|share`), bounded; used to learn
 * "this source does this to many hosts routinely" (a management server pushing to ADMIN$).
 */
export class FanoutCounter {
  private readonly m = new Map<string, Set<string>>();

  constructor(
    private readonly maxKeys: number,
    private readonly maxValues: number,
  ) {}

  add(key: string, value: string): number {
    let s = this.m.get(key);
    if (!s) {
      s = new Set();
      if (this.m.size >= this.maxKeys) this.m.delete(this.m.keys().next().value as string);
    } else this.m.delete(key);
    this.m.set(key, s);
    if (s.size < this.maxValues) s.add(value);
    return s.size;
  }

  count(key: string): number {
    return this.m.get(key)?.size ?? 0;
  }

  dump(): [string, string[]][] {
    return [...this.m].map(([k, s]) => [k, [...s]]);
  }

  static load(
    maxKeys: number,
    maxValues: number,
    rows: readonly [string, string[]][] | undefined,
  ): FanoutCounter {
    const f = new FanoutCounter(maxKeys, maxValues);
    for (const [k, v] of rows ?? []) f.m.set(k, new Set(v));
    return f;
  }
}

/**
 * The account authenticated on each connection uid, from ntlm.log (`domainname\username`) and
 * kerberos.log (`client`, e.g. AP-REQ inside DCE-RPC on 135), normalised as the identity layer
 * does (`domain\user`, lower case). Bounded LRU: entries live as long as the connection matters.
 */
export class UidAccounts {
  private readonly m = new Map<string, UidAuth>();

  constructor(private readonly maxUids = 200_000) {}

  /** Consumes an ntlm/kerberos record; returns the auth it recorded, if any. */
  observe(rec: ZeekRecord): UidAuth | undefined {
    const uid = rec.uid;
    if (typeof uid !== 'string') return undefined;
    let acct: string | undefined;
    if (rec._path === 'ntlm') {
      const user = rec.username;
      const dom = rec.domainname;
      acct = parseAccount(
        typeof user === 'string' ? user : undefined,
        typeof dom === 'string' ? dom : undefined,
      )?.key;
    } else if (rec._path === 'kerberos') {
      const c = rec.client;
      acct = parseAccount(typeof c === 'string' ? c : undefined)?.key;
    }
    const success = typeof rec.success === 'boolean' ? rec.success : undefined;
    const prev = this.m.get(uid);
    const auth: UidAuth = {
      account: acct ?? prev?.account,
      success: success ?? prev?.success,
      log: rec._path,
      ts: rec.ts,
    };
    this.m.delete(uid);
    this.m.set(uid, auth);
    if (this.m.size > this.maxUids) this.m.delete(this.m.keys().next().value as string);
    return auth;
  }

  get(uid: string): UidAuth | undefined {
    return this.m.get(uid);
  }
}

export interface UidAuth {
  readonly account: string | undefined;
  readonly success: boolean | undefined;
  readonly log: string;
  readonly ts: number;
}

/** Lower-cased last component of a Windows or URL path (`a\\b\\Mimikatz.EXE` → `mimikatz.exe`). */
export function baseName(name: string): string {
  let i = name.length - 1;
  while (i >= 0) {
    const c = name.charCodeAt(i);
    if (c === 92 /* \ */ || c === 47 /* / */) break;
    i--;
  }
  return name.slice(i + 1).toLowerCase();
}

/** Lower-cased extension without the dot (`x.VBK` → `vbk`), '' when none. */
export function extensionOf(base: string): string {
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot + 1);
}

/**
 * The share of an SMB tree path: `\\\\10.5.0.65\\backup_exchange$` → `backup_exchange$` (lower
 * case). Undefined for an unset path.
 */
export function shareOf(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '' || path === '-') return undefined;
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 92) end--;
  const s = baseName(path.slice(0, end));
  return s === '' ? undefined : s;
}

/** Evidence reference for a record: its conn uid, or the fuid of a files.log record. */
export function refOf(rec: ZeekRecord): EvidenceRef {
  if (rec._path === 'files') return { log: 'files', uid: String(rec.fuid), ts: rec.ts };
  return { log: rec._path, uid: String(rec.uid), ts: rec.ts };
}

/** What makes a source host more suspicious, from the identity layer. */
export interface SourceFacts {
  readonly vpn: boolean;
  /** A generic/default name (`WIN-…`, `DESKTOP-…`, `kali`). */
  readonly genericName: string | undefined;
  /** First seen on the network within `newHostSeconds` of `ts`. */
  readonly newHost: boolean;
  readonly highValue: boolean;
  readonly dc: boolean;
}

export function sourceFacts(
  hosts: HostView,
  host: string,
  ip: string,
  ts: number,
  newHostSeconds: number,
): SourceFacts {
  const names = hosts.names(host);
  let generic: string | undefined;
  for (const n of names)
    if (hosts.isGenericName(n)) {
      generic = n;
      break;
    }
  const first = hosts.firstSeen(host);
  return {
    vpn: hosts.isVpnAddress(ip),
    genericName: generic,
    newHost: first !== undefined && ts - first < newHostSeconds,
    highValue: hosts.isHighValue(host),
    dc: hosts.roles(host).has('domain-controller'),
  };
}

/** Drivers describing a source's facts (only the true ones). */
export function factDrivers(f: SourceFacts): { name: string; value: string | number }[] {
  const out: { name: string; value: string | number }[] = [];
  if (f.dc) out.push({ name: 'source is a domain controller', value: 'yes' });
  else if (f.highValue) out.push({ name: 'source is high-value', value: 'yes' });
  if (f.vpn) out.push({ name: 'source in VPN pool', value: 'yes' });
  if (f.genericName) out.push({ name: 'generic host name', value: f.genericName });
  if (f.newHost) out.push({ name: 'new host', value: 'yes' });
  return out;
}

/** A lower-cased string list → Set (for config-editable name lists). */
export function lowerSet(...lists: readonly (readonly string[])[]): Set<string> {
  const s = new Set<string>();
  for (const l of lists) for (const x of l) if (x.trim() !== '') s.add(x.trim().toLowerCase());
  return s;
}

/** Adds to a per-source set while it holds fewer than `cap` values (bounded memory). */
export function addCapped(set: Set<string>, value: string, cap = 1_000): void {
  if (set.size < cap) set.add(value);
}
