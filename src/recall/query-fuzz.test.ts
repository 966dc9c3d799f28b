/**
 * Hostile and random query text against a real store: every query either runs or fails with a
 * located QueryError, never a DuckDB error and never SQL built from the text; the store answers
 * normally afterwards. Seeded, so a failure replays.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { conn } from '../test-support/records.js';
import { DuckDbStore } from './duckdb-store.js';
import { QueryError } from './query.js';

const PIECES = [
  'uid:',
  'id.orig_h:',
  'id.resp_p:',
  'orig_bytes:',
  '_host:',
  'log:',
  'service:',
  'answers:',
  'nosuchfield:',
  'ts:',
  'AND',
  'OR',
  'NOT',
  '(',
  ')',
  '-',
  '"',
  "'",
  ';',
  '--',
  '$1',
  '*',
  '?',
  '[',
  ']',
  ' TO ',
  '>',
  '<=',
  '10.0.0.0/8',
  '10.0.0.1',
  '300.1.2.3/40',
  'C123',
  'conn',
  'DROP TABLE conn',
  "x'); COPY conn TO '/tmp/x",
  '\\',
  '%',
  '_',
  'ünïcødé',
  '1e309',
  'NaN',
  ':',
  ' ',
];

let store: DuckDbStore;

before(async () => {
  store = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-fuzz-')));
  await store.appendPart(
    'p',
    Array.from({ length: 50 }, (_, i) =>
      conn({ ts: 1_623_488_460 + i, src: `10.0.0.${i}`, dst: '10.0.1.1', port: 445, uid: `C${i}` }),
    ),
  );
});

after(async () => {
  await store.close();
});

test('random and hostile query text: results or a located QueryError, never a database error', async () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % n;
  };
  let ran = 0;
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const q = Array.from({ length: 1 + rand(6) }, () => PIECES[rand(PIECES.length)]).join(rand(2) ? ' ' : '');
    const ops = [
      () => store.search(q),
      () => store.histogram(q, 3600),
      () => store.top(q, 'uid', 3),
      async () => {
        for await (const rows of store.stream(q, { limit: 5 })) assert.ok(rows.length <= 5);
      },
    ];
    for (const op of ops) {
      try {
        await op();
        ran++;
      } catch (err) {
        assert.ok(err instanceof QueryError, `query ${JSON.stringify(q)} failed with ${String(err)}`);
        assert.ok(err.offset >= 0 && err.offset <= q.length, `located: ${JSON.stringify(q)}`);
        refused++;
      }
    }
  }
  assert.ok(ran > 100 && refused > 100, `ran ${ran}, refused ${refused}`);
  assert.equal((await store.search('log:conn', { limit: 100 })).rows.length, 50, 'the store is intact');
});
