import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dceRpc } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { STRONG_ENUMERATION_OPERATIONS, WEAK_ENUMERATION_OPERATIONS } from './rpc-enumeration-ops.js';
import { createRpcTargetedRecon } from './rpc-targeted-recon.js';
import type { Detection, HostView } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC

function run(recs: ZeekRecord[], view: HostView, cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createRpcTargetedRecon], view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

function dcView(dcs: string[]): IpHostView {
  return new IpHostView(new Map(dcs.map((d) => [d, new Set(['domain-controller'])])), new Set(dcs));
}

function call(ts: number, src: string, dst: string, op: string): ZeekRecord {
  const [endpoint, operation] = op.split('::') as [string, string];
  return dceRpc({ ts, src, dst, endpoint, operation, pipe: `\\PIPE\\${endpoint}` });
}

/** Workstations translating SIDs and names against the DCs all day (weak lookups only). */
function background(r: () => number, days: number, net: string, dcs: string[], out: ZeekRecord[]): void {
  const weak = ['lsarpc::LsarLookupNames4', 'lsarpc::LsarLookupSids2', 'lsarpc::LsarQueryInformationPolicy2'];
  for (let d = 0; d < days; d++)
    for (let w = 1; w <= 50; w++)
      for (let i = 0; i < 4; i++)
        out.push(
          call(
            T0 + d * DAY + 8 * 3600 + r() * 9 * 3600,
            `${net}${w + 100}`,
            dcs[i % dcs.length]!,
            weak[i % 3]!,
          ),
        );
}

function pick<X>(r: () => number, xs: readonly X[], n: number): X[] {
  const copy = [...xs];
  const out: X[] = [];
  while (out.length < n && copy.length > 0) out.push(copy.splice(Math.floor(r() * copy.length), 1)[0]!);
  return out;
}

