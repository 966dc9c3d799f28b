/**
 * `npm run bench:pcap [-- --packets N --runs R]`
 *
 * Packets/s and records/s of the whole capture path (`readCapture`: tshark → flow table →
 * protocol analyzers → ordered typed records) as a ratio to tshark alone reading the same file
 * to /dev/null, in the same run, best of R:
 *  - tshark plain:  `tshark -n -r FILE` (its default one-line summaries) > /dev/null;
 *  - tshark fields: the exact `-T fields` command Vigil runs > /dev/null (the dissection cost);
 *  - vigil:         `readCapture` over the file, records counted.
 * Files: the biggest capture in ../shared/data (when present) and a synthetic capture of N
 * packets (default 200,000: TCP sessions with HTTP, DNS over UDP) written to the temp dir.
 * Timings are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../capture/source.js';
import { TSHARK, TSHARK_MISSING, tsharkArgs, tsharkAvailable } from '../capture/tshark.js';
import { RejectSink } from '../ingest/rejects.js';
import { dnsMessage, pcapFile, tcpFrame, udpFrame } from '../test-support/pcap-writer.js';
import { SHARED_DATA } from '../test-support/shared-data.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function biggestSharedCapture(): string | undefined {
  if (!SHARED_DATA) return undefined;
  let best: { file: string; size: number } | undefined;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|cap)$/.test(e.name)) {
        const size = statSync(p).size;
        if (!best || size > best.size) best = { file: p, size };
      }
    }
  };
  walk(join(SHARED_DATA, 'pcap'));
  return best?.file;
}

function synthetic(packets: number): string {
  const frames: Array<{ ts: number; data: Buffer }> = [];
  const get = Buffer.from('GET /index.html HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: bench\r\n\r\n');
  const ok = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
  let ts = 1_700_000_000;
  for (let s = 0; frames.length < packets; s++) {
    const c = `10.${(s >> 16) & 255}.${(s >> 8) & 255}.${s & 255}`;
    const srv = `192.168.${(s >> 8) & 3}.${(s % 200) + 1}`;
    const sp = 1024 + (s % 60000);
    const seg = (from: boolean, flags: string, seq: number, payload?: Buffer) => {
      ts += 0.0005;
      frames.push({
        ts,
        data: tcpFrame({
          ts,
          src: from ? c : srv,
          dst: from ? srv : c,
          sport: from ? sp : 80,
          dport: from ? 80 : sp,
          flags,
          seq,
          ack: 1,
          payload,
        }),
      });
    };
    if (s % 5 === 4) {
      ts += 0.0005;
      frames.push({
        ts,
        data: udpFrame({
          ts,
          src: c,
          dst: '192.168.0.53',
          sport: sp,
          dport: 53,
          payload: dnsMessage(s & 0xffff, `h${s}.bench.test`),
        }),
      });
      ts += 0.0005;
      frames.push({
        ts,
        data: udpFrame({
          ts,
          src: '192.168.0.53',
          dst: c,
          sport: 53,
          dport: sp,
          payload: dnsMessage(s & 0xffff, `h${s}.bench.test`, '10.0.0.1'),
        }),
      });
      continue;
    }
    seg(true, 'S', 100);
    seg(false, 'SA', 900);
    seg(true, 'A', 101);
    seg(true, 'PA', 101, get);
    seg(false, 'PA', 901, ok);
    seg(true, 'FA', 101 + get.length);
    seg(false, 'FA', 901 + ok.length);
    seg(true, 'A', 102 + get.length);
  }
  const file = join(tmpdir(), `vigil-bench-${packets}.pcap`);
  writeFileSync(file, pcapFile(frames));
  return file;
}

function tsharkOnly(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(TSHARK, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve((performance.now() - t0) / 1000));
  });
}

async function vigil(file: string): Promise<{ seconds: number; frames: number; records: number }> {
  const stats = { frames: 0, records: 0 };
  const t0 = performance.now();
  for await (const _ of readCapture(file, new RejectSink(), {}, stats)) {
    // drain
  }
  return { seconds: (performance.now() - t0) / 1000, ...stats };
}

async function bench(file: string, runs: number): Promise<void> {
  let plain = Number.POSITIVE_INFINITY;
  let fields = Number.POSITIVE_INFINITY;
  let best = { seconds: Number.POSITIVE_INFINITY, frames: 0, records: 0 };
  for (let r = 0; r < runs; r++) {
    plain = Math.min(plain, await tsharkOnly(['-n', '-r', file]));
    fields = Math.min(fields, await tsharkOnly(tsharkArgs(file)));
    const v = await vigil(file);
    if (v.seconds < best.seconds) best = v;
  }
  const pps = (s: number) => Math.round(best.frames / s);
  console.log(`\n${file}`);
  console.log(`  packets ${best.frames}, records ${best.records} (best of ${runs})`);
  console.log(`  tshark plain  > /dev/null  ${plain.toFixed(2)} s  ${pps(plain)} packets/s`);
  console.log(`  tshark fields > /dev/null  ${fields.toFixed(2)} s  ${pps(fields)} packets/s`);
  console.log(
    `  vigil (whole path)         ${best.seconds.toFixed(2)} s  ${pps(best.seconds)} packets/s, ${Math.round(best.records / best.seconds)} records/s`,
  );
  console.log(
    `  ratio vigil/tshark: ${(plain / best.seconds).toFixed(2)}× of plain, ${(fields / best.seconds).toFixed(2)}× of the same fields`,
  );
}

async function main(): Promise<void> {
  if (!tsharkAvailable()) {
    console.error(TSHARK_MISSING);
    process.exit(2);
  }
  const runs = arg('--runs', 3);
  const shared = biggestSharedCapture();
  if (shared) await bench(shared, runs);
  else console.log('shared data not found: only the synthetic capture is measured');
  await bench(synthetic(arg('--packets', 200_000)), runs);
}

await main();
