/**
 * novel-admin-share-access — a tree connect to an administrative or hidden SMB share (`ADMIN$`,
 * `C$`, any name ending in `$`) by a (source host, account, target, share) never seen in the
 * learned baseline. ATT&CK T1021.002 (SMB/Windows Admin Shares). The reference incident: the
 * VPN host opened `\\10.5.0.65\backup_exchange$` at 18:16 and pulled the Veeam backup; DC1 later
 * reached admin shares of other servers.
 *
 * Observables: smb_mapping.log `path` (`\\host\share`; `share_type` DISK), and smb_files.log
 * `path` when the tree connect happened before the capture (both Zeek set-ups: stock
 * smb_files.log still carries the tree path on FILE_OPEN). The account is the ntlm/kerberos
 * record of the same connection uid (session setup precedes the tree connect). Unset paths
 * (one-sided captures) are skipped.
 *
 * Excluded by default (`excludedShares`): `IPC$` (named pipes: every RPC client) and `PRINT$`
 * (printer-driver download whenever any user adds a printer) — neither gives file-system
 * access. Edit the list in config.
 *
 * Learning: tuples seen during `learningPeriodSeconds` are normal; remembered for
 * `baselineMemorySeconds`. A (source, account, share name) that reached
 * `knownAdminMinTargets` targets during learning is a management server (SCCM, backup agent
 * pushes, inventory): new targets of it stay quiet.
 *
 * Common hidden shares: a non-default hidden share (`home$`, `profiles$`, `software$`) that
 * `commonShareMinSources` or more distinct hosts have opened is how that server serves its
 * users, not an admin share: it stops counting. Default admin shares (`ADMIN$`, `C$`) never
 * become common this way.
 *
 * Scores: threat 50 (lateral movement), +10 for a non-default hidden share (`backup_exchange$`:
 * someone knew it was there), +10 for a VPN, new or generic-named source; certainty 50, +5 per
 * further target (max +25), +5 for such a source.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  addCapped,
  FanoutCounter,
  factDrivers,
  LearnedSet,
  type LearnedSetJson,
  lowerSet,
  refOf,
  shareOf,
  sourceFacts,
  UidAccounts,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample } from './window.js';

export const novelAdminShareAccessMeta = {
  type: 'novel-admin-share-access',
  name: 'Novel admin share access',
  category: 'lateral-movement',
  attack: ['T1021.002'],
  logs: ['smb_mapping', 'smb_files', 'ntlm', 'kerberos'],
  defaults: {
    /** `$` shares that never count (lower case). */
    excludedShares: ['ipc$', 'print$'] as readonly string[],
    /** Event-time seconds from the first record during which accesses are learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long a learned access stays known without repeating, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** Targets of one (source, account, share name) during learning that make a management server. */
    knownAdminMinTargets: 3,
    /** Distinct sources that make a non-default hidden share (`home$`) common. */
    commonShareMinSources: 5,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
    /** Tuples remembered (bounded memory). */
    maxTuples: 200_000,
    /** Sources with open state (bounded memory). */
    maxSources: 20_000,
  },
} as const satisfies DetectorMeta;

type T = typeof novelAdminShareAccessMeta.defaults;

interface SourceState {
  targets: Set<string>;
  shares: Set<string>;
  accounts: Set<string>;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
}

interface Snapshot {
  tuples: LearnedSetJson;
  fanout: [string, string[]][];
  shareSources?: [string, string[]][];
}

/** Windows' own admin shares: ADMIN$, IPC$, PRINT$ and drive letters (C$ …). */
function isDefaultAdminShare(share: string): boolean {
  return (
    share === 'admin$' || share === 'ipc$' || share === 'print$' || (share.length === 2 && share[1] === '$')
  );
}

