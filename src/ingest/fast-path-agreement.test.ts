/**
 * The parallel fast path (parallel.ts, fast-decode.ts) must agree with the regular readers on
 * hostile input too: same records, same rejects (reason, line), line for line. Each case is read
 * both ways, the fast path forced on for these small files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { jsonLine, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { type FileReadOptions, readLogFile } from './file-source.js';
import { closeParallelPool } from './parallel.js';
import { type RejectEvent, RejectSink } from './rejects.js';

after(closeParallelPool);

class Capture extends RejectSink {
  readonly events: [string, number][] = [];
  override reject(event: RejectEvent, raw?: Buffer | string): void {
    this.events.push([event.reason, event.line]);
    super.reject(event, raw);
  }
}

async function read(file: string, options: FileReadOptions) {
  const sink = new Capture();
  const records: ZeekRecord[] = [];
  for await (const b of readLogFile(file, sink, options)) records.push(...b);
  return { records, events: sink.events };
}

async function agree(name: string, content: string | Buffer): Promise<void> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-fast-')), name);
  writeFileSync(file, content);
  const regular = await read(file, { workers: 0 });
  const fast = await read(file, { workers: 1, parallelMinBytes: 0 });
  assert.deepEqual(fast.events, regular.events, `${name}: rejects`);
  assert.deepEqual(fast.records, regular.records, `${name}: records`);
  assert.ok(regular.records.length > 0, `${name}: some records`);
}

const CONN = schemaFor('conn')!.fields;
const base = {
  _path: 'conn',
  ts: 1623488460.5,
  uid: 'C1',
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 1,
  'id.resp_h': '10.0.0.2',
  'id.resp_p': 80,
  proto: 'tcp',
  orig_bytes: 5,
  duration: 1.25,
  tunnel_parents: [],
} as ZeekRecord;
const good = tsvLine(base, CONN);
const cols = good.split('\t');
const variant = (i: number, v: string): string => cols.map((c, j) => (j === i ? v : c)).join('\t');
const idx = (name: string): number => CONN.findIndex((f) => f.name === name);

test('TSV: odd values, escapes, markers, bad numbers, a header repeated mid-file', async () => {
  const lines = [
    tsvHeader('conn', CONN, 1623488460),
    good,
    variant(idx('orig_bytes'), '(empty)'),
    variant(idx('orig_bytes'), '0x10'),
    variant(idx('orig_bytes'), ' 5'),
    variant(idx('duration'), '1e999'),
    variant(idx('duration'), 'Infinity'),
    variant(idx('duration'), '.5'),
    variant(idx('duration'), '1.'),
    variant(idx('ts'), '1623488460'),
    variant(idx('ts'), '-'),
    variant(idx('uid'), '-'),
    variant(idx('uid'), '\\x2d'),
    variant(idx('history'), 'caf\\xc3\\xa9 \\xd9 \\\\ \\x09'),
    variant(idx('tunnel_parents'), 'a\\x2cb,c'),
    variant(idx('service'), '(empty)'),
    variant(idx('local_orig'), 'X'),
    `${good}\textra`,
    good.slice(0, 20),
    '\u0000\u0001binary',
    tsvHeader('conn', CONN.slice(0, 8), 1623488460),
    cols.slice(0, 8).join('\t'),
    good,
  ];
  await agree('conn.log', `${lines.join('\n')}\n`);
  await agree('crlf.conn.log', `${lines.join('\r\n')}\r\n`);
});

test('JSON: stringified, nested, underscored, hostile keys and values', async () => {
  const j = (o: object): string => JSON.stringify(o);
  const lines = [
    jsonLine(base, CONN),
    jsonLine(base, CONN, { isoTime: true }),
    jsonLine(base, CONN, { underscoreKeys: true }),
    j({ ...base, orig_bytes: '5', duration: '1.25' }),
    j({ ...base, orig_bytes: 1.5 }),
    j({ ...base, duration: 1e308 * 10 }),
    j({ ...base, uid: null }),
    j({ ...base, service: null }),
    j({
      ts: base.ts,
      uid: 'C2',
      id: { orig_h: '10.0.0.1', orig_p: 1, resp_h: '10.0.0.2', resp_p: 80 },
      proto: 'udp',
    }),
    j({ ...base, extra: { deep: { deeper: 1 } } }),
    j({ ...base, tunnel_parents: 'a,b' }),
    '{"ts":1623488460.5,"uid":"C3","__proto__":["x"],"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp"}',
    '{"ts": 1623488460.5, "uid": "C4", "id.orig_h": "10.0.0.1", "id.orig_p": 1, "id.resp_h": "10.0.0.2", "id.resp_p": 80, "proto": "tcp"}',
    j({ ...base, history: 'caf\u00e9 \\xd9 "quoted" \u0001' }),
    j({ ...base, ts: 1623488460123 }),
    jsonLine({ ...base, ts: 1623488460123 }, CONN),
    jsonLine({ ...base, duration: 1e300 * 1e10 }, CONN),
    jsonLine({ ...base, orig_bytes: 2 ** 60 }, CONN),
    '{"ts":1,',
    '[1,2]',
    jsonLine(base, CONN),
  ];
  await agree('conn.json', `${lines.join('\n')}\n`);
});
