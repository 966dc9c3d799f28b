/**
 * The network model compiled for the hot path: "is this address ours, which subnet, a VPN pool,
 * a declared scanner?" and "is this time inside business hours?".
 *
 * IPv4 addresses are parsed by hand into a uint32 (no allocation, no regex) and matched against
 * prefix tables: one Map per prefix length present (network → entry), so a lookup costs one Map
 * probe per distinct prefix length — a handful. IPv6 goes through ipaddr.js (the maintained,
 * dependency-free IP library) and a bounded per-address cache.
 *
 * ipaddr.js: parses and matches IPv4/IPv6 CIDRs correctly (IPv4-mapped IPv6, zero compression),
 * used for config validation and IPv6.
 */
import ipaddr from 'ipaddr.js';
import type { NetworkConfig } from './schema.js';

/** What the model says about one address. Instances are shared: never mutate. */
export interface AddrClass {
  readonly internal: boolean;
  /** The most specific named subnet containing the address. */
  readonly subnet: string | undefined;
  readonly vpn: boolean;
  readonly scanner: boolean;
}

export const EXTERNAL: AddrClass = Object.freeze({
  internal: false,
  subnet: undefined,
  vpn: false,
  scanner: false,
});

/** Dotted-quad → uint32, or -1 when the string is not a plain IPv4 address. */
export function parseIPv4(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let acc = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return -1;
      acc = acc * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return acc * 256 + part;
}

/** A Map key for an address: the IPv4 as a signed 32-bit integer (a V8 small integer: cheap to hash), IPv6 as its string. */
export type IpKey = number | string;

export function ipKey(ip: string): IpKey {
  const n = parseIPv4(ip);
  return n >= 0 ? n | 0 : ip;
}

