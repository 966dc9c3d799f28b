/**
 * `vigil analyze --follow <dir>`: the analysis pipeline over a live tail of a directory Zeek is
 * writing, until SIGINT or SIGTERM; then the position is saved (`--state`) and the report
 * printed (the summary gains `live`: rotations, resumes, truncations, bytes that may be missed).
 * A second signal exits at once without saving (the previous checkpoint stays: a restart
 * re-reads, never skips).
 */
import { LiveIngestRun, type LiveSummary } from '../ingest/live.js';
import { runAnalysis } from '../pipeline/analysis.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';
import { type AnalyzeOptions, detectionAlert, ndjsonDetection } from './analyze.js';
import { formatReportTable } from './format.js';

export async function analyzeFollow(paths: readonly string[], opts: AnalyzeOptions): Promise<number> {
  const dir = opts.follow;
  if (dir === undefined || paths.length > 0) {
    process.stderr.write(
      dir === undefined
        ? 'vigil: analyze needs log paths, or --follow <dir> for a live directory\n'
        : 'vigil: --follow reads one live directory; give no other paths with it\n',
    );
    return 2;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      if (!opts.quiet) process.stderr.write(`vigil: ${sig}: stopping, saving the position\n`);
      controller.abort();
    } else {
      process.stderr.write(`vigil: ${sig} again: exiting without saving the position\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const say = (text: string): void => {
    process.stderr.write(`vigil: ${text}\n`);
  };
  const run = new LiveIngestRun(dir, {
    quarantineDir: opts.quarantine,
    path: opts.logType,
    fields: opts.fields,
    reorderWindowSeconds: opts.reorderWindow,
    maxLineBytes: opts.maxLineBytes,
    statePath: opts.state,
    pollMs: opts.pollMs,
    idleMs: opts.idleMs ?? Math.max(5000, 3 * (opts.pollMs ?? 1000)),
    archiveDirs: opts.archive && opts.archive.length > 0 ? opts.archive : undefined,
    signal: controller.signal,
    onMessage: opts.quiet ? undefined : say,
  });
  if (!opts.quiet) {
    say(
      `following ${dir} every ${opts.pollMs ?? 1000} ms` +
        (opts.state ? `, position saved in ${opts.state}` : ' (no --state: the position is not saved)') +
        '; Ctrl-C to stop',
    );
  }
  let report: AnalysisReport;
  try {
    report = await runAnalysis([], {
      ...opts.pipeline,
      ingest: run,
      onDetection:
        opts.format === 'ndjson' || opts.pipeline?.alerts
          ? (d, change, now) => {
              opts.pipeline?.alerts?.publish(detectionAlert(d, change, now));
              if (opts.format !== 'ndjson') return;
              process.stdout.write(ndjsonDetection(d, change, now));
            }
          : undefined,
    });
    // Everything read has been merged and processed: the position is exact.
    run.saveCheckpoint();
  } catch (err) {
    say((err as Error).message);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const summary = run.summary();
  if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (opts.format === 'ndjson')
    process.stdout.write(`${JSON.stringify({ event: 'summary', ...report.summary })}\n`);
  else process.stdout.write(`${formatReportTable(report)}\n${formatLive(summary)}\n`);
  if (summary.rejectedTotal > 0 && opts.quarantine && !opts.quiet)
    say(`rejected lines kept in ${opts.quarantine}/rejects.jsonl`);
  const lost = summary.live.missedFiles + summary.live.truncations + summary.live.vanished;
  return summary.rejectedTotal > 0 || lost > 0 ? 1 : 0;
}

function formatLive(s: LiveSummary): string {
  const l = s.live;
  const lines = [
    `live      ${l.filesFollowed} file(s) followed, ${l.filesFinished} finished after rotation, ` +
      `${l.resumed} resumed from the checkpoint, ${l.recoveredFromArchive} finished from the archive`,
  ];
  if (l.truncations > 0)
    lines.push(`  truncated  ${l.truncations} file(s) shrank or were rewritten (re-read from start)`);
  if (l.missedFiles > 0 || l.bytesMissedAtLeast > 0)
    lines.push(
      `  missed     ${l.missedFiles} rotated file(s) not found; at least ${l.bytesMissedAtLeast} byte(s) not read`,
    );
  if (l.vanished > 0) lines.push(`  vanished   ${l.vanished} file(s) gone before they could be opened`);
  return lines.join('\n');
}
