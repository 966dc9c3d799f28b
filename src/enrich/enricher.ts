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

  /** The internal originator's host key of the record being observed. */
  private origHostKey(_rec: ZeekRecord): string | undefined {
    return this.identity.lastOrigHost()?.key;
  }

  /** Feeds one record through identity, then domain prevalence, GeoIP and intel. */
  observe(rec: ZeekRecord): void {
    this.identity.observe(rec);
    const intel = this.intel.set;
    const hasIntel = intel.size > 0;
    switch (rec._path) {
      case 'conn': {
        // GeoIP is looked up when an endpoint is asked for (endpoint(), reports), not per record.
        if (!hasIntel) return;
        const o = rec['id.orig_h'];
        const r = rec['id.resp_h'];
        if (typeof r === 'string') {
          const ind = intel.ip(r);
          if (ind && !this.identity.model.classify(r).internal)
            this.hit(rec, 'id.resp_h', r, ind, this.origHostKey(rec));
        }
        if (typeof o === 'string') {
          const ind = intel.ip(o);
          if (ind && !this.identity.model.classify(o).internal) {
            const rh = typeof r === 'string' ? this.identity.hostAt(r, rec.ts)?.key : undefined;
            this.hit(rec, 'id.orig_h', o, ind, rh);
          }
        }
        return;
      }
      case 'dns': {
        const q = rec.query;
        const o = rec['id.orig_h'];
        if (typeof q !== 'string' || typeof o !== 'string') return;
        const host = this.identity.lastOrigHost();
        if (host !== undefined) this.domains.observe(q, host.key, rec.ts);
        if (hasIntel) {
          const ind = intel.domain(q);
          if (ind) this.hit(rec, 'query', q, ind, host?.key);
        }
        return;
      }
      case 'http': {
        if (!hasIntel) return;
        const ua = rec.user_agent;
        if (typeof ua === 'string') {
          const ind = intel.userAgent(ua);
          if (ind) this.hit(rec, 'user_agent', ua, ind, this.origHostKey(rec));
        }
        const h = rec.host;
        if (typeof h === 'string') {
          const ind = intel.domain(h) ?? intel.ip(h);
          if (ind) this.hit(rec, 'host', h, ind, this.origHostKey(rec));
          const uri = rec.uri;
          if (typeof uri === 'string') {
            const u = intel.url(h + uri);
            if (u) this.hit(rec, 'uri', h + uri, u, this.origHostKey(rec));
          }
        }
        return;
      }
      case 'ssl': {
        if (!hasIntel) return;
        const sni = rec.server_name;
        if (typeof sni === 'string') {
          const ind = intel.domain(sni);
          if (ind) this.hit(rec, 'server_name', sni, ind, this.origHostKey(rec));
        }
        const ja3 = rec.ja3;
        if (typeof ja3 === 'string') {
          const ind = intel.ja3Hash(ja3);
          if (ind) this.hit(rec, 'ja3', ja3, ind, this.origHostKey(rec));
        }
        return;
      }
      case 'files': {
        if (!hasIntel) return;
        for (const f of ['md5', 'sha1', 'sha256'] as const) {
          const v = rec[f];
          if (typeof v === 'string') {
            const ind = intel.hash(v);
            if (ind) {
              const rx = rec.rx_hosts;
              const h =
                Array.isArray(rx) && typeof rx[0] === 'string'
                  ? this.identity.hostAt(rx[0], rec.ts)
                  : undefined;
              this.hit(rec, f, v, ind, h?.key);
            }
          }
        }
        return;
      }
      default:
        return;
    }
  }
}
