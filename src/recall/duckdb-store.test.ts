import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { conn } from '../test-support/records.js';
import { DuckDbStore } from './duckdb-store.js';
import { ingestIntoStore } from './ingest.js';
import type { Row } from './store.js';

const T0 = 1_623_488_460;
let store: DuckDbStore;
let dir: string;

function records(): ZeekRecord[] {
  const out: ZeekRecord[] = [];
  for (let i = 0; i < 200; i++) {
    out.push(
      conn({
        ts: T0 + i * 60,
        src: `10.5.3.${i % 20}`,
        dst: '10.5.0.65',
        port: i % 2 ? 445 : 135,
        state: i % 3 ? 'SF' : 'S0',
        uid: `Cuid${i}`,
      }),
    );
  }
  out.push({
    _path: 'dns',
    ts: T0 + 5,
    uid: 'Cuid7',
    'id.orig_h': '10.5.3.7',
    'id.orig_p': 5353,
    'id.resp_h': '10.5.0.10',
    'id.resp_p': 53,
    query: '2.0.5.10.in-addr.arpa',
    qtype_name: 'PTR',
    answers: ['fs01.corp.local'],
    TTLs: [300],
    site_tag: 'tokyo',
  });
  out.push({
    _path: 'smb_files',
    ts: T0 + 86_400 * 2,
    uid: 'Cs1',
    'id.orig_h': '10.5.9.9',
    'id.orig_p': 1,
    'id.resp_h': '10.5.0.65',
    'id.resp_p': 445,
    action: 'SMB::FILE_OPEN',
    name: 'delete.me',
    path: '\\\\10.5.0.65\\backup_exchange$',
  });
  return out;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-recall-'));
  store = await DuckDbStore.open(dir);
  assert.equal(await store.appendPart('p1', records()), 202);
  assert.equal(await store.appendPart('p1', records()), 0, 'a committed part is never written twice');
});
after(async () => store.close());

test('Parquet laid out by log type and day (hive partitions)', () => {
  assert.deepEqual(
    readdirSync(dir)
      .filter((d) => d.startsWith('_log='))
      .sort(),
    ['_log=conn', '_log=dns', '_log=smb_files'],
  );
  assert.deepEqual(readdirSync(join(dir, '_log=smb_files')), ['_day=2021-06-14']);
});

test('search: CIDR, wildcard, numeric, NOT, time range, across logs', async () => {
  const r1 = await store.search('id.orig_h:10.5.3.0/24 id.resp_p:445 NOT conn_state:SF', { limit: 1000 });
  assert.ok(r1.rows.length > 0 && r1.rows.every((r) => r.conn_state !== 'SF' && r['id.resp_p'] === 445));
  const r2 = await store.search('query:*.in-addr.arpa');
  assert.equal(r2.rows.length, 1);
  assert.equal(r2.rows[0]!._log, 'dns');
  assert.deepEqual(r2.rows[0]!.answers, ['fs01.corp.local']);
  assert.match(String(r2.rows[0]!._extra), /tokyo/, 'unknown fields kept');
  const r3 = await store.search('delete.me');
  assert.equal(r3.rows[0]!._log, 'smb_files');
  const r4 = await store.search('log:conn', { from: T0, to: T0 + 600, limit: 1000 });
  assert.equal(r4.rows.length, 10);
});

test('pivot by uid across logs, host timeline, histogram', async () => {
  const u = await store.byUid('Cuid7');
  assert.deepEqual(
    u.map((r) => r._log),
    ['dns', 'conn'],
  );
  const tl = await store.timeline({ ips: ['10.5.3.7'] }, { limit: 1000 });
  assert.ok(tl.length === 11 && tl.every((r, i) => i === 0 || (r.ts as number) >= (tl[i - 1]!.ts as number)));
  const h = await store.histogram('id.orig_h:10.5.3.7', 3600);
  assert.equal(
    h.reduce((a, b) => a + b.count, 0),
    11,
  );
});

