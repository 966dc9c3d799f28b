import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig, type VigilConfig } from '../config/schema.js';
import { DomainStats } from '../enrich/domains.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { simulateToDir } from '../simulate/index.js';
import { sharedData } from '../test-support/shared-data.js';
import { isGenericHostName, normaliseHostName, parseAccount } from './names.js';
import { loadState, saveState } from './state.js';
import { IdentityTracker, ptrToIp } from './tracker.js';

const DATA = sharedData('zeek') ?? join(import.meta.dirname, '../../../shared/data/zeek');
const OTRF = join(DATA, 'otrf-security-datasets/compound');
const BTEST = join(DATA, 'zeek-btest-baselines');

async function track(paths: string[], cfg: VigilConfig = defaultConfig()): Promise<IdentityTracker> {
  const t = new IdentityTracker(cfg);
  const run = new IngestRun(paths, {});
  for await (const batch of run.batches()) for (const r of batch) t.observe(r);
  return t;
}

/** A btest baseline with its masked `ts` replaced (written to a temp dir, never to the repo). */
function unmasked(rel: string, ts = 1_700_000_000): string {
  const src = join(BTEST, rel);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-id-'));
  const out = join(dir, basename(src));
  let i = 0;
  writeFileSync(
    out,
    readFileSync(src, 'utf8').replace(/XXXXXXXXXX\.XXXXXX/g, () => (ts + i++).toFixed(6)),
  );
  return out;
}

function rec(path: string, ts: number, fields: Record<string, unknown>): ZeekRecord {
  return { _path: path, ts, ...fields } as ZeekRecord;
}
function conn(
  ts: number,
  o: string,
  r: string,
  port: number,
  extra: Record<string, unknown> = {},
): ZeekRecord {
  return rec('conn', ts, {
    uid: 'C',
    'id.orig_h': o,
    'id.orig_p': 50000,
    'id.resp_h': r,
    'id.resp_p': port,
    proto: 'tcp',
    conn_state: 'SF',
    ...extra,
  });
}
function ntlm(
  ts: number,
  o: string,
  r: string,
  hostname: string,
  user?: string,
  domain?: string,
): ZeekRecord {
  return rec('ntlm', ts, {
    uid: 'C',
    'id.orig_h': o,
    'id.orig_p': 50000,
    'id.resp_h': r,
    'id.resp_p': 445,
    hostname,
    username: user,
    domainname: domain,
  });
}
function dhcp(ts: number, ip: string, mac: string, host_name?: string): ZeekRecord {
  return rec('dhcp', ts, {
    server_addr: '10.0.0.1',
    mac,
    host_name,
    assigned_addr: ip,
    msg_types: ['REQUEST', 'ACK'],
  });
}

const T0 = Date.parse('2021-06-12T08:00:00Z') / 1000;
const H = 3600;

test('names: normalisation, accounts, generic-name heuristic', () => {
  assert.equal(normaliseHostName('dc01.pandalab.com'), 'DC01');
  assert.equal(normaliseHostName('MKT01$'), 'MKT01');
  assert.equal(normaliseHostName('10.5.0.65'), '');
  assert.equal(normaliseHostName('-'), '');
  assert.deepEqual(parseAccount('MKT01$/PANDALAB.COM'), {
    key: 'pandalab\\mkt01$',
    user: 'mkt01$',
    domain: 'pandalab',
    machine: true,
  });
  assert.equal(parseAccount('stevie.marie@PANDALAB.COM')?.key, 'pandalab\\stevie.marie');
  assert.equal(parseAccount('ALeonard', 'CNAMIS')?.key, 'cnamis\\aleonard');
  assert.equal(parseAccount('FTBCO\\A70')?.key, 'ftbco\\a70');
  assert.equal(parseAccount('mstshash=Administr')?.key, 'administr');
  assert.equal(parseAccount('-'), undefined);
  for (const g of ['WIN-5E3B6M3GKQO', 'WIN-XXXXXXXXXXXX', 'DESKTOP-1A2B3C4', 'KALI', 'LAPTOP-ABCD1234'])
    assert.ok(isGenericHostName(g), g);
  for (const n of ['DC1', 'MKT01', 'WIN-SHORT', 'DESKTOP-FINANCE01', 'FILESRV'])
    assert.ok(!isGenericHostName(n), n);
});

