import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { runDetectors, TestHostView } from '../test-support/perimeter.js';
import { conn, randomPrefix } from '../test-support/records.js';
import { createSuspiciousNewHost } from './suspicious-new-host.js';

/** Monday 2021-06-07 00:00 UTC; TestHostView's default hours are Mon–Fri 08–18 UTC. */
const MON = 1_623_024_000;
const DAY = 86_400;
const CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Two days of an office: 30 workstations talk to a few servers. */
function office(r: () => number, lan: string, servers: string): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  for (let d = 0; d < 2; d++)
    for (let i = 0; i < 600; i++)
      recs.push(
        conn({
          ts: MON + d * DAY + 8 * 3600 + r() * 10 * 3600,
          src: `${lan}${10 + Math.floor(r() * 30)}`,
          dst: `${servers}${1 + Math.floor(r() * 5)}`,
          port: 445,
          state: 'SF',
        }),
      );
  return recs;
}

function fanOut(src: string, servers: string, start: number, n: number, r: () => number): ZeekRecord[] {
  return Array.from({ length: n }, (_, i) =>
    conn({
      ts: start + i * (1 + r() * 5),
      src,
      dst: `${servers}${1 + i}`,
      port: [445, 135, 139][i % 3]!,
      state: r() < 0.5 ? 'S0' : 'SF',
    }),
  );
}

describe('suspicious-new-host', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a new VPN host with a generic name off-hours fanning out (seed ${seed})`, () => {
      const r = rng(seed);
      const lan = randomPrefix(r);
      const servers = randomPrefix(r);
      const vpnNet = randomPrefix(r);
      const vpnIp = `${vpnNet}${2 + Math.floor(r() * 200)}`;
      const name = `WIN-${Array.from({ length: 11 }, () => CHARS[Math.floor(r() * CHARS.length)]).join('')}`;
      // Off hours: a weekday evening/night or any time on the weekend.
      const start =
        r() < 0.5
          ? MON + 5 * DAY + r() * DAY
          : MON + (2 + Math.floor(r() * 3)) * DAY + (18.5 + r() * 5) * 3600;
      const attack = fanOut(vpnIp, servers, start, 10 + Math.floor(r() * 120), r);
      const view = new TestHostView({ names: new Map([[vpnIp, [name]]]), vpnPrefixes: [vpnNet] });
      const ds = runDetectors([createSuspiciousNewHost], [...office(r, lan, servers), ...attack], view);
      assert.equal(ds.length, 1);
      const d = ds[0]!;
      assert.equal(d.host, vpnIp);
      assert.ok(
        d.summary.includes(name) &&
          d.summary.includes('VPN pool') &&
          d.summary.includes('off business hours'),
      );
      assert.ok(d.threat >= 40 && d.threat < 50, `threat ${d.threat}`);
      assert.ok(d.certainty >= 60);
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length >= 10 && d.evidence.every((e) => e.log === 'conn' && uids.has(e.uid)));
    });
  }

  test('a generic name alone (in hours) fires weaker; thresholds from config', () => {
    const r = rng(9);
    const view = new TestHostView({ names: new Map([['10.50.0.7', ['DESKTOP-AB12CD3']]]) });
    const recs = [
      ...office(r, '10.1.1.', '10.2.2.'),
      ...fanOut('10.50.0.7', '10.2.2.', MON + 2 * DAY + 10 * 3600, 12, r),
    ];
    const ds = runDetectors([createSuspiciousNewHost], recs, view);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.threat < 40);
    const cfg = { detectors: { 'suspicious-new-host': { minInternalPeers: 20 } } };
    assert.deepEqual(runDetectors([createSuspiciousNewHost], recs, view, cfg), []);
  });

  test('benign: an employee VPN login in hours, a new printer at night, known hosts, and the learning day stay quiet', () => {
    const r = rng(10);
    const lan = '10.1.1.';
    const servers = '10.2.2.';
    const recs = office(r, lan, servers);
    const view = new TestHostView({
      names: new Map([
        ['10.9.0.20', ['LT-JSMITH']],
        [`${lan}12`, ['WIN-ABCDEFGHIJK']],
        ['10.60.0.1', ['WIN-QWERTYUIOPA']],
      ]),
      vpnPrefixes: ['10.9.0.'],
    });
    // Employee over VPN, Wednesday 09:30, normal name, uses 15 internal services.
    recs.push(...fanOut('10.9.0.20', servers, MON + 2 * DAY + 9.5 * 3600, 15, r));
    // A new printer at night talks to two hosts.
    recs.push(...fanOut('10.1.1.200', servers, MON + 2 * DAY + 23 * 3600, 2, r));
    // A known workstation (seen in the learning days) with a generic name works late.
    recs.push(...fanOut(`${lan}12`, servers, MON + 3 * DAY + 22 * 3600, 30, r));
    // A generic-named host fanning out at night on the first day (learning): not reported.
    recs.push(...fanOut('10.60.0.1', servers, MON + 3600, 30, r));
    assert.deepEqual(runDetectors([createSuspiciousNewHost], recs, view), []);
  });
});
