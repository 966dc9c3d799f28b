/**
 * external-service-probe — one external source (an address, or its /24 by default: attackers
 * probe from a few neighbouring addresses) touches several distinct perimeter services in a
 * short span — VPN (IKE 500/4500 udp, SSL-VPN 4433/8443/10443 or a VPN portal path), FTP 21,
 * webmail (OWA/ECP/EWS paths), RDP, SSH, SMB exposed — and most of its sessions fail or carry
 * almost nothing (ATT&CK T1595 Active Scanning). The reference incident: a Russian subnet probed
 * the VPN, FTP and webmail services for days before the intrusion.
 *
 * Observables: conn (`id.orig_h` external, `id.resp_h` ours: internal per the network model, or
 * marked `local_resp` by Zeek — a public perimeter range missing from config still counts;
 * `id.resp_p`/`proto` → service, `conn_state`, `orig_bytes`+`resp_bytes`), http (`uri` under webmail or VPN-portal
 * prefixes → `webmail` / `ssl-vpn`, `status_code`). GeoIP country/ASN of the source go in the
 * drivers and summary.
 *
 * Thresholds: `minServices` distinct services within `windowSeconds`, with at least
 * `minWeakShare` of the conn sessions failed (Zeek's failure states) or under `tinyBytes`.
 * Zeek's scan.zeek flags 15 failed ports on one host in 5 min and Elastic 5 "sensitive" ports
 * in 1 min: both count raw ports. We count *services* (HTTP and HTTPS are one, `web`) so 3
 * suffices: a visitor uses the website, an employee the VPN and webmail (two services, with
 * real sessions), while a prober walks the service list. The window is 1 day, not 5 min,
 * because perimeter probing is slow and deliberate: a few probes an hour over days in the
 * incident, never a burst a 5-minute window would see. The weak-share condition (`tinyBytes`
 * = 16 kB: a TLS handshake and a login page) keeps a remote employee's VPN + webmail + FTP
 * quiet: their tunnels and mailbox sessions move megabytes.
 *
 * Threat stays low (15–40): the internet probes every perimeter, and the source is outside;
 * the value is context — GeoIP and the link to what follows (rare UA, web scan, VPN login).
 * It rises with the number of services and when remote-access services (VPN, RDP, SSH, SMB,
 * WinRM) are among them. Certainty rises with services and the weak share.
 */
import type { ZeekRecord } from '../model/records.js';
import { isFailedConn, portLabel } from './conn-facts.js';
import {
  formatSpan,
  OwnAddresses,
  PathMatcher,
  PERIMETER_SERVICES,
  parseLabelled,
  uriPath,
  VPN_PATH_PREFIXES,
  WEBMAIL_PATH_PREFIXES,
} from './perimeter-lists.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const externalServiceProbeMeta = {
  type: 'external-service-probe',
  name: 'External service probe',
  category: 'reconnaissance',
  attack: ['T1595'],
  logs: ['conn', 'http'],
  defaults: {
    /** Distinct perimeter services touched by one source within the window. */
    minServices: 3,
    /** Sliding event-time window, seconds (1 day: perimeter probing is slow). */
    windowSeconds: 86_400,
    /** Share of conn sessions that failed or stayed tiny (0–1) needed to call it probing. */
    minWeakShare: 0.5,
    /**
     * A session with at most this many payload bytes (both directions) is "tiny": a TLS
     * handshake with its certificate chain and a login page; real use moves far more.
     */
    tinyBytes: 16_384,
    /** Group external sources by this prefix length (24 = a /24; 32 = per address). */
    sourcePrefixBits: 24,
    /** `port/proto=service` entries; HTTP(S) share one service so browsing counts once. */
    perimeterServices: PERIMETER_SERVICES,
    /** URI path prefixes that mean webmail (OWA/ECP/EWS…). */
    webmailPathPrefixes: WEBMAIL_PATH_PREFIXES,
    /** URI path prefixes that mean an SSL-VPN portal. */
    vpnPathPrefixes: VPN_PATH_PREFIXES,
    /** Sources tracked at once (bounded memory, least recently active evicted). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof externalServiceProbeMeta.defaults;

const REMOTE_ACCESS = new Set([
  'ike-vpn',
  'openvpn',
  'pptp-vpn',
  'ssl-vpn',
  'rdp',
  'ssh',
  'smb',
  'winrm',
  'vnc',
]);

interface ProbeState {
  services: TimedSet;
  targets: TimedSet;
  sources: TimedSet;
  conns: number;
  weak: number;
  evidence: Sample<EvidenceRef>;
  /** Evidence already taken per service (so every service shows up in the capped sample). */
  perService: Map<string, number>;
  firstTs: number;
  lastServices: number;
  lastConns: number;
}

