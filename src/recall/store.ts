/**
 * The Recall backend seam: what the rest of Vigil asks of the metadata store. Rows come back as
 * plain JSON values; no backend type leaks past this interface, so a second backend (ClickHouse)
 * can stand in later.
 */
import type { ZeekRecord } from '../model/records.js';

export type Row = Record<string, unknown>;

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

export interface HistogramBucket {
  readonly ts: number;
  readonly count: number;
}

export interface StoreStats {
  readonly logs: { log: string; days: number; files: number; bytes: number; rows: number }[];
  readonly bytes: number;
  readonly rows: number;
  readonly corrupt: string[];
}

export interface RecallStore {
  /**
   * Appends one batch under a part name. The same part name is written at most once: a batch
   * re-sent after a crash is skipped (exactly-once by name). Returns rows written (0 if skipped).
   */
  appendPart(part: string, records: readonly ZeekRecord[]): Promise<number>;
  /** Rows committed under a part name, or undefined when the part was never committed. */
  partRows(part: string): number | undefined;
  search(query: string, options?: SearchOptions): Promise<SearchResult>;
  /** Read-only SQL: one SELECT over the log views; no writes, DDL or file access. */
  sql(text: string, limit?: number): Promise<Row[]>;
  /** Every record with this uid (or fuid), across all logs, in time order. */
  byUid(uid: string): Promise<Row[]>;
  /** Records where any of `ips` is an endpoint, in time order, paged. */
  timeline(ips: readonly string[], options?: SearchOptions): Promise<Row[]>;
  /** Record counts per bucket for a query. */
  histogram(query: string, bucketSeconds: number, options?: SearchOptions): Promise<HistogramBucket[]>;
  stats(): Promise<StoreStats>;
  /** Deletes whole day partitions older than `maxAgeDays` or beyond `maxBytes` (oldest first). */
  retain(policy: { maxAgeDays?: number; maxBytes?: number }, now?: number): Promise<string[]>;
  close(): Promise<void>;
}
