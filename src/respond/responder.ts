/**
 * The responder: turns host scores into containment under policy, with safety rails.
 *
 * - Modes per policy: off, dry-run (decide and log), approve (queue for an analyst), auto (act).
 * - Never-touch list (hosts, subnets, roles) checked before anything else.
 * - Blast-radius caps per policy and overall, per hour of event time: excess is queued for
 *   approval, never silently dropped.
 * - Idempotence: a host is isolated once; cool-down after a release.
 * - Auto-release when the triggering condition stops holding; analysts release any time.
 * - Identity follows the host: when an isolated host shows up on a new IP, the isolation is
 *   re-applied there.
 * Every decision is an audit entry; the audit log is also replayed to restore state.
 */
import { ipv4ToInt, parseCidr4 } from '../detect/triage.js';
import { PRIORITY_RANK, type Priority } from '../score/scoring.js';
import type { ActionTarget, Actuator } from './actuators/types.js';
import { type AuditEntry, AuditLog, type Outcome } from './audit.js';
import type { ResponseConfig, ResponsePolicy } from './config.js';

export interface Subject {
  readonly host: string;
  readonly ip: string;
  readonly names: readonly string[];
  readonly roles: ReadonlySet<string>;
  readonly priority: Priority;
  readonly threat: number;
  readonly certainty: number;
  /** Active detections (id, type) behind the score. */
  readonly detections: readonly { readonly id: string; readonly type: string }[];
  readonly inCampaign: boolean;
}

interface Isolation {
  readonly policy: string;
  ip: string;
  readonly since: number;
  readonly names: readonly string[];
}

interface Queued {
  readonly id: string;
  readonly policy: ResponsePolicy;
  readonly subject: Subject;
  readonly eventTime: number;
  readonly outcome: Outcome;
}

const HOUR = 3600;

export class Responder {
  private readonly isolated = new Map<string, Isolation>();
  private readonly announced = new Set<string>();
  private readonly queued = new Map<string, Queued>();
  private readonly cooldownUntil = new Map<string, number>();
  private readonly actionTimes = new Map<string, number[]>();
  private readonly neverNets: (readonly [number, number])[];
  private chain: Promise<void> = Promise.resolve();
  private queueSeq = 0;

  constructor(
    private readonly cfg: ResponseConfig,
    private readonly actuators: ReadonlyMap<string, Actuator>,
    readonly audit: AuditLog = new AuditLog(),
  ) {
    this.neverNets = cfg.neverTouch.subnets.map((s, i) => {
      const net = parseCidr4(s);
      if (!net)
        throw new Error(
          `response.neverTouch.subnets[${i}]: not an IPv4 address or CIDR: ${JSON.stringify(s)}`,
        );
      return net;
    });
    for (const p of cfg.policies) {
      if (!actuators.has(p.actuator))
        throw new Error(`response.policies.${p.name}.actuator: no actuator named ${p.actuator}`);
    }
    this.replay();
  }

  /** Hosts currently isolated, with the policy and IP. */
  get isolations(): ReadonlyMap<string, Readonly<Isolation>> {
    return this.isolated;
  }

  get pending(): readonly Queued[] {
    return [...this.queued.values()];
  }

  /** Decides for one host at event time `now`. Actuator calls run in order; await `settle()`. */
  evaluate(s: Subject, now: number): void {
    for (const p of this.cfg.policies) {
      if (p.mode === 'off') continue;
      const matches = this.matches(p, s);
      const key = `${p.name}\u0000${s.host}`;
      const iso = this.isolated.get(s.host);
      if (iso) {
        if (iso.policy !== p.name) continue;
        if (!matches && p.autoRelease) this.doRelease(p, s, now, 'policy', 'condition no longer holds');
        else if (iso.ip !== s.ip) this.reapply(p, s, iso, now);
        continue;
      }
      if (!matches) {
        this.announced.delete(key);
        continue;
      }
      if (this.announced.has(key)) continue;
      if (this.neverTouch(s)) {
        this.announced.add(key);
        this.record(p, s, now, 'isolate-host', 'suppressed-never-touch', 'host is on the never-touch list');
        continue;
      }
      const cool = this.cooldownUntil.get(s.host);
      if (cool !== undefined && now < cool) {
        this.announced.add(key);
        this.record(
          p,
          s,
          now,
          'isolate-host',
          'suppressed-cooldown',
          `released recently; cool-down until ${cool}`,
        );
        continue;
      }
      this.announced.add(key);
      if (p.mode === 'dry-run') {
        this.record(p, s, now, 'isolate-host', 'dry-run', this.why(p, s));
      } else if (p.mode === 'approve') {
        this.enqueue(p, s, now, 'queued-approval', this.why(p, s));
      } else if (!this.underCaps(p, now)) {
        this.enqueue(p, s, now, 'queued-cap', `blast-radius cap reached; ${this.why(p, s)}`);
      } else {
        this.countAction(p, now);
        this.isolate(p, s, now, 'policy');
      }
    }
  }

