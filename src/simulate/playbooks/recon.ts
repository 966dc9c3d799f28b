/**
 * Internal reconnaissance from the foothold: reverse-DNS sweep and suspect lookups, port sweep,
 * DCOM remote activation with an admin account (access denied), RPC endpoint reconnaissance,
 * targeted RPC (SAMR/LSA) against the DCs, share enumeration with NetScan's `delete.me` check.
 */
import type { SimContext } from '../context.js';
import { dceRpc, type NtlmAuth, smb } from '../protocols.js';
import { fqdn, type Host, ptrName } from '../topology.js';
import { type AttackerIdentity, runStep, type StepRecord } from './types.js';

export interface DnsReconParams {
  readonly source: string;
  readonly dns: string;
  readonly start: number;
  /** Addresses swept by PTR, in order. */
  readonly ptrTargets: readonly string[];
  readonly suspectDomains: readonly string[];
  readonly duration: number;
}

export function dnsRecon(ctx: SimContext, p: DnsReconParams): StepRecord {
  const { e, net } = ctx;
  const r = e.rand;
  return runStep(ctx, 'dns-recon', p.source, p.start, () => {
    const n = p.ptrTargets.length + p.suspectDomains.length;
    const gap = p.duration / Math.max(1, n);
    let t = p.start;
    const suspectAt = new Set(
      p.suspectDomains.map((_, i) =>
        Math.floor(((i + 1) * p.ptrTargets.length) / (p.suspectDomains.length + 1)),
      ),
    );
    let s = 0;
    p.ptrTargets.forEach((ip, i) => {
      t += gap * r.between(0.5, 1.5);
      const host = net.byIp.get(ip);
      e.dns({
        ts: t,
        client: p.source,
        server: p.dns,
        query: ptrName(ip),
        qtype: 'PTR',
        answers: host ? [fqdn(net, host)] : undefined,
        rcode: host ? 'NOERROR' : 'NXDOMAIN',
        authoritative: true,
        ttl: 1200,
      });
      if (suspectAt.has(i) && s < p.suspectDomains.length) {
        const d = p.suspectDomains[s++]!;
        t += gap * r.between(0.5, 1.5);
        e.dns({
          ts: t,
          client: p.source,
          server: p.dns,
          query: d,
          qtype: 'A',
          answers: [`${r.int(5, 213)}.${r.int(1, 254)}.${r.int(1, 254)}.${r.int(1, 254)}`],
          ttl: r.int(60, 600),
        });
      }
    });
    while (s < p.suspectDomains.length) {
      t += gap;
      e.dns({
        ts: t,
        client: p.source,
        server: p.dns,
        query: p.suspectDomains[s++]!,
        qtype: 'A',
        answers: [`${r.int(5, 213)}.${r.int(1, 254)}.${r.int(1, 254)}.${r.int(1, 254)}`],
        ttl: 300,
      });
    }
    return t;
  });
}

export interface PortSweepParams {
  readonly source: string;
  readonly targets: readonly Host[];
  readonly ports: readonly number[];
  readonly start: number;
  readonly duration: number;
  readonly step?: string;
}

/** Which ports a host answers on (Windows hosts: SMB and RPC; servers also RDP). */
export function listens(h: Host, port: number): boolean {
  if (port === 135 || port === 139 || port === 445) return true;
  if (port === 3389) return h.role !== 'laptop';
  if (port === 389 || port === 88 || port === 53) return h.role === 'dc';
  return false;
}

export function portSweep(ctx: SimContext, p: PortSweepParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'port-sweep', p.source, p.start, () => {
    const total = p.targets.length * p.ports.length;
    const gap = p.duration / Math.max(1, total);
    let t = p.start;
    for (const h of p.targets) {
      for (const port of p.ports) {
        t += gap * r.between(0.3, 1.7);
        if (listens(h, port))
          e.conn({
            ts: t,
            orig: p.source,
            resp: h.ip,
            respPort: port,
            duration: r.between(0.0005, 0.004),
            origBytes: 0,
            respBytes: 0,
            state: 'RSTO',
          });
        else
          e.conn({
            ts: t,
            orig: p.source,
            resp: h.ip,
            respPort: port,
            state: h.role === 'workstation' || h.role === 'laptop' ? 'S0' : 'REJ',
          });
      }
    }
    return t;
  });
}

export interface DcomActivationParams {
  readonly ts: number;
  readonly source: string;
  readonly targets: readonly Host[];
  /** Account and client/domain names in NTLMSSP_AUTH (a local `Administrator` of the attacker host). */
  readonly username: string;
  readonly clientName: string;
  readonly domain: string;
  readonly step?: string;
}

