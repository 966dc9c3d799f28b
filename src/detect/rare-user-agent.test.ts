import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { http, perimeterHosts, randomPublicIp, runDetectors } from '../test-support/perimeter.js';
import { randomPrefix } from '../test-support/records.js';
import { createRareUserAgent } from './rare-user-agent.js';

const T0 = 1_622_707_260;
const DAY = 86_400;

const POPULAR = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:89.0) Gecko/20100101 Firefox/89.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Safari/605.1.15',
  'Microsoft-CryptoAPI/10.0',
];

/** A week of ordinary web traffic: employees browsing out, visitors browsing in. */
function background(r: () => number, server: string, days = 8): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  const lan = randomPrefix(r);
  const visitors = Array.from({ length: 30 }, () => randomPublicIp(r));
  for (let d = 0; d < days; d++)
    for (let i = 0; i < 120; i++) {
      const ua = POPULAR[Math.floor(r() * POPULAR.length)]!;
      const ts = T0 + d * DAY + r() * DAY;
      if (r() < 0.5)
        recs.push(
          http({ ts, src: `${lan}${10 + Math.floor(r() * 40)}`, dst: randomPublicIp(r), uri: '/', ua }),
        );
      else
        recs.push(
          http({ ts, src: visitors[Math.floor(r() * visitors.length)]!, dst: server, uri: `/p/${i}`, ua }),
        );
    }
  return recs;
}

function customUa(r: () => number): string {
  return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${50 + Math.floor(r() * 30)}.0.${1000 + Math.floor(r() * 3000)}.${Math.floor(r() * 200)} Safari/537.36`;
}

describe('rare-user-agent', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`links an external sighting to a later probing with the same rare UA (seed ${seed})`, () => {
      const r = rng(seed);
      const [server] = perimeterHosts(r, 1);
      const ua = customUa(r);
      const recs = background(r, server!);
      const first = http({
        ts: T0 + r() * 3600,
        src: randomPublicIp(r),
        dst: server!,
        uri: '/',
        ua,
        status: 200,
      });
      const probeSrc = randomPublicIp(r);
      const later = T0 + (2 + Math.floor(r() * 5)) * DAY + r() * DAY;
      const probes = Array.from({ length: 3 + Math.floor(r() * 10) }, (_, i) =>
        http({
          ts: later + i * r() * 20,
          src: probeSrc,
          dst: server!,
          method: r() < 0.5 ? 'POST' : 'GET',
          uri: `/cgi-bin/${i}`,
          ua,
          status: 404,
        }),
      );
      recs.push(first, ...probes);
      const ds = runDetectors([createRareUserAgent], recs);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.summary)));
      const d = ds[0]!;
      assert.equal(d.host, probeSrc);
      assert.equal(d.key, ua);
      assert.ok(
        d.evidence.some((e) => e.uid === first.uid),
        'the first sighting is linked',
      );
      assert.ok(d.evidence.some((e) => e.uid === probes[0]!.uid));
      const uids = new Set([first, ...probes].map((x) => x.uid));
      assert.ok(d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(d.threat < 50);
    });
  }

  test('fires when the same source returns briefly with one exploit request', () => {
    const r = rng(17);
    const server = '10.1.0.80';
    const ua = customUa(r);
    const src = randomPublicIp(r);
    const recs = background(r, server);
    const first = [
      http({ ts: T0 + 500, src, dst: server, uri: '/', ua }),
      http({ ts: T0 + 501, src, dst: server, uri: '/favicon.ico', ua, status: 404 }),
    ];
    const back = [
      http({ ts: T0 + 6 * DAY, src, dst: server, uri: '/', ua }),
      http({
        ts: T0 + 6 * DAY + 1,
        src,
        dst: server,
        method: 'POST',
        uri: '/cgi-bin/.%2e/.%2e/bin/sh',
        ua,
        status: 400,
      }),
    ];
    recs.push(...first, ...back);
    const ds = runDetectors([createRareUserAgent], recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(
      ds[0]!.evidence.map((e) => e.uid),
      [...first, ...back].map((x) => x.uid),
    );
  });

  test('fires when a UA seen outside is then used by an inside host', () => {
    const r = rng(7);
    const server = '10.1.0.80';
    const ua = 'curl-ish/0.1 (x86_64-custom)';
    const recs = background(r, server);
    recs.push(http({ ts: T0 + 100, src: '185.10.10.10', dst: server, uri: '/', ua }));
    recs.push(http({ ts: T0 + 3 * DAY, src: '10.9.0.5', dst: '185.10.10.11', uri: '/update', ua }));
    const ds = runDetectors([createRareUserAgent], recs);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, '10.9.0.5');
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'seen outside and inside' && x.value === 'yes'));
    assert.ok(ds[0]!.threat >= 30 && ds[0]!.threat < 50);
  });

  test('benign: popular UAs, a returning visitor with an odd build, an internal app, and warm-up stay quiet', () => {
    const r = rng(8);
    const server = '10.1.0.80';
    const recs = background(r, server);
    // A returning visitor with a rare build who browses successfully, on three days.
    for (let d = 0; d < 3; d++)
      for (let i = 0; i < 5; i++)
        recs.push(
          http({
            ts: T0 + d * 2 * DAY + i * 30,
            src: '81.2.69.160',
            dst: server,
            uri: `/p/${i}`,
            ua: 'Mozilla/5.0 (X11; FreeBSD amd64; rv:78.0) Gecko/20100101 Firefox/78.0',
            status: i === 4 ? 404 : 200,
          }),
        );
    // An internal backup agent with its own UA, every day, failing sometimes.
    for (let d = 0; d < 8; d++)
      for (let i = 0; i < 4; i++)
        recs.push(
          http({
            ts: T0 + d * DAY + i * 10,
            src: '10.2.0.9',
            dst: '52.1.1.1',
            uri: '/api',
            ua: 'AcmeBackupAgent/3.2',
            status: 503,
          }),
        );
    // A new browser build rolls out: a visitor and an employee first, everyone within a day.
    const build = POPULAR[0]!.replace('91.0.4472.124', '92.0.4515.107');
    for (let i = 0; i < 15; i++) {
      const ts = T0 + 3 * DAY + i * 3_000;
      recs.push(
        http({
          ts,
          src: i % 2 ? `10.3.0.${i}` : `185.2.3.${i}`,
          dst: i % 2 ? '52.1.1.1' : server,
          uri: '/',
          ua: build,
        }),
      );
    }
    assert.deepEqual(runDetectors([createRareUserAgent], recs), []);
    // Warm-up: with too few sources seen, nothing is rare yet.
    const early = [
      http({ ts: T0, src: '185.1.1.1', dst: server, uri: '/', ua: 'X/1' }),
      ...[1, 2, 3].map((i) =>
        http({ ts: T0 + DAY + i, src: '185.1.1.2', dst: server, uri: `/${i}`, ua: 'X/1', status: 404 }),
      ),
    ];
    assert.deepEqual(runDetectors([createRareUserAgent], early), []);
  });
});
