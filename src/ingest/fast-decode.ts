/**
 * The fast path of the reader, in two halves that meet in a "tape" of typed arrays:
 *
 *  - `decodeBlock` (runs in a worker thread) scans a block of lines of one file whose layout is
 *    known (TSV columns from the `#fields`/`#types` header, or a JSON log type's schema) without
 *    building objects: each value becomes numbers on the tape (a parsed number, a bool, or the
 *    start/end offsets of a string in the block's text; a TSV string with `\xNN` escapes is
 *    unescaped here, by the same `unescapeZeek` the TSV parser uses, and travels as a string).
 *  - `Materializer` (runs on the main thread, which decoded the same text) turns the tape into
 *    records with a builder specialised per (layout, set of present fields): one object literal,
 *    strings sliced from the text, numbers read from a Float64Array.
 *
 * The fast path accepts only a strict subset of the input: canonical numbers (`-?\d+(\.\d+)?`,
 * computed exactly), JSON strings without escapes or control characters, JSON keys in layout
 * order (as Zeek writes them) and no whitespace, every required field present. Any other line
 * is marked "slow" on the tape and the main thread hands it, with its exact line number, to the
 * regular parser (tsv-parser.ts / json-parser.ts), which produces the record or the reject it
 * always does. So the fast path can only agree with the regular one; parallel.test.ts checks
 * that it does, record for record and reject for reject.
 *
 * Measured here (2 shared cores): the decoder costs about what JSON.parse costs per line (it
 * reads every character, in JS); what it saves is the main thread's work — materialising from
 * a tape is ~0.3–0.4 µs a record, against ~2 µs to structured-clone a record across threads
 * and ~4 µs for the single-thread parse + normalise.
 */
import type { ZeekRecord } from '../model/records.js';
import { REQUIRED_FIELDS } from '../model/records.js';
import { isKnownLogType, schemaFor } from '../model/schemas.js';
import type { ZeekType } from '../model/zeek-types.js';
import { unescapeZeek } from './values.js';

/** How a column's text is decoded. */
export const TEXT = 0;
export const FLOAT = 1;
export const INT = 2;
export const BOOL = 3;
export type Kind = typeof TEXT | typeof FLOAT | typeof INT | typeof BOOL;

export interface FastColumn {
  readonly name: string;
  readonly kind: Kind;
  readonly container: boolean;
}

/** Everything a worker needs to decode lines of one file; plain data (structured-clonable). */
export interface FastLayout {
  readonly format: 'tsv' | 'json';
  readonly path: string;
  readonly columns: readonly FastColumn[];
  /** Bit masks (columns 0–30, 31–61) of the columns a record must have to be fast-decoded. */
  readonly requiredLo: number;
  readonly requiredHi: number;
  /** Index of the `ts` column, or -1 (TSV without one: `tsConst` from `#open`). */
  readonly tsIndex: number;
  readonly tsConst: number;
  readonly separator: string;
  readonly setSeparator: string;
  readonly emptyField: string;
  readonly unsetField: string;
}

/** Columns beyond this many (two 31-bit masks) leave a file on the regular path. */
const MAX_COLUMNS = 62;

export function kindOf(type: ZeekType): Kind {
  switch (type.scalar) {
    case 'time':
    case 'interval':
    case 'double':
      return FLOAT;
    case 'count':
    case 'int':
    case 'port':
      return INT;
    case 'bool':
      return BOOL;
    default:
      return TEXT;
  }
}

/**
 * Builds a layout, or undefined when the file must stay on the regular path: names the fast
 * builder would treat differently from a plain assignment (`_path`, `__proto__`, empty,
 * duplicates), multi-character separators, too many columns, a required field no column has.
 */
