/**
 * The console's end-to-end stack, all real components: the simulated reference incident (plus a
 * few hostile records) through the live `Analysis` with the identity layer, a DuckDB Recall
 * store fed batch by batch, a Responder in `approve` mode isolating Critical domain controllers
 * through a local EDR vendor server, and the API (`buildApp`) on 127.0.0.1 serving the console
 * built by Vite. Used by e2e.test.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { configSchema } from '../config/schema.js';
import { IngestRun } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import { schemaFor } from '../model/schemas.js';
import { tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { StoreFeed } from '../recall/feed.js';
import { CrowdStrikeActuator } from '../respond/actuators/crowdstrike.js';
import { responseSchema } from '../respond/config.js';
import { Responder } from '../respond/responder.js';
import { buildApp } from '../server/app.js';
import { EventHub } from '../server/events.js';
import { TokenStore } from '../server/tokens.js';
import { simulateToDir } from '../simulate/index.js';
import type { Truth } from '../simulate/truth.js';
import { conn } from '../test-support/records.js';
import { startVendorServer, type VendorServer } from '../test-support/vendor-server.js';

/** Payloads that would run if any string reached the DOM as HTML. */
export const XSS = {
  hostName: '<img src=x onerror=alert(1)>',
  /** A credential tool's file name (no slash: the detector keeps the base name). */
  file: 'mimikatz."><img src=x onerror=alert(3)>',
  userAgent: '<svg onload=alert(4)>"><script>alert(5)</script>',
  /** Prefix of the sweep's uids (each record adds its index). */
  uid: 'C<img/src=x/onerror=alert(6)>',
} as const;

/** Internal host that sweeps the network under a hostile NetBIOS name. */
export const HOSTILE_IP = '10.5.7.77';

