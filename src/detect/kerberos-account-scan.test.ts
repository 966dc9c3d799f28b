import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { kerberos } from '../test-support/ad-records.js';
import { byTs, randomPrefix } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { createKerberosAccountScan } from './kerberos-account-scan.js';
import type { Detection } from './types.js';

const DAY = 86_400;
const T0 = 1_623_024_000; // 2021-06-07 00:00 UTC

function run(recs: ZeekRecord[], cfg: EngineConfig = {}): Detection[] {
  const engine = new DetectionEngine([createKerberosAccountScan], new IpHostView(), cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** A normal logon: PREAUTH_REQUIRED, then a successful AS-REQ, then TGS; plus the machine account. */
function logon(ts: number, src: string, kdc: string, user: string, realm: string, out: ZeekRecord[]): void {
  out.push(kerberos({ ts, src, dst: kdc, client: `${user}/${realm}`, error: 'KDC_ERR_PREAUTH_REQUIRED' }));
  out.push(kerberos({ ts: ts + 0.05, src, dst: kdc, client: `${user}/${realm}` }));
  out.push(
    kerberos({
      ts: ts + 0.3,
      src,
      dst: kdc,
      client: `${user}/${realm}`,
      requestType: 'TGS',
      service: 'cifs/fs01',
    }),
  );
}

function background(
  r: () => number,
  days: number,
  net: string,
  kdcs: string[],
  realm: string,
  out: ZeekRecord[],
): void {
  for (let d = 0; d < days; d++)
    for (let w = 1; w <= 50; w++) {
      const ws = `${net}${w + 100}`;
      const kdc = kdcs[w % kdcs.length]!;
      out.push(kerberos({ ts: T0 + d * DAY + 7 * 3600 + w, src: ws, dst: kdc, client: `WS${w}$/${realm}` }));
      logon(T0 + d * DAY + 8 * 3600 + r() * 3600, ws, kdc, `user${w}`, realm, out);
      if (r() < 0.3) logon(T0 + d * DAY + 13 * 3600 + r() * 3600, ws, kdc, `user${w}`, realm, out);
    }
}

describe('kerberos-account-scan', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`fires on user enumeration or spraying with random principals (seed ${seed})`, () => {
      const r = rng(seed);
      const net = randomPrefix(r);
      const realm = ['CORP.LOCAL', 'PANDALAB.COM', 'EXAMPLE.ORG'][seed % 3]!;
      const kdcs = [`${net}10`, `${net}11`];
      const recs: ZeekRecord[] = [];
      background(r, 2, net, kdcs, realm, recs);
      const attacker = `${randomPrefix(r)}${2 + Math.floor(r() * 250)}`;
      const start = T0 + 2 * DAY + 18 * 3600 + r() * 3600;
      const n = 12 + Math.floor(r() * 100);
      const span = 5 + r() * 500;
      const enumerate = seed % 2 === 1;
      const attack: ZeekRecord[] = [];
      for (let i = 0; i < n; i++) {
        const user = `${['j', 'm', 'a', 's'][i % 4]}${Math.floor(r() * 1e6).toString(36)}`;
        const exists = r() < 0.5;
        const error = enumerate
          ? exists
            ? 'KDC_ERR_PREAUTH_REQUIRED'
            : 'KDC_ERR_C_PRINCIPAL_UNKNOWN'
          : 'KDC_ERR_PREAUTH_FAILED';
        attack.push(
          kerberos({
            ts: start + (i * span) / n,
            src: attacker,
            dst: kdcs[0]!,
            client: `${user}/${realm}`,
            error,
          }),
        );
      }
      const ds = run([...recs, ...attack]);
      const failing = attack.filter((a) => a.error_msg !== 'KDC_ERR_PREAUTH_REQUIRED').length;
      if (failing < 8 && n < 20) {
        assert.deepEqual(ds, [], 'too few failures and too few principals');
        return;
      }
      assert.equal(ds.length, 1, JSON.stringify(ds.map((d) => [d.host, d.summary])));
      const d = ds[0]!;
      assert.equal(d.host, attacker);
      assert.deepEqual(d.targets, [kdcs[0]]);
      const uids = new Set(attack.map((x) => x.uid));
      assert.ok(d.evidence.length >= 8 && d.evidence.every((e) => uids.has(e.uid)));
      assert.ok(d.threat < 50);
      if (enumerate && failing >= 8)
        assert.ok(d.drivers.some((x) => x.name === 'pattern' && x.value === 'account enumeration'));
      if (!enumerate)
        assert.ok(d.drivers.some((x) => x.name === 'pattern' && x.value === 'password spraying'));
    });
  }

  test('benign: mistyped passwords, DCs answering many clients, machine principals', () => {
    const r = rng(60);
    const recs: ZeekRecord[] = [];
    background(r, 3, '10.5.1.', ['10.5.0.10', '10.5.0.11'], 'CORP.LOCAL', recs);
    const t = T0 + 3 * DAY + 9 * 3600;
    for (let i = 0; i < 5; i++)
      recs.push(
        kerberos({
          ts: t + i * 4,
          src: '10.5.1.120',
          dst: '10.5.0.10',
          client: 'user20/CORP.LOCAL',
          error: 'KDC_ERR_PREAUTH_FAILED',
        }),
      );
    logon(t + 30, '10.5.1.120', '10.5.0.10', 'user20', 'CORP.LOCAL', recs);
    // A server renewing tickets for many machine principals (cluster nodes) is not an account scan.
    for (let i = 0; i < 40; i++)
      recs.push(
        kerberos({ ts: t + 100 + i, src: '10.5.0.60', dst: '10.5.0.10', client: `NODE${i}$/CORP.LOCAL` }),
      );
    assert.deepEqual(run(recs), []);
  });

  test('records without a client principal (one-sided capture) are skipped', () => {
    const recs = Array.from({ length: 30 }, (_, i) => {
      const rec = kerberos({
        ts: T0 + i,
        src: '10.5.1.5',
        dst: '10.5.0.10',
        client: 'x',
        error: 'KDC_ERR_PREAUTH_FAILED',
      });
      delete rec.client;
      delete rec.request_type;
      return rec;
    });
    assert.deepEqual(run(recs), []);
  });

  test('failure codes come from config', () => {
    const recs = Array.from({ length: 8 }, (_, i) =>
      kerberos({
        ts: T0 + i,
        src: '10.5.1.5',
        dst: '10.5.0.10',
        client: `u${i}/CORP`,
        error: 'KDC_ERR_KEY_EXPIRED',
      }),
    );
    assert.equal(run(recs).length, 0);
    const cfg = { detectors: { 'kerberos-account-scan': { failureErrors: ['KDC_ERR_KEY_EXPIRED'] } } };
    assert.equal(run(recs, cfg).length, 1);
  });
});
