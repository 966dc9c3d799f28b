/**
 * IdentityTracker: consumes the ts-ordered ZeekRecord stream and answers "which host was this IP
 * at time t?", "which accounts were used on this host, and since when?", "what is this host's
 * role?".
 *
 * Model
 * - An **IP session** per internal address: opens at its first record, closes after
 *   `identity.sessionIdleSeconds` without one (or when a DHCP lease / stronger self-declared
 *   evidence shows another machine took the address). Closed sessions are kept per address
 *   (bounded) so recent history answers correctly.
 * - A **host** has a stable key (`name:MKT01`, `mac:…`, `ip:10.1.2.3`, or `ip:<vpn ip>@<start>` for
 *   an unnamed VPN client) and aliases (`name:X`, `mac:Y`) that bind sessions to it across IP
 *   changes. Precedence when sources disagree: see `SOURCE_RANK` in names.ts. Manual overrides
 *   (`identity.hostOverrides`) are never overwritten.
 *
 * Hot path: per record, one or two cached address classifications, one Map probe per internal
 * address, and a port → tag Map probe for conn; identity logs (dhcp, ntlm, kerberos, rdp, dns
 * answers) do the heavier work, and they are a small fraction of records.
 */

import ipaddr from 'ipaddr.js';
import {
  type AddrClass,
  type IpKey,
  ipKey,
  ipKeyToString,
  NetworkModel,
  parseIPv4,
} from '../config/network-model.js';
import type { VigilConfig } from '../config/schema.js';
import type { ZeekRecord } from '../model/records.js';
import { Host, MAX_EXTERNAL_PEERS, resolveHost } from './host.js';
import {
  type AccountName,
  type IdentitySource,
  isGenericHostName,
  isSelfDeclared,
  normaliseHostName,
  normaliseMac,
  parseAccount,
  SOURCE_RANK,
} from './names.js';
import { inferRoles, isHighValue, PORT_TAGS, type RoleEvidence, SERVICE_TAGS } from './roles.js';

/** An IP session: one host's tenure of one address. */
export interface IpSession {
  readonly ip: string;
  start: number;
  lastSeen: number;
  host: Host;
  source: IdentitySource;
}

/** A closed session (history). */
export interface PastSession {
  readonly start: number;
  readonly end: number;
  readonly host: Host;
  readonly source: IdentitySource;
}

/** A global account record. */
export interface Account {
  readonly key: string;
  readonly user: string;
  readonly domain: string;
  readonly machine: boolean;
  first: number;
  last: number;
  count: number;
  /** Where it was seen: `ntlm`, `kerberos`, `rdp-cookie`. */
  readonly sources: Set<string>;
}

export interface HostView {
  readonly key: string;
  readonly name: string | undefined;
  readonly nameSource: IdentitySource;
  readonly names: readonly { name: string; source: IdentitySource; first: number; last: number }[];
  readonly macs: readonly string[];
  readonly genericName: boolean;
  readonly override: boolean;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly sessions: readonly {
    ip: string;
    start: number;
    end: number;
    source: IdentitySource;
    open: boolean;
  }[];
  readonly roles: readonly RoleEvidence[];
  readonly highValue: boolean;
  readonly accounts: readonly {
    account: string;
    first: number;
    last: number;
    count: number;
    asSource: number;
    asTarget: number;
  }[];
  readonly externalPeers: readonly { ip: string; connections: number }[];
  readonly conflicts: readonly string[];
}

const ADMIN_SHARES = new Set(['ADMIN$', 'C$', 'D$', 'E$', 'F$']);
const VEEAM_EXT = ['.vbk', '.vib', '.vrb', '.vbm', '.vlb'];
const DAY_SECONDS = 86_400;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The address a reverse-DNS name stands for: `4.1.168.192.in-addr.arpa` → `192.168.1.4`,
 * `…0.0.d.f.ip6.arpa` (32 nibbles) → the IPv6 address as Zeek writes it (RFC 5952); undefined
 * for anything else.
 */
