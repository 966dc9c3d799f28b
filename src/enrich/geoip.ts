/**
 * Country and ASN for external addresses, from MaxMind-format (mmdb) databases read locally.
 *
 * Default country database: the GeoLite2-country mmdb that ships inside the npm package
 * `@ip-location-db/geolite2-country-mmdb` (no download at install or run time; its data may lag —
 * point `geoip.countryMmdb` at a newer MaxMind GeoLite2-Country / DB-IP country-lite mmdb).
 * ASN needs `geoip.asnMmdb` (GeoLite2-ASN, DB-IP ASN-lite, or an ip-location-db asn mmdb): no
 * ASN mmdb ships in a registry package.
 *
 * maxmind (runk/node-maxmind, on mmdb-lib): the maintained pure-JS mmdb reader (~1M lookups/s),
 * no native code, reads every mmdb flavour above.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'maxmind';

export interface GeoInfo {
  /** ISO 3166-1 alpha-2, e.g. `RU`; undefined when the database has no answer. */
  readonly country: string | undefined;
  readonly asn: number | undefined;
  readonly asOrg: string | undefined;
}

export interface GeoIpOptions {
  readonly countryMmdb?: string;
  readonly asnMmdb?: string;
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

export class GeoIp {
  private readonly country: Reader<Response>;
  private readonly asn: Reader<Response> | undefined;
  private readonly cache = new Map<string, GeoInfo>();
  private readonly cacheMax: number;
  readonly countryFile: string;
  /** Build date of the country database (ISO date) — shown so stale data is visible. */
  readonly countryBuilt: string;

  constructor(opts: GeoIpOptions = {}) {
    this.countryFile = opts.countryMmdb ?? bundledCountryMmdb();
    this.country = openReader(this.countryFile, 'country');
    this.asn = opts.asnMmdb ? openReader(opts.asnMmdb, 'ASN') : undefined;
    this.cacheMax = opts.cacheEntries ?? 100_000;
    this.countryBuilt = this.country.metadata.buildEpoch.toISOString().slice(0, 10);
  }

  get hasAsn(): boolean {
    return this.asn !== undefined;
  }

  /** Country / ASN of an address (cached; shared result objects). Bad input → all undefined. */
  lookup(ip: string): GeoInfo {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    let info = NONE;
    try {
      const country = countryOf(this.country.get(ip) as Rec | null);
      const a = this.asn ? asnOf(this.asn.get(ip) as Rec | null) : { asn: undefined, org: undefined };
      if (country !== undefined || a.asn !== undefined) info = { country, asn: a.asn, asOrg: a.org };
    } catch {
      info = NONE;
    }
    if (this.cache.size >= this.cacheMax) this.cache.clear();
    this.cache.set(ip, info);
    return info;
  }
}
