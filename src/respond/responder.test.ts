import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { type Device, startVendorServer, type VendorServer } from '../test-support/vendor-server.js';
import { CrowdStrikeActuator } from './actuators/crowdstrike.js';
import { AuditLog } from './audit.js';
import { type ResponseConfig, responseSchema } from './config.js';
import { Responder, type Subject } from './responder.js';

let vs: VendorServer;
const devices: Device[] = [
  { id: 'a-dc1', ip: '10.5.0.11', name: 'DC1', contained: false },
  { id: 'a-dc2', ip: '10.5.0.12', name: 'DC2', contained: false },
  { id: 'a-edr', ip: '10.5.0.50', name: 'EDRSRV', contained: false },
  { id: 'a-ws1', ip: '10.5.3.1', name: 'WS1', contained: false },
  { id: 'a-ws2', ip: '10.5.3.2', name: 'WS2', contained: false },
  { id: 'a-ws3', ip: '10.5.3.3', name: 'WS3', contained: false },
];
before(async () => {
  vs = await startVendorServer(devices);
});
after(async () => vs.close());
beforeEach(() => {
  for (const d of devices) d.contained = false;
});

function config(policy: Record<string, unknown>, extra: Record<string, unknown> = {}): ResponseConfig {
  return responseSchema.parse({
    actuators: {
      falcon: { type: 'crowdstrike', baseUrl: vs.url, clientId: { env: 'X' }, clientSecret: { env: 'Y' } },
    },
    policies: [
      {
        name: 'isolate-dc',
        actuator: 'falcon',
        when: { roles: ['domain-controller'], priorityAtLeast: 'Critical' },
        ...policy,
      },
    ],
    ...extra,
  });
}

