/**
 * dns.log: one record per query/response pair, matched by transaction id within the flow; ts and
 * fields of the query, rtt, rcode, flags and answers (answer section only, Zeek's rendering:
 * addresses, names, `TXT <len> <text>`) of the response. Unanswered queries and unsolicited
 * responses are logged alone, as Zeek does.
 */
import type { DnsRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

export const QTYPE_NAMES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  3: 'MD',
  4: 'MF',
  5: 'CNAME',
  6: 'SOA',
  7: 'MB',
  8: 'MG',
  9: 'MR',
  10: 'NULL',
  11: 'WKS',
  12: 'PTR',
  13: 'HINFO',
  14: 'MINFO',
  15: 'MX',
  16: 'TXT',
  17: 'RP',
  18: 'AFSDB',
  19: 'X25',
  20: 'ISDN',
  21: 'RT',
  22: 'NSAP',
  23: 'NSAP-PTR',
  24: 'SIG',
  25: 'KEY',
  26: 'PX',
  27: 'GPOS',
  28: 'AAAA',
  29: 'LOC',
  30: 'EID',
  31: 'NIMLOC',
  32: 'NB',
  33: 'SRV',
  34: 'ATMA',
  35: 'NAPTR',
  36: 'KX',
  37: 'CERT',
  38: 'A6',
  39: 'DNAME',
  40: 'SINK',
  41: 'OPT',
  42: 'APL',
  43: 'DS',
  44: 'SSHFP',
  45: 'IPSECKEY',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  49: 'DHCID',
  50: 'NSEC3',
  51: 'NSEC3PARAM',
  52: 'TLSA',
  55: 'HIP',
  59: 'CDS',
  60: 'CDNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  100: 'UINFO',
  101: 'UID',
  102: 'GID',
  103: 'UNSPEC',
  249: 'TKEY',
  250: 'TSIG',
  251: 'IXFR',
  252: 'AXFR',
  253: 'MAILB',
  254: 'MAILA',
  255: '*',
  256: 'URI',
  257: 'CAA',
  32768: 'TA',
  32769: 'DLV',
};

export const RCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
  16: 'BADVERS',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
};

const QCLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'C_INTERNET',
  2: 'C_CSNET',
  3: 'C_CHAOS',
  4: 'C_HESIOD',
  254: 'C_NONE',
  255: 'C_ANY',
};

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0: 'query',
  1: 'inverse-query',
  2: 'status',
  4: 'notify',
  5: 'dynamic-update',
};

interface Pending {
  rec: DnsRecord;
}

type State = Map<number, Pending[]>;

/** tshark prints an RRSIG's covered type by name; Zeek logs its number. */
const QTYPE_NUMBERS = new Map(Object.entries(QTYPE_NAMES).map(([n, name]) => [name, Number(n)]));

/** Answer types whose value is a domain name (Zeek logs those in lower case). */
const NAME_TYPES = new Set([2, 5, 6, 12, 15, 33]);

/** The three header bits after RA, as one number (Zeek's `Z`: Z, AD, CD). */
function zBits(row: Row): number {
  return (
    ((row.bool('dns.flags.z') ? 1 : 0) << 2) |
    ((row.bool('dns.flags.authenticated') ? 1 : 0) << 1) |
    (row.bool('dns.flags.checkdisable') ? 1 : 0)
  );
}

function zip(a: string[], b: string[]): Array<[string, string]> {
  return a.map((x, i) => [x, b[i] ?? ''] as [string, string]);
}

/** The answer section rendered as Zeek does, with its TTLs. */
function answers(row: Row): { answers: string[]; ttls: number[] } {
  const n = row.num('dns.count.answers') ?? 0;
  const types = row.nums('dns.resp.type');
  const ttls = row.nums('dns.resp.ttl');
  const lists: Record<number, string[]> = {
    1: row.all('dns.a'),
    28: row.all('dns.aaaa'),
    5: row.all('dns.cname'),
    12: row.all('dns.ptr.domain_name'),
    2: row.all('dns.ns'),
    15: row.all('dns.mx.mail_exchange'),
    33: row.all('dns.srv.target'),
    6: row.all('dns.soa.mname'),
    16: row.all('dns.txt'),
    46: zip(row.all('dns.rrsig.type_covered'), row.all('dns.rrsig.signers_name')).map(
      ([t, s]) => `RRSIG ${QTYPE_NUMBERS.get(t) ?? t} ${s.toLowerCase()}`,
    ),
    48: row.all('dns.dnskey.algorithm').map((a) => `DNSKEY ${a}`),
    43: zip(row.all('dns.ds.algorithm'), row.all('dns.ds.digest_type')).map(([a, d]) => `DS ${a} ${d}`),
  };
  const cursor: Record<number, number> = {};
  const out: string[] = [];
  const outTtl: number[] = [];
  for (let i = 0; i < n && i < types.length; i++) {
    const t = types[i] ?? 0;
    const list = lists[t];
    if (!list) continue;
    const at = cursor[t] ?? 0;
    cursor[t] = at + 1;
    const v = list[at];
    if (v === undefined) continue;
    out.push(t === 16 ? `TXT ${Buffer.byteLength(v)} ${v}` : NAME_TYPES.has(t) ? v.toLowerCase() : v);
    outTtl.push(ttls[i] ?? 0);
  }
  return { answers: out, ttls: outTtl };
}

