/**
 * `npm run bench:ingest [-- --records N --runs R --workers W --keep DIR]`
 *
 * Generates N conn records as Zeek JSON and as Zeek TSV (model/zeek-writer.ts), then measures in
 * one run, each measurement in a fresh child process (clean JIT state, its own peak RSS), R times
 * round-robin, reporting the median:
 *  - bare JSON: fs stream, Buffer line split, `JSON.parse` per line, a field touched;
 *  - bare TSV:  the same split, `line.split('\t')` per line, a column touched;
 *  - Vigil:     `readLogFile` (the reader the CLI's IngestRun uses) to typed records, single
 *               thread (`workers: 0`) and with the parallel path;
 *  - Vigil + merge: the whole `IngestRun` (reader + reorder window + merge) as `vigil analyze`.
 * Ratios are Vigil rate / bare rate over the same bytes. Timings are printed, never asserted.
 */

import { isAscii } from 'node:buffer';
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultWorkers, readLogFile } from '../ingest/file-source.js';
import { parallelStats } from '../ingest/parallel.js';
import { RejectSink } from '../ingest/rejects.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { jsonLine, tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { rng, zeekUid } from '../simulate/sample.js';

interface Measured {
  readonly records: number;
  readonly seconds: number;
  /** CPU seconds of the process, all threads (user + system). */
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
  readonly check: number;
  /** Parallel path only: worker decode and main-thread materialise time, lines declined. */
  readonly decodeMs?: number;
  readonly materializeMs?: number;
  readonly declinedLines?: number;
}

const MEASURES = [
  'bare-json',
  'bare-tsv',
  'vigil-json-1',
  'vigil-json',
  'vigil-tsv-1',
  'vigil-tsv',
  'run-json',
  'run-tsv',
] as const;
type Measure = (typeof MEASURES)[number];

// ---------------------------------------------------------------- data

