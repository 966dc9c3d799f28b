/**
 * reverse-dns-sweep — one internal host issues many PTR lookups for internal addresses in a
 * short window, covering subnet ranges: it is mapping which addresses have names (ATT&CK T1018
 * Remote System Discovery). The reference incident: from the VPN host, 18:01–18:03, PTR lookups
 * of the server subnet (`2.0.5.10.in-addr.arpa`, `13.0.5.10.in-addr.arpa`, …) — NetScan and
 * Advanced IP Scanner resolve every address they probe.
 *
 * Observables: dns (`id.orig_h`, `query` under `in-addr.arpa`, `qtype_name` PTR, `rcode_name`).
 *
 * Thresholds: `minLookups` distinct internal addresses, new for this source (not looked up by
 * it within `knownTargetMemorySeconds`), within `windowSeconds`, with at least `minPerSubnet`
 * of them in one /24 (range coverage, not scattered names). Zeek's scan.zeek flags 25 hosts in
 * 5 min for address scans; a PTR sweep is the same breadth one protocol higher, so we keep
 * 25 / 5 min.
 *
 * Learned normal: monitoring servers, IPAM and SIEM collectors resolve addresses routinely.
 * - novelty: a poller resolves the same addresses every cycle, so after its first cycle
 *   nothing counts;
 * - routine sources: any source that sweeps during the learning period (`learningSeconds`
 *   from the first dns record), or on `routineDays` distinct days, is routine and stays quiet;
 * - roles: hosts with a role in `routineRoles` (from the identity layer / config) stay quiet.
 * Threat 25–42 (reconnaissance, below High alone) rising with contiguous coverage; certainty
 * with breadth and contiguity.
 */
import type { ZeekRecord } from '../model/records.js';
import { formatSpan } from './perimeter-lists.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const reverseDnsSweepMeta = {
  type: 'reverse-dns-sweep',
  name: 'Reverse DNS sweep',
  category: 'reconnaissance',
  attack: ['T1018'],
  logs: ['dns'],
  defaults: {
    /** Distinct new internal addresses resolved by PTR within the window. */
    minLookups: 25,
    /** Sliding event-time window, seconds. */
    windowSeconds: 300,
    /** Of those, at least this many in one /24 (range coverage). */
    minPerSubnet: 10,
    /** How long an address stays known to the source that resolved it, seconds (7 days). */
    knownTargetMemorySeconds: 604_800,
    /** Learning period from the first dns record: sources that sweep in it are routine. */
    learningSeconds: 86_400,
    /** Sweeps on this many distinct UTC days make a source routine. */
    routineDays: 3,
    /** Host roles that resolve addresses routinely. */
    routineRoles: ['monitoring', 'dns-server', 'ipam', 'siem'],
    /** Addresses remembered per source (bounded memory). */
    maxKnownTargetsPerSource: 20_000,
    /** Sources tracked at once (bounded memory). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof reverseDnsSweepMeta.defaults;

interface SweepState {
  known: TimedSet;
  window: TimedSet;
  evidence: Sample<EvidenceRef>;
  nx: number;
  firstTs: number;
  lastEmitted: number;
  /** Window size at the last coverage check (coverage is recomputed as the window grows). */
  lastChecked: number;
  sweepDays: Set<number>;
  routine: boolean;
}

interface SweepJson {
  known: [string, number][];
  window: [string, number][];
  evidence: SampleJson<EvidenceRef>;
  nx: number;
  firstTs: number;
  lastEmitted: number;
  lastChecked: number;
  sweepDays: number[];
  routine: boolean;
}

interface Snapshot {
  startTs: number | null;
  sources: [string, number, SweepJson][];
}

/** `d.c.b.a.in-addr.arpa` → `a.b.c.d`; undefined for anything else (zones, IPv6, garbage). */
export function ptrToIpv4(query: string): string | undefined {
  const q = query.endsWith('.') ? query.slice(0, -1) : query;
  if (!q.toLowerCase().endsWith('.in-addr.arpa')) return undefined;
  const labels = q.slice(0, -'.in-addr.arpa'.length).split('.');
  if (labels.length !== 4) return undefined;
  for (const l of labels) {
    if (l.length === 0 || l.length > 3) return undefined;
    const n = Number(l);
    if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  }
  return `${labels[3]}.${labels[2]}.${labels[1]}.${labels[0]}`;
}

const prefix24 = (ip: string): string => ip.slice(0, ip.lastIndexOf('.'));

