/**
 * A user's working day on a workstation (in the office on its DHCP address, or at home over the
 * VPN on its pool address): boot and logon (DHCP, Kerberos, SYSVOL/GPO, drive mappings), then
 * web browsing, file-server work, mail, intranet with NTLM, service tickets, until going home.
 */

import { dnsServer, machinePrincipal, ntlmTo, principal, type SimContext } from '../context.js';
import { dhcp, http, kerberos, ldap, smb, tls } from '../protocols.js';
import { DAY, HOUR, isWorkday, localHourOfDay } from '../time.js';
import { fqdn, type Host } from '../topology.js';

const BROWSER_UA = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.101 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Safari/537.36 Edg/91.0.864.37',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:89.0) Gecko/20100101 Firefox/89.0',
];
const CRYPTOAPI_UA = 'Microsoft-CryptoAPI/10.0';
const DOC_NAMES = [
  'Sales\\2021\\forecast_Q2.xlsx',
  'Production\\line3\\schedule_0614.xlsx',
  'QA\\reports\\inspection_202106.docx',
  'Design\\CAD\\part-4471-rev-c.dwg',
  'General\\minutes\\weekly_0607.docx',
  'Purchasing\\orders\\PO-21-0592.pdf',
  'HR\\forms\\leave_request.docx',
  'Production\\manuals\\press_07.pdf',
  'Sales\\customers\\contacts.xlsx',
];

export interface DayPlan {
  readonly host: Host;
  /** The address the host uses today (office DHCP or VPN pool). */
  readonly ip: string;
  readonly arrive: number;
  readonly leave: number;
  readonly remote: boolean;
}

/** When (if at all) the user of `host` works on the local day starting at `midnight`. */
export function planDay(
  ctx: SimContext,
  host: Host,
  midnight: number,
  ip: string,
  remote: boolean,
): DayPlan | undefined {
  const r = ctx.e.rand;
  const workday = isWorkday(midnight + 12 * HOUR);
  if (!r.chance(workday ? 0.93 : 0.04)) return undefined;
  const arrive = midnight + (workday ? r.between(7.8, 9.6) : r.between(9.5, 13)) * HOUR;
  const leave = workday ? midnight + r.between(17.1, 19.9) * HOUR : arrive + r.between(1, 4) * HOUR;
  return { host, ip, arrive, leave: Math.min(leave, midnight + DAY - 60), remote };
}