test('OTRF AD lab (real Zeek logs): the DC is a domain-controller, MKT01 is bound by Kerberos', async (t) => {
  if (!existsSync(OTRF)) return t.skip('shared data not present');
  const tr = await track([OTRF]);
  const dc = tr.hostAt('192.168.1.4', 1692161647.6);
  assert.ok(dc);
  const roles = tr.roles(dc).map((r) => r.role);
  assert.ok(roles.includes('domain-controller'), JSON.stringify(tr.roles(dc)));
  assert.ok(roles.includes('dns-server'));
  assert.ok(tr.view(dc).highValue);
  const mkt = tr.hostAt('192.168.1.41', 1692161732.4);
  assert.ok(mkt);
  assert.equal(mkt.key, 'name:MKT01');
  assert.equal(mkt.nameSource, 'kerberos');
  // Accounts seen before the machine principal moved over with the host.
  const accts = [...mkt.accounts.keys()].sort();
  assert.deepEqual(accts, ['pandalab\\mkt01$', 'pandalab\\pedro.gustavo', 'pandalab\\stevie.marie']);
  const pedro = mkt.accounts.get('pandalab\\pedro.gustavo')!;
  assert.equal(tr.isNewAccountOnHost('pedro.gustavo/PANDALAB.COM', mkt, pedro.first + 1), false);
  assert.equal(tr.isNewAccountOnHost('pedro.gustavo/PANDALAB.COM', mkt, pedro.first), true);
  assert.equal(tr.isNewAccountOnHost('pupy.godoy@PANDALAB.COM', mkt, 2e9), true);
  assert.equal(tr.account('PANDALAB\\pedro.gustavo')?.sources.has('kerberos'), true);
  // The attacker's web server (8080/80, no HTTP proxy requests) is not a proxy; broadcast is no host.
  const web = tr.hostAt('10.0.5.13', 1692161700);
  assert.ok(web && tr.roles(web).length === 0, JSON.stringify(web && tr.roles(web)));
  assert.equal(
    tr.hosts().some((h) => h.ips.includes('192.168.1.255')),
    false,
  );
});

test('btest ntlm (real Zeek output): workstation and server names, account pairs', async (t) => {
  const f = 'scripts.base.protocols.dce-rpc.mapi/ntlm.log';
  if (!existsSync(join(BTEST, f))) return t.skip('shared data not present');
  const tr = await track([unmasked(f)]);
  const ws = tr.host('ALEONARD-XP');
  assert.ok(ws);
  assert.deepEqual(ws.ips, ['192.168.0.173']);
  assert.equal(ws.nameSource, 'ntlm');
  assert.equal(ws.accounts.get('cnamis\\aleonard')?.asSource, 2);
  const srv = tr.host('SATURN');
  assert.ok(srv);
  assert.deepEqual(srv.ips, ['192.168.0.2']);
  assert.equal(srv.accounts.get('cnamis\\aleonard')?.asTarget, 2);
});

test('btest rdp (real Zeek output): client name binds the source, cookie is an account', async (t) => {
  const f = 'scripts.base.protocols.rdp.rdp-proprietary-encryption/rdp.log';
  if (!existsSync(join(BTEST, f))) return t.skip('shared data not present');
  const tr = await track([unmasked(f)]);
  const src = tr.host('FROG-POND');
  assert.ok(src);
  assert.deepEqual(src.ips, ['172.21.128.16']);
  assert.ok(
    [...src.accounts.keys()].some((k) => k.includes('a70')),
    [...src.accounts.keys()].join(),
  );
  assert.ok(src.adminTargets.has('10.226.24.52'));
});

