/**
 * Bad input never stops a run and is never silent: every rejected line or file problem is
 * counted by reason, reported once with file and line, and its raw bytes are quarantined.
 */
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const REJECT_REASONS = {
  'malformed-json': 'a line that is not valid JSON',
  'not-an-object': 'a JSON line whose value is not an object',
  'field-count-mismatch': 'a TSV line whose column count differs from its #fields header',
  'bad-value': 'a value that does not parse as its declared type',
  'missing-field': 'a record lacking a field its log type requires (ts, uid, id.*)',
  'no-header': 'a TSV data line with no #fields header and no schema given for the file',
  'bad-header': 'a TSV header line that cannot be used (#fields and #types of different length)',
  'binary-garbage': 'a line with NUL bytes or other binary content',
  'invalid-utf8': 'a line whose bytes are not valid UTF-8 (Zeek escapes such bytes as \\xNN)',
  'line-too-long': 'a line longer than ingest.maxLineBytes',
  'truncated-line': 'a last line without its newline in a finished (not live) file',
  'truncated-gzip': 'a gzip file that ends early or is corrupt; lines before the damage are kept',
  'read-error': 'a file that could not be opened or read (vanished, permissions, I/O error)',
  'unknown-format': 'a file whose content is neither Zeek TSV nor Zeek JSON',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

export interface RejectEvent {
  readonly reason: RejectReason;
  /** Source file (or `-` for stdin). */
  readonly file: string;
  /** 1-based line number; 0 when the problem concerns the whole file. */
  readonly line: number;
  readonly message: string;
}

export interface RejectSinkOptions {
  /** Directory for the quarantine files; none = count and report only. */
  readonly quarantineDir?: string;
  /** Called with one human-readable line per reported problem. */
  readonly onMessage?: (text: string) => void;
  /** Messages printed per (file, reason) before the rest are only counted. Default 5. */
  readonly messagesPerFileReason?: number;
}

/** Collects rejects for one run: counts, messages (rate-limited), quarantine. */
export class RejectSink {
  readonly counts = new Map<RejectReason, number>();
  private readonly printed = new Map<string, number>();
  private readonly limit: number;
  private indexFd: number | undefined;
  private rawFd: number | undefined;
  private rawOffset = 0;

  constructor(private readonly options: RejectSinkOptions = {}) {
    this.limit = options.messagesPerFileReason ?? 5;
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Files whose lines end in CRLF: their rejected lines go to the quarantine with the `\r`. */
  private readonly crlf = new Set<string>();

  /**
   * The reader found that `file`'s first line ends in CRLF. Readers strip the `\r` before
   * parsing (Zeek never writes one), so the quarantine puts it back for that file's lines.
   */
  markCrlf(file: string): void {
    this.crlf.add(file);
  }

  /** Says something about the input that is not a reject (not counted, not quarantined). */
  note(text: string): void {
    this.options.onMessage?.(text);
  }

  /** Records one reject. `raw` is the exact line (bytes or text) when there is one. */
  reject(event: RejectEvent, raw?: Buffer | string): void {
    this.report(event);
    this.quarantine(event, raw);
  }

  /** Counts one reject and prints its message, rate-limited per (file, reason). */
  private report(event: RejectEvent): void {
    this.counts.set(event.reason, (this.counts.get(event.reason) ?? 0) + 1);
    const key = `${event.file}\u0000${event.reason}`;
    const n = (this.printed.get(key) ?? 0) + 1;
    this.printed.set(key, n);
    if (n <= this.limit) {
      const where = event.line > 0 ? `${event.file}:${event.line}` : event.file;
      this.options.onMessage?.(`rejected ${where}: ${event.message} [${event.reason}]`);
    } else if (n === this.limit + 1) {
      this.options.onMessage?.(
        `rejected ${event.file}: further ${event.reason} rejects in this file are counted and quarantined, not printed`,
      );
    }
  }

  /** Starts a quarantined raw record that arrives in pieces (an oversized line). */
  quarantineChunk(bytes: Buffer): void {
    const fd = this.openRaw();
    if (fd === undefined) return;
    writeSync(fd, bytes);
    this.rawOffset += bytes.length;
  }

  /** Offset in `rejects.raw` where the next raw bytes go; pairs with quarantineChunk. */
  get rawPosition(): number {
    // Opening sets the offset to the file's current size (a quarantine reused across runs).
    this.openRaw();
    return this.rawOffset;
  }

  /** Index entry for raw bytes already written with quarantineChunk. */
  rejectStreamed(event: RejectEvent, rawStart: number): void {
    this.report(event);
    const fd = this.openIndex();
    if (fd === undefined) return;
    const raw = this.openRaw();
    if (raw !== undefined) writeSync(raw, '\n');
    const entry = {
      ...event,
      rawFile: 'rejects.raw',
      rawOffset: rawStart,
      rawLength: this.rawOffset - rawStart,
    };
    this.rawOffset += 1;
    writeSync(fd, `${JSON.stringify(entry)}\n`);
  }

  private quarantine(event: RejectEvent, raw: Buffer | string | undefined): void {
    const fd = this.openIndex();
    if (fd === undefined) return;
    let entry: Record<string, unknown> = { ...event };
    if (raw !== undefined) {
      const text = typeof raw === 'string' && event.line > 0 && this.crlf.has(event.file) ? `${raw}\r` : raw;
      const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      const rawFd = this.openRaw();
      if (rawFd !== undefined) {
        entry = { ...entry, rawFile: 'rejects.raw', rawOffset: this.rawOffset, rawLength: bytes.length };
        writeSync(rawFd, bytes);
        writeSync(rawFd, '\n');
        this.rawOffset += bytes.length + 1;
      }
    }
    writeSync(fd, `${JSON.stringify(entry)}\n`);
  }

  private openIndex(): number | undefined {
    const dir = this.options.quarantineDir;
    if (!dir) return undefined;
    if (this.indexFd === undefined) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.indexFd = openSync(join(dir, 'rejects.jsonl'), 'a', 0o600);
    }
    return this.indexFd;
  }

  private openRaw(): number | undefined {
    const dir = this.options.quarantineDir;
    if (!dir) return undefined;
    if (this.rawFd === undefined) {
      this.openIndex();
      this.rawFd = openSync(join(dir, 'rejects.raw'), 'a', 0o600);
      this.rawOffset = fstatSync(this.rawFd).size;
    }
    return this.rawFd;
  }

  close(): void {
    if (this.indexFd !== undefined) closeSync(this.indexFd);
    if (this.rawFd !== undefined) closeSync(this.rawFd);
    this.indexFd = undefined;
    this.rawFd = undefined;
  }

  toObject(): Partial<Record<RejectReason, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<RejectReason, number>>;
  }
}
