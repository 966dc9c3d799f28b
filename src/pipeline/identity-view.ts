/**
 * The identity layer as detectors see it: a HostDirectory over the Enricher (identity tracker,
 * network model, GeoIP, intel, domain prevalence). Host keys are the tracker's stable keys
 * (`name:DC1`, `mac:…`, `ip:…`); external addresses are their own key.
 *
 * Roles are inferred from accumulated evidence, which costs more than a lookup: they are cached
 * per host and recomputed at most every `roleRefreshSeconds` of event time.
 */
import type { VigilConfig } from '../config/schema.js';
import type { GeoInfo, IntelMatchView } from '../detect/types.js';
import { Enricher } from '../enrich/enricher.js';
import type { Host } from '../identity/host.js';
import { accountOfRecord, isGenericHostName, parseAccount } from '../identity/names.js';
import { HIGH_VALUE_ROLES } from '../identity/roles.js';
import type { ZeekRecord } from '../model/records.js';
import type { RowContext } from '../recall/store.js';
import type { HostDirectory } from './analysis.js';

const NO_ROLES: ReadonlySet<string> = new Set();

export class IdentityHostView implements HostDirectory {
  readonly enricher: Enricher;
  private readonly roleCache = new Map<string, { roles: ReadonlySet<string>; at: number }>();
  private now = Number.NEGATIVE_INFINITY;

  constructor(
    config: VigilConfig,
    opts: { geo?: boolean } = {},
    private readonly roleRefreshSeconds = 300,
  ) {
    this.enricher = new Enricher(config, opts);
    // The config's intel files, read now: problems are located and kept for the caller to say.
    this.intelProblems = config.intel.files.length > 0 ? this.enricher.reloadIntel().problems : [];
  }

  /** Located problems in the configured intel files (`feed.csv:12: …`), from loading them. */
  readonly intelProblems: readonly string[];

  intel(rec: ZeekRecord): readonly IntelMatchView[] {
    return this.enricher.intelMatches(rec);
  }

  private get identity() {
    return this.enricher.identity;
  }

  observe(rec: ZeekRecord): void {
    if (rec.ts > this.now) this.now = rec.ts;
    this.enricher.observe(rec);
  }

  private host(key: string): Host | undefined {
    return this.identity.host(key);
  }

  hostKey(ip: string, ts: number): string {
    if (!this.identity.model.isInternal(ip)) return ip;
    return this.identity.hostAt(ip, ts)?.key ?? `ip:${ip}`;
  }

  /** The current key of a host whose key may have been merged into another since. */
  canonical(key: string): string {
    return this.host(key)?.key ?? key;
  }

  isInternal(ip: string): boolean {
    return this.identity.model.isInternal(ip);
  }

  roles(hostKey: string): ReadonlySet<string> {
    const cached = this.roleCache.get(hostKey);
    if (cached && this.now - cached.at < this.roleRefreshSeconds) return cached.roles;
    const h = this.host(hostKey);
    const roles = h ? new Set<string>(this.identity.roles(h).map((r) => r.role)) : NO_ROLES;
    this.roleCache.set(hostKey, { roles, at: this.now });
    return roles;
  }

  isHighValue(hostKey: string): boolean {
    for (const r of this.roles(hostKey)) if (HIGH_VALUE_ROLES.has(r as never)) return true;
    return false;
  }

  names(hostKey: string): readonly string[] {
    const h = this.host(hostKey);
    if (!h) return [];
    const out = h.name ? [h.name] : [];
    for (const n of h.names.keys()) if (n !== h.name) out.push(n);
    return out;
  }

  firstSeen(hostKey: string): number | undefined {
    return this.host(hostKey)?.firstSeen;
  }

  isVpnAddress(ip: string): boolean {
    return this.identity.model.classify(ip).vpn;
  }

  inBusinessHours(ts: number): boolean {
    return this.identity.model.isBusinessHours(ts);
  }

