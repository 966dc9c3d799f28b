/**
 * `npm run bench:recall [-- --dir DIR]`: the store's ingest rate as a ratio to the pipeline's
 * detection rate on the same logs (the store must never be the bottleneck: aim ≥ 1.5). The
 * headline is the store as the pipeline feeds it (parsed records through `StoreFeed`, host keys
 * joined), then the pipeline with the store attached against the pipeline alone;
 * `vigil store ingest` (which parses the files itself) and DuckDB's own `read_ndjson` → Parquet of
 * the same files are context. One run; rates, not bare times.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../config/schema.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { StoreFeed } from '../recall/feed.js';
import { ingestIntoStore } from '../recall/ingest.js';
import { simulateToDir } from '../simulate/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await f();
  return [v, Number(process.hrtime.bigint() - t) / 1e9];
}

async function main(): Promise<void> {
  let dir = arg('--dir');
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-bench-recall-'));
  if (!dir) {
    dir = join(tmp, 'logs');
    process.stderr.write(`generating the enterprise scenario (JSON) into ${dir} …\n`);
    simulateToDir('enterprise', dir, { seed: 7, format: 'json' });
  }
  const config = configSchema.parse({});
  const hosts = new IdentityHostView(config);
  const [records, pipeSeconds] = await timed(async () => {
    const a = new Analysis({ hosts });
    await a.run(new IngestRun([dir], {}));
    return a.records;
  });
  // The store as the pipeline feeds it: parsed records in batches, host keys and accounts joined
  // from the identity the pipeline built (records are gathered first, untimed).
  const parsed: ZeekRecord[][] = [];
  for await (const b of new IngestRun([dir], {}).batches()) parsed.push(b);
  const fed = await DuckDbStore.open(join(tmp, 'fed'));
  const [fedRows, fedSeconds] = await timed(async () => {
    const feed = new StoreFeed(fed, { prefix: 'bench', context: hosts.rowContext() });
    for (const b of parsed) await feed.push(b);
    await feed.flush();
    return feed.stored;
  });
  const st = await fed.stats();
  const joined = await fed.sql('SELECT count(*) AS n FROM conn WHERE _orig_host IS NOT NULL');
  // Compaction (serve runs it hourly, off the pipeline): each log day into one file with blooms.
  const [, compactSeconds] = await timed(() => fed.compact());
  const compacted = await fed.stats();
  await fed.close();
  // The pipeline with the store attached, as serve and demo run it: is the store holding it back?
  const attached = await DuckDbStore.open(join(tmp, 'attached'));
  const [, withStoreSeconds] = await timed(async () => {
    const h = new IdentityHostView(config);
    const feed = new StoreFeed(attached, { prefix: 'bench', context: h.rowContext() });
    const a = new Analysis({ hosts: h, onBatch: (b) => feed.push(b) });
    await a.run(new IngestRun([dir], {}));
    await feed.flush();
  });
  await attached.close();
  // `vigil store ingest`: parse the files again and load them (exactly-once parts), no identity.
  const store = await DuckDbStore.open(join(tmp, 'store'));
  const [stored, storeSeconds] = await timed(async () => (await ingestIntoStore([dir], store)).rowsWritten);
  await store.close();
  // DuckDB alone: every NDJSON log file straight to Parquet with auto-detected columns.
  const files = readdirSync(dir).filter(
    (f) => (f.endsWith('.log') || f.endsWith('.json')) && f !== 'truth.json',
  );
  const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await inst.connect();
  const [, duckSeconds] = await timed(async () => {
    for (const f of files) {
      const src = join(dir, f).replaceAll("'", "''");
      const dst = join(tmp, `${f}.parquet`).replaceAll("'", "''");
      await db.run(
        `COPY (SELECT * FROM read_ndjson('${src}', maximum_object_size = 67108864)) TO '${dst}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    }
  });
  db.closeSync();
  inst.closeSync();
  const bytes = files.reduce((a, f) => a + statSync(join(dir, f)).size, 0);
  const rate = (n: number, s: number): number => n / s;
  const pipeRate = rate(records, pipeSeconds);
  const fedRate = rate(fedRows, fedSeconds);
  const storeRate = rate(stored, storeSeconds);
  const duckRate = rate(records, duckSeconds);
  const withStoreRate = rate(records, withStoreSeconds);
  const compactRate = rate(compacted.rows, compactSeconds);
  const fmt = (r: number): string => Math.round(r).toLocaleString('en-US').padStart(10);
  process.stdout.write(
    `records ${records} (${(bytes / 1e6).toFixed(0)} MB JSON); stored ${(st.bytes / st.rows).toFixed(1)} bytes/record on disk as parts, ` +
      `${(compacted.bytes / compacted.rows).toFixed(1)} compacted; ` +
      `conn rows with a joined host key: ${joined[0]?.n}\n` +
      `  pipeline (detection)             ${fmt(pipeRate)} records/s\n` +
      `  store fed by the pipeline        ${fmt(fedRate)} records/s  ratio to pipeline ${(fedRate / pipeRate).toFixed(2)} (aim ≥ 1.5)\n` +
      `  pipeline with the store attached ${fmt(withStoreRate)} records/s  ratio to pipeline ${(withStoreRate / pipeRate).toFixed(2)} (1.0 = the store costs it nothing)\n` +
      `  vigil store ingest (parse+store) ${fmt(storeRate)} records/s  ratio to pipeline ${(storeRate / pipeRate).toFixed(2)}\n` +
      `  compaction (background)          ${fmt(compactRate)} records/s  ratio to pipeline ${(compactRate / pipeRate).toFixed(2)}\n` +
      `  DuckDB read_ndjson alone         ${fmt(duckRate)} records/s  store fed / DuckDB ${(fedRate / duckRate).toFixed(2)}\n`,
  );
}

await main();
