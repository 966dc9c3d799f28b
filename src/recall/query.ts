/**
 * The Recall search language, compiled to parameterised SQL (no query text ever reaches SQL
 * except as bound parameters or validated, quoted column names).
 *
 *   id.orig_h:10.5.0.0/16 AND (service:smb OR id.resp_p:445) NOT conn_state:SF
 *   query:*.in-addr.arpa   uid:CHhAvVGS1DHFjwGM9   orig_bytes:>1000000   id.resp_p:[1 TO 1024]
 *   log:smb_files name:"delete.me"   mimikatz
 *
 * - `field:value` exact (case-sensitive) match; `*` and `?` make it a wildcard match.
 * - `field:a.b.c.d/n` IPv4 CIDR; `field:>n`, `>=`, `<`, `<=`, `field:[a TO b]` numeric ranges.
 * - `AND`, `OR`, `NOT` (or `-term`), parentheses; juxtaposition means AND.
 * - `log:<type>` (or `_path:`) restricts the log types searched.
 * - A bare word matches `uid` exactly or any text column containing it (case-insensitive).
 * Errors carry the character offset of the offending part.
 */

export class QueryError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at character ${offset + 1})`);
  }
}

type Token =
  | { kind: 'word'; text: string; quoted: boolean; pos: number }
  | { kind: 'lparen' | 'rparen' | 'and' | 'or' | 'not'; pos: number };

export type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'term'; field: string | undefined; value: string; quoted: boolean; pos: number };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', pos: i });
      i++;
      continue;
    }
    if (c === '-' && (i === 0 || /[\s(]/.test(q[i - 1]!)) && i + 1 < q.length && !/[\s)]/.test(q[i + 1]!)) {
      out.push({ kind: 'not', pos: i });
      i++;
      continue;
    }
    const start = i;
    let text = '';
    let quoted = false;
    // A word runs to whitespace or a paren; a quoted part may contain anything but its quote.
    while (i < q.length && !/[\s()]/.test(q[i]!)) {
      if (q[i] === '"') {
        const end = q.indexOf('"', i + 1);
        if (end < 0) throw new QueryError('unterminated quote', i);
        text += q.slice(i + 1, end);
        quoted = true;
        i = end + 1;
        continue;
      }
      if (q[i] === '[') {
        const end = q.indexOf(']', i);
        if (end < 0) throw new QueryError('unterminated range, expected ]', i);
        text += q.slice(i, end + 1);
        i = end + 1;
        continue;
      }
      text += q[i];
      i++;
    }
    if (!quoted && (text === 'AND' || text === 'OR' || text === 'NOT')) {
      out.push({ kind: text.toLowerCase() as 'and' | 'or' | 'not', pos: start });
    } else out.push({ kind: 'word', text, quoted, pos: start });
  }
  return out;
}

/** Parses a query into a tree; throws QueryError pointing at the problem. */
export function parseQuery(q: string): Node | undefined {
  const toks = tokenize(q);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek()?.kind === 'or') {
      p++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    for (;;) {
      const t = peek();
      if (!t || t.kind === 'or' || t.kind === 'rparen') return left;
      if (t.kind === 'and') p++;
      left = { kind: 'and', left, right: parseUnary() };
    }
  };
  const parseUnary = (): Node => {
    const t = peek();
    if (!t) throw new QueryError('expected a term', q.length);
    if (t.kind === 'not') {
      p++;
      return { kind: 'not', inner: parseUnary() };
    }
    if (t.kind === 'lparen') {
      p++;
      const inner = parseOr();
      const close = peek();
      if (close?.kind !== 'rparen') throw new QueryError('expected )', close?.pos ?? q.length);
      p++;
      return inner;
    }
    if (t.kind !== 'word') throw new QueryError(`unexpected ${t.kind.toUpperCase()}`, t.pos);
    p++;
    const colon = t.quoted ? -1 : t.text.indexOf(':');
    if (colon > 0) {
      const field = t.text.slice(0, colon);
      const value = t.text.slice(colon + 1);
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(field)) throw new QueryError(`not a field name: ${field}`, t.pos);
      if (value === '') throw new QueryError(`no value after ${field}:`, t.pos + colon + 1);
      return { kind: 'term', field, value, quoted: false, pos: t.pos };
    }
    // `field:"quoted"` arrives as one token whose text holds field:value with quoted=true.
    const m = /^([A-Za-z_][A-Za-z0-9_.]*):(.*)$/s.exec(t.text);
    if (t.quoted && m && t.text.length > 0 && !t.text.startsWith(':')) {
      return { kind: 'term', field: m[1], value: m[2]!, quoted: true, pos: t.pos };
    }
    return { kind: 'term', field: undefined, value: t.text, quoted: t.quoted, pos: t.pos };
  };
  if (toks.length === 0) return undefined;
  const tree = parseOr();
  const rest = peek();
  if (rest) throw new QueryError(rest.kind === 'rparen' ? 'unbalanced )' : 'unexpected input', rest.pos);
  return tree;
}

/** The values of a query's `_host:` terms, to resolve to host keys before compiling. */
export function hostTerms(node: Node | undefined): string[] {
  if (!node) return [];
  if (node.kind === 'term') return node.field === '_host' ? [node.value] : [];
  if (node.kind === 'not') return hostTerms(node.inner);
  return [...hostTerms(node.left), ...hostTerms(node.right)];
}

/** The log types a query names with `log:`/`_path:` terms (ANDed at top level); undefined = all. */
export function logsOf(node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.kind === 'term' && (node.field === 'log' || node.field === '_path')) return [node.value];
  if (node.kind === 'and') return logsOf(node.left) ?? logsOf(node.right);
  if (node.kind === 'or') {
    const a = logsOf(node.left);
    const b = logsOf(node.right);
    return a && b ? [...a, ...b] : undefined;
  }
  return undefined;
}

export interface ColumnInfo {
  readonly name: string;
  readonly sqlType: string;
}

export interface CompiledWhere {
  readonly sql: string;
  readonly params: (string | number)[];
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

function ipv4Range(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (parts.some((x) => x > 255) || bits > 32) return undefined;
  const ip = ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
  const size = 2 ** (32 - bits);
  const lo = Math.floor(ip / size) * size;
  return [lo, lo + size - 1];
}

/** SQL integer of a dotted-quad column (NULL when not IPv4). */
function ipv4Sql(col: string): string {
  return `(try_cast(split_part(${col}, '.', 1) AS BIGINT) * 16777216 + try_cast(split_part(${col}, '.', 2) AS BIGINT) * 65536 + try_cast(split_part(${col}, '.', 3) AS BIGINT) * 256 + try_cast(split_part(${col}, '.', 4) AS BIGINT))`;
}

/**
 * Compiles the tree for one log type's columns. Returns undefined when the query names a field
 * this log does not have (the log is then not searched), or a log: term that excludes it.
 * `_host:<name or key>` matches either endpoint's joined host (or a Vigil table's `host`) against
 * the keys `hostKeys` resolved for that value (see `hostTerms`).
 */
export function compileWhere(
  node: Node | undefined,
  log: string,
  columns: readonly ColumnInfo[],
  hostKeys?: ReadonlyMap<string, readonly string[]>,
): CompiledWhere | undefined {
  const params: (string | number)[] = [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  const NOT_HERE = Symbol('not-here');
  const walk = (n: Node): string | typeof NOT_HERE => {
    if (n.kind === 'not') {
      const inner = walk(n.inner);
      return inner === NOT_HERE ? 'TRUE' : `(NOT coalesce(${inner}, FALSE))`;
    }
    if (n.kind !== 'term') {
      const a = walk(n.left);
      const b = walk(n.right);
      if (n.kind === 'and') return a === NOT_HERE || b === NOT_HERE ? NOT_HERE : `(${a} AND ${b})`;
      if (a === NOT_HERE) return b;
      if (b === NOT_HERE) return a;
      return `(${a} OR ${b})`;
    }
    if (n.field === 'log' || n.field === '_path') return n.value === log ? 'TRUE' : NOT_HERE;
    if (n.field === undefined) {
      const texts = columns.filter((c) => c.sqlType === 'VARCHAR');
      params.push(n.value);
      const exact = byName.has('uid') ? `"uid" = $${params.length}` : 'FALSE';
      params.push(`%${n.value.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`);
      const like = texts.map((c) => `${quote(c.name)} ILIKE $${params.length} ESCAPE '\\'`).join(' OR ');
      return `(${exact}${like ? ` OR ${like}` : ''})`;
    }
    if (n.field === '_host') {
      const keys = hostKeys?.get(n.value) ?? [n.value];
      const list = keys
        .map((k) => {
          params.push(k);
          return `$${params.length}`;
        })
        .join(', ');
      if (byName.has('_orig_host')) return `(_orig_host IN (${list}) OR _resp_host IN (${list}))`;
      // Vigil's event tables by their host key; `vigil_host` is the directory, not an event.
      return byName.has('host') && !byName.has('id.orig_h') && log !== 'vigil_host'
        ? `(host IN (${list}))`
        : NOT_HERE;
    }
    const col = byName.get(n.field);
    if (!col) return NOT_HERE;
    return termSql(quote(col.name), col.sqlType, n, params);
  };
  if (!node) return { sql: 'TRUE', params };
  const sql = walk(node);
  return sql === NOT_HERE ? undefined : { sql, params };
}

function termSql(
  col: string,
  sqlType: string,
  n: Extract<Node, { kind: 'term' }>,
  params: (string | number)[],
): string {
  const v = n.value;
  const isList = sqlType.endsWith('[]');
  const numeric = /^(BIGINT|DOUBLE)/.test(sqlType);
  const range = /^\[(\S+)\s+TO\s+(\S+)\]$/.exec(v);
  const cmp = /^(>=|<=|>|<)(.+)$/.exec(v);
  const num = (text: string): number => {
    const x = Number(text);
    if (!Number.isFinite(x)) throw new QueryError(`not a number: ${text}`, n.pos);
    return x;
  };
  if (range && !n.quoted) {
    if (!numeric) throw new QueryError(`range on non-numeric field ${n.field}`, n.pos);
    params.push(num(range[1]!), num(range[2]!));
    return `(${col} BETWEEN $${params.length - 1} AND $${params.length})`;
  }
  if (cmp && !n.quoted) {
    if (!numeric) throw new QueryError(`comparison on non-numeric field ${n.field}`, n.pos);
    params.push(num(cmp[2]!));
    return `(${col} ${cmp[1]} $${params.length})`;
  }
  if (!n.quoted && v.includes('/') && !isList && /^\d/.test(v)) {
    const r = ipv4Range(v);
    if (!r) throw new QueryError(`not an IPv4 CIDR range: ${v}`, n.pos);
    params.push(r[0], r[1]);
    return `(${ipv4Sql(col)} BETWEEN $${params.length - 1} AND $${params.length})`;
  }
  if (numeric) {
    if (isList) {
      params.push(num(v));
      return `list_contains(${col}, $${params.length})`;
    }
    params.push(num(v));
    return `(${col} = $${params.length})`;
  }
  if (sqlType === 'BOOLEAN') {
    const b = /^(t|true|T)$/.test(v) ? 'TRUE' : /^(f|false|F)$/.test(v) ? 'FALSE' : undefined;
    if (!b) throw new QueryError(`not a boolean (T/F): ${v}`, n.pos);
    return `(${col} = ${b})`;
  }
  const wildcard = !n.quoted && /[*?]/.test(v);
  if (isList) {
    params.push(wildcard ? v : v);
    return wildcard
      ? `len(list_filter(${col}, x -> x GLOB $${params.length})) > 0`
      : `list_contains(${col}, $${params.length})`;
  }
  params.push(v);
  return wildcard ? `(${col} GLOB $${params.length})` : `(${col} = $${params.length})`;
}
