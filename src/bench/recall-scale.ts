/**
 * `npm run bench:recall:scale [-- --records N] [-- --dir DIR] [-- --write-options OPTS]`: the
 * Recall store's pivots at scale (issue #7 item 9): on N generated conn records (default 100M),
 * a pivot by uid, by IP (timeline) and by host key, and a 24 h histogram for one host, each timed
 * through the store's own API (3 runs: each and the median), with the data size on disk
 * (bytes/record). Target: every query under 1 s. The bench prints; it asserts nothing.
 *
 * The records are generated directly by DuckDB SQL (`range()` and hashes of the row number:
 * deterministic) into the store's layout, `<dir>/_log=conn/_day=YYYY-MM-DD/gen-0.parquet`, one
 * file per day in compaction's row order, with the conn columns of `columnsFor('conn')` (host-key
 * columns included). Shape: 30 days with a day/night cycle, 5,000
 * internal hosts (10.x; 1 in 10 known only by IP), ~200k external IPs, power-law popularity
 * (the busiest host, `name:ws-0412`, originates ~3% of the traffic), unique Zeek-style uids,
 * port/service/state mixes per direction (outbound, east-west, inbound).
 *
 * `--dir DIR` keeps the generated store for later runs (generation is skipped when DIR already
 * holds conn data); without it the data goes to a temporary directory that is deleted at the end.
 * `--write-options` replaces the Parquet COPY options (to compare writer settings); `--cluster COLS`
 * orders each day file by COLS instead of compaction's order (`--cluster ts`: time order).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnsFor, ident } from '../recall/columns.js';
import { clusterKey, DuckDbStore, PARQUET_OPTIONS } from '../recall/duckdb-store.js';
import type { RecallStore } from '../recall/store.js';

/**
 * Parquet options for the generated files: what the store's writer should use. DuckDB writes a
 * bloom filter only for a dictionary-encoded column, and dictionary-encodes only while a row
 * group's distinct values stay under DICTIONARY_SIZE_LIMIT (and, for strings, the dictionary page
 * under STRING_DICTIONARY_PAGE_SIZE_LIMIT). `uid` is unique per record, so both limits must exceed
 * a row group (122,880 rows of ~18-byte uids ≈ 2.7 MB) for `byUid` to skip row groups: 100M
 * records, 1.72 s → 0.10 s, for 42.9 → 54.9 bytes/record. 32,768-row groups were worse on both.
 */
/** The store's own writer options, so the generated files are what the store writes. */
const DEFAULT_WRITE_OPTIONS = `FORMAT parquet, COMPRESSION zstd${PARQUET_OPTIONS}`;

const DAYS = 30;
/** First day of the generated data (UTC midnight). */
const START = Date.UTC(2026, 9, 1) / 1000;
const INTERNAL_HOSTS = 5000;
const SERVERS = 200;
const EXTERNAL_IPS = 200_000;
/** Client popularity rank r becomes host (r * 7919 + 412) mod 5000: rank 0 is ws-0412. */
const BUSY_HOST = 412;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function internalIp(h: number): string {
  return `10.${1 + Math.floor(h / 1000)}.${1 + (Math.floor(h / 250) % 4)}.${2 + (h % 250)}`;
}

function hostKey(h: number): string {
  if (h % 10 === 9) return `ip:${internalIp(h)}`;
  return `name:${h < SERVERS ? 'srv' : 'ws'}-${String(h).padStart(4, '0')}`;
}

interface Service {
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  readonly service: string | null;
}

/** 100 slots per direction, filled by weight: index with floor(u * 100). */
function slots(weights: [number, Service][]): string {
  const out: string[] = [];
  for (const [w, s] of weights)
    for (let i = 0; i < w; i++)
      out.push(`{'p': ${s.port}, 't': '${s.proto}', 's': ${s.service === null ? 'NULL' : lit(s.service)}}`);
  if (out.length !== 100) throw new Error(`service weights sum to ${out.length}, not 100`);
  return `[${out.join(', ')}]`;
}