test('btest dhcp (real Zeek output): MAC + host name bind the assigned address; server role', async (t) => {
  const f = 'scripts.base.protocols.dhcp.dhcp-all-msg-types/dhcp.log';
  if (!existsSync(join(BTEST, f))) return t.skip('shared data not present');
  const cfg = defaultConfig();
  cfg.network.internalRanges = [...cfg.network.internalRanges, '128.2.0.0/16'];
  const tr = await track([unmasked(f)], cfg);
  const h = tr.host('mac:90:b1:1c:99:49:29');
  assert.ok(h);
  assert.equal(h.name, 'BTEST');
  assert.ok(h.ips.includes('128.2.6.189'));
  const server = tr.hostAt('128.2.6.152', 1_700_000_000);
  assert.ok(server && tr.roles(server).some((r) => r.role === 'dhcp-server'));
});

test('IP reuse by two hosts in one day (DHCP): hostAt answers for both tenures', () => {
  const tr = new IdentityTracker(defaultConfig());
  const ip = '10.1.2.50';
  tr.observe(dhcp(T0, ip, 'aa:aa:aa:aa:aa:01', 'LAPTOP-ALICE'));
  tr.observe(conn(T0 + 1.5 * H, ip, '10.0.0.5', 445));
  tr.observe(conn(T0 + 3 * H, ip, '10.0.0.5', 445));
  // Alice leaves; within the idle timeout Bob's device gets the same address.
  tr.observe(dhcp(T0 + 3 * H + 600, ip, 'bb:bb:bb:bb:bb:02', 'BOBPC'));
  tr.observe(conn(T0 + 4 * H, ip, '10.0.0.5', 445));
  assert.equal(tr.hostAt(ip, T0 + 120)?.name, 'LAPTOP-ALICE');
  assert.equal(tr.hostAt(ip, T0 + 3 * H)?.name, 'LAPTOP-ALICE');
  assert.equal(tr.hostAt(ip, T0 + 4 * H)?.name, 'BOBPC');
  const bob = tr.host('BOBPC')!;
  assert.equal(bob.key, 'mac:bb:bb:bb:bb:bb:02');
  const sessions = tr.sessionsOf(bob);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.start, T0 + 3 * H + 600);
  // Alice moves to another address later: same host key, two IPs over time.
  tr.observe(dhcp(T0 + 6 * H, '10.1.2.77', 'aa:aa:aa:aa:aa:01', 'LAPTOP-ALICE'));
  const alice = tr.host('LAPTOP-ALICE')!;
  assert.deepEqual(alice.ips, ['10.1.2.50', '10.1.2.77']);
  assert.equal(tr.hostAt('10.1.2.77', T0 + 6 * H), alice);
});

test('IP reuse without DHCP: a new self-declared name splits the session; idle gap + new name rebinds', () => {
  const tr = new IdentityTracker(defaultConfig());
  const ip = '10.1.3.9';
  tr.observe(ntlm(T0, ip, '10.0.0.5', 'WS1', 'alice', 'CORP'));
  tr.observe(conn(T0 + 30 * 60, ip, '10.0.0.5', 445));
  tr.observe(ntlm(T0 + H, ip, '10.0.0.5', 'WS2', 'bob', 'CORP'));
  assert.equal(tr.hostAt(ip, T0 + 10)?.name, 'WS1');
  assert.equal(tr.hostAt(ip, T0 + H)?.name, 'WS2');
  // After the idle timeout the address is first assumed to be the last tenant, then evidence corrects it.
  tr.observe(conn(T0 + 5 * H, ip, '10.0.0.5', 445));
  assert.equal(tr.hostAt(ip, T0 + 5 * H)?.name, 'WS2');
  tr.observe(ntlm(T0 + 5 * H + 60, ip, '10.0.0.5', 'WS3'));
  assert.equal(tr.hostAt(ip, T0 + 5 * H)?.name, 'WS3', 'carried guess replaced from the session start');
  assert.equal(tr.host('WS1')?.accounts.has('corp\\alice'), true);
  assert.equal(tr.host('WS2')?.accounts.has('corp\\bob'), true);
  assert.equal(tr.host('WS2')?.accounts.has('corp\\alice'), false);
});