test('stream: every match across logs in time order, chunk by chunk; a located error before any row', async () => {
  const rows: Row[] = [];
  for await (const chunk of store.stream('id.orig_h:10.5.3.7 OR log:smb_files')) rows.push(...chunk);
  assert.equal(rows.length, 12);
  assert.deepEqual([...new Set(rows.map((r) => r._log))].sort(), ['conn', 'dns', 'smb_files']);
  assert.ok(rows.every((r, i) => i === 0 || (r.ts as number) >= (rows[i - 1]!.ts as number)));
  let all = 0;
  for await (const chunk of store.stream('log:conn')) all += chunk.length;
  assert.equal(all, 200, 'no page cap');
  let capped = 0;
  for await (const chunk of store.stream('log:conn', { limit: 7 })) capped += chunk.length;
  assert.equal(capped, 7);
  await assert.rejects(store.stream('orig_bytes:>lots').next(), /not a number: lots/);
});

test('top-N values of a field across logs; set elements counted one by one', async () => {
  assert.deepEqual(
    await store.top('', 'id.resp_p', 2),
    [
      { value: '135', count: 100 },
      { value: '445', count: 100 + 1 },
    ].sort((a, b) => b.count - a.count),
  );
  assert.deepEqual(await store.top('log:dns', 'answers'), [{ value: 'fs01.corp.local', count: 1 }]);
  assert.deepEqual(await store.top('conn_state:S0', 'conn_state', 5), [{ value: 'S0', count: 67 }]);
  await assert.rejects(store.top('', 'x; DROP'), /not a field name/);
});

test('timeline pages in time order across day windows; from/to bound the days read', async () => {
  const s = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-recall-days-')));
  const recs: ZeekRecord[] = [];
  for (let d = 0; d < 10; d++)
    for (let k = 0; k < 5; k++)
      recs.push(
        conn({
          ts: T0 + d * 86_400 + k * 60,
          src: '10.9.9.9',
          dst: '10.0.0.1',
          port: 445,
          uid: `Cd${d}k${k}`,
        }),
      );
  // Another host's traffic on the same days, and a DNS record of ours: interleaved by time.
  for (let d = 0; d < 10; d++)
    recs.push(conn({ ts: T0 + d * 86_400 + 30, src: '10.8.8.8', dst: '10.0.0.1', port: 80 }));
  recs.push({
    _path: 'dns',
    ts: T0 + 86_400 + 90,
    uid: 'Cdns',
    'id.orig_h': '10.9.9.9',
    'id.orig_p': 1,
    'id.resp_h': '10.0.0.53',
    'id.resp_p': 53,
    query: 'x.corp',
  });
  await s.appendPart('days', recs);
  const uids = (rows: Row[]) => rows.map((r) => r.uid);
  const all = await s.timeline({ ips: ['10.9.9.9'] }, { limit: 1000 });
  assert.equal(all.length, 51);
  assert.equal(all[7]!.uid, 'Cdns', 'the DNS record sits between day 1 minutes 1 and 2');
  assert.ok(all.every((r, i) => i === 0 || (r.ts as number) >= (all[i - 1]!.ts as number)));
  assert.deepEqual(uids(await s.timeline({ ips: ['10.9.9.9'] }, { limit: 7 })), uids(all.slice(0, 7)));
  assert.deepEqual(
    uids(await s.timeline({ ips: ['10.9.9.9'] }, { limit: 20, offset: 12 })),
    uids(all.slice(12, 32)),
  );
  const bounded = await s.timeline({ ips: ['10.9.9.9'] }, { from: T0 + 3 * 86_400, to: T0 + 5 * 86_400 });
  assert.deepEqual(
    uids(bounded),
    uids(all.filter((r) => (r.ts as number) >= T0 + 3 * 86_400 && (r.ts as number) < T0 + 5 * 86_400)),
  );
  assert.equal(bounded.length, 10);
  await s.close();
});

