import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedData } from '../test-support/shared-data.js';

const CLI = join(import.meta.dirname, 'main.ts');
const OTRF =
  sharedData('zeek/otrf-security-datasets/compound') ??
  join(import.meta.dirname, '../../../shared/data/zeek/otrf-security-datasets/compound');

function vigil(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });
}

test('vigil hosts --format json on the OTRF AD lab: DC with evidence, MKT01 with accounts; state saved', (t) => {
  if (!existsSync(OTRF)) return t.skip('shared data not present');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hosts-'));
  const state = join(dir, 'state.json');
  const res = vigil(['hosts', OTRF, '--format', 'json', '--quiet', '--state', state]);
  assert.equal(res.status, 0, res.stderr);
  const doc = JSON.parse(res.stdout) as {
    hosts: {
      key: string;
      name?: string;
      highValue: boolean;
      roles: { role: string; evidence: string[] }[];
      accounts: { account: string }[];
    }[];
    geoip: { built: string };
  };
  const dc = doc.hosts.find((h) => h.key === 'ip:192.168.1.4');
  assert.ok(dc);
  assert.equal(dc.highValue, true);
  const role = dc.roles.find((r) => r.role === 'domain-controller');
  assert.ok(role?.evidence.some((e) => e.startsWith('Kerberos KDC (88)')));
  const mkt = doc.hosts.find((h) => h.name === 'MKT01');
  assert.ok(mkt?.accounts.some((a) => a.account === 'pandalab\\pedro.gustavo'));
  assert.ok(existsSync(state));
  const table = vigil(['hosts', OTRF, '--quiet', '--state', state]);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /role {6}domain-controller \(medium\): Kerberos KDC \(88\)/);
  assert.match(table.stdout, /^MKT01 {2}\[name:MKT01\]/m);
});

test('vigil hosts with a bad config: exit 2, located message naming file, key and value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hosts-'));
  const cfg = join(dir, 'vigil.yaml');
  writeFileSync(cfg, 'identity:\n  sessionIdleSeconds: "two hours"\n');
  const res = vigil(['hosts', dir, '--config', cfg, '--quiet']);
  assert.equal(res.status, 2);
  assert.match(res.stderr, /vigil\.yaml:2:23: identity\.sessionIdleSeconds: "two hours" should be number/);
});
