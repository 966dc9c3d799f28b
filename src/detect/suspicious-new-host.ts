/**
 * suspicious-new-host — a host never seen before becomes active inside (including a VPN-pool
 * address), off business hours and/or under a default/generic machine name (`WIN-` + 11,
 * `DESKTOP-` + 7, `kali` …), and starts talking to many internal systems (ATT&CK T1133 External
 * Remote Services; T1078 Valid Accounts). The reference incident: Jun 12 18:01, a VPN login with
 * a valid account from `WIN-XXXXXXXXXXXX`, a name used nowhere else, which at once touched the
 * server subnet.
 *
 * Observables: conn (`id.orig_h` internal → `id.resp_h` internal), and from the identity layer
 * (HostView): the host key, first-seen time, names (NTLM/Kerberos/DHCP/RDP), generic-name test,
 * VPN pool, business hours.
 *
 * Conditions, all of:
 * - new: first seen (identity's first-seen, else this detector's own) after the network's
 *   learning period (`learningSeconds` from the first record: at the start of data every host
 *   is "new"), and evaluated only during its first `newHostWindowSeconds` of life;
 * - fan-out: at least `minInternalPeers` distinct internal hosts contacted in that time. A new
 *   laptop talks to a DC, DNS, a proxy, a file server and a printer (≈5); 10 is above that and
 *   well under the incident's sweep of a subnet. No vendor publishes this number: Vectra's host
 *   model only says new hosts start without learned baselines;
 * - anomaly: off business hours at first activity, or a generic name. Either is common alone
 *   (night shifts, unrenamed laptops); with a fresh host fanning out they make the behaviour.
 * Threat 20–48 (below High alone: it marks the entry point; the scans that follow make the host
 * Critical), rising with a generic name, off-hours and VPN origin; certainty rises with the
 * number of anomalies and the fan-out.
 */
import type { ZeekRecord } from '../model/records.js';
import { formatSpan } from './perimeter-lists.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const suspiciousNewHostMeta = {
  type: 'suspicious-new-host',
  name: 'Suspicious new host',
  category: 'initial-access',
  attack: ['T1133', 'T1078'],
  logs: ['conn'],
  defaults: {
    /** Learning period from the first record, seconds: hosts first seen in it are known. */
    learningSeconds: 86_400,
    /** A host is evaluated during this long after it was first seen, seconds. */
    newHostWindowSeconds: 7_200,
    /** Distinct internal hosts a new host must contact. */
    minInternalPeers: 10,
    /** Hosts remembered as known (bounded memory, least recently active evicted). */
    maxHosts: 200_000,
    /** A host idle this long is forgotten (and new again when it returns), seconds. */
    hostMemorySeconds: 2_592_000,
  },
} as const satisfies DetectorMeta;

type T = typeof suspiciousNewHostMeta.defaults;

interface NewHostState {
  firstTs: number;
  /** Only while the host is new. */
  peers: TimedSet | undefined;
  evidence: Sample<EvidenceRef> | undefined;
  emitted: string;
}

const MAX_PEERS = 1_000;

interface HostJson {
  firstTs: number | null;
  peers: [string, number][] | null;
  evidence: SampleJson<EvidenceRef> | null;
  emitted: string;
}

interface Snapshot {
  startTs: number | null;
  hosts: [string, number, HostJson][];
}

