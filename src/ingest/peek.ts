/**
 * First event time of a log file, read from its first chunk. Orders files of one log type that
 * carry no date in their path (several capture directories, copies) so that concatenating them
 * does not turn whole files into "late" records. Problems found while peeking are not reported
 * here: the real read reports them once.
 */
import type { LogFile } from './discover.js';
import { readLogFile } from './file-source.js';
import { RejectSink } from './rejects.js';

export async function firstTs(file: string): Promise<number> {
  const quiet = new RejectSink();
  const it = readLogFile(file, quiet, { chunkBytes: 256 * 1024 });
  try {
    const first = await it.next();
    if (first.done || first.value.length === 0) return Number.POSITIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    for (const r of first.value) if (r.ts < min) min = r.ts;
    return min;
  } finally {
    await it.return(undefined);
  }
}

/** Files of one log type in event-time order: by archive date when all have one, else by first ts. */
export async function orderByEventTime(files: readonly LogFile[]): Promise<LogFile[]> {
  if (files.length < 2 || files.every((f) => f.dated)) return [...files];
  const keyed = await Promise.all(files.map(async (f) => ({ f, ts: await firstTs(f.file) })));
  keyed.sort((a, b) => a.ts - b.ts || (a.f.sortKey < b.f.sortKey ? -1 : a.f.sortKey > b.f.sortKey ? 1 : 0));
  return keyed.map((k) => k.f);
}
