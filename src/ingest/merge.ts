/**
 * Event-time merge. Zeek writes each log type to its own file, and slightly out of `ts` order
 * (a conn record is written when the connection ends, stamped with when it began). Each source
 * passes through a bounded reorder buffer (`reorderWindowSeconds` of event time), then a k-way
 * merge across sources yields one stream ordered by `ts`.
 *
 * A record later than the window allows is never dropped: it is emitted at once and counted in
 * `late` so the summary says how much order the window could not restore.
 */
import type { ZeekRecord } from '../model/records.js';

/** Min-heap on ts with insertion order as tie-break (stable for equal ts). */
class RecordHeap {
  private readonly items: ZeekRecord[] = [];
  private readonly seqs: number[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peekTs(): number {
    return this.items[0]!.ts;
  }

  /** Insertion number of the top record (the live merge: read order within a source). */
  peekSeq(): number {
    return this.seqs[0]!;
  }

  /** Smallest insertion number held, Infinity when empty. O(n): for occasional checkpoints. */
  minSeq(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const s of this.seqs) if (s < m) m = s;
    return m;
  }

  /** Records pushed so far. */
  get pushed(): number {
    return this.seq;
  }

  push(rec: ZeekRecord): void {
    const items = this.items;
    const seqs = this.seqs;
    let i = items.length;
    const s = this.seq++;
    items.push(rec);
    seqs.push(s);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pr = items[p]!;
      if (pr.ts < rec.ts || (pr.ts === rec.ts && seqs[p]! < s)) break;
      items[i] = pr;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = rec;
    seqs[i] = s;
  }

  pop(): ZeekRecord {
    const items = this.items;
    const seqs = this.seqs;
    const top = items[0]!;
    const last = items.pop()!;
    const lastSeq = seqs.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (items[r]!.ts < items[l]!.ts || (items[r]!.ts === items[l]!.ts && seqs[r]! < seqs[l]!)))
          c = r;
        const cr = items[c]!;
        if (last.ts < cr.ts || (last.ts === cr.ts && lastSeq < seqs[c]!)) break;
        items[i] = cr;
        seqs[i] = seqs[c]!;
        i = c;
      }
      items[i] = last;
      seqs[i] = lastSeq;
    }
    return top;
  }
}

export interface MergeStats {
  /** Records that arrived later than the reorder window and were emitted out of order. */
  late: number;
}

/** Per-source reorder + cursor for the k-way merge. */
class Cursor {
  private readonly heap = new RecordHeap();
  private ready: ZeekRecord[] = [];
  private pos = 0;
  private maxTs = Number.NEGATIVE_INFINITY;
  exhausted = false;

  constructor(
    private readonly source: AsyncIterator<ZeekRecord[]>,
    private readonly window: number,
  ) {}

  get head(): ZeekRecord | undefined {
    return this.ready[this.pos];
  }

  advance(): void {
    this.pos++;
  }

  /** Refills `ready` with the records the window releases; false when nothing is left. */
  async fill(): Promise<boolean> {
    this.ready = [];
    this.pos = 0;
    while (this.ready.length === 0) {
      if (this.exhausted) {
        if (this.heap.size === 0) return false;
        this.release(Number.POSITIVE_INFINITY);
        break;
      }
      const next = await this.source.next();
      if (next.done) {
        this.exhausted = true;
        continue;
      }
      for (const rec of next.value) {
        if (rec.ts > this.maxTs) this.maxTs = rec.ts;
        this.heap.push(rec);
      }
      this.release(this.maxTs - this.window);
    }
    return true;
  }

  private release(upTo: number): void {
    const heap = this.heap;
    while (heap.size > 0 && heap.peekTs() <= upTo) {
      this.ready.push(heap.pop());
    }
  }
}

export interface MergeOptions {
  /** Event-time seconds each source may run out of order. Default 60. */
  readonly reorderWindowSeconds?: number;
  /** Records per yielded batch. Default 4096. */
  readonly batchSize?: number;
}

