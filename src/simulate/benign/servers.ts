/**
 * Server behaviours of the enterprise: DC↔DC replication (drsuapi), the backup server reading
 * shares nightly (and Exchange writing its backups to `backup_exchange$`), the management server
 * pushing agents through ADMIN$ and svcctl, the declared vulnerability scanner, IT admins' RDP
 * to servers in hours, Exchange querying LDAP, the monitoring server's PTR lookups.
 */
import { machinePrincipal, ntlmTo, type SimContext } from '../context.js';
import { dceRpc, kerberos, ldap, rdp, smb } from '../protocols.js';
import { DAY, HOUR, isWorkday } from '../time.js';
import { fqdn, type Host, ptrName } from '../topology.js';

/** Each local day in [from, to): its midnight. */
export function* days(from: number, to: number, midnightOf: (t: number) => number): Generator<number> {
  for (let m = midnightOf(from); m < to; m += DAY) yield m;
}

export function dcReplication(ctx: SimContext, from: number, to: number): void {
  const { e, net } = ctx;
  const r = e.rand;
  const [dc1, dc2] = net.dcs;
  for (let t = from + r.between(0, 900); t < to; t += 900 + r.between(-30, 30)) {
    for (const [a, b] of [
      [dc1, dc2],
      [dc2, dc1],
    ] as const) {
      const ts = t + r.between(0, 20);
      dceRpc(e, {
        ts,
        client: a.ip,
        server: b.ip,
        port: 135,
        calls: [{ pipe: '135', endpoint: 'epmapper', operation: 'ept_map' }],
      });
      const n = r.int(1, 4);
      dceRpc(e, {
        ts: ts + 0.05,
        client: a.ip,
        server: b.ip,
        port: 49667,
        respBytes: r.int(2000, 60000),
        calls: [
          { pipe: '49667', endpoint: 'drsuapi', operation: 'DRSBind' },
          ...Array.from({ length: n }, () => ({
            pipe: '49667',
            endpoint: 'drsuapi',
            operation: 'DRSGetNCChanges',
          })),
          { pipe: '49667', endpoint: 'drsuapi', operation: 'DRSUnbind' },
        ],
      });
    }
  }
}

export function backupNightly(ctx: SimContext, from: number, to: number, midnights: Iterable<number>): void {
  const { e, net } = ctx;
  const r = e.rand;
  const b = net.backup;
  for (const m of midnights) {
    let t = m + r.between(1, 1.3) * HOUR;
    for (const fs of net.fileServers) {
      for (const share of ['shared', 'home$']) {
        const n = r.int(25, 45);
        if (t >= from && t < to)
          smb(e, {
            ts: t,
            client: b.ip,
            server: fs.ip,
            kerberos: true,
            trees: [`\\\\${fs.name}\\IPC$`, `\\\\${fs.name}\\${share}`],
            files: Array.from({ length: n }, (_, i) => {
              const bytes = Math.round(r.logNormal(2_000_000, 1.3));
              return {
                share: `\\\\${fs.name}\\${share}`,
                name: `dept${i % 9}\\${r.hex(6)}.${r.pick(['xlsx', 'docx', 'pdf', 'dwg'])}`,
                actions: ['SMB::FILE_OPEN', 'SMB::FILE_READ', 'SMB::FILE_CLOSE'] as const,
                bytes,
                size: bytes,
              };
            }),
          });
        t += r.between(600, 1800);
      }
    }
    // Exchange writes its nightly backup to the backup server's hidden share.
    const ts = m + r.between(2, 2.5) * HOUR;
    if (ts >= from && ts < to) {
      const share = `\\\\${b.ip}\\backup_exchange$`;
      const bytes = r.int(300_000_000, 600_000_000);
      smb(e, {
        ts,
        client: net.exchange.ip,
        server: b.ip,
        kerberos: true,
        trees: [`\\\\${b.ip}\\IPC$`, share],
        files: [
          {
            share,
            name: `WindowsImageBackup\\EXCH01\\Backup ${new Date((m + 9 * HOUR) * 1000).toISOString().slice(0, 10)} 020000\\${r.hex(8)}.vhdx`,
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_WRITE', 'SMB::FILE_CLOSE'],
            bytes,
            size: bytes,
          },
        ],
        duration: bytes / 60_000_000,
      });
    }
  }
}

