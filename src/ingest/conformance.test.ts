/**
 * Conformance on real Zeek output (../shared/data/zeek, see its ../MANIFEST.md). The data is read
 * in place, never copied into the repo; without the folder this test is skipped with a message.
 *
 * Every file there is classified explicitly:
 *  - not a log (licence texts, a btest script's print output): listed with the reason;
 *  - Zeek TSV with its `#fields`/`#types` header;
 *  - zeek-cut output (btest baselines run `zeek-cut` over a log): with a field-name first line,
 *    or without one, in which case the fields the btest command cut are named here.
 * For every log: every data line parses to a record (record count == data-line count), no
 * rejects, every value has the JS type of its Zeek type; a few values are spot-checked.
 *
 * In-memory substitutions, documented (the files themselves are never changed):
 *  1. btest masks timestamps as `XXXXXXXXXX.XXXXXX` (also inside other numbers, e.g. an interval
 *     `360XXXXXXXXXX.XXXXXX`); each mask becomes the valid epoch `1600000000.000000`.
 *  2. btest masks `#open<TAB>stamp` as `#open XXXX-XX-XX-XX-XX-XX`; it becomes
 *     `#open<TAB>2020-09-13-12-26-40`. zeek-cut projections that cut `ts` away carry no event
 *     time at all: the reader rejects each such line (missing-field, shown below); to check
 *     their values the same `#open` line is put in front, as Zeek's own header would have it.
 *  3. The btest banner line (`### BTest baseline data …`) is a `#` comment line: the reader
 *     skips it like any header line; it is not a data line.
 * Masked files are written to a temporary directory and read from there with the real reader.
 *
 * Then the JSON variants: every TSV log is written as Zeek JSON (epoch, ISO-8601, json-streaming
 * with `_path`/`_write_ts`, shippers' underscored keys) by model/zeek-writer.ts into a temp dir;
 * reading each back must give records identical to the TSV reader's, with two limits that come
 * from JSON itself and are asserted exactly: an ISO-8601 time in a field the reader has no schema
 * type for stays the ISO string; an underscored key the reader cannot map back (a dotted field
 * outside Vigil's schemas, other than `id.*`) stays underscored.
 *
 * Every read is done twice: on the regular path and through the parallel fast path (worker
 * threads, forced on for these small files), which must give the very same records.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { type FieldSpec, isKnownLogType, schemaFor } from '../model/schemas.js';
import { isNumericScalar, parseZeekType, type ZeekType, type ZeekValue } from '../model/zeek-types.js';
import { isoTime, type JsonStyle, jsonLine } from '../model/zeek-writer.js';
import { SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { type FileReadOptions, readLogFile } from './file-source.js';
import { closeParallelPool } from './parallel.js';
import { type RejectEvent, RejectSink } from './rejects.js';

const DATA = sharedData('zeek') ?? resolve(import.meta.dirname, '../../../shared/data/zeek');
const SKIP = existsSync(DATA) ? false : SHARED_DATA_MISSING;

const MASK_TS = 'XXXXXXXXXX.XXXXXX';
const EPOCH = '1600000000.000000';
const MASK_OPEN = '#open XXXX-XX-XX-XX-XX-XX';
const OPEN = '#open\t2020-09-13-12-26-40';
const OPEN_TS = Date.UTC(2020, 8, 13, 12, 26, 40) / 1000;

/** Files that are not Zeek logs, by path suffix, with the reason. */
const NOT_LOGS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\/)(LICENSE|LICENSE\.txt|COPYING)$/, 'licence text of the upstream repository'],
  [/ftp\.cwd-navigation\/output\.log$/, 'print() output of a btest script ("CWD, …"), not a Zeek log'],
];

/** zeek-cut output without a field-name line: the fields its btest command cut. */
const CUT_FIELDS: ReadonlyArray<readonly [RegExp, readonly string[], string]> = [
  [
    /corelight-zerologon\/.*\/notice\.log$/,
    ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'note', 'msg', 'sub', 'src', 'dst', 'p'],
    'testing/zerologon/*: zeek-cut id.orig_h … p < notice.log',
  ],
  [
    /community-id-logging(-flipped)?\/conn\.log\.cut$/,
    ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'community_id'],
    'community-id-logging.zeek: zeek-cut id.orig_h … community_id',
  ],
  [
    /http-lower-case\/weird\.log\.(non)?standard$/,
    ['uid', 'name'],
    'http-lower-case.zeek: zeek-cut uid name',
  ],
  [
    /ssl-max-history-length-(3|default)\.log$/,
    ['uid', 'ssl_history'],
    'max-history-length.test: zeek-cut uid ssl_history',
  ],
  [
    /weird-max-history-length-3\.log$/,
    ['uid', 'name', 'addl', 'source'],
    'max-history-length.test: zeek-cut uid name addl source',
  ],
  [
    /var-extraction-uri\/http-reduced\.log$/,
    ['uri', 'uri_vars'],
    'var-extraction-uri.zeek: two columns, uri and uri_vars',
  ],
];

