import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import {
  clockRecords,
  connBytes,
  DAY,
  dceRpc,
  filesRec,
  ntlm,
  pick,
  randomName,
  runWith,
  smbFile,
  TestHostView,
  uid,
} from '../test-support/lateral.js';
import { randomPrefix } from '../test-support/records.js';
import { createAutomatedReplication } from './automated-replication.js';

const T0 = 1_623_456_000;
const make = [createAutomatedReplication];
const warmup = (): ZeekRecord[] => clockRecords('smb_files', T0);

type Form = 'stock-open' | 'file-write' | 'renamed-hash' | 'rpc' | 'dcom-attempt' | 'exploit';
const FORMS: readonly Form[] = ['stock-open', 'file-write', 'renamed-hash', 'rpc', 'dcom-attempt', 'exploit'];

/** One replication step of a form from src to dst; returns the records and the evidence uid. */
function step(
  r: () => number,
  form: Form,
  ts: number,
  src: string,
  dst: string,
  tool: string,
): [ZeekRecord[], string] {
  switch (form) {
    case 'stock-open': {
      const rec = smbFile({
        ts,
        src,
        dst,
        share: pick(r, ['ADMIN$', 'C$']),
        name: `Windows\\Temp\\${tool}.exe`,
      });
      return [[rec], rec.uid as string];
    }
    case 'file-write': {
      const rec = smbFile({ ts, src, dst, name: `${tool}.dll`, action: 'SMB::FILE_WRITE', size: 214_528 });
      return [[rec], rec.uid as string];
    }
    case 'renamed-hash': {
      const rec = filesRec({
        ts,
        src,
        dst,
        name: `${randomName(r, 8)}.exe`,
        isOrig: true,
        bytes: 1_250_000,
        sha1: 'ab'.repeat(20),
      });
      return [[rec], rec.fuid as string];
    }
    case 'rpc': {
      const rec = dceRpc({
        ts,
        src,
        dst,
        endpoint: 'svcctl',
        operation: 'CreateServiceW',
        pipe: '\\PIPE\\svcctl',
      });
      return [[rec], rec.uid as string];
    }
    case 'dcom-attempt': {
      const rec = ntlm({ ts, src, dst, port: 135, user: 'administrator', domain: 'PANDA', success: false });
      return [[rec], rec.uid as string];
    }
    case 'exploit': {
      const rec: ZeekRecord = {
        ...connBytes({ ts, src, dst, respBytes: 500, origBytes: 4_321 }),
        'id.resp_p': 445,
      };
      return [[rec], rec.uid as string];
    }
  }
}

describe('automated-replication', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`fires on the same action against several targets (seed ${seed})`, () => {
      const r = rng(seed);
      const form = FORMS[(seed - 1) % FORMS.length]!;
      const src = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const net = randomPrefix(r);
      const tool = randomName(r, 7);
      const n = (form === 'exploit' ? 5 : 3) + Math.floor(r() * 6);
      const recs = warmup();
      const uids: string[] = [];
      let ts = T0 + DAY + r() * DAY;
      for (let i = 0; i < n; i++) {
        const [rs, u] = step(r, form, ts, src, `${net}${20 + i}`, tool);
        recs.push(...rs);
        uids.push(u);
        ts += 1 + r() * 60;
      }
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1, form);
      const d = ds[0]!;
      assert.equal(d.host, src);
      assert.equal(d.targetCount, n);
      assert.deepEqual(
        d.evidence.map((e) => e.uid),
        uids,
        'evidence = every replicated record',
      );
      assert.ok(d.threat >= 55, 'lateral movement is above recon');
    });
  }

  test('benign: a deployment server pushing to ADMIN$ every day stays quiet, with new package names too', () => {
    const recs = warmup();
    for (let day = 0; day < 4; day++)
      for (let i = 1; i <= 30; i++)
        recs.push(
          smbFile({
            ts: T0 + day * DAY + 7200 + i * 3,
            src: '10.20.0.5',
            dst: `10.30.0.${i}`,
            share: 'ADMIN$',
            name: `ccmsetup\\pkg${day}\\ccmsetup${day}.exe`,
          }),
        );
    assert.deepEqual(runWith(make, recs), []);
  });

  test('benign: the same document opened on three ordinary shares, or one tool copied to two hosts, stays quiet', () => {
    const recs = warmup();
    for (let i = 1; i <= 3; i++)
      recs.push(
        smbFile({
          ts: T0 + DAY + i,
          src: '10.1.1.1',
          dst: `10.2.0.${i}`,
          share: 'public',
          name: 'report.exe',
        }),
      );
    for (let i = 1; i <= 2; i++)
      recs.push(
        smbFile({ ts: T0 + DAY + 10 + i, src: '10.1.1.2', dst: `10.2.0.${i}`, share: 'C$', name: 'x.exe' }),
      );
    // Slow: the same file to a host every two hours never reaches 3 in one hour.
    for (let i = 1; i <= 5; i++)
      recs.push(
        smbFile({ ts: T0 + DAY + i * 7200, src: '10.1.1.3', dst: `10.2.0.${i}`, share: 'C$', name: 'y.exe' }),
      );
    assert.deepEqual(runWith(make, recs), []);
  });

  test('an upstream propagator (itself a target first) is more certain', () => {
    const recs = warmup();
    const ts = T0 + DAY;
    const u = uid();
    recs.push(
      dceRpc({
        ts,
        src: '10.9.9.9',
        dst: '10.1.1.1',
        uid: u,
        endpoint: 'svcctl',
        operation: 'CreateServiceW',
      }),
    );
    for (let i = 1; i <= 3; i++)
      recs.push(
        dceRpc({
          ts: ts + 60 + i,
          src: '10.1.1.1',
          dst: `10.2.0.${i}`,
          endpoint: 'svcctl',
          operation: 'CreateServiceW',
        }),
      );
    const ds = runWith(make, recs);
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.drivers.some((d) => d.value === 'yes' && d.name.startsWith('upstream')));
    assert.equal(ds[0]!.certainty, 60);
  });

  test('benign: a declared vulnerability scanner sending identical probes to every host', () => {
    const recs = warmup();
    for (let i = 1; i <= 200; i++) {
      const c: ZeekRecord = {
        ...connBytes({
          ts: T0 + DAY + i,
          src: '10.5.0.47',
          dst: `10.5.2.${i}`,
          respBytes: 300,
          origBytes: 2_460,
        }),
        'id.resp_p': 445,
      };
      recs.push(c);
    }
    assert.deepEqual(runWith(make, recs, new TestHostView().role('10.5.0.47', 'scanner')), []);
    assert.equal(runWith(make, recs).length, 1, 'undeclared, it is replication');
  });
});
