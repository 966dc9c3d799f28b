/**
 * Live tail of a directory that Zeek is writing (`/opt/zeek/logs/current`, a spool dir): every
 * log file in it, new files as they appear (a new log type starts), and rotation (Zeek renames
 * `conn.log` away and creates a new one; the old file may move to a dated archive and be gzipped
 * later). No line is read twice or skipped:
 *
 *  - Files are followed by identity (dev + inode), through an open file descriptor. A renamed or
 *    even deleted file stays readable through its descriptor, so after a rotation the old file is
 *    read to its end (and once more a poll later, in case the writer was still flushing) before it
 *    is closed; the new file under the old name is a new inode, followed from byte 0.
 *  - A partial last line is held (LineSplitter's carry) until its newline arrives; half a line is
 *    never parsed while the file is live. A finished (rotated) file's last line is parsed as in
 *    batch mode.
 *  - Truncation (copytruncate) — the file shrinks below what was read, or its first bytes change —
 *    is a located warning, counted, and the file is read again from its start.
 *  - The position can be saved (checkpoint.ts) and resumed after a restart: same inode → seek to
 *    the offset; the inode gone (rotated while Vigil was down) → the old file is looked for by
 *    inode and by fingerprint in the directory and its archive (plain or gzip) and finished from
 *    the offset; if it cannot be found the bytes that may be missed are reported and counted.
 *
 * Changes are found by polling (readdir + stat every `pollMs`), not by fs.watch: inotify-based
 * watching misses events on NFS/SMB/FUSE and some container overlay mounts, coalesces or drops
 * events under load (queue overflow), reports renames without a reliable target name, and its
 * behaviour differs per platform. A stat per file per second costs nothing next to parsing, and
 * polling sees the same state whatever happened in between.
 *
 * Parsing reuses the batch readers: one LineSplitter + AutoParser per followed file.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { AutoParser, type LogFormat, type ParserOptions } from './auto-parser.js';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  FINGERPRINT_BYTES,
  type FileCheckpoint,
  fingerprintOf,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint.js';
import { describeIoError } from './file-source.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './lines.js';
import type { LiveBatch } from './merge.js';
import { logTypeFromFileName } from './record-check.js';
import { type RejectEvent, RejectSink } from './rejects.js';

export interface TailOptions extends ParserOptions {
  /** Milliseconds between polls of the directory and its files. Default 1000. */
  readonly pollMs?: number;
  readonly maxLineBytes?: number;
  /** Read size per file read. Default 1 MiB. */
  readonly chunkBytes?: number;
  /** Checkpoint file: resumed from at start when it exists; written by saveCheckpoint(). */
  readonly statePath?: string;
  /**
   * Where rotated files may have gone, searched when a checkpointed file is no longer in the
   * directory. Default: the directory itself, plus its parent when it is Zeek's `current/`
   * (the parent holds the dated archive folders).
   */
  readonly archiveDirs?: readonly string[];
  /** Stops the tail after the poll in progress; partial lines stay unread (and in the checkpoint). */
  readonly signal?: AbortSignal;
  /** One line per warning or notable event (rotation, truncation, missed bytes). */
  readonly onMessage?: (text: string) => void;
}

export interface TailStats {
  /** Files opened and followed over the run. */
  filesFollowed: number;
  /** Files that left the directory (renamed away or removed) and were read to their end. */
  filesFinished: number;
  /** Files resumed at their checkpointed offset. */
  resumed: number;
  /** Files rotated while Vigil was stopped and finished from the archive (plain or gzip). */
  recoveredFromArchive: number;
  /** Files found shrunk or rewritten (copytruncate) and read again from their start. */
  truncations: number;
  /** Checkpointed files rotated away while stopped and found nowhere: their tail may be lost. */
  missedFiles: number;
  /** Bytes known not to have been read (a lower bound: a lost file may have grown after the checkpoint). */
  bytesMissedAtLeast: number;
  /** Files listed in the directory that were gone before they could be opened. */
  vanished: number;
  /** Warnings reported (each also went to onMessage). */
  warnings: number;
}