/** ISystemActivator RemoteCreateInstance over TCP 135 with NTLMSSP_AUTH; the server faults (access denied). */
export function dcomActivation(ctx: SimContext, p: DcomActivationParams): StepRecord {
  const { e, net } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'dcom-remote-activation', p.source, p.ts, () => {
    let t = p.ts;
    for (const h of p.targets) {
      dceRpc(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        port: 135,
        ntlm: {
          username: p.username,
          hostname: p.clientName,
          domain: p.domain,
          serverName: h.name,
          serverDns: fqdn(net, h),
          forest: net.domain.dns,
        },
        calls: [{ pipe: '135', endpoint: 'ISystemActivator', operation: 'RemoteCreateInstance' }],
        respBytes: 1496,
      });
      t += r.between(0.2, 2);
    }
    return t;
  });
}

export interface RpcReconParams {
  readonly source: string;
  readonly targets: readonly Host[];
  readonly start: number;
  readonly duration: number;
  readonly step?: string;
}

/** Endpoint-mapper enumeration (`ept_lookup`) of many hosts. */
export function rpcRecon(ctx: SimContext, p: RpcReconParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'rpc-recon', p.source, p.start, () => {
    let t = p.start;
    const gap = p.duration / Math.max(1, p.targets.length);
    for (const h of p.targets) {
      t += gap * r.between(0.5, 1.5);
      dceRpc(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        port: 135,
        calls: Array.from({ length: r.int(3, 8) }, () => ({
          pipe: '135',
          endpoint: 'epmapper',
          operation: 'ept_lookup',
        })),
        respBytes: r.int(3000, 12000),
      });
    }
    return t;
  });
}

export interface TargetedRpcParams {
  readonly source: string;
  readonly targets: readonly Host[];
  readonly ts: number;
  readonly ntlm: (target: Host) => NtlmAuth;
  readonly step?: string;
}

const SAMR = [
  'SamrConnect5',
  'SamrEnumerateDomainsInSamServer',
  'SamrLookupDomainInSamServer',
  'SamrOpenDomain',
  'SamrEnumerateUsersInDomain',
  'SamrOpenAlias',
  'SamrGetMembersInAlias',
  'SamrCloseHandle',
];
const LSA = ['LsarOpenPolicy2', 'LsarQueryInformationPolicy', 'LsarLookupSids', 'LsarClose'];

/** SAMR/LSA queries over named pipes (users, groups, domain admins) against chosen servers. */
export function targetedRpcRecon(ctx: SimContext, p: TargetedRpcParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'rpc-targeted-recon', p.source, p.ts, () => {
    let t = p.ts;
    for (const h of p.targets) {
      const c = smb(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        ntlm: p.ntlm(h),
        trees: [`\\\\${h.ip}\\IPC$`],
        rpc: [
          ...SAMR.map((operation) => ({ pipe: '\\pipe\\samr', endpoint: 'samr', operation })),
          ...LSA.map((operation) => ({ pipe: '\\pipe\\lsarpc', endpoint: 'lsarpc', operation })),
        ],
      });
      t = c.end + r.between(0.5, 3);
    }
    return t;
  });
}

export interface ShareEnumParams {
  readonly source: string;
  readonly targets: readonly Host[];
  readonly start: number;
  readonly duration: number;
  readonly identity: AttackerIdentity;
  /** File created and closed in each disk share to test write access (NetScan: `delete.me`). */
  readonly probeFile: string;
  readonly shares: (h: Host) => readonly string[];
  readonly step?: string;
}

/** NetrShareEnum on each host, then a write check (create/close of `probeFile`) in each share. */
export function shareEnumeration(ctx: SimContext, p: ShareEnumParams): StepRecord {
  const { e, net } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'share-enumeration', p.source, p.start, () => {
    let t = p.start;
    const gap = p.duration / Math.max(1, p.targets.length);
    for (const h of p.targets) {
      t += gap * r.between(0.5, 1.5);
      const shares = p.shares(h);
      smb(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        ntlm: {
          username: p.identity.account,
          hostname: p.identity.clientName,
          domain: p.identity.domain,
          serverName: h.name,
          serverDns: fqdn(net, h),
          forest: net.domain.dns,
          success: true,
        },
        trees: [`\\\\${h.ip}\\IPC$`, ...shares.map((s) => `\\\\${h.ip}\\${s}`)],
        rpc: [{ pipe: '\\pipe\\srvsvc', endpoint: 'srvsvc', operation: 'NetrShareEnum' }],
        files: shares.map((s) => ({
          share: `\\\\${h.ip}\\${s}`,
          name: p.probeFile,
          actions: ['SMB::FILE_OPEN', 'SMB::FILE_CLOSE'] as const,
          size: 0,
          modified: t,
        })),
        duration: r.between(0.2, 1.2),
      });
    }
    return t;
  });
}
