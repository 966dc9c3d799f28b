/**
 * Host keys and accounts joined into stored rows, and the pivots that use them: a host's
 * timeline follows the host across its addresses (and not the next holder of an address), an
 * account's timeline gathers its logons, and a bare host name resolves through `vigil_host`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { ZeekRecord } from '../model/records.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { conn } from '../test-support/records.js';
import { DuckDbStore } from './duckdb-store.js';

const T0 = Date.parse('2021-06-12T08:00:00Z') / 1000;
const H = 3600;
const SHARED_IP = '10.1.2.50';

function dhcp(ts: number, ip: string, mac: string, hostName: string): ZeekRecord {
  return {
    _path: 'dhcp',
    ts,
    uids: [`D${ts}`],
    server_addr: '10.0.0.1',
    mac,
    host_name: hostName,
    assigned_addr: ip,
    msg_types: ['REQUEST', 'ACK'],
  };
}

/** Alice holds .50, leaves; Bob gets .50; Alice comes back on .77 and logs on with Kerberos. */
function day(): ZeekRecord[] {
  return [
    dhcp(T0, SHARED_IP, 'aa:aa:aa:aa:aa:01', 'LAPTOP-ALICE'),
    conn({ ts: T0 + 1.5 * H, src: SHARED_IP, dst: '10.0.0.5', port: 445, uid: 'Calice1' }),
    conn({ ts: T0 + 3 * H, src: SHARED_IP, dst: '10.0.0.5', port: 445, uid: 'Calice2' }),
    dhcp(T0 + 3 * H + 600, SHARED_IP, 'bb:bb:bb:bb:bb:02', 'BOBPC'),
    conn({ ts: T0 + 4 * H, src: SHARED_IP, dst: '10.0.0.5', port: 445, uid: 'Cbob1' }),
    dhcp(T0 + 6 * H, '10.1.2.77', 'aa:aa:aa:aa:aa:01', 'LAPTOP-ALICE'),
    conn({ ts: T0 + 6 * H + 60, src: '10.1.2.77', dst: '10.0.0.5', port: 88, uid: 'Calice3' }),
    {
      _path: 'kerberos',
      ts: T0 + 6 * H + 61,
      uid: 'Calice3',
      'id.orig_h': '10.1.2.77',
      'id.orig_p': 50123,
      'id.resp_h': '10.0.0.5',
      'id.resp_p': 88,
      request_type: 'AS',
      client: 'alice/CORP.LOCAL',
      service: 'krbtgt/CORP.LOCAL',
      success: true,
    },
    // An external peer gets no host key.
    conn({ ts: T0 + 6 * H + 120, src: '10.1.2.77', dst: '93.184.216.34', port: 443, uid: 'Calice4' }),
  ];
}

let store: DuckDbStore;

before(async () => {
  store = await DuckDbStore.open(mkdtempSync(join(tmpdir(), 'vigil-joined-')));
  const hosts = new IdentityHostView(configSchema.parse({}), {
    geo: false,
  });
  const records = day();
  // As serve and demo do: the pipeline observes a batch, then the batch goes to the store.
  for (const r of records) hosts.observe(r);
  await store.appendPart('logs-1', records, hosts.rowContext());
  const aliceKey = hosts.hostKey('10.1.2.77', T0 + 6 * H);
  await store.appendPart('analysis-1', [
    ...hosts.hostRecords(),
    {
      _path: 'vigil_detection',
      ts: T0 + 6 * H + 90,
      uid: 'd1',
      type: 'port-sweep',
      host: aliceKey,
      src: '10.1.2.77',
      threat: 40,
      certainty: 50,
      summary: 'swept',
    },
  ]);
});

after(async () => {
  await store.close();
});