function* connRecords(n: number): Generator<ZeekRecord> {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const internal = Array.from({ length: 2000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${1 + (i % 250)}`);
  const external = Array.from(
    { length: 40000 },
    () =>
      `${1 + Math.floor(rand() * 222)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
  );
  const services = [
    { proto: 'udp', port: 53, service: 'dns', history: 'Dd' },
    { proto: 'tcp', port: 443, service: 'ssl', history: 'ShADadFf' },
    { proto: 'tcp', port: 80, service: 'http', history: 'ShADadfF' },
    { proto: 'tcp', port: 445, service: 'smb,gssapi', history: 'ShADadFf' },
    { proto: 'tcp', port: 88, service: 'krb_tcp', history: 'ShADadFf' },
    { proto: 'tcp', port: 8443, service: undefined, history: 'S' },
    { proto: 'udp', port: 123, service: 'ntp', history: 'Dd' },
    { proto: 'icmp', port: 3, service: undefined, history: undefined },
  ] as const;
  const states = ['SF', 'S0', 'REJ', 'RSTO', 'RSTR', 'SH', 'OTH', 'S1'];
  let ts = Date.UTC(2021, 5, 12, 0, 0, 0) / 1000;
  for (let i = 0; i < n; i++) {
    ts += rand() * 0.02;
    const s = pick(services);
    const state = s.history === 'S' ? 'S0' : pick(states);
    const answered = state !== 'S0' && state !== 'REJ';
    const rec: Record<string, unknown> = {
      _path: 'conn',
      ts: Math.round((ts - rand() * 5) * 1e6) / 1e6,
      uid: zeekUid(rand),
      'id.orig_h': pick(internal),
      'id.orig_p': 1024 + Math.floor(rand() * 64000),
      'id.resp_h': rand() < 0.3 ? pick(internal) : pick(external),
      'id.resp_p': s.port,
      proto: s.proto,
      service: s.service,
      conn_state: state,
      local_orig: true,
      local_resp: rand() < 0.3,
      missed_bytes: rand() < 0.01 ? Math.floor(rand() * 5000) : 0,
      history: s.history,
      orig_pkts: 1 + Math.floor(rand() * 200),
      orig_ip_bytes: Math.floor(rand() * 200000),
      resp_pkts: answered ? Math.floor(rand() * 300) : 0,
      resp_ip_bytes: answered ? Math.floor(rand() * 900000) : 0,
      ip_proto: s.proto === 'tcp' ? 6 : s.proto === 'udp' ? 17 : 1,
    };
    if (answered) {
      rec.duration = Math.round(rand() * 120 * 1e6) / 1e6;
      rec.orig_bytes = Math.floor(rand() * 100000);
      rec.resp_bytes = Math.floor(rand() * 800000);
    }
    if (rand() < 0.02) rec.tunnel_parents = rand() < 0.5 ? [zeekUid(rand)] : [zeekUid(rand), zeekUid(rand)];
    if (rand() < 0.1) rec.orig_l2_addr = '00:50:56:9a:12:34';
    if (rand() < 0.9) rec.community_id = `1:${Buffer.from(zeekUid(rand)).toString('base64').slice(0, 28)}`;
    yield rec as ZeekRecord;
  }
}

async function writeLines(
  file: string,
  header: string,
  lines: Iterable<string>,
  footer: string,
): Promise<void> {
  const out = createWriteStream(file);
  let buf = header;
  const flush = async (): Promise<void> => {
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
    buf = '';
  };
  for (const line of lines) {
    buf += `${line}\n`;
    if (buf.length > 1 << 20) await flush();
  }
  buf += footer;
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

async function generate(dir: string, n: number): Promise<{ json: string; tsv: string }> {
  const fields = schemaFor('conn')!.fields;
  const json = join(dir, 'conn.json');
  const tsv = join(dir, 'conn.log');
  const start = Date.UTC(2021, 5, 12, 0, 0, 0) / 1000;
  const marker = join(dir, `.complete-${n}`);
  if (existsSync(marker)) return { json, tsv };
  await writeLines(
    json,
    '',
    (function* () {
      for (const r of connRecords(n)) yield jsonLine(r, fields);
    })(),
    '',
  );
  await writeLines(
    tsv,
    `${tsvHeader('conn', fields, start)}\n`,
    (function* () {
      for (const r of connRecords(n)) yield tsvLine(r, fields);
    })(),
    `${tsvFooter(start + 86400)}\n`,
  );
  writeFileSync(marker, '');
  return { json, tsv };
}

// ---------------------------------------------------------------- measurements (child side)

/** Bare line loop: the same stream and Buffer split as Vigil, `perLine` on each line. */
async function bareLoop(file: string, perLine: (line: string) => number): Promise<[number, number]> {
  let carry: Buffer | undefined;
  let lines = 0;
  let check = 0;
  const text = (block: Buffer): void => {
    const s = isAscii(block) ? block.toString('latin1') : block.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      const end = nl < 0 ? s.length : nl;
      if (end > start) {
        const c = perLine(s.slice(start, end));
        if (c >= 0) {
          check += c;
          lines++;
        }
      }
      if (nl < 0) return;
      start = nl + 1;
    }
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    const last = b.lastIndexOf(10);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, b]) : b;
      continue;
    }
    const head = carry ? Buffer.concat([carry, b.subarray(0, last)]) : b.subarray(0, last);
    carry = last + 1 < b.length ? Buffer.from(b.subarray(last + 1)) : undefined;
    text(head);
  }
  if (carry) text(carry);
  return [lines, check];
}

const bareJson = (line: string): number => {
  const o = JSON.parse(line) as { ts?: number };
  return o.ts !== undefined ? 1 : 0;
};

const bareTsv = (line: string): number => {
  if (line.charCodeAt(0) === 0x23) return -1;
  const parts = line.split('\t');
  return parts.length + parts[1]!.length;
};

function touch(batch: readonly ZeekRecord[]): number {
  let n = 0;
  for (const r of batch) if (r.ts > 0) n++;
  return n;
}

