/** Facts about conn records that several detectors share. */
import type { ZeekRecord } from '../model/records.js';

/**
 * Zeek conn_state values where the responder never completed a handshake or data exchange:
 * S0 (no reply), REJ (rejected), RSTOS0/RSTRH (reset before/without handshake), SH/SHR (half
 * open), OTH with nothing from the responder. Zeek's scan.zeek counts the same kind of failure.
 */
const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);

export function isFailedConn(rec: ZeekRecord): boolean {
  const state = rec.conn_state;
  if (typeof state !== 'string') return false;
  if (FAILED_STATES.has(state)) return true;
  return state === 'OTH' && !(typeof rec.resp_pkts === 'number' && rec.resp_pkts > 0);
}

/**
 * A probe: a connection that failed (see isFailedConn), or that completed a handshake and
 * carried no application data either way (Zeek RSTO/RSTR/SF/S1 with 0 payload bytes) — what a
 * connect() scanner such as NetScan leaves when the target is alive. Real use of a service, a
 * monitoring check that reads a reply included, carries payload.
 */
export function isProbeConn(rec: ZeekRecord): boolean {
  if (isFailedConn(rec)) return true;
  if (rec.proto !== 'tcp') return false;
  const ob = rec.orig_bytes;
  const rb = rec.resp_bytes;
  return (ob === undefined || ob === 0) && (rb === undefined || rb === 0);
}

/** True when the responder answered at all (a live host, even if the port was closed). */
export function responderAnswered(rec: ZeekRecord): boolean {
  const state = rec.conn_state;
  if (state === 'S0' || state === 'SH' || state === 'RSTOS0') return false;
  if (state === 'OTH') return typeof rec.resp_pkts === 'number' && rec.resp_pkts > 0;
  return typeof state === 'string';
}

/** `445/tcp`, `53/udp`, `icmp` — the service a connection tried. */
export function portLabel(rec: ZeekRecord): string {
  const proto = typeof rec.proto === 'string' ? rec.proto : '?';
  if (proto === 'icmp') return 'icmp';
  return `${String(rec['id.resp_p'])}/${proto}`;
}

/** Ports whose scanning matters most (Elastic's "sensitive ports" list). */
export const SENSITIVE_PORTS: ReadonlySet<string> = new Set(
  [21, 22, 23, 53, 88, 135, 139, 389, 445, 1433, 3306, 3389, 5900, 5985, 5986, 9389].map((p) => `${p}/tcp`),
);
