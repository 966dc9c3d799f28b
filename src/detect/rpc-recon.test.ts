import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dceRpc, smbMapping } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { createRpcRecon } from './rpc-recon.js';
import type { Detection, HostView } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC: day boundaries matter to the baseline

function run(recs: ZeekRecord[], view: HostView = new IpHostView(), cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createRpcRecon], view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** A day of ordinary RPC: each workstation talks to its DCs, a file and a print server. */
function backgroundDay(
  r: () => number,
  day: number,
  net: string,
  servers: string[],
  out: ZeekRecord[],
): void {
  for (let w = 1; w <= 60; w++) {
    const ws = `${net}${w + 100}`;
    const n = 2 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const server = servers[Math.floor(r() * servers.length)]!;
      const ts = T0 + day * DAY + 8 * 3600 + r() * 9 * 3600;
      out.push(
        dceRpc({
          ts,
          src: ws,
          dst: server,
          endpoint: 'lsarpc',
          operation: 'LsarLookupNames4',
          pipe: '\\pipe\\lsass',
        }),
      );
      out.push(smbMapping({ ts: ts - 0.01, src: ws, dst: server, share: 'IPC$' }));
    }
  }
}

/** NetScan-like recon: IPC$ + epmapper + srvsvc on every host of a subnet, fast. */
function recon(r: () => number, start: number, attacker: string, subnet: string, n: number): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  const span = 20 + r() * 90;
  for (let i = 0; i < n; i++) {
    const dst = `${subnet}${(i % 250) + 1}`;
    const ts = start + (i * span) / n;
    const kind = Math.floor(r() * 3);
    if (kind === 0) recs.push(smbMapping({ ts, src: attacker, dst, share: 'IPC$' }));
    else if (kind === 1)
      recs.push(dceRpc({ ts, src: attacker, dst, endpoint: 'epmapper', operation: 'ept_lookup' }));
    else
      recs.push(
        dceRpc({
          ts,
          src: attacker,
          dst,
          endpoint: 'srvsvc',
          operation: 'NetrShareEnum',
          pipe: '\\PIPE\\srvsvc',
        }),
      );
  }
  return recs;
}

