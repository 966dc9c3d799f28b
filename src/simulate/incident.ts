/**
 * The attacker's campaign as one parameter set (`IncidentPlan`) run through the playbooks in
 * order. `referencePlan` holds the seed report's values (MISSION.md timeline, Japan time);
 * `randomPlan` draws every value from the seed (addresses, names, targets, timing, volumes) so
 * that tests never depend on the reference values alone.
 */
import { forked, type SimContext } from './context.js';
import { vpnLogin } from './playbooks/access.js';
import { externalRecon, rareUserAgent, webVulnScan } from './playbooks/external.js';
import {
  adminShareAccess,
  type BackupFile,
  backupDiscovery,
  backupStaging,
  ldapRecon,
  rdpSession,
  remoteExecution,
  toolTransfer,
} from './playbooks/lateral.js';
import {
  dcomActivation,
  dnsRecon,
  portSweep,
  rpcRecon,
  shareEnumeration,
  targetedRpcRecon,
} from './playbooks/recon.js';
import type { AttackerIdentity, StepRecord } from './playbooks/types.js';
import type { LdapSearch, NtlmAuth } from './protocols.js';
import type { Rng } from './rand.js';
import { DAY, HOUR, localMidnight, localTime } from './time.js';
import { fqdn, type Host, type Network } from './topology.js';

export const RARE_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36';

export interface DcScanPlan {
  readonly dc: Host;
  readonly start: number;
  readonly duration: number;
}

export interface IncidentPlan {
  readonly rareUaTs: number;
  readonly rareUaSource: string;
  readonly reconSources: readonly string[];
  readonly reconFirstDay: number;
  readonly reconLastDay: number;
  readonly reconProbesPerDay: number;
  readonly webScanTs: number;
  readonly webScanRequests: number;
  readonly vpnExternalIp: string;
  readonly poolIp: string;
  readonly identity: AttackerIdentity;
  readonly loginTs: number;
  readonly tunnelEnd: number;
  readonly ptrTargets: readonly string[];
  readonly suspectDomains: readonly string[];
  readonly dnsReconDuration: number;
  readonly sweepTargets: readonly Host[];
  readonly sweepPorts: readonly number[];
  readonly dcomTarget: Host;
  readonly rpcReconTargets: readonly Host[];
  readonly shareEnumTargets: readonly Host[];
  readonly probeFile: string;
  readonly adminShareTs: number;
  readonly adminShareTargets: readonly Host[];
  readonly backupHost: Host;
  readonly backupShare: string;
  readonly backupDiscoveryTs: number;
  readonly backupDiscovery: readonly string[];
  readonly stagingTs: number;
  readonly stagingFiles: readonly BackupFile[];
  readonly rdpTs: number;
  readonly rdpTarget: Host;
  readonly keyboard: string;
  readonly toolTs: number;
  readonly toolTargets: readonly Host[];
  readonly toolName: string;
  readonly toolBytes: number;
  readonly ldapTs: number;
  readonly ldapSearches: readonly LdapSearch[];
  readonly dcRdp: ReadonlyArray<{ readonly ts: number; readonly dc: Host; readonly cookie?: string }>;
  readonly dcScans: readonly DcScanPlan[];
  /** Domain admin account obtained (used from the DCs). */
  readonly domainAdmin: string;
}

/** `name` padded to the 9 characters an RDP `mstshash` cookie keeps. */
export function rdpCookie(account: string): string {
  return account.slice(0, 9);
}

/** The generic name Windows gives an unrenamed machine: `WIN-` + 11 upper-case alphanumerics. */
export function genericHostName(rand: Rng): string {
  return `WIN-${rand.upperAlnum(11)}`;
}

function hostAt(net: Network, ip: string, lenient: boolean): Host {
  const h = net.byIp.get(ip) ?? (lenient ? net.workstations[net.workstations.length - 1] : undefined);
  if (!h) throw new Error(`the network has no host ${ip} (use --hosts ≥ 40 for the reference incident)`);
  return h;
}

