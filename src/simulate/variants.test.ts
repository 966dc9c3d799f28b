/** Playbooks with random values: seeded variants of the campaign, and playbooks driven directly. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Emitter, LogSink } from './emit.js';
import { simulateToDir } from './index.js';
import { portSweep, shareEnumeration } from './playbooks/recon.js';
import { Rng } from './rand.js';
import { readBack } from './read-back.js';
import { buildNetwork } from './topology.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-sim-var-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('random-incident: each seed draws its own attacker, names, targets and timing; truth holds', async () => {
  const seen = new Set<string>();
  for (const seed of [21, 22, 23]) {
    const dir = join(tmp, `v${seed}`);
    const res = simulateToDir('random-incident', dir, { seed, hosts: 30, days: 1 });
    const a = res.truth.attacker!;
    seen.add(`${a.clientName} ${a.vpnExternalIp} ${a.loginTs}`);
    assert.match(a.clientName as string, /^WIN-[A-Z0-9]{11}$/);
    // The site's own /16: the pool address and every internal host are inside it.
    const site = res.truth.network.localNets[0]!.replace('.0.0/16', '.');
    assert.ok((a.poolIp as string).startsWith(site), `${a.poolIp} outside ${site}`);
    assert.ok(res.truth.network.hosts.every((h) => h.ip.startsWith(site)));
    const { byLog, rejected } = await readBack(dir);
    assert.equal(rejected, 0);
    const uids = new Map(
      [...byLog].map(([log, recs]) => [log, new Set(recs.map((r) => r.uid as string))] as const),
    );
    for (const m of res.truth.malicious) assert.ok(uids.get(m.log)?.has(m.uid), `${seed}: ${m.log} ${m.uid}`);
    const steps = res.truth.steps.map((s) => s.step);
    for (const s of [
      'vpn-login',
      'dns-recon',
      'port-sweep',
      'share-enumeration',
      'backup-staging',
      'tool-transfer',
      'ldap-recon',
      'rdp-dc',
      'dc-scan:port-sweep',
    ])
      assert.ok(steps.includes(s), `${seed}: ${s}`);
    for (const s of res.truth.steps) assert.ok(s.records > 0, `${seed}: ${s.step} wrote nothing`);
    // Internal steps keep their order: login, recon, staging, lateral, DC.
    const at = (s: string): number => res.truth.steps.find((x) => x.step === s)!.start;
    assert.ok(at('vpn-login') < at('port-sweep') && at('port-sweep') < at('backup-staging'));
    assert.ok(at('backup-staging') < at('rdp-lateral') && at('ldap-recon') < at('dc-scan:port-sweep'));
  }
  assert.equal(seen.size, 3);
});

test('playbooks run with any parameters: another subnet, names, volumes', () => {
  const rand = new Rng(99);
  const net = buildNetwork(rand, { hosts: 20 });
  const sink = new LogSink();
  const ctx = { net, e: new Emitter(sink, rand.fork('e')) };
  const targets = net.workstations.slice(0, 12);
  const sweep = portSweep(ctx, {
    source: '10.9.8.7',
    targets,
    ports: [22, 445],
    start: 1_700_000_000,
    duration: 10,
  });
  assert.equal(sweep.records, 24);
  assert.equal(sweep.host, '10.9.8.7');
  assert.ok(sweep.end <= 1_700_000_000 + 20);
  const enumr = shareEnumeration(ctx, {
    source: '10.9.8.7',
    targets: net.fileServers,
    start: 1_700_000_100,
    duration: 5,
    identity: { account: 'x.user', clientName: 'DESKTOP-ABC1234', domain: 'OTHER' },
    probeFile: 'write-test.tmp',
    shares: () => ['projects'],
    step: 'custom-enum',
  });
  assert.ok(enumr.records > 0);
  const files = sink.logs.get('smb_files') ?? [];
  assert.ok(files.some((r) => r.name === 'write-test.tmp' && r['id.orig_h'] === '10.9.8.7'));
  assert.ok(sink.malicious.every((m) => m.host === '10.9.8.7'));
  assert.ok(sink.malicious.some((m) => m.step === 'custom-enum' && m.log === 'ntlm'));
});

test('--days scales the enterprise background', () => {
  const one = simulateToDir('enterprise', join(tmp, 'd1'), { seed: 5, hosts: 20, days: 1 });
  const three = simulateToDir('enterprise', join(tmp, 'd3'), { seed: 5, hosts: 20, days: 3 });
  assert.ok(three.records > 2 * one.records, `${one.records} → ${three.records}`);
});