const OUTBOUND = slots([
  [52, { port: 443, proto: 'tcp', service: 'ssl' }],
  [14, { port: 80, proto: 'tcp', service: 'http' }],
  [12, { port: 53, proto: 'udp', service: 'dns' }],
  [6, { port: 443, proto: 'udp', service: 'quic' }],
  [3, { port: 123, proto: 'udp', service: 'ntp' }],
  [1, { port: 22, proto: 'tcp', service: 'ssh' }],
  [2, { port: 8080, proto: 'tcp', service: 'http' }],
  [10, { port: 0, proto: 'tcp', service: null }],
]);
const EAST_WEST = slots([
  [30, { port: 53, proto: 'udp', service: 'dns' }],
  [10, { port: 88, proto: 'tcp', service: 'krb_tcp' }],
  [4, { port: 88, proto: 'udp', service: 'krb' }],
  [8, { port: 389, proto: 'tcp', service: 'ldap' }],
  [15, { port: 445, proto: 'tcp', service: 'smb,gssapi' }],
  [7, { port: 135, proto: 'tcp', service: 'dce_rpc' }],
  [10, { port: 443, proto: 'tcp', service: 'ssl' }],
  [2, { port: 3389, proto: 'tcp', service: 'rdp' }],
  [3, { port: 5985, proto: 'tcp', service: 'http' }],
  [5, { port: 123, proto: 'udp', service: 'ntp' }],
  [4, { port: 137, proto: 'udp', service: 'dns' }],
  [2, { port: 0, proto: 'tcp', service: null }],
]);
const INBOUND = slots([
  [35, { port: 443, proto: 'tcp', service: 'ssl' }],
  [20, { port: 22, proto: 'tcp', service: null }],
  [15, { port: 3389, proto: 'tcp', service: null }],
  [5, { port: 25, proto: 'tcp', service: 'smtp' }],
  [25, { port: 0, proto: 'tcp', service: null }],
]);

/** TCP end states with Zeek history strings, 100 slots; an unanswered service gets no service. */
const TCP_STATES = (() => {
  const w: [number, string, string][] = [
    [60, 'SF', 'ShADadFf'],
    [6, 'SF', 'ShADadfF'],
    [4, 'SF', 'ShADdaFf'],
    [2, 'SF', 'ShADadFRf'],
    [9, 'S0', 'S'],
    [5, 'REJ', 'Sr'],
    [4, 'RSTO', 'ShADadR'],
    [3, 'RSTR', 'ShADadr'],
    [2, 'SH', 'ShF'],
    [1, 'S1', 'ShAD'],
    [2, 'OTH', 'DdA'],
    [1, 'RSTOS0', 'ShR'],
    [1, 'S3', 'ShADadf'],
  ];
  const out: string[] = [];
  for (const [n, st, hist] of w) for (let i = 0; i < n; i++) out.push(`{'c': '${st}', 'h': '${hist}'}`);
  return `[${out.join(', ')}]`;
})();

