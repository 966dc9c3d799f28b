import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { clockRecords, DAY, pick, randomName, rdp, runWith, TestHostView } from '../test-support/lateral.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine } from './engine.js';
import { createSuspiciousRemoteDesktop } from './suspicious-remote-desktop.js';

const make = [createSuspiciousRemoteDesktop];
/** Monday 2021-06-07 00:00 UTC: business hours (IpHostView placeholder) are Mon–Fri 08–18 UTC. */
const MON = 1_623_024_000;
const H = 3600;

/** A week of ordinary RDP: IT admins to the DCs and servers in hours, users to their jump host. */
function ordinaryWeek(view: TestHostView): ZeekRecord[] {
  view.role('10.0.0.10', 'domain-controller').role('10.0.0.11', 'domain-controller');
  const recs: ZeekRecord[] = clockRecords('conn', MON);
  for (let d = 0; d < 5; d++)
    for (let a = 1; a <= 4; a++) {
      const ts = MON + d * DAY + 9 * H + a * 600;
      recs.push(
        rdp({
          ts,
          src: `10.1.0.${a}`,
          dst: `10.0.0.${10 + (a % 2)}`,
          cookie: `it${a}`,
          layout: 'English - United States',
          build: 'RDP 10.0',
          clientName: `IT-WS-${a}`,
        }),
      );
      for (let u = 1; u <= 15; u++)
        recs.push(
          rdp({
            ts: ts + u,
            src: `10.2.${a}.${u}`,
            dst: '10.3.0.5',
            cookie: `user${a}${u}`,
            layout: u % 7 === 0 ? 'German' : 'English - United States',
            build: 'RDP 10.0',
            clientName: `PC-${a}-${u}`,
          }),
        );
    }
  return recs;
}