const SUSPECT_DOMAINS = [
  'eternalblue-scanner.net',
  'hackforums.net',
  'pentest-forum.net',
  'yandex.ru',
  'ok.ru',
  'google.ru',
];
const REPORT_PTRS = [2, 13, 47, 9, 3, 5, 12, 14, 4, 8, 43, 33, 15];

function ptrSweep(prefix: string, first: readonly number[], rand: Rng): string[] {
  const rest = rand.sample(
    Array.from({ length: 254 }, (_, i) => i + 1).filter((i) => !first.includes(i)),
    254,
  );
  return [...first, ...rest].map((i) => `${prefix}.${i}`);
}

function veeam(rand: Rng, backupName: string, day: string): { discovery: string[]; files: BackupFile[] } {
  return {
    discovery: [
      'VeeamConfigBackup',
      `VeeamConfigBackup\\${backupName}`,
      `VeeamConfigBackup\\${backupName}\\${backupName}_${day}_01-00.bco`,
      'Backup Job Exchange\\Backup Job Exchange.vbm',
    ],
    files: [
      {
        name: `Backup Job Exchange\\Backup Job Exchange${day}T220012_${rand.upperAlnum(4)}.vib`,
        bytes: 10_903_552,
        reads: 5,
      },
    ],
  };
}

export function referencePlan(net: Network, rand: Rng, lenient = false): IncidentPlan {
  const r = rand.fork('reference-plan');
  const host = (n: Network, ip: string): Host => hostAt(n, ip, lenient);
  const at = (d: number, h: number, m: number, s = 0): number => localTime(2021, 6, d, h, m, s);
  const account = net.vpnUsers[0]?.laptop.user?.account ?? net.workstations[0]!.user!.account;
  const servers = net.servers.filter((s) => s.role !== 'vpn-gateway');
  const someWs = r.sample(net.workstations, Math.min(40, net.workstations.length));
  const v = veeam(r, net.backup.name, '2021-06-11');
  const [dc1, dc2] = net.dcs;
  return {
    rareUaTs: at(3, 8, 1, 17.412),
    rareUaSource: '45.146.164.110',
    reconSources: ['95.213.200.17', '95.213.200.41', '95.213.200.73', '95.213.200.118'],
    reconFirstDay: localTime(2021, 6, 8),
    reconLastDay: localTime(2021, 6, 12),
    reconProbesPerDay: 12,
    webScanTs: at(9, 14, 12, 5),
    webScanRequests: 24,
    vpnExternalIp: '95.213.200.57',
    poolIp: net.vpnPoolReserved,
    identity: { clientName: genericHostName(r), account, domain: net.domain.netbios },
    loginTs: at(12, 18, 1, 4.218),
    tunnelEnd: at(13, 1, 5),
    ptrTargets: ptrSweep(`${net.prefix}.0`, REPORT_PTRS, r),
    suspectDomains: SUSPECT_DOMAINS,
    dnsReconDuration: 95,
    sweepTargets: [...servers, ...someWs],
    sweepPorts: [135, 445, 3389],
    dcomTarget: host(net, `${net.prefix}.1.20`),
    rpcReconTargets: [...servers.filter((s) => s.role !== 'scanner'), ...someWs.slice(0, 10)],
    shareEnumTargets: [
      ...servers.filter((s) => s.role !== 'backup' && s.role !== 'scanner'),
      ...someWs.slice(0, 12),
    ],
    probeFile: 'delete.me',
    adminShareTs: at(12, 18, 16, 2.5),
    adminShareTargets: [host(net, `${net.prefix}.1.20`), host(net, `${net.prefix}.0.65`)],
    backupHost: host(net, `${net.prefix}.0.65`),
    backupShare: 'backup_exchange$',
    backupDiscoveryTs: at(12, 18, 17, 31.2),
    backupDiscovery: v.discovery,
    stagingTs: at(12, 18, 18, 13.126),
    stagingFiles: v.files,
    rdpTs: at(12, 21, 9, 40.7),
    rdpTarget: host(net, `${net.prefix}.3.28`),
    keyboard: 'English - United States',
    toolTs: at(12, 21, 15, 12.3),
    toolTargets: [host(net, `${net.prefix}.2.12`), host(net, `${net.prefix}.3.28`)],
    toolName: 'mimikatz.exe',
    toolBytes: 1_250_056,
    ldapTs: at(13, 0, 25, 8.9),
    ldapSearches: [
      {
        base: `CN=Subnets,CN=Sites,CN=Configuration,${net.domain.baseDn}`,
        scope: 'tree',
        filter: '(objectCategory=subnet)',
        results: 6,
      },
      { base: net.domain.baseDn, scope: 'tree', filter: '(objectcategory=computer)', results: 1000 },
    ],
    dcRdp: [
      { ts: at(13, 0, 34, 11.382), dc: dc1, cookie: 'Administr' },
      { ts: at(13, 0, 41, 7), dc: dc2 },
      { ts: at(13, 0, 41, 18.884), dc: dc2, cookie: 'Administr' },
    ],
    dcScans: [
      { dc: dc1, start: at(13, 0, 39, 2.1), duration: 240 },
      { dc: dc2, start: at(13, 0, 47, 30.4), duration: 240 },
    ],
    domainAdmin: 'Administrator',
  };
}