  /** Waits for every actuator call decided so far. */
  settle(): Promise<void> {
    return this.chain;
  }

  /** An analyst approves a queued action: it runs now (caps do not apply to a human decision). */
  async approve(queueId: string, by: string): Promise<AuditEntry> {
    const q = this.queued.get(queueId);
    if (!q) throw new Error(`no queued action ${queueId}`);
    this.queued.delete(queueId);
    this.record(
      q.policy,
      q.subject,
      q.eventTime,
      'isolate-host',
      'approved',
      `approved by ${by}`,
      by,
      undefined,
      queueId,
    );
    this.isolate(q.policy, q.subject, q.eventTime, by);
    await this.settle();
    return this.audit.all[this.audit.all.length - 1]!;
  }

  reject(queueId: string, by: string): void {
    const q = this.queued.get(queueId);
    if (!q) throw new Error(`no queued action ${queueId}`);
    this.queued.delete(queueId);
    this.record(
      q.policy,
      q.subject,
      q.eventTime,
      'isolate-host',
      'rejected',
      `rejected by ${by}`,
      by,
      undefined,
      queueId,
    );
  }

  /** An analyst releases an isolated host. */
  async release(host: string, by: string, reason: string, now: number): Promise<void> {
    const iso = this.isolated.get(host);
    if (!iso) throw new Error(`host ${host} is not isolated`);
    const p = this.cfg.policies.find((x) => x.name === iso.policy);
    if (!p)
      throw new Error(`host ${host} was isolated by policy ${iso.policy}, which is no longer configured`);
    const s: Subject = {
      host,
      ip: iso.ip,
      names: iso.names,
      roles: new Set(),
      priority: 'Low',
      threat: 0,
      certainty: 0,
      detections: [],
      inCampaign: false,
    };
    this.doRelease(p, s, now, by, reason);
    await this.settle();
  }

  private matches(p: ResponsePolicy, s: Subject): boolean {
    const w = p.when;
    if (w.priorityAtLeast && PRIORITY_RANK[s.priority] < PRIORITY_RANK[w.priorityAtLeast]) return false;
    if (w.threatAtLeast !== undefined && s.threat < w.threatAtLeast) return false;
    if (w.certaintyAtLeast !== undefined && s.certainty < w.certaintyAtLeast) return false;
    if (w.detectionTypes && !s.detections.some((d) => w.detectionTypes!.includes(d.type))) return false;
    if (w.roles && !w.roles.some((r) => s.roles.has(r))) return false;
    if (w.inCampaign !== undefined && s.inCampaign !== w.inCampaign) return false;
    return true;
  }

  private neverTouch(s: Subject): boolean {
    const nt = this.cfg.neverTouch;
    if (nt.hosts.includes(s.host) || s.names.some((n) => nt.hosts.includes(n))) return true;
    if (nt.roles.some((r) => s.roles.has(r))) return true;
    const n = ipv4ToInt(s.ip);
    return n !== undefined && this.neverNets.some(([net, mask]) => (n & mask) >>> 0 === net);
  }

  private underCaps(p: ResponsePolicy, now: number): boolean {
    const count = (k: string): number => {
      const list = this.actionTimes.get(k) ?? [];
      while (list.length > 0 && list[0]! <= now - HOUR) list.shift();
      return list.length;
    };
    return count(p.name) < p.maxActionsPerHour && count('*') < this.cfg.maxActionsPerHour;
  }

  private countAction(p: ResponsePolicy, now: number): void {
    for (const k of [p.name, '*']) {
      const list = this.actionTimes.get(k);
      if (list) list.push(now);
      else this.actionTimes.set(k, [now]);
    }
  }

  private why(p: ResponsePolicy, s: Subject): string {
    const types = [...new Set(s.detections.map((d) => d.type))].join(', ');
    return `${p.name}: ${s.priority} T${s.threat}/C${s.certainty}${s.roles.size ? ` roles ${[...s.roles].join(',')}` : ''}; detections: ${types || '-'}`;
  }

  private enqueue(p: ResponsePolicy, s: Subject, now: number, outcome: Outcome, reason: string): void {
    const id = `q${++this.queueSeq}`;
    this.queued.set(id, { id, policy: p, subject: s, eventTime: now, outcome });
    this.record(p, s, now, 'isolate-host', outcome, reason, 'policy', undefined, id);
  }

  private target(s: Subject): ActionTarget {
    return { host: s.host, ip: s.ip, names: s.names };
  }

