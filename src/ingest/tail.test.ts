import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { loadCheckpoint } from './checkpoint.js';
import { readLogFile } from './file-source.js';
import { LiveIngestRun } from './live.js';
import { type LiveBatch, type LiveMergeStats, mergeLive } from './merge.js';
import { RejectSink } from './rejects.js';
import { DirectoryTail, type TailOptions } from './tail.js';

const POLL_MS = 15;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vigil-tail-'));
}

/** One JSON conn line with uid `C<n>` and ts 1_700_000_000 + n. */
function jsonConn(n: number, path = 'conn'): string {
  const rec: Record<string, unknown> = {
    ts: 1_700_000_000 + n,
    uid: `C${n}`,
    'id.orig_h': '10.0.0.1',
    'id.orig_p': 1000 + (n % 50000),
    'id.resp_h': '10.0.0.2',
    'id.resp_p': 80,
  };
  if (path === 'conn') rec.proto = 'tcp';
  if (path === 'dns') rec.query = `q${n}.example`;
  return `${JSON.stringify(rec)}\n`;
}

function jsonLines(from: number, to: number, path = 'conn'): string {
  let s = '';
  for (let n = from; n < to; n++) s += jsonConn(n, path);
  return s;
}

const TSV_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-11-25-20-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum',
].join('\n');

function tsvLines(from: number, to: number): string {
  let s = '';
  for (let n = from; n < to; n++) s += `${1_700_000_000 + n}.000000\tC${n}\t10.0.0.1\t1\t10.0.0.2\t80\ttcp\n`;
  return s;
}

function range(from: number, to: number): string[] {
  const out: string[] = [];
  for (let n = from; n < to; n++) out.push(`C${n}`);
  return out;
}

/** Runs a tail in the background, collecting what it yields. */
function startTail(dir: string, options: TailOptions = {}) {
  const controller = new AbortController();
  const messages: string[] = [];
  const sink = new RejectSink({ onMessage: (m) => messages.push(m) });
  const tail = new DirectoryTail(dir, sink, {
    pollMs: POLL_MS,
    signal: controller.signal,
    onMessage: (m) => messages.push(m),
    ...options,
  });
  const records: ZeekRecord[] = [];
  let polls = 0;
  const done = (async () => {
    for await (const b of tail.batches()) {
      if (b.source === '') polls++;
      records.push(...b.records);
    }
  })();
  return {
    tail,
    sink,
    records,
    messages,
    uids: () => records.map((r) => r.uid as string),
    polls: () => polls,
    async stop(): Promise<void> {
      controller.abort();
      await done;
    },
    done,
  };
}

type Tail = ReturnType<typeof startTail>;

