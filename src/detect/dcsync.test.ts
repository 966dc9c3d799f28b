import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dceRpc, ntlm, pick, randomName, runWith, TestHostView, uid } from '../test-support/lateral.js';
import { randomPrefix } from '../test-support/records.js';
import { createDcsync } from './dcsync.js';

const T0 = 1_623_456_000;
const HOUR = 3600;
const make = [createDcsync];

function kerberosTo(ts: number, src: string, kdc: string): ZeekRecord {
  return {
    _path: 'kerberos',
    ts,
    uid: uid(),
    'id.orig_h': src,
    'id.orig_p': 50123,
    'id.resp_h': kdc,
    'id.resp_p': 88,
    request_type: 'TGS',
    client: 'alice/CORP.LOCAL',
    service: 'cifs/fs01.corp.local',
    success: true,
  };
}

/** The replication conversation as Zeek logs it: bind, (crack names), GetNCChanges, unbind. */
function drs(ts: number, src: string, dc: string, user?: string): { recs: ZeekRecord[]; uid: string } {
  const u = uid();
  const recs: ZeekRecord[] = [];
  if (user) recs.push(ntlm({ ts, src, dst: dc, port: 49667, uid: u, user, domain: 'THESHIRE' }));
  for (const [i, operation] of ['DRSBind', 'DRSCrackNames', 'DRSGetNCChanges', 'DRSUnbind'].entries())
    recs.push(
      dceRpc({ ts: ts + 0.1 * (i + 1), src, dst: dc, port: 49667, uid: u, endpoint: 'drsuapi', operation }),
    );
  return { recs, uid: u };
}

describe('dcsync', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`fires on DRSGetNCChanges from a host that is not a DC (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const dc = `${net}${1 + Math.floor(r() * 5)}`;
      const attacker = `${randomPrefix(r)}${10 + Math.floor(r() * 200)}`;
      const user = pick(r, ['administrator', `adm_${randomName(r, 4)}`]);
      const recs: ZeekRecord[] = [kerberosTo(T0, `${net}100`, dc)];
      const call = drs(T0 + 2 * HOUR + r() * 1000, attacker, dc, user);
      recs.push(...call.recs);
      const ds = runWith(make, recs);
      assert.equal(ds.length, 1);
      const d = ds[0]!;
      assert.equal(d.type, 'dcsync');
      assert.equal(d.category, 'credential-access');
      assert.equal(d.host, attacker);
      assert.deepEqual(d.targets, [dc]);
      assert.deepEqual(d.accounts, [`theshire\\${user}`]);
      assert.equal(d.evidence.length, 1);
      assert.equal(d.evidence[0]!.uid, call.uid);
      assert.equal(d.evidence[0]!.log, 'dce_rpc');
      assert.ok(d.threat >= 80 && d.certainty >= 75);
    });
  }

  test('DRSReplicaSync counts too; a VPN source is more certain', () => {
    const view = new TestHostView();
    view.vpnIps.add('10.5.200.7');
    const rec = dceRpc({
      ts: T0 + 2 * HOUR,
      src: '10.5.200.7',
      dst: '10.5.0.10',
      endpoint: 'drsuapi',
      operation: 'DRSReplicaSync',
    });
    const ds = runWith(make, [kerberosTo(T0, '10.5.1.1', '10.5.0.10'), rec], view);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.certainty, 85);
  });

  test('benign: DC↔DC replication stays quiet (by role, by learned KDC, by drsuapi responder)', () => {
    const view = new TestHostView().role('10.0.0.10', 'domain-controller');
    const recs: ZeekRecord[] = [kerberosTo(T0, '10.0.5.5', '10.0.0.11')];
    for (let k = 0; k < 48; k++) {
      const ts = T0 + 2 * HOUR + k * 900;
      recs.push(...drs(ts, '10.0.0.10', '10.0.0.11').recs); // DC1 (role) pulls from DC2
      recs.push(...drs(ts + 5, '10.0.0.11', '10.0.0.10').recs); // DC2 (a KDC) pulls from DC1
      recs.push(...drs(ts + 9, '10.0.0.12', '10.0.0.10').recs); // DC3 pulls from DC1…
      recs.push(...drs(ts + 12, '10.0.0.10', '10.0.0.12').recs); // …and answers DC1: a DC
    }
    // DC3's first pull precedes its first answer: learned in the first hour.
    recs.push(...drs(T0 + 60, '10.0.0.12', '10.0.0.10').recs);
    assert.deepEqual(runWith(make, recs, view), []);
  });

  test('benign: an allowed directory-sync server (by config or role)', () => {
    const recs: ZeekRecord[] = [
      kerberosTo(T0, '10.0.5.5', '10.0.0.11'),
      ...drs(T0 + 2 * HOUR, '10.0.3.3', '10.0.0.11').recs,
    ];
    const cfg = { detectors: { dcsync: { allowedSources: ['10.0.3.3'] } } };
    assert.deepEqual(runWith(make, recs, new TestHostView(), cfg), []);
    assert.deepEqual(runWith(make, recs, new TestHostView().role('10.0.3.3', 'directory-sync')), []);
    assert.equal(runWith(make, recs).length, 1);
  });
});