/** Builds the console with Vite into `outDir`. */
export async function buildConsole(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function webFiles(root: string) {
  return async (path: string): Promise<{ body: Uint8Array; type: string } | undefined> => {
    const full = normalize(join(root, path));
    if (!full.startsWith(root)) return undefined;
    try {
      return { body: readFileSync(full), type: TYPES[extname(full)] ?? 'application/octet-stream' };
    } catch {
      return undefined;
    }
  };
}

function writeLog(dir: string, path: string, recs: ZeekRecord[]): void {
  const fields = schemaFor(path)!.fields;
  const sorted = recs.sort((a, b) => a.ts - b.ts);
  writeFileSync(
    join(dir, `${path}.log`),
    `${tsvHeader(path, fields, sorted[0]!.ts)}\n${sorted.map((r) => tsvLine(r, fields)).join('\n')}\n`,
  );
}

/**
 * Hostile records inside the incident's window: a host naming itself with markup (NTLM) that
 * sweeps the network and copies a credential tool from a path with markup in it, and an HTTP
 * request with markup in its user agent. Its sweep records carry a hostile uid.
 */
export function writeHostile(dir: string, t0: number): void {
  mkdirSync(dir, { recursive: true });
  const ntlm: ZeekRecord[] = [];
  const conns: ZeekRecord[] = [];
  for (let i = 0; i < 3; i++)
    ntlm.push({
      _path: 'ntlm',
      ts: t0 + i * 0.2,
      uid: `CntlmHostile${i}`,
      'id.orig_h': HOSTILE_IP,
      'id.orig_p': 50100 + i,
      'id.resp_h': '10.5.0.2',
      'id.resp_p': 445,
      username: 'k.tanaka',
      hostname: XSS.hostName,
      domainname: 'CORP',
      success: true,
    });
  for (let i = 0; i < 80; i++)
    conns.push(
      conn({
        ts: t0 + 5 + i * 0.5,
        src: HOSTILE_IP,
        dst: `10.5.${100 + Math.floor(i / 200)}.${(i % 200) + 20}`,
        port: 445,
        uid: `${XSS.uid}${i}`,
      }),
    );
  const smb: ZeekRecord[] = [
    {
      _path: 'smb_files',
      ts: t0 + 60,
      uid: 'CsmbHostile01',
      'id.orig_h': HOSTILE_IP,
      'id.orig_p': 50999,
      'id.resp_h': '10.5.2.12',
      'id.resp_p': 445,
      fuid: 'FsmbHostile01',
      action: 'SMB::FILE_WRITE',
      path: '\\\\10.5.2.12\\C$',
      name: `Windows\\Temp\\${XSS.file}`,
      size: 1250056,
    },
  ];
  const http: ZeekRecord[] = [
    {
      _path: 'http',
      ts: t0 + 30,
      uid: 'ChttpHostile01',
      'id.orig_h': HOSTILE_IP,
      'id.orig_p': 51000,
      'id.resp_h': '10.5.0.80',
      'id.resp_p': 80,
      trans_depth: 1,
      method: 'GET',
      host: 'intranet',
      uri: `/search?q=${XSS.userAgent}`,
      user_agent: XSS.userAgent,
      status_code: 200,
    },
  ];
  writeLog(dir, 'ntlm', ntlm);
  writeLog(dir, 'conn', conns);
  writeLog(dir, 'smb_files', smb);
  writeLog(dir, 'http', http);
}

export interface Stack {
  readonly url: string;
  readonly truth: Truth;
  readonly tokens: { admin: string; analyst: string; viewer: string };
  readonly analysis: Analysis;
  readonly vendor: VendorServer;
  readonly events: EventHub;
  close(): Promise<void>;
}

/** Simulates, analyses, stores and serves; resolves when the whole input has been processed. */
export async function startStack(dir: string, webRoot: string): Promise<Stack> {
  const sim = simulateToDir('reference-incident', join(dir, 'logs'), { seed: 1, hosts: 40, days: 1 });
  const truth = sim.truth;
  const login = Number(truth.attacker?.loginTs);
  if (!Number.isFinite(login)) throw new Error('the reference incident has no attacker login time');
  writeHostile(join(dir, 'hostile'), login + 1800);
  const vendor = await startVendorServer([
    { id: 'aid-dc1', ip: '10.5.0.2', name: 'DC1', contained: false },
    { id: 'aid-dc2', ip: '10.5.0.3', name: 'DC2', contained: false },
  ]);
  const cfg = responseSchema.parse({
    actuators: {
      falcon: {
        type: 'crowdstrike',
        baseUrl: vendor.url,
        clientId: { env: 'VIGIL_E2E_ID' },
        clientSecret: { env: 'VIGIL_E2E_SECRET' },
      },
    },
    policies: [
      {
        name: 'isolate-critical-dc',
        mode: 'approve',
        actuator: 'falcon',
        when: { roles: ['domain-controller'], priorityAtLeast: 'Critical' },
      },
    ],
  });
  const actuator = new CrowdStrikeActuator({
    baseUrl: vendor.url,
    clientId: 'id',
    clientSecret: 'secret',
    http: { timeoutMs: 2000, retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
  });
  const responder = new Responder(cfg, new Map([['falcon', actuator]]));
  const store = await DuckDbStore.open(join(dir, 'store'));
  const events = new EventHub();
  const tokenStore = new TokenStore(join(dir, 'tokens.json'));
  const tokens = {
    admin: tokenStore.create('admin', 'admin').token,
    analyst: tokenStore.create('alice', 'analyst').token,
    viewer: tokenStore.create('victor', 'viewer').token,
  };
  const hosts = new IdentityHostView(configSchema.parse({}));
  const feed = new StoreFeed(store, { prefix: 'e2e', context: hosts.rowContext() });
  const analysis = new Analysis({
    hosts,
    responder,
    onDetection: (d, change) =>
      events.publish({ type: 'detection', data: { change, id: d.id, host: d.host, summary: d.summary } }),
    onPriorityChange: (h, from, to, ts) =>
      events.publish({ type: 'priority', data: { host: h, from, to, ts } }),
    onBatch: (batch) => feed.push(batch),
  });
  const ingest = new IngestRun([join(dir, 'logs'), join(dir, 'hostile')], {
    quarantineDir: join(dir, 'quarantine'),
  });
  for await (const batch of ingest.batches()) await analysis.process(batch);
  analysis.engine.finish();
  await responder.settle();
  await feed.flush();
  await store.appendPart('e2e-hosts', hosts.hostRecords());

  const app = buildApp({
    analysis,
    summary: () => ingest.summary(),
    store,
    tokens: tokenStore,
    events,
    ratePerSecond: 200,
    log: () => {},
    web: webFiles(webRoot),
  });
  const server = await new Promise<ReturnType<typeof serve>>((ok) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ok(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    truth,
    tokens,
    analysis,
    vendor,
    events,
    close: async () => {
      await new Promise<void>((r) => {
        server.close(() => r());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      await store.close();
      await vendor.close();
    },
  };
}
