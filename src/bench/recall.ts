/**
 * `npm run bench:recall [-- --dir DIR]`: the store's ingest rate (Zeek logs → Parquet through
 * `vigil store ingest`) as a ratio to the pipeline's detection rate on the same logs (the store
 * must never be the bottleneck: aim ≥ 1.5), and for context DuckDB's own `read_ndjson` → Parquet
 * of the same records as NDJSON. One run; rates, not bare times.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../config/schema.js';
import { IngestRun } from '../ingest/run.js';
import { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
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
  const [records, pipeSeconds] = await timed(async () => {
    const a = new Analysis({ hosts: new IdentityHostView(configSchema.parse({})) });
    await a.run(new IngestRun([dir], {}));
    return a.records;
  });
  const store = await DuckDbStore.open(join(tmp, 'store'));
  const [stored, storeSeconds] = await timed(async () => (await ingestIntoStore([dir], store)).rowsWritten);
  const st = await store.stats();
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
  const pipeRate = records / pipeSeconds;
  const storeRate = stored / storeSeconds;
  const duckRate = records / duckSeconds;
  process.stdout.write(
    `records ${records} (${(bytes / 1e6).toFixed(0)} MB JSON); stored ${(st.bytes / st.rows).toFixed(1)} bytes/record on disk\n` +
      `  pipeline (detection)      ${Math.round(pipeRate).toLocaleString('en-US').padStart(10)} records/s\n` +
      `  store ingest              ${Math.round(storeRate).toLocaleString('en-US').padStart(10)} records/s  ratio to pipeline ${(storeRate / pipeRate).toFixed(2)} (aim ≥ 1.5)\n` +
      `  DuckDB read_ndjson alone  ${Math.round(duckRate).toLocaleString('en-US').padStart(10)} records/s  store / DuckDB ${(storeRate / duckRate).toFixed(2)}\n`,
  );
}

await main();
