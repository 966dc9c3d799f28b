/**
 * Lateral movement and collection: novel admin-share access, backup discovery and staging from
 * a backup share, RDP sessions, credential-tool transfer with results read back, LDAP
 * reconnaissance of subnets and computers, remote execution through the service control manager.
 */
import type { SimContext } from '../context.js';
import { type LdapSearch, ldap, type NtlmAuth, rdp, smb } from '../protocols.js';
import type { Host } from '../topology.js';
import { runStep, type StepRecord } from './types.js';

export interface AdminShareParams {
  readonly ts: number;
  readonly source: string;
  readonly targets: readonly Host[];
  readonly shares: readonly string[];
  readonly ntlm: (target: Host) => NtlmAuth;
  readonly step?: string;
}

/** Tree connects to administrative shares (ADMIN$, C$) and a directory listing. */
export function adminShareAccess(ctx: SimContext, p: AdminShareParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'admin-share-access', p.source, p.ts, () => {
    let t = p.ts;
    for (const h of p.targets) {
      const c = smb(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        ntlm: p.ntlm(h),
        trees: p.shares.map((s) => `\\\\${h.ip}\\${s}`),
        files: p.shares.map((s) => ({
          share: `\\\\${h.ip}\\${s}`,
          name: '<share_root>',
          actions: ['SMB::FILE_OPEN'] as const,
          size: 0,
        })),
      });
      t = c.end + r.between(1, 8);
    }
    return t;
  });
}

export interface BackupFile {
  readonly name: string;
  readonly bytes: number;
  /** FILE_READ records Zeek writes for it (one per read burst). */
  readonly reads: number;
}

export interface BackupStagingParams {
  readonly ts: number;
  readonly source: string;
  readonly server: string;
  readonly share: string;
  readonly ntlm: NtlmAuth;
  /** Configuration/backup files looked for first (Veeam `.bco`, `.vbm`): backup discovery. */
  readonly discovery: readonly string[];
  readonly discoveryTs: number;
  /** Files opened and read (the report: one FILE_OPEN then FILE_READs, 10.9 MB in all). */
  readonly files: readonly BackupFile[];
}

export function backupDiscovery(ctx: SimContext, p: BackupStagingParams): StepRecord {
  const { e } = ctx;
  const unc = `\\\\${p.server}\\${p.share}`;
  return runStep(ctx, 'backup-discovery', p.source, p.discoveryTs, () => {
    const c = smb(e, {
      ts: p.discoveryTs,
      client: p.source,
      server: p.server,
      ntlm: p.ntlm,
      trees: [unc],
      files: p.discovery.map((name) => ({
        share: unc,
        name,
        actions: ['SMB::FILE_OPEN', 'SMB::FILE_CLOSE'] as const,
        size: 0,
      })),
    });
    return c.end;
  });
}

export function backupStaging(ctx: SimContext, p: BackupStagingParams): StepRecord {
  const { e } = ctx;
  const unc = `\\\\${p.server}\\${p.share}`;
  const total = p.files.reduce((a, f) => a + f.bytes, 0);
  return runStep(
    ctx,
    'backup-staging',
    p.source,
    p.ts,
    () => {
      const c = smb(e, {
        ts: p.ts - 0.0002,
        client: p.source,
        server: p.server,
        ntlm: p.ntlm,
        trees: [unc],
        files: p.files.map((f, i) => ({
          share: unc,
          name: f.name,
          actions: [
            ...(i === 0 ? (['SMB::FILE_OPEN'] as const) : []),
            ...Array.from({ length: f.reads }, () => 'SMB::FILE_READ' as const),
          ],
          bytes: f.bytes,
          size: f.bytes,
        })),
        duration: 2 + total / 1_500_000,
        recordSpacing: 0.0001,
      });
      return c.end;
    },
    `${total} bytes from ${unc}`,
  );
}

export interface RdpSessionParams {
  readonly ts: number;
  readonly source: string;
  readonly target: string;
  readonly cookie?: string;
  readonly security: 'HYBRID' | 'RDP';
  readonly clientName?: string;
  readonly keyboard?: string;
  readonly duration: number;
  readonly respBytes: number;
  readonly step?: string;
}

