/**
 * Threat intelligence: indicators from plain lists, CSV files and STIX 2.1 bundles, each with its
 * source and confidence, matched in O(1) on the hot path:
 *
 * - ip: Map probe; cidr: one Map probe per distinct IPv4 prefix length loaded (IPv6 ranges are
 *   matched through ipaddr.js; rare in feeds);
 * - domain: Map probe per label suffix (`a.b.evil.com` checks `a.b.evil.com`, `b.evil.com`,
 *   `evil.com`): an indicator for a domain matches its subdomains;
 * - url (scheme-less, lower-cased host), ja3 (md5 hex), hash (md5/sha1/sha256 hex), user-agent
 *   (exact): Map probes.
 *
 * Bad input never stops a load: every bad line / row / STIX object becomes a located problem
 * (`feed.csv:12: "10.0.0.300" is not an IP address or CIDR`). `IntelStore.reload()` re-reads
 * every file and swaps the indicator set at once (no restart).
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import ipaddr from 'ipaddr.js';
import { type IpKey, ipKey, parseIPv4, RangeTable } from '../config/network-model.js';
import type { IntelFileConfig } from '../config/schema.js';

export const INDICATOR_TYPES = ['ip', 'cidr', 'domain', 'url', 'ja3', 'hash', 'user-agent'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

export interface Indicator {
  readonly type: IndicatorType;
  /** Normalised value. */
  readonly value: string;
  readonly source: string;
  /** 0–100. */
  readonly confidence: number;
  /** Where it came from: `file:line` or `file#objectId`. */
  readonly origin: string;
  readonly description?: string;
}

export interface IntelLoadResult {
  readonly loaded: number;
  readonly problems: readonly string[];
}

const HEX = /^[0-9a-f]+$/;

/** Strict: dotted-quad IPv4 (ipaddr.js also takes `1.2.3` and hex forms) or IPv6. */
export function isIp(v: string): boolean {
  return parseIPv4(v) >= 0 || (v.includes(':') && ipaddr.IPv6.isValid(v));
}

function normaliseDomain(d: string): string {
  let s = d.trim().toLowerCase();
  if (s.startsWith('*.')) s = s.slice(2);
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}

function normaliseUrl(u: string): string {
  let s = u.trim();
  const scheme = s.indexOf('://');
  if (scheme >= 0) s = s.slice(scheme + 3);
  const slash = s.indexOf('/');
  const host = (slash < 0 ? s : s.slice(0, slash)).toLowerCase();
  const rest = slash < 0 ? '/' : s.slice(slash);
  return host + rest;
}

/** Guesses a plain-list line's type. */
export function detectType(v: string): IndicatorType | undefined {
  const s = v.trim();
  if (s === '') return undefined;
  if (s.includes('/') && !s.includes('://') && !s.includes(' ')) {
    try {
      ipaddr.parseCIDR(s);
      return 'cidr';
    } catch {
      /* fall through */
    }
  }
  if (isIp(s) || /^[0-9.]+$/.test(s)) return 'ip';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return 'url';
  const lower = s.toLowerCase();
  if (HEX.test(lower) && (lower.length === 40 || lower.length === 64)) return 'hash';
  if (HEX.test(lower) && lower.length === 32) return 'hash'; // md5: JA3 lists must declare `type: ja3`
  if (/^(\*\.)?([a-z0-9_-]+\.)+[a-z0-9-]{2,}\.?$/i.test(s)) return 'domain';
  if (s.includes('/') || s.includes(' ')) return 'user-agent';
  return undefined;
}

