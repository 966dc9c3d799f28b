/**
 * One live ingest run: tail a Zeek log directory, merge the log types by event time (live mode:
 * an idle log type does not hold the others back), keep the same accounting as a batch run, and
 * save the tail's position.
 *
 * Checkpoint semantics: the saved offsets cover exactly the records already handed to the
 * consumer. It is written when the run ends (after everything read has been merged and consumed)
 * and, every `checkpointEveryMs`, at moments when the merge holds nothing back (`buffered` 0), so
 * a crash between saves re-reads at most what came after the last save — duplicates, never gaps.
 */
import type { ZeekRecord } from '../model/records.js';
import { type LiveMergeOptions, type LiveMergeStats, mergeLive } from './merge.js';
import { RejectSink } from './rejects.js';
import type { IngestSummary } from './run.js';
import { DirectoryTail, type TailOptions, type TailStats } from './tail.js';

export interface LiveIngestOptions extends TailOptions, LiveMergeOptions {
  /** Where rejected lines go (`rejects.jsonl` + `rejects.raw`); unset = not kept. */
  readonly quarantineDir?: string;
  /** Milliseconds between checkpoint saves while running (when a state file is set). Default 10000. */
  readonly checkpointEveryMs?: number;
}

export interface LiveSummary extends IngestSummary {
  /** What the tail saw: rotations, truncations, resumes, bytes that may be missed. */
  readonly live: TailStats & { readonly idleReleases: number };
}

export class LiveIngestRun {
  readonly sink: RejectSink;
  readonly tail: DirectoryTail;
  private readonly byLog = new Map<string, number>();
  private readonly mergeStats: LiveMergeStats = { late: 0, buffered: 0, idleReleases: 0 };
  private records = 0;
  private firstTs = Number.POSITIVE_INFINITY;
  private lastTs = Number.NEGATIVE_INFINITY;

  constructor(
    dir: string,
    private readonly options: LiveIngestOptions = {},
  ) {
    this.sink = new RejectSink({ quarantineDir: options.quarantineDir, onMessage: options.onMessage });
    this.tail = new DirectoryTail(dir, this.sink, options);
  }

  /** The merged stream, until the signal stops the tail; may yield empty batches (heartbeats). */
  async *batches(): AsyncGenerator<ZeekRecord[]> {
    const every = this.options.checkpointEveryMs ?? 10_000;
    let lastSave = Date.now();
    try {
      for await (const batch of mergeLive(this.tail.batches(), this.mergeStats, this.options)) {
        this.account(batch);
        yield batch;
        // The consumer is done with `batch`; the tail is paused at a yield. With nothing held in
        // the merge, the tail's position is exactly what has been delivered.
        if (this.mergeStats.buffered === 0 && this.tail.canCheckpoint && Date.now() - lastSave >= every) {
          this.tail.saveCheckpoint();
          lastSave = Date.now();
        }
      }
    } finally {
      this.sink.close();
    }
  }

  /** Saves the position (call after batches() has ended; no-op without a state file). */
  saveCheckpoint(): void {
    this.tail.saveCheckpoint();
  }

  private account(batch: readonly ZeekRecord[]): void {
    this.records += batch.length;
    for (const rec of batch) {
      this.byLog.set(rec._path, (this.byLog.get(rec._path) ?? 0) + 1);
      if (rec.ts < this.firstTs) this.firstTs = rec.ts;
      if (rec.ts > this.lastTs) this.lastTs = rec.ts;
    }
  }

  summary(): LiveSummary {
    const byLog = Object.fromEntries([...this.byLog.entries()].sort((a, b) => b[1] - a[1]));
    return {
      records: this.records,
      byLog,
      rejected: this.sink.toObject(),
      rejectedTotal: this.sink.total,
      firstTs: this.records > 0 ? this.firstTs : null,
      lastTs: this.records > 0 ? this.lastTs : null,
      files: this.tail.stats.filesFollowed,
      late: this.mergeStats.late,
      live: { ...this.tail.stats, idleReleases: this.mergeStats.idleReleases },
    };
  }
}
