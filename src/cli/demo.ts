/**
 * `vigil demo` (`npm run demo`): the seed report, replayed on this machine. Generates the
 * reference incident, runs the whole pipeline — identity, detection, scoring, response in `auto`
 * mode against a local demo EDR, the metadata store — prints the incident timeline as it
 * unfolds, then serves the console until Ctrl-C (`--no-serve` to stop after the timeline).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serve as serveHttp } from '@hono/node-server';
import { configSchema, type VigilConfig } from '../config/schema.js';
import { IngestRun } from '../ingest/run.js';
import { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { analysisRecords } from '../recall/analysis-records.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { StoreFeed } from '../recall/feed.js';
import { CrowdStrikeActuator } from '../respond/actuators/crowdstrike.js';
import { AuditLog } from '../respond/audit.js';
import { responseSchema } from '../respond/config.js';
import { startVendorServer } from '../respond/demo-edr.js';
import { Responder } from '../respond/responder.js';
import { buildApp } from '../server/app.js';
import { EventHub } from '../server/events.js';
import { TokenStore } from '../server/tokens.js';
import { simulateToDir } from '../simulate/index.js';
import type { Truth } from '../simulate/truth.js';
import { webFiles } from './serve.js';

export interface DemoOptions {
  readonly out?: string;
  readonly seed?: number;
  readonly serve: boolean;
  readonly listen?: string;
}

/** The site config a SOC would write for the simulated network. */
export function siteConfig(truth: Truth): VigilConfig {
  return configSchema.parse({
    network: {
      vpnPools: [truth.network.vpnPool],
      scanners: [truth.network.declared.scanner],
      businessHours: { timeZone: truth.timezone === '+09:00' ? 'Asia/Tokyo' : 'UTC' },
    },
  });
}

const jst = (ts: number, tz: string): string =>
  new Date(ts * 1000).toLocaleString('sv-SE', { timeZone: tz, hour12: false }).replace(' ', ' ');