/** Validates and normalises one value of a declared type; returns an error text when bad. */
function normalise(type: IndicatorType, raw: string): { value: string } | { error: string } {
  const v = raw.trim();
  switch (type) {
    case 'ip':
      if (!isIp(v)) return { error: `"${v}" is not an IP address` };
      return { value: ipaddr.process(v).toString() };
    case 'cidr':
      try {
        const base = v.includes('/') ? v.slice(0, v.indexOf('/')) : v;
        if (!isIp(base)) throw new Error('bad address');
        const [a, p] = v.includes('/') ? ipaddr.parseCIDR(v) : [ipaddr.parse(v), v.includes(':') ? 128 : 32];
        return { value: `${a.toString()}/${p}` };
      } catch {
        return { error: `"${v}" is not an IP address or CIDR` };
      }
    case 'domain': {
      const d = normaliseDomain(v);
      if (!/^([a-z0-9_-]+\.)*[a-z0-9-]+$/.test(d)) return { error: `"${v}" is not a domain name` };
      return { value: d };
    }
    case 'url':
      if (v === '' || v.includes(' ')) return { error: `"${v}" is not a URL` };
      return { value: normaliseUrl(v) };
    case 'ja3': {
      const h = v.toLowerCase();
      if (!HEX.test(h) || h.length !== 32) return { error: `"${v}" is not a JA3 hash (32 hex digits)` };
      return { value: h };
    }
    case 'hash': {
      const h = v.toLowerCase();
      if (!HEX.test(h) || ![32, 40, 64].includes(h.length))
        return { error: `"${v}" is not an MD5/SHA-1/SHA-256 hex digest` };
      return { value: h };
    }
    case 'user-agent':
      if (v === '') return { error: 'empty user agent' };
      return { value: v };
  }
}

/** An immutable, indexed set of indicators. */
export class IntelSet {
  /** Exact addresses by IpKey (IPv4 as an integer: no string hashing on the hot path). */
  private readonly exact = new Map<IpKey, Indicator>();
  private readonly ranges = new RangeTable<Indicator>();
  private readonly domains = new Map<string, Indicator>();
  private readonly urls = new Map<string, Indicator>();
  private readonly ja3 = new Map<string, Indicator>();
  private readonly hashes = new Map<string, Indicator>();
  private readonly uas = new Map<string, Indicator>();
  size = 0;

  add(ind: Indicator): void {
    this.size++;
    switch (ind.type) {
      case 'ip':
        this.exact.set(ipKey(ind.value), ind);
        return;
      case 'cidr':
        this.ranges.add(ind.value, ind);
        return;
      case 'domain':
        this.domains.set(ind.value, ind);
        return;
      case 'url':
        this.urls.set(ind.value, ind);
        return;
      case 'ja3':
        this.ja3.set(ind.value, ind);
        return;
      case 'hash':
        this.hashes.set(ind.value, ind);
        return;
      case 'user-agent':
        this.uas.set(ind.value, ind);
        return;
    }
  }

  ip(ip: string): Indicator | undefined {
    const n = parseIPv4(ip);
    if (n >= 0) return this.exact.get(n | 0) ?? (this.ranges.size === 0 ? undefined : this.ranges.getV4(n));
    return this.exact.get(ip) ?? (this.ranges.size === 0 ? undefined : this.ranges.get(ip));
  }

  /** The indicator for this domain or any parent domain of it. */
  domain(name: string): Indicator | undefined {
    if (this.domains.size === 0) return undefined;
    let d = name;
    // Fast path: most queries are already lower case without a trailing dot.
    if (d.endsWith('.')) d = d.slice(0, -1);
    let hit = this.domains.get(d);
    if (hit !== undefined) return hit;
    let upper = false;
    for (let i = 0; i < d.length; i++) {
      const c = d.charCodeAt(i);
      if (c >= 65 && c <= 90) {
        upper = true;
        break;
      }
    }
    if (upper) {
      d = d.toLowerCase();
      hit = this.domains.get(d);
      if (hit !== undefined) return hit;
    }
    let dot = d.indexOf('.');
    while (dot >= 0) {
      d = d.slice(dot + 1);
      hit = this.domains.get(d);
      if (hit !== undefined) return hit;
      dot = d.indexOf('.');
    }
    return undefined;
  }

  url(u: string): Indicator | undefined {
    return this.urls.size === 0 ? undefined : this.urls.get(normaliseUrl(u));
  }

  ja3Hash(h: string): Indicator | undefined {
    return this.ja3.get(h);
  }

  hash(h: string): Indicator | undefined {
    return this.hashes.size === 0 ? undefined : this.hashes.get(h.toLowerCase());
  }

  userAgent(ua: string): Indicator | undefined {
    return this.uas.get(ua);
  }
}

interface Ctx {
  readonly set: IntelSet;
  readonly problems: string[];
  readonly source: string;
  readonly confidence: number;
  loaded: number;
}