/** Names Zeek's live directories hold logs under; gzip files there are finished archives. */
const LOG_NAME = /\.(log|json|jsonl|ndjson)$/;
/** Zeekctl's and Vigil's own files that are not logs. */
const SKIP_NAME = /^\.|^(stderr|stdout)\.log$|\.tmp$/;
/** Bytes at the start of a file re-read on resume to rebuild the TSV header state. */
const HEADER_REPLAY_BYTES = 64 * 1024;
/** Archived candidates examined per missing file, newest first. */
const ARCHIVE_CANDIDATES = 64;

/** Forwards to the run's sink, except while muted (re-reading a header already accounted for). */
class ReplayableSink extends RejectSink {
  muted = false;

  constructor(private readonly target: RejectSink) {
    super();
  }

  override reject(event: RejectEvent, raw?: Buffer | string): void {
    if (!this.muted) this.target.reject(event, raw);
  }

  override quarantineChunk(bytes: Buffer): void {
    if (!this.muted) this.target.quarantineChunk(bytes);
  }

  override get rawPosition(): number {
    return this.target.rawPosition;
  }

  override rejectStreamed(event: RejectEvent, rawStart: number): void {
    if (!this.muted) this.target.rejectStreamed(event, rawStart);
  }
}

/** Splitter + parser for one file's bytes, from a given line on. */
class LineReader {
  readonly sink: ReplayableSink;
  readonly parser: AutoParser;
  readonly splitter: LineSplitter;
  out: ZeekRecord[] = [];

  constructor(
    readonly label: string,
    readonly logType: string,
    runSink: RejectSink,
    private readonly options: TailOptions,
    startLine: number,
  ) {
    this.sink = new ReplayableSink(runSink);
    this.parser = new AutoParser(label, this.sink, { path: options.path ?? logType, fields: options.fields });
    this.splitter = new LineSplitter(
      label,
      runSink,
      (line, n) => this.parser.parse(line, n, this.out),
      options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      startLine,
    );
  }

  /**
   * Rebuilds the parser's header state from the start of the file (`prefix` = its first bytes,
   * up to the resume offset): the leading `#` lines of a TSV log, or the field-name line of
   * zeek-cut output. Muted: these lines were accounted for when first read.
   */
  replayHeader(prefix: Buffer, format: LogFormat | null): void {
    if (prefix.length === 0 || format === null || format === 'json') return;
    this.sink.muted = true;
    const scratch: ZeekRecord[] = [];
    let done = false;
    const replay = new LineSplitter(
      this.label,
      this.sink,
      (line, n) => {
        if (done) return;
        if (line.charCodeAt(0) === 0x23 /* # */ || (n === 1 && format === 'tsv-headerless'))
          this.parser.parse(line, n, scratch);
        else done = true;
      },
      this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    );
    replay.push(prefix); // an unfinished last line is never handed on: no end()
    this.sink.muted = false;
  }

  take(): ZeekRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** One followed file, read through its descriptor wherever its name goes. */
class Follower {
  reader: LineReader;
  /** Next byte to read. */
  readPos: number;
  /** The file's first bytes (up to FINGERPRINT_BYTES) as read: identity and truncation check. */
  prefix: Buffer;
  lastSize: number;
  /** No longer under any name in the directory: read to the end, then closed. */
  detached = false;
  /** Polls since detaching that found nothing new. */
  quietPolls = 0;

  constructor(
    public path: string,
    readonly logType: string,
    readonly dev: string,
    readonly ino: string,
    readonly fh: FileHandle,
    reader: LineReader,
    readPos: number,
    prefix: Buffer,
    size: number,
  ) {
    this.reader = reader;
    this.readPos = readPos;
    this.prefix = prefix;
    this.lastSize = size;
  }

  get key(): string {
    return `${this.dev}:${this.ino}`;
  }

  /** Offset just past the last complete line handed on: where a resume starts. */
  get offset(): number {
    return this.readPos - this.reader.splitter.pendingBytes;
  }

