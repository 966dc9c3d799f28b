/**
 * Folds findings into detections. A finding for the same (type, host, key) as an open detection
 * grows it (evidence appended up to a cap, targets merged, threat/certainty raised, lastTs
 * moved); after `reopenAfterSeconds` of quiet the same behaviour opens a new detection. This is
 * the suppression that keeps one behaviour from becoming an alert storm.
 */
import { createHash } from 'node:crypto';
import type { Detection, DetectorMeta, Finding } from './types.js';

export interface StoreOptions {
  /** Evidence references kept per detection (the count goes on). Default 100. */
  readonly maxEvidence: number;
  /** Targets listed per detection (the count goes on). Default 100. */
  readonly maxTargets: number;
  /** Quiet event-time seconds after which the same behaviour is a new detection. Default 86400. */
  readonly reopenAfterSeconds: number;
}

export const DEFAULT_STORE_OPTIONS: StoreOptions = {
  maxEvidence: 100,
  maxTargets: 100,
  reopenAfterSeconds: 86_400,
};

export type DetectionChange = 'new' | 'updated';

/** Serialisable store state for checkpoints. */
export interface StoreSnapshot {
  readonly detections: Detection[];
  /** slot → index into detections. */
  readonly open: [string, number][];
  readonly evidenceSeen: [string, string[]][];
  readonly targetSeen: [string, string[]][];
}

export class DetectionStore {
  private readonly open = new Map<string, Detection>();
  private readonly all: Detection[] = [];
  private readonly evidenceSeen = new Map<string, Set<string>>();
  private readonly targetSeen = new Map<string, Set<string>>();

  constructor(private readonly options: StoreOptions = DEFAULT_STORE_OPTIONS) {}

  get detections(): readonly Detection[] {
    return this.all;
  }

  /** Applies a finding; returns the detection and whether it is new or grew. */
  apply(meta: DetectorMeta, f: Finding): { detection: Detection; change: DetectionChange } {
    const slot = `${meta.type}\u0000${f.host}\u0000${f.key ?? ''}`;
    const current = this.open.get(slot);
    if (current && f.firstTs - current.lastTs <= this.options.reopenAfterSeconds) {
      this.grow(current, f);
      return { detection: current, change: 'updated' };
    }
    const id = createHash('sha256')
      .update(`${meta.type}|${f.host}|${f.key ?? ''}|${Math.floor(f.firstTs)}`)
      .digest('hex')
      .slice(0, 16);
    const d: Detection = {
      id,
      type: meta.type,
      category: meta.category,
      attack: meta.attack,
      host: f.host,
      src: f.src,
      key: f.key ?? '',
      accounts: f.account ? [f.account] : [],
      targets: [],
      targetCount: 0,
      threat: f.threat,
      certainty: f.certainty,
      drivers: [...f.drivers],
      firstTs: f.firstTs,
      lastTs: f.lastTs,
      detectedAt: f.lastTs,
      summary: f.summary,
      evidence: [],
      evidenceCount: 0,
      updates: 0,
    };
    this.evidenceSeen.set(id, new Set());
    this.targetSeen.set(id, new Set());
    this.addEvidenceAndTargets(d, f);
    this.open.set(slot, d);
    this.all.push(d);
    return { detection: d, change: 'new' };
  }

  snapshot(): StoreSnapshot {
    const index = new Map(this.all.map((d, i) => [d, i] as const));
    return {
      detections: this.all,
      open: [...this.open].map(([slot, d]) => [slot, index.get(d)!]),
      evidenceSeen: [...this.evidenceSeen].map(([id, set]) => [id, [...set]]),
      targetSeen: [...this.targetSeen].map(([id, set]) => [id, [...set]]),
    };
  }

  restore(s: StoreSnapshot): void {
    this.all.length = 0;
    this.all.push(...s.detections);
    this.open.clear();
    for (const [slot, i] of s.open) {
      const d = this.all[i];
      if (d) this.open.set(slot, d);
    }
    this.evidenceSeen.clear();
    for (const [id, keys] of s.evidenceSeen) this.evidenceSeen.set(id, new Set(keys));
    this.targetSeen.clear();
    for (const [id, keys] of s.targetSeen) this.targetSeen.set(id, new Set(keys));
  }

  private grow(d: Detection, f: Finding): void {
    d.updates++;
    d.src = f.src;
    if (f.account && !d.accounts.includes(f.account) && d.accounts.length < this.options.maxTargets) {
      d.accounts.push(f.account);
    }
    if (f.lastTs > d.lastTs) d.lastTs = f.lastTs;
    if (f.firstTs < d.firstTs) d.firstTs = f.firstTs;
    if (f.threat >= d.threat || f.certainty >= d.certainty) {
      d.threat = Math.max(d.threat, f.threat);
      d.certainty = Math.max(d.certainty, f.certainty);
      d.drivers = [...f.drivers];
      d.summary = f.summary;
    }
    this.addEvidenceAndTargets(d, f);
  }

  private addEvidenceAndTargets(d: Detection, f: Finding): void {
    const seen = this.evidenceSeen.get(d.id)!;
    let added = 0;
    for (const e of f.evidence) {
      const k = `${e.log}\u0000${e.uid}`;
      if (seen.has(k)) continue;
      seen.add(k);
      added++;
      if (d.evidence.length < this.options.maxEvidence) d.evidence.push(e);
    }
    // A finding may summarise more records than it lists; count those once, on first sight.
    const extra = Math.max(0, (f.evidenceCount ?? f.evidence.length) - f.evidence.length);
    d.evidenceCount = Math.max(d.evidenceCount + added, seen.size + extra);
    const tseen = this.targetSeen.get(d.id)!;
    for (const t of f.targets) {
      if (tseen.has(t)) continue;
      tseen.add(t);
      if (d.targets.length < this.options.maxTargets) d.targets.push(t);
    }
    d.targetCount = tseen.size;
  }
}
