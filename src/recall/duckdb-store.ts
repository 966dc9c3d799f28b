/**
 * The embedded Recall store: DuckDB (official `@duckdb/node-api`, prebuilt binding from npm)
 * over Parquet files laid out `<root>/_log=<type>/_day=<YYYY-MM-DD>/<part>-<n>.parquet`, so
 * DuckDB, ClickHouse or Spark can read the data directly (hive partitioning).
 *
 * Writes: a batch is split by (log, day), each group goes through DuckDB's appender into a
 * staging table and out as Parquet (zstd) in `staging/` (chunk-writer.ts); then one line in `commits.jsonl` (fsynced)
 * names the part and its files, then the files are renamed into place. On open, committed parts
 * whose renames did not finish are completed and everything else in staging is removed: a kill
 * at any point loses no committed batch and duplicates none (part names are deterministic, and a
 * committed part is never written again).
 *
 * Reads: one view per log type over an explicit list of Parquet files that passed a metadata
 * check (a corrupt file is reported in stats and skipped, never fatal). User SQL runs with
 * external access disabled outside the store directory, configuration locked, SELECT only.
 */

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import type { ZeekRecord } from '../model/records.js';
import { ChunkWriter, type ParquetGroup } from './chunk-writer.js';
import { columnsFor, dayOf, ident } from './columns.js';
import {
  dayOfFile,
  lit,
  plainRow,
  shiftParams,
  subjectCondition,
  type UnionPart,
  unionSql,
} from './duckdb-sql.js';
import {
  type ColumnInfo,
  type CompiledWhere,
  compileWhere,
  hostTerms,
  logsOf,
  type Node,
  parseQuery,
  QueryError,
} from './query.js';
import type {
  HistogramBucket,
  HostAddress,
  RecallStore,
  Row,
  RowContext,
  SearchOptions,
  SearchResult,
  StoreStats,
  TimelineSubject,
  TopValue,
} from './store.js';

const PART_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const LOG_NAME = /^[A-Za-z0-9_-]{1,100}$/;

interface Commit {
  readonly part: string;
  readonly files: string[];
  readonly rows: number;
  /** A compaction: these files' rows are now in `files`; they are deleted after the commit. */
  readonly replaces?: string[];
}

/**
 * Parquet options of compacted files (a day of one log type in one file, ordered by
 * `clusterKey`). DuckDB writes a bloom filter only for dictionary-encoded columns; `uid` is
 * unique per row, so the dictionary limit must exceed a row group (122,880 rows) and the string
 * dictionary page must hold its uids (~2.7 MB). Measured on 100M conn records (bench:recall:scale): `byUid` 1.72 s →
 * 0.08 s, for +12 bytes/record on disk (42.9 → 54.9). Smaller row groups (32k) cost more space
 * and made pivots slower; lz4_raw instead of zstd read 1.7× faster and cost +30 % disk.
 * Ingest writes parts without them: dictionary-encoding every column costs the writer 1.7× on
 * big parts and 3× on the pipeline's small ones; compaction pays it once, off the pipeline.
 */
export const PARQUET_OPTIONS =
  ', ROW_GROUP_SIZE 122880, DICTIONARY_SIZE_LIMIT 200000, STRING_DICTIONARY_PAGE_SIZE_LIMIT 4194304, BLOOM_FILTER_FALSE_POSITIVE_RATIO 0.01';

/**
 * Parquet options of parts as ingest writes them: zstd at level 1, the same size as the default
 * level 3 on Zeek logs and 1.09× the write rate (bench, one run); compaction rewrites them.
 */
const PART_OPTIONS = ', COMPRESSION zstd, COMPRESSION_LEVEL 1';

/**
 * How a compacted day file is ordered: by responder address, then time, where the log has one.
 * A rare address (the external IP an investigation starts from) then sits in one row group per
 * day instead of hundreds, and a day's rows compress better; time ranges inside a day are
 * still cut by the day partitions and the two-phase reads. At 10M conn records (bench:recall:
 * scale, one run): rare-IP timeline 0.31 → 0.18 s, 55.2 → 48.3 bytes/record, busy-host
 * timeline 0.054 → 0.061 s.
 */
