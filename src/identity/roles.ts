/**
 * Asset roles inferred from what a host served and did, each with the evidence behind it.
 * Computed on demand from the host's bounded counters (never per record).
 *
 * | role | evidence |
 * |---|---|
 * | domain-controller | Kerberos KDC (88) **and** LDAP (389/636/3268) served, or one of them plus drsuapi / netlogon RPC served; confidence high when drsuapi / netlogon RPC served or a DC-locator SRV answer names the host, medium otherwise |
 * | dns-server | DNS (53) answered for ≥ `serviceMinClients` clients |
 * | dhcp-server | named as `server_addr` in dhcp.log |
 * | file-server | ≥ `fileServerMinClients` SMB clients mapped a share other than IPC$, SYSVOL, NETLOGON |
 * | backup-server | backup product ports served (Veeam 9392/9401/6160/6162/10006/2500), backup shares (`*backup*`, `*veeam*`), Veeam files (.vbk/.vib/.vrb/.vbm), or a backup-like name |
 * | vpn-gateway | IKE/IPsec (500/4500), OpenVPN (1194), L2TP (1701), SSTP/GlobalProtect-style (443) from ≥ `serviceMinClients` external clients with VPN-pool traffic seen |
 * | web-proxy | proxy ports (3128/8118) served to ≥ `serviceMinClients` clients, or HTTP CONNECT / absolute-URI requests served |
 * | admin-workstation | RDP / admin-share (ADMIN$, C$…) access to ≥ `adminMinTargets` internal hosts on ≥ `adminMinActiveDays` days |
 * | scanner | declared in `network.scanners` |
 *
 * Manual roles from `identity.roleOverrides` are added with evidence "configured".
 */
import type { RoleName, RoleThresholds } from '../config/schema.js';
import type { Host } from './host.js';

export interface RoleEvidence {
  readonly role: RoleName;
  readonly confidence: 'high' | 'medium' | 'configured';
  readonly evidence: readonly string[];
}

export const HIGH_VALUE_ROLES: ReadonlySet<RoleName> = new Set([
  'domain-controller',
  'backup-server',
  'admin-workstation',
]);

/** Served-port → service tag, for conn records whose responder is internal. */
export const PORT_TAGS: ReadonlyMap<string, string> = new Map([
  ['88/tcp', 'kdc'],
  ['88/udp', 'kdc'],
  ['389/tcp', 'ldap'],
  ['389/udp', 'ldap'],
  ['636/tcp', 'ldap'],
  ['3268/tcp', 'ldap'],
  ['3269/tcp', 'ldap'],
  ['53/udp', 'dns'],
  ['53/tcp', 'dns'],
  ['67/udp', 'dhcp'],
  ['135/tcp', 'epmap'],
  ['445/tcp', 'smb'],
  ['139/tcp', 'smb'],
  ['3389/tcp', 'rdp'],
  ['3128/tcp', 'proxy'],
  ['8118/tcp', 'proxy'],
  ['9392/tcp', 'veeam'],
  ['9401/tcp', 'veeam'],
  ['6160/tcp', 'veeam'],
  ['6162/tcp', 'veeam'],
  ['10006/tcp', 'veeam'],
  ['2500/tcp', 'veeam'],
  ['500/udp', 'vpn'],
  ['4500/udp', 'vpn'],
  ['1194/udp', 'vpn'],
  ['1194/tcp', 'vpn'],
  ['1701/udp', 'vpn'],
]);

/** Zeek `service` values that name a served protocol regardless of port. */
export const SERVICE_TAGS: ReadonlyMap<string, string> = new Map([
  ['krb', 'kdc'],
  ['krb_tcp', 'kdc'],
  ['ldap', 'ldap'],
  ['ldap_tcp', 'ldap'],
  ['ldap_udp', 'ldap'],
  ['dns', 'dns'],
  ['dhcp', 'dhcp'],
]);

const BACKUP_NAME = /BACKUP|VEEAM|VBR|BKP|BACULA|COMMVAULT|NETBACKUP/;

function countEvidence(h: Host, tag: string, label: string): string | undefined {
  const n = h.clients(tag);
  return n > 0 ? `${label} served to ${n}${n >= 64 ? '+' : ''} client(s)` : undefined;
}

function flagsWithPrefix(h: Host, prefix: string): string[] {
  const out: string[] = [];
  for (const f of h.flags.keys()) if (f.startsWith(prefix)) out.push(f.slice(prefix.length));
  return out;
}

