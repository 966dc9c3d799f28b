/** Human output for the CLI: the run summary, hosts by priority, then detections. */
import { REJECT_REASONS, type RejectReason } from '../ingest/rejects.js';
import type { IngestSummary } from '../ingest/run.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';

export function isoOrDash(ts: number | null): string {
  return ts === null ? '-' : new Date(ts * 1000).toISOString();
}

export function formatSummaryTable(s: IngestSummary): string {
  const lines: string[] = [];
  lines.push(`records   ${s.records.toLocaleString('en-US')} from ${s.files} file(s)`);
  lines.push(`time span ${isoOrDash(s.firstTs)} → ${isoOrDash(s.lastTs)}`);
  const byLog = Object.entries(s.byLog);
  if (byLog.length > 0) {
    const w = Math.max(...byLog.map(([k]) => k.length));
    lines.push('by log type:');
    for (const [k, v] of byLog) lines.push(`  ${k.padEnd(w)}  ${v.toLocaleString('en-US').padStart(12)}`);
  }
  if (s.late > 0)
    lines.push(`late      ${s.late} record(s) arrived after the reorder window (emitted, out of order)`);
  const rejected = Object.entries(s.rejected) as [RejectReason, number][];
  if (rejected.length === 0) lines.push('rejected  none');
  else {
    lines.push(`rejected  ${s.rejectedTotal} (raw lines in the quarantine):`);
    for (const [k, v] of rejected)
      lines.push(`  ${k.padEnd(22)} ${String(v).padStart(8)}  ${REJECT_REASONS[k]}`);
  }
  return lines.join('\n');
}

function table(rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`);
}

export function formatReportTable(report: AnalysisReport): string {
  const out: string[] = [formatSummaryTable(report.summary as IngestSummary), ''];
  if (report.hosts.length === 0) {
    out.push('hosts     no detections');
    return out.join('\n');
  }
  out.push(`hosts with detections (${report.hosts.length}), by priority:`);
  out.push(
    ...table([
      ['PRIORITY', 'T', 'C', 'HOST', 'ROLES', 'DETECTIONS'],
      ...report.hosts.map((h) => [
        h.priority,
        String(h.threat),
        String(h.certainty),
        h.names[0] ? `${h.key} (${h.names[0]})` : h.key,
        h.roles.join(',') || '-',
        String(h.detections.length),
      ]),
    ]),
  );
  out.push('', `detections (${report.detections.length}), in the order they fired:`);
  const sorted = [...report.detections].sort((a, b) => a.detectedAt - b.detectedAt);
  out.push(
    ...table([
      ['DETECTED AT', 'TYPE', 'T', 'C', 'HOST', 'SUMMARY'],
      ...sorted.map((d) => [
        isoOrDash(d.detectedAt),
        d.type,
        String(d.threat),
        String(d.certainty),
        d.host,
        `${d.summary} [${d.evidenceCount} records]`,
      ]),
    ]),
  );
  return out.join('\n');
}
