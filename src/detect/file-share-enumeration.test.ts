import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dceRpc, smbFile, smbMapping } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { createFileShareEnumeration } from './file-share-enumeration.js';
import { IpHostView } from './ip-host-view.js';
import type { Detection, HostView } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC

function run(recs: ZeekRecord[], view: HostView = new IpHostView(), cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createFileShareEnumeration], view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** Workstations mount SYSVOL/NETLOGON on a DC, home and department shares; a few list a server. */
function background(r: () => number, days: number, net: string, out: ZeekRecord[]): void {
  const dcs = [`${net}10`, `${net}11`];
  const fs = `${net}20`;
  for (let d = 0; d < days; d++)
    for (let w = 1; w <= 60; w++) {
      const ws = `${net}${w + 100}`;
      const t = T0 + d * DAY + 8 * 3600 + r() * 3600;
      const dc = dcs[w % 2]!;
      out.push(smbMapping({ ts: t, src: ws, dst: dc, share: 'SYSVOL' }));
      out.push(smbMapping({ ts: t + 1, src: ws, dst: dc, share: 'NETLOGON' }));
      out.push(smbMapping({ ts: t + 2, src: ws, dst: dc, share: 'IPC$' }));
      out.push(smbMapping({ ts: t + 60, src: ws, dst: fs, share: 'home$' }));
      out.push(smbMapping({ ts: t + 61, src: ws, dst: fs, share: ['sales', 'finance', 'it', 'hr'][w % 4]! }));
      if (r() < 0.2)
        out.push(
          dceRpc({
            ts: t + 300,
            src: ws,
            dst: fs,
            endpoint: 'srvsvc',
            operation: 'NetrShareEnum',
            pipe: '\\PIPE\\srvsvc',
          }),
        );
    }
}

const SHARE_NAMES = [
  'C$',
  'ADMIN$',
  'D$',
  'backup',
  'public',
  'scans',
  'users',
  'data',
  'software',
  'exchange$',
  'projects',
];

/** NetScan-like: per server list shares, mount each, optionally write-test `delete.me`. */
function enumerate(
  r: () => number,
  start: number,
  attacker: string,
  subnet: string,
  servers: number,
  writeCheck: boolean,
): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  let ts = start;
  for (let s = 0; s < servers; s++) {
    const dst = `${subnet}${s + 1}`;
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
    const n = 2 + Math.floor(r() * 5);
    const names = [...SHARE_NAMES].sort(() => r() - 0.5).slice(0, n);
    for (const share of names) {
      ts += 0.2 + r() * 2;
      const uid = `C${Math.floor(r() * 1e12).toString(36)}x${s}`;
      recs.push(smbMapping({ ts, src: attacker, dst, share, uid }));
      if (writeCheck && !share.endsWith('$')) {
        recs.push(smbFile({ ts: ts + 0.01, src: attacker, dst, share, name: 'delete.me', uid }));
        recs.push(
          smbFile({
            ts: ts + 0.02,
            src: attacker,
            dst,
            share,
            name: 'delete.me',
            action: 'SMB::FILE_DELETE',
            uid,
          }),
        );
      }
    }
  }
  return recs;
}

