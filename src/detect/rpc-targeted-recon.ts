/**
 * rpc-targeted-recon — one internal host runs account, group, session, share or trust
 * enumeration calls against one or a few targets, above all domain controllers (ATT&CK
 * T1087.002 Domain Account Discovery, T1069.002 Domain Groups Discovery, T1033 System Owner/User
 * Discovery). The focused counterpart of rpc-recon: depth on a target instead of breadth. In the
 * reference incident the VPN host (and later DC1) did both.
 *
 * Observables: `dce_rpc` `endpoint` + `operation` (Zeek spellings, e.g. `samr`
 * `SamrEnumerateUsersInDomain`, `lsarpc` `LsarEnumerateTrustedDomainsEx`, `srvsvc`
 * `NetrSessionEnum`/`NetrShareEnum`, `wkssvc` `NetrWkstaUserEnum`, `drsuapi`
 * `DRSDomainControllerInfo`), internal → internal. The operation lists are a data module
 * (rpc-enumeration-ops.ts), editable in config.
 *
 * Score per (source, target) within `windowSeconds`: a decisive operation (session or
 * logged-on-user hunting: `NetrSessionEnum`, `NetrWkstaUserEnum`) adds `decisiveWeight` (6), each
 * distinct strong operation `strongWeight` (3), each distinct weak lookup 1; repeats add nothing (paging through
 * `SamrQueryDisplayInformation` is one call type). Fires when a target's score reaches
 * `minScore` (6: e.g. `net user /domain` = EnumerateDomains + EnumerateUsers; `net group
 * "Domain Admins" /domain` = GetMembersInGroup + lookups) against a domain controller or other
 * high-value host, `minScoreOtherTargets` (9) against any other host, with at least
 * `minStrongOperations` strong calls. Published anchor: BZAR's Discovery analytic counts these
 * calls per source in 5-minute epochs with thresholds 5, 10, 15, …; we weight by intent instead
 * of counting raw calls (a client paging one list is not many discoveries) and use 15 minutes
 * because interactive `net` commands come minutes apart.
 *
 * Learned habits: an operation this host already used on an earlier UTC day scores nothing —
 * Exchange, management and admin workstations that enumerate daily stay quiet, a new host or a
 * DC that never did it does not. During the learning period (recon-baseline.ts) certainty stays
 * below 50, and hosts that were there from the start need `learningFloorFactor` × the score;
 * a host that appeared later is seen whole and meets the normal score.
 *
 * Threat stays below 50 alone (recon); it is higher against high-value targets and with more
 * kinds of enumeration.
 */
import type { ZeekRecord } from '../model/records.js';
import { HabitSet, HostClock, type HostClockJson, hostLabel, listSome, minutes } from './recon-baseline.js';
import {
  DECISIVE_ENUMERATION_OPERATIONS,
  STRONG_ENUMERATION_OPERATIONS,
  WEAK_ENUMERATION_OPERATIONS,
} from './rpc-enumeration-ops.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample } from './window.js';

export const rpcTargetedReconMeta = {
  type: 'rpc-targeted-recon',
  name: 'RPC targeted recon',
  category: 'reconnaissance',
  attack: ['T1087.002', 'T1069.002', 'T1033'],
  logs: ['dce_rpc'],
  defaults: {
    /** Score that fires against a domain controller or other high-value target. */
    minScore: 6,
    /** Score that fires against any other target. */
    minScoreOtherTargets: 9,
    /** Strong (listing) operations required besides the score. */
    minStrongOperations: 1,
    /** Score of one distinct strong operation (a weak one scores 1). */
    strongWeight: 3,
    /** Score of one decisive operation (session / logged-on-user hunting). */
    decisiveWeight: 6,
    /** Event-time window per (source, target), seconds. */
    windowSeconds: 900,
    /** Event-time seconds after the first record during which habits are learned (1 day). */
    learningSeconds: 86_400,
    /** While learning, fire only at this multiple of the score. */
    learningFloorFactor: 2,
    /** Hosts first seen later than this after the start are new: no learning allowance. */
    newHostGraceSeconds: 3_600,
    /** `endpoint::operation` session/logged-on-user hunting: one call reaches `minScore`. */
    decisiveOperations: DECISIVE_ENUMERATION_OPERATIONS,
    /** `endpoint::operation` calls that list accounts, groups, shares, trusts, DCs. */
    strongOperations: STRONG_ENUMERATION_OPERATIONS,
    /** `endpoint::operation` lookups ordinary clients make; they add depth only. */
    weakOperations: WEAK_ENUMERATION_OPERATIONS,
    /** Targets tracked per source (bounded memory). */
    maxTargetsPerSource: 256,
    /** Sources tracked at once (bounded memory). */
    maxSources: 50_000,
    /** Hosts whose learned operation habits are kept (bounded memory). */
    maxHabitHosts: 100_000,
  },
} as const satisfies DetectorMeta;

type T = typeof rpcTargetedReconMeta.defaults;

interface TargetState {
  ops: Map<string, number>;
  score: number;
  strong: number;
  firstTs: number;
  lastTs: number;
  evidence: Sample<EvidenceRef>;
  /** Score when last emitted (0 = not yet). */
  emitted: number;
}

interface SourceState {
  targets: Map<string, TargetState>;
}

interface Snapshot {
  readonly clock: HostClockJson;
  readonly habits: [string, [string, number][]][];
}

