/**
 * darknet-scan — one internal host contacts internal addresses that have shown no activity
 * recently (ATT&CK T1046, T1018). Vectra's Internal Darknet Scan: covers longer periods than a
 * port sweep and ignores systems that are alive but do not answer this host.
 *
 * Observables: conn records internal → internal with no answer at all (S0, SH, silent OTH) to
 * an address never seen active — as an originator of any connection or as a responder that
 * answered anyone — within `activeMemorySeconds`.
 *
 * Thresholds: `minDarkTargets` (10) distinct dark addresses within `windowSeconds` (1 h). The
 * detector stays silent for `warmupSeconds` after the first record it sees, because at the
 * start of a replay or a fresh install every address is "unknown" rather than dark.
 */
import type { ZeekRecord } from '../model/records.js';
import { responderAnswered } from './conn-facts.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const darknetScanMeta = {
  type: 'darknet-scan',
  name: 'Internal darknet scan',
  category: 'reconnaissance',
  attack: ['T1046', 'T1018'],
  logs: ['conn'],
  defaults: {
    /** Distinct dark internal addresses contacted that make a darknet scan. */
    minDarkTargets: 10,
    /** Sliding event-time window, seconds. */
    windowSeconds: 3_600,
    /** How long an address stays active after it was last seen alive, seconds (7 days). */
    activeMemorySeconds: 604_800,
    /** Quiet period after the first record before any address may count as dark, seconds. */
    warmupSeconds: 3_600,
    /** Active addresses remembered (bounded memory). */
    maxActiveAddresses: 1_000_000,
    /** Sources tracked at once. */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof darknetScanMeta.defaults;

interface SourceState {
  dark: TimedSet;
  ports: Set<string>;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface SourceJson {
  dark: [string, number][];
  ports: string[];
  evidence: SampleJson<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface Snapshot {
  startTs: number | null;
  active: [string, number][];
  sources: [string, number, SourceJson][];
}

export function createDarknetScan(): Detector<T> {
  let active: TimedSet | undefined;
  let sources: KeyedState<SourceState> | undefined;
  let startTs = Number.NaN;
  let pending: Snapshot | undefined;
  const newSources = (t: T): KeyedState<SourceState> =>
    new KeyedState<SourceState>(t.maxSources, () => ({
      dark: new TimedSet(10_000),
      ports: new Set(),
      evidence: new Sample(100),
      firstTs: 0,
      lastEmitted: 0,
    }));
  return {
    meta: darknetScanMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (pending) {
        active = TimedSet.load(t.maxActiveAddresses, pending.active);
        sources = newSources(t);
        sources.load(pending.sources, (j) => ({
          dark: TimedSet.load(10_000, j.dark),
          ports: new Set(j.ports),
          evidence: loadSample(100, j.evidence),
          firstTs: j.firstTs,
          lastEmitted: j.lastEmitted,
        }));
        startTs = pending.startTs ?? Number.NaN;
        pending = undefined;
      }
      active ??= new TimedSet(t.maxActiveAddresses);
      const ts = rec.ts;
      if (Number.isNaN(startTs)) startTs = ts;
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      const srcInternal = hosts.isInternal(src);
      if (srcInternal) active.add(src, ts);
      const answered = responderAnswered(rec);
      const dstInternal = hosts.isInternal(dst);
      if (!dstInternal || !srcInternal || src === dst) return;
      if (answered) {
        active.add(dst, ts);
        return;
      }
      if (active.has(dst) || ts - startTs < t.warmupSeconds) return;
      sources ??= newSources(t);
      const st = sources.get(src, ts);
      st.dark.expire(ts - t.windowSeconds);
      if (st.dark.size === 0) {
        st.firstTs = ts;
        st.ports.clear();
        st.evidence = new Sample(100);
        st.lastEmitted = 0;
      }
      st.dark.add(dst, ts);
      if (st.ports.size < 1000) st.ports.add(String(rec['id.resp_p']));
      st.evidence.add({ log: 'conn', uid: rec.uid as string, ts });
      const n = st.dark.size;
      if (n < t.minDarkTargets || n < st.lastEmitted * 1.5) return;
      const host = hosts.hostKey(src, ts);
      st.lastEmitted = n;
      const scale = Math.log2(n / t.minDarkTargets);
      ctx.emit({
        host,
        src,
        targets: [...st.dark.values()],
        threat: clamp99(Math.min(45, 25 + 6 * scale + 2 * Math.min(5, st.ports.size))),
        certainty: clamp99(45 + 12 * scale + 2 * Math.min(5, st.ports.size)),
        drivers: [
          { name: 'dark addresses contacted in window', value: n },
          { name: 'distinct ports', value: st.ports.size },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${src} contacted ${n} internal addresses with no recent activity`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      active?.expire(now - ctx.thresholds.activeMemorySeconds);
      sources?.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      if (pending) return pending;
      return {
        startTs: Number.isNaN(startTs) ? null : startTs,
        active: active?.dump() ?? [],
        sources:
          sources?.dump((st) => ({
            dark: st.dark.dump(),
            ports: [...st.ports],
            evidence: dumpSample(st.evidence),
            firstTs: st.firstTs,
            lastEmitted: st.lastEmitted,
          })) ?? [],
      };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      active = undefined;
      sources = undefined;
    },
  };
}