export function createNovelAdminShareAccess(): Detector<T> {
  let tuples: LearnedSet | undefined;
  let fanout: FanoutCounter | undefined;
  /** Distinct sources per `target|share` for non-default hidden shares. */
  let shareSources: FanoutCounter | undefined;
  let excluded: Set<string> | undefined;
  let sources: KeyedState<SourceState> | undefined;
  let pending: Snapshot | undefined;
  const uids = new UidAccounts();

  const init = (t: T): void => {
    tuples = LearnedSet.load(t.maxTuples, pending?.tuples);
    fanout = FanoutCounter.load(t.maxTuples, 64, pending?.fanout);
    shareSources = FanoutCounter.load(50_000, 64, pending?.shareSources);
    excluded = lowerSet(t.excludedShares);
    sources = new KeyedState(t.maxSources, () => ({
      targets: new Set(),
      shares: new Set(),
      accounts: new Set(),
      evidence: new Sample(100),
      firstTs: 0,
    }));
    pending = undefined;
  };

  return {
    meta: novelAdminShareAccessMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (!tuples) init(t);
      tuples!.see(rec.ts);
      if (rec._path === 'ntlm' || rec._path === 'kerberos') {
        uids.observe(rec);
        return;
      }
      const share = shareOf(rec.path);
      if (share === undefined || !share.endsWith('$') || excluded!.has(share)) return;
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
      const ts = rec.ts;
      const host = hosts.hostKey(src, ts);
      const target = hosts.hostKey(dst, ts);
      const account = uids.get(rec.uid as string)?.account;
      const acct = account ?? '?';
      const tupleKey = `${host}|${acct}|${target}|${share}`;
      const fanKey = `${host}|${acct}|${share}`;
      const hidden = !isDefaultAdminShare(share);
      if (hidden && shareSources!.add(`${target}|${share}`, host) >= t.commonShareMinSources) return;
      const learnedSet = tuples!;
      if (learnedSet.learning(ts, t.learningPeriodSeconds)) {
        if (learnedSet.add(tupleKey, ts)) fanout!.add(fanKey, target);
        return;
      }
      if (!learnedSet.add(tupleKey, ts)) return;
      if (fanout!.count(fanKey) >= t.knownAdminMinTargets) return;
      const st = sources!.get(host, ts);
      if (st.evidence.count === 0) st.firstTs = ts;
      addCapped(st.targets, target);
      addCapped(st.shares, `\\\\${dst}\\${share}`);
      if (account) addCapped(st.accounts, account, 100);
      st.evidence.add(refOf(rec));
      const facts = sourceFacts(hosts, host, src, ts, t.newHostSeconds);
      const suspect = facts.vpn || facts.genericName !== undefined || facts.newHost;
      const extra = Math.min(5, st.targets.size - 1);
      ctx.emit({
        host,
        src,
        account,
        targets: [target],
        threat: clamp99(50 + (hidden ? 10 : 0) + (suspect ? 10 : 0)),
        certainty: clamp99(50 + 5 * extra + (suspect ? 5 : 0)),
        drivers: [
          { name: 'share', value: `\\\\${dst}\\${share}` },
          { name: 'non-default hidden share', value: hidden ? 'yes' : 'no' },
          { name: 'account', value: account ?? 'unknown' },
          { name: 'novel shares so far', value: [...st.shares].slice(0, 20).join(', ') },
          { name: 'targets', value: st.targets.size },
          ...factDrivers(facts),
        ],
        evidence: [refOf(rec)],
        summary: `${src} opened admin share \\\\${dst}\\${share} as ${account ?? 'an unknown account'} — never seen from this host/account`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      tuples?.expire(now - ctx.thresholds.baselineMemorySeconds);
      sources?.expire(now - ctx.thresholds.baselineMemorySeconds);
    },
    snapshot(): Snapshot {
      if (!tuples) return pending ?? { tuples: { startTs: null, seen: [] }, fanout: [] };
      return { tuples: tuples.dump(), fanout: fanout!.dump(), shareSources: shareSources!.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      tuples = undefined;
    },
  };
}
