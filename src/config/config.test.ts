import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from './load.js';
import { ipv4RangeToCidrs, NetworkModel, parseIPv4 } from './network-model.js';
import { defaultConfig } from './schema.js';

test('no file: every default, newcomer-safe', () => {
  const c = loadConfig();
  assert.equal(c.identity.sessionIdleSeconds, 7200);
  assert.deepEqual(c.network.internalRanges, [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '100.64.0.0/10',
    'fc00::/7',
  ]);
  assert.equal(c.network.businessHours.timeZone, 'auto');
  assert.deepEqual(c.intel.files, []);
});

test('a YAML file overrides only what it names', () => {
  const c = parseConfig(
    [
      'network:',
      '  subnets:',
      '    servers: [10.5.0.0/16]',
      '    vpn-pool: [10.9.0.0/24]',
      '  vpnPools: [10.9.0.0/24]',
      '  businessHours: { timeZone: Asia/Tokyo, startHour: 9 }',
      'identity:',
      '  sessionIdleSeconds: 3600',
      '  hostOverrides: { 10.5.0.10: DC1, "aa:bb:cc:dd:ee:ff": LAPTOP7 }',
    ].join('\n'),
    'vigil.yaml',
  );
  assert.equal(c.identity.sessionIdleSeconds, 3600);
  assert.equal(c.identity.maxHosts, 200_000);
  assert.equal(c.network.businessHours.timeZone, 'Asia/Tokyo');
  assert.equal(c.network.businessHours.endHour, 18);
  assert.equal(c.identity.hostOverrides['10.5.0.10'], 'DC1');
  assert.equal(c.network.internalRanges.length, 5);
});

test('JSON config is read too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cfg-'));
  const f = join(dir, 'vigil.json');
  writeFileSync(f, JSON.stringify({ network: { scanners: ['10.1.1.5'] } }));
  assert.deepEqual(loadConfig(f).network.scanners, ['10.1.1.5']);
});

function problems(text: string): string[] {
  try {
    parseConfig(text, 'vigil.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return [...err.problems];
  }
  assert.fail('expected a ConfigError');
}

test('errors name the file, line, key path and bad value', () => {
  const p = problems(
    [
      'network:',
      '  subnets:',
      '    servers:',
      '      - 10.5.0.0/16',
      '      - 10.5.0.0/33',
      '  businessHours:',
      '    timeZone: Mars/Olympus',
      'identity:',
      '  sessionIdleSeconds: -5',
      '  sesionIdleSeconds: 10',
    ].join('\n'),
  );
  assert.equal(p.length, 4, p.join('\n'));
  assert.ok(
    p.some((m) =>
      m.startsWith(
        'vigil.yaml:5:9: network.subnets.servers[1]: "10.5.0.0/33" is not an IP address, CIDR range',
      ),
    ),
    p.join('\n'),
  );
  assert.ok(p.some((m) => m.startsWith('vigil.yaml:7:15: network.businessHours.timeZone: "Mars/Olympus"')));
  assert.ok(p.some((m) => m.startsWith('vigil.yaml:9:23: identity.sessionIdleSeconds: -5')));
  assert.ok(p.some((m) => m.startsWith('vigil.yaml:10:3: identity.sesionIdleSeconds: unknown key')));
});

test('type errors, enum errors and YAML syntax errors are located', () => {
  const p = problems('identity:\n  roleOverrides:\n    10.5.0.65: [backup-sever]\n');
  assert.match(
    p[0]!,
    /^vigil\.yaml:3:17: identity\.roleOverrides\.10\.5\.0\.65\[0\]: "backup-sever" should be one of/,
  );
  const q = problems('network:\n  internalRanges: 10.0.0.0/8\n');
  assert.match(q[0]!, /^vigil\.yaml:2:19: network\.internalRanges: "10\.0\.0\.0\/8" should be array/);
  const s = problems('network: [\n');
  assert.match(s[0]!, /^vigil\.yaml:\d+:\d+: /);
  const m = problems('identity:\n  hostOverrides: { "aa:bb:cc": X }\n');
  assert.match(m[0]!, /identity\.hostOverrides\.aa:bb:cc/);
});

test('unreadable file is a ConfigError naming the file', () => {
  assert.throws(() => loadConfig('/nonexistent/vigil.yaml'), /nonexistent\/vigil\.yaml: cannot read/);
});

test('parseIPv4 accepts dotted quads only', () => {
  assert.equal(parseIPv4('10.5.0.65'), 0x0a050041);
  assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['10.5.0', '10.5.0.256', '1.2.3.4.5', 'fe80::1', '1..2.3', 'a.b.c.d', '1.2.3.'])
    assert.equal(parseIPv4(bad), -1, bad);
});

