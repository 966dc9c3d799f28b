import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ZeekRecord } from '../model/records.js';
import { rng } from '../simulate/sample.js';
import { conn } from '../test-support/records.js';
import { DetectionEngine } from './engine.js';
import { IpHostView } from './ip-host-view.js';
import { DETECTORS } from './registry.js';

function traffic(seed: number): ZeekRecord[] {
  const r = rng(seed);
  const recs: ZeekRecord[] = [];
  let ts = 1_700_000_000;
  // Background: hosts talking to live servers, a darknet warm-up's worth of time.
  for (let i = 0; i < 4000; i++) {
    ts += r() * 2;
    recs.push(
      conn({
        ts,
        src: `10.1.0.${1 + Math.floor(r() * 50)}`,
        dst: `10.2.0.${1 + Math.floor(r() * 5)}`,
        port: 443,
        state: 'SF',
      }),
    );
  }
  // A sweep and a port scan, interleaved with background.
  for (let i = 0; i < 120; i++) {
    ts += 0.5;
    recs.push(conn({ ts, src: '10.1.0.66', dst: `10.3.${Math.floor(i / 200)}.${(i % 200) + 1}`, port: 445 }));
    recs.push(conn({ ts: ts + 0.1, src: '10.1.0.67', dst: '10.2.0.9', port: 1000 + i, state: 'REJ' }));
    recs.push(
      conn({
        ts: ts + 0.2,
        src: `10.1.0.${1 + Math.floor(r() * 50)}`,
        dst: '10.2.0.1',
        port: 443,
        state: 'SF',
      }),
    );
  }
  return recs;
}

test('a checkpoint taken mid-stream and restored (through JSON) continues exactly like an uninterrupted run', () => {
  const recs = traffic(3);
  const whole = new DetectionEngine(DETECTORS, new IpHostView());
  whole.process(recs);
  whole.finish();

  const cut = 4100;
  const first = new DetectionEngine(DETECTORS, new IpHostView());
  first.process(recs.slice(0, cut));
  const saved = JSON.parse(JSON.stringify(first.checkpoint()));
  const second = new DetectionEngine(DETECTORS, new IpHostView());
  assert.deepEqual(second.restore(saved), []);
  second.process(recs.slice(cut));
  second.finish();

  const view = (e: DetectionEngine) =>
    e.store.detections.map((d) => ({
      id: d.id,
      type: d.type,
      targets: d.targetCount,
      evidence: d.evidenceCount,
      lastTs: d.lastTs,
    }));
  assert.ok(whole.store.detections.length >= 2);
  assert.deepEqual(view(second), view(whole));
});

test('unknown detector types in config are located errors', () => {
  assert.throws(
    () => new DetectionEngine(DETECTORS, new IpHostView(), { detectors: { 'port-swep': { minTargets: 3 } } }),
    /detectors\.port-swep: no detector of this type/,
  );
});

test('a checkpoint of another version is refused with a clear message', () => {
  const e = new DetectionEngine(DETECTORS, new IpHostView());
  const cp = { ...e.checkpoint(), version: 99 };
  assert.throws(() => e.restore(cp), /version 99, expected 1/);
});