type Kind =
  | { readonly kind: 'not-a-log'; readonly reason: string }
  | { readonly kind: 'tsv' }
  | {
      readonly kind: 'zeek-cut';
      readonly logType: string;
      readonly fields?: readonly string[];
      readonly source?: string;
    };

/** Log type of a header-less btest file from its name: the first known type among its name parts. */
function logTypeOfCut(file: string): string {
  const parts = basename(file).split(/[.-]/);
  return parts.find((p) => isKnownLogType(p)) ?? parts[0]!;
}

function classify(rel: string, text: string): Kind {
  for (const [re, reason] of NOT_LOGS) if (re.test(rel)) return { kind: 'not-a-log', reason };
  if (/^#fields\t/m.test(text)) return { kind: 'tsv' };
  for (const [re, fields, source] of CUT_FIELDS)
    if (re.test(rel)) return { kind: 'zeek-cut', logType: logTypeOfCut(rel), fields, source };
  return { kind: 'zeek-cut', logType: logTypeOfCut(rel) };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

class Capture extends RejectSink {
  readonly events: RejectEvent[] = [];
  override reject(event: RejectEvent, raw?: Buffer | string): void {
    this.events.push(event);
    super.reject(event, raw);
  }
}

async function readAll(
  file: string,
  options: FileReadOptions = {},
): Promise<{ records: ZeekRecord[]; events: RejectEvent[] }> {
  const sink = new Capture();
  const records: ZeekRecord[] = [];
  for await (const batch of readLogFile(file, sink, options)) records.push(...batch);
  return { records, events: sink.events };
}

/** Data lines: non-empty lines that are not `#` header/comment/banner lines. */
function dataLines(text: string): string[] {
  return text.split('\n').filter((l) => l.replace(/\r$/, '').length > 0 && !l.startsWith('#'));
}

/** The JS type a value of this Zeek type must have; a message when it does not. */
function typeProblem(v: ZeekValue, type: ZeekType): string | undefined {
  const one = (x: unknown): boolean => {
    if (isNumericScalar(type.scalar)) {
      if (typeof x !== 'number' || !Number.isFinite(x)) return false;
      return type.scalar === 'count' || type.scalar === 'port' ? Number.isInteger(x) && x >= 0 : true;
    }
    if (type.scalar === 'bool') return typeof x === 'boolean';
    return typeof x === 'string';
  };
  if (type.container)
    return Array.isArray(v) && v.every(one) ? undefined : `${JSON.stringify(v)} is not ${type.name}`;
  return !Array.isArray(v) && one(v) ? undefined : `${JSON.stringify(v)} is not ${type.name}`;
}

/** Field specs from a TSV text's `#fields`/`#types` lines (union over repeated headers). */
function headerFields(text: string): FieldSpec[] {
  const out = new Map<string, FieldSpec>();
  let names: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#fields\t')) names = line.slice(8).split('\t');
    else if (line.startsWith('#types\t')) {
      const types = line.slice(7).split('\t');
      names.forEach((name, i) => {
        if (!out.has(name)) out.set(name, { name, type: parseZeekType(types[i] ?? 'string') });
      });
    }
  }
  if (!out.has('ts')) return [{ name: 'ts', type: parseZeekType('time') }, ...out.values()];
  return [...out.values()];
}

interface FileResult {
  readonly rel: string;
  readonly kind: Kind['kind'];
  readonly records: ZeekRecord[];
  readonly fields: FieldSpec[];
  /** The file read (the real one, or its substituted copy) and the options it was read with. */
  readonly target: string;
  readonly options: FileReadOptions;
}

interface Tally {
  files: number;
  records: number;
}

const results: FileResult[] = [];

/** The parallel fast path (parallel.ts, fast-decode.ts) forced on, even for small files. */
const FAST: FileReadOptions = { workers: 1, parallelMinBytes: 0 };
after(closeParallelPool);
const notLogs: string[] = [];
const withoutTime: string[] = [];
const lackingRequired: string[] = [];

test('conformance: every data line of every real Zeek log parses to a record', { skip: SKIP }, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-conformance-'));
  const files = walk(DATA);
  assert.ok(files.length > 400, `${files.length} files under ${DATA}`);
  const byLog = new Map<string, Tally>();
  let n = 0;
  for (const file of files) {
    const rel = relative(DATA, file);
    const original = readFileSync(file, 'utf8');
    const kind = classify(rel, original);
    if (kind.kind === 'not-a-log') {
      notLogs.push(`${rel}: ${kind.reason}`);
      continue;
    }
    const masked = original.includes(MASK_TS) || original.includes(MASK_OPEN);
    const text = original.replaceAll(MASK_TS, EPOCH).replaceAll(MASK_OPEN, OPEN);
    let lines = dataLines(text);
    const options: { path?: string; fields?: string[] } = {};
    if (kind.kind === 'zeek-cut') {
      options.path = kind.logType;
      if (kind.fields) options.fields = [...kind.fields];
      else if (lines.length > 0) lines = lines.slice(1); // the field-name line
    }
    const cutNames = kind.kind === 'zeek-cut' ? (kind.fields ?? (dataLines(text)[0] ?? '').split('\t')) : [];
    const hasTime =
      kind.kind === 'tsv'
        ? /^#fields\t(.*\t)?ts(\t|$)/m.test(text) || text.includes(OPEN)
        : cutNames.includes('ts');
    let target = file;
    if (masked || !hasTime) {
      const dir = join(tmp, String(n++));
      mkdirSync(dir);
      target = join(dir, basename(file));
      if (!hasTime) {
        // substitution 2: as read, each line is a located missing-field reject (no event time)
        writeFileSync(target, text);
        const asIs = await readAll(target, options);
        assert.equal(asIs.records.length, 0, rel);
        assert.equal(asIs.events.length, lines.length, `${rel}: one reject per data line`);
        for (const e of asIs.events) {
          assert.equal(e.reason, 'missing-field', rel);
          assert.equal(e.file, target);
          assert.ok(e.line > 0);
        }
        withoutTime.push(rel);
      }
      writeFileSync(target, hasTime ? text : `${OPEN}\n${text}`);
    }
    const { records, events } = await readAll(target, options);
    const missing = events.filter((e) => e.reason === 'missing-field' && !/ts\b|event time/.test(e.message));
    if (missing.length > 0 && missing.length === events.length) {
      // a projection (zeek-cut, or a btest log filter) without uid/id.*: not a typed record of
      // its log type, so each line is rejected loudly, never passed on half-typed
      assert.equal(records.length + events.length, lines.length, rel);
      lackingRequired.push(`${rel} (${missing[0]!.message})`);
      continue;
    }
    assert.deepEqual(
      events.map((e) => `${e.line}: ${e.message} [${e.reason}]`),
      [],
      `${rel}: no rejects`,
    );
    assert.equal(records.length, lines.length, `${rel}: records == data lines`);
    // the types the file's own #types header declares
    const declared: Map<string, ZeekType> | undefined =
      kind.kind === 'tsv' ? new Map(headerFields(text).map((f) => [f.name, f.type])) : undefined;
    for (const r of records) {
      assert.ok(typeof r._path === 'string' && r._path.length > 0, rel);
      assert.ok(Number.isFinite(r.ts), `${rel}: ts`);
      const schema = schemaFor(r._path);
      for (const [k, v] of Object.entries(r)) {
        if (k === '_path' || v === undefined) continue;
        const type: ZeekType | undefined =
          declared?.get(k) ?? schema?.byName.get(k) ?? (k === 'ts' ? parseZeekType('time') : undefined);
        if (type) assert.equal(typeProblem(v, type), undefined, `${rel}: ${k}`);
      }
      const tally = byLog.get(r._path) ?? { files: 0, records: 0 };
      tally.records++;
      byLog.set(r._path, tally);
    }
    for (const p of new Set(records.map((r) => r._path))) byLog.get(p)!.files++;
    results.push({
      rel,
      kind: kind.kind,
      records,
      fields: kind.kind === 'tsv' ? headerFields(text) : [],
      target,
      options: { ...options },
    });
  }
  const total = results.reduce((s, r) => s + r.records.length, 0);
  t.diagnostic(`${results.length} logs parsed, ${total} records; ${notLogs.length} files not logs:`);
  for (const s of notLogs) t.diagnostic(`  not a log: ${s}`);
  t.diagnostic(
    `${withoutTime.length} zeek-cut projections without ts (event time supplied per substitution 2)`,
  );
  for (const s of lackingRequired)
    t.diagnostic(`  projection without its log type's required fields, rejected: ${s}`);
  for (const [p, tally] of [...byLog.entries()].sort((a, b) => b[1].records - a[1].records))
    t.diagnostic(`  ${p}: ${tally.files} files, ${tally.records} records`);
  assert.ok(total > 2000, `${total} records`);
  assert.equal(notLogs.length, 6);
});

