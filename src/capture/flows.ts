/**
 * Flow table → Zeek conn records. Packets are keyed by their 5-tuple (ICMP by type and its
 * counterpart, as Zeek does); the originator is the first packet's sender unless Zeek's
 * role-flip rules say otherwise (a partial TCP flow or a UDP packet *from* a likely server port),
 * marked `^` in `history`. Per direction: packets, IP bytes, payload bytes (TCP: by sequence
 * numbers, so retransmissions are not double-counted), TCP endpoint state and Zeek's history
 * letters. A flow ends on inactivity (TCP 5 min, UDP/ICMP 1 min, as Zeek), 5 s after both sides
 * closed, when a new SYN reuses a finished 5-tuple, or at the end of the capture.
 */
import type { ConnRecord } from '../model/records.js';
import { UidGenerator } from './uid.js';

export type Transport = 'tcp' | 'udp' | 'icmp';

/** What the flow table needs to know about one packet. */
export interface Packet {
  ts: number;
  src: string;
  dst: string;
  proto: Transport;
  /** TCP/UDP ports; ICMP: type and code. */
  sport: number;
  dport: number;
  /** IP datagram length (header included). */
  ipBytes: number;
  /** Payload bytes (TCP segment data, UDP payload, ICMP message after its 8-byte header). */
  len: number;
  /** TCP only. */
  flags: number;
  seq: number;
  window: number;
  retransmission: boolean;
  /** ICMPv6 rather than ICMPv4 (other counterpart table). */
  v6: boolean;
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const ACK = 0x10;

enum State {
  Inactive = 0,
  SynSent = 1,
  SynAckSent = 2,
  Partial = 3,
  Established = 4,
  Closed = 5,
  Reset = 6,
}

/** Zeek's history bit per letter (one letter per direction, repeated letters are scaled). */
enum Hist {
  Syn = 1,
  Fin = 2,
  Rst = 4,
  Data = 8,
  Ack = 16,
  Multi = 32,
  FinRst = 64,
}

export class Endpoint {
  state = State.Inactive;
  pkts = 0;
  ipBytes = 0;
  /** UDP/ICMP payload bytes. */
  payload = 0;
  startSeq: number | undefined;
  maxEnd: number | undefined;
  hist = 0;
  lastSyn = -1;
  lastFin = -1;
  lastRst = -1;
  retrans = 0;
  retransNext = 1;
  zeroWin = 0;
  zeroWinNext = 1;

  /** TCP payload bytes as Zeek counts them: the sequence space covered, 32-bit wrap aware. */
  tcpBytes(): number {
    if (this.startSeq === undefined || this.maxEnd === undefined) return 0;
    return (this.maxEnd - this.startSeq) >>> 0;
  }
}

export interface FlowOptions {
  /** Zeek `tcp_inactivity_timeout`: a TCP flow silent this long ends. Default 300. */
  readonly tcpInactivitySeconds?: number;
  /** Zeek `udp_inactivity_timeout`. Default 60. */
  readonly udpInactivitySeconds?: number;
  /** Zeek `icmp_inactivity_timeout`. Default 60. */
  readonly icmpInactivitySeconds?: number;
  /** Zeek `tcp_close_delay`/`tcp_reset_delay`: a closed TCP flow lingers this long. Default 5. */
  readonly tcpCloseDelaySeconds?: number;
  /**
   * Zeek `tcp_attempt_delay`: a SYN still unanswered after this long ends the attempt (S0);
   * later packets of the 5-tuple start a new flow. Default 5.
   */
  readonly tcpAttemptDelaySeconds?: number;
}

export class Flow {
  readonly orig = new Endpoint();
  readonly resp = new Endpoint();
  history = '';
  last: number;
  readonly services = new Set<string>();
  /** Per-protocol parser state, keyed by protocol name. */
  readonly app = new Map<string, unknown>();
  /** Order of creation (for the output watermark). */
  ended = false;