describe('rpc-recon', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires within the attack span on RPC to many hosts after learning (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const servers = [1, 2, 3, 4].map((i) => `${net}${i}`);
      const recs: ZeekRecord[] = [];
      for (let d = 0; d < 3; d++) backgroundDay(r, d, net, servers, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const n = 15 + Math.floor(r() * 200);
      const start = T0 + 3 * DAY + 18 * 3600 + r() * 3600;
      const attack = recon(r, start, attacker, randomPrefix(r), n);
      const ds = run([...recs, ...attack]);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.type, 'rpc-recon');
      assert.equal(d.host, attacker);
      assert.ok(d.detectedAt - start <= 120, 'fires within two minutes of the first call');
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length >= 12, `evidence ${d.evidence.length}`);
      assert.ok(
        d.evidence.every((e) => uids.has(e.uid)),
        'evidence = attack records',
      );
      assert.ok(d.threat < 50, 'recon alone stays below High');
      assert.ok(d.certainty >= 50);
      assert.ok(d.targetCount >= 12);
    });
  }

  test('during learning only blatant breadth fires, with certainty below 50', () => {
    const r = rng(9);
    const small = recon(r, T0 + 100, '10.9.9.9', '10.1.2.', 20);
    assert.deepEqual(run(small), [], '20 hosts < 2 × floor while learning');
    const big = recon(r, T0 + 100, '10.9.9.8', '10.1.3.', 120);
    const ds = run(big);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.certainty < 50);
    assert.ok(ds[0]!.drivers.some((x) => x.value === 'learning'));
  });

  test('while learning, a host that appears later (seen whole) meets the normal thresholds', () => {
    const r = rng(10);
    const recs: ZeekRecord[] = [];
    backgroundDay(r, 0, '10.20.0.', ['10.5.0.10', '10.5.0.11'], recs);
    // An established workstation (active since the start) doing 15: below the learning bar.
    recs.push(smbMapping({ ts: T0 + 60, src: '10.20.0.101', dst: '10.5.0.10', share: 'IPC$' }));
    const early = recon(r, T0 + 12 * 3600, '10.20.0.101', '10.6.0.', 15);
    // A VPN host first seen at 18:00 doing 15 within two minutes of appearing: new, so it fires.
    const late = recon(r, T0 + 18 * 3600, '10.8.0.70', '10.7.0.', 15);
    const ds = run([...recs, ...early, ...late]);
    assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
    assert.equal(ds[0]!.host, '10.8.0.70');
    assert.ok(ds[0]!.certainty < 50, 'no network normal yet: low certainty alone');
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'threshold' && x.value === 12));
  });

  test('the summary names the host when the identity layer knows it', () => {
    // The fallback view with one name: everything else as IpHostView answers it.
    const names = (h: string): readonly string[] => (h === '10.8.0.70' ? ['WIN-YF76VYWGUIM'] : []);
    const named = new Proxy(new IpHostView(), {
      get: (target, prop, receiver) => (prop === 'names' ? names : Reflect.get(target, prop, receiver)),
    }) as HostView;
    const ds = run(recon(rng(16), T0 + 100, '10.8.0.70', '10.7.0.', 40), named);
    assert.equal(ds.length, 1);
    assert.match(ds[0]!.summary, /^10\.8\.0\.70 \(WIN-YF76VYWGUIM\) made RPC calls to \d+ internal hosts/);
  });

  test('benign: DCs answering many clients stay quiet (responders are never the source)', () => {
    const r = rng(11);
    const recs: ZeekRecord[] = [];
    const dcs = ['10.5.0.10', '10.5.0.11'];
    for (let d = 0; d < 3; d++) backgroundDay(r, d, '10.20.0.', dcs, recs);
    for (let i = 0; i < 400; i++) {
      const client = `10.30.${Math.floor(i / 200)}.${(i % 200) + 1}`;
      recs.push(
        dceRpc({
          ts: T0 + 3 * DAY + i,
          src: client,
          dst: dcs[i % 2]!,
          endpoint: 'netlogon',
          operation: 'NetrLogonSamLogonWithFlags',
        }),
      );
    }
    const view = new IpHostView(new Map(dcs.map((d) => [d, new Set(['domain-controller'])])), new Set(dcs));
    assert.deepEqual(run(recs, view), []);
  });

  test('benign: an SCCM-like server reaching 150 hosts every night is learned', () => {
    const r = rng(12);
    const recs: ZeekRecord[] = [];
    const sccm = '10.5.0.50';
    for (let d = 0; d < 6; d++) {
      backgroundDay(r, d, '10.20.0.', ['10.5.0.10', '10.5.0.11'], recs);
      for (let i = 0; i < 150; i++) {
        const ts = T0 + d * DAY + 2 * 3600 + i * 4 + r() * 2;
        recs.push(
          smbMapping({ ts, src: sccm, dst: `10.40.${Math.floor(i / 100)}.${(i % 100) + 1}`, share: 'IPC$' }),
        );
      }
    }
    const ds = run(recs);
    // Day one is the learning period: at most one low-certainty detection; never again after.
    assert.ok(ds.length <= 1);
    for (const d of ds) {
      assert.ok(d.detectedAt < T0 + DAY, 'only while learning');
      assert.ok(d.certainty < 50);
    }
    // A new host doing the same after learning is not normal for the network.
    const more = recon(r, T0 + 6 * DAY + 3600, '10.20.0.250', '10.41.0.', 60);
    const after = run([...recs, ...more]).filter((d) => d.host === '10.20.0.250');
    assert.equal(after.length, 1);
  });

  test('stays quiet below the floor and when calls are spread beyond the window', () => {
    const r = rng(13);
    const recs: ZeekRecord[] = [];
    for (let d = 0; d < 2; d++) backgroundDay(r, d, '10.20.0.', ['10.5.0.10'], recs);
    const base = T0 + 2 * DAY + 3600;
    for (let i = 0; i < 11; i++)
      recs.push(smbMapping({ ts: base + i, src: '10.20.0.200', dst: `10.6.0.${i + 1}`, share: 'IPC$' }));
    // 40 hosts, one every 100 s: never 12 inside 15 minutes.
    for (let i = 0; i < 40; i++)
      recs.push(
        smbMapping({ ts: base + 5000 + i * 100, src: '10.20.0.201', dst: `10.7.0.${i + 1}`, share: 'IPC$' }),
      );
    assert.deepEqual(run(recs), []);
  });

  test('baseline survives snapshot/restore', () => {
    const r = rng(14);
    const learn: ZeekRecord[] = [];
    const sccm = '10.5.0.50';
    for (let d = 0; d < 3; d++) {
      backgroundDay(r, d, '10.20.0.', ['10.5.0.10'], learn);
      for (let i = 0; i < 80; i++)
        learn.push(
          smbMapping({ ts: T0 + d * DAY + 7200 + i, src: sccm, dst: `10.40.0.${i + 1}`, share: 'IPC$' }),
        );
    }
    const a = new DetectionEngine([createRpcRecon], new IpHostView());
    a.process(byTs(learn));
    const snap = JSON.parse(JSON.stringify(a.checkpoint())) as ReturnType<DetectionEngine['checkpoint']>;
    const tonight: ZeekRecord[] = [];
    for (let i = 0; i < 80; i++)
      tonight.push(
        smbMapping({ ts: T0 + 3 * DAY + 7200 + i, src: sccm, dst: `10.40.0.${i + 1}`, share: 'IPC$' }),
      );
    const fresh = new DetectionEngine([createRpcRecon], new IpHostView());
    fresh.process(tonight);
    assert.equal(fresh.store.detections.length, 1, 'without the baseline 80 hosts is blatant');
    const b = new DetectionEngine([createRpcRecon], new IpHostView());
    b.restore(snap);
    b.process(tonight);
    b.finish();
    const tonights = b.store.detections.filter((d) => d.lastTs >= T0 + 3 * DAY);
    assert.equal(tonights.length, 0, 'restored baseline knows the nightly job');
  });

  test('thresholds come from config', () => {
    const recs = recon(rng(15), T0 + 10, '10.1.1.5', '10.2.0.', 8);
    const cfg = { detectors: { 'rpc-recon': { minTargets: 3, learningSeconds: 0 } } };
    assert.equal(run(recs, undefined, cfg).length, 1);
    assert.throws(
      () =>
        new DetectionEngine([createRpcRecon], new IpHostView(), {
          detectors: { 'rpc-recon': { minTarget: 3 } },
        }),
      /detectors\.rpc-recon\.minTarget: unknown threshold/,
    );
  });
});
