/**
 * suspicious-remote-execution — a host asks another to run something through an RPC interface
 * made for it, and the (source host, target, account, interface) combination is new to the
 * learned baseline (Vectra's "Suspicious Remote Execution"; BZAR's exec indicators). ATT&CK
 * T1021.003 (DCOM), T1569.002 (service execution: PsExec, smbexec), T1047 (WMI), T1053 (at /
 * scheduled tasks). The reference incident's first move from the VPN host was a DCOM
 * activation as an administrator to 10.5.1.20, refused with `nca_s_fault_access_denied`; later
 * DC1 itself executed remotely.
 *
 * Observables (Zeek names, dce_rpc.log `endpoint` / `operation`):
 * - DCOM activation: UUID 000001a0-0000-0000-c000-000000000046 logged by Zeek as
 *   `IRemoteSCMActivator` `RemoteCreateInstance` / `RemoteGetClassObject` (Wireshark and the
 *   seed say `ISystemActivator`; both spellings accepted), and `IActivation` `RemoteActivation`.
 * - svcctl `CreateServiceW/A`, `CreateServiceWOW64W/A`, `StartServiceW/A`, `ChangeServiceConfigW/A`.
 * - WMI `IWbemServices` `ExecMethod[Async]`, `PutInstance[Async]` (Win32_Process.Create, event
 *   subscriptions).
 * - atsvc `NetrJobAdd`; `ITaskSchedulerService` `SchRpcRegisterTask`, `SchRpcRun`.
 * - Attempts Zeek logs no dce_rpc row for (a call answered by a fault, as in the incident): an
 *   authenticated connection to 135/tcp (ntlm.log or kerberos.log on the RPCSS port — the
 *   endpoint mapper itself needs no authentication, so an authenticated bind there is a DCOM
 *   activation) counts as an `IRemoteSCMActivator` attempt; `success = F` marks it denied.
 * The account comes from the ntlm/kerberos record of the same connection uid.
 *
 * Novelty: during `learningPeriodSeconds` (from the first record seen) every tuple is learned
 * silently; tuples are remembered for `baselineMemorySeconds`. A (source, account, interface)
 * that reached `knownAdminMinTargets` or more targets during learning is a management server
 * (SCCM, monitoring, deployment tools): new targets of it stay quiet.
 *
 * Scores: threat 60 (lateral movement, above recon), +10 for a VPN, new or generic-named
 * source, +5 per further target (max +15). Certainty 60 for a logged exec call, 45 for an
 * attempt seen only in the auth record, +5 per further target. A domain controller is
 * high-value (×1.25 in host scoring): one novel exec call makes it Critical at once, which the
 * response policy needs.
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
  sourceFacts,
  UidAccounts,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample } from './window.js';

/** `endpoint::operation` as Zeek logs them; the interface part is what novelty is keyed on. */
export const EXEC_OPERATIONS: readonly string[] = [
  'IRemoteSCMActivator::RemoteCreateInstance',
  'IRemoteSCMActivator::RemoteGetClassObject',
  'ISystemActivator::RemoteCreateInstance',
  'ISystemActivator::RemoteGetClassObject',
  'IActivation::RemoteActivation',
  'svcctl::CreateServiceW',
  'svcctl::CreateServiceA',
  'svcctl::CreateServiceWOW64W',
  'svcctl::CreateServiceWOW64A',
  'svcctl::StartServiceW',
  'svcctl::StartServiceA',
  'svcctl::ChangeServiceConfigW',
  'svcctl::ChangeServiceConfigA',
  'IWbemServices::ExecMethod',
  'IWbemServices::ExecMethodAsync',
  'IWbemServices::PutInstance',
  'IWbemServices::PutInstanceAsync',
  'atsvc::NetrJobAdd',
  'ITaskSchedulerService::SchRpcRegisterTask',
  'ITaskSchedulerService::SchRpcRun',
];