  constructor(
    readonly key: string,
    readonly uid: string,
    readonly proto: Transport,
    readonly origH: string,
    readonly origP: number,
    readonly respH: string,
    readonly respP: number,
    readonly start: number,
    flipped: boolean,
  ) {
    this.last = start;
    if (flipped) this.history = '^';
  }

  state<T>(name: string, init: () => T): T {
    let s = this.app.get(name) as T | undefined;
    if (s === undefined) {
      s = init();
      this.app.set(name, s);
    }
    return s;
  }

  finished(): boolean {
    const o = this.orig.state;
    const r = this.resp.state;
    return (o === State.Closed || o === State.Reset) && (r === State.Closed || r === State.Reset);
  }

  addHistory(isOrig: boolean, letter: string): void {
    this.history += isOrig ? letter : letter.toLowerCase();
  }

  /** Records the letter once per direction (Zeek `CheckHistory`); true when it was already set. */
  checkHistory(isOrig: boolean, bit: Hist, letter: string): boolean {
    const e = isOrig ? this.orig : this.resp;
    if (e.hist & bit) return true;
    e.hist |= bit;
    this.addHistory(isOrig, letter);
    return false;
  }

  connState(): string {
    if (this.proto === 'tcp') {
      const os = this.orig.state;
      const rs = this.resp.state;
      const oInactive = os === State.Inactive || os === State.Partial;
      const rInactive = rs === State.Inactive || rs === State.Partial;
      if (rs === State.Reset) {
        if (
          os === State.SynSent ||
          os === State.SynAckSent ||
          (os === State.Reset && this.orig.tcpBytes() === 0 && this.resp.tcpBytes() === 0)
        )
          return 'REJ';
        return oInactive ? 'RSTRH' : 'RSTR';
      }
      if (os === State.Reset) return rInactive ? 'RSTOS0' : 'RSTO';
      if (rs === State.Closed && os === State.Closed) return 'SF';
      if (os === State.Closed) return rInactive ? 'SH' : 'S2';
      if (rs === State.Closed) return oInactive ? 'SHR' : 'S3';
      if (os === State.SynSent && rs === State.Inactive) return 'S0';
      if (os === State.Established && rs === State.Established) return 'S1';
      return 'OTH';
    }
    if (this.proto === 'udp') {
      const o = this.orig.pkts > 0;
      const r = this.resp.pkts > 0;
      if (o) return r ? 'SF' : 'S0';
      return r ? 'SHR' : 'OTH';
    }
    return 'OTH';
  }

