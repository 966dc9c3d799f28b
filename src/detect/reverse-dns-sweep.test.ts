import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dns, ptrName, runDetectors } from '../test-support/perimeter.js';
import { randomPrefix } from '../test-support/records.js';
import { IpHostView } from './ip-host-view.js';
import { createReverseDnsSweep, ptrToIpv4 } from './reverse-dns-sweep.js';

const T0 = 1_623_024_000;
const DAY = 86_400;

/** Two days: clients resolve names; a monitoring server resolves 120 addresses every 5 min. */
function background(r: () => number, monitor: string, monitored: string): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  for (let i = 0; i < 2_000; i++)
    recs.push(
      dns({
        ts: T0 + r() * 2 * DAY,
        src: `10.1.1.${10 + Math.floor(r() * 50)}`,
        query: ['intranet.corp.local', 'www.example.com', 'mail.corp.local'][i % 3]!,
      }),
    );
  for (let t = 0; t < 2 * DAY; t += 300)
    for (let i = 1; i <= 120; i++)
      recs.push(dns({ ts: T0 + t + i, src: monitor, query: ptrName(`${monitored}${i}`), qtype: 'PTR' }));
  return recs;
}

describe('reverse-dns-sweep', () => {
  test('ptrToIpv4', () => {
    assert.equal(ptrToIpv4('2.0.5.10.in-addr.arpa'), '10.5.0.2');
    assert.equal(ptrToIpv4('13.0.5.10.IN-ADDR.ARPA.'), '10.5.0.13');
    assert.equal(ptrToIpv4('5.10.in-addr.arpa'), undefined);
    assert.equal(ptrToIpv4('x.0.5.10.in-addr.arpa'), undefined);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    test(`fires on a PTR sweep of a server subnet, not on the monitoring server (seed ${seed})`, () => {
      const r = rng(seed);
      const servers = randomPrefix(r);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const recs = background(r, '10.3.3.3', servers);
      const n = 25 + Math.floor(r() * 229);
      const start = T0 + 2 * DAY + r() * 3600;
      const first = 1 + Math.floor(r() * (255 - n));
      const sweep = Array.from({ length: n }, (_, i) =>
        dns({
          ts: start + i * ((r() * 120) / n),
          src: attacker,
          query: ptrName(`${servers}${first + i}`),
          qtype: 'PTR',
          rcode: r() < 0.6 ? 'NXDOMAIN' : 'NOERROR',
        }),
      );
      recs.push(...sweep);
      const ds = runDetectors([createReverseDnsSweep], recs);
      assert.equal(ds.length, 1, ds.map((d) => d.summary).join('\n'));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.deepEqual(d.targets, [`${servers}0/24`]);
      assert.ok(d.threat >= 25 && d.threat < 50);
      const uids = new Set(sweep.map((x) => x.uid));
      assert.ok(d.evidence.every((e) => e.log === 'dns' && uids.has(e.uid)));
      assert.ok(d.evidence.some((e) => e.uid === sweep[0]!.uid));
    });
  }

  test('benign: scattered lookups, a slow trickle, a routine role and the learning day stay quiet', () => {
    const r = rng(20);
    const recs = background(r, '10.3.3.3', '10.5.0.');
    // A SIEM console resolving 60 addresses from all over the network.
    for (let i = 0; i < 60; i++)
      recs.push(
        dns({
          ts: T0 + 2 * DAY + i,
          src: '10.1.1.77',
          query: ptrName(`10.${20 + i}.${i}.${1 + i}`),
          qtype: 'PTR',
        }),
      );
    // A sweep slower than the window: one address a minute.
    for (let i = 1; i <= 60; i++)
      recs.push(
        dns({
          ts: T0 + 2 * DAY + 5_000 + i * 60,
          src: '10.1.1.78',
          query: ptrName(`10.6.0.${i}`),
          qtype: 'PTR',
        }),
      );
    // A declared monitoring host sweeping after learning.
    for (let i = 1; i <= 100; i++)
      recs.push(
        dns({ ts: T0 + 2 * DAY + 9_000 + i, src: '10.3.3.4', query: ptrName(`10.7.0.${i}`), qtype: 'PTR' }),
      );
    // A sweep on the first day (learning): remembered as routine, not reported.
    for (let i = 1; i <= 100; i++)
      recs.push(dns({ ts: T0 + 600 + i, src: '10.1.1.79', query: ptrName(`10.8.0.${i}`), qtype: 'PTR' }));
    const view = new IpHostView(new Map([['10.3.3.4', new Set(['monitoring'])]]));
    assert.deepEqual(runDetectors([createReverseDnsSweep], recs, view), []);
  });
});