export function workstationDay(ctx: SimContext, plan: DayPlan, from: number, to: number): void {
  const { e, net } = ctx;
  const r = e.rand;
  const { host, ip } = plan;
  const user = host.user?.account ?? 'user';
  const dc = r.chance(0.5) ? net.dcs[0] : net.dcs[1];
  const dcName = fqdn(net, dc);
  const inWindow = (t: number): boolean => t >= from && t < to;
  // Boot and logon.
  let t = plan.arrive;
  if (inWindow(t)) {
    if (!plan.remote) {
      dhcp(e, {
        ts: t,
        clientIp: ip,
        server: net.dcs[0].ip,
        mac: host.mac,
        hostName: host.name,
        domain: net.domain.dns,
        discover: host.role === 'laptop',
        leaseSeconds: 691200,
      });
    }
    t += r.between(2, 20);
    e.dns({
      ts: t,
      client: ip,
      server: dc.ip,
      query: `_ldap._tcp.dc._msdcs.${net.domain.dns}`,
      qtype: 'SRV',
      answers: [`${dcName}`],
    });
    kerberos(e, {
      ts: t + 0.2,
      client: ip,
      kdc: dc.ip,
      requestType: 'AS',
      principal: machinePrincipal(net, host),
      service: `krbtgt/${net.domain.realm}`,
    });
    t += r.between(20, 90);
    kerberos(e, {
      ts: t,
      client: ip,
      kdc: dc.ip,
      requestType: 'AS',
      principal: principal(net, user),
      service: `krbtgt/${net.domain.realm}`,
      error: 'KDC_ERR_PREAUTH_REQUIRED',
    });
    kerberos(e, {
      ts: t + 0.05,
      client: ip,
      kdc: dc.ip,
      requestType: 'AS',
      principal: principal(net, user),
      service: `krbtgt/${net.domain.realm}`,
    });
    kerberos(e, {
      ts: t + 0.3,
      client: ip,
      kdc: dc.ip,
      requestType: 'TGS',
      principal: principal(net, user),
      service: `ldap/${dcName}`,
    });
    ldap(e, {
      ts: t + 0.5,
      client: ip,
      server: dc.ip,
      searches: [
        { base: '', scope: 'base', filter: '(objectclass=*)', results: 1 },
        {
          base: net.domain.baseDn,
          scope: 'tree',
          filter: `(&(objectCategory=person)(objectClass=user)(sAMAccountName=${user}))`,
          results: 1,
        },
      ],
    });
    kerberos(e, {
      ts: t + 1,
      client: ip,
      kdc: dc.ip,
      requestType: 'TGS',
      principal: principal(net, user),
      service: `cifs/${dcName}`,
    });
    smb(e, {
      ts: t + 1.2,
      client: ip,
      server: dc.ip,
      kerberos: true,
      trees: [`\\\\${dc.name}\\IPC$`, `\\\\${dcName}\\SysVol`],
      files: [
        {
          share: `\\\\${dcName}\\SysVol`,
          name: `${net.domain.dns}\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}\\gpt.ini`,
          actions: ['SMB::FILE_OPEN', 'SMB::FILE_READ', 'SMB::FILE_CLOSE'],
          bytes: 22,
          size: 22,
        },
      ],
    });
    const fs = r.pick(net.fileServers);
    kerberos(e, {
      ts: t + 2,
      client: ip,
      kdc: dc.ip,
      requestType: 'TGS',
      principal: principal(net, user),
      service: `cifs/${fqdn(net, fs)}`,
    });
    smb(e, {
      ts: t + 2.3,
      client: ip,
      server: fs.ip,
      kerberos: true,
      trees: [`\\\\${fs.name}\\IPC$`, `\\\\${fs.name}\\shared`, `\\\\${fs.name}\\home$`],
    });
  }
  // The working day: a Poisson stream of activities, quieter at lunch.
  const ua = BROWSER_UA[host.name.charCodeAt(host.name.length - 1) % BROWSER_UA.length]!;
  t = plan.arrive + r.between(60, 300);
  while (t < plan.leave) {
    const rate = Math.floor(localHourOfDay(t)) === 12 ? 10 : 28; // activities per hour; lunch is quiet
    t += r.exp(HOUR / rate);
    if (t >= plan.leave || !inWindow(t)) continue;
    activity(ctx, plan, t, ua);
  }
}

