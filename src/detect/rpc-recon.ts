/**
 * rpc-recon — one internal host makes DCE-RPC calls to far more internal hosts than hosts in
 * this network normally do (ATT&CK T1018 Remote System Discovery, T1049 System Network
 * Connections Discovery, T1135 Network Share Discovery). Vectra's RPC Recon: "RPC calls to a far
 * larger number of hosts than normally seen on this network" — the tools (NetScan, BloodHound
 * session collection, PowerView `Find-LocalAdminAccess`, `net view` sweeps) open the IPC$ pipe
 * or the endpoint mapper on every host they touch. In the reference incident the VPN host did
 * this within its first two minutes.
 *
 * Observables: `dce_rpc` records (any `endpoint`/`operation`, incl. `epmapper` `ept_map` /
 * `ept_lookup` on 135) and `smb_mapping` records of the IPC$ pipe share (`share_type` `PIPE`,
 * path `\\host\IPC$`), internal → internal. The measure is the number of distinct responders
 * per source in a sliding `windowSeconds`.
 *
 * Thresholds: learned breadth (see recon-baseline.ts): fire at
 * `max(minTargets, 3 × network normal, 2 × the host's own normal)`. Published anchors: BZAR's
 * Discovery analytic counts enumeration RPCs per source per 5 min with the series 5/10/15/…;
 * Zeek's scan.zeek flags 25 hosts in 5 min for failed connections. RPC to a host is a completed
 * session, much rarer than a connection attempt: a workstation talks RPC to its DCs, a file and
 * a print server (2–5 hosts in a quarter-hour), so the floor is 12 distinct hosts in 15 min, and
 * the learned normal keeps management servers (SCCM, backup, monitoring) quiet after they have
 * been seen doing it on an earlier day.
 *
 * Threat stays below 50 on its own (recon, Medium at most); it rises with scale and when domain
 * controllers or other high-value hosts are among the targets. Certainty rises with the excess
 * over the threshold; while the baseline is still learning it stays below 50 (a management
 * server's daily job seen on day one is Low, not Medium; stacked with other detections an
 * attacker still reaches Critical).
 */
import type { ZeekRecord } from '../model/records.js';
import {
  BREADTH_DEFAULTS,
  HostClock,
  type HostClockJson,
  hostLabel,
  listSome,
  minutes,
  oldestIn,
  PeakBaseline,
  type PeakBaselineJson,
} from './recon-baseline.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample, TimedSet } from './window.js';

export const rpcReconMeta = {
  type: 'rpc-recon',
  name: 'RPC recon',
  category: 'reconnaissance',
  attack: ['T1018', 'T1049', 'T1135'],
  logs: ['dce_rpc', 'smb_mapping'],
  defaults: {
    /** Floor: distinct internal hosts reached over DCE-RPC/IPC$ within the window. */
    minTargets: 12,
    /** Sliding event-time window, seconds. */
    windowSeconds: 900,
    ...BREADTH_DEFAULTS,
    /** Distinct targets remembered per source (bounded memory). */
    maxTargetsPerSource: 5_000,
    /** Sources tracked at once (bounded memory, least recently active evicted). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof rpcReconMeta.defaults;

interface SourceState {
  targets: TimedSet;
  endpoints: Map<string, number>;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface Snapshot {
  readonly baseline: PeakBaselineJson;
  readonly clock?: HostClockJson;
}

export function createRpcRecon(): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let baseline = new PeakBaseline(100_000);
  let clock = new HostClock(200_000);

  const init = (t: T): KeyedState<SourceState> =>
    new KeyedState<SourceState>(t.maxSources, () => ({
      targets: new TimedSet(t.maxTargetsPerSource),
      endpoints: new Map(),
      evidence: new Sample(100),
      firstTs: 0,
      lastEmitted: 0,
    }));

  return {
    meta: rpcReconMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      let endpoint: string;
      if (rec._path === 'smb_mapping') {
        if (rec.share_type !== 'PIPE') return;
        endpoint = 'IPC$';
      } else {
        const ep = rec.endpoint;
        endpoint = typeof ep === 'string' ? ep : 'unknown';
      }
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (src === dst || !hosts.isInternal(src) || !hosts.isInternal(dst)) return;
      const t = ctx.thresholds;
      sources ??= init(t);
      const ts = rec.ts;
      const host = hosts.hostKey(src, ts);
      clock.note(host, ts);
      clock.note(hosts.hostKey(dst, ts), ts);
      const st = sources.get(src, ts);
      st.targets.expire(ts - t.windowSeconds);
      if (st.targets.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.endpoints.clear();
        st.lastEmitted = 0;
      }
      if (!st.targets.add(dst, ts)) return;
      st.evidence.add({ log: rec._path, uid: rec.uid as string, ts });
      st.endpoints.set(endpoint, (st.endpoints.get(endpoint) ?? 0) + 1);
      const n = st.targets.size;
      baseline.observe(host, ts, n, t.baselineDays);
      if (n < t.minTargets) return;
      const thr = baseline.threshold(
        host,
        ts,
        t.minTargets,
        t,
        clock.learning(host, ts, hosts, t),
        clock.period(ts, t),
      );
      // Fire on crossing the threshold, then again each time the recon grows by a quarter.
      if (n < thr.value || n < st.lastEmitted * 1.25) return;
      st.lastEmitted = n;
      let highValue = 0;
      let dcs = 0;
      for (const target of st.targets.values()) {
        const k = hosts.hostKey(target, ts);
        if (hosts.roles(k).has('domain-controller')) dcs++;
        if (hosts.isHighValue(k)) highValue++;
      }
      const excess = Math.log2(n / thr.value);
      const topEndpoints = [...st.endpoints].sort((a, b) => b[1] - a[1]).map(([e, c]) => `${e}×${c}`);
      ctx.emit({
        host,
        src,
        targets: [...st.targets.values()],
        threat: clamp99(
          Math.min(45, 22 + 6 * Math.log2(n / t.minTargets) + (highValue > 0 || dcs > 0 ? 8 : 0)),
        ),
        certainty: clamp99(thr.learning ? Math.min(49, 40 + 5 * excess) : Math.min(95, 55 + 15 * excess)),
        drivers: [
          { name: 'distinct RPC targets in window', value: n },
          { name: 'threshold', value: thr.value },
          { name: 'host normal (peak per window)', value: thr.hostNormal },
          { name: 'network normal (p90 of host peaks)', value: thr.networkNormal },
          { name: 'baseline', value: thr.learning ? 'learning' : 'learned' },
          { name: 'domain controllers among targets', value: dcs },
          { name: 'high-value targets', value: highValue },
          { name: 'first call per target by endpoint', value: listSome(topEndpoints, 6) },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${hostLabel(hosts, host, src)} made RPC calls to ${n} internal hosts within ${minutes(ts - oldestIn([st.targets], ts))} min (threshold ${thr.value}${thr.learning ? ', learning' : `, normal here ≤${Math.max(thr.hostNormal, thr.networkNormal)}`})`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      sources?.expire(now - t.windowSeconds);
      baseline.refresh(now, t.baselineDays);
    },
    snapshot(): Snapshot {
      return { baseline: baseline.dump(), clock: clock.dump() };
    },
    restore(state: unknown) {
      const s = state as Snapshot;
      baseline = PeakBaseline.load(100_000, s.baseline);
      clock = HostClock.load(200_000, s.clock);
      sources = undefined;
    },
  };
}