test('conflicting names: weaker sources never rename; conflicts are recorded', () => {
  const tr = new IdentityTracker(defaultConfig());
  const ip = '10.5.3.28';
  tr.observe(
    rec('kerberos', T0, {
      uid: 'C',
      'id.orig_h': ip,
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.10',
      'id.resp_p': 88,
      client: 'FIN-SRV$/CORP.LOCAL',
      service: 'krbtgt/CORP.LOCAL',
    }),
  );
  // A stale PTR record names the address differently.
  tr.observe(
    rec('dns', T0 + 60, {
      uid: 'C',
      'id.orig_h': '10.5.3.40',
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.10',
      'id.resp_p': 53,
      query: '28.3.5.10.in-addr.arpa',
      qtype_name: 'PTR',
      answers: ['oldbox.corp.local'],
    }),
  );
  // RDP client name (weaker than Kerberos, self-declared) disagrees too.
  tr.observe(
    rec('rdp', T0 + 120, {
      uid: 'C',
      'id.orig_h': ip,
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.20',
      'id.resp_p': 3389,
      client_name: 'SOMETHING',
    }),
  );
  const h = tr.hostAt(ip, T0 + 130)!;
  assert.equal(h.name, 'FIN-SRV');
  assert.equal(h.key, 'name:FIN-SRV');
  assert.equal(h.conflicts.length, 2, h.conflicts.join('\n'));
  assert.match(h.conflicts[0]!, /dns named 10\.5\.3\.28 "OLDBOX".*kept "FIN-SRV" \(kerberos\)/);
  assert.match(h.conflicts[1]!, /rdp named 10\.5\.3\.28 "SOMETHING"/);
  // The 10.5.0.10 KDC got DNS + KDC evidence.
  assert.equal(tr.hostAt('10.5.0.10', T0)?.clients('kdc'), 1);
});

test('reverse-DNS names: IPv4 and IPv6 (as Zeek writes addresses)', () => {
  assert.equal(ptrToIp('2.0.5.10.in-addr.arpa'), '10.5.0.2');
  assert.equal(ptrToIp('2.0.5.10.IN-ADDR.ARPA.'), '10.5.0.2');
  assert.equal(ptrToIp('0.5.10.in-addr.arpa'), undefined);
  assert.equal(
    ptrToIp('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa'),
    '4321:0:1:2:3:4:567:89ab',
  );
  assert.equal(
    ptrToIp('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'),
    'fd00::1',
  );
  assert.equal(ptrToIp('example.com'), undefined);
});

test('DNS names an address before it is active (A and PTR), applied when it is', () => {
  const tr = new IdentityTracker(defaultConfig());
  tr.observe(
    rec('dns', T0, {
      uid: 'C',
      'id.orig_h': '10.5.3.40',
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.10',
      'id.resp_p': 53,
      query: 'fileserver.corp.local',
      qtype_name: 'A',
      answers: ['10.5.0.65', '8.8.8.8'],
    }),
  );
  tr.observe(conn(T0 + 5, '10.5.3.40', '10.5.0.65', 445));
  assert.equal(tr.hostAt('10.5.0.65', T0 + 5)?.name, 'FILESERVER');
  assert.equal(tr.hostAt('10.5.0.65', T0 + 5)?.nameSource, 'dns');
  assert.equal(tr.hostAt('8.8.8.8', T0 + 5), undefined);
});

