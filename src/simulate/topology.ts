/**
 * The simulated site: subnets, servers, workstations, users, the VPN pool, the perimeter and the
 * outside world. Server addresses are the ones the reference incident names (10.5.0.65 backup,
 * 10.5.1.20, workstations 10.5.2.12 and 10.5.3.28, VPN pool from 10.5.0.70); everything else is
 * drawn from the seed. One host has one name everywhere (DHCP host name = NTLM workstation =
 * Kerberos machine principal = RDP client name).
 */
import type { Rng } from './rand.js';

export type Role =
  | 'dc'
  | 'file-server'
  | 'exchange'
  | 'management'
  | 'monitoring'
  | 'backup'
  | 'scanner'
  | 'app-server'
  | 'sql-server'
  | 'web-server'
  | 'print-server'
  | 'wsus'
  | 'vpn-gateway'
  | 'workstation'
  | 'laptop';

export interface User {
  /** sAMAccountName, e.g. `y.tanaka`. */
  readonly account: string;
  /** Privileged account of an IT admin (`adm-…`), if any. */
  readonly adminAccount?: string;
}

export interface Host {
  readonly ip: string;
  /** NetBIOS/DHCP host name, upper case, ≤ 15 characters. */
  readonly name: string;
  readonly mac: string;
  readonly role: Role;
  readonly user?: User;
}

export interface ExternalSite {
  readonly name: string;
  readonly ip: string;
  readonly tls: boolean;
  readonly weight: number;
}

export interface Domain {
  readonly netbios: string;
  readonly dns: string;
  readonly realm: string;
  readonly baseDn: string;
}

export interface Perimeter {
  readonly vpn: { readonly ip: string; readonly name: string };
  readonly ftp: { readonly ip: string; readonly name: string };
  readonly webmail: { readonly ip: string; readonly name: string };
  readonly www: { readonly ip: string; readonly name: string };
}

export interface Network {
  /** First two octets of the internal /16, e.g. `10.5`. */
  readonly prefix: string;
  readonly domain: Domain;
  readonly localNets: readonly string[];
  readonly dcs: readonly [Host, Host];
  readonly fileServers: readonly Host[];
  readonly exchange: Host;
  readonly management: Host;
  readonly monitoring: Host;
  readonly backup: Host;
  readonly scanner: Host;
  /** Every server (DCs included). */
  readonly servers: readonly Host[];
  /** Desktops and laptops with their office (DHCP) addresses. */
  readonly workstations: readonly Host[];
  /** Laptop users who may work over the VPN, each with a fixed pool address. */
  readonly vpnUsers: ReadonlyArray<{ readonly laptop: Host; readonly poolIp: string }>;
  /** Workstations of IT admins (their users have an `adminAccount`). */
  readonly admins: readonly Host[];
  /** First VPN pool address never handed to a benign user (the reference attacker's). */
  readonly vpnPoolReserved: string;
  readonly perimeter: Perimeter;
  readonly sites: readonly ExternalSite[];
  readonly byIp: ReadonlyMap<string, Host>;
}

export interface NetworkOptions {
  /** Number of workstations (desktops + laptops). */
  readonly hosts: number;
  /** First two octets of the site's /16 (default `10.5`, the reference incident's). */
  readonly prefix?: string;
}

const SURNAMES = [
  'tanaka',
  'suzuki',
  'takahashi',
  'watanabe',
  'ito',
  'yamamoto',
  'nakamura',
  'kobayashi',
  'kato',
  'yoshida',
  'yamada',
  'sasaki',
  'yamaguchi',
  'matsumoto',
  'inoue',
  'kimura',
  'hayashi',
  'shimizu',
  'yamazaki',
  'mori',
  'abe',
  'ikeda',
  'hashimoto',
  'ishikawa',
  'ogawa',
  'okada',
  'goto',
  'hasegawa',
  'murakami',
  'kondo',
  'ishii',
  'saito',
  'sakamoto',
  'endo',
  'aoki',
  'fujii',
  'nishimura',
  'fukuda',
  'ota',
  'miura',
  'okamoto',
  'matsuda',
  'nakagawa',
  'harada',
  'ono',
  'takeda',
  'ueda',
  'sugiyama',
];
const INITIALS = 'abcdefghijkmnorstuyz';

