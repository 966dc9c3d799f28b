/**
 * The live tail's saved position: one entry per followed file, enough to resume exactly after a
 * restart — the file's identity (dev + inode, plus a fingerprint of its first bytes because
 * inodes are reused once a file is deleted), the byte offset of the end of the last complete
 * line handed on, the line number there, and the format, so the header can be re-read.
 *
 * Written atomically (temp file + fsync + rename, mode 0600): a crash mid-write leaves the
 * previous checkpoint intact, never a half-written one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';
import type { LogFormat } from './auto-parser.js';

export const CHECKPOINT_VERSION = 1;

/** Bytes at the start of a file that identify it (covers a TSV header's `#open` line). */
export const FINGERPRINT_BYTES = 1024;

export interface FileCheckpoint {
  /** Where the file was last seen. */
  readonly path: string;
  /** Log type of the file (its reorder source). */
  readonly logType: string;
  /** Device and inode, decimal strings (inode numbers can exceed 2^53). */
  readonly dev: string;
  readonly ino: string;
  /** Byte offset just past the last complete line handed on; resume reading here. */
  readonly offset: number;
  /** Number of the last line handed on (line numbers continue from here). */
  readonly line: number;
  /** File size when last looked at: `size - offset` bytes were not yet consumed then. */
  readonly size: number;
  /** sha256 (hex) of the file's first `fingerprintBytes` bytes. */
  readonly fingerprint: string;
  readonly fingerprintBytes: number;
  /** Format detected so far; TSV headers are re-read from the start of the file on resume. */
  readonly format: LogFormat | null;
}

export interface Checkpoint {
  readonly version: number;
  /** The followed directory, as given. */
  readonly dir: string;
  /** When it was written (ISO-8601). */
  readonly savedAt: string;
  readonly files: readonly FileCheckpoint[];
}

export function fingerprintOf(prefix: Buffer): string {
  return createHash('sha256').update(prefix).digest('hex');
}

/** Reads a checkpoint; undefined when there is none. Throws with a clear message when unusable. */
export function loadCheckpoint(file: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`checkpoint ${file} is not valid JSON`);
  }
  if (!isCheckpoint(doc)) throw new Error(`checkpoint ${file} does not have the expected shape`);
  if (doc.version !== CHECKPOINT_VERSION)
    throw new Error(`checkpoint ${file} has version ${doc.version}, expected ${CHECKPOINT_VERSION}`);
  return doc;
}

/** Writes the checkpoint atomically: temp file beside it, fsync, rename over the old one. */
export function saveCheckpoint(file: string, cp: Checkpoint): void {
  writeFileAtomic(file, `${JSON.stringify(cp, null, 2)}\n`);
}

function isCheckpoint(v: unknown): v is Checkpoint {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.version === 'number' &&
    typeof o.dir === 'string' &&
    Array.isArray(o.files) &&
    o.files.every(isFileCheckpoint)
  );
}

function isFileCheckpoint(v: unknown): v is FileCheckpoint {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const nonNeg = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  return (
    typeof o.path === 'string' &&
    typeof o.logType === 'string' &&
    typeof o.dev === 'string' &&
    /^\d+$/.test(o.dev) &&
    typeof o.ino === 'string' &&
    /^\d+$/.test(o.ino) &&
    nonNeg(o.offset) &&
    nonNeg(o.line) &&
    nonNeg(o.size) &&
    typeof o.fingerprint === 'string' &&
    nonNeg(o.fingerprintBytes) &&
    (o.format === null || o.format === 'tsv' || o.format === 'json' || o.format === 'tsv-headerless')
  );
}
