/**
 * Feeds the store from the running pipeline: records are buffered into parts, and parts commit
 * while the pipeline goes on analysing (COPYs run on DuckDB's threads, and the store stages the
 * next part while the previous one's files are written). The pipeline waits only while two parts
 * are in flight, so the store holds it back only if the store is slower than the pipeline, and
 * memory stays bounded. Parts commit in the order they were handed over.
 */
import type { ZeekRecord } from '../model/records.js';
import type { RecallStore, RowContext } from './store.js';

export interface StoreFeedOptions {
  /** Part names are `<prefix>-<n>`; the prefix must be unique per run (exactly-once by name). */
  readonly prefix: string;
  readonly context?: RowContext;
  /** Records per part. Default 50,000. */
  readonly partRecords?: number;
  /** A part that failed to commit (disk full, permissions): reported, and the feed goes on. */
  readonly onError?: (err: Error, part: string, records: number) => void;
}

export class StoreFeed {
  private pending: ZeekRecord[] = [];
  private seq = 0;
  /** Parts handed to the store and not yet committed (or failed), oldest first. */
  private readonly inFlight: Promise<void>[] = [];
  /** Records committed. */
  stored = 0;
  /** Records in parts that failed to commit. */
  failed = 0;

  constructor(
    private readonly store: RecallStore,
    private readonly o: StoreFeedOptions,
  ) {}

  /**
   * Buffers records; a full part goes to the store. Waits only while two parts are in flight
   * (one writing its files, one staging): that is the backpressure.
   */
  async push(records: readonly ZeekRecord[]): Promise<void> {
    for (const r of records) this.pending.push(r);
    if (this.pending.length >= (this.o.partRecords ?? 50_000)) {
      this.startPart();
      while (this.inFlight.length > 1) await this.inFlight[0];
    }
  }

  /** Hands whatever is buffered to the store as a part (a live run's periodic flush); does not wait. */
  startPart(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const part = `${this.o.prefix}-${this.seq++}`;
    // The store stages parts in call order and commits them in that order.
    const done: Promise<void> = this.store.appendPart(part, batch, this.o.context).then(
      (n) => {
        this.stored += n;
      },
      (err: Error) => {
        this.failed += batch.length;
        this.o.onError?.(err, part, batch.length);
      },
    );
    this.inFlight.push(done);
    void done.then(() => this.inFlight.splice(this.inFlight.indexOf(done), 1));
  }

  /** Commits everything buffered and waits until every part has committed (or failed). */
  async flush(): Promise<void> {
    this.startPart();
    while (this.inFlight.length > 0) await this.inFlight[0];
  }
}
