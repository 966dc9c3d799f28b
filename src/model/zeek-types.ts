/**
 * Zeek's log value types, as written in a TSV `#types` header line.
 *
 * The mapping to JavaScript values is one documented place:
 *  - time        → number, epoch seconds with microsecond fraction
 *  - interval    → number, seconds
 *  - count, int  → number (Zeek counts above 2^53 lose precision; none seen in practice)
 *  - double      → number
 *  - port        → number (the protocol lives in `proto`, never in the port value)
 *  - bool        → boolean (`T` / `F`)
 *  - addr, subnet, string, enum, pattern, and unknown scalar types → string; `\xNN` escapes are
 *    decoded, and a byte that is not valid UTF-8 stays as the text `\xNN` (as Zeek's JSON shows it)
 *  - set[T], vector[T], table[T] → array of T
 *
 * Unset (`-` in TSV, an absent key in JSON) is an absent property, never 0 or "".
 * Empty (`(empty)` in TSV) is "" for strings and [] for containers.
 */
export type ZeekScalar = string | number | boolean;
export type ZeekValue = ZeekScalar | ZeekScalar[];

export type ZeekScalarType =
  | 'time'
  | 'interval'
  | 'count'
  | 'int'
  | 'double'
  | 'port'
  | 'bool'
  | 'addr'
  | 'subnet'
  | 'string'
  | 'enum'
  | 'pattern'
  | 'other';

export interface ZeekType {
  /** The type as written in the header, e.g. `vector[interval]`. */
  readonly name: string;
  /** The element type for containers, the type itself for scalars. */
  readonly scalar: ZeekScalarType;
  readonly container: boolean;
}

const SCALARS: ReadonlySet<string> = new Set([
  'time',
  'interval',
  'count',
  'int',
  'double',
  'port',
  'bool',
  'addr',
  'subnet',
  'string',
  'enum',
  'pattern',
]);

const typeCache = new Map<string, ZeekType>();

/** Parses a `#types` entry. Unknown scalar types are kept as strings (`other`) rather than rejected. */
export function parseZeekType(name: string): ZeekType {
  const cached = typeCache.get(name);
  if (cached) return cached;
  let result: ZeekType;
  const m = /^(set|vector|table)\[(.+)\]$/.exec(name);
  if (m) {
    const inner = m[2]!;
    result = { name, scalar: SCALARS.has(inner) ? (inner as ZeekScalarType) : 'other', container: true };
  } else {
    result = { name, scalar: SCALARS.has(name) ? (name as ZeekScalarType) : 'other', container: false };
  }
  typeCache.set(name, result);
  return result;
}

export function isNumericScalar(t: ZeekScalarType): boolean {
  return t === 'time' || t === 'interval' || t === 'count' || t === 'int' || t === 'double' || t === 'port';
}