/** The SELECT that produces rows [a, b) of day `day` (rows [lo, hi)), columns in the store's order. */
function daySql(
  lo: number,
  hi: number,
  day: number,
  columns: readonly { name: string; sqlType: string }[],
  a: number,
  b: number,
): string {
  const dayStart = START + day * 86_400;
  const n = hi - lo;
  const B62 = "'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'";
  const ch = (x: string, k: number): string =>
    `substr(${B62}, (((${x}) // ${62n ** BigInt(k)}) % 62)::INTEGER + 1, 1)`;
  const rnd = Array.from({ length: 10 }, (_, k) => ch('hash(i, 77)', k)).join(' || ');
  const seq = Array.from({ length: 7 }, (_, k) => ch('(i * 1000003) % 3521614606208', k)).join(' || ');
  const ipOf = (h: string): string =>
    `'10.' || (1 + ${h} // 1000) || '.' || (1 + (${h} // 250) % 4) || '.' || (2 + ${h} % 250)`;
  const keyOf = (h: string): string =>
    `CASE WHEN ${h} % 10 = 9 THEN 'ip:' || ${ipOf(h)} ELSE 'name:' || CASE WHEN ${h} < ${SERVERS} THEN 'srv-' ELSE 'ws-' END || lpad(${h}::VARCHAR, 4, '0') END`;
  const extIp = (e: string): string =>
    `(CASE WHEN hash(${e}, 99) % 223 + 1 IN (10, 127) THEN hash(${e}, 99) % 223 + 2 ELSE hash(${e}, 99) % 223 + 1 END) || '.' || (hash(${e}, 99) >> 8) % 256 || '.' || (hash(${e}, 99) >> 16) % 256 || '.' || 1 + (hash(${e}, 99) >> 24) % 254`;
  const exprs: Record<string, string> = {
    ts: `round(${dayStart} + 86400 * (x + 0.6 * sin(2 * pi() * x) / (2 * pi())), 6)`,
    uid: `'C' || ${rnd} || ${seq}`,
    'id.orig_h': `CASE WHEN dir = 2 THEN ${extIp('ext')} ELSE ${ipOf('client')} END`,
    'id.orig_p': `CASE WHEN svc.p = 123 AND u_port < 0.5 THEN 123 ELSE 49152 + floor(u_port * 16383)::BIGINT END`,
    'id.resp_h': `CASE WHEN dir = 0 THEN ${extIp('ext')} ELSE ${ipOf('server')} END`,
    'id.resp_p': `CASE WHEN svc.p = 0 THEN 1024 + floor(u_rport * 60000)::BIGINT ELSE svc.p END`,
    proto: 'svc.t',
    service: `CASE WHEN st.c IN ('S0', 'REJ', 'RSTOS0') AND svc.t = 'tcp' THEN NULL ELSE svc.s END`,
    duration: "CASE WHEN st.c = 'S0' THEN NULL ELSE round(exp(u_dur * 12 - 7), 6) END",
    orig_bytes: 'ob',
    resp_bytes: 'rb',
    conn_state: 'st.c',
    local_orig: 'dir <> 2',
    local_resp: 'dir <> 0',
    missed_bytes: `CASE WHEN u_dur > 0.999 THEN floor(u_ob * 5000)::BIGINT ELSE 0 END`,
    history: 'st.h',
    orig_pkts: `CASE WHEN st.c = 'S0' THEN 1 ELSE 1 + ob // 1200 + CASE WHEN svc.t = 'tcp' THEN 3 ELSE 0 END END`,
    orig_ip_bytes: `ob + (CASE WHEN st.c = 'S0' THEN 1 ELSE 1 + ob // 1200 + CASE WHEN svc.t = 'tcp' THEN 3 ELSE 0 END END) * CASE WHEN svc.t = 'tcp' THEN 52 ELSE 28 END`,
    resp_pkts: `CASE WHEN st.c IN ('S0', 'RSTOS0') THEN 0 ELSE 1 + rb // 1400 + CASE WHEN svc.t = 'tcp' THEN 2 ELSE 0 END END`,
    resp_ip_bytes: `rb + (CASE WHEN st.c IN ('S0', 'RSTOS0') THEN 0 ELSE 1 + rb // 1400 + CASE WHEN svc.t = 'tcp' THEN 2 ELSE 0 END END) * CASE WHEN svc.t = 'tcp' THEN 52 ELSE 28 END`,
    ip_proto: `CASE WHEN svc.t = 'tcp' THEN 6 ELSE 17 END`,
    _orig_host: `CASE WHEN dir = 2 THEN NULL ELSE ${keyOf('client')} END`,
    _resp_host: `CASE WHEN dir = 0 THEN NULL ELSE ${keyOf('server')} END`,
  };
  const select = columns
    .map((c) => `${exprs[c.name] ?? 'NULL'}::${c.sqlType} AS ${ident(c.name)}`)
    .join(',\n  ');
  return `WITH r AS (
  SELECT i, (i - ${lo}) / ${n}::DOUBLE AS x,
    u(i, 1) AS u_dir, u(i, 2) AS u_c, u(i, 3) AS u_s, u(i, 4) AS u_svc, u(i, 5) AS u_st,
    u(i, 6) AS u_dur, u(i, 7) AS u_ob, u(i, 8) AS u_rb, u(i, 9) AS u_port, u(i, 10) AS u_rport
  FROM range(${a}, ${b}) t(i)
), d AS (
  SELECT *,
    CASE WHEN u_dir < 0.68 THEN 0 WHEN u_dir < 0.93 THEN 1 ELSE 2 END AS dir,
    (floor(${INTERNAL_HOSTS} * pow(u_c, 2.5))::BIGINT * 7919 + ${BUSY_HOST}) % ${INTERNAL_HOSTS} AS client,
    floor(${SERVERS} * pow(u_s, 2))::BIGINT AS server,
    floor(${EXTERNAL_IPS} * pow(u_s, 3))::BIGINT AS ext
  FROM r
), s AS (
  SELECT *,
    (CASE dir WHEN 0 THEN ${OUTBOUND} WHEN 1 THEN ${EAST_WEST} ELSE ${INBOUND} END)[floor(u_svc * 100)::INTEGER + 1] AS svc
  FROM d
), t AS (
  SELECT *,
    CASE WHEN svc.t = 'tcp' THEN ${TCP_STATES}[floor(u_st * 100)::INTEGER + 1]
      WHEN u_st < 0.75 THEN {'c': 'SF', 'h': 'Dd'} WHEN u_st < 0.97 THEN {'c': 'S0', 'h': 'D'} ELSE {'c': 'OTH', 'h': 'd'} END AS st
  FROM s
), b AS (
  SELECT *,
    CASE WHEN st.c IN ('S0', 'REJ', 'RSTOS0') THEN 0
      WHEN svc.s = 'dns' THEN 28 + floor(u_ob * 40)::BIGINT
      ELSE floor(exp(u_ob * 10))::BIGINT END AS ob,
    CASE WHEN st.c IN ('S0', 'REJ', 'RSTOS0') THEN 0
      WHEN svc.s = 'dns' THEN 44 + floor(u_rb * 300)::BIGINT
      ELSE floor(exp(u_rb * 14))::BIGINT END AS rb
  FROM t
)
SELECT
  ${select}
FROM b`;
}

