/**
 * Writes records the way Zeek's ASCII writer does: TSV with the full header, or JSON lines
 * (`LogAscii::use_json`), optionally ISO-8601 timestamps or underscored keys as shippers do.
 * Used by the simulator, the tests (JSON variants of real TSV logs) and the benchmark.
 */
import type { ZeekRecord } from './records.js';
import type { FieldSpec } from './schemas.js';
import type { ZeekScalar, ZeekValue } from './zeek-types.js';

/**
 * Escapes a TSV string value as Zeek does: the separator, backslash and non-printables as \xNN;
 * the set separator only inside sets and vectors (`inContainer`); a value that would read as
 * the unset (`-`) or empty (`(empty)`) marker is escaped whole.
 */
export function escapeTsv(s: string, setSeparator = ',', inContainer = false): string {
  if (s === '-' || s === '(empty)') {
    let out = '';
    for (let i = 0; i < s.length; i++) out += `\\x${s.charCodeAt(i).toString(16).padStart(2, '0')}`;
    return out;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what Zeek escapes
  if (!/[\t\\\x00-\x1f\x7f]/.test(s) && !(inContainer && s.includes(setSeparator))) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || c === 0x5c || (inContainer && ch === setSeparator)) {
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return out;
}

function formatTime(t: number): string {
  return t.toFixed(6);
}

function scalarTsv(v: ZeekScalar, typeName: string, inContainer: boolean): string {
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'number') {
    return typeName.includes('time') || typeName.includes('interval') ? formatTime(v) : String(v);
  }
  return escapeTsv(v, ',', inContainer);
}

export function formatTsvValue(v: ZeekValue | undefined, typeName: string): string {
  if (v === undefined) return '-';
  if (Array.isArray(v))
    return v.length === 0 ? '(empty)' : v.map((x) => scalarTsv(x, typeName, true)).join(',');
  if (v === '') return '(empty)';
  return scalarTsv(v as ZeekScalar, typeName, false);
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `#open`/`#close` stamp: `YYYY-MM-DD-HH-MM-SS` (UTC here). */
export function zeekStamp(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}-${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}`;
}

export function tsvHeader(path: string, fields: readonly FieldSpec[], openTs: number): string {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    `#path\t${path}`,
    `#open\t${zeekStamp(openTs)}`,
    `#fields\t${fields.map((f) => f.name).join('\t')}`,
    `#types\t${fields.map((f) => f.type.name).join('\t')}`,
  ].join('\n');
}

export function tsvLine(rec: ZeekRecord, fields: readonly FieldSpec[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (i > 0) line += '\t';
    line += formatTsvValue(rec[f.name], f.type.name);
  }
  return line;
}

export function tsvFooter(closeTs: number): string {
  return `#close\t${zeekStamp(closeTs)}`;
}

export interface JsonStyle {
  /** ISO-8601 timestamps (`LogAscii::json_timestamps = JSON::TS_ISO8601`). */
  readonly isoTime?: boolean;
  /** `id_orig_h` instead of `id.orig_h`, as some shippers write. */
  readonly underscoreKeys?: boolean;
  /** Include `_path` and `_write_ts` (json-streaming style). */
  readonly streaming?: boolean;
}

export function isoTime(t: number): string {
  const total = Math.round(t * 1e6);
  const whole = Math.floor(total / 1e6);
  const micros = total - whole * 1e6;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** One JSON line. Field order follows `fields`; unset fields are omitted, as Zeek does. */
export function jsonLine(rec: ZeekRecord, fields: readonly FieldSpec[], style: JsonStyle = {}): string {
  const out: Record<string, unknown> = {};
  if (style.streaming) {
    out._path = rec._path;
    out._write_ts = style.isoTime ? isoTime(rec.ts) : rec.ts;
  }
  for (const f of fields) {
    const v = rec[f.name];
    if (v === undefined) continue;
    const key = style.underscoreKeys ? f.name.replaceAll('.', '_') : f.name;
    out[key] = style.isoTime && f.type.scalar === 'time' && typeof v === 'number' ? isoTime(v) : v;
  }
  return JSON.stringify(out);
}
