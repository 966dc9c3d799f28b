/**
 * The Recall backend seam: what the rest of Vigil asks of the metadata store. Rows come back as
 * plain JSON values; no backend type leaks past this interface, so a second backend (ClickHouse)
 * can stand in later.
 */
import type { ZeekRecord } from '../model/records.js';

export type Row = Record<string, unknown>;

/** Host keys and account joined into each stored row (what the pipeline knew at record time). */
export interface RowContext {
  /** Host key of an internal address at a time (`name:DC1`, `ip:10.1.2.3`); undefined if external. */
  hostOf(ip: string, ts: number): string | undefined;
  /** The normalised account a record names (`corp\alice`), if any. */
  accountOf(rec: ZeekRecord): string | undefined;
}

export interface SearchOptions {
  /** Event-time bounds, epoch seconds (inclusive from, exclusive to). */
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  readonly offset?: number;
}

export interface SearchResult {
  /** Rows with `_log` naming their log type, newest first. */
  readonly rows: Row[];
  /** Log types searched (those that have every field the query names). */
  readonly logs: string[];
}

/** Who a timeline is about. */
export type TimelineSubject =
  | { readonly ips: readonly string[] }
  | { readonly hosts: readonly string[] }
  | { readonly account: string };

export interface HostAddress {
  readonly ip: string;
  readonly first: number;
  readonly last: number;
}

export interface TopValue {
  /** The value as text (numbers and booleans as JSON). */
  readonly value: string;
  readonly count: number;
}

export interface HistogramBucket {
  readonly ts: number;
  readonly count: number;
}

export interface StoreStats {
  readonly logs: {
    log: string;
    days: number;
    /** Oldest and newest day partition, `YYYY-MM-DD`. */
    first: string;
    last: string;
    files: number;
    /** Days not compacted yet. */
    uncompacted: number;
    bytes: number;
    rows: number;
  }[];
  readonly bytes: number;
  readonly rows: number;
  readonly corrupt: string[];
}

export interface RecallStore {
  /**
   * Appends one batch under a part name. The same part name is written at most once: a batch
   * re-sent after a crash is skipped (exactly-once by name). Returns rows written (0 if skipped).
   */
  appendPart(part: string, records: readonly ZeekRecord[], context?: RowContext): Promise<number>;
  /** Rows committed under a part name, or undefined when the part was never committed. */
  partRows(part: string): number | undefined;
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  /**
   * Every match of a query across logs in time order (oldest first), chunk by chunk, without
   * holding the result in memory; `limit` caps it when given. Rows carry `_log`.
   */
  stream(query: string, options?: SearchOptions): AsyncGenerator<Row[]>;
  /** Read-only SQL: one SELECT over the log views; no writes, DDL or file access. */
  sql(text: string, limit?: number): Promise<Row[]>;
  /** Every record with this uid (or fuid), across all logs, in time order. */
  byUid(uid: string): Promise<Row[]>;
  /**
   * A subject's records and Vigil's detections, scores and responses about it, interleaved in
   * time order, paged: by addresses (any endpoint), by host keys (every IP the host held, as
   * joined at ingest), or by account.
   */
  timeline(subject: TimelineSubject, options?: SearchOptions): Promise<Row[]>;
  /**
   * Every key a host has had (merged keys too) given a key, alias or bare name (`DC1`), from the
   * stored `vigil_host` table; always includes the input and `name:<NAME>`.
   */
  hostKeys(host: string): Promise<string[]>;
  /** The addresses a host (its keys) held, first and last time each, from its stored identity sessions. */
  hostAddresses(keys: readonly string[]): Promise<HostAddress[]>;
  /**
   * The `n` most frequent values of a field among a query's matches, across logs (each element
   * of a set or vector counted). Per log type the top `n` are exact; summed across log types a
   * value outside one log's top `n` may be under-counted there.
   */
  top(query: string, field: string, n?: number, options?: SearchOptions): Promise<TopValue[]>;
  /** Record counts per bucket for a query. */
  histogram(query: string, bucketSeconds: number, options?: SearchOptions): Promise<HistogramBucket[]>;
  stats(): Promise<StoreStats>;
  /**
   * Merges each day of each log type into one file laid out for pivots, with the backend's
   * query aids (bloom filters); days from `before`, or the newest day with `keepNewestDay`, are left alone.
   * Returns `log/day` of each day compacted.
   */
  compact(options?: { before?: string; keepNewestDay?: boolean }): Promise<string[]>;
  /** Deletes whole day partitions older than `maxAgeDays` or beyond `maxBytes` (oldest first). */
  retain(policy: { maxAgeDays?: number; maxBytes?: number }, now?: number): Promise<string[]>;
  close(): Promise<void>;
}
