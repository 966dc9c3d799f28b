/**
 * One analysis run, the pipeline end to end: ingest (merged event-time stream) → identity
 * (host view) → detection engine → host scores → report. Used by `vigil analyze`, the demo and
 * the acceptance tests, so that all of them run exactly the same code.
 */
import { DetectionEngine, type EngineConfig } from '../detect/engine.js';
import { IpHostView } from '../detect/ip-host-view.js';
import { DETECTORS } from '../detect/registry.js';
import type { DetectionChange } from '../detect/store.js';
import type { Detection, DetectorFactory, HostView } from '../detect/types.js';
import { type IngestOptions, IngestRun, type IngestSummary } from '../ingest/run.js';
import type { ZeekRecord } from '../model/records.js';
import type { Responder, Subject } from '../respond/responder.js';
import { byPriority, type HostScoreState, HostScores, type PriorityListener } from '../score/host-scores.js';
import { DEFAULT_SCORE_CONFIG, type ScoreConfig, scoreDetections } from '../score/scoring.js';
import {
  type AnalysisReport,
  REPORT_VERSION,
  type ReportDetection,
  type ReportHost,
} from './report-schema.js';

/** What the report needs to say about a host beyond its key. */
export interface HostDirectory extends HostView {
  /** Observes every record before detectors see it (identity learning). */
  observe?(rec: ZeekRecord): void;
  describe?(host: string): { ips: string[]; names: string[]; roles: string[] };
  /** The current key of a host that may since have been merged into another (identity). */
  canonical?(host: string): string;
}

export interface AnalysisOptions extends IngestOptions {
  /** A record source other than `inputs` (the live tail, `vigil analyze --follow`). */
  readonly ingest?: { batches(): AsyncIterable<ZeekRecord[]>; summary(): IngestSummary };
  readonly engine?: EngineConfig;
  readonly score?: ScoreConfig;
  readonly hosts?: HostDirectory;
  readonly detectors?: readonly DetectorFactory[];
  /** Each new or grown detection, as it happens (event time `now`). */
  readonly onDetection?: (d: Detection, change: DetectionChange, now: number) => void;
  readonly onPriorityChange?: PriorityListener;
  /**
   * Each merged batch, after detection (progress, storage). A returned promise holds the pipeline
   * back (the store's backpressure).
   */
  readonly onBatch?: (batch: readonly ZeekRecord[]) => void | Promise<void>;
  /** Acts on host scores under policy (dry-run, approve, auto). */
  readonly responder?: Responder;
}

/** Event-time seconds between decay passes over all scored hosts. */
const DECAY_PASS_SECONDS = 900;

/**
 * A running analysis: the pipeline's live state (engine, scores, responder) that a server can
 * query while records flow, and the report when they stop.
 */
export class Analysis {
  readonly hosts: HostDirectory;
  readonly engine: DetectionEngine;
  readonly scores: HostScores;
  readonly accountScores: HostScores;
  readonly responder: Responder | undefined;
  private nextDecay = Number.NEGATIVE_INFINITY;
  records = 0;

  constructor(private readonly opts: AnalysisOptions = {}) {
    this.hosts = opts.hosts ?? new IpHostView();
    const hosts = this.hosts;
    this.engine = new DetectionEngine(opts.detectors ?? DETECTORS, hosts, opts.engine);
    this.scores = new HostScores(hosts, opts.score ?? DEFAULT_SCORE_CONFIG);
    this.accountScores = HostScores.forAccounts(hosts, opts.score ?? DEFAULT_SCORE_CONFIG);
    if (opts.onPriorityChange) this.scores.onPriorityChange(opts.onPriorityChange);
    this.responder = opts.responder;
    this.engine.onDetection((d, change, now) => {
      this.scores.observe(d, now);
      this.accountScores.observe(d, now);
      // Decide at the event time of the detection; the actuator calls run after the batch.
      const st = this.responder && this.scores.get(d.host);
      if (st) this.responder!.evaluate(subjectOf(st, hosts, this.engine), now);
      opts.onDetection?.(d, change, now);
    });
  }

  /** Runs one merged batch through identity, detection, scoring and response. */
  async process(batch: readonly ZeekRecord[]): Promise<void> {
    const observe = this.hosts.observe?.bind(this.hosts);
    if (observe) for (let i = 0; i < batch.length; i++) observe(batch[i]!);
    this.engine.process(batch);
    this.records += batch.length;
    const now = this.engine.eventTime;
    if (now >= this.nextDecay) {
      this.decay(now);
      this.nextDecay = now + DECAY_PASS_SECONDS;
    }
    if (this.responder) await this.responder.settle();
    await this.opts.onBatch?.(batch);
  }

  private decay(now: number): void {
    this.scores.decayAll(now);
    this.accountScores.decayAll(now);
    // Decay may end a policy's condition: re-evaluate every scored host (auto-release).
    if (this.responder)
      for (const st of this.scores.ranked())
        this.responder.evaluate(subjectOf(st, this.hosts, this.engine), now);
  }

  /** Consumes a whole source, then flushes windows and decays scores to its last event time. */
  async run(source: {
    batches(): AsyncIterable<ZeekRecord[]>;
    summary(): IngestSummary;
  }): Promise<AnalysisReport> {
    for await (const batch of source.batches()) await this.process(batch);
    this.engine.finish();
    const summary = source.summary();
    if (summary.lastTs !== null) {
      this.scores.decayAll(summary.lastTs);
      this.accountScores.decayAll(summary.lastTs);
    }
    if (this.responder) await this.responder.settle();
    return this.report(summary);
  }

