import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ZeekRecord } from '../model/records.js';
import { type MergeOptions, type MergeStats, mergeByTime } from './merge.js';

type Rec = ZeekRecord & { src: string; n: number };

const rec = (src: string, ts: number, n = 0): Rec => ({ _path: src, ts, src, n });

async function* source(batches: Rec[][], delayMs = 0): AsyncGenerator<ZeekRecord[]> {
  for (const b of batches) {
    if (delayMs > 0) await sleep(delayMs);
    yield b;
  }
}

async function merge(sources: AsyncIterable<ZeekRecord[]>[], options: MergeOptions = {}) {
  const stats: MergeStats = { late: 0 };
  const out: Rec[] = [];
  const batches: number[] = [];
  for await (const batch of mergeByTime(sources, stats, options)) {
    batches.push(batch.length);
    out.push(...(batch as Rec[]));
  }
  return { out, stats, batches };
}

test('k-way merge of several sources yields one ts-ordered stream', async () => {
  const a = [1, 4, 7, 10].map((t) => rec('a', t));
  const b = [2, 5, 8].map((t) => rec('b', t));
  const c = [3, 6, 9, 11, 12].map((t) => rec('c', t));
  const { out, stats } = await merge([
    source([a.slice(0, 2), a.slice(2)]),
    source([b]),
    source([c.slice(0, 1), c.slice(1)]),
  ]);
  assert.deepEqual(
    out.map((r) => r.ts),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  assert.equal(stats.late, 0);
});

test('the reorder window restores order within the window; nothing is late', async () => {
  // Zeek writes conn records when connections end: ts out of order by up to 30 s here
  const ts = [100, 130, 105, 140, 110, 160, 135, 170];
  const { out, stats } = await merge([source(ts.map((t) => [rec('conn', t)]))], { reorderWindowSeconds: 60 });
  assert.deepEqual(
    out.map((r) => r.ts),
    [...ts].sort((x, y) => x - y),
  );
  assert.equal(stats.late, 0);
});

test('records later than the window are emitted, never dropped, and counted as late', async () => {
  const ts = [100, 200, 300, 150, 400, 50];
  const { out, stats } = await merge([source(ts.map((t) => [rec('conn', t)]))], { reorderWindowSeconds: 10 });
  assert.equal(out.length, ts.length);
  assert.deepEqual(
    out.map((r) => r.ts).sort((x, y) => x - y),
    [...ts].sort((x, y) => x - y),
  );
  assert.equal(stats.late, 2);
});

test('equal ts: stable within a source (read order) and across sources (source order)', async () => {
  const a = [rec('a', 5, 1), rec('a', 5, 2), rec('a', 5, 3)];
  const b = [rec('b', 5, 1), rec('b', 5, 2)];
  // source a answers later than b: the order must not depend on which file is read faster
  const { out } = await merge([source([a], 20), source([b])], { reorderWindowSeconds: 0 });
  assert.deepEqual(
    out.map((r) => `${r.src}${r.n}`),
    ['a1', 'a2', 'a3', 'b1', 'b2'],
  );
  const windowed = await merge([source([a.slice(0, 1), a.slice(1)], 5), source([b])], {
    reorderWindowSeconds: 60,
  });
  assert.deepEqual(
    windowed.out.map((r) => `${r.src}${r.n}`),
    ['a1', 'a2', 'a3', 'b1', 'b2'],
  );
});

test('batches are cut near batchSize; empty and exhausted sources are fine', async () => {
  const many = Array.from({ length: 10 }, (_, i) => rec('a', i));
  const split = many.map((r) => [r]);
  const { out, batches } = await merge([source(split), source([]), source([[]])], {
    batchSize: 4,
    reorderWindowSeconds: 0,
  });
  assert.deepEqual(
    out.map((r) => r.ts),
    many.map((r) => r.ts),
  );
  assert.ok(batches.length >= 2 && batches.every((n) => n > 0), String(batches));
  const none = await merge([]);
  assert.deepEqual(none.out, []);
});
