/**
 * Reads one log file (plain or gzip, detected by magic bytes) or stdin into batches of typed
 * records. Every failure — vanished file, I/O error, truncated or corrupt gzip — becomes a
 * located reject; records read before the failure are kept.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ZeekRecord } from '../model/records.js';
import { AutoParser, type ParserOptions } from './auto-parser.js';
import { gunzipKeepingPrefix } from './gunzip.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from './lines.js';
import { DEFAULT_PARALLEL_CHUNK_BYTES, DEFAULT_PARALLEL_MIN_BYTES, ParallelBlocks } from './parallel.js';
import { logTypeFromFileName } from './record-check.js';
import type { RejectSink } from './rejects.js';

export interface FileReadOptions extends ParserOptions {
  readonly maxLineBytes?: number;
  /** Read size; 1 MiB amortises decode and split work without holding much memory (256 KiB parallel). */
  readonly chunkBytes?: number;
  /**
   * Worker threads that decode big files (see parallel.ts); 0 = read on this thread only.
   * Default: one per core beside the main thread's, at most 4 (`defaultWorkers()`).
   */
  readonly workers?: number;
  /** Files smaller than this (bytes on disk; gzip counted ×4) are read on this thread. Default 8 MiB. */
  readonly parallelMinBytes?: number;
}

/**
 * Worker threads used when the caller does not say: one per core beside the main thread's (it
 * reads, splits and materialises), at most 4, none on one core. On 2 shared cores one worker
 * measured faster than two (bench:ingest, JSON 0.75× vs 0.32× the bare loop).
 */
export function defaultWorkers(): number {
  const n = availableParallelism();
  return n < 2 ? 0 : Math.min(4, n - 1);
}

export const STDIN = '-';

/**
 * Read size. Parallel: 256 KiB blocks — with 1 MiB ones a block's records (6,500 TSV conn lines)
 * made batches big enough that materialising cost 3× more in GC (bench: 1.3 → 0.4 µs a TSV
 * record, 0.8 → 0.3 µs a JSON one).
 */
function chunkBytes(options: FileReadOptions, parallel: boolean): number {
  return options.chunkBytes ?? (parallel ? DEFAULT_PARALLEL_CHUNK_BYTES : 1 << 20);
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Stdin's chunks, gunzipped when they start with gzip's magic bytes (`vigil analyze - < x.log.gz`).
 * Stdin cannot be read twice, so a damaged member ends the stream with the zlib error after what
 * decoded before it.
 */
async function* stdinChunks(stream: Readable, gzip: { seen: boolean }): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const r = await it.next();
    if (r.done) break;
    head = Buffer.concat([head, r.value]);
  }
  if (head.length === 0) return;
  const all = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  };
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  gzip.seen = true;
  const source = Readable.from(all());
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  for await (const chunk of gunzip) yield chunk as Buffer;
}

/** Yields record batches (one per read chunk) in file order. */
export async function* readLogFile(
  file: string,
  sink: RejectSink,
  options: FileReadOptions = {},
): AsyncGenerator<ZeekRecord[]> {
  const label = file === STDIN ? 'stdin' : file;
  const parser = new AutoParser(label, sink, {
    ...options,
    path: options.path ?? (file === STDIN ? undefined : logTypeFromFileName(file)),
  });
  let out: ZeekRecord[] = [];
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let stream: Readable;
  let gz = false;
  let par: ParallelBlocks | undefined;
  let splitter: LineSplitter;
  try {
    if (file === STDIN) {
      stream = process.stdin;
    } else {
      gz = await isGzip(file);
      const workers = options.workers ?? defaultWorkers();
      if (
        workers > 0 &&
        (await stat(file)).size * (gz ? 4 : 1) >= (options.parallelMinBytes ?? DEFAULT_PARALLEL_MIN_BYTES)
      ) {
        par = new ParallelBlocks(label, sink, parser, () => out, {
          workers,
          maxLineBytes,
          jsonPath: options.path ?? logTypeFromFileName(file),
        });
      }
      stream = createReadStream(file, { highWaterMark: chunkBytes(options, par !== undefined) });
    }
  } catch (err) {
    sink.reject({ reason: 'read-error', file: label, line: 0, message: describeIoError(err) });
    return;
  }
  splitter = par
    ? par.splitter
    : new LineSplitter(label, sink, (line, n) => parser.parse(line, n, out), maxLineBytes);
  const stdinGzip = { seen: false };
  const input =
    file === STDIN
      ? stdinChunks(stream, stdinGzip)
      : gz
        ? gunzipKeepingPrefix(file, stream, chunkBytes(options, par !== undefined))
        : stream;
  try {
    for await (const chunk of input) {
      splitter.push(chunk as Buffer);
      par?.collect();
      if (out.length > 0) {
        yield out;
        out = [];
      }
    }
    splitter.end(true);
    par?.finish();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const zlibError =
      (gz || stdinGzip.seen) &&
      (code.startsWith('Z_') || /unexpected end|incorrect header|invalid/i.test(String(err)));
    splitter.end(false);
    par?.finish();
    sink.reject({
      reason: zlibError ? 'truncated-gzip' : 'read-error',
      file: label,
      line: splitter.linesSeen,
      message: zlibError
        ? `gzip stream damaged after line ${splitter.linesSeen} (${(err as Error).message}); earlier lines kept`
        : describeIoError(err),
    });
  } finally {
    if (!stream.destroyed && file !== STDIN) stream.destroy();
  }
  if (out.length > 0) yield out;
}

export function describeIoError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'file vanished or does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e.message ?? String(err);
  }
}
