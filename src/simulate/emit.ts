/**
 * Record builders: one connection and the protocol records Zeek writes for it, with the same uid,
 * realistic byte/packet counts, histories and states. Every protocol record has its conn record.
 * Records go to a `LogSink`; while a truth mark is set, each record is also listed as malicious.
 */
import type { ZeekRecord } from '../model/records.js';
import type { ZeekValue } from '../model/zeek-types.js';
import type { Rng } from './rand.js';
import { micros } from './time.js';
import { localTest } from './topology.js';

export type SimLog =
  | 'conn'
  | 'dns'
  | 'http'
  | 'ssl'
  | 'x509'
  | 'files'
  | 'smb_files'
  | 'smb_mapping'
  | 'dce_rpc'
  | 'ntlm'
  | 'kerberos'
  | 'rdp'
  | 'ldap'
  | 'ldap_search'
  | 'dhcp'
  | 'ftp';

export const SIM_LOGS: readonly SimLog[] = [
  'conn',
  'dce_rpc',
  'dhcp',
  'dns',
  'files',
  'ftp',
  'http',
  'kerberos',
  'ldap',
  'ldap_search',
  'ntlm',
  'rdp',
  'smb_files',
  'smb_mapping',
  'ssl',
  'x509',
];

export interface TruthMark {
  /** Attacker step id (playbook). */
  readonly step: string;
  /** The acting host (IP) of the step. */
  readonly host: string;
}

export interface MaliciousRecord {
  readonly log: SimLog;
  readonly uid: string;
  readonly step: string;
  readonly host: string;
}

type Fields = Record<string, ZeekValue | undefined>;

export class LogSink {
  readonly logs = new Map<SimLog, ZeekRecord[]>();
  readonly malicious: MaliciousRecord[] = [];
  private readonly seen = new Set<string>();
  mark: TruthMark | undefined;
  /** Records pushed so far (drained or not). */
  total = 0;
  private readonly onceKeys = new Set<string>();

  /** True the first time `key` is seen (e.g. a certificate logged once a day). */
  once(key: string): boolean {
    if (this.onceKeys.has(key)) return false;
    this.onceKeys.add(key);
    return true;
  }