function push(
  ctx: Ctx,
  where: string,
  type: IndicatorType,
  raw: string,
  extra: { source?: string; confidence?: number; description?: string } = {},
): void {
  const n = normalise(type, raw);
  if ('error' in n) {
    ctx.problems.push(`${where}: ${n.error}`);
    return;
  }
  ctx.set.add({
    type,
    value: n.value,
    source: extra.source ?? ctx.source,
    confidence: extra.confidence ?? ctx.confidence,
    origin: where,
    description: extra.description,
  });
  ctx.loaded++;
}

function loadList(text: string, file: string, ctx: Ctx, type: IndicatorType | undefined): void {
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue;
    const t = type ?? detectType(line);
    if (t === undefined) {
      ctx.problems.push(
        `${file}:${i + 1}: cannot tell the indicator type of "${line}" (set \`type\` for this file)`,
      );
      continue;
    }
    push(ctx, `${file}:${i + 1}`, t, line);
  }
}

/** Splits one CSV line (RFC 4180 quotes). */
export function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const TYPE_ALIASES: Record<string, IndicatorType> = {
  ip: 'ip',
  ipv4: 'ip',
  ipv6: 'ip',
  'ip-dst': 'ip',
  'ip-src': 'ip',
  cidr: 'cidr',
  subnet: 'cidr',
  domain: 'domain',
  hostname: 'domain',
  fqdn: 'domain',
  url: 'url',
  uri: 'url',
  ja3: 'ja3',
  hash: 'hash',
  md5: 'hash',
  sha1: 'hash',
  sha256: 'hash',
  'user-agent': 'user-agent',
  useragent: 'user-agent',
  user_agent: 'user-agent',
};

/** CSV with a header row: `value`/`indicator` column required; `type`, `source`, `confidence`, `description` optional. */
function loadCsv(text: string, file: string, ctx: Ctx, type: IndicatorType | undefined): void {
  const lines = text.split(/\r?\n/);
  let h = 0;
  while (h < lines.length && (lines[h]!.trim() === '' || lines[h]!.startsWith('#'))) h++;
  if (h >= lines.length) return;
  const header = splitCsv(lines[h]!).map((c) => c.trim().toLowerCase());
  const col = (...names: string[]) => header.findIndex((c) => names.includes(c));
  const vi = col('value', 'indicator', 'ioc');
  if (vi < 0) {
    ctx.problems.push(
      `${file}:${h + 1}: header has no "value" or "indicator" column (got ${header.join(',')})`,
    );
    return;
  }
  const ti = col('type', 'indicator_type');
  const si = col('source', 'feed');
  const ci = col('confidence', 'score');
  const di = col('description', 'comment');
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) continue;
    const cells = splitCsv(line);
    const where = `${file}:${i + 1}`;
    const value = cells[vi]?.trim() ?? '';
    if (value === '') {
      ctx.problems.push(`${where}: empty indicator value`);
      continue;
    }
    let t: IndicatorType | undefined = type;
    if (ti >= 0 && cells[ti]?.trim()) {
      t = TYPE_ALIASES[cells[ti]!.trim().toLowerCase()];
      if (t === undefined) {
        ctx.problems.push(
          `${where}: unknown indicator type "${cells[ti]!.trim()}" (${INDICATOR_TYPES.join(', ')})`,
        );
        continue;
      }
    }
    t ??= detectType(value);
    if (t === undefined) {
      ctx.problems.push(`${where}: cannot tell the indicator type of "${value}"`);
      continue;
    }
    let confidence: number | undefined;
    if (ci >= 0 && cells[ci]?.trim()) {
      confidence = Number(cells[ci]);
      if (!Number.isFinite(confidence) || confidence < 0 || confidence > 100) {
        ctx.problems.push(`${where}: confidence "${cells[ci]}" is not a number 0–100`);
        continue;
      }
    }
    push(ctx, where, t, value, {
      source: si >= 0 && cells[si]?.trim() ? cells[si]!.trim() : undefined,
      confidence,
      description: di >= 0 ? cells[di]?.trim() || undefined : undefined,
    });
  }
}

