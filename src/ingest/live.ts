/**
 * One live ingest run: tail a Zeek log directory, merge the log types by event time (live mode:
 * an idle log type does not hold the others back), keep the same accounting as a batch run, and
 * save the tail's position.
 *
 * Checkpoint semantics: a saved position never runs ahead of the records handed to the consumer.
 * It is written when the run ends (everything read has been merged and consumed) and while
 * running: every `checkpointEveryMs` the tail's position is snapshotted together with how many
 * records per log type it had yielded, and the snapshot is saved as soon as the merge has
 * delivered all of those (its reorder buffers hold records back for up to the reorder window).
 * A crash re-reads what came after the last saved snapshot — duplicates, never gaps.
 */
import type { ZeekRecord } from '../model/records.js';
import { type LiveMergeOptions, type LiveMergeStats, mergeLive } from './merge.js';
import { RejectSink } from './rejects.js';
import type { IngestSummary } from './run.js';
import { DirectoryTail, type TailOptions, type TailSnapshot, type TailStats } from './tail.js';

/** Snapshots waiting for the merge to deliver their records; older ones are dropped beyond this. */
const MAX_PENDING_SNAPSHOTS = 64;

export interface LiveIngestOptions extends TailOptions, LiveMergeOptions {
  /** Where rejected lines go (`rejects.jsonl` + `rejects.raw`); unset = not kept. */
  readonly quarantineDir?: string;
  /** Milliseconds between checkpoint saves while running (when a state file is set). Default 10000. */
  readonly checkpointEveryMs?: number;
}

export interface LiveSummary extends IngestSummary {
  /** What the tail saw: rotations, truncations, resumes, bytes that may be missed. */
  readonly live: TailStats & { readonly idleReleases: number; readonly checkpointsSaved: number };
}

export class LiveIngestRun {
  readonly sink: RejectSink;
  readonly tail: DirectoryTail;
  private readonly byLog = new Map<string, number>();
  private readonly mergeStats: LiveMergeStats = { late: 0, buffered: 0, idleReleases: 0 };
  private records = 0;
  /** Periodic checkpoints written while running. */
  checkpointsSaved = 0;
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
    const periodic = this.options.statePath !== undefined && every > 0;
    const pending: TailSnapshot[] = [];
    let lastSnapshot = Date.now();
    let lastTry = 0;
    try {
      for await (const batch of mergeLive(this.tail.batches(), this.mergeStats, this.options)) {
        this.account(batch);
        yield batch;
        if (!periodic) continue;
        // The consumer is done with `batch` and the tail is paused at a yield: a snapshot of its
        // position now is consistent with the records it has yielded so far.
        const now = Date.now();
        if (now - lastSnapshot >= every && this.tail.canCheckpoint) {
          pending.push(this.tail.snapshot());
          if (pending.length > MAX_PENDING_SNAPSHOTS) pending.shift();
          lastSnapshot = now;
        }
        if (pending.length > 0 && now - lastTry >= Math.min(every, 1000)) {
          lastTry = now;
          this.commit(pending);
        }
      }
    } finally {
      this.sink.close();
    }
  }

  /** Saves the newest snapshot whose records have all been delivered; drops it and older ones. */
  private commit(pending: TailSnapshot[]): void {
    const delivered = this.mergeStats.delivered?.();
    if (!delivered) return;
    for (let i = pending.length - 1; i >= 0; i--) {
      const snap = pending[i]!;
      let covered = true;
      for (const [source, n] of snap.yielded) {
        if (n > 0 && (delivered.get(source) ?? 0) < n) {
          covered = false;
          break;
        }
      }
      if (!covered) continue;
      this.tail.saveCheckpoint(snap.checkpoint);
      this.checkpointsSaved++;
      pending.splice(0, i + 1);
      return;
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
      live: {
        ...this.tail.stats,
        idleReleases: this.mergeStats.idleReleases,
        checkpointsSaved: this.checkpointsSaved,
      },
    };
  }
}
