/**
 * Zeek JSON log parser, one object per line, whatever wrote it:
 *  - Zeek's own (`LogAscii::use_json`): dotted keys `id.orig_h`, epoch-float `ts`, or ISO-8601
 *    `ts` with `LogAscii::json_timestamps`;
 *  - json-streaming (`_path`, `_write_ts` on every line, several log types in one file);
 *  - shippers that rename dots to underscores (`id_orig_h`) or nest objects (`{"id":{…}}`).
 * Values are normalised to the types of the log's schema; unknown fields are kept as they are.
 */
import type { ZeekRecord } from '../model/records.js';
import { type LogSchema, SIGNATURE_FIELDS, schemaFor } from '../model/schemas.js';
import type { ZeekScalar, ZeekType, ZeekValue } from '../model/zeek-types.js';
import { looksBinary, missingRequired } from './record-check.js';
import type { RejectSink } from './rejects.js';
import { BAD, jsonScalar } from './values.js';

export interface JsonParserOptions {
  /** Log type for lines without `_path` (from the file name or the user). */
  readonly path?: string;
}

interface PathInfo {
  readonly schema: LogSchema | undefined;
  /** Underscored spelling → Zeek's dotted field name, for the fields this log type has. */
  readonly undotted: ReadonlyMap<string, string>;
}

const COMMON_UNDOTTED: ReadonlyArray<readonly [string, string]> = [
  ['id_orig_h', 'id.orig_h'],
  ['id_orig_p', 'id.orig_p'],
  ['id_resp_h', 'id.resp_h'],
  ['id_resp_p', 'id.resp_p'],
];

const pathInfoCache = new Map<string, PathInfo>();

function pathInfo(path: string): PathInfo {
  let info = pathInfoCache.get(path);
  if (!info) {
    const schema = schemaFor(path);
    const undotted = new Map<string, string>(COMMON_UNDOTTED);
    for (const f of schema?.fields ?? [])
      if (f.name.includes('.')) undotted.set(f.name.replaceAll('.', '_'), f.name);
    info = { schema, undotted };
    pathInfoCache.set(path, info);
  }
  return info;
}

export class JsonParser {
  constructor(
    private readonly file: string,
    private readonly sink: RejectSink,
    private readonly options: JsonParserOptions = {},
  ) {}

  parse(line: string, lineNo: number, out: ZeekRecord[]): void {
    if (line.length === 0) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      const binary = looksBinary(line);
      this.reject(
        binary ? 'binary-garbage' : 'malformed-json',
        lineNo,
        binary ? 'binary content in a JSON log line' : `invalid JSON (${(err as Error).message})`,
        line,
      );
      return;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.reject(
        'not-an-object',
        lineNo,
        `JSON ${Array.isArray(obj) ? 'array' : typeof obj} where an object was expected`,
        line,
      );
      return;
    }
    const src = obj as Record<string, unknown>;
    const path = typeof src._path === 'string' ? src._path : (this.options.path ?? inferPath(src));
    const info = pathInfo(path);
    const rec: Record<string, ZeekValue | undefined> = { _path: path, ts: undefined };
    let bad: string | undefined;
    try {
      bad = this.copyFields(src, '', info, rec, 0);
    } catch {
      // a backstop: hostile nesting that still overflows the stack (JSON.stringify of a value)
      bad = 'a value nested too deeply to read';
    }
    if (bad !== undefined) {
      this.reject('bad-value', lineNo, bad, line);
      return;
    }
    if (rec.ts === undefined && src['@timestamp'] !== undefined) {
      const t = jsonScalar(src['@timestamp'], 'time');
      if (t !== BAD) rec.ts = t;
    }
    if ((rec.ts as number) > MILLIS_TS) fromMillis(rec, info.schema);
    const missing = missingRequired(path, rec);
    if (missing !== undefined) {
      this.reject('missing-field', lineNo, `${path} record without ${missing}`, line);
      return;
    }
    out.push(rec as ZeekRecord);
  }

  /** Copies src into rec, renaming and converting; returns a message on the first bad value. */
  private copyFields(
    src: Record<string, unknown>,
    prefix: string,
    info: PathInfo,
    rec: Record<string, ZeekValue | undefined>,
    depth: number,
  ): string | undefined {
    if (depth > MAX_DEPTH) return `object nested more than ${MAX_DEPTH} levels at ${prefix.slice(0, 80)}`;
    for (const key in src) {
      const v = src[key];
      // `_path` is the record's log type; `_write_ts` (json-streaming) is when the writer wrote
      // the line, writer metadata rather than a field of the record: neither is copied.
      if (v === null || v === undefined || (prefix === '' && (key === '_path' || key === '_write_ts')))
        continue;
      let name = prefix === '' ? key : `${prefix}.${key}`;
      if (typeof v === 'object' && !Array.isArray(v)) {
        const bad = this.copyFields(v as Record<string, unknown>, name, info, rec, depth + 1);
        if (bad !== undefined) return bad;
        continue;
      }
      if (name.includes('_')) {
        name = info.undotted.get(name) ?? name;
        if (name === '__proto__') {
          // assigning would replace the record's prototype and lose the value: define it instead
          const value = convert(v, undefined);
          if (value !== BAD)
            Object.defineProperty(rec, name, { value, enumerable: true, writable: true, configurable: true });
          continue;
        }
      }
      const type = info.schema?.byName.get(name) ?? (name === 'ts' ? TIME : undefined);
      const value = convert(v, type);
      if (value === BAD) {
        return `field ${name}${type ? ` (${type.name})` : ''} has value ${JSON.stringify(v).slice(0, 80)}`;
      }
      rec[name] = value;
    }
    return undefined;
  }

  private reject(
    reason: 'malformed-json' | 'not-an-object' | 'bad-value' | 'missing-field' | 'binary-garbage',
    lineNo: number,
    message: string,
    line: string,
  ): void {
    this.sink.reject({ reason, file: this.file, line: lineNo, message }, line);
  }
}

