/** Picks the parser for a file from its first non-empty line: `#` TSV, `{` JSON, else zeek-cut. */
import type { ZeekRecord } from '../model/records.js';
import { JsonParser } from './json-parser.js';
import type { RejectSink } from './rejects.js';
import { TsvParser } from './tsv-parser.js';

export type LogFormat = 'tsv' | 'json' | 'tsv-headerless';

export interface ParserOptions {
  /** Log type when the file does not say (`#path`, `_path`); else from the file name. */
  readonly path?: string;
  /** Field names for header-less zeek-cut output. */
  readonly fields?: readonly string[];
}

export interface LineParser {
  parse(line: string, lineNo: number, out: ZeekRecord[]): void;
}

export class AutoParser implements LineParser {
  private inner: LineParser | undefined;
  format: LogFormat | undefined;

  constructor(
    private readonly file: string,
    private readonly sink: RejectSink,
    private readonly options: ParserOptions,
  ) {}

  /** The parser chosen from the first line (undefined before it). */
  get parser(): LineParser | undefined {
    return this.inner;
  }

  parse(line: string, lineNo: number, out: ZeekRecord[]): void {
    if (this.inner) {
      this.inner.parse(line, lineNo, out);
      return;
    }
    if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // BOM
    const first = line.trimStart().charCodeAt(0);
    if (Number.isNaN(first)) return; // blank line before any content
    if (first === 0x7b /* { */) {
      this.format = 'json';
      this.inner = new JsonParser(this.file, this.sink, { path: this.options.path });
    } else {
      this.format = first === 0x23 /* # */ ? 'tsv' : 'tsv-headerless';
      this.inner = new TsvParser(this.file, this.sink, {
        path: this.options.path,
        fields: this.options.fields,
      });
    }
    this.inner.parse(line, lineNo, out);
  }
}
