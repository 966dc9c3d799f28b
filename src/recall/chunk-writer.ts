/**
 * Records of one log type → one Parquet file, through DuckDB's appender: values go column by
 * column into data chunks (2,048 rows, DuckDB's vector size) of an in-memory staging table, then
 * one `COPY` writes the Parquet file. This replaced NDJSON text + `read_ndjson`, which paid
 * `JSON.stringify` per record in JS and a JSON parse per record in DuckDB (bench:recall has the
 * ratio).
 *
 * Staging types are chosen for the cheapest write from JS, and the `COPY` casts to the stored
 * types: numbers stage as DOUBLE (a JS number is one; BIGINT would need a BigInt per value),
 * lists and `_extra` stage as JSON text. A value whose JS type does not fit its column (a
 * string where the schema says count) is never dropped: it goes to `_extra` under its name.
 */
import {
  BOOLEAN,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBType,
  VARCHAR,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { ZeekRecord } from '../model/records.js';
import { type Column, columnsFor, ident } from './columns.js';
import type { RowContext } from './store.js';

type Kind = 'string' | 'number' | 'boolean' | 'list' | 'extra' | 'orig_host' | 'resp_host' | 'account';

interface Plan {
  /** The log's two staging tables, raw names (the appender takes them unquoted). */
  readonly tables: readonly [string, string];
  readonly columns: readonly Column[];
  readonly kinds: readonly Kind[];
  readonly types: readonly DuckDBType[];
  /** The SELECT list that casts staging columns to stored types, in column order. */
  readonly select: string;
  /** Kind of each record field that has a column; joined and `_extra` columns are not fields. */
  readonly kindByName: ReadonlyMap<string, Kind>;
}

const CHUNK_ROWS = 2048;
/** Chunks filled between yields to the event loop (~16k rows, a few tens of milliseconds). */
const YIELD_EVERY_CHUNKS = 8;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function kindOf(c: Column): Kind {
  if (c.name === '_extra') return 'extra';
  if (c.name === '_orig_host') return 'orig_host';
  if (c.name === '_resp_host') return 'resp_host';
  if (c.name === '_account') return 'account';
  if (c.sqlType.endsWith('[]')) return 'list';
  if (c.sqlType === 'DOUBLE' || c.sqlType === 'BIGINT') return 'number';
  if (c.sqlType === 'BOOLEAN') return 'boolean';
  return 'string';
}

function castOf(c: Column, kind: Kind): string {
  const col = ident(c.name);
  switch (kind) {
    case 'list':
      return `CAST(from_json(${col}, '["${c.sqlType.slice(0, -2)}"]') AS ${c.sqlType}) AS ${col}`;
    case 'extra':
      return `CAST(${col} AS JSON) AS ${col}`;
    case 'number':
      return c.sqlType === 'BIGINT' ? `CAST(${col} AS BIGINT) AS ${col}` : col;
    default:
      return col;
  }
}

/** One Parquet file to write: records of one log type. */
export interface ParquetGroup {
  readonly log: string;
  readonly records: readonly ZeekRecord[];
  readonly file: string;
}

export class ChunkWriter {
  private readonly plans = new Map<string, Plan>();

  /**
   * `appends` fills staging tables (JS, main thread); each of `lanes` runs COPYs in turn (DuckDB
   * threads), so groups' COPYs overlap each other and the next group's fill. A small group's
   * COPY keeps one thread busy: with one lane the other core idled while JS waited for it. Each
   * log type has two staging tables.
   */
  constructor(
    private readonly appends: DuckDBConnection,
    private readonly lanes: readonly DuckDBConnection[],
  ) {
    this.copyChains = lanes.map(() => Promise.resolve());
  }

  private async plan(log: string): Promise<Plan> {
    let p = this.plans.get(log);
    if (p) return p;
    const columns = columnsFor(log);
    const kinds = columns.map(kindOf);
    const types = kinds.map((k) => (k === 'number' ? DOUBLE : k === 'boolean' ? BOOLEAN : VARCHAR));
    const tables = [`_stage_${log}_0`, `_stage_${log}_1`] as const;
    const defs = columns.map((c, i) => `${ident(c.name)} ${types[i]!.toString()}`).join(', ');
    for (const t of tables) await this.appends.run(`CREATE OR REPLACE TABLE ${ident(t)} (${defs})`);
    p = {
      tables,
      columns,
      kinds,
      types,
      select: columns.map((c, i) => castOf(c, kinds[i]!)).join(', '),
      kindByName: new Map(
        columns.flatMap((c, i) => (isField(kinds[i]!) ? [[c.name, kinds[i]!] as const] : [])),
      ),
    };
    this.plans.set(log, p);
    return p;
  }

  /** The COPY queue (one at a time, in order), and per staging table its COPY still to finish. */
  private readonly copyChains: Promise<unknown>[];
  private nextLane = 0;
  private readonly tableBusy = new Map<string, Promise<unknown>>();
  private readonly slots = new Map<string, number>();

  /**
   * Fills the staging tables with the groups and queues their COPYs; resolves once everything is
   * staged, with `written`: settles when every file is written (zstd plus `parquetOptions`), and
   * rejects with the first failure after every COPY of this call has settled. The next call can
   * stage while this one's COPYs run (each log type has two staging tables). Calls must not
   * overlap; the store serialises them.
   */
  async stage(
    groups: readonly ParquetGroup[],
    context?: RowContext,
    parquetOptions = ', COMPRESSION zstd',
  ): Promise<{ written: Promise<void> }> {
    const all: Promise<void>[] = [];
    let failure: { reason: unknown } | undefined;
    try {
      for (const g of groups) {
        const p = await this.plan(g.log);
        const slot = (this.slots.get(g.log) ?? 1) ^ 1;
        this.slots.set(g.log, slot);
        const table = p.tables[slot]!;
        await this.tableBusy.get(table);
        await this.append(p, table, g.records, context);
        const lane = this.nextLane++ % this.lanes.length;
        const copy = this.copyChains[lane]!.then(() =>
          this.copy(this.lanes[lane]!, p, table, g.file, parquetOptions),
        );
        this.copyChains[lane] = copy.catch(() => undefined);
        this.tableBusy.set(table, this.copyChains[lane]!);
        all.push(copy);
      }
    } catch (reason) {
      failure = { reason };
    }
    const written = (async () => {
      // Nothing of this call may still run against the staging tables when it settles.
      const settled = await Promise.allSettled(all);
      const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      const first = failure ?? rejected;
      if (first) throw first.reason;
    })();
    if (failure) {
      await written.catch(() => undefined);
      throw failure.reason;
    }
    return { written };
  }

  /** Stages and waits until every file is written. */
  async writeAll(
    groups: readonly ParquetGroup[],
    context?: RowContext,
    parquetOptions = ', COMPRESSION zstd',
  ): Promise<void> {
    const { written } = await this.stage(groups, context, parquetOptions);
    await written;
  }

  private async append(
    p: Plan,
    table: string,
    records: readonly ZeekRecord[],
    context: RowContext | undefined,
  ): Promise<void> {
    const extras = this.extras(p, records);
    const appender = await this.appends.createAppender(table);
    try {
      for (let start = 0; start < records.length; start += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, records.length - start);
        const chunk = DuckDBDataChunk.create(p.types, n);
        for (let c = 0; c < p.columns.length; c++) {
          this.fill(duckdb.data_chunk_get_vector(chunk.chunk, c), p, c, records, start, n, extras, context);
        }
        appender.appendDataChunk(chunk);
        // Let the event loop breathe (API requests, SSE) in a big group: a 50,000-record part
        // would otherwise hold it for a few hundred milliseconds.
        if ((start / CHUNK_ROWS) % YIELD_EVERY_CHUNKS === YIELD_EVERY_CHUNKS - 1) await yieldToLoop();
      }
    } catch (err) {
      // Nothing half-written may reach the next COPY of this staging table.
      appender.clear();
      throw err;
    } finally {
      appender.closeSync();
    }
  }

  private async copy(
    conn: DuckDBConnection,
    p: Plan,
    table: string,
    file: string,
    parquetOptions: string,
  ): Promise<void> {
    const path = `'${file.replaceAll("'", "''")}'`;
    try {
      await conn.run(
        `COPY (SELECT ${p.select} FROM ${ident(table)}) TO ${path} (FORMAT parquet${parquetOptions})`,
      );
    } finally {
      // A fresh table, not DELETE: deleted rows stay in an in-memory table's row groups, so
      // appends and scans would slow as the store runs.
      await conn.run(`CREATE OR REPLACE TABLE ${ident(table)} AS FROM ${ident(table)} LIMIT 0`);
    }
  }

  /** `_extra` JSON per record: fields the log's columns do not have, or values that do not fit. */
  private extras(p: Plan, records: readonly ZeekRecord[]): (string | null)[] {
    const out: (string | null)[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      let extra: Record<string, unknown> | undefined;
      for (const k in rec) {
        if (k === '_path') continue;
        const v = rec[k];
        if (v === undefined || v === null) continue;
        const kind = p.kindByName.get(k);
        if (kind === undefined || !fits(kind, v)) {
          extra ??= {};
          extra[k] = v;
        }
      }
      out[i] = extra ? JSON.stringify(extra) : null;
    }
    return out;
  }

  private fill(
    vector: duckdb.Vector,
    p: Plan,
    c: number,
    records: readonly ZeekRecord[],
    start: number,
    n: number,
    extras: readonly (string | null)[],
    context: RowContext | undefined,
  ): void {
    const kind = p.kinds[c]!;
    const name = p.columns[c]!.name;
    const out = new VectorWriter(vector, n);
    // One loop per kind: this runs once per stored value.
    switch (kind) {
      case 'string':
        for (let i = 0; i < n; i++) {
          const v = records[start + i]![name];
          if (typeof v === 'string') out.string(i, v);
          else out.null(i);
        }
        break;
      case 'number': {
        const data = out.doubles();
        for (let i = 0; i < n; i++) {
          const v = records[start + i]![name];
          if (typeof v === 'number' && Number.isFinite(v)) data[i] = v;
          else out.null(i);
        }
        break;
      }
      case 'boolean': {
        const data = out.bytes();
        for (let i = 0; i < n; i++) {
          const v = records[start + i]![name];
          if (typeof v === 'boolean') data[i] = v ? 1 : 0;
          else out.null(i);
        }
        break;
      }
      case 'list':
        for (let i = 0; i < n; i++) {
          const v = records[start + i]![name];
          if (Array.isArray(v)) out.string(i, JSON.stringify(v));
          else out.null(i);
        }
        break;
      case 'extra':
        for (let i = 0; i < n; i++) out.maybe(i, extras[start + i]!);
        break;
      case 'orig_host':
      case 'resp_host': {
        const field = kind === 'orig_host' ? 'id.orig_h' : 'id.resp_h';
        for (let i = 0; i < n; i++) {
          const rec = records[start + i]!;
          const ip = rec[field];
          out.maybe(i, context && typeof ip === 'string' ? context.hostOf(ip, rec.ts) : undefined);
        }
        break;
      }
      case 'account':
        for (let i = 0; i < n; i++) out.maybe(i, context?.accountOf(records[start + i]!));
        break;
    }
    out.done();
  }
}

