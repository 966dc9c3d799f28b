/**
 * `npm run bench:engine [-- --dir DIR --runs R]`: end-to-end records/s of the pipeline (ingest +
 * identity + every registered detector + scoring) as a ratio to ingest alone over the same logs,
 * measured in one run, R rounds interleaved, medians reported. Data: the simulator's
 * `enterprise` day (300 workstations) unless --dir names a Zeek log directory.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../config/schema.js';
import { IngestRun } from '../ingest/run.js';
import { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { simulateToDir } from '../simulate/index.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function ingestOnly(dir: string): Promise<number> {
  let n = 0;
  for await (const b of new IngestRun([dir], { workers: 0 }).batches()) n += b.length;
  return n;
}

async function withIdentity(dir: string): Promise<number> {
  const hosts = new IdentityHostView(configSchema.parse({}), { geo: true });
  let n = 0;
  for await (const b of new IngestRun([dir], { workers: 0 }).batches()) {
    for (const r of b) hosts.observe(r);
    n += b.length;
  }
  return n;
}

async function full(dir: string): Promise<number> {
  const a = new Analysis({ hosts: new IdentityHostView(configSchema.parse({})) });
  await a.run(new IngestRun([dir], { workers: 0 }));
  return a.records;
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs') ?? 3);
  let dir = arg('--dir');
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'vigil-bench-engine-'));
    process.stderr.write(`generating the enterprise scenario into ${dir} …\n`);
    simulateToDir('enterprise', dir, { seed: 7 });
  }
  const modes = {
    'ingest only': ingestOnly,
    'ingest + identity': withIdentity,
    'full pipeline': full,
  } as const;
  const rates: Record<string, number[]> = {};
  let records = 0;
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(modes)) {
      const t = process.hrtime.bigint();
      records = await fn(dir);
      const s = Number(process.hrtime.bigint() - t) / 1e9;
      rates[name] ??= [];
      rates[name].push(records / s);
    }
  }
  const base = median(rates['ingest only']!);
  process.stdout.write(
    `records: ${records}; ${runs} rounds, medians; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`,
  );
  for (const [name, xs] of Object.entries(rates)) {
    process.stdout.write(
      `  ${name.padEnd(18)} ${Math.round(median(xs)).toLocaleString('en-US').padStart(10)} records/s  ratio to ingest only ${(median(xs) / base).toFixed(2)}\n`,
    );
  }
}

await main();
