/**
 * `vigil analyze <paths…>`: the whole pipeline over Zeek logs — read, merge, detect, score —
 * then the report: a table (hosts by priority, then detections), the versioned JSON document
 * (`--format json`, schema in docs/schema/), or NDJSON streaming detections as they fire.
 */
import type { AlertEvent } from '../alert/cef.js';
import type { AlertRouter } from '../alert/outputs.js';
import { loadConfig } from '../config/load.js';
import type { EngineConfig } from '../detect/engine.js';
import type { Detection } from '../detect/types.js';
import type { AnalysisOptions } from '../pipeline/analysis.js';
import { runAnalysis } from '../pipeline/analysis.js';
import { buildAlerts, buildResponder, engineConfig, scoreConfig } from '../pipeline/from-config.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';
import { analyzeFollow } from './follow.js';
import { formatReportTable } from './format.js';
import { Progress } from './progress.js';
import { VERSION } from './version.js';

export type OutputFormat = 'table' | 'json' | 'ndjson';

export interface AnalyzeOptions {
  readonly format: OutputFormat;
  readonly quiet: boolean;
  readonly quarantine?: string;
  readonly logType?: string;
  readonly fields?: string[];
  readonly reorderWindow: number;
  readonly maxLineBytes: number;
  /** Worker threads for big files (`--workers`; 0 = main thread only); default per core. */
  readonly workers?: number;
  readonly engine?: EngineConfig;
  /** Live tail of this directory (`--follow`, src/cli/follow.ts) and its settings. */
  readonly follow?: string;
  readonly state?: string;
  readonly pollMs?: number;
  readonly idleMs?: number;
  readonly archive?: string[];
  /** Config file (network model, detectors, triage, scoring, response, alerts). */
  readonly config?: string;
  /** Let response policies act; otherwise they run as dry-run. */
  readonly respond?: boolean;
  readonly audit?: string;
  /** Parts built from the config (set by `analyze` before it dispatches). */
  pipeline?: PipelineParts;
}

export type PipelineParts = Pick<
  AnalysisOptions,
  'hosts' | 'engine' | 'score' | 'responder' | 'onPriorityChange'
> & {
  readonly alerts?: AlertRouter;
};

/** Builds identity, engine, scoring, response and alerts from the config file (or defaults). */
export function pipelineParts(opts: AnalyzeOptions): PipelineParts {
  const cfg = loadConfig(opts.config);
  const hosts = new IdentityHostView(cfg);
  for (const p of hosts.intelProblems) process.stderr.write(`vigil: intel: ${p}\n`);
  const alerts = buildAlerts(cfg, VERSION, (o, e) =>
    process.stderr.write(`vigil: alert output ${o}: ${e.message}\n`),
  );
  const name = (k: string) => hosts.names(k)[0] ?? k;
  return {
    hosts,
    engine: { ...engineConfig(cfg), ...opts.engine },
    score: scoreConfig(cfg),
    responder: buildResponder(cfg, opts.audit, !opts.respond),
    alerts,
    onPriorityChange: alerts
      ? (host, from, to, ts, score) =>
          alerts.publish({
            kind: 'priority-change',
            eventTime: ts,
            host: name(host),
            threat: score.threat,
            certainty: score.certainty,
            priority: to,
            previousPriority: from,
            summary: `${name(host)} ${from} -> ${to}`,
          })
      : undefined,
  };
}

/** One `--format ndjson` line for a new or grown detection. */
export function ndjsonDetection(d: Detection, change: 'new' | 'updated', now: number): string {
  const { id, type, category, attack, host, src, threat, certainty, summary, evidenceCount } = d;
  return `${JSON.stringify({ event: `detection-${change}`, at: now, id, type, category, attack, host, src, threat, certainty, summary, evidenceCount })}\n`;
}

/** The alert event for a detection, for the configured outputs. */
export function detectionAlert(d: Detection, change: 'new' | 'updated', now: number): AlertEvent {
  return {
    kind: change === 'new' ? 'detection-new' : 'detection-updated',
    eventTime: now,
    host: d.host,
    src: d.src,
    type: d.type,
    detectionId: d.id,
    category: d.category,
    attack: d.attack,
    threat: d.threat,
    certainty: d.certainty,
    summary: d.summary,
  };
}

/** Runs the analysis; returns the process exit code (0 clean, 1 something was rejected). */
export async function analyze(paths: readonly string[], opts: AnalyzeOptions): Promise<number> {
  try {
    opts.pipeline = pipelineParts(opts);
  } catch (err) {
    process.stderr.write(`vigil: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    return opts.follow !== undefined || paths.length === 0
      ? await analyzeFollow(paths, opts)
      : await analyzeFiles(paths, opts);
  } finally {
    await opts.pipeline.alerts?.close();
  }
}

async function analyzeFiles(paths: readonly string[], opts: AnalyzeOptions): Promise<number> {
  const parts = opts.pipeline!;
  const progress = new Progress(!opts.quiet);
  let records = 0;
  let filesDone = 0;
  let filesTotal = 0;
  const ndjson = opts.format === 'ndjson';
  const report: AnalysisReport = await runAnalysis(paths, {
    ...parts,
    quarantineDir: opts.quarantine,
    path: opts.logType,
    fields: opts.fields,
    reorderWindowSeconds: opts.reorderWindow,
    maxLineBytes: opts.maxLineBytes,
    workers: opts.workers,
    onMessage: opts.quiet
      ? undefined
      : (text) => {
          progress.done();
          process.stderr.write(`vigil: ${text}\n`);
        },
    onFileDone: (_f, done, total) => {
      filesDone = done;
      filesTotal = total;
      progress.update(records, filesDone, filesTotal);
    },
    onBatch: (batch) => {
      records += batch.length;
      progress.update(records, filesDone, filesTotal);
    },
    onDetection: (d, change, now) => {
      parts.alerts?.publish(detectionAlert(d, change, now));
      if (ndjson) {
        process.stdout.write(ndjsonDetection(d, change, now));
      }
    },
  });
  progress.done();
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (ndjson) process.stdout.write(`${JSON.stringify({ event: 'summary', ...report.summary })}\n`);
  else process.stdout.write(`${formatReportTable(report)}\n`);
  if (report.summary.rejectedTotal > 0 && opts.quarantine && !opts.quiet) {
    process.stderr.write(`vigil: rejected lines kept in ${opts.quarantine}/rejects.jsonl\n`);
  }
  return report.summary.rejectedTotal > 0 ? 1 : 0;
}
