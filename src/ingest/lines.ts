/**
 * Splits a byte stream into text lines on the hot path: one decode per chunk (latin1 when the
 * chunk is ASCII, the common case, UTF-8 otherwise), never string concatenation across chunks.
 * A line whose bytes are not UTF-8, or that exceeds `maxLineBytes`, is rejected and its exact
 * bytes quarantined; the stream goes on.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { RejectSink } from './rejects.js';

export type LineHandler = (line: string, lineNo: number) => void;

/**
 * Takes a whole decoded block (lines joined by `\n`, none too long, CRs not stripped) starting
 * at line `firstLineNo`, instead of line by line; returns the number of lines in it.
 * Used by the parallel reader (parallel.ts), which hands blocks to worker threads.
 */
export type BlockHandler = (text: string, firstLineNo: number) => number;

/** Default cap on one line: far above any real Zeek line (certificates, long URIs). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineSplitter {
  private carry: Buffer | undefined;
  private lineNo = 0;
  /** Whether the first line's ending (LF or CRLF) has been seen. */
  private endingKnown = false;
  /** Set while discarding an oversized line: where its raw bytes start in the quarantine. */
  private oversize: { rawStart: number; bytes: number } | undefined;

  constructor(
    private readonly file: string,
    private readonly sink: RejectSink,
    private readonly onLine: LineHandler,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    /** Lines already consumed before the first pushed byte (a live tail resuming mid-file). */
    startLine = 0,
    private readonly onBlock?: BlockHandler,
  ) {
    this.lineNo = startLine;
  }

  /** Lines completed so far (the number of the last line handed on or rejected). */
  get linesSeen(): number {
    return this.lineNo;
  }

  /** Bytes held back for an unfinished last line. */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  push(chunk: Buffer): void {
    if (this.oversize) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.sink.quarantineChunk(chunk);
        this.oversize.bytes += chunk.length;
        return;
      }
      this.sink.quarantineChunk(chunk.subarray(0, nl));
      this.finishOversize(this.oversize.bytes + nl);
      chunk = chunk.subarray(nl + 1);
      if (chunk.length === 0) return;
    }
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      this.carry = this.carry ? Buffer.concat([this.carry, chunk]) : Buffer.from(chunk);
      if (this.carry.length > this.maxLineBytes) this.startOversize();
      return;
    }
    let head = chunk.subarray(0, last);
    if (this.carry) {
      head = Buffer.concat([this.carry, head]);
      this.carry = undefined;
    }
    const rest = chunk.subarray(last + 1);
    if (rest.length > 0) this.carry = Buffer.from(rest);
    this.emitBlock(head);
  }

  /**
   * End of input. `complete=false` means the stream was cut (truncated gzip): an unfinished
   * last line is rejected rather than parsed. A plain file's last line without its newline
   * is parsed as usual.
   */
  end(complete = true): void {
    if (this.oversize) {
      this.finishOversize(this.oversize.bytes);
      return;
    }
    const carry = this.carry;
    this.carry = undefined;
    if (!carry || carry.length === 0) return;
    if (!complete) {
      this.lineNo++;
      this.sink.reject(
        {
          reason: 'truncated-line',
          file: this.file,
          line: this.lineNo,
          message: `last line cut off after ${carry.length} bytes`,
        },
        carry,
      );
      return;
    }
    this.emitBlock(carry);
  }

  private emitBlock(block: Buffer): void {
    if (isAscii(block)) {
      this.emitText(block.toString('latin1'), true);
    } else if (isUtf8(block)) {
      this.emitText(block.toString('utf8'), false);
    } else {
      this.emitBytewise(block);
    }
  }

  /** `ascii`: one char per byte. Otherwise a UTF-16 length understates the bytes up to 3×. */
  private emitText(text: string, ascii: boolean): void {
    if (!this.endingKnown) {
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        this.endingKnown = true;
        if (nl > 0 && text.charCodeAt(nl - 1) === 13) this.sink.markCrlf(this.file);
      }
    }
    let start = 0;
    const onLine = this.onLine;
    const max = this.maxLineBytes;
    const sure = ascii ? max : Math.floor(max / 3);
    if (this.onBlock !== undefined && text.length <= sure) {
      this.lineNo += this.onBlock(text, this.lineNo + 1);
      return;
    }
    for (;;) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      // Zeek never writes CR; files that passed through Windows tools may carry one.
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      this.lineNo++;
      if (line.length > sure && (ascii || Buffer.byteLength(line, 'utf8') > max)) {
        this.rejectLong(Buffer.from(line, 'utf8'));
      } else onLine(line, this.lineNo);
      if (nl < 0) return;
      start = nl + 1;
    }
  }

  /** Slow path for a block with invalid UTF-8: decide line by line, quarantine exact bytes. */
  private emitBytewise(block: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = block.indexOf(10, start);
      const end = nl < 0 ? block.length : nl;
      const bytes = block.subarray(start, end);
      if (isUtf8(bytes)) {
        this.emitText(bytes.toString('utf8'), false);
      } else {
        this.lineNo++;
        this.sink.reject(
          {
            reason: bytes.includes(0) ? 'binary-garbage' : 'invalid-utf8',
            file: this.file,
            line: this.lineNo,
            message: bytes.includes(0) ? 'binary content (NUL bytes)' : 'bytes that are not UTF-8',
          },
          Buffer.from(bytes),
        );
      }
      if (nl < 0) return;
      start = nl + 1;
    }
  }

  private rejectLong(bytes: Buffer): void {
    this.sink.reject(
      {
        reason: 'line-too-long',
        file: this.file,
        line: this.lineNo,
        message: `line of ${bytes.length} bytes exceeds maxLineBytes ${this.maxLineBytes}`,
      },
      bytes,
    );
  }

  private startOversize(): void {
    const carry = this.carry!;
    this.carry = undefined;
    this.oversize = { rawStart: this.sink.rawPosition, bytes: carry.length };
    this.sink.quarantineChunk(carry);
  }

  private finishOversize(total: number): void {
    const { rawStart } = this.oversize!;
    this.oversize = undefined;
    this.lineNo++;
    this.sink.rejectStreamed(
      {
        reason: 'line-too-long',
        file: this.file,
        line: this.lineNo,
        message: `line of ${total} bytes exceeds maxLineBytes ${this.maxLineBytes}`,
      },
      rawStart,
    );
  }
}
