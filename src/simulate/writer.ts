/**
 * Writes a simulation as a Zeek log directory: one `<log>.log` per log type, records in event-time
 * order, Zeek 7 default field layouts (no policy-script extras), TSV with Zeek's full header or
 * JSON lines (`LogAscii::use_json=T`, same file names).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
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

function line(r: ZeekRecord, fields: readonly FieldSpec[], format: SimFormat): string {
  if (format === 'json') return jsonLine(r, fields);
  let out = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i > 0) out += '\t';
    out += zeekTsvValue(r[f.name], f);
  }
  return out;
}

/**
 * A Zeek log directory written incrementally: `append` takes batches of records (each batch
 * sorted by time here; batches come in time order), `close` writes the TSV footers.
 */
export class LogDirWriter {
  private readonly fds = new Map<SimLog, { fd: number; records: number; bytes: number }>();

  constructor(
    readonly dir: string,
    readonly format: SimFormat,
    readonly window: { readonly start: number; readonly end: number },
  ) {}

  append(logs: ReadonlyMap<SimLog, readonly ZeekRecord[]>): void {
    for (const log of SIM_LOGS) {
      const records = logs.get(log);
      if (!records || records.length === 0) continue;
      const fields = zeek7Fields(log);
      let out = this.fds.get(log);
      if (!out) {
        out = { fd: openSync(join(this.dir, `${log}.log`), 'w'), records: 0, bytes: 0 };
        this.fds.set(log, out);
        if (this.format === 'tsv') this.write(out, `${tsvHeader(log, fields, this.window.start)}\n`);
      }
      const sorted = byTime(records);
      for (let i = 0; i < sorted.length; i += 5000) {
        const part = sorted.slice(i, i + 5000).map((r) => line(r, fields, this.format));
        this.write(out, `${part.join('\n')}\n`);
      }
      out.records += sorted.length;
    }
  }

  private write(out: { fd: number; bytes: number }, text: string): void {
    const buf = Buffer.from(text);
    writeSync(out.fd, buf);
    out.bytes += buf.length;
  }

  close(): WrittenLog[] {
    const written: WrittenLog[] = [];
    for (const log of SIM_LOGS) {
      const out = this.fds.get(log);
      if (!out) continue;
      if (this.format === 'tsv') this.write(out, `${tsvFooter(this.window.end)}\n`);
      closeSync(out.fd);
      written.push({ log, file: join(this.dir, `${log}.log`), records: out.records, bytes: out.bytes });
    }
    this.fds.clear();
    return written;
  }
}

/** Writes all logs at once (small simulations, tests). */
export function writeLogs(
  dir: string,
  logs: ReadonlyMap<SimLog, readonly ZeekRecord[]>,
  format: SimFormat,
  window: { readonly start: number; readonly end: number },
): WrittenLog[] {
  const w = new LogDirWriter(dir, format, window);
  w.append(logs);
  return w.close();
}
