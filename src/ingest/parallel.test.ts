/**
 * The parallel reader (worker threads + fast decoder) must give exactly what the single-thread
 * reader gives: the same records in the same order (same property order too), the same rejects
 * with the same reasons, line numbers and messages, and the same quarantine bytes — on files
 * mixing good lines with every kind of line the fast decoder declines, cut into many blocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { jsonLine, tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { rng, zeekUid } from '../simulate/sample.js';
import { decodeBlock, jsonLayout, Materializer } from './fast-decode.js';
import { readLogFile } from './file-source.js';
import { closeParallelPool, parallelStats } from './parallel.js';
import { RejectSink } from './rejects.js';

after(() => closeParallelPool());

const dir = mkdtempSync(join(tmpdir(), 'vigil-parallel-'));
const START = Date.UTC(2021, 5, 12, 9, 0, 0) / 1000;

function conn(rand: () => number, i: number): ZeekRecord {
  const rec: Record<string, unknown> = {
    _path: 'conn',
    ts: Math.round((START + i * 0.5 + rand()) * 1e6) / 1e6,
    uid: zeekUid(rand),
    'id.orig_h': `10.0.${i % 7}.${(i * 13) % 250}`,
    'id.orig_p': 1024 + ((i * 7919) % 60000),
    'id.resp_h': i % 3 ? '192.0.2.1' : 'fe80::1',
    'id.resp_p': [53, 443, 80, 445][i % 4],
    proto: i % 4 === 0 ? 'udp' : 'tcp',
    conn_state: ['SF', 'S0', 'REJ'][i % 3],
    local_orig: i % 2 === 0,
    orig_pkts: i % 50,
    history: i % 11 === 0 ? '' : 'ShADadFf',
  };
  if (i % 5) rec.duration = Math.round(rand() * 1e6) / 1e3;
  if (i % 6 === 0) rec.service = i % 12 === 0 ? 'smb,gssapi' : 'dns';
  if (i % 9 === 0) rec.tunnel_parents = i % 18 === 0 ? [] : [zeekUid(rand), zeekUid(rand)];
  if (i % 13 === 0) rec.community_id = `1:caf\u00e9/${i}`;
  return rec as ZeekRecord;
}

/** Good lines with bad ones mixed in, numbered as they will be in the file. */
function mixed(good: (i: number) => string, bad: readonly string[], n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(good(i));
    if (i % 37 === 5) lines.push(bad[((i / 37) | 0) % bad.length]!);
    if (i % 101 === 50) lines.push('');
  }
  return lines;
}

interface Read {
  readonly records: ZeekRecord[];
  readonly messages: string[];
  readonly index: string;
  readonly raw: string;
}

async function read(file: string, workers: number, extra: { maxLineBytes?: number } = {}): Promise<Read> {
  const q = mkdtempSync(join(dir, `q${workers}-`));
  const messages: string[] = [];
  const sink = new RejectSink({
    quarantineDir: q,
    onMessage: (m) => messages.push(m),
    messagesPerFileReason: 1e9,
  });
  const records: ZeekRecord[] = [];
  for await (const batch of readLogFile(file, sink, {
    workers,
    parallelMinBytes: 0,
    chunkBytes: 4096,
    ...extra,
  })) {
    records.push(...batch);
  }
  sink.close();
  const opt = (f: string): string => {
    try {
      return readFileSync(join(q, f), 'latin1');
    } catch {
      return '';
    }
  };
  return { records, messages, index: opt('rejects.jsonl'), raw: opt('rejects.raw') };
}

async function assertSame(file: string, extra: { maxLineBytes?: number } = {}): Promise<Read> {
  const one = await read(file, 0, extra);
  const before = parallelStats.blocks;
  const beforeWorkers = parallelStats.blocks - parallelStats.mainBlocks;
  const par = await read(file, 2, extra);
  assert.ok(parallelStats.blocks > before + 5, 'blocks took the fast path');
  assert.ok(parallelStats.blocks - parallelStats.mainBlocks > beforeWorkers, 'the workers decoded blocks');
  assert.equal(parallelStats.workerErrors, 0);
  assert.equal(par.records.length, one.records.length, 'record count');
  for (let i = 0; i < one.records.length; i++) {
    // JSON text compares values and property order; deepStrictEqual compares types exactly.
    assert.equal(JSON.stringify(par.records[i]), JSON.stringify(one.records[i]), `record ${i}`);
    assert.deepStrictEqual(par.records[i], one.records[i]);
  }
  assert.deepStrictEqual(par.messages, one.messages);
  assert.equal(par.index, one.index);
  assert.equal(par.raw, one.raw);
  return one;
}

const fields = schemaFor('conn')!.fields;

