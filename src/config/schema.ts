/**
 * The Vigil config file: its schema, its defaults and its types.
 *
 * Every key has a default a newcomer never needs to touch; a file only names what differs.
 * Durations and thresholds carry their unit in the key name (`sessionIdleSeconds`).
 *
 * zod: the maintained, dependency-free schema library for TypeScript; it gives typed output and
 * issues with the exact key path, which the loader turns into located messages.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { responseSchema } from '../respond/config.js';
import { ipv4RangeToCidrs } from './network-model.js';

/** RFC 1918, CGNAT (RFC 6598), IPv6 unique-local (RFC 4193). Loopback/link-local are never "hosts". */
export const DEFAULT_INTERNAL_RANGES: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
];

/** Strict address check: dotted-quad IPv4 (ipaddr.js alone also takes `10.5` and hex forms) or IPv6. */
export function isIpAddress(v: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(v) || (v.includes(':') && ipaddr.IPv6.isValid(v));
}

function isCidr(v: string): boolean {
  try {
    const slash = v.indexOf('/');
    if (slash < 0 || !isIpAddress(v.slice(0, slash))) return false;
    ipaddr.parseCIDR(v);
    return true;
  } catch {
    return false;
  }
}

/** An address, a CIDR range, or an IPv4 range `first-last`; a bare address means a /32 (/128). */
const cidr = z.string().refine((v) => isCidr(v) || isIpAddress(v) || ipv4RangeToCidrs(v) !== undefined, {
  message: 'is not an IP address, CIDR range (e.g. 10.5.0.0/16) or IPv4 range (10.5.0.70-10.5.0.127)',
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** A host name as analysts write it (NetBIOS or DNS); letters, digits, `-`, `_`, `.`. */
const hostName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.-]+\$?$/, { message: 'is not a host name (letters, digits, - _ .)' });

