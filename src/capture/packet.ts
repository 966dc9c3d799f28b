/**
 * One tshark row → the flow table's view of the packet: outermost IP layer, the transport right
 * above it (so an ICMP error quoting a TCP header stays ICMP), lengths and TCP flags.
 * Non-IP frames (ARP, LLDP, …) give undefined: Zeek writes no conn record for them either.
 */
import { type Row, toNum } from './fields.js';
import type { Packet, Transport } from './flows.js';

function layerIndex(protocols: string, name: string): number {
  const i = protocols.indexOf(`:${name}:`);
  if (i >= 0) return i;
  return protocols.endsWith(`:${name}`) ? protocols.length - name.length - 1 : -1;
}

export function packetOf(row: Row): Packet | undefined {
  const ts = Number(row.raw('frame.time_epoch'));
  if (!Number.isFinite(ts)) return undefined;
  const protocols = row.raw('frame.protocols');
  const i4 = layerIndex(protocols, 'ip');
  const i6 = layerIndex(protocols, 'ipv6');
  if (i4 < 0 && i6 < 0) return undefined;
  const v6 = i4 < 0 || (i6 >= 0 && i6 < i4);
  const src = v6 ? row.str('ipv6.src') : row.str('ip.src');
  const dst = v6 ? row.str('ipv6.dst') : row.str('ip.dst');
  if (src === undefined || dst === undefined) return undefined;
  const ipBytes = v6 ? (row.num('ipv6.plen') ?? 0) + 40 : (row.num('ip.len') ?? 0);
  const after = v6 ? i6 : i4;
  let proto: Transport | undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const [name, t] of [
    ['tcp', 'tcp'],
    ['udp', 'udp'],
    [v6 ? 'icmpv6' : 'icmp', 'icmp'],
  ] as const) {
    const at = layerIndex(protocols, name);
    if (at > after && at < best) {
      best = at;
      proto = t;
    }
  }
  if (proto === undefined) return undefined;
  const base: Packet = {
    ts,
    src,
    dst,
    proto,
    sport: 0,
    dport: 0,
    ipBytes,
    len: 0,
    flags: 0,
    seq: 0,
    window: -1,
    retransmission: false,
    v6,
  };
  if (proto === 'tcp') {
    const sport = row.num('tcp.srcport');
    const dport = row.num('tcp.dstport');
    if (sport === undefined || dport === undefined) return undefined;
    base.sport = sport;
    base.dport = dport;
    base.flags = row.num('tcp.flags') ?? 0;
    base.len = row.num('tcp.len') ?? 0;
    base.seq = row.num('tcp.seq_raw') ?? 0;
    base.window = row.num('tcp.window_size_value') ?? -1;
    base.retransmission = row.has('tcp.analysis.retransmission');
  } else if (proto === 'udp') {
    const sport = row.num('udp.srcport');
    const dport = row.num('udp.dstport');
    if (sport === undefined || dport === undefined) return undefined;
    base.sport = sport;
    base.dport = dport;
    base.len = Math.max(0, (row.num('udp.length') ?? 8) - 8);
  } else {
    base.sport = toNum(v6 ? row.str('icmpv6.type') : row.str('icmp.type')) ?? 0;
    base.dport = toNum(v6 ? row.str('icmpv6.code') : row.str('icmp.code')) ?? 0;
    base.len = Math.max(0, ipBytes - (v6 ? 40 : 20) - 8);
  }
  return base;
}
