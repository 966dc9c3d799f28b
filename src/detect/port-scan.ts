/**
 * port-scan — one internal host tries many ports on a few internal hosts (ATT&CK T1046 Network
 * Service Discovery).
 *
 * Observables: conn records internal → internal that are probes (failed, or a handshake with no
 * payload either way, see conn-facts.ts), counted as distinct ports per (source, target) in a
 * sliding window.
 *
 * Thresholds: `minPorts` distinct failed ports on one target within `windowSeconds`. Zeek's
 * scan.zeek uses 15 ports in 5 min; Elastic uses 50 ports per minute (or 5 "sensitive" ports)
 * without a failure condition. We keep Zeek's 15/5 min because counting only failures already
 * removes the busy-server case (clients that connect successfully to many services of one
 * server), and add Elastic's sensitive-port list as a threat driver rather than a trigger.
 *
 * Threat grows with the share of sensitive ports (SMB, RPC, RDP, WinRM, LDAP, Kerberos …);
 * certainty with the number of ports. One detection per scanning host: each further target it
 * scans grows that detection (targets listed) rather than opening another — no alert storm from
 * a host that scans a whole subnet port by port.
 */
import type { ZeekRecord } from '../model/records.js';
import { isProbeConn, portLabel, SENSITIVE_PORTS } from './conn-facts.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const portScanMeta = {
  type: 'port-scan',
  name: 'Port scan',
  category: 'reconnaissance',
  attack: ['T1046'],
  logs: ['conn'],
  defaults: {
    /** Distinct failed ports on one target that make a scan. */
    minPorts: 15,
    /** Sliding event-time window, seconds. */
    windowSeconds: 300,
    /** (source, target) pairs tracked at once (bounded memory). */
    maxPairs: 100_000,
    /** Ports remembered per pair. */
    maxPortsPerPair: 70_000,
  },
} as const satisfies DetectorMeta;

type T = typeof portScanMeta.defaults;

interface PairState {
  ports: TimedSet;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface PairJson {
  ports: [string, number][];
  evidence: SampleJson<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

type Snapshot = [string, number, PairJson][];

export function createPortScan(): Detector<T> {
  let pairs: KeyedState<PairState> | undefined;
  let pending: Snapshot | undefined;
  return {
    meta: portScanMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (!isProbeConn(rec)) return;
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (src === dst || !hosts.isInternal(src) || !hosts.isInternal(dst)) return;
      const t = ctx.thresholds;
      if (!pairs) {
        pairs = new KeyedState<PairState>(t.maxPairs, () => ({
          ports: new TimedSet(t.maxPortsPerPair),
          evidence: new Sample(100),
          firstTs: 0,
          lastEmitted: 0,
        }));
        if (pending) {
          pairs.load(pending, (j) => ({
            ports: TimedSet.load(t.maxPortsPerPair, j.ports),
            evidence: loadSample(100, j.evidence),
            firstTs: j.firstTs,
            lastEmitted: j.lastEmitted,
          }));
          pending = undefined;
        }
      }
      const ts = rec.ts;
      const st = pairs.get(`${src}>${dst}`, ts);
      st.ports.expire(ts - t.windowSeconds);
      if (st.ports.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.lastEmitted = 0;
      }
      st.ports.add(portLabel(rec), ts);
      st.evidence.add({ log: 'conn', uid: rec.uid as string, ts });
      const n = st.ports.size;
      if (n < t.minPorts || n < st.lastEmitted * 1.5) return;
      const host = hosts.hostKey(src, ts);
      st.lastEmitted = n;
      let sensitive = 0;
      for (const p of st.ports.values()) if (SENSITIVE_PORTS.has(p)) sensitive++;
      const scale = Math.log2(n / t.minPorts);
      ctx.emit({
        host,
        src,
        targets: [dst],
        threat: clamp99(Math.min(45, 20 + 3 * sensitive + 4 * scale)),
        certainty: clamp99(50 + 12 * scale),
        drivers: [
          { name: 'failed ports on target in window', value: n },
          { name: 'sensitive ports', value: sensitive },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${src} probed ${n} ports on ${dst} (${sensitive} sensitive) within ${Math.round(ts - st.firstTs)} s`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      pairs?.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      if (!pairs) return pending ?? [];
      return pairs.dump((st) => ({
        ports: st.ports.dump(),
        evidence: dumpSample(st.evidence),
        firstTs: st.firstTs,
        lastEmitted: st.lastEmitted,
      }));
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      pairs = undefined;
    },
  };
}
