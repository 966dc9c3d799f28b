/**
 * The AD reconnaissance detectors on the simulated reference incident, through the real
 * pipeline (runAnalysis): each fires on its incident step within the step's event-time span
 * (the VPN host by 18:03 JST, then DC1 and DC2), with evidence from the step's own records, and
 * nothing else in the benign background fires them (the vulnerability scanner is declared).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runAnalysis } from '../pipeline/analysis.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';
import { simulateToDir } from '../simulate/index.js';
import type { Truth } from '../simulate/truth.js';
import { createFileShareEnumeration } from './file-share-enumeration.js';
import { IpHostView } from './ip-host-view.js';
import { createKerberosAccountScan } from './kerberos-account-scan.js';
import { createRpcRecon } from './rpc-recon.js';
import { createRpcTargetedRecon } from './rpc-targeted-recon.js';
import { createSmbAccountScan } from './smb-account-scan.js';
import { createSuspiciousLdapQuery } from './suspicious-ldap-query.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-recon-incident-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let report: AnalysisReport;
let truth: Truth;

interface Attacker {
  readonly poolIp: string;
  readonly loginTs: number;
  readonly compromisedDcs: readonly string[];
}

function attackerOf(t: Truth): Attacker {
  const a = t.attacker;
  assert.ok(a, 'the reference incident has an attacker');
  return {
    poolIp: String(a.poolIp),
    loginTs: Number(a.loginTs),
    compromisedDcs: (a.compromisedDcs as string[]) ?? [],
  };
}

before(async () => {
  truth = simulateToDir('reference-incident', join(tmp, 'logs'), { seed: 1, hosts: 60, days: 2 }).truth;
  report = await runAnalysis([join(tmp, 'logs')], {
    quarantineDir: join(tmp, 'quarantine'),
    hosts: new IpHostView(new Map([[truth.network.declared.scanner, new Set(['scanner'])]])),
    detectors: [
      createRpcRecon,
      createRpcTargetedRecon,
      createFileShareEnumeration,
      createSuspiciousLdapQuery,
      createSmbAccountScan,
      createKerberosAccountScan,
    ],
  });
});

const STEP_TO_TYPE: Readonly<Record<string, string>> = {
  'rpc-recon': 'rpc-recon',
  'rpc-targeted-recon': 'rpc-targeted-recon',
  'share-enumeration': 'file-share-enumeration',
  'ldap-recon': 'suspicious-ldap-query',
  'dc-scan:rpc-recon': 'rpc-recon',
  'dc-scan:rpc-targeted-recon': 'rpc-targeted-recon',
  'dc-scan:share-enumeration': 'file-share-enumeration',
};

test('each reconnaissance step fires its detector on its host within the step', () => {
  const steps = truth.steps.filter((s) => STEP_TO_TYPE[s.step] !== undefined);
  assert.ok(steps.length >= 7);
  for (const s of steps) {
    const type = STEP_TO_TYPE[s.step]!;
    const d = report.detections.find(
      (x) => x.type === type && x.host === s.host && x.detectedAt >= s.start - 1,
    );
    assert.ok(d, `${type} on ${s.host} for step ${s.step} at ${s.startUtc}`);
    assert.ok(
      d.detectedAt <= s.end + 30,
      `${type} on ${s.host}: detected ${d.detectedAt - s.start} s after the step began`,
    );
  }
});

test('the VPN host has RPC recon, targeted recon and share enumeration by 18:03 JST', () => {
  const { poolIp: attacker, loginTs } = attackerOf(truth);
  const by1803 = Date.parse('2021-06-12T09:03:00Z') / 1000;
  for (const type of ['rpc-recon', 'rpc-targeted-recon', 'file-share-enumeration']) {
    const d = report.detections.find((x) => x.type === type && x.host === attacker);
    assert.ok(d && d.detectedAt < by1803 && d.detectedAt >= loginTs, type);
    assert.ok(d.threat < 50, `${type} alone stays below High`);
  }
});

test('evidence of the attacker detections points at the incident records', () => {
  const malicious = new Set(truth.malicious.map((m) => `${m.log}|${m.uid}`));
  const a = attackerOf(truth);
  const hosts = new Set([a.poolIp, ...a.compromisedDcs]);
  for (const d of report.detections.filter((x) => hosts.has(x.host))) {
    const outside = d.evidence.filter((e) => !malicious.has(`${e.log}|${e.uid}`));
    // A sliding window may include a record or two of the host's own ordinary traffic.
    assert.ok(
      outside.length <= Math.max(2, d.evidence.length * 0.1),
      `${d.type} on ${d.host}: ${outside.length} of ${d.evidence.length}`,
    );
  }
});

test('benign background fires none of these detectors', () => {
  const a = attackerOf(truth);
  const hosts = new Set([a.poolIp, ...a.compromisedDcs]);
  const others = report.detections.filter((d) => !hosts.has(d.host));
  assert.deepEqual(
    others.map((d) => `${d.type} ${d.host} ${d.summary}`),
    [],
  );
});
