import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import type { ZeekRecord } from '../model/records.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { rng } from '../simulate/sample.js';
import { dns, runDetectors } from '../test-support/perimeter.js';
import { conn, randomPrefix } from '../test-support/records.js';
import { createThreatIntelMatch } from './threat-intel-match.js';

const T0 = 1_623_024_000;

function word(r: () => number, n: number): string {
  return Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 26)]).join('');
}

function externalIp(r: () => number): string {
  return `${45 + Math.floor(r() * 150)}.${Math.floor(r() * 250)}.${Math.floor(r() * 250)}.${1 + Math.floor(r() * 200)}`;
}

/** An identity view whose config lists the given intel files (written to a temp dir). */
function viewWithIntel(files: { name: string; text: string; confidence?: number }[]): IdentityHostView {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-intel-'));
  const intel = files.map((f) => {
    writeFileSync(join(dir, f.name), f.text);
    return {
      path: join(dir, f.name),
      format: 'list' as const,
      source: f.name,
      confidence: f.confidence ?? 80,
    };
  });
  const view = new IdentityHostView(configSchema.parse({ intel: { files: intel } }), { geo: false });
  assert.deepEqual(view.intelProblems, []);
  return view;
}

/** A day of 30 internal clients browsing and resolving unlisted external services. */
function background(r: () => number, lan: string): ZeekRecord[] {
  const recs: ZeekRecord[] = [];
  const sites = Array.from({ length: 40 }, () => externalIp(r));
  for (let i = 0; i < 2_000; i++) {
    const src = `${lan}${10 + Math.floor(r() * 30)}`;
    recs.push(conn({ ts: T0 + r() * 86_400, src, dst: sites[Math.floor(r() * sites.length)]!, port: 443 }));
    recs.push(dns({ ts: T0 + r() * 86_400, src, query: `${word(r, 5)}.example${Math.floor(r() * 9)}.com` }));
  }
  return recs;
}

describe('threat-intel-match', () => {
  for (const seed of [1, 2, 3]) {
    test(`fires per host and indicator on a listed C2 address and domain, with exact evidence (seed ${seed})`, () => {
      const r = rng(seed);
      const lan = randomPrefix(r);
      const c2 = externalIp(r);
      const domain = `${word(r, 7)}.${['xyz', 'top', 'info'][Math.floor(r() * 3)]}`;
      const view = viewWithIntel([
        { name: 'c2-ips.txt', text: `# our feed\n${c2}\n` },
        { name: 'c2-domains.txt', text: `${domain}\n`, confidence: 60 },
      ]);
      const victim = `${lan}${40 + Math.floor(r() * 100)}`;
      const recs = background(r, lan);
      const beacons = 5 + Math.floor(r() * 20);
      for (let i = 0; i < beacons; i++)
        recs.push(conn({ ts: T0 + 3_600 + i * 300, src: victim, dst: c2, port: 443, uid: `Cbeacon${i}` }));
      recs.push(dns({ ts: T0 + 3_500, src: victim, query: `cdn.${domain}`, uid: 'Cdnsq' }));
      const found = runDetectors([createThreatIntelMatch], recs, view);
      assert.equal(found.length, 2, JSON.stringify(found.map((d) => d.summary)));
      const byIp = found.find((d) => d.targets.includes(c2))!;
      assert.equal(byIp.host, `ip:${victim}`);
      assert.equal(byIp.evidenceCount ?? byIp.evidence.length, beacons);
      assert.ok(byIp.evidence.every((e) => e.log === 'conn' && e.uid.startsWith('Cbeacon')));
      assert.ok(byIp.threat >= 55 && byIp.certainty >= 80, `${byIp.threat}/${byIp.certainty}`);
      const byDomain = found.find((d) => d.targets.includes(`cdn.${domain}`))!;
      assert.deepEqual(byDomain.evidence, [{ log: 'dns', uid: 'Cdnsq', ts: T0 + 3_500 }]);
      assert.ok(byDomain.certainty < byIp.certainty, 'lower feed confidence, one record');
    });
  }

  test('look-alikes stay quiet: neighbour addresses, look-alike names, internal entries, low confidence', () => {
    const r = rng(9);
    const lan = randomPrefix(r);
    const c2 = '198.51.100.20';
    const view = viewWithIntel([
      { name: 'feed.txt', text: `${c2}\nbad-domain.xyz\n${lan}77\n` },
      { name: 'weak.txt', text: '203.0.113.9\n', confidence: 10 },
    ]);
    const recs = background(r, lan);
    const src = `${lan}50`;
    recs.push(conn({ ts: T0 + 10, src, dst: '198.51.100.21', port: 443 }));
    recs.push(dns({ ts: T0 + 11, src, query: 'notbad-domain.xyz' }));
    recs.push(dns({ ts: T0 + 12, src, query: 'bad-domain.xyz.example.com' }));
    // An internal address on a feed is a configuration mistake, not C2.
    recs.push(conn({ ts: T0 + 13, src, dst: `${lan}77`, port: 445 }));
    recs.push(conn({ ts: T0 + 14, src, dst: '203.0.113.9', port: 443 }));
    const found = runDetectors([createThreatIntelMatch], recs, view, {
      detectors: { 'threat-intel-match': { minConfidence: 20 } },
    });
    assert.deepEqual(
      found.map((d) => d.summary),
      [],
    );
  });

  test('without configured intel nothing is looked up', () => {
    const r = rng(4);
    const found = runDetectors([createThreatIntelMatch], background(r, randomPrefix(r)));
    assert.deepEqual(found, []);
  });
});
