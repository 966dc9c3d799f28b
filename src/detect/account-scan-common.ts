/**
 * The engine of smb-account-scan and kerberos-account-scan: one source host trying many
 * distinct accounts in a short window. Two paths fire:
 * - **failures**: `minFailedAccounts` distinct accounts failed (wrong password, unknown or
 *   disabled account) within `windowSeconds` — password spraying or user enumeration; no
 *   baseline, because many accounts failing from one host is not a habit anything has;
 * - **breadth**: `max(minAccounts, learned normal × factor)` distinct accounts used at all
 *   (success or not) — account scanning whose outcome the sensor could not see; terminal and
 *   Citrix servers that carry many users every day are learned (recon-baseline.ts).
 * A user mistyping a password (one account, several failures) and a helpdesk tech using one
 * account on many machines (one account) never count.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  BREADTH_DEFAULTS,
  HostClock,
  type HostClockJson,
  hostLabel,
  listSome,
  minutes,
  oldestIn,
  PeakBaseline,
  type PeakBaselineJson,
} from './recon-baseline.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef, Thresholds } from './types.js';
import { clamp99, KeyedState, Sample, TimedSet } from './window.js';

export const ACCOUNT_SCAN_DEFAULTS = {
  /** Distinct accounts that failed within the window (no baseline). */
  minFailedAccounts: 8,
  /** Floor: distinct accounts used within the window (learned baseline above it). */
  minAccounts: 20,
  /** Sliding event-time window, seconds. */
  windowSeconds: 600,
  ...BREADTH_DEFAULTS,
  /** Accounts remembered per source (bounded memory). */
  maxAccountsPerSource: 5_000,
  /** Sources tracked at once (bounded memory). */
  maxSources: 50_000,
} as const;

export type AccountScanThresholds = Thresholds & {
  readonly minFailedAccounts: number;
  readonly minAccounts: number;
  readonly windowSeconds: number;
  readonly learningSeconds: number;
  readonly baselineDays: number;
  readonly hostExcessFactor: number;
  readonly networkExcessFactor: number;
  readonly learningFloorFactor: number;
  readonly newHostGraceSeconds: number;
  readonly maxAccountsPerSource: number;
  readonly maxSources: number;
};

/** What one auth record says: the account and its outcome (undefined = not seen). */
export interface AuthAttempt {
  readonly account: string;
  readonly failed: boolean | undefined;
  /** The failure says the account does not exist (user enumeration). */
  readonly unknownAccount: boolean;
}

export interface AccountScanSpec<T extends AccountScanThresholds> {
  readonly meta: DetectorMeta<T>;
  /** Protocol word for summaries (`NTLM`, `Kerberos`). */
  readonly protocol: string;
  readonly extract: (rec: ZeekRecord, t: T) => AuthAttempt | undefined;
}

interface SourceState {
  accounts: TimedSet;
  failed: TimedSet;
  unknown: TimedSet;
  succeeded: TimedSet;
  servers: TimedSet;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface Snapshot {
  readonly baseline: PeakBaselineJson;
  readonly clock?: HostClockJson;
}

export function createAccountScan<T extends AccountScanThresholds>(spec: AccountScanSpec<T>): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let baseline = new PeakBaseline(100_000);
  let clock = new HostClock(200_000);
  const init = (t: T): KeyedState<SourceState> =>
    new KeyedState<SourceState>(t.maxSources, () => ({
      accounts: new TimedSet(t.maxAccountsPerSource),
      failed: new TimedSet(t.maxAccountsPerSource),
      unknown: new TimedSet(t.maxAccountsPerSource),
      succeeded: new TimedSet(t.maxAccountsPerSource),
      servers: new TimedSet(1_000),
      evidence: new Sample(100),
      firstTs: 0,
      lastEmitted: 0,
    }));

