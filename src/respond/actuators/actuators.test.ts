import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Device, startVendorServer, type VendorServer } from '../../test-support/vendor-server.js';
import type { HttpPolicy } from '../http.js';
import { CrowdStrikeActuator } from './crowdstrike.js';
import { DefenderActuator } from './defender.js';
import { SentinelOneActuator } from './sentinelone.js';
import type { Actuator } from './types.js';

const fast: HttpPolicy = { timeoutMs: 300, retries: 3, baseDelayMs: 10, maxDelayMs: 1500 };
const DC1: Device = { id: 'aid-dc1', ip: '10.5.0.11', name: 'DC1', contained: false };
const WS: Device = { id: 'aid-ws', ip: '10.5.3.28', name: 'WS28', contained: false };

let vs: VendorServer;
before(async () => {
  vs = await startVendorServer([DC1, WS]);
});
after(async () => vs.close());

const vendors: [string, () => Actuator][] = [
  [
    'crowdstrike',
    () => new CrowdStrikeActuator({ baseUrl: vs.url, clientId: 'id', clientSecret: 'secret', http: fast }),
  ],
  [
    'defender',
    () =>
      new DefenderActuator({
        tenantId: 'contoso.onmicrosoft.com',
        clientId: 'id',
        clientSecret: 'secret',
        apiBase: vs.url,
        loginBase: vs.url,
        pollIntervalMs: 5,
        http: fast,
      }),
  ],
  ['sentinelone', () => new SentinelOneActuator({ baseUrl: vs.url, apiToken: 's1token', http: fast })],
];

for (const [name, make] of vendors) {
  describe(name, () => {
    test('isolates the device at the IP, then releases it', async () => {
      const a = make();
      const r = await a.isolate({ host: 'dc1', ip: DC1.ip, names: ['DC1'] }, 'test');
      assert.equal(r.deviceId, DC1.id);
      assert.equal(DC1.contained, true);
      assert.equal(WS.contained, false, 'nothing else touched');
      await a.release({ host: 'dc1', ip: DC1.ip, names: ['DC1'] }, 'test');
      assert.equal(DC1.contained, false);
    });

    test('retries through 500 and 429 (honouring Retry-After) and a hung request', async () => {
      const a = make();
      vs.faults.push('500', '429', 'hang');
      await a.isolate({ host: 'ws', ip: WS.ip, names: [] }, 'test');
      assert.equal(WS.contained, true);
      WS.contained = false;
    });

    test('a 401 mid-session refreshes the credentials once and goes on', async () => {
      if (name === 'sentinelone') return; // API tokens do not refresh: a 401 is final (next test)
      const a = make();
      await a.isolate({ host: 'ws', ip: WS.ip, names: [] }, 'warm-up');
      const before = vs.tokensIssued;
      vs.faults.push('401');
      await a.release({ host: 'ws', ip: WS.ip, names: [] }, 'test');
      assert.equal(vs.tokensIssued, before + 1);
      assert.equal(WS.contained, false);
    });

    test('a malformed reply and an unknown device fail with a clear error, touching nothing', async () => {
      const a = make();
      vs.faults.push('malformed');
      await assert.rejects(a.isolate({ host: 'ws', ip: WS.ip, names: [] }, 'x'), /malformed JSON/);
      await assert.rejects(
        a.isolate({ host: 'ghost', ip: '10.9.9.9', names: [] }, 'x'),
        /no (device|machine|agent)/,
      );
      assert.equal(WS.contained, false);
    });

    test('lookup values that could inject into a vendor filter are refused', async () => {
      const a = make();
      await assert.rejects(
        a.isolate({ host: 'x', ip: "10.0.0.1' OR hostname:'*", names: [] }, 'x'),
        /not allowed/,
      );
    });
  });
}

test('sentinelone: a 401 (revoked API token) is final and reported', async () => {
  const a = new SentinelOneActuator({ baseUrl: vs.url, apiToken: 'wrong', http: fast });
  await assert.rejects(a.isolate({ host: 'ws', ip: WS.ip, names: [] }, 'x'), /HTTP 401/);
});
