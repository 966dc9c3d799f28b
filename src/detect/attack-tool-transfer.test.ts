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
  uid,
} from '../test-support/lateral.js';
import { randomPrefix } from '../test-support/records.js';
import { createAttackToolTransfer } from './attack-tool-transfer.js';
import { ATTACK_TOOLS } from './attack-tools.js';

const T0 = 1_623_456_000;
const make = [createAttackToolTransfer];
const warmup = (): ZeekRecord[] => clockRecords('smb_files', T0);

function randomCase(r: () => number, s: string): string {
  return [...s].map((c) => (r() < 0.5 ? c.toUpperCase() : c)).join('');
}

function httpGet(ts: number, src: string, dst: string, uri: string): ZeekRecord {
  return {
    _path: 'http',
    ts,
    uid: uid(),
    'id.orig_h': src,
    'id.orig_p': 50000,
    'id.resp_h': dst,
    'id.resp_p': 80,
    method: 'GET',
    host: dst,
    uri,
  };
}

describe('attack-tool-transfer', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    test(`fires on a known tool moved over SMB/HTTP/files (seed ${seed})`, () => {
      const r = rng(seed);
      const entry = pick(
        r,
        ATTACK_TOOLS.filter((e) => !e.dualUse),
      );
      const names = [...entry.names, ...entry.stems.map((s) => `${s}.${pick(r, ['exe', 'zip', 'dll'])}`)];
      const file = randomCase(r, pick(r, names));
      const src = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const dst = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const ts = T0 + r() * 3 * DAY;
      const form = seed % 4;
      const rec =
        form === 0
          ? smbFile({ ts, src, dst, share: 'C$', name: `Users\\Public\\${file}` })
          : form === 1
            ? smbFile({
                ts,
                src,
                dst,
                name: `Windows\\Temp\\${file}`,
                action: 'SMB::FILE_WRITE',
                size: 1_250_000,
              })
            : form === 2
              ? filesRec({ ts, src, dst, name: file, isOrig: true, bytes: 1_250_000 })
              : httpGet(
                  ts,
                  src,
                  `203.0.113.${1 + Math.floor(r() * 200)}`,
                  `/dl/${encodeURI(file)}?x=${randomName(r)}`,
                );
      const ds = runWith(make, [...warmup(), rec]);
      assert.equal(ds.length, 1, file);
      const d = ds[0]!;
      assert.equal(d.host, src);
      assert.equal(d.evidence.length, 1);
      const e = d.evidence[0]!;
      assert.equal(e.uid, rec._path === 'files' ? rec.fuid : rec.uid);
      assert.ok(d.drivers.some((x) => x.name === 'tool' && x.value === entry.tool));
      assert.ok(d.threat >= 65 && d.certainty >= 80);
    });
  }

  test('the incident: mimikatz.exe copied to two servers, results read back: one detection, two targets', () => {
    const recs = warmup();
    const uids: string[] = [];
    for (const [i, dst] of ['10.5.2.12', '10.5.3.28'].entries()) {
      const w = smbFile({
        ts: T0 + DAY + i * 30,
        src: '10.5.200.7',
        dst,
        share: 'C$',
        name: 'Windows\\Temp\\mimikatz.exe',
      });
      const rd = smbFile({
        ts: T0 + DAY + 300 + i,
        src: '10.5.200.7',
        dst,
        share: 'C$',
        name: 'Windows\\Temp\\mimikatz.exe',
        action: 'SMB::FILE_READ',
      });
      recs.push(w, rd);
      uids.push(w.uid as string, rd.uid as string);
    }
    const ds = runWith(make, recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.targets, ['10.5.2.12', '10.5.3.28']);
    assert.deepEqual(
      ds[0]!.evidence.map((e) => e.uid),
      uids.sort((a, b) => recs.findIndex((x) => x.uid === a) - recs.findIndex((x) => x.uid === b)),
    );
    assert.equal(ds[0]!.threat, 75, 'credential tool');
  });

  for (const seed of [21, 22, 23]) {
    test(`a renamed copy is caught by its intel hash (seed ${seed})`, () => {
      const r = rng(seed);
      const hash = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
      const rec = filesRec({
        ts: T0 + DAY,
        src: '10.1.2.3',
        dst: '10.1.9.9',
        name: `${randomName(r, 8)}.exe`,
        isOrig: true,
        bytes: 900_000,
        sha256: hash,
      });
      const cfg = {
        detectors: { 'attack-tool-transfer': { toolHashes: [`${hash.toUpperCase()}=mimikatz`] } },
      };
      const ds = runWith(make, [...warmup(), rec], undefined, cfg);
      assert.equal(ds.length, 1);
      assert.deepEqual(ds[0]!.evidence, [{ log: 'files', uid: rec.fuid, ts: T0 + DAY }]);
      assert.equal(ds[0]!.certainty, 95);
      assert.ok(ds[0]!.drivers.some((x) => x.name === 'tool' && x.value === 'mimikatz'));
    });
  }

  test('benign: an admin host that uses PsExec routinely stays quiet; ordinary names never match', () => {
    const recs = warmup();
    for (let day = 0; day < 4; day++)
      recs.push(
        smbFile({
          ts: T0 + day * DAY + 50,
          src: '10.1.1.50',
          dst: `10.2.0.${day + 1}`,
          share: 'ADMIN$',
          name: 'PSEXESVC.exe',
        }),
      );
    recs.push(
      smbFile({
        ts: T0 + DAY,
        src: '10.1.1.51',
        dst: '10.2.0.1',
        share: 'docs',
        name: 'about-mimikatz-detection.pdf',
      }),
    );
    recs.push(smbFile({ ts: T0 + DAY, src: '10.1.1.51', dst: '10.2.0.1', share: 'docs', name: 'setup.exe' }));
    assert.deepEqual(runWith(make, recs), []);
  });

  test('the tool list is editable from config', () => {
    const rec = smbFile({
      ts: T0 + DAY,
      src: '10.1.1.1',
      dst: '10.2.0.1',
      share: 'C$',
      name: 'x\\evil-tool.exe',
    });
    const cfg = { detectors: { 'attack-tool-transfer': { extraToolNames: ['evil-tool.exe=custom'] } } };
    assert.equal(runWith(make, [...warmup(), rec], undefined, cfg).length, 1);
    const off = { detectors: { 'attack-tool-transfer': { ignoredToolNames: ['mimikatz'] } } };
    const m = smbFile({ ts: T0 + DAY, src: '10.1.1.1', dst: '10.2.0.1', share: 'C$', name: 'mimikatz.exe' });
    assert.equal(runWith(make, [...warmup(), m], undefined, off).length, 0);
  });

  for (const seed of [31, 32, 33, 34]) {
    test(`a renamed tool with no intel: dropped on an admin share, output read back (seed ${seed})`, () => {
      const r = rng(seed);
      const src = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const dst = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const dir = pick(r, ['Users\\Public', 'Windows\\Temp', `ProgramData\\${randomName(r)}`]);
      const exe = `${randomName(r, 1 + Math.floor(r() * 6))}.exe`;
      const out = `${randomName(r, 3)}.${pick(r, ['txt', 'log', 'dmp'])}`;
      const share = pick(r, ['C$', 'ADMIN$']);
      const ts = T0 + 2 * DAY + r() * DAY;
      const u1 = uid();
      const u2 = uid();
      const extended = seed % 2 === 0;
      const recs = warmup();
      recs.push(smbFile({ ts, src, dst, uid: u1, share, name: `${dir}\\${exe}` }));
      const drop = extended
        ? smbFile({
            ts: ts + 0.3,
            src,
            dst,
            uid: u1,
            share,
            name: `${dir}\\${exe}`,
            action: 'SMB::FILE_WRITE',
          })
        : filesRec({ ts: ts + 0.3, src, dst, uid: u1, name: exe, isOrig: true, bytes: 1_218_572 });
      const collect = smbFile({
        ts: ts + 60 + r() * 600,
        src,
        dst,
        uid: u2,
        share,
        name: `${dir}\\${out}`,
        action: extended ? 'SMB::FILE_READ' : 'SMB::FILE_OPEN',
      });
      recs.push(drop, collect);
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1);
      assert.deepEqual(
        ds[0]!.evidence.map((e) => e.uid),
        [drop._path === 'files' ? drop.fuid : u1, u2],
      );
      assert.equal(ds[0]!.certainty, 60);
    });
  }

  test('benign: a drop without collection, output from another directory, or a routine installer+log', () => {
    const recs = warmup();
    const t = T0 + 2 * DAY;
    recs.push(
      smbFile({
        ts: t,
        src: '10.1.1.1',
        dst: '10.2.0.1',
        share: 'C$',
        name: 'Temp\\a.exe',
        action: 'SMB::FILE_WRITE',
      }),
    );
    recs.push(
      smbFile({
        ts: t + 60,
        src: '10.1.1.1',
        dst: '10.2.0.1',
        share: 'C$',
        name: 'Other\\out.txt',
        action: 'SMB::FILE_READ',
      }),
    );
    // A deployment host dropping an installer and reading its log, routinely since learning.
    for (let d = 0; d < 3; d++) {
      const ts = T0 + d * DAY + 3600;
      recs.push(
        smbFile({
          ts,
          src: '10.1.1.9',
          dst: `10.2.1.${d}`,
          share: 'ADMIN$',
          name: 'Temp\\setup.exe',
          action: 'SMB::FILE_WRITE',
        }),
      );
      recs.push(
        smbFile({
          ts: ts + 120,
          src: '10.1.1.9',
          dst: `10.2.1.${d}`,
          share: 'ADMIN$',
          name: 'Temp\\setup.log',
          action: 'SMB::FILE_READ',
        }),
      );
    }
    assert.deepEqual(runWith(make, recs), []);
  });
});
