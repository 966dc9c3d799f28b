/**
 * Recognises packet captures by their first bytes: classic pcap (microsecond and nanosecond
 * magic, either byte order) and pcapng (Section Header Block), plain or gzip'd. A name ending
 * `.pcap`/`.pcapng`/`.cap` (optionally `.gz`) marks a capture even before its bytes are read.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureKind {
  readonly format: CaptureFormat;
  /** Byte order of the header: 'le' for files written on little-endian machines. */
  readonly endian: 'le' | 'be';
  /** Timestamps in nanoseconds (pcap magic a1b23c4d). */
  readonly nanos: boolean;
  readonly gzip: boolean;
}

export const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz)?$/i;

/** Classifies the first bytes of a file (already un-gzipped); undefined when not a capture. */
export function detectCaptureBytes(head: Uint8Array, gzip = false): CaptureKind | undefined {
  if (head.length < 4) return undefined;
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  const le = b.readUInt32LE(0);
  if (le === 0xa1b2c3d4) return { format: 'pcap', endian: 'le', nanos: false, gzip };
  if (le === 0xa1b23c4d) return { format: 'pcap', endian: 'le', nanos: true, gzip };
  const be = b.readUInt32BE(0);
  if (be === 0xa1b2c3d4) return { format: 'pcap', endian: 'be', nanos: false, gzip };
  if (be === 0xa1b23c4d) return { format: 'pcap', endian: 'be', nanos: true, gzip };
  if (be === 0x0a0d0d0a && b.length >= 12) {
    // Section Header Block: its byte-order magic tells the endianness.
    const bom = b.readUInt32LE(8);
    if (bom === 0x1a2b3c4d) return { format: 'pcapng', endian: 'le', nanos: false, gzip };
    if (bom === 0x4d3c2b1a) return { format: 'pcapng', endian: 'be', nanos: false, gzip };
  }
  return undefined;
}

/** Reads the start of a file (un-gzipping it when needed) and classifies it. */
export async function detectCaptureFile(file: string): Promise<CaptureKind | undefined> {
  const fh = await open(file, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    let inner: Buffer;
    try {
      inner = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH: a truncated stream is fine */ });
    } catch {
      return undefined;
    }
    return detectCaptureBytes(inner, true);
  }
  return detectCaptureBytes(head);
}

/**
 * Synchronous check for discovery: a capture by name (`.pcap`, `.pcapng`, `.cap`, with or without
 * `.gz`) or by its first bytes. `sniff` false (pipes, devices: reading would consume their data)
 * decides by name only. Unreadable files answer false (the reader reports them).
 */
export function isCaptureFileSync(file: string, sniff = true): boolean {
  if (CAPTURE_NAME.test(file)) return true;
  if (!sniff) return false;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let head = buf.subarray(0, n);
    const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    if (gzip) head = gunzipSync(head, { finishFlush: 2 });
    return detectCaptureBytes(head, gzip) !== undefined;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