const SERVERS: ReadonlyArray<readonly [string, string, Role]> = [
  ['0.2', 'DC1', 'dc'],
  ['0.3', 'DC2', 'dc'],
  ['0.4', 'FS01', 'file-server'],
  ['0.5', 'FS02', 'file-server'],
  ['0.8', 'EXCH01', 'exchange'],
  ['0.9', 'SCCM01', 'management'],
  ['0.12', 'MON01', 'monitoring'],
  ['0.13', 'PRN01', 'print-server'],
  ['0.14', 'INTRA01', 'web-server'],
  ['0.15', 'SQL01', 'sql-server'],
  ['0.33', 'WSUS01', 'wsus'],
  ['0.43', 'APP01', 'app-server'],
  ['0.47', 'VSCAN01', 'scanner'],
  ['0.65', 'BACKUP01', 'backup'],
  ['1.20', 'APP02', 'app-server'],
  ['1.21', 'ERP01', 'app-server'],
  ['1.30', 'CAD01', 'app-server'],
];

/** Public services of the site (documentation range 203.0.113.0/24). */
export const PERIMETER: Perimeter = {
  vpn: { ip: '203.0.113.10', name: 'vpn.example-mfg.co.jp' },
  ftp: { ip: '203.0.113.11', name: 'ftp.example-mfg.co.jp' },
  webmail: { ip: '203.0.113.12', name: 'webmail.example-mfg.co.jp' },
  www: { ip: '203.0.113.20', name: 'www.example-mfg.co.jp' },
};

const SITES: readonly ExternalSite[] = [
  { name: 'www.google.com', ip: '142.250.196.100', tls: true, weight: 20 },
  { name: 'www.google.co.jp', ip: '142.250.196.99', tls: true, weight: 12 },
  { name: 'www.yahoo.co.jp', ip: '183.79.219.252', tls: true, weight: 14 },
  { name: 'outlook.office365.com', ip: '52.96.108.18', tls: true, weight: 10 },
  { name: 'login.microsoftonline.com', ip: '20.190.144.161', tls: true, weight: 8 },
  { name: 'teams.microsoft.com', ip: '52.113.194.132', tls: true, weight: 8 },
  { name: 'www.bing.com', ip: '13.107.21.200', tls: true, weight: 5 },
  { name: 'github.com', ip: '52.69.186.44', tls: true, weight: 3 },
  { name: 'www.nikkei.com', ip: '23.215.0.136', tls: true, weight: 4 },
  { name: 'www3.nhk.or.jp', ip: '23.215.0.140', tls: true, weight: 3 },
  { name: 'www.amazon.co.jp', ip: '52.119.161.5', tls: true, weight: 4 },
  { name: 'www.youtube.com', ip: '142.250.196.110', tls: true, weight: 4 },
  { name: 'www.facebook.com', ip: '31.13.82.36', tls: true, weight: 2 },
  { name: 'www.linkedin.com', ip: '13.107.42.14', tls: true, weight: 2 },
  { name: 'update.googleapis.com', ip: '142.250.196.131', tls: true, weight: 3 },
  { name: 'clients4.google.com', ip: '142.250.196.110', tls: true, weight: 3 },
  { name: 'www.msn.com', ip: '13.107.42.16', tls: true, weight: 3 },
  { name: 'ctldl.windowsupdate.com', ip: '23.215.0.150', tls: false, weight: 3 },
  { name: 'ocsp.digicert.com', ip: '93.184.220.29', tls: false, weight: 4 },
  { name: 'crl.globalsign.com', ip: '104.18.21.226', tls: false, weight: 1 },
  { name: 'www.msftconnecttest.com', ip: '13.107.4.52', tls: false, weight: 1 },
  { name: 'weather.yahoo.co.jp', ip: '183.79.217.124', tls: false, weight: 1 },
  { name: 'www.mitsubishielectric.co.jp', ip: '23.215.0.160', tls: true, weight: 1 },
  { name: 'www.jetro.go.jp', ip: '202.32.207.25', tls: true, weight: 1 },
];