test('rows carry the host key of each internal endpoint at record time, and the account', async () => {
  const rows = await store.sql(
    'SELECT uid, _orig_host, _resp_host, _account FROM conn UNION ALL SELECT uid, _orig_host, _resp_host, _account FROM kerberos',
  );
  const by = new Map(rows.map((r) => [`${r.uid}:${r._account ?? ''}`, r]));
  const alice = by.get('Calice1:')!._orig_host;
  const bob = by.get('Cbob1:')!._orig_host;
  assert.ok(typeof alice === 'string' && typeof bob === 'string' && alice !== bob, `${alice} vs ${bob}`);
  assert.equal(by.get('Calice2:')!._orig_host, alice);
  // Named hosts are stored by name (Bob's key is his MAC): what an analyst reads and types.
  assert.equal(alice, 'name:LAPTOP-ALICE');
  assert.equal(bob, 'name:BOBPC');
  assert.equal(by.get('Calice3:')!._orig_host, alice, 'same host on its new address');
  assert.equal(by.get('Calice4:')!._resp_host, null, 'external address: no host key');
  assert.ok(String(by.get('Calice1:')!._resp_host).length > 0);
  assert.equal(by.get('Calice3:corp\\alice')!._account, 'corp\\alice');
});

test("a host's timeline follows it across addresses, not the next holder; detections interleave", async () => {
  const keys = await store.hostKeys('laptop-alice');
  const rows = await store.timeline({ hosts: keys });
  const uids = rows.filter((r) => r._log === 'conn').map((r) => r.uid);
  assert.deepEqual(uids, ['Calice1', 'Calice2', 'Calice3', 'Calice4']);
  assert.ok(rows.some((r) => r._log === 'vigil_detection' && r.type === 'port-sweep'));
  assert.ok(rows.every((r, i) => i === 0 || (r.ts as number) >= (rows[i - 1]!.ts as number)));
  const addrs = await store.hostAddresses(keys);
  assert.deepEqual(
    addrs.map((a) => a.ip),
    [SHARED_IP, '10.1.2.77'],
  );
  assert.ok(addrs[0]!.last <= T0 + 3 * H + 600, "Bob's tenure of the address is not Alice's");
  // Bob's MAC-based key resolves through vigil_host to his name, and back.
  assert.ok((await store.hostKeys('mac:bb:bb:bb:bb:bb:02')).includes('name:BOBPC'));
  assert.ok((await store.hostKeys('BOBPC')).includes('mac:bb:bb:bb:bb:bb:02'));
  const bob = await store.timeline({ hosts: await store.hostKeys('BOBPC') });
  assert.deepEqual(
    bob.filter((r) => r._log === 'conn').map((r) => r.uid),
    ['Cbob1'],
  );
  // Paging: a page of 2 then the rest.
  const page2 = await store.timeline({ hosts: keys }, { limit: 2, offset: 2 });
  assert.deepEqual(
    page2.map((r) => r.uid),
    rows.slice(2, 4).map((r) => r.uid),
  );
});

test('_host: in the search language resolves a name to every form its rows carry', async () => {
  const alice = await store.search('_host:laptop-alice log:conn', { limit: 100 });
  assert.deepEqual(alice.rows.map((r) => r.uid).sort(), ['Calice1', 'Calice2', 'Calice3', 'Calice4']);
  const bob = await store.search('_host:mac:bb:bb:bb:bb:bb:02');
  assert.deepEqual(
    bob.rows.map((r) => `${r._log}:${r.uid ?? ''}`),
    ['conn:Cbob1'],
  );
  const withDetections = await store.search('_host:LAPTOP-ALICE NOT log:conn');
  assert.deepEqual([...new Set(withDetections.rows.map((r) => r._log))].sort(), [
    'kerberos',
    'vigil_detection',
  ]);
  const h = await store.histogram('_host:laptop-alice', 86_400);
  assert.equal(
    h.reduce((a, b) => a + b.count, 0),
    6,
  );
});

test("an account's timeline gathers the records that name it", async () => {
  const rows = await store.timeline({ account: 'corp\\alice' });
  assert.deepEqual(
    rows.map((r) => `${r._log}:${r.uid}`),
    ['kerberos:Calice3'],
  );
  assert.deepEqual(await store.timeline({ account: 'corp\\nobody' }), []);
});
