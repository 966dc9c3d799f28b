import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { byTs, conn, randomPrefix } from '../test-support/records.js';
import { createDarknetScan } from './darknet-scan.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { createPortScan } from './port-scan.js';
import { createPortSweep } from './port-sweep.js';
import type { Detection, DetectorFactory } from './types.js';

function run(
  factories: DetectorFactory[],
  recs: ZeekRecord[],
  view = new IpHostView(),
  cfg: EngineConfig = {},
): Detection[] {
  const engine = new DetectionEngine(factories, view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

const T0 = 1_623_488_460; // any epoch; the detectors only use differences

describe('port-sweep', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`fires on a sweep of one port across a random subnet (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const port = [445, 135, 3389, 22][Math.floor(r() * 4)]!;
      const n = 30 + Math.floor(r() * 200);
      const recs: ZeekRecord[] = [];
      for (let i = 0; i < n; i++) {
        recs.push(
          conn({
            ts: T0 + i * (200 / n),
            src: attacker,
            dst: `${net}${(i % 254) + 1}`,
            port,
            state: r() < 0.7 ? 'S0' : 'REJ',
          }),
        );
      }
      const ds = run([createPortSweep], recs);
      assert.equal(ds.length, 1, 'one detection that grows, not one per record');
      const d = ds[0]!;
      assert.equal(d.type, 'port-sweep');
      assert.equal(d.host, attacker);
      assert.ok(d.targetCount >= 25);
      assert.ok(d.evidence.length > 0 && d.evidence.every((e) => e.log === 'conn' && e.uid.startsWith('C')));
      const uids = new Set(recs.map((x) => x.uid));
      assert.ok(
        d.evidence.every((e) => uids.has(e.uid)),
        'evidence points at the exact records',
      );
      assert.ok(d.threat < 50, 'a sweep alone is not High');
    });
  }

  test('stays quiet below the threshold and when the sweep is slower than the window', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 24; i++)
      recs.push(conn({ ts: T0 + i, src: '10.1.1.5', dst: `10.2.0.${i + 1}`, port: 445 }));
    // 60 targets but one every 20 s: never 25 inside 5 minutes.
    for (let i = 0; i < 60; i++)
      recs.push(conn({ ts: T0 + 10_000 + i * 20, src: '10.1.1.6', dst: `10.3.0.${i + 1}`, port: 445 }));
    assert.deepEqual(run([createPortSweep], recs), []);
  });

  test('benign: a monitoring server polling many hosts on one port every cycle stays quiet', () => {
    const recs: ZeekRecord[] = [];
    for (let cycle = 0; cycle < 12; cycle++) {
      for (let i = 1; i <= 200; i++) {
        // Most answer; a handful are down in every cycle (the same ones, so not new targets).
        const down = i % 40 === 0;
        recs.push(
          conn({
            ts: T0 + cycle * 300 + i * 0.5,
            src: '10.9.9.9',
            dst: `10.20.0.${i}`,
            port: 161,
            proto: 'udp',
            state: down ? 'S0' : 'SF',
          }),
        );
      }
    }
    assert.deepEqual(run([createPortSweep], recs), []);
  });

  test('benign: a declared scanner is triaged by role', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 1; i <= 100; i++)
      recs.push(conn({ ts: T0 + i, src: '10.0.0.77', dst: `10.30.0.${i}`, port: 445 }));
    const view = new IpHostView(new Map([['10.0.0.77', new Set(['scanner'])]]));
    const engine = new DetectionEngine([createPortSweep], view);
    engine.process(recs);
    assert.equal(engine.store.detections.length, 0);
    assert.ok((engine.triaged.get('port-sweep') ?? 0) > 0, 'triage is counted, not silent');
  });

  test('benign: a busy file server and DNS server (many clients connect to them) stay quiet', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 1; i <= 250; i++) {
      recs.push(
        conn({
          ts: T0 + i,
          src: `10.40.${Math.floor(i / 200)}.${(i % 200) + 1}`,
          dst: '10.5.0.65',
          port: 445,
          state: 'SF',
        }),
      );
      recs.push(
        conn({
          ts: T0 + i + 0.5,
          src: `10.40.${Math.floor(i / 200)}.${(i % 200) + 1}`,
          dst: '10.5.0.10',
          port: 53,
          proto: 'udp',
          state: 'SF',
        }),
      );
    }
    assert.deepEqual(run([createPortSweep, createPortScan, createDarknetScan], recs), []);
  });

  test('thresholds come from config', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 12; i++)
      recs.push(conn({ ts: T0 + i, src: '10.1.1.5', dst: `10.2.0.${i + 1}`, port: 445 }));
    assert.equal(
      run([createPortSweep], recs, undefined, { detectors: { 'port-sweep': { minTargets: 10 } } }).length,
      1,
    );
    assert.throws(
      () =>
        new DetectionEngine([createPortSweep], new IpHostView(), {
          detectors: { 'port-sweep': { minTargets: 'x' } },
        }),
      /detectors\.port-sweep\.minTargets: expected a non-negative number/,
    );
    assert.throws(
      () =>
        new DetectionEngine([createPortSweep], new IpHostView(), {
          detectors: { 'port-sweep': { minTarget: 3 } },
        }),
      /detectors\.port-sweep\.minTarget: unknown threshold/,
    );
  });
});

describe('port-scan', () => {
  for (const seed of [11, 12, 13]) {
    test(`fires on many failed ports on one host (seed ${seed})`, () => {
      const r = rng(seed);
      const src = `${randomPrefix(r)}${1 + Math.floor(r() * 250)}`;
      const dst = `${randomPrefix(r)}${1 + Math.floor(r() * 250)}`;
      const n = 16 + Math.floor(r() * 500);
      const recs: ZeekRecord[] = [];
      for (let i = 0; i < n; i++)
        recs.push(conn({ ts: T0 + i * 0.1, src, dst, port: 1 + Math.floor(r() * 65000), state: 'REJ' }));
      const ds = run([createPortScan], recs);
      assert.equal(ds.length, 1);
      assert.equal(ds[0]!.key, '');
      assert.deepEqual(ds[0]!.targets, [dst]);
    });
  }

  test('a host scanning many servers port by port is one detection that lists them, not one per server', () => {
    const recs: ZeekRecord[] = [];
    for (let h = 1; h <= 30; h++)
      for (let p = 0; p < 20; p++)
        recs.push(
          conn({ ts: T0 + h * 30 + p, src: '10.1.9.9', dst: `10.2.9.${h}`, port: 1000 + p, state: 'REJ' }),
        );
    const ds = run([createPortScan], recs);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.targetCount, 30);
  });

  test('benign: a client using many services of one server successfully stays quiet', () => {
    const recs: ZeekRecord[] = [];
    const ports = [
      53, 88, 135, 139, 389, 445, 464, 636, 3268, 3269, 49152, 49153, 49154, 49155, 49156, 49157, 9389, 5985,
    ];
    for (let k = 0; k < 5; k++)
      for (const p of ports)
        recs.push(
          conn({ ts: T0 + k * 60 + p / 1e5, src: '10.1.2.3', dst: '10.5.0.1', port: p, state: 'SF' }),
        );
    assert.deepEqual(run([createPortScan], recs), []);
  });
});

describe('darknet-scan', () => {
  test('fires on contacts to addresses never seen alive, after the warm-up', () => {
    const recs: ZeekRecord[] = [];
    // Two hours of normal life: 20 live hosts talk.
    for (let t = 0; t < 7200; t += 60)
      for (let h = 1; h <= 20; h++)
        recs.push(conn({ ts: T0 + t + h, src: `10.7.0.${h}`, dst: '10.7.1.1', port: 443, state: 'SF' }));
    // Then one of them probes 15 addresses that never showed life.
    for (let i = 0; i < 15; i++)
      recs.push(
        conn({ ts: T0 + 7300 + i * 60, src: '10.7.0.3', dst: `10.7.9.${100 + i}`, port: 445, state: 'S0' }),
      );
    const ds = run([createDarknetScan], recs);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, '10.7.0.3');
    assert.ok(ds[0]!.targets.every((t) => t.startsWith('10.7.9.')));
  });

  test('benign: unanswered contacts to hosts that are alive (talk to others) do not count', () => {
    const recs: ZeekRecord[] = [];
    for (let t = 0; t < 7200; t += 60)
      for (let h = 1; h <= 30; h++)
        recs.push(
          conn({ ts: T0 + t + h / 100, src: `10.8.0.${h}`, dst: '10.8.1.1', port: 443, state: 'SF' }),
        );
    // 10.8.0.99 is blocked by host firewalls of the 30 live hosts: no answer, but they are alive.
    for (let h = 1; h <= 30; h++)
      recs.push(conn({ ts: T0 + 7300 + h, src: '10.8.0.99', dst: `10.8.0.${h}`, port: 3389, state: 'S0' }));
    assert.deepEqual(run([createDarknetScan], recs), []);
  });

  test('stays quiet during warm-up (everything is unknown at the start)', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 50; i++)
      recs.push(conn({ ts: T0 + i, src: '10.8.0.5', dst: `10.8.3.${i + 1}`, port: 445 }));
    assert.deepEqual(run([createDarknetScan], recs), []);
  });
});

test('port-sweep: a connect() scan that resets live targets (RSTO, no payload) is a sweep too', () => {
  const recs: ZeekRecord[] = [];
  for (let i = 0; i < 57; i++) {
    for (const port of [135, 445, 3389]) {
      const r = conn({
        ts: T0 + i + port / 1e4,
        src: '10.9.0.70',
        dst: `10.9.3.${i + 1}`,
        port,
        state: 'RSTO',
      });
      recs.push({ ...r, orig_bytes: 0, resp_bytes: 0 });
    }
  }
  const ds = run([createPortSweep], recs);
  assert.equal(ds.length, 1);
  assert.equal(ds[0]!.host, '10.9.0.70');
});

test('port-sweep benign: clients that exchange data with many servers (handshake plus payload) stay quiet', () => {
  const recs: ZeekRecord[] = [];
  for (let i = 0; i < 80; i++)
    recs.push({
      ...conn({ ts: T0 + i, src: '10.9.0.5', dst: `10.9.4.${i + 1}`, port: 443, state: 'RSTO' }),
      orig_bytes: 517,
      resp_bytes: 4200,
    });
  assert.deepEqual(run([createPortSweep], recs), []);
});
