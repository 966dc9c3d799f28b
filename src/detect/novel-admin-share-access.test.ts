import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import {
  clockRecords,
  DAY,
  ntlm,
  pick,
  randomName,
  runWith,
  smbFile,
  smbMapping,
  TestHostView,
  uid,
} from '../test-support/lateral.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine } from './engine.js';
import { createNovelAdminShareAccess } from './novel-admin-share-access.js';

const T0 = 1_623_456_000;
const make = [createNovelAdminShareAccess];
const warmup = (): ZeekRecord[] => clockRecords('smb_mapping', T0);

/** Session setup (ntlm) then the tree connect, on one connection. */
function treeConnect(
  ts: number,
  src: string,
  dst: string,
  share: string,
  user: string,
  domain = 'CORP',
): ZeekRecord[] {
  const u = uid();
  return [
    ntlm({ ts, src, dst, uid: u, user, domain, success: true }),
    smbMapping({ ts: ts + 0.02, src, dst, uid: u, share }),
  ];
}

describe('novel-admin-share-access', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a never-seen (host, account, target, admin share) after learning (seed ${seed})`, () => {
      const r = rng(seed);
      const src = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const net = randomPrefix(r);
      const user = randomName(r, 6);
      const n = 1 + Math.floor(r() * 5);
      const recs = warmup();
      // The same host's ordinary life during learning: its home share.
      recs.push(...treeConnect(T0 + 100, src, `${net}200`, 'home', user));
      const uids: string[] = [];
      for (let i = 0; i < n; i++) {
        const share = pick(r, ['ADMIN$', 'C$', 'D$', `${randomName(r, 5)}_backup$`]);
        const tc = treeConnect(T0 + DAY + 60 * i + r() * 30, src, `${net}${10 + i}`, share, user);
        uids.push(tc[1]!.uid as string);
        recs.push(...tc);
      }
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1);
      const d = ds[0]!;
      assert.equal(d.type, 'novel-admin-share-access');
      assert.equal(d.host, src);
      assert.deepEqual(d.accounts, [`corp\\${user}`]);
      assert.deepEqual(
        d.evidence.map((e) => [e.log, e.uid]),
        uids.map((u) => ['smb_mapping', u]),
      );
      assert.equal(d.targetCount, n);
      assert.ok(d.threat >= 50);
    });
  }

  test('the incident: a generic-named VPN host opens \\\\10.5.0.65\\backup_exchange$ (also from smb_files alone)', () => {
    const view = new TestHostView().name('10.5.200.7', 'WIN-XXXXXXXXXXXX');
    view.vpnIps.add('10.5.200.7');
    const recs = warmup();
    const u = uid();
    recs.push(
      ntlm({
        ts: T0 + 5 * DAY,
        src: '10.5.200.7',
        dst: '10.5.0.65',
        uid: u,
        user: 'svc_backup',
        domain: 'PANDA',
      }),
    );
    // No smb_mapping row (tree connected before the capture): the FILE_OPEN carries the tree path.
    const open = smbFile({
      ts: T0 + 5 * DAY + 1,
      src: '10.5.200.7',
      dst: '10.5.0.65',
      uid: u,
      share: 'backup_exchange$',
      name: 'VeeamBackup',
    });
    recs.push(open);
    const ds = runWith(make, recs, view);
    assert.equal(ds.length, 1);
    const d = ds[0]!;
    assert.deepEqual(d.evidence, [{ log: 'smb_files', uid: u, ts: T0 + 5 * DAY + 1 }]);
    assert.equal(d.threat, 70, 'hidden non-default share from a VPN, generic-named host');
    assert.deepEqual(d.accounts, ['panda\\svc_backup']);
  });

  test('benign: an SCCM-like server pushing to ADMIN$ daily stays quiet, including hosts new to it', () => {
    const recs = warmup();
    for (let day = 0; day < 5; day++)
      for (let i = 1; i <= 25; i++) {
        const target = day >= 2 && i <= 4 ? `10.30.7.${i}` : `10.30.0.${i}`;
        recs.push(...treeConnect(T0 + day * DAY + 3600 + i * 4, '10.20.0.5', target, 'ADMIN$', 'svc_sccm'));
      }
    assert.deepEqual(runWith(make, recs), []);
  });

  test('benign: IPC$, PRINT$ and ordinary shares never count; learned accesses stay quiet', () => {
    const recs = warmup();
    recs.push(...treeConnect(T0 + 10, '10.1.1.1', '10.2.0.1', 'C$', 'helpdesk'));
    recs.push(...treeConnect(T0 + DAY + 10, '10.1.1.1', '10.2.0.1', 'C$', 'helpdesk'));
    recs.push(...treeConnect(T0 + DAY + 20, '10.1.1.2', '10.2.0.1', 'IPC$', 'bob'));
    recs.push(...treeConnect(T0 + DAY + 30, '10.1.1.2', '10.2.0.9', 'print$', 'bob'));
    recs.push(...treeConnect(T0 + DAY + 40, '10.1.1.2', '10.2.0.9', 'projects', 'bob'));
    assert.deepEqual(runWith(make, recs), []);
  });

  test('a different account on a learned (host, target, share) is new', () => {
    const recs = warmup();
    recs.push(...treeConnect(T0 + 10, '10.1.1.1', '10.2.0.1', 'C$', 'helpdesk'));
    recs.push(...treeConnect(T0 + DAY + 10, '10.1.1.1', '10.2.0.1', 'C$', 'administrator'));
    const ds = runWith(make, recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.accounts, ['corp\\administrator']);
  });

  test('baselines persist through checkpoints', () => {
    const e1 = new DetectionEngine(make, new TestHostView());
    e1.process(byTs([...warmup(), ...treeConnect(T0 + 10, '10.1.1.1', '10.2.0.1', 'C$', 'helpdesk')]));
    const cp = JSON.parse(JSON.stringify(e1.checkpoint()));
    const e2 = new DetectionEngine(make, new TestHostView());
    e2.restore(cp);
    e2.process(byTs(treeConnect(T0 + DAY, '10.1.1.1', '10.2.0.1', 'C$', 'helpdesk')));
    assert.equal(e2.store.detections.length, 0);
    e2.process(byTs(treeConnect(T0 + DAY + 5, '10.1.1.1', '10.2.0.2', 'C$', 'helpdesk')));
    assert.equal(e2.store.detections.length, 1);
  });

  test('benign: a hidden share many hosts use (home$) stops counting; ADMIN$ never does', () => {
    const recs = warmup();
    for (let i = 1; i <= 8; i++)
      recs.push(...treeConnect(T0 + DAY + i * 600, `10.7.0.${i}`, '10.5.0.4', 'home$', `user${i}`));
    for (let i = 1; i <= 8; i++)
      recs.push(...treeConnect(T0 + DAY + 9000 + i, `10.7.0.${i}`, '10.5.0.4', 'ADMIN$', `user${i}`));
    const ds = runWith(make, recs);
    assert.equal(ds.length, 8, 'one per source for ADMIN$');
    const counts = ds.map((d) => d.evidenceCount).sort();
    assert.deepEqual(counts, [1, 1, 1, 1, 2, 2, 2, 2], 'home$ counted for the first four sources only');
  });
});
