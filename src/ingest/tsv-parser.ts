/**
 * Zeek ASCII (TSV) log parser: the full header (`#separator` with its `\x09` escape,
 * `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#open`, `#fields`, `#types`,
 * `#close`), a header repeated mid-file (concatenated logs), and header-less zeek-cut output
 * (given fields, a field-name line, or the known default layout of the log type).
 */
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { isNumericScalar, parseZeekType, type ZeekScalar, type ZeekType } from '../model/zeek-types.js';
import { looksBinary, missingRequired } from './record-check.js';
import type { RejectSink } from './rejects.js';
import { BAD, parseTime, type ScalarConverter, tsvConverter, unescapeZeek } from './values.js';

interface Column {
  readonly name: string;
  readonly type: ZeekType;
  readonly convert: ScalarConverter;
  /** string-like scalar: `(empty)` reads as "". Numbers and bools have no empty form. */
  readonly textual: boolean;
  /** A zeek-cut column with no name (a field the log lacks): its values are not kept. */
  readonly skip: boolean;
}

export interface TsvHeaderState {
  readonly path: string;
  readonly separator: string;
  readonly setSeparator: string;
  readonly emptyField: string;
  readonly unsetField: string;
  /** `#open` time, set only when there is no ts column (records then take it as ts). */
  readonly openTs: number | undefined;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: ZeekType }>;
}

