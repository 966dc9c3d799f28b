/**
 * `vigil serve`: one long-running process — the pipeline over a live tail of Zeek's log
 * directory (or a replay of paths), the metadata store, response policies, and the HTTP API and
 * console. SIGINT/SIGTERM stop the tail, save its position, flush the store and close cleanly.
 * The first start creates an admin API token and prints it once.
 */

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { serve as serveHttp } from '@hono/node-server';
import { loadConfig } from '../config/load.js';
import { LiveIngestRun } from '../ingest/live.js';
import { IngestRun, type IngestSummary } from '../ingest/run.js';
import { Analysis } from '../pipeline/analysis.js';
import { buildAlerts, buildResponder, engineConfig, scoreConfig } from '../pipeline/from-config.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { loadPipelineState, savePipelineState } from '../pipeline/state.js';
import { analysisRecords } from '../recall/analysis-records.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { StoreFeed } from '../recall/feed.js';
import { buildApp } from '../server/app.js';
import { EventHub } from '../server/events.js';
import { TokenStore } from '../server/tokens.js';
import { detectionAlert } from './analyze.js';
import { VERSION } from './version.js';

export interface ServeOptions {
  readonly paths: readonly string[];
  readonly follow?: string;
  readonly listen: string;
  readonly stateDir: string;
  readonly store?: string;
  readonly config?: string;
  readonly pollMs?: number;
  readonly publicMetrics: boolean;
  readonly quiet: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Static files of the built console, confined to its directory. */
export function webFiles(root: string) {
  return async (path: string): Promise<{ body: Uint8Array; type: string } | undefined> => {
    const full = normalize(join(root, path));
    if (!full.startsWith(root)) return undefined;
    try {
      return { body: readFileSync(full), type: TYPES[extname(full)] ?? 'application/octet-stream' };
    } catch {
      return undefined;
    }
  };
}

export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[2]);
  if (!m || port > 65535)
    throw new Error(`--listen: expected host:port (e.g. 127.0.0.1:8080), got ${JSON.stringify(listen)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export async function serve(o: ServeOptions): Promise<number> {
  const say = (t: string) => process.stderr.write(`vigil: ${t}\n`);
  const { host, port } = parseListen(o.listen);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const config = loadConfig(o.config);
  const tokens = new TokenStore(join(o.stateDir, 'tokens.json'));
  const first = tokens.ensureAdmin();
  if (first) say(`first start: admin API token (shown once, store it now): ${first}`);

  const events = new EventHub();
  const hosts = new IdentityHostView(config);
  for (const p of hosts.intelProblems) say(`intel: ${p}`);
  const store = o.store ? await DuckDbStore.open(o.store) : undefined;
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const feed = store
    ? new StoreFeed(store, {
        prefix: `live-${run}`,
        context: hosts.rowContext(),
        onError: (err, part, n) => say(`store: part ${part} (${n} records) not stored: ${err.message}`),
      })
    : undefined;
  // Live mode acts: response policies run in the modes the config gives them.
  const responder = buildResponder(config, join(o.stateDir, 'audit.jsonl'), false);
  const alerts = buildAlerts(config, VERSION, (out, e) => say(`alert output ${out}: ${e.message}`));
  const analysis = new Analysis({
    hosts,
    engine: engineConfig(config),
    score: scoreConfig(config),
    responder,
    onDetection: (d, change, now) => {
      alerts?.publish(detectionAlert(d, change, now));
      const { id, type, threat, certainty, summary } = d;
      events.publish({
        type: 'detection',
        data: { change, id, type, host: d.host, threat, certainty, summary },
      });
    },
    onPriorityChange: (h, from, to, ts, score) => {
      alerts?.publish({
        kind: 'priority-change',
        eventTime: ts,
        host: h,
        threat: score.threat,
        certainty: score.certainty,
        priority: to,
        previousPriority: from,
        summary: `${h} ${from} -> ${to}`,
      });
      events.publish({ type: 'priority', data: { host: h, from, to, ts } });
    },
    onBatch: (batch) => feed?.push(batch),
  });
  // A live run continues where it stopped; a replay starts fresh (it re-reads everything).
  if (o.follow)
    for (const what of loadPipelineState(o.stateDir, analysis)) say(`restored ${what} from ${o.stateDir}`);
  const controller = new AbortController();
  const source = o.follow
    ? new LiveIngestRun(o.follow, {
        statePath: join(o.stateDir, 'tail.json'),
        pollMs: o.pollMs,
        signal: controller.signal,
        quarantineDir: join(o.stateDir, 'quarantine'),
        onMessage: o.quiet ? undefined : say,
      })
    : new IngestRun(o.paths, {
        quarantineDir: join(o.stateDir, 'quarantine'),
        onMessage: o.quiet ? undefined : say,
      });
  const summary = (): IngestSummary => source.summary();

  const webRoot = resolve(import.meta.dirname, '../web');
  const app = buildApp({
    analysis,
    summary,
    store,
    tokens,
    events,
    publicMetrics: o.publicMetrics,
    web: webFiles(webRoot),
  });
  const server = await new Promise<ReturnType<typeof serveHttp>>((ok) => {
    const s = serveHttp({ fetch: app.fetch, hostname: host, port }, (info) => {
      say(`serving the API and console on http://${host.includes(':') ? `[${host}]` : host}:${info.port}/`);
      ok(s);
    });
  });

  let timer: NodeJS.Timeout | undefined;
  if (store) timer = setInterval(() => feed?.startPart(), 5000);
  // Hourly upkeep from start: retention by the wall clock (whole day partitions, oldest first),
  // then compaction of every day but the newest, which is still being written.
  let retention: NodeJS.Timeout | undefined;
  const { maxAgeDays, maxBytes } = config.recall;
  if (store) {
    let hostSnapshots = 0;
    const upkeep = async (): Promise<void> => {
      if (maxAgeDays !== undefined || maxBytes !== undefined) {
        const removed = await store.retain({ maxAgeDays, maxBytes });
        if (removed.length > 0)
          say(`store retention removed ${removed.length} partition(s): ${removed.join(', ')}`);
      }
      // The hosts as identity knows them now: `vigil timeline NAME` on this store resolves them.
      if (analysis.records > 0)
        await store.appendPart(`hosts-${run}-${hostSnapshots++}`, hosts.hostRecords());
      const compacted = await store.compact({ keepNewestDay: true });
      if (compacted.length > 0 && !o.quiet) say(`store compacted ${compacted.length} day(s)`);
    };
    const run = (): void => void upkeep().catch((e: Error) => say(`store upkeep: ${e.message}`));
    run();
    retention = setInterval(run, 3_600_000);
  }
  const pipeline = (async () => {
    for await (const batch of source.batches()) await analysis.process(batch);
    analysis.engine.finish();
    await feed?.flush();
    if (!o.quiet) say(`input finished: ${analysis.records} records; still serving (Ctrl-C to stop)`);
  })();

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (sig: string): Promise<void> => {
      if (stopping) process.exit(130);
      stopping = true;
      say(`${sig}: stopping — saving the tail position, flushing the store`);
      controller.abort();
      try {
        await pipeline;
        if (source instanceof LiveIngestRun) source.saveCheckpoint();
        if (o.follow) savePipelineState(o.stateDir, analysis);
        if (timer) clearInterval(timer);
        if (retention) clearInterval(retention);
        await feed?.flush();
        // What Vigil concluded goes beside the metadata: detections, score history, responses.
        await store?.appendPart(`analysis-${run}`, [
          ...analysisRecords(analysis.report(summary())),
          ...hosts.hostRecords(),
        ]);
        await store?.close();
        await alerts?.close();
        responder?.audit.close();
      } catch (err) {
        say(`shutdown: ${(err as Error).message}`);
      }
      server.close();
      done(0);
    };
    process.once('SIGINT', (s) => void stop(s));
    process.once('SIGTERM', (s) => void stop(s));
    pipeline.catch((err: Error) => {
      say(`pipeline stopped: ${err.message}`);
    });
  });
}
