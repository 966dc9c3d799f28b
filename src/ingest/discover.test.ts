import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { discoverLogFiles } from './discover.js';
import { logTypeFromFileName } from './record-check.js';
import { RejectSink } from './rejects.js';

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

test('loose files of one type are ordered by modification time', () => {
  const root = tree(['b/conn.log', 'a/conn.log', 'c/conn.json']);
  utimesSync(join(root, 'b/conn.log'), 1000, 1000);
  utimesSync(join(root, 'a/conn.log'), 3000, 3000);
  utimesSync(join(root, 'c/conn.json'), 2000, 2000);
  const groups = discoverLogFiles([root], new RejectSink());
  assert.deepEqual(
    groups.get('conn')!.map((f) => relative(root, f.file)),
    ['b/conn.log', 'c/conn.json', 'a/conn.log'],
  );
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
