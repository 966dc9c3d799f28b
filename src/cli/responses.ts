/** `vigil responses`: the response audit log — every decision, its reasons, who approved. */
import { existsSync } from 'node:fs';
import { AuditLog } from '../respond/audit.js';
import { isoOrDash } from './format.js';

export function listResponses(file: string, format: 'table' | 'json'): number {
  if (!existsSync(file)) {
    process.stderr.write(`vigil: no audit log at ${file} (nothing was decided yet, or give --audit FILE)\n`);
    return 2;
  }
  const log = new AuditLog(file);
  const entries = log.all;
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    process.stdout.write('no response decisions\n');
    return 0;
  }
  const rows = [
    ['#', 'EVENT TIME', 'OUTCOME', 'POLICY', 'HOST', 'IP', 'BY', 'REASON / RESPONSE'],
    ...entries.map((e) => [
      String(e.seq),
      isoOrDash(e.eventTime),
      e.outcome,
      e.policy,
      e.host,
      e.ip,
      e.by,
      `${e.reason}${e.response ? ` → ${e.response}` : ''}`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows)
    process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  return 0;
}
