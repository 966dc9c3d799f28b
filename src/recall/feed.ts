/**
 * Feeds the store from the running pipeline: records are buffered into parts, and one part
 * commits while the pipeline goes on analysing (the COPY runs on DuckDB's threads). The
 * pipeline waits only when a second part is full before the first has committed, so the store
 * holds it back only if the store is slower than the pipeline, and memory stays bounded (at most
 * two parts). Parts commit in order, one at a time.
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
  private chain: Promise<void> = Promise.resolve();
  /** Records committed. */
  stored = 0;
  /** Records in parts that failed to commit. */
  failed = 0;

  constructor(
    private readonly store: RecallStore,
    private readonly o: StoreFeedOptions,
  ) {}

  /** Buffers records; a full part starts committing (after waiting for the previous one). */
  async push(records: readonly ZeekRecord[]): Promise<void> {
    for (const r of records) this.pending.push(r);
    if (this.pending.length >= (this.o.partRecords ?? 50_000)) {
      const previous = this.chain;
      this.startPart();
      await previous;
    }
  }

  /** Starts committing whatever is buffered (a live run's periodic flush); does not wait. */
  startPart(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const part = `${this.o.prefix}-${this.seq++}`;
    this.chain = this.chain.then(async () => {
      try {
        this.stored += await this.store.appendPart(part, batch, this.o.context);
      } catch (err) {
        this.failed += batch.length;
        this.o.onError?.(err as Error, part, batch.length);
      }
    });
  }

  /** Commits everything buffered and waits until every part has committed (or failed). */
  async flush(): Promise<void> {
    this.startPart();
    await this.chain;
  }
}
