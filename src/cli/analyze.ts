/** `vigil analyze <paths…>`: read, merge and account for every record; print the summary. */
import { IngestRun, type IngestSummary } from '../ingest/run.js';
import { formatSummaryTable } from './format.js';
import { Progress } from './progress.js';

export interface AnalyzeOptions {
  readonly format: 'table' | 'json';
  readonly quiet: boolean;
  readonly quarantine?: string;
  readonly logType?: string;
  readonly fields?: string[];
  readonly reorderWindow: number;
  readonly maxLineBytes: number;
}

export interface AnalyzeResult {
  readonly summary: IngestSummary;
}

/** Runs the analysis; returns the process exit code (0 clean, 1 something was rejected). */
export async function analyze(paths: readonly string[], opts: AnalyzeOptions): Promise<number> {
  const progress = new Progress(!opts.quiet);
  let records = 0;
  let filesDone = 0;
  let filesTotal = 0;
  const run = new IngestRun(paths, {
    quarantineDir: opts.quarantine,
    path: opts.logType,
    fields: opts.fields,
    reorderWindowSeconds: opts.reorderWindow,
    maxLineBytes: opts.maxLineBytes,
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
  });
  for await (const batch of run.batches()) {
    records += batch.length;
    progress.update(records, filesDone, filesTotal);
  }
  progress.done();
  const summary = run.summary();
  const result: AnalyzeResult = { summary };
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(`${formatSummaryTable(summary)}\n`);
  if (summary.rejectedTotal > 0 && opts.quarantine && !opts.quiet) {
    process.stderr.write(`vigil: rejected lines kept in ${opts.quarantine}/rejects.jsonl\n`);
  }
  return summary.rejectedTotal > 0 ? 1 : 0;
}
