/**
 * threat-intel-match — an internal host talks to, resolves, fetches or sends something a
 * configured threat-intel feed lists: an external address in conn, a domain in DNS/HTTP/TLS, a
 * URL, a user agent, a JA3 fingerprint, or a file hash (ATT&CK T1071 application-layer C2,
 * T1105 ingress tool transfer for hashes). RITA and Zeek's Intel framework do the same lookups;
 * the indicators are the SOC's own lists, CSV feeds or STIX bundles (`intel.files` in the
 * config), so nothing fires without them.
 *
 * One detection per host and indicator, growing with each matching record (evidence: log + uid).
 * Threat rises with the indicator's confidence (`threatBase` + `threatPerConfidence` × confidence,
 * capped at `threatMax`): a listed C2 address is serious, but lists go stale and share hosting.
 * Certainty is the feed's confidence, +`certaintyPerRepeat` for each further matching record
 * (a beacon repeats; a one-off may be a shared CDN address), capped at 95. Indicators below
 * `minConfidence` are ignored. A finding is emitted on the 1st, 2nd, 4th, 8th … match and at the
 * engine's next tick after any other, not on every record of a chatty beacon.
 */
import type { ZeekRecord } from '../model/records.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson } from './window.js';

export const threatIntelMatchMeta = {
  type: 'threat-intel-match',
  name: 'Threat-intel indicator match',
  category: 'command-and-control',
  attack: ['T1071', 'T1105'],
  logs: ['conn', 'dns', 'http', 'ssl', 'files'],
  defaults: {
    /** Indicators with a lower feed confidence (0–100) are ignored. */
    minConfidence: 0,
    /** Threat of a match before confidence counts. */
    threatBase: 30,
    /** Threat added per point of indicator confidence. */
    threatPerConfidence: 0.4,
    /** Highest threat of a match alone. */
    threatMax: 75,
    /** Certainty added per further matching record (repeats make a real contact likelier). */
    certaintyPerRepeat: 2,
    /** (host, indicator) pairs tracked at once (bounded memory). */
    maxPairs: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof threatIntelMatchMeta.defaults;

interface PairState {
  host: string;
  src: string;
  field: string;
  value: string;
  kind: string;
  /** The listed value (may differ from the matched one: a listed domain's subdomain). */
  indicator: string;
  source: string;
  origin: string;
  description: string | undefined;
  confidence: number;
  count: number;
  firstTs: number;
  lastTs: number;
  nextEmitCount: number;
  emittedCount: number;
  evidence: Sample<EvidenceRef>;
}

type PairJson = Omit<PairState, 'evidence'> & { evidence: SampleJson<EvidenceRef> };

export function createThreatIntelMatch(): Detector<T> {
  let pairs: KeyedState<PairState> | undefined;
  let pending: [string, number, PairJson][] | undefined;
  const fresh = (t: T): KeyedState<PairState> =>
    new KeyedState<PairState>(t.maxPairs, () => ({
      host: '',
      src: '',
      field: '',
      value: '',
      kind: '',
      indicator: '',
      source: '',
      origin: '',
      description: undefined,
      confidence: 0,
      count: 0,
      firstTs: 0,
      lastTs: 0,
      nextEmitCount: 1,
      emittedCount: 0,
      evidence: new Sample(100),
    }));
  return {
    meta: threatIntelMatchMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const matches = ctx.hosts.intel?.(rec);
      if (!matches || matches.length === 0) return;
      const t = ctx.thresholds;
      if (pending) {
        pairs = fresh(t);
        pairs.load(pending, (j) => ({ ...j, evidence: loadSample(100, j.evidence) }));
        pending = undefined;
      }
      pairs ??= fresh(t);
      for (const m of matches) {
        if (m.indicator.confidence < t.minConfidence) continue;
        const ip = m.about;
        if (ip === undefined || !ctx.hosts.isInternal(ip)) continue;
        const host = ctx.hosts.hostKey(ip, rec.ts);
        if (ctx.suppressed(host, ip)) continue;
        const st = pairs.get(`${host}\u0000${m.indicator.type}:${m.indicator.value}`, rec.ts);
        if (st.count === 0) {
          Object.assign(st, {
            host,
            src: ip,
            field: m.field,
            value: m.value,
            kind: m.indicator.type,
            indicator: m.indicator.value,
            source: m.indicator.source,
            origin: m.indicator.origin,
            description: m.indicator.description,
            confidence: m.indicator.confidence,
            firstTs: rec.ts,
          });
        }
        st.count++;
        st.lastTs = rec.ts;
        st.evidence.add({ log: rec._path, uid: evidenceUid(rec), ts: rec.ts });
        // The first match at once; a growing one on doublings, and the rest at the next tick.
        if (st.count >= st.nextEmitCount) emit(st, ctx);
      }
    },
    onTick(_now: number, ctx: DetectorContext<T>) {
      if (!pairs) return;
      for (const [, { state }] of pairs.entries()) if (state.count > state.emittedCount) emit(state, ctx);
    },
    snapshot() {
      if (pending) return pending;
      return pairs?.dump((st) => ({ ...st, evidence: dumpSample(st.evidence) })) ?? [];
    },
    restore(state: unknown) {
      pending = state as [string, number, PairJson][];
      pairs = undefined;
    },
  };
}

function emit(st: PairState, ctx: DetectorContext<T>): void {
  const t = ctx.thresholds;
  st.nextEmitCount = st.count * 2;
  st.emittedCount = st.count;
  ctx.emit({
    host: st.host,
    src: st.src,
    key: `${st.kind}:${st.indicator}`,
    targets: [st.value],
    threat: clamp99(Math.min(t.threatMax, t.threatBase + t.threatPerConfidence * st.confidence)),
    certainty: clamp99(Math.min(95, st.confidence + t.certaintyPerRepeat * (st.count - 1))),
    drivers: [
      { name: 'indicator', value: `${st.kind} ${st.indicator}` },
      { name: 'feed', value: st.source },
      { name: 'listed at', value: st.origin },
      { name: 'feed confidence', value: st.confidence },
      { name: 'matching records', value: st.count },
      ...(st.description ? [{ name: 'description', value: st.description }] : []),
    ],
    evidence: st.evidence.items,
    evidenceCount: st.evidence.count,
    summary: `${st.src} matched ${st.kind} ${st.value} (${st.field}) listed by ${st.source}, ${st.count} record${st.count === 1 ? '' : 's'}`,
    firstTs: st.firstTs,
    lastTs: st.lastTs,
  });
}

/** files.log records are keyed by `fuid`; every other log by `uid`. */
function evidenceUid(rec: ZeekRecord): string {
  const id = rec._path === 'files' ? rec.fuid : rec.uid;
  return typeof id === 'string' ? id : '';
}