/** A variant: other attacker addresses, names, account, targets, volumes, and a shifted timeline. */
export function randomPlan(net: Network, rand: Rng, loginTs: number): IncidentPlan {
  const r = rand.fork('random-plan');
  const ref = referencePlan(net, r, true);
  const shift = loginTs - ref.loginTs;
  const sh = (t: number): number => t + shift;
  const subnet = `${r.pick([95, 46, 5, 91, 185])}.${r.int(1, 254)}.${r.int(1, 254)}`;
  const vpnUser = r.pick(net.vpnUsers.length > 0 ? net.vpnUsers.map((v) => v.laptop) : net.workstations);
  const servers = net.servers;
  const ws = net.workstations;
  const pickWs = (n: number): Host[] => r.sample(ws, Math.min(n, ws.length));
  const fileTargets = pickWs(2);
  const dcOrder = r.chance(0.5) ? net.dcs : ([net.dcs[1], net.dcs[0]] as const);
  const v = veeam(r, net.backup.name, new Date((loginTs - DAY) * 1000).toISOString().slice(0, 10));
  const gapMinutes = (lo: number, hi: number): number => r.between(lo, hi) * 60;
  const adminShareTs = loginTs + gapMinutes(8, 25);
  const stagingTs = adminShareTs + gapMinutes(1, 4);
  const rdpTs = stagingTs + gapMinutes(30, 200);
  const toolTs = rdpTs + gapMinutes(3, 10);
  const ldapTs = toolTs + gapMinutes(60, 200);
  const dc1Rdp = ldapTs + gapMinutes(5, 12);
  const scan1 = dc1Rdp + gapMinutes(3, 6);
  const dc2Rdp = scan1 + gapMinutes(1, 3);
  const scan2 = dc2Rdp + gapMinutes(4, 8);
  return {
    ...ref,
    rareUaTs: sh(ref.rareUaTs) + r.between(-3, 3) * HOUR,
    rareUaSource: `${r.pick([45, 185, 193])}.${r.int(1, 254)}.${r.int(1, 254)}.${r.int(1, 254)}`,
    reconSources: Array.from({ length: r.int(2, 6) }, () => `${subnet}.${r.int(2, 253)}`),
    reconFirstDay: localMidnight(loginTs) - r.int(2, 5) * DAY,
    reconLastDay: localMidnight(loginTs),
    reconProbesPerDay: r.int(5, 25),
    webScanTs: localMidnight(loginTs) - r.int(1, 3) * DAY + r.between(1, 22) * HOUR,
    webScanRequests: r.int(8, 40),
    vpnExternalIp: `${subnet}.${r.int(2, 253)}`,
    poolIp: `${net.prefix}.0.${r.chance(0.5) ? 70 : r.int(100, 120)}`,
    identity: {
      clientName: genericHostName(r),
      account: vpnUser.user?.account ?? 'user',
      domain: net.domain.netbios,
    },
    loginTs,
    tunnelEnd: scan2 + gapMinutes(10, 30),
    ptrTargets: ptrSweep(`${net.prefix}.${r.pick([0, 1])}`, [], r).slice(0, r.int(40, 254)),
    backupHost: net.backup,
    suspectDomains: r.sample(SUSPECT_DOMAINS, r.int(2, SUSPECT_DOMAINS.length)),
    dnsReconDuration: r.between(40, 110),
    sweepTargets: [...r.sample(servers, r.int(8, servers.length)), ...pickWs(r.int(10, 60))],
    sweepPorts: r.sample([135, 139, 445, 3389, 5985, 22], r.int(2, 4)),
    dcomTarget: r.pick(servers.filter((s) => s.role === 'app-server' || s.role === 'sql-server')),
    rpcReconTargets: r.sample(servers, r.int(6, servers.length)),
    shareEnumTargets: [...net.fileServers, ...pickWs(r.int(3, 15))],
    adminShareTs,
    adminShareTargets: [r.pick(servers.filter((s) => s.role === 'app-server')), net.backup],
    backupDiscoveryTs: stagingTs - gapMinutes(0.3, 1),
    backupDiscovery: v.discovery,
    stagingTs,
    stagingFiles: v.files.map((f) => ({ ...f, bytes: r.int(2_000_000, 60_000_000), reads: r.int(2, 9) })),
    rdpTs,
    rdpTarget: fileTargets[0]!,
    keyboard: r.pick(['English - United States', 'Russian', 'German']),
    toolTs,
    toolTargets: fileTargets,
    toolName: r.pick(['mimikatz.exe', 'mimi64.exe', 'm.exe']),
    toolBytes: r.int(900_000, 1_400_000),
    ldapTs,
    ldapSearches: ref.ldapSearches.map((q) => ({
      ...q,
      results: q.filter.includes('subnet') ? r.int(2, 20) : r.int(200, 1000),
    })),
    dcRdp: [
      { ts: dc1Rdp, dc: dcOrder[0], cookie: 'Administr' },
      { ts: dc2Rdp, dc: dcOrder[1], cookie: 'Administr' },
    ],
    dcScans: [
      { dc: dcOrder[0], start: scan1, duration: r.between(120, 400) },
      { dc: dcOrder[1], start: scan2, duration: r.between(120, 400) },
    ],
    domainAdmin: r.pick(['Administrator', 'adm-backup', 'da-ops']),
  };
}