  private isolate(p: ResponsePolicy, s: Subject, now: number, by: string): void {
    // Marked before the call returns: idempotence holds while the call is in flight.
    this.isolated.set(s.host, { policy: p.name, ip: s.ip, since: now, names: s.names });
    const actuator = this.actuators.get(p.actuator)!;
    const reason = this.why(p, s);
    this.run(async () => {
      try {
        const r = await actuator.isolate(this.target(s), `Vigil ${reason}`);
        this.record(p, s, now, 'isolate-host', 'executed', reason, by, `${r.deviceId}: ${r.detail}`);
      } catch (err) {
        this.isolated.delete(s.host);
        this.announced.delete(`${p.name}\u0000${s.host}`);
        this.record(p, s, now, 'isolate-host', 'failed', reason, by, (err as Error).message);
      }
    });
  }

  private reapply(p: ResponsePolicy, s: Subject, iso: Isolation, now: number): void {
    const old = iso.ip;
    iso.ip = s.ip;
    const actuator = this.actuators.get(p.actuator)!;
    this.run(async () => {
      try {
        const r = await actuator.isolate(
          this.target(s),
          `Vigil ${p.name}: host moved from ${old} to ${s.ip}`,
        );
        this.record(
          p,
          s,
          now,
          'isolate-host',
          'reapplied-ip-change',
          `host moved from ${old} to ${s.ip}`,
          'policy',
          `${r.deviceId}: ${r.detail}`,
        );
      } catch (err) {
        this.record(
          p,
          s,
          now,
          'isolate-host',
          'failed',
          `re-apply after IP change ${old} → ${s.ip}`,
          'policy',
          (err as Error).message,
        );
      }
    });
  }

  private doRelease(p: ResponsePolicy, s: Subject, now: number, by: string, reason: string): void {
    const iso = this.isolated.get(s.host);
    if (!iso) return;
    this.isolated.delete(s.host);
    this.announced.delete(`${p.name}\u0000${s.host}`);
    this.cooldownUntil.set(s.host, now + p.cooldownSeconds);
    const actuator = this.actuators.get(p.actuator)!;
    const subject = { ...s, ip: iso.ip };
    this.run(async () => {
      try {
        const r = await actuator.release(this.target(subject), `Vigil release: ${reason}`);
        this.record(p, subject, now, 'release-host', 'released', reason, by, `${r.deviceId}: ${r.detail}`);
      } catch (err) {
        // Still isolated as far as we know: keep it so a later attempt or an analyst can retry.
        this.isolated.set(s.host, iso);
        this.record(p, subject, now, 'release-host', 'release-failed', reason, by, (err as Error).message);
      }
    });
  }

  private run(task: () => Promise<void>): void {
    this.chain = this.chain.then(task);
  }

  private record(
    p: ResponsePolicy,
    s: Subject,
    now: number,
    action: 'isolate-host' | 'release-host',
    outcome: Outcome,
    reason: string,
    by = 'policy',
    response?: string,
    queueId?: string,
  ): void {
    this.audit.append({
      eventTime: now,
      policy: p.name,
      action,
      host: s.host,
      ip: s.ip,
      outcome,
      reason,
      detections: s.detections.map((d) => d.id),
      score: { threat: s.threat, certainty: s.certainty, priority: s.priority },
      actuator: p.actuator,
      response,
      by,
      queueId,
    });
  }

  /** Rebuilds isolations and the approval queue from the audit log (restart). */
  private replay(): void {
    for (const e of this.audit.all) {
      if (e.outcome === 'executed' || e.outcome === 'reapplied-ip-change') {
        this.isolated.set(e.host, { policy: e.policy, ip: e.ip, since: e.eventTime, names: [] });
        this.announced.add(`${e.policy}\u0000${e.host}`);
      } else if (e.outcome === 'released') {
        this.isolated.delete(e.host);
        const p = this.cfg.policies.find((x) => x.name === e.policy);
        this.cooldownUntil.set(e.host, e.eventTime + (p?.cooldownSeconds ?? 0));
      }
      if (e.queueId) {
        const n = Number(e.queueId.slice(1));
        if (n > this.queueSeq) this.queueSeq = n;
        const p = this.cfg.policies.find((x) => x.name === e.policy);
        if ((e.outcome === 'queued-approval' || e.outcome === 'queued-cap') && p) {
          const subject: Subject = {
            host: e.host,
            ip: e.ip,
            names: [],
            roles: new Set(),
            priority: e.score.priority as Priority,
            threat: e.score.threat,
            certainty: e.score.certainty,
            detections: e.detections.map((id) => ({ id, type: '' })),
            inCampaign: false,
          };
          this.queued.set(e.queueId, {
            id: e.queueId,
            policy: p,
            subject,
            eventTime: e.eventTime,
            outcome: e.outcome,
          });
          this.announced.add(`${e.policy}\u0000${e.host}`);
        } else if (e.outcome === 'approved' || e.outcome === 'rejected') {
          this.queued.delete(e.queueId);
        }
      }
    }
  }
}
