import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import {
  clockRecords,
  connBytes,
  DAY,
  filesRec,
  pick,
  randomName,
  runWith,
  smbFile,
  smbMapping,
  TestHostView,
  uid,
} from '../test-support/lateral.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { createDataStaging } from './data-staging.js';
import { DetectionEngine } from './engine.js';

const T0 = 1_623_456_000;
const MiB = 1_048_576;
const make = [createDataStaging];

/** Ordinary days: a host pulls ~perHourMiB from a file server every working hour. */
function ordinaryLife(
  host: string,
  server: string,
  days: number,
  perHourMiB: number,
  r: () => number,
): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  for (let d = 0; d < days; d++)
    for (let h = 8; h < 18; h++)
      recs.push(
        connBytes({
          ts: T0 + d * DAY + h * 3600 + r() * 600,
          src: host,
          dst: server,
          respBytes: Math.round(perHourMiB * MiB * (0.5 + r())),
        }),
      );
  return recs;
}

describe('data-staging', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires when a new/VPN host pulls backups (stock or extended SMB logging) (seed ${seed})`, () => {
      const r = rng(seed);
      const view = new TestHostView();
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      if (r() < 0.5) view.vpnIps.add(attacker);
      const server = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const share = pick(r, ['backup_exchange$', 'VeeamRepo', 'bkp']);
      const recs: ZeekRecord[] = clockRecords('conn', T0);
      const total = (6 + r() * 30) * MiB;
      const ts = T0 + 2 * DAY + r() * DAY;
      const u = uid();
      const expected: string[] = [];
      if (seed % 2 === 0) {
        // Stock: conn bytes + tree connect (the conn row has the earlier ts).
        const c = connBytes({ ts, src: attacker, dst: server, uid: u, respBytes: Math.round(total) });
        recs.push(c, smbMapping({ ts: ts + 0.5, src: attacker, dst: server, uid: u, share }));
        expected.push(c.uid as string, u);
      } else {
        // Extended: FILE_READ of Veeam files and files.log bytes; the conn is still open (no row).
        const parts = 2 + Math.floor(r() * 4);
        for (let i = 0; i < parts; i++) {
          const name = `Job_${randomName(r)}\\Job${i}.vib`;
          const f = filesRec({
            ts: ts + i * 10,
            src: attacker,
            dst: server,
            uid: u,
            name,
            isOrig: false,
            bytes: Math.round(total / parts),
          });
          recs.push(
            smbFile({
              ts: ts + i * 10 - 0.1,
              src: attacker,
              dst: server,
              uid: u,
              share,
              name,
              action: 'SMB::FILE_READ',
            }),
            f,
          );
          expected.push(f.fuid as string);
        }
      }
      const ds = runWith(make, recs, view);
      assert.equal(ds.length, 1);
      const d = ds[0]!;
      assert.equal(d.type, 'data-staging');
      assert.equal(d.category, 'exfiltration');
      assert.equal(d.host, attacker);
      assert.equal(d.key, 'staging');
      assert.ok(d.evidence.every((e) => expected.includes(e.uid)));
      assert.ok(d.evidence.length > 0);
      assert.ok(d.threat >= 60, 'from backups');
    });
  }

  test('fires on a known host pulling far above its baseline, then Data Smuggler when it sends it out', () => {
    const r = rng(9);
    const recs = ordinaryLife('10.1.1.5', '10.2.0.10', 5, 20, r);
    const ts = T0 + 5 * DAY + 3 * 3600;
    for (let i = 0; i < 30; i++)
      recs.push(
        connBytes({ ts: ts + i * 60, src: '10.1.1.5', dst: `10.2.0.${20 + (i % 5)}`, respBytes: 100 * MiB }),
      );
    for (let i = 0; i < 20; i++)
      recs.push(
        connBytes({
          ts: ts + 7200 + i * 60,
          src: '10.1.1.5',
          dst: '198.51.100.7',
          respBytes: 1000,
          origBytes: 90 * MiB,
        }),
      );
    const ds = runWith(make, recs);
    assert.deepEqual(ds.map((d) => d.key).sort(), ['smuggler', 'staging']);
    const sm = ds.find((d) => d.key === 'smuggler')!;
    assert.equal(sm.threat, 75);
    assert.ok(
      sm.evidence.every((e) => recs.some((x) => x.uid === e.uid && x['id.resp_h'] === '198.51.100.7')),
    );
  });

  test('benign: a backup server (role, or undeclared with its nightly volume learned) reading many shares', () => {
    const view = new TestHostView().role('10.5.0.65', 'backup-server');
    const r = rng(3);
    const recs: ZeekRecord[] = [];
    for (let night = 0; night < 6; night++)
      for (let i = 1; i <= 20; i++)
        for (const src of ['10.5.0.65', '10.5.0.66']) {
          const ts = T0 + night * DAY + 3600 + i * 100 + r();
          recs.push(
            connBytes({ ts, src, dst: `10.5.1.${i}`, respBytes: Math.round((200 + r() * 100) * MiB) }),
          );
        }
    assert.deepEqual(runWith(make, recs, view), []);
  });

  test('benign: ordinary users, and a small file from a backup share', () => {
    const r = rng(4);
    const recs = ordinaryLife('10.1.1.6', '10.2.0.10', 4, 50, r);
    const u = uid();
    recs.push(
      connBytes({ ts: T0 + 3 * DAY + 100, src: '10.1.1.7', dst: '10.2.0.11', uid: u, respBytes: 2 * MiB }),
    );
    recs.push(
      smbMapping({ ts: T0 + 3 * DAY + 100.2, src: '10.1.1.7', dst: '10.2.0.11', uid: u, share: 'backup' }),
    );
    assert.deepEqual(runWith(make, recs), []);
  });

  test('baselines persist through checkpoints', () => {
    const r = rng(5);
    const e1 = new DetectionEngine(make, new TestHostView());
    e1.process(byTs(ordinaryLife('10.1.1.5', '10.2.0.10', 3, 200, r)));
    const cp = JSON.parse(JSON.stringify(e1.checkpoint()));
    const e2 = new DetectionEngine(make, new TestHostView());
    e2.restore(cp);
    // 300 MiB in an hour: above the new-host limit, far below 10× a 200 MiB/h peak.
    e2.process(
      byTs([connBytes({ ts: T0 + 4 * DAY, src: '10.1.1.5', dst: '10.2.0.10', respBytes: 300 * MiB })]),
    );
    assert.equal(e2.store.detections.length, 0);
  });
});
