/**
 * data-staging — a host pulls far more data from internal servers than its baseline, above
 * all a new or VPN host, or from backup shares; when the same host then sends a comparable
 * volume out of the network it becomes the Data-Smuggler form. ATT&CK T1039 (data from network
 * shared drive), T1074.002 (remote data staging), T1048 (exfiltration over alternative
 * protocol). Vectra files Data Gathering and Data Smuggler under Exfiltration; so do we. The
 * reference incident: 10.9 MB of Veeam backup pulled from `\\10.5.0.65\backup_exchange$` to
 * the VPN host at 18:16–18:18.
 *
 * Observables (work with stock and extended SMB logging):
 * - conn.log `resp_bytes` of internal → internal connections originated by the host (what the
 *   servers sent it), summed per host in tumbling `windowSeconds` windows;
 * - backup attribution per connection uid: smb_mapping/smb_files tree paths whose share name
 *   is a backup repository, or backup artefact names (backup-artefacts.ts); bytes from
 *   conn `resp_bytes` or files.log `seen_bytes` (`is_orig = F`: the server sent it) —
 *   whichever is larger, counted once, in either arrival order (conn.log rows carry the
 *   connection's start time, so a replay sees them before the tree connect);
 * - outbound: conn.log `orig_bytes` to external addresses after staging.
 *
 * Thresholds: a host with a baseline (first pull at least `minBaselineAgeSeconds` ago) stages when a
 * window exceeds both `minBytes` (1 GiB) and `baselineMultiplier` × its decaying peak; a host
 * without one, or in the VPN pool, when it exceeds `newHostMinBytes` (250 MiB:
 * above a new workstation's first software pull, far below a share dump); anyone not a
 * backup server when backup-share bytes exceed `backupShareMinBytes` (5 MiB — the incident's
 * 10.9 MB stays visible, a user opening one small file does not). Nothing fires during
 * `learningPeriodSeconds`. Data Smuggler: within `smugglerWindowSeconds` of staging the host
 * sends ≥ `smugglerMinBytes` and ≥ `smugglerRatio` × the staged volume to external hosts.
 *
 * Scores: staging threat 45, +15 from backups, +10 for a VPN, new or generic-named source;
 * certainty 50 (+10 per doubling over the limit, max 80), 65 for backups. Smuggler threat 75,
 * certainty 70. Backup servers (role) are skipped: they read many shares nightly.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  BACKUP_EXTENSIONS,
  BACKUP_PATH_KEYWORDS,
  BACKUP_SHARE_KEYWORDS,
  type BackupMatcher,
  compileBackupMatcher,
} from './backup-artefacts.js';
import {
  addCapped,
  factDrivers,
  LearnedSet,
  type LearnedSetJson,
  refOf,
  shareOf,
  sourceFacts,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample } from './window.js';

const MiB = 1_048_576;

export const dataStagingMeta = {
  type: 'data-staging',
  name: 'Data staging',
  category: 'exfiltration',
  attack: ['T1039', 'T1074.002', 'T1048'],
  logs: ['conn', 'smb_mapping', 'smb_files', 'files'],
  defaults: {
    /** Connections moving fewer bytes are ignored (hot path; far below every volume threshold), bytes (64 KiB). */
    minConnBytes: 65_536,
    /** Tumbling window for summing pulled bytes, seconds (1 hour). */
    windowSeconds: 3_600,
    /** Absolute floor for a host with a baseline, bytes (1 GiB). */
    minBytes: 1_024 * MiB,
    /** A window must exceed this multiple of the host's decaying peak. */
    baselineMultiplier: 10,
    /** Age (since the host's first pull) before its baseline counts, seconds (20 h: a nightly job's peak is known by the next night, with jitter). */
    minBaselineAgeSeconds: 72_000,
    /** Per-window decay of the learned peak (0.995/h ≈ 6-day half-life). */
    baselineDecayPerWindow: 0.995,
    /** Threshold for a host without baseline or in the VPN pool, bytes (250 MiB). */
    newHostMinBytes: 250 * MiB,
    /** Threshold for bytes read from backup shares/artefacts by a non-backup host, bytes (5 MiB). */
    backupShareMinBytes: 5 * MiB,
    /** Share-name substrings that mark a backup repository. */
    backupShareKeywords: BACKUP_SHARE_KEYWORDS,
    /** Seconds after staging during which outbound volume makes Data Smuggler (1 day). */
    smugglerWindowSeconds: 86_400,
    /** Smallest outbound volume for Data Smuggler, bytes (10 MiB). */
    smugglerMinBytes: 10 * MiB,
    /** Outbound volume as a share of the staged volume for Data Smuggler. */
    smugglerRatio: 0.5,
    /** Event-time seconds from the first record during which only baselines are learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
    /** Hosts tracked (bounded memory). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof dataStagingMeta.defaults;

interface HostState {
  windowStart: number;
  pulled: number;
  backup: number;
  servers: Set<string>;
  evidence: Sample<EvidenceRef>;
  peak: number;
  windows: number;
  /** Event time of the host's first pull. */
  since: number;
  /** Limit last emitted at (pacing: again at double). */
  emittedPulled: number;
  emittedBackup: number;
  /** Staged volume and time, for Data Smuggler. */
  stagedBytes: number;
  stagedTs: number;
  out: number;
  outEvidence: Sample<EvidenceRef>;
  smuggled: boolean;
}

