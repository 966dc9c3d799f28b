/**
 * Host (and account) threat and certainty from their active detections.
 *
 * - Decay: a detection's weight halves every `halfLifeSeconds` of event time after its last
 *   evidence (default 24 h, in the spirit of Elastic's 5-day risk window); below `minWeight`
 *   it no longer counts.
 * - Threat: the strongest decayed detection threat, plus `stackFactor` × each further one
 *   (diminishing: sorted, at most `stackMax` more), plus `breadthBonus` per additional ATT&CK
 *   category (kill-chain stage) up to `breadthMax`, times `highValueFactor` for high-value hosts.
 * - Certainty: detections are independent evidence: C = 99 × (1 − Π(1 − cᵢ/100)).
 * - Priority: Vectra's quadrant split at 50/50.
 * Every score keeps each detection's contribution so it explains itself.
 */
import type { Category, Detection } from '../detect/types.js';

export type Priority = 'Low' | 'Medium' | 'High' | 'Critical';

export interface ScoreConfig {
  readonly halfLifeSeconds: number;
  readonly minWeight: number;
  readonly stackFactor: number;
  readonly stackMax: number;
  readonly breadthBonus: number;
  readonly breadthMax: number;
  readonly highValueFactor: number;
  /** The quadrant's split for threat and certainty. */
  readonly quadrantSplit: number;
}

export const DEFAULT_SCORE_CONFIG: ScoreConfig = {
  halfLifeSeconds: 86_400,
  minWeight: 0.05,
  stackFactor: 0.35,
  stackMax: 6,
  breadthBonus: 8,
  breadthMax: 24,
  highValueFactor: 1.25,
  quadrantSplit: 50,
};

export interface Contribution {
  readonly detection: string;
  readonly type: string;
  readonly weight: number;
  readonly threat: number;
  readonly certainty: number;
}

export interface Score {
  readonly threat: number;
  readonly certainty: number;
  readonly priority: Priority;
  readonly contributions: readonly Contribution[];
  readonly categories: readonly Category[];
  readonly highValue: boolean;
}

export function priorityOf(threat: number, certainty: number, split = 50): Priority {
  if (threat >= split) return certainty >= split ? 'Critical' : 'High';
  return certainty >= split ? 'Medium' : 'Low';
}

export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { Low: 0, Medium: 1, High: 2, Critical: 3 };

export function scoreDetections(
  detections: readonly Detection[],
  now: number,
  highValue: boolean,
  cfg: ScoreConfig = DEFAULT_SCORE_CONFIG,
): Score {
  const contributions: Contribution[] = [];
  for (const d of detections) {
    const age = Math.max(0, now - d.lastTs);
    const weight = 0.5 ** (age / cfg.halfLifeSeconds);
    if (weight < cfg.minWeight) continue;
    contributions.push({
      detection: d.id,
      type: d.type,
      weight: Math.round(weight * 1000) / 1000,
      threat: d.threat * weight,
      certainty: d.certainty * weight,
    });
  }
  const counted = new Set(contributions.map((c) => c.detection));
  const categories = [...new Set(detections.filter((d) => counted.has(d.id)).map((d) => d.category))];
  if (contributions.length === 0) {
    return { threat: 0, certainty: 0, priority: 'Low', contributions, categories, highValue };
  }
  // One behaviour seen as several detections of one type counts once at full weight.
  const bestByType = new Map<string, number>();
  for (const c of contributions) bestByType.set(c.type, Math.max(bestByType.get(c.type) ?? 0, c.threat));
  const threats = [...bestByType.values()].sort((a, b) => b - a);
  let threat = threats[0]!;
  for (let i = 1; i < threats.length && i <= cfg.stackMax; i++) threat += cfg.stackFactor * threats[i]!;
  threat += Math.min(cfg.breadthMax, cfg.breadthBonus * Math.max(0, categories.length - 1));
  if (highValue) threat *= cfg.highValueFactor;
  let doubt = 1;
  for (const c of contributions) doubt *= 1 - Math.min(99, c.certainty) / 100;
  const certainty = 99 * (1 - doubt);
  const T = Math.min(99, Math.round(threat));
  const C = Math.min(99, Math.round(certainty));
  return {
    threat: T,
    certainty: C,
    priority: priorityOf(T, C, cfg.quadrantSplit),
    contributions: contributions.map((c) => ({
      ...c,
      threat: Math.round(c.threat),
      certainty: Math.round(c.certainty),
    })),
    categories,
    highValue,
  };
}