export function clusterKey(columns: readonly { name: string }[]): string {
  return columns.some((c) => c.name === 'id.resp_h') ? '"id.resp_h", ts' : 'ts';
}

/** Compacted files are named so; a day holding only such a file needs no compaction. */
const COMPACT_PREFIX = 'compact-';

export class DuckDbStore implements RecallStore {
  private readonly committed = new Map<string, Commit>();
  private readonly files = new Map<string, string[]>();
  private readonly corrupt: string[] = [];
  private readonly dirtyLogs = new Set<string>();
  private commitFd: number | undefined;
  /** Staging, commits and retention run one at a time: each changes the file lists the views read. */
  private exclusive: Promise<unknown> = Promise.resolve();
  /** The latest part's commit: the next part commits after it. */
  private lastCommit: Promise<unknown> = Promise.resolve();
  /** Parts staged whose files are still being written. */
  private readonly inFlight = new Set<string>();
  /** Files replaced by a committed compaction, deleted at the next compaction, retention or close. */
  private readonly retired: string[] = [];
  private readonly writer: ChunkWriter;

  private constructor(
    readonly root: string,
    private readonly instance: DuckDBInstance,
    private readonly db: DuckDBConnection,
    /** The appender's own connection: filling yields to the event loop, queries go on `db`. */
    private readonly appends: DuckDBConnection,
    /** Connections that run ingest's COPYs (two lanes). */
    private readonly lanes: readonly DuckDBConnection[],
    /** Compaction's own connection: its long COPYs never hold up a lane. */
    private readonly compactor: DuckDBConnection,
  ) {
    this.writer = new ChunkWriter(appends, lanes);
  }

  static async open(dir: string): Promise<DuckDbStore> {
    const root = resolve(dir);
    mkdirSync(join(root, 'staging'), { recursive: true, mode: 0o700 });
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const db = await instance.connect();
    // Everything below runs confined to the store directory, settings locked: user SQL shares it.
    await db.run(`SET allowed_directories = [${lit(root)}]`);
    // Footers of many part files are read by every query: keep them (checked against mtime).
    await db.run('SET parquet_metadata_cache = true');
    await db.run('SET enable_external_access = false');
    await db.run('SET lock_configuration = true');
    const store = new DuckDbStore(
      root,
      instance,
      db,
      await instance.connect(),
      [await instance.connect(), await instance.connect()],
      await instance.connect(),
    );
    store.recover();
    await store.scanFiles();
    return store;
  }

