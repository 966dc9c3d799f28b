/**
 * `npm run bench:identity [-- --records N --runs R]`
 *
 * Identity + enrichment cost per record as a ratio to ingest-only on the same data (issue 3's
 * target: identity/enrichment < 25 % of ingest). Generates a mixed Zeek TSV set (conn 80 %,
 * dns 12 %, ssl/http 5 %, ntlm/kerberos/dhcp/smb_mapping/rdp 3 %) over 2,000 internal hosts with
 * DHCP churn and 40,000 external peers, then measures, R times, median:
 *  - ingest:   `IngestRun` over the directory (what `vigil analyze` does), records counted;
 *  - ingest + enrich: the same with `Enricher.observe` per record (identity, GeoIP for external
 *              endpoints, domain prevalence, intel matching against a 10k-indicator feed);
 *  - enrich alone: `Enricher.observe` over the records already in memory (ns/record).
 * Timings are printed, never asserted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../config/schema.js';
import { Enricher } from '../enrich/enricher.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { tsvFooter, tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { rng, zeekUid } from '../simulate/sample.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function generate(dir: string, n: number): number {
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const internal = Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255 || 1}`);
  const servers = ['10.5.0.10', '10.5.0.11', '10.5.0.30', '10.5.0.65'];
  const external = Array.from(
    { length: 40_000 },
    () =>
      `${1 + Math.floor(rand() * 222)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
  );
  const domains = Array.from({ length: 5000 }, (_, i) => `www.site${i}${i % 7 === 0 ? '.co.uk' : '.com'}`);
  const out: Record<string, ZeekRecord[]> = {};
  const push = (r: Record<string, unknown>) => {
    const p = r._path as string;
    let list = out[p];
    if (!list) {
      list = [];
      out[p] = list;
    }
    list.push(r as ZeekRecord);
  };
  let ts = Date.UTC(2021, 5, 12) / 1000;
  for (let i = 0; i < n; i++) {
    ts += rand() * 0.05;
    const hostIdx = Math.floor(rand() * internal.length);
    const o = internal[hostIdx]!;
    const id = { uid: zeekUid(rand), 'id.orig_h': o, 'id.orig_p': 1024 + Math.floor(rand() * 60000) };
    const x = rand();
    if (x < 0.8) {
      const toServer = rand() < 0.3;
      push({
        _path: 'conn',
        ts,
        ...id,
        'id.resp_h': toServer ? pick(servers) : pick(external),
        'id.resp_p': toServer ? pick([88, 389, 445, 53, 135]) : pick([443, 80]),
        proto: 'tcp',
        service: toServer ? undefined : 'ssl',
        conn_state: pick(['SF', 'SF', 'SF', 'S0', 'RSTO']),
        duration: rand() * 10,
        orig_bytes: Math.floor(rand() * 5000),
        resp_bytes: Math.floor(rand() * 50000),
      });
    } else if (x < 0.92) {
      push({
        _path: 'dns',
        ts,
        ...id,
        'id.resp_h': '10.5.0.10',
        'id.resp_p': 53,
        proto: 'udp',
        query: pick(domains),
        qtype: 1,
        qtype_name: 'A',
        rcode: 0,
        rcode_name: 'NOERROR',
        answers: [pick(external)],
        TTLs: [300],
      });
    } else if (x < 0.95) {
      push({
        _path: 'ssl',
        ts,
        ...id,
        'id.resp_h': pick(external),
        'id.resp_p': 443,
        server_name: pick(domains),
        ja3: 'a0e9f5d64349fb13191bc781f81f42e1',
      });
    } else if (x < 0.97) {
      push({
        _path: 'http',
        ts,
        ...id,
        'id.resp_h': pick(external),
        'id.resp_p': 80,
        method: 'GET',
        host: pick(domains),
        uri: '/index.html',
        user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      });
    } else if (x < 0.98) {
      push({
        _path: 'ntlm',
        ts,
        ...id,
        'id.resp_h': '10.5.0.30',
        'id.resp_p': 445,
        hostname: `WS${hostIdx}`,
        username: `user${hostIdx}`,
        domainname: 'CORP',
      });
    } else if (x < 0.99) {
      push({
        _path: 'kerberos',
        ts,
        ...id,
        'id.resp_h': '10.5.0.10',
        'id.resp_p': 88,
        client: `WS${hostIdx}$/CORP.LOCAL`,
        service: 'krbtgt/CORP.LOCAL',
        success: true,
      });
    } else if (x < 0.995) {
      // DHCP churn: hosts change addresses.
      push({
        _path: 'dhcp',
        ts,
        uids: [id.uid],
        client_addr: o,
        server_addr: '10.5.0.11',
        mac: `02:00:00:00:${((hostIdx >> 8) & 255).toString(16).padStart(2, '0')}:${(hostIdx & 255).toString(16).padStart(2, '0')}`,
        host_name: `ws${Math.floor(rand() * internal.length)}`,
        assigned_addr: o,
        lease_time: 86400,
        msg_types: ['REQUEST', 'ACK'],
      });
    } else {
      push({
        _path: 'smb_mapping',
        ts,
        ...id,
        'id.resp_h': '10.5.0.30',
        'id.resp_p': 445,
        path: '\\\\FS1\\PUBLIC',
        share_type: 'DISK',
      });
    }
  }
  let total = 0;
  for (const [path, recs] of Object.entries(out)) {
    const fields = schemaFor(path)!.fields;
    const lines = [tsvHeader(path, fields, recs[0]!.ts)];
    for (const r of recs) lines.push(tsvLine(r, fields));
    lines.push(tsvFooter(ts));
    writeFileSync(join(dir, `${path}.log`), lines.join('\n'));
    total += recs.length;
  }
  return total;
}

function intelFeed(dir: string): string {
  const rand = rng(9);
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++)
    lines.push(
      `${1 + Math.floor(rand() * 222)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`,
    );
  for (let i = 0; i < 5000; i++) lines.push(`bad${i}.example.net`);
  const f = join(dir, 'feed.txt');
  writeFileSync(f, lines.join('\n'));
  return f;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const n = arg('--records', 1_000_000);
  const runs = arg('--runs', 3);
  const dir = join(tmpdir(), `vigil-bench-identity-${n}`);
  mkdirSync(dir, { recursive: true });
  const dataDir = join(dir, 'logs');
  mkdirSync(dataDir, { recursive: true });
  const records = generate(dataDir, n);
  const feed = intelFeed(dir);
  const cfg = defaultConfig();
  cfg.intel.files = [{ path: feed }];
  const ingest: number[] = [];
  const both: number[] = [];
  const alone: number[] = [];
  for (let r = 0; r < runs; r++) {
    let t = process.hrtime.bigint();
    let count = 0;
    for await (const b of new IngestRun([dataDir], {}).batches()) count += b.length;
    ingest.push(Number(process.hrtime.bigint() - t) / 1e9);

    const e = new Enricher(cfg);
    e.reloadIntel();
    const kept: ZeekRecord[] = [];
    t = process.hrtime.bigint();
    for await (const b of new IngestRun([dataDir], {}).batches())
      for (const rec of b) {
        e.observe(rec);
        if (kept.length < 2_000_000) kept.push(rec);
      }
    both.push(Number(process.hrtime.bigint() - t) / 1e9);

    const e2 = new Enricher(cfg);
    e2.reloadIntel();
    t = process.hrtime.bigint();
    for (const rec of kept) e2.observe(rec);
    alone.push(Number(process.hrtime.bigint() - t) / 1e9 / kept.length);
    if (count !== records) throw new Error(`read ${count} of ${records}`);
    if (r === runs - 1) {
      const s = e.identity.stats();
      console.log(
        `state: ${s.hosts} hosts, ${s.openSessions} open sessions, ${s.accounts} accounts, ${e.domains.size} domains, ${e.intelHits.length} intel hits, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  }
  const ti = median(ingest);
  const tb = median(both);
  const ta = median(alone);
  console.log(`records             ${records.toLocaleString('en-US')} (${runs} runs, median)`);
  console.log(
    `ingest only         ${(records / ti / 1000).toFixed(0)}k rec/s  (${((ti / records) * 1e9).toFixed(0)} ns/rec)`,
  );
  console.log(
    `ingest + enrich     ${(records / tb / 1000).toFixed(0)}k rec/s  (${((tb / records) * 1e9).toFixed(0)} ns/rec)`,
  );
  console.log(`enrich alone        ${(ta * 1e9).toFixed(0)} ns/rec`);
  console.log(
    `enrich / ingest     ${(((tb - ti) / ti) * 100).toFixed(1)} % (end to end), ${((ta / (ti / records)) * 100).toFixed(1)} % (in memory)`,
  );
}

await main();
