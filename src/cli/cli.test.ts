import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeSample } from '../simulate/sample.js';

const CLI = join(import.meta.dirname, 'main.ts');

function vigil(args: string[], input?: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', input });
}

test('analyze --format json prints one document with the summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const sample = writeSample(dir, 7);
  const res = vigil(['analyze', dir, '--format', 'json', '--quiet', '--quarantine', join(dir, 'q')]);
  assert.equal(res.status, 0, res.stderr);
  const doc = JSON.parse(res.stdout) as {
    summary: {
      records: number;
      byLog: Record<string, number>;
      rejected: object;
      firstTs: number;
      lastTs: number;
    };
  };
  assert.equal(doc.summary.records, sample.records);
  assert.deepEqual(Object.keys(doc.summary.byLog).sort(), ['conn', 'dns', 'smb_mapping']);
  assert.deepEqual(doc.summary.rejected, {});
  assert.ok(doc.summary.firstTs < doc.summary.lastTs);
});

test('--version prints the package version and --help explains analyze', () => {
  const v = vigil(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  const h = vigil(['--help']);
  assert.match(h.stdout, /analyze/);
});

test('a usage error exits 2 with a message', () => {
  const res = vigil(['analyze', '/nonexistent', '--format', 'xml']);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /format/);
});

test('stdin with --log-type is read; a rejected line makes exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const input =
    '{"ts":1623488460.5,"uid":"Cabc","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,"proto":"udp"}\nnot json\n';
  const res = vigil(
    ['analyze', '-', '--log-type', 'conn', '--format', 'json', '--quarantine', join(dir, 'q')],
    input,
  );
  assert.equal(res.status, 1, res.stderr);
  const doc = JSON.parse(res.stdout) as { summary: { records: number; rejected: Record<string, number> } };
  assert.equal(doc.summary.records, 1);
  assert.deepEqual(doc.summary.rejected, { 'malformed-json': 1 });
  assert.match(res.stderr, /stdin:2/);
});

test('gzip on stdin is detected by its magic bytes (vigil analyze - < conn.log.gz)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  writeSample(dir, 5);
  const plain = readFileSync(join(dir, 'conn.log'));
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'analyze', '-', '--format', 'json'], {
    input: gzipSync(plain),
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  const doc = JSON.parse(res.stdout) as { summary: { byLog: Record<string, number> } };
  assert.equal(doc.summary.byLog.conn, 600);
  // A damaged stream: what decoded before the damage is kept, and the damage is reported.
  const cut = gzipSync(plain).subarray(0, 400);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'analyze', '-', '--format', 'json'], {
    input: cut,
    encoding: 'utf8',
  });
  assert.equal(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /truncated-gzip/);
});

test('analyze --config with an intel feed: a beacon to a listed address is a detection; bad feed lines are located', async () => {
  const { conn } = await import('../test-support/records.js');
  const { schemaFor } = await import('../model/schemas.js');
  const { tsvHeader, tsvLine } = await import('../model/zeek-writer.js');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  mkdirSync(join(dir, 'logs'));
  const fields = schemaFor('conn')!.fields;
  const lines = Array.from({ length: 12 }, (_, i) =>
    tsvLine(
      conn({ ts: 1_623_488_460 + i * 300, src: '10.1.4.20', dst: '198.51.100.7', port: 443, uid: `Cb${i}` }),
      fields,
    ),
  );
  writeFileSync(
    join(dir, 'logs', 'conn.log'),
    `${tsvHeader('conn', fields, 1_623_488_460)}\n${lines.join('\n')}\n`,
  );
  writeFileSync(join(dir, 'c2.txt'), '198.51.100.7\nnot an indicator!!\n');
  writeFileSync(
    join(dir, 'vigil.yaml'),
    `intel:\n  files:\n    - { path: ${JSON.stringify(join(dir, 'c2.txt'))}, format: list, type: ip, confidence: 90 }\n`,
  );
  const res = vigil([
    'analyze',
    join(dir, 'logs'),
    '--config',
    join(dir, 'vigil.yaml'),
    '--format',
    'json',
    '--quiet',
  ]);
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /intel: .*c2\.txt:2/);
  const doc = JSON.parse(res.stdout) as {
    detections: { type: string; host: string; evidenceCount: number; evidence: { uid: string }[] }[];
  };
  const hit = doc.detections.find((d) => d.type === 'threat-intel-match');
  assert.ok(hit, JSON.stringify(doc.detections.map((d) => d.type)));
  assert.equal(hit.host, 'ip:10.1.4.20');
  assert.equal(hit.evidenceCount, 12);
  assert.ok(hit.evidence.every((e) => /^Cb\d+$/.test(e.uid)));
});

