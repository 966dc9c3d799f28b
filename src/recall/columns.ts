/**
 * How records become Parquet rows: each known log type gets typed columns from its schema (Zeek
 * field names kept), unknown fields go to one JSON column `_extra`, and every row carries `_log`
 * and `_day`. Unknown log types store `ts`, `uid` and `_extra`.
 */
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import type { ZeekType } from '../model/zeek-types.js';

export interface Column {
  readonly name: string;
  readonly sqlType: string;
}

function sqlTypeOf(t: ZeekType): string {
  const scalar = (() => {
    switch (t.scalar) {
      case 'time':
      case 'interval':
      case 'double':
        return 'DOUBLE';
      case 'count':
      case 'int':
      case 'port':
        return 'BIGINT';
      case 'bool':
        return 'BOOLEAN';
      default:
        return 'VARCHAR';
    }
  })();
  return t.container ? `${scalar}[]` : scalar;
}

/** Vigil's own tables in the store (analysis-records.ts): typed columns like the Zeek logs'. */
const VIGIL_TABLES: Readonly<Record<string, readonly Column[]>> = {
  vigil_detection: [
    { name: 'ts', sqlType: 'DOUBLE' },
    { name: 'uid', sqlType: 'VARCHAR' },
    { name: 'type', sqlType: 'VARCHAR' },
    { name: 'category', sqlType: 'VARCHAR' },
    { name: 'attack', sqlType: 'VARCHAR[]' },
    { name: 'host', sqlType: 'VARCHAR' },
    { name: 'src', sqlType: 'VARCHAR' },
    { name: 'threat', sqlType: 'BIGINT' },
    { name: 'certainty', sqlType: 'BIGINT' },
    { name: 'summary', sqlType: 'VARCHAR' },
    { name: 'first_ts', sqlType: 'DOUBLE' },
    { name: 'last_ts', sqlType: 'DOUBLE' },
    { name: 'targets', sqlType: 'VARCHAR[]' },
    { name: 'evidence', sqlType: 'VARCHAR[]' },
    { name: 'evidence_count', sqlType: 'BIGINT' },
  ],
  vigil_host_score: [
    { name: 'ts', sqlType: 'DOUBLE' },
    { name: 'host', sqlType: 'VARCHAR' },
    { name: 'threat', sqlType: 'BIGINT' },
    { name: 'certainty', sqlType: 'BIGINT' },
    { name: 'priority', sqlType: 'VARCHAR' },
  ],
  vigil_response: [
    { name: 'ts', sqlType: 'DOUBLE' },
    { name: 'uid', sqlType: 'VARCHAR' },
    { name: 'policy', sqlType: 'VARCHAR' },
    { name: 'host', sqlType: 'VARCHAR' },
    { name: 'ip', sqlType: 'VARCHAR' },
    { name: 'outcome', sqlType: 'VARCHAR' },
    { name: 'reason', sqlType: 'VARCHAR' },
    { name: 'by', sqlType: 'VARCHAR' },
  ],
};

const cache = new Map<string, Column[]>();

/** The stored columns of a log type, in order. */
export function columnsFor(log: string): Column[] {
  let cols = cache.get(log);
  if (!cols) {
    const schema = schemaFor(log);
    const own = VIGIL_TABLES[log];
    cols = own
      ? [...own]
      : schema
        ? schema.fields.map((f) => ({ name: f.name, sqlType: sqlTypeOf(f.type) }))
        : [
            { name: 'ts', sqlType: 'DOUBLE' },
            { name: 'uid', sqlType: 'VARCHAR' },
          ];
    cols = [...cols, { name: '_extra', sqlType: 'JSON' }];
    cache.set(log, cols);
  }
  return cols;
}

const knownNames = new Map<string, Set<string>>();

/** The record as a JSON row for `read_ndjson` with the log's columns; extra fields in `_extra`. */
export function toRow(rec: ZeekRecord): string {
  const log = rec._path;
  let known = knownNames.get(log);
  if (!known) {
    known = new Set(columnsFor(log).map((c) => c.name));
    knownNames.set(log, known);
  }
  const row: Record<string, unknown> = {};
  let extra: Record<string, unknown> | undefined;
  for (const k in rec) {
    if (k === '_path') continue;
    const v = rec[k];
    if (v === undefined) continue;
    if (known.has(k)) row[k] = v;
    else {
      extra ??= {};
      extra[k] = v;
    }
  }
  if (extra) row._extra = JSON.stringify(extra);
  return JSON.stringify(row);
}

/** `YYYY-MM-DD` (UTC) of an event time: the day partition. */
export function dayOf(ts: number): string {
  const d = Math.floor(ts / 86_400);
  let text = dayNames.get(d);
  if (text === undefined) {
    text = new Date(d * 86_400_000).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(d, text);
  }
  return text;
}

/** Day number → `YYYY-MM-DD`: one Date per day, not per record. */
const dayNames = new Map<number, string>();

/** Quotes an identifier for DuckDB (names are validated before; quotes doubled anyway). */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