function activity(ctx: SimContext, plan: DayPlan, t: number, ua: string): void {
  const { e, net } = ctx;
  const r = e.rand;
  const ip = plan.ip;
  const host = plan.host;
  const user = host.user?.account ?? 'user';
  const kind = r.weighted<string>([
    ['web', plan.remote ? 20 : 55],
    ['files', 15],
    ['mail', 10],
    ['intranet', 5],
    ['tgs', 5],
    ['dns', 8],
    ['erp', 4],
    ['netlogon', 2],
  ]);
  const dns = dnsServer(net, r);
  switch (kind) {
    case 'web': {
      const site = r.weighted(net.sites.map((s) => [s, s.weight] as const));
      if (r.chance(0.6))
        e.dns({
          ts: t,
          client: ip,
          server: dns.ip,
          query: site.name,
          qtype: 'A',
          answers: [site.ip],
          ttl: r.int(30, 300),
        });
      const ts = t + 0.01;
      if (site.tls) tls(e, { ts, client: ip, server: site.ip, sni: site.name });
      else if (site.name.startsWith('ocsp') || site.name.startsWith('crl') || site.name.startsWith('ctldl'))
        http(e, {
          ts,
          client: ip,
          server: site.ip,
          host: site.name,
          uri: `/${r.hex(40)}.crl`,
          userAgent: CRYPTOAPI_UA,
          responseBytes: r.int(400, 2000),
        });
      else http(e, { ts, client: ip, server: site.ip, host: site.name, uri: '/', userAgent: ua });
      break;
    }
    case 'files': {
      const fs = r.pick(net.fileServers);
      const name = r.pick(DOC_NAMES);
      const write = r.chance(0.25);
      const bytes = Math.round(r.logNormal(120_000, 1.2));
      // Opening \\FS01 in Explorer lists its shares first (srvsvc over IPC$).
      const browse = r.chance(0.1);
      smb(e, {
        ts: t,
        client: ip,
        server: fs.ip,
        kerberos: true,
        trees: browse ? [`\\\\${fs.name}\\IPC$`, `\\\\${fs.name}\\shared`] : [`\\\\${fs.name}\\shared`],
        rpc: browse
          ? [{ pipe: '\\pipe\\srvsvc', endpoint: 'srvsvc', operation: 'NetrShareEnum' }]
          : undefined,
        files: [
          {
            share: `\\\\${fs.name}\\shared`,
            name: name.split('\\').slice(0, -1).join('\\'),
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_CLOSE'],
            size: 0,
          },
          {
            share: `\\\\${fs.name}\\shared`,
            name,
            actions: ['SMB::FILE_OPEN', write ? 'SMB::FILE_WRITE' : 'SMB::FILE_READ', 'SMB::FILE_CLOSE'],
            bytes,
            size: bytes,
          },
        ],
      });
      break;
    }
    case 'mail':
      tls(e, {
        ts: t,
        client: ip,
        server: net.exchange.ip,
        sni: fqdn(net, net.exchange),
        respBytes: Math.round(r.logNormal(40000, 1.2)),
      });
      break;
    case 'intranet': {
      const intra = net.servers.find((s) => s.name === 'INTRA01')!;
      const c = http(e, {
        ts: t,
        client: ip,
        server: intra.ip,
        host: 'intra01',
        uri: r.pick(['/', '/news/', '/portal/attendance', '/docs/rules.pdf']),
        userAgent: ua,
        username: user,
      });
      e.record('ntlm', c, t + 0.003, {
        username: user,
        hostname: host.name,
        domainname: net.domain.netbios,
        server_nb_computer_name: intra.name,
        server_dns_computer_name: fqdn(net, intra),
        server_tree_name: net.domain.dns,
      });
      break;
    }
    case 'tgs': {
      const svc = r.pick(net.servers.filter((s) => s.role !== 'scanner' && s.role !== 'backup'));
      kerberos(e, {
        ts: t,
        client: ip,
        kdc: dns.ip,
        requestType: 'TGS',
        principal: principal(net, user),
        service: `${r.pick(['cifs', 'HTTP', 'host'])}/${fqdn(net, svc)}`,
      });
      break;
    }
    case 'dns': {
      const svc = r.pick(net.servers);
      e.dns({
        ts: t,
        client: ip,
        server: dns.ip,
        query: fqdn(net, svc),
        qtype: 'A',
        answers: [svc.ip],
        authoritative: true,
        ttl: 1200,
      });
      break;
    }
    case 'netlogon': {
      // A legacy logon script mapping NETLOGON by address: NTLM to a DC.
      const dc = r.chance(0.5) ? net.dcs[0] : net.dcs[1];
      const share = `\\\\${dc.ip}\\NETLOGON`;
      smb(e, {
        ts: t,
        client: ip,
        server: dc.ip,
        ntlm: ntlmTo(net, user, host.name, dc),
        trees: [`\\\\${dc.ip}\\IPC$`, share],
        files: [
          {
            share,
            name: 'logon.bat',
            actions: ['SMB::FILE_OPEN', 'SMB::FILE_READ', 'SMB::FILE_CLOSE'],
            bytes: 412,
            size: 412,
          },
        ],
      });
      break;
    }
    case 'erp': {
      const erp = net.servers.find((s) => s.name === 'ERP01')!;
      tls(e, { ts: t, client: ip, server: erp.ip, port: 8443, sni: fqdn(net, erp) });
      break;
    }
  }
}
