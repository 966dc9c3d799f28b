/**
 * Enricher: the identity tracker plus GeoIP, threat intel and domain knowledge, fed by the same
 * record stream. Gives every endpoint a host (internal) or a country/ASN (external), records
 * intel hits with the host they came from, and counts domain prevalence per internal host.
 */
import type { VigilConfig } from '../config/schema.js';
import type { Host } from '../identity/host.js';
import { IdentityTracker } from '../identity/tracker.js';
import type { ZeekRecord } from '../model/records.js';
import { DomainStats } from './domains.js';
import { type GeoInfo, GeoIp } from './geoip.js';
import { type Indicator, IntelStore } from './intel.js';

export interface Endpoint {
  readonly ip: string;
  readonly internal: boolean;
  readonly subnet: string | undefined;
  /** Internal: the host holding the address at that time. */
  readonly host: Host | undefined;
  /** External: country / ASN. */
  readonly geo: GeoInfo | undefined;
}

export interface IntelHit {
  readonly ts: number;
  readonly log: string;
  readonly uid: string | undefined;
  /** The internal host involved (key), when one is. */
  readonly host: string | undefined;
  readonly field: string;
  readonly value: string;
  readonly indicator: Indicator;
}

export const MAX_INTEL_HITS = 10_000;

/** One indicator a record matches, and in which field. */
export interface IntelMatch {
  readonly field: string;
  readonly value: string;
  readonly indicator: Indicator;
  /**
   * The address of the host the match is about: for a matched address, the other end; for a
   * file, its receiver; otherwise the originator. Undefined when the record has none.
   */
  readonly about: string | undefined;
}

const NO_MATCHES: readonly IntelMatch[] = [];

function aboutAddress(rec: ZeekRecord, field: string): string | undefined {
  let ip: unknown;
  if (field === 'id.orig_h') ip = rec['id.resp_h'];
  else if (rec._path === 'files') {
    const rx = rec.rx_hosts;
    ip = Array.isArray(rx) ? rx[0] : undefined;
  } else ip = rec['id.orig_h'];
  return typeof ip === 'string' ? ip : undefined;
}

export class Enricher {
  readonly identity: IdentityTracker;
  readonly geo: GeoIp | undefined;
  readonly intel: IntelStore;
  readonly domains: DomainStats;
  readonly intelHits: IntelHit[] = [];
  intelHitsDropped = 0;

  constructor(
    readonly config: VigilConfig,
    opts: { geo?: boolean } = {},
  ) {
    this.identity = new IdentityTracker(config);
    this.geo =
      opts.geo === false
        ? undefined
        : new GeoIp({
            countryMmdb: config.geoip.countryMmdb,
            asnMmdb: config.geoip.asnMmdb,
            asnCsv: config.geoip.asnCsv,
            cacheEntries: config.geoip.cacheEntries,
          });
    this.intel = new IntelStore(config.intel.files);
    this.domains = new DomainStats(config.domains);
  }

  /** Loads (or reloads) the intel files; returns located problems. */
  reloadIntel(): { loaded: number; problems: readonly string[] } {
    return this.intel.reload();
  }

  endpoint(ip: string, ts: number): Endpoint {
    const c = this.identity.model.classify(ip);
    if (c.internal)
      return { ip, internal: true, subnet: c.subnet, host: this.identity.hostAt(ip, ts), geo: undefined };
    return { ip, internal: false, subnet: c.subnet, host: undefined, geo: this.geo?.lookup(ip) };
  }

  private hit(rec: ZeekRecord, field: string, value: string, ind: Indicator, host: string | undefined): void {
    if (this.intelHits.length >= MAX_INTEL_HITS) {
      this.intelHitsDropped++;
      return;
    }
    const uid = rec.uid;
    this.intelHits.push({
      ts: rec.ts,
      log: rec._path,
      uid: typeof uid === 'string' ? uid : undefined,
      host,
      field,
      value,
      indicator: ind,
    });
  }

  /**
   * The intel indicators a record matches, by field: external addresses of conn (`id.resp_h`,
   * `id.orig_h`), the DNS query, HTTP host, URL and user agent, TLS server name and JA3, and file
   * hashes. Pure lookups (no identity state); internal addresses never match an IP indicator.
   */
  intelMatches(rec: ZeekRecord): readonly IntelMatch[] {
    const intel = this.intel.set;
    // The common case, per record: no intel configured, nothing allocated.
    if (intel.size === 0) return NO_MATCHES;
    const out: IntelMatch[] = [];
    const add = (field: string, value: unknown, find: (v: string) => Indicator | undefined): void => {
      if (typeof value !== 'string') return;
      const indicator = find(value);
      if (indicator) out.push({ field, value, indicator, about: aboutAddress(rec, field) });
    };
    const externalIp = (v: string) => (this.identity.model.classify(v).internal ? undefined : intel.ip(v));
    switch (rec._path) {
      case 'conn':
        add('id.resp_h', rec['id.resp_h'], externalIp);
        add('id.orig_h', rec['id.orig_h'], externalIp);
        break;
      case 'dns':
        add('query', rec.query, (v) => intel.domain(v));
        break;
      case 'http': {
        add('user_agent', rec.user_agent, (v) => intel.userAgent(v));
        add('host', rec.host, (v) => intel.domain(v) ?? intel.ip(v));
        const h = rec.host;
        if (typeof h === 'string' && typeof rec.uri === 'string')
          add('uri', h + rec.uri, (v) => intel.url(v));
        break;
      }
      case 'ssl':
        add('server_name', rec.server_name, (v) => intel.domain(v));
        add('ja3', rec.ja3, (v) => intel.ja3Hash(v));
        break;
      case 'files':
        for (const f of ['md5', 'sha1', 'sha256'] as const) add(f, rec[f], (v) => intel.hash(v));
        break;
    }
    return out;
  }

  /** Feeds one record through identity, then domain prevalence, GeoIP and intel. */
  observe(rec: ZeekRecord): void {
    this.identity.observe(rec);
    if (rec._path === 'dns') {
      const q = rec.query;
      const host =
        typeof q === 'string' && typeof rec['id.orig_h'] === 'string'
          ? this.identity.lastOrigHost()
          : undefined;
      if (host !== undefined) this.domains.observe(q as string, host.key, rec.ts);
    }
    for (const m of this.intelMatches(rec)) {
      const host = m.about === undefined ? undefined : this.identity.hostAt(m.about, rec.ts)?.key;
      this.hit(rec, m.field, m.value, m.indicator, host);
    }
  }
}