export class DnsAnalyzer implements Analyzer {
  readonly name = 'dns';

  wants(row: Row): boolean {
    return row.has('dns.id');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('dns');
    const id = row.num('dns.id') ?? 0;
    const state = flow.state<State>('dns', () => new Map());
    const response = row.bool('dns.flags.response') === true;
    const qtype = row.num('dns.qry.type');
    const qclass = row.num('dns.qry.class');
    const opcode = row.num('dns.flags.opcode');
    if (!response) {
      const rec: DnsRecord = setDefined(
        { _path: 'dns', ts, ...connId(flow), proto: flow.proto } as DnsRecord,
        {
          trans_id: id,
          query: row.str('dns.qry.name')?.toLowerCase(),
          qclass,
          qclass_name: qclass === undefined ? undefined : (QCLASS_NAMES[qclass] ?? `unknown-${qclass}`),
          qtype,
          qtype_name: qtype === undefined ? undefined : (QTYPE_NAMES[qtype] ?? `query-${qtype}`),
          RD: row.bool('dns.flags.recdesired'),
          opcode,
          opcode_name: opcode === undefined ? undefined : (OPCODE_NAMES[opcode] ?? `unknown-${opcode}`),
        },
      );
      rec.AA = false;
      rec.TC = row.bool('dns.flags.truncated') ?? false;
      rec.RA = false;
      rec.Z = zBits(row);
      rec.rejected = false;
      const list = state.get(id);
      if (list) list.push({ rec });
      else state.set(id, [{ rec }]);
      return;
    }
    // mDNS answers are multicast announcements, not replies to a particular query: Zeek never
    // pairs them (its mdns-no-assoc behaviour).
    const pending = flow.respP === 5353 ? undefined : state.get(id)?.shift();
    let rec: DnsRecord;
    if (pending) rec = pending.rec;
    else {
      rec = setDefined({ _path: 'dns', ts, ...connId(flow), proto: flow.proto } as DnsRecord, {
        trans_id: id,
        query: (row.str('dns.qry.name') ?? row.str('dns.resp.name'))?.toLowerCase(),
        qclass,
        qclass_name: qclass === undefined ? undefined : (QCLASS_NAMES[qclass] ?? `unknown-${qclass}`),
        qtype,
        qtype_name: qtype === undefined ? undefined : (QTYPE_NAMES[qtype] ?? `query-${qtype}`),
        opcode,
        opcode_name: opcode === undefined ? undefined : (OPCODE_NAMES[opcode] ?? `unknown-${opcode}`),
      });
      rec.rejected = false;
    }
    if (pending) rec.rtt = Math.round((ts - rec.ts) * 1e6) / 1e6;
    const rcode = row.num('dns.flags.rcode') ?? 0;
    rec.rcode = rcode;
    rec.rcode_name = RCODE_NAMES[rcode] ?? `unknown-${rcode}`;
    rec.AA = row.bool('dns.flags.authoritative') ?? false;
    rec.TC = row.bool('dns.flags.truncated') ?? false;
    rec.RD = row.bool('dns.flags.recdesired') ?? false;
    rec.RA = row.bool('dns.flags.recavail') ?? false;
    // Zeek keeps the query's Z bits (Z, AD, CD) when it saw the query.
    if (!pending) rec.Z = zBits(row);
    const a = answers(row);
    if (a.answers.length > 0) {
      rec.answers = a.answers;
      rec.TTLs = a.ttls;
    }
    ctx.emit(rec);
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const state = flow.app.get('dns') as State | undefined;
    if (!state) return;
    for (const list of state.values()) for (const p of list) emit(p.rec);
  }
}