test("one search across logs whose columns share a name but not a type keeps each log's types", async () => {
  const s = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-recall-mixed-')));
  await s.appendPart('mixed', [
    conn({ ts: T0, src: '10.1.1.1', dst: '10.1.1.2', port: 443, uid: 'Cmix' }),
    { ...conn({ ts: T0 + 1, src: '10.1.1.1', dst: '10.1.1.2', port: 443, uid: 'Cmix2' }), service: 'ssl' },
    {
      _path: 'known_services',
      ts: T0 + 2,
      host: '10.1.1.2',
      port_num: 443,
      port_proto: 'tcp',
      service: ['SSL', 'HTTP'],
    },
    {
      _path: 'ssh',
      ts: T0 + 3,
      uid: 'Cmix3',
      'id.orig_h': '10.1.1.1',
      'id.orig_p': 2,
      'id.resp_h': '10.1.1.2',
      'id.resp_p': 22,
      version: 2,
    },
    {
      _path: 'http',
      ts: T0 + 4,
      uid: 'Cmix4',
      'id.orig_h': '10.1.1.1',
      'id.orig_p': 3,
      'id.resp_h': '10.1.1.2',
      'id.resp_p': 80,
      version: '1.1',
    },
  ]);
  const found = await s.search('10.1.1.2 OR host:10.1.1.2 OR id.resp_h:10.1.1.2', { limit: 10 });
  const by = new Map(found.rows.map((r) => [r._log, r]));
  assert.deepEqual(by.get('known_services')!.service, ['SSL', 'HTTP']);
  assert.equal(found.rows.find((r) => r.uid === 'Cmix2')!.service, 'ssl');
  assert.equal(by.get('ssh')!.version, 2);
  assert.equal(by.get('http')!.version, '1.1');
  const streamed: Row[] = [];
  for await (const c of s.stream('id.resp_h:10.1.1.2 OR log:known_services')) streamed.push(...c);
  assert.deepEqual(streamed.find((r) => r._log === 'known_services')!.service, ['SSL', 'HTTP']);
  await s.close();
});

test('read-only SQL: SELECT works; writes, DDL, file access, several statements are refused', async () => {
  const rows = await store.sql('SELECT count(*) AS n FROM conn');
  assert.equal(Number(rows[0]!.n), 200);
  for (const bad of [
    'DELETE FROM conn',
    'CREATE TABLE x AS SELECT 1',
    "COPY (SELECT 1) TO '/tmp/x.csv'",
    'SELECT 1; SELECT 2',
    "ATTACH '/tmp/x.db'",
    'SET enable_external_access = true',
  ]) {
    await assert.rejects(store.sql(bad), Error, bad);
  }
  await assert.rejects(store.sql("SELECT * FROM read_text('/etc/passwd')"), /Permission|access/i);
});

test('stats, and a corrupt partition file is reported and skipped, not fatal', async () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-recall-'));
  const s = await DuckDbStore.open(d);
  await s.appendPart('a', records());
  await s.close();
  const day = readdirSync(join(d, '_log=conn'))[0]!;
  writeFileSync(join(d, '_log=conn', day, 'zz-broken.parquet'), 'not parquet at all');
  const s2 = await DuckDbStore.open(d);
  const st = await s2.stats();
  assert.equal(st.corrupt.length, 1);
  assert.match(st.corrupt[0]!, /zz-broken/);
  assert.equal(st.logs.find((l) => l.log === 'conn')!.rows, 200);
  assert.equal((await s2.search('log:conn', { limit: 1000 })).rows.length, 200);
  assert.deepEqual(await s2.retain({ maxAgeDays: 1 }, T0 + 86_400 * 3), [
    '_log=conn/_day=2021-06-12',
    '_log=dns/_day=2021-06-12',
  ]);
  // Retention and an append at the same time (serve's hourly timer during ingest): both land,
  // and the view lists the new part.
  const late = records().map((r) => ({ ...r, ts: r.ts + 86_400 * 10 }));
  const [n] = await Promise.all([s2.appendPart('b', late), s2.retain({ maxAgeDays: 1 }, T0 + 86_400 * 10.5)]);
  assert.equal(n, late.length);
  assert.equal((await s2.search('log:conn', { limit: 1000 })).rows.length, 200);
  await s2.close();
});