export async function runDemo(o: DemoOptions): Promise<number> {
  const say = (t: string) => process.stderr.write(`${t}\n`);
  const base = resolve(o.out ?? mkdtempSync(join(tmpdir(), 'vigil-demo-')));
  const logs = join(base, 'logs');
  const started = Date.now();
  say(`vigil demo: generating the reference incident (Jun 3 → Jun 13 2021) into ${logs} …`);
  const sim = simulateToDir('reference-incident', logs, { seed: o.seed ?? 1, format: 'tsv' });
  say(
    `  ${sim.records.toLocaleString('en-US')} Zeek records in ${sim.logs.length} logs (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  const config = siteConfig(sim.truth);
  const tz = config.network.businessHours.timeZone;

  const edr = await startVendorServer(
    sim.truth.network.hosts
      .filter((h) => h.role === 'dc')
      .map((h, i) => ({ id: `aid-dc${i + 1}`, ip: h.ip, name: h.name, contained: false })),
  );
  const response = responseSchema.parse({
    actuators: {
      'demo-edr': {
        type: 'crowdstrike',
        baseUrl: edr.url,
        clientId: { env: 'VIGIL_DEMO_ID' },
        clientSecret: { env: 'VIGIL_DEMO_SECRET' },
      },
    },
    policies: [
      {
        name: 'isolate-attacking-dc',
        mode: 'auto',
        actuator: 'demo-edr',
        when: { roles: ['domain-controller'], priorityAtLeast: 'Critical' },
      },
      {
        name: 'isolate-critical-host',
        mode: 'approve',
        actuator: 'demo-edr',
        when: { priorityAtLeast: 'Critical' },
      },
    ],
  });
  const audit = new AuditLog(join(base, 'audit.jsonl'));
  const responder = new Responder(
    response,
    new Map([
      ['demo-edr', new CrowdStrikeActuator({ baseUrl: edr.url, clientId: 'demo', clientSecret: 'secret' })],
    ]),
    audit,
  );
  const events = new EventHub();
  const hosts = new IdentityHostView(config);
  const name = (key: string) => hosts.names(key)[0] ?? key;
  say('\nincident timeline (site time):');
  const analysis = new Analysis({
    hosts,
    responder,
    onDetection: (d, change, now) => {
      if (change === 'new')
        say(
          `  ${jst(now, tz)}  ${name(d.host).padEnd(18)} detection  ${d.type} (T${d.threat}/C${d.certainty})`,
        );
      events.publish({ type: 'detection', data: { change, id: d.id, type: d.type, host: d.host } });
    },
    onPriorityChange: (h, from, to, ts) => {
      say(`  ${jst(ts, tz)}  ${name(h).padEnd(18)} priority   ${from} → ${to}`);
      events.publish({ type: 'priority', data: { host: h, from, to, ts } });
    },
  });
  let shown = 0;
  const showResponses = (): void => {
    for (; shown < audit.all.length; shown++) {
      const e = audit.all[shown]!;
      say(
        `  ${jst(e.eventTime, tz)}  ${name(e.host).padEnd(18)} response   ${e.outcome}: ${e.policy}${e.response ? ` (${e.response})` : ''}`,
      );
    }
  };
  // Every record also goes to the metadata store as it flows (parsed once, stored in parts).
  const store = await DuckDbStore.open(join(base, 'store'));
  const feed = new StoreFeed(store, {
    prefix: `demo-${o.seed ?? 1}`,
    context: hosts.rowContext(),
    onError: (err, part) => say(`metadata store: part ${part} not stored: ${err.message}`),
  });
  const source = new IngestRun([logs], {});
  const report = await analysis.run({
    batches: async function* () {
      for await (const b of source.batches()) {
        yield b;
        showResponses();
        await feed.push(b);
      }
      await feed.flush();
    },
    summary: () => source.summary(),
  });
  showResponses();
  say(
    `\n${report.summary.records.toLocaleString('en-US')} records analysed; ${report.detections.length} detections on ${report.hosts.length} hosts:`,
  );
  for (const h of report.hosts)
    say(
      `  ${h.priority.padEnd(9)} T${String(h.threat).padStart(2)} C${String(h.certainty).padStart(2)}  ${(h.names[0] ?? h.key).padEnd(18)} ${h.roles.join(',')}`,
    );
  say(
    `EDR: ${
      edr.devices
        .filter((d) => d.contained)
        .map((d) => `${d.name} isolated`)
        .join(', ') || 'nothing isolated'
    }`,
  );

  await store.appendPart(`analysis-${o.seed ?? 1}`, [...analysisRecords(report), ...hosts.hostRecords()]);
  // One file per log type and day (responder, then time), with bloom filters, before the console queries it.
  await store.compact();
  say(
    `metadata store: ${feed.stored.toLocaleString('en-US')} records in ${join(base, 'store')}; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );

  if (!o.serve) {
    await store.close();
    await edr.close();
    audit.close();
    return 0;
  }
  const tokens = new TokenStore(join(base, 'tokens.json'));
  const token = tokens.create('demo admin', 'admin').token;
  const app = buildApp({
    analysis,
    summary: () => source.summary(),
    store,
    tokens,
    events,
    web: webFiles(resolve(import.meta.dirname, '../web')),
    log: () => {},
  });
  const [hostName, portText] = (o.listen ?? '127.0.0.1:8080').split(':');
  await new Promise<void>((ok) =>
    serveHttp({ fetch: app.fetch, hostname: hostName, port: Number(portText) }, (info) => {
      say(`\nconsole: http://${hostName}:${info.port}/   API token: ${token}`);
      say('Ctrl-C to stop.');
      ok();
    }),
  );
  await new Promise<void>((done) => process.once('SIGINT', () => done()));
  await store.close();
  await edr.close();
  audit.close();
  return 0;
}