export function makeLayout(
  format: 'tsv' | 'json',
  path: string,
  columns: ReadonlyArray<{ readonly name: string; readonly type: ZeekType }>,
  tsv?: {
    readonly separator: string;
    readonly setSeparator: string;
    readonly emptyField: string;
    readonly unsetField: string;
    readonly openTs: number | undefined;
  },
): FastLayout | undefined {
  if (columns.length === 0 || columns.length > MAX_COLUMNS) return undefined;
  const names = new Set<string>();
  for (const c of columns) {
    if (c.name === '' || c.name === '_path' || c.name === '__proto__' || names.has(c.name)) return undefined;
    names.add(c.name);
  }
  const required = ['ts', ...(isKnownLogType(path) ? REQUIRED_FIELDS[path] : [])];
  const tsIndex = columns.findIndex((c) => c.name === 'ts');
  let lo = 0;
  let hi = 0;
  for (const f of required) {
    const i = columns.findIndex((c) => c.name === f);
    if (i < 0) {
      if (f === 'ts' && format === 'tsv' && tsv?.openTs !== undefined) continue;
      return undefined;
    }
    if (i < 31) lo |= 1 << i;
    else hi |= 1 << (i - 31);
  }
  if (tsv && (tsv.separator.length !== 1 || tsv.setSeparator.length !== 1)) return undefined;
  if (tsv && (tsv.emptyField.length === 0 || tsv.unsetField.length === 0)) return undefined;
  return {
    format,
    path,
    columns: columns.map((c) => ({ name: c.name, kind: kindOf(c.type), container: c.type.container })),
    requiredLo: lo,
    requiredHi: hi,
    tsIndex,
    tsConst: tsv?.openTs ?? 0,
    separator: tsv?.separator ?? '\t',
    setSeparator: tsv?.setSeparator ?? ',',
    emptyField: tsv?.emptyField ?? '(empty)',
    unsetField: tsv?.unsetField ?? '-',
  };
}

/** Layout for a JSON file of a known log type without `_path` keys (Zeek's own JSON). */
export function jsonLayout(path: string | undefined): FastLayout | undefined {
  if (path === undefined) return undefined;
  const schema = schemaFor(path);
  if (!schema) return undefined;
  return makeLayout('json', path, schema.fields);
}

// ---------------------------------------------------------------- tape

/** Tape tags. A record: REC, mask lo, mask hi, values. A line for the regular parser: SLOW, index, start, end. */
export const REC = 1;
export const SLOW = 2;

export interface Tape {
  readonly ints: Int32Array;
  readonly nums: Float64Array;
  readonly intLength: number;
  readonly numLength: number;
  /** Lines in the block (as LineSplitter counts them). */
  readonly lines: number;
  /** Lines left to the regular parser. */
  readonly slow: number;
  /** Strings that are not a slice of the text (TSV values with `\\xNN` escapes, unescaped). */
  readonly strings: string[];
}

/** A used tape's buffers, handed back to a worker to write the next tape into (no allocation). */
export interface TapeBuffers {
  readonly ints: ArrayBuffer;
  readonly nums: ArrayBuffer;
}

class TapeWriter {
  ints: Int32Array;
  nums: Float64Array;
  ip = 0;
  np = 0;

  constructor(textLength: number, spare?: TapeBuffers) {
    const ni = Math.max(1024, textLength >> 2);
    const nn = Math.max(256, textLength >> 4);
    this.ints = spare && spare.ints.byteLength >= ni * 4 ? new Int32Array(spare.ints) : new Int32Array(ni);
    this.nums =
      spare && spare.nums.byteLength >= nn * 8 ? new Float64Array(spare.nums) : new Float64Array(nn);
  }

  /** Room for a line of `len` chars (at worst two ints or one number per char). */
  reserve(len: number): void {
    const needI = this.ip + 2 * len + 8;
    if (needI > this.ints.length) {
      const a = new Int32Array(Math.max(needI, this.ints.length * 2));
      a.set(this.ints.subarray(0, this.ip));
      this.ints = a;
    }
    const needN = this.np + len + 2;
    if (needN > this.nums.length) {
      const a = new Float64Array(Math.max(needN, this.nums.length * 2));
      a.set(this.nums.subarray(0, this.np));
      this.nums = a;
    }
  }
}

