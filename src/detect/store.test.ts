import assert from 'node:assert/strict';
import { test } from 'node:test';
import { portSweepMeta } from './port-sweep.js';
import { DetectionStore } from './store.js';
import type { Finding } from './types.js';

function finding(firstTs: number, lastTs: number, uids: string[], targets: string[]): Finding {
  return {
    host: '10.0.0.5',
    src: '10.0.0.5',
    targets,
    threat: 30,
    certainty: 50,
    drivers: [],
    evidence: uids.map((uid, i) => ({ log: 'conn', uid, ts: firstTs + i })),
    summary: 's',
    firstTs,
    lastTs,
  };
}

test('a detection grows with new evidence instead of repeating; evidence capped with a true count', () => {
  const store = new DetectionStore({ maxEvidence: 3, maxTargets: 2, reopenAfterSeconds: 3600 });
  const a = store.apply(portSweepMeta, finding(100, 110, ['C1', 'C2'], ['10.0.1.1']));
  const b = store.apply(
    portSweepMeta,
    finding(100, 150, ['C1', 'C2', 'C3', 'C4'], ['10.0.1.1', '10.0.1.2', '10.0.1.3']),
  );
  assert.equal(a.change, 'new');
  assert.equal(b.change, 'updated');
  assert.equal(a.detection, b.detection);
  const d = b.detection;
  assert.deepEqual(
    d.evidence.map((e) => e.uid),
    ['C1', 'C2', 'C3'],
  );
  assert.equal(d.evidenceCount, 4);
  assert.equal(d.targets.length, 2);
  assert.equal(d.targetCount, 3);
  assert.equal(d.lastTs, 150);
  assert.equal(d.detectedAt, 110);
});

test('after the quiet period the same behaviour opens a new detection with its own stable id', () => {
  const store = new DetectionStore({ maxEvidence: 10, maxTargets: 10, reopenAfterSeconds: 3600 });
  const a = store.apply(portSweepMeta, finding(100, 110, ['C1'], []));
  const b = store.apply(portSweepMeta, finding(10_000, 10_010, ['C9'], []));
  assert.equal(b.change, 'new');
  assert.notEqual(a.detection.id, b.detection.id);
  const again = new DetectionStore().apply(portSweepMeta, finding(100, 110, ['C1'], []));
  assert.equal(again.detection.id, a.detection.id, 'ids are stable across replays');
});
