import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { scoreDetections } from '../score/scoring.js';
import { rng } from '../simulate/sample.js';
import {
  clockRecords,
  DAY,
  dceRpc,
  ntlm,
  pick,
  randomName,
  runWith,
  TestHostView,
  uid,
} from '../test-support/lateral.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine } from './engine.js';
import { createSuspiciousRemoteExecution, EXEC_OPERATIONS } from './suspicious-remote-execution.js';

const T0 = 1_623_456_000;
const make = [createSuspiciousRemoteExecution];

/** An authenticated exec call: the ntlm record and the dce_rpc row share the connection uid. */
function execCall(
  ts: number,
  src: string,
  dst: string,
  op: string,
  user: string,
  domain = 'CORP',
): ZeekRecord[] {
  const [endpoint, operation] = op.split('::') as [string, string];
  const u = uid();
  const pipe = endpoint === 'svcctl' || endpoint === 'atsvc' ? `\\PIPE\\${endpoint}` : undefined;
  const port = pipe ? 445 : endpoint.endsWith('Activator') ? 135 : 49667;
  return [
    ntlm({ ts, src, dst, port, uid: u, user, domain }),
    dceRpc({ ts: ts + 0.01, src, dst, port, uid: u, endpoint, operation, pipe }),
  ];
}

/** A day of ordinary life that starts the learning clock: a workstation asks the DC for its shares. */
function warmup(): ZeekRecord[] {
  return clockRecords('dce_rpc', T0);
}