describe('file-share-enumeration', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a share sweep with random servers and shares (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const recs: ZeekRecord[] = [];
      background(r, 2, net, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + 18 * 3600 + r() * 3600;
      const writeCheck = seed % 2 === 0;
      const attack = enumerate(r, start, attacker, randomPrefix(r), 5 + Math.floor(r() * 25), writeCheck);
      const ds = run([...recs, ...attack]);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.ok(d.detectedAt - start <= 120, `fires within two minutes (${d.detectedAt - start})`);
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length > 0 && d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(d.threat < 50);
      assert.ok(d.certainty >= 50);
      if (writeCheck) assert.ok(d.evidence.some((e) => e.log === 'smb_files'));
    });
  }

  test('the write check alone is strong evidence, even while learning', () => {
    const recs: ZeekRecord[] = [];
    for (let i = 0; i < 3; i++) {
      const uid = `Cwrite${i}`;
      recs.push(smbMapping({ ts: T0 + i, src: '10.9.0.5', dst: `10.5.0.${i + 1}`, share: 'data', uid }));
      recs.push(
        smbFile({
          ts: T0 + i + 0.1,
          src: '10.9.0.5',
          dst: `10.5.0.${i + 1}`,
          share: 'data',
          name: 'delete.me',
          uid,
        }),
      );
    }
    const ds = run(recs);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.certainty >= 75);
    assert.deepEqual(
      ds[0]!.evidence.filter((e) => e.log === 'smb_files').map((e) => e.uid),
      ['Cwrite0', 'Cwrite1', 'Cwrite2'],
    );
    assert.deepEqual(run(recs.slice(0, 4)), [], 'two write-tested shares are not enough');
  });

  test('benign: DCs and file servers answering many clients, a helpdesk tech on a few C$', () => {
    const r = rng(30);
    const recs: ZeekRecord[] = [];
    background(r, 3, '10.20.0.', recs);
    const t = T0 + 3 * DAY + 10 * 3600;
    for (let i = 0; i < 4; i++) {
      recs.push(smbMapping({ ts: t + i * 120, src: '10.20.0.99', dst: `10.20.0.${150 + i}`, share: 'C$' }));
      recs.push(
        smbMapping({ ts: t + i * 120 + 5, src: '10.20.0.99', dst: `10.20.0.${150 + i}`, share: 'ADMIN$' }),
      );
    }
    assert.deepEqual(run(recs), []);
  });

  test('benign: an SCCM-like server mounting ADMIN$ and listing shares on 100 hosts nightly is learned', () => {
    const r = rng(31);
    const recs: ZeekRecord[] = [];
    background(r, 6, '10.20.0.', recs);
    for (let d = 0; d < 6; d++)
      for (let i = 0; i < 100; i++) {
        const ts = T0 + d * DAY + 2 * 3600 + i * 3 + r();
        const dst = `10.40.${Math.floor(i / 50)}.${(i % 50) + 1}`;
        recs.push(smbMapping({ ts, src: '10.5.0.50', dst, share: 'ADMIN$' }));
        recs.push(
          dceRpc({ ts: ts + 0.5, src: '10.5.0.50', dst, endpoint: 'srvsvc', operation: 'NetrShareEnum' }),
        );
      }
    const ds = run(recs);
    assert.ok(ds.length <= 1);
    for (const d of ds) {
      assert.ok(d.detectedAt < T0 + DAY, 'only on the learning day');
      assert.ok(d.certainty < 50, 'and with low certainty');
    }
  });

  test('baselines survive checkpoint/restore', () => {
    const r = rng(32);
    const learn: ZeekRecord[] = [];
    background(r, 2, '10.20.0.', learn);
    const nightly = (d: number): ZeekRecord[] =>
      Array.from({ length: 40 }, (_, i) =>
        smbMapping({
          ts: T0 + d * DAY + 7200 + i * 5,
          src: '10.5.0.50',
          dst: `10.40.0.${i + 1}`,
          share: 'ADMIN$',
        }),
      );
    learn.push(...nightly(0), ...nightly(1));
    const a = new DetectionEngine([createFileShareEnumeration], new IpHostView());
    a.process(byTs(learn));
    const cp = JSON.parse(JSON.stringify(a.checkpoint())) as ReturnType<DetectionEngine['checkpoint']>;
    const b = new DetectionEngine([createFileShareEnumeration], new IpHostView());
    b.restore(cp);
    b.process(nightly(2));
    assert.equal(b.store.detections.filter((d) => d.lastTs >= T0 + 2 * DAY).length, 0);
    const c = new DetectionEngine([createFileShareEnumeration], new IpHostView(), {
      detectors: { 'file-share-enumeration': { learningSeconds: 0 } },
    });
    c.process(nightly(2));
    assert.equal(c.store.detections.length, 1, 'without the baseline it fires');
  });

  test('write-check names come from config', () => {
    const recs = [0, 1, 2].map((i) =>
      smbFile({ ts: T0 + i, src: '10.9.0.5', dst: `10.5.0.${i + 1}`, share: 'data', name: 'dir\\probe.tmp' }),
    );
    assert.equal(run(recs).length, 0);
    const cfg = { detectors: { 'file-share-enumeration': { writeCheckNames: ['probe.tmp'] } } };
    assert.equal(run(recs, undefined, cfg).length, 1);
  });
});