  toRecord(): ConnRecord {
    const tcp = this.proto === 'tcp';
    const rec: ConnRecord = {
      _path: 'conn',
      ts: this.start,
      uid: this.uid,
      'id.orig_h': this.origH,
      'id.orig_p': this.origP,
      'id.resp_h': this.respH,
      'id.resp_p': this.respP,
      proto: this.proto,
    };
    if (this.services.size > 0) rec.service = [...this.services].join(',');
    const duration = this.last - this.start;
    if (duration > 0) rec.duration = Math.round(duration * 1e6) / 1e6;
    rec.orig_bytes = tcp ? this.orig.tcpBytes() : this.orig.payload;
    rec.resp_bytes = tcp ? this.resp.tcpBytes() : this.resp.payload;
    rec.conn_state = this.connState();
    rec.missed_bytes = 0;
    if (this.history !== '') rec.history = this.history;
    rec.orig_pkts = this.orig.pkts;
    rec.orig_ip_bytes = this.orig.ipBytes;
    rec.resp_pkts = this.resp.pkts;
    rec.resp_ip_bytes = this.resp.ipBytes;
    rec.ip_proto = this.proto === 'tcp' ? 6 : this.proto === 'udp' ? 17 : this.origH.includes(':') ? 58 : 1;
    return rec;
  }
}

/**
 * Ports Zeek's analyzers register (its `likely_server_ports`): a packet *from* one of these to a
 * port that is not one makes the receiver the originator.
 */
export const LIKELY_SERVER_PORTS: ReadonlySet<number> = new Set([
  21, 22, 23, 25, 53, 67, 68, 69, 80, 81, 88, 102, 110, 111, 123, 135, 137, 138, 139, 143, 161, 162, 389, 443,
  445, 464, 465, 502, 514, 563, 585, 587, 614, 631, 636, 989, 990, 992, 993, 995, 1080, 1812, 1813, 2811,
  3128, 3268, 3389, 3306, 5060, 5223, 5353, 5355, 5432, 6379, 8000, 8080, 8888, 1883, 5222, 5269, 6667, 6668,
  6669, 2404, 20000, 47808,
]);

/** ICMP request ↔ reply types (v4 and v6); other types are one-way (the code stands as port). */
const ICMP4_PAIR = new Map([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [17, 18],
  [18, 17],
  [10, 9],
  [9, 10],
]);
const ICMP4_REPLY = new Set([0, 14, 16, 18, 9]);
const ICMP6_PAIR = new Map([
  [128, 129],
  [129, 128],
  [130, 131],
  [131, 130],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [139, 140],
  [140, 139],
]);
const ICMP6_REPLY = new Set([129, 131, 134, 136, 140]);

function icmpPorts(p: Packet): [number, number, boolean] {
  const pair = (p.v6 ? ICMP6_PAIR : ICMP4_PAIR).get(p.sport);
  if (pair === undefined) return [p.sport, p.dport, false];
  return [p.sport, pair, (p.v6 ? ICMP6_REPLY : ICMP4_REPLY).has(p.sport)];
}

function seqAfter(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export class FlowTable {
  private readonly flows = new Map<string, Flow>();
  private readonly uids = new UidGenerator();
  private readonly tcpTimeout: number;
  private readonly udpTimeout: number;
  private readonly icmpTimeout: number;
  private readonly closeDelay: number;
  private readonly attemptDelay: number;
  private lastSweep = Number.NEGATIVE_INFINITY;
  /** Per transport, flows in order of last activity (re-inserted on every packet): idle ones first. */
  private readonly idle: Record<Transport, Map<string, Flow>> = {
    tcp: new Map(),
    udp: new Map(),
    icmp: new Map(),
  };
  /** TCP flows that may end early (SYN unanswered, or closed): checked when their delay is up. */
  private readonly pending: Array<{ flow: Flow; at: number }> = [];

  constructor(
    private readonly onEnd: (flow: Flow) => void,
    options: FlowOptions = {},
  ) {
    this.tcpTimeout = options.tcpInactivitySeconds ?? 300;
    this.udpTimeout = options.udpInactivitySeconds ?? 60;
    this.icmpTimeout = options.icmpInactivitySeconds ?? 60;
    this.closeDelay = options.tcpCloseDelaySeconds ?? 5;
    this.attemptDelay = options.tcpAttemptDelaySeconds ?? 5;
  }

  get size(): number {
    return this.flows.size;
  }

  /** Open flows in creation order (Map keeps insertion order). */
  open(): IterableIterator<Flow> {
    return this.flows.values();
  }

  /** Accounts one packet; returns its flow and direction. */
  packet(p: Packet): { flow: Flow; isOrig: boolean } {
    if (p.ts - this.lastSweep >= 1) this.sweep(p.ts);
    let sport = p.sport;
    let dport = p.dport;
    let icmpReply = false;
    if (p.proto === 'icmp') [sport, dport, icmpReply] = icmpPorts(p);
    const fwd = p.src < p.dst || (p.src === p.dst && sport <= dport);
    const key = fwd
      ? `${p.proto}|${p.src}|${sport}|${p.dst}|${dport}`
      : `${p.proto}|${p.dst}|${dport}|${p.src}|${sport}`;
    let flow = this.flows.get(key);
    if (flow && this.expired(flow, p)) {
      this.end(flow);
      flow = undefined;
    }
    if (!flow) {
      let flip = false;
      if (p.proto === 'tcp') {
        if (!(p.flags & SYN) || p.flags & ACK) {
          if (LIKELY_SERVER_PORTS.has(sport)) {
            flip = LIKELY_SERVER_PORTS.has(dport) ? !(p.flags & SYN) && sport < dport : true;
          }
        }
      } else if (p.proto === 'udp') {
        flip = LIKELY_SERVER_PORTS.has(sport) && !LIKELY_SERVER_PORTS.has(dport);
      } else {
        flip = icmpReply;
      }
      const [oh, op, rh, rp] = flip ? [p.dst, dport, p.src, sport] : [p.src, sport, p.dst, dport];
      const uid = this.uids.next(`${key}|${p.ts}`);
      flow = new Flow(key, uid, p.proto, oh, op, rh, rp, p.ts, flip);
      this.flows.set(key, flow);
      if (p.proto === 'tcp') this.pending.push({ flow, at: p.ts + this.attemptDelay });
    }
    const lru = this.idle[flow.proto];
    lru.delete(key);
    lru.set(key, flow);
    const isOrig =
      p.src === flow.origH &&
      (p.proto === 'icmp' ? !icmpReply || flow.origH === flow.respH : sport === flow.origP);
    flow.last = p.ts;
    const e = isOrig ? flow.orig : flow.resp;
    e.pkts++;
    e.ipBytes += p.ipBytes;
    if (p.proto === 'tcp') {
      const wasFinished = flow.finished();
      this.tcp(flow, isOrig, p);
      if (!wasFinished && flow.finished()) this.pending.push({ flow, at: p.ts + this.closeDelay });
    } else {
      e.payload += p.len;
      if (p.proto === 'udp' && p.len > 0) flow.checkHistory(isOrig, Hist.Data, 'D');
    }
    return { flow, isOrig };
  }

  private expired(flow: Flow, p: Packet): boolean {
    const idle = p.ts - flow.last;
    if (idle > this.timeout(flow)) return true;
    if (flow.proto !== 'tcp') return false;
    if (this.attemptExpired(flow, p.ts)) return true;
    if (!flow.finished()) return false;
    // A closed flow: a fresh SYN (another connection on the same 5-tuple) or time past the delay.
    return idle > this.closeDelay || (p.flags & SYN && !(p.flags & ACK)) !== 0;
  }

  /** An unanswered connection attempt past Zeek's `tcp_attempt_delay`. */
  private attemptExpired(flow: Flow, now: number): boolean {
    return (
      flow.orig.state === State.SynSent &&
      flow.resp.state === State.Inactive &&
      now - flow.start > this.attemptDelay
    );
  }

  private timeout(flow: Flow): number {
    return flow.proto === 'tcp' ? this.tcpTimeout : flow.proto === 'udp' ? this.udpTimeout : this.icmpTimeout;
  }

  private tcp(flow: Flow, isOrig: boolean, p: Packet): void {
    const e = isOrig ? flow.orig : flow.resp;
    const peer = isOrig ? flow.resp : flow.orig;
    const f = p.flags;
    const syn = (f & SYN) !== 0;
    const fin = (f & FIN) !== 0;
    const rst = (f & RST) !== 0;
    const ack = (f & ACK) !== 0;
    // Sequence space → payload bytes.
    if (syn) {
      if (e.startSeq === undefined || e.maxEnd === undefined) e.startSeq = (p.seq + 1) >>> 0;
    } else if (e.startSeq === undefined) e.startSeq = p.seq;
    if (p.len > 0) {
      const begin = syn ? (p.seq + 1) >>> 0 : p.seq;
      const end = (begin + p.len) >>> 0;
      if (e.maxEnd === undefined || seqAfter(end, e.maxEnd)) e.maxEnd = end;
    } else if (e.maxEnd === undefined && e.startSeq !== undefined) e.maxEnd = e.startSeq;
    // History letters (Zeek's update_history).
    const rel = ((p.seq - (e.startSeq ?? p.seq)) | 0) >>> 0;
    const bits = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
    if (bits > 1) {
      if (fin && rst) flow.checkHistory(isOrig, Hist.FinRst, 'I');
      else flow.checkHistory(isOrig, Hist.Multi, 'Q');
    } else if (bits === 1) {
      if (syn) {
        const code = ack ? 'H' : 'S';
        if (flow.checkHistory(isOrig, Hist.Syn, code) && p.seq !== e.lastSyn) flow.addHistory(isOrig, code);
        e.lastSyn = p.seq;
      }
      if (fin) {
        const at = (rel + p.len) >>> 0;
        if (flow.checkHistory(isOrig, Hist.Fin, 'F') && at !== e.lastFin) flow.addHistory(isOrig, 'F');
        e.lastFin = at;
      }
      if (rst) {
        if (flow.checkHistory(isOrig, Hist.Rst, 'R') && rel !== e.lastRst) flow.addHistory(isOrig, 'R');
        e.lastRst = rel;
      }
    } else if (p.len > 0) flow.checkHistory(isOrig, Hist.Data, 'D');
    else if (ack) flow.checkHistory(isOrig, Hist.Ack, 'A');
    if (p.retransmission && p.len > 0 && ++e.retrans === e.retransNext) {
      flow.addHistory(isOrig, 'T');
      e.retransNext *= 10;
    }
    if (p.window === 0 && !syn && !fin && !rst && ++e.zeroWin === e.zeroWinNext) {
      flow.addHistory(isOrig, 'W');
      e.zeroWinNext *= 10;
    }
    // Endpoint state machine (a reduction of Zeek's TCP_Endpoint states).
    if (rst) e.state = State.Reset;
    else if (syn) {
      if (ack) {
        if (isOrig) {
          if (e.state === State.Inactive) e.state = State.SynAckSent;
        } else if (e.state === State.Inactive || e.state === State.SynSent || e.state === State.Partial) {
          e.state = State.Established;
          if (peer.state === State.SynSent || peer.state === State.SynAckSent) peer.state = State.Established;
        }
      } else if (e.state === State.Inactive) e.state = State.SynSent;
      if (fin) e.state = State.Closed;
    } else if (fin) e.state = State.Closed;
    else if (p.len > 0 || ack) {
      if (e.state === State.Inactive) e.state = State.Partial;
      else if (
        (e.state === State.SynSent || e.state === State.SynAckSent) &&
        peer.state === State.Established
      )
        e.state = State.Established;
    }
  }

  /** Ends flows idle past their time-out (or closed past the close delay) at time `now`. */
  sweep(now: number): void {
    this.lastSweep = now;
    // Inactivity: each transport's least recently active flows come first; stop at a live one.
    for (const proto of ['tcp', 'udp', 'icmp'] as const) {
      const lru = this.idle[proto];
      for (const flow of lru.values()) {
        if (now - flow.last <= this.timeout(flow)) break;
        this.end(flow);
      }
    }
    // Early ends (attempt delay, close delay), in the order they fall due. Entries are hints:
    // the condition is re-checked, and a closed flow still active is looked at again later.
    let i = 0;
    const q = this.pending;
    while (i < q.length && (q[i] as { at: number }).at < now) {
      const { flow } = q[i] as { flow: Flow; at: number };
      i++;
      if (flow.ended) continue;
      if (this.attemptExpired(flow, now)) this.end(flow);
      else if (flow.finished()) {
        if (now - flow.last > this.closeDelay) this.end(flow);
        else q.push({ flow, at: flow.last + this.closeDelay });
      }
    }
    if (i > 0) q.splice(0, i);
  }

  /** Ends every open flow (end of capture). */
  flush(): void {
    for (const flow of [...this.flows.values()]) this.end(flow);
  }

  private end(flow: Flow): void {
    if (this.flows.get(flow.key) === flow) {
      this.flows.delete(flow.key);
      this.idle[flow.proto].delete(flow.key);
    }
    flow.ended = true;
    this.onEnd(flow);
  }
}
