/**
 * Loads Zeek logs into the Recall store exactly once. Each source file is cut into parts of up
 * to `partRecords` records, named `<fingerprint>-<first record index>`; the fingerprint hashes
 * the file's name and first 64 KiB (Zeek's header carries its open time). A re-run — after a
 * crash, or over a file that has grown since — skips what is committed (a part's row count is in
 * the commit log) and writes only the records after it.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { discoverLogFiles } from '../ingest/discover.js';
import { readLogFile } from '../ingest/file-source.js';
import { RejectSink } from '../ingest/rejects.js';
import type { ZeekRecord } from '../model/records.js';
import type { RecallStore, RowContext } from './store.js';

export interface StoreIngestOptions {
  /** Records per part (per commit). Default 100,000. */
  readonly partRecords?: number;
  readonly quarantineDir?: string;
  readonly onMessage?: (text: string) => void;
  /** Called after each committed part (progress; tests stop here). */
  readonly onPart?: (part: string, rows: number) => void;
  /** Host keys and accounts to join into rows (from an identity pass over the same logs). */
  readonly context?: RowContext;
}

export interface StoreIngestSummary {
  files: number;
  partsWritten: number;
  partsSkipped: number;
  rowsWritten: number;
  rejected: number;
}

export function fileFingerprint(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(65_536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return createHash('sha256').update(basename(file)).update(buf.subarray(0, n)).digest('hex').slice(0, 20);
  } finally {
    closeSync(fd);
  }
}

export async function ingestIntoStore(
  paths: readonly string[],
  store: RecallStore,
  o: StoreIngestOptions = {},
): Promise<StoreIngestSummary> {
  const sink = new RejectSink({ quarantineDir: o.quarantineDir, onMessage: o.onMessage });
  const size = o.partRecords ?? 100_000;
  const sum: StoreIngestSummary = { files: 0, partsWritten: 0, partsSkipped: 0, rowsWritten: 0, rejected: 0 };
  try {
    for (const group of discoverLogFiles(paths, sink).values()) {
      for (const f of group) {
        if (f.file === '-') continue;
        sum.files++;
        const fp = fileFingerprint(f.file);
        let start = 0;
        /** Records still inside a committed part (a re-run with a smaller part size). */
        let skipAhead = 0;
        let buf: ZeekRecord[] = [];
        const flush = async (): Promise<void> => {
          let rest = buf;
          if (skipAhead > 0) {
            const skip = Math.min(skipAhead, rest.length);
            skipAhead -= skip;
            rest = rest.slice(skip);
          }
          while (rest.length > 0) {
            const part = `${fp}-${start}`;
            const done = store.partRows(part);
            if (done === undefined) {
              const n = await store.appendPart(part, rest, o.context);
              sum.partsWritten++;
              sum.rowsWritten += n;
              o.onPart?.(part, n);
              start += rest.length;
              break;
            }
            sum.partsSkipped++;
            start += done;
            skipAhead = Math.max(0, done - rest.length);
            rest = rest.slice(done);
          }
          buf = [];
        };
        for await (const batch of readLogFile(f.file, sink)) {
          for (const r of batch) {
            buf.push(r);
            if (buf.length === size) await flush();
          }
        }
        if (buf.length > 0) await flush();
      }
    }
  } finally {
    sink.close();
  }
  sum.rejected = sink.total;
  return sum;
}