export function createReverseDnsSweep(): Detector<T> {
  let sources: KeyedState<SweepState> | undefined;
  let startTs = Number.NaN;
  let routineRoles: ReadonlySet<string> = new Set();
  let pending: Snapshot | undefined;

  return {
    meta: reverseDnsSweepMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const ts = rec.ts;
      const src = rec['id.orig_h'];
      if (typeof src !== 'string') return;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src)) return;
      // Learning starts with the first internal client's query.
      if (Number.isNaN(startTs)) startTs = ts;
      const query = rec.query;
      if (typeof query !== 'string' || !(query.endsWith('arpa') || query.endsWith('arpa.'))) return;
      if (rec.qtype_name !== undefined && rec.qtype_name !== 'PTR') return;
      const target = ptrToIpv4(query);
      if (target === undefined || !hosts.isInternal(target)) return;
      const t = ctx.thresholds;
      if (sources === undefined) {
        routineRoles = new Set(t.routineRoles);
        const cap = t.maxKnownTargetsPerSource;
        sources = new KeyedState<SweepState>(t.maxSources, () => ({
          known: new TimedSet(cap),
          window: new TimedSet(cap),
          evidence: new Sample(100),
          nx: 0,
          firstTs: 0,
          lastEmitted: 0,
          lastChecked: 0,
          sweepDays: new Set(),
          routine: false,
        }));
        if (pending) {
          sources.load(pending.sources, (j) => ({
            ...j,
            known: TimedSet.load(cap, j.known),
            window: TimedSet.load(cap, j.window),
            evidence: loadSample(100, j.evidence),
            sweepDays: new Set(j.sweepDays),
          }));
          pending = undefined;
        }
      }
      const st = sources.get(src, ts);
      const wasKnown = st.known.has(target);
      st.known.add(target, ts);
      if (wasKnown) return;
      st.window.expire(ts - t.windowSeconds);
      if (st.window.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.nx = 0;
        st.lastEmitted = 0;
        st.lastChecked = 0;
      }
      st.window.add(target, ts);
      if (rec.rcode_name === 'NXDOMAIN') st.nx++;
      st.evidence.add({ log: 'dns', uid: String(rec.uid), ts });
      const n = st.window.size;
      if (n < t.minLookups || n < st.lastEmitted * 1.25 || n < st.lastChecked * 1.1) return;
      st.lastChecked = n;

      // Coverage: addresses per /24 and contiguity (neighbour also resolved).
      const perSubnet = new Map<string, number>();
      let contiguous = 0;
      for (const ip of st.window.values()) {
        const p = prefix24(ip);
        perSubnet.set(p, (perSubnet.get(p) ?? 0) + 1);
        const last = Number(ip.slice(p.length + 1));
        if (st.window.has(`${p}.${last + 1}`) || st.window.has(`${p}.${last - 1}`)) contiguous++;
      }
      let topSubnet = '';
      let topCount = 0;
      for (const [p, c] of perSubnet)
        if (c > topCount) {
          topSubnet = p;
          topCount = c;
        }
      if (topCount < t.minPerSubnet) return;
      st.lastEmitted = n;

      const day = Math.floor(ts / 86_400);
      if (!st.sweepDays.has(day)) {
        st.sweepDays.add(day);
        if (st.sweepDays.size >= t.routineDays + 1) st.routine = true;
      }
      if (ts < startTs + t.learningSeconds) st.routine = true;
      if (st.routine) return;
      const host = hosts.hostKey(src, ts);
      for (const role of hosts.roles(host)) if (routineRoles.has(role)) return;

      const contiguity = contiguous / n;
      const scale = Math.log2(n / t.minLookups);
      ctx.emit({
        host,
        src,
        targets: [...perSubnet.keys()].map((p) => `${p}.0/24`),
        threat: clamp99(Math.min(42, 25 + 12 * contiguity + 3 * scale)),
        certainty: clamp99(Math.min(85, 45 + 15 * contiguity + 10 * scale)),
        drivers: [
          { name: 'internal addresses resolved (new) in window', value: n },
          { name: 'subnets covered', value: perSubnet.size },
          { name: 'top subnet', value: `${topSubnet}.0/24` },
          { name: 'addresses in top subnet', value: topCount },
          { name: 'share with a resolved neighbour (contiguity)', value: Math.round(contiguity * 100) / 100 },
          { name: 'NXDOMAIN answers', value: st.nx },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary:
          `${src} resolved ${n} internal addresses by PTR in ${formatSpan(ts - st.firstTs)} ` +
          `across ${perSubnet.size} subnet(s), ${topCount} in ${topSubnet}.0/24`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      sources?.expire(now - ctx.thresholds.knownTargetMemorySeconds);
    },
    snapshot(): Snapshot {
      return {
        startTs: Number.isNaN(startTs) ? null : startTs,
        sources: sources
          ? sources.dump((st) => ({
              ...st,
              known: st.known.dump(),
              window: st.window.dump(),
              evidence: dumpSample(st.evidence),
              sweepDays: [...st.sweepDays],
            }))
          : (pending?.sources ?? []),
      };
    },
    restore(state: unknown) {
      const snap = state as Snapshot;
      startTs = snap.startTs ?? Number.NaN;
      pending = snap;
      sources = undefined;
    },
  };
}