test('kill -9 during ingest loses no committed part and duplicates none on restart', async () => {
  const logs = mkdtempSync(join(tmpdir(), 'vigil-recall-src-'));
  const fields = schemaFor('conn')!.fields;
  const lines: string[] = [];
  const total = 60_000;
  for (let i = 0; i < total; i++)
    lines.push(
      tsvLine(
        conn({
          ts: T0 + i,
          src: `10.1.${(i >> 8) & 255}.${i & 255}`,
          dst: '10.2.0.1',
          port: 443,
          state: 'SF',
          uid: `C${i}`,
        }),
        fields,
      ),
    );
  writeFileSync(join(logs, 'conn.log'), `${tsvHeader('conn', fields, T0)}\n${lines.join('\n')}\n`);
  const storeDir = mkdtempSync(join(tmpdir(), 'vigil-recall-crash-'));
  // A child ingests in parts of 5,000 and is killed with SIGKILL right after its third commit.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import('${join(import.meta.dirname, 'ingest.ts')}').then(async ({ ingestIntoStore }) => {
         const { DuckDbStore } = await import('${join(import.meta.dirname, 'duckdb-store.ts')}');
         const s = await DuckDbStore.open(${JSON.stringify(storeDir)});
         let n = 0;
         await ingestIntoStore([${JSON.stringify(logs)}], s, { partRecords: 5000, onPart: () => { if (++n === 3) process.stdout.write('3\\n'); } });
       })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('3')) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => resolve());
  });
  await new Promise((r) => child.on('exit', r));
  const s = await DuckDbStore.open(storeDir);
  const before = Number((await s.sql('SELECT count(*) AS n FROM conn'))[0]!.n);
  assert.ok(before >= 15_000 && before % 5000 === 0, `committed parts survive whole (${before})`);
  const sum = await ingestIntoStore([logs], s, { partRecords: 5000 });
  assert.ok(sum.partsSkipped >= 3);
  const rows = await s.sql('SELECT count(*) AS n, count(DISTINCT uid) AS u FROM conn');
  assert.equal(Number(rows[0]!.n), total);
  assert.equal(Number(rows[0]!.u), total, 'no duplicates');
  await s.close();
});

test("Vigil's detections, score history and responses are stored beside the logs, with typed columns", async () => {
  const { analysisRecords } = await import('./analysis-records.js');
  const d = mkdtempSync(join(tmpdir(), 'vigil-recall-'));
  const s = await DuckDbStore.open(d);
  const detection = {
    id: '0123456789abcdef',
    type: 'port-sweep',
    category: 'reconnaissance' as const,
    attack: ['T1046'],
    host: 'name:WIN-X',
    accounts: [],
    src: '10.5.0.70',
    targets: ['10.5.0.2'],
    targetCount: 1,
    threat: 40,
    certainty: 70,
    drivers: [],
    firstTs: T0,
    lastTs: T0 + 60,
    detectedAt: T0 + 30,
    summary: 'swept',
    evidence: [{ log: 'conn', uid: 'Cuid1', ts: T0 }],
    evidenceCount: 25,
    campaign: null,
  };
  const n = await s.appendPart(
    'analysis-1',
    analysisRecords({
      version: 1,
      summary: {
        records: 0,
        byLog: {},
        rejected: {},
        rejectedTotal: 0,
        firstTs: null,
        lastTs: null,
        files: 0,
        late: 0,
      },
      hosts: [],
      accounts: [],
      detections: [detection],
      campaigns: [],
      responses: [
        {
          seq: 1,
          eventTime: T0 + 31,
          policy: 'p',
          host: 'name:WIN-X',
          ip: '10.5.0.70',
          outcome: 'dry-run',
          reason: 'r',
          by: 'policy',
        },
      ],
    }),
  );
  assert.equal(n, 2);
  const rows = await s.sql("SELECT type, threat, evidence FROM vigil_detection WHERE host = 'name:WIN-X'");
  assert.deepEqual(rows, [{ type: 'port-sweep', threat: 40, evidence: ['conn:Cuid1'] }]);
  assert.equal((await s.search('log:vigil_response outcome:dry-run')).rows.length, 1);
  await s.close();
});