interface ProbeJson {
  services: [string, number][];
  targets: [string, number][];
  sources: [string, number][];
  conns: number;
  weak: number;
  evidence: SampleJson<EvidenceRef>;
  perService: [string, number][];
  firstTs: number;
  lastServices: number;
  lastConns: number;
}

interface Snapshot {
  own: string[];
  probes: [string, number, ProbeJson][];
}

interface Compiled {
  services: Map<string, string>;
  webmail: PathMatcher;
  vpn: PathMatcher;
  probes: KeyedState<ProbeState>;
}

const EVIDENCE_CAP = 100;
const EVIDENCE_PER_SERVICE = 20;

/** `a.b.c.0/24` for IPv4 at `bits` < 32; the address itself otherwise (and for IPv6). */
export function sourceGroup(ip: string, bits: number): string {
  if (bits >= 32 || ip.includes(':')) return ip;
  const parts = ip.split('.');
  if (parts.length !== 4) return ip;
  const n = ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
  const mask = bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const m = (n & mask) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${bits}`;
}

export function createExternalServiceProbe(): Detector<T> {
  let c: Compiled | undefined;
  const own = new OwnAddresses();
  let pending: Snapshot | undefined;
  const compile = (t: T): Compiled => {
    const windowCap = 1_000;
    const cc: Compiled = {
      services: parseLabelled(t.perimeterServices, 'service'),
      webmail: new PathMatcher(t.webmailPathPrefixes.map((p) => (p.endsWith('/') ? p : `${p}/`))),
      vpn: new PathMatcher(t.vpnPathPrefixes.map((p) => (p.endsWith('/') ? p : `${p}/`))),
      probes: new KeyedState<ProbeState>(t.maxSources, () => ({
        services: new TimedSet(64),
        targets: new TimedSet(windowCap),
        sources: new TimedSet(256),
        conns: 0,
        weak: 0,
        evidence: new Sample(EVIDENCE_CAP),
        perService: new Map(),
        firstTs: 0,
        lastServices: 0,
        lastConns: 0,
      })),
    };
    if (pending) {
      cc.probes.load(pending.probes, (j) => ({
        services: TimedSet.load(64, j.services),
        targets: TimedSet.load(windowCap, j.targets),
        sources: TimedSet.load(256, j.sources),
        conns: j.conns,
        weak: j.weak,
        evidence: loadSample(EVIDENCE_CAP, j.evidence),
        perService: new Map(j.perService),
        firstTs: j.firstTs,
        lastServices: j.lastServices,
        lastConns: j.lastConns,
      }));
      pending = undefined;
    }
    return cc;
  };

  const serviceOf = (rec: ZeekRecord, cc: Compiled): string | undefined => {
    if (rec._path === 'conn') return cc.services.get(portLabel(rec));
    const uri = rec.uri;
    if (typeof uri !== 'string') return undefined;
    // `/owa` and `/owa/…` both match the `/owa/` prefix.
    const path = `${uriPath(uri)}/`;
    if (cc.webmail.match(path)) return 'webmail';
    if (cc.vpn.match(path)) return 'ssl-vpn';
    return undefined;
  };

  return {
    meta: externalServiceProbeMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (typeof src !== 'string' || typeof dst !== 'string') return;
      const hosts = ctx.hosts;
      if (rec._path === 'conn') own.learn(rec);
      if (own.isOurs(src, hosts) || !own.isOurs(dst, hosts)) return;
      const t = ctx.thresholds;
      c ??= compile(t);
      const service = serviceOf(rec, c);
      if (service === undefined) return;
      const ts = rec.ts;
      const group = sourceGroup(src, t.sourcePrefixBits);
      const st = c.probes.get(group, ts);
      st.services.expire(ts - t.windowSeconds);
      if (st.services.size === 0) {
        st.targets = new TimedSet(1_000);
        st.sources = new TimedSet(256);
        st.conns = 0;
        st.weak = 0;
        st.evidence = new Sample(EVIDENCE_CAP);
        st.perService.clear();
        st.firstTs = ts;
        st.lastServices = 0;
        st.lastConns = 0;
      }
      st.services.add(service, ts);
      st.targets.add(dst, ts);
      st.sources.add(src, ts);
      if (rec._path === 'conn') {
        st.conns++;
        const bytes =
          (typeof rec.orig_bytes === 'number' ? rec.orig_bytes : 0) +
          (typeof rec.resp_bytes === 'number' ? rec.resp_bytes : 0);
        if (isFailedConn(rec) || bytes <= t.tinyBytes) st.weak++;
      }
      const taken = st.perService.get(service) ?? 0;
      if (taken < EVIDENCE_PER_SERVICE) {
        st.perService.set(service, taken + 1);
        st.evidence.add({ log: rec._path, uid: String(rec.uid), ts });
      } else st.evidence.count++;

      const n = st.services.size;
      if (n < t.minServices) return;
      const weakShare = st.conns === 0 ? 1 : st.weak / st.conns;
      if (weakShare < t.minWeakShare) return;
      // Emit on crossing, on each new service, and when the probing doubles in sessions.
      if (n <= st.lastServices && st.conns < st.lastConns * 2) return;
      st.lastServices = n;
      st.lastConns = Math.max(1, st.conns);

      const services = [...st.services.values()].sort();
      const remote = services.filter((s) => REMOTE_ACCESS.has(s));
      const geo = hosts.geo(src);
      const where = [geo?.country, geo?.asn !== undefined ? `AS${geo.asn}` : undefined, geo?.org]
        .filter((x) => x !== undefined)
        .join(' ');
      const host = t.sourcePrefixBits >= 32 ? hosts.hostKey(src, ts) : group;
      const extra = n - t.minServices;
      const drivers = [
        { name: 'perimeter services touched', value: n },
        { name: 'services', value: services.join(', ') },
        { name: 'remote-access services', value: remote.length },
        { name: 'share of sessions failed or tiny', value: Math.round(weakShare * 100) / 100 },
        { name: 'perimeter hosts touched', value: st.targets.size },
        { name: 'source addresses', value: st.sources.size },
      ];
      if (geo?.country) drivers.push({ name: 'source country', value: geo.country });
      if (geo?.asn !== undefined) drivers.push({ name: 'source ASN', value: geo.asn });
      if (geo?.org) drivers.push({ name: 'source organisation', value: geo.org });
      ctx.emit({
        host,
        src,
        targets: [...st.targets.values()],
        threat: clamp99(Math.min(40, 15 + 4 * extra + (remote.length > 0 ? 6 : 0))),
        certainty: clamp99(Math.min(80, 35 + 8 * extra + 25 * weakShare)),
        drivers,
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary:
          `${group}${where ? ` (${where})` : ''} probed ${n} perimeter services (${services.join(', ')}) on ` +
          `${st.targets.size} host(s) in ${formatSpan(ts - st.firstTs)}; ` +
          `${Math.round(weakShare * 100)}% of sessions failed or tiny`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      c?.probes.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      if (!c) return { own: own.dump(), probes: pending?.probes ?? [] };
      return {
        own: own.dump(),
        probes: c.probes.dump((st) => ({
          services: st.services.dump(),
          targets: st.targets.dump(),
          sources: st.sources.dump(),
          conns: st.conns,
          weak: st.weak,
          evidence: dumpSample(st.evidence),
          perService: [...st.perService],
          firstTs: st.firstTs,
          lastServices: st.lastServices,
          lastConns: st.lastConns,
        })),
      };
    },
    restore(state: unknown) {
      const snap = state as Snapshot;
      own.load(snap.own);
      pending = snap;
      c = undefined;
    },
  };
}
