/**
 * dcsync — a host that is not a domain controller asks a DC to replicate directory data:
 * drsuapi `DRSGetNCChanges` (DCSync: mimikatz `lsadump::dcsync`, impacket secretsdump) or
 * `DRSReplicaSync`. ATT&CK T1003.006. Vectra: "Suspicious Active Directory Operations".
 *
 * Observables: dce_rpc.log `endpoint` = `drsuapi` and `operation` in `operations` (Zeek's
 * names; BZAR uses the same pair). The account is the ntlm/kerberos record of the same uid.
 * A call refused with a fault may leave no dce_rpc row (not visible here; see
 * suspicious-remote-execution for auth-only attempts).
 *
 * Who replicates legitimately: domain controllers (HostView role `domain-controller`, or
 * learned here as hosts answering Kerberos on 88/tcp or answering drsuapi), hosts with a role
 * in `allowedRoles` (e.g. `directory-sync` for Azure AD Connect), addresses in
 * `allowedSources`, and (source, DC) pairs seen during the short learning period
 * (`learningPeriodSeconds`, 1 h: enough to see DCs answer Kerberos and replicate, short
 * enough that a first-day DCSync is still caught). DC↔DC replication stays quiet.
 *
 * Scores: threat 80 (credential access to every hash in the domain), certainty 75, +10 from a
 * VPN, new or generic-named source. One finding per (source, DC) pair first seen, growing.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  addCapped,
  factDrivers,
  LearnedSet,
  type LearnedSetJson,
  lowerSet,
  refOf,
  sourceFacts,
  UidAccounts,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta } from './types.js';
import { clamp99, KeyedState } from './window.js';

export const dcsyncMeta = {
  type: 'dcsync',
  name: 'DCSync',
  category: 'credential-access',
  attack: ['T1003.006'],
  logs: ['dce_rpc', 'kerberos', 'ntlm'],
  defaults: {
    /** drsuapi operations that replicate secrets. */
    operations: ['DRSGetNCChanges', 'DRSReplicaSync'] as readonly string[],
    /** Roles allowed to replicate besides `domain-controller`. */
    allowedRoles: ['domain-controller', 'directory-sync'] as readonly string[],
    /** Source IPs or host keys allowed to replicate (e.g. an Azure AD Connect server). */
    allowedSources: [] as readonly string[],
    /** Event-time seconds from the first record during which (source, DC) pairs are learned (1 h). */
    learningPeriodSeconds: 3_600,
    /** How long a learned pair or DC stays known without being seen, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
  },
} as const satisfies DetectorMeta;

type T = typeof dcsyncMeta.defaults;

interface Snapshot {
  pairs: LearnedSetJson;
  dcs: LearnedSetJson;
}

export function createDcsync(): Detector<T> {
  let pairs: LearnedSet | undefined;
  let dcs: LearnedSet | undefined;
  let ops: Set<string> | undefined;
  let roles: Set<string> | undefined;
  let allowed: Set<string> | undefined;
  let pending: Snapshot | undefined;
  const uids = new UidAccounts();
  const sources = new KeyedState<{ dcs: Set<string>; calls: number; firstTs: number }>(10_000, () => ({
    dcs: new Set(),
    calls: 0,
    firstTs: 0,
  }));

  const init = (t: T): void => {
    pairs = LearnedSet.load(50_000, pending?.pairs);
    dcs = LearnedSet.load(10_000, pending?.dcs);
    ops = lowerSet(t.operations);
    roles = lowerSet(t.allowedRoles);
    allowed = lowerSet(t.allowedSources);
    pending = undefined;
  };

  const isDc = (host: string, ip: string, ctx: DetectorContext<T>): boolean => {
    if (dcs!.has(host) || allowed!.has(ip) || allowed!.has(host.toLowerCase())) return true;
    for (const r of ctx.hosts.roles(host)) if (roles!.has(r.toLowerCase())) return true;
    return false;
  };

  return {
    meta: dcsyncMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (!pairs) init(t);
      pairs!.see(rec.ts);
      const hosts = ctx.hosts;
      const dst = rec['id.resp_h'];
      if (typeof dst !== 'string') return;
      if (rec._path === 'kerberos' || rec._path === 'ntlm') {
        uids.observe(rec);
        if (rec._path === 'kerberos' && rec['id.resp_p'] === 88 && hosts.isInternal(dst))
          dcs!.add(hosts.hostKey(dst, rec.ts), rec.ts);
        return;
      }
      if (rec.endpoint !== 'drsuapi') return;
      const ts = rec.ts;
      const src = rec['id.orig_h'] as string;
      const target = hosts.hostKey(dst, ts);
      // Only DCs answer drsuapi: the responder is one.
      if (hosts.isInternal(dst)) dcs!.add(target, ts);
      const op = rec.operation;
      if (typeof op !== 'string' || !ops!.has(op.toLowerCase())) return;
      if (!hosts.isInternal(src) || src === dst) return;
      const host = hosts.hostKey(src, ts);
      const pairKey = `${host}|${target}`;
      if (pairs!.learning(ts, t.learningPeriodSeconds)) {
        pairs!.add(pairKey, ts);
        return;
      }
      if (isDc(host, src, ctx) || pairs!.has(pairKey)) {
        pairs!.add(pairKey, ts);
        return;
      }
      const account = uids.get(rec.uid as string)?.account;
      const st = sources.get(host, ts);
      if (st.calls === 0) st.firstTs = ts;
      st.calls++;
      addCapped(st.dcs, target, 100);
      const facts = sourceFacts(hosts, host, src, ts, t.newHostSeconds);
      const suspect = facts.vpn || facts.genericName !== undefined || facts.newHost;
      // Pace: every call is evidence, but after the first ten per source only every tenth.
      if (st.calls > 10 && st.calls % 10 !== 0) return;
      ctx.emit({
        host,
        src,
        account,
        targets: [target],
        threat: clamp99(80 + (suspect ? 5 : 0)),
        certainty: clamp99(75 + (suspect ? 10 : 0)),
        drivers: [
          { name: 'operation', value: `drsuapi ${op}` },
          { name: 'source is not a domain controller', value: 'yes' },
          { name: 'account', value: account ?? 'unknown' },
          { name: 'replication calls', value: st.calls },
          { name: 'domain controllers asked', value: st.dcs.size },
          ...factDrivers(facts),
        ],
        evidence: [refOf(rec)],
        summary: `${src} (not a domain controller) requested directory replication (${op}) from ${dst} as ${account ?? 'an unknown account'} — DCSync`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      pairs?.expire(now - ctx.thresholds.baselineMemorySeconds);
      dcs?.expire(now - ctx.thresholds.baselineMemorySeconds);
    },
    snapshot(): Snapshot {
      if (!pairs) return pending ?? { pairs: { startTs: null, seen: [] }, dcs: { startTs: null, seen: [] } };
      return { pairs: pairs.dump(), dcs: dcs!.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      pairs = undefined;
    },
  };
}