  private recover(): void {
    const log = join(this.root, 'commits.jsonl');
    if (existsSync(log)) {
      const lines = readFileSync(log, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        try {
          const c = JSON.parse(line) as Commit;
          this.committed.set(c.part, c);
        } catch {
          // A torn last line is a commit that never completed: its files are still in staging.
          if (i < lines.length - 2)
            throw new Error(`recall: ${log}:${i + 1} is damaged; refusing to guess what was committed`);
        }
      });
    }
    const staging = join(this.root, 'staging');
    // In commit order: a compaction's replaced files go once its own file is in place.
    for (const c of this.committed.values()) {
      for (const rel of c.files) {
        const dest = join(this.root, rel);
        const tmp = join(staging, rel.replaceAll('/', '__'));
        if (!existsSync(dest) && existsSync(tmp)) {
          mkdirSync(join(dest, '..'), { recursive: true });
          renameSync(tmp, dest);
        }
      }
      for (const rel of c.replaces ?? []) rmSync(join(this.root, rel), { force: true });
    }
    for (const f of readdirSync(staging)) rmSync(join(staging, f), { force: true });
  }

  private async scanFiles(): Promise<void> {
    this.files.clear();
    this.corrupt.length = 0;
    for (const dir of readdirSync(this.root)) {
      if (!dir.startsWith('_log=')) continue;
      const log = dir.slice(5);
      const list: string[] = [];
      for (const day of readdirSync(join(this.root, dir))) {
        for (const f of readdirSync(join(this.root, dir, day)))
          if (f.endsWith('.parquet')) list.push(join(this.root, dir, day, f));
      }
      const ok: string[] = [];
      for (const f of list.sort()) if (await this.validParquet(f)) ok.push(f);
      this.files.set(log, ok);
      this.dirtyLogs.add(log);
    }
  }

  private async validParquet(file: string): Promise<boolean> {
    try {
      await this.db.runAndReadAll(`SELECT num_rows FROM parquet_file_metadata(${lit(file)})`);
      return true;
    } catch (err) {
      this.corrupt.push(`${relative(this.root, file)}: ${(err as Error).message.split('\n')[0]}`);
      return false;
    }
  }

  partRows(part: string): number | undefined {
    return this.committed.get(part)?.rows;
  }

  /**
   * Staging (JS fills DuckDB's staging tables) is serialised with other writes and retention;
   * the part's COPYs then run while the next part stages, and its commit (fsynced log line,
   * renames, file lists) takes the lock again once its files are written. Commits follow the
   * order of the calls, since COPYs run in order.
   */
  async appendPart(part: string, records: readonly ZeekRecord[], context?: RowContext): Promise<number> {
    if (!PART_NAME.test(part))
      throw new Error(`recall: part name ${JSON.stringify(part)} is not a safe file name`);
    const staged = await this.serialised(() => this.stagePart(part, records, context));
    if (!staged) return 0;
    const previous = this.lastCommit;
    const committed = (async () => {
      try {
        await staged.written;
      } finally {
        this.inFlight.delete(part);
      }
      // COPY lanes may finish out of order; commits keep the order of the calls.
      await previous;
      return this.serialised(async () => this.commit(part, staged.files, records.length));
    })();
    this.lastCommit = committed.catch(() => undefined);
    return committed;
  }

  private serialised<T>(f: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(f, f);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async stagePart(
    part: string,
    records: readonly ZeekRecord[],
    context?: RowContext,
  ): Promise<{ files: string[]; written: Promise<void> } | undefined> {
    if (this.committed.has(part) || this.inFlight.has(part) || records.length === 0) return undefined;
    const groups = new Map<string, ZeekRecord[]>();
    for (const r of records) {
      const log = LOG_NAME.test(r._path) ? r._path : 'unknown';
      const key = `${log}\u0000${dayOf(r.ts)}`;
      const rows = groups.get(key);
      if (rows) rows.push(r);
      else groups.set(key, [r]);
    }
    const staging = join(this.root, 'staging');
    const files: string[] = [];
    const writes: ParquetGroup[] = [];
    for (const [key, rows] of groups) {
      const [log, day] = key.split('\u0000') as [string, string];
      const rel = `_log=${log}/_day=${day}/${part}-${files.length}.parquet`;
      writes.push({ log, records: rows, file: join(staging, rel.replaceAll('/', '__')) });
      files.push(rel);
    }
    this.inFlight.add(part);
    try {
      const { written } = await this.writer.stage(writes, context, PART_OPTIONS);
      return { files, written };
    } catch (err) {
      this.inFlight.delete(part);
      throw err;
    }
  }

  /** The commit point: one fsynced line in the commit log. */
  private logCommit(commit: Commit): void {
    this.commitFd ??= openSync(join(this.root, 'commits.jsonl'), 'a', 0o600);
    writeSync(this.commitFd, `${JSON.stringify(commit)}\n`);
    fsyncSync(this.commitFd);
    this.committed.set(commit.part, commit);
  }

  private commit(part: string, files: readonly string[], rows: number): number {
    const staging = join(this.root, 'staging');
    this.logCommit({ part, files: [...files], rows });
    for (const rel of files) {
      const dest = join(this.root, rel);
      mkdirSync(join(dest, '..'), { recursive: true });
      renameSync(join(staging, rel.replaceAll('/', '__')), dest);
      const log = rel.slice(5, rel.indexOf('/'));
      const list = this.files.get(log);
      if (list) list.push(dest);
      else this.files.set(log, [dest]);
      this.dirtyLogs.add(log);
    }
    return rows;
  }

  /**
   * Rewrites each day of each log type that has more than one file (or only ingest-written
   * files) into one file ordered by `clusterKey`, with the bloom-filter options. Days from `before` on
   * (`YYYY-MM-DD`), or the newest day with `keepNewestDay` (a live run is still writing it), are
   * left alone. Crash-safe like a part: the
   * new file is written to staging, one commit line names it and the files it replaces, then it
   * is renamed into place and they are deleted (replayed on open). Returns the days compacted.
   */
  compact(o: { before?: string; keepNewestDay?: boolean } = {}): Promise<string[]> {
    return this.serialised(() => {
      const newest = o.keepNewestDay ? this.days({}).at(-1) : undefined;
      const before = [o.before, newest].filter((d): d is string => d !== undefined).sort()[0];
      return this.compactNow(before);
    });
  }

  private async compactNow(before: string | undefined): Promise<string[]> {
    this.deleteRetired();
    const done: string[] = [];
    for (const [log, files] of [...this.files]) {
      const byDay = new Map<string, string[]>();
      for (const f of files) {
        const d = dayOfFile(f);
        if (before !== undefined && d >= before) continue;
        byDay.set(d, [...(byDay.get(d) ?? []), f]);
      }
      for (const [day, group] of [...byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        if (group.length === 1 && basename(group[0]!).startsWith(COMPACT_PREFIX)) continue;
        const rel = `_log=${log}/_day=${day}/${COMPACT_PREFIX}${Date.now().toString(36)}${randomBytes(3).toString('hex')}.parquet`;
        const tmp = join(this.root, 'staging', rel.replaceAll('/', '__'));
        const source = `read_parquet([${group.map(lit).join(', ')}], union_by_name = true, hive_partitioning = false)`;
        // The log's columns in their order (NULL where older parts lack one), then any column
        // only older parts have: nothing is dropped.
        const have = (await this.rows(`DESCRIBE SELECT * FROM ${source}`, [])).map((r) =>
          String(r.column_name),
        );
        const canonical = columnsFor(log);
        const names = new Set(canonical.map((c) => c.name));
        const cols = [
          ...canonical.map((c) =>
            have.includes(c.name) ? ident(c.name) : `CAST(NULL AS ${c.sqlType}) AS ${ident(c.name)}`,
          ),
          ...have.filter((n) => !names.has(n)).map(ident),
        ].join(', ');
        await this.compactor.run(
          `COPY (SELECT ${cols} FROM ${source} ORDER BY ${clusterKey(canonical)}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd${PARQUET_OPTIONS})`,
        );
        const replaces = group.map((f) => relative(this.root, f));
        const rows = await this.rows(`SELECT num_rows AS n FROM parquet_file_metadata(${lit(tmp)})`, []);
        this.logCommit({ part: `compact:${rel}`, files: [rel], rows: Number(rows[0]?.n ?? 0), replaces });
        const dest = join(this.root, rel);
        renameSync(tmp, dest);
        // Deleted at the next write or on close, not now: a query may still be reading them.
        this.retired.push(...group);
        const gone = new Set(group);
        this.files.set(log, [...this.files.get(log)!.filter((f) => !gone.has(f)), dest]);
        this.dirtyLogs.add(log);
        done.push(`${log}/${day}`);
      }
    }
    return done;
  }

  /** (Re)creates the view of each log type whose file list changed. */
  private async refreshViews(): Promise<void> {
    for (const log of this.dirtyLogs) {
      const files = this.files.get(log) ?? [];
      if (files.length === 0) await this.db.run(`DROP VIEW IF EXISTS ${ident(log)}`);
      else {
        await this.db.run(
          `CREATE OR REPLACE VIEW ${ident(log)} AS SELECT * FROM read_parquet([${files.map(lit).join(', ')}], hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`,
        );
      }
    }
    this.dirtyLogs.clear();
  }

  /** Log types with data. */
  logs(): string[] {
    return [...this.files]
      .filter(([, f]) => f.length > 0)
      .map(([l]) => l)
      .sort();
  }

  private columns(log: string): ColumnInfo[] {
    return [...columnsFor(log), { name: '_day', sqlType: 'VARCHAR' }];
  }

  private async rows(sql: string, params: (string | number)[]): Promise<Row[]> {
    const reader = await this.db.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map(plainRow);
  }

  private timeBounds(o: SearchOptions, params: (string | number)[]): string {
    let sql = '';
    if (o.from !== undefined) {
      params.push(o.from);
      sql += ` AND ts >= $${params.length}`;
    }
    if (o.to !== undefined) {
      params.push(o.to);
      sql += ` AND ts < $${params.length}`;
    }
    return sql;
  }

  async search(query: string, o: SearchOptions = {}): Promise<SearchResult> {
    const tree = parseQuery(query);
    await this.refreshViews();
    const hosts = await this.resolveHostTerms(tree);
    const wanted = new Set(logsOf(tree) ?? this.logs());
    const limit = Math.min(o.limit ?? 100, 10_000);
    const offset = o.offset ?? 0;
    // Compiled once per log type; each day window reuses it.
    const compiled = new Map<string, CompiledWhere>();
    for (const log of wanted) {
      const where = this.files.get(log)?.length
        ? compileWhere(tree, log, this.columns(log), hosts)
        : undefined;
      if (where) compiled.set(log, where);
    }
    const rows = await this.windowed(o, limit + offset, 'DESC', (log, params) => {
      const where = compiled.get(log);
      return where ? [shiftParams(where, params)] : undefined;
    });
    return { rows: rows.slice(offset, offset + limit), logs: [...compiled.keys()].sort() };
  }

  async *stream(query: string, o: SearchOptions = {}): AsyncGenerator<Row[]> {
    const tree = parseQuery(query);
    await this.refreshViews();
    const hosts = await this.resolveHostTerms(tree);
    const parts: UnionPart[] = [];
    const params: (string | number)[] = [];
    for (const log of logsOf(tree) ?? this.logs()) {
      if (!this.files.get(log)?.length) continue;
      const where = compileWhere(tree, log, this.columns(log), hosts);
      if (!where) continue;
      const cond = shiftParams(where, params);
      parts.push({ log, from: ident(log), branches: [cond], bounds: this.timeBounds(o, params) });
    }
    if (parts.length === 0) return;
    const limit = o.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(o.limit))}` : '';
    const union = unionSql(parts, '*', (l) => this.columns(l));
    // Its own connection: a streaming result must not be cut off by other queries on `db`.
    const conn = await this.instance.connect();
    try {
      const result = await conn.stream(`SELECT * FROM (${union.sql}) ORDER BY ts${limit}`, params);
      for await (const rows of result.yieldRowObjectJs()) yield rows.map((r) => union.decode(plainRow(r)));
    } finally {
      conn.closeSync();
    }
  }

  async sql(text: string, limit = 1000): Promise<Row[]> {
    await this.refreshViews();
    const extracted = await this.db.extractStatements(text);
    if (extracted.count !== 1) throw new QueryError(`give exactly one statement (got ${extracted.count})`, 0);
    const prepared = await extracted.prepare(0);
    if (prepared.statementType !== StatementType.SELECT) {
      throw new QueryError('only SELECT is allowed (no writes, DDL, COPY, ATTACH, PRAGMA or SET)', 0);
    }
    const reader = await prepared.runAndReadUntil(limit);
    return reader.getRowObjectsJS().slice(0, limit).map(plainRow);
  }

  async byUid(uid: string): Promise<Row[]> {
    await this.refreshViews();
    const out: Row[] = [];
    for (const log of this.logs()) {
      const names = new Set(this.columns(log).map((c) => c.name));
      const conds: string[] = [];
      if (names.has('uid')) conds.push('"uid" = $1');
      if (names.has('fuid')) conds.push('"fuid" = $1');
      if (names.has('uids')) conds.push('list_contains("uids", $1)');
      if (names.has('conn_uids')) conds.push('list_contains("conn_uids", $1)');
      if (conds.length === 0) continue;
      for (const r of await this.rows(`SELECT * FROM ${ident(log)} WHERE ${conds.join(' OR ')} ORDER BY ts`, [
        uid,
      ])) {
        out.push({ _log: log, ...r });
      }
    }
    return out.sort((a, b) => (a.ts as number) - (b.ts as number));
  }

  /**
   * Reads forward in time through windows of day partitions, 1, 2, 4, … days wide, and stops as
   * soon as the page is full: the first page of a busy host costs one day's files, not the whole
   * store's (each window is one query over just its days' files, every log type at once).
   */
  async timeline(subject: TimelineSubject, o: SearchOptions = {}): Promise<Row[]> {
    await this.refreshViews();
    const limit = Math.min(o.limit ?? 500, 10_000);
    const offset = o.offset ?? 0;
    const rows = await this.windowed(o, limit + offset, 'ASC', (log, params) =>
      subjectCondition(subject, new Set(this.columns(log).map((c) => c.name)), params),
    );
    return rows.slice(offset, offset + limit);
  }

  /**
   * The first `need` rows in time order (ASC) or reverse (DESC) of every log type where `where`
   * gives conditions (ORed; pushing their parameters). Two phases, measured on 100M records
   * (bench:recall:scale): first only `ts` is read, from the oldest (ASC) or newest (DESC) day's
   * files, then if the page is not full from all the remaining days' at once; then the page's
   * rows in full, bounded to the time range phase one found. Each OR'ed condition is its own
   * UNION ALL branch (excluding rows an earlier branch took), so DuckDB pushes it into the
   * Parquet scan and its bloom filters; an OR above the scan would decode every column of every
   * row. The first page of a busy host costs about one day's files.
   */
  private async windowed(
    o: SearchOptions,
    need: number,
    order: 'ASC' | 'DESC',
    where: (log: string, params: (string | number)[]) => string[] | undefined,
  ): Promise<Row[]> {
    const days = this.days(o);
    if (order === 'DESC') days.reverse();
    const found: number[] = [];
    for (const window of [days.slice(0, 1), days.slice(1)]) {
      if (window.length === 0 || found.length >= need) break;
      const q = this.parts(new Set(window), o, where);
      if (!q) continue;
      const rows = await this.rows(
        `SELECT ts FROM (${unionSql(q.parts, 'ts', (l) => this.columns(l)).sql}) ORDER BY ts ${order} LIMIT ${need - found.length}`,
        q.params,
      );
      for (const r of rows) found.push(Number(r.ts));
    }
    if (found.length === 0) return [];
    const lo = Math.min(...found);
    const hi = Math.max(...found);
    const span = new Set(days.filter((d) => d >= dayOf(lo) && d <= dayOf(hi)));
    const q = this.parts(span, o, where, [lo, hi]);
    if (!q) return [];
    const union = unionSql(q.parts, '*', (l) => this.columns(l));
    const rows = await this.rows(`SELECT * FROM (${union.sql}) ORDER BY ts ${order} LIMIT ${need}`, q.params);
    return rows.map(union.decode);
  }

  /** Each log type's share of a statement over the files of some days; undefined if none. */
  private parts(
    days: ReadonlySet<string>,
    o: SearchOptions,
    where: (log: string, params: (string | number)[]) => string[] | undefined,
    range?: readonly [number, number],
  ): { parts: UnionPart[]; params: (string | number)[] } | undefined {
    const parts: UnionPart[] = [];
    const params: (string | number)[] = [];
    for (const log of this.logs()) {
      const files = this.files.get(log)!.filter((f) => days.has(dayOfFile(f)));
      if (files.length === 0) continue;
      const branches = where(log, params);
      if (branches === undefined || branches.length === 0) continue;
      let bounds = this.timeBounds(o, params);
      if (range) {
        params.push(range[0], range[1]);
        bounds += ` AND ts >= $${params.length - 1} AND ts <= $${params.length}`;
      }
      parts.push({
        log,
        from: `read_parquet([${files.map(lit).join(', ')}], hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`,
        branches,
        bounds,
      });
    }
    return parts.length > 0 ? { parts, params } : undefined;
  }

  /** The day partitions holding data, ascending, within the options' time bounds. */
  private days(o: SearchOptions): string[] {
    const days = new Set<string>();
    for (const files of this.files.values()) for (const f of files) days.add(dayOfFile(f));
    const from = o.from !== undefined ? dayOf(o.from) : undefined;
    const to = o.to !== undefined ? dayOf(o.to) : undefined;
    return [...days].filter((d) => (from === undefined || d >= from) && (to === undefined || d <= to)).sort();
  }

  /** `_host:` values of a query → every form the host's rows carry. */
  private async resolveHostTerms(tree: Node | undefined): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const v of hostTerms(tree)) if (!out.has(v)) out.set(v, await this.hostKeys(v));
    return out;
  }

  async hostKeys(host: string): Promise<string[]> {
    await this.refreshViews();
    const name = host.trim().toUpperCase();
    const keys = new Set([host, `name:${name}`]);
    if (this.files.get('vigil_host')?.length) {
      const rows = await this.rows(
        `SELECT DISTINCT unnest(keys) AS k FROM vigil_host
          WHERE host = $1 OR list_contains(keys, $1) OR list_contains(names, $2)`,
        [host, name],
      );
      for (const r of rows) if (typeof r.k === 'string') keys.add(r.k);
    }
    return [...keys];
  }

  async hostAddresses(keys: readonly string[]): Promise<HostAddress[]> {
    await this.refreshViews();
    if (keys.length === 0 || !this.files.get('vigil_host')?.length) return [];
    // From the identity sessions stored with each host (small table), not a scan of the logs.
    const rows = await this.rows(
      `SELECT ip, min(s) AS first, max(e) AS last FROM (
         SELECT unnest(session_ips) AS ip, unnest(session_starts) AS s, unnest(session_ends) AS e
           FROM vigil_host WHERE list_has_any(keys, [${keys.map((_, i) => `$${i + 1}`).join(', ')}]))
       GROUP BY ip ORDER BY first`,
      [...keys],
    );
    return rows.map((r) => ({ ip: String(r.ip), first: Number(r.first), last: Number(r.last) }));
  }

  async histogram(query: string, bucketSeconds: number, o: SearchOptions = {}): Promise<HistogramBucket[]> {
    if (!(bucketSeconds > 0)) throw new QueryError('bucket must be a positive number of seconds', 0);
    const tree = parseQuery(query);
    await this.refreshViews();
    const hosts = await this.resolveHostTerms(tree);
    const counts = new Map<number, number>();
    for (const log of logsOf(tree) ?? this.logs()) {
      if (!this.files.get(log)?.length) continue;
      const where = compileWhere(tree, log, this.columns(log), hosts);
      if (!where) continue;
      const params = [...where.params, bucketSeconds];
      const b = `$${params.length}`;
      const bounds = this.timeBounds(o, params);
      const rows = await this.rows(
        `SELECT floor(ts / ${b}) * ${b} AS bucket, count(*) AS n FROM ${ident(log)} WHERE ${where.sql}${bounds} GROUP BY 1`,
        params,
      );
      for (const r of rows) counts.set(Number(r.bucket), (counts.get(Number(r.bucket)) ?? 0) + Number(r.n));
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([ts, count]) => ({ ts, count }));
  }

  async top(query: string, field: string, n = 10, o: SearchOptions = {}): Promise<TopValue[]> {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(field)) throw new QueryError(`not a field name: ${field}`, 0);
    const limit = Math.min(Math.max(1, Math.floor(n)), 10_000);
    const tree = parseQuery(query);
    await this.refreshViews();
    const hosts = await this.resolveHostTerms(tree);
    const counts = new Map<string, number>();
    for (const log of logsOf(tree) ?? this.logs()) {
      if (!this.files.get(log)?.length) continue;
      const col = this.columns(log).find((c) => c.name === field);
      if (!col) continue;
      const where = compileWhere(tree, log, this.columns(log), hosts);
      if (!where) continue;
      const params = [...where.params];
      const bounds = this.timeBounds(o, params);
      // A set or vector counts each element: `top answers` means the answers, not the lists.
      const value = col.sqlType.endsWith('[]') ? `unnest(${ident(field)})` : ident(field);
      const rows = await this.rows(
        `SELECT v, count(*) AS n FROM (SELECT ${value} AS v FROM ${ident(log)} WHERE ${where.sql}${bounds})
          WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC LIMIT ${limit}`,
        params,
      );
      for (const r of rows) {
        const k = typeof r.v === 'string' ? r.v : JSON.stringify(r.v);
        counts.set(k, (counts.get(k) ?? 0) + Number(r.n));
      }
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([value, count]) => ({ value, count }));
  }

  async stats(): Promise<StoreStats> {
    const logs: StoreStats['logs'] = [];
    for (const log of this.logs()) {
      const files = this.files.get(log)!;
      const days = [...new Set(files.map(dayOfFile))].sort();
      let bytes = 0;
      for (const f of files) bytes += statSync(f).size;
      const r = await this.rows(
        `SELECT coalesce(sum(num_rows), 0) AS n FROM parquet_file_metadata([${files.map(lit).join(', ')}])`,
        [],
      );
      logs.push({
        log,
        days: days.length,
        first: days[0]!,
        last: days.at(-1)!,
        files: files.length,
        // Days still made of parts as ingest wrote them (compaction merges them).
        uncompacted: new Set(files.filter((f) => !basename(f).startsWith(COMPACT_PREFIX)).map(dayOfFile))
          .size,
        bytes,
        rows: Number(r[0]?.n ?? 0),
      });
    }
    return {
      logs,
      bytes: logs.reduce((a, l) => a + l.bytes, 0),
      rows: logs.reduce((a, l) => a + l.rows, 0),
      corrupt: [...this.corrupt],
    };
  }

  retain(policy: { maxAgeDays?: number; maxBytes?: number }, now = Date.now() / 1000): Promise<string[]> {
    return this.serialised(() => this.retainNow(policy, now));
  }

  private deleteRetired(): void {
    for (const f of this.retired.splice(0)) rmSync(f, { force: true });
  }

  private async retainNow(
    policy: { maxAgeDays?: number; maxBytes?: number },
    now: number,
  ): Promise<string[]> {
    this.deleteRetired();
    const days: { dir: string; day: string; bytes: number }[] = [];
    for (const dir of readdirSync(this.root)) {
      if (!dir.startsWith('_log=')) continue;
      for (const d of readdirSync(join(this.root, dir))) {
        const path = join(this.root, dir, d);
        let bytes = 0;
        for (const f of readdirSync(path)) bytes += statSync(join(path, f)).size;
        days.push({ dir: path, day: d.slice(5), bytes });
      }
    }
    days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    const removed: string[] = [];
    const cutoff = policy.maxAgeDays !== undefined ? dayOf(now - policy.maxAgeDays * 86_400) : undefined;
    let total = days.reduce((a, d) => a + d.bytes, 0);
    for (const d of days) {
      const tooOld = cutoff !== undefined && d.day < cutoff;
      const tooBig = policy.maxBytes !== undefined && total > policy.maxBytes;
      if (!tooOld && !tooBig) continue;
      rmSync(d.dir, { recursive: true, force: true });
      total -= d.bytes;
      removed.push(relative(this.root, d.dir));
    }
    if (removed.length > 0) await this.scanFiles();
    return removed;
  }

  async close(): Promise<void> {
    await this.exclusive;
    this.deleteRetired();
    if (this.commitFd !== undefined) closeSync(this.commitFd);
    this.commitFd = undefined;
    for (const c of [this.appends, ...this.lanes, this.compactor]) c.closeSync();
    this.db.closeSync();
    this.instance.closeSync();
  }
}