describe('suspicious-remote-desktop', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on RDP from a generic-named / VPN / new client after learning (seed ${seed})`, () => {
      const r = rng(seed);
      const view = new TestHostView();
      const recs = ordinaryWeek(view);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const generic = pick(r, [
        `WIN-${randomName(r, 11).toUpperCase()}`,
        `DESKTOP-${randomName(r, 7).toUpperCase()}`,
      ]);
      const form = seed % 3;
      if (form === 1) view.vpnIps.add(attacker);
      const server = `10.3.0.${20 + Math.floor(r() * 50)}`;
      const ts = MON + 4 * DAY + 21 * H + r() * 3600;
      const s = rdp({
        ts,
        src: attacker,
        dst: server,
        cookie: pick(r, ['Administr', 'admin', randomName(r, 5)]),
        layout: pick(r, ['Russian', 'English - United States']),
        build: 'RDP 8.1',
        clientName: form === 2 ? undefined : generic,
      });
      if (form === 2) view.name(attacker, generic);
      recs.push(s);
      const ds = runWith(make, recs, view);
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => d.summary)));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.deepEqual(d.evidence, [{ log: 'rdp', uid: s.uid, ts }]);
      assert.ok(d.drivers.some((x) => x.name === 'generic client name'));
      assert.ok(d.threat >= 56);
    });
  }

  test('the incident: RDP into a DC off-hours with cookie Administr scores higher than to a server', () => {
    const view = new TestHostView();
    const recs = ordinaryWeek(view);
    view.name('10.5.200.7', 'WIN-XXXXXXXXXXXX');
    recs.push(rdp({ ts: MON + 4 * DAY + 21 * H, src: '10.5.200.7', dst: '10.3.0.28', cookie: 'Administr' }));
    recs.push(rdp({ ts: MON + 5 * DAY + 34 * 60, src: '10.5.200.7', dst: '10.0.0.10', cookie: 'Administr' }));
    recs.push(rdp({ ts: MON + 5 * DAY + 41 * 60, src: '10.5.200.7', dst: '10.0.0.11', cookie: 'Administr' }));
    const ds = runWith(make, recs, view);
    assert.equal(ds.length, 1);
    const d = ds[0]!;
    assert.deepEqual(d.targets, ['10.3.0.28', '10.0.0.10', '10.0.0.11']);
    assert.equal(d.evidenceCount, 3);
    assert.ok(d.threat >= 80);
    assert.deepEqual(d.accounts, ['administr']);
  });

  test('a keyboard layout new for a known client and rare on the network fires', () => {
    const view = new TestHostView();
    const recs = ordinaryWeek(view);
    recs.push(
      rdp({
        ts: MON + 4 * DAY + 15 * H,
        src: '10.2.1.3',
        dst: '10.3.0.5',
        cookie: 'user13',
        layout: 'Russian',
        build: 'RDP 10.0',
        clientName: 'PC-1-3',
      }),
    );
    const ds = runWith(make, recs, view);
    assert.equal(ds.length, 1);
    assert.ok(
      ds[0]!.drivers.some((x) => x.name === 'keyboard layout rare on the network' && x.value === 'Russian'),
    );
  });

  test('benign: IT admins RDP to DCs in hours (also to the other DC), users as usual, a new but named laptop', () => {
    const view = new TestHostView();
    const recs = ordinaryWeek(view);
    const nextMon = MON + 7 * DAY;
    recs.push(
      rdp({
        ts: nextMon + 10 * H,
        src: '10.1.0.1',
        dst: '10.0.0.10',
        cookie: 'it1',
        layout: 'English - United States',
        build: 'RDP 10.0',
      }),
    );
    recs.push(rdp({ ts: nextMon + 11 * H, src: '10.1.0.2', dst: '10.0.0.11', cookie: 'it2' }));
    recs.push(
      rdp({
        ts: nextMon + 12 * H,
        src: '10.2.1.1',
        dst: '10.3.0.5',
        cookie: 'user11',
        layout: 'English - United States',
        build: 'RDP 10.0',
      }),
    );
    recs.push(
      rdp({
        ts: nextMon + 13 * H,
        src: '10.2.9.9',
        dst: '10.3.0.5',
        cookie: 'newhire',
        clientName: 'PC-NEW-01',
      }),
    );
    assert.deepEqual(runWith(make, recs, view), []);
  });

  test('baselines persist through checkpoints', () => {
    const view = new TestHostView();
    const e1 = new DetectionEngine(make, view);
    e1.process(byTs(ordinaryWeek(view)));
    const cp = JSON.parse(JSON.stringify(e1.checkpoint()));
    const e2 = new DetectionEngine(make, view);
    e2.restore(cp);
    e2.process([rdp({ ts: MON + 7 * DAY + 10 * H, src: '10.1.0.3', dst: '10.0.0.11', cookie: 'it3' })]);
    assert.equal(e2.store.detections.length, 0, 'admin pair learned before the restart');
    e2.process([rdp({ ts: MON + 7 * DAY + 22 * H, src: '10.2.2.2', dst: '10.0.0.10', cookie: 'user22' })]);
    assert.equal(
      e2.store.detections.length,
      1,
      'a user host into a DC at night is outside the admin baseline',
    );
  });

  test('a client that once presented a generic name stays generic when later sessions carry none (NLA)', () => {
    const view = new TestHostView();
    const recs = ordinaryWeek(view);
    recs.push(
      rdp({
        ts: MON + 4 * DAY + 21 * H,
        src: '10.5.0.70',
        dst: '10.3.0.28',
        clientName: 'WIN-YF76VYWGUIM',
        cookie: 's.hashimo',
      }),
    );
    recs.push(rdp({ ts: MON + 4 * DAY + 22 * H, src: '10.5.0.70', dst: '10.3.0.29', cookie: 's.hashimo' }));
    const ds = runWith(make, recs, view);
    assert.equal(ds.length, 1);
    assert.equal(ds[0]!.evidenceCount, 2);
  });

  test('benign: a new IT admin account/workstation into a DC in business hours is only a weak reason', () => {
    const view = new TestHostView();
    const recs = ordinaryWeek(view);
    recs.push(
      rdp({
        ts: MON + 7 * DAY + 10 * H,
        src: '10.1.0.77',
        dst: '10.0.0.10',
        cookie: 'adm-ohara',
        clientName: 'IT-WS-77',
      }),
    );
    recs.push(rdp({ ts: MON + 7 * DAY + 11 * H, src: '10.1.0.78', dst: '10.0.0.11', cookie: 'it2' }));
    assert.deepEqual(runWith(make, recs, view), []);
  });
});