function toHost(ip: string, name: string, role: Role, rand: Rng, user?: User): Host {
  const oui =
    role === 'workstation' || role === 'laptop'
      ? rand.pick(['3c:52:82', 'f4:8e:38', '54:bf:64'])
      : '00:50:56';
  return user ? { ip, name, mac: rand.mac(oui), role, user } : { ip, name, mac: rand.mac(oui), role };
}

export function buildNetwork(rand: Rng, options: NetworkOptions): Network {
  const domain: Domain = {
    netbios: 'CORP',
    dns: 'corp.local',
    realm: 'CORP.LOCAL',
    baseDn: 'DC=corp,DC=local',
  };
  const r = rand.fork('topology');
  const prefix = options.prefix ?? '10.5';
  const servers = SERVERS.map(([ip, name, role]) => toHost(`${prefix}.${ip}`, name, role, r));
  const byRole = (role: Role): Host[] => servers.filter((s) => s.role === role);
  const hosts = Math.max(1, Math.floor(options.hosts));
  const subnets = Math.max(2, Math.ceil(hosts / 240));
  const usedAccounts = new Set<string>();
  const workstations: Host[] = [];
  const adminCount = Math.max(2, Math.min(5, Math.round(hosts / 80)));
  for (let i = 0; i < hosts; i++) {
    const ip = `${prefix}.${2 + (i % subnets)}.${10 + Math.floor(i / subnets)}`;
    let account = `${r.pick(INITIALS.split(''))}.${r.pick(SURNAMES)}`;
    while (usedAccounts.has(account)) account = `${account.replace(/\d+$/, '')}${r.int(2, 99)}`;
    usedAccounts.add(account);
    const laptop = r.chance(0.3);
    const admin = i >= 40 && i < 40 + adminCount;
    const user: User = admin ? { account, adminAccount: `adm-${account.replace('.', '')}` } : { account };
    const name = `${laptop ? 'LT' : 'PC'}${String(1001 + i)}`;
    workstations.push(toHost(ip, name, laptop ? 'laptop' : 'workstation', r, user));
  }
  const laptops = workstations.filter((w) => w.role === 'laptop');
  const vpnCount = Math.min(29, Math.max(3, Math.round(laptops.length * 0.2)));
  const vpnUsers = r
    .sample(laptops, vpnCount)
    .map((laptop, i) => ({ laptop, poolIp: `${prefix}.0.${71 + i}` }));
  const all = [...servers, ...workstations];
  const byIp = new Map(all.map((h) => [h.ip, h] as const));
  return {
    prefix,
    domain,
    localNets: [`${prefix}.0.0/16`, '203.0.113.0/24'],
    dcs: [byRole('dc')[0]!, byRole('dc')[1]!],
    fileServers: byRole('file-server'),
    exchange: byRole('exchange')[0]!,
    management: byRole('management')[0]!,
    monitoring: byRole('monitoring')[0]!,
    backup: byRole('backup')[0]!,
    scanner: byRole('scanner')[0]!,
    servers,
    workstations,
    vpnUsers,
    admins: workstations.filter((w) => w.user?.adminAccount !== undefined),
    vpnPoolReserved: `${prefix}.0.70`,
    perimeter: PERIMETER,
    sites: SITES,
    byIp,
  };
}

/** Zeek's `Site::local_nets` test for a site with internal /16 `prefix` (and its public /24). */
export function localTest(prefix: string): (ip: string) => boolean {
  const p = `${prefix}.`;
  return (ip) => ip.startsWith(p) || ip.startsWith('203.0.113.');
}

/** `10.5.0.2` → `2.0.5.10.in-addr.arpa`. */
export function ptrName(ip: string): string {
  return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
}

export function fqdn(net: Network, host: Host): string {
  return `${host.name.toLowerCase()}.${net.domain.dns}`;
}