test('NetworkModel classifies internal, subnet (most specific), VPN, scanner, IPv6', () => {
  const cfg = defaultConfig();
  cfg.network.subnets = { servers: ['10.5.0.0/16'], backup: ['10.5.0.64/26'], v6lab: ['fd00:1::/32'] };
  cfg.network.vpnPools = ['10.9.0.0/24'];
  cfg.network.scanners = ['10.1.1.5'];
  const m = new NetworkModel(cfg.network);
  assert.deepEqual(m.classify('10.5.0.65'), { internal: true, subnet: 'backup', vpn: false, scanner: false });
  assert.equal(m.classify('10.5.3.28').subnet, 'servers');
  assert.equal(m.classify('10.9.0.7').vpn, true);
  assert.equal(m.classify('10.1.1.5').scanner, true);
  assert.equal(m.classify('100.64.3.3').internal, true);
  assert.equal(m.classify('172.32.0.1').internal, false);
  assert.equal(m.classify('8.8.8.8').internal, false);
  assert.equal(m.classify('fd00:1::5').subnet, 'v6lab');
  assert.equal(m.classify('fd00:1::5').internal, true);
  assert.equal(m.classify('2001:db8::1').internal, false);
  assert.equal(m.classify('::ffff:10.5.0.65').subnet, 'backup');
  assert.equal(m.classify('fe80::1').internal, false);
  assert.equal(m.classify('not-an-ip').internal, false);
  // Shared instances: no per-lookup allocation.
  assert.equal(m.classify('10.0.0.1'), m.classify('10.0.0.2'));
});

test('IPv4 ranges a-b become exact CIDR lists (VPN pools are often ranges)', () => {
  assert.deepEqual(ipv4RangeToCidrs('10.5.0.70-10.5.0.127'), [
    '10.5.0.70/31',
    '10.5.0.72/29',
    '10.5.0.80/28',
    '10.5.0.96/27',
  ]);
  assert.deepEqual(ipv4RangeToCidrs('0.0.0.0-255.255.255.255'), ['0.0.0.0/0']);
  assert.equal(ipv4RangeToCidrs('10.0.0.9-10.0.0.1'), undefined);
  const c = parseConfig('network:\n  vpnPools: [10.5.0.70-10.5.0.127]\n', 'v.yaml');
  const m = new NetworkModel(c.network);
  assert.equal(m.classify('10.5.0.69').vpn, false);
  assert.equal(m.classify('10.5.0.70').vpn, true);
  assert.equal(m.classify('10.5.0.127').vpn, true);
  assert.equal(m.classify('10.5.0.128').vpn, false);
});

test('timeZone auto: the site offset is learned from when internal hosts are active', () => {
  const m = new NetworkModel(defaultConfig().network);
  assert.equal(m.businessHours().timeZone, 'UTC', 'UTC until enough activity');
  // Flat traffic (no working day) is not a zone.
  const flat = new NetworkModel(defaultConfig().network);
  for (let i = 0; i < 5 * 24 * 60; i++) flat.noteActivity(1_622_505_600 + i * 60);
  assert.deepEqual([flat.businessHours().timeZone, flat.businessHours().learned], ['UTC', false]);
  // Two weeks of a Tokyo office: busy 08–18 JST on weekdays, a trickle at night and weekends.
  const start = Date.parse('2021-05-31T00:00:00+09:00') / 1000; // a Monday
  for (let h = 0; h < 14 * 24; h++) {
    const local = h % 24;
    const weekday = Math.floor(h / 24) % 7 < 5;
    const n = weekday && local >= 8 && local < 18 ? 40 : 2;
    for (let i = 0; i < n; i++) m.noteActivity(start + h * 3600 + i * 60);
  }
  const b = m.businessHours();
  assert.equal(b.learned, true);
  assert.equal(b.timeZone, 'Etc/GMT-9');
  assert.deepEqual(b.days, [1, 2, 3, 4, 5]);
  // The reference incident's VPN login: Saturday 2021-06-12 18:01 JST — off-hours.
  assert.equal(m.isBusinessHours(Date.parse('2021-06-12T18:01:00+09:00') / 1000), false);
  assert.equal(m.isBusinessHours(Date.parse('2021-06-10T10:00:00+09:00') / 1000), true);
  // A configured zone is never replaced.
  const cfg = defaultConfig();
  cfg.network.businessHours.timeZone = 'Europe/Berlin';
  const fixed = new NetworkModel(cfg.network);
  for (let i = 0; i < 5000; i++) fixed.noteActivity(start + i * 60);
  assert.equal(fixed.businessHours().timeZone, 'Europe/Berlin');
});

test('business hours follow the configured time zone', () => {
  const cfg = defaultConfig();
  cfg.network.businessHours = { timeZone: 'Asia/Tokyo', startHour: 8, endHour: 18, days: [1, 2, 3, 4, 5] };
  const m = new NetworkModel(cfg.network);
  // 2021-06-12 18:01 JST is a Saturday evening: off-hours (the reference incident's VPN login).
  assert.equal(m.isBusinessHours(Date.parse('2021-06-12T09:01:00Z') / 1000), false);
  // Thursday 2021-06-10 10:00 JST = 01:00 UTC: business hours.
  assert.equal(m.isBusinessHours(Date.parse('2021-06-10T01:00:00Z') / 1000), true);
  // Thursday 19:00 JST: off-hours.
  assert.equal(m.isBusinessHours(Date.parse('2021-06-10T10:00:00Z') / 1000), false);
});