  return {
    meta: spec.meta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      const attempt = spec.extract(rec, t);
      if (attempt === undefined) return;
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (src === dst || !hosts.isInternal(src) || !hosts.isInternal(dst)) return;
      sources ??= init(t);
      const ts = rec.ts;
      const host = hosts.hostKey(src, ts);
      clock.note(host, ts);
      clock.note(hosts.hostKey(dst, ts), ts);
      const cutoff = ts - t.windowSeconds;
      const st = sources.get(src, ts);
      st.accounts.expire(cutoff);
      st.failed.expire(cutoff);
      st.unknown.expire(cutoff);
      st.succeeded.expire(cutoff);
      st.servers.expire(cutoff);
      if (st.accounts.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.lastEmitted = 0;
      }
      const account = attempt.account;
      const newAccount = st.accounts.add(account, ts);
      st.servers.add(dst, ts);
      let newFailure = false;
      if (attempt.failed === true) {
        newFailure = st.failed.add(account, ts);
        if (attempt.unknownAccount) st.unknown.add(account, ts);
      } else if (attempt.failed === false) st.succeeded.add(account, ts);
      if (!newAccount && !newFailure) return;
      st.evidence.add({ log: rec._path, uid: rec.uid as string, ts });
      const nAccounts = st.accounts.size;
      if (newAccount) baseline.observe(host, ts, nAccounts, t.baselineDays);
      const nFailed = st.failed.size;
      if (nFailed < t.minFailedAccounts && nAccounts < t.minAccounts) return;
      const thr = baseline.threshold(
        host,
        ts,
        t.minAccounts,
        t,
        clock.learning(host, ts, hosts, t),
        clock.period(ts, t),
      );
      const byFailures = nFailed >= t.minFailedAccounts;
      const byBreadth = nAccounts >= thr.value;
      if (!byFailures && !byBreadth) return;
      const units = nAccounts + nFailed;
      if (units < st.lastEmitted * 1.25) return;
      st.lastEmitted = units;
      // Accounts that worked after others failed: a spray that found a password.
      let crackedAfterFailures = 0;
      if (nFailed > 0) for (const a of st.succeeded.values()) if (!st.failed.has(a)) crackedAfterFailures++;
      const nUnknown = st.unknown.size;
      const failScale = byFailures ? Math.log2(nFailed / t.minFailedAccounts) : 0;
      const breadthScale = byBreadth ? Math.log2(nAccounts / thr.value) : 0;
      const certainty = byFailures
        ? Math.min(95, 60 + 12 * failScale + (nFailed / nAccounts >= 0.5 ? 10 : 0))
        : thr.learning
          ? Math.min(49, 40 + 5 * breadthScale)
          : Math.min(85, 50 + 12 * breadthScale);
      const kind =
        nUnknown >= nFailed / 2 && nUnknown > 0
          ? 'account enumeration'
          : byFailures
            ? 'password spraying'
            : 'account scan';
      ctx.emit({
        host,
        src,
        targets: [...st.servers.values()],
        threat: clamp99(
          Math.min(
            48,
            30 + 4 * Math.max(failScale, breadthScale) + (crackedAfterFailures > 0 && byFailures ? 10 : 0),
          ),
        ),
        certainty: clamp99(certainty),
        drivers: [
          { name: 'pattern', value: kind },
          { name: 'distinct accounts in window', value: nAccounts },
          { name: 'distinct accounts failed', value: nFailed },
          { name: 'failed as unknown account', value: nUnknown },
          { name: 'accounts that succeeded', value: st.succeeded.size },
          { name: 'failure threshold', value: t.minFailedAccounts },
          { name: 'breadth threshold', value: thr.value },
          { name: 'host normal (accounts per window)', value: thr.hostNormal },
          { name: 'baseline', value: thr.learning ? 'learning' : 'learned' },
          { name: 'accounts', value: listSome(byFailures ? st.failed.values() : st.accounts.values(), 10) },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${hostLabel(hosts, host, src)} tried ${nAccounts} accounts over ${spec.protocol} within ${minutes(ts - oldestIn([st.accounts], ts))} min, ${nFailed} failed (${kind})`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      sources?.expire(now - t.windowSeconds);
      baseline.refresh(now, t.baselineDays);
    },
    snapshot(): Snapshot {
      return { baseline: baseline.dump(), clock: clock.dump() };
    },
    restore(state: unknown) {
      const s = state as Snapshot;
      baseline = PeakBaseline.load(100_000, s.baseline);
      clock = HostClock.load(200_000, s.clock);
      sources = undefined;
    },
  };
}

/** `user$` and `user$/REALM`: machine accounts, never a scan target here. */
export function isMachineAccount(name: string): boolean {
  return name.endsWith('$');
}