export function rdpSession(ctx: SimContext, p: RdpSessionParams): StepRecord {
  return runStep(ctx, p.step ?? 'rdp-lateral', p.source, p.ts, () => {
    const c = rdp(ctx.e, {
      ts: p.ts,
      client: p.source,
      server: p.target,
      cookie: p.cookie,
      security: p.security,
      clientName: p.clientName,
      keyboard: p.keyboard,
      duration: p.duration,
      origBytes: Math.round(p.respBytes / 12),
      respBytes: p.respBytes,
    });
    return c.end;
  });
}

export interface ToolTransferParams {
  readonly ts: number;
  readonly source: string;
  readonly targets: readonly Host[];
  readonly share: string;
  /** Path in the share, e.g. `Windows\Temp\mimikatz.exe` on C$. */
  readonly toolPath: string;
  readonly toolBytes: number;
  readonly toolHashes: { md5: string; sha1: string; sha256: string };
  /** Output file read back after the run. */
  readonly resultPath: string;
  readonly resultBytes: number;
  /** Seconds between the copy and reading the result. */
  readonly runSeconds: number;
  readonly ntlm: (target: Host) => NtlmAuth;
}

export function toolTransfer(ctx: SimContext, p: ToolTransferParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, 'tool-transfer', p.source, p.ts, () => {
    let t = p.ts;
    let end = t;
    for (const h of p.targets) {
      const unc = `\\\\${h.ip}\\${p.share}`;
      smb(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        ntlm: p.ntlm(h),
        trees: [unc],
        files: [
          {
            share: unc,
            name: p.toolPath,
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_WRITE', 'SMB::FILE_CLOSE'],
            bytes: p.toolBytes,
            size: p.toolBytes,
            mime: 'application/x-dosexec',
            hashes: p.toolHashes,
          },
        ],
      });
      const back = smb(e, {
        ts: t + p.runSeconds + r.between(0, 20),
        client: p.source,
        server: h.ip,
        ntlm: p.ntlm(h),
        trees: [unc],
        files: [
          {
            share: unc,
            name: p.resultPath,
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_READ', 'SMB::FILE_CLOSE'],
            bytes: p.resultBytes,
            size: p.resultBytes,
            mime: 'text/plain',
          },
        ],
      });
      end = Math.max(end, back.end);
      t += r.between(5, 40);
    }
    return end;
  });
}

export interface LdapReconParams {
  readonly ts: number;
  readonly source: string;
  readonly dc: string;
  readonly searches: readonly LdapSearch[];
}

export function ldapRecon(ctx: SimContext, p: LdapReconParams): StepRecord {
  return runStep(
    ctx,
    'ldap-recon',
    p.source,
    p.ts,
    () =>
      ldap(ctx.e, {
        ts: p.ts,
        client: p.source,
        server: p.dc,
        searches: p.searches,
        bindMechanism: 'GSS-SPNEGO',
      }).end,
  );
}

export interface RemoteExecParams {
  readonly ts: number;
  readonly source: string;
  readonly targets: readonly Host[];
  readonly serviceBinary: string;
  readonly ntlm: (target: Host) => NtlmAuth;
  readonly step?: string;
}

/** PsExec-style: binary to ADMIN$, then svcctl CreateServiceW/StartServiceW. */
export function remoteExecution(ctx: SimContext, p: RemoteExecParams): StepRecord {
  const { e } = ctx;
  const r = e.rand;
  return runStep(ctx, p.step ?? 'remote-execution', p.source, p.ts, () => {
    let t = p.ts;
    for (const h of p.targets) {
      const unc = `\\\\${h.ip}\\ADMIN$`;
      const bytes = r.int(180_000, 400_000);
      const c = smb(e, {
        ts: t,
        client: p.source,
        server: h.ip,
        ntlm: p.ntlm(h),
        trees: [unc, `\\\\${h.ip}\\IPC$`],
        files: [
          {
            share: unc,
            name: p.serviceBinary,
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_WRITE', 'SMB::FILE_CLOSE'],
            bytes,
            size: bytes,
            mime: 'application/x-dosexec',
          },
        ],
        rpc: ['OpenSCManagerW', 'CreateServiceW', 'StartServiceW', 'DeleteService', 'CloseServiceHandle'].map(
          (operation) => ({ pipe: '\\pipe\\svcctl', endpoint: 'svcctl', operation }),
        ),
      });
      t = c.end + r.between(0.5, 4);
    }
    return t;
  });
}
