/**
 * The simplest HostView: a host is its IP; internal = RFC 1918, CGNAT 100.64/10, loopback,
 * link-local, IPv6 ULA fc00::/7 and link-local fe80::/10; roles only as given; no names, GeoIP or
 * account history. Used when no identity tracker is wired in (unit tests, tools) — the identity
 * layer replaces it in the pipeline.
 */

import { ipv4ToInt } from './triage.js';
import type { GeoInfo, HostView } from './types.js';

const NO_ROLES: ReadonlySet<string> = new Set();

export function isPrivateAddress(ip: string): boolean {
  const n = ipv4ToInt(ip);
  if (n !== undefined) {
    const a = n >>> 24;
    const b = (n >>> 16) & 0xff;
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      a === 127 ||
      (a === 169 && b === 254)
    );
  }
  const lower = ip.toLowerCase();
  return /^f[cd][0-9a-f]{2}:/.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower) || lower === '::1';
}

export class IpHostView implements HostView {
  constructor(
    private readonly roleMap: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
    private readonly highValue: ReadonlySet<string> = new Set(),
  ) {}

  hostKey(ip: string): string {
    return ip;
  }

  isInternal(ip: string): boolean {
    return isPrivateAddress(ip);
  }

  roles(host: string): ReadonlySet<string> {
    return this.roleMap.get(host) ?? NO_ROLES;
  }

  isHighValue(host: string): boolean {
    return this.highValue.has(host);
  }

  names(): readonly string[] {
    return [];
  }

  firstSeen(): number | undefined {
    return undefined;
  }

  isVpnAddress(): boolean {
    return false;
  }

  /** Mon–Fri 08:00–18:00 UTC: a placeholder until the network model supplies the real hours. */
  inBusinessHours(ts: number): boolean {
    const d = new Date(ts * 1000);
    const day = d.getUTCDay();
    const h = d.getUTCHours();
    return day >= 1 && day <= 5 && h >= 8 && h < 18;
  }

  isGenericName(name: string): boolean {
    return /^(WIN-[A-Z0-9]{11}|DESKTOP-[A-Z0-9]{7}|LAPTOP-[A-Z0-9]{7,8}|KALI|PARROT)$/i.test(name);
  }

  geo(): GeoInfo | undefined {
    return undefined;
  }

  accountFirstSeenOnHost(): number | undefined {
    return undefined;
  }
}
