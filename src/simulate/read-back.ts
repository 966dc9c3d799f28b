/** Test helper: a simulated directory read back through Vigil's own reader (`IngestRun`). */
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';

/** Reads a directory with Vigil's own reader; returns records per log type and the reject count. */
export async function readBack(
  dir: string,
): Promise<{ byLog: Map<string, ZeekRecord[]>; rejected: number; total: number; late: number }> {
  const run = new IngestRun([dir], {});
  const byLog = new Map<string, ZeekRecord[]>();
  let total = 0;
  for await (const batch of run.batches()) {
    for (const r of batch) {
      total++;
      const list = byLog.get(r._path);
      if (list) list.push(r);
      else byLog.set(r._path, [r]);
    }
  }
  return { byLog, rejected: run.sink.total, total, late: run.summary().late };
}
