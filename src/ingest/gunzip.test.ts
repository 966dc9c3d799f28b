import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { gunzipKeepingPrefix } from './gunzip.js';

function text(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++)
    out.push(`${1600000000 + i}.000000\t10.0.${i % 250}.${i % 200}\tsome text ${i * 7919}`);
  return Buffer.from(`${out.join('\n')}\n`);
}

async function decompress(
  data: Buffer,
  chunkBytes = 1 << 20,
): Promise<{ out: Buffer; error: string | undefined }> {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-gz-')), 'x.log.gz');
  writeFileSync(file, data);
  const parts: Buffer[] = [];
  let error: string | undefined;
  try {
    for await (const c of gunzipKeepingPrefix(
      file,
      createReadStream(file, { highWaterMark: chunkBytes }),
      chunkBytes,
    ))
      parts.push(c);
  } catch (err) {
    error = (err as NodeJS.ErrnoException).code;
  }
  return { out: Buffer.concat(parts), error };
}

test('an intact gzip file (several members) decompresses whole', async () => {
  const a = text(3000);
  const b = text(10);
  const { out, error } = await decompress(Buffer.concat([gzipSync(a), gzipSync(b)]));
  assert.equal(error, undefined);
  assert.ok(out.equals(Buffer.concat([a, b])));
});

test('garbage after the last member: every decompressed byte kept, then Z_DATA_ERROR', async () => {
  const plain = text(20000);
  const { out, error } = await decompress(Buffer.concat([gzipSync(plain), Buffer.from('garbage appended')]));
  assert.equal(error, 'Z_DATA_ERROR');
  // Node's own gunzip stream yields nothing here: the whole 1 MiB write fails
  assert.equal(out.length, plain.length);
  assert.ok(out.equals(plain));
});

test('corruption in the middle: the output is an exact prefix reaching the damage', async () => {
  const plain = text(20000);
  const gz = Buffer.from(gzipSync(plain));
  const at = Math.floor(gz.length * 0.6);
  gz.fill(0xff, at, at + 64);
  const { out, error } = await decompress(gz, 8192);
  assert.equal(error, 'Z_DATA_ERROR');
  // everything decodable from the bytes before the damage is kept, exactly; what a corrupt
  // deflate block decodes to before zlib notices cannot be told from data (the CRC comes last)
  const before = gunzipSync(gz.subarray(0, at), { finishFlush: constants.Z_SYNC_FLUSH });
  const sure = before.length - 1024;
  assert.ok(out.length >= sure, `${out.length} bytes kept, ${before.length} decodable before the damage`);
  assert.ok(plain.subarray(0, sure).equals(out.subarray(0, sure)), 'the kept output starts as the original');
});

test('a truncated file: all decodable output, then Z_BUF_ERROR', async () => {
  const plain = text(20000);
  const gz = gzipSync(plain);
  const cut = gz.subarray(0, Math.floor(gz.length / 2));
  const { out, error } = await decompress(cut);
  assert.equal(error, 'Z_BUF_ERROR');
  const decodable = gunzipSync(cut, { finishFlush: constants.Z_SYNC_FLUSH });
  assert.ok(out.equals(decodable));
});