async function waitFor(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Waits until the tail has completed `n` more full polls (it has seen the current state). */
async function settle(t: Tail, n = 3): Promise<void> {
  const target = t.polls() + n;
  await waitFor(`${n} polls`, () => t.polls() >= target);
}

test('a line appended in pieces is held until its newline arrives, then parsed once', async () => {
  const dir = tempDir();
  const file = join(dir, 'conn.log');
  writeFileSync(file, '');
  const t = startTail(dir);
  const line = jsonConn(1);
  appendFileSync(file, line.slice(0, 20));
  await settle(t);
  appendFileSync(file, line.slice(20, 60));
  await settle(t);
  assert.equal(t.records.length, 0, 'half a line is never parsed while live');
  assert.equal(t.sink.total, 0);
  appendFileSync(file, line.slice(60));
  await waitFor('the record', () => t.records.length === 1);
  // Many lines written in odd-sized pieces: every one exactly once, in order.
  const text = jsonLines(2, 400);
  for (let i = 0; i < text.length; ) {
    const n = 1 + ((i * 7919) % 997);
    appendFileSync(file, text.slice(i, i + n));
    i += n;
    if (i % 5 === 0) await sleep(1);
  }
  await waitFor('all lines', () => t.records.length === 399);
  await settle(t);
  await t.stop();
  assert.deepEqual(t.uids(), range(1, 400));
  assert.equal(t.sink.total, 0);
});

test('rotation by rename + new file: the old file is read to its end first; nothing lost or repeated', async () => {
  const dir = tempDir();
  const archive = join(dir, 'archive');
  mkdirSync(archive);
  const file = join(dir, 'conn.log');
  writeFileSync(file, jsonLines(0, 100));
  const t = startTail(dir);
  await waitFor('first lines', () => t.records.length === 100);
  // Rotation 1: renamed inside the directory (zeekctl's `conn.<stamp>.log`); the writer's last
  // lines land after the rename, then a new conn.log starts.
  const fd = openSync(file, 'a');
  renameSync(file, join(dir, 'conn.2026-11-25-20-00-00.log'));
  writeSync(fd, jsonLines(100, 150));
  closeSync(fd);
  writeFileSync(file, jsonLines(150, 200));
  await waitFor('rotation 1', () => t.records.length === 200);
  // Rotation 2: renamed out of the directory (into an archive), with a partial last line that
  // the writer completes after the rename.
  const fd2 = openSync(file, 'a');
  writeSync(fd2, jsonLines(200, 250));
  const partial = jsonConn(250);
  writeSync(fd2, partial.slice(0, 30));
  await settle(t);
  renameSync(file, join(archive, 'conn.20:00:00-21:00:00.log'));
  writeSync(fd2, partial.slice(30));
  closeSync(fd2);
  writeFileSync(file, jsonLines(251, 300));
  await waitFor('rotation 2', () => t.records.length === 300);
  await settle(t);
  await t.stop();
  assert.deepEqual(t.uids(), range(0, 300));
  assert.equal(t.tail.stats.filesFinished, 1, 'the file moved out was read to its end and closed');
  assert.ok(t.messages.some((m) => m.includes('left the directory')));
  assert.equal(t.sink.total, 0);
});

test('a new log type appearing is followed from its first line', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'conn.log'), jsonLines(0, 10));
  const t = startTail(dir);
  await waitFor('conn', () => t.records.length === 10);
  writeFileSync(join(dir, 'dns.log'), jsonLines(10, 30, 'dns'));
  writeFileSync(join(dir, 'stderr.log'), 'not a log\n'); // zeekctl's own: ignored
  await waitFor('dns', () => t.records.length === 30);
  await settle(t);
  await t.stop();
  assert.equal(t.records.filter((r) => r._path === 'dns').length, 20);
  assert.deepEqual(t.uids(), range(0, 30));
  assert.equal(t.sink.total, 0);
});

test('truncation (copytruncate) is a located, counted warning; the file is read again from its start', async () => {
  const dir = tempDir();
  const file = join(dir, 'conn.log');
  writeFileSync(file, jsonLines(0, 50));
  const t = startTail(dir);
  await waitFor('first lines', () => t.records.length === 50);
  truncateSync(file, 0);
  await settle(t);
  appendFileSync(file, jsonLines(50, 60));
  await waitFor('after truncation', () => t.records.length === 60);
  // Truncated and regrown past the old size between two polls: seen by the changed first bytes.
  await settle(t);
  const long = jsonLines(1000, 1100);
  writeFileSync(file, long); // O_TRUNC then write: size jumps past what was read
  await waitFor('after rewrite', () => t.records.length === 160);
  await settle(t);
  await t.stop();
  assert.equal(t.tail.stats.truncations, 2);
  assert.deepEqual(t.uids(), [...range(0, 60), ...range(1000, 1100)]);
  const warning = t.messages.find((m) => m.includes('truncated'));
  assert.ok(warning?.startsWith(`${file}:50:`), warning);
});

