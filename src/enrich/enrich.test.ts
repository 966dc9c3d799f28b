import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../config/schema.js';
import type { ZeekRecord } from '../model/records.js';
import { DomainStats } from './domains.js';
import { Enricher } from './enricher.js';
import { GeoIp } from './geoip.js';
import { detectType, IntelStore, loadIntel, splitCsv } from './intel.js';

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-enrich-'));
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

test('GeoIP from the mmdb shipped in the npm package: country per external address, cached', () => {
  const g = new GeoIp();
  assert.equal(g.lookup('8.8.8.8').country, 'US');
  assert.equal(g.lookup('77.88.8.8').country, 'RU'); // Yandex DNS
  assert.equal(g.lookup('2a02:6b8::feed:0ff').country, 'RU'); // Yandex, IPv6
  assert.equal(g.lookup('10.5.0.65').country, undefined);
  assert.equal(g.lookup('not-an-ip').country, undefined);
  assert.equal(g.lookup('8.8.8.8'), g.lookup('8.8.8.8'), 'cached object');
  assert.match(g.countryBuilt, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(g.hasAsn, false);
  // A newer database can be pointed at; a bad one is a clear error.
  assert.throws(() => new GeoIp({ countryMmdb: '/nonexistent.mmdb' }), /cannot read country database/);
  assert.throws(() => new GeoIp({ countryMmdb: tmp('x.mmdb', 'garbage') }), /not a MaxMind DB/);
});

test('ASN from an ip-location-db style CSV (dotted or numeric IPv4), beside the country mmdb', () => {
  const f = tmp(
    'asn-ipv4.csv',
    [
      '77.88.0.0,77.88.63.255,13238,YANDEX LLC',
      '8.8.8.0,8.8.8.255,15169,"Google, LLC"',
      '1572395008,1572395263,12345,Numeric Org',
      '2a02:6b8::,2a02:6b8:ffff::,13238,YANDEX LLC',
      'garbage,row',
    ].join('\n'),
  );
  const g = new GeoIp({ asnCsv: f });
  assert.equal(g.hasAsn, true);
  assert.deepEqual(g.lookup('77.88.8.8'), { country: 'RU', asn: 13238, asOrg: 'YANDEX LLC' });
  assert.equal(g.lookup('8.8.8.8').asOrg, 'Google, LLC');
  assert.equal(g.lookup('93.184.216.1').asn, 12345); // 1572395008 = 93.184.216.0
  assert.equal(g.lookup('9.9.9.9').asn, undefined);
  assert.throws(() => new GeoIp({ asnCsv: '/nonexistent.csv' }), /cannot read ASN CSV/);
});

test('intel: plain list with detected types, subdomains, CIDR, URL, hash, user agent', () => {
  const f = tmp(
    'feed.txt',
    [
      '# comment',
      '203.0.113.7',
      '198.51.100.0/24',
      'evil.example',
      '*.bad.example',
      'http://Dl.Example.org/payload.exe',
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36',
      '10.0.0.300',
      '???',
    ].join('\n'),
  );
  const { set, loaded, problems } = loadIntel([{ path: f, source: 'test-feed', confidence: 80 }]);
  assert.equal(loaded, 7);
  assert.deepEqual(problems, [
    `${f}:9: "10.0.0.300" is not an IP address`,
    `${f}:10: cannot tell the indicator type of "???" (set \`type\` for this file)`,
  ]);
  assert.equal(set.ip('203.0.113.7')?.source, 'test-feed');
  assert.equal(set.ip('203.0.113.7')?.confidence, 80);
  assert.equal(set.ip('198.51.100.200')?.value, '198.51.100.0/24');
  assert.equal(set.ip('198.51.101.1'), undefined);
  assert.ok(set.domain('evil.example'));
  assert.ok(set.domain('a.b.Evil.Example.'));
  assert.equal(set.domain('notevil.example'), undefined);
  assert.ok(set.domain('x.bad.example'));
  assert.ok(set.url('http://dl.example.org/payload.exe'));
  assert.ok(set.hash('E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'));
  assert.ok(
    set.userAgent(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36',
    ),
  );
  assert.equal(detectType('fe80::1'), 'ip');
});

test('intel: CSV with header, per-row source/confidence, located errors', () => {
  const f = tmp(
    'iocs.csv',
    [
      'type,value,source,confidence,description',
      'domain,yandex.ru,analyst,40,"suspect, per report"',
      'ja3,72a589da586844d7f0818ce684948eea,ja3er,90,',
      'ip,10.0.0.300,x,50,',
      'color,red,x,50,',
      'domain,ok.ru,x,500,',
      ',,,,',
    ].join('\n'),
  );
  const { set, loaded, problems } = loadIntel([{ path: f }]);
  assert.equal(loaded, 2);
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.equal(problems[0], `${f}:4: "10.0.0.300" is not an IP address`);
  assert.match(problems[1]!, /:5: unknown indicator type "color"/);
  assert.match(problems[2]!, /:6: confidence "500" is not a number 0–100/);
  assert.match(problems[3]!, /:7: empty indicator value/);
  assert.equal(set.domain('mail.yandex.ru')?.description, 'suspect, per report');
  assert.equal(set.domain('yandex.ru')?.source, 'analyst');
  assert.equal(set.ja3Hash('72a589da586844d7f0818ce684948eea')?.confidence, 90);
  const bad = loadIntel([{ path: tmp('x.csv', 'a,b\n1,2\n') }]);
  assert.match(bad.problems[0]!, /x\.csv:1: header has no "value" or "indicator" column/);
  assert.deepEqual(splitCsv('a,"b,""c""",d'), ['a', 'b,"c"', 'd']);
});

test('intel: STIX 2.1 bundle, OR patterns, hashes, located errors; reload swaps the set', () => {
  const bundle = {
    type: 'bundle',
    id: 'bundle--1',
    objects: [
      { type: 'identity', id: 'identity--1', name: 'x' },
      {
        type: 'indicator',
        id: 'indicator--a',
        name: 'FiveHands C2',
        confidence: 85,
        pattern_type: 'stix',
        pattern: "[ipv4-addr:value = '45.141.84.0/24'] OR [domain-name:value = 'c2.example.net']",
      },
      {
        type: 'indicator',
        id: 'indicator--b',
        pattern_type: 'stix',
        pattern:
          "[file:hashes.'SHA-256' = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']",
      },
      { type: 'indicator', id: 'indicator--c', pattern_type: 'snort', pattern: 'alert tcp any any' },
      { type: 'indicator', id: 'indicator--d', pattern_type: 'stix', pattern: "[ipv4-addr:value = '1.2.3']" },
      { type: 'indicator', id: 'indicator--e', pattern_type: 'stix', pattern: "[process:name = 'x.exe']" },
    ],
  };
  const f = tmp('bundle.json', JSON.stringify(bundle));
  const store = new IntelStore([{ path: f, source: 'cti' }]);
  const r = store.reload();
  assert.equal(r.loaded, 3);
  assert.equal(r.problems.length, 3, r.problems.join('\n'));
  assert.match(
    r.problems[0]!,
    /bundle\.json#objects\[3\] \(indicator--c\): pattern_type "snort" is not supported/,
  );
  assert.match(r.problems[1]!, /#objects\[4\] \(indicator--d\): "1\.2\.3" is not an IP address/);
  assert.match(r.problems[2]!, /#objects\[5\] \(indicator--e\): no supported comparison/);
  assert.equal(store.set.ip('45.141.84.12')?.description, 'FiveHands C2');
  assert.equal(store.set.ip('45.141.84.12')?.confidence, 85);
  assert.ok(store.set.domain('www.c2.example.net'));
  assert.ok(store.set.hash('a'.repeat(64)));
  // Reload without restart: the file changes, the set is swapped.
  writeFileSync(f, JSON.stringify({ ...bundle, objects: [] }));
  const old = store.set;
  assert.equal(store.reload().loaded, 0);
  assert.notEqual(store.set, old);
  assert.equal(store.set.ip('45.141.84.12'), undefined);
  const notBundle = loadIntel([{ path: tmp('n.json', '{"type":"x"}') }]);
  assert.match(notBundle.problems[0]!, /not a STIX 2\.1 bundle/);
  const notJson = loadIntel([{ path: tmp('n2.json', '{') }]);
  assert.match(notJson.problems[0]!, /n2\.json: not JSON/);
});

test('domains: registered domain via the public suffix list, prevalence, first seen, bounded', () => {
  const d = new DomainStats({ maxDomains: 10, maxHostsPerDomain: 2 });
  assert.equal(d.registered('a.b.yandex.ru'), 'yandex.ru');
  assert.equal(d.registered('www.example.co.uk'), 'example.co.uk');
  assert.equal(d.registered('2.0.5.10.in-addr.arpa'), '');
  assert.equal(d.registered('wpad'), 'wpad');
  d.observe('mail.yandex.ru', 'name:A', 100);
  d.observe('yandex.ru', 'name:B', 50);
  d.observe('ok.ru', 'name:A', 200);
  d.observe('xn--e1afmkfd.xn--p1ai', 'name:A', 300);
  assert.equal(d.prevalence('www.yandex.ru'), 2);
  assert.equal(d.firstSeen('yandex.ru'), 50);
  assert.equal(d.prevalence('google.ru'), 0);
  d.observe('yandex.ru', 'name:C', 400);
  assert.equal(d.get('yandex.ru')?.hostsCapped, true);
  for (let i = 0; i < 20; i++) d.observe(`d${i}.com`, 'name:A', 1000 + i);
  assert.ok(d.size <= 10);
});

function r(path: string, ts: number, f: Record<string, unknown>): ZeekRecord {
  return { _path: path, ts, uid: 'C1', 'id.orig_p': 5, 'id.resp_p': 53, ...f } as ZeekRecord;
}

test('enricher: domain prevalence per host, intel hits carry the internal host, endpoints get geo', () => {
  const f = tmp('feed.txt', 'yandex.ru\n77.88.8.8\n');
  const cfg = defaultConfig();
  cfg.intel.files = [{ path: f, source: 'report' }];
  const e = new Enricher(cfg);
  assert.equal(e.reloadIntel().loaded, 2);
  const ts = 1_623_488_460;
  e.observe(
    r('ntlm', ts, {
      'id.orig_h': '10.9.0.5',
      'id.resp_h': '10.5.1.20',
      'id.resp_p': 445,
      hostname: 'WIN-5E3B6M3GKQO',
    }),
  );
  e.observe(r('dns', ts + 1, { 'id.orig_h': '10.9.0.5', 'id.resp_h': '10.5.0.10', query: 'mail.yandex.ru' }));
  e.observe(r('dns', ts + 2, { 'id.orig_h': '10.5.3.3', 'id.resp_h': '10.5.0.10', query: 'www.google.ru' }));
  e.observe(
    r('conn', ts + 3, { 'id.orig_h': '10.9.0.5', 'id.resp_h': '77.88.8.8', 'id.resp_p': 443, proto: 'tcp' }),
  );
  assert.equal(e.domains.prevalence('yandex.ru'), 1);
  assert.equal(e.domains.prevalence('google.ru'), 1);
  assert.equal(e.intelHits.length, 2);
  assert.deepEqual(
    e.intelHits.map((h) => [h.log, h.field, h.host, h.indicator.source]),
    [
      ['dns', 'query', 'name:WIN-5E3B6M3GKQO', 'report'],
      ['conn', 'id.resp_h', 'name:WIN-5E3B6M3GKQO', 'report'],
    ],
  );
  const ext = e.endpoint('77.88.8.8', ts);
  assert.equal(ext.internal, false);
  assert.equal(ext.geo?.country, 'RU');
  const int = e.endpoint('10.9.0.5', ts + 3);
  assert.equal(int.host?.name, 'WIN-5E3B6M3GKQO');
});