export function ptrToIp(q: string): string | undefined {
  let lower = q.toLowerCase();
  if (lower.endsWith('.')) lower = lower.slice(0, -1);
  if (lower.endsWith('.in-addr.arpa')) {
    const parts = lower.slice(0, -13).split('.');
    if (parts.length !== 4) return undefined;
    const ip = `${parts[3]}.${parts[2]}.${parts[1]}.${parts[0]}`;
    return parseIPv4(ip) >= 0 ? ip : undefined;
  }
  if (lower.endsWith('.ip6.arpa')) {
    const nibbles = lower.slice(0, -9).split('.');
    if (nibbles.length !== 32 || nibbles.some((n) => !/^[0-9a-f]$/.test(n))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    try {
      return ipaddr.IPv6.parse(groups.join(':')).toRFC5952String();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class IdentityTracker {
  readonly model: NetworkModel;
  private readonly idle: number;
  private readonly current = new Map<IpKey, IpSession>();
  private readonly history = new Map<IpKey, PastSession[]>();
  private readonly hostsByKey = new Map<string, Host>();
  private readonly aliases = new Map<string, Host>();
  /** Unnamed static-address hosts, per address. */
  private readonly anonByIp = new Map<string, Host>();
  private readonly accountsByKey = new Map<string, Account>();
  /** Names a DC-locator SRV answer pointed at. */
  private readonly dcNames = new Set<string>();
  /** Names DNS gave addresses that had no open session yet (applied when one opens). */
  private readonly dnsHints = new Map<string, string>();
  private readonly tcpTags = new Map<number, string>();
  private readonly udpTags = new Map<number, string>();
  private readonly overrideByIp = new Map<string, string>();
  private readonly overrideByMac = new Map<string, string>();
  private nextId = 1;
  private now = Number.NEGATIVE_INFINITY;
  private lastSweep = Number.NEGATIVE_INFINITY;
  /** Records seen. */
  records = 0;
  /** The originator's session of the record last observed (for enrichment right after). */
  private lastOrig: IpSession | undefined;

  constructor(readonly config: VigilConfig) {
    this.model = new NetworkModel(config.network);
    this.idle = config.identity.sessionIdleSeconds;
    for (const [k, tag] of PORT_TAGS) {
      const [port, proto] = k.split('/') as [string, string];
      (proto === 'tcp' ? this.tcpTags : this.udpTags).set(Number(port), tag);
    }
    for (const [k, name] of Object.entries(config.identity.hostOverrides)) {
      const n = normaliseHostName(name) || name.toUpperCase();
      if (k.includes(':') && k.length === 17 && !k.includes('::')) this.overrideByMac.set(normaliseMac(k), n);
      else this.overrideByIp.set(k, n);
    }
  }

  // ---------------------------------------------------------------- hosts and aliases

  private newHost(key: string, ts: number): Host {
    const h = new Host(key, this.nextId++, ts);
    this.hostsByKey.set(key, h);
    return h;
  }

  /** The host owning a name (creating it), honouring overrides. */
  private hostForName(name: string, ts: number, source: IdentitySource = 'none'): Host {
    const a = this.aliases.get(`name:${name}`);
    if (a) return resolveHost(a);
    const h = this.newHost(`name:${name}`, ts);
    this.setName(h, name, source, ts);
    return h;
  }

  private hostForMac(mac: string, ts: number): Host {
    const a = this.aliases.get(`mac:${mac}`);
    if (a) return resolveHost(a);
    const h = this.newHost(`mac:${mac}`, ts);
    h.macs.add(mac);
    this.aliases.set(`mac:${mac}`, h);
    const o = this.overrideByMac.get(mac);
    if (o) this.setOverrideName(h, o, ts);
    return h;
  }

  private setOverrideName(h: Host, name: string, ts: number): void {
    h.override = true;
    h.name = name;
    h.nameSource = 'override';
    h.names.set(name, { source: 'override', first: ts, last: ts });
    const prev = this.aliases.get(`name:${name}`);
    if (prev && resolveHost(prev) !== h) this.merge(resolveHost(prev), h);
    this.aliases.set(`name:${name}`, h);
  }

  /** Records a name sighting; sets the display name if this source outranks the current one. */
  private setName(h: Host, name: string, source: IdentitySource, ts: number): void {
    const s = h.names.get(name);
    if (s) {
      s.last = ts;
      if (SOURCE_RANK[source] > SOURCE_RANK[s.source]) s.source = source;
    } else if (h.names.size < 32) h.names.set(name, { source, first: ts, last: ts });
    if (!this.aliases.has(`name:${name}`)) this.aliases.set(`name:${name}`, h);
    if (h.override) return;
    if (h.name === undefined || SOURCE_RANK[source] > SOURCE_RANK[h.nameSource] || h.name === name) {
      h.name = name;
      if (SOURCE_RANK[source] >= SOURCE_RANK[h.nameSource]) h.nameSource = source;
    }
    if (this.dcNames.has(name)) h.flag('dc-locator', ts);
  }

  /** Folds `from` into `into` (aliases re-pointed lazily through resolveHost). */
  private merge(from: Host, into: Host): void {
    if (from === into) return;
    into.absorb(from);
    this.hostsByKey.delete(from.key);
    for (const n of from.names.keys()) this.aliases.set(`name:${n}`, into);
    for (const m of from.macs) this.aliases.set(`mac:${m}`, into);
    if (into.name === undefined && from.name !== undefined) {
      into.name = from.name;
      into.nameSource = from.nameSource;
    }
  }

  // ---------------------------------------------------------------- IP sessions

  private openSession(ip: string, cls: AddrClass, ts: number, prev: IpSession | undefined): IpSession {
    let host: Host;
    let source: IdentitySource = 'none';
    const o = this.overrideByIp.get(ip);
    if (o !== undefined) {
      host = this.hostForName(o, ts);
      if (!host.override) this.setOverrideName(host, o, ts);
      source = 'override';
    } else if (this.dnsHints.has(ip)) {
      // DNS named this address before it was active: start from that name.
      host = this.hostForName(this.dnsHints.get(ip)!, ts, 'dns');
      this.dnsHints.delete(ip);
      source = 'dns';
    } else if (
      prev !== undefined &&
      !resolveHost(prev.host).anonymous &&
      (!cls.vpn || ts - prev.lastSeen <= this.config.identity.vpnCarryOverSeconds)
    ) {
      // Static address: the previous tenant is the best guess until evidence says otherwise.
      host = resolveHost(prev.host);
      source = 'carried';
    } else if (!cls.vpn) {
      let a = this.anonByIp.get(ip);
      if (a === undefined || resolveHost(a) !== a || !a.anonymous) {
        a = this.newHost(`ip:${ip}`, ts);
        this.anonByIp.set(ip, a);
      }
      host = a;
    } else {
      host = this.newHost(`ip:${ip}@${new Date(ts * 1000).toISOString()}`, ts);
    }
    host.addIp(ip);
    if (cls.scanner) host.flag('declared-scanner', ts);
    const s: IpSession = { ip, start: ts, lastSeen: ts, host, source };
    this.current.set(ipKey(ip), s);
    return s;
  }

  /** Brings every host's lastSeen up to date with its open sessions. */
  refreshLastSeen(): void {
    for (const s of this.current.values()) {
      const h = resolveHost(s.host);
      if (s.lastSeen > h.lastSeen) h.lastSeen = s.lastSeen;
    }
  }

  private closeSession(s: IpSession, end: number): void {
    const host = resolveHost(s.host);
    if (s.lastSeen > host.lastSeen) host.lastSeen = s.lastSeen;
    const k = ipKey(s.ip);
    let h = this.history.get(k);
    if (h === undefined) {
      h = [];
      this.history.set(k, h);
    }
    h.push({ start: s.start, end, host: s.host, source: s.source });
    if (h.length > this.config.identity.sessionHistoryPerIp) h.shift();
    this.current.delete(k);
  }

  /** The open session of an internal address at `ts`, rolling it over after the idle timeout. */
  private touch(ip: string, cls: AddrClass, ts: number, key: IpKey = ipKey(ip)): IpSession {
    let s = this.current.get(key);
    if (s === undefined) return this.openSession(ip, cls, ts, this.lastPast(key, ip));
    if (ts - s.lastSeen > this.idle) {
      this.closeSession(s, s.lastSeen);
      s = this.openSession(ip, cls, ts, s);
      return s;
    }
    // Only the session is updated per record (the host object is another cache miss); hosts
    // learn their lastSeen when a session closes or when asked (refreshLastSeen).
    if (ts > s.lastSeen) s.lastSeen = ts;
    return s;
  }

  private lastPast(key: IpKey, ip: string): IpSession | undefined {
    const h = this.history.get(key);
    const p = h?.[h.length - 1];
    return p ? { ip, start: p.start, lastSeen: p.end, host: p.host, source: p.source } : undefined;
  }

  /** Ends `s` at `ts` and opens a new session on the same address bound to `host`. */
  private split(s: IpSession, host: Host, source: IdentitySource, ts: number): IpSession {
    this.closeSession(s, Math.max(s.start, Math.min(s.lastSeen, ts)));
    const n: IpSession = { ip: s.ip, start: ts, lastSeen: ts, host, source };
    host.addIp(s.ip);
    this.current.set(ipKey(s.ip), n);
    return n;
  }

  /**
   * Applies one piece of identity evidence: the machine at `ip` at `ts` is `name` and/or has
   * `mac`, according to `source`. See the precedence in names.ts.
   */
  bind(
    ip: string,
    ts: number,
    source: IdentitySource,
    name: string | undefined,
    mac?: string,
  ): Host | undefined {
    const cls = this.model.classify(ip);
    if (!cls.internal) return undefined;
    if (source === 'dns' && !this.current.has(ipKey(ip))) {
      // A DNS answer is not activity of the address: remember the name for when it is active.
      if (name !== undefined && name !== '') {
        if (this.dnsHints.size >= 100_000) this.dnsHints.clear();
        this.dnsHints.set(ip, name);
      }
      return undefined;
    }
    let s = this.touch(ip, cls, ts);
    const rank = SOURCE_RANK[source];
    let cur = resolveHost(s.host);
    if (s.source === 'override') {
      // Never overwritten: keep other names as sightings only.
      if (name !== undefined && name !== cur.name) {
        cur.names.set(name, cur.names.get(name) ?? { source, first: ts, last: ts });
        cur.noteConflict(`${source} named ${ip} "${name}" (override keeps "${cur.name}")`);
      }
      if (mac !== undefined && !this.aliases.has(`mac:${mac}`)) {
        cur.macs.add(mac);
        this.aliases.set(`mac:${mac}`, cur);
      }
      return cur;
    }
    // 1. MAC evidence (a DHCP lease): the device holding the address.
    if (mac !== undefined) {
      const known = this.aliases.get(`mac:${mac}`);
      const target = known ? resolveHost(known) : undefined;
      if (target === cur) {
        if (rank > SOURCE_RANK[s.source]) s.source = source;
      } else if (cur.anonymous) {
        const t = target ?? this.hostForMac(mac, ts);
        this.merge(cur, t);
        s.host = t;
        s.source = source;
      } else if (target === undefined && cur.macs.size === 0 && s.source !== 'carried') {
        // A named host whose MAC we now learn.
        cur.macs.add(mac);
        this.aliases.set(`mac:${mac}`, cur);
        if (rank > SOURCE_RANK[s.source]) s.source = source;
      } else {
        // Another device took the address: a new tenure.
        const t = target ?? this.hostForMac(mac, ts);
        if (s.source === 'carried' || s.start === ts) {
          s.host = t;
          s.source = source;
          t.addIp(ip);
        } else s = this.split(s, t, source, ts);
      }
      cur = resolveHost(s.host);
      if (name === undefined) return cur;
      source = source === 'dhcp-mac' ? 'dhcp-name' : source;
    }
    if (name === undefined || name === '') return cur;
    const nrank = SOURCE_RANK[source];
    // 2. Name evidence.
    if (cur.name === name || cur.names.has(name)) {
      this.setName(cur, name, source, ts);
      if (nrank > SOURCE_RANK[s.source]) s.source = source;
      return cur;
    }
    const known = this.aliases.get(`name:${name}`);
    const target = known ? resolveHost(known) : undefined;
    if (cur.name === undefined && !cur.override) {
      // Unnamed (anonymous or MAC-only): it is the named host, or it takes the name.
      if (target !== undefined && target !== cur) {
        this.merge(cur, target);
        s.host = target;
        cur = target;
      } else if (target === undefined && cur.anonymous) {
        // Keyed by name from now on: the key must not name an address the host may leave.
        const named = this.hostForName(name, ts);
        this.merge(cur, named);
        s.host = named;
        cur = named;
      }
      this.setName(cur, name, source, ts);
      if (nrank > SOURCE_RANK[s.source]) s.source = source;
      return cur;
    }
    // The host at this address has another name.
    if (s.source === 'carried' || s.source === 'none') {
      // A guess from the previous session: replace it from the session start.
      const t = target ?? this.hostForName(name, ts);
      s.host = t;
      s.source = source;
      t.addIp(ip);
      this.setName(t, name, source, ts);
      return t;
    }
    if (isSelfDeclared(source) && nrank >= SOURCE_RANK[s.source]) {
      // The machine at the address now names itself differently: the address changed hands.
      const t = target ?? this.hostForName(name, ts);
      this.setName(t, name, source, ts);
      s = this.split(s, t, source, ts);
      return t;
    }
    cur.noteConflict(
      `${source} named ${ip} "${name}" at ${new Date(ts * 1000).toISOString()}; kept "${cur.name}" (${s.source})`,
    );
    return cur;
  }

  // ---------------------------------------------------------------- accounts

  private noteAccount(
    acc: AccountName,
    source: string,
    host: Host | undefined,
    asSource: boolean,
    ts: number,
  ): void {
    let a = this.accountsByKey.get(acc.key);
    if (a === undefined) {
      a = { ...acc, first: ts, last: ts, count: 0, sources: new Set() };
      this.accountsByKey.set(acc.key, a);
    }
    a.count++;
    if (ts > a.last) a.last = ts;
    if (ts < a.first) a.first = ts;
    a.sources.add(source);
    if (host === undefined) return;
    let p = host.accounts.get(acc.key);
    if (p === undefined) {
      if (host.accounts.size >= this.config.identity.maxAccountsPerHost) {
        // Drop the least recently seen tenth at once (amortised).
        const drop = [...host.accounts]
          .sort((x, y) => x[1].last - y[1].last)
          .slice(0, Math.max(1, host.accounts.size >> 3));
        for (const [k] of drop) host.accounts.delete(k);
      }
      p = { first: ts, last: ts, count: 0, asSource: 0, asTarget: 0 };
      host.accounts.set(acc.key, p);
    }
    p.count++;
    if (ts > p.last) p.last = ts;
    if (ts < p.first) p.first = ts;
    if (asSource) p.asSource++;
    else p.asTarget++;
  }

  // ---------------------------------------------------------------- the record stream

  /** Feeds one record (any log type). */
  observe(rec: ZeekRecord): void {
    this.records++;
    const ts = rec.ts;
    if (ts > this.now) {
      this.now = ts;
      if (ts - this.lastSweep > this.idle / 4) this.sweep(ts);
    }
    const oh = rec['id.orig_h'];
    const rh = rec['id.resp_h'];
    let oc: AddrClass | undefined;
    let rc: AddrClass | undefined;
    let os: IpSession | undefined;
    let rs: IpSession | undefined;
    let ok: IpKey = '';
    let rk: IpKey = '';
    if (typeof oh === 'string') {
      const n = parseIPv4(oh);
      if (n >= 0) {
        oc = this.model.classifyV4(n);
        ok = n | 0;
      } else {
        oc = this.model.classify(oh);
        ok = oh;
      }
      if (oc.internal) os = this.touch(oh, oc, ts, ok);
    }
    if (typeof rh === 'string') {
      const n = parseIPv4(rh);
      if (n >= 0) {
        rc = this.model.classifyV4(n);
        rk = n | 0;
      } else {
        rc = this.model.classify(rh);
        rk = rh;
      }
      // x.x.x.255 as a responder is a subnet broadcast, not a host.
      if (rc.internal && (n < 0 || (n & 255) !== 255)) rs = this.touch(rh, rc, ts, rk);
    }
    this.lastOrig = os;
    switch (rec._path) {
      case 'conn':
        if (os !== undefined) this.model.noteActivity(ts);
        if (rs !== undefined && oc !== undefined) {
          this.onServed(rec, rs, ok, oc);
          if (!oc.internal) {
            // Inbound from outside (perimeter services): remember who came in.
            const h = rs.host.mergedInto === undefined ? rs.host : resolveHost(rs.host);
            const n = h.externalPeers.get(ok);
            if (n !== undefined) h.externalPeers.set(ok, n + 1);
            else if (h.externalPeers.size < MAX_EXTERNAL_PEERS) h.externalPeers.set(ok, 1);
          }
        } else if (os !== undefined && rc !== undefined && !rc.internal) {
          const h = os.host.mergedInto === undefined ? os.host : resolveHost(os.host);
          const n = h.externalPeers.get(rk);
          if (n !== undefined) h.externalPeers.set(rk, n + 1);
          else if (h.externalPeers.size < MAX_EXTERNAL_PEERS) h.externalPeers.set(rk, 1);
        }
        return;
      case 'dns':
        if (rs !== undefined && ok !== '') resolveHost(rs.host).serve('dns', ok);
        if (rec.answers !== undefined) this.onDnsAnswers(rec, ts);
        return;
      case 'kerberos':
        this.onKerberos(rec, ts, oh, rs);
        return;
      case 'ntlm':
        this.onNtlm(rec, ts, oh, rh);
        return;
      case 'rdp':
        this.onRdp(rec, ts, oh, rh, os, rs);
        return;
      case 'dhcp':
        this.onDhcp(rec, ts);
        return;
      case 'dce_rpc':
        if (rs !== undefined) {
          const ep = str(rec.endpoint);
          if (ep !== undefined) resolveHost(rs.host).flag(`rpc:${ep.toLowerCase()}`, ts);
        }
        return;
      case 'ldap':
      case 'ldap_search':
        if (rs !== undefined && ok !== '') resolveHost(rs.host).serve('ldap', ok);
        return;
      case 'smb_mapping':
        this.onSmbMapping(rec, ts, oh, rh, os, rs);
        return;
      case 'smb_files':
        if (rs !== undefined) {
          const name = (str(rec.name) ?? '').toLowerCase();
          for (const ext of VEEAM_EXT)
            if (name.endsWith(ext)) {
              resolveHost(rs.host).flag('veeam-files', ts);
              break;
            }
        }
        return;
      case 'http':
        if (rs !== undefined) {
          // A proxy receives CONNECT or absolute-URI requests.
          if (rec.method === 'CONNECT') resolveHost(rs.host).flag('http-connect', ts);
          else if (typeof rec.uri === 'string' && rec.uri.startsWith('http://'))
            resolveHost(rs.host).flag('http-connect', ts);
        }
        return;
      default:
        return;
    }
  }

  private onServed(rec: ZeekRecord, rs: IpSession, client: IpKey, cc: AddrClass): void {
    const state = rec.conn_state;
    // Unanswered or rejected attempts say nothing about what the responder serves.
    if (state === 'S0' || state === 'REJ' || state === 'RSTOS0' || state === 'SH' || state === 'OTH') {
      if (rec.service === undefined) return;
    }
    const port = rec['id.resp_p'];
    let tag =
      typeof port === 'number' ? (rec.proto === 'udp' ? this.udpTags : this.tcpTags).get(port) : undefined;
    if (tag === undefined && typeof rec.service === 'string') {
      const svc = rec.service;
      const comma = svc.indexOf(',');
      tag = SERVICE_TAGS.get(comma < 0 ? svc : svc.slice(0, comma));
    }
    if (tag === undefined) return;
    const h = rs.host.mergedInto === undefined ? rs.host : resolveHost(rs.host);
    if (tag === 'vpn') {
      if (!cc.internal) h.serve('vpn-ext', client);
      return;
    }
    h.serve(tag, client);
  }

  private onDnsAnswers(rec: ZeekRecord, ts: number): void {
    const answers = rec.answers;
    const q = str(rec.query);
    if (!Array.isArray(answers) || q === undefined) return;
    const qt = rec.qtype_name;
    if (qt === 'PTR') {
      const ip = ptrToIp(q);
      if (ip === undefined) return;
      for (const a of answers) {
        const n = normaliseHostName(String(a));
        if (n !== '') this.bind(ip, ts, 'dns', n);
        break; // the first PTR is the canonical name
      }
    } else if (qt === 'A' || qt === 'AAAA') {
      const n = normaliseHostName(q);
      if (n === '') return;
      for (const a of answers) {
        const ip = String(a);
        if (this.model.classify(ip).internal) this.bind(ip, ts, 'dns', n);
      }
    } else if (
      qt === 'SRV' &&
      q.toLowerCase().includes('._msdcs.') &&
      q.toLowerCase().startsWith('_ldap._tcp.')
    ) {
      for (const a of answers) {
        const n = normaliseHostName(String(a));
        if (n === '' || this.dcNames.has(n)) continue;
        this.dcNames.add(n);
        const h = this.aliases.get(`name:${n}`);
        if (h) resolveHost(h).flag('dc-locator', ts);
      }
    }
  }

  private onKerberos(rec: ZeekRecord, ts: number, oh: unknown, rs: IpSession | undefined): void {
    if (rs !== undefined && typeof oh === 'string') resolveHost(rs.host).serve('kdc', ipKey(oh));
    const acc = parseAccount(str(rec.client));
    if (acc === undefined || typeof oh !== 'string') return;
    let host: Host | undefined;
    if (acc.machine) host = this.bind(oh, ts, 'kerberos', normaliseHostName(acc.user));
    else host = this.hostAtNow(oh);
    this.noteAccount(acc, 'kerberos', host, true, ts);
  }

  private onNtlm(rec: ZeekRecord, ts: number, oh: unknown, rh: unknown): void {
    if (typeof oh !== 'string' || typeof rh !== 'string') return;
    const wk = str(rec.hostname);
    let src: Host | undefined;
    if (wk !== undefined) {
      const n = normaliseHostName(wk);
      if (n !== '') src = this.bind(oh, ts, 'ntlm', n);
    }
    const srv = str(rec.server_nb_computer_name) ?? str(rec.server_dns_computer_name);
    let dst: Host | undefined;
    if (srv !== undefined) {
      const n = normaliseHostName(srv);
      if (n !== '') dst = this.bind(rh, ts, 'ntlm-server', n);
    }
    const acc = parseAccount(str(rec.username), str(rec.domainname));
    if (acc === undefined) return;
    this.noteAccount(acc, 'ntlm', src ?? this.hostAtNow(oh), true, ts);
    const d = dst ?? this.hostAtNow(rh);
    if (d !== undefined) this.noteAccount(acc, 'ntlm', d, false, ts);
  }

  private onRdp(
    rec: ZeekRecord,
    ts: number,
    oh: unknown,
    rh: unknown,
    os: IpSession | undefined,
    rs: IpSession | undefined,
  ): void {
    if (typeof oh !== 'string' || typeof rh !== 'string') return;
    const cn = str(rec.client_name);
    let src: Host | undefined;
    if (cn !== undefined) {
      const n = normaliseHostName(cn);
      if (n !== '') src = this.bind(oh, ts, 'rdp', n);
    }
    src ??= os ? resolveHost(os.host) : undefined;
    if (src !== undefined && rs !== undefined) {
      src.adminTargets.add(rh);
      src.adminDays.add(Math.floor(ts / DAY_SECONDS));
    }
    if (rs !== undefined) resolveHost(rs.host).serve('rdp', ipKey(oh));
    const acc = parseAccount(str(rec.cookie));
    if (acc === undefined) return;
    this.noteAccount(acc, 'rdp-cookie', src, true, ts);
    if (rs !== undefined) this.noteAccount(acc, 'rdp-cookie', resolveHost(rs.host), false, ts);
  }

  private onDhcp(rec: ZeekRecord, ts: number): void {
    const server = str(rec.server_addr);
    const rawMac = str(rec.mac);
    if (server !== undefined) {
      const sc = this.model.classify(server);
      if (sc.internal) {
        const h = resolveHost(this.touch(server, sc, ts).host);
        h.flag('dhcp-server', ts);
        if (rawMac !== undefined) h.serve('dhcp', rawMac);
      }
    }
    const types = rec.msg_types;
    const ip = str(rec.assigned_addr) ?? str(rec.client_addr);
    if (ip === undefined || rawMac === undefined) return;
    const mac = normaliseMac(rawMac);
    if (Array.isArray(types) && types.length > 0 && types.every((t) => t === 'RELEASE')) {
      const s = this.current.get(ipKey(ip));
      if (s !== undefined && resolveHost(s.host).macs.has(mac)) this.closeSession(s, ts);
      return;
    }
    const hn = str(rec.host_name) ?? str(rec.client_fqdn);
    const name = hn !== undefined ? normaliseHostName(hn) || undefined : undefined;
    this.bind(ip, ts, 'dhcp-mac', name, mac);
  }

  private onSmbMapping(
    rec: ZeekRecord,
    ts: number,
    oh: unknown,
    rh: unknown,
    os: IpSession | undefined,
    rs: IpSession | undefined,
  ): void {
    const path = str(rec.path);
    if (path === undefined || typeof oh !== 'string' || typeof rh !== 'string') return;
    // `\\HOST\SHARE`
    const trimmed = path.replace(/^\\+/, '');
    const sep = trimmed.indexOf('\\');
    const server = sep > 0 ? trimmed.slice(0, sep) : '';
    const share = (sep > 0 ? trimmed.slice(sep + 1) : trimmed).toUpperCase();
    if (server !== '') {
      const n = normaliseHostName(server);
      if (n !== '' && rs !== undefined) this.bind(rh, ts, 'dns', n);
    }
    if (rs === undefined) return;
    const dst = resolveHost(rs.host);
    if (share === 'IPC$' || share === '') return;
    dst.flag(`share:${share}`, ts);
    // Every domain member maps a DC's SYSVOL/NETLOGON: that makes a DC, not a file server.
    if (share !== 'SYSVOL' && share !== 'NETLOGON') dst.serve('smb-share', ipKey(oh));
    if (ADMIN_SHARES.has(share) && os !== undefined) {
      const src = resolveHost(os.host);
      src.adminTargets.add(rh);
      src.adminDays.add(Math.floor(ts / DAY_SECONDS));
    }
  }

  /** Closes sessions idle past the timeout and forgets old history; bounds the host table. */
  sweep(now: number): void {
    this.lastSweep = now;
    for (const s of this.current.values()) if (now - s.lastSeen > this.idle) this.closeSession(s, s.lastSeen);
    const keep = this.config.identity.sessionHistorySeconds;
    for (const [ip, h] of this.history) {
      while (h.length > 0 && now - h[0]!.end > keep) h.shift();
      if (h.length === 0) this.history.delete(ip);
    }
    const max = this.config.identity.maxHosts;
    if (this.hostsByKey.size > max * 1.1) {
      this.refreshLastSeen();
      const live = new Set<Host>();
      for (const s of this.current.values()) live.add(resolveHost(s.host));
      const victims = [...this.hostsByKey.values()]
        .filter((h) => !live.has(h) && !h.override)
        .sort((a, b) => a.lastSeen - b.lastSeen)
        .slice(0, this.hostsByKey.size - max);
      for (const h of victims) this.forget(h);
    }
  }

  private forget(h: Host): void {
    this.hostsByKey.delete(h.key);
    for (const n of h.names.keys()) if (this.aliases.get(`name:${n}`) === h) this.aliases.delete(`name:${n}`);
    for (const m of h.macs) if (this.aliases.get(`mac:${m}`) === h) this.aliases.delete(`mac:${m}`);
    for (const ip of h.ips) if (this.anonByIp.get(ip) === h) this.anonByIp.delete(ip);
  }

  // ---------------------------------------------------------------- queries

  private hostAtNow(ip: string): Host | undefined {
    const s = this.current.get(ipKey(ip));
    return s ? resolveHost(s.host) : undefined;
  }

  /**
   * Which host held `ip` at time `t`? O(1) for the open session (the common case: enrichment
   * of the record being processed); a short backwards scan of the address's recent sessions
   * otherwise. Undefined for external addresses or times no session covers.
   */
  hostAt(ip: string, t: number): Host | undefined {
    const k = ipKey(ip);
    const s = this.current.get(k);
    if (s !== undefined && t >= s.start && t <= s.lastSeen + this.idle) return resolveHost(s.host);
    const h = this.history.get(k);
    if (h === undefined) return undefined;
    for (let i = h.length - 1; i >= 0; i--) {
      const p = h[i]!;
      if (t >= p.start && t <= p.end) return resolveHost(p.host);
      if (p.end < t) break;
    }
    return undefined;
  }

  /**
   * The host of the internal originator of the record just passed to `observe` (undefined for
   * external originators): hostAt without a second lookup, for enrichment on the hot path.
   */
  lastOrigHost(): Host | undefined {
    const s = this.lastOrig;
    return s === undefined ? undefined : resolveHost(s.host);
  }

  /** The host with this key or alias (`name:DC1`, `mac:…`, bare name `DC1`). */
  host(keyOrName: string): Host | undefined {
    const h =
      this.hostsByKey.get(keyOrName) ??
      this.aliases.get(keyOrName) ??
      this.aliases.get(`name:${normaliseHostName(keyOrName)}`);
    return h ? resolveHost(h) : undefined;
  }

  /** Whether `account` (any form parseAccount reads) had not been seen on `host` before `t`. */
  isNewAccountOnHost(account: string, host: Host, t: number): boolean {
    const acc = parseAccount(account);
    if (acc === undefined) return false;
    const p = resolveHost(host).accounts.get(acc.key);
    return p === undefined || p.first >= t;
  }

  account(name: string): Account | undefined {
    const acc = parseAccount(name);
    return acc ? this.accountsByKey.get(acc.key) : undefined;
  }

  accounts(): IterableIterator<Account> {
    return this.accountsByKey.values();
  }

  /** Every key that resolves to each live host: its own and those of hosts merged into it. */
  keysByHost(): Map<Host, string[]> {
    const out = new Map<Host, string[]>();
    for (const [k, h] of this.hostsByKey) {
      const live = resolveHost(h);
      const keys = out.get(live);
      if (keys) keys.push(k);
      else out.set(live, [k]);
    }
    return out;
  }

  hosts(): Host[] {
    this.refreshLastSeen();
    const out = new Set<Host>();
    for (const h of this.hostsByKey.values()) out.add(resolveHost(h));
    return [...out];
  }

  roles(h: Host): RoleEvidence[] {
    const configured = new Set<string>();
    const ov = this.config.identity.roleOverrides;
    if (h.name !== undefined) for (const r of ov[h.name] ?? []) configured.add(r);
    for (const ip of h.ips) for (const r of ov[ip] ?? []) configured.add(r);
    return inferRoles(h, this.config.roles, [...configured] as RoleEvidence['role'][]);
  }

  /** Sessions per host (open and closed), oldest first. */
  sessionsOf(h: Host): HostView['sessions'] {
    const root = resolveHost(h);
    const out: { ip: string; start: number; end: number; source: IdentitySource; open: boolean }[] = [];
    for (const ip of root.ips) {
      const k = ipKey(ip);
      for (const p of this.history.get(k) ?? [])
        if (resolveHost(p.host) === root)
          out.push({ ip, start: p.start, end: p.end, source: p.source, open: false });
      const s = this.current.get(k);
      if (s !== undefined && resolveHost(s.host) === root)
        out.push({ ip, start: s.start, end: s.lastSeen, source: s.source, open: true });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  view(h: Host): HostView {
    const root = resolveHost(h);
    for (const ip of root.ips) {
      const s = this.current.get(ipKey(ip));
      if (s !== undefined && resolveHost(s.host) === root && s.lastSeen > root.lastSeen)
        root.lastSeen = s.lastSeen;
    }
    const roles = this.roles(root);
    return {
      key: root.key,
      name: root.name,
      nameSource: root.nameSource,
      names: [...root.names].map(([name, s]) => ({ name, ...s })),
      macs: [...root.macs],
      genericName: root.name !== undefined && isGenericHostName(root.name),
      override: root.override,
      firstSeen: root.firstSeen,
      lastSeen: root.lastSeen,
      sessions: this.sessionsOf(root),
      roles,
      highValue: isHighValue(roles),
      accounts: [...root.accounts]
        .map(([account, p]) => ({ account, ...p }))
        .sort((a, b) => b.count - a.count),
      externalPeers: [...root.externalPeers]
        .map(([ip, connections]) => ({ ip: ipKeyToString(ip), connections }))
        .sort((a, b) => b.connections - a.connections),
      conflicts: [...root.conflicts],
    };
  }

  /** Internal state sizes (for memory bounds and reports). */
  stats(): { hosts: number; openSessions: number; ipsWithHistory: number; accounts: number } {
    return {
      hosts: this.hostsByKey.size,
      openSessions: this.current.size,
      ipsWithHistory: this.history.size,
      accounts: this.accountsByKey.size,
    };
  }

  // ---------------------------------------------------------------- state (see state.ts)

  /** @internal for state.ts */
  internals() {
    return {
      current: this.current,
      history: this.history,
      hostsByKey: this.hostsByKey,
      aliases: this.aliases,
      anonByIp: this.anonByIp,
      accountsByKey: this.accountsByKey,
      dcNames: this.dcNames,
      newHost: (key: string, ts: number) => this.newHost(key, ts),
      setNow: (now: number) => {
        this.now = now;
      },
      now: this.now,
    };
  }
}
