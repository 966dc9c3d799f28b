/**
 * suspicious-ldap-query — an internal host runs reconnaissance-shaped LDAP searches against
 * Active Directory (ATT&CK T1087.002 Domain Account Discovery, T1018 Remote System Discovery,
 * T1482 Domain Trust Discovery). Vectra's Suspicious LDAP Query: queries "unusually broad in
 * scope" or "targeting accounts/groups whose names imply admin privilege" (BloodHound,
 * SharpHound, ADFind). In the reference incident the attacker listed `(objectCategory=subnet)`
 * (6 objects) and `(objectcategory=computer)` (1000 objects).
 *
 * Observables: `ldap_search` `filter` (lower-cased once per record, matched against token lists
 * with substring tests — no regex), `scope` (`base`/`single`/`tree`; `base` reads one object such
 * as the RootDSE and is never recon), `base_object`, `result_count`. Only unsigned/unsealed LDAP
 * is visible to Zeek: SASL-sealed searches (the Windows default) carry no filter.
 *
 * Classes and score (per distinct filter, per source, within `windowSeconds`):
 * - privileged (admin groups, `adminCount=1`, `servicePrincipalName=*`, AS-REP/delegation bits,
 *   LAPS): `privilegedScore` 4;
 * - trust discovery (`trustedDomain`): `trustScore` 4;
 * - broad (a listing of computers/users/groups/subnets/OUs/GPOs/everything over a subtree or
 *   one level, with no concrete `sAMAccountName=`/`cn=`/… lookup): `broadScore` 2;
 * - a large answer (`result_count` ≥ `largeResultCount` 500 over a subtree): +`largeScore` 2.
 * Fires at `minScore` 4: one privilege hunt, one big listing, or two broad listings — the
 * incident's pair scores 6. Sigma's LDAP recon rules fire on a single such filter; we ask for a
 * little more because line-of-business apps issue one broad search now and then.
 *
 * Learned normal: a class a host already used on an earlier UTC day scores nothing for that host
 * (Exchange, management and identity-sync servers query broadly every day), and a filter that
 * `commonFilterMinHosts` hosts used on earlier days is the network's normal. During the learning
 * period (recon-baseline.ts) certainty stays below 50, and hosts that were there from the start
 * need `learningFloorFactor` × the score; a host that appeared later meets the normal score.
 *
 * Threat stays below 50 on its own (recon); it is higher for privilege and trust hunting.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  BROAD_FILTER_TOKENS,
  classifyFilter,
  FilterClass,
  LOOKUP_ATTRIBUTE_TOKENS,
  PRIVILEGED_FILTER_TOKENS,
  TRUST_FILTER_TOKENS,
} from './ldap-recon-filters.js';
import {
  DAY_SECONDS,
  HabitSet,
  HostClock,
  type HostClockJson,
  hostLabel,
  listSome,
  minutes,
} from './recon-baseline.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample } from './window.js';

export const suspiciousLdapQueryMeta = {
  type: 'suspicious-ldap-query',
  name: 'Suspicious LDAP query',
  category: 'reconnaissance',
  attack: ['T1087.002', 'T1018', 'T1482'],
  logs: ['ldap_search'],
  defaults: {
    /** Window score that fires. */
    minScore: 4,
    privilegedScore: 4,
    trustScore: 4,
    broadScore: 2,
    largeScore: 2,
    /** Objects returned by one subtree search that make it a large answer. */
    largeResultCount: 500,
    /** Sliding event-time window per source, seconds. */
    windowSeconds: 3_600,
    /** Event-time seconds after the first record during which habits are learned (1 day). */
    learningSeconds: 86_400,
    /** While learning, fire only at this multiple of the score. */
    learningFloorFactor: 2,
    /** Hosts first seen later than this after the start are new: no learning allowance. */
    newHostGraceSeconds: 3_600,
    /** Hosts that must have used a filter on earlier days for it to be the network's normal. */
    commonFilterMinHosts: 5,
    broadTokens: BROAD_FILTER_TOKENS,
    privilegedTokens: PRIVILEGED_FILTER_TOKENS,
    trustTokens: TRUST_FILTER_TOKENS,
    lookupAttributeTokens: LOOKUP_ATTRIBUTE_TOKENS,
    /** Sources tracked at once (bounded memory). */
    maxSources: 50_000,
    /** Distinct suspicious-shaped filters whose prevalence is tracked (bounded memory). */
    maxFilters: 20_000,
    /** Hosts whose learned query classes are kept (bounded memory). */
    maxHabitHosts: 100_000,
  },
} as const satisfies DetectorMeta;

type T = typeof suspiciousLdapQueryMeta.defaults;

interface Query {
  filter: string;
  cls: number;
  large: boolean;
  results: number;
  score: number;
  ts: number;
}

interface SourceState {
  queries: Map<string, Query>;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  score: number;
  emitted: number;
}

interface Snapshot {
  readonly clock: HostClockJson;
  readonly habits: [string, [string, number][]][];
  readonly filters: [string, [string, number][]][];
}

const CLASS_NAMES: readonly [number, string][] = [
  [FilterClass.Privileged, 'privileged'],
  [FilterClass.Trust, 'trust'],
  [FilterClass.Broad, 'broad'],
];