export function managementPush(ctx: SimContext, from: number, to: number, midnights: Iterable<number>): void {
  const { e, net } = ctx;
  const r = e.rand;
  const mgmt = net.management;
  for (const m of midnights) {
    if (!isWorkday(m + 12 * HOUR)) continue;
    const targets = r.sample(net.workstations, Math.max(2, Math.round(net.workstations.length * 0.05)));
    let t = m + r.between(10, 10.5) * HOUR;
    for (const w of targets) {
      t += r.between(20, 120);
      if (t < from || t >= to) continue;
      kerberos(e, {
        ts: t,
        client: mgmt.ip,
        kdc: net.dcs[0].ip,
        requestType: 'TGS',
        principal: machinePrincipal(net, mgmt),
        service: `cifs/${fqdn(net, w)}`,
      });
      const bytes = r.int(5_000_000, 6_000_000);
      smb(e, {
        ts: t + 0.3,
        client: mgmt.ip,
        server: w.ip,
        kerberos: true,
        trees: [`\\\\${w.name}\\ADMIN$`, `\\\\${w.name}\\IPC$`],
        files: [
          {
            share: `\\\\${w.name}\\ADMIN$`,
            name: 'ccmsetup\\ccmsetup.exe',
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_WRITE', 'SMB::FILE_CLOSE'],
            bytes,
            size: bytes,
            mime: 'application/x-dosexec',
          },
        ],
        rpc: ['OpenSCManagerW', 'CreateServiceW', 'StartServiceW', 'CloseServiceHandle'].map((operation) => ({
          pipe: '\\pipe\\svcctl',
          endpoint: 'svcctl',
          operation,
        })),
      });
    }
  }
}

const SCAN_PORTS = [21, 22, 23, 25, 53, 80, 135, 139, 443, 445, 1433, 3306, 3389, 5985, 8080, 8443];

export function vulnerabilityScan(
  ctx: SimContext,
  from: number,
  to: number,
  midnights: Iterable<number>,
): void {
  const { e, net } = ctx;
  const r = e.rand;
  const s = net.scanner;
  const open = (h: Host, p: number): boolean =>
    p === 135 ||
    p === 139 ||
    p === 445 ||
    (p === 3389 && h.role !== 'laptop') ||
    (h.role !== 'workstation' && h.role !== 'laptop' && (p === 5985 || (p === 443 && r.chance(0.3))));
  for (const m of midnights) {
    let t = m + r.between(2, 2.2) * HOUR;
    for (const h of [...net.servers, ...net.workstations]) {
      if (h === s) continue;
      for (const p of SCAN_PORTS) {
        t += r.between(0.02, 0.12);
        if (t < from || t >= to) continue;
        if (open(h, p))
          e.conn({
            ts: t,
            orig: s.ip,
            resp: h.ip,
            respPort: p,
            duration: r.between(0.001, 0.05),
            origBytes: 0,
            respBytes: 0,
            state: 'SF',
          });
        else
          e.conn({
            ts: t,
            orig: s.ip,
            resp: h.ip,
            respPort: p,
            state: h.role === 'workstation' || h.role === 'laptop' ? 'S0' : 'REJ',
          });
      }
      if (t >= from && t < to)
        smb(e, {
          ts: t + 0.5,
          client: s.ip,
          server: h.ip,
          ntlm: ntlmTo(net, 'svc-vscan', s.name, h),
          trees: [`\\\\${h.ip}\\IPC$`],
          rpc: [
            { pipe: '\\pipe\\srvsvc', endpoint: 'srvsvc', operation: 'NetrShareEnum' },
            { pipe: '\\pipe\\winreg', endpoint: 'winreg', operation: 'OpenLocalMachine' },
            { pipe: '\\pipe\\winreg', endpoint: 'winreg', operation: 'BaseRegQueryValue' },
          ],
        });
    }
  }
}