/** Runs the plan's steps in timeline order; each step draws from its own random stream. */
export function runIncident(base: SimContext, plan: IncidentPlan, rand: Rng): StepRecord[] {
  const steps: StepRecord[] = [];
  const ctx = (label: string): SimContext => forked(base, rand.fork(`step:${label}`));
  const net = base.net;
  const p = net.perimeter;
  const id = plan.identity;
  const src = plan.poolIp;
  const dc1 = net.dcs[0];
  const asUser = (h: Host): NtlmAuth => ({
    username: id.account,
    hostname: id.clientName,
    domain: id.domain,
    serverName: h.name,
    serverDns: fqdn(net, h),
    forest: net.domain.dns,
    success: true,
  });

  steps.push(
    rareUserAgent(ctx('rare-ua'), {
      ts: plan.rareUaTs,
      source: plan.rareUaSource,
      server: p.www.ip,
      host: p.www.name,
      userAgent: RARE_USER_AGENT,
    }),
  );
  steps.push(
    externalRecon(ctx('external-recon'), {
      sources: plan.reconSources,
      firstDay: plan.reconFirstDay,
      lastDay: plan.reconLastDay,
      vpn: p.vpn,
      ftp: p.ftp,
      webmail: p.webmail,
      probesPerDay: plan.reconProbesPerDay,
      notAfter: plan.loginTs - 600,
    }),
  );
  steps.push(
    webVulnScan(ctx('web-scan'), {
      start: plan.webScanTs,
      sources: plan.reconSources,
      server: p.www.ip,
      host: p.www.name,
      scannerUserAgent:
        'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Safari/537.36',
      rareUserAgent: RARE_USER_AGENT,
      rareSource: plan.rareUaSource,
      requests: plan.webScanRequests,
    }),
  );
  steps.push(
    vpnLogin(ctx('vpn-login'), {
      ts: plan.loginTs,
      externalIp: plan.vpnExternalIp,
      poolIp: src,
      identity: id,
      until: plan.tunnelEnd,
    }),
  );
  const t0 = plan.loginTs;
  steps.push(
    dnsRecon(ctx('dns-recon'), {
      source: src,
      dns: dc1.ip,
      start: t0 + 16,
      ptrTargets: plan.ptrTargets,
      suspectDomains: plan.suspectDomains,
      duration: plan.dnsReconDuration,
    }),
  );
  steps.push(
    portSweep(ctx('port-sweep'), {
      source: src,
      targets: plan.sweepTargets,
      ports: plan.sweepPorts,
      start: t0 + 31,
      duration: 55,
    }),
  );
  steps.push(
    dcomActivation(ctx('dcom'), {
      ts: t0 + 61,
      source: src,
      targets: [plan.dcomTarget],
      username: 'Administrator',
      clientName: id.clientName,
      domain: id.clientName,
    }),
  );
  steps.push(
    rpcRecon(ctx('rpc-recon'), { source: src, targets: plan.rpcReconTargets, start: t0 + 66, duration: 30 }),
  );
  steps.push(
    targetedRpcRecon(ctx('rpc-targeted'), { source: src, targets: net.dcs, ts: t0 + 81, ntlm: asUser }),
  );
  const shares = (h: Host): string[] => (h.role === 'file-server' ? ['shared', 'home$', 'scans'] : []);
  steps.push(
    shareEnumeration(ctx('share-enum'), {
      source: src,
      targets: plan.shareEnumTargets,
      start: t0 + 86,
      duration: 28,
      identity: id,
      probeFile: plan.probeFile,
      shares,
    }),
  );
  steps.push(
    adminShareAccess(ctx('admin-share'), {
      ts: plan.adminShareTs,
      source: src,
      targets: plan.adminShareTargets,
      shares: ['C$'],
      ntlm: asUser,
    }),
  );
  const backup = {
    ts: plan.stagingTs,
    source: src,
    server: plan.backupHost.ip,
    share: plan.backupShare,
    ntlm: asUser(plan.backupHost),
    discovery: plan.backupDiscovery,
    discoveryTs: plan.backupDiscoveryTs,
    files: plan.stagingFiles,
  };
  steps.push(backupDiscovery(ctx('backup-discovery'), backup));
  steps.push(backupStaging(ctx('backup-staging'), backup));
  steps.push(
    rdpSession(ctx('rdp'), {
      ts: plan.rdpTs,
      source: src,
      target: plan.rdpTarget.ip,
      cookie: rdpCookie(id.account),
      security: 'RDP',
      clientName: id.clientName,
      keyboard: plan.keyboard,
      duration: 2400,
      respBytes: 48_000_000,
    }),
  );
  const tr = rand.fork('tool-hashes');
  steps.push(
    toolTransfer(ctx('tool'), {
      ts: plan.toolTs,
      source: src,
      targets: plan.toolTargets,
      share: 'C$',
      toolPath: `Users\\Public\\${plan.toolName}`,
      toolBytes: plan.toolBytes,
      toolHashes: { md5: tr.hex(32), sha1: tr.hex(40), sha256: tr.hex(64) },
      resultPath: 'Users\\Public\\out.txt',
      resultBytes: 18_734,
      runSeconds: 75,
      ntlm: asUser,
    }),
  );
  steps.push(
    ldapRecon(ctx('ldap'), { ts: plan.ldapTs, source: src, dc: dc1.ip, searches: plan.ldapSearches }),
  );
  plan.dcRdp.forEach((x, i) => {
    steps.push(
      rdpSession(ctx(`dc-rdp-${i}`), {
        ts: x.ts,
        source: src,
        target: x.dc.ip,
        cookie: x.cookie,
        security: 'HYBRID',
        duration: x.cookie ? 1500 : 4,
        respBytes: x.cookie ? 95_000_000 : 3_000,
        step: 'rdp-dc',
      }),
    );
  });
  for (const scan of plan.dcScans) steps.push(...dcScan(ctx(`dc-scan-${scan.dc.name}`), plan, scan));
  return steps.sort((a, b) => a.start - b.start);
}