test('stop + restart from the checkpoint: no duplicates, no gaps, TSV header state rebuilt', async () => {
  const dir = tempDir();
  const state = join(dir, 'state', 'tail.json');
  mkdirSync(join(dir, 'state'));
  const tsv = join(dir, 'conn.log');
  const json = join(dir, 'dns.log');
  writeFileSync(tsv, `${TSV_HEADER}\n${tsvLines(0, 40)}`);
  writeFileSync(json, jsonLines(1000, 1040, 'dns'));
  const half = tsvLines(40, 41);
  appendFileSync(tsv, half.slice(0, 15)); // a partial line at stop time
  const t1 = startTail(dir, { statePath: state });
  await waitFor('run 1', () => t1.records.length === 80);
  await settle(t1);
  await t1.stop();
  t1.tail.saveCheckpoint();
  assert.equal(statSync(state).mode & 0o777, 0o600);
  const cp = loadCheckpoint(state)!;
  const conn = cp.files.find((f) => f.path === tsv)!;
  assert.equal(conn.line, 48, '8 header lines + 40 records');
  assert.equal(conn.offset, statSync(tsv).size - 15, 'the partial line is not consumed');
  assert.equal(conn.format, 'tsv');
  // While stopped: the partial line is completed and more arrives.
  appendFileSync(tsv, `${half.slice(15)}${tsvLines(41, 60)}`);
  appendFileSync(json, jsonLines(1040, 1050, 'dns'));
  const t2 = startTail(dir, { statePath: state });
  await waitFor('run 2', () => t2.records.length === 30);
  await settle(t2);
  await t2.stop();
  assert.equal(t2.tail.stats.resumed, 2);
  assert.deepEqual(t2.uids().sort(), [...range(40, 60), ...range(1040, 1050)].sort());
  assert.equal(t2.sink.total, 0, 'header replay is silent and TSV lines parse mid-file');
  const all = [...t1.uids(), ...t2.uids()];
  assert.equal(new Set(all).size, all.length, 'no duplicates');
  assert.equal(all.length, 110, 'no gaps');
  // Line numbers continue from the checkpoint: a bad line in run 3 is reported at its true line.
  t2.tail.saveCheckpoint();
  appendFileSync(tsv, 'garbage\n');
  const t3 = startTail(dir, { statePath: state });
  await waitFor('the reject', () => t3.sink.total === 1);
  await t3.stop();
  assert.ok(
    t3.messages.some((m) => m.includes(`${tsv}:69:`)),
    t3.messages.join('\n'),
  );
});

test('rotated while stopped: the rest of the old file is finished from the archive (plain or gzip)', async () => {
  for (const gzip of [false, true]) {
    const root = tempDir();
    const dir = join(root, 'current');
    const day = join(root, '2026-11-25');
    mkdirSync(dir);
    mkdirSync(day);
    const state = join(root, 'tail.json');
    const file = join(dir, 'conn.log');
    writeFileSync(file, `${TSV_HEADER}\n${tsvLines(0, 30)}`);
    const t1 = startTail(dir, { statePath: state });
    await waitFor('run 1', () => t1.records.length === 30);
    await t1.stop();
    t1.tail.saveCheckpoint();
    // While stopped: more lines, then Zeek rotates into the dated archive; a new conn.log starts.
    appendFileSync(file, tsvLines(30, 45));
    const archived = join(day, 'conn.20:00:00-21:00:00.log');
    renameSync(file, archived);
    if (gzip) {
      writeFileSync(`${archived}.gz`, gzipSync(readFileSync(archived)));
      unlinkSync(archived);
    }
    writeFileSync(file, `${TSV_HEADER.replace('20-00-00', '21-00-00')}\n${tsvLines(45, 60)}`);
    const t2 = startTail(dir, { statePath: state });
    await waitFor('run 2', () => t2.records.length === 30);
    await settle(t2);
    await t2.stop();
    assert.equal(t2.tail.stats.recoveredFromArchive, 1, `gzip=${gzip}`);
    assert.deepEqual(t2.uids(), range(30, 60), `gzip=${gzip}: old file's rest first, then the new file`);
    assert.equal(t2.sink.total, 0);
    assert.equal(t2.tail.stats.missedFiles, 0);
  }
});

test('rotated while stopped and gone: a located warning with the bytes that may be missed', async () => {
  const dir = tempDir();
  const state = join(dir, '.tail-state.json');
  const file = join(dir, 'conn.log');
  writeFileSync(file, jsonLines(0, 20));
  const t1 = startTail(dir, { statePath: state });
  await waitFor('run 1', () => t1.records.length === 20);
  appendFileSync(file, '{"ts":1700000020,"uid":"C20"'); // unfinished at stop time: 28 bytes
  await settle(t1);
  await t1.stop();
  t1.tail.saveCheckpoint();
  unlinkSync(file);
  writeFileSync(file, jsonLines(100, 110));
  const t2 = startTail(dir, { statePath: state });
  await waitFor('run 2', () => t2.records.length === 10);
  await t2.stop();
  assert.equal(t2.tail.stats.missedFiles, 1);
  assert.equal(t2.tail.stats.bytesMissedAtLeast, 28);
  assert.ok(
    t2.messages.some((m) => m.startsWith(`${file}:20: rotated away`) && m.includes('at least 28 bytes')),
  );
  assert.deepEqual(t2.uids(), range(100, 110));
});