export function ipKeyToString(k: IpKey): string {
  if (typeof k === 'string') return k;
  const n = k >>> 0;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * An IPv4 range `a.b.c.d-e.f.g.h` (inclusive) as the minimal list of CIDRs covering it exactly
 * (`10.5.0.70-10.5.0.127` → 10.5.0.70/31, 10.5.0.72/29, 10.5.0.80/28, 10.5.0.96/27).
 * Returns undefined when it is not such a range.
 */
export function ipv4RangeToCidrs(range: string): string[] | undefined {
  const dash = range.indexOf('-');
  if (dash < 0) return undefined;
  const a = parseIPv4(range.slice(0, dash).trim());
  const b = parseIPv4(range.slice(dash + 1).trim());
  if (a < 0 || b < 0 || b < a) return undefined;
  const out: string[] = [];
  let cur = a;
  while (cur <= b) {
    let size = 1;
    // Largest aligned block starting at cur that stays within b.
    while (size < 2 ** 32 && cur % (size * 2) === 0 && cur + size * 2 - 1 <= b) size *= 2;
    const prefix = 32 - Math.log2(size);
    out.push(`${cur >>> 24}.${(cur >>> 16) & 255}.${(cur >>> 8) & 255}.${cur & 255}/${prefix}`);
    cur += size;
  }
  return out;
}

interface V4Table {
  readonly prefix: number;
  readonly mask: number;
  readonly map: Map<number, number>;
}

/** A set of IPv4+IPv6 ranges, each tagged with a value; the most specific range wins. */
export class RangeTable<T> {
  private readonly v4: V4Table[] = [];
  private readonly v6: { range: [ipaddr.IPv6, number]; value: T }[] = [];
  private readonly values: T[] = [];

  add(cidrOrIp: string, value: T): void {
    const range = ipv4RangeToCidrs(cidrOrIp);
    if (range !== undefined) {
      for (const c of range) this.add(c, value);
      return;
    }
    const [addr, prefix] = cidrOrIp.includes('/')
      ? ipaddr.parseCIDR(cidrOrIp)
      : ([ipaddr.parse(cidrOrIp), cidrOrIp.includes(':') ? 128 : 32] as [ipaddr.IPv4 | ipaddr.IPv6, number]);
    const id = this.values.push(value) - 1;
    if (addr.kind() === 'ipv4') {
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const bytes = (addr as ipaddr.IPv4).octets;
      const net =
        ((((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) & mask) >>> 0;
      let t = this.v4.find((x) => x.prefix === prefix);
      if (!t) {
        t = { prefix, mask, map: new Map() };
        this.v4.push(t);
        this.v4.sort((a, b) => b.prefix - a.prefix); // most specific first
      }
      if (!t.map.has(net)) t.map.set(net, id);
    } else {
      this.v6.push({ range: [addr as ipaddr.IPv6, prefix], value });
      this.v6.sort((a, b) => b.range[1] - a.range[1]);
    }
  }

  get size(): number {
    return this.values.length;
  }

  /** The /16 blocks (top 16 bits) that hold a range longer than /16: not uniform per /16. */
  longPrefixSlash16s(): number[] {
    const out: number[] = [];
    for (const t of this.v4) if (t.prefix > 16) for (const net of t.map.keys()) out.push(net >>> 16);
    return out;
  }

  /** The value of the most specific range holding the IPv4 uint32. */
  getV4(n: number): T | undefined {
    for (const t of this.v4) {
      const id = t.map.get((n & t.mask) >>> 0);
      if (id !== undefined) return this.values[id];
    }
    return undefined;
  }

  /** The value of the most specific range holding the address (v4, v6, v4-mapped v6). */
  get(ip: string): T | undefined {
    const n = parseIPv4(ip);
    if (n >= 0) return this.getV4(n);
    if (!ip.includes(':') || !ipaddr.IPv6.isValid(ip)) return undefined;
    let addr = ipaddr.parse(ip);
    if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress())
      addr = (addr as ipaddr.IPv6).toIPv4Address();
    if (addr.kind() === 'ipv4') return this.getV4(parseIPv4(addr.toString()));
    for (const e of this.v6) if ((addr as ipaddr.IPv6).match(e.range)) return e.value;
    return undefined;
  }
}

const DAY_INDEX: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export class NetworkModel {
  private readonly internal = new RangeTable<true>();
  /** Subnet ranges → index into `subnetNames`. */
  private readonly subnets = new RangeTable<number>();
  private readonly subnetNames: string[] = [];
  private readonly vpn = new RangeTable<true>();
  private readonly scanners = new RangeTable<true>();
  /**
   * IPv4 answer per /16 block, as an AddrClass code: -1 not computed yet, -2 mixed (a range
   * longer than /16 falls inside: computed per address). Every default range is ≤ /16, so most
   * lookups are one typed-array read.
   */
  private readonly slash16 = new Int32Array(65536).fill(-1);
  private readonly byCode: AddrClass[] = [];
  /** Per-address answers for IPv6 (IPv4 is computed from integer tables, faster than a string Map). */
  private readonly cache = new Map<string, AddrClass>();
  private readonly cacheMax: number;
  private hourFmt: Intl.DateTimeFormat;
  private businessDays: ReadonlySet<number>;
  /** The zone in force: configured, or learned when `timeZone: auto`. */
  private zone: string;
  private readonly autoZone: boolean;
  /** Internal activity per UTC hour of the week (0 = Monday 00:00 UTC), for `timeZone: auto`. */
  private readonly activity = new Float64Array(168);
  private activitySamples = 0;
  private learnedAt = 0;
  private learnedZone = false;
  private firstActivity = Number.POSITIVE_INFINITY;
  private lastActivity = Number.NEGATIVE_INFINITY;
  /** Business-hours answer per UTC quarter hour (every real zone offset is a multiple of 15 min). */
  private readonly hourCache = new Map<number, boolean>();

  constructor(
    readonly config: NetworkConfig,
    cacheEntries = 262_144,
  ) {
    for (const r of config.internalRanges) this.internal.add(r, true);
    for (const [name, ranges] of Object.entries(config.subnets)) {
      const idx = this.subnetNames.push(name);
      for (const r of ranges) this.subnets.add(r, idx);
    }
    for (const r of config.vpnPools) {
      this.vpn.add(r, true);
      this.internal.add(r, true); // a VPN pool is internal by definition
    }
    for (const r of config.scanners) this.scanners.add(r, true);
    for (const t of [this.internal, this.subnets, this.vpn, this.scanners])
      for (const hi of t.longPrefixSlash16s()) this.slash16[hi] = -2;
    this.cacheMax = cacheEntries;
    this.autoZone = config.businessHours.timeZone === 'auto';
    this.zone = this.autoZone ? 'UTC' : config.businessHours.timeZone;
    this.hourFmt = NetworkModel.formatter(this.zone);
    this.businessDays = new Set(config.businessHours.days);
  }

  private static formatter(timeZone: string): Intl.DateTimeFormat {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
  }

  /** Counts one internal-originated connection at `ts` (feeds `timeZone: auto`). */
  noteActivity(ts: number): void {
    if (!this.autoZone) return;
    const hour = Math.floor(ts / 3600);
    // 1970-01-01 was a Thursday: (day + 3) % 7 makes Monday 0.
    const how = ((((Math.floor(hour / 24) + 3) % 7) + 7) % 7) * 24 + (((hour % 24) + 24) % 24);
    this.activity[how]!++;
    this.activitySamples++;
    if (ts < this.firstActivity) this.firstActivity = ts;
    if (ts > this.lastActivity) this.lastActivity = ts;
  }

  /** The business-hours settings in force (the learned zone and days when `timeZone: auto`). */
  businessHours(): {
    timeZone: string;
    startHour: number;
    endHour: number;
    days: number[];
    learned: boolean;
  } {
    this.maybeLearn();
    const b = this.config.businessHours;
    return {
      timeZone: this.zone,
      startHour: b.startHour,
      endHour: b.endHour,
      days: [...this.businessDays].sort(),
      learned: this.learnedZone,
    };
  }

  private maybeLearn(): void {
    if (!this.autoZone || this.activitySamples < 2000) return;
    if (this.learnedAt > 0 && this.activitySamples < this.learnedAt * 1.25) return;
    this.learnedAt = this.activitySamples;
    const b = this.config.businessHours;
    const byHour = new Float64Array(24);
    for (let i = 0; i < 168; i++) byHour[i % 24]! += this.activity[i]!;
    // The activity's circular mean hour (above the overnight baseline) is put at the centre of
    // the business window: offset = centre − mean, in whole hours.
    const base = Math.min(...byHour);
    let x = 0;
    let y = 0;
    for (let h = 0; h < 24; h++) {
      const w = byHour[h]! - base;
      x += w * Math.cos((2 * Math.PI * (h + 0.5)) / 24);
      y += w * Math.sin((2 * Math.PI * (h + 0.5)) / 24);
    }
    const meanUtc = ((((Math.atan2(y, x) * 24) / (2 * Math.PI)) % 24) + 24) % 24;
    let best = Math.round((b.startHour + b.endHour) / 2 - meanUtc);
    while (best > 14) best -= 24;
    while (best < -12) best += 24;
    // No clear working day (flat traffic, or a day or less of it): keep UTC rather than guess.
    let inWindow = 0;
    let total = 0;
    for (let h = 0; h < 24; h++) {
      total += byHour[h]!;
      const local = (((h + best) % 24) + 24) % 24;
      if (local >= b.startHour && local < b.endHour) inWindow += byHour[h]!;
    }
    const flatShare = (b.endHour - b.startHour) / 24;
    if (
      this.lastActivity - this.firstActivity < 2 * 86_400 ||
      inWindow / total < Math.min(0.95, flatShare * 1.5)
    ) {
      this.learnedAt = this.activitySamples; // try again with more data
      this.learnedZone = false;
      return;
    }
    this.learnedZone = true;
    // Etc/GMT zones have the sign inverted (Etc/GMT-9 is UTC+9).
    this.zone = best === 0 ? 'UTC' : `Etc/GMT${best > 0 ? '-' : '+'}${Math.abs(best)}`;
    this.hourFmt = NetworkModel.formatter(this.zone);
    // Business days need at least a week of data to tell weekdays from weekends.
    if (this.lastActivity - this.firstActivity >= 7 * 86_400) {
      const byDay = new Float64Array(7);
      for (let i = 0; i < 168; i++)
        byDay[Math.floor(((((i + best) % 168) + 168) % 168) / 24)]! += this.activity[i]!;
      const max = Math.max(...byDay);
      const days: number[] = [];
      for (let d = 0; d < 7; d++) if (byDay[d]! >= max * 0.25) days.push(d + 1);
      this.businessDays = new Set(days);
    }
    this.hourCache.clear();
  }

  private code(internal: boolean, subnetIdx: number, vpn: boolean, scanner: boolean): number {
    const code = (((subnetIdx << 1) | (vpn ? 1 : 0)) << 2) | (scanner ? 2 : 0) | (internal ? 1 : 0);
    if (this.byCode[code] === undefined)
      this.byCode[code] =
        code === 0
          ? EXTERNAL
          : Object.freeze({ internal, subnet: this.subnetNames[subnetIdx - 1], vpn, scanner });
    return code;
  }

  private intern(internal: boolean, subnetIdx: number, vpn: boolean, scanner: boolean): AddrClass {
    return this.byCode[this.code(internal, subnetIdx, vpn, scanner)]!;
  }

  private codeV4(n: number): number {
    return this.code(
      this.internal.getV4(n) === true,
      this.subnets.getV4(n) ?? 0,
      this.vpn.size > 0 && this.vpn.getV4(n) === true,
      this.scanners.size > 0 && this.scanners.getV4(n) === true,
    );
  }

  /** Classifies an IPv4 address given as its uint32 (see parseIPv4). */
  classifyV4(n: number): AddrClass {
    const hi = n >>> 16;
    let c = this.slash16[hi]!;
    if (c === -2) return this.byCode[this.codeV4(n)]!;
    if (c === -1) {
      c = this.codeV4(n);
      this.slash16[hi] = c;
    }
    return this.byCode[c]!;
  }

  /** Classifies an address (the answer object is shared; no allocation for IPv4). */
  classify(ip: string): AddrClass {
    const n = parseIPv4(ip);
    if (n >= 0) return this.classifyV4(n);
    let c = this.cache.get(ip);
    if (c !== undefined) return c;
    c = this.intern(
      this.internal.get(ip) === true,
      this.subnets.get(ip) ?? 0,
      this.vpn.get(ip) === true,
      this.scanners.get(ip) === true,
    );
    if (this.cache.size >= this.cacheMax) this.cache.clear();
    this.cache.set(ip, c);
    return c;
  }

  isInternal(ip: string): boolean {
    return this.classify(ip).internal;
  }

  /** Whether epoch-seconds `ts` falls inside the configured business hours (site local time). */
  isBusinessHours(ts: number): boolean {
    this.maybeLearn();
    // Cache per quarter hour: every real time zone offset is a multiple of 15 minutes.
    const bucket = Math.floor(ts / 900);
    let v = this.hourCache.get(bucket);
    if (v !== undefined) return v;
    const parts = this.hourFmt.formatToParts(new Date(bucket * 900_000));
    let hour = 0;
    let day = 0;
    for (const p of parts) {
      if (p.type === 'hour') hour = Number(p.value);
      else if (p.type === 'weekday') day = DAY_INDEX[p.value] ?? 0;
    }
    const b = this.config.businessHours;
    v = this.businessDays.has(day) && hour >= b.startHour && hour < b.endHour;
    if (this.hourCache.size > 100_000) this.hourCache.clear();
    this.hourCache.set(bucket, v);
    return v;
  }
}