test('VPN host with no DHCP: generic name from NTLM/RDP, new host per unnamed tenure, same host across pool IPs', () => {
  const cfg = defaultConfig();
  cfg.network.vpnPools = ['10.9.0.0/24'];
  const tr = new IdentityTracker(cfg);
  // An unnamed VPN client: its own host, keyed by address and start.
  tr.observe(conn(T0, '10.9.0.5', '10.5.0.10', 53, { proto: 'udp' }));
  const anon = tr.hostAt('10.9.0.5', T0)!;
  assert.match(anon.key, /^ip:10\.9\.0\.5@2021-06-12T08:00:00\.000Z$/);
  // Next day, another client on the same pool address: a different host (no carry-over in a pool).
  const t1 = T0 + 34 * H;
  tr.observe(conn(t1, '10.9.0.5', '10.5.0.10', 53, { proto: 'udp' }));
  assert.notEqual(tr.hostAt('10.9.0.5', t1), anon);
  // It names itself over NTLM and RDP: the attacker's generic name.
  tr.observe(ntlm(t1 + 60, '10.9.0.5', '10.5.1.20', 'WIN-5E3B6M3GKQO', 'administrator', 'CORP'));
  tr.observe(
    rec('rdp', t1 + 120, {
      uid: 'C',
      'id.orig_h': '10.9.0.5',
      'id.orig_p': 5,
      'id.resp_h': '10.5.3.28',
      'id.resp_p': 3389,
      client_name: 'WIN-5E3B6M3GKQO',
      cookie: 'Administr',
    }),
  );
  const att = tr.hostAt('10.9.0.5', t1 + 5)!;
  assert.equal(att.key, 'name:WIN-5E3B6M3GKQO');
  const v = tr.view(att);
  assert.equal(v.genericName, true);
  assert.deepEqual([...att.accounts.keys()].sort(), ['administr', 'corp\\administrator']);
  // Reconnects later from another pool address: same host.
  tr.observe(ntlm(t1 + 8 * H, '10.9.0.77', '10.5.1.20', 'WIN-5E3B6M3GKQO'));
  assert.equal(tr.hostAt('10.9.0.77', t1 + 8 * H), att);
  assert.deepEqual(att.ips, ['10.9.0.5', '10.9.0.77']);
  assert.equal(tr.hostAt('10.9.0.5', t1 + 5), att, 'history still answers for the first address');
  // Back on the same pool address 3 h later with no name evidence: carried over (within 4 h)…
  const t2 = t1 + 8 * H + 3 * H;
  tr.observe(conn(t2, '10.9.0.77', '10.5.0.10', 389));
  assert.equal(tr.hostAt('10.9.0.77', t2), att);
  assert.equal(tr.sessionsOf(att).at(-1)?.source, 'carried');
  // …but after 5 h it is a new, unnamed client.
  const t3 = t2 + 5 * H;
  tr.observe(conn(t3, '10.9.0.77', '10.5.0.10', 389));
  assert.match(tr.hostAt('10.9.0.77', t3)!.key, /^ip:10\.9\.0\.77@/);
});

test('manual overrides are never overwritten; role overrides add roles', () => {
  const cfg = defaultConfig();
  cfg.identity.hostOverrides = { '10.5.0.10': 'DC1', 'cc:cc:cc:cc:cc:cc': 'KIOSK' };
  cfg.identity.roleOverrides = { DC1: ['domain-controller'], '10.5.0.66': ['backup-server'] };
  cfg.network.scanners = ['10.1.1.5'];
  const tr = new IdentityTracker(cfg);
  tr.observe(ntlm(T0, '10.5.0.10', '10.5.0.11', 'NOTDC'));
  tr.observe(dhcp(T0, '10.1.2.3', 'cc:cc:cc:cc:cc:cc', 'WHATEVER'));
  tr.observe(conn(T0, '10.1.1.5', '10.5.0.66', 22));
  const dc = tr.hostAt('10.5.0.10', T0)!;
  assert.equal(dc.name, 'DC1');
  assert.equal(dc.override, true);
  assert.match(dc.conflicts[0]!, /override keeps "DC1"/);
  assert.deepEqual(
    tr.roles(dc).map((r) => [r.role, r.confidence]),
    [['domain-controller', 'configured']],
  );
  assert.equal(tr.view(dc).highValue, true);
  const kiosk = tr.hostAt('10.1.2.3', T0)!;
  assert.equal(kiosk.name, 'KIOSK');
  assert.equal(kiosk.nameSource, 'override');
  assert.ok(tr.roles(tr.hostAt('10.1.1.5', T0)!).some((r) => r.role === 'scanner'));
  assert.ok(tr.roles(tr.hostAt('10.5.0.66', T0)!).some((r) => r.role === 'backup-server'));
});