const POW10: number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);
const TWO53 = 2 ** 53;

/**
 * Canonical decimal `-?\d+(\.\d+)?` in text[p, q) → its value, exactly `+text` (the mantissa
 * fits in 53 bits and the divisor is an exact power of ten, so the one division rounds
 * correctly); NaN for anything else, which sends the line to the regular parser.
 */
function decimal(t: string, p: number, q: number, integer: boolean): number {
  let i = p;
  let neg = false;
  if (t.charCodeAt(i) === 0x2d) {
    neg = true;
    i++;
  }
  let m = 0;
  let digits = 0;
  let c = t.charCodeAt(i);
  while (i < q && c >= 0x30 && c <= 0x39) {
    m = m * 10 + (c - 0x30);
    digits++;
    c = t.charCodeAt(++i);
  }
  if (digits === 0) return Number.NaN;
  let frac = 0;
  if (i < q && c === 0x2e) {
    if (integer) return Number.NaN;
    c = t.charCodeAt(++i);
    while (i < q && c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      frac++;
      c = t.charCodeAt(++i);
    }
    if (frac === 0) return Number.NaN;
  }
  if (i !== q || m >= TWO53 || frac > 22) return Number.NaN;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/**
 * A JSON number at text[p…] (JSON grammar) → [value, end] in `numOut`; false when the text is
 * not a JSON number the fast path takes (the regular parser then decides).
 */
function jsonNumber(t: string, p: number, out: { v: number; end: number }): boolean {
  let i = p;
  const neg = t.charCodeAt(i) === 0x2d;
  if (neg) i++;
  let c = t.charCodeAt(i);
  let m = 0;
  if (c === 0x30) {
    c = t.charCodeAt(++i);
    if (c >= 0x30 && c <= 0x39) return false; // leading zero: not JSON
  } else if (c >= 0x31 && c <= 0x39) {
    do {
      m = m * 10 + (c - 0x30);
      c = t.charCodeAt(++i);
    } while (c >= 0x30 && c <= 0x39);
  } else return false;
  let frac = 0;
  if (c === 0x2e) {
    c = t.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39) {
      m = m * 10 + (c - 0x30);
      frac++;
      c = t.charCodeAt(++i);
    }
    if (frac === 0) return false;
  }
  let v: number;
  if (c === 0x65 || c === 0x45) {
    c = t.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) c = t.charCodeAt(++i);
    const f = i;
    while (c >= 0x30 && c <= 0x39) c = t.charCodeAt(++i);
    if (i === f) return false;
    v = +t.slice(p, i); // a valid JSON number: the value JSON.parse gives
  } else if (m < TWO53 && frac <= 22) {
    // Exact: an integer mantissa below 2^53 over an exact power of ten rounds once, correctly.
    v = frac > 0 ? m / POW10[frac]! : m;
    if (neg) v = -v;
  } else v = +t.slice(p, i);
  if (!Number.isFinite(v)) return false;
  out.v = v;
  out.end = i;
  return true;
}

/** Each JSON key as written, quotes and colon included (`"id.orig_h":`), as char codes in one array. */
interface KeyCodes {
  readonly codes: Uint16Array;
  readonly offsets: Int32Array;
}

function keyCodes(layout: FastLayout): KeyCodes {
  const keys = layout.columns.map((c) => `${JSON.stringify(c.name)}:`);
  const offsets = new Int32Array(keys.length + 1);
  for (let i = 0; i < keys.length; i++) offsets[i + 1] = offsets[i]! + keys[i]!.length;
  const codes = new Uint16Array(offsets[keys.length]!);
  keys.forEach((k, i) => {
    for (let j = 0; j < k.length; j++) codes[offsets[i]! + j] = k.charCodeAt(j);
  });
  return { codes, offsets };
}

