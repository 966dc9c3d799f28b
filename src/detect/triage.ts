/**
 * Triage rules: when a detector must stay quiet for a host. A rule matches on any combination
 * of detector type (or category), host key, IP/subnet and role; all given fields must match.
 * Declared scanners are quiet for reconnaissance by default (they scan on purpose).
 */
import { parseIPv4 } from '../config/network-model.js';
import type { Category, HostView } from './types.js';

export interface TriageRule {
  /** Detector type, e.g. `port-sweep`; unset = any. */
  readonly detector?: string;
  readonly category?: Category;
  readonly host?: string;
  /** IPv4 address or CIDR (a.b.c.d/n). */
  readonly subnet?: string;
  readonly role?: string;
  /** Why (shown in audits). */
  readonly reason?: string;
}

export const DEFAULT_TRIAGE: readonly TriageRule[] = [
  { role: 'scanner', category: 'reconnaissance', reason: 'declared vulnerability scanner' },
];

/** Parses `a.b.c.d/n` into [network, mask] as unsigned ints; undefined when not IPv4 CIDR. */
export function parseCidr4(cidr: string): readonly [number, number] | undefined {
  const [addr, bitsText] = cidr.includes('/') ? cidr.split('/') : [cidr, '32'];
  const ip = ipv4ToInt(addr ?? '');
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [(ip & mask) >>> 0, mask];
}

/** Dotted-quad IPv4 → unsigned int (the network model's allocation-free parser); undefined otherwise. */
export function ipv4ToInt(ip: string): number | undefined {
  const n = parseIPv4(ip);
  return n < 0 ? undefined : n;
}

interface CompiledRule {
  readonly rule: TriageRule;
  readonly net?: readonly [number, number];
}

export class Triage {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly TriageRule[]) {
    this.rules = rules.map((rule, i) => {
      if (rule.subnet === undefined) return { rule };
      const net = parseCidr4(rule.subnet);
      if (!net)
        throw new Error(`triage[${i}].subnet: not an IPv4 address or CIDR: ${JSON.stringify(rule.subnet)}`);
      return { rule, net };
    });
  }

  suppressed(type: string, category: Category, host: string, ip: string, hosts: HostView): boolean {
    for (const { rule, net } of this.rules) {
      if (rule.detector !== undefined && rule.detector !== type) continue;
      if (rule.category !== undefined && rule.category !== category) continue;
      if (rule.host !== undefined && rule.host !== host) continue;
      if (net) {
        const n = ipv4ToInt(ip);
        if (n === undefined || (n & net[1]) >>> 0 !== net[0]) continue;
      }
      if (rule.role !== undefined && !hosts.roles(host).has(rule.role)) continue;
      return true;
    }
    return false;
  }
}
