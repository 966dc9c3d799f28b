/**
 * Keeps every host's (or account's) score current as detections arrive, with its history as a
 * time series and the event time it first became Critical. One class serves both: hosts are
 * keyed by `detection.host`, accounts by each of `detection.accounts`.
 */
import type { Detection, HostView } from '../detect/types.js';
import {
  DEFAULT_SCORE_CONFIG,
  PRIORITY_RANK,
  type Priority,
  type Score,
  type ScoreConfig,
  scoreDetections,
} from './scoring.js';

export interface ScorePoint {
  readonly ts: number;
  readonly threat: number;
  readonly certainty: number;
  readonly priority: Priority;
}

export interface HostScoreState {
  readonly host: string;
  score: Score;
  readonly detections: Detection[];
  readonly history: ScorePoint[];
  firstCriticalTs: number | null;
  /** Event time of the last rescore, and each detection's threat/certainty then. */
  scoredAt?: number;
  readonly seen: Map<string, number>;
}

/** Priority, then threat, then certainty, highest first. */
export function byPriority(a: HostScoreState, b: HostScoreState): number {
  return (
    PRIORITY_RANK[b.score.priority] - PRIORITY_RANK[a.score.priority] ||
    b.score.threat - a.score.threat ||
    b.score.certainty - a.score.certainty
  );
}

/** Event-time seconds within which a grown detection with unchanged scores is not rescored. */
const RESCORE_GRAIN_SECONDS = 60;

export type PriorityListener = (host: string, from: Priority, to: Priority, ts: number, score: Score) => void;

export class HostScores {
  private readonly hosts = new Map<string, HostScoreState>();
  private readonly listeners: PriorityListener[] = [];

  constructor(
    view: HostView,
    private readonly cfg: ScoreConfig = DEFAULT_SCORE_CONFIG,
    /** History points kept per entity (oldest dropped). */
    private readonly maxHistory = 10_000,
    /** Which entities a detection counts for; hosts by default. */
    private readonly keysOf: (d: Detection) => readonly string[] = (d) => [d.host],
    /** Whether an entity weighs more; high-value hosts by default. */
    private readonly highValue: (key: string) => boolean = (key) => view.isHighValue(key),
  ) {}

  /** Scores per account (an account's detections, on whatever host). */
  static forAccounts(view: HostView, cfg: ScoreConfig = DEFAULT_SCORE_CONFIG): HostScores {
    return new HostScores(
      view,
      cfg,
      10_000,
      (d) => d.accounts,
      () => false,
    );
  }

  onPriorityChange(l: PriorityListener): void {
    this.listeners.push(l);
  }

  /** A detection is new or grew: rescore its host at event time `now`. */
  observe(d: Detection, now: number): void {
    for (const key of this.keysOf(d)) this.observeFor(key, d, now);
  }

  private observeFor(key: string, d: Detection, now: number): void {
    let st = this.hosts.get(key);
    if (!st) {
      st = {
        host: key,
        score: scoreDetections([], now, false, this.cfg),
        detections: [],
        history: [],
        firstCriticalTs: null,
        seen: new Map(),
      };
      this.hosts.set(key, st);
    }
    if (!st.detections.includes(d)) st.detections.push(d);
    else if (
      st.scoredAt !== undefined &&
      now - st.scoredAt < RESCORE_GRAIN_SECONDS &&
      st.seen.get(d.id) === d.threat * 100 + d.certainty
    ) {
      // A detection that grew evidence but not threat/certainty moves no score within the grain.
      return;
    }
    st.seen.set(d.id, d.threat * 100 + d.certainty);
    this.rescore(st, now);
  }

  /** Re-applies decay for every host at `now` (call as event time moves on). */
  decayAll(now: number): void {
    for (const st of this.hosts.values()) this.rescore(st, now);
  }

  private rescore(st: HostScoreState, now: number): void {
    const before = st.score;
    const score = scoreDetections(st.detections, now, this.highValue(st.host), this.cfg);
    st.score = score;
    st.scoredAt = now;
    const last = st.history[st.history.length - 1];
    if (!last || last.threat !== score.threat || last.certainty !== score.certainty) {
      st.history.push({
        ts: now,
        threat: score.threat,
        certainty: score.certainty,
        priority: score.priority,
      });
      if (st.history.length > this.maxHistory) st.history.shift();
    }
    if (score.priority === 'Critical' && st.firstCriticalTs === null) st.firstCriticalTs = now;
    if (score.priority !== before.priority)
      for (const l of this.listeners) l(st.host, before.priority, score.priority, now, score);
  }

  get(host: string): HostScoreState | undefined {
    return this.hosts.get(host);
  }

  /** Hosts by priority, then threat, then certainty. */
  ranked(): HostScoreState[] {
    return [...this.hosts.values()].sort(byPriority);
  }
}