/** Decodes one block (lines joined by `\n`, no final newline) of a file with `layout`. */
export function decodeBlock(text: string, layout: FastLayout, spare?: TapeBuffers): Tape {
  const w = new TapeWriter(text.length, spare);
  const json = layout.format === 'json';
  const keys = keyCodes(layout);
  let lines = 0;
  let slow = 0;
  let ls = 0;
  const num = { v: 0, end: 0 };
  const extra: string[] = [];
  for (;;) {
    const nl = text.indexOf('\n', ls);
    const end = nl < 0 ? text.length : nl;
    const le = end > ls && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (le > ls) {
      w.reserve(le - ls);
      const ok = json
        ? jsonLine(text, ls, le, layout, keys, w, num)
        : tsvLine(text, ls, le, layout, w, extra);
      if (!ok) {
        w.ints[w.ip++] = SLOW;
        w.ints[w.ip++] = lines;
        w.ints[w.ip++] = ls;
        w.ints[w.ip++] = le;
        slow++;
      }
    }
    lines++;
    if (nl < 0) break;
    ls = nl + 1;
  }
  return { ints: w.ints, nums: w.nums, intLength: w.ip, numLength: w.np, lines, slow, strings: extra };
}

/** One TSV data line → tape; false (tape untouched) when it needs the regular parser. */
function tsvLine(t: string, ls: number, le: number, L: FastLayout, w: TapeWriter, extra: string[]): boolean {
  if (t.charCodeAt(ls) === 0x23) return false; // a header line: the main thread's business
  const cols = L.columns;
  const n = cols.length;
  const sep = L.separator.charCodeAt(0);
  const setSep = L.setSeparator.charCodeAt(0);
  const unset = L.unsetField;
  const empty = L.emptyField;
  const u0 = unset.charCodeAt(0);
  const unsetLen = unset.length;
  const emptyLen = empty.length;
  const I = w.ints;
  const N = w.nums;
  const extra0 = extra.length;
  let ip = w.ip;
  let np = w.np;
  I[ip] = REC;
  const maskAt = ip + 1;
  ip += 3;
  let lo = 0;
  let hi = 0;
  let p = ls;
  for (let c = 0; c < n; c++) {
    if (p > le) return fail(extra, extra0);
    let q = p;
    let esc = false;
    while (q < le) {
      const ch = t.charCodeAt(q);
      if (ch === sep) break;
      if (ch === 0x5c) esc = true;
      q++;
    }
    if (c === n - 1 ? q !== le : q === le) return fail(extra, extra0);
    const len = q - p;
    if (len === unsetLen && (len === 1 ? t.charCodeAt(p) === u0 : t.startsWith(unset, p))) {
      p = q + 1;
      continue;
    }
    const col = cols[c]!;
    const kind = col.kind;
    const isEmpty = len === emptyLen && t.startsWith(empty, p);
    if (!col.container) {
      if (kind === TEXT) {
        if (isEmpty) {
          I[ip++] = p;
          I[ip++] = p;
        } else if (esc) {
          extra.push(unescapeZeek(t.slice(p, q)));
          I[ip++] = -extra.length;
          I[ip++] = 0;
        } else {
          I[ip++] = p;
          I[ip++] = q;
        }
      } else if (isEmpty) {
        return fail(extra, extra0);
      } else if (kind === BOOL) {
        const ch = t.charCodeAt(p);
        if (len !== 1 || (ch !== 0x54 && ch !== 0x46)) return fail(extra, extra0);
        I[ip++] = ch === 0x54 ? 1 : 0;
      } else {
        const v = decimal(t, p, q, kind === INT);
        if (Number.isNaN(v)) return fail(extra, extra0);
        N[np++] = v;
      }
    } else if (isEmpty) {
      I[ip++] = 0;
    } else {
      const countAt = ip++;
      let k = 0;
      let a = p;
      for (;;) {
        let b = a;
        let itemEsc = false;
        while (b < q) {
          const ch = t.charCodeAt(b);
          if (ch === setSep) break;
          if (ch === 0x5c) itemEsc = true;
          b++;
        }
        if (kind === TEXT) {
          if (itemEsc) {
            extra.push(unescapeZeek(t.slice(a, b)));
            I[ip++] = -extra.length;
            I[ip++] = 0;
          } else {
            I[ip++] = a;
            I[ip++] = b;
          }
        } else if (kind === BOOL) {
          const ch = t.charCodeAt(a);
          if (b - a !== 1 || (ch !== 0x54 && ch !== 0x46)) return fail(extra, extra0);
          I[ip++] = ch === 0x54 ? 1 : 0;
        } else {
          const v = decimal(t, a, b, kind === INT);
          if (Number.isNaN(v)) return fail(extra, extra0);
          N[np++] = v;
        }
        k++;
        if (b === q) break;
        a = b + 1;
      }
      I[countAt] = k;
    }
    if (c < 31) lo |= 1 << c;
    else hi |= 1 << (c - 31);
    p = q + 1;
  }
  if ((lo & L.requiredLo) !== L.requiredLo || (hi & L.requiredHi) !== L.requiredHi) {
    return fail(extra, extra0);
  }
  I[maskAt] = lo;
  I[maskAt + 1] = hi;
  w.ip = ip;
  w.np = np;
  return true;
}