function find(relSuffix: string): FileResult {
  const r = results.find((x) => x.rel.endsWith(relSuffix));
  assert.ok(r, `${relSuffix} parsed`);
  return r;
}

test('conformance: spot-checked values', { skip: SKIP }, () => {
  const conn = find('LSASS_campaign_01/metasploit_logonpasswords_lsass_memory_dump_zeek_logs/conn.log');
  assert.equal(conn.records.length, 112);
  const c = conn.records.find((r) => r.uid === 'CE5w9p2vqahtUxMkTj' && r.proto === 'tcp');
  assert.deepEqual(c, {
    _path: 'conn',
    ts: 1692161647.511184,
    uid: 'CE5w9p2vqahtUxMkTj',
    'id.orig_h': '192.168.1.41',
    'id.orig_p': 55217,
    'id.resp_h': '192.168.1.4',
    'id.resp_p': 88,
    proto: 'tcp',
    service: 'krb_tcp',
    duration: 0.009195,
    orig_bytes: 0,
    resp_bytes: 1695,
    conn_state: 'RSTRH',
    local_orig: true,
    local_resp: true,
    missed_bytes: 0,
    history: '^hdar',
    orig_pkts: 0,
    orig_ip_bytes: 0,
    resp_pkts: 5,
    resp_ip_bytes: 1907,
  });

  const dns = find('scripts.base.protocols.dns.nsec/dns.log').records.find(
    (r) => r.query === 'www.upenn.edu',
  )!;
  assert.equal(dns.uid, 'ClEkJM2Vm5giqnMf4h');
  assert.deepEqual(dns.answers, ['www.upenn.edgekey.net', 'RRSIG 5 upenn.edu']);
  assert.deepEqual(dns.TTLs, [300, 300]);
  assert.equal(dns.AA, true);
  assert.equal(dns.rcode_name, 'NOERROR');
  assert.equal(dns.ts, 1600000000);
  const upd = find('scripts.base.protocols.dns.dynamic-update/dns.log').records.find(
    (r) => r.query === 'nwin2.stratolab.org',
  )!;
  assert.deepEqual(upd.TTLs, [0, 0, 0, 1200]);
  assert.equal((upd.answers as string[]).length, 4);
  assert.equal(upd.rtt, 0.1044);

  const krb = find(
    'LSASS_campaign_01/metasploit_logonpasswords_lsass_memory_dump_zeek_logs/kerberos.log',
  ).records;
  const tgt = krb.find((r) => r.uid === 'CE5w9p2vqahtUxMkTj')!;
  assert.equal(tgt.client, 'stevie.marie/PANDALAB.COM');
  assert.equal(tgt.service, 'krbtgt/PANDALAB.COM');
  assert.equal(tgt.success, true);
  assert.equal(tgt.cipher, 'aes256-cts-hmac-sha1-96');
  assert.equal('from' in tgt, false);
  const preauth = krb.find((r) => r.uid === 'C9kgIj1Hnh6x9Wd8ak')!;
  assert.equal(preauth.success, false);
  assert.equal(preauth.error_msg, 'KDC_ERR_PREAUTH_REQUIRED');

  const ntlm = find('scripts.base.protocols.dce-rpc.dce_rpc_ntlm/ntlm.log').records[0]!;
  assert.equal(ntlm.server_nb_computer_name, 'CBTH-WS-2');
  assert.equal(ntlm.server_dns_computer_name, 'CBTH-WS-2.blackclover.local');
  assert.equal(ntlm.server_tree_name, 'blackclover.local');
  assert.equal('username' in ntlm, false);

  const smb = find('scripts.base.protocols.smb.smb1/smb_files.log').records.find((r) => r.size === 25940)!;
  assert.equal(smb.name, 'Test\\2009-12 Payroll.xlsx');
  assert.equal(smb.action, 'SMB::FILE_OPEN');
  assert.equal(smb['times.modified'], 1403148950);
  assert.equal(smb['times.created'], 1403148950);

  // an escaped set separator inside vector elements
  const ssl = find('scripts.policy.protocols.ssl.certificate-request-info/ssl.log').records[0]!;
  const cas = Object.values(ssl).find(
    (v) => Array.isArray(v) && v.some((x) => String(x).startsWith('O=SomeOrg')),
  );
  assert.deepEqual(cas, ['O=SomeOrg,L=Somewhere,ST=Some-State,C=US']);

  // a non-UTF-8 byte Zeek escaped stays as the text \xd9, as Zeek's JSON shows it
  const fuzz = find('scripts.base.protocols.http.inner-transfer-encoding-ossfuzz/http.log.cut').records[0]!;
  assert.equal(fuzz.uri, 'unknown_HTTP_metm/suppozt/\\xd9ccIOST /');

  // zeek-cut without a field-name line, fields named as the btest command cut them
  const zl = find('zerologon.CVE-2020-1472_exploit_win2016/notice.log').records[0]!;
  assert.equal(zl.note, 'Zerologon::Zerologon_Password_Change');
  assert.equal(zl.p, 49670);
  assert.equal(zl.ts, OPEN_TS);

  // a CRLF log (edns-bad-length/weird.log) reads like any other
  const crlf = find('scripts.base.protocols.dns.edns-bad-length/weird.log').records[0]!;
  assert.equal(crlf.name, 'EDNS_truncated_option');
  assert.equal(crlf.source, 'DNS');
});

