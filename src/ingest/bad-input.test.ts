/**
 * Issue item 7: bad input never stops a run and is never silent. One test per kind of bad
 * input, through the real readers and a real quarantine: a located message naming file and line,
 * a count by reason, the exact raw bytes back from `rejects.raw`, and the good records around it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { discoverLogFiles } from './discover.js';
import { readLogFile } from './file-source.js';
import { RejectSink } from './rejects.js';
import { type IngestOptions, IngestRun } from './run.js';

interface IndexEntry {
  reason: string;
  file: string;
  line: number;
  message: string;
  rawOffset?: number;
  rawLength?: number;
}

function quarantine(dir: string): { entry: IndexEntry; raw: Buffer | undefined }[] {
  let raw = Buffer.alloc(0);
  try {
    raw = readFileSync(join(dir, 'rejects.raw'));
  } catch {}
  return readFileSync(join(dir, 'rejects.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const entry = JSON.parse(l) as IndexEntry;
      const { rawOffset, rawLength } = entry;
      return {
        entry,
        raw: rawOffset === undefined ? undefined : raw.subarray(rawOffset, rawOffset + rawLength!),
      };
    });
}

async function run(inputs: string[], options: IngestOptions = {}) {
  const q = mkdtempSync(join(tmpdir(), 'vigil-q-'));
  const messages: string[] = [];
  const ingest = new IngestRun(inputs, { quarantineDir: q, onMessage: (m) => messages.push(m), ...options });
  const records: ZeekRecord[] = [];
  for await (const batch of ingest.batches()) records.push(...batch);
  return { records, summary: ingest.summary(), messages, q: quarantine(q) };
}

const KH = schemaFor('known_hosts')!.fields;
const khLine = (i: number): string =>
  tsvLine({ _path: 'known_hosts', ts: 1600000000 + i, host: `10.0.0.${i % 250}` }, KH);
function khLog(n: number): string {
  const lines = [tsvHeader('known_hosts', KH, 1600000000)];
  for (let i = 0; i < n; i++) lines.push(khLine(i));
  lines.push(tsvFooter(1600000000 + n));
  return `${lines.join('\n')}\n`;
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'vigil-bad-'));

test('a malformed line: located, counted, raw bytes quarantined, the rest read', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const text = khLog(3).replace(khLine(1), '1600000001.000000\t10.0.0.1\tEXTRA');
  writeFileSync(file, text);
  const { records, summary, messages, q } = await run([file]);
  assert.equal(records.length, 2);
  assert.deepEqual(summary.rejected, { 'field-count-mismatch': 1 });
  assert.deepEqual(messages, [
    `rejected ${file}:10: 3 columns where the header declares 2 [field-count-mismatch]`,
  ]);
  assert.equal(q.length, 1);
  assert.equal(q[0]!.entry.file, file);
  assert.equal(q[0]!.entry.line, 10);
  assert.equal(q[0]!.raw!.toString('utf8'), '1600000001.000000\t10.0.0.1\tEXTRA');
});

test("a CRLF file (passed through Windows tools): the quarantine keeps each rejected line's \\r", async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const text = khLog(3).replace(khLine(1), '1600000001.000000\t10.0.0.1\tEXTRA').replaceAll('\n', '\r\n');
  writeFileSync(file, text);
  const { records, summary, q } = await run([file]);
  assert.equal(records.length, 2);
  assert.equal(records[1]!.host, '10.0.0.2', 'values never carry the \\r');
  assert.deepEqual(summary.rejected, { 'field-count-mismatch': 1 });
  assert.equal(q[0]!.raw!.toString('utf8'), '1600000001.000000\t10.0.0.1\tEXTRA\r');
  // An LF file's rejected line stays without one.
  const lf = join(dir, 'lf', 'known_hosts.log');
  mkdirSync(join(dir, 'lf'));
  writeFileSync(lf, khLog(3).replace(khLine(1), 'x\ty\tz'));
  assert.equal((await run([lf])).q[0]!.raw!.toString('utf8'), 'x\ty\tz');
});

test('a truncated gzip: records before the damage kept, reason truncated-gzip, cut line quarantined', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log.gz');
  const gz = gzipSync(Buffer.from(khLog(20000)));
  writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const other = join(dir, 'weird.log');
  writeFileSync(
    other,
    `${tsvHeader('weird', schemaFor('weird')!.fields, 1)}\n1.0\t-\t-\t-\t-\t-\tx\t-\tF\tzeek\t-\n`,
  );
  const { records, summary, messages, q } = await run([file, other]);
  const kh = records.filter((r) => r._path === 'known_hosts');
  assert.ok(kh.length > 5000 && kh.length < 20000, `${kh.length} records before the damage`);
  // what was kept is the exact prefix of the log, in order
  kh.forEach((r, i) => {
    assert.equal(r.ts, 1600000000 + i);
  });
  assert.equal(summary.byLog.weird, 1, 'the run went on to the next file');
  assert.equal(summary.rejected['truncated-gzip'], 1);
  const gzMsg = messages.find((m) => m.includes('[truncated-gzip]'));
  assert.match(gzMsg ?? '', new RegExp(`^rejected ${file}:\\d+: gzip stream damaged after line \\d+`));
  const cut = q.find((e) => e.entry.reason === 'truncated-line');
  if (cut) {
    // the partly decompressed last line: a prefix of the line it was cut from
    assert.equal(cut.entry.line, kh.length + 9);
    assert.ok(khLine(kh.length).startsWith(cut.raw!.toString('utf8')));
  }
  assert.ok(q.some((e) => e.entry.reason === 'truncated-gzip' && e.entry.file === file));
});

test('a gzip file with garbage after its end: every record kept, the damage reported', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log.gz');
  writeFileSync(
    file,
    Buffer.concat([gzipSync(Buffer.from(khLog(20000))), Buffer.from('garbage after the gzip member')]),
  );
  const { records, summary, messages } = await run([file]);
  assert.equal(records.length, 20000);
  assert.deepEqual(summary.rejected, { 'truncated-gzip': 1 });
  assert.match(messages[0]!, new RegExp(`^rejected ${file}:20009: gzip stream damaged after line 20009`));
});

test('a header that does not match its rows: every row rejected and quarantined, not mis-typed', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const text = khLog(2).replace('#fields\tts\thost', '#fields\tts\thost\tport_num');
  writeFileSync(file, text);
  const { records, summary, q } = await run([file]);
  assert.equal(records.length, 0);
  assert.deepEqual(summary.rejected, { 'bad-header': 1, 'field-count-mismatch': 2 });
  assert.deepEqual(
    q.map((e) => [e.entry.reason, e.entry.line]),
    [
      ['bad-header', 8],
      ['field-count-mismatch', 9],
      ['field-count-mismatch', 10],
    ],
  );
  assert.equal(q[1]!.raw!.toString(), khLine(0));
});

test('binary garbage: each garbage line rejected with its exact bytes; text lines around it read', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const garbage = Buffer.from([0x00, 0x01, 0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0xff, 0x00]);
  const garbage2 = Buffer.from('\u0000\u0000\u0007PK\u0003\u0004', 'latin1');
  const text = khLog(2);
  const cut = text.indexOf(khLine(1));
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from(text.slice(0, cut)),
      garbage,
      Buffer.from('\n'),
      garbage2,
      Buffer.from(`\n${text.slice(cut)}`),
    ]),
  );
  const { records, summary, q, messages } = await run([file]);
  assert.equal(records.length, 2);
  assert.deepEqual(summary.rejected, { 'binary-garbage': 2 });
  assert.deepEqual(q[0]!.raw, garbage);
  assert.deepEqual(q[1]!.raw, garbage2);
  assert.match(messages[0]!, new RegExp(`^rejected ${file}:10: `));
});

test('a 50 MB line: line-too-long, its exact bytes in the quarantine, the run goes on', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const huge = Buffer.alloc(50 * 1024 * 1024, 0x61);
  huge.write('1600000000.5\t', 0);
  const text = khLog(2);
  const cut = text.indexOf(khLine(1));
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(text.slice(0, cut)), huge, Buffer.from(`\n${text.slice(cut)}`)]),
  );
  const { records, summary, q, messages } = await run([file]);
  assert.equal(records.length, 2);
  assert.deepEqual(summary.rejected, { 'line-too-long': 1 });
  assert.equal(q.length, 1);
  assert.equal(q[0]!.entry.line, 10);
  assert.ok(q[0]!.raw!.equals(huge), `quarantined ${q[0]!.raw!.length} bytes, line had ${huge.length}`);
  assert.match(messages[0]!, new RegExp(`^rejected ${file}:10: line of 52428800 bytes exceeds`));
});

test('a file that vanishes between discovery and read: read-error naming it; other files read', async () => {
  const dir = tmp();
  const gone = join(dir, 'known_hosts.log');
  const stays = join(dir, 'known_hosts.1.log');
  writeFileSync(gone, khLog(2));
  writeFileSync(stays, khLog(3));
  const messages: string[] = [];
  const q = mkdtempSync(join(tmpdir(), 'vigil-q-'));
  const sink = new RejectSink({ quarantineDir: q, onMessage: (m) => messages.push(m) });
  const groups = discoverLogFiles([dir], sink);
  assert.equal(groups.get('known_hosts')?.length, 2);
  unlinkSync(gone);
  let n = 0;
  for (const f of groups.get('known_hosts')!)
    for await (const batch of readLogFile(f.file, sink)) n += batch.length;
  sink.close();
  assert.equal(n, 3);
  assert.deepEqual(sink.toObject(), { 'read-error': 1 });
  assert.deepEqual(messages, [`rejected ${gone}: file vanished or does not exist [read-error]`]);
  const entries = quarantine(q);
  assert.equal(entries[0]!.entry.file, gone);
  assert.equal(entries[0]!.entry.line, 0);
});

test('invalid UTF-8: the line rejected with its exact bytes, the rest read', async () => {
  const dir = tmp();
  const file = join(dir, 'known_hosts.log');
  const text = khLog(3);
  const bad = Buffer.concat([Buffer.from('1600000001.000000\t10.0.0.'), Buffer.from([0xc3, 0x28, 0xa0])]);
  const cut = text.indexOf(khLine(1));
  const end = cut + khLine(1).length;
  writeFileSync(file, Buffer.concat([Buffer.from(text.slice(0, cut)), bad, Buffer.from(text.slice(end))]));
  const { records, summary, q, messages } = await run([file]);
  assert.equal(records.length, 2);
  assert.deepEqual(summary.rejected, { 'invalid-utf8': 1 });
  assert.deepEqual(q[0]!.raw, bad);
  assert.deepEqual(messages, [`rejected ${file}:10: bytes that are not UTF-8 [invalid-utf8]`]);
});

test('the CLI: every kind of bad input located on stderr, counted in the summary, quarantined; exit 1', () => {
  const dir = tmp();
  // one file per kind, all log types known_hosts-shaped; names only decide the grouping
  writeFileSync(join(dir, 'known_hosts.log'), khLog(3).replace(khLine(1), 'garbage'));
  const gz = gzipSync(Buffer.from(khLog(5000)));
  writeFileSync(join(dir, 'weird.log.gz'), gz.subarray(0, gz.length - 200));
  writeFileSync(join(dir, 'dhcp.log'), khLog(2).replace('#fields\tts\thost', '#fields\tts\thost\tx'));
  const garbage = Buffer.from([0x00, 0x00, 0x07, 0x50, 0x4b, 0x03, 0x04]);
  writeFileSync(
    join(dir, 'software.log'),
    Buffer.concat([Buffer.from(khLog(1)), garbage, Buffer.from('\n')]),
  );
  const long = Buffer.alloc(10_000, 0x62);
  writeFileSync(join(dir, 'notice.log'), Buffer.concat([Buffer.from(khLog(1)), long, Buffer.from('\n')]));
  const badUtf8 = Buffer.concat([Buffer.from('{"ts":1,'), Buffer.from([0xff, 0xfe]), Buffer.from('}')]);
  writeFileSync(join(dir, 'conn.log'), Buffer.concat([badUtf8, Buffer.from('\n')]));
  const q = join(dir, 'q');
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, '../cli/main.ts'),
      'analyze',
      dir,
      join(dir, 'missing.log'),
      '--format',
      'json',
      '--quarantine',
      q,
      '--max-line-bytes',
      '4096',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(res.status, 1, res.stderr);
  const doc = JSON.parse(res.stdout) as { summary: { records: number; rejected: Record<string, number> } };
  const { 'truncated-line': _cut, ...rejected } = doc.summary.rejected;
  assert.deepEqual(rejected, {
    'field-count-mismatch': 3,
    'truncated-gzip': 1,
    'bad-header': 1,
    'binary-garbage': 1,
    'line-too-long': 1,
    'invalid-utf8': 1,
    'read-error': 1,
  });
  assert.ok(doc.summary.records > 4000);
  for (const where of [
    /known_hosts\.log:10: 1 columns where the header declares 2 \[field-count-mismatch\]/,
    /weird\.log\.gz:\d+: gzip stream damaged after line \d+/,
    /dhcp\.log:8: .*\[bad-header\]/,
    /software\.log:11: .*\[binary-garbage\]/,
    /notice\.log:11: line of 10000 bytes exceeds/,
    /conn\.log:1: bytes that are not UTF-8/,
    /missing\.log: file vanished or does not exist/,
  ])
    assert.match(res.stderr, where);
  const entries = quarantine(q);
  const raw = (reason: string) => entries.find((e) => e.entry.reason === reason)?.raw;
  assert.deepEqual(raw('line-too-long'), long);
  assert.deepEqual(raw('invalid-utf8'), badUtf8);
  assert.deepEqual(raw('binary-garbage'), garbage);
  const malformed = entries.find((e) => e.entry.file.endsWith('known_hosts.log'));
  assert.equal(malformed?.raw?.toString(), 'garbage');
});