export function createSuspiciousNewHost(): Detector<T> {
  let known: KeyedState<NewHostState> | undefined;
  let startTs = Number.NaN;
  let pending: Snapshot | undefined;

  return {
    meta: suspiciousNewHostMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const src = rec['id.orig_h'];
      if (typeof src !== 'string') return;
      const ts = rec.ts;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src)) return;
      // Learning starts with the first internal activity (external-only history teaches nothing).
      if (Number.isNaN(startTs)) startTs = ts;
      const t = ctx.thresholds;
      known ??= new KeyedState<NewHostState>(t.maxHosts, () => ({
        firstTs: Number.NaN,
        peers: undefined,
        evidence: undefined,
        emitted: '',
      }));
      if (pending) {
        known.load(pending.hosts, (j) => ({
          firstTs: j.firstTs ?? Number.NaN,
          peers: j.peers ? TimedSet.load(MAX_PEERS, j.peers) : undefined,
          evidence: j.evidence ? loadSample(100, j.evidence) : undefined,
          emitted: j.emitted,
        }));
        pending = undefined;
      }
      const host = hosts.hostKey(src, ts);
      const st = known.get(host, ts);
      if (Number.isNaN(st.firstTs)) {
        const idFirst = hosts.firstSeen(host);
        st.firstTs = idFirst !== undefined && idFirst < ts ? idFirst : ts;
        if (st.firstTs >= startTs + t.learningSeconds) {
          st.peers = new TimedSet(MAX_PEERS);
          st.evidence = new Sample(100);
        }
      }
      const peers = st.peers;
      if (peers === undefined || st.evidence === undefined) return;
      if (ts - st.firstTs > t.newHostWindowSeconds) {
        // No longer new: keep only the first-seen time.
        st.peers = undefined;
        st.evidence = undefined;
        return;
      }
      const dst = rec['id.resp_h'];
      if (typeof dst !== 'string' || dst === src || !hosts.isInternal(dst)) return;
      if (!peers.add(dst, ts)) return;
      st.evidence.add({ log: 'conn', uid: String(rec.uid), ts });
      const n = peers.size;
      if (n < t.minInternalPeers) return;

      const names = hosts.names(host);
      const generic = names.find((x) => hosts.isGenericName(x));
      const offHours = !hosts.inBusinessHours(st.firstTs);
      if (generic === undefined && !offHours) return;
      const vpn = hosts.isVpnAddress(src);
      const stateKey = `${generic ?? ''}/${offHours}/${vpn}/${Math.floor(Math.log2(n / t.minInternalPeers))}`;
      if (stateKey === st.emitted) return;
      st.emitted = stateKey;

      const scale = Math.log2(n / t.minInternalPeers);
      const anomalies = (generic !== undefined ? 1 : 0) + (offHours ? 1 : 0);
      const threat =
        20 + (generic !== undefined ? 10 : 0) + (offHours ? 8 : 0) + (vpn ? 4 : 0) + Math.min(6, 2 * scale);
      const certainty = 30 + 15 * anomalies + (vpn ? 5 : 0) + Math.min(15, 5 * scale);
      const label = names[0] ?? host;
      const when = new Date(st.firstTs * 1000).toISOString().slice(0, 16).replace('T', ' ');
      ctx.emit({
        host,
        src,
        targets: [...peers.values()],
        threat: clamp99(Math.min(48, threat)),
        certainty: clamp99(Math.min(80, certainty)),
        drivers: [
          { name: 'first seen', value: new Date(st.firstTs * 1000).toISOString() },
          { name: 'off business hours', value: offHours ? 'yes' : 'no' },
          { name: 'generic name', value: generic ?? '' },
          { name: 'names', value: names.slice(0, 5).join(', ') },
          { name: 'VPN pool address', value: vpn ? 'yes' : 'no' },
          { name: 'internal hosts contacted', value: n },
          { name: 'minutes since first seen', value: Math.round((ts - st.firstTs) / 6) / 10 },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary:
          `new host ${label} (${src}${vpn ? ', VPN pool' : ''}) first seen ${when} UTC` +
          `${offHours ? ' off business hours' : ''}${generic !== undefined ? `, generic name ${generic}` : ''}; ` +
          `contacted ${n} internal hosts within ${formatSpan(ts - st.firstTs)}`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      known?.expire(now - ctx.thresholds.hostMemorySeconds);
    },
    snapshot(): Snapshot {
      return {
        startTs: Number.isNaN(startTs) ? null : startTs,
        hosts: known
          ? known.dump((st) => ({
              firstTs: Number.isNaN(st.firstTs) ? null : st.firstTs,
              peers: st.peers ? st.peers.dump() : null,
              evidence: st.evidence ? dumpSample(st.evidence) : null,
              emitted: st.emitted,
            }))
          : (pending?.hosts ?? []),
      };
    },
    restore(state: unknown) {
      const snap = state as Snapshot;
      startTs = snap.startTs ?? Number.NaN;
      pending = snap;
      known = undefined;
    },
  };
}