export const ROLE_NAMES = [
  'domain-controller',
  'dns-server',
  'dhcp-server',
  'file-server',
  'backup-server',
  'vpn-gateway',
  'web-proxy',
  'admin-workstation',
  'scanner',
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

const businessHours = z
  .object({
    /**
     * IANA time zone of the site, e.g. `Asia/Tokyo`; `auto` (default) = learned from traffic
     * volume: the whole-hour UTC offset at which these business hours hold the most internal
     * activity (UTC until 2,000 internal connections have been seen).
     */
    timeZone: z
      .string()
      .refine((tz) => tz === 'auto' || isTimeZone(tz), {
        message: 'is not an IANA time zone (e.g. Asia/Tokyo, Europe/Berlin, UTC) or auto',
      })
      .default('auto'),
    /** First business hour (0–23, local time). */
    startHour: z.number().int().min(0).max(23).default(8),
    /** Business hours end before this hour (1–24, local time). */
    endHour: z.number().int().min(1).max(24).default(18),
    /** Business days, ISO numbering: 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
  })
  .strict()
  .refine((b) => b.endHour > b.startHour, { message: 'endHour must be after startHour', path: ['endHour'] });

const network = z
  .object({
    /** Ranges whose addresses are "ours": they get IP sessions and host identities. */
    internalRanges: z.array(cidr).default([...DEFAULT_INTERNAL_RANGES]),
    /** Named subnets (`servers`, `dmz`, …) → ranges. The most specific match names an address. */
    subnets: z.record(z.string().min(1), z.array(cidr)).default({}),
    /** VPN client pools: addresses here change hands often, so identity never carries over. */
    vpnPools: z.array(cidr).default([]),
    /** Declared scanners (vulnerability scanners, monitoring): role `scanner`. */
    scanners: z.array(cidr).default([]),
    businessHours: businessHours.default({
      timeZone: 'auto',
      startHour: 8,
      endHour: 18,
      days: [1, 2, 3, 4, 5],
    }),
  })
  .strict();

const identity = z
  .object({
    /** An IP session closes after this many seconds without a record from or to the address. */
    sessionIdleSeconds: z.number().positive().default(7200),
    /**
     * Manual host names, never overwritten by observed evidence: key = IP address or MAC
     * (`aa:bb:cc:dd:ee:ff`), value = host name.
     */
    hostOverrides: z
      .record(
        z.string().refine((k) => isIpAddress(k) || MAC_RE.test(k), {
          message: 'is not an IP address or MAC (aa:bb:cc:dd:ee:ff)',
        }),
        hostName,
      )
      .default({}),
    /** Manual roles: key = IP address or host name, value = roles (added to inferred ones). */
    roleOverrides: z.record(z.string().min(1), z.array(z.enum(ROLE_NAMES))).default({}),
    /** Most hosts kept; the least recently seen are dropped beyond it. */
    maxHosts: z.number().int().positive().default(200_000),
    /** Past IP sessions kept per address for "which host was this IP at time t?". */
    sessionHistoryPerIp: z.number().int().positive().default(32),
    /**
     * A VPN-pool address active again within this many seconds of its last named tenure is
     * assumed to be the same client (binding `carried`, replaced by any name evidence); later
     * it starts as a new unnamed host. Pools hand addresses out least-recently-used, so quick
     * reuse by another client is rare, and it would name itself.
     */
    vpnCarryOverSeconds: z.number().min(0).default(14_400),
    /** Past IP sessions older than this (seconds after they closed) are forgotten. */
    sessionHistorySeconds: z
      .number()
      .positive()
      .default(30 * 86_400),
    /** Account ↔ host pairs kept per host (least recently seen dropped). */
    maxAccountsPerHost: z.number().int().positive().default(4096),
  })
  .strict();

const roles = z
  .object({
    /** Distinct SMB clients mapping a non-IPC share before a host counts as a file server. */
    fileServerMinClients: z.number().int().positive().default(5),
    /** Distinct clients served before a host counts as a DNS / DHCP / web-proxy server. */
    serviceMinClients: z.number().int().positive().default(2),
    /** Distinct RDP / admin-share targets before a source counts as an admin workstation… */
    adminMinTargets: z.number().int().positive().default(3),
    /** …on at least this many distinct days ("habitual"). */
    adminMinActiveDays: z.number().int().positive().default(2),
  })
  .strict();

const geoip = z
  .object({
    /**
     * Country database (MaxMind / DB-IP / ip-location-db mmdb). Unset = the GeoLite2-country
     * mmdb shipped in the `@ip-location-db/geolite2-country-mmdb` package.
     */
    countryMmdb: z.string().optional(),
    /** ASN database (GeoLite2-ASN / DB-IP ASN lite / ip-location-db asn mmdb); unset = no ASN. */
    asnMmdb: z.string().optional(),
    /** ASN ranges as CSV `start,end,asn,organisation` (ip-location-db `asn-ipv4.csv`), IPv4. */
    asnCsv: z.string().optional(),
    /** Lookups cached (per distinct address). */
    cacheEntries: z.number().int().positive().default(100_000),
  })
  .strict();

const intelFile = z
  .object({
    path: z.string().min(1),
    /** `list` (one indicator a line), `csv` (header row), `stix` (STIX 2.1 bundle JSON). */
    format: z.enum(['list', 'csv', 'stix']).optional(),
    /** Indicator type for a plain list; unset = detected per line. */
    type: z.enum(['ip', 'cidr', 'domain', 'url', 'ja3', 'hash', 'user-agent']).optional(),
    /** Name reported with each hit; default = the file name. */
    source: z.string().optional(),
    /** 0–100; default 50. */
    confidence: z.number().min(0).max(100).optional(),
  })
  .strict();

const domains = z
  .object({
    /** Registered domains tracked for prevalence / first-seen (least recently seen dropped). */
    maxDomains: z.number().int().positive().default(500_000),
    /** Distinct hosts counted exactly per domain; beyond it the count is a lower bound. */
    maxHostsPerDomain: z.number().int().positive().default(1000),
  })
  .strict();

/** Per-detector threshold overrides (checked against each detector's documented defaults). */
const detectors = z.record(z.string().regex(/^[a-z0-9-]+$/), z.record(z.string(), z.unknown())).default({});

const triageRule = z
  .object({
    detector: z.string().optional(),
    category: z
      .enum([
        'initial-access',
        'reconnaissance',
        'lateral-movement',
        'credential-access',
        'command-and-control',
        'exfiltration',
        'impact',
      ])
      .optional(),
    host: z.string().optional(),
    subnet: cidr.optional(),
    role: z.string().optional(),
    reason: z.string().optional(),
  })
  .strict();

const score = z
  .object({
    halfLifeSeconds: z.number().positive(),
    minWeight: z.number().min(0).max(1),
    stackFactor: z.number().min(0).max(1),
    stackMax: z.number().int().min(0),
    breadthBonus: z.number().min(0),
    breadthMax: z.number().min(0),
    highValueFactor: z.number().min(1).max(3),
    quadrantSplit: z.number().min(1).max(98),
  })
  .partial()
  .strict()
  .default({});

const secretRef = z
  .object({ env: z.string().min(1).optional(), file: z.string().min(1).optional() })
  .strict()
  .refine((s) => s.env !== undefined || s.file !== undefined, {
    message: 'give { env: NAME } or { file: PATH }',
  });

const alerts = z
  .object({
    syslog: z
      .array(
        z
          .object({
            host: z.string().min(1),
            port: z.number().int().min(1).max(65535),
            transport: z.enum(['udp', 'tcp', 'tls']).default('udp'),
            /** PEM CA bundle to trust for TLS besides the system's. */
            caFile: z.string().optional(),
            servername: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    webhooks: z.array(z.object({ url: z.string().url(), secret: secretRef }).strict()).default([]),
    jsonl: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .default({ syslog: [], webhooks: [], jsonl: [] });

export const configSchema = z
  .object({
    network: network.default(network.parse({})),
    identity: identity.default(identity.parse({})),
    roles: roles.default(roles.parse({})),
    geoip: geoip.default(geoip.parse({})),
    intel: z
      .object({ files: z.array(intelFile).default([]) })
      .strict()
      .default({ files: [] }),
    domains: domains.default(domains.parse({})),
    /** State file: identity, roles, accounts, prevalence survive restarts when set. */
    stateFile: z.string().optional(),
    /** `detectors.<type>.<threshold>`: overrides of a detector's documented defaults. */
    detectors,
    /** Detector types switched off. */
    disabledDetectors: z.array(z.string()).default([]),
    /** Rules that keep detectors quiet for hosts, subnets, roles (declared scanners are built in). */
    triage: z.array(triageRule).default([]),
    /** Host scoring: decay half-life, stacking, breadth bonus, high-value factor, quadrant split. */
    score,
    /** Response policies, actuators and safety rails (src/respond/config.ts). */
    response: responseSchema.default(responseSchema.parse({})),
    /** Alert outputs for SIEMs and chat-ops. */
    alerts,
    /**
     * Recall store retention, applied by `vigil serve` at start and hourly: whole day partitions
     * older than `maxAgeDays` (days, by wall clock) or, oldest first, beyond `maxBytes` on disk.
     * Unset = keep everything.
     */
    recall: z
      .object({
        maxAgeDays: z.number().positive().optional(),
        maxBytes: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type VigilConfig = z.infer<typeof configSchema>;
export type NetworkConfig = VigilConfig['network'];
export type IdentityConfig = VigilConfig['identity'];
export type RoleThresholds = VigilConfig['roles'];
export type IntelFileConfig = z.infer<typeof intelFile>;

/** The configuration with every default: what runs when no file is given. */
export function defaultConfig(): VigilConfig {
  return configSchema.parse({});
}