export function createRpcTargetedRecon(): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let habits: HabitSet | undefined;
  let pendingHabits: Snapshot['habits'] | undefined;
  let clock = new HostClock(200_000);
  /** endpoint → operation → weight (two levels: no key string per record). */
  let weights: Map<string, Map<string, number>> | undefined;

  const init = (t: T): void => {
    sources = new KeyedState<SourceState>(t.maxSources, () => ({ targets: new Map() }));
    habits = HabitSet.load(t.maxHabitHosts, pendingHabits);
    pendingHabits = undefined;
    const w = new Map<string, Map<string, number>>();
    const put = (op: string, weight: number): void => {
      const sep = op.indexOf('::');
      if (sep < 0) return;
      const ep = op.slice(0, sep);
      let m = w.get(ep);
      if (m === undefined) {
        m = new Map();
        w.set(ep, m);
      }
      m.set(op.slice(sep + 2), weight);
    };
    for (const op of t.weakOperations) put(op, 1);
    for (const op of t.strongOperations) put(op, t.strongWeight);
    for (const op of t.decisiveOperations) put(op, t.decisiveWeight);
    weights = w;
  };

  return {
    meta: rpcTargetedReconMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (weights === undefined) init(t);
      const ep = rec.endpoint;
      const opName = rec.operation;
      if (typeof ep !== 'string' || typeof opName !== 'string') return;
      const weight = weights!.get(ep)?.get(opName);
      if (weight === undefined) return;
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (src === dst || !hosts.isInternal(src) || !hosts.isInternal(dst)) return;
      const ts = rec.ts;
      const host = hosts.hostKey(src, ts);
      const targetKey = hosts.hostKey(dst, ts);
      clock.note(host, ts);
      clock.note(targetKey, ts);
      const st = sources!.get(src, ts);
      let tg = st.targets.get(dst);
      if (tg === undefined || ts - tg.lastTs > t.windowSeconds) {
        tg = {
          ops: new Map(),
          score: 0,
          strong: 0,
          firstTs: ts,
          lastTs: ts,
          evidence: new Sample(50),
          emitted: 0,
        };
        if (st.targets.size >= t.maxTargetsPerSource)
          st.targets.delete(st.targets.keys().next().value as string);
      } else st.targets.delete(dst);
      st.targets.set(dst, tg);
      tg.lastTs = ts;
      const op = `${ep}::${opName}`;
      const seen = tg.ops.get(op);
      tg.ops.set(op, (seen ?? 0) + 1);
      tg.evidence.add({ log: 'dce_rpc', uid: rec.uid as string, ts });
      // Repeats (paging) add nothing; the habit was noted on first use in this window.
      if (seen !== undefined) return;
      const habitual = habits!.habitual(host, op, ts);
      habits!.note(host, op, ts);
      if (habitual) return;
      const learning = clock.learning(host, ts, hosts, t);
      const period = clock.period(ts, t);
      tg.score += weight;
      if (weight > 1) tg.strong++;
      const isDc = hosts.roles(targetKey).has('domain-controller');
      const highValue = isDc || hosts.isHighValue(targetKey);
      const base = highValue ? t.minScore : t.minScoreOtherTargets;
      const threshold = learning ? Math.ceil(base * t.learningFloorFactor) : base;
      if (tg.score < threshold || tg.strong < t.minStrongOperations) return;
      // Fire on crossing, then again as the enumeration of this target deepens.
      if (tg.emitted > 0 && tg.score < tg.emitted + t.strongWeight) return;
      tg.emitted = tg.score;
      const crossed: string[] = [];
      for (const [d, x] of st.targets) if (x.emitted > 0 && ts - x.lastTs <= t.windowSeconds) crossed.push(d);
      const opsList = [...tg.ops.keys()].filter((o) => !habits!.habitual(host, o, ts) || o === op);
      const excess = tg.score / threshold - 1;
      ctx.emit({
        host,
        src,
        targets: crossed,
        threat: clamp99(
          Math.min(45, 24 + (highValue ? 10 : 0) + 2 * (tg.strong - 1) + (crossed.length > 1 ? 3 : 0)),
        ),
        certainty: clamp99(period ? Math.min(49, 40 + 10 * excess) : Math.min(92, 55 + 20 * excess)),
        drivers: [
          { name: 'target', value: dst },
          { name: 'target role', value: isDc ? 'domain-controller' : highValue ? 'high-value' : 'other' },
          { name: 'enumeration score', value: tg.score },
          { name: 'threshold', value: threshold },
          { name: 'strong operations', value: tg.strong },
          { name: 'operations', value: listSome(opsList, 8) },
          { name: 'targets enumerated', value: crossed.length },
          { name: 'baseline', value: period ? 'learning' : 'learned' },
        ],
        evidence: tg.evidence.items,
        evidenceCount: tg.evidence.count,
        summary: `${hostLabel(hosts, host, src)} enumerated ${isDc ? 'domain controller ' : ''}${hostLabel(hosts, targetKey, dst)} over RPC in ${minutes(ts - tg.firstTs)} min: ${listSome(
          opsList.map((o) => o.slice(o.indexOf('::') + 2)),
          4,
        )}`,
        firstTs: tg.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      sources?.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      return { clock: clock.dump(), habits: habits?.dump() ?? pendingHabits ?? [] };
    },
    restore(state: unknown) {
      const s = state as Snapshot;
      clock = HostClock.load(200_000, s.clock);
      pendingHabits = s.habits;
      habits = undefined;
      weights = undefined;
      sources = undefined;
    },
  };
}