  toCheckpoint(): FileCheckpoint {
    return {
      path: this.path,
      logType: this.logType,
      dev: this.dev,
      ino: this.ino,
      offset: this.offset,
      line: this.reader.splitter.linesSeen,
      size: this.lastSize,
      fingerprint: fingerprintOf(this.prefix),
      fingerprintBytes: this.prefix.length,
      format: this.reader.parser.format ?? null,
    };
  }
}

interface Listed {
  readonly path: string;
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
}

/** A checkpointed file found rotated into the archive as gzip: finished by decompressing it. */
interface GzipRecovery {
  readonly path: string;
  readonly entry: FileCheckpoint;
}

export interface TailSnapshot {
  readonly checkpoint: Checkpoint;
  readonly yielded: ReadonlyMap<string, number>;
}

export class DirectoryTail {
  readonly stats: TailStats = {
    filesFollowed: 0,
    filesFinished: 0,
    resumed: 0,
    recoveredFromArchive: 0,
    truncations: 0,
    missedFiles: 0,
    bytesMissedAtLeast: 0,
    vanished: 0,
    warnings: 0,
  };
  readonly dir: string;
  private readonly followers: Follower[] = [];
  private readonly pollMs: number;
  private readonly buf: Buffer;
  private readonly stateAbs: string | undefined;
  private dirMissing = false;
  private recovering = false;
  private readonly announced = new Set<string>();
  /** Records yielded so far per source: pairs a checkpoint with the merge's `delivered`. */
  private readonly yielded = new Map<string, number>();

  constructor(
    dir: string,
    private readonly sink: RejectSink,
    private readonly options: TailOptions = {},
  ) {
    this.dir = dir;
    this.pollMs = Math.max(1, options.pollMs ?? 1000);
    this.buf = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
    this.stateAbs = options.statePath ? resolve(options.statePath) : undefined;
  }

  /**
   * Yields record batches as the files grow, tagged with their log type (the reorder source),
   * an empty batch announcing each log type before its first records, and an empty heartbeat
   * (source `''`) after every poll, until the signal aborts.
   */
  async *batches(): AsyncGenerator<LiveBatch> {
    const signal = this.options.signal;
    const cp = this.options.statePath ? loadCheckpoint(this.options.statePath) : undefined;
    if (cp && resolve(cp.dir) !== resolve(this.dir))
      throw new Error(`checkpoint ${this.options.statePath} is for ${cp.dir}, not ${this.dir}`);
    const listing = await this.list();
    if (listing === undefined) throw new Error(`cannot follow ${this.dir}: not a readable directory`);
    try {
      const recoveries = cp ? await this.restore(cp, listing) : [];
      await this.adopt(listing);
      yield* this.announce(recoveries.map((r) => r.entry.logType));
      this.recovering = recoveries.length > 0;
      for (const r of recoveries) yield* this.drainGzip(r);
      this.recovering = false;
      for (let poll = 1; ; poll++) {
        yield* this.pollFiles();
        if (poll === 1) {
          const s = this.stats;
          this.info(
            `first poll: ${this.followers.length} file(s) in ${this.dir} read up to their ends ` +
              `(${s.resumed} resumed from the checkpoint, ${s.recoveredFromArchive} finished from the archive)`,
          );
        }
        yield { source: '', records: [] };
        if (signal?.aborted) break;
        try {
          await sleep(this.pollMs, undefined, { signal });
        } catch {
          break; // aborted while waiting
        }
        const next = await this.list();
        if (next !== undefined) {
          this.reconcile(next);
          await this.adopt(next);
        }
      }
    } finally {
      for (const f of this.followers) await f.fh.close().catch(() => undefined);
    }
  }

  /**
   * Position of every file still followed (read up to the end of its last complete line). A file
   * that left the directory and is read to its very end is done: it is not kept.
   */
  checkpoint(): Checkpoint {
    return {
      version: CHECKPOINT_VERSION,
      dir: this.dir,
      savedAt: new Date().toISOString(),
      files: this.followers
        .filter((f) => !(f.detached && f.offset === f.lastSize && f.readPos === f.lastSize))
        .map((f) => f.toCheckpoint()),
    };
  }

  /**
   * The checkpoint now, with how many records per source had been yielded when it was taken:
   * it may be saved once the consumer has received that many of each (LiveIngestRun).
   */
  snapshot(): TailSnapshot {
    return { checkpoint: this.checkpoint(), yielded: new Map(this.yielded) };
  }

  private batch(source: string, records: ZeekRecord[]): LiveBatch {
    this.yielded.set(source, (this.yielded.get(source) ?? 0) + records.length);
    return { source, records };
  }

  /** False while finishing gzip files from a previous run: they are not in checkpoint() yet. */
  get canCheckpoint(): boolean {
    return !this.recovering;
  }