describe('suspicious-remote-execution', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a new (source, target, account, interface) after learning (seed ${seed})`, () => {
      const r = rng(seed);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const net = randomPrefix(r);
      const user = `adm_${randomName(r, 5)}`;
      const nTargets = 1 + Math.floor(r() * 4);
      const recs = warmup();
      const execUids = new Set<string>();
      let ts = T0 + DAY + r() * DAY;
      for (let i = 0; i < nTargets; i++) {
        const op = pick(r, EXEC_OPERATIONS);
        const call = execCall(ts, attacker, `${net}${10 + i}`, op, user);
        execUids.add(call[1]!.uid as string);
        recs.push(...call);
        ts += 1 + r() * 120;
      }
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1, 'one detection that grows');
      const d = ds[0]!;
      assert.equal(d.type, 'suspicious-remote-execution');
      assert.equal(d.host, attacker);
      assert.deepEqual(d.accounts, [`corp\\${user}`]);
      assert.equal(d.targetCount, nTargets);
      assert.deepEqual(new Set(d.evidence.map((e) => e.uid)), execUids, 'evidence = the exec rows');
      // A DCOM activation on 135/tcp is first seen in its auth record, then in its row: same uid.
      assert.ok(d.evidence.every((e) => e.log === 'dce_rpc' || (e.log === 'ntlm' && execUids.has(e.uid))));
      assert.ok(d.threat >= 60 && d.certainty >= 60, JSON.stringify(d.drivers));
    });
  }

  test('an access-denied DCOM activation with no dce_rpc row fires from the auth record (incident 18:03)', () => {
    const recs = warmup();
    const u = uid();
    recs.push(
      ntlm({
        ts: T0 + 2 * DAY,
        src: '10.5.200.7',
        dst: '10.5.1.20',
        port: 135,
        uid: u,
        user: 'administrator',
        domain: 'PANDA',
        success: false,
      }),
    );
    const ds = runWith(make, recs);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.evidence, [{ log: 'ntlm', uid: u, ts: T0 + 2 * DAY }]);
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'denied' && x.value === 1));
    assert.ok(ds[0]!.certainty < 60, 'an attempt alone is less certain than a logged call');
  });

  test('a logged call after an attempt on the same connection upgrades the detection, once', () => {
    const recs = warmup();
    recs.push(
      ...execCall(T0 + 2 * DAY, '10.1.1.9', '10.2.2.2', 'IRemoteSCMActivator::RemoteCreateInstance', 'bob'),
    );
    recs.push(
      ...execCall(T0 + 2 * DAY + 60, '10.1.1.9', '10.2.2.2', 'ISystemActivator::RemoteCreateInstance', 'bob'),
    );
    const ds = runWith(make, recs);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.evidenceCount, 2, 'attempt (ntlm) + the call row; the repeat is known');
    assert.ok(ds[0]!.certainty >= 60);
  });

  test('benign: an SCCM-like server pushing services to many hosts every day stays quiet, new targets too', () => {
    const r = rng(42);
    const recs = warmup();
    for (let day = 0; day < 5; day++)
      for (let i = 1; i <= 40; i++) {
        // After learning it reaches a few hosts it never touched before: still its routine.
        const target = day >= 3 && i <= 3 ? `10.30.9.${i}` : `10.30.0.${i}`;
        const t = T0 + day * DAY + 3600 * 2 + i * 5 + r();
        recs.push(...execCall(t, '10.20.0.5', target, 'svcctl::CreateServiceW', 'svc_sccm'));
        recs.push(...execCall(t + 1, '10.20.0.5', target, 'svcctl::StartServiceW', 'svc_sccm'));
      }
    assert.deepEqual(runWith(make, recs), []);
  });

  test('benign: nothing fires during the learning period', () => {
    const recs = warmup();
    for (let i = 0; i < 10; i++)
      recs.push(...execCall(T0 + 100 + i, '10.1.1.1', `10.2.0.${i}`, 'IWbemServices::ExecMethod', 'x'));
    assert.deepEqual(runWith(make, recs), []);
  });

  test('a domain controller executing remotely becomes Critical within seconds of event time', () => {
    const view = new TestHostView().role('10.5.0.10', 'domain-controller');
    const recs = warmup();
    const ts = T0 + 3 * DAY;
    recs.push(...execCall(ts, '10.5.0.10', '10.5.3.28', 'svcctl::CreateServiceW', 'administrator'));
    const engine = new DetectionEngine(make, view);
    let criticalAt: number | undefined;
    engine.onDetection((_d, _c, now) => {
      const s = scoreDetections(
        engine.store.detections.filter((x) => x.host === '10.5.0.10'),
        now,
        view.isHighValue('10.5.0.10'),
      );
      if (s.priority === 'Critical' && criticalAt === undefined) criticalAt = now;
    });
    engine.process(byTs(recs));
    assert.ok(criticalAt !== undefined && criticalAt - ts < 5, `critical at ${criticalAt}`);
  });

  test('baselines persist through snapshot/restore', () => {
    const learn = warmup();
    for (let i = 1; i <= 5; i++)
      learn.push(...execCall(T0 + i, '10.8.0.2', `10.8.1.${i}`, 'atsvc::NetrJobAdd', 'ops', 'CORP'));
    const e1 = new DetectionEngine(make, new TestHostView());
    e1.process(byTs(learn));
    const snap = JSON.parse(JSON.stringify(e1.checkpoint()));
    const e2 = new DetectionEngine(make, new TestHostView());
    e2.restore(snap);
    e2.process(byTs(execCall(T0 + 2 * DAY, '10.8.0.2', '10.8.1.3', 'atsvc::NetrJobAdd', 'ops', 'CORP')));
    assert.equal(e2.store.detections.length, 0, 'learned before the restart');
    e2.process(byTs(execCall(T0 + 2 * DAY + 9, '10.8.0.77', '10.8.1.3', 'atsvc::NetrJobAdd', 'ops', 'CORP')));
    assert.equal(e2.store.detections.length, 1, 'learning period did not restart');
  });

  test('thresholds and extra operations come from config', () => {
    const recs = warmup();
    recs.push(...execCall(T0 + 10, '10.1.1.1', '10.2.0.1', 'winreg::BaseRegSetValue', 'x'));
    const cfg = {
      detectors: {
        'suspicious-remote-execution': {
          learningPeriodSeconds: 0,
          extraOperations: ['winreg::BaseRegSetValue'],
        },
      },
    };
    assert.equal(runWith(make, recs, new TestHostView(), cfg).length, 1);
  });
});