  /** The report as of now (also mid-run, for the server). */
  report(summary: IngestSummary): AnalysisReport {
    const report = buildReport(this.engine, this.scores, this.accountScores, this.hosts, {
      ...summary,
      rejected: { ...summary.rejected },
    });
    if (this.responder) report.responses = [...this.responder.audit.all];
    return report;
  }
}

export async function runAnalysis(
  inputs: readonly string[],
  opts: AnalysisOptions = {},
): Promise<AnalysisReport> {
  return new Analysis(opts).run(opts.ingest ?? new IngestRun(inputs, opts));
}

/** What the responder needs to know about a host now. */
function subjectOf(st: HostScoreState, hosts: HostDirectory, engine: DetectionEngine): Subject {
  const latest = st.detections.reduce((a, d) => (d.lastTs > a.lastTs ? d : a), st.detections[0]!);
  const active = new Set(st.score.contributions.map((c) => c.detection));
  return {
    host: st.host,
    ip: latest.src,
    names: hosts.names(st.host),
    roles: hosts.roles(st.host),
    priority: st.score.priority,
    threat: st.score.threat,
    certainty: st.score.certainty,
    detections: st.detections.filter((d) => active.has(d.id)).map((d) => ({ id: d.id, type: d.type })),
    inCampaign: engine.campaigns.campaignOf(st.host) !== undefined,
    accounts: [...new Set(st.detections.filter((d) => active.has(d.id)).flatMap((d) => d.accounts))],
    externalIps: [
      ...new Set(
        st.detections
          .filter((d) => active.has(d.id))
          .flatMap((d) => [d.src, ...d.targets])
          .filter((ip) => /^[0-9a-fA-F.:]+$/.test(ip) && !hosts.isInternal(ip)),
      ),
    ],
  };
}

/**
 * Identity may learn, after a host's first detections, that two keys are one host (a name seen
 * later, a MAC). Score states recorded under the old key are folded into the current one.
 */
function mergeAliases(
  states: HostScoreState[],
  canon: (k: string) => string,
  hosts: HostDirectory,
  now: number | null,
): HostScoreState[] {
  const groups = new Map<string, HostScoreState[]>();
  for (const st of states) {
    const k = canon(st.host);
    const g = groups.get(k);
    if (g) g.push(st);
    else groups.set(k, [st]);
  }
  const out: HostScoreState[] = [];
  for (const [key, g] of groups) {
    if (g.length === 1 && g[0]!.host === key) {
      out.push(g[0]!);
      continue;
    }
    const detections = [...new Set(g.flatMap((s) => s.detections))];
    const firsts = g.map((s) => s.firstCriticalTs).filter((t): t is number => t !== null);
    out.push({
      host: key,
      detections,
      score: scoreDetections(
        detections,
        now ?? Math.max(...detections.map((d) => d.lastTs)),
        hosts.isHighValue(key),
      ),
      history: g.flatMap((s) => s.history).sort((a, b) => a.ts - b.ts),
      firstCriticalTs: firsts.length ? Math.min(...firsts) : null,
      seen: new Map(),
    });
  }
  return out.sort(byPriority);
}

function buildReport(
  engine: DetectionEngine,
  scores: HostScores,
  accountScores: HostScores,
  hosts: HostDirectory,
  summary: AnalysisReport['summary'],
): AnalysisReport {
  const canon = (k: string): string => hosts.canonical?.(k) ?? k;
  const detections: ReportDetection[] = engine.store.detections.map((d) => ({
    id: d.id,
    type: d.type,
    category: d.category,
    attack: [...d.attack],
    host: canon(d.host),
    accounts: d.accounts,
    src: d.src,
    targets: d.targets,
    targetCount: d.targetCount,
    threat: d.threat,
    certainty: d.certainty,
    drivers: d.drivers,
    firstTs: d.firstTs,
    lastTs: d.lastTs,
    detectedAt: d.detectedAt,
    summary: d.summary,
    evidence: d.evidence,
    evidenceCount: d.evidenceCount,
    campaign: engine.campaigns.campaignOf(d.host) ?? null,
  }));
  const hostRows: ReportHost[] = mergeAliases(scores.ranked(), canon, hosts, summary.lastTs).map((st) => {
    const desc = hosts.describe?.(st.host) ?? { ips: [st.host], names: [], roles: [...hosts.roles(st.host)] };
    return {
      key: st.host,
      ips: desc.ips,
      names: desc.names,
      roles: desc.roles,
      highValue: hosts.isHighValue(st.host),
      priority: st.score.priority,
      threat: st.score.threat,
      certainty: st.score.certainty,
      firstCriticalTs: st.firstCriticalTs,
      campaign: engine.campaigns.campaignOf(st.host) ?? null,
      detections: st.detections.map((d) => d.id),
      contributions: [...st.score.contributions],
      history: st.history,
    };
  });
  return {
    version: REPORT_VERSION,
    summary: { ...summary, triaged: Object.fromEntries(engine.triaged) },
    hosts: hostRows,
    accounts: accountScores.ranked().map((st) => ({
      account: st.host,
      priority: st.score.priority,
      threat: st.score.threat,
      certainty: st.score.certainty,
      firstCriticalTs: st.firstCriticalTs,
      detections: st.detections.map((d) => d.id),
    })),
    detections,
    campaigns: engine.campaigns.edges,
    responses: [],
  };
}
