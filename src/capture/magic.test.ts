import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { pcapFile, udpFrame } from '../test-support/pcap-writer.js';
import { detectCaptureBytes, detectCaptureFile, isCaptureFileSync } from './magic.js';

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v, 0);
  else b.writeUInt32LE(v, 0);
  return b;
}

test('magic: classic pcap in both byte orders, micro- and nanosecond', () => {
  assert.deepEqual(detectCaptureBytes(u32(0xa1b2c3d4, false)), {
    format: 'pcap',
    endian: 'le',
    nanos: false,
    gzip: false,
  });
  assert.deepEqual(detectCaptureBytes(u32(0xa1b2c3d4, true)), {
    format: 'pcap',
    endian: 'be',
    nanos: false,
    gzip: false,
  });
  assert.equal(detectCaptureBytes(u32(0xa1b23c4d, false))?.nanos, true);
  assert.equal(detectCaptureBytes(u32(0xa1b23c4d, true))?.endian, 'be');
});

test('magic: pcapng section header block, endianness from its byte-order magic', () => {
  const shb = (be: boolean) => Buffer.concat([u32(0x0a0d0d0a, true), u32(28, be), u32(0x1a2b3c4d, be)]);
  assert.deepEqual(detectCaptureBytes(shb(false)), {
    format: 'pcapng',
    endian: 'le',
    nanos: false,
    gzip: false,
  });
  assert.equal(detectCaptureBytes(shb(true))?.endian, 'be');
});

test('magic: logs, garbage and short files are not captures', () => {
  assert.equal(detectCaptureBytes(Buffer.from('#separator \\x09\n')), undefined);
  assert.equal(detectCaptureBytes(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 1, 2, 3, 4, 9, 9, 9, 9])), undefined);
  assert.equal(detectCaptureBytes(Buffer.from([0xd4, 0xc3])), undefined);
});

test('magic: files, gzip-wrapped captures, names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-magic-'));
  const pcap = pcapFile([
    {
      ts: 1,
      data: udpFrame({
        ts: 1,
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sport: 1,
        dport: 2,
        payload: Buffer.from('x'),
      }),
    },
  ]);
  writeFileSync(join(dir, 'a.bin'), pcap);
  writeFileSync(join(dir, 'b.bin'), gzipSync(pcapFile([], true)));
  writeFileSync(join(dir, 'conn.log'), '#separator \\x09\n');
  writeFileSync(join(dir, 'junk.gz'), gzipSync(Buffer.from('not a capture')));
  assert.equal((await detectCaptureFile(join(dir, 'a.bin')))?.format, 'pcap');
  assert.deepEqual(await detectCaptureFile(join(dir, 'b.bin')), {
    format: 'pcap',
    endian: 'be',
    nanos: false,
    gzip: true,
  });
  assert.equal(await detectCaptureFile(join(dir, 'conn.log')), undefined);
  assert.equal(await detectCaptureFile(join(dir, 'junk.gz')), undefined);
  assert.equal(isCaptureFileSync(join(dir, 'a.bin')), true);
  assert.equal(isCaptureFileSync(join(dir, 'b.bin')), true);
  assert.equal(isCaptureFileSync(join(dir, 'conn.log')), false);
  assert.equal(isCaptureFileSync(join(dir, 'junk.gz')), false);
  assert.equal(
    isCaptureFileSync(join(dir, 'missing.pcapng')),
    true,
    'named like a capture: the reader reports it',
  );
  assert.equal(isCaptureFileSync(join(dir, 'missing.log')), false);
});

test('magic: a pipe is never read to sniff it (its data belongs to the log reader)', () => {
  assert.equal(isCaptureFileSync('/dev/stdin', false), false);
  assert.equal(isCaptureFileSync('/tmp/x.pcap', false), true);
});