async function generate(
  dir: string,
  records: number,
  writeOptions: string,
  fileRows: number,
  cluster: string | undefined,
): Promise<void> {
  const base = columnsFor('conn').filter((c) => c.name !== '_extra');
  const extra = ['_orig_host', '_resp_host', '_account']
    .filter((n) => !base.some((c) => c.name === n))
    .map((name) => ({ name, sqlType: 'VARCHAR' }));
  const columns = [...base, ...columnsFor('conn').filter((c) => c.name === '_extra'), ...extra];
  const inst = await DuckDBInstance.create(':memory:');
  const db = await inst.connect();
  await db.run('CREATE MACRO u(i, k) AS (hash(i, k) >> 11)::DOUBLE / 9007199254740992.0');
  const staging = join(dir, 'staging');
  mkdirSync(staging, { recursive: true });
  const t0 = performance.now();
  for (let day = 0; day < DAYS; day++) {
    const lo = Math.floor((records * day) / DAYS);
    const hi = Math.floor((records * (day + 1)) / DAYS);
    if (hi <= lo) continue;
    const name = new Date((START + day * 86_400) * 1000).toISOString().slice(0, 10);
    for (let a = lo, k = 0; a < hi; a += fileRows, k++) {
      const dest = join(dir, '_log=conn', `_day=${name}`, `gen-${k}.parquet`);
      if (existsSync(dest)) continue;
      const tmp = join(staging, `gen-${name}-${k}.parquet`);
      const b = Math.min(hi, a + fileRows);
      const rows = daySql(lo, hi, day, columns, a, b);
      const ordered = cluster ? `SELECT * FROM (${rows}) ORDER BY ${cluster}` : rows;
      await db.run(`COPY (${ordered}) TO ${lit(tmp)} (${writeOptions})`);
      mkdirSync(join(dest, '..'), { recursive: true });
      renameSync(tmp, dest);
    }
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(
      `  day ${day + 1}/${DAYS} ${name}: ${hi.toLocaleString('en-US')} rows so far, ${s.toFixed(0)} s\n`,
    );
  }
  db.closeSync();
  inst.closeSync();
}

async function timed(f: () => Promise<unknown>): Promise<[number, unknown]> {
  const t = performance.now();
  const v = await f();
  return [(performance.now() - t) / 1000, v];
}

async function bench(
  label: string,
  runs: number,
  f: () => Promise<unknown>,
  size: (v: unknown) => number,
): Promise<void> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const [s, v] = await timed(f);
    times.push(s);
    rows = size(v);
  }
  const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const verdict = median < 1 ? 'under 1 s' : 'OVER 1 s';
  process.stdout.write(
    `  ${label.padEnd(58)} median ${median.toFixed(3).padStart(7)} s  (${times.map((t) => t.toFixed(3)).join(', ')})  ${rows} rows  ${verdict}\n`,
  );
}

const length = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