test('a file deleted while followed is still read to its end through the open descriptor', async () => {
  const dir = tempDir();
  const file = join(dir, 'weird.log');
  writeFileSync(file, jsonLines(0, 5, 'weird'));
  const t = startTail(dir);
  await waitFor('first lines', () => t.records.length === 5);
  appendFileSync(file, jsonLines(5, 12, 'weird'));
  unlinkSync(file); // before the next poll has read the appended lines
  await waitFor('the rest', () => t.records.length === 12);
  await waitFor('closed', () => t.tail.stats.filesFinished === 1);
  await t.stop();
  assert.deepEqual(t.uids(), range(0, 12));
  assert.equal(t.tail.checkpoint().files.length, 0);
});

test('a missing directory is an error; a corrupt checkpoint is an error, not a silent restart', async () => {
  const dir = tempDir();
  const t = startTail(join(dir, 'nope'));
  await assert.rejects(t.done, /not a readable directory/);
  const state = join(dir, 'bad.json');
  writeFileSync(state, '{"version":1');
  const t2 = startTail(dir, { statePath: state });
  await assert.rejects(t2.done, /not valid JSON/);
  writeFileSync(state, JSON.stringify({ version: 1, dir: '/elsewhere', savedAt: '', files: [] }));
  const t3 = startTail(dir, { statePath: state });
  await assert.rejects(t3.done, /is for \/elsewhere/);
});

async function* feed(
  steps: ReadonlyArray<LiveBatch | number>,
  clock: { t: number },
): AsyncGenerator<LiveBatch> {
  for (const s of steps) {
    if (typeof s === 'number') {
      clock.t += s; // wall-clock passes; a heartbeat
      yield { source: '', records: [] };
    } else yield s;
  }
}

function recs(path: string, ...ts: number[]): ZeekRecord[] {
  return ts.map((t) => ({ _path: path, ts: t }));
}

test('live merge: an idle source does not stall the others; its late records are emitted and counted', async () => {
  const clock = { t: 0 };
  const stats: LiveMergeStats = { late: 0, buffered: 0, idleReleases: 0 };
  const out: ZeekRecord[][] = [];
  const steps: Array<LiveBatch | number> = [
    { source: 'conn', records: recs('conn', 10, 12) },
    { source: 'rdp', records: recs('rdp', 11) },
    { source: 'conn', records: recs('conn', 20, 30, 40) },
    1000, // rdp silent but not yet idle: conn is held back
    5000, // rdp idle: conn flows (its reorder buffer too, conn is idle as well now)
    { source: 'rdp', records: recs('rdp', 15) }, // older than what was emitted: late
    6000,
  ];
  for await (const b of mergeLive(feed(steps, clock), stats, {
    reorderWindowSeconds: 5,
    idleMs: 5000,
    now: () => clock.t,
  }))
    out.push(b);
  const ts = out.map((b) => b.map((r) => r.ts));
  // 0-3: rdp is active and has nothing released: conn's ready records wait for it.
  // 4: both idle: reorder buffers released, merged. 5: rdp active again. 6: rdp idle: 15, late.
  assert.deepEqual(ts, [[], [], [], [], [10, 11, 12, 20, 30, 40], [], [15]]);
  assert.equal(stats.late, 1);
  assert.equal(stats.buffered, 0);
});

test('vigil analyze --follow runs until SIGINT, then saves the checkpoint and prints the summary', async () => {
  const dir = tempDir();
  const logs = join(dir, 'current');
  mkdirSync(logs);
  writeFileSync(join(logs, 'conn.log'), jsonLines(0, 25));
  const state = join(dir, 'tail.json');
  const cli = join(import.meta.dirname, '..', 'cli', 'main.ts');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'analyze',
      '--follow',
      logs,
      '--state',
      state,
      '--poll-ms',
      '20',
      '--format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitFor('first poll', () => stderr.includes('first poll'), 30_000);
  appendFileSync(join(logs, 'conn.log'), jsonLines(25, 30));
  await sleep(500);
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  const doc = JSON.parse(stdout) as { summary: { records: number; live: { filesFollowed: number } } };
  assert.equal(doc.summary.records, 30);
  assert.equal(doc.summary.live.filesFollowed, 1);
  const cp = loadCheckpoint(state)!;
  assert.equal(cp.files[0]!.line, 30);
});

