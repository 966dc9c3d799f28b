import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommandActuator } from './actuators/command.js';
import { CrowdStrikeActuator } from './actuators/crowdstrike.js';
import { WebhookActuator } from './actuators/webhook.js';
import { AuditLog } from './audit.js';
import { responseSchema } from './config.js';
import { Responder, type Subject } from './responder.js';

const subject = (over: Partial<Subject> = {}): Subject => ({
  host: 'name:WIN-X',
  ip: '10.5.0.70',
  names: ['WIN-X'],
  roles: new Set(),
  priority: 'Critical',
  threat: 80,
  certainty: 90,
  detections: [{ id: 'd1', type: 'suspicious-remote-execution' }],
  inCampaign: false,
  accounts: ['corp\\s.hashimoto', 'corp\\breakglass'],
  externalIps: ['95.213.200.57', '192.0.2.10'],
  ...over,
});

test('block-account through a signed webhook: never-touch accounts kept, release when the condition ends, state survives restart', async () => {
  const got: { action: string; account?: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push(JSON.parse(body) as { action: string; account?: string });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"op-1"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const cfg = responseSchema.parse({
      actuators: { idp: { type: 'webhook', url, secret: { env: 'S' } } },
      policies: [
        {
          name: 'disable-accounts',
          mode: 'auto',
          action: 'block-account',
          actuator: 'idp',
          when: { priorityAtLeast: 'Critical' },
        },
      ],
      neverTouch: { accounts: ['CORP\\breakglass'] },
    });
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-block-')), 'audit.jsonl');
    const make = () =>
      new Responder(cfg, new Map([['idp', new WebhookActuator({ url, secret: 's' })]]), new AuditLog(file));
    const r = make();
    r.evaluate(subject(), 100);
    r.evaluate(subject(), 110);
    await r.settle();
    assert.deepEqual(got, [{ ...got[0]!, action: 'block-account', account: 'corp\\s.hashimoto' }]);
    assert.deepEqual(r.audit.all.map((e) => `${e.action} ${e.outcome} ${e.target}`).sort(), [
      'block-account executed corp\\s.hashimoto',
      'block-account suppressed-never-touch corp\\breakglass',
    ]);
    r.audit.close();
    const again = make();
    assert.deepEqual(
      again.blocks.map((b) => b.target),
      ['corp\\s.hashimoto'],
    );
    again.evaluate(subject({ priority: 'Medium', threat: 20 }), 5000);
    await again.settle();
    assert.equal(got.at(-1)!.action, 'unblock-account');
    assert.deepEqual(again.blocks, []);
  } finally {
    server.close();
  }
});

test('block-ip queued for approval, run through a command actuator (argv, no shell) once approved', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'vigil-block-')), 'fw.log');
  const script = `require('fs').appendFileSync(${JSON.stringify(out)}, process.argv.slice(1).join(' ') + '\\n')`;
  const cfg = responseSchema.parse({
    actuators: { fw: { type: 'command', argv: [process.execPath, '-e', script, '{action}', '{ip}'] } },
    policies: [
      { name: 'block-c2', mode: 'approve', action: 'block-ip', actuator: 'fw', when: { threatAtLeast: 50 } },
    ],
    neverTouch: { subnets: ['192.0.2.0/24'] },
  });
  const fw = new CommandActuator({
    argv: cfg.actuators.fw!.type === 'command' ? cfg.actuators.fw!.argv : [],
  });
  const r = new Responder(cfg, new Map([['fw', fw]]));
  r.evaluate(subject(), 100);
  assert.equal(r.pending.length, 1);
  assert.equal(r.pending[0]!.target, '95.213.200.57');
  await r.approve(r.pending[0]!.id, 'alice');
  assert.equal(readFileSync(out, 'utf8'), 'block-ip 95.213.200.57\n');
  assert.ok(r.audit.all.some((e) => e.outcome === 'suppressed-never-touch' && e.target === '192.0.2.10'));
});

test('a policy whose actuator cannot do its action is a located error', () => {
  const cfg = responseSchema.parse({
    actuators: {
      falcon: {
        type: 'crowdstrike',
        baseUrl: 'https://api.crowdstrike.com',
        clientId: { env: 'A' },
        clientSecret: { env: 'B' },
      },
    },
    policies: [
      { name: 'disable', action: 'block-account', actuator: 'falcon', when: { priorityAtLeast: 'High' } },
    ],
  });
  const falcon = new CrowdStrikeActuator({
    baseUrl: 'https://api.crowdstrike.com',
    clientId: 'a',
    clientSecret: 'b',
  });
  assert.throws(
    () => new Responder(cfg, new Map([['falcon', falcon]])),
    /response\.policies\.disable\.action: actuator falcon \(crowdstrike\) cannot block-account/,
  );
});