  /** Adds a record: `id` (connection identity) and `fields`; unset (undefined) fields are left out. */
  push(log: SimLog, ts: number, fields: Fields, id?: Conn['id']): void {
    const rec: Record<string, ZeekValue | string | number> = { _path: log, ts: micros(ts) };
    if (id) {
      rec.uid = id.uid;
      rec['id.orig_h'] = id['id.orig_h'];
      rec['id.orig_p'] = id['id.orig_p'];
      rec['id.resp_h'] = id['id.resp_h'];
      rec['id.resp_p'] = id['id.resp_p'];
    }
    for (const k in fields) {
      const v = fields[k];
      if (v !== undefined) rec[k] = v;
    }
    let list = this.logs.get(log);
    if (!list) {
      list = [];
      this.logs.set(log, list);
    }
    list.push(rec as ZeekRecord);
    this.total++;
    const m = this.mark;
    if (m) {
      const uids =
        log === 'dhcp' ? ((fields.uids as string[] | undefined) ?? []) : [(id?.uid ?? fields.uid) as string];
      for (const uid of uids) {
        if (typeof uid !== 'string') continue;
        const key = `${log}\t${uid}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.malicious.push({ log, uid, step: m.step, host: m.host });
      }
    }
  }

  /** Removes and returns the records with `ts < before` (the rest stay for a later drain). */
  drain(before: number): Map<SimLog, ZeekRecord[]> {
    const out = new Map<SimLog, ZeekRecord[]>();
    for (const [log, list] of this.logs) {
      const take: ZeekRecord[] = [];
      const keep: ZeekRecord[] = [];
      for (const r of list) (r.ts < before ? take : keep).push(r);
      if (take.length > 0) out.set(log, take);
      this.logs.set(log, keep);
    }
    return out;
  }

  /** Runs `fn` with every record it writes marked as the given attacker step. */
  marked<T>(mark: TruthMark, fn: () => T): T {
    const prev = this.mark;
    this.mark = mark;
    try {
      return fn();
    } finally {
      this.mark = prev;
    }
  }

  count(): number {
    return this.total;
  }
}

export type ConnState = 'SF' | 'S0' | 'REJ' | 'RSTO' | 'RSTR' | 'SH' | 'S1' | 'OTH' | 'RSTOS0';

export interface ConnSpec {
  readonly ts: number;
  readonly orig: string;
  readonly resp: string;
  readonly respPort: number;
  readonly proto?: 'tcp' | 'udp';
  readonly origPort?: number;
  readonly service?: string;
  readonly duration?: number;
  readonly origBytes?: number;
  readonly respBytes?: number;
  readonly state?: ConnState;
  /** Reuse a uid (several protocol records on one connection are made by the caller). */
  readonly uid?: string;
}

export interface Conn {
  readonly uid: string;
  readonly ts: number;
  readonly id: {
    readonly uid: string;
    readonly 'id.orig_h': string;
    readonly 'id.orig_p': number;
    readonly 'id.resp_h': string;
    readonly 'id.resp_p': number;
  };
  readonly end: number;
}

const MSS = 1380;

export class Emitter {
  constructor(
    readonly sink: LogSink,
    readonly rand: Rng,
    /** Whether an address belongs to the site (conn `local_orig`/`local_resp`, files `local_orig`). */
    readonly isLocal: (ip: string) => boolean = localTest('10.5'),
  ) {}

  /** Writes one conn record and returns its identity for the protocol records. */
  conn(spec: ConnSpec): Conn {
    const r = this.rand;
    const proto = spec.proto ?? 'tcp';
    const uid = spec.uid ?? r.zeekId('C');
    const origPort = spec.origPort ?? (proto === 'udp' && spec.respPort === 67 ? 68 : r.ephemeralPort());
    const id = {
      uid,
      'id.orig_h': spec.orig,
      'id.orig_p': origPort,
      'id.resp_h': spec.resp,
      'id.resp_p': spec.respPort,
    };
    const state = spec.state ?? 'SF';
    const hdr = proto === 'tcp' ? 52 : 28;
    let duration = spec.duration;
    let ob = spec.origBytes ?? 0;
    let rb = spec.respBytes ?? 0;
    let op: number;
    let rp: number;
    let history: string;
    let service = spec.service;
    if (proto === 'udp') {
      op = Math.max(1, Math.ceil(ob / 1400));
      rp = rb > 0 ? Math.max(1, Math.ceil(rb / 1400)) : 0;
      history = rp > 0 ? 'Dd' : 'D';
      if (op === 1 && rp <= 1 && duration === undefined) duration = r.between(0.0003, 0.004);
    } else if (state === 'S0') {
      op = r.chance(0.7) ? 1 : 2;
      rp = 0;
      history = 'S';
      duration = op === 1 ? undefined : 3 + r.between(0, 0.01);
      ob = 0;
      rb = 0;
      service = undefined;
    } else if (state === 'REJ') {
      op = 1;
      rp = 1;
      history = 'Sr';
      duration = r.between(0.0002, 0.002);
      ob = 0;
      rb = 0;
      service = undefined;
    } else {
      op = Math.ceil(ob / MSS) + 3 + Math.floor(Math.ceil(rb / MSS) / 2);
      rp = Math.ceil(rb / MSS) + 2 + Math.floor(Math.ceil(ob / MSS) / 2);
      history =
        state === 'RSTO' ? 'ShADadR' : state === 'RSTR' ? 'ShADadr' : state === 'SH' ? 'ShAF' : 'ShADadFf';
      if (ob === 0 && rb === 0) history = state === 'SF' ? 'ShAFf' : history.replace(/[Dd]/g, '');
    }
    const rec: Fields = {
      proto,
      service,
      duration: duration === undefined ? undefined : micros(duration),
      orig_bytes: duration === undefined && proto === 'tcp' ? undefined : ob,
      resp_bytes: duration === undefined && proto === 'tcp' ? undefined : rb,
      conn_state: proto === 'udp' && rp === 0 ? 'S0' : state,
      local_orig: this.isLocal(spec.orig),
      local_resp: this.isLocal(spec.resp),
      missed_bytes: 0,
      history,
      orig_pkts: op,
      orig_ip_bytes: ob + op * hdr,
      resp_pkts: rp,
      resp_ip_bytes: rb + rp * hdr,
      ip_proto: proto === 'tcp' ? 6 : 17,
    };
    this.sink.push('conn', spec.ts, rec, id);
    return { uid, ts: spec.ts, id, end: spec.ts + (duration ?? 0) };
  }

  /** Writes a protocol record on an existing connection. */
  record(log: Exclude<SimLog, 'conn'>, conn: Conn, ts: number, fields: Fields): void {
    this.sink.push(log, ts, fields, conn.id);
  }

  /** A DNS query and its answer, over UDP 53. */
  dns(q: DnsQuery): Conn {
    const r = this.rand;
    const rtt = q.rtt ?? r.logNormal(0.0008, 0.6);
    const answers = q.answers ?? [];
    const c = this.conn({
      ts: q.ts,
      orig: q.client,
      resp: q.server,
      respPort: 53,
      proto: 'udp',
      service: 'dns',
      duration: rtt,
      origBytes: 17 + q.query.length + 12,
      respBytes:
        q.rcode === 'NXDOMAIN'
          ? 17 + q.query.length + 70
          : 17 + q.query.length + 12 + 16 * Math.max(1, answers.length),
    });
    const rcode = q.rcode ?? 'NOERROR';
    this.record('dns', c, q.ts, {
      proto: 'udp',
      trans_id: r.int(1, 65535),
      rtt: micros(rtt),
      query: q.query,
      qclass: 1,
      qclass_name: 'C_INTERNET',
      qtype: QTYPES[q.qtype],
      qtype_name: q.qtype,
      rcode: rcode === 'NOERROR' ? 0 : rcode === 'NXDOMAIN' ? 3 : 2,
      rcode_name: rcode,
      AA: q.authoritative ?? false,
      TC: false,
      RD: true,
      RA: true,
      Z: 0,
      answers: answers.length > 0 ? answers : undefined,
      TTLs: answers.length > 0 ? answers.map(() => q.ttl ?? 300) : undefined,
      rejected: false,
    });
    return c;
  }
}

export const QTYPES = { A: 1, NS: 2, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, SOA: 6 } as const;

export interface DnsQuery {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly query: string;
  readonly qtype: keyof typeof QTYPES;
  readonly answers?: string[];
  readonly ttl?: number;
  readonly rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL';
  readonly rtt?: number;
  readonly authoritative?: boolean;
}
