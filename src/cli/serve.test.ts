import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { schemaFor } from '../model/schemas.js';
import { tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { conn } from '../test-support/records.js';

test('vigil serve: first admin token printed once, API authenticated by default, roles, located errors, clean SIGTERM', async () => {
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
  const logs = join(dir, 'logs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(logs);
  const fields = schemaFor('conn')!.fields;
  const lines: string[] = [];
  for (let i = 0; i < 40; i++)
    lines.push(
      tsvLine(
        conn({
          ts: 1_623_488_460 + i,
          src: '10.5.200.7',
          dst: `10.5.0.${i + 1}`,
          port: 445,
          uid: `Cserve${i}`,
        }),
        fields,
      ),
    );
  writeFileSync(join(logs, 'conn.log'), `${tsvHeader('conn', fields, 1_623_488_460)}\n${lines.join('\n')}\n`);
  // An old partition already in the store, and a config whose retention removes it at start.
  const old = await DuckDbStore.open(join(dir, 'store'));
  await old.appendPart('old', [conn({ ts: 1_000_000_000, src: '10.0.0.1', dst: '10.0.0.2', port: 80 })]);
  await old.close();
  writeFileSync(join(dir, 'vigil.yaml'), 'recall:\n  maxAgeDays: 3650\n');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'main.ts'),
      'serve',
      logs,
      '--listen',
      '127.0.0.1:0',
      '--state-dir',
      join(dir, 'state'),
      '--store',
      join(dir, 'store'),
      '--config',
      join(dir, 'vigil.yaml'),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  const ready = new Promise<{ token: string; base: string }>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const token = /admin API token \(shown once, store it now\): (vgl_\S+)/.exec(err)?.[1];
      const base = /serving the API and console on (http:\/\/\S+?)\/\s/.exec(err)?.[1];
      if (token && base && /input finished/.test(err)) resolve({ token, base });
    });
    child.on('exit', () => reject(new Error(`serve exited early: ${err}`)));
  });
  try {
    const { token, base } = await ready;
    assert.match(err, /store retention removed 1 partition\(s\): _log=conn\/_day=2001-09-09/);
    assert.equal((await fetch(`${base}/api/health`)).status, 200);
    assert.equal((await fetch(`${base}/api/overview`)).status, 401);
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    const auth = { authorization: `Bearer ${token}` };
    const ov = (await (await fetch(`${base}/api/overview`, { headers: auth })).json()) as {
      hosts: { key: string }[];
      detections: { type: string }[];
    };
    assert.equal(ov.detections[0]!.type, 'port-sweep');
    const m = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    assert.match(m, /vigil_records_total 40/);
    const v = (await (
      await fetch(`${base}/api/tokens`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'soc viewer', role: 'viewer' }),
      })
    ).json()) as { token: string };
    const viewer = { authorization: `Bearer ${v.token}` };
    assert.equal((await fetch(`${base}/api/overview`, { headers: viewer })).status, 200);
    const denied = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { ...viewer, 'content-type': 'application/json' },
      body: '{"name":"x","role":"admin"}',
    });
    assert.equal(denied.status, 403);
    const bad = await fetch(`${base}/api/search?q=orig_bytes:>lots`, { headers: auth });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /not a number: lots/);
    const badParam = await fetch(`${base}/api/detections/not-an-id`, { headers: auth });
    assert.equal(badParam.status, 400);
    assert.equal(((await badParam.json()) as { issues: { path: string }[] }).issues[0]!.path, 'id');
    const found = (await (await fetch(`${base}/api/search?q=uid:Cserve3`, { headers: auth })).json()) as {
      rows: unknown[];
    };
    assert.equal(found.rows.length, 1);
    const timeline = async (q: string): Promise<Response> =>
      fetch(`${base}/api/timeline?${q}`, { headers: auth });
    const byIp = (await (await timeline('ip=10.5.200.7')).json()) as { uid: string }[];
    assert.equal(byIp.length, 40);
    const page = (await (await timeline('ip=10.5.200.7&limit=10&offset=35')).json()) as { uid: string }[];
    assert.deepEqual(
      page.map((r) => r.uid),
      byIp.slice(35).map((r) => r.uid),
    );
    // The host pivot goes by the host key joined into each stored row at ingest.
    const byHost = (await (await timeline(`host=${encodeURIComponent('ip:10.5.200.7')}`)).json()) as {
      _orig_host: string;
    }[];
    assert.ok(byHost.length === 40 && byHost.every((r) => r._orig_host === 'ip:10.5.200.7'));
    const addrs = (await (
      await fetch(`${base}/api/hosts/${encodeURIComponent('ip:10.5.200.7')}/addresses`, { headers: auth })
    ).json()) as { ip: string; first: number; last: number }[];
    assert.deepEqual(addrs, [{ ip: '10.5.200.7', first: 1_623_488_460, last: 1_623_488_499 }]);
    assert.equal((await timeline('ip=10.5.200.7&host=x')).status, 400);
    const tops = (await (
      await fetch(`${base}/api/top?field=id.resp_p&q=log:conn`, { headers: auth })
    ).json()) as {
      value: string;
      count: number;
    }[];
    assert.deepEqual(tops, [{ value: '445', count: 40 }]);
    assert.equal((await fetch(`${base}/api/top?field=a;b`, { headers: auth })).status, 400);
    const streamed = await fetch(`${base}/api/search/stream?q=log:conn`, { headers: auth });
    assert.equal(streamed.headers.get('content-type'), 'application/x-ndjson');
    const lines = (await streamed.text()).trim().split('\n');
    assert.equal(lines.length, 40);
    assert.equal((JSON.parse(lines[0]!) as { uid: string }).uid, 'Cserve0');
    assert.equal((await fetch(`${base}/api/search/stream?q=orig_bytes:>x`, { headers: auth })).status, 400);
    assert.equal((await timeline('limit=5')).status, 400);
    assert.equal(((await (await timeline('account=CORP%5Cnobody')).json()) as unknown[]).length, 0);
    assert.equal((await fetch(`${base}/api/openapi.json`)).status, 200);
    assert.match(
      (await fetch(`${base}/api/overview`, { headers: auth })).headers.get('content-security-policy') ?? '',
      /script-src 'self'/,
    );
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    assert.equal(code, 0, err);
  }
});

