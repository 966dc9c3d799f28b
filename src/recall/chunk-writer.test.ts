import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ZeekRecord } from '../model/records.js';
import { ChunkWriter } from './chunk-writer.js';

let instance: DuckDBInstance;
let db: DuckDBConnection;
let writer: ChunkWriter;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-chunk-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  writer = new ChunkWriter(db, [await instance.connect(), await instance.connect()]);
});

after(() => {
  db.closeSync();
  instance.closeSync();
});

async function read(file: string): Promise<Record<string, unknown>[]> {
  const r = await db.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY ts`);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

const dns = (i: number, extra: Record<string, unknown> = {}): ZeekRecord => ({
  _path: 'dns',
  ts: 1_600_000_000 + i,
  uid: `C${i}`,
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 5000 + i,
  'id.resp_h': '10.0.0.2',
  'id.resp_p': 53,
  query: `q${i}.example`,
  answers: ['1.2.3.4', 'alias.example'],
  TTLs: [60, 30.5],
  rejected: false,
  ...extra,
});

test('typed columns, lists, unknown fields and values that do not fit their column (kept in _extra)', async () => {
  const file = join(dir, 'a.parquet');
  // 5,000 rows: more than two data chunks.
  const records = Array.from({ length: 5000 }, (_, i) => dns(i));
  records[3] = dns(3, { 'id.orig_p': 'not-a-port', site_tag: 'tokyo', query: '' });
  records[4] = dns(4, { answers: undefined, rejected: undefined });
  await writer.writeAll([{ log: 'dns', records, file }]);
  const rows = await read(file);
  assert.equal(rows.length, 5000);
  assert.deepEqual(rows[0]!.answers, ['1.2.3.4', 'alias.example']);
  assert.deepEqual(rows[0]!.TTLs, [60, 30.5]);
  assert.equal(rows[0]!['id.orig_p'], '5000');
  assert.equal(rows[0]!._extra, null);
  assert.equal(rows[3]!['id.orig_p'], null);
  assert.equal(rows[3]!.query, '', 'empty string is not unset');
  assert.deepEqual(JSON.parse(String(rows[3]!._extra)), { 'id.orig_p': 'not-a-port', site_tag: 'tokyo' });
  assert.equal(rows[4]!.answers, null);
  assert.equal(rows[4]!.rejected, null, 'unset stays unset, not false');
  assert.equal(rows[4_999]!.uid, 'C4999');
});

test('an unknown log type keeps ts, uid and everything else in _extra', async () => {
  const file = join(dir, 'b.parquet');
  await writer.writeAll([
    { log: 'my_plugin', records: [{ _path: 'my_plugin', ts: 1, uid: 'Cx', score: 7, tags: ['a'] }], file },
  ]);
  const [row] = await read(file);
  assert.equal(row!.uid, 'Cx');
  assert.deepEqual(JSON.parse(String(row!._extra)), { score: 7, tags: ['a'] });
});

test('a failed write leaves nothing behind for the next file of the same log type', async () => {
  const bad = join(dir, 'no-such-dir', 'x.parquet');
  const good = join(dir, 'c.parquet');
  await assert.rejects(
    writer.writeAll([
      { log: 'dns', records: [dns(1)], file: join(dir, 'c0.parquet') },
      { log: 'dns', records: [dns(2), dns(3)], file: bad },
    ]),
    /no-such-dir|No such file|Cannot open/i,
  );
  await writer.writeAll([{ log: 'dns', records: [dns(9)], file: good }]);
  assert.deepEqual(
    (await read(good)).map((r) => r.uid),
    ['C9'],
  );
  assert.deepEqual(
    (await read(join(dir, 'c0.parquet'))).map((r) => r.uid),
    ['C1'],
  );
});
