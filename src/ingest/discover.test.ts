import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { schemaFor } from '../model/schemas.js';
import { tsvHeader, tsvLine } from '../model/zeek-writer.js';
import { discoverLogFiles } from './discover.js';
import { logTypeFromFileName } from './record-check.js';
import { RejectSink } from './rejects.js';
import { IngestRun } from './run.js';

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-tree-'));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  return root;
}

test('a Zeek log tree: dated archives in date and rotation order, current/ last, non-logs skipped', () => {
  const root = tree([
    'current/conn.log',
    'current/dns.log',
    'current/stderr.log',
    'current/.state',
    'current/conn.pcap',
    '2021-06-12/conn.12:00:00-13:00:00.log.gz',
    '2021-06-12/conn.09:00:00-10:00:00.log.gz',
    '2021-06-12/conn.10:00:00-11:00:00.log.gz',
    '2021-06-12/dns.09:00:00-10:00:00.log.gz',
    '2021-06-11/conn.23:00:00-00:00:00.log.gz',
    '2021-06-12/known_hosts.00:00:00-00:00:00.log.gz',
    '.git/conn.log',
  ]);
  const sink = new RejectSink();
  const groups = discoverLogFiles([root], sink);
  const rel = (t: string) => groups.get(t)?.map((f) => relative(root, f.file));
  assert.deepEqual([...groups.keys()].sort(), ['conn', 'dns', 'known_hosts']);
  assert.deepEqual(rel('conn'), [
    '2021-06-11/conn.23:00:00-00:00:00.log.gz',
    '2021-06-12/conn.09:00:00-10:00:00.log.gz',
    '2021-06-12/conn.10:00:00-11:00:00.log.gz',
    '2021-06-12/conn.12:00:00-13:00:00.log.gz',
    'current/conn.log',
  ]);
  assert.deepEqual(rel('dns'), ['2021-06-12/dns.09:00:00-10:00:00.log.gz', 'current/dns.log']);
  assert.equal(sink.total, 0);
});

test('loose files of one type: one folder is one source ordered by modification time; folders apart', () => {
  const root = tree(['x/conn.log', 'x/conn.1.log', 'x/conn.json', 'y/conn.log']);
  utimesSync(join(root, 'x/conn.log'), 3000, 3000);
  utimesSync(join(root, 'x/conn.1.log'), 1000, 1000);
  utimesSync(join(root, 'x/conn.json'), 2000, 2000);
  const groups = discoverLogFiles([root], new RejectSink());
  const rel = [...groups.values()].map((g) => g.map((f) => relative(root, f.file))).sort();
  assert.deepEqual(rel, [['x/conn.1.log', 'x/conn.json', 'x/conn.log'], ['y/conn.log']]);
});

test('single files, stdin and a missing path (located read-error, the rest still listed)', () => {
  const root = tree(['x/dns.log']);
  const messages: string[] = [];
  const sink = new RejectSink({ onMessage: (m) => messages.push(m) });
  const missing = join(root, 'nope.log');
  const groups = discoverLogFiles([join(root, 'x/dns.log'), '-', missing], sink);
  assert.deepEqual(
    groups.get('dns')!.map((f) => f.file),
    [join(root, 'x/dns.log')],
  );
  assert.deepEqual(
    groups.get('stdin')!.map((f) => f.file),
    ['-'],
  );
  assert.deepEqual(sink.toObject(), { 'read-error': 1 });
  assert.deepEqual(messages, [`rejected ${missing}: file vanished or does not exist [read-error]`]);
});

test('log type from a file name', () => {
  const cases: [string, string][] = [
    ['conn.log', 'conn'],
    ['/a/b/conn.log.gz', 'conn'],
    ['conn.12:00:00-13:00:00.log.gz', 'conn'],
    ['conn_20210612.log', 'conn'],
    ['conn-2021-06-12.log', 'conn'],
    ['dns.json', 'dns'],
    ['http.log.cut', 'http'],
    ['known_hosts.log', 'known_hosts'],
    ['smb_files.00:00:00-01:00:00.log.gz', 'smb_files'],
  ];
  for (const [name, type] of cases) assert.equal(logTypeFromFileName(name), type, name);
});

