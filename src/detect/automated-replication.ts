/**
 * automated-replication — one host repeats the same action against several internal targets
 * (Vectra's "Automated Replication": very similar payloads to several targets; worms, PsExec
 * loops, ransomware deployment). ATT&CK T1210 (exploitation of remote services), T1570 (lateral
 * tool transfer). In the reference incident it was among the five detections that made the
 * VPN host Critical by 18:03, and it fired again when DC1 began executing remotely.
 *
 * Actions (the same one towards `minTargets` distinct internal targets within `windowSeconds`):
 * - `rpc` the same remote-execution RPC, dce_rpc.log `endpoint::operation` (the list of
 *   suspicious-remote-execution), plus DCOM activations seen only as an authenticated
 *   connection to 135/tcp (ntlm/kerberos record; Zeek may log no row for a faulted call);
 * - `file` the same file name written: smb_files.log `SMB::FILE_WRITE` / `SMB::FILE_RENAME`
 *   (sensors with `SMB::logged_file_actions` extended), files.log `is_orig = T` over SMB/FTP
 *   (the client sent the bytes), or — stock smb_files.log, which holds only FILE_OPEN — an open
 *   of an executable/script name on an administrative `$` share;
 * - `hash` the same content (files.log sha256/sha1/md5) sent to several targets: catches
 *   renamed copies;
 * - `exploit` the same exploit-port pattern: connections to one exploit-prone port carrying
 *   byte-identical requests (conn `orig_bytes` ≥ `minExploitBytes`) to `minExploitTargets`
 *   (not for hosts with the `scanner` role: vulnerability scanners probe identically).
 *
 * Learning: a (source, action kind) that replicated to `minTargets` during
 * `learningPeriodSeconds` is a deployment server (SCCM pushing to ADMIN$, monitoring pollers):
 * it stays quiet afterwards for that kind, even with new package names. Trade-off, documented:
 * a compromised deployment server is then left to the other detectors.
 *
 * Scores: threat 55 + 5 per target beyond the threshold (max 75), +10 when two or more action
 * kinds replicate; certainty 50 + 8 per target beyond the threshold, +10 when the host was
 * itself a target of replication or remote execution first (an upstream propagator).
 */
import type { ZeekRecord } from '../model/records.js';
import {
  addCapped,
  baseName,
  LearnedSet,
  type LearnedSetJson,
  lowerSet,
  refOf,
  shareOf,
} from './lateral-common.js';
import { EXEC_OPERATIONS } from './suspicious-remote-execution.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample, TimedSet } from './window.js';

/** Extensions whose FILE_OPEN on an admin share counts as a drop (stock smb_files.log). */
const EXEC_EXTENSIONS = new Set(['exe', 'dll', 'sys', 'ps1', 'bat', 'cmd', 'vbs', 'js', 'hta', 'scr', 'msi']);
/** Ports whose identical payloads to many hosts look like exploitation/spreading. */
const EXPLOIT_PORTS = new Set([135, 139, 445, 3389, 5985, 5986, 22, 1433, 3306, 5432, 5900, 8080, 7001]);

export const automatedReplicationMeta = {
  type: 'automated-replication',
  name: 'Automated replication',
  category: 'lateral-movement',
  attack: ['T1210', 'T1570'],
  logs: ['dce_rpc', 'ntlm', 'kerberos', 'smb_files', 'files', 'conn'],
  defaults: {
    /** Distinct internal targets of one action within the window that make replication. */
    minTargets: 3,
    /** Sliding event-time window, seconds (1 hour). */
    windowSeconds: 3_600,
    /** Distinct targets for the `exploit` form (identical payload bytes), stricter. */
    minExploitTargets: 5,
    /** Smallest request (conn orig_bytes) that counts as a payload, bytes. */
    minExploitBytes: 1_000,
    /** Event-time seconds from the first record during which deployment servers are learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long a learned deployment source stays known without repeating, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** Actions tracked per source (bounded memory). */
    maxActionsPerSource: 500,
    /** Sources tracked at once (bounded memory). */
    maxSources: 20_000,
  },
} as const satisfies DetectorMeta;

type T = typeof automatedReplicationMeta.defaults;

interface ActionState {
  targets: TimedSet;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
}

