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