export function adminRdp(ctx: SimContext, from: number, to: number, midnights: Iterable<number>): void {
  const { e, net } = ctx;
  const r = e.rand;
  const targets = net.servers.filter((s) => s.role !== 'scanner');
  for (const m of midnights) {
    if (!isWorkday(m + 12 * HOUR)) continue;
    for (const admin of net.admins) {
      const n = r.int(1, 4);
      for (let i = 0; i < n; i++) {
        const t = m + r.between(9, 17.5) * HOUR;
        if (t < from || t >= to) continue;
        const duration = r.between(120, 2400);
        const server = r.pick(targets);
        if (r.chance(0.3)) {
          // Admins also reach servers' C$ in hours (log collection, hot fixes).
          const share = `\\\\${server.name}\\C$`;
          smb(e, {
            ts: t - r.between(30, 600),
            client: admin.ip,
            server: server.ip,
            kerberos: true,
            trees: [share],
            files: [
              {
                share,
                name: 'Windows\\Logs\\CBS\\CBS.log',
                actions: ['SMB::FILE_OPEN', 'SMB::FILE_READ', 'SMB::FILE_CLOSE'],
                bytes: r.int(200_000, 4_000_000),
              },
            ],
          });
        }
        rdp(e, {
          ts: t,
          client: admin.ip,
          server: server.ip,
          cookie: (admin.user?.adminAccount ?? 'admin').slice(0, 9),
          security: 'HYBRID',
          duration,
          origBytes: Math.round(duration * r.between(800, 3000)),
          respBytes: Math.round(duration * r.between(8000, 40000)),
        });
      }
    }
  }
}

const EXCHANGE_FILTERS: ReadonlyArray<readonly [string, string, number]> = [
  ['(&(objectClass=user)(mail=*))', 'tree', 180],
  ['(objectClass=msExchExchangeServer)', 'tree', 1],
  ['(&(objectClass=group)(proxyAddresses=*))', 'tree', 24],
  ['(objectClass=msExchOrganizationContainer)', 'single', 1],
];

export function exchangeLdap(ctx: SimContext, from: number, to: number): void {
  const { e, net } = ctx;
  const r = e.rand;
  for (let t = from + r.between(0, 300); t < to; t += 300 + r.between(-20, 20)) {
    const [filter, scope, n] = r.pick(EXCHANGE_FILTERS);
    ldap(e, {
      ts: t,
      client: net.exchange.ip,
      server: r.pick(net.dcs).ip,
      searches: [
        {
          base: net.domain.baseDn,
          scope: scope as 'tree' | 'single',
          filter,
          results: Math.max(1, Math.round(n * r.between(0.9, 1.1))),
        },
      ],
    });
  }
}

export function monitoringPtr(ctx: SimContext, from: number, to: number): void {
  const { e, net } = ctx;
  const r = e.rand;
  const mon = net.monitoring;
  for (let t = from + r.between(0, 300); t < to; t += 300) {
    let ts = t;
    for (const s of net.servers) {
      ts += r.between(0.005, 0.05);
      e.dns({
        ts,
        client: mon.ip,
        server: net.dcs[0].ip,
        query: ptrName(s.ip),
        qtype: 'PTR',
        answers: [fqdn(net, s)],
        authoritative: true,
        ttl: 1200,
      });
    }
  }
}

/** Desktops left on overnight: a trickle of update checks and time sync. */
export function idleChatter(ctx: SimContext, from: number, to: number): void {
  const { e, net } = ctx;
  const r = e.rand;
  const idle = net.workstations.filter((_, i) => i % 3 === 0);
  for (const w of idle) {
    for (let t = from + r.between(0, 3 * HOUR); t < to; t += r.exp(3 * HOUR)) {
      e.conn({
        ts: t,
        orig: w.ip,
        resp: net.dcs[0].ip,
        respPort: 123,
        proto: 'udp',
        service: 'ntp',
        origBytes: 48,
        respBytes: 48,
      });
      e.dns({
        ts: t + 1,
        client: w.ip,
        server: net.dcs[0].ip,
        query: 'settings-win.data.microsoft.com',
        qtype: 'A',
        answers: ['20.42.73.29'],
        ttl: 60,
      });
    }
  }
}
