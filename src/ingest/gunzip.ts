/**
 * Gzip decompression that keeps every byte decodable before damage.
 *
 * Node's gunzip stream, on corrupt data (`Z_DATA_ERROR`: a flipped bit, garbage appended after the
 * last member), fails the whole write it was given and drops the output that write had already
 * produced: with 1 MiB reads that is every line of a small file, and up to megabytes of lines of a
 * big one, while the reader would claim "earlier lines kept". A cut-off file (`Z_BUF_ERROR`,
 * "unexpected end of file") loses nothing and is passed through as is.
 *
 * So on a data error the file is decompressed a second time, in small pieces near the damage,
 * and what the first pass had not yet delivered is delivered up to the damage; then the original
 * error is thrown for the caller to report. This costs a second pass over the file, only when the
 * file is corrupt.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';

/** Compressed bytes per write in the careful second pass, near the damage. */
const CAREFUL_PIECE_BYTES = 16;

function isDataError(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR';
}

/**
 * Decompressed chunks of the gzip file `file`, read from `stream` (a read stream of that file).
 * Throws the zlib error after yielding all output decodable before the damage.
 */
export async function* gunzipKeepingPrefix(
  file: string,
  stream: Readable,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let delivered = 0;
  let compressedSeen = 0;
  let lastReadBytes = 0;
  stream.on('data', (c: Buffer) => {
    compressedSeen += c.length;
    lastReadBytes = c.length;
  });
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  stream.on('error', (err) => gunzip.destroy(err));
  stream.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      delivered += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    return;
  } catch (err) {
    if (!isDataError(err)) throw err;
    stream.destroy();
    // The damage lies in the last read, or in one of the two before it (pipe read-ahead).
    const carefulFrom = Math.max(0, compressedSeen - lastReadBytes - 2 * chunkBytes);
    yield* careful(file, delivered, carefulFrom, chunkBytes);
    throw err;
  }
}

/** Second pass: big writes up to `carefulFrom`, small ones after; yields output past `skip` bytes. */
async function* careful(
  file: string,
  skip: number,
  carefulFrom: number,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  const gunzip = createGunzip({ chunkSize: chunkBytes });
  const pending: Buffer[] = [];
  let failed = false;
  gunzip.on('data', (c: Buffer) => pending.push(c));
  gunzip.on('error', () => {
    failed = true;
  });
  let produced = 0;
  function* drain(): Generator<Buffer> {
    for (const c of pending.splice(0)) {
      const start = produced;
      produced += c.length;
      if (produced <= skip) continue;
      yield start >= skip ? c : c.subarray(skip - start);
    }
  }
  let offset = 0;
  for await (const read of createReadStream(file, { highWaterMark: chunkBytes })) {
    const buf = read as Buffer;
    let i = 0;
    while (i < buf.length && !failed) {
      const size =
        offset + i < carefulFrom ? Math.min(buf.length - i, carefulFrom - offset - i) : CAREFUL_PIECE_BYTES;
      await write(gunzip, buf.subarray(i, i + size));
      i += size;
      yield* drain();
    }
    offset += buf.length;
    if (failed) break;
  }
  yield* drain();
  gunzip.destroy();
}

/** Writes one piece; resolves once zlib has processed it (or failed on it). */
function write(gunzip: Gunzip, piece: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      gunzip.off('error', done);
      resolve();
    };
    gunzip.once('error', done);
    gunzip.write(piece, () => done());
  });
}
