/**
 * Fidelity check: Vigil's records for a capture against the logs Zeek wrote for the same capture
 * (zeek btest baselines). Per log type: records on each side, records matched on their key
 * (4-tuple plus a per-log discriminator; uids and ts aside, since Zeek's are random and the
 * baselines mask ts) and, over matched records, how many compared field values agree.
 */
import { readFileSync } from 'node:fs';
import type { ZeekRecord } from '../model/records.js';

/** One Zeek log as strings, as Zeek wrote it (`-` unset → absent). */
export type ZeekRow = Record<string, string>;

/** Parses a Zeek TSV log (with `#fields`, or a header-less zeek-cut file whose first line names the fields). */
export function parseZeekTsv(text: string): { fields: string[]; rows: ZeekRow[] } {
  let fields: string[] | undefined;
  let setSep = ',';
  const rows: ZeekRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (line.startsWith('#fields\t')) fields = line.slice(8).split('\t');
      else if (line.startsWith('#set_separator\t')) setSep = line.slice(15);
      continue;
    }
    const cols = line.split('\t');
    if (!fields) {
      fields = cols;
      continue;
    }
    const row: ZeekRow = {};
    fields.forEach((f, i) => {
      const v = cols[i];
      if (v === undefined || v === '-') return;
      row[f] = v === '(empty)' ? '' : unescapeZeek(setSep === ',' ? v : v.split(setSep).join(','));
    });
    rows.push(row);
  }
  return { fields: fields ?? [], rows };
}

/** Zeek TSV escapes: `\\` for a backslash, `\xNN` for other bytes. */
function unescapeZeek(v: string): string {
  if (!v.includes('\\')) return v;
  return v.replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_m, c: string, hex: string | undefined) =>
    hex === undefined ? c : String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

export function readZeekLog(file: string): { fields: string[]; rows: ZeekRow[] } {
  return parseZeekTsv(readFileSync(file, 'utf8'));
}

interface LogSpec {
  /** Fields that, with the 4-tuple, identify a record. */
  readonly key: readonly string[];
  /** Fields compared on matched records (those the baseline has). */
  readonly compare: readonly string[];
  /** Fields compared as unordered sets. */
  readonly sets?: readonly string[];
}

const ID = ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];

export const LOG_SPECS: Readonly<Record<string, LogSpec>> = {
  conn: {
    key: [...ID, 'proto'],
    compare: [
      'service',
      'conn_state',
      'history',
      'orig_bytes',
      'resp_bytes',
      'orig_pkts',
      'resp_pkts',
      'orig_ip_bytes',
      'resp_ip_bytes',
      'duration',
    ],
    sets: ['service'],
  },
  dns: {
    key: [...ID, 'trans_id', 'query'],
    compare: [
      'proto',
      'qclass',
      'qtype',
      'qtype_name',
      'rcode',
      'rcode_name',
      'AA',
      'TC',
      'RD',
      'RA',
      'Z',
      'answers',
      'TTLs',
      'rtt',
    ],
    sets: ['answers', 'TTLs'],
  },
  http: {
    key: [...ID, 'trans_depth'],
    compare: [
      'method',
      'host',
      'uri',
      'referrer',
      'version',
      'user_agent',
      'status_code',
      'status_msg',
      'username',
      'request_body_len',
      'response_body_len',
    ],
  },
  ssl: { key: ID, compare: ['version', 'cipher', 'server_name', 'established', 'resumed', 'ja3', 'ja3s'] },
  dce_rpc: { key: [...ID, 'operation'], compare: ['endpoint', 'named_pipe', 'rtt'] },
  smb_mapping: { key: [...ID, 'path'], compare: ['share_type'] },
  smb_files: { key: [...ID, 'action', 'name'], compare: ['path', 'size'] },
  ntlm: {
    key: ID,
    compare: [
      'username',
      'hostname',
      'domainname',
      'server_nb_computer_name',
      'server_dns_computer_name',
      'server_tree_name',
      'success',
    ],
  },
  kerberos: {
    key: [...ID, 'request_type'],
    compare: ['client', 'service', 'success', 'error_msg', 'cipher', 'forwardable', 'renewable', 'till'],
  },
  ldap: {
    key: [...ID, 'message_id'],
    compare: ['version', 'opcode', 'result', 'diagnostic_message', 'object', 'argument'],
  },
  ldap_search: {
    key: [...ID, 'message_id'],
    compare: [
      'scope',
      'deref_aliases',
      'base_object',
      'result_count',
      'result',
      'diagnostic_message',
      'filter',
      'attributes',
    ],
  },
  rdp: { key: ID, compare: ['cookie', 'result', 'security_protocol', 'client_name', 'client_build'] },
  ssh: { key: ID, compare: ['version', 'client', 'server'] },
  ftp: { key: [...ID, 'command', 'arg'], compare: ['user', 'reply_code', 'reply_msg'] },
  dhcp: {
    key: ['mac', 'msg_types'],
    compare: [
      'client_addr',
      'server_addr',
      'host_name',
      'domain',
      'requested_addr',
      'assigned_addr',
      'lease_time',
    ],
  },
};