async function measureChild(kind: Measure, file: string, workers: number): Promise<Measured> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let records = 0;
  let check = 0;
  if (kind === 'bare-json' || kind === 'bare-tsv') {
    [records, check] = await bareLoop(file, kind === 'bare-json' ? bareJson : bareTsv);
  } else if (kind.startsWith('vigil')) {
    const sink = new RejectSink();
    const w = kind.endsWith('-1') ? 0 : workers;
    for await (const batch of readLogFile(file, sink, { workers: w })) {
      records += batch.length;
      check += touch(batch);
    }
    if (sink.total > 0) throw new Error(`${kind}: ${sink.total} rejects`);
  } else {
    const run = new IngestRun([file], { workers });
    for await (const batch of run.batches()) {
      records += batch.length;
      check += touch(batch);
    }
    if (run.summary().rejectedTotal > 0) throw new Error(`${kind}: rejects`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const { decodeMs, materializeMs, declinedLines } = parallelStats;
  return {
    records,
    seconds,
    cpuSeconds,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    check,
    ...(parallelStats.blocks > 0 ? { decodeMs, materializeMs, declinedLines } : {}),
  };
}

// ---------------------------------------------------------------- driver

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
  return v;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--measure');
  if (childAt >= 0) {
    const kind = process.argv[childAt + 1] as Measure;
    const file = process.argv[childAt + 2]!;
    const result = await measureChild(kind, file, arg('--workers', defaultWorkers()));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const n = arg('--records', 2_000_000);
  const runs = Math.max(1, arg('--runs', 3));
  const workers = arg('--workers', defaultWorkers());
  const only = process.argv.includes('--only')
    ? process.argv[process.argv.indexOf('--only') + 1]!.split(',')
    : [];
  const keepAt = process.argv.indexOf('--keep');
  const dir = keepAt >= 0 ? process.argv[keepAt + 1]! : join(tmpdir(), `vigil-bench-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const files = await generate(dir, n);
  const mib = (f: string): string => (statSync(f).size / 2 ** 20).toFixed(0);
  process.stdout.write(
    `bench:ingest  ${n.toLocaleString('en')} conn records  JSON ${mib(files.json)} MiB, TSV ${mib(files.tsv)} MiB` +
      `  (generated in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n` +
      `runs: ${runs} per measurement, median; workers: ${workers}; each run in its own process\n\n`,
  );
  const self = fileURLToPath(import.meta.url);
  const results = new Map<Measure, Measured[]>();
  const kinds = MEASURES.filter((k) => only.length === 0 || only.includes(k) || k.startsWith('bare'));
  for (let r = 0; r < runs; r++) {
    for (const kind of kinds) {
      const file = kind.includes('json') ? files.json : files.tsv;
      const out = execFileSync(
        process.execPath,
        ['--max-old-space-size=8192', self, '--measure', kind, file, '--workers', String(workers)],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
      );
      const m = JSON.parse(out.trim().split('\n').pop()!) as Measured;
      results.set(kind, [...(results.get(kind) ?? []), m]);
    }
  }
  const rate = (k: Measure): number => median((results.get(k) ?? []).map((m) => m.records / m.seconds));
  const rss = (k: Measure): number => Math.max(...(results.get(k) ?? []).map((m) => m.maxRssMiB));
  const rows: string[] = [];
  const line = (k: Measure, label: string, base?: Measure): void => {
    if (!results.has(k)) return;
    const ms = results.get(k)!;
    const ratio = base ? `${(rate(k) / rate(base)).toFixed(2)}×` : '';
    const cpu = median(ms.map((m) => (m.cpuSeconds * 1e6) / m.records));
    rows.push(
      `${label.padEnd(44)} ${(rate(k) / 1e3).toFixed(0).padStart(7)} k rec/s  ${ratio.padStart(6)}  ` +
        `CPU ${cpu.toFixed(2).padStart(5)} µs/rec  peak RSS ${rss(k).toFixed(0).padStart(5)} MiB` +
        `   [${ms.map((m) => m.seconds.toFixed(2)).join(' ')} s]`,
    );
    const par = ms.filter((m) => m.decodeMs !== undefined);
    if (par.length > 0) {
      const per = (f: (m: Measured) => number): string =>
        median(par.map((m) => (f(m) * 1e3) / m.records)).toFixed(2);
      rows.push(
        `${''.padEnd(44)}   workers decoding ${per((m) => m.decodeMs!)} µs/rec (wall, summed), ` +
          `main thread materialising ${per((m) => m.materializeMs!)} µs/rec, ` +
          `lines left to the regular parser ${median(par.map((m) => m.declinedLines!))}`,
      );
    }
  };
  line('bare-json', 'bare JSON.parse loop (1 thread)');
  line('vigil-json-1', 'Vigil JSON reader, workers 0', 'bare-json');
  line('vigil-json', `Vigil JSON reader, workers ${workers}`, 'bare-json');
  line('run-json', `Vigil JSON IngestRun (+merge), workers ${workers}`, 'bare-json');
  line('bare-tsv', 'bare TSV split loop (1 thread)');
  line('vigil-tsv-1', 'Vigil TSV reader, workers 0', 'bare-tsv');
  line('vigil-tsv', `Vigil TSV reader, workers ${workers}`, 'bare-tsv');
  line('run-tsv', `Vigil TSV IngestRun (+merge), workers ${workers}`, 'bare-tsv');
  process.stdout.write(
    `${rows.join('\n')}\n\nratios: Vigil rate / bare rate (median wall-clock), same bytes, same run; ` +
      `CPU: all threads of the process; load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
  );
  if (keepAt < 0) rmSync(dir, { recursive: true, force: true });
}

await main();
