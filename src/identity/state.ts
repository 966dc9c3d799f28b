/**
 * State that lasts: identity (hosts, aliases, IP sessions and recent history), roles' evidence
 * counters, accounts and account↔host pairs, and domain prevalence, saved to one JSON file and
 * restored at start. Written atomically (temp file + rename). Memory stays bounded by the same
 * limits as a live run (the tracker's and DomainStats' caps apply to restored state too).
 */
import { readFileSync } from 'node:fs';
import { type IpKey, ipKey, ipKeyToString } from '../config/network-model.js';
import type { DomainStats } from '../enrich/domains.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { type AccountOnHost, type Host, type NameSighting, resolveHost } from './host.js';
import type { IdentitySource } from './names.js';
import type { IdentityTracker } from './tracker.js';

export const STATE_VERSION = 1;

interface HostState {
  key: string;
  name?: string;
  nameSource: IdentitySource;
  names: [string, NameSighting][];
  macs: string[];
  ips: string[];
  firstSeen: number;
  lastSeen: number;
  override: boolean;
  served: [string, IpKey[]][];
  flags: [string, number][];
  adminTargets: string[];
  adminDays: number[];
  accounts: [string, AccountOnHost][];
  externalPeers: [IpKey, number][];
  conflicts: string[];
}

interface SessionState {
  ip: string;
  start: number;
  end: number;
  host: string;
  source: IdentitySource;
}

export interface StateFile {
  version: number;
  savedAt: string;
  hosts: HostState[];
  open: SessionState[];
  history: SessionState[];
  aliases: [string, string][];
  accounts: {
    key: string;
    user: string;
    domain: string;
    machine: boolean;
    first: number;
    last: number;
    count: number;
    sources: string[];
  }[];
  dcNames: string[];
  domains: {
    domain: string;
    first: number;
    last: number;
    queries: number;
    hosts: string[];
    hostsCapped: boolean;
  }[];
}

export function snapshot(tracker: IdentityTracker, domains?: DomainStats): StateFile {
  tracker.refreshLastSeen();
  const x = tracker.internals();
  const hosts: HostState[] = [];
  for (const h of tracker.hosts()) {
    hosts.push({
      key: h.key,
      name: h.name,
      nameSource: h.nameSource,
      names: [...h.names],
      macs: [...h.macs],
      ips: [...h.ips],
      firstSeen: h.firstSeen,
      lastSeen: h.lastSeen,
      override: h.override,
      served: [...h.served].map(([t, s]) => [t, [...s]]),
      flags: [...h.flags],
      adminTargets: [...h.adminTargets],
      adminDays: [...h.adminDays],
      accounts: [...h.accounts],
      externalPeers: [...h.externalPeers],
      conflicts: [...h.conflicts],
    });
  }
  const open: SessionState[] = [];
  for (const s of x.current.values())
    open.push({ ip: s.ip, start: s.start, end: s.lastSeen, host: resolveHost(s.host).key, source: s.source });
  const history: SessionState[] = [];
  for (const [ip, list] of x.history)
    for (const p of list)
      history.push({
        ip: ipKeyToString(ip),
        start: p.start,
        end: p.end,
        host: resolveHost(p.host).key,
        source: p.source,
      });
  const aliases: [string, string][] = [];
  for (const [a, h] of x.aliases) aliases.push([a, resolveHost(h).key]);
  return {
    version: STATE_VERSION,
    savedAt: new Date().toISOString(),
    hosts,
    open,
    history,
    aliases,
    accounts: [...tracker.accounts()].map((a) => ({ ...a, sources: [...a.sources] })),
    dcNames: [...x.dcNames],
    domains: domains ? [...domains.all()].map((d) => ({ ...d, hosts: [...d.hosts] })) : [],
  };
}

/** Loads a snapshot into a fresh tracker (and DomainStats). Throws with the file name on bad input. */
export function restore(
  state: StateFile,
  tracker: IdentityTracker,
  domains?: DomainStats,
  label = 'state',
): void {
  if (state === null || typeof state !== 'object' || state.version !== STATE_VERSION)
    throw new Error(`${label}: not a Vigil state file of version ${STATE_VERSION}`);
  const x = tracker.internals();
  const byKey = new Map<string, Host>();
  for (const s of state.hosts) {
    const h = x.newHost(s.key, s.firstSeen);
    h.name = s.name;
    h.nameSource = s.nameSource;
    for (const [n, v] of s.names) h.names.set(n, v);
    for (const m of s.macs) h.macs.add(m);
    h.ips.push(...s.ips);
    h.lastSeen = s.lastSeen;
    h.override = s.override;
    for (const [t, cs] of s.served) for (const c of cs) h.serve(t, c);
    for (const [f, ts] of s.flags) h.flags.set(f, ts);
    for (const t of s.adminTargets) h.adminTargets.add(t);
    for (const d of s.adminDays) h.adminDays.add(d);
    for (const [a, p] of s.accounts) h.accounts.set(a, p);
    for (const [ip, n] of s.externalPeers) h.externalPeers.set(ip, n);
    h.conflicts.push(...s.conflicts);
    byKey.set(s.key, h);
    if (h.anonymous && s.key.startsWith('ip:') && !s.key.includes('@')) x.anonByIp.set(s.key.slice(3), h);
  }
  const hostOf = (k: string): Host => {
    const h = byKey.get(k);
    if (h === undefined) throw new Error(`${label}: session refers to unknown host ${k}`);
    return h;
  };
  for (const [a, k] of state.aliases) {
    const h = byKey.get(k);
    if (h) x.aliases.set(a, h);
  }
  let now = Number.NEGATIVE_INFINITY;
  for (const s of state.history) {
    let list = x.history.get(ipKey(s.ip));
    if (list === undefined) {
      list = [];
      x.history.set(ipKey(s.ip), list);
    }
    list.push({ start: s.start, end: s.end, host: hostOf(s.host), source: s.source });
  }
  for (const list of x.history.values()) list.sort((a, b) => a.start - b.start);
  for (const s of state.open) {
    x.current.set(ipKey(s.ip), {
      ip: s.ip,
      start: s.start,
      lastSeen: s.end,
      host: hostOf(s.host),
      source: s.source,
    });
    if (s.end > now) now = s.end;
  }
  for (const a of state.accounts) x.accountsByKey.set(a.key, { ...a, sources: new Set(a.sources) });
  for (const n of state.dcNames) x.dcNames.add(n);
  if (domains) for (const d of state.domains) domains.restore(d);
  x.setNow(now);
}

export function saveState(file: string, tracker: IdentityTracker, domains?: DomainStats): void {
  writeFileAtomic(file, JSON.stringify(snapshot(tracker, domains)));
}

/** Restores from `file`; false when the file does not exist yet (first run). */
export function loadState(file: string, tracker: IdentityTracker, domains?: DomainStats): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`${file}: cannot read state: ${(err as Error).message}`);
  }
  let parsed: StateFile;
  try {
    parsed = JSON.parse(text) as StateFile;
  } catch (err) {
    throw new Error(`${file}: state file is not JSON: ${(err as Error).message}`);
  }
  restore(parsed, tracker, domains, file);
  return true;
}