export interface TsvParserOptions {
  /** Log type when the file has no `#path` (from the file name or the user). */
  readonly path?: string;
  /** Field names for header-less input, as the user names them. */
  readonly fields?: readonly string[];
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export class TsvParser {
  private separator = '\t';
  private setSeparator = ',';
  private emptyField = '(empty)';
  private unsetField = '-';
  private path: string;
  private openTs: number | undefined;
  private columns: Column[] | undefined;
  private fieldNames: string[] | undefined;
  private hasTs = false;

  constructor(
    private readonly file: string,
    private readonly sink: RejectSink,
    options: TsvParserOptions = {},
  ) {
    this.path = options.path ?? 'unknown';
    if (options.fields) this.setFields([...options.fields], undefined);
  }

  get logType(): string {
    return this.path;
  }

  /** The header state data lines are read with (for the parallel fast path); undefined before `#fields`. */
  get headerState(): TsvHeaderState | undefined {
    if (!this.columns) return undefined;
    return {
      path: this.path,
      separator: this.separator,
      setSeparator: this.setSeparator,
      emptyField: this.emptyField,
      unsetField: this.unsetField,
      openTs: this.hasTs ? undefined : this.openTs,
      columns: this.columns.map((c) => ({ name: c.name, type: c.type })),
    };
  }

  /** Parses one line (without its newline); a record, if any, is pushed to `out`. */
  parse(line: string, lineNo: number, out: ZeekRecord[]): void {
    if (line.length === 0) return;
    if (line.charCodeAt(0) === 0x23 /* # */) {
      this.header(line, lineNo);
      return;
    }
    const cols = this.columns ?? this.adoptHeaderless(line, lineNo);
    if (cols === undefined) return;
    if (cols === null) {
      this.sink.reject(
        {
          reason: looksBinary(line) ? 'binary-garbage' : 'no-header',
          file: this.file,
          line: lineNo,
          message: 'data line without a #fields header; name the fields (--fields) for zeek-cut output',
        },
        line,
      );
      return;
    }
    const parts = line.split(this.separator);
    if (parts.length !== cols.length) {
      const binary = looksBinary(line);
      this.sink.reject(
        {
          reason: binary ? 'binary-garbage' : 'field-count-mismatch',
          file: this.file,
          line: lineNo,
          message: binary
            ? 'binary content in a TSV log line'
            : `${parts.length} columns where the header declares ${cols.length}`,
        },
        line,
      );
      return;
    }
    const rec = { _path: this.path, ts: this.hasTs ? undefined : this.openTs } as Record<string, unknown>;
    const unset = this.unsetField;
    const empty = this.emptyField;
    for (let i = 0; i < cols.length; i++) {
      const text = parts[i]!;
      if (text === unset) continue;
      const col = cols[i]!;
      if (col.skip) continue;
      if (!col.type.container) {
        if (text === empty) {
          if (!col.textual) {
            this.badValue(line, lineNo, col, text);
            return;
          }
          rec[col.name] = '';
          continue;
        }
        const v = col.convert(text);
        if (v === BAD) {
          this.badValue(line, lineNo, col, text);
          return;
        }
        rec[col.name] = v;
        continue;
      }
      if (text === empty) {
        rec[col.name] = [];
        continue;
      }
      const items = text.split(this.setSeparator);
      const values: ZeekScalar[] = new Array(items.length);
      for (let j = 0; j < items.length; j++) {
        const v = col.convert(items[j]!);
        if (v === BAD) {
          this.badValue(line, lineNo, col, items[j]!);
          return;
        }
        values[j] = v;
      }
      rec[col.name] = values;
    }
    const missing = missingRequired(this.path, rec as ZeekRecord);
    if (missing !== undefined) {
      this.sink.reject(
        {
          reason: 'missing-field',
          file: this.file,
          line: lineNo,
          message:
            missing === 'ts' && !this.hasTs
              ? 'no ts column and no #open header: event time unknown'
              : `${this.path} record without ${missing}`,
        },
        line,
      );
      return;
    }
    out.push(rec as ZeekRecord);
  }

  private badValue(line: string, lineNo: number, col: Column, text: string): void {
    this.sink.reject(
      {
        reason: looksBinary(line) ? 'binary-garbage' : 'bad-value',
        file: this.file,
        line: lineNo,
        message: `field ${col.name} (${col.type.name}) has value ${JSON.stringify(text.slice(0, 80))}`,
      },
      line,
    );
  }

  private header(line: string, lineNo: number): void {
    // `#separator` is always separated from its value by a space; the value is escaped.
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length)) || '\t';
      return;
    }
    const sep = line.indexOf(this.separator);
    if (sep < 0) return; // `#close` without value, btest's `###` banner, comments
    const key = line.slice(1, sep);
    const value = line.slice(sep + this.separator.length);
    switch (key) {
      case 'set_separator':
        this.setSeparator = unescapeZeek(value);
        break;
      case 'empty_field':
        this.emptyField = unescapeZeek(value);
        break;
      case 'unset_field':
        this.unsetField = unescapeZeek(value);
        break;
      case 'path':
        this.path = unescapeZeek(value);
        break;
      case 'open': {
        const t = parseOpenTime(value);
        this.openTs = t;
        break;
      }
      case 'fields': {
        const names = value.split(this.separator);
        if (names.includes('__proto__')) {
          this.sink.reject(
            {
              reason: 'bad-header',
              file: this.file,
              line: lineNo,
              message: 'a field named __proto__ is not kept',
            },
            line,
          );
        }
        this.setFields(names, undefined);
        break;
      }
      case 'types': {
        const types = value.split(this.separator);
        if (!this.fieldNames || types.length !== this.fieldNames.length) {
          this.sink.reject(
            {
              reason: 'bad-header',
              file: this.file,
              line: lineNo,
              message: `#types has ${types.length} entries for ${this.fieldNames?.length ?? 0} #fields; using default types`,
            },
            line,
          );
          break;
        }
        this.setFields(this.fieldNames, types);
        break;
      }
      default:
        break;
    }
  }

  private setFields(names: string[], types: string[] | undefined): void {
    const schema = schemaFor(this.path);
    this.fieldNames = names;
    this.hasTs = names.includes('ts');
    this.columns = names.map((name, i) => {
      const type = parseZeekType(
        types?.[i] ?? schema?.byName.get(name)?.name ?? (name === 'ts' ? 'time' : 'string'),
      );
      return {
        name,
        type,
        convert: tsvConverter(type.scalar),
        textual: !isNumericScalar(type.scalar) && type.scalar !== 'bool',
        // `__proto__` would replace the record's prototype rather than set a field
        skip: name === '' || name === '__proto__',
      };
    });
  }

  /**
   * Header-less input: a field-name line (zeek-cut's first line), or the default layout of a
   * known log type when the column count matches it. `null` = cannot tell; `undefined` = the
   * line was the field names and is consumed.
   */
  private adoptHeaderless(line: string, _lineNo: number): Column[] | null | undefined {
    const parts = line.split(this.separator);
    const schema = schemaFor(this.path);
    // zeek-cut prints an empty name (and empty values) for a field the log does not have.
    if (
      parts.every((p) => p === '' || FIELD_NAME.test(p)) &&
      parts.some((p) => p === 'ts' || p === 'uid' || schema?.byName.has(p))
    ) {
      this.setFields(parts, undefined);
      return undefined;
    }
    if (schema && parts.length === schema.fields.length) {
      this.setFields(
        schema.fields.map((f) => f.name),
        schema.fields.map((f) => f.type.name),
      );
      return this.columns!;
    }
    return null;
  }
}

/** `#open 2023-08-16-01-28-55` (local time of the sensor; taken as UTC) → epoch seconds. */
function parseOpenTime(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})/.exec(value);
  if (!m) {
    const t = parseTime(value);
    return t === BAD ? undefined : t;
  }
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
}
