import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import {
  http,
  perimeterHosts,
  randomPublicIp,
  runDetectors,
  TestHostView,
} from '../test-support/perimeter.js';
import { byTs, conn } from '../test-support/records.js';
import { createExternalServiceProbe } from './external-service-probe.js';

const T0 = 1_623_139_200;

describe('external-service-probe', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a subnet probing VPN, FTP, webmail and more (seed ${seed})`, () => {
      const r = rng(seed);
      const attacker = randomPublicIp(r);
      const sub = attacker.split('.').slice(0, 3).join('.');
      const targets = perimeterHosts(r, 1 + Math.floor(r() * 3));
      const services: [number, 'tcp' | 'udp'][] = [
        [500, 'udp'],
        [4500, 'udp'],
        [21, 'tcp'],
        [3389, 'tcp'],
        [22, 'tcp'],
        [4433, 'tcp'],
      ];
      const recs: ZeekRecord[] = [];
      const n = 3 + Math.floor(r() * 4);
      let ts = T0 + r() * 3600;
      for (let i = 0; i < n; i++) {
        const [port, proto] = services[i % services.length]!;
        for (let k = 0; k < 1 + Math.floor(r() * 5); k++) {
          ts += 5 + r() * 200;
          recs.push(
            conn({
              ts,
              src: `${sub}.${1 + Math.floor(r() * 250)}`,
              dst: targets[Math.floor(r() * targets.length)]!,
              port,
              proto,
              state: r() < 0.8 ? 'S0' : 'REJ',
            }),
          );
        }
      }
      // Webmail through the web front end: the OWA login path, fails.
      recs.push(
        http({
          ts: ts + 30,
          src: attacker,
          dst: targets[0]!,
          port: 443,
          uri: '/owa/auth/logon.aspx',
          status: 401,
        }),
      );
      const view = new TestHostView({
        geo: new Map([[attacker, { country: 'RU', asn: 12345, org: 'Hosting' }]]),
      });
      const ds = runDetectors([createExternalServiceProbe], recs, view);
      assert.equal(ds.length, 1, 'one detection per source that grows');
      const d = ds[0]!;
      assert.equal(d.type, 'external-service-probe');
      assert.equal(d.host, `${sub}.0/24`);
      assert.ok(d.threat < 50, 'perimeter probing alone is not High');
      assert.ok(d.certainty >= 50);
      const uids = new Set(recs.map((x) => x.uid));
      assert.ok(d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(
        d.evidence.some((e) => e.log === 'http'),
        'webmail probe is evidence',
      );
      assert.ok(d.drivers.some((x) => x.name === 'source country' && x.value === 'RU'));
      assert.match(d.summary, /RU AS12345/);
    });
  }

  test('fires on slow probing over a day: a few TLS handshakes, failed FTP logins, a VPN port refused', () => {
    const r = rng(21);
    const sub = randomPublicIp(r).split('.').slice(0, 3).join('.');
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 12; i++) {
      const ts = T0 + i * 7_000 + r() * 3_000;
      const src = `${sub}.${10 + Math.floor(r() * 4)}`;
      const kind = i % 3;
      if (kind === 0) {
        const c = conn({ ts, src, dst: '10.0.1.5', port: 443, state: 'SF' });
        c.orig_bytes = 900;
        c.resp_bytes = 4_800; // a TLS handshake with its certificate chain
        recs.push(c, conn({ ts: ts + 2, src, dst: '10.0.1.5', port: 4433, state: 'REJ' }));
      } else if (kind === 1) recs.push(conn({ ts, src, dst: '10.0.1.6', port: 21, state: 'SF' }));
      else recs.push(http({ ts, src, dst: '10.0.1.7', port: 443, uri: '/ecp/', status: 301 }));
    }
    const ds = runDetectors([createExternalServiceProbe], recs);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, `${sub}.0/24`);
  });

  test('a public perimeter range missing from config counts as ours when Zeek marks it local', () => {
    const recs: ZeekRecord[] = [];
    const mark = (c: ZeekRecord): ZeekRecord => Object.assign(c, { local_orig: false, local_resp: true });
    recs.push(mark(conn({ ts: T0, src: '95.1.1.7', dst: '198.51.100.10', port: 500, proto: 'udp' })));
    recs.push(mark(conn({ ts: T0 + 60, src: '95.1.1.7', dst: '198.51.100.11', port: 21, state: 'REJ' })));
    recs.push(mark(conn({ ts: T0 + 90, src: '95.1.1.8', dst: '198.51.100.12', port: 3389 })));
    const ds = runDetectors([createExternalServiceProbe], recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.targets, ['198.51.100.10', '198.51.100.11', '198.51.100.12']);
    // Unmarked, the same public addresses are just the internet talking to itself.
    for (const r of recs) r.local_resp = false;
    assert.deepEqual(runDetectors([createExternalServiceProbe], recs), []);
  });

  test('benign: a remote employee uses VPN, webmail and FTP with real sessions', () => {
    const recs: ZeekRecord[] = [];
    const me = '81.2.69.160';
    for (let i = 0; i < 10; i++) {
      recs.push(conn({ ts: T0 + i * 300, src: me, dst: '10.0.1.5', port: 4500, proto: 'udp', state: 'SF' }));
      recs.push(conn({ ts: T0 + i * 300 + 10, src: me, dst: '10.0.1.6', port: 21, state: 'SF' }));
      recs.push(
        http({ ts: T0 + i * 300 + 20, src: me, dst: '10.0.1.7', port: 443, uri: '/owa/', status: 200 }),
      );
    }
    // Big sessions: conn() gives SF sessions 1.5 kB; make them real transfers.
    for (const rec of recs) if (rec._path === 'conn') rec.resp_bytes = 200_000;
    assert.deepEqual(runDetectors([createExternalServiceProbe], recs), []);
  });

  test('benign: website visitors (HTTP and HTTPS, many addresses of one /24) stay quiet', () => {
    const r = rng(9);
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 300; i++) {
      const src = `93.184.216.${1 + Math.floor(r() * 250)}`;
      recs.push(conn({ ts: T0 + i * 7, src, dst: '10.0.1.10', port: r() < 0.5 ? 80 : 443, state: 'S0' }));
      recs.push(http({ ts: T0 + i * 7 + 1, src, dst: '10.0.1.10', uri: `/products/${i}`, status: 200 }));
    }
    assert.deepEqual(runDetectors([createExternalServiceProbe], recs), []);
  });

  test('stays quiet when services are spread wider than the window; minServices from config', () => {
    const recs: ZeekRecord[] = [];
    const src = '203.0.113.7';
    recs.push(conn({ ts: T0, src, dst: '10.0.1.5', port: 500, proto: 'udp' }));
    recs.push(conn({ ts: T0 + 50_000, src, dst: '10.0.1.5', port: 21 }));
    recs.push(conn({ ts: T0 + 100_000, src, dst: '10.0.1.5', port: 3389 }));
    assert.deepEqual(runDetectors([createExternalServiceProbe], byTs(recs)), []);
    const cfg = { detectors: { 'external-service-probe': { windowSeconds: 200_000 } } };
    assert.equal(runDetectors([createExternalServiceProbe], byTs(recs), undefined, cfg).length, 1);
  });
});