test('roles: DC with DC-only RPC, file server, backup server, admin workstation (habitual)', () => {
  const tr = new IdentityTracker(defaultConfig());
  const dc = '10.5.0.10';
  const clients = ['10.5.3.1', '10.5.3.2', '10.5.3.3', '10.5.3.4', '10.5.3.5', '10.5.3.6'];
  for (const [i, c] of clients.entries()) {
    tr.observe(conn(T0 + i, c, dc, 88));
    tr.observe(conn(T0 + i, c, dc, 389));
    tr.observe(
      rec('smb_mapping', T0 + i, {
        uid: 'C',
        'id.orig_h': c,
        'id.orig_p': 5,
        'id.resp_h': '10.5.0.30',
        'id.resp_p': 445,
        path: '\\\\FS1\\PUBLIC',
      }),
    );
  }
  // Scans (S0/REJ) are no evidence of service.
  tr.observe(conn(T0 + 20, '10.5.3.1', '10.5.0.99', 88, { conn_state: 'S0' }));
  tr.observe(conn(T0 + 20, '10.5.3.1', '10.5.0.99', 389, { conn_state: 'REJ' }));
  tr.observe(
    rec('dce_rpc', T0 + 30, {
      uid: 'C',
      'id.orig_h': '10.5.0.11',
      'id.orig_p': 5,
      'id.resp_h': dc,
      'id.resp_p': 49667,
      endpoint: 'drsuapi',
      operation: 'DRSGetNCChanges',
    }),
  );
  const dcRoles = tr.roles(tr.hostAt(dc, T0)!);
  assert.equal(dcRoles[0]?.role, 'domain-controller');
  assert.equal(dcRoles[0]?.confidence, 'high');
  assert.ok(dcRoles[0]?.evidence.some((e) => e.includes('drsuapi')));
  assert.equal(tr.roles(tr.hostAt('10.5.0.99', T0 + 20)!).length, 0);
  const fs = tr.hostAt('10.5.0.30', T0)!;
  assert.equal(fs.name, 'FS1');
  assert.ok(tr.roles(fs).some((r) => r.role === 'file-server'));
  // Backup server: a backup share and Veeam files pulled from it.
  tr.observe(
    rec('smb_mapping', T0 + 40, {
      uid: 'C',
      'id.orig_h': '10.9.0.5',
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.65',
      'id.resp_p': 445,
      path: '\\\\10.5.0.65\\backup_exchange$',
    }),
  );
  tr.observe(
    rec('smb_files', T0 + 41, {
      uid: 'C',
      'id.orig_h': '10.9.0.5',
      'id.orig_p': 5,
      'id.resp_h': '10.5.0.65',
      'id.resp_p': 445,
      action: 'SMB::FILE_OPEN',
      name: 'Exchange2021-06-11T220012.vbk',
    }),
  );
  const b = tr.roles(tr.hostAt('10.5.0.65', T0 + 41)!).find((r) => r.role === 'backup-server');
  assert.ok(b);
  assert.equal(b.confidence, 'high');
  assert.ok(b.evidence.some((e) => e.includes('BACKUP_EXCHANGE$')));
  // Admin workstation: admin shares on 3 hosts, on 2 days; one evening of it is not habitual.
  const adm = '10.5.3.200';
  const targets = ['10.5.0.10', '10.5.0.30', '10.5.0.65'];
  for (const [i, t] of targets.entries())
    tr.observe(
      rec('smb_mapping', T0 + 100 + i, {
        uid: 'C',
        'id.orig_h': adm,
        'id.orig_p': 5,
        'id.resp_h': t,
        'id.resp_p': 445,
        path: `\\\\${t}\\ADMIN$`,
      }),
    );
  assert.ok(!tr.roles(tr.hostAt(adm, T0 + 100)!).some((r) => r.role === 'admin-workstation'));
  tr.observe(
    rec('smb_mapping', T0 + 26 * H, {
      uid: 'C',
      'id.orig_h': adm,
      'id.orig_p': 5,
      'id.resp_h': targets[0],
      'id.resp_p': 445,
      path: '\\\\DC1\\C$',
    }),
  );
  const aw = tr.view(tr.hostAt(adm, T0 + 26 * H)!);
  assert.ok(aw.roles.some((r) => r.role === 'admin-workstation'));
  assert.equal(aw.highValue, true);
});

