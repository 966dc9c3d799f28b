import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Category, Detection } from '../detect/types.js';
import { DEFAULT_SCORE_CONFIG, priorityOf, scoreDetections } from './scoring.js';

let n = 0;
function det(type: string, category: Category, threat: number, certainty: number, lastTs = 1000): Detection {
  n++;
  return {
    id: `d${n}`,
    type,
    category,
    attack: [],
    host: 'h',
    src: '10.0.0.1',
    key: '',
    accounts: [],
    targets: [],
    targetCount: 0,
    threat,
    certainty,
    drivers: [],
    firstTs: lastTs,
    lastTs,
    detectedAt: lastTs,
    summary: '',
    evidence: [],
    evidenceCount: 0,
    updates: 0,
  };
}

test('quadrant at 50/50', () => {
  assert.equal(priorityOf(49, 49), 'Low');
  assert.equal(priorityOf(49, 50), 'Medium');
  assert.equal(priorityOf(50, 49), 'High');
  assert.equal(priorityOf(50, 50), 'Critical');
});

test('one reconnaissance detection alone is Medium, not High or Critical', () => {
  const s = scoreDetections([det('port-sweep', 'reconnaissance', 40, 60)], 1000, false);
  assert.equal(s.priority, 'Medium');
  assert.equal(s.contributions.length, 1);
});

test('five detections across stages make a host Critical, and the contributions explain it', () => {
  const ds = [
    det('automated-replication', 'lateral-movement', 40, 55),
    det('port-sweep', 'reconnaissance', 35, 60),
    det('rpc-recon', 'reconnaissance', 30, 50),
    det('rpc-targeted-recon', 'reconnaissance', 30, 50),
    det('file-share-enumeration', 'reconnaissance', 30, 55),
  ];
  const s = scoreDetections(ds, 1000, false);
  assert.equal(s.priority, 'Critical');
  assert.equal(s.contributions.length, 5);
  assert.deepEqual([...s.categories].sort(), ['lateral-movement', 'reconnaissance']);
});

test('repeats of one type count once for threat (no score inflation by repetition)', () => {
  const one = scoreDetections([det('port-sweep', 'reconnaissance', 40, 60)], 1000, false);
  const many = scoreDetections(
    Array.from({ length: 10 }, () => det('port-sweep', 'reconnaissance', 40, 60)),
    1000,
    false,
  );
  assert.equal(many.threat, one.threat);
});

test('decay halves a detection per half-life and drops it below the minimum weight', () => {
  const d = det('port-sweep', 'reconnaissance', 40, 60, 0);
  const fresh = scoreDetections([d], 0, false);
  const aged = scoreDetections([d], DEFAULT_SCORE_CONFIG.halfLifeSeconds, false);
  assert.equal(aged.threat, Math.round(fresh.threat / 2));
  const gone = scoreDetections([d], DEFAULT_SCORE_CONFIG.halfLifeSeconds * 10, false);
  assert.equal(gone.threat, 0);
  assert.equal(gone.priority, 'Low');
});

test('a high-value host weighs more', () => {
  const ds = [det('port-sweep', 'reconnaissance', 40, 60)];
  assert.ok(scoreDetections(ds, 1000, true).threat > scoreDetections(ds, 1000, false).threat);
});