function responder(cfg: ResponseConfig, audit = new AuditLog()): Responder {
  const falcon = new CrowdStrikeActuator({
    baseUrl: vs.url,
    clientId: 'id',
    clientSecret: 'secret',
    http: { timeoutMs: 500, retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
  });
  return new Responder(cfg, new Map([['falcon', falcon]]), audit);
}

function subject(d: Device, over: Partial<Subject> = {}): Subject {
  return {
    host: d.name.toLowerCase(),
    ip: d.ip,
    names: [d.name],
    roles: new Set(d.name.startsWith('DC') ? ['domain-controller'] : []),
    priority: 'Critical',
    threat: 80,
    certainty: 90,
    detections: [{ id: 'd1', type: 'port-sweep' }],
    inCampaign: true,
    ...over,
  };
}

const outcomes = (r: Responder) => r.audit.all.map((e) => `${e.outcome} ${e.host}`);

test('auto: a Critical DC is isolated once; non-DCs and repeats are left alone', async () => {
  const r = responder(config({ mode: 'auto' }));
  r.evaluate(subject(devices[0]!), 100);
  r.evaluate(subject(devices[0]!), 101);
  r.evaluate(subject(devices[3]!), 102);
  await r.settle();
  assert.deepEqual(outcomes(r), ['executed dc1']);
  assert.equal(devices[0]!.contained, true);
  assert.deepEqual(
    devices.filter((d) => d.contained).map((d) => d.name),
    ['DC1'],
  );
  const e = r.audit.all[0]!;
  assert.deepEqual(e.detections, ['d1']);
  assert.equal(e.score.priority, 'Critical');
  assert.match(e.response ?? '', /a-dc1/);
});

test('dry-run decides and logs, touching nothing', async () => {
  const r = responder(config({ mode: 'dry-run' }));
  r.evaluate(subject(devices[0]!), 100);
  r.evaluate(subject(devices[0]!), 200);
  await r.settle();
  assert.deepEqual(outcomes(r), ['dry-run dc1']);
  assert.equal(devices[0]!.contained, false);
});

test('approve: queued, then an analyst approves and it runs', async () => {
  const r = responder(config({ mode: 'approve' }));
  r.evaluate(subject(devices[0]!), 100);
  assert.equal(r.pending.length, 1);
  assert.equal(devices[0]!.contained, false);
  await r.approve(r.pending[0]!.id, 'alice');
  assert.equal(devices[0]!.contained, true);
  assert.deepEqual(outcomes(r), ['queued-approval dc1', 'approved dc1', 'executed dc1']);
  assert.equal(r.audit.all[2]!.by, 'alice');
});

test('never-touch by role, subnet and name is logged and respected', async () => {
  const cfg = config(
    { mode: 'auto', when: { priorityAtLeast: 'High' } },
    { neverTouch: { hosts: ['WS2'], subnets: ['10.5.0.48/29'], roles: ['domain-controller'] } },
  );
  const r = responder(cfg);
  r.evaluate(subject(devices[0]!), 1);
  r.evaluate(subject(devices[2]!), 2);
  r.evaluate(subject(devices[4]!), 3);
  r.evaluate(subject(devices[3]!), 4);
  await r.settle();
  assert.deepEqual(outcomes(r), [
    'suppressed-never-touch dc1',
    'suppressed-never-touch edrsrv',
    'suppressed-never-touch ws2',
    'executed ws1',
  ]);
  assert.deepEqual(
    devices.filter((d) => d.contained).map((d) => d.name),
    ['WS1'],
  );
});

test('blast-radius cap: excess actions are queued for approval, never dropped', async () => {
  const r = responder(config({ mode: 'auto', maxActionsPerHour: 2, when: { priorityAtLeast: 'High' } }));
  for (const [i, d] of [devices[3]!, devices[4]!, devices[5]!].entries()) r.evaluate(subject(d), 100 + i);
  await r.settle();
  // Audit order is completion order: the queue entry is written at once, executions on reply.
  assert.deepEqual(outcomes(r).sort(), ['executed ws1', 'executed ws2', 'queued-cap ws3']);
  assert.equal(devices[5]!.contained, false);
  assert.equal(r.pending.length, 1);
  // An hour of event time later the cap has room again for new hosts.
  r.evaluate(subject(devices[1]!, { roles: new Set() }), 100 + 3601);
  await r.settle();
  assert.equal(devices[1]!.contained, true);
});

test('auto-release when the condition stops holding, then cool-down; IP change re-applies', async () => {
  const r = responder(config({ mode: 'auto', cooldownSeconds: 600 }));
  r.evaluate(subject(devices[0]!), 100);
  r.evaluate(subject(devices[0]!, { ip: '10.5.0.99' }), 150);
  await r.settle();
  assert.equal(r.isolations.get('dc1')?.ip, '10.5.0.99');
  r.evaluate(subject(devices[0]!, { ip: '10.5.0.99', priority: 'Medium', threat: 20 }), 200);
  await r.settle();
  r.evaluate(subject(devices[0]!), 300);
  await r.settle();
  assert.deepEqual(outcomes(r), [
    'executed dc1',
    'reapplied-ip-change dc1',
    'released dc1',
    'suppressed-cooldown dc1',
  ]);
});

test('a failed actuator call is audited and not counted as isolated; the next evaluation retries', async () => {
  const r = responder(config({ mode: 'auto' }));
  vs.faults.push('500');
  r.evaluate(subject(devices[1]!), 100);
  await r.settle();
  assert.equal(r.isolations.size, 0);
  r.evaluate(subject(devices[1]!), 110);
  await r.settle();
  assert.deepEqual(outcomes(r), ['failed dc2', 'executed dc2']);
});

test('state survives restart: the audit log is replayed (durable, append-only)', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-audit-')), 'audit.jsonl');
  const cfg = config({ mode: 'auto' });
  const r1 = responder(cfg, new AuditLog(file));
  r1.evaluate(subject(devices[0]!), 100);
  await r1.settle();
  r1.audit.close();
  const r2 = responder(cfg, new AuditLog(file));
  assert.equal(r2.isolations.get('dc1')?.policy, 'isolate-dc');
  r2.evaluate(subject(devices[0]!), 200);
  await r2.settle();
  assert.equal(r2.audit.all.length, 1, 'no second isolation after restart');
});

test('config errors name the key', () => {
  const bad = responseSchema.safeParse({
    policies: [{ name: 'p', actuator: 'nope', when: {} }],
    actuators: {},
  });
  assert.equal(bad.success, false);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  assert.ok(paths.includes('policies.0.when'));
  assert.ok(paths.includes('policies.0.actuator'));
});

test('groups (tags): a policy for one group only, and a never-touch group; unknown groups are config errors', async () => {
  const cfg = responseSchema.parse({
    actuators: {
      falcon: { type: 'crowdstrike', baseUrl: vs.url, clientId: { env: 'X' }, clientSecret: { env: 'Y' } },
    },
    groups: { 'tier0-servers': ['DC1', 'DC2'], 'soc-tools': ['10.5.0.48/29'], kiosks: ['WS1', 'name:ws2'] },
    policies: [
      {
        name: 'isolate-kiosks',
        mode: 'auto',
        actuator: 'falcon',
        when: { groups: ['kiosks'], priorityAtLeast: 'High' },
      },
    ],
    neverTouch: { groups: ['soc-tools'] },
  });
  const r = responder(cfg);
  r.evaluate(subject(devices[3]!), 1);
  r.evaluate(subject(devices[4]!), 2);
  r.evaluate(subject(devices[5]!), 3);
  r.evaluate(subject(devices[0]!), 4);
  await r.settle();
  assert.deepEqual(outcomes(r).sort(), ['executed ws1', 'executed ws2']);
  const bad = responseSchema.safeParse({ groups: {}, neverTouch: { groups: ['nope'] } });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error!.issues[0]!.path, ['neverTouch', 'groups', 0]);
});