function fail(extra: string[], length: number): false {
  extra.length = length;
  return false;
}

/** Index of the closing quote of the JSON string opening at p; -1 if it has escapes or control chars. */
function jsonString(t: string, p: number, le: number): number {
  for (let q = p + 1; q < le; q++) {
    const ch = t.charCodeAt(q);
    if (ch === 0x22) return q;
    if (ch === 0x5c || ch < 0x20) return -1;
  }
  return -1;
}

/** One JSON line → tape; false (tape untouched) when it needs JSON.parse and the regular parser. */
function jsonLine(
  t: string,
  ls: number,
  le: number,
  L: FastLayout,
  keys: KeyCodes,
  w: TapeWriter,
  num: { v: number; end: number },
): boolean {
  if (t.charCodeAt(ls) !== 0x7b || t.charCodeAt(le - 1) !== 0x7d || le - ls < 3) return false;
  const cols = L.columns;
  const n = cols.length;
  const I = w.ints;
  const N = w.nums;
  let ip = w.ip;
  let np = w.np;
  I[ip] = REC;
  const maskAt = ip + 1;
  ip += 3;
  let lo = 0;
  let hi = 0;
  let c = 0;
  let p = ls + 1;
  // json-streaming: `"_path":"<this log type>","_write_ts":…` first; writer metadata, not copied.
  if (t.startsWith('"_path":"', p)) {
    const path = L.path;
    const q = jsonString(t, p + 8, le);
    if (q !== p + 9 + path.length || !t.startsWith(path, p + 9) || t.charCodeAt(q + 1) !== 0x2c) return false;
    p = q + 2;
    if (t.startsWith('"_write_ts":', p)) {
      p += 12;
      if (t.charCodeAt(p) === 0x22) {
        const e = jsonString(t, p, le);
        if (e < 0) return false;
        p = e + 1;
      } else if (jsonNumber(t, p, num)) p = num.end;
      else return false;
      if (t.charCodeAt(p) !== 0x2c) return false;
      p++;
    }
  }
  for (;;) {
    // Keys come in layout order (Zeek writes them so); a key out of order or unknown → slow.
    for (; ; c++) {
      if (c === n) return false;
      const off = keys.offsets[c]!;
      const len = keys.offsets[c + 1]! - off;
      const codes = keys.codes;
      let j = 0;
      while (j < len && t.charCodeAt(p + j) === codes[off + j]) j++;
      if (j === len) {
        p += len;
        break;
      }
    }
    const col = cols[c]!;
    const kind = col.kind;
    const ch = t.charCodeAt(p);
    let present = true;
    if (ch === 0x6e /* n */) {
      if (t.charCodeAt(p + 1) !== 0x75 || t.charCodeAt(p + 2) !== 0x6c || t.charCodeAt(p + 3) !== 0x6c) {
        return false;
      }
      p += 4;
      present = false;
    } else if (!col.container) {
      if (kind === TEXT) {
        if (ch !== 0x22) return false;
        const q = jsonString(t, p, le);
        if (q < 0) return false;
        I[ip++] = p + 1;
        I[ip++] = q;
        p = q + 1;
      } else if (kind === BOOL) {
        const b = jsonBool(t, p);
        if (b < 0) return false;
        I[ip++] = b;
        p += b === 1 ? 4 : 5;
      } else {
        if (!jsonNumber(t, p, num)) return false;
        if (kind === INT && !Number.isInteger(num.v)) return false;
        N[np++] = num.v;
        p = num.end;
      }
    } else {
      if (ch !== 0x5b /* [ */) return false;
      const countAt = ip++;
      let k = 0;
      p++;
      if (t.charCodeAt(p) === 0x5d) p++;
      else {
        for (;;) {
          if (kind === TEXT) {
            if (t.charCodeAt(p) !== 0x22) return false;
            const q = jsonString(t, p, le);
            if (q < 0) return false;
            I[ip++] = p + 1;
            I[ip++] = q;
            p = q + 1;
          } else if (kind === BOOL) {
            const b = jsonBool(t, p);
            if (b < 0) return false;
            I[ip++] = b;
            p += b === 1 ? 4 : 5;
          } else {
            if (!jsonNumber(t, p, num)) return false;
            if (kind === INT && !Number.isInteger(num.v)) return false;
            N[np++] = num.v;
            p = num.end;
          }
          k++;
          const d = t.charCodeAt(p);
          if (d === 0x5d) {
            p++;
            break;
          }
          if (d !== 0x2c) return false;
          p++;
        }
      }
      I[countAt] = k;
    }
    if (present) {
      if (c < 31) lo |= 1 << c;
      else hi |= 1 << (c - 31);
    }
    c++;
    const d = t.charCodeAt(p);
    if (d === 0x2c) {
      p++;
      continue;
    }
    if (d === 0x7d && p === le - 1) break;
    return false;
  }
  if ((lo & L.requiredLo) !== L.requiredLo || (hi & L.requiredHi) !== L.requiredHi) return false;
  I[maskAt] = lo;
  I[maskAt + 1] = hi;
  w.ip = ip;
  w.np = np;
  return true;
}

