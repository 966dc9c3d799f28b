import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { IpHostView } from '../detect/ip-host-view.js';
import { schemaFor } from '../model/schemas.js';
import { tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { CrowdStrikeActuator } from '../respond/actuators/crowdstrike.js';
import { responseSchema } from '../respond/config.js';
import { Responder } from '../respond/responder.js';
import { conn } from '../test-support/records.js';
import { startVendorServer } from '../test-support/vendor-server.js';
import { runAnalysis } from './analysis.js';
import { reportSchema } from './report-schema.js';

test('pipeline: a DC that starts sweeping is isolated through the EDR within seconds of event time; others are not', async () => {
  const vs = await startVendorServer([
    { id: 'aid-dc1', ip: '10.5.0.11', name: 'DC1', contained: false },
    { id: 'aid-ws', ip: '10.5.3.28', name: 'WS28', contained: false },
  ]);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pipe-'));
    const fields = schemaFor('conn')!.fields;
    const t0 = 1_623_515_940;
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      lines.push(tsvLine(conn({ ts: t0 + i, src: '10.5.0.11', dst: `10.5.2.${i + 1}`, port: 445 }), fields));
      lines.push(
        tsvLine(conn({ ts: t0 + i + 0.5, src: '10.5.3.28', dst: `10.5.4.${i + 1}`, port: 135 }), fields),
      );
    }
    writeFileSync(join(dir, 'conn.log'), `${tsvHeader('conn', fields, t0)}\n${lines.join('\n')}\n`);
    const cfg = responseSchema.parse({
      actuators: {
        falcon: { type: 'crowdstrike', baseUrl: vs.url, clientId: { env: 'A' }, clientSecret: { env: 'B' } },
      },
      policies: [
        {
          name: 'isolate-scanning-dc',
          mode: 'auto',
          actuator: 'falcon',
          when: { roles: ['domain-controller'], detectionTypes: ['port-sweep'] },
        },
      ],
    });
    const responder = new Responder(
      cfg,
      new Map([
        ['falcon', new CrowdStrikeActuator({ baseUrl: vs.url, clientId: 'id', clientSecret: 'secret' })],
      ]),
    );
    const hosts = new IpHostView(
      new Map([['10.5.0.11', new Set(['domain-controller'])]]),
      new Set(['10.5.0.11']),
    );
    const report = reportSchema.parse(await runAnalysis([dir], { hosts, responder }));
    assert.equal(report.detections.length, 2);
    const executed = report.responses as { outcome: string; host: string; eventTime: number }[];
    assert.deepEqual(
      executed.map((e) => `${e.outcome} ${e.host}`),
      ['executed 10.5.0.11'],
    );
    const lag = executed[0]!.eventTime - t0;
    assert.ok(lag <= 30, `isolated ${lag} s of event time after the scanning started`);
    assert.equal(vs.devices[0]!.contained, true);
    assert.equal(vs.devices[1]!.contained, false);
  } finally {
    await vs.close();
  }
});

test('pipeline with the identity layer: real AD lab logs, DCs found by role, no false detections', async (t) => {
  const { sharedData } = await import('../test-support/shared-data.js');
  const dir = sharedData('zeek/otrf-security-datasets');
  if (!dir) return t.skip('real data not found');
  const { configSchema } = await import('../config/schema.js');
  const { IdentityHostView } = await import('./identity-view.js');
  const hosts = new IdentityHostView(configSchema.parse({}));
  const report = reportSchema.parse(await runAnalysis([dir], { hosts }));
  assert.equal(report.summary.records, 10_243);
  const dcs = hosts.enricher.identity
    .hosts()
    .filter((h) => hosts.roles(h.key).has('domain-controller'))
    .map((h) => h.key)
    .sort();
  assert.deepEqual(dcs, ['ip:192.168.1.4', 'ip:192.168.56.4']);
  assert.ok(hosts.isHighValue('ip:192.168.1.4'));
  // Benign lab background plus LSASS dumps on the hosts themselves: nothing here is network recon.
  assert.deepEqual(
    report.hosts.filter((h) => h.priority === 'Critical' || h.priority === 'High').map((h) => h.key),
    [],
  );
});