/** Roles of a host, strongest first, each with its evidence. `configured` = manual roles. */
export function inferRoles(h: Host, t: RoleThresholds, configured: readonly RoleName[] = []): RoleEvidence[] {
  const out: RoleEvidence[] = [];
  const add = (role: RoleName, confidence: RoleEvidence['confidence'], ev: (string | undefined)[]) => {
    if (out.some((r) => r.role === role)) return;
    out.push({ role, confidence, evidence: ev.filter((e): e is string => e !== undefined) });
  };

  // Domain controller: KDC + LDAP, strengthened by DC-only RPC and DC-locator answers.
  const kdc = h.clients('kdc');
  const ldap = h.clients('ldap');
  const rpc = flagsWithPrefix(h, 'rpc:').filter((e) => e === 'drsuapi' || e === 'netlogon');
  const locator = h.flags.has('dc-locator');
  // KDC + LDAP; or one of them plus a DC-only RPC interface (a DC whose clients all use
  // another DC for Kerberos still serves LDAP and replication).
  if ((kdc > 0 && ldap > 0) || ((kdc > 0 || ldap > 0) && rpc.length > 0)) {
    const ev = [
      countEvidence(h, 'kdc', 'Kerberos KDC (88)'),
      countEvidence(h, 'ldap', 'LDAP (389/636/3268)'),
      rpc.length > 0 ? `DC RPC interfaces served: ${rpc.join(', ')}` : undefined,
      locator ? 'named by a DC-locator SRV answer (_ldap._tcp.dc._msdcs)' : undefined,
      countEvidence(h, 'epmap', 'RPC endpoint mapper (135)'),
      countEvidence(h, 'dns', 'DNS (53)'),
    ];
    add('domain-controller', rpc.length > 0 || locator ? 'high' : 'medium', ev);
  }
  if (h.clients('dns') >= t.serviceMinClients)
    add('dns-server', 'high', [countEvidence(h, 'dns', 'DNS (53)')]);
  if (h.flags.has('dhcp-server') || h.clients('dhcp') >= t.serviceMinClients)
    add('dhcp-server', 'high', [
      h.flags.has('dhcp-server') ? 'named as server_addr in dhcp.log' : undefined,
      countEvidence(h, 'dhcp', 'DHCP (67)'),
    ]);
  const shareClients = h.clients('smb-share');
  if (shareClients >= t.fileServerMinClients)
    add('file-server', 'high', [
      `${shareClients}${shareClients >= 64 ? '+' : ''} SMB clients mapped a non-IPC share`,
      ...flagsWithPrefix(h, 'share:')
        .filter((s) => s !== 'SYSVOL' && s !== 'NETLOGON')
        .slice(0, 5)
        .map((s) => `share ${s}`),
    ]);
  // Backup server.
  const backupShares = flagsWithPrefix(h, 'share:').filter((s) => BACKUP_NAME.test(s));
  const veeamFiles = h.flags.has('veeam-files');
  const backupNamed = h.name !== undefined && BACKUP_NAME.test(h.name);
  if (h.clients('veeam') > 0 || backupShares.length > 0 || veeamFiles || backupNamed)
    add('backup-server', h.clients('veeam') > 0 || veeamFiles ? 'high' : 'medium', [
      countEvidence(h, 'veeam', 'Veeam ports (9392/9401/6160/6162/10006/2500)'),
      backupShares.length > 0 ? `backup share(s): ${backupShares.join(', ')}` : undefined,
      veeamFiles ? 'Veeam backup files (.vbk/.vib/.vrb/.vbm) served over SMB' : undefined,
      backupNamed ? `backup-like host name ${h.name}` : undefined,
    ]);
  if (h.clients('vpn-ext') >= t.serviceMinClients)
    add('vpn-gateway', 'medium', [
      countEvidence(h, 'vpn-ext', 'VPN ports (500/4500/1194/1701) to external clients'),
    ]);
  if (h.clients('proxy') >= t.serviceMinClients || h.flags.has('http-connect'))
    add('web-proxy', h.flags.has('http-connect') ? 'high' : 'medium', [
      countEvidence(h, 'proxy', 'proxy port (3128/8118)'),
      h.flags.has('http-connect') ? 'HTTP CONNECT / absolute-URI requests served' : undefined,
    ]);
  if (h.adminTargets.size >= t.adminMinTargets && h.adminDays.size >= t.adminMinActiveDays)
    add('admin-workstation', 'medium', [
      `RDP / admin-share access to ${h.adminTargets.size} internal host(s) on ${h.adminDays.size} day(s)`,
    ]);
  if (h.flags.has('declared-scanner')) add('scanner', 'configured', ['address listed in network.scanners']);
  for (const r of configured) add(r, 'configured', ['identity.roleOverrides']);
  return out;
}

export function isHighValue(roles: readonly RoleEvidence[]): boolean {
  return roles.some((r) => HIGH_VALUE_ROLES.has(r.role));
}
