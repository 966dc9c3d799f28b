/** Test helpers for the perimeter/DNS detectors: http and dns records, a HostView with identity. */
import { DetectionEngine, type EngineConfig } from '../detect/engine.js';
import { IpHostView } from '../detect/ip-host-view.js';
import type { Detection, DetectorFactory, GeoInfo, HostView } from '../detect/types.js';
import type { ZeekRecord } from '../model/records.js';
import { rng, zeekUid } from '../simulate/sample.js';
import { byTs, randomPrefix } from './records.js';

const uidRand = rng(777);

export interface HttpSpec {
  ts: number;
  src: string;
  dst: string;
  port?: number;
  method?: string;
  host?: string;
  uri: string;
  ua?: string;
  status?: number;
  uid?: string;
}

export function http(s: HttpSpec): ZeekRecord {
  const status = s.status ?? 200;
  return {
    _path: 'http',
    ts: s.ts,
    uid: s.uid ?? zeekUid(uidRand),
    'id.orig_h': s.src,
    'id.orig_p': 40000 + Math.floor(uidRand() * 20000),
    'id.resp_h': s.dst,
    'id.resp_p': s.port ?? 80,
    trans_depth: 1,
    method: s.method ?? 'GET',
    host: s.host ?? s.dst,
    uri: s.uri,
    version: '1.1',
    user_agent: s.ua,
    request_body_len: 0,
    response_body_len: status < 400 ? 5000 : 200,
    status_code: status,
    status_msg: status < 400 ? 'OK' : 'Not Found',
  };
}

export interface DnsSpec {
  ts: number;
  src: string;
  dst?: string;
  query: string;
  qtype?: string;
  rcode?: string;
  answers?: string[];
  uid?: string;
}

const QTYPES: Record<string, number> = { A: 1, PTR: 12, AAAA: 28, TXT: 16, MX: 15 };
const RCODES: Record<string, number> = { NOERROR: 0, NXDOMAIN: 3, SERVFAIL: 2 };

export function dns(s: DnsSpec): ZeekRecord {
  const qtype = s.qtype ?? 'A';
  const rcode = s.rcode ?? 'NOERROR';
  return {
    _path: 'dns',
    ts: s.ts,
    uid: s.uid ?? zeekUid(uidRand),
    'id.orig_h': s.src,
    'id.orig_p': 40000 + Math.floor(uidRand() * 20000),
    'id.resp_h': s.dst ?? '10.0.0.53',
    'id.resp_p': 53,
    proto: 'udp',
    trans_id: Math.floor(uidRand() * 65535),
    query: s.query,
    qclass: 1,
    qclass_name: 'C_INTERNET',
    qtype: QTYPES[qtype] ?? 1,
    qtype_name: qtype,
    rcode: RCODES[rcode] ?? 0,
    rcode_name: rcode,
    AA: false,
    TC: false,
    RD: true,
    RA: true,
    Z: 0,
    answers: s.answers,
    rejected: false,
  };
}

/** PTR query name of an IPv4 address (`10.5.0.2` → `2.0.5.10.in-addr.arpa`). */
export function ptrName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export interface IdentitySpec {
  names?: ReadonlyMap<string, readonly string[]>;
  firstSeen?: ReadonlyMap<string, number>;
  /** IPv4 prefixes (`10.9.`) of the VPN pool. */
  vpnPrefixes?: readonly string[];
  geo?: ReadonlyMap<string, GeoInfo>;
  roles?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Business hours as [startHourUtc, endHourUtc), Mon–Fri. */
  hours?: readonly [number, number];
}

/** IpHostView plus the identity answers a test needs (names, first seen, VPN pool, GeoIP). */
export class TestHostView extends IpHostView {
  constructor(private readonly spec: IdentitySpec = {}) {
    super(spec.roles ?? new Map());
  }

  override names(host?: string): readonly string[] {
    return (host !== undefined && this.spec.names?.get(host)) || [];
  }

  override firstSeen(host?: string): number | undefined {
    return host === undefined ? undefined : this.spec.firstSeen?.get(host);
  }

  override isVpnAddress(ip?: string): boolean {
    return ip !== undefined && (this.spec.vpnPrefixes ?? []).some((p) => ip.startsWith(p));
  }

  override geo(ip?: string): GeoInfo | undefined {
    return ip === undefined ? undefined : this.spec.geo?.get(ip);
  }

  override inBusinessHours(ts: number): boolean {
    if (!this.spec.hours) return super.inBusinessHours(ts);
    const d = new Date(ts * 1000);
    const day = d.getUTCDay();
    const h = d.getUTCHours();
    return day >= 1 && day <= 5 && h >= this.spec.hours[0] && h < this.spec.hours[1];
  }
}

/** A random public (non-private) IPv4 address. */
export function randomPublicIp(r: () => number): string {
  const firsts = [5, 31, 37, 45, 77, 91, 95, 109, 141, 176, 185, 193, 194, 195, 212, 213, 217];
  const a = firsts[Math.floor(r() * firsts.length)]!;
  return `${a}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 253)}`;
}

/** Runs detectors over records (sorted by ts) and returns the detections. */
export function runDetectors(
  factories: DetectorFactory[],
  recs: ZeekRecord[],
  view: HostView = new IpHostView(),
  cfg: EngineConfig = {},
): Detection[] {
  const engine = new DetectionEngine(factories, view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** `n` distinct internal addresses of one random /24 (perimeter servers, a DMZ). */
export function perimeterHosts(r: () => number, n: number): string[] {
  const net = randomPrefix(r);
  const start = 1 + Math.floor(r() * 200);
  return Array.from({ length: n }, (_, i) => `${net}${start + i}`);
}
