import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { jsonLine, tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { AutoParser } from './auto-parser.js';
import { RejectSink } from './rejects.js';
import { IngestRun } from './run.js';

const CONN = schemaFor('conn')!.fields;
const DNS = schemaFor('dns')!.fields;
const conn = (ts: number, uid: string): ZeekRecord => ({
  _path: 'conn',
  ts,
  uid,
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 49152,
  'id.resp_h': '10.0.0.2',
  'id.resp_p': 53,
  proto: 'udp',
  tunnel_parents: [],
});
const dns = (ts: number, uid: string): ZeekRecord => ({
  _path: 'dns',
  ts,
  uid,
  'id.orig_h': '10.0.0.1',
  'id.orig_p': 49152,
  'id.resp_h': '10.0.0.2',
  'id.resp_p': 53,
  query: 'example.com',
  answers: ['93.184.216.34'],
  TTLs: [60],
});

function detect(lines: string[], path?: string) {
  const sink = new RejectSink();
  const p = new AutoParser('f', sink, { path });
  const out: ZeekRecord[] = [];
  lines.forEach((l, i) => {
    p.parse(l, i + 1, out);
  });
  return { format: p.format, out, rejected: sink.total };
}

test('format detected from the first non-blank line: # TSV, { JSON, else zeek-cut', () => {
  const c = conn(1, 'C1');
  assert.equal(detect(['', tsvHeader('conn', CONN, 0), tsvLine(c, CONN)]).format, 'tsv');
  assert.equal(detect(['', `  ${jsonLine(c, CONN)}`], 'conn').format, 'json');
  assert.equal(detect(['\ufeff' + jsonLine(c, CONN)], 'conn').format, 'json');
  const cut = detect([CONN.map((f) => f.name).join('\t'), tsvLine(c, CONN)], 'conn');
  assert.equal(cut.format, 'tsv-headerless');
  assert.deepEqual(cut.out, [c]);
  // the BOM does not stick to the first value
  const bom = detect(['\ufeff' + jsonLine(c, CONN)], 'conn');
  assert.deepEqual(bom.out, [c]);
});

test('one run: TSV, gzip-free JSON, json-streaming with two log types — each file detected, merged by ts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mixed-'));
  writeFileSync(
    join(dir, 'conn.log'),
    [tsvHeader('conn', CONN, 0), tsvLine(conn(1, 'A'), CONN), tsvLine(conn(4, 'D'), CONN), tsvFooter(9)].join(
      '\n',
    ),
  );
  writeFileSync(join(dir, 'conn.json'), [jsonLine(conn(2, 'B'), CONN, { isoTime: true }), ''].join('\n'));
  writeFileSync(
    join(dir, 'zeek.json'),
    [
      jsonLine(dns(3, 'C'), DNS, { streaming: true }),
      jsonLine(conn(5, 'E'), CONN, { streaming: true, underscoreKeys: true }),
    ].join('\n'),
  );
  // conn.log and conn.json share a folder: one source, whose disorder the reorder window absorbs
  const run = new IngestRun([dir], { reorderWindowSeconds: 60 });
  const got: ZeekRecord[] = [];
  for await (const b of run.batches()) got.push(...b);
  assert.deepEqual(
    got.map((r) => `${r._path}:${r.uid}`),
    ['conn:A', 'conn:B', 'dns:C', 'conn:D', 'conn:E'],
  );
  assert.deepEqual(got[1], conn(2, 'B'));
  assert.deepEqual(got[2], dns(3, 'C'));
  assert.deepEqual(got[4], conn(5, 'E'));
  const s = run.summary();
  assert.deepEqual(s.byLog, { conn: 4, dns: 1 });
  assert.equal(s.rejectedTotal, 0);
  assert.equal(s.late, 0);
  assert.equal(s.firstTs, 1);
  assert.equal(s.lastTs, 5);
});
