/** Human output for the CLI: the end-of-run summary as a table. */

import { REJECT_REASONS, type RejectReason } from '../ingest/rejects.js';
import type { IngestSummary } from '../ingest/run.js';

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