/** A Vigil value in Zeek's TSV rendering (sets joined with ','), undefined when unset. */
export function zeekText(v: ZeekRecord[string]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (Array.isArray(v)) return v.map((x) => zeekText(x as ZeekRecord[string]) ?? '-').join(',');
  return String(v);
}

function same(field: string, a: string, b: string, spec: LogSpec): boolean {
  if (a === b) return true;
  if (spec.sets?.includes(field)) {
    const norm = (s: string) =>
      s === ''
        ? []
        : s
            .split(',')
            .map((x) => numText(x))
            .sort();
    return norm(a).join(',') === norm(b).join(',');
  }
  const x = Number(a);
  const y = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) {
    const tol = field === 'rtt' || field === 'duration' ? Math.max(1e-3, Math.abs(x) * 0.01) : 1e-6;
    return Math.abs(x - y) <= tol;
  }
  return false;
}

function numText(s: string): string {
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? String(n) : s;
}

export interface LogAgreement {
  zeek: number;
  vigil: number;
  matched: number;
  fieldsCompared: number;
  fieldsEqual: number;
  /** A few differing fields for diagnosis: `field: zeek ≠ vigil`. */
  samples: string[];
}

export function emptyAgreement(): LogAgreement {
  return { zeek: 0, vigil: 0, matched: 0, fieldsCompared: 0, fieldsEqual: 0, samples: [] };
}

/** Compares one log type of one capture and adds the result to `acc`. */
export function compareLog(
  path: string,
  zeek: { fields: string[]; rows: ZeekRow[] },
  vigil: readonly ZeekRecord[],
  acc: LogAgreement,
): void {
  const spec = LOG_SPECS[path];
  if (!spec) return;
  const keyFields = spec.key.filter((k) => zeek.fields.includes(k));
  const compare = spec.compare.filter((f) => zeek.fields.includes(f));
  const keyOfZeek = (r: ZeekRow) => keyFields.map((k) => numText(r[k] ?? '-')).join('|');
  const keyOfVigil = (r: ZeekRecord) => keyFields.map((k) => numText(zeekText(r[k]) ?? '-')).join('|');
  const pool = new Map<string, ZeekRecord[]>();
  for (const r of vigil) {
    const k = keyOfVigil(r);
    const list = pool.get(k);
    if (list) list.push(r);
    else pool.set(k, [r]);
  }
  acc.zeek += zeek.rows.length;
  acc.vigil += vigil.length;
  for (const z of zeek.rows) {
    const v = pool.get(keyOfZeek(z))?.shift();
    if (!v) continue;
    acc.matched++;
    for (const f of compare) {
      const zv = z[f];
      if (zv === undefined) continue;
      acc.fieldsCompared++;
      const vv = zeekText(v[f]);
      if (vv !== undefined && same(f, zv, vv, spec)) acc.fieldsEqual++;
      else if (acc.samples.length < 12) acc.samples.push(`${f}: ${zv} ≠ ${vv ?? '-'}`);
    }
  }
}