/** `true` → 1, `false` → 0, anything else → -1. */
function jsonBool(t: string, p: number): number {
  const c = t.charCodeAt(p);
  if (c === 0x74) {
    return t.charCodeAt(p + 1) === 0x72 && t.charCodeAt(p + 2) === 0x75 && t.charCodeAt(p + 3) === 0x65
      ? 1
      : -1;
  }
  if (c === 0x66) {
    return t.charCodeAt(p + 1) === 0x61 &&
      t.charCodeAt(p + 2) === 0x6c &&
      t.charCodeAt(p + 3) === 0x73 &&
      t.charCodeAt(p + 4) === 0x65
      ? 0
      : -1;
  }
  return -1;
}

// ---------------------------------------------------------------- main thread: tape → records

type Builder = (
  T: string,
  I: Int32Array,
  N: Float64Array,
  X: readonly string[],
  st: { i: number; n: number },
) => ZeekRecord;

/** A string on the tape: a slice of the text, or (negative start) one of the tape's strings. */
function str(T: string, X: readonly string[], a: number, b: number): string {
  return a >= 0 ? T.slice(a, b) : X[-1 - a]!;
}

function strs(T: string, X: readonly string[], I: Int32Array, i: number, k: number): string[] {
  const a: string[] = new Array(k);
  for (let j = 0; j < k; j++) a[j] = str(T, X, I[i + 2 * j]!, I[i + 2 * j + 1]!);
  return a;
}
function nums(N: Float64Array, n: number, k: number): number[] {
  const a: number[] = new Array(k);
  for (let j = 0; j < k; j++) a[j] = N[n + j]!;
  return a;
}
function bools(I: Int32Array, i: number, k: number): boolean[] {
  const a: boolean[] = new Array(k);
  for (let j = 0; j < k; j++) a[j] = I[i + j] === 1;
  return a;
}