/** What the JSON reader must give for a TSV record written in this style (see the header). */
function expectedFromJson(rec: ZeekRecord, fields: readonly FieldSpec[], style: JsonStyle): ZeekRecord {
  const schema = schemaFor(rec._path);
  const out: Record<string, ZeekValue | undefined> = { _path: rec._path, ts: rec.ts };
  for (const f of fields) {
    const v = rec[f.name];
    if (v === undefined || f.name === 'ts') continue;
    const known = schema?.byName.has(f.name) ?? false;
    let key = f.name;
    if (style.underscoreKeys && !known && key.includes('.') && !key.startsWith('id.'))
      key = key.replaceAll('.', '_');
    out[key] = style.isoTime && f.type.scalar === 'time' && !known && typeof v === 'number' ? isoTime(v) : v;
  }
  return out as ZeekRecord;
}

test('conformance: JSON variants of every real TSV log read to identical records', {
  skip: SKIP,
}, async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-conformance-json-'));
  const styles: ReadonlyArray<readonly [string, JsonStyle]> = [
    ['epoch', {}],
    ['iso', { isoTime: true }],
    ['streaming', { streaming: true }],
    ['underscored', { underscoreKeys: true }],
  ];
  let compared = 0;
  let i = 0;
  const tsv = results.filter((r) => r.kind === 'tsv' && r.records.length > 0);
  assert.ok(tsv.length > 300, `${tsv.length} TSV logs`);
  for (const r of tsv) {
    for (const [name, style] of styles) {
      // one file per log type: a streaming file may carry several; others name their type
      const byPath = new Map<string, ZeekRecord[]>();
      for (const rec of r.records) byPath.set(rec._path, [...(byPath.get(rec._path) ?? []), rec]);
      for (const [path, recs] of byPath) {
        const file = join(tmp, `${i++}-${path}.${name}.json`);
        writeFileSync(file, `${recs.map((rec) => jsonLine(rec, r.fields, style)).join('\n')}\n`);
        const expected = recs.map((rec) => expectedFromJson(rec, r.fields, style));
        const opts: FileReadOptions = style.streaming ? {} : { path };
        const got = await readAll(file, opts);
        assert.deepEqual(got.events, [], `${r.rel} as ${name}`);
        assert.deepEqual(got.records, expected, `${r.rel} as ${name}`);
        const fast = await readAll(file, { ...opts, ...FAST });
        assert.deepEqual(fast.events, [], `${r.rel} as ${name}, fast path`);
        assert.deepEqual(fast.records, expected, `${r.rel} as ${name}, fast path`);
        compared += recs.length;
      }
    }
  }
  t.diagnostic(`${compared} records compared over ${tsv.length} TSV logs × ${styles.length} JSON styles`);
  assert.ok(statSync(tmp).isDirectory());
});

test('conformance: the parallel fast path reads every real log to the same records', {
  skip: SKIP,
}, async (t) => {
  assert.ok(results.length > 400);
  let n = 0;
  for (const r of results) {
    const got = await readAll(r.target, { ...r.options, ...FAST });
    assert.deepEqual(got.events, [], r.rel);
    assert.deepEqual(got.records, r.records, r.rel);
    n += got.records.length;
  }
  t.diagnostic(`${n} records over ${results.length} logs identical through worker threads`);
});
