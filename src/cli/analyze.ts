/**
 * `vigil analyze <paths…>`: the whole pipeline over Zeek logs — read, merge, detect, score —
 * then the report: a table (hosts by priority, then detections), the versioned JSON document
 * (`--format json`, schema in docs/schema/), or NDJSON streaming detections as they fire.
 */
import type { EngineConfig } from '../detect/engine.js';
import { runAnalysis } from '../pipeline/analysis.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';
import { analyzeFollow } from './follow.js';
import { formatReportTable } from './format.js';
import { Progress } from './progress.js';

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
}

/** Runs the analysis; returns the process exit code (0 clean, 1 something was rejected). */
export async function analyze(paths: readonly string[], opts: AnalyzeOptions): Promise<number> {
  if (opts.follow !== undefined || paths.length === 0) return analyzeFollow(paths, opts);
  const progress = new Progress(!opts.quiet);
  let records = 0;
  let filesDone = 0;
  let filesTotal = 0;
  const ndjson = opts.format === 'ndjson';
  const report: AnalysisReport = await runAnalysis(paths, {
    quarantineDir: opts.quarantine,
    path: opts.logType,
    fields: opts.fields,
    reorderWindowSeconds: opts.reorderWindow,
    maxLineBytes: opts.maxLineBytes,
    workers: opts.workers,
    engine: opts.engine,
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
    onDetection: ndjson
      ? (d, change, now) => {
          const { id, type, category, attack, host, src, threat, certainty, summary } = d;
          process.stdout.write(
            `${JSON.stringify({ event: `detection-${change}`, at: now, id, type, category, attack, host, src, threat, certainty, summary, evidenceCount: d.evidenceCount })}\n`,
          );
        }
      : undefined,
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
