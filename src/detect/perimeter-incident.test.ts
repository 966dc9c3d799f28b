/**
 * The perimeter and DNS detectors on the simulated reference incident, through the real
 * pipeline (runAnalysis with the identity layer as HostView, configured as an operator would):
 * probing (Jun 8–12) → web scan and the rare UA's return (Jun 9) → the new VPN host, its PTR
 * sweep and suspect lookups (Jun 12 18:01–18:03 JST). Each fires within its step, with evidence
 * from the step's own records, and nothing in the benign background fires them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultConfig } from '../config/schema.js';
import { runAnalysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';
import { type ScenarioName, simulateToDir } from '../simulate/index.js';
import type { Truth } from '../simulate/truth.js';
import { createExternalServiceProbe, sourceGroup } from './external-service-probe.js';
import { createRareUserAgent } from './rare-user-agent.js';
import { createReverseDnsSweep } from './reverse-dns-sweep.js';
import { createSuspectDomainActivity } from './suspect-domain-activity.js';
import { createSuspiciousNewHost } from './suspicious-new-host.js';
import { createWebVulnerabilityScan } from './web-vulnerability-scan.js';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-perimeter-incident-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

interface Attacker {
  poolIp: string;
  clientName: string;
  loginTs: number;
  reconSources: string[];
  rareUaSource: string;
}

function suite(scenario: ScenarioName, seed: number): void {
  let report: AnalysisReport;
  let truth: Truth;
  let a: Attacker;

  before(async () => {
    truth = simulateToDir(scenario, join(tmp, `logs-${seed}`), { seed, hosts: 60, days: 2 }).truth;
    a = truth.attacker as unknown as Attacker;
    const cfg = defaultConfig();
    // What an operator would write for this network.
    cfg.network.vpnPools = [truth.network.vpnPool];
    cfg.network.internalRanges = [...cfg.network.internalRanges, '203.0.113.0/24'];
    cfg.network.scanners = [truth.network.declared.scanner];
    cfg.network.businessHours = { timeZone: 'Asia/Tokyo', startHour: 8, endHour: 18, days: [1, 2, 3, 4, 5] };
    report = await runAnalysis([join(tmp, `logs-${seed}`)], {
      quarantineDir: join(tmp, `quarantine-${seed}`),
      hosts: new IdentityHostView(cfg, { geo: true }),
      detectors: [
        createExternalServiceProbe,
        createWebVulnerabilityScan,
        createRareUserAgent,
        createSuspiciousNewHost,
        createReverseDnsSweep,
        createSuspectDomainActivity,
      ],
    });
  });

  const step = (name: string) => {
    const s = truth.steps.find((x) => x.step === name);
    assert.ok(s, name);
    return s;
  };

  const found = (type: string, pred: (d: AnalysisReport['detections'][number]) => boolean) => {
    const d = report.detections.find((x) => x.type === type && pred(x));
    assert.ok(d, `${type}: ${report.detections.map((x) => `${x.type} ${x.host}`).join('; ')}`);
    return d;
  };

  test('perimeter: probing, the web scan and the rare UA fire within their steps, GeoIP attributed', () => {
    const subnet = sourceGroup(a.reconSources[0]!, 24);
    const recon = step('external-recon');
    const probe = found('external-service-probe', (d) => d.host === subnet);
    assert.ok(probe.detectedAt >= recon.start && probe.detectedAt <= recon.end, 'during the probing');
    assert.ok(probe.threat < 50);
    assert.ok(
      probe.drivers.some((x) => x.name === 'source country'),
      'GeoIP country in the drivers',
    );
    const scan = step('web-vuln-scan');
    const web = found('web-vulnerability-scan', (d) => d.host === subnet);
    assert.ok(web.detectedAt >= scan.start && web.detectedAt <= scan.end + 30);
    const rare = found('rare-user-agent', (d) => d.host === a.rareUaSource);
    assert.ok(rare.detectedAt >= scan.start && rare.detectedAt <= scan.end + 30, 'linked when it returns');
    assert.ok(rare.firstTs <= step('rare-user-agent').end, 'the first sighting (Jun 3) is part of it');
  });

  test('the VPN host: new host off-hours with a generic name, PTR sweep and suspect domains within 2 min of login', () => {
    // The reference incident: login 18:01:04 JST, all three by 18:03.
    const by1803 = a.loginTs + 120;
    for (const type of ['suspicious-new-host', 'reverse-dns-sweep', 'suspect-domain-activity']) {
      const d = found(type, (x) => x.src === a.poolIp);
      assert.ok(
        d.detectedAt >= a.loginTs && d.detectedAt < by1803,
        `${type} at ${d.detectedAt - a.loginTs} s`,
      );
      assert.ok(d.threat < 50, `${type} alone stays below High`);
    }
    const nh = found('suspicious-new-host', (x) => x.src === a.poolIp);
    assert.match(nh.summary, new RegExp(`generic name ${a.clientName}`));
    assert.match(nh.summary, /VPN pool/);
    assert.match(nh.summary, /off business hours/);
  });

  test('evidence points at the incident records', () => {
    const malicious = new Set(truth.malicious.map((m) => `${m.log}|${m.uid}`));
    for (const d of report.detections) {
      const outside = d.evidence.filter((e) => !malicious.has(`${e.log}|${e.uid}`));
      assert.ok(
        outside.length <= Math.max(1, d.evidence.length * 0.05),
        `${d.type} on ${d.host}: ${outside.length} of ${d.evidence.length}`,
      );
    }
  });

  test('benign background fires none of these detectors', () => {
    const attacker = new Set([sourceGroup(a.reconSources[0]!, 24), a.rareUaSource]);
    const others = report.detections.filter((d) => !attacker.has(d.host) && d.src !== a.poolIp);
    assert.deepEqual(
      others.map((d) => `${d.type} ${d.host} ${d.summary}`),
      [],
    );
  });
}

describe('reference incident (seed 1)', () => suite('reference-incident', 1));
describe('random incident variant (seed 12)', () => suite('random-incident', 12));
