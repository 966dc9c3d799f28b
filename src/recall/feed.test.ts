import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { conn } from '../test-support/records.js';
import { DuckDbStore } from './duckdb-store.js';
import { StoreFeed } from './feed.js';
import type { RecallStore } from './store.js';

const batch = (from: number, n: number): ZeekRecord[] =>
  Array.from({ length: n }, (_, i) =>
    conn({ ts: 1_623_488_460 + from + i, src: '10.0.0.1', dst: '10.0.0.2', port: 445, uid: `C${from + i}` }),
  );

/** The real store, instrumented: how many appends run at once, and a part that fails. */
function instrumented(store: DuckDbStore, failPart?: string): RecallStore & { maxConcurrent: number } {
  let running = 0;
  const wrapped = Object.create(store) as RecallStore & { maxConcurrent: number };
  wrapped.maxConcurrent = 0;
  wrapped.appendPart = async (part, records, context) => {
    running++;
    wrapped.maxConcurrent = Math.max(wrapped.maxConcurrent, running);
    try {
      if (part === failPart) throw new Error('disk full');
      return await store.appendPart(part, records, context);
    } finally {
      running--;
    }
  };
  return wrapped;
}

test('the feed commits parts in order, at most two in flight, while the pipeline pushes on', async () => {
  const store = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-feed-')));
  const s = instrumented(store);
  const feed = new StoreFeed(s, { prefix: 'run1', partRecords: 1000 });
  for (let i = 0; i < 10; i++) await feed.push(batch(i * 700, 700));
  feed.startPart();
  await feed.flush();
  assert.equal(feed.stored, 7000);
  assert.ok(s.maxConcurrent >= 1 && s.maxConcurrent <= 2, `in flight: ${s.maxConcurrent}`);
  const log = readFileSync(join(store.root, 'commits.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(
    log.map((l) => (JSON.parse(l) as { part: string }).part),
    Array.from({ length: 5 }, (_, i) => `run1-${i}`),
  );
  assert.equal(Number((await store.sql('SELECT count(DISTINCT uid) AS n FROM conn'))[0]!.n), 7000);
  assert.ok(store.partRows('run1-0') !== undefined && store.partRows('run1-7') === undefined);
  await store.close();
});

test('a part that fails is reported with its size; the feed goes on', async () => {
  const store = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-feed-')));
  const errors: string[] = [];
  const feed = new StoreFeed(instrumented(store, 'run2-1'), {
    prefix: 'run2',
    partRecords: 500,
    onError: (err, part, n) => errors.push(`${part}:${n}:${err.message}`),
  });
  for (let i = 0; i < 3; i++) await feed.push(batch(i * 500, 500));
  await feed.flush();
  assert.deepEqual(errors, ['run2-1:500:disk full']);
  assert.equal(feed.stored, 1000);
  assert.equal(feed.failed, 500);
  await store.close();
});