/** STIX object path → indicator type, for `[path = 'value']` comparisons. */
const STIX_PATHS: readonly [RegExp, IndicatorType][] = [
  [/^ipv[46]-addr:value$/, 'cidr'],
  [/^domain-name:value$/, 'domain'],
  [/^url:value$/, 'url'],
  [/^file:hashes\.('|")?(md5|sha-1|sha1|sha-256|sha256)\1$/i, 'hash'],
  [/^network-traffic:extensions\.'http-request-ext'\.request_header\.'user-agent'$/i, 'user-agent'],
  [/^x-ja3:value$|^network-traffic:extensions\.'x-ja3'|ja3/i, 'ja3'],
];

const STIX_CMP = /([a-z0-9-]+:[A-Za-z0-9_.'"-]+)\s*=\s*'((?:[^'\\]|\\.)*)'/g;

function loadStix(text: string, file: string, ctx: Ctx): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    ctx.problems.push(`${file}: not JSON: ${(err as Error).message}`);
    return;
  }
  const d = doc as { type?: unknown; objects?: unknown };
  if (d === null || typeof d !== 'object' || d.type !== 'bundle' || !Array.isArray(d.objects)) {
    ctx.problems.push(`${file}: not a STIX 2.1 bundle (expected {"type":"bundle","objects":[…]})`);
    return;
  }
  d.objects.forEach((o: unknown, i: number) => {
    const obj = o as Record<string, unknown>;
    if (obj === null || typeof obj !== 'object' || obj.type !== 'indicator') return;
    const where = `${file}#objects[${i}]${typeof obj.id === 'string' ? ` (${obj.id})` : ''}`;
    if (obj.pattern_type !== undefined && obj.pattern_type !== 'stix') {
      ctx.problems.push(`${where}: pattern_type "${String(obj.pattern_type)}" is not supported (only stix)`);
      return;
    }
    if (typeof obj.pattern !== 'string') {
      ctx.problems.push(`${where}: indicator without a pattern`);
      return;
    }
    const confidence = typeof obj.confidence === 'number' ? obj.confidence : undefined;
    const description = typeof obj.name === 'string' ? obj.name : undefined;
    let found = 0;
    for (const m of obj.pattern.matchAll(STIX_CMP)) {
      const path = m[1]!;
      const value = m[2]!.replace(/\\(.)/g, '$1');
      let t = STIX_PATHS.find(([re]) => re.test(path))?.[1];
      if (t === undefined) continue;
      if (t === 'cidr' && !value.includes('/')) t = 'ip';
      found++;
      push(ctx, where, t, value, { confidence, description });
    }
    if (found === 0) ctx.problems.push(`${where}: no supported comparison in pattern ${obj.pattern}`);
  });
}

function formatOf(f: IntelFileConfig): 'list' | 'csv' | 'stix' {
  if (f.format) return f.format;
  const ext = extname(f.path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json' || ext === '.stix') return 'stix';
  return 'list';
}

/** Loads files into a fresh set. */
export function loadIntel(files: readonly IntelFileConfig[]): { set: IntelSet } & IntelLoadResult {
  const set = new IntelSet();
  const problems: string[] = [];
  let loaded = 0;
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch (err) {
      problems.push(`${f.path}: cannot read: ${(err as Error).message}`);
      continue;
    }
    const ctx: Ctx = {
      set,
      problems,
      source: f.source ?? basename(f.path),
      confidence: f.confidence ?? 50,
      loaded: 0,
    };
    const fmt = formatOf(f);
    if (fmt === 'csv') loadCsv(text, f.path, ctx, f.type);
    else if (fmt === 'stix') loadStix(text, f.path, ctx);
    else loadList(text, f.path, ctx, f.type);
    loaded += ctx.loaded;
  }
  return { set, loaded, problems };
}

/** The live indicator set; `reload()` swaps in a fresh one (lookups never see a half-loaded set). */
export class IntelStore {
  private current = new IntelSet();

  constructor(private readonly files: readonly IntelFileConfig[]) {}

  get set(): IntelSet {
    return this.current;
  }

  reload(): IntelLoadResult {
    const r = loadIntel(this.files);
    this.current = r.set;
    return { loaded: r.loaded, problems: r.problems };
  }
}