test('two sensors: one source per log type and tree, merged by time (no sensor-hour turned late)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-sensors-'));
  const fields = schemaFor('known_hosts')!.fields;
  const hour = Date.UTC(2021, 5, 12, 9) / 1000;
  for (const sensor of ['a', 'b'])
    for (const h of [0, 1]) {
      const dir = join(root, sensor, '2021-06-12');
      mkdirSync(dir, { recursive: true });
      const lines = [tsvHeader('known_hosts', fields, hour + h * 3600)];
      for (let i = 0; i < 60; i++)
        lines.push(
          tsvLine(
            {
              _path: 'known_hosts',
              ts: hour + h * 3600 + i * 60,
              host: `10.0.${sensor === 'a' ? 1 : 2}.${i}`,
            },
            fields,
          ),
        );
      writeFileSync(
        join(
          dir,
          `known_hosts.${String(9 + h).padStart(2, '0')}:00:00-${String(10 + h).padStart(2, '0')}:00:00.log`,
        ),
        lines.join('\n'),
      );
    }
  const groups = discoverLogFiles([root], new RejectSink());
  assert.equal(groups.size, 2);
  for (const g of groups.values()) assert.equal(new Set(g.map((f) => f.place)).size, 1);
  const run = new IngestRun([root], { reorderWindowSeconds: 60 });
  const ts: number[] = [];
  for await (const b of run.batches()) for (const r of b) ts.push(r.ts);
  assert.equal(ts.length, 240);
  assert.equal(run.summary().late, 0);
  assert.deepEqual(
    ts,
    [...ts].sort((x, y) => x - y),
  );
});

test('ZeekControl layout: logs/current is a link to the spool; links followed once, loops end, broken ones reported', () => {
  const root = tree(['spool/zeek/conn.log', 'logs/2021-06-12/conn.09:00:00-10:00:00.log.gz']);
  symlinkSync('../spool/zeek', join(root, 'logs/current'));
  symlinkSync('.', join(root, 'logs/loop'));
  symlinkSync(join(root, 'nowhere.log'), join(root, 'logs/2021-06-12/dns.09:00:00-10:00:00.log.gz'));
  const messages: string[] = [];
  const groups = discoverLogFiles(
    [join(root, 'logs')],
    new RejectSink({ onMessage: (m) => messages.push(m) }),
  );
  assert.deepEqual(
    groups.get('conn')!.map((f) => relative(root, f.file)),
    ['logs/2021-06-12/conn.09:00:00-10:00:00.log.gz', 'logs/current/conn.log'],
  );
  assert.equal(groups.size, 1);
  assert.equal(messages.length, 1);
  assert.match(
    messages[0]!,
    /dns\.09:00:00-10:00:00\.log\.gz: broken link: file vanished or does not exist \[read-error\]$/,
  );
});

test('captures inside a directory: read when the tree has no Zeek logs, else named and left', () => {
  const pcapHeader = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');
  const only = mkdtempSync(join(tmpdir(), 'vigil-tree-'));
  mkdirSync(join(only, 'day1'));
  writeFileSync(join(only, 'day1', 'a.pcap'), pcapHeader);
  writeFileSync(join(only, 'b.pcapng.gz'), Buffer.from([0x1f, 0x8b]));
  writeFileSync(join(only, 'notes.txt'), 'x');
  const sink = new RejectSink();
  const found = [...discoverLogFiles([only], sink).values()].flat();
  assert.deepEqual(
    found.map((f) => [relative(only, f.file), f.capture]),
    [
      ['b.pcapng.gz', true],
      ['day1/a.pcap', true],
    ],
  );
  assert.equal(sink.total, 0);

  const mixed = tree(['current/conn.log']);
  writeFileSync(join(mixed, 'current', 'conn.pcap'), pcapHeader);
  const said: string[] = [];
  const sink2 = new RejectSink({ onMessage: (t) => said.push(t) });
  const found2 = [...discoverLogFiles([mixed], sink2).values()].flat();
  assert.deepEqual(
    found2.map((f) => relative(mixed, f.file)),
    ['current/conn.log'],
  );
  assert.equal(sink2.total, 0, 'not a reject');
  assert.match(said.join('\n'), /1 packet capture\(s\) not read beside its Zeek logs.*conn\.pcap/);
});
