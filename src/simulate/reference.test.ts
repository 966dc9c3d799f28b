/**
 * The reference incident holds each row of the MISSION.md timeline (Japan time, UTC+9) at the
 * right UTC time, with the report's addresses, names, shares, files, filters and counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { simulateToDir } from './index.js';
import { readBack } from './read-back.js';
import type { Truth } from './truth.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-sim-ref-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let logs: Map<string, ZeekRecord[]>;
let truth: Truth;

before(async () => {
  simulateToDir('reference-incident', tmp, { seed: 1, hosts: 60, days: 1 });
  logs = (await readBack(tmp)).byLog;
  truth = JSON.parse(readFileSync(join(tmp, 'truth.json'), 'utf8')) as Truth;
});

const utc = (iso: string): number => Date.parse(iso) / 1000;
const recs = (log: string, pred: (r: ZeekRecord) => boolean): ZeekRecord[] =>
  (logs.get(log) ?? []).filter(pred);
const within = (r: ZeekRecord, from: string, to: string): boolean => r.ts >= utc(from) && r.ts < utc(to);
const ATTACKER = '10.5.0.70';
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36';

test('Jun 3 08:01 JST: an external address uses the rare user agent', () => {
  const hits = recs('http', (r) => r.user_agent === UA);
  assert.ok(hits.length > 0);
  const first = hits.reduce((a, b) => (a.ts < b.ts ? a : b));
  assert.ok(
    within(first, '2021-06-02T23:01:00Z', '2021-06-02T23:02:00Z'),
    new Date(first.ts * 1000).toISOString(),
  );
  assert.ok(!(first['id.orig_h'] as string).startsWith('10.'));
  // The same address is back on Jun 9, briefly, with the same UA.
  assert.ok(
    hits.some(
      (r) =>
        r['id.orig_h'] === first['id.orig_h'] && within(r, '2021-06-08T15:00:00Z', '2021-06-09T15:00:00Z'),
    ),
  );
});

test('Jun 8–12 JST: probes of VPN, FTP and webmail from one Russian subnet; Jun 9: Apache checks', () => {
  const probes = recs(
    'conn',
    (r) =>
      (r['id.orig_h'] as string).startsWith('95.213.200.') &&
      within(r, '2021-06-07T15:00:00Z', '2021-06-12T09:01:00Z'),
  );
  const ports = new Set(probes.map((r) => `${r['id.resp_h']}:${r['id.resp_p']}`));
  for (const p of ['203.0.113.10:443', '203.0.113.11:21', '203.0.113.12:443']) assert.ok(ports.has(p), p);
  assert.ok(
    recs('ftp', (r) => (r['id.orig_h'] as string).startsWith('95.213.200.') && r.reply_code === 530).length >
      0,
  );
  const checks = recs(
    'http',
    (r) =>
      (r['id.orig_h'] as string).startsWith('95.213.200.') &&
      within(r, '2021-06-08T15:00:00Z', '2021-06-09T15:00:00Z'),
  );
  assert.ok(checks.some((r) => r.method === 'GET') && checks.some((r) => r.method === 'POST'));
});

test('Jun 12 18:01 JST: VPN login; the pool address is new; the generic WIN- name is used nowhere else', () => {
  const first = Math.min(
    ...[...logs.values()]
      .flat()
      .filter((r) => r['id.orig_h'] === ATTACKER)
      .map((r) => r.ts),
  );
  assert.ok(
    first >= utc('2021-06-12T09:01:00Z') && first < utc('2021-06-12T09:02:00Z'),
    new Date(first * 1000).toISOString(),
  );
  assert.ok(
    recs(
      'ssl',
      (r) =>
        r['id.resp_h'] === '203.0.113.10' &&
        within(r, '2021-06-12T09:00:00Z', '2021-06-12T09:01:05Z') &&
        r['id.orig_h'] === truth.attacker?.vpnExternalIp,
    ).length === 1,
  );
  const name = truth.attacker?.clientName as string;
  assert.match(name, /^WIN-[A-Z0-9]{11}$/);
  const named = recs('ntlm', (r) => r.hostname === name);
  assert.ok(named.length > 0 && named.every((r) => r['id.orig_h'] === ATTACKER));
  assert.ok(recs('rdp', (r) => r.client_name === name).every((r) => r['id.orig_h'] === ATTACKER));
  assert.ok(recs('kerberos', (r) => r['id.orig_h'] === ATTACKER && r.request_type === 'AS').length > 0);
});

test('18:01–18:03 JST: PTR sweep of the server subnet and suspect domains', () => {
  const dns = recs(
    'dns',
    (r) => r['id.orig_h'] === ATTACKER && within(r, '2021-06-12T09:01:00Z', '2021-06-12T09:03:00Z'),
  );
  const ptr = dns.filter((r) => r.qtype_name === 'PTR').map((r) => r.query);
  assert.deepEqual(ptr.slice(0, 3), [
    '2.0.5.10.in-addr.arpa',
    '13.0.5.10.in-addr.arpa',
    '47.0.5.10.in-addr.arpa',
  ]);
  assert.ok(ptr.length >= 200);
  for (const d of ['yandex.ru', 'ok.ru', 'google.ru'])
    assert.ok(
      dns.some((r) => r.query === d),
      d,
    );
});

test('by 18:03 JST: DCOM RemoteCreateInstance as admin to 10.5.1.20, port sweep, RPC recon, share enumeration with delete.me', () => {
  const by = (r: ZeekRecord): boolean =>
    r['id.orig_h'] === ATTACKER && within(r, '2021-06-12T09:01:00Z', '2021-06-12T09:03:00Z');
  const dcom = recs(
    'dce_rpc',
    (r) => by(r) && r.endpoint === 'ISystemActivator' && r.operation === 'RemoteCreateInstance',
  );
  assert.equal(dcom.length, 1);
  assert.equal(dcom[0]!['id.resp_h'], '10.5.1.20');
  assert.equal(dcom[0]!['id.resp_p'], 135);
  const auth = recs('ntlm', (r) => r.uid === dcom[0]!.uid);
  assert.equal(auth[0]?.username, 'Administrator');
  assert.equal(auth[0]?.hostname, truth.attacker?.clientName);
  const swept = new Set(recs('conn', (r) => by(r) && !r.service).map((r) => r['id.resp_h']));
  assert.ok(swept.size >= 20, `port sweep touched ${swept.size} hosts`);
  assert.ok(recs('dce_rpc', (r) => by(r) && r.operation === 'ept_lookup').length >= 10);
  assert.ok(recs('dce_rpc', (r) => by(r) && r.endpoint === 'samr').length > 0);
  assert.ok(recs('dce_rpc', (r) => by(r) && r.operation === 'NetrShareEnum').length >= 5);
  const probe = recs('smb_files', (r) => by(r) && r.name === 'delete.me');
  assert.ok(
    probe.some((r) => r.action === 'SMB::FILE_OPEN') && probe.some((r) => r.action === 'SMB::FILE_CLOSE'),
  );
});

test('18:16–18:18 JST: admin share, then \\\\10.5.0.65\\backup_exchange$ opened and read (10.9 MB) at 18:18:13.126', () => {
  assert.ok(
    recs(
      'smb_mapping',
      (r) =>
        r['id.orig_h'] === ATTACKER &&
        (r.path as string).endsWith('\\C$') &&
        within(r, '2021-06-12T09:16:00Z', '2021-06-12T09:17:00Z'),
    ).length > 0,
  );
  const share = '\\\\10.5.0.65\\backup_exchange$';
  const files = recs(
    'smb_files',
    (r) =>
      r['id.orig_h'] === ATTACKER &&
      r.path === share &&
      within(r, '2021-06-12T09:18:13Z', '2021-06-12T09:18:14Z'),
  );
  assert.deepEqual(
    files.map((r) => r.action),
    [
      'SMB::FILE_OPEN',
      'SMB::FILE_READ',
      'SMB::FILE_READ',
      'SMB::FILE_READ',
      'SMB::FILE_READ',
      'SMB::FILE_READ',
    ],
  );
  assert.equal(new Date(files[0]!.ts * 1000).toISOString(), '2021-06-12T09:18:13.126Z');
  const conn = recs('conn', (r) => r.uid === files[0]!.uid)[0]!;
  assert.ok((conn.resp_bytes as number) >= 10_900_000);
  // Benign: only Exchange's nightly backup uses that share.
  assert.ok(
    recs('smb_mapping', (r) => r.path === share && r['id.orig_h'] !== ATTACKER).every(
      (r) => r['id.orig_h'] === '10.5.0.8',
    ),
  );
});

test('21:09 and 21:15 JST: RDP to 10.5.3.28 from WIN-…; mimikatz.exe to 10.5.2.12 and 10.5.3.28, results read back', () => {
  const rdp = recs(
    'rdp',
    (r) => r['id.orig_h'] === ATTACKER && within(r, '2021-06-12T12:09:00Z', '2021-06-12T12:10:00Z'),
  );
  assert.equal(rdp.length, 1);
  assert.equal(rdp[0]!['id.resp_h'], '10.5.3.28');
  assert.equal(rdp[0]!.client_name, truth.attacker?.clientName);
  const writes = recs(
    'smb_files',
    (r) =>
      r['id.orig_h'] === ATTACKER &&
      (r.name as string).endsWith('mimikatz.exe') &&
      r.action === 'SMB::FILE_WRITE' &&
      within(r, '2021-06-12T12:15:00Z', '2021-06-12T12:16:00Z'),
  );
  assert.deepEqual([...new Set(writes.map((r) => r['id.resp_h']))].sort(), ['10.5.2.12', '10.5.3.28']);
  assert.ok(
    recs('files', (r) => r.filename === 'mimikatz.exe' && r.mime_type === 'application/x-dosexec').length ===
      2,
  );
  assert.ok(
    recs(
      'smb_files',
      (r) =>
        r['id.orig_h'] === ATTACKER &&
        r.action === 'SMB::FILE_READ' &&
        within(r, '2021-06-12T12:15:00Z', '2021-06-12T12:20:00Z'),
    ).length >= 2,
  );
});

test('Jun 13 00:25 JST: LDAP subnet (6) and computer (1000) queries; 00:34/00:41 RDP to DC1/DC2 with cookie Administr', () => {
  const q = recs(
    'ldap_search',
    (r) => r['id.orig_h'] === ATTACKER && within(r, '2021-06-12T15:25:00Z', '2021-06-12T15:26:00Z'),
  );
  assert.deepEqual(
    q.map((r) => [r.filter, r.result_count]),
    [
      ['(objectCategory=subnet)', 6],
      ['(objectcategory=computer)', 1000],
    ],
  );
  assert.match(q[0]!.base_object as string, /^CN=Subnets,CN=Sites,CN=Configuration,DC=/);
  const rdp = recs('rdp', (r) => r['id.orig_h'] === ATTACKER && r.cookie === 'Administr');
  assert.deepEqual(
    rdp.map((r) => [new Date(r.ts * 1000).toISOString().slice(11, 16), r['id.resp_h']]),
    [
      ['15:34', '10.5.0.2'],
      ['15:41', '10.5.0.3'],
    ],
  );
});

test('00:39 JST: DC1 scans — port sweep, share enumeration, remote execution, admin shares, RPC recon', () => {
  const dc1 = (r: ZeekRecord): boolean =>
    r['id.orig_h'] === '10.5.0.2' && within(r, '2021-06-12T15:39:00Z', '2021-06-12T15:44:00Z');
  assert.ok(
    new Set(
      recs(
        'conn',
        (r) => dc1(r) && (r.conn_state === 'S0' || r.conn_state === 'REJ' || r.conn_state === 'RSTO'),
      ).map((r) => r['id.resp_h']),
    ).size >= 20,
  );
  assert.ok(recs('dce_rpc', (r) => dc1(r) && r.operation === 'CreateServiceW').length > 0);
  assert.ok(recs('dce_rpc', (r) => dc1(r) && r.operation === 'NetrShareEnum').length > 0);
  assert.ok(recs('dce_rpc', (r) => dc1(r) && r.endpoint === 'ISystemActivator').length > 0);
  assert.ok(recs('smb_mapping', (r) => dc1(r) && (r.path as string).endsWith('ADMIN$')).length > 0);
  // DC1 does none of that before 00:39 JST.
  const before = (r: ZeekRecord): boolean =>
    r['id.orig_h'] === '10.5.0.2' && r.ts < utc('2021-06-12T15:39:00Z');
  assert.equal(
    recs(
      'dce_rpc',
      (r) => before(r) && (r.operation === 'CreateServiceW' || r.endpoint === 'ISystemActivator'),
    ).length,
    0,
  );
});

test('truth.json lists each MISSION step with its UTC start', () => {
  const start = (step: string): string =>
    new Date(truth.steps.find((s) => s.step === step)!.start * 1000).toISOString().slice(0, 16);
  assert.equal(start('rare-user-agent'), '2021-06-02T23:01');
  assert.equal(start('vpn-login'), '2021-06-12T09:01');
  assert.equal(start('backup-staging'), '2021-06-12T09:18');
  assert.equal(start('rdp-lateral'), '2021-06-12T12:09');
  assert.equal(start('tool-transfer'), '2021-06-12T12:15');
  assert.equal(start('ldap-recon'), '2021-06-12T15:25');
  assert.equal(start('dc-scan:port-sweep'), '2021-06-12T15:39');
  for (const s of truth.steps) {
    assert.ok(s.records > 0, s.step);
    assert.ok(s.mission, s.step);
  }
  for (const step of [
    'port-sweep',
    'dcom-remote-activation',
    'rpc-recon',
    'rpc-targeted-recon',
    'share-enumeration',
  ]) {
    const s = truth.steps.find((x) => x.step === step)!;
    assert.ok(s.end <= utc('2021-06-12T09:03:00Z'), `${step} ends by 18:03 JST`);
  }
});