  isGenericName(name: string): boolean {
    return isGenericHostName(name);
  }

  geo(ip: string): GeoInfo | undefined {
    if (this.identity.model.isInternal(ip)) return undefined;
    const g = this.enricher.geo?.lookup(ip);
    if (!g || (g.country === undefined && g.asn === undefined)) return undefined;
    return { country: g.country, asn: g.asn, org: g.asOrg };
  }

  accountFirstSeenOnHost(account: string, hostKey: string): number | undefined {
    const acc = parseAccount(account);
    const h = this.host(hostKey);
    return acc && h ? h.accounts.get(acc.key)?.first : undefined;
  }

  describe(hostKey: string): { ips: string[]; names: string[]; roles: string[] } {
    const h = this.host(hostKey);
    if (!h) return { ips: hostKey.startsWith('ip:') ? [hostKey.slice(3)] : [hostKey], names: [], roles: [] };
    return { ips: [...h.ips], names: [...this.names(hostKey)], roles: [...this.roles(hostKey)] };
  }

  /** What the store joins into each row: host keys of internal endpoints at record time, the account. */
  rowContext(): RowContext {
    return {
      // A named host as `name:<NAME>` (what analysts read and type), else its key (`mac:…`,
      // `ip:…`); `vigil_host.keys` lists both forms, so pivots resolve either.
      hostOf: (ip, ts) => {
        if (!this.identity.model.isInternal(ip)) return undefined;
        const h = this.identity.hostAt(ip, ts);
        if (!h) return `ip:${ip}`;
        return h.name !== undefined ? `name:${h.name}` : h.key;
      },
      accountOf: accountOfRecord,
    };
  }

  /** The addresses a host held, from its identity sessions: first and last time per address. */
  addresses(hostKey: string): { ip: string; first: number; last: number }[] {
    const h = this.host(hostKey);
    if (!h) return [];
    const by = new Map<string, { ip: string; first: number; last: number }>();
    for (const s of this.identity.sessionsOf(h)) {
      const a = by.get(s.ip);
      if (!a) by.set(s.ip, { ip: s.ip, first: s.start, last: s.end });
      else {
        a.first = Math.min(a.first, s.start);
        a.last = Math.max(a.last, s.end);
      }
    }
    return [...by.values()].sort((a, b) => a.first - b.first);
  }

  /**
   * Every known host as a `vigil_host` record for the store: its keys (merged ones too, since
   * rows joined before a merge carry the old key), names, MACs, IPs and roles. Recall resolves
   * `vigil timeline DC1` through it.
   */
  /** Every form stored rows may carry for this host: its key, merged keys, `name:` per name. */
  keysOf(hostKey: string): string[] {
    const h = this.host(hostKey);
    if (!h) return [hostKey];
    return this.allKeys(h, this.identity.keysByHost().get(h) ?? []);
  }

  private allKeys(h: Host, keys: readonly string[]): string[] {
    return [...new Set([h.key, ...keys, ...[...h.names.keys()].map((n) => `name:${n}`)])];
  }

  hostRecords(): ZeekRecord[] {
    this.identity.hosts();
    const out: ZeekRecord[] = [];
    for (const [h, keys] of this.identity.keysByHost()) {
      const sessions = this.identity.sessionsOf(h);
      out.push({
        _path: 'vigil_host',
        ts: h.lastSeen,
        host: h.key,
        // Its own and merged keys, and `name:` for every name it had: rows carry either form.
        keys: this.allKeys(h, keys),
        names: [...h.names.keys()],
        macs: [...h.macs],
        ips: [...h.ips],
        roles: [...this.roles(h.key)],
        first_ts: h.firstSeen,
        last_ts: h.lastSeen,
        // The host's IP sessions (parallel lists): which address it held when.
        session_ips: sessions.map((s) => s.ip),
        session_starts: sessions.map((s) => s.start),
        session_ends: sessions.map((s) => s.end),
      });
    }
    return out;
  }
}
