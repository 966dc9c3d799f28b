/** The host entity and the bounded counters that role inference reads. */
import type { IpKey } from '../config/network-model.js';
import type { IdentitySource } from './names.js';

/** One name a host was seen with, by source. */
export interface NameSighting {
  source: IdentitySource;
  first: number;
  last: number;
}

/** An account seen on a host: as the source of an authentication and/or as its target. */
export interface AccountOnHost {
  first: number;
  last: number;
  count: number;
  /** Authentications from this host with the account (NTLM/Kerberos client, RDP source). */
  asSource: number;
  /** Authentications to this host with the account (NTLM server, RDP target). */
  asTarget: number;
}

/** Most distinct clients remembered per served service tag: role thresholds are far below it. */
export const MAX_CLIENTS_PER_TAG = 64;
/** Most distinct external peers remembered per host (for "country of external peers"). */
export const MAX_EXTERNAL_PEERS = 64;
/** Most conflicting-evidence notes kept per host. */
export const MAX_CONFLICTS = 16;

export class Host {
  /** Set when this host turned out to be another one; follow with `resolveHost`. */
  mergedInto: Host | undefined;
  /** Display name (normalised short name) and where it came from. */
  name: string | undefined;
  nameSource: IdentitySource = 'none';
  readonly names = new Map<string, NameSighting>();
  readonly macs = new Set<string>();
  /** Addresses this host held (most recent last; bounded). */
  readonly ips: string[] = [];
  firstSeen: number;
  lastSeen: number;
  /** Named by `identity.hostOverrides`: no observed evidence renames it. */
  override = false;
  /** Service tag (`kdc`, `ldap`, `dns`, …) → distinct client addresses it served. */
  readonly served = new Map<string, Set<IpKey>>();
  /** Evidence flags with the first time seen (`rpc:drsuapi`, `share:BACKUP_EXCHANGE$`, …). */
  readonly flags = new Map<string, number>();
  /** Distinct internal targets of RDP / admin-share access from this host, and the UTC days. */
  readonly adminTargets = new Set<string>();
  readonly adminDays = new Set<number>();
  readonly accounts = new Map<string, AccountOnHost>();
  /** External peers, outbound and inbound (IpKey → connections; bounded). */
  readonly externalPeers = new Map<IpKey, number>();
  readonly conflicts: string[] = [];

  constructor(
    /** Stable key: `name:MKT01`, `mac:aa:bb:…`, `ip:10.1.2.3` (static, unnamed) or `ip:10.9.0.5@<start>`. */
    readonly key: string,
    readonly id: number,
    ts: number,
  ) {
    this.firstSeen = ts;
    this.lastSeen = ts;
  }

  get anonymous(): boolean {
    return this.name === undefined && this.macs.size === 0 && !this.override;
  }

  addIp(ip: string): void {
    const i = this.ips.indexOf(ip);
    if (i === this.ips.length - 1 && i >= 0) return;
    if (i >= 0) this.ips.splice(i, 1);
    this.ips.push(ip);
    if (this.ips.length > 64) this.ips.shift();
  }

  serve(tag: string, client: IpKey): void {
    let s = this.served.get(tag);
    if (s === undefined) {
      s = new Set();
      this.served.set(tag, s);
    }
    if (s.size < MAX_CLIENTS_PER_TAG) s.add(client);
  }

  clients(tag: string): number {
    return this.served.get(tag)?.size ?? 0;
  }

  flag(tag: string, ts: number): void {
    if (!this.flags.has(tag) && this.flags.size < 256) this.flags.set(tag, ts);
  }

  noteConflict(text: string): void {
    if (this.conflicts.length >= MAX_CONFLICTS) return;
    if (!this.conflicts.includes(text)) this.conflicts.push(text);
  }

  /** Takes over everything `other` knew (other becomes a forwarding pointer). */
  absorb(other: Host): void {
    other.mergedInto = this;
    if (other.firstSeen < this.firstSeen) this.firstSeen = other.firstSeen;
    if (other.lastSeen > this.lastSeen) this.lastSeen = other.lastSeen;
    for (const [n, s] of other.names) {
      const mine = this.names.get(n);
      if (!mine) this.names.set(n, s);
      else {
        mine.first = Math.min(mine.first, s.first);
        mine.last = Math.max(mine.last, s.last);
      }
    }
    for (const m of other.macs) this.macs.add(m);
    for (const ip of other.ips) if (!this.ips.includes(ip)) this.ips.push(ip);
    for (const [tag, set] of other.served) for (const c of set) this.serve(tag, c);
    for (const [f, ts] of other.flags) if (!this.flags.has(f)) this.flags.set(f, ts);
    for (const t of other.adminTargets) this.adminTargets.add(t);
    for (const d of other.adminDays) this.adminDays.add(d);
    for (const [a, p] of other.accounts) {
      const mine = this.accounts.get(a);
      if (!mine) this.accounts.set(a, p);
      else {
        mine.first = Math.min(mine.first, p.first);
        mine.last = Math.max(mine.last, p.last);
        mine.count += p.count;
        mine.asSource += p.asSource;
        mine.asTarget += p.asTarget;
      }
    }
    for (const [ip, n] of other.externalPeers)
      if (this.externalPeers.size < MAX_EXTERNAL_PEERS || this.externalPeers.has(ip))
        this.externalPeers.set(ip, (this.externalPeers.get(ip) ?? 0) + n);
    for (const c of other.conflicts) this.noteConflict(c);
  }
}

/** Follows merge pointers (with path compression). */
export function resolveHost(h: Host): Host {
  let root = h;
  while (root.mergedInto !== undefined) root = root.mergedInto;
  let cur = h;
  while (cur.mergedInto !== undefined && cur.mergedInto !== root) {
    const next: Host = cur.mergedInto;
    cur.mergedInto = root;
    cur = next;
  }
  return root;
}
