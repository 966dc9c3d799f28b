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
  /** Accounts used in the host's active detections (block-account policies). */
  readonly accounts?: readonly string[];
  /** External addresses the host's active detections involve (block-ip policies). */
  readonly externalIps?: readonly string[];
}

type BlockAction = 'block-account' | 'block-ip';

interface Block {
  readonly policy: string;
  readonly action: BlockAction;
  readonly target: string;
  /** The host whose behaviour led to the block (auto-release follows its condition). */
  readonly host: string;
  readonly since: number;
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
  /** Block actions: the account or address to block. */
  readonly target?: string;
}

const HOUR = 3600;

/** `name:DC1`, `DC1`, `dc1` → `dc1`: group members match host keys and names alike. */
const bareName = (k: string): string => k.replace(/^name:/i, '').toLowerCase();

export class Responder {
  private readonly isolated = new Map<string, Isolation>();
  /** Active blocks by `action\u0000target`. */
  private readonly blocked = new Map<string, Block>();
  private readonly announced = new Set<string>();
  private readonly queued = new Map<string, Queued>();
  private readonly cooldownUntil = new Map<string, number>();
  private readonly actionTimes = new Map<string, number[]>();
  private readonly neverNets: (readonly [number, number])[];
  private readonly groupMembers = new Map<
    string,
    { names: Set<string>; nets: (readonly [number, number])[] }
  >();
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
      const a = actuators.get(p.actuator);
      if (!a) throw new Error(`response.policies.${p.name}.actuator: no actuator named ${p.actuator}`);
      const can =
        p.action === 'block-account' ? a.blockAccount : p.action === 'block-ip' ? a.blockIp : a.isolate;
      if (!can)
        throw new Error(
          `response.policies.${p.name}.action: actuator ${p.actuator} (${a.kind}) cannot ${p.action}`,
        );
    }
    for (const [name, members] of Object.entries(cfg.groups)) {
      const nets: (readonly [number, number])[] = [];
      const names = new Set<string>();
      for (const m of members) {
        const net = /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(m) ? parseCidr4(m) : undefined;
        if (net) nets.push(net);
        else names.add(bareName(m));
      }
      this.groupMembers.set(name, { names, nets });
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
      if (p.action !== 'isolate-host') {
        this.evaluateBlocks(p, p.action, s, now);
        continue;
      }
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
    if (q.target !== undefined && q.policy.action !== 'isolate-host') {
      const action = q.policy.action;
      this.record(
        q.policy,
        q.subject,
        q.eventTime,
        action,
        'approved',
        `approved by ${by}`,
        by,
        undefined,
        queueId,
        q.target,
      );
      this.block(q.policy, action, q.subject, q.target, q.eventTime, by);
      await this.settle();
      return this.audit.all[this.audit.all.length - 1]!;
    }
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
      q.policy.action,
      'rejected',
      `rejected by ${by}`,
      by,
      undefined,
      queueId,
      q.target,
    );
  }

  /** Active account and address blocks. */
  get blocks(): readonly Readonly<Block>[] {
    return [...this.blocked.values()];
  }

  /**
   * Block policies act on what the host's detections involve: each account (block-account) or
   * external address (block-ip). Same rails as isolation: never-touch (accounts, subnets), caps,
   * modes, idempotence per target, release when the host's condition stops holding.
   */
  private evaluateBlocks(p: ResponsePolicy, action: BlockAction, s: Subject, now: number): void {
    if (!this.matches(p, s)) {
      if (!p.autoRelease) return;
      for (const b of [...this.blocked.values()]) {
        if (b.policy === p.name && b.host === s.host)
          this.unblock(p, b, s, now, 'policy', 'condition no longer holds');
      }
      return;
    }
    const targets = action === 'block-account' ? (s.accounts ?? []) : (s.externalIps ?? []);
    for (const target of targets) {
      const key = `${p.name}\u0000${action}\u0000${target}`;
      if (this.blocked.has(`${action}\u0000${target}`) || this.announced.has(key)) continue;
      this.announced.add(key);
      if (this.neverBlock(action, target)) {
        this.record(
          p,
          s,
          now,
          action,
          'suppressed-never-touch',
          `${target} is on the never-touch list`,
          'policy',
          undefined,
          undefined,
          target,
        );
        continue;
      }
      const reason = `${this.why(p, s)}; ${action} ${target}`;
      if (p.mode === 'dry-run')
        this.record(p, s, now, action, 'dry-run', reason, 'policy', undefined, undefined, target);
      else if (p.mode === 'approve') this.enqueueBlock(p, s, now, 'queued-approval', reason, target);
      else if (!this.underCaps(p, now))
        this.enqueueBlock(p, s, now, 'queued-cap', `blast-radius cap reached; ${reason}`, target);
      else {
        this.countAction(p, now);
        this.block(p, action, s, target, now, 'policy');
      }
    }
  }

  private neverBlock(action: BlockAction, target: string): boolean {
    if (action === 'block-account') {
      const t = target.toLowerCase();
      return this.cfg.neverTouch.accounts.some((a) => a.toLowerCase() === t);
    }
    const n = ipv4ToInt(target);
    return n !== undefined && this.neverNets.some(([net, mask]) => (n & mask) >>> 0 === net);
  }

  private enqueueBlock(
    p: ResponsePolicy,
    s: Subject,
    now: number,
    outcome: Outcome,
    reason: string,
    target: string,
  ): void {
    const id = `q${++this.queueSeq}`;
    this.queued.set(id, { id, policy: p, subject: s, eventTime: now, outcome, target });
    this.record(p, s, now, p.action, outcome, reason, 'policy', undefined, id, target);
  }

  private block(
    p: ResponsePolicy,
    action: BlockAction,
    s: Subject,
    target: string,
    now: number,
    by: string,
  ): void {
    const key = `${action}\u0000${target}`;
    this.blocked.set(key, { policy: p.name, action, target, host: s.host, since: now });
    const actuator = this.actuators.get(p.actuator)!;
    const reason = this.why(p, s);
    this.run(async () => {
      try {
        const r =
          action === 'block-account'
            ? await actuator.blockAccount!(target, `Vigil ${reason}`)
            : await actuator.blockIp!(target, `Vigil ${reason}`);
        this.record(
          p,
          s,
          now,
          action,
          'executed',
          reason,
          by,
          `${r.deviceId}: ${r.detail}`,
          undefined,
          target,
        );
      } catch (err) {
        this.blocked.delete(key);
        this.announced.delete(`${p.name}\u0000${action}\u0000${target}`);
        this.record(p, s, now, action, 'failed', reason, by, (err as Error).message, undefined, target);
      }
    });
  }

  private unblock(p: ResponsePolicy, b: Block, s: Subject, now: number, by: string, reason: string): void {
    const key = `${b.action}\u0000${b.target}`;
    this.blocked.delete(key);
    this.announced.delete(`${p.name}\u0000${b.action}\u0000${b.target}`);
    const actuator = this.actuators.get(p.actuator)!;
    const undo = b.action === 'block-account' ? 'unblock-account' : 'unblock-ip';
    this.run(async () => {
      try {
        const r =
          b.action === 'block-account'
            ? await actuator.unblockAccount!(b.target, `Vigil release: ${reason}`)
            : await actuator.unblockIp!(b.target, `Vigil release: ${reason}`);
        this.record(
          p,
          s,
          now,
          undo,
          'released',
          reason,
          by,
          `${r.deviceId}: ${r.detail}`,
          undefined,
          b.target,
        );
      } catch (err) {
        this.blocked.set(key, b);
        this.record(
          p,
          s,
          now,
          undo,
          'release-failed',
          reason,
          by,
          (err as Error).message,
          undefined,
          b.target,
        );
      }
    });
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
    if (w.groups && !w.groups.some((g) => this.inGroup(g, s))) return false;
    return true;
  }

  /** Whether a host is a member of a configured group (by key, name, address or CIDR). */
  private inGroup(group: string, s: Subject): boolean {
    const members = this.groupMembers.get(group);
    if (!members) return false;
    if (members.names.has(s.host.toLowerCase()) || s.names.some((n) => members.names.has(n.toLowerCase())))
      return true;
    const n = ipv4ToInt(s.ip);
    return n !== undefined && members.nets.some(([net, mask]) => (n & mask) >>> 0 === net);
  }

  private neverTouch(s: Subject): boolean {
    const nt = this.cfg.neverTouch;
    if (nt.groups.some((g) => this.inGroup(g, s))) return true;
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
    action: AuditEntry['action'],
    outcome: Outcome,
    reason: string,
    by = 'policy',
    response?: string,
    queueId?: string,
    target?: string,
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
      target,
    });
  }

  /** Rebuilds isolations and the approval queue from the audit log (restart). */
  private replay(): void {
    for (const e of this.audit.all) {
      if ((e.action === 'block-account' || e.action === 'block-ip') && e.target !== undefined) {
        const key = `${e.action}\u0000${e.target}`;
        if (e.outcome === 'executed') {
          this.blocked.set(key, {
            policy: e.policy,
            action: e.action,
            target: e.target,
            host: e.host,
            since: e.eventTime,
          });
          this.announced.add(`${e.policy}\u0000${e.action}\u0000${e.target}`);
        }
      }
      if ((e.action === 'unblock-account' || e.action === 'unblock-ip') && e.target !== undefined) {
        if (e.outcome === 'released')
          this.blocked.delete(
            `${e.action === 'unblock-account' ? 'block-account' : 'block-ip'}\u0000${e.target}`,
          );
      }
      const hostAction = e.action === 'isolate-host' || e.action === 'release-host';
      if (hostAction && (e.outcome === 'executed' || e.outcome === 'reapplied-ip-change')) {
        this.isolated.set(e.host, { policy: e.policy, ip: e.ip, since: e.eventTime, names: [] });
        this.announced.add(`${e.policy}\u0000${e.host}`);
      } else if (hostAction && e.outcome === 'released') {
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
            target: e.target,
          });
          this.announced.add(
            e.target !== undefined
              ? `${e.policy}\u0000${e.action}\u0000${e.target}`
              : `${e.policy}\u0000${e.host}`,
          );
        } else if (e.outcome === 'approved' || e.outcome === 'rejected') {
          this.queued.delete(e.queueId);
        }
      }
    }
  }
}
