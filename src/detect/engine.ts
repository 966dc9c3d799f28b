/**
 * The detection engine: routes each record to the detectors that read its log type, advances
 * event time (ticks for window expiry), applies triage, folds findings into detections, links
 * campaigns, and tells listeners about new and grown detections.
 */
import type { ZeekRecord } from '../model/records.js';
import { CampaignGraph } from './campaign.js';
import {
  DEFAULT_STORE_OPTIONS,
  type DetectionChange,
  DetectionStore,
  type StoreOptions,
  type StoreSnapshot,
} from './store.js';
import { resolveThresholds } from './thresholds.js';
import { DEFAULT_TRIAGE, Triage, type TriageRule } from './triage.js';
import type {
  Detection,
  Detector,
  DetectorContext,
  DetectorFactory,
  DetectorMeta,
  Finding,
  HostView,
  Thresholds,
} from './types.js';

export interface EngineConfig {
  /** Per-detector threshold overrides: `{ 'port-sweep': { minTargets: 30 } }`. */
  readonly detectors?: Readonly<Record<string, unknown>>;
  /** Detector types to leave out. */
  readonly disabled?: readonly string[];
  /** Rules that keep detectors quiet for hosts; the defaults are added unless `noDefaultTriage`. */
  readonly triage?: readonly TriageRule[];
  readonly noDefaultTriage?: boolean;
  /** Event-time seconds between detector ticks. Default 60. */
  readonly tickSeconds?: number;
  readonly store?: Partial<StoreOptions>;
}

export const ENGINE_CHECKPOINT_VERSION = 1;

export interface EngineCheckpoint {
  readonly version: number;
  readonly eventTime: number | null;
  readonly nextTick: number | null;
  readonly detectors: Record<string, unknown>;
  readonly store: StoreSnapshot;
  readonly triaged: [string, number][];
}

export type DetectionListener = (d: Detection, change: DetectionChange, now: number) => void;

interface Slot {
  readonly detector: Detector;
  readonly ctx: DetectorContext;
}

export class DetectionEngine {
  readonly store: DetectionStore;
  readonly campaigns = new CampaignGraph();
  private readonly slots: Slot[] = [];
  private readonly byLog = new Map<string, Slot[]>();
  private readonly listeners: DetectionListener[] = [];
  private readonly tickSeconds: number;
  private nextTick = Number.NEGATIVE_INFINITY;
  private now = Number.NEGATIVE_INFINITY;
  /** Findings dropped by triage, per detector type (visible in the summary). */
  readonly triaged = new Map<string, number>();

  constructor(
    factories: readonly DetectorFactory[],
    private readonly hosts: HostView,
    config: EngineConfig = {},
  ) {
    this.store = new DetectionStore({ ...DEFAULT_STORE_OPTIONS, ...config.store });
    this.tickSeconds = config.tickSeconds ?? 60;
    const triage = new Triage([...(config.noDefaultTriage ? [] : DEFAULT_TRIAGE), ...(config.triage ?? [])]);
    const disabled = new Set(config.disabled ?? []);
    const known = new Set<string>();
    for (const make of factories) {
      const detector = make();
      const meta = detector.meta;
      known.add(meta.type);
      if (disabled.has(meta.type)) continue;
      const thresholds: Thresholds = resolveThresholds(
        meta.type,
        meta.defaults,
        config.detectors?.[meta.type],
      );
      const suppressed = (host: string, ip: string): boolean =>
        triage.suppressed(meta.type, meta.category, host, ip, hosts);
      const ctx: DetectorContext = {
        thresholds,
        hosts,
        suppressed,
        emit: (f) => {
          if (suppressed(f.host, f.src)) this.triaged.set(meta.type, (this.triaged.get(meta.type) ?? 0) + 1);
          else this.accept(meta, f);
        },
      };
      const slot = { detector, ctx };
      this.slots.push(slot);
      for (const log of meta.logs) {
        const list = this.byLog.get(log);
        if (list) list.push(slot);
        else this.byLog.set(log, [slot]);
      }
    }
    for (const t of Object.keys(config.detectors ?? {})) {
      if (!known.has(t))
        throw new Error(`detectors.${t}: no detector of this type (known: ${[...known].join(', ')})`);
    }
  }

  onDetection(listener: DetectionListener): void {
    this.listeners.push(listener);
  }

  /** Event time of the latest record processed. */
  get eventTime(): number {
    return this.now;
  }

  process(batch: readonly ZeekRecord[]): void {
    const byLog = this.byLog;
    for (let i = 0; i < batch.length; i++) {
      const rec = batch[i]!;
      if (rec.ts > this.now) {
        this.now = rec.ts;
        if (rec.ts >= this.nextTick) this.tick(rec.ts);
      }
      const slots = byLog.get(rec._path);
      if (slots === undefined) continue;
      for (let j = 0; j < slots.length; j++) {
        const s = slots[j]!;
        s.detector.onRecord(rec, s.ctx);
      }
    }
  }

  /** Flushes detectors' windows at the end of a replay. */
  finish(): void {
    if (Number.isFinite(this.now)) this.tick(this.now + this.tickSeconds * 1e6);
  }

  private tick(now: number): void {
    this.nextTick = now + this.tickSeconds;
    for (const s of this.slots) s.detector.onTick?.(now, s.ctx);
  }

  private accept(meta: DetectorMeta, f: Finding): void {
    const { detection, change } = this.store.apply(meta, f);
    this.campaigns.observe(detection, this.hosts);
    const now = Number.isFinite(this.now) ? Math.max(this.now, f.lastTs) : f.lastTs;
    for (const l of this.listeners) l(detection, change, now);
  }

  /**
   * Everything the engine needs to continue where it stopped: event time, each detector's
   * windows and baselines, open detections with their evidence. JSON-serialisable.
   */
  checkpoint(): EngineCheckpoint {
    const detectors: Record<string, unknown> = {};
    for (const s of this.slots)
      if (s.detector.snapshot) detectors[s.detector.meta.type] = s.detector.snapshot();
    return {
      version: ENGINE_CHECKPOINT_VERSION,
      eventTime: Number.isFinite(this.now) ? this.now : null,
      nextTick: Number.isFinite(this.nextTick) ? this.nextTick : null,
      detectors,
      store: this.store.snapshot(),
      triaged: [...this.triaged],
    };
  }

  /** Continues from a checkpoint; detectors no longer registered are ignored (and named). */
  restore(cp: EngineCheckpoint): string[] {
    if (cp.version !== ENGINE_CHECKPOINT_VERSION) {
      throw new Error(`engine checkpoint has version ${cp.version}, expected ${ENGINE_CHECKPOINT_VERSION}`);
    }
    this.now = cp.eventTime ?? Number.NEGATIVE_INFINITY;
    this.nextTick = cp.nextTick ?? Number.NEGATIVE_INFINITY;
    for (const s of this.slots) {
      const st = cp.detectors[s.detector.meta.type];
      if (st !== undefined) s.detector.restore?.(st);
    }
    this.store.restore(cp.store);
    for (const d of this.store.detections) this.campaigns.observe(d, this.hosts);
    this.triaged.clear();
    for (const [k, v] of cp.triaged) this.triaged.set(k, v);
    const known = new Set(this.slots.map((s) => s.detector.meta.type));
    return Object.keys(cp.detectors).filter((t) => !known.has(t));
  }

  get detectorTypes(): string[] {
    return this.slots.map((s) => s.detector.meta.type);
  }
}
