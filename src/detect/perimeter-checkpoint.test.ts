import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { dns, http, ptrName, randomPublicIp } from '../test-support/perimeter.js';
import { byTs, conn } from '../test-support/records.js';
import { DetectionEngine, type EngineConfig } from './engine.js';
import { createExternalServiceProbe } from './external-service-probe.js';
import { IpHostView } from './ip-host-view.js';
import { createRareUserAgent } from './rare-user-agent.js';
import { createReverseDnsSweep } from './reverse-dns-sweep.js';
import { createSuspectDomainActivity } from './suspect-domain-activity.js';
import { createSuspiciousNewHost } from './suspicious-new-host.js';
import type { DetectorFactory } from './types.js';
import { createWebVulnerabilityScan } from './web-vulnerability-scan.js';

const MINE: DetectorFactory[] = [
  createExternalServiceProbe,
  createWebVulnerabilityScan,
  createRareUserAgent,
  createSuspiciousNewHost,
  createReverseDnsSweep,
  createSuspectDomainActivity,
];
const MON = 1_623_024_000;
const DAY = 86_400;
const UAS = ['Mozilla/5.0 Chrome/91', 'Mozilla/5.0 Firefox/89', 'Microsoft-CryptoAPI/10.0'];

/** Three days of a small network with the whole perimeter-to-foothold story on the last night. */
function story(seed: number): ZeekRecord[] {
  const r = rng(seed);
  const recs: ZeekRecord[] = [];
  const www = '10.0.1.80';
  const visitors = Array.from({ length: 30 }, () => randomPublicIp(r));
  for (let i = 0; i < 6_000; i++) {
    const ts = MON + r() * 3 * DAY;
    const ws = `10.1.1.${10 + Math.floor(r() * 40)}`;
    const k = r();
    if (k < 0.4)
      recs.push(conn({ ts, src: ws, dst: `10.0.0.${1 + Math.floor(r() * 6)}`, port: 445, state: 'SF' }));
    else if (k < 0.7)
      recs.push(dns({ ts, src: ws, query: `${['www', 'mail', 'cdn'][i % 3]}.example${i % 7}.com` }));
    else
      recs.push(
        http({
          ts,
          src: visitors[i % visitors.length]!,
          dst: www,
          uri: `/p/${i % 40}`,
          ua: UAS[i % UAS.length],
        }),
      );
  }
  for (let t = 0; t < 3 * DAY; t += 1_800)
    for (let i = 1; i <= 40; i++)
      recs.push(dns({ ts: MON + t + i, src: '10.0.0.12', query: ptrName(`10.0.0.${i}`), qtype: 'PTR' }));
  // Perimeter: probes, a web scan, a rare UA on day 0 that returns with an exploit on day 2.
  const sub = randomPublicIp(r).split('.').slice(0, 3).join('.');
  const ports: [number, 'tcp' | 'udp'][] = [
    [500, 'udp'],
    [21, 'tcp'],
    [3389, 'tcp'],
    [4433, 'tcp'],
  ];
  ports.forEach(([port, proto], i) => {
    recs.push(conn({ ts: MON + DAY + i * 5_000, src: `${sub}.9`, dst: www, port, proto }));
  });
  ['/.env', '/server-status', '/manager/html', '/cgi-bin/x?f=../../etc/passwd'].forEach((uri, i) => {
    recs.push(
      http({ ts: MON + DAY + 30_000 + i * 10, src: `${sub}.10`, dst: www, uri, ua: UAS[0], status: 404 }),
    );
  });
  const rare = 'Mozilla/5.0 (Windows NT 10.0) Chrome/78.0.3904.108';
  recs.push(http({ ts: MON + 3_600, src: '45.1.2.3', dst: www, uri: '/', ua: rare }));
  recs.push(
    http({ ts: MON + 2 * DAY + 3_600, src: '45.1.2.3', dst: www, uri: '/.env', ua: rare, status: 404 }),
  );
  // The foothold on night 2: new host, PTR sweep, suspect domains.
  const night = MON + 2 * DAY + 20 * 3_600;
  for (let i = 1; i <= 30; i++)
    recs.push(conn({ ts: night + i * 2, src: '10.9.0.5', dst: `10.0.0.${i}`, port: 445 }));
  for (let i = 1; i <= 60; i++)
    recs.push(
      dns({
        ts: night + 100 + i,
        src: '10.9.0.5',
        query: ptrName(`10.0.2.${i}`),
        qtype: 'PTR',
        rcode: 'NXDOMAIN',
      }),
    );
  for (const q of ['hackforums.net', 'yandex.ru', 'ok.ru'])
    recs.push(dns({ ts: night + 200, src: '10.9.0.5', query: q }));
  return byTs(recs);
}

const view = (e: DetectionEngine) =>
  e.store.detections.map((d) => ({
    id: d.id,
    threat: d.threat,
    certainty: d.certainty,
    evidence: d.evidence.map((x) => x.uid),
    evidenceCount: d.evidenceCount,
    lastTs: d.lastTs,
    summary: d.summary,
  }));

test('all six perimeter/DNS detectors fire on the story, and a checkpoint anywhere continues exactly', () => {
  const recs = story(5);
  const cfg: EngineConfig = {};
  const whole = new DetectionEngine(MINE, new IpHostView(), cfg);
  whole.process(recs);
  whole.finish();
  const types = new Set(whole.store.detections.map((d) => d.type));
  assert.deepEqual([...types].sort(), MINE.map((m) => m().meta.type).sort());
  for (const share of [0.001, 0.3, 0.5, 0.8, 0.97, 0.999]) {
    const cut = Math.floor(recs.length * share);
    const first = new DetectionEngine(MINE, new IpHostView(), cfg);
    first.process(recs.slice(0, cut));
    const saved = JSON.parse(JSON.stringify(first.checkpoint()));
    const second = new DetectionEngine(MINE, new IpHostView(), cfg);
    assert.deepEqual(second.restore(saved), []);
    second.process(recs.slice(cut));
    second.finish();
    assert.deepEqual(view(second), view(whole), `cut at ${share}`);
  }
});
