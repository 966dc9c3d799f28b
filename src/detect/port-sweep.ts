/**
 * port-sweep — one internal host contacts many internal hosts on few ports (ATT&CK T1046
 * Network Service Discovery; T1018 Remote System Discovery). The reference incident's VPN host
 * swept the server subnet for SMB/RPC within its first two minutes.
 *
 * Observables: conn records internal → internal that are probes — the responder never answered
 * or refused (S0, REJ, RSTOS0, RSTRH, SH, SHR, silent OTH), or a handshake completed and no
 * payload moved either way (a connect() scanner such as NetScan resets live targets: RSTO) — to
 * targets this source had not contacted before (`knownTargetMemorySeconds`): a monitoring server
 * polls the same hosts every cycle and reads their replies, so its habitual targets never count.
 *
 * Thresholds: `minTargets` distinct new failed targets within `windowSeconds`. Zeek's
 * scan.zeek uses 25 hosts in 5 min (failed connections only) and we keep the numbers: Elastic's
 * 100 hosts (on admin ports, no failure condition) misses slow or narrow sweeps of a server
 * subnet. Unlike Zeek we also count payload-free handshakes, because connect() scanners get
 * answers from live hosts; the novelty condition keeps habitual pollers quiet.
 *
 * Threat rises when one port is swept across many hosts (Vectra's driver) and with scale;
 * certainty rises with the number of targets. A single sweep stays below threat 50 (Medium): it
 * takes other behaviour to make a host High or Critical.
 */
import type { ZeekRecord } from '../model/records.js';
import { isProbeConn, portLabel } from './conn-facts.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const portSweepMeta = {
  type: 'port-sweep',
  name: 'Port sweep',
  category: 'reconnaissance',
  attack: ['T1046', 'T1018'],
  logs: ['conn'],
  defaults: {
    /** Distinct new internal targets with failed connections that make a sweep. */
    minTargets: 25,
    /** Sliding event-time window for counting targets, seconds. */
    windowSeconds: 300,
    /** How long a contacted target stays "known" to its source, seconds (7 days). */
    knownTargetMemorySeconds: 604_800,
    /** Targets remembered per source (bounded memory). */
    maxKnownTargetsPerSource: 5_000,
    /** Sources tracked at once (bounded memory, least recently active evicted). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof portSweepMeta.defaults;

interface SourceState {
  known: TimedSet;
  failedTargets: TimedSet;
  /** port → targets that failed on it, in the window. */
  byPort: Map<string, TimedSet>;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmittedTargets: number;
}

interface SourceJson {
  known: [string, number][];
  failed: [string, number][];
  byPort: [string, [string, number][]][];
  evidence: SampleJson<EvidenceRef>;
  firstTs: number;
  lastEmittedTargets: number;
}

type Snapshot = [string, number, SourceJson][];

export function createPortSweep(): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let pending: Snapshot | undefined;
  const init = (t: T): KeyedState<SourceState> => {
    const ks = new KeyedState<SourceState>(t.maxSources, () => ({
      known: new TimedSet(t.maxKnownTargetsPerSource),
      failedTargets: new TimedSet(t.maxKnownTargetsPerSource),
      byPort: new Map(),
      evidence: new Sample(100),
      firstTs: 0,
      lastEmittedTargets: 0,
    }));
    if (pending) {
      const cap = t.maxKnownTargetsPerSource;
      ks.load(pending, (j) => ({
        known: TimedSet.load(cap, j.known),
        failedTargets: TimedSet.load(cap, j.failed),
        byPort: new Map(j.byPort.map(([p, v]) => [p, TimedSet.load(cap, v)])),
        evidence: loadSample(100, j.evidence),
        firstTs: j.firstTs,
        lastEmittedTargets: j.lastEmittedTargets,
      }));
      pending = undefined;
    }
    return ks;
  };

  return {
    meta: portSweepMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
      const t = ctx.thresholds;
      sources ??= init(t);
      const ts = rec.ts;
      const st = sources.get(src, ts);
      const wasKnown = st.known.has(dst);
      st.known.add(dst, ts);
      if (wasKnown || !isProbeConn(rec)) return;
      const cutoff = ts - t.windowSeconds;
      st.failedTargets.expire(cutoff);
      if (st.failedTargets.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.lastEmittedTargets = 0;
      }
      st.failedTargets.add(dst, ts);
      const port = portLabel(rec);
      let onPort = st.byPort.get(port);
      if (!onPort) {
        onPort = new TimedSet(t.maxKnownTargetsPerSource);
        st.byPort.set(port, onPort);
      }
      onPort.add(dst, ts);
      st.evidence.add({ log: 'conn', uid: rec.uid as string, ts });
      const n = st.failedTargets.size;
      // Emit on crossing the threshold and again each time the sweep grows by a quarter.
      if (n < t.minTargets || n < st.lastEmittedTargets * 1.25) return;
      const host = hosts.hostKey(src, ts);
      st.lastEmittedTargets = n;
      let topPort = '';
      let topCount = 0;
      for (const [p, set] of st.byPort) {
        set.expire(cutoff);
        if (set.size === 0) st.byPort.delete(p);
        else if (set.size > topCount) {
          topPort = p;
          topCount = set.size;
        }
      }
      const concentration = topCount / n;
      const scale = Math.log2(n / t.minTargets);
      ctx.emit({
        host,
        src,
        targets: [...st.failedTargets.values()],
        threat: clamp99(Math.min(45, 20 + 15 * concentration + 5 * scale)),
        certainty: clamp99(50 + 15 * scale),
        drivers: [
          { name: 'failed new targets in window', value: n },
          { name: 'ports', value: st.byPort.size },
          { name: 'top port', value: topPort },
          { name: 'share of targets on top port', value: Math.round(concentration * 100) / 100 },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${src} swept ${n} internal hosts in ${Math.round((ts - st.firstTs) / 6) / 10} min, mostly on ${topPort}`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      sources?.expire(now - ctx.thresholds.knownTargetMemorySeconds);
    },
    snapshot(): Snapshot {
      if (!sources) return pending ?? [];
      return sources.dump((st) => ({
        known: st.known.dump(),
        failed: st.failedTargets.dump(),
        byPort: [...st.byPort].map(([p, set]) => [p, set.dump()] as [string, [string, number][]]),
        evidence: dumpSample(st.evidence),
        firstTs: st.firstTs,
        lastEmittedTargets: st.lastEmittedTargets,
      }));
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      sources = undefined;
    },
  };
}