/** Scratch buffers for one column of one chunk at a time (filled, then copied in by `done`). */
const DOUBLES = new Float64Array(CHUNK_ROWS);
const BYTES = new Uint8Array(CHUNK_ROWS);
const VALIDITY = new Uint8Array(CHUNK_ROWS / 8);

/**
 * Writes one column of a data chunk through the official low-level binding
 * (`@duckdb/node-bindings`, which `@duckdb/node-api` is built on): doubles, booleans and the
 * validity mask go into plain typed arrays and are copied into the vector once; strings are one
 * call each. The node-api vector classes cache every value and allocate a BigInt per validity
 * bit; on this path that was a third of the store's time on the pipeline's thread.
 */
class VectorWriter {
  private nulls = false;
  private data: 'doubles' | 'bytes' | undefined;

  constructor(
    private readonly vector: duckdb.Vector,
    private readonly n: number,
  ) {
    VALIDITY.fill(0xff, 0, Math.ceil(n / 64) * 8);
  }

  string(i: number, v: string): void {
    duckdb.vector_assign_string_element(this.vector, i, v);
  }

  maybe(i: number, v: string | null | undefined): void {
    if (v === null || v === undefined) this.null(i);
    else duckdb.vector_assign_string_element(this.vector, i, v);
  }

  /** Row i is unset (a 64-bit little-endian mask, bit i = row i). */
  null(i: number): void {
    this.nulls = true;
    VALIDITY[i >> 3]! &= ~(1 << (i & 7));
  }

  doubles(): Float64Array {
    this.data = 'doubles';
    return DOUBLES;
  }

  bytes(): Uint8Array {
    this.data = 'bytes';
    return BYTES;
  }

  /** Copies the filled buffers into the vector. */
  done(): void {
    if (this.data === 'doubles') duckdb.copy_data_to_vector(this.vector, 0, DOUBLES.buffer, 0, this.n * 8);
    if (this.data === 'bytes') duckdb.copy_data_to_vector(this.vector, 0, BYTES.buffer, 0, this.n);
    if (this.nulls) {
      duckdb.vector_ensure_validity_writable(this.vector);
      duckdb.copy_data_to_vector_validity(this.vector, 0, VALIDITY.buffer, 0, Math.ceil(this.n / 64) * 8);
    }
  }
}

function isField(kind: Kind): boolean {
  return kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'list';
}

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'list':
      return Array.isArray(v);
    default:
      return true;
  }
}