/**
 * Compiles the record builder for one set of present columns. Generated code, because one
 * object literal per shape is what makes V8 allocate a record in one step with its final
 * hidden class; it is safe because the only header-derived text in it is each column name
 * passed through JSON.stringify (a JSON string is a valid JS string literal, so a name cannot
 * end the literal or inject code), and `_path`, `__proto__`, empty and duplicate names never
 * reach it (see makeLayout). Values (path, constants) are closure parameters, never code.
 */
function compileBuilder(L: FastLayout, lo: number, hi: number): Builder {
  const body: string[] = ['let i = st.i, n = st.n, k = 0;'];
  const props: string[] = ['"_path": P'];
  let tsExpr = 'TS';
  L.columns.forEach((col, c) => {
    const present = c < 31 ? (lo >>> c) & 1 : (hi >>> (c - 31)) & 1;
    if (!present) return;
    const v = `v${c}`;
    if (!col.container) {
      if (col.kind === TEXT) body.push(`const ${v} = str(T, X, I[i], I[i + 1]); i += 2;`);
      else if (col.kind === BOOL) body.push(`const ${v} = I[i++] === 1;`);
      else body.push(`const ${v} = N[n++];`);
    } else if (col.kind === TEXT) body.push(`k = I[i++]; const ${v} = strs(T, X, I, i, k); i += 2 * k;`);
    else if (col.kind === BOOL) body.push(`k = I[i++]; const ${v} = bools(I, i, k); i += k;`);
    else body.push(`k = I[i++]; const ${v} = nums(N, n, k); n += k;`);
    if (c === L.tsIndex) tsExpr = v;
    else props.push(`${JSON.stringify(col.name)}: ${v}`);
  });
  props.splice(1, 0, `"ts": ${tsExpr}`);
  body.push('st.i = i; st.n = n;', `return { ${props.join(', ')} };`);
  const factory = new Function(
    'P',
    'TS',
    'strs',
    'nums',
    'bools',
    'str',
    `'use strict'; return function build(T, I, N, X, st) { ${body.join('\n')} };`,
  ) as (P: string, TS: number, s: typeof strs, n: typeof nums, b: typeof bools, x: typeof str) => Builder;
  return factory(L.path, L.tsConst, strs, nums, bools, str);
}

/** Turns tapes of one layout into records; slow lines go to `slowLine` in order. */
export class Materializer {
  private readonly builders = new Map<number, Builder>();
  private readonly st = { i: 0, n: 0 };

  constructor(readonly layout: FastLayout) {}

  run(
    text: string,
    tape: Tape,
    firstLineNo: number,
    out: ZeekRecord[],
    slowLine: (line: string, lineNo: number) => void,
  ): void {
    const I = tape.ints;
    const N = tape.nums;
    const X = tape.strings;
    const end = tape.intLength;
    const st = this.st;
    st.i = 0;
    st.n = 0;
    let lastKey = -1;
    let build: Builder | undefined;
    while (st.i < end) {
      const tag = I[st.i]!;
      if (tag === SLOW) {
        const idx = I[st.i + 1]!;
        const s = I[st.i + 2]!;
        const e = I[st.i + 3]!;
        st.i += 4;
        slowLine(text.slice(s, e), firstLineNo + idx);
        continue;
      }
      const lo = I[st.i + 1]!;
      const hi = I[st.i + 2]!;
      st.i += 3;
      const key = (lo >>> 0) + (hi >>> 0) * 4294967296;
      if (key !== lastKey || build === undefined) {
        build = this.builders.get(key);
        if (build === undefined) {
          build = compileBuilder(this.layout, lo, hi);
          this.builders.set(key, build);
        }
        lastKey = key;
      }
      out.push(build(text, I, N, X, st));
    }
  }
}