interface Snapshot {
  clock: LearnedSetJson;
  hosts: [string, number, { peak: number; windows: number; since: number }][];
}

interface UidState {
  host: string;
  src: string;
  conn: number;
  files: number;
  counted: number;
  backup: boolean;
}

export function createDataStaging(): Detector<T> {
  let hostsState: KeyedState<HostState> | undefined;
  let matcher: BackupMatcher | undefined;
  /** Learning clock: observed time of internal → internal connections. */
  let clock = new LearnedSet(1);
  let pending: Snapshot | undefined;
  const uids = new Map<string, UidState>();

  const blank = (): HostState => ({
    windowStart: 0,
    pulled: 0,
    backup: 0,
    servers: new Set(),
    evidence: new Sample(100),
    peak: 0,
    windows: 0,
    since: 0,
    emittedPulled: 0,
    emittedBackup: 0,
    stagedBytes: 0,
    stagedTs: 0,
    out: 0,
    outEvidence: new Sample(50),
    smuggled: false,
  });

  const init = (t: T): void => {
    matcher = compileBackupMatcher(BACKUP_EXTENSIONS, BACKUP_PATH_KEYWORDS, t.backupShareKeywords);
    hostsState = new KeyedState(t.maxSources, blank);
    if (pending) {
      clock = LearnedSet.load(1, pending.clock);
      hostsState.load(pending.hosts, (j) => ({
        ...blank(),
        peak: j.peak,
        windows: j.windows,
        since: j.since,
      }));
      pending = undefined;
    }
  };

  const roll = (st: HostState, ts: number, t: T): void => {
    if (ts < st.windowStart + t.windowSeconds) return;
    const n = Math.max(1, Math.floor((ts - st.windowStart) / t.windowSeconds));
    if (st.pulled > 0) {
      st.peak = Math.max(st.peak * t.baselineDecayPerWindow ** n, st.pulled);
      st.windows++;
    }
    st.windowStart = ts;
    st.pulled = 0;
    st.backup = 0;
    st.servers = new Set();
    st.evidence = new Sample(100);
    st.emittedPulled = 0;
    st.emittedBackup = 0;
  };

  const uidOf = (uid: string, host: string, src: string): UidState => {
    let u = uids.get(uid);
    if (!u) {
      u = { host, src, conn: 0, files: 0, counted: 0, backup: false };
      uids.set(uid, u);
      if (uids.size > 100_000) uids.delete(uids.keys().next().value as string);
    }
    return u;
  };

  const check = (st: HostState, host: string, src: string, ts: number, ctx: DetectorContext<T>): void => {
    const t = ctx.thresholds;
    if (clock.observed < t.learningPeriodSeconds) return;
    const hosts = ctx.hosts;
    const facts = sourceFacts(hosts, host, src, ts, t.newHostSeconds);
    const noBaseline = st.since === 0 || ts - st.since < t.minBaselineAgeSeconds;
    const limit =
      noBaseline || facts.vpn ? t.newHostMinBytes : Math.max(t.minBytes, t.baselineMultiplier * st.peak);
    const byVolume = st.pulled >= limit && st.pulled >= 2 * st.emittedPulled;
    const byBackup = st.backup >= t.backupShareMinBytes && st.backup >= 2 * st.emittedBackup;
    if (!byVolume && !byBackup) return;
    if (byVolume) st.emittedPulled = st.pulled;
    if (byBackup) st.emittedBackup = st.backup;
    const backup = st.backup >= t.backupShareMinBytes;
    const suspect = facts.vpn || facts.genericName !== undefined || facts.newHost;
    const over = st.pulled / limit;
    st.stagedBytes = Math.max(st.stagedBytes, st.pulled);
    st.stagedTs = ts;
    ctx.emit({
      host,
      src,
      key: 'staging',
      targets: [...st.servers].slice(0, 100),
      threat: clamp99(45 + (backup ? 15 : 0) + (suspect ? 10 : 0)),
      certainty: clamp99(backup ? 65 : Math.min(80, 50 + 10 * Math.log2(Math.max(1, over)))),
      drivers: [
        { name: 'bytes pulled from internal servers in window', value: st.pulled },
        { name: 'bytes from backup shares/artefacts in window', value: st.backup },
        { name: 'limit bytes', value: Math.round(limit) },
        { name: 'baseline peak bytes per window', value: Math.round(st.peak) },
        {
          name: 'baseline',
          value: noBaseline ? 'none (new to this host)' : `peak over ${st.windows} windows`,
        },
        { name: 'servers', value: st.servers.size },
        ...factDrivers(facts),
      ],
      evidence: st.evidence.items,
      evidenceCount: st.evidence.count,
      summary:
        `${src} pulled ${(st.pulled / MiB).toFixed(1)} MiB from ${st.servers.size} internal server(s)` +
        (backup ? `, ${(st.backup / MiB).toFixed(1)} MiB of it from backups` : '') +
        ` in ${Math.max(1, Math.round((ts - st.windowStart) / 60))} min`,
      firstTs: st.windowStart,
      lastTs: ts,
    });
  };

  const addBackup = (u: UidState, ts: number, ev: EvidenceRef | undefined, ctx: DetectorContext<T>): void => {
    if (!u.backup) return;
    const delta = Math.max(u.conn, u.files) - u.counted;
    if (delta <= 0) return;
    u.counted += delta;
    const st = hostsState!.get(u.host, ts);
    roll(st, ts, ctx.thresholds);
    st.backup += delta;
    if (ev) st.evidence.add(ev);
    check(st, u.host, u.src, ts, ctx);
  };

  return {
    meta: dataStagingMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (!hostsState) init(t);
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (typeof src !== 'string' || typeof dst !== 'string') return;
      const hosts = ctx.hosts;
      const ts = rec.ts;
      if (rec._path === 'conn') {
        // Hot path: most connections are small; test sizes before parsing addresses.
        const rb = rec.resp_bytes;
        const ob = rec.orig_bytes;
        const big =
          (typeof rb === 'number' && rb >= t.minConnBytes) ||
          (typeof ob === 'number' && ob >= t.minConnBytes);
        if (!big && !clock.due(ts)) return;
        if (!hosts.isInternal(src)) return;
        const internalDst = hosts.isInternal(dst);
        if (internalDst) clock.see(ts);
        if (!big) return;
        const bytes = internalDst ? rb : ob;
        if (typeof bytes !== 'number' || bytes < t.minConnBytes) return;
        const host = hosts.hostKey(src, ts);
        if (hosts.roles(host).has('backup-server')) return;
        const st = hostsState!.get(host, ts);
        if (st.windowStart === 0) st.windowStart = ts;
        roll(st, ts, t);
        if (!internalDst) {
          // Data Smuggler: outbound after staging.
          if (st.stagedBytes === 0 || st.smuggled || ts - st.stagedTs > t.smugglerWindowSeconds) return;
          st.out += bytes;
          st.outEvidence.add(refOf(rec));
          if (st.out < t.smugglerMinBytes || st.out < t.smugglerRatio * st.stagedBytes) return;
          st.smuggled = true;
          ctx.emit({
            host,
            src,
            key: 'smuggler',
            targets: [dst],
            threat: 75,
            certainty: 70,
            drivers: [
              { name: 'staged bytes', value: st.stagedBytes },
              { name: 'bytes sent to external hosts after staging', value: st.out },
              { name: 'form', value: 'Data Smuggler' },
            ],
            evidence: st.outEvidence.items,
            evidenceCount: st.outEvidence.count,
            summary: `${src} staged ${(st.stagedBytes / MiB).toFixed(1)} MiB internally, then sent ${(st.out / MiB).toFixed(1)} MiB out (Data Smuggler)`,
            firstTs: st.stagedTs,
            lastTs: ts,
          });
          return;
        }
        if (src === dst) return;
        if (st.since === 0) st.since = ts;
        st.pulled += bytes;
        addCapped(st.servers, hosts.hostKey(dst, ts));
        const uid = rec.uid as string;
        const u = uids.get(uid);
        if (u) {
          u.conn = bytes;
          st.evidence.add(refOf(rec));
          addBackup(u, ts, undefined, ctx);
        } else {
          uidOf(uid, host, src).conn = bytes;
          st.evidence.add(refOf(rec));
        }
        check(st, host, src, ts, ctx);
        return;
      }
      if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
      const m = matcher!;
      let backup = false;
      if (rec._path === 'files') {
        if (rec.is_orig !== false || rec.source !== 'SMB') return;
        const name = rec.filename;
        backup = typeof name === 'string' && m.file(name.toLowerCase()) !== undefined;
        const uid = rec.uid;
        if (typeof uid !== 'string') return;
        const seen = rec.seen_bytes;
        const known = uids.get(uid);
        if (!backup && !known?.backup) return;
        const host = hosts.hostKey(src, ts);
        if (hosts.roles(host).has('backup-server')) return;
        const u = known ?? uidOf(uid, host, src);
        u.backup = true;
        if (typeof seen === 'number') u.files += seen;
        addBackup(u, ts, refOf(rec), ctx);
        return;
      }
      const share = shareOf(rec.path);
      backup = share !== undefined && m.share(share);
      if (!backup && rec._path === 'smb_files' && typeof rec.name === 'string')
        backup = m.file(rec.name.toLowerCase()) !== undefined;
      if (!backup) return;
      const host = hosts.hostKey(src, ts);
      if (hosts.roles(host).has('backup-server')) return;
      const u = uidOf(rec.uid as string, host, src);
      if (u.backup) return;
      u.backup = true;
      addBackup(u, ts, refOf(rec), ctx);
    },
    onTick(now: number) {
      hostsState?.expire(now - 30 * 86_400);
    },
    /** Baselines (each host's decaying peak and window count) and the learning clock. */
    snapshot(): Snapshot {
      if (!hostsState) return pending ?? { clock: clock.dump(), hosts: [] };
      return {
        clock: clock.dump(),
        hosts: hostsState.dump((st) => ({ peak: st.peak, windows: st.windows, since: st.since })),
      };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      hostsState = undefined;
      clock = new LearnedSet(1);
    },
  };
}
