import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { ntlm } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { createSmbAccountScan } from './smb-account-scan.js';
import type { Detection } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC

function run(recs: ZeekRecord[], cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createSmbAccountScan], new IpHostView(), cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** Each workstation authenticates as its user (and sometimes the user's admin account). */
function background(r: () => number, days: number, net: string, servers: string[], out: ZeekRecord[]): void {
  for (let d = 0; d < days; d++)
    for (let w = 1; w <= 50; w++)
      for (let i = 0; i < 5; i++) {
        const admin = i === 4 && w % 10 === 0;
        out.push(
          ntlm({
            ts: T0 + d * DAY + 8 * 3600 + r() * 9 * 3600,
            src: `${net}${w + 100}`,
            dst: servers[i % servers.length]!,
            user: admin ? `adm.user${w}` : `user${w}`,
            workstation: `WS${w}`,
            success: true,
          }),
        );
        // The machine account authenticates too; it never counts.
        out.push(
          ntlm({
            ts: T0 + d * DAY + 7 * 3600 + w,
            src: `${net}${w + 100}`,
            dst: servers[0]!,
            user: `WS${w}$`,
          }),
        );
      }
}

describe('smb-account-scan', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on a spray of random accounts and timing (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const servers = [`${net}10`, `${net}20`];
      const recs: ZeekRecord[] = [];
      background(r, 2, net, servers, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + 18 * 3600 + r() * 3600;
      const n = 10 + Math.floor(r() * 70);
      const span = 30 + r() * 400;
      const domain = ['CORP', 'corp.local', 'PANDALAB'][Math.floor(r() * 3)]!;
      const lucky = Math.floor(r() * n);
      const attack = Array.from({ length: n }, (_, i) =>
        ntlm({
          ts: start + (i * span) / n,
          src: attacker,
          dst: servers[Math.floor(r() * 2)]!,
          user: `${['j', 'm', 'a', 's'][i % 4]}.${Math.floor(r() * 1e6).toString(36)}${i}`,
          domain,
          workstation: 'WIN-A1B2C3D4E5F',
          success: i === lucky && seed % 2 === 0,
        }),
      );
      const ds = run([...recs, ...attack]);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.equal(d.category, 'credential-access');
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length >= 8 && d.evidence.every((e) => uids.has(e.uid)));
      assert.equal(
        d.detectedAt,
        attack[seed % 2 === 0 && lucky < 8 ? 8 : 7]!.ts,
        'fires on the 8th failing account',
      );
      assert.ok(d.threat < 50);
      assert.ok(d.certainty >= 60);
    });
  }

  test('benign: a mistyped password, a helpdesk tech on 30 machines, DCs answering everyone', () => {
    const r = rng(50);
    const recs: ZeekRecord[] = [];
    background(r, 2, '10.5.1.', ['10.5.0.10', '10.5.0.20'], recs);
    const t = T0 + 2 * DAY + 10 * 3600;
    for (let i = 0; i < 6; i++)
      recs.push(ntlm({ ts: t + i * 5, src: '10.5.1.120', dst: '10.5.0.20', user: 'user20', success: false }));
    recs.push(ntlm({ ts: t + 40, src: '10.5.1.120', dst: '10.5.0.20', user: 'user20', success: true }));
    for (let i = 0; i < 30; i++)
      recs.push(
        ntlm({
          ts: t + 100 + i * 10,
          src: '10.5.1.99',
          dst: `10.5.1.${101 + i}`,
          user: 'helpdesk.tech',
          success: i % 7 !== 0,
        }),
      );
    assert.deepEqual(run(recs), []);
  });

  test('benign: a terminal server carrying 30 users every day is learned; breadth above it fires', () => {
    const r = rng(51);
    const recs: ZeekRecord[] = [];
    background(r, 4, '10.5.1.', ['10.5.0.10'], recs);
    for (let d = 0; d < 4; d++)
      for (let u = 0; u < 30; u++)
        recs.push(
          ntlm({
            ts: T0 + d * DAY + 9 * 3600 + u * 15,
            src: '10.5.0.40',
            dst: '10.5.0.20',
            user: `user${u}`,
          }),
        );
    assert.deepEqual(run(recs), []);
    // Outcome unknown (Zeek saw no status) but 70 accounts from a new host: a scan.
    const scan = Array.from({ length: 70 }, (_, i) =>
      ntlm({ ts: T0 + 4 * DAY + 3600 + i * 3, src: '10.5.1.200', dst: '10.5.0.10', user: `svc${i}` }),
    );
    const ds = run([...recs, ...scan]);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.host, '10.5.1.200');
    assert.ok(ds[0]!.drivers.some((x) => x.name === 'pattern' && x.value === 'account scan'));
  });

  test('baseline survives checkpoint/restore', () => {
    const day = (d: number): ZeekRecord[] =>
      Array.from({ length: 45 }, (_, u) =>
        ntlm({ ts: T0 + d * DAY + 9 * 3600 + u * 10, src: '10.5.0.40', dst: '10.5.0.20', user: `user${u}` }),
      );
    const a = new DetectionEngine([createSmbAccountScan], new IpHostView());
    a.process([...day(0), ...day(1)]);
    const cp = JSON.parse(JSON.stringify(a.checkpoint())) as ReturnType<DetectionEngine['checkpoint']>;
    const b = new DetectionEngine([createSmbAccountScan], new IpHostView());
    b.restore(cp);
    b.process(day(2));
    assert.equal(b.store.detections.filter((d) => d.lastTs >= T0 + 2 * DAY).length, 0);
    const c = new DetectionEngine([createSmbAccountScan], new IpHostView(), {
      detectors: { 'smb-account-scan': { learningSeconds: 0 } },
    });
    c.process(day(2));
    assert.equal(c.store.detections.length, 1);
  });

  test('thresholds come from config', () => {
    const recs = Array.from({ length: 3 }, (_, i) =>
      ntlm({ ts: T0 + i, src: '10.5.1.5', dst: '10.5.0.10', user: `u${i}`, success: false }),
    );
    assert.equal(run(recs).length, 0);
    assert.equal(run(recs, { detectors: { 'smb-account-scan': { minFailedAccounts: 3 } } }).length, 1);
  });
});