/** One interface name per UUID whatever the spelling (Zeek vs Wireshark). */
const IFACE_ALIAS: Readonly<Record<string, string>> = {
  isystemactivator: 'IRemoteSCMActivator',
  iremotescmactivator: 'IRemoteSCMActivator',
};

export const suspiciousRemoteExecutionMeta = {
  type: 'suspicious-remote-execution',
  name: 'Suspicious remote execution',
  category: 'lateral-movement',
  attack: ['T1021.003', 'T1569.002', 'T1047', 'T1053'],
  logs: ['dce_rpc', 'ntlm', 'kerberos'],
  defaults: {
    /** Event-time seconds from the first record during which tuples are learned silently (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long a learned tuple stays known without being seen again, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** Targets of one (source, account, interface) during learning that make it a management server. */
    knownAdminMinTargets: 3,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
    /** Tuples remembered (bounded memory). */
    maxTuples: 200_000,
    /** Sources with open state (bounded memory). */
    maxSources: 20_000,
    /** Further `endpoint::operation` pairs to treat as remote execution. */
    extraOperations: [] as readonly string[],
  },
} as const satisfies DetectorMeta;

type T = typeof suspiciousRemoteExecutionMeta.defaults;

interface SourceState {
  targets: Set<string>;
  accounts: Set<string>;
  ops: Set<string>;
  denied: number;
  attempts: number;
  calls: number;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
}

interface Snapshot {
  tuples: LearnedSetJson;
  fanout: [string, string[]][];
}