test('idle timeout closes sessions; history is bounded; hostAt is null outside sessions', () => {
  const cfg = defaultConfig();
  cfg.identity.sessionIdleSeconds = 600;
  cfg.identity.sessionHistoryPerIp = 3;
  const tr = new IdentityTracker(cfg);
  for (let i = 0; i < 6; i++) tr.observe(conn(T0 + i * H, '10.1.1.1', '10.0.0.5', 445));
  tr.sweep(T0 + 10 * H);
  const h = tr.hostAt('10.1.1.1', T0 + 5 * H)!;
  assert.ok(h);
  assert.equal(tr.sessionsOf(h).length, 3);
  assert.equal(tr.hostAt('10.1.1.1', T0 + 5 * H + 300), undefined);
  assert.equal(tr.hostAt('10.1.1.1', T0), undefined, 'older than the kept history');
  assert.equal(tr.stats().openSessions, 0);
});

test('state lasts: save, restore, same answers; account pairs are not new after a restart', async () => {
  const cfg = defaultConfig();
  cfg.network.vpnPools = ['10.9.0.0/24'];
  const a = new IdentityTracker(cfg);
  const domains = new DomainStats(cfg.domains);
  a.observe(dhcp(T0, '10.1.2.50', 'aa:aa:aa:aa:aa:01', 'LAPTOP-ALICE'));
  a.observe(ntlm(T0 + 60, '10.1.2.50', '10.5.0.10', 'LAPTOP-ALICE', 'alice', 'CORP'));
  a.observe(ntlm(T0 + 2 * H, '10.9.0.5', '10.5.1.20', 'WIN-5E3B6M3GKQO', 'administrator', 'CORP'));
  a.observe(conn(T0 + 2 * H + 5, '10.9.0.5', '10.5.0.10', 88));
  a.observe(conn(T0 + 2 * H + 5, '10.9.0.5', '10.5.0.10', 389));
  a.observe(conn(T0 + 9 * H, '10.9.0.5', '10.5.0.10', 389)); // new tenure after idle (pool: no carry-over)
  domains.observe('mail.yandex.ru', 'name:WIN-5E3B6M3GKQO', T0 + 2 * H);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-state-'));
  const file = join(dir, 'state.json');
  assert.equal(loadState(file, new IdentityTracker(cfg)), false, 'first run: no state yet');
  saveState(file, a, domains);
  const b = new IdentityTracker(cfg);
  const d2 = new DomainStats(cfg.domains);
  assert.equal(loadState(file, b, d2), true);
  const views = (t: IdentityTracker) =>
    t
      .hosts()
      .map((h) => t.view(h))
      .sort((x, y) => x.key.localeCompare(y.key));
  assert.deepEqual(views(b), views(a));
  assert.deepEqual(b.stats(), a.stats());
  for (const [ip, t] of [
    ['10.1.2.50', T0 + 100],
    ['10.9.0.5', T0 + 2 * H + 1],
    ['10.9.0.5', T0 + 9 * H],
  ] as const)
    assert.equal(b.hostAt(ip, t)?.key, a.hostAt(ip, t)?.key, `${ip}@${t}`);
  assert.equal(d2.prevalence('yandex.ru'), 1);
  // Continue after the restart: Alice's laptop is the same host, her account is not new there.
  b.observe(ntlm(T0 + 5 * H, '10.1.2.77', '10.5.0.10', 'LAPTOP-ALICE', 'alice', 'CORP'));
  const alice = b.host('LAPTOP-ALICE')!;
  assert.equal(alice.key, 'mac:aa:aa:aa:aa:aa:01');
  assert.deepEqual(alice.ips, ['10.1.2.50', '10.1.2.77']);
  assert.equal(b.isNewAccountOnHost('CORP\\alice', alice, T0 + 5 * H), false);
  assert.equal(b.roles(b.hostAt('10.5.0.10', T0 + 9 * H)!)[0]?.role, 'domain-controller');
  writeFileSync(file, '{"version":99}');
  assert.throws(() => loadState(file, new IdentityTracker(cfg)), /not a Vigil state file/);
});

