/**
 * Writes tiny pcap files byte by byte for capture tests: Ethernet + IPv4 + TCP/UDP frames with
 * the fields the flow table reads (checksums left 0: tshark does not verify them by default).
 */
export interface TcpSpec {
  ts: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** Letters: S (SYN), A (ACK), F (FIN), R (RST), P (PSH). */
  flags: string;
  seq: number;
  ack?: number;
  payload?: Uint8Array;
  window?: number;
}

export interface UdpSpec {
  ts: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Uint8Array;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

function ipv4(addr: string): number[] {
  return addr.split('.').map(Number);
}

function ipHeader(proto: number, src: string, dst: string, payloadLen: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payloadLen, 2);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(ipv4(src)).copy(h, 12);
  Buffer.from(ipv4(dst)).copy(h, 16);
  return h;
}

const ETH = Buffer.from([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 0x08, 0x00]);

export function tcpFrame(p: TcpSpec): Buffer {
  const payload = Buffer.from(p.payload ?? new Uint8Array());
  const t = Buffer.alloc(20);
  t.writeUInt16BE(p.sport, 0);
  t.writeUInt16BE(p.dport, 2);
  t.writeUInt32BE(p.seq >>> 0, 4);
  t.writeUInt32BE((p.ack ?? 0) >>> 0, 8);
  t[12] = 5 << 4;
  let flags = 0;
  for (const c of p.flags) flags |= FLAG_BITS[c] ?? 0;
  t[13] = flags;
  t.writeUInt16BE(p.window ?? 65535, 14);
  return Buffer.concat([ETH, ipHeader(6, p.src, p.dst, 20 + payload.length), t, payload]);
}

export function udpFrame(p: UdpSpec): Buffer {
  const payload = Buffer.from(p.payload);
  const u = Buffer.alloc(8);
  u.writeUInt16BE(p.sport, 0);
  u.writeUInt16BE(p.dport, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([ETH, ipHeader(17, p.src, p.dst, 8 + payload.length), u, payload]);
}

/** A classic little-endian microsecond pcap (link type Ethernet) of the frames. */
export function pcapFile(frames: ReadonlyArray<{ ts: number; data: Buffer }>, bigEndian = false): Buffer {
  const w32 = (b: Buffer, v: number, o: number) =>
    bigEndian ? b.writeUInt32BE(v, o) : b.writeUInt32LE(v, o);
  const w16 = (b: Buffer, v: number, o: number) =>
    bigEndian ? b.writeUInt16BE(v, o) : b.writeUInt16LE(v, o);
  const head = Buffer.alloc(24);
  w32(head, 0xa1b2c3d4, 0);
  w16(head, 2, 4);
  w16(head, 4, 6);
  w32(head, 65535, 16);
  w32(head, 1, 20);
  const parts: Buffer[] = [head];
  for (const f of frames) {
    const rec = Buffer.alloc(16);
    const sec = Math.floor(f.ts);
    w32(rec, sec, 0);
    w32(rec, Math.round((f.ts - sec) * 1e6), 4);
    w32(rec, f.data.length, 8);
    w32(rec, f.data.length, 12);
    parts.push(rec, f.data);
  }
  return Buffer.concat(parts);
}

/** A DNS query or response for `name` (type A), as a UDP payload. */
export function dnsMessage(id: number, name: string, answer?: string): Buffer {
  const labels = Buffer.concat([
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(answer ? 0x8180 : 0x0100, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answer ? 1 : 0, 6);
  const q = Buffer.concat([labels, Buffer.from([0, 1, 0, 1])]);
  if (!answer) return Buffer.concat([head, q]);
  const rr = Buffer.concat([
    Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4]),
    Buffer.from(ipv4(answer)),
  ]);
  return Buffer.concat([head, q, rr]);
}
