/**
 * How records become Parquet rows: each known log type gets typed columns from its schema (Zeek
 * field names kept) plus the joined host and account columns, unknown fields go to one JSON column
 * `_extra`, and every row carries `_log` and `_day` (hive partitions). Unknown log types store
 * `ts`, `uid`, the joined columns and `_extra`.
 */
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
  vigil_host: [
    { name: 'ts', sqlType: 'DOUBLE' },
    { name: 'host', sqlType: 'VARCHAR' },
    { name: 'keys', sqlType: 'VARCHAR[]' },
    { name: 'names', sqlType: 'VARCHAR[]' },
    { name: 'macs', sqlType: 'VARCHAR[]' },
    { name: 'ips', sqlType: 'VARCHAR[]' },
    { name: 'roles', sqlType: 'VARCHAR[]' },
    { name: 'first_ts', sqlType: 'DOUBLE' },
    { name: 'last_ts', sqlType: 'DOUBLE' },
    { name: 'session_ips', sqlType: 'VARCHAR[]' },
    { name: 'session_starts', sqlType: 'DOUBLE[]' },
    { name: 'session_ends', sqlType: 'DOUBLE[]' },
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

/**
 * Joined into every Zeek log row at ingest, from what identity knew at the record's time: the
 * host key of each endpoint (`name:DC1`, `mac:…`, `ip:…`; unset for external addresses) and the
 * account the record names, normalised (`corp\alice`). Pivots by host and account use them.
 */
const JOINED: readonly Column[] = [
  { name: '_orig_host', sqlType: 'VARCHAR' },
  { name: '_resp_host', sqlType: 'VARCHAR' },
  { name: '_account', sqlType: 'VARCHAR' },
];
const EXTRA: Column = { name: '_extra', sqlType: 'JSON' };

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
    cols = own ? [...cols, EXTRA] : [...cols, ...JOINED, EXTRA];
    cache.set(log, cols);
  }
  return cols;
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