test('analyze reports a sweep as a detection on its host, in the versioned JSON contract', async () => {
  const { reportSchema } = await import('../pipeline/report-schema.js');
  const { conn } = await import('../test-support/records.js');
  const { schemaFor } = await import('../model/schemas.js');
  const { tsvHeader, tsvLine } = await import('../model/zeek-writer.js');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const fields = schemaFor('conn')!.fields;
  const lines = [];
  for (let i = 0; i < 40; i++)
    lines.push(
      tsvLine(conn({ ts: 1_623_488_460 + i, src: '10.5.200.7', dst: `10.5.0.${i + 1}`, port: 445 }), fields),
    );
  writeFileSync(join(dir, 'conn.log'), `${tsvHeader('conn', fields, 1_623_488_460)}\n${lines.join('\n')}\n`);
  const res = vigil(['analyze', dir, '--format', 'json', '--quiet']);
  assert.equal(res.status, 0, res.stderr);
  const report = reportSchema.parse(JSON.parse(res.stdout));
  assert.equal(report.detections.length, 1);
  assert.equal(report.detections[0]!.type, 'port-sweep');
  assert.equal(
    report.hosts[0]!.key,
    'ip:10.5.200.7',
    'an unnamed host keyed by its address (identity layer)',
  );
  assert.deepEqual(report.hosts[0]!.detections, [report.detections[0]!.id]);
  const table = vigil(['analyze', dir, '--quiet']);
  assert.match(table.stdout, /port-sweep/);
  const nd = vigil(['analyze', dir, '--quiet', '--format', 'ndjson']);
  const events = nd.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string });
  assert.equal(events[0]!.event, 'detection-new');
  assert.equal(events.at(-1)!.event, 'summary');
});

test('responses lists the audit log (table and json)', async () => {
  const { AuditLog } = await import('../respond/audit.js');
  const file = join(mkdtempSync(join(tmpdir(), 'vigil-cli-')), 'audit.jsonl');
  const log = new AuditLog(file);
  log.append({
    eventTime: 1_623_515_940,
    policy: 'isolate-dc',
    action: 'isolate-host',
    host: 'dc1',
    ip: '10.5.0.11',
    outcome: 'executed',
    reason: 'Critical domain controller scanning',
    detections: ['abc'],
    score: { threat: 90, certainty: 95, priority: 'Critical' },
    actuator: 'falcon',
    response: 'aid-1: contain accepted',
    by: 'policy',
  });
  log.close();
  const t = vigil(['responses', '--audit', file]);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /executed\s+isolate-dc\s+dc1\s+10\.5\.0\.11/);
  const j = vigil(['responses', '--audit', file, '--format', 'json']);
  assert.equal((JSON.parse(j.stdout) as { outcome: string }[])[0]!.outcome, 'executed');
});

test('store ingest, search (csv), sql and a located query error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  writeSample(join(dir, 'logs'), 3);
  const store = join(dir, 'store');
  const ing = vigil(['store', 'ingest', join(dir, 'logs'), '--store', store, '-q']);
  assert.equal(ing.status, 0, ing.stderr);
  assert.match(ing.stdout, /^1200 records stored/);
  assert.match(ing.stderr, /compacted [1-9]\d* log day\(s\)/);
  const again = vigil(['store', 'compact', '--store', store]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^0 log day\(s\) compacted/);
  // The same files again: nothing new is stored (exactly once by part name).
  const rerun = vigil(['store', 'ingest', join(dir, 'logs'), '--store', store, '-q']);
  assert.match(rerun.stdout, /^0 records stored in 0 part\(s\) from 3 file\(s\); 3 part\(s\) already stored/);
  const tl = vigil([
    'timeline',
    '10.5.0.65',
    '--store',
    store,
    '--format',
    'json',
    '--limit',
    '5',
    '--offset',
    '2',
  ]);
  assert.equal(tl.status, 0, tl.stderr);
  const tlRows = JSON.parse(tl.stdout) as { ts: number }[];
  assert.ok(tlRows.length > 0 && tlRows.length <= 5);
  assert.equal(vigil(['timeline', 'not-an-ip', 'x', '--store', store, '--as', 'ip']).status, 2);
  const csv = vigil([
    'search',
    'log:dns query:intranet.*',
    '--store',
    store,
    '--format',
    'csv',
    '--limit',
    '1000',
  ]);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.ok(lines.length > 1 && lines.slice(1).every((l) => l.includes('"intranet.corp.local"')));
  const nd = vigil(['search', 'log:conn', '--store', store, '--format', 'ndjson']);
  assert.equal(nd.status, 0, nd.stderr);
  assert.equal(nd.stdout.trim().split('\n').length, 600, 'ndjson streams every match, not a page');
  const t = vigil(['top', 'query', 'log:dns', '--store', store, '--format', 'json', '--limit', '3']);
  assert.equal(t.status, 0, t.stderr);
  const tops = JSON.parse(t.stdout) as { query: string; count: number }[];
  assert.ok(
    tops.length > 0 && tops.length <= 3 && tops.every((r, i) => i === 0 || r.count <= tops[i - 1]!.count),
  );
  const h = vigil(['histogram', 'log:conn', '--bucket', '3600', '--store', store, '--format', 'json']);
  assert.equal(
    (JSON.parse(h.stdout) as { count: number }[]).reduce((a, b) => a + b.count, 0),
    600,
  );
  const q = vigil(['sql', 'SELECT count(*) AS n FROM conn', '--store', store, '--format', 'json']);
  assert.equal((JSON.parse(q.stdout) as { n: number }[])[0]!.n, 600);
  const bad = vigil(['search', 'orig_bytes:>lots', '--store', store]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a number: lots \(at character 1\)/);
  const w = vigil(['sql', 'DROP VIEW conn', '--store', store]);
  assert.equal(w.status, 2);
  assert.match(w.stderr, /only SELECT/);
});