test('a backlog is read in step across log types: the merge restores event-time order (no late records)', async () => {
  const dir = tempDir();
  let conn = '';
  let dns = '';
  for (let n = 0; n < 3000; n++) {
    if (n % 2 === 0) conn += jsonConn(n);
    else dns += jsonConn(n, 'dns');
  }
  writeFileSync(join(dir, 'conn.log'), conn);
  writeFileSync(join(dir, 'dns.log'), dns);
  const controller = new AbortController();
  const run = new LiveIngestRun(dir, {
    pollMs: POLL_MS,
    chunkBytes: 4096,
    idleMs: 100,
    reorderWindowSeconds: 5,
    signal: controller.signal,
  });
  const seen: number[] = [];
  for await (const batch of run.batches()) {
    for (const r of batch) seen.push(r.ts);
    if (seen.length === 3000) controller.abort();
  }
  const s = run.summary();
  assert.equal(s.records, 3000);
  assert.equal(s.late, 0);
  assert.deepEqual(s.byLog, { conn: 1500, dns: 1500 });
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]! <= seen[i]!, `order at ${i}`);
});

const REAL = sharedData(
  'zeek/otrf-security-datasets/compound/LSASS_campaign_05/metasploit_sharpdump_lsass_memory_dump_zeek_logs',
);

test('real Zeek logs written live in pieces, conn.log rotated mid-way: the same records as the batch reader', {
  skip: REAL ? false : SHARED_DATA_MISSING,
}, async () => {
  if (!REAL) return;
  const names = readdirSync(REAL).filter((n) => n.endsWith('.log'));
  const expected = new Map<string, ZeekRecord[]>();
  const sink = new RejectSink();
  for (const n of names) {
    const recs: ZeekRecord[] = [];
    for await (const b of readLogFile(join(REAL, n), sink)) recs.push(...b);
    expected.set(n, recs);
  }
  assert.ok((expected.get('conn.log')?.length ?? 0) > 100);
  const dir = tempDir();
  const archive = join(dir, 'archive');
  mkdirSync(archive);
  const t = startTail(dir);
  // Each file appears and grows in odd-sized pieces (cutting lines anywhere) over several polls.
  const pending = names.map((n) => ({ n, bytes: readFileSync(join(REAL, n)), at: 0 }));
  let step = 0;
  let rotated = false;
  while (pending.some((p) => p.at < p.bytes.length)) {
    for (const p of pending) {
      if (p.at >= p.bytes.length) continue;
      const size = 1 + ((step * 7919 + p.n.length * 131) % 9000);
      let piece = p.bytes.subarray(p.at, p.at + size);
      if (p.n === 'conn.log' && !rotated && p.at + piece.length > p.bytes.length / 2) {
        // Rotation: finish the current line, rename the file away, start a new one with the header.
        const nl = p.bytes.indexOf(10, p.at);
        piece = p.bytes.subarray(p.at, nl + 1);
        appendFileSync(join(dir, p.n), piece);
        p.at += piece.length;
        renameSync(join(dir, p.n), join(archive, 'conn.12:00:00-13:00:00.log'));
        const header = p.bytes.subarray(0, p.bytes.indexOf('\n#fields') + 1);
        const types = p.bytes.subarray(
          header.length,
          p.bytes.indexOf('\n', p.bytes.indexOf('\n#types') + 1) + 1,
        );
        writeFileSync(join(dir, p.n), Buffer.concat([header, types]));
        rotated = true;
        continue;
      }
      appendFileSync(join(dir, p.n), piece);
      p.at += piece.length;
    }
    step++;
    if (step % 3 === 0) await settle(t, 1);
  }
  const total = [...expected.values()].reduce((a, r) => a + r.length, 0);
  await waitFor('every record', () => t.records.length >= total);
  await settle(t);
  await t.stop();
  assert.ok(rotated);
  assert.equal(t.records.length, total);
  assert.equal(t.sink.total, sink.total, 'the same rejects as the batch reader');
  for (const n of names) {
    const type = n.replace(/\.log$/, '');
    const got = t.records.filter((r) =>
      expected.get(n)!.length > 0 ? r._path === expected.get(n)![0]!._path : false,
    );
    assert.deepEqual(got, expected.get(n), `${type}: same records in the same order`);
  }
});

