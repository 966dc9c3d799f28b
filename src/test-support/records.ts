/** Builders for hand-made records in tests: realistic Zeek fields, random values from a seed. */
import type { ZeekRecord } from '../model/records.js';
import { rng, zeekUid } from '../simulate/sample.js';

export interface ConnSpec {
  ts: number;
  src: string;
  dst: string;
  port: number;
  proto?: 'tcp' | 'udp' | 'icmp';
  state?: string;
  respPkts?: number;
  uid?: string;
}

let uidRand = rng(12345);

export function resetUids(seed: number): void {
  uidRand = rng(seed);
}

export function conn(s: ConnSpec): ZeekRecord {
  const state = s.state ?? 'S0';
  const answered = !['S0', 'SH', 'RSTOS0'].includes(state);
  return {
    _path: 'conn',
    ts: s.ts,
    uid: s.uid ?? zeekUid(uidRand),
    'id.orig_h': s.src,
    'id.orig_p': 40000 + Math.floor(uidRand() * 20000),
    'id.resp_h': s.dst,
    'id.resp_p': s.port,
    proto: s.proto ?? 'tcp',
    conn_state: state,
    history: state === 'S0' ? 'S' : state === 'REJ' ? 'Sr' : 'ShADadFf',
    orig_pkts: state === 'SF' ? 6 : 1,
    resp_pkts: s.respPkts ?? (answered ? (state === 'REJ' ? 1 : 5) : 0),
    orig_bytes: state === 'SF' ? 300 : 0,
    resp_bytes: state === 'SF' ? 1200 : 0,
    duration: state === 'SF' ? 0.2 : undefined,
  };
}

/** A random /24 inside 10/8 or 172.16/12 or 192.168/16, as `a.b.c.`. */
export function randomPrefix(rand: () => number): string {
  const pick = Math.floor(rand() * 3);
  if (pick === 0) return `10.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.`;
  if (pick === 1) return `172.${16 + Math.floor(rand() * 16)}.${Math.floor(rand() * 256)}.`;
  return `192.168.${Math.floor(rand() * 256)}.`;
}

/** Event-time ordered, as the merge delivers them. */
export function byTs(recs: ZeekRecord[]): ZeekRecord[] {
  return recs.sort((a, b) => a.ts - b.ts);
}