const TIME: ZeekType = { name: 'time', scalar: 'time', container: false };

/**
 * A `ts` above this (year 33658 in seconds, 2001 in milliseconds) is epoch milliseconds:
 * `LogAscii::json_timestamps = JSON::TS_MILLIS`, common for Elasticsearch. Seconds never get there.
 */
const MILLIS_TS = 1e12;

/** A TS_MILLIS line: its ts and the time fields its schema declares, milliseconds → seconds. */
function fromMillis(rec: Record<string, ZeekValue | undefined>, schema: LogSchema | undefined): void {
  rec.ts = (rec.ts as number) / 1000;
  for (const f of schema?.fields ?? []) {
    if (f.type.scalar !== 'time' || f.name === 'ts') continue;
    const v = rec[f.name];
    if (typeof v === 'number') rec[f.name] = v / 1000;
    else if (Array.isArray(v)) rec[f.name] = v.map((x) => (typeof x === 'number' ? x / 1000 : x));
  }
}

/** Zeek nests records a few levels at most; deeper input is hostile and rejected, not recursed. */
const MAX_DEPTH = 32;

function convert(v: unknown, type: ZeekType | undefined): ZeekValue | typeof BAD {
  if (type === undefined) {
    // Unknown field: kept as is when it is a scalar or a flat list, else as its JSON text.
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (
      Array.isArray(v) &&
      v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
    ) {
      return v as ZeekScalar[];
    }
    return JSON.stringify(v);
  }
  if (!type.container) {
    if (Array.isArray(v)) return BAD;
    return jsonScalar(v, type.scalar);
  }
  if (!Array.isArray(v)) {
    // A shipper that joined a set into one string: split as Zeek's TSV would.
    if (typeof v === 'string') return v === '' ? [] : convert(v.split(','), type);
    return BAD;
  }
  const out: ZeekScalar[] = new Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = jsonScalar(v[i], type.scalar);
    if (x === BAD) return BAD;
    out[i] = x;
  }
  return out;
}

/** Log type of a record that names none, from the fields only its log type has. */
export function inferPath(src: Record<string, unknown>): string {
  const has = (f: string): boolean => f in src || f.replaceAll('.', '_') in src;
  for (const [path, fields] of SIGNATURE_FIELDS) if (fields.every(has)) return path;
  return 'unknown';
}
