import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { ldapSearch } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { createSuspiciousLdapQuery } from './suspicious-ldap-query.js';
import type { Detection, HostView } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC

function run(recs: ZeekRecord[], view: HostView = new IpHostView(), cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createSuspiciousLdapQuery], view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** Ordinary directory traffic: RootDSE reads, single-object lookups, an app's user sync. */
function background(r: () => number, days: number, net: string, dc: string, out: ZeekRecord[]): void {
  for (let d = 0; d < days; d++)
    for (let w = 1; w <= 40; w++) {
      const ws = `${net}${w + 100}`;
      const t = T0 + d * DAY + 8 * 3600 + r() * 9 * 3600;
      out.push(ldapSearch({ ts: t, src: ws, dst: dc, filter: '(objectclass=*)', scope: 'base', base: '' }));
      out.push(
        ldapSearch({
          ts: t + 1,
          src: ws,
          dst: dc,
          filter: `(&(objectClass=user)(sAMAccountName=user${w}))`,
          results: 1,
        }),
      );
      out.push(
        ldapSearch({
          ts: t + 2,
          src: ws,
          dst: dc,
          filter: `(&(objectCategory=computer)(dNSHostName=ws${w}.corp.local))`,
        }),
      );
    }
}

const RECON: readonly { filter: string; results: [number, number]; base?: string }[] = [
  { filter: '(objectcategory=computer)', results: [200, 3000] },
  {
    filter: '(objectCategory=subnet)',
    results: [2, 20],
    base: 'CN=Subnets,CN=Sites,CN=Configuration,DC=corp,DC=local',
  },
  { filter: '(&(objectCategory=person)(objectClass=user)(adminCount=1))', results: [3, 30] },
  { filter: '(&(samAccountType=805306368)(servicePrincipalName=*))', results: [1, 40] },
  { filter: '(objectClass=trustedDomain)', results: [0, 3] },
  {
    filter: '(&(samAccountType=805306368)(userAccountControl:1.2.840.113556.1.4.803:=4194304))',
    results: [0, 5],
  },
  {
    filter: '(|(samaccounttype=268435456)(samaccounttype=268435457)(samaccounttype=536870912))',
    results: [50, 400],
  },
  { filter: '(objectclass=*)', results: [1000, 1000] },
  { filter: '(objectCategory=groupPolicyContainer)', results: [5, 60] },
  { filter: '(memberOf=CN=Domain Admins,CN=Users,DC=corp,DC=local)', results: [2, 8] },
];

function randomCase(r: () => number, s: string): string {
  return [...s].map((c) => (r() < 0.3 ? c.toUpperCase() : c)).join('');
}