test('periodic checkpoints under steady load never run ahead of delivered records: crash + resume, no gaps', async () => {
  const dir = tempDir();
  const state = join(dir, '.state.json');
  const conn = join(dir, 'conn.log');
  const dns = join(dir, 'dns.log');
  writeFileSync(conn, '');
  writeFileSync(dns, '');
  const TOTAL = 1200;
  let written = 0;
  const writer = (async () => {
    while (written < TOTAL) {
      let c = '';
      let d = '';
      for (let k = 0; k < 10; k++, written++) {
        if (written % 2 === 0) c += jsonConn(written);
        else d += jsonConn(written, 'dns');
      }
      appendFileSync(conn, c);
      appendFileSync(dns, d);
      await sleep(5);
    }
  })();
  // Run 1: the reorder window always holds records back (buffered never 0), idleness never
  // flushes; it "crashes" (stops consuming, no final save) after a few periodic checkpoints.
  const run1 = new LiveIngestRun(dir, {
    pollMs: POLL_MS,
    statePath: state,
    checkpointEveryMs: 20,
    reorderWindowSeconds: 20,
    idleMs: 600_000,
  });
  const got1: string[] = [];
  for await (const b of run1.batches()) {
    for (const r of b) got1.push(r.uid as string);
    if (run1.checkpointsSaved >= 3 && got1.length > 300) break;
  }
  await writer;
  assert.ok(loadCheckpoint(state)!.files.length === 2);
  const controller = new AbortController();
  const run2 = new LiveIngestRun(dir, {
    pollMs: POLL_MS,
    statePath: state,
    idleMs: 50,
    signal: controller.signal,
  });
  const got2: string[] = [];
  const seen = new Set(got1);
  for await (const b of run2.batches()) {
    for (const r of b) {
      got2.push(r.uid as string);
      seen.add(r.uid as string);
    }
    if (seen.size === TOTAL) controller.abort();
  }
  assert.equal(seen.size, TOTAL, 'no gaps');
  assert.equal(new Set(got2).size, got2.length, 'no duplicates within a run');
  assert.equal(run2.summary().live.resumed, 2);
  assert.ok(got2.length < TOTAL, 'resumed from the periodic checkpoint, not from the start');
});

test('rewritten in place while stopped (same inode, other first bytes): reported, the new content read from 0', async () => {
  const dir = tempDir();
  const state = join(dir, '.state.json');
  const file = join(dir, 'conn.log');
  writeFileSync(file, jsonLines(0, 20));
  const t1 = startTail(dir, { statePath: state });
  await waitFor('run 1', () => t1.records.length === 20);
  await t1.stop();
  t1.tail.saveCheckpoint();
  const ino = statSync(file).ino;
  writeFileSync(file, jsonLines(500, 530)); // O_TRUNC: same inode, longer, different content
  assert.equal(statSync(file).ino, ino);
  const t2 = startTail(dir, { statePath: state });
  await waitFor('run 2', () => t2.records.length === 30);
  await settle(t2);
  await t2.stop();
  assert.deepEqual(t2.uids(), range(500, 530));
  assert.equal(t2.tail.stats.resumed, 0);
  assert.equal(
    t2.tail.stats.missedFiles,
    1,
    'the old content is gone: counted, not silently resumed mid-file',
  );
});

test('live merge: a stalled active source cannot make the buffers grow without bound', async () => {
  const clock = { t: 0 };
  const stats: LiveMergeStats = { late: 0, buffered: 0, idleReleases: 0 };
  const steps: Array<LiveBatch | number> = [{ source: 'rdp', records: [] }];
  for (let i = 0; i < 50; i++)
    steps.push({
      source: 'conn',
      records: recs('conn', ...Array.from({ length: 10 }, (_, k) => i * 10 + k)),
    });
  let emitted = 0;
  let maxBuffered = 0;
  for await (const b of mergeLive(feed(steps, clock), stats, {
    reorderWindowSeconds: 0,
    idleMs: 1e9,
    maxBufferedRecords: 100,
    now: () => clock.t,
  })) {
    emitted += b.length;
    maxBuffered = Math.max(maxBuffered, stats.buffered);
  }
  assert.equal(emitted, 500);
  assert.ok(maxBuffered <= 110, `buffered up to ${maxBuffered}`);
});
