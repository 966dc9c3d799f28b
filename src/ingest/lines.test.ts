import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineSplitter } from './lines.js';
import { RejectSink } from './rejects.js';

interface IndexEntry {
  reason: string;
  file: string;
  line: number;
  message: string;
  rawOffset?: number;
  rawLength?: number;
}

/** The quarantine as written: each index entry with the exact raw bytes it points at. */
function readQuarantine(dir: string): { entry: IndexEntry; raw: Buffer | undefined }[] {
  const raw = (() => {
    try {
      return readFileSync(join(dir, 'rejects.raw'));
    } catch {
      return Buffer.alloc(0);
    }
  })();
  return readFileSync(join(dir, 'rejects.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const entry = JSON.parse(l) as IndexEntry;
      return {
        entry,
        raw:
          entry.rawOffset === undefined
            ? undefined
            : raw.subarray(entry.rawOffset, entry.rawOffset + entry.rawLength!),
      };
    });
}

function split(chunks: Buffer[], opts: { max?: number; complete?: boolean; dir?: string } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vigil-lines-'));
  const messages: string[] = [];
  const sink = new RejectSink({ quarantineDir: dir, onMessage: (m) => messages.push(m) });
  const lines: [number, string][] = [];
  const s = new LineSplitter('f.log', sink, (line, n) => lines.push([n, line]), opts.max);
  for (const c of chunks) s.push(c);
  s.end(opts.complete ?? true);
  sink.close();
  return { lines, sink, dir, messages };
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

test('lines split across chunks, CRLF stripped, blank lines numbered, last line without newline', () => {
  const { lines, sink } = split([b('one\r\ntw'), b('o\n'), b('\nthr'), b('ee')]);
  assert.deepEqual(lines, [
    [1, 'one'],
    [2, 'two'],
    [3, ''],
    [4, 'three'],
  ]);
  assert.equal(sink.total, 0);
});

test('UTF-8 split inside a character across chunks decodes whole', () => {
  const bytes = b('é😀 ok\nnext\n');
  const { lines } = split([bytes.subarray(0, 1), bytes.subarray(1, 4), bytes.subarray(4)]);
  assert.deepEqual(lines, [
    [1, 'é😀 ok'],
    [2, 'next'],
  ]);
});

test('invalid UTF-8: that line rejected with its exact bytes, neighbours read', () => {
  const badLine = Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3]);
  const { lines, sink, dir, messages } = split([Buffer.concat([b('good é\n'), badLine, b('\nafter\n')])]);
  assert.deepEqual(lines, [
    [1, 'good é'],
    [3, 'after'],
  ]);
  assert.deepEqual(sink.toObject(), { 'invalid-utf8': 1 });
  const q = readQuarantine(dir);
  assert.equal(q.length, 1);
  assert.equal(q[0]!.entry.line, 2);
  assert.equal(q[0]!.entry.file, 'f.log');
  assert.deepEqual(q[0]!.raw, badLine);
  assert.match(messages[0]!, /^rejected f\.log:2: .*\[invalid-utf8\]$/);
});

test('NUL bytes in an otherwise non-UTF-8 line are binary-garbage', () => {
  const garbage = Buffer.from([0x00, 0x9f, 0x92, 0x00, 0x01, 0xff]);
  const { lines, sink, dir } = split([Buffer.concat([garbage, b('\nok\n')])]);
  assert.deepEqual(lines, [[2, 'ok']]);
  assert.deepEqual(sink.toObject(), { 'binary-garbage': 1 });
  assert.deepEqual(readQuarantine(dir)[0]!.raw, garbage);
});

test('a line longer than maxLineBytes inside one chunk: line-too-long, exact bytes, run goes on', () => {
  const long = 'x'.repeat(100);
  const { lines, sink, dir } = split([b(`a\n${long}\nb\n`)], { max: 50 });
  assert.deepEqual(lines, [
    [1, 'a'],
    [3, 'b'],
  ]);
  assert.deepEqual(sink.toObject(), { 'line-too-long': 1 });
  const q = readQuarantine(dir);
  assert.equal(q[0]!.entry.line, 2);
  assert.equal(q[0]!.raw!.toString('utf8'), long);
});

test('maxLineBytes counts bytes, not UTF-16 characters', () => {
  const wide = 'é'.repeat(40); // 40 chars, 80 bytes
  const { lines, sink } = split([b(`${wide}\nok\n`)], { max: 50 });
  assert.deepEqual(lines, [[2, 'ok']]);
  assert.deepEqual(sink.toObject(), { 'line-too-long': 1 });
  const fits = split([b(`${'é'.repeat(25)}\n`)], { max: 50 });
  assert.equal(fits.lines.length, 1);
});

test('an oversized line streamed over many chunks is quarantined whole, also in a reused quarantine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lines-'));
  // a first run leaves bytes in rejects.raw; the second run's offsets must account for them
  split([Buffer.from([0xff, 0x00, 0x0a])], { dir });
  const long = Buffer.alloc(10_000, 0x41);
  const chunks: Buffer[] = [b('first\n')];
  const body = Buffer.concat([long, b('\nlast\n')]);
  for (let i = 0; i < body.length; i += 777) chunks.push(body.subarray(i, i + 777));
  const { lines, sink } = split(chunks, { max: 1000, dir });
  assert.deepEqual(lines, [
    [1, 'first'],
    [3, 'last'],
  ]);
  assert.deepEqual(sink.toObject(), { 'line-too-long': 1 });
  const q = readQuarantine(dir);
  assert.equal(q.length, 2);
  assert.deepEqual(q[0]!.raw, Buffer.from([0xff, 0x00]));
  assert.equal(q[1]!.entry.line, 2);
  assert.equal(q[1]!.entry.reason, 'line-too-long');
  assert.ok(q[1]!.raw!.equals(long), `raw of ${q[1]!.raw!.length} bytes differs`);
});

test('a cut stream (complete=false): the unfinished last line is rejected, not parsed', () => {
  const { lines, sink, dir } = split([b('full\npart')], { complete: false });
  assert.deepEqual(lines, [[1, 'full']]);
  assert.deepEqual(sink.toObject(), { 'truncated-line': 1 });
  assert.equal(readQuarantine(dir)[0]!.raw!.toString(), 'part');
});
