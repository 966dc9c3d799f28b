/**
 * The SQL the DuckDB store builds around the search language: literals, a timeline subject's
 * conditions, placeholders renumbered across log types, one statement over several log types,
 * and DuckDB values turned into plain JSON. Pure functions; the store runs what they build.
 */
import { ident } from './columns.js';
import type { ColumnInfo } from './query.js';
import type { Row, TimelineSubject } from './store.js';

export const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** DuckDB values → plain JSON values: BIGINT → number (string when beyond 2^53), others by kind. */
function plainValue(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(v)
      : v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plainValue);
  if (v instanceof Date) return v.toISOString();
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plainValue(x)]),
    );
  }
  return String(v);
}

/** Columns that hold an endpoint address, in the logs that have them. */
const ADDRESS_COLUMNS = ['id.orig_h', 'id.resp_h', 'client_addr', 'assigned_addr', 'host', 'src', 'dst'];

/**
 * The conditions (ORed) selecting a timeline subject's rows in a log with these columns, its
 * parameters pushed to `params`; undefined when the log cannot hold the subject. One condition
 * per column, so each can be pushed into the Parquet scan (and its bloom filters) on its own. Zeek logs match
 * hosts by the joined `_orig_host`/`_resp_host` keys and accounts by `_account`; Vigil's own
 * tables (`vigil_detection`, `vigil_host_score`, `vigil_response`) by their `host` key.
 */
export function subjectCondition(
  subject: TimelineSubject,
  names: ReadonlySet<string>,
  params: (string | number)[],
): string[] | undefined {
  const list = (values: readonly string[]): string =>
    values
      .map((v) => {
        params.push(v);
        return `$${params.length}`;
      })
      .join(', ');
  if ('ips' in subject) {
    const cols = ADDRESS_COLUMNS.filter((c) => names.has(c));
    if (cols.length === 0 || subject.ips.length === 0) return undefined;
    const values = list(subject.ips);
    return cols.map((c) => `${ident(c)} IN (${values})`);
  }
  if ('hosts' in subject) {
    if (subject.hosts.length === 0) return undefined;
    if (names.has('_orig_host')) {
      const values = list(subject.hosts);
      return [`_orig_host IN (${values})`, `_resp_host IN (${values})`];
    }
    // Vigil's event tables by their host key; `vigil_host` is the directory, not an event.
    return names.has('host') && !names.has('id.orig_h') && !names.has('keys')
      ? [`host IN (${list(subject.hosts)})`]
      : undefined;
  }
  return names.has('_account') ? [`_account = ${list([subject.account])}`] : undefined;
}

/**
 * A compiled WHERE renumbered to follow the `params` already pushed (one statement, many logs).
 * Only the parameters its SQL uses are pushed: DuckDB refuses values beyond the highest placeholder.
 */
export function shiftParams(
  where: { sql: string; params: readonly (string | number)[] },
  params: (string | number)[],
): string {
  const renumbered = new Map<number, number>();
  return where.sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n);
    let j = renumbered.get(i);
    if (j === undefined) {
      params.push(where.params[i - 1]!);
      j = params.length;
      renumbered.set(i, j);
    }
    return `$${j}`;
  });
}

/** `YYYY-MM-DD` of a stored file, from its `_day=` partition directory. */
export function dayOfFile(file: string): string {
  const i = file.lastIndexOf('/_day=');
  return file.slice(i + 6, i + 16);
}

/** One log type's share of a multi-log statement. */
export interface UnionPart {
  readonly log: string;
  /** The view, or `read_parquet([...])` of some of its files. */
  readonly from: string;
  /** Conditions ORed (one UNION ALL branch each), and the time bounds ANDed to each. */
  readonly branches: readonly string[];
  readonly bounds: string;
}

export function plainRow(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const k in r) out[k] = plainValue(r[k]);
  return out;
}

/**
 * One statement over several log types (UNION ALL BY NAME), one branch per OR'ed condition. A
 * column name whose type differs between them (`service` is text in conn, a set in others)
 * travels as JSON text and is decoded back, so each row keeps its own log's types; other logs'
 * columns are dropped from each row.
 */
export function unionSql(
  parts: readonly UnionPart[],
  what: '*' | 'ts',
  columnsOf: (log: string) => readonly ColumnInfo[],
): { sql: string; decode: (r: Row) => Row } {
  const types = new Map<string, Set<string>>();
  for (const p of parts)
    for (const c of columnsOf(p.log)) {
      const t = types.get(c.name) ?? new Set<string>();
      t.add(c.sqlType);
      types.set(c.name, t);
    }
  const mixed = new Set([...types].filter(([, t]) => t.size > 1).map(([n]) => n));
  const sql = parts
    .flatMap((p) => {
      const own = columnsOf(p.log).filter((c) => mixed.has(c.name));
      const select =
        what === 'ts'
          ? 'ts'
          : `*${own.length ? ` REPLACE (${own.map((c) => `to_json(${ident(c.name)}) AS ${ident(c.name)}`).join(', ')})` : ''}`;
      return p.branches.map((b, k) => {
        const earlier = p.branches
          .slice(0, k)
          .map((e) => ` AND NOT coalesce(${e}, FALSE)`)
          .join('');
        return `SELECT ${select} FROM ${p.from} WHERE (${b})${earlier}${p.bounds}`;
      });
    })
    .join(what === 'ts' ? ' UNION ALL ' : ' UNION ALL BY NAME ');
  // Each row's fields in its own log's column order (the union's order is the first log's).
  const order = new Map(parts.map((p) => [p.log, [...columnsOf(p.log).map((c) => c.name), '_log']]));
  const decode = (r: Row): Row => {
    const out: Row = {};
    for (const k of order.get(r._log as string) ?? Object.keys(r)) {
      const v = r[k];
      if (v === null || v === undefined) continue;
      out[k] = mixed.has(k) && typeof v === 'string' ? JSON.parse(v) : v;
    }
    return out;
  };
  return { sql, decode };
}