describe('rpc-targeted-recon', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on enumeration of a DC with random operations and timing (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const dcs = [`${net}10`, `${net}11`];
      const recs: ZeekRecord[] = [];
      background(r, 2, net, dcs, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + 18 * 3600 + r() * 3600;
      const ops = [
        ...pick(r, STRONG_ENUMERATION_OPERATIONS, 2 + Math.floor(r() * 6)),
        ...pick(r, WEAK_ENUMERATION_OPERATIONS, Math.floor(r() * 5)),
      ];
      const attack: ZeekRecord[] = [];
      const span = 10 + r() * 100;
      const target = dcs[Math.floor(r() * 2)]!;
      for (let i = 0; i < ops.length; i++) {
        const repeats = 1 + Math.floor(r() * 3); // paging repeats the same call
        for (let k = 0; k < repeats; k++)
          attack.push(call(start + (i * span) / ops.length + k * 0.05, attacker, target, ops[i]!));
      }
      const ds = run([...recs, ...attack], dcView(dcs));
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.deepEqual(d.targets, [target]);
      assert.ok(d.detectedAt - start <= span + 1, 'fires as soon as the score is reached');
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length > 0 && d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(d.threat < 50 && d.threat >= 30);
      assert.ok(d.certainty >= 50);
      assert.ok(d.drivers.some((x) => x.name === 'target role' && x.value === 'domain-controller'));
    });
  }

  test('benign: DCs answering many clients with ordinary lookups stay quiet', () => {
    const r = rng(20);
    const recs: ZeekRecord[] = [];
    background(r, 4, '10.20.0.', ['10.5.0.10', '10.5.0.11'], recs);
    assert.deepEqual(run(recs, dcView(['10.5.0.10', '10.5.0.11'])), []);
  });

  test('benign: an Exchange-like server enumerating groups every day is learned', () => {
    const r = rng(21);
    const dcs = ['10.5.0.10'];
    const recs: ZeekRecord[] = [];
    background(r, 5, '10.20.0.', dcs, recs);
    const exch = '10.5.0.30';
    const daily = [
      'samr::SamrEnumerateDomainsInSamServer',
      'samr::SamrEnumerateGroupsInDomain',
      'samr::SamrGetMembersInGroup',
      'samr::SamrLookupIdsInDomain',
    ];
    for (let d = 0; d < 5; d++)
      for (let i = 0; i < daily.length; i++)
        recs.push(call(T0 + d * DAY + 3 * 3600 + i * 2 + r(), exch, dcs[0]!, daily[i]!));
    assert.deepEqual(run(recs, dcView(dcs)), [], 'score 10 < 12 while learning, habitual afterwards');
    // A new host doing the same on day 5 is not habitual.
    const newcomer = daily.map((op, i) => call(T0 + 5 * DAY + 3600 + i, '10.20.0.77', dcs[0]!, op));
    const ds = run([...recs, ...newcomer], dcView(dcs));
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, '10.20.0.77');
  });

  test('weak lookups alone and light enumeration of an ordinary host stay quiet', () => {
    const r = rng(22);
    const recs: ZeekRecord[] = [];
    background(r, 2, '10.20.0.', ['10.5.0.10'], recs);
    const t = T0 + 2 * DAY + 3600;
    for (const [i, op] of WEAK_ENUMERATION_OPERATIONS.slice(0, 10).entries())
      recs.push(call(t + i, '10.20.0.150', '10.5.0.10', op));
    // Two strong calls (score 6) against a workstation: below the 9 for ordinary targets.
    recs.push(call(t + 100, '10.20.0.151', '10.20.0.152', 'srvsvc::NetrConnectionEnum'));
    recs.push(call(t + 101, '10.20.0.151', '10.20.0.152', 'srvsvc::NetrFileEnum'));
    assert.deepEqual(run(recs, dcView(['10.5.0.10'])), []);
    recs.push(call(t + 102, '10.20.0.151', '10.20.0.152', 'srvsvc::NetrShareEnum'));
    const ds = run(recs, dcView(['10.5.0.10']));
    assert.equal(ds.length, 1);
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'target role' && x.value === 'other'));
  });

  test('one session-hunting call against a DC is enough; against a workstation it is not', () => {
    const r = rng(24);
    const recs: ZeekRecord[] = [];
    background(r, 2, '10.20.0.', ['10.5.0.10'], recs);
    const t = T0 + 2 * DAY + 3600;
    const hunt = call(t, '10.20.0.160', '10.5.0.10', 'srvsvc::NetrSessionEnum');
    const ws = call(t + 5, '10.20.0.161', '10.20.0.170', 'srvsvc::NetrSessionEnum');
    const ds = run([...recs, hunt, ws], dcView(['10.5.0.10']));
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, '10.20.0.160');
    assert.deepEqual(
      ds[0]!.evidence.map((e) => e.uid),
      [hunt.uid],
    );
  });

  test('habits survive checkpoint/restore', () => {
    const r = rng(23);
    const dcs = ['10.5.0.10'];
    const learn: ZeekRecord[] = [];
    background(r, 2, '10.20.0.', dcs, learn);
    const ops = [
      'samr::SamrEnumerateUsersInDomain',
      'samr::SamrEnumerateGroupsInDomain',
      'samr::SamrGetMembersInGroup',
    ];
    for (let d = 0; d < 2; d++)
      for (const [i, op] of ops.entries())
        learn.push(call(T0 + d * DAY + 7200 + i, '10.5.0.30', dcs[0]!, op));
    const a = new DetectionEngine([createRpcTargetedRecon], dcView(dcs));
    a.process(byTs(learn));
    const cp = JSON.parse(JSON.stringify(a.checkpoint())) as ReturnType<DetectionEngine['checkpoint']>;
    const today = ops.map((op, i) => call(T0 + 2 * DAY + 7200 + i, '10.5.0.30', dcs[0]!, op));
    const b = new DetectionEngine([createRpcTargetedRecon], dcView(dcs));
    b.restore(cp);
    b.process(today);
    assert.equal(b.store.detections.filter((d) => d.lastTs >= T0 + 2 * DAY).length, 0);
    const fresh = new DetectionEngine([createRpcTargetedRecon], dcView(dcs), {
      detectors: { 'rpc-targeted-recon': { learningSeconds: 0 } },
    });
    fresh.process(today);
    assert.equal(fresh.store.detections.length, 1, 'without the habits it fires');
  });

  test('operation lists come from config', () => {
    const recs = [call(T0 + 1, '10.1.1.5', '10.5.0.10', 'spoolss::RpcEnumPrinters')];
    const cfg = {
      detectors: {
        'rpc-targeted-recon': {
          strongOperations: ['spoolss::RpcEnumPrinters'],
          minScore: 3,
          learningSeconds: 0,
        },
      },
    };
    assert.equal(run(recs, dcView(['10.5.0.10']), cfg).length, 1);
    assert.equal(run(recs, dcView(['10.5.0.10'])).length, 0);
  });
});