interface SourceState {
  actions: Map<string, ActionState>;
  /** Actions that crossed the threshold (kinds counted for the score). */
  replicating: Set<string>;
  allTargets: Set<string>;
}

interface Snapshot {
  pushers: LearnedSetJson;
}

const execOps = lowerSet(EXEC_OPERATIONS);

export function createAutomatedReplication(): Detector<T> {
  let pushers: LearnedSet | undefined;
  let sources: KeyedState<SourceState> | undefined;
  let targetedAt: TimedSet | undefined;
  let pending: Snapshot | undefined;
  /** First sighting of each payload size per source: src → (port, bytes) → first target (bounded). */
  const firstSight = new Map<string, Map<number, { dst: string; rec: ZeekRecord | undefined }>>();

  const init = (t: T): void => {
    pushers = LearnedSet.load(100_000, pending?.pushers);
    sources = new KeyedState(t.maxSources, () => ({
      actions: new Map(),
      replicating: new Set(),
      allTargets: new Set(),
    }));
    targetedAt = new TimedSet(100_000);
    pending = undefined;
  };

  const act = (
    rec: ZeekRecord,
    ctx: DetectorContext<T>,
    src: string,
    dst: string,
    kind: 'rpc' | 'file' | 'hash' | 'exploit',
    what: string,
  ): void => {
    const hosts = ctx.hosts;
    if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
    const t = ctx.thresholds;
    const ts = rec.ts;
    const host = hosts.hostKey(src, ts);
    const target = hosts.hostKey(dst, ts);
    const action = `${kind}:${what}`;
    const st = sources!.get(host, ts);
    let a = st.actions.get(action);
    if (!a) {
      a = { targets: new TimedSet(1_000), evidence: new Sample(100), firstTs: ts };
      if (st.actions.size >= t.maxActionsPerSource)
        st.actions.delete(st.actions.keys().next().value as string);
    } else st.actions.delete(action);
    st.actions.set(action, a);
    a.targets.expire(ts - t.windowSeconds);
    if (a.targets.size === 0) {
      a.firstTs = ts;
      a.evidence = new Sample(100);
    }
    const isNew = a.targets.add(target, ts);
    a.evidence.add(refOf(rec));
    if (kind !== 'exploit') targetedAt!.add(target, ts);
    const need = kind === 'exploit' ? t.minExploitTargets : t.minTargets;
    const n = a.targets.size;
    if (n < need) return;
    const learning = pushers!.learning(ts, t.learningPeriodSeconds);
    const pusherKey = `${host}|${kind}`;
    if (learning) {
      pushers!.add(pusherKey, ts);
      return;
    }
    if (pushers!.has(pusherKey)) {
      pushers!.add(pusherKey, ts);
      return;
    }
    // Emit on crossing the threshold and on each further new target (n grows only then).
    if (!isNew) return;
    addCapped(st.replicating, action, 100);
    for (const x of a.targets.values()) addCapped(st.allTargets, x);
    const kinds = new Set([...st.replicating].map((x) => x.slice(0, x.indexOf(':'))));
    const upstream = targetedAt!.has(host);
    const beyond = n - need;
    ctx.emit({
      host,
      src,
      key: '',
      targets: [...a.targets.values()],
      threat: clamp99(Math.min(75, 55 + 5 * beyond) + (kinds.size >= 2 ? 10 : 0)),
      certainty: clamp99(50 + 8 * beyond + (upstream ? 10 : 0)),
      drivers: [
        { name: 'action', value: action },
        { name: 'targets of this action in window', value: n },
        { name: 'replicating actions', value: [...st.replicating].join(', ') },
        { name: 'action kinds', value: [...kinds].join(', ') },
        { name: 'upstream propagator (host was a target first)', value: upstream ? 'yes' : 'no' },
      ],
      evidence: a.evidence.items,
      evidenceCount: a.evidence.count,
      summary: `${src} repeated ${action} against ${n} internal hosts in ${Math.max(1, Math.round((ts - a.firstTs) / 60))} min`,
      firstTs: a.firstTs,
      lastTs: ts,
    });
  };

  return {
    meta: automatedReplicationMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (!pushers) init(ctx.thresholds);
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (typeof src !== 'string' || typeof dst !== 'string') return;
      // The learning clock runs on internal activity only (not on perimeter background).
      if (pushers!.due(rec.ts) && ctx.hosts.isInternal(src) && ctx.hosts.isInternal(dst))
        pushers!.see(rec.ts);
      switch (rec._path) {
        case 'conn': {
          const port = rec['id.resp_p'];
          const bytes = rec.orig_bytes;
          if (typeof port !== 'number' || !EXPLOIT_PORTS.has(port)) return;
          if (typeof bytes !== 'number' || bytes < ctx.thresholds.minExploitBytes) return;
          // Hot path: most payload sizes are seen once; only a size repeated to a second target
          // gets window state (the first sighting is replayed then).
          // Numeric key per source: no string is built for the (many) sizes seen once.
          let bySize = firstSight.get(src);
          if (!bySize) {
            bySize = new Map();
            firstSight.set(src, bySize);
            if (firstSight.size > 20_000) firstSight.delete(firstSight.keys().next().value as string);
          }
          const sizeKey = port * 4_294_967_296 + bytes;
          const first = bySize.get(sizeKey);
          if (!first) {
            if (bySize.size >= 4_096) bySize.clear();
            bySize.set(sizeKey, { dst, rec });
            return;
          }
          if (first.dst === dst && first.rec) return;
          const what = `${port}/${bytes}B`;
          // Vulnerability scanners send identical probes to every host by design.
          if (ctx.hosts.roles(ctx.hosts.hostKey(src, rec.ts)).has('scanner')) return;
          if (first.rec) {
            act(first.rec, ctx, src, first.dst, 'exploit', what);
            first.rec = undefined;
          }
          act(rec, ctx, src, dst, 'exploit', what);
          return;
        }
        case 'dce_rpc': {
          const ep = rec.endpoint;
          const op = rec.operation;
          if (typeof ep !== 'string' || typeof op !== 'string') return;
          if (!execOps.has(`${ep}::${op}`.toLowerCase())) return;
          act(
            rec,
            ctx,
            src,
            dst,
            'rpc',
            `${ep.toLowerCase() === 'isystemactivator' ? 'IRemoteSCMActivator' : ep}::${op}`,
          );
          return;
        }
        case 'ntlm':
        case 'kerberos':
          if (rec['id.resp_p'] === 135) act(rec, ctx, src, dst, 'rpc', 'IRemoteSCMActivator::activation');
          return;
        case 'smb_files': {
          const name = rec.name;
          const action = rec.action;
          if (typeof name !== 'string' || typeof action !== 'string') return;
          // Hot path: decide on the action and extension before touching the path.
          let written = action === 'SMB::FILE_WRITE' || action === 'SMB::FILE_RENAME';
          if (!written) {
            if (action !== 'SMB::FILE_OPEN') return;
            const dot = name.lastIndexOf('.');
            if (dot < 0 || name.length - dot > 5) return;
            if (!EXEC_EXTENSIONS.has(name.slice(dot + 1).toLowerCase())) return;
            // Stock smb_files.log: an executable opened on an admin share counts as a drop.
            const share = shareOf(rec.path);
            if (share === undefined || !share.endsWith('$') || share === 'ipc$') return;
            written = true;
          }
          const base = baseName(name);
          if (written && base !== '' && base !== '<share_root>') act(rec, ctx, src, dst, 'file', base);
          return;
        }
        case 'files': {
          if (rec.is_orig !== true) return;
          const source = rec.source;
          if (source !== 'SMB' && source !== 'FTP_DATA' && source !== 'FTP') return;
          const fname = rec.filename;
          if (typeof fname === 'string' && fname !== '') act(rec, ctx, src, dst, 'file', baseName(fname));
          const h = rec.sha256 ?? rec.sha1 ?? rec.md5;
          if (typeof h === 'string' && h !== '') act(rec, ctx, src, dst, 'hash', h.toLowerCase());
          return;
        }
      }
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      pushers?.expire(now - ctx.thresholds.baselineMemorySeconds);
      sources?.expire(now - ctx.thresholds.windowSeconds * 24);
      targetedAt?.expire(now - ctx.thresholds.windowSeconds * 24);
    },
    snapshot(): Snapshot {
      if (!pushers) return pending ?? { pushers: { startTs: null, seen: [] } };
      return { pushers: pushers.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      pushers = undefined;
    },
  };
}
