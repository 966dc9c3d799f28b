import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dns, runDetectors } from '../test-support/perimeter.js';
import { randomPrefix } from '../test-support/records.js';
import { SUSPECT_DOMAINS } from './perimeter-lists.js';
import { createSuspectDomainActivity } from './suspect-domain-activity.js';

const T0 = 1_623_024_000;
const DAY = 86_400;
const POPULAR = [
  'google.com',
  'microsoft.com',
  'office365.com',
  'windowsupdate.com',
  'akamaiedge.net',
  'cloudfront.net',
  'github.com',
  'example.co.jp',
  'news.example.jp',
  'shop.example.de',
];

function word(r: () => number, n: number): string {
  return Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)]).join('');
}

/** Two days of 40 clients resolving popular names (incl. a home ccTLD) and local names. */
function background(r: () => number, lan: string): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  for (let i = 0; i < 4_000; i++) {
    const src = `${lan}${10 + Math.floor(r() * 40)}`;
    const q =
      r() < 0.2
        ? `host${Math.floor(r() * 50)}.corp.local`
        : `${word(r, 3)}.${POPULAR[Math.floor(r() * POPULAR.length)]}`;
    recs.push(dns({ ts: T0 + r() * 2 * DAY, src, query: q }));
  }
  return recs;
}

const listOf = (cat: string) =>
  SUSPECT_DOMAINS.filter((e) => e.endsWith(`=${cat}`)).map((e) => e.split('=')[0]!);

describe('suspect-domain-activity', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`fires on tool/forum domains and unusual ccTLDs from one host (seed ${seed})`, () => {
      const r = rng(seed);
      const lan = randomPrefix(r);
      const recs = background(r, lan);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + r() * 3600;
      const tools = listOf('tool');
      const forums = listOf('forum');
      const cc = ['ru', 'cn', 'kp', 'ir', 'by'][Math.floor(r() * 5)]!;
      const names = [
        `${r() < 0.5 ? 'www.' : ''}${tools[Math.floor(r() * tools.length)]}`,
        forums[Math.floor(r() * forums.length)]!,
        ...Array.from({ length: 2 + Math.floor(r() * 4) }, (_, i) => `${word(r, 2 + i)}${i}.${cc}`),
      ];
      const attack = names.map((q, i) => dns({ ts: start + i * r() * 30, src: attacker, query: q }));
      recs.push(...attack);
      const ds = runDetectors([createSuspectDomainActivity], recs);
      assert.equal(ds.length, 1, ds.map((d) => d.summary).join('\n'));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      const cats = String(d.drivers.find((x) => x.name === 'categories')?.value);
      assert.ok(cats.includes('tool') && cats.includes('forum') && cats.includes('rare-cctld'), cats);
      assert.ok(d.threat >= 35 && d.threat < 50, `threat ${d.threat}`);
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length === attack.length && d.evidence.every((e) => uids.has(e.uid)));
    });
  }

  test('a rare domain carrying an offensive word is suspect without being listed', () => {
    const r = rng(40);
    const recs = background(r, '10.1.1.');
    const q = dns({
      ts: T0 + 2 * DAY + 5,
      src: '10.1.1.33',
      query: `dl.${word(r, 5)}-eternalblue-${word(r, 4)}.net`,
    });
    recs.push(q);
    const ds = runDetectors([createSuspectDomainActivity], recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(
      ds[0]!.evidence.map((e) => e.uid),
      [q.uid],
    );
    assert.match(ds[0]!.summary, /keyword/);
  });

  for (const seed of [6, 7]) {
    test(`fires on an NXDOMAIN burst of random domains (seed ${seed})`, () => {
      const r = rng(seed);
      const recs = background(r, '10.1.1.');
      const bot = '10.1.2.99';
      const n = 20 + Math.floor(r() * 100);
      for (let i = 0; i < n; i++)
        recs.push(
          dns({
            ts: T0 + 2 * DAY + i * (200 / n),
            src: bot,
            query: `${word(r, 10 + Math.floor(r() * 8))}.${['com', 'net', 'org', 'info'][i % 4]}`,
            rcode: 'NXDOMAIN',
          }),
        );
      const ds = runDetectors([createSuspectDomainActivity], recs);
      assert.equal(ds.length, 1);
      assert.equal(ds[0]!.host, bot);
      assert.ok(String(ds[0]!.drivers[0]!.value).includes('nx-burst'));
    });
  }

  test('benign: CDN-heavy browsing, one foreign site with its subdomains, typos, common .ru, analysts, learning', () => {
    const r = rng(30);
    const recs = background(r, '10.1.1.');
    const day2 = T0 + 2 * DAY;
    // A browser on a CDN-heavy site: 300 distinct rare .com/.net names.
    for (let i = 0; i < 300; i++)
      recs.push(
        dns({
          ts: day2 + i,
          src: '10.1.1.20',
          query: `${word(r, 8)}.${word(r, 6)}-cdn.${i % 2 ? 'com' : 'net'}`,
        }),
      );
    // One foreign site with its subdomains (one registered domain under a ccTLD nobody uses).
    recs.push(dns({ ts: day2 + 400, src: '10.1.1.21', query: 'www.lenta.ru' }));
    recs.push(dns({ ts: day2 + 401, src: '10.1.1.21', query: 'icdn.lenta.ru' }));
    recs.push(dns({ ts: day2 + 402, src: '10.1.1.21', query: 'static.lenta.ru' }));
    // Typos and search-suffix misses.
    for (let i = 0; i < 5; i++)
      recs.push(dns({ ts: day2 + 500 + i, src: '10.1.1.22', query: `gooogle${i}.com`, rcode: 'NXDOMAIN' }));
    for (let i = 0; i < 50; i++)
      recs.push(
        dns({
          ts: day2 + 600 + i,
          src: '10.1.1.23',
          query: `www.site${i}.com.corp.local`,
          rcode: 'NXDOMAIN',
        }),
      );
    // Four analysts read exploit-db every day: it is normal here, also for a fifth.
    for (let d = 0; d < 3; d++)
      for (let a = 0; a < 5; a++)
        recs.push(
          dns({ ts: T0 + d * DAY + a * 60 + 3600, src: `10.1.5.${a + 1}`, query: 'www.exploit-db.com' }),
        );
    // Suspect lookups on the first (learning) day: ccTLDs are not judged yet.
    for (const q of ['a.ru', 'b.ru', 'c.ru', 'd.ru'])
      recs.push(dns({ ts: T0 + 100, src: '10.1.1.24', query: q }));
    assert.deepEqual(runDetectors([createSuspectDomainActivity], recs), []);
  });

  test('benign: a network that uses .ru does not find .ru unusual', () => {
    const r = rng(31);
    const recs = background(r, '10.1.1.');
    for (let h = 0; h < 10; h++)
      recs.push(dns({ ts: T0 + h * 3600, src: `10.1.3.${h + 1}`, query: `portal${h}.ru` }));
    for (const q of ['yandex.ru', 'ok.ru', 'mail.ru', 'vk.ru'])
      recs.push(dns({ ts: T0 + 2 * DAY + 10, src: '10.1.1.30', query: q }));
    assert.deepEqual(runDetectors([createSuspectDomainActivity], recs), []);
  });
});