async function main(): Promise<void> {
  const records = Number(arg('--records') ?? 100_000_000);
  if (!Number.isInteger(records) || records <= 0) throw new Error('--records takes a positive integer');
  const runs = Number(arg('--runs') ?? 3);
  const writeOptions = arg('--write-options') ?? DEFAULT_WRITE_OPTIONS;
  const fileRows = Number(arg('--file-rows') ?? Number.MAX_SAFE_INTEGER);
  /** Row order within each day file: compaction's own (`clusterKey`) unless `--cluster COLS`. */
  const cluster = arg('--cluster') ?? clusterKey(columnsFor('conn'));
  const kept = arg('--dir');
  const tmp = kept ? undefined : mkdtempSync(join(tmpdir(), 'vigil-bench-recall-scale-'));
  const dir = kept ?? join(tmp!, 'store');
  const free = statfsSync(tmpdir());
  process.stderr.write(
    `store ${dir}; ${((free.bavail * free.bsize) / 1e9).toFixed(0)} GB free under ${tmpdir()}\n`,
  );
  try {
    const have = existsSync(join(dir, '_log=conn')) && readdirSync(join(dir, '_log=conn')).length > 0;
    if (have && kept) process.stderr.write('conn data already there: generation skipped\n');
    else {
      process.stderr.write(
        `generating ${records.toLocaleString('en-US')} conn records (${writeOptions}) …\n`,
      );
      const [s] = await timed(() => generate(dir, records, writeOptions, fileRows, cluster));
      process.stderr.write(`generated in ${s.toFixed(0)} s\n`);
    }
    const store: RecallStore = await DuckDbStore.open(dir);
    try {
      await report(store, runs);
    } finally {
      await store.close();
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

async function report(store: RecallStore, runs: number): Promise<void> {
  const st = await store.stats();
  const conn = st.logs.find((l) => l.log === 'conn');
  if (!conn || conn.rows === 0) throw new Error('no conn data in the store');
  process.stdout.write(
    `conn: ${conn.rows.toLocaleString('en-US')} records, ${conn.files} files over ${conn.days} days, ` +
      `${(conn.bytes / 1e9).toFixed(2)} GB on disk = ${(conn.bytes / conn.rows).toFixed(1)} bytes/record\n`,
  );
  // A day in the middle of the data; a uid from it, not timed.
  const day = Math.floor(conn.days / 2);
  const from = START + day * 86_400;
  const to = from + 86_400;
  const [pick] = await store.sql(
    `SELECT uid FROM conn WHERE ts >= ${from + 43_200} ORDER BY ts LIMIT 1 OFFSET 12345`,
    1,
  );
  const uid = String(pick?.uid);
  const ip = internalIp(BUSY_HOST);
  const key = hostKey(BUSY_HOST);
  const [busy] = await store.sql(
    `SELECT count(*) FILTER ("id.orig_h" = '${ip}' OR "id.resp_h" = '${ip}') AS n, count(*) AS total FROM conn WHERE ts >= ${from} AND ts < ${to}`,
    1,
  );
  const [rare] = await store.sql(
    `SELECT "id.resp_h" AS ip, count(*) AS n FROM conn WHERE ts >= ${from} AND ts < ${to} AND NOT local_resp GROUP BY 1 ORDER BY 2, 1 LIMIT 1`,
    1,
  );
  const rareIp = String(rare?.ip);
  process.stdout.write(
    `busiest internal host ${key} (${ip}): ${busy?.n} of ${busy?.total} records on ${new Date(from * 1000).toISOString().slice(0, 10)}\n` +
      `queries, ${runs} runs each (target: under 1 s):\n`,
  );
  await bench(`byUid(${uid})`, runs, () => store.byUid(uid), length);
  await bench(`timeline({ ips: [${ip}] }) first page`, runs, () => store.timeline({ ips: [ip] }), length);
  await bench(
    `timeline({ hosts: [${key}] }) first page`,
    runs,
    () => store.timeline({ hosts: [key] }),
    length,
  );
  await bench(
    `timeline({ ips: [${rareIp}] }) (rare external IP)`,
    runs,
    () => store.timeline({ ips: [rareIp] }),
    length,
  );
  const q = `_orig_host:"${key}" OR _resp_host:"${key}"`;
  await bench(
    `search(${q}) first page`,
    runs,
    () => store.search(q),
    (v) => (v as { rows: unknown[] }).rows.length,
  );
  await bench(
    `histogram(id.orig_h:${ip}, 3600) over 24 h`,
    runs,
    () => store.histogram(`id.orig_h:${ip}`, 3600, { from, to }),
    length,
  );
}

await main();
