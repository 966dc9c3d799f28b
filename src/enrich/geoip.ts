/**
 * Country and ASN for external addresses, from MaxMind-format (mmdb) databases read locally.
 *
 * Default country database: the GeoLite2-country mmdb that ships inside the npm package
 * `@ip-location-db/geolite2-country-mmdb` (no download at install or run time; its data may lag —
 * point `geoip.countryMmdb` at a newer MaxMind GeoLite2-Country / DB-IP country-lite mmdb).
 * ASN needs `geoip.asnMmdb` (GeoLite2-ASN, DB-IP ASN-lite, or an ip-location-db asn mmdb) or
 * `geoip.asnCsv` (ip-location-db `asn-ipv4.csv` format): no ASN mmdb ships in a registry package.
 *
 * maxmind (runk/node-maxmind, on mmdb-lib): the maintained pure-JS mmdb reader (~1M lookups/s),
 * no native code, reads every mmdb flavour above.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';
import { parseIPv4 } from '../config/network-model.js';
import { splitCsv } from './intel.js';

export interface GeoInfo {
  /** ISO 3166-1 alpha-2, e.g. `RU`; undefined when the database has no answer. */
  readonly country: string | undefined;
  readonly asn: number | undefined;
  readonly asOrg: string | undefined;
}

export interface GeoIpOptions {
  readonly countryMmdb?: string;
  readonly asnMmdb?: string;
  /** ASN ranges as CSV `start,end,asn,organisation` (ip-location-db `asn` format), IPv4 rows. */
  readonly asnCsv?: string;
  readonly cacheEntries?: number;
}

const NONE: GeoInfo = Object.freeze({ country: undefined, asn: undefined, asOrg: undefined });

/** Path of the country mmdb shipped in the npm package. */
export function bundledCountryMmdb(): string {
  return createRequire(import.meta.url).resolve(
    '@ip-location-db/geolite2-country-mmdb/geolite2-country.mmdb',
  );
}

type Rec = Record<string, unknown>;

function countryOf(r: Rec | null): string | undefined {
  if (r === null) return undefined;
  // ip-location-db: { country_code }; MaxMind / DB-IP: { country: { iso_code } }.
  if (typeof r.country_code === 'string') return r.country_code;
  const c = r.country as Rec | undefined;
  if (c && typeof c.iso_code === 'string') return c.iso_code;
  const rc = r.registered_country as Rec | undefined;
  if (rc && typeof rc.iso_code === 'string') return rc.iso_code;
  return undefined;
}

function asnOf(r: Rec | null): { asn: number | undefined; org: string | undefined } {
  if (r === null) return { asn: undefined, org: undefined };
  const n = r.autonomous_system_number ?? r.asn;
  const o = r.autonomous_system_organization ?? r.as_organization ?? r.organization;
  return {
    asn: typeof n === 'number' ? n : typeof n === 'string' ? Number(n) || undefined : undefined,
    org: typeof o === 'string' ? o : undefined,
  };
}

function openReader(file: string, what: string): Reader<Response> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new Error(`geoip: cannot read ${what} database ${file}: ${(err as Error).message}`);
  }
  try {
    return new Reader<Response>(buf);
  } catch (err) {
    throw new Error(`geoip: ${file} is not a MaxMind DB (mmdb) file: ${(err as Error).message}`);
  }
}

/**
 * IPv4 ASN ranges from a CSV (`start,end,asn,organisation`; addresses dotted or as integers;
 * an optional header row), searched by binary search over sorted range starts.
 */
export class AsnRanges {
  private readonly starts: Uint32Array;
  private readonly ends: Uint32Array;
  private readonly asns: Uint32Array;
  private readonly orgs: string[];
  /** Rows skipped (IPv6 or malformed), with the first few located. */
  readonly skipped: number;
  readonly problems: readonly string[];

  constructor(file: string) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`geoip: cannot read ASN CSV ${file}: ${(err as Error).message}`);
    }
    const rows: [number, number, number, string][] = [];
    const problems: string[] = [];
    let skipped = 0;
    const addr = (v: string): number => {
      const t = v.trim();
      if (/^\d+$/.test(t)) {
        const n = Number(t);
        return n <= 0xffffffff ? n : -1;
      }
      return parseIPv4(t);
    };
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '' || line.startsWith('#')) continue;
      const c = splitCsv(line);
      const a = addr(c[0] ?? '');
      const b = addr(c[1] ?? '');
      const asn = Number(c[2]);
      if (a < 0 || b < 0 || b < a || !Number.isInteger(asn)) {
        if (i === 0) continue; // header
        skipped++;
        if (!(c[0] ?? '').includes(':') && problems.length < 5)
          problems.push(`${file}:${i + 1}: not an IPv4 range with an ASN: ${line.slice(0, 80)}`);
        continue;
      }
      rows.push([a, b, asn, (c[3] ?? '').trim()]);
    }
    rows.sort((x, y) => x[0] - y[0]);
    this.starts = Uint32Array.from(rows, (r) => r[0]);
    this.ends = Uint32Array.from(rows, (r) => r[1]);
    this.asns = Uint32Array.from(rows, (r) => r[2]);
    this.orgs = rows.map((r) => r[3]);
    this.skipped = skipped;
    this.problems = problems;
  }

  get size(): number {
    return this.starts.length;
  }

  lookup(ip: string): { asn: number | undefined; org: string | undefined } {
    const n = parseIPv4(ip);
    if (n < 0) return { asn: undefined, org: undefined };
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= n) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || this.ends[found]! < n) return { asn: undefined, org: undefined };
    return { asn: this.asns[found], org: this.orgs[found] || undefined };
  }
}

export class GeoIp {
  private readonly country: Reader<Response>;
  private readonly asn: Reader<Response> | undefined;
  private readonly asnRanges: AsnRanges | undefined;
  private readonly cache = new Map<string, GeoInfo>();
  private readonly cacheMax: number;
  readonly countryFile: string;
  /** Build date of the country database (ISO date) — shown so stale data is visible. */
  readonly countryBuilt: string;

  constructor(opts: GeoIpOptions = {}) {
    this.countryFile = opts.countryMmdb ?? bundledCountryMmdb();
    this.country = openReader(this.countryFile, 'country');
    this.asn = opts.asnMmdb ? openReader(opts.asnMmdb, 'ASN') : undefined;
    this.asnRanges = opts.asnCsv ? new AsnRanges(opts.asnCsv) : undefined;
    this.cacheMax = opts.cacheEntries ?? 100_000;
    this.countryBuilt = this.country.metadata.buildEpoch.toISOString().slice(0, 10);
  }

  get hasAsn(): boolean {
    return this.asn !== undefined || this.asnRanges !== undefined;
  }

  /** Country / ASN of an address (cached; shared result objects). Bad input → all undefined. */
  lookup(ip: string): GeoInfo {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    let info = NONE;
    try {
      const country = countryOf(this.country.get(ip) as Rec | null);
      let a = this.asn ? asnOf(this.asn.get(ip) as Rec | null) : { asn: undefined, org: undefined };
      if (a.asn === undefined && this.asnRanges) a = this.asnRanges.lookup(ip);
      if (country !== undefined || a.asn !== undefined) info = { country, asn: a.asn, asOrg: a.org };
    } catch {
      info = NONE;
    }
    if (this.cache.size >= this.cacheMax) this.cache.clear();
    this.cache.set(ip, info);
    return info;
  }
}
