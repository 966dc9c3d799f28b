/** A binary min-heap of records by `ts` (stable enough: equal ts keep no particular order). */
import type { ZeekRecord } from '../model/records.js';

export class TsHeap {
  private readonly items: ZeekRecord[] = [];

  get size(): number {
    return this.items.length;
  }

  peekTs(): number {
    return this.items[0]?.ts ?? Number.POSITIVE_INFINITY;
  }

  push(rec: ZeekRecord): void {
    const a = this.items;
    a.push(rec);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p] as ZeekRecord;
      if (parent.ts <= rec.ts) break;
      a[i] = parent;
      i = p;
    }
    a[i] = rec;
  }

  pop(): ZeekRecord | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as ZeekRecord).ts < (a[l] as ZeekRecord).ts ? r : l;
      if ((a[c] as ZeekRecord).ts >= last.ts) break;
      a[i] = a[c] as ZeekRecord;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