/** Merges record-batch sources into one ts-ordered stream of batches. */
export async function* mergeByTime(
  sources: ReadonlyArray<AsyncIterable<ZeekRecord[]>>,
  stats: MergeStats,
  options: MergeOptions = {},
): AsyncGenerator<ZeekRecord[]> {
  const window = options.reorderWindowSeconds ?? 60;
  const batchSize = options.batchSize ?? 4096;
  // Kept in source order (not in the order the first reads finish): equal-ts records then come
  // out in source order, whatever the I/O timing.
  const cursors = sources.map((s) => new Cursor(s[Symbol.asyncIterator](), window));
  const filled = await Promise.all(cursors.map((c) => c.fill()));
  const live = cursors.filter((_, i) => filled[i]);
  let batch: ZeekRecord[] = [];
  let lastTs = Number.NEGATIVE_INFINITY;
  while (live.length > 0) {
    // Few sources (one per log type): a linear scan beats a heap of cursors here.
    let best = 0;
    let bestTs = live[0]!.head!.ts;
    for (let i = 1; i < live.length; i++) {
      const t = live[i]!.head!.ts;
      if (t < bestTs) {
        best = i;
        bestTs = t;
      }
    }
    const c = live[best]!;
    // Emit the run of this cursor's records that precede every other head.
    let bound = Number.POSITIVE_INFINITY;
    for (let i = 0; i < live.length; i++)
      if (i !== best && live[i]!.head!.ts < bound) bound = live[i]!.head!.ts;
    for (let rec = c.head; rec !== undefined && rec.ts <= bound; rec = c.head) {
      if (rec.ts < lastTs) stats.late++;
      else lastTs = rec.ts;
      batch.push(rec);
      c.advance();
    }
    if (c.head === undefined && !(await c.fill())) live.splice(best, 1);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

// ---------------------------------------------------------------------------------------------
// Live mode. A live source (a tailed log type) has no end and may stay silent for hours (rdp,
// notice): waiting for its next record, as the batch merge does, would stall every other source
// forever. So the live merge takes one input stream of batches tagged with their source, and a
// source that has delivered nothing for `idleMs` of wall-clock time stops holding back the
// merge: its reorder buffer is released and the others flow. Records that then arrive older than
// what was already emitted are emitted at once and counted as `late`, never dropped.

/**
 * One read from a live source. Empty `records` with a `source` announces the source before its
 * first data (so the merge waits for it from the start, up to `idleMs`); empty `records` with
 * source `''` is a heartbeat ("time passes, nothing new").
 */
export interface LiveBatch {
  /** The source the records belong to (a log type); each source is reordered on its own. */
  readonly source: string;
  readonly records: ZeekRecord[];
}

export interface LiveMergeOptions extends MergeOptions {
  /**
   * Wall-clock milliseconds a source may deliver nothing before the merge stops waiting for it
   * (its reorder buffer is released in full). Lower = less latency, more `late` records.
   * Default 5000.
   */
  readonly idleMs?: number;
  /**
   * Records the reorder buffers may hold while waiting for an active source; beyond it the merge
   * stops waiting (as if every source were idle) so memory stays bounded. Default 100000.
   */
  readonly maxBufferedRecords?: number;
  /** Wall clock in ms; tests may pass their own. Default Date.now. */
  readonly now?: () => number;
}

export interface LiveMergeStats extends MergeStats {
  /** Records held in reorder buffers right now (0 = everything read has been emitted). */
  buffered: number;
  /** Times a source's reorder buffer was released because the source went idle. */
  idleReleases: number;
  /**
   * Set by mergeLive: per source, how many of its records, in input order, have all been
   * yielded (the first one still held is the next). Undefined while a yielded-in-slices output
   * is only partly handed on. For checkpoints that cover exactly what was delivered.
   */
  delivered?: () => ReadonlyMap<string, number> | undefined;
}

class LiveCursor {
  readonly heap = new RecordHeap();
  ready: ZeekRecord[] = [];
  /** Input order numbers of `ready`, in step with it. */
  readySeqs: number[] = [];
  pos = 0;
  maxTs = Number.NEGATIVE_INFINITY;
  lastDataAt: number;

  constructor(now: number) {
    this.lastDataAt = now;
  }

  get head(): ZeekRecord | undefined {
    return this.ready[this.pos];
  }

  get buffered(): number {
    return this.heap.size + this.ready.length - this.pos;
  }

  add(records: readonly ZeekRecord[], now: number, window: number): void {
    this.lastDataAt = now;
    for (const rec of records) {
      if (rec.ts > this.maxTs) this.maxTs = rec.ts;
      this.heap.push(rec);
    }
    this.release(this.maxTs - window);
  }

  release(upTo: number): void {
    const heap = this.heap;
    if (heap.size === 0 || heap.peekTs() > upTo) return;
    if (this.pos > 0) {
      this.ready = this.ready.slice(this.pos);
      this.readySeqs = this.readySeqs.slice(this.pos);
      this.pos = 0;
    }
    while (heap.size > 0 && heap.peekTs() <= upTo) {
      this.readySeqs.push(heap.peekSeq());
      this.ready.push(heap.pop());
    }
  }

  /** Records of this source, in input order, that have all left the merge. */
  delivered(): number {
    let m = this.heap.minSeq();
    const seqs = this.readySeqs;
    for (let i = this.pos; i < seqs.length; i++) if (seqs[i]! < m) m = seqs[i]!;
    return m === Number.POSITIVE_INFINITY ? this.heap.pushed : m;
  }
}

/**
 * Merges a live stream of source-tagged batches into one ts-ordered stream. Each source passes
 * through its own reorder buffer (`reorderWindowSeconds`), as in `mergeByTime`. A source
 * holds back the merge only while it is active (delivered something within `idleMs`); the
 * input should yield at least once per `idleMs` (empty heartbeat batches) so idleness is noticed
 * on time. Yields after every input batch — an empty array when nothing could be emitted, so the
 * consumer can checkpoint while `stats.buffered` is 0. When the input ends, everything held is
 * emitted in order.
 */
export async function* mergeLive(
  input: AsyncIterable<LiveBatch>,
  stats: LiveMergeStats,
  options: LiveMergeOptions = {},
): AsyncGenerator<ZeekRecord[]> {
  const window = options.reorderWindowSeconds ?? 60;
  const batchSize = options.batchSize ?? 4096;
  const idleMs = options.idleMs ?? 5000;
  const clock = options.now ?? Date.now;
  const maxBuffered = options.maxBufferedRecords ?? 100_000;
  const cursors = new Map<string, LiveCursor>();
  let lastTs = Number.NEGATIVE_INFINITY;
  let out: ZeekRecord[] = [];

  /** Emits while no active source is empty-handed; `final` = input ended, nobody blocks. */
  const emit = (now: number, final: boolean): void => {
    const withHead: LiveCursor[] = [];
    let held = 0;
    for (const c of cursors.values()) held += c.buffered;
    const overflow = held > maxBuffered;
    for (const c of cursors.values()) {
      if (final || now - c.lastDataAt >= idleMs) {
        if (c.heap.size > 0) {
          c.release(Number.POSITIVE_INFINITY);
          if (!final) stats.idleReleases++;
        }
      }
    }
    for (;;) {
      withHead.length = 0;
      for (const c of cursors.values()) {
        if (c.head !== undefined) withHead.push(c);
        else if (!final && !overflow && now - c.lastDataAt < idleMs) return; // active source: wait
      }
      if (withHead.length === 0) return;
      let best = withHead[0]!;
      let bound = Number.POSITIVE_INFINITY;
      for (let i = 1; i < withHead.length; i++) {
        const c = withHead[i]!;
        if (c.head!.ts < best.head!.ts) {
          if (best.head!.ts < bound) bound = best.head!.ts;
          best = c;
        } else if (c.head!.ts < bound) bound = c.head!.ts;
      }
      for (let rec = best.head; rec !== undefined && rec.ts <= bound; rec = best.head) {
        if (rec.ts < lastTs) stats.late++;
        else lastTs = rec.ts;
        out.push(rec);
        best.pos++;
      }
      if (best.head === undefined) {
        best.ready = [];
        best.readySeqs = [];
        best.pos = 0;
      }
    }
  };

  let unyielded = 0;
  stats.delivered = () =>
    unyielded > 0 ? undefined : new Map([...cursors].map(([k, c]) => [k, c.delivered()] as const));

  const countBuffered = (): void => {
    let n = 0;
    for (const c of cursors.values()) n += c.buffered;
    stats.buffered = n;
  };

  for await (const batch of input) {
    const now = clock();
    let c = cursors.get(batch.source);
    if (!c && (batch.records.length > 0 || batch.source !== '')) {
      c = new LiveCursor(now);
      cursors.set(batch.source, c);
    }
    if (c && batch.records.length > 0) c.add(batch.records, now, window);
    emit(now, false);
    countBuffered();
    const ready = out;
    out = [];
    if (ready.length <= batchSize) yield ready;
    else {
      for (let i = 0; i < ready.length; i += batchSize) {
        unyielded = Math.max(0, ready.length - i - batchSize);
        yield ready.slice(i, i + batchSize);
      }
      unyielded = 0;
    }
  }
  emit(clock(), true);
  countBuffered();
  for (let i = 0; i < out.length; i += batchSize) {
    unyielded = Math.max(0, out.length - i - batchSize);
    yield out.slice(i, i + batchSize);
  }
  unyielded = 0;
}