export function createSuspiciousLdapQuery(): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let habits: HabitSet | undefined;
  let clock = new HostClock(200_000);
  /** filter → host → first day used. */
  let filters = new Map<string, Map<string, number>>();
  let pending: Snapshot | undefined;

  const init = (t: T): void => {
    sources = new KeyedState<SourceState>(t.maxSources, () => ({
      queries: new Map(),
      evidence: new Sample(100),
      firstTs: 0,
      score: 0,
      emitted: 0,
    }));
    habits = HabitSet.load(t.maxHabitHosts, pending?.habits);
    if (pending) filters = new Map(pending.filters.map(([f, hs]) => [f, new Map(hs)]));
    pending = undefined;
  };

  const common = (filter: string, host: string, ts: number, t: T): boolean => {
    const day = Math.floor(ts / DAY_SECONDS);
    let users = filters.get(filter);
    if (users === undefined) {
      users = new Map();
      if (filters.size >= t.maxFilters) filters.delete(filters.keys().next().value as string);
    } else filters.delete(filter);
    filters.set(filter, users);
    let before = 0;
    for (const [h, d] of users) if (d < day && h !== host) before++;
    if (!users.has(host) && users.size < 4 * t.commonFilterMinHosts) users.set(host, day);
    return before >= t.commonFilterMinHosts;
  };

  return {
    meta: suspiciousLdapQueryMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (habits === undefined) init(t);
      const raw = rec.filter;
      if (typeof raw !== 'string') return;
      const src = rec['id.orig_h'] as string;
      const hosts = ctx.hosts;
      const ts = rec.ts;
      const host = hosts.hostKey(src, ts);
      clock.note(host, ts);
      const scope = rec.scope as string | undefined;
      const filter = raw.toLowerCase();
      const results = typeof rec.result_count === 'number' ? rec.result_count : 0;
      const { cls, tokens } = classifyFilter(filter, scope, t);
      const large = results >= t.largeResultCount && scope === 'tree';
      if (cls === 0 && !large) return;
      if (!hosts.isInternal(src)) return;
      const learning = clock.learning(host, ts, hosts, t);
      const period = clock.period(ts, t);
      const isCommon = common(filter, host, ts, t);
      let score = 0;
      let scored = 0;
      for (const [bit, name] of CLASS_NAMES) {
        if ((cls & bit) === 0) continue;
        const habitual = habits!.habitual(host, name, ts);
        habits!.note(host, name, ts);
        if (habitual || isCommon) continue;
        scored |= bit;
        score +=
          bit === FilterClass.Privileged
            ? t.privilegedScore
            : bit === FilterClass.Trust
              ? t.trustScore
              : t.broadScore;
      }
      if (large) {
        const habitual = habits!.habitual(host, 'large', ts);
        habits!.note(host, 'large', ts);
        if (!habitual && !isCommon) score += t.largeScore;
      }
      if (score === 0) return;
      const st = sources!.get(src, ts);
      for (const [f, q] of st.queries) if (q.ts < ts - t.windowSeconds) st.queries.delete(f);
      if (st.queries.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.score = 0;
        st.emitted = 0;
      }
      st.evidence.add({ log: 'ldap_search', uid: rec.uid as string, ts });
      const prev = st.queries.get(filter);
      if (prev !== undefined) {
        // The same search again (paging): keep the larger answer, score once.
        prev.ts = ts;
        prev.results = Math.max(prev.results, results);
        if (score <= prev.score) return;
        st.score += score - prev.score;
        prev.score = score;
      } else {
        if (st.queries.size >= 256) st.queries.delete(st.queries.keys().next().value as string);
        st.queries.set(filter, { filter: raw, cls: scored, large, results, score, ts });
        st.score = 0;
        for (const q of st.queries.values()) st.score += q.score;
      }
      const threshold = learning ? Math.ceil(t.minScore * t.learningFloorFactor) : t.minScore;
      if (st.score < threshold || st.score <= st.emitted) return;
      st.emitted = st.score;
      let priv = false;
      let trust = false;
      let broad = false;
      let big = false;
      let maxResults = 0;
      for (const q of st.queries.values()) {
        priv ||= (q.cls & FilterClass.Privileged) !== 0;
        trust ||= (q.cls & FilterClass.Trust) !== 0;
        broad ||= (q.cls & FilterClass.Broad) !== 0;
        big ||= q.large;
        maxResults = Math.max(maxResults, q.results);
      }
      const described = [...st.queries.values()].map((q) => `${q.filter} → ${q.results}`);
      const dst = rec['id.resp_h'] as string;
      ctx.emit({
        host,
        src,
        targets: [dst],
        threat: clamp99(Math.min(45, 22 + (priv || trust ? 15 : 0) + (broad ? 5 : 0) + (big ? 5 : 0))),
        certainty: clamp99(
          period
            ? Math.min(49, 35 + 3 * st.queries.size)
            : Math.min(90, 50 + 8 * (st.queries.size - 1) + (big ? 10 : 0)),
        ),
        drivers: [
          { name: 'window score', value: st.score },
          { name: 'threshold', value: threshold },
          { name: 'suspicious searches', value: st.queries.size },
          { name: 'privilege hunting', value: priv ? 'yes' : 'no' },
          { name: 'trust discovery', value: trust ? 'yes' : 'no' },
          { name: 'broad listing', value: broad ? 'yes' : 'no' },
          { name: 'largest answer (objects)', value: maxResults },
          { name: 'matched tokens (latest)', value: tokens.join(', ') },
          { name: 'baseline', value: period ? 'learning' : 'learned' },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${hostLabel(hosts, host, src)} ran ${st.queries.size} recon-shaped LDAP searches in ${minutes(ts - st.firstTs)} min: ${listSome(described, 3)}`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      sources?.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      if (habits === undefined && pending) return pending;
      return {
        clock: clock.dump(),
        habits: habits?.dump() ?? [],
        filters: [...filters].map(([f, hs]) => [f, [...hs]]),
      };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      clock = HostClock.load(200_000, pending.clock);
      habits = undefined;
      sources = undefined;
    },
  };
}
