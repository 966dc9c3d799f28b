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

/**
 * Decodes Zeek's `\xNN` escapes (and `\\`). Decoded bytes that form UTF-8 (older Zeek escaped
 * all non-ASCII) become text; a byte that is not part of valid UTF-8 stays as the four
 * characters `\xNN`, as Zeek's own JSON writer shows it, so that no byte is lost and the TSV
 * and JSON forms of one log read to the same string.
 */
export function unescapeZeek(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  const bytes: number[] = [];
  let escapedHigh = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      const next = s.charCodeAt(i + 1);
      if (next === 0x78 /* x */) {
        const hi = hexValue(s.charCodeAt(i + 2));
        const lo = hexValue(s.charCodeAt(i + 3));
        if (hi >= 0 && lo >= 0) {
          const b = (hi << 4) | lo;
          if (b >= 0x80) escapedHigh = true;
          bytes.push(b);
          i += 3;
          continue;
        }
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
  if (!escapedHigh || isUtf8(buf)) return buf.toString('utf8');
  return decodeKeepingInvalidBytes(buf);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function utf8SequenceLength(buf: Buffer, i: number): number {
  const b = buf[i]!;
  let n: number;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) n = 3;
  else if (b >= 0xf0 && b <= 0xf4) n = 4;
  else return 0;
  if (i + n > buf.length) return 0;
  return isUtf8(buf.subarray(i, i + n)) ? n : 0;
}

/** Valid UTF-8 runs decode as text; every other byte becomes the text `\xNN`. */
function decodeKeepingInvalidBytes(buf: Buffer): string {
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < buf.length) {
    const n = utf8SequenceLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', runStart, i) + `\\x${buf[i]!.toString(16).padStart(2, '0')}`;
    i += 1;
    runStart = i;
  }
  return out + buf.toString('utf8', runStart, buf.length);
}

/** Zeek's count/int/port text: an optional sign and decimal digits, nothing else. */
function isIntegerText(t: string): boolean {
  const n = t.length;
  let i = 0;
  const c0 = t.charCodeAt(0);
  if (c0 === 0x2d /* - */ || c0 === 0x2b /* + */) i = 1;
  if (i >= n) return false;
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Zeek's time/interval/double text: decimal digits with an optional sign, point and exponent.
 * Rejects what `+text` would quietly accept: blanks, hex (`0x1f`), `Infinity`, whitespace.
 */
export function isDecimalText(t: string): boolean {
  const n = t.length;
  let i = 0;
  let c = t.charCodeAt(0);
  if (c === 0x2d || c === 0x2b) c = t.charCodeAt(++i);
  let digits = 0;
  while (c >= 0x30 && c <= 0x39) {
    digits++;
    c = t.charCodeAt(++i);
  }
  if (c === 0x2e /* . */) {
    c = t.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39) {
      digits++;
      c = t.charCodeAt(++i);
    }
  }
  if (digits === 0) return false;
  if (c === 0x65 || c === 0x45 /* e E */) {
    c = t.charCodeAt(++i);
    if (c === 0x2d || c === 0x2b) c = t.charCodeAt(++i);
    let exp = 0;
    while (c >= 0x30 && c <= 0x39) {
      exp++;
      c = t.charCodeAt(++i);
    }
    if (exp === 0) return false;
  }
  return i === n;
}

/**
 * Hot path for time/interval/double: `+t` and a few char checks, equivalent to
 * `isDecimalText(t) && finite` (values.test.ts checks both agree) at half the cost.
 */
const toNumber: ScalarConverter = (t) => {
  const n = +t;
  if (n - n !== 0) return BAD; // NaN, ±Infinity (also '' → 0 is caught below)
  const first = t.charCodeAt(0);
  const last = t.charCodeAt(t.length - 1);
  // digits or a point at the end: no blanks, no `Infinity`, not empty
  if (!((last >= 0x30 && last <= 0x39) || last === 0x2e)) return BAD;
  if (first >= 0x30 && first <= 0x39) {
    if (first !== 0x30 || t.length === 1) return n;
    const second = t.charCodeAt(1);
    // `0x1f`, `0o7`, `0b1` parse as numbers in JS; Zeek never writes them
    return second <= 0x39 || second === 0x65 || second === 0x45 ? n : BAD;
  }
  return first === 0x2d || first === 0x2b || first === 0x2e ? n : BAD;
};

const toInteger: ScalarConverter = (t) => (isIntegerText(t) ? +t : BAD);

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
  if (isDecimalText(v)) {
    const n = +v;
    return Number.isFinite(n) ? n : BAD;
  }
  const m = ISO_TS.exec(v);
  if (!m) return BAD;
  const zone = m[3] === undefined ? 'Z' : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
  const whole = Date.parse(`${m[1]}${zone}`);
  if (Number.isNaN(whole)) return BAD;
  const seconds = whole / 1000;
  if (!m[2]) return seconds;
  // Same decimal text as the epoch form, so both parse to the very same double.
  return seconds >= 0 ? +`${seconds}${m[2]}` : seconds + +m[2];
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
      if (typeof v === 'number') return Number.isFinite(v) ? v : BAD;
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
