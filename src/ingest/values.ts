/**
 * Converters from Zeek's text forms to JS values (see model/zeek-types.ts for the mapping).
 * A converter returns `BAD` when the text does not parse as its type; callers reject the line
 * naming the field, they never store a half-parsed value.
 */
import { isUtf8 } from 'node:buffer';
import type { ZeekScalar, ZeekScalarType } from '../model/zeek-types.js';

export const BAD: unique symbol = Symbol('bad-value');
export type Converted = ZeekScalar | typeof BAD;
export type ScalarConverter = (text: string) => Converted;

/** Decodes Zeek's `\xNN` escapes (and `\\`). Bytes that form UTF-8 are decoded as UTF-8. */
export function unescapeZeek(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      const next = s.charCodeAt(i + 1);
      if (next === 0x78 /* x */ && HEX2.test(s.slice(i + 2, i + 4))) {
        bytes.push(Number.parseInt(s.slice(i + 2, i + 4), 16));
        i += 3;
        continue;
      }
      if (next === 0x5c) {
        bytes.push(0x5c);
        i += 1;
        continue;
      }
    }
    if (c < 0x80) bytes.push(c);
    else {
      // A non-ASCII code point (possibly a surrogate pair) copied through as its UTF-8 bytes.
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      i += ch.length - 1;
    }
  }
  const buf = Buffer.from(bytes);
  // Escaped bytes that are valid UTF-8 (older Zeek escaped all non-ASCII) decode as text;
  // anything else keeps one char per byte so that no byte is lost.
  return isUtf8(buf) ? buf.toString('utf8') : buf.toString('latin1');
}

const HEX2 = /^[0-9a-fA-F]{2}$/;

const toNumber: ScalarConverter = (t) => {
  const n = +t;
  return t.length === 0 || Number.isNaN(n) ? BAD : n;
};

const toInteger: ScalarConverter = (t) => {
  const n = +t;
  return t.length === 0 || !Number.isInteger(n) ? BAD : n;
};

const toBool: ScalarConverter = (t) => (t === 'T' ? true : t === 'F' ? false : BAD);

const toText: ScalarConverter = (t) => unescapeZeek(t);

/** Converter for one TSV scalar of the given type. */
export function tsvConverter(type: ZeekScalarType): ScalarConverter {
  switch (type) {
    case 'time':
    case 'interval':
    case 'double':
      return toNumber;
    case 'count':
    case 'int':
    case 'port':
      return toInteger;
    case 'bool':
      return toBool;
    default:
      return toText;
  }
}

const ISO_TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses Zeek's time forms: epoch seconds (number or numeric string) or ISO-8601
 * (`LogAscii::json_timestamps = JSON::TS_ISO8601`, e.g. `2021-06-12T09:01:00.123456Z`).
 * The fraction is kept to the microsecond, which Date.parse alone would cut to milliseconds.
 */
export function parseTime(v: unknown): number | typeof BAD {
  if (typeof v === 'number') return Number.isFinite(v) ? v : BAD;
  if (typeof v !== 'string') return BAD;
  const n = +v;
  if (v.length > 0 && !Number.isNaN(n)) return n;
  const m = ISO_TS.exec(v);
  if (!m) return BAD;
  const whole = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (Number.isNaN(whole)) return BAD;
  const frac = m[2] ? +m[2] : 0;
  return whole / 1000 + frac;
}

/**
 * Normalises one JSON scalar to the JS type of `type`. Zeek's own JSON already has the right
 * types; shippers sometimes stringify numbers or booleans, which are converted when lossless.
 */
export function jsonScalar(v: unknown, type: ZeekScalarType): Converted {
  switch (type) {
    case 'time':
      return parseTime(v);
    case 'interval':
    case 'double':
      if (typeof v === 'number') return v;
      return typeof v === 'string' ? toNumber(v) : BAD;
    case 'count':
    case 'int':
    case 'port':
      if (typeof v === 'number') return Number.isInteger(v) ? v : BAD;
      return typeof v === 'string' ? toInteger(v) : BAD;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'T' || v === 'true') return true;
      if (v === 'F' || v === 'false') return false;
      return BAD;
    default:
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return BAD;
  }
}
