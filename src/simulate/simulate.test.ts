import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sharedData } from '../test-support/shared-data.js';
import { simulateToDir } from './index.js';
import { readBack } from './read-back.js';
import type { Truth } from './truth.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-sim-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL = { hosts: 40, days: 1 } as const;

function files(dir: string): Map<string, Buffer> {
  return new Map(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f))] as const),
  );
}

test('same seed gives the same bytes (TSV and JSON, every file and truth.json)', () => {
  for (const format of ['tsv', 'json'] as const) {
    const a = join(tmp, `same-a-${format}`);
    const b = join(tmp, `same-b-${format}`);
    simulateToDir('reference-incident', a, { seed: 11, format, ...SMALL });
    simulateToDir('reference-incident', b, { seed: 11, format, ...SMALL });
    const fa = files(a);
    const fb = files(b);
    assert.deepEqual([...fa.keys()], [...fb.keys()]);
    assert.ok(fa.has('truth.json') && fa.has('conn.log'));
    for (const [name, buf] of fa)
      assert.ok(buf.equals(fb.get(name)!), `${format}: ${name} differs between runs`);
  }
});

test('a different seed gives different values', () => {
  const a = join(tmp, 'seed-1');
  const b = join(tmp, 'seed-2');
  const ra = simulateToDir('enterprise', a, { seed: 1, ...SMALL });
  const rb = simulateToDir('enterprise', b, { seed: 2, ...SMALL });
  assert.notEqual(readFileSync(join(a, 'conn.log'), 'utf8'), readFileSync(join(b, 'conn.log'), 'utf8'));
  const uids = (dir: string): Set<string> =>
    new Set(
      readFileSync(join(dir, 'conn.log'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => l.split('\t')[1]!),
    );
  const ua = uids(a);
  let shared = 0;
  for (const u of uids(b)) if (ua.has(u)) shared++;
  assert.equal(shared, 0, 'uids repeat across seeds');
  const names = (t: Truth): string => t.network.hosts.map((h) => h.user ?? '').join(',');
  assert.notEqual(names(ra.truth), names(rb.truth), 'users are drawn from the seed');
});

for (const format of ['tsv', 'json'] as const) {
  test(`every written ${format} file reads back through IngestRun with zero rejects; truth uids exist`, async () => {
    const dir = join(tmp, `read-${format}`);
    const res = simulateToDir('reference-incident', dir, { seed: 3, format, ...SMALL });
    const { byLog, rejected, total, late } = await readBack(dir);
    assert.equal(rejected, 0);
    assert.equal(late, 0, 'records out of time order beyond the reorder window');
    assert.equal(total, res.records);
    for (const l of res.logs) assert.equal(byLog.get(l.log)?.length, l.records, l.log);
    // Every protocol record has its conn record (same uid).
    const connUids = new Set((byLog.get('conn') ?? []).map((r) => r.uid as string));
    for (const [log, recs] of byLog) {
      if (log === 'conn' || log === 'x509') continue; // x509 has no connection
      for (const r of recs) {
        const uids = log === 'dhcp' ? (r.uids as string[]) : [r.uid as string];
        for (const u of uids) assert.ok(connUids.has(u), `${log} uid ${u} has no conn record`);
      }
    }
    // truth.json: each malicious (log, uid) exists in that log.
    const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    const index = new Map<string, Set<string>>();
    for (const [log, recs] of byLog)
      index.set(
        log,
        new Set(recs.flatMap((r) => (log === 'dhcp' ? (r.uids as string[]) : [r.uid as string]))),
      );
    assert.ok(truth.malicious.length > 500);
    for (const m of truth.malicious)
      assert.ok(index.get(m.log)?.has(m.uid), `truth ${m.log} ${m.uid} (${m.step}) not in the logs`);
  });
}

/** `#fields`/`#types` of every real Zeek log under ../shared/data/zeek, by `#path`. */
function realLayouts(): Map<string, Array<{ file: string; fields: string[]; types: string[] }>> {
  const root = sharedData('zeek') ?? join(process.cwd(), '..', 'shared', 'data', 'zeek');
  const out = new Map<string, Array<{ file: string; fields: string[]; types: string[] }>>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) {
        const head = readFileSync(p, 'utf8').split('\n', 12);
        const path = head.find((l) => l.startsWith('#path\t'))?.split('\t')[1];
        const fields = head
          .find((l) => l.startsWith('#fields\t'))
          ?.split('\t')
          .slice(1);
        const types = head
          .find((l) => l.startsWith('#types\t'))
          ?.split('\t')
          .slice(1);
        // Full Zeek headers only (some baselines are zeek-cut selections such as `uid filter base_object`).
        if (!path || !fields || !types || fields[0] !== 'ts') continue;
        const list = out.get(path) ?? [];
        list.push({ file: p, fields, types });
        out.set(path, list);
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

test('headers match real Zeek logs: same header lines, field names/order/types of a real Zeek layout', (t) => {
  const real = realLayouts();
  if (real.size === 0) {
    t.skip('../shared/data/zeek not present');
    return;
  }
  const dir = join(tmp, 'headers');
  const res = simulateToDir('reference-incident', dir, { seed: 4, ...SMALL });
  for (const l of res.logs) {
    const lines = readFileSync(l.file, 'utf8').split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
    ]);
    assert.equal(lines[4], `#path\t${l.log}`);
    assert.match(lines[5]!, /^#open\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    assert.match(lines.at(-2)!, /^#close\t\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d$/);
    const fields = lines[6]!.split('\t').slice(1);
    const types = lines[7]!.split('\t').slice(1);
    const variants = real.get(l.log) ?? [];
    assert.ok(variants.length > 0, `no real ${l.log}.log to compare with`);
    for (const v of variants) {
      const common = fields.filter((f) => v.fields.includes(f));
      assert.deepEqual(
        common,
        v.fields.filter((f) => fields.includes(f)),
        `${l.log}: field order differs from ${v.file}`,
      );
      for (const f of common)
        assert.equal(
          types[fields.indexOf(f)],
          v.types[v.fields.indexOf(f)],
          `${l.log}.${f} type vs ${v.file}`,
        );
    }
    assert.ok(
      variants.some((v) => v.fields.join(' ') === fields.join(' ')),
      `${l.log}: field list is not one a real Zeek wrote: ${fields.join(' ')}`,
    );
  }
});

test('values are written the way Zeek writes them (backslashes doubled, sets, unset and empty)', () => {
  const dir = join(tmp, 'values');
  simulateToDir('reference-incident', dir, { seed: 4, hosts: 40, days: 2 });
  const smb = readFileSync(join(dir, 'smb_mapping.log'), 'utf8');
  assert.match(smb, /\t\\\\\\\\10\.5\.0\.65\\\\backup_exchange\$\t-\t-\tDISK\n/);
  const dhcp = readFileSync(join(dir, 'dhcp.log'), 'utf8');
  assert.match(dhcp, /\tDISCOVER,OFFER,REQUEST,ACK\t|\tREQUEST,ACK\t/);
  const http = readFileSync(join(dir, 'http.log'), 'utf8');
  assert.match(http, /\t\(empty\)\t/);
});

test('writeSample still writes the demo sample', async () => {
  const { writeSample } = await import('./sample.js');
  const s = writeSample(join(tmp, 'sample'), 2);
  assert.ok(s.records > 0);
});

test('vigil simulate: unknown scenario is a usage error; a run writes logs and truth.json', async () => {
  const { runSimulate } = await import('../cli/simulate.js');
  assert.equal(runSimulate('nope', { out: join(tmp, 'cli-bad'), seed: 1, format: 'tsv', quiet: true }), 2);
  const dir = join(tmp, 'cli');
  assert.equal(
    runSimulate('enterprise', { out: dir, seed: 1, format: 'json', hosts: 10, days: 1, quiet: true }),
    0,
  );
  assert.ok(existsSync(join(dir, 'truth.json')));
  const first = JSON.parse(readFileSync(join(dir, 'conn.log'), 'utf8').split('\n')[0]!) as Record<
    string,
    unknown
  >;
  assert.equal(typeof first.ts, 'number');
  assert.equal(first._path, undefined);
  assert.ok(typeof first['id.orig_h'] === 'string');
});
