/**
 * Writes a simulation as a Zeek log directory: one `<log>.log` per log type, records in event-time
 * order, Zeek 7 default field layouts (no policy-script extras), TSV with Zeek's full header or
 * JSON lines (`LogAscii::use_json=T`, same file names).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZeekRecord } from '../model/records.js';
import { type FieldSpec, schemaFor } from '../model/schemas.js';
import type { ZeekScalar, ZeekValue } from '../model/zeek-types.js';
import { escapeTsv, jsonLine, tsvFooter, tsvHeader } from '../model/zeek-writer.js';
import { SIM_LOGS, type SimLog } from './emit.js';

export type SimFormat = 'tsv' | 'json';

/** Fields the shared schema table carries that Zeek 7 does not log by default. */
const NOT_DEFAULT: Partial<Record<SimLog, readonly string[]>> = {
  conn: ['orig_l2_addr', 'resp_l2_addr', 'community_id'],
  ssl: ['ja3', 'ja3s'],
};

/** The Zeek 7 default layout of a simulated log. */
export function zeek7Fields(log: SimLog): readonly FieldSpec[] {
  const schema = schemaFor(log);
  if (!schema) throw new Error(`no schema for ${log}`);
  const drop = new Set(NOT_DEFAULT[log] ?? []);
  return schema.fields.filter((f) => !drop.has(f.name));
}

/**
 * A string as Zeek's ASCII writer escapes it: a backslash doubled (`\\`), the separator and
 * non-printables as `\xNN`, a value equal to `-` or `(empty)` escaped whole.
 */
export function zeekEscape(s: string, inContainer = false): string {
  if (!s.includes('\\')) return escapeTsv(s, ',', inContainer);
  return s
    .split('\\')
    .map((piece) => (piece === '-' || piece === '(empty)' ? piece : escapeTsv(piece, ',', inContainer)))
    .join('\\\\');
}

function scalar(v: ZeekScalar, timeLike: boolean, inContainer: boolean): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') return timeLike ? v.toFixed(6) : String(v);
  return zeekEscape(v, inContainer);
}

export function zeekTsvValue(v: ZeekValue | undefined, f: FieldSpec): string {
  if (v === undefined) return '-';
  const timeLike = f.type.scalar === 'time' || f.type.scalar === 'interval';
  if (Array.isArray(v)) return v.length === 0 ? '(empty)' : v.map((x) => scalar(x, timeLike, true)).join(',');
  if (v === '') return '(empty)';
  return scalar(v, timeLike, false);
}

export interface WrittenLog {
  readonly log: SimLog;
  readonly file: string;
  readonly records: number;
  readonly bytes: number;
}

function byTime(records: readonly ZeekRecord[]): ZeekRecord[] {
  return [...records].sort((a, b) => a.ts - b.ts);
}

export function renderLog(
  log: SimLog,
  records: readonly ZeekRecord[],
  format: SimFormat,
  openTs: number,
  closeTs: number,
): string {
  const fields = zeek7Fields(log);
  const sorted = byTime(records);
  const parts: string[] = [];
  if (format === 'json') {
    for (const r of sorted) parts.push(jsonLine(r, fields));
    return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
  }
  parts.push(tsvHeader(log, fields, openTs));
  for (const r of sorted) {
    let line = '';
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (i > 0) line += '\t';
      line += zeekTsvValue(r[f.name], f);
    }
    parts.push(line);
  }
  parts.push(tsvFooter(closeTs));
  return `${parts.join('\n')}\n`;
}

export function writeLogs(
  dir: string,
  logs: ReadonlyMap<SimLog, readonly ZeekRecord[]>,
  format: SimFormat,
  window: { readonly start: number; readonly end: number },
): WrittenLog[] {
  const out: WrittenLog[] = [];
  for (const log of SIM_LOGS) {
    const records = logs.get(log);
    if (!records || records.length === 0) continue;
    const file = join(dir, `${log}.log`);
    const text = renderLog(log, records, format, window.start, window.end);
    writeFileSync(file, text);
    out.push({ log, file, records: records.length, bytes: Buffer.byteLength(text) });
  }
  return out;
}
