import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import {
  clockRecords,
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
import { randomPrefix } from '../test-support/records.js';
import { createBackupDiscovery } from './backup-discovery.js';

const T0 = 1_623_456_000;
const make = [createBackupDiscovery];
const warmup = (): ZeekRecord[] => clockRecords('smb_files', T0);

function artefactName(r: () => number): string {
  const job = `Job_${randomName(r, 5)}`;
  return pick(r, [
    `${job}\\${job}D2021-06-11T220012_${randomName(r, 4)}.vbk`,
    `${job}\\${job}2021-06-12T220007_${randomName(r, 4)}.VIB`,
    `${job}\\${job}.vbm`,
    `VeeamConfigBackup\\${randomName(r)}\\${randomName(r)}_2021-06-12.bco`,
    `WindowsImageBackup\\${randomName(r).toUpperCase()}\\Backup 2021-06-12 010203\\${randomName(r)}.vhdx`,
    `BackupExec\\B2D${Math.floor(r() * 999)}.bkf`,
  ]);
}

describe('backup-discovery', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`fires when a non-backup host touches backup artefacts (seed ${seed})`, () => {
      const r = rng(seed);
      const src = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const dst = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const share = pick(r, ['backup_exchange$', 'Repo', 'D$', `${randomName(r)}`]);
      const n = 1 + Math.floor(r() * 30);
      const recs = warmup();
      const uids: string[] = [];
      for (let i = 0; i < n; i++) {
        const ts = T0 + DAY + i * (1 + r() * 5);
        const rec =
          seed % 2 === 0
            ? smbFile({
                ts,
                src,
                dst,
                share,
                name: artefactName(r),
                action: pick(r, ['SMB::FILE_OPEN', 'SMB::FILE_READ']),
              })
            : filesRec({ ts, src, dst, name: artefactName(r), isOrig: false, bytes: 1e6 });
        recs.push(rec);
        uids.push((rec._path === 'files' ? rec.fuid : rec.uid) as string);
      }
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1);
      const d = ds[0]!;
      assert.equal(d.type, 'backup-discovery');
      assert.equal(d.host, src);
      assert.ok(d.evidence.length >= Math.min(n, 20));
      assert.ok(
        d.evidence.every((e) => uids.includes(e.uid)),
        'evidence = the artefact records',
      );
      assert.ok(d.threat >= 65 && d.certainty >= 65);
    });
  }

  test('the incident: a VPN host opens backup_exchange$ (share alone is enough)', () => {
    const view = new TestHostView();
    view.vpnIps.add('10.5.200.7');
    const m = smbMapping({ ts: T0 + DAY, src: '10.5.200.7', dst: '10.5.0.65', share: 'backup_exchange$' });
    const ds = runWith(make, [...warmup(), m], view);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.evidence, [{ log: 'smb_mapping', uid: m.uid, ts: T0 + DAY }]);
    assert.equal(ds[0]!.threat, 65);
  });

  test('benign: the declared backup server and an undeclared one reading many shares nightly stay quiet', () => {
    const view = new TestHostView().role('10.5.0.65', 'backup-server');
    const recs = warmup();
    for (let night = 0; night < 4; night++)
      for (let i = 1; i <= 12; i++) {
        const ts = T0 + night * DAY + 3600 * 2 + i * 60;
        recs.push(
          smbFile({
            ts,
            src: '10.5.0.65',
            dst: `10.5.1.${i}`,
            share: 'backup$',
            name: `db${i}.vbk`,
            action: 'SMB::FILE_WRITE',
          }),
        );
        recs.push(
          smbMapping({
            ts,
            src: '10.5.0.66',
            dst: `10.5.1.${night >= 2 ? i + 50 : i}`,
            share: 'VeeamBackup$',
          }),
        );
      }
    assert.deepEqual(runWith(make, recs, view), []);
  });

  test('benign: ordinary files on ordinary shares, and backups a host already read while learning', () => {
    const recs = warmup();
    recs.push(
      smbFile({ ts: T0 + 10, src: '10.1.1.1', dst: '10.2.0.1', share: 'it$', name: 'x\\restore.vbk' }),
    );
    recs.push(
      smbFile({ ts: T0 + DAY + 10, src: '10.1.1.1', dst: '10.2.0.1', share: 'it$', name: 'x\\restore2.vbk' }),
    );
    recs.push(
      smbFile({ ts: T0 + DAY + 20, src: '10.1.1.2', dst: '10.2.0.1', share: 'projects', name: 'plan.docx' }),
    );
    recs.push(
      smbFile({
        ts: T0 + DAY + 20,
        src: '10.1.1.2',
        dst: '10.2.0.1',
        share: 'projects',
        name: 'vbk-notes.txt',
      }),
    );
    assert.deepEqual(runWith(make, recs), []);
  });

  test('artefact lists are editable from config', () => {
    const rec = smbFile({ ts: T0 + DAY, src: '10.1.1.1', dst: '10.2.0.1', share: 'x', name: 'dump.bak' });
    assert.equal(runWith(make, [...warmup(), rec]).length, 0);
    const cfg = { detectors: { 'backup-discovery': { backupExtensions: ['vbk', 'bak'] } } };
    assert.equal(runWith(make, [...warmup(), rec], undefined, cfg).length, 1);
  });

  test('benign: a server writing its own nightly backup to the repository (opens first, then writes)', () => {
    const recs = warmup();
    for (let night = 1; night < 4; night++) {
      const u = uid();
      const ts = T0 + night * DAY + 7200;
      const name = `WindowsImageBackup\\EXCH01\\Backup 2021-06-1${night} 020000\\05f7c8cf.vhdx`;
      recs.push(smbMapping({ ts, src: '10.5.0.8', dst: '10.5.0.65', uid: u, share: 'backup_exchange$' }));
      recs.push(
        smbFile({ ts: ts + 1, src: '10.5.0.8', dst: '10.5.0.65', uid: u, share: 'backup_exchange$', name }),
      );
      recs.push(
        smbFile({
          ts: ts + 2,
          src: '10.5.0.8',
          dst: '10.5.0.65',
          uid: u,
          share: 'backup_exchange$',
          name,
          action: 'SMB::FILE_WRITE',
        }),
      );
    }
    assert.deepEqual(runWith(make, recs), []);
  });
});