/** A domain controller under the attacker's control scanning and moving laterally. */
function dcScan(ctx: SimContext, plan: IncidentPlan, scan: DcScanPlan): StepRecord[] {
  const net = ctx.net;
  const r = ctx.e.rand;
  const dc = scan.dc;
  const src = dc.ip;
  const others = [...net.servers, ...net.workstations].filter((h) => h !== dc);
  const targets = r.sample(others, Math.min(60, others.length));
  const asAdmin = (h: Host): NtlmAuth => ({
    username: plan.domainAdmin,
    hostname: dc.name,
    domain: net.domain.netbios,
    serverName: h.name,
    serverDns: fqdn(net, h),
    forest: net.domain.dns,
    success: true,
  });
  const s = scan.start;
  const d = scan.duration;
  const step = (name: string): string => `dc-scan:${name}`;
  return [
    portSweep(ctx, {
      source: src,
      targets,
      ports: [135, 445, 3389],
      start: s,
      duration: d * 0.8,
      step: step('port-sweep'),
    }),
    dcomActivation(ctx, {
      ts: s + 5,
      source: src,
      targets: targets.slice(0, 4),
      username: plan.domainAdmin,
      clientName: dc.name,
      domain: net.domain.netbios,
      step: step('dcom-remote-activation'),
    }),
    rpcRecon(ctx, {
      source: src,
      targets: targets.slice(0, 25),
      start: s + 8,
      duration: d * 0.3,
      step: step('rpc-recon'),
    }),
    targetedRpcRecon(ctx, {
      source: src,
      targets: targets.filter((h) => h.role !== 'workstation' && h.role !== 'laptop').slice(0, 3),
      ts: s + 12,
      ntlm: asAdmin,
      step: step('rpc-targeted-recon'),
    }),
    shareEnumeration(ctx, {
      source: src,
      targets: targets.slice(0, 20),
      start: s + 15,
      duration: d * 0.3,
      identity: { account: plan.domainAdmin, clientName: dc.name, domain: net.domain.netbios },
      probeFile: plan.probeFile,
      shares: (h) => (h.role === 'file-server' ? ['shared'] : []),
      step: step('share-enumeration'),
    }),
    adminShareAccess(ctx, {
      ts: s + 20,
      source: src,
      targets: targets.slice(20, 26),
      shares: ['ADMIN$', 'C$'],
      ntlm: asAdmin,
      step: step('admin-share-access'),
    }),
    remoteExecution(ctx, {
      ts: s + 30,
      source: src,
      targets: targets.slice(26, 30),
      serviceBinary: `${r.upperAlnum(8)}.exe`,
      ntlm: asAdmin,
      step: step('remote-execution'),
    }),
  ];
}