  /** Writes a checkpoint (default: the position now) to `statePath`, atomically; no-op without one. */
  saveCheckpoint(cp: Checkpoint = this.checkpoint()): void {
    if (this.options.statePath) saveCheckpoint(this.options.statePath, cp);
  }

  private warn(text: string): void {
    this.stats.warnings++;
    this.options.onMessage?.(text);
  }

  private info(text: string): void {
    this.options.onMessage?.(text);
  }

  /** The log files in the directory by identity; undefined when the directory cannot be read. */
  private async list(): Promise<Map<string, Listed> | undefined> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (!this.dirMissing) this.warn(`${this.dir}: cannot list the directory (${describeIoError(err)})`);
      this.dirMissing = true;
      return undefined;
    }
    this.dirMissing = false;
    const out = new Map<string, Listed>();
    for (const name of names.sort()) {
      if (SKIP_NAME.test(name) || !LOG_NAME.test(name)) continue;
      const path = join(this.dir, name);
      if (this.stateAbs !== undefined && resolve(path) === this.stateAbs) continue;
      try {
        const st = await stat(path, { bigint: true });
        if (!st.isFile()) continue;
        const key = `${st.dev}:${st.ino}`;
        if (!out.has(key))
          out.set(key, { path, dev: String(st.dev), ino: String(st.ino), size: Number(st.size) });
      } catch (err) {
        this.vanishedBeforeOpen(path, err);
      }
    }
    return out;
  }

  private vanishedBeforeOpen(path: string, err: unknown): void {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      this.stats.vanished++;
      this.warn(
        `${path}: vanished before it could be opened (a renamed file is followed under its new name; a deleted one is lost)`,
      );
    } else {
      this.sink.reject({ reason: 'read-error', file: path, line: 0, message: describeIoError(err) });
    }
  }

  /** Matches followed files to the listing by identity: renamed files keep their reader. */
  private reconcile(listing: Map<string, Listed>): void {
    for (const f of this.followers) {
      const e = listing.get(f.key);
      if (e) {
        f.path = e.path;
        f.detached = false;
        f.quietPolls = 0;
      } else if (!f.detached) {
        f.detached = true;
        this.info(`${f.path}: left the directory (rotated or removed); reading it to its end`);
      }
    }
  }

  /** Starts following every listed file not yet followed, from its first byte. */
  private async adopt(listing: Map<string, Listed>): Promise<void> {
    const followed = new Set(this.followers.map((f) => f.key));
    for (const e of listing.values()) {
      if (followed.has(`${e.dev}:${e.ino}`)) continue;
      await this.follow(e.path, 0, 0, null, undefined);
    }
  }

  /**
   * Opens `path` and follows it from `offset`. `expect` = the identity it must have (a resume);
   * returns undefined when the file is gone or is not the expected one.
   */
  private async follow(
    path: string,
    offset: number,
    line: number,
    format: LogFormat | null,
    expect: FileCheckpoint | undefined,
  ): Promise<Follower | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      this.vanishedBeforeOpen(path, err);
      return undefined;
    }
    const st = await fh.stat({ bigint: true });
    const dev = String(st.dev);
    const ino = String(st.ino);
    const size = Number(st.size);
    if (this.followers.some((f) => f.dev === dev && f.ino === ino)) {
      await fh.close();
      return undefined;
    }
    const head = await readAt(fh, Math.min(FINGERPRINT_BYTES, size), 0);
    if (expect && !(await this.sameFile(expect, head, dev, ino))) {
      await fh.close();
      return undefined;
    }
    const logType = logTypeFromFileName(basename(path)) ?? 'unknown';
    const reader = new LineReader(path, logType, this.sink, this.options, line);
    if (offset > 0) {
      const replay =
        offset <= head.length ? head : await readAt(fh, Math.min(offset, HEADER_REPLAY_BYTES), 0);
      reader.replayHeader(replay.subarray(0, Math.min(offset, replay.length)), format);
    }
    const f = new Follower(path, logType, dev, ino, fh, reader, offset, head, size);
    this.followers.push(f);
    this.stats.filesFollowed++;
    return f;
  }

  /** Is this the checkpointed file: same identity where given, same first bytes. */
  private async sameFile(entry: FileCheckpoint, head: Buffer, dev?: string, ino?: string): Promise<boolean> {
    if (dev !== undefined && (dev !== entry.dev || ino !== entry.ino)) return false;
    if (head.length < entry.fingerprintBytes) return false;
    return fingerprintOf(head.subarray(0, entry.fingerprintBytes)) === entry.fingerprint;
  }

  /**
   * Reads what every file gained since the last poll. Log types are read round-robin, one chunk
   * each, so that a backlog (first start, resume) reaches the merge in step across log types
   * instead of one whole file after another (which would make every other type late). Within a
   * log type files are read one after the other, oldest first: a rotated file is finished before
   * the new one starts.
   */
  private async *pollFiles(): AsyncGenerator<LiveBatch> {
    yield* this.announce([]);
    const signal = this.options.signal;
    const queues = new Map<string, Follower[]>();
    const plan = new Map<Follower, { size: number; start: number }>();
    for (const f of [...this.followers]) {
      const size = await this.prepare(f);
      if (size === undefined) {
        yield* this.finish(f, false);
        continue;
      }
      plan.set(f, { size, start: f.readPos });
      const q = queues.get(f.logType);
      if (q) q.push(f);
      else queues.set(f.logType, [f]);
    }
    let active = [...queues.values()];
    while (active.length > 0 && !signal?.aborted) {
      const next: Follower[][] = [];
      for (const q of active) {
        const f = q[0]!;
        const { size } = plan.get(f)!;
        let more = false;
        try {
          more = await this.readChunk(f, size);
        } catch (err) {
          this.readError(f, err);
          plan.delete(f);
          yield* this.finish(f, false);
        }
        if (f.reader.out.length > 0) yield this.batch(f.logType, f.reader.take());
        if (!more) q.shift();
        if (q.length > 0) next.push(q);
        if (signal?.aborted) break;
      }
      active = next;
    }
    if (signal?.aborted) return;
    for (const [f, { start }] of plan) {
      if (!f.detached) continue;
      // Read once more a poll later before closing, in case the writer was still flushing.
      if (f.readPos === start) f.quietPolls++;
      if (f.quietPolls >= 2) yield* this.finish(f, true);
    }
  }

  /**
   * Tells the merge about log types before their first records, so that it waits for them from
   * the start instead of letting the first type read run ahead (its records would make the
   * others' late).
   */
  private *announce(extra: readonly string[]): Generator<LiveBatch> {
    for (const type of [...extra, ...this.followers.map((f) => f.logType)]) {
      if (this.announced.has(type)) continue;
      this.announced.add(type);
      yield { source: type, records: [] };
    }
  }

  /** Size to read up to this poll, after handling truncation; undefined = the file failed. */
  private async prepare(f: Follower): Promise<number | undefined> {
    let size: number;
    try {
      size = Number((await f.fh.stat({ bigint: true })).size);
      if (size < f.readPos || (size !== f.lastSize && !(await this.prefixUnchanged(f, size))))
        this.truncated(f, size);
    } catch (err) {
      this.readError(f, err);
      return undefined;
    }
    f.lastSize = size;
    return size;
  }

  /** Reads and splits one chunk; true when there is more to read up to `size`. */
  private async readChunk(f: Follower, size: number): Promise<boolean> {
    if (f.readPos >= size) return false;
    const want = Math.min(this.buf.length, size - f.readPos);
    const { bytesRead } = await f.fh.read(this.buf, 0, want, f.readPos);
    if (bytesRead === 0) return false;
    const chunk = this.buf.subarray(0, bytesRead);
    const have = f.prefix.length;
    if (have < FINGERPRINT_BYTES && f.readPos <= have && f.readPos + bytesRead > have) {
      f.prefix = Buffer.concat([f.prefix, chunk.subarray(have - f.readPos, FINGERPRINT_BYTES - f.readPos)]);
    }
    f.readPos += bytesRead;
    f.reader.splitter.push(chunk);
    return f.readPos < size;
  }

  private readError(f: Follower, err: unknown): void {
    this.sink.reject({
      reason: 'read-error',
      file: f.path,
      line: f.reader.splitter.linesSeen,
      message: describeIoError(err),
    });
  }

  /** Compares the file's first bytes with the ones read before: different = rewritten in place. */
  private async prefixUnchanged(f: Follower, size: number): Promise<boolean> {
    const n = Math.min(f.prefix.length, size);
    if (n === 0) return true;
    const now = await readAt(f.fh, n, 0);
    return n === f.prefix.length && now.equals(f.prefix);
  }

  private truncated(f: Follower, size: number): void {
    const line = f.reader.splitter.linesSeen;
    const held = f.reader.splitter.pendingBytes;
    this.stats.truncations++;
    this.stats.bytesMissedAtLeast += held;
    this.warn(
      `${f.path}:${line}: file truncated or rewritten (size ${size} < ${f.readPos} bytes read, or its first bytes changed — copytruncate?); ` +
        `reading it again from the start${held > 0 ? `; ${held} bytes of an unfinished line dropped` : ''}; ` +
        'lines written between the last read and the truncation may be lost',
    );
    f.reader = new LineReader(f.path, f.logType, this.sink, this.options, 0);
    f.readPos = 0;
    f.prefix = Buffer.alloc(0);
  }

  /** Ends a file for good: a finished file's last line is parsed (complete), then it is closed. */
  private async *finish(f: Follower, complete: boolean): AsyncGenerator<LiveBatch> {
    f.reader.splitter.end(complete);
    const i = this.followers.indexOf(f);
    if (i >= 0) this.followers.splice(i, 1);
    await f.fh.close().catch(() => undefined);
    this.stats.filesFinished++;
    if (f.reader.out.length > 0) yield this.batch(f.logType, f.reader.take());
  }

  /**
   * Resumes from a checkpoint: each file by identity in the directory, else in the archive;
   * returns the gzip files to finish first. Files not found are reported with the bytes that
   * may be missed.
   */
  private async restore(cp: Checkpoint, listing: Map<string, Listed>): Promise<GzipRecovery[]> {
    const gz: GzipRecovery[] = [];
    for (const entry of cp.files) {
      const here = listing.get(`${entry.dev}:${entry.ino}`);
      if (here) {
        const f = await this.follow(here.path, entry.offset, entry.line, entry.format, entry);
        if (f) {
          if (here.size < entry.offset) {
            // Shrunk while we were down: the resume offset is past its end.
            this.stats.truncations++;
            this.warn(
              `${here.path}:${entry.line}: truncated while Vigil was stopped (${here.size} < ${entry.offset} bytes); reading it from the start`,
            );
            f.reader = new LineReader(f.path, f.logType, this.sink, this.options, 0);
            f.readPos = 0;
          } else this.stats.resumed++;
          continue;
        }
        // Same inode, different first bytes: the inode was reused by a new file.
      }
      const found = await this.findArchived(entry, listing);
      if (found?.gzip) {
        gz.push({ path: found.path, entry });
        this.stats.recoveredFromArchive++;
        this.info(
          `${entry.path}: rotated while stopped; finishing it from ${found.path} at line ${entry.line}`,
        );
        continue;
      }
      if (found) {
        const f = await this.follow(found.path, entry.offset, entry.line, entry.format, entry);
        if (f) {
          f.detached = !listing.has(f.key);
          this.stats.recoveredFromArchive++;
          this.info(
            `${entry.path}: rotated while stopped; finishing it from ${found.path} at line ${entry.line}`,
          );
          continue;
        }
      }
      const known = Math.max(0, entry.size - entry.offset);
      this.stats.missedFiles++;
      this.stats.bytesMissedAtLeast += known;
      this.warn(
        `${entry.path}:${entry.line}: rotated away while Vigil was stopped and not found in ${this.archiveDirs().join(', ')}; ` +
          `from byte ${entry.offset} on, at least ${known} bytes plus whatever was written after ${cp.savedAt} may be missed`,
      );
    }
    return gz;
  }

  private archiveDirs(): string[] {
    if (this.options.archiveDirs) return [this.dir, ...this.options.archiveDirs];
    return basename(resolve(this.dir)) === 'current' ? [this.dir, dirname(resolve(this.dir))] : [this.dir];
  }

  /**
   * Looks for a checkpointed file that left the directory: the same inode (renamed, still
   * plain), else a file of the same log type whose first bytes match (copied, or gzipped).
   */
  private async findArchived(
    entry: FileCheckpoint,
    listing: Map<string, Listed>,
  ): Promise<{ path: string; gzip: boolean } | undefined> {
    const candidates: { path: string; mtimeMs: number }[] = [];
    const seen = new Set<string>();
    for (const root of this.archiveDirs()) await collectCandidates(root, entry.logType, 2, candidates, seen);
    candidates.sort((a, b) => b.mtimeMs - a.mtimeMs);
    const inDir = new Set([...listing.values()].map((e) => e.path));
    for (const c of candidates.slice(0, ARCHIVE_CANDIDATES)) {
      if (inDir.has(c.path) && !c.path.endsWith('.gz')) continue; // in the directory: not this inode
      try {
        if (c.path.endsWith('.gz')) {
          if (entry.fingerprintBytes === 0) continue;
          const head = await gunzipHead(c.path, entry.fingerprintBytes);
          if (await this.sameFile(entry, head)) return { path: c.path, gzip: true };
          continue;
        }
        const st = await stat(c.path, { bigint: true });
        const sameInode = String(st.dev) === entry.dev && String(st.ino) === entry.ino;
        if (!sameInode && entry.fingerprintBytes === 0) continue;
        const fh = await open(c.path, 'r');
        try {
          const head = await readAt(fh, entry.fingerprintBytes, 0);
          if (await this.sameFile(entry, head)) return { path: c.path, gzip: false };
        } finally {
          await fh.close();
        }
      } catch {
        // a candidate that vanished or cannot be read is simply not the one
      }
    }
    return undefined;
  }

  /** Finishes a file rotated and gzipped while we were down: decompress, skip to the offset, read the rest. */
  private async *drainGzip(r: GzipRecovery): AsyncGenerator<LiveBatch> {
    const { entry } = r;
    const reader = new LineReader(r.path, entry.logType, this.sink, this.options, entry.line);
    const prefixParts: Buffer[] = [];
    let pos = 0;
    let replayed = entry.offset === 0;
    const stream = createReadStream(r.path).pipe(createGunzip());
    try {
      for await (const data of stream) {
        let chunk = data as Buffer;
        if (pos < entry.offset) {
          const skip = Math.min(chunk.length, entry.offset - pos);
          if (pos < HEADER_REPLAY_BYTES)
            prefixParts.push(chunk.subarray(0, Math.min(skip, HEADER_REPLAY_BYTES - pos)));
          pos += skip;
          chunk = chunk.subarray(skip);
          if (pos < entry.offset) continue;
        }
        if (!replayed) {
          reader.replayHeader(Buffer.concat(prefixParts), entry.format);
          replayed = true;
        }
        pos += chunk.length;
        reader.splitter.push(chunk);
        if (reader.out.length > 0) yield this.batch(entry.logType, reader.take());
      }
      reader.splitter.end(true);
      if (pos < entry.offset) {
        this.warn(
          `${r.path}: holds ${pos} bytes, fewer than the ${entry.offset} already read from ${entry.path}; nothing to finish`,
        );
      }
    } catch (err) {
      reader.splitter.end(false);
      this.sink.reject({
        reason: 'truncated-gzip',
        file: r.path,
        line: reader.splitter.linesSeen,
        message: `gzip stream damaged after line ${reader.splitter.linesSeen} (${(err as Error).message}); earlier lines kept`,
      });
    } finally {
      stream.destroy();
    }
    this.stats.filesFinished++;
    if (reader.out.length > 0) yield this.batch(entry.logType, reader.take());
  }
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** First `length` decompressed bytes of a gzip file (fewer if it is shorter or damaged). */
async function gunzipHead(path: string, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const data of stream) {
      parts.push(data as Buffer);
      have += (data as Buffer).length;
      if (have >= length) break;
    }
  } catch {
    // damaged: compare what there is
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, length);
}

async function collectCandidates(
  dir: string,
  logType: string,
  depth: number,
  out: { path: string; mtimeMs: number }[],
  seen: Set<string>,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, encoding: 'utf8' });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 0 && !e.name.startsWith('.')) await collectCandidates(p, logType, depth - 1, out, seen);
      continue;
    }
    if (!e.isFile() || e.name.startsWith('.') || seen.has(p)) continue;
    if (logTypeFromFileName(e.name) !== logType) continue;
    if (!/\.(log|json|jsonl|ndjson)(\.gz)?$|\.gz$/.test(e.name)) continue;
    seen.add(p);
    try {
      out.push({ path: p, mtimeMs: (await stat(p)).mtimeMs });
    } catch {
      // gone meanwhile
    }
  }
}