test('TSV: same records, rejects and order as the single-thread reader', async () => {
  const rand = rng(7);
  const bad = [
    'not\ta\tconn\tline',
    `${START}\tCbad\t10.0.0.1\tnotaport\t10.0.0.2\t80\ttcp${'\t-'.repeat(fields.length - 7)}`,
    `${START}\tCesc\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\tweird\\x09svc${'\t-'.repeat(fields.length - 8)}`,
    `-\tCnots\t10.0.0.1\t1\t10.0.0.2\t80\ttcp${'\t-'.repeat(fields.length - 7)}`,
    `${START}\tCempty\t10.0.0.1\t1\t10.0.0.2\t(empty)\ttcp${'\t-'.repeat(fields.length - 7)}`,
    `${START}\tCplus\t10.0.0.1\t+1\t10.0.0.2\t80\ttcp${'\t-'.repeat(fields.length - 7)}\r`,
    `${START}e0\tCexp\t10.0.0.1\t1\t10.0.0.2\t80\ttcp${'\t-'.repeat(fields.length - 7)}`,
    'garbage\u0000\u0001binary',
  ];
  const body = mixed((i) => tsvLine(conn(rand, i), fields), bad, 900);
  // A second log concatenated mid-file, with other fields: the header must reach the workers.
  const fewer = fields.filter((f) => f.name !== 'history' && f.name !== 'service');
  const body2 = mixed((i) => tsvLine(conn(rand, 1000 + i), fewer), bad, 600);
  const text =
    `${tsvHeader('conn', fields, START)}\n${body.join('\n')}\n${tsvFooter(START + 3600)}\n` +
    `${tsvHeader('conn', fewer, START)}\n${body2.join('\n')}\n${tsvFooter(START + 7200)}\n`;
  const file = join(dir, 'conn.log');
  writeFileSync(file, text);
  const one = await assertSame(file);
  assert.ok(one.records.length > 1400, 'most lines are records');
  assert.ok(one.messages.length > 25, 'bad lines are rejected');
  assert.ok(
    one.records.some((r) => r.service === 'smb,gssapi'),
    'escaped strings',
  );
  // Invalid UTF-8 and an over-long line: rejected by the line splitter, in order with the rest.
  const bytes = Buffer.concat([
    Buffer.from(text.slice(0, 40_000)),
    Buffer.from([0xff, 0xfe, 0x0a]),
    Buffer.from(`${'x'.repeat(9000)}\n`),
    Buffer.from(text.slice(40_000)),
  ]);
  const file2 = join(dir, 'conn-bytes.log');
  writeFileSync(file2, bytes);
  await assertSame(file2, { maxLineBytes: 8192 });
  const gz = join(dir, 'conn-gz.log.gz');
  writeFileSync(gz, gzipSync(bytes).subarray(0, 30_000)); // truncated gzip
  await assertSame(gz, { maxLineBytes: 8192 });
});

test('JSON: same records, rejects and order as the single-thread reader', async () => {
  const rand = rng(11);
  const bad = [
    '{"ts":1623488400.5,"uid":"Cx","id.orig_h":"10.0.0.1"',
    '{"ts":1623488400.5,"uid":"Cx","id.orig_h":"10.0.0.1","id.orig_p":1.5,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"uid":"Cx","ts":1623488400.5,"id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":"2021-06-12T09:00:00.123456Z","uid":"Ciso","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":1623488400.5,"uid":"C\\u0041x","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp","extra":{"a":1}}',
    '{"_path":"conn","_write_ts":1623488401,"ts":1623488400.5,"uid":"Cs","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":1623488400.5,"uid":"Ctab\tx","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":1e999,"uid":"Cinf","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":01,"uid":"Czero","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":"tcp"}',
    '{"ts":1623488400.5,"uid":"Cnull","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"1.2.3.4","id.resp_p":80,"proto":null}',
    '[1,2,3]',
    '{"ts": 1623488400.5, "uid": "Cspace", "id.orig_h": "10.0.0.1", "id.orig_p": 1, "id.resp_h": "1.2.3.4", "id.resp_p": 80, "proto": "tcp"}\r',
  ];
  const body = mixed((i) => jsonLine(conn(rand, i), fields), bad, 1500);
  const file = join(dir, 'conn.json');
  writeFileSync(file, `${body.join('\n')}\n`);
  const one = await assertSame(file);
  assert.ok(one.records.length > 1500, 'most lines are records');
  assert.ok(one.messages.length > 20, 'bad lines are rejected');
  // json-streaming (`_path`, `_write_ts` first), with a line of another log type among them.
  const streaming = mixed(
    (i) =>
      i % 97 === 3
        ? jsonLine({ ...conn(rand, i), _path: 'dns' }, fields, { streaming: true })
        : jsonLine(conn(rand, i), fields, { streaming: true, isoTime: i % 89 === 1 }),
    bad,
    1500,
  );
  const file2 = join(dir, 'conn_2021-06-12.json');
  writeFileSync(file2, `${streaming.join('\n')}\n`);
  const before = parallelStats.declinedLines;
  const two = await assertSame(file2);
  assert.ok(two.records.some((r) => r._path === 'dns'));
  assert.ok(parallelStats.declinedLines - before < 200, 'streaming lines take the fast path');
});

test('fast decoder: declined lines come back with their exact index and text', () => {
  const layout = jsonLayout('conn')!;
  const good = jsonLine(conn(rng(3), 1), fields);
  const text = [good, '{"ts":1}', '', good].join('\n');
  const tape = decodeBlock(text, layout);
  assert.equal(tape.lines, 4);
  assert.equal(tape.slow, 1);
  const out: ZeekRecord[] = [];
  const slow: [string, number][] = [];
  new Materializer(layout).run(text, tape, 10, out, (line, n) => slow.push([line, n]));
  assert.deepStrictEqual(slow, [['{"ts":1}', 11]]);
  assert.equal(out.length, 2);
  assert.deepStrictEqual(out[0], { _path: 'conn', ...JSON.parse(good) });
});