export function createSuspiciousRemoteExecution(): Detector<T> {
  let tuples: LearnedSet | undefined;
  let fanout: FanoutCounter | undefined;
  let execOps: Set<string> | undefined;
  let pending: Snapshot | undefined;
  const uids = new UidAccounts();
  /** uids whose 135/tcp auth was already counted as an attempt. */
  const attempted = new Set<string>();
  /** uids reported as attempts only: a later logged call on them upgrades the detection. */
  const attemptOnly = new Set<string>();
  let sources: KeyedState<SourceState> | undefined;

  const init = (t: T): void => {
    tuples = LearnedSet.load(t.maxTuples, pending?.tuples);
    fanout = FanoutCounter.load(t.maxTuples, 64, pending?.fanout);
    execOps = lowerSet(EXEC_OPERATIONS, t.extraOperations);
    sources = new KeyedState<SourceState>(t.maxSources, () => ({
      targets: new Set(),
      accounts: new Set(),
      ops: new Set(),
      denied: 0,
      attempts: 0,
      calls: 0,
      evidence: new Sample(100),
      firstTs: 0,
    }));
    pending = undefined;
  };

  const observe = (
    rec: ZeekRecord,
    ctx: DetectorContext<T>,
    iface: string,
    op: string,
    account: string | undefined,
    kind: 'call' | 'attempt',
    denied: boolean,
    upgrade = false,
  ): boolean => {
    const t = ctx.thresholds;
    const src = rec['id.orig_h'] as string;
    const dst = rec['id.resp_h'] as string;
    const hosts = ctx.hosts;
    if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return false;
    const ts = rec.ts;
    const host = hosts.hostKey(src, ts);
    const target = hosts.hostKey(dst, ts);
    const acct = account ?? '?';
    const tupleKey = `${host}|${target}|${acct}|${iface}`;
    const fanKey = `${host}|${acct}|${iface}`;
    const learnedSet = tuples!;
    if (learnedSet.learning(ts, t.learningPeriodSeconds)) {
      if (learnedSet.add(tupleKey, ts)) fanout!.add(fanKey, target);
      return false;
    }
    if (!learnedSet.add(tupleKey, ts) && !upgrade) return false;
    if (fanout!.count(fanKey) >= t.knownAdminMinTargets) return false;
    const st = sources!.get(host, ts);
    if (st.evidence.count === 0) st.firstTs = ts;
    addCapped(st.targets, target);
    if (account) addCapped(st.accounts, account, 100);
    addCapped(st.ops, `${iface} ${op}`, 100);
    if (kind === 'call') st.calls++;
    else st.attempts++;
    if (denied) st.denied++;
    st.evidence.add(refOf(rec));
    const facts = sourceFacts(hosts, host, src, ts, t.newHostSeconds);
    const suspectSource = facts.vpn || facts.genericName !== undefined || facts.newHost;
    const extra = Math.min(3, st.targets.size - 1);
    const threat = 60 + (suspectSource ? 10 : 0) + 5 * extra;
    const certainty = (st.calls > 0 ? 60 : 45) + 5 * extra + (suspectSource ? 5 : 0);
    const accounts = [...st.accounts];
    ctx.emit({
      host,
      src,
      account: account,
      targets: [target],
      threat: clamp99(threat),
      certainty: clamp99(certainty),
      drivers: [
        { name: 'new (source, target, account, interface)', value: tupleKey },
        { name: 'operations', value: [...st.ops].join(', ') },
        { name: 'accounts', value: accounts.join(', ') || 'unknown' },
        { name: 'targets', value: st.targets.size },
        { name: 'logged exec calls', value: st.calls },
        { name: 'attempts seen only in auth records', value: st.attempts },
        { name: 'denied', value: st.denied },
        ...factDrivers(facts),
      ],
      evidence: [refOf(rec)],
      summary:
        `${src} ${kind === 'call' ? 'ran' : 'attempted'} ${iface} ${op} on ${dst}` +
        ` as ${account ?? 'an unknown account'}${denied ? ' (denied)' : ''}` +
        ` — new for this source; ${st.targets.size} target(s) so far`,
      firstTs: st.firstTs,
      lastTs: ts,
    });
    return true;
  };

  return {
    meta: suspiciousRemoteExecutionMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (!tuples) init(ctx.thresholds);
      // Every record routed here (dce_rpc, ntlm, kerberos) is internal activity: it runs the clock.
      tuples!.see(rec.ts);
      const uid = rec.uid;
      if (rec._path === 'dce_rpc') {
        const ep = rec.endpoint;
        const op = rec.operation;
        if (typeof ep !== 'string' || typeof op !== 'string') return;
        if (!execOps!.has(`${ep}::${op}`.toLowerCase())) return;
        const iface = IFACE_ALIAS[ep.toLowerCase()] ?? ep;
        const auth = typeof uid === 'string' ? uids.get(uid) : undefined;
        const upgrade = typeof uid === 'string' && attemptOnly.delete(uid);
        if (typeof uid === 'string') attempted.add(uid);
        observe(rec, ctx, iface, op, auth?.account, 'call', auth?.success === false, upgrade);
        return;
      }
      const auth = uids.observe(rec);
      if (!auth || typeof uid !== 'string') return;
      if (rec['id.resp_p'] !== 135 || attempted.has(uid)) return;
      if (rec._path === 'kerberos' && rec.request_type !== 'AP') return;
      attempted.add(uid);
      if (attempted.size > 100_000) attempted.delete(attempted.values().next().value as string);
      const denied = auth.success === false;
      if (observe(rec, ctx, 'IRemoteSCMActivator', 'activation', auth.account, 'attempt', denied)) {
        attemptOnly.add(uid);
        if (attemptOnly.size > 10_000) attemptOnly.delete(attemptOnly.values().next().value as string);
      }
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      tuples?.expire(now - ctx.thresholds.baselineMemorySeconds);
      sources?.expire(now - ctx.thresholds.baselineMemorySeconds);
    },
    snapshot(): Snapshot {
      if (!tuples) return pending ?? { tuples: { startTs: null, seen: [] }, fanout: [] };
      return { tuples: tuples.dump(), fanout: fanout!.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      tuples = undefined;
    },
  };
}
