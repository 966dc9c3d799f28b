/**
 * One ingest run: discover files, read each log type as one source, merge by event time, and
 * keep the run's accounting (records per log type, time span, rejects per reason, late records).
 */
import { readCapture } from '../capture/source.js';
import type { ZeekRecord } from '../model/records.js';
import { discoverLogFiles, type LogFile } from './discover.js';
import { type FileReadOptions, readLogFile } from './file-source.js';
import { type MergeOptions, type MergeStats, mergeByTime } from './merge.js';
import { orderByEventTime } from './peek.js';
import { type RejectReason, RejectSink } from './rejects.js';

export interface IngestOptions extends FileReadOptions, MergeOptions {
  /** Where rejected lines go (`rejects.jsonl` + `rejects.raw`); unset = not kept. */
  readonly quarantineDir?: string;
  /** One line per reported problem (rate-limited per file and reason). */
  readonly onMessage?: (text: string) => void;
  /** Called after each file finishes. */
  readonly onFileDone?: (file: string, done: number, total: number) => void;
}

export interface IngestSummary {
  records: number;
  byLog: Record<string, number>;
  rejected: Partial<Record<RejectReason, number>>;
  rejectedTotal: number;
  /** Earliest and latest event time seen, epoch seconds; null when no record was read. */
  firstTs: number | null;
  lastTs: number | null;
  files: number;
  /** Records emitted out of ts order because they arrived later than the reorder window. */
  late: number;
}

export class IngestRun {
  readonly sink: RejectSink;
  private readonly byLog = new Map<string, number>();
  private readonly mergeStats: MergeStats = { late: 0 };
  private records = 0;
  private firstTs = Number.POSITIVE_INFINITY;
  private lastTs = Number.NEGATIVE_INFINITY;
  private fileCount = 0;
  private filesDone = 0;

  constructor(
    private readonly inputs: readonly string[],
    private readonly options: IngestOptions = {},
  ) {
    this.sink = new RejectSink({ quarantineDir: options.quarantineDir, onMessage: options.onMessage });
  }

  /** The merged, ts-ordered stream of record batches. */
  async *batches(): AsyncGenerator<ZeekRecord[]> {
    const groups = discoverLogFiles(this.inputs, this.sink);
    const sources: AsyncIterable<ZeekRecord[]>[] = [];
    for (const files of groups.values()) {
      this.fileCount += files.length;
      sources.push(this.readGroup(await orderByEventTime(files)));
    }
    try {
      for await (const batch of mergeByTime(sources, this.mergeStats, this.options)) {
        this.account(batch);
        yield batch;
      }
    } finally {
      this.sink.close();
    }
  }

  private async *readGroup(files: readonly LogFile[]): AsyncGenerator<ZeekRecord[]> {
    for (const f of files) {
      yield* f.capture ? readCapture(f.file, this.sink) : readLogFile(f.file, this.sink, this.options);
      this.filesDone++;
      this.options.onFileDone?.(f.file, this.filesDone, this.fileCount);
    }
  }

  private account(batch: readonly ZeekRecord[]): void {
    this.records += batch.length;
    const byLog = this.byLog;
    let path = '';
    let run = 0;
    for (const rec of batch) {
      if (rec._path !== path) {
        if (run > 0) byLog.set(path, (byLog.get(path) ?? 0) + run);
        path = rec._path;
        run = 0;
      }
      run++;
      const ts = rec.ts;
      if (ts < this.firstTs) this.firstTs = ts;
      if (ts > this.lastTs) this.lastTs = ts;
    }
    if (run > 0) byLog.set(path, (byLog.get(path) ?? 0) + run);
  }

  summary(): IngestSummary {
    const byLog = Object.fromEntries([...this.byLog.entries()].sort((a, b) => b[1] - a[1]));
    return {
      records: this.records,
      byLog,
      rejected: this.sink.toObject(),
      rejectedTotal: this.sink.total,
      firstTs: this.records > 0 ? this.firstTs : null,
      lastTs: this.records > 0 ? this.lastTs : null,
      files: this.fileCount,
      late: this.mergeStats.late,
    };
  }
}