test('vigil serve --follow: SIGTERM saves tail position, engine and identity; a restart continues with them', async () => {
  const { writeFileSync, mkdirSync, existsSync, appendFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-serve-live-'));
  const live = join(dir, 'current');
  mkdirSync(live);
  const fields = schemaFor('conn')!.fields;
  const line = (i: number) =>
    tsvLine(
      conn({
        ts: 1_623_488_460 + i,
        src: '10.5.200.7',
        dst: `10.5.0.${(i % 250) + 1}`,
        port: 445,
        uid: `Clive${i}`,
      }),
      fields,
    );
  writeFileSync(
    join(live, 'conn.log'),
    `${tsvHeader('conn', fields, 1_623_488_460)}\n${Array.from({ length: 30 }, (_, i) => line(i)).join('\n')}\n`,
  );
  const state = join(dir, 'state');
  const start = () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'main.ts'),
        'serve',
        '--follow',
        live,
        '--poll-ms',
        '50',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        state,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    return { child, log: () => err };
  };
  const stop = async (c: ReturnType<typeof start>) => {
    c.child.kill('SIGTERM');
    return new Promise<number | null>((r) => c.child.on('exit', (code) => r(code)));
  };
  const waitFor = async (c: ReturnType<typeof start>, re: RegExp) => {
    for (let i = 0; i < 300 && !re.test(c.log()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(c.log(), re);
  };
  const first = start();
  await waitFor(first, /serving the API/);
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(await stop(first), 0, first.log());
  assert.ok(
    existsSync(join(state, 'engine.json')) &&
      existsSync(join(state, 'identity.json')) &&
      existsSync(join(state, 'tail.json')),
  );
  appendFileSync(
    join(live, 'conn.log'),
    `${Array.from({ length: 10 }, (_, i) => line(30 + i)).join('\n')}\n`,
  );
  const second = start();
  await waitFor(second, /restored engine \(1 detections\)/);
  await waitFor(second, /serving the API/);
  assert.equal(await stop(second), 0, second.log());
});