test('bounded memory: the host table is trimmed to identity.maxHosts (least recently seen first)', () => {
  const cfg = defaultConfig();
  cfg.identity.maxHosts = 50;
  cfg.identity.sessionIdleSeconds = 60;
  const tr = new IdentityTracker(cfg);
  for (let i = 0; i < 400; i++) {
    const ip = `10.20.${i >> 8}.${i & 255}`;
    tr.observe(ntlm(T0 + i * 30, ip, '10.0.0.5', `WS${i}`));
  }
  tr.sweep(T0 + 400 * 30);
  assert.ok(tr.stats().hosts <= 55, JSON.stringify(tr.stats()));
  assert.ok(tr.host('WS399'));
  assert.equal(tr.host('WS0'), undefined);
});

test('simulated reference incident: DCs, backup server, the VPN attacker by its generic name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-id-sim-'));
  const sim = simulateToDir('reference-incident', dir, { seed: 1, hosts: 40, days: 1 });
  const net = sim.truth.network;
  const cfg = defaultConfig();
  // What an operator would write for this network.
  cfg.network.vpnPools = [net.vpnPool];
  cfg.network.internalRanges = [...cfg.network.internalRanges, '203.0.113.0/24'];
  cfg.network.scanners = [net.declared.scanner];
  const tr = await track([dir], cfg);
  const a = sim.truth.attacker as {
    poolIp: string;
    clientName: string;
    account: string;
    loginTs: number;
    compromisedDcs: string[];
  };
  const at = a.loginTs + 60;
  for (const ip of a.compromisedDcs) {
    const dc = tr.hostAt(ip, at);
    assert.ok(dc, ip);
    const roles = tr.roles(dc);
    assert.equal(roles[0]?.role, 'domain-controller', JSON.stringify(roles));
    assert.equal(roles[0]?.confidence, 'high');
    assert.ok(!roles.some((r) => r.role === 'file-server'), 'SYSVOL does not make a file server');
    assert.ok(tr.view(dc).highValue);
  }
  const backup = tr.hostAt(net.declared.backup, at)!;
  assert.equal(backup.name, 'BACKUP01');
  assert.ok(tr.roles(backup).some((r) => r.role === 'backup-server'));
  assert.ok(tr.roles(tr.hostAt(net.declared.scanner, at)!).some((r) => r.role === 'scanner'));
  // The attacker: a VPN pool address, no DHCP, named only by NTLM/RDP — a generic name.
  const att = tr.hostAt(a.poolIp, at)!;
  assert.equal(att.name, a.clientName);
  assert.equal(att.key, `name:${a.clientName}`);
  const v = tr.view(att);
  assert.equal(v.genericName, true);
  assert.ok(v.accounts.some((x) => x.account.endsWith(`\\${a.account}`)));
  // One day of flat simulated background has no working day to learn a zone from: UTC is kept.
  assert.equal(tr.model.businessHours().learned, false);
  // Named workstations keep their names across DHCP and sessions.
  const ws = net.hosts.find((h) => h.role === 'workstation')!;
  const h = tr.host(ws.name);
  assert.ok(h, ws.name);
  assert.ok(h.ips.includes(ws.ip));
});
