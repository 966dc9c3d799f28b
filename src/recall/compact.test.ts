/**
 * Compaction: a day of a log type becomes one file (responder, then time) with bloom filters; nothing is
 * lost or doubled, including across a crash between its commit and the deletion of what it
 * replaced, and parts written by older versions (fewer or other columns) keep their data.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ZeekRecord } from '../model/records.js';
import { conn } from '../test-support/records.js';
import { DuckDbStore } from './duckdb-store.js';

const T0 = Date.parse('2021-06-12T20:00:00Z') / 1000;

const part = (from: number, n: number): ZeekRecord[] =>
  Array.from({ length: n }, (_, i) =>
    conn({
      ts: T0 + (from + i) * 60,
      src: '10.0.0.1',
      dst: `10.0.0.${2 + ((from + i) % 3)}`,
      port: 445,
      uid: `C${from + i}`,
    }),
  );

const filesOf = (root: string, log: string): string[] =>
  readdirSync(join(root, `_log=${log}`)).flatMap((d) =>
    readdirSync(join(root, `_log=${log}`, d)).map((f) => `${d}/${f}`),
  );

const count = async (s: DuckDbStore): Promise<number> =>
  Number((await s.sql('SELECT count(*) AS n FROM conn'))[0]!.n);

test('a day of many parts becomes one sorted file; rows, pivots and part bookkeeping survive', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-compact-'));
  const s = await DuckDbStore.open(root);
  // Five parts over two UTC days (20:00 + up to 500 minutes), written out of time order.
  for (const from of [300, 0, 100, 400, 200]) await s.appendPart(`p${from}`, part(from, 100));
  assert.ok(filesOf(root, 'conn').length >= 6);
  const before = (await s.stats()).logs.find((l) => l.log === 'conn')!;
  assert.deepEqual([before.first, before.last, before.uncompacted], ['2021-06-12', '2021-06-13', 2]);
  assert.deepEqual(await s.compact({ before: '2021-06-13' }), ['conn/2021-06-12']);
  assert.equal((await s.stats()).logs.find((l) => l.log === 'conn')!.uncompacted, 1);
  assert.deepEqual(await s.compact(), ['conn/2021-06-13']);
  assert.deepEqual(await s.compact(), [], 'nothing left to do');
  const files = filesOf(root, 'conn');
  assert.equal(files.length, 2);
  assert.ok(files.every((f) => /\/compact-/.test(f)));
  assert.equal(await count(s), 500);
  // Each day file in responder-then-time order (a rare address sits in few row groups).
  for (const f of files) {
    const rows = await s.sql(
      `SELECT "id.resp_h" AS r, ts FROM read_parquet('${join(root, '_log=conn', f)}')`,
      1000,
    );
    const keys = rows.map((r) => `${r.r}|${String(r.ts).padStart(14, '0')}`);
    assert.deepEqual(keys, [...keys].sort(), `${f}: responder, then time`);
  }
  assert.equal((await s.byUid('C250')).length, 1);
  assert.equal(s.partRows('p300'), 100, 'a re-run still skips what was committed');
  await s.close();
  const again = await DuckDbStore.open(root);
  assert.equal(await count(again), 500);
  await again.close();
});

test('a crash after the compaction commit and before the deletions: replayed on open, nothing doubled', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-compact-'));
  const s = await DuckDbStore.open(root);
  for (const from of [0, 10, 20]) await s.appendPart(`p${from}`, part(from, 10));
  const backup = mkdtempSync(join(tmpdir(), 'vigil-compact-bak-'));
  cpSync(join(root, '_log=conn'), backup, { recursive: true });
  await s.compact();
  await s.close();
  // The replaced part files are back, as if the process died right after the commit line.
  cpSync(backup, join(root, '_log=conn'), { recursive: true });
  assert.ok(filesOf(root, 'conn').length > 1);
  const s2 = await DuckDbStore.open(root);
  assert.equal(await count(s2), 30);
  assert.deepEqual(
    filesOf(root, 'conn').map((f) => /compact-/.test(f)),
    [true],
  );
  await s2.close();
});

test('parts from an older version (a column missing, an extra one) keep all their data', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-compact-'));
  const s = await DuckDbStore.open(root);
  await s.appendPart('new', part(0, 5));
  await s.close();
  const day = readdirSync(join(root, '_log=conn'))[0]!;
  const inst = await DuckDBInstance.create(':memory:');
  const db = await inst.connect();
  await db.run(
    `COPY (SELECT ${T0 + 30}::DOUBLE AS ts, 'Cold' AS uid, '10.0.0.9' AS "id.orig_h", 'x' AS legacy_field) TO '${join(root, '_log=conn', day, 'old-0.parquet')}' (FORMAT parquet)`,
  );
  db.closeSync();
  inst.closeSync();
  const s2 = await DuckDbStore.open(root);
  await s2.compact();
  const old = await s2.sql("SELECT uid, _orig_host, legacy_field FROM conn WHERE uid = 'Cold'");
  assert.deepEqual(old, [{ uid: 'Cold', _orig_host: null, legacy_field: 'x' }]);
  assert.equal(await count(s2), 6);
  await s2.close();
});

test('compaction while parts keep arriving (serve hourly): every row exactly once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-compact-'));
  const s = await DuckDbStore.open(root);
  for (let i = 0; i < 4; i++) await s.appendPart(`a${i}`, part(i * 50, 50));
  const more = Array.from({ length: 6 }, (_, i) => s.appendPart(`b${i}`, part(1000 + i * 50, 50)));
  const [days] = await Promise.all([s.compact({ keepNewestDay: true }), ...more]);
  assert.ok(Array.isArray(days));
  assert.equal(await count(s), 500);
  await s.compact();
  assert.equal(await count(s), 500);
  const uids = await s.sql('SELECT count(DISTINCT uid) AS n FROM conn');
  assert.equal(Number(uids[0]!.n), 500);
  await s.close();
});