describe('suspicious-ldap-query', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on recon-shaped searches with random filters, case and timing (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const dc = `${net}10`;
      const recs: ZeekRecord[] = [];
      background(r, 2, net, dc, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + 18 * 3600 + r() * 3600;
      const picks = [...RECON].sort(() => r() - 0.5).slice(0, 2 + Math.floor(r() * 4));
      const attack = picks.map((q, i) =>
        ldapSearch({
          ts: start + i * (5 + r() * 60),
          src: attacker,
          dst: dc,
          filter: randomCase(r, q.filter),
          base: q.base,
          results: q.results[0] + Math.floor(r() * (q.results[1] - q.results[0] + 1)),
        }),
      );
      const ds = run([...recs, ...attack]);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.ok(d.detectedAt <= attack.at(-1)!.ts);
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length > 0 && d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(d.threat < 50);
      assert.ok(d.certainty >= 50);
    });
  }

  test("the incident's pair: subnets (6) then computers (1000)", () => {
    const r = rng(40);
    const recs: ZeekRecord[] = [];
    background(r, 2, '10.5.1.', '10.5.0.10', recs);
    const t = T0 + 2 * DAY + 25 * 60;
    const subnet = ldapSearch({
      ts: t,
      src: '10.8.0.23',
      dst: '10.5.0.10',
      filter: '(objectCategory=subnet)',
      base: 'CN=Subnets,CN=Sites,CN=Configuration,DC=corp,DC=local',
      results: 6,
    });
    const computers = ldapSearch({
      ts: t + 40,
      src: '10.8.0.23',
      dst: '10.5.0.10',
      filter: '(objectcategory=computer)',
      results: 1000,
    });
    assert.deepEqual(run([...recs, subnet]), [], 'one small broad listing is not enough');
    const ds = run([...recs, subnet, computers]);
    assert.equal(ds.length, 1);
    assert.deepEqual(
      ds[0]!.evidence.map((e) => e.uid),
      [subnet.uid, computers.uid],
    );
    assert.equal(ds[0]!.detectedAt, computers.ts);
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'largest answer (objects)' && x.value === 1000));
  });

  test('while learning: the pair from a host that just appeared fires; from an established host it waits', () => {
    const r = rng(45);
    const recs: ZeekRecord[] = [];
    background(r, 1, '10.5.1.', '10.5.0.10', recs);
    const pair = (src: string, t: number): ZeekRecord[] => [
      ldapSearch({ ts: t, src, dst: '10.5.0.10', filter: '(objectCategory=subnet)', results: 6 }),
      ldapSearch({ ts: t + 40, src, dst: '10.5.0.10', filter: '(objectcategory=computer)', results: 1000 }),
    ];
    const ds = run([...recs, ...pair('10.5.1.101', T0 + 15 * 3600), ...pair('10.8.0.70', T0 + 16 * 3600)]);
    assert.deepEqual(
      ds.map((d) => d.host),
      ['10.8.0.70'],
    );
  });

  test('a single privilege hunt fires', () => {
    const recs: ZeekRecord[] = [];
    background(rng(41), 2, '10.5.1.', '10.5.0.10', recs);
    recs.push(
      ldapSearch({
        ts: T0 + 2 * DAY + 60,
        src: '10.5.1.150',
        dst: '10.5.0.10',
        filter: '(servicePrincipalName=*)',
        results: 12,
      }),
    );
    const ds = run(recs);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'privilege hunting' && x.value === 'yes'));
  });

  test('benign: DC answering clients, RootDSE and lookups, an Exchange-like server listing daily', () => {
    const r = rng(42);
    const recs: ZeekRecord[] = [];
    background(r, 5, '10.5.1.', '10.5.0.10', recs);
    for (let d = 0; d < 5; d++) {
      const t = T0 + d * DAY + 4 * 3600 + r() * 600;
      recs.push(
        ldapSearch({
          ts: t,
          src: '10.5.0.30',
          dst: '10.5.0.10',
          filter: '(objectCategory=person)',
          results: 2400,
        }),
      );
      recs.push(
        ldapSearch({
          ts: t + 30,
          src: '10.5.0.30',
          dst: '10.5.0.10',
          filter: '(objectCategory=group)',
          results: 300,
        }),
      );
    }
    assert.deepEqual(run(recs), []);
  });

  test('benign: a filter the network uses from many hosts is normal', () => {
    const r = rng(43);
    const recs: ZeekRecord[] = [];
    background(r, 3, '10.5.1.', '10.5.0.10', recs);
    // An inventory agent on six servers lists computers every day.
    for (let d = 0; d < 3; d++)
      for (let h = 0; h < 6; h++)
        recs.push(
          ldapSearch({
            ts: T0 + d * DAY + 3600 + h,
            src: `10.5.2.${h + 1}`,
            dst: '10.5.0.10',
            filter: '(objectcategory=computer)',
            results: 800,
          }),
        );
    // A seventh server gets the agent on day 3.
    recs.push(
      ldapSearch({
        ts: T0 + 3 * DAY + 3600,
        src: '10.5.2.7',
        dst: '10.5.0.10',
        filter: '(objectcategory=computer)',
        results: 800,
      }),
    );
    const ds = run(recs);
    assert.ok(
      ds.every((d) => d.detectedAt < T0 + DAY),
      JSON.stringify(ds.map((d) => [d.host, d.summary])),
    );
  });

  test('habits survive checkpoint/restore', () => {
    const r = rng(44);
    const learn: ZeekRecord[] = [];
    background(r, 2, '10.5.1.', '10.5.0.10', learn);
    const daily = (d: number): ZeekRecord[] => [
      ldapSearch({
        ts: T0 + d * DAY + 7200,
        src: '10.5.0.30',
        dst: '10.5.0.10',
        filter: '(objectCategory=person)',
        results: 2400,
      }),
    ];
    learn.push(...daily(0), ...daily(1));
    const a = new DetectionEngine([createSuspiciousLdapQuery], new IpHostView());
    a.process(byTs(learn));
    const cp = JSON.parse(JSON.stringify(a.checkpoint())) as ReturnType<DetectionEngine['checkpoint']>;
    const b = new DetectionEngine([createSuspiciousLdapQuery], new IpHostView());
    b.restore(cp);
    b.process(daily(2));
    assert.equal(b.store.detections.length, 0);
    const c = new DetectionEngine([createSuspiciousLdapQuery], new IpHostView(), {
      detectors: { 'suspicious-ldap-query': { learningSeconds: 0 } },
    });
    c.process(daily(2));
    assert.equal(c.store.detections.length, 1);
  });

  test('token lists come from config', () => {
    const recs = [
      ldapSearch({
        ts: T0,
        src: '10.5.1.5',
        dst: '10.5.0.10',
        filter: '(description=*password*)',
        results: 3,
      }),
    ];
    assert.equal(run(recs).length, 0);
    const cfg = {
      detectors: {
        'suspicious-ldap-query': { privilegedTokens: ['description=*password'], learningSeconds: 0 },
      },
    };
    assert.equal(run(recs, undefined, cfg).length, 1);
  });
});
