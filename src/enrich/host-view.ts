/**
 * The detection engine's `HostView` (src/detect/types.ts) answered by the identity layer: host
 * keys that survive IP changes, inferred roles, names, first-seen, VPN pools, business hours,
 * generic names, GeoIP and account history.
 *
 * Wiring: feed each record to `Enricher.observe` before the detectors see it, and pass
 * `new IdentityHostView(enricher)` as the engine's `hosts`.
 */
import type { GeoInfo, HostView } from '../detect/types.js';
import { isGenericHostName, normaliseHostName, parseAccount, SOURCE_RANK } from '../identity/names.js';
import { isHighValue } from '../identity/roles.js';
import type { Enricher } from './enricher.js';

const NO_ROLES: ReadonlySet<string> = new Set();
/** Roles are re-inferred for a host after this many records (they change slowly). */
const ROLE_REFRESH_RECORDS = 20_000;

interface RoleCache {
  readonly at: number;
  readonly roles: ReadonlySet<string>;
  readonly highValue: boolean;
}

export class IdentityHostView implements HostView {
  private readonly roleCache = new Map<string, RoleCache>();

  constructor(private readonly enricher: Enricher) {}

  hostKey(ip: string, ts: number): string {
    return this.enricher.identity.hostAt(ip, ts)?.key ?? ip;
  }

  isInternal(ip: string): boolean {
    return this.enricher.identity.model.classify(ip).internal;
  }

  private rolesOf(host: string): RoleCache | undefined {
    const tr = this.enricher.identity;
    const c = this.roleCache.get(host);
    if (c !== undefined && tr.records - c.at < ROLE_REFRESH_RECORDS) return c;
    const h = tr.host(host);
    if (h === undefined) return undefined;
    const inferred = tr.roles(h);
    const fresh = {
      at: tr.records,
      roles: new Set<string>(inferred.map((r) => r.role)),
      highValue: isHighValue(inferred),
    };
    if (this.roleCache.size > 100_000) this.roleCache.clear();
    this.roleCache.set(host, fresh);
    return fresh;
  }

  roles(host: string): ReadonlySet<string> {
    return this.rolesOf(host)?.roles ?? NO_ROLES;
  }

  isHighValue(host: string): boolean {
    return this.rolesOf(host)?.highValue ?? false;
  }

  names(host: string): readonly string[] {
    const h = this.enricher.identity.host(host);
    if (h === undefined) return [];
    return [...h.names]
      .sort((a, b) => SOURCE_RANK[b[1].source] - SOURCE_RANK[a[1].source] || b[1].last - a[1].last)
      .map(([n]) => n);
  }

  firstSeen(host: string): number | undefined {
    return this.enricher.identity.host(host)?.firstSeen;
  }

  isVpnAddress(ip: string): boolean {
    return this.enricher.identity.model.classify(ip).vpn;
  }

  inBusinessHours(ts: number): boolean {
    return this.enricher.identity.model.isBusinessHours(ts);
  }

  isGenericName(name: string): boolean {
    const n = normaliseHostName(name);
    return n !== '' && isGenericHostName(n);
  }

  geo(ip: string): GeoInfo | undefined {
    if (this.isInternal(ip) || this.enricher.geo === undefined) return undefined;
    const g = this.enricher.geo.lookup(ip);
    if (g.country === undefined && g.asn === undefined) return undefined;
    return {
      ...(g.country !== undefined ? { country: g.country } : {}),
      ...(g.asn !== undefined ? { asn: g.asn } : {}),
      ...(g.asOrg !== undefined ? { org: g.asOrg } : {}),
    };
  }

  accountFirstSeenOnHost(account: string, host: string): number | undefined {
    const acc = parseAccount(account);
    if (acc === undefined) return undefined;
    return this.enricher.identity.host(host)?.accounts.get(acc.key)?.first;
  }
}
