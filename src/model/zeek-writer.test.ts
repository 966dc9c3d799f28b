import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonParser } from '../ingest/json-parser.js';
import { RejectSink } from '../ingest/rejects.js';
import { TsvParser } from '../ingest/tsv-parser.js';
import type { ZeekRecord } from './records.js';
import { type FieldSpec, schemaFor } from './schemas.js';
import { parseZeekType } from './zeek-types.js';
import {
  escapeTsv,
  isoTime,
  type JsonStyle,
  jsonLine,
  tsvFooter,
  tsvHeader,
  tsvLine,
} from './zeek-writer.js';

const fields: FieldSpec[] = [
  ['ts', 'time'],
  ['uid', 'string'],
  ['id.orig_h', 'addr'],
  ['id.orig_p', 'port'],
  ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'],
  ['text', 'string'],
  ['tags', 'set[string]'],
  ['ttls', 'vector[interval]'],
  ['n', 'count'],
  ['ok', 'bool'],
].map(([name, type]) => ({ name: name!, type: parseZeekType(type!) }));

const tricky: ZeekRecord[] = [
  {
    _path: 'mylog',
    ts: 1623488460.123456,
    uid: 'C1',
    text: 'tab\there, comma, back\\slash',
    tags: ['a,b', 'c'],
    n: 0,
    ok: false,
  },
  { _path: 'mylog', ts: 1623488461, uid: 'C2', text: '-', tags: ['-', '(empty)'], ttls: [] },
  { _path: 'mylog', ts: 1623488462.5, uid: 'C3', text: '(empty)', tags: [''], ttls: [0.000001, 3600] },
  { _path: 'mylog', ts: 1623488463, uid: 'C4', text: '', tags: [] },
  { _path: 'mylog', ts: 1623488464, uid: 'C5', text: 'café 😀 \u0001 \\xd9 raw-byte text', ok: true },
];

function readTsv(text: string): { out: ZeekRecord[]; rejected: number } {
  const sink = new RejectSink();
  const p = new TsvParser('w.log', sink);
  const out: ZeekRecord[] = [];
  text.split('\n').forEach((l, i) => {
    p.parse(l, i + 1, out);
  });
  return { out, rejected: sink.total };
}

test('escapeTsv escapes what Zeek escapes, markers whole, set separator only in containers', () => {
  assert.equal(escapeTsv('plain, text'), 'plain, text');
  assert.equal(escapeTsv('a,b', ',', true), 'a\\x2cb');
  assert.equal(escapeTsv('-'), '\\x2d');
  assert.equal(escapeTsv('(empty)'), '\\x28\\x65\\x6d\\x70\\x74\\x79\\x29');
  assert.equal(escapeTsv('a\tb\\c\n'), 'a\\x09b\\x5cc\\x0a');
});

test('TSV written by the writer reads back to the same records', () => {
  const text = [
    tsvHeader('mylog', fields, 1623488460),
    ...tricky.map((r) => tsvLine(r, fields)),
    tsvFooter(1623488470),
  ].join('\n');
  const { out, rejected } = readTsv(text);
  assert.equal(rejected, 0);
  assert.deepEqual(out, tricky);
});

test('JSON in every style reads back to the same records', () => {
  const styles: JsonStyle[] = [
    {},
    { isoTime: true },
    { streaming: true },
    { streaming: true, isoTime: true },
    { underscoreKeys: true },
  ];
  for (const style of styles) {
    const sink = new RejectSink();
    const p = new JsonParser('w.json', sink, { path: 'mylog' });
    const out: ZeekRecord[] = [];
    tricky.forEach((r, i) => {
      p.parse(jsonLine(r, fields, style), i + 1, out);
    });
    assert.equal(sink.total, 0, JSON.stringify(style));
    assert.deepEqual(out, tricky, JSON.stringify(style));
  }
});

test('jsonLine: field order, unset omitted, streaming metadata, ISO times, underscored keys', () => {
  const conn = schemaFor('conn')!.fields;
  const rec: ZeekRecord = {
    _path: 'conn',
    ts: 1623488460.000001,
    uid: 'C1',
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 1,
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 2,
    proto: 'tcp',
  };
  assert.equal(
    jsonLine(rec, conn),
    '{"ts":1623488460.000001,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":2,"proto":"tcp"}',
  );
  assert.equal(
    jsonLine(rec, conn, { streaming: true, isoTime: true, underscoreKeys: true }),
    '{"_path":"conn","_write_ts":"2021-06-12T09:01:00.000001Z","ts":"2021-06-12T09:01:00.000001Z","uid":"C1","id_orig_h":"10.0.0.1","id_orig_p":1,"id_resp_h":"10.0.0.2","id_resp_p":2,"proto":"tcp"}',
  );
  assert.equal(isoTime(0.5), '1970-01-01T00:00:00.500000Z');
});