test('output piped into a reader that stops early (| head) ends the command quietly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  writeSample(join(dir, 'logs'), 3);
  const store = join(dir, 'store');
  assert.equal(vigil(['store', 'ingest', join(dir, 'logs'), '--store', store, '-q']).status, 0);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'search', 'log:conn', '--store', store, '--format', 'ndjson'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /EPIPE|Unhandled/);
});

test('analyze --config: thresholds, response policies (dry-run without --respond), JSONL alerts; config errors exit 2 naming the key', async () => {
  const { conn } = await import('../test-support/records.js');
  const { schemaFor } = await import('../model/schemas.js');
  const { tsvHeader, tsvLine } = await import('../model/zeek-writer.js');
  const { writeFileSync, readFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const fields = schemaFor('conn')!.fields;
  const lines = [];
  for (let i = 0; i < 15; i++)
    lines.push(
      tsvLine(conn({ ts: 1_623_488_460 + i, src: '10.5.200.7', dst: `10.5.0.${i + 1}`, port: 445 }), fields),
    );
  writeFileSync(join(dir, 'conn.log'), `${tsvHeader('conn', fields, 1_623_488_460)}\n${lines.join('\n')}\n`);
  const alerts = join(dir, 'alerts.jsonl');
  const audit = join(dir, 'audit.jsonl');
  const cfg = join(dir, 'vigil.yaml');
  writeFileSync(
    cfg,
    [
      'detectors:',
      '  port-sweep: { minTargets: 10 }',
      'response:',
      '  actuators:',
      '    falcon: { type: crowdstrike, baseUrl: "https://api.crowdstrike.com", clientId: { env: NOPE_ID }, clientSecret: { env: NOPE_SECRET } }',
      '  policies:',
      '    - { name: contain-sweepers, mode: auto, actuator: falcon, when: { detectionTypes: [port-sweep] } }',
      'alerts:',
      `  jsonl: [${JSON.stringify(alerts)}]`,
      '',
    ].join('\n'),
  );
  const res = vigil(['analyze', dir, '--config', cfg, '--audit', audit, '--format', 'json', '--quiet']);
  assert.equal(res.status, 0, res.stderr);
  const report = JSON.parse(res.stdout) as {
    detections: { type: string }[];
    responses: { outcome: string }[];
  };
  assert.deepEqual(
    report.detections.map((d) => d.type),
    ['port-sweep'],
  );
  // The policy says auto, but a replay without --respond only decides: no secrets needed, no call.
  assert.deepEqual(
    report.responses.map((r) => r.outcome),
    ['dry-run'],
  );
  assert.match(readFileSync(alerts, 'utf8'), /"kind":"detection-new"/);
  writeFileSync(cfg, 'detectors:\n  port-sweep: { minTargets: lots }\n');
  const bad = vigil(['analyze', dir, '--config', cfg, '--quiet']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /detectors\.port-sweep\.minTargets/);
});

test('vigil demo --no-serve replays the reference incident: the attacker Critical, both DCs isolated, records stored', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'demo', '--no-serve', '--out', out], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(res.status, 0, res.stderr);
  assert.match(res.stderr, /Critical\s+T\d+\s+C\d+\s+WIN-[A-Z0-9]{11}/);
  assert.match(res.stderr, /EDR: DC1 isolated, DC2 isolated\n/);
  assert.match(res.stderr, /metadata store: 343,663 records/);
  // The investigation: the attacker's host by name, its records and Vigil's detections interleaved.
  const attacker = /Critical\s+T\d+\s+C\d+\s+(WIN-[A-Z0-9]{11})/.exec(res.stderr)![1]!;
  const tl = vigil([
    'timeline',
    attacker,
    '--store',
    join(out, 'store'),
    '--format',
    'json',
    '--limit',
    '10000',
  ]);
  assert.equal(tl.status, 0, tl.stderr);
  const rows = JSON.parse(tl.stdout) as { _log: string; type?: string }[];
  assert.ok(rows.some((r) => r._log === 'vigil_detection' && r.type === 'reverse-dns-sweep'));
  assert.ok(rows.some((r) => r._log === 'dce_rpc'));
  assert.match(tl.stderr, new RegExp(`${attacker} held 10\\.\\d+\\.\\d+\\.\\d+ from`));
});
