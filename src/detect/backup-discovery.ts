/**
 * backup-discovery — a host that is not a backup server browses or reads backup artefacts:
 * Veeam files (`.vbk`, `.vib`, `.vrb`, `.vbm`, configuration backups `.bco`, Veeam config
 * paths), Backup Exec `.bkf`, Acronis, Windows Server Backup (`WindowsImageBackup\…`), or opens
 * a backup repository share. ATT&CK T1083 (file and directory discovery) in preparation of
 * T1490 (inhibit system recovery): ransomware operators find and destroy backups before
 * encrypting. The reference incident: the VPN host opened `\\10.5.0.65\backup_exchange$` and
 * read Veeam backup files, and searched for Veeam configuration.
 *
 * Observables: smb_mapping.log `path` (backup share names), smb_files.log `name` + `path` (any
 * action: stock FILE_OPEN is enough, FILE_READ where sensors log it), files.log `filename`.
 * Artefact lists live in backup-artefacts.ts and are editable from config.
 *
 * Direction: reads (FILE_READ, files.log `is_orig = F`) count at once; writes (FILE_WRITE,
 * `is_orig = T`) mark the (host, repository) pair as a backup client — Exchange writing its own
 * nightly Windows Server Backup to `backup_exchange$` — which then stays quiet; opens and tree
 * connects wait `openGraceSeconds` for a write on the same connection before they count.
 *
 * Quiet for: hosts with the `backup-server` role (identity layer); (host, target, share)
 * tuples seen during `learningPeriodSeconds`; hosts that touched backups on
 * `knownBackupMinTargets` or more targets during learning (a backup server nobody declared:
 * it reads many shares nightly).
 *
 * Scores: threat 55 (a ransomware precursor, above ordinary discovery), +10 when backup files
 * (not just a share) were touched, +10 for a VPN, new or generic-named source; certainty 50
 * for a share alone, 65 with backup files, +2 per further artefact (max +20).
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
  FanoutCounter,
  factDrivers,
  LearnedSet,
  type LearnedSetJson,
  refOf,
  shareOf,
  sourceFacts,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta } from './types.js';
import { clamp99, KeyedState } from './window.js';

export const backupDiscoveryMeta = {
  type: 'backup-discovery',
  name: 'Backup discovery',
  category: 'reconnaissance',
  attack: ['T1490', 'T1083'],
  logs: ['smb_mapping', 'smb_files', 'files'],
  defaults: {
    /** Backup file extensions (without dot). */
    backupExtensions: BACKUP_EXTENSIONS,
    /** Substrings of a file path that mark backup data/configuration. */
    backupPathKeywords: BACKUP_PATH_KEYWORDS,
    /** Substrings of a share name that mark a backup repository. */
    backupShareKeywords: BACKUP_SHARE_KEYWORDS,
    /** Event-time seconds from the first record during which backup access is learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long a learned access stays known without repeating, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** Targets touched during learning that make a host an undeclared backup server. */
    knownBackupMinTargets: 3,
    /** Seconds an open (tree connect, FILE_OPEN) waits for a write on its connection before it counts. */
    openGraceSeconds: 60,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
    /** Sources with open state (bounded memory). */
    maxSources: 20_000,
  },
} as const satisfies DetectorMeta;

type T = typeof backupDiscoveryMeta.defaults;

interface SourceState {
  items: Set<string>;
  artefacts: number;
  shares: Set<string>;
  targets: Set<string>;
  firstTs: number;
}

interface Snapshot {
  tuples: LearnedSetJson;
  fanout: [string, string[]][];
  writers?: LearnedSetJson;
}

interface Deferred {
  readonly rec: ZeekRecord;
  readonly share: string | undefined;
  readonly artefact: string | undefined;
  readonly file: string | undefined;
  readonly pairKey: string;
}

export function createBackupDiscovery(): Detector<T> {
  let matcher: BackupMatcher | undefined;
  let tuples: LearnedSet | undefined;
  let fanout: FanoutCounter | undefined;
  let sources: KeyedState<SourceState> | undefined;
  let pending: Snapshot | undefined;
  const shareByUid = new Map<string, string>();
  /** (host, repository) pairs that wrote backups: backup clients. */
  let writers: LearnedSet | undefined;
  /** Opens waiting `openGraceSeconds` for a write on the same connection. */
  const deferred = new Map<string, Deferred[]>();

  const init = (t: T): void => {
    matcher = compileBackupMatcher(t.backupExtensions, t.backupPathKeywords, t.backupShareKeywords);
    tuples = LearnedSet.load(200_000, pending?.tuples);
    fanout = FanoutCounter.load(100_000, 64, pending?.fanout);
    writers = LearnedSet.load(50_000, pending?.writers);
    sources = new KeyedState(t.maxSources, () => ({
      items: new Set(),
      artefacts: 0,
      shares: new Set(),
      targets: new Set(),
      firstTs: 0,
    }));
    pending = undefined;
  };

  const hit = (
    rec: ZeekRecord,
    ctx: DetectorContext<T>,
    share: string | undefined,
    artefact: string | undefined,
    file: string | undefined,
  ): void => {
    const src = rec['id.orig_h'];
    const dst = rec['id.resp_h'];
    const hosts = ctx.hosts;
    if (typeof src !== 'string' || typeof dst !== 'string') return;
    if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
    const t = ctx.thresholds;
    const ts = rec.ts;
    const host = hosts.hostKey(src, ts);
    if (hosts.roles(host).has('backup-server')) return;
    const target = hosts.hostKey(dst, ts);
    const tupleKey = `${host}|${target}|${share ?? '?'}`;
    if (tuples!.learning(ts, t.learningPeriodSeconds)) {
      if (tuples!.add(tupleKey, ts)) fanout!.add(host, target);
      return;
    }
    if (tuples!.has(tupleKey)) {
      tuples!.add(tupleKey, ts);
      return;
    }
    if (fanout!.count(host) >= t.knownBackupMinTargets) return;
    const st = sources!.get(host, ts);
    const item = `${target}|${share ?? ''}|${file ?? ''}`;
    if (st.items.has(item)) return;
    if (st.items.size < 5_000) st.items.add(item);
    if (st.items.size === 1) st.firstTs = ts;
    if (artefact) st.artefacts++;
    if (share) addCapped(st.shares, `\\\\${dst}\\${share}`);
    addCapped(st.targets, target);
    const n = st.items.size;
    // Each new item is news at first; later ones only every tenth (pacing).
    if (n > 20 && n % 10 !== 0) return;
    const facts = sourceFacts(hosts, host, src, ts, t.newHostSeconds);
    const suspect = facts.vpn || facts.genericName !== undefined || facts.newHost;
    const files = st.artefacts > 0;
    ctx.emit({
      host,
      src,
      targets: [target],
      threat: clamp99(55 + (files ? 10 : 0) + (suspect ? 10 : 0)),
      certainty: clamp99((files ? 65 : 50) + Math.min(20, 2 * Math.max(0, st.artefacts - 1))),
      drivers: [
        { name: 'backup artefact', value: artefact ?? 'backup share' },
        ...(file ? [{ name: 'file', value: file }] : []),
        { name: 'backup shares', value: [...st.shares].slice(0, 20).join(', ') || 'none' },
        { name: 'backup files touched', value: st.artefacts },
        { name: 'targets', value: st.targets.size },
        ...factDrivers(facts),
      ],
      evidence: [refOf(rec)],
      summary: `${src} (not a backup server) ${file ? `touched backup file ${file}` : 'opened backup share'}${share ? ` on \\\\${dst}\\${share}` : ` on ${dst}`}`,
      firstTs: st.firstTs,
      lastTs: ts,
    });
  };

  return {
    meta: backupDiscoveryMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (!matcher) init(ctx.thresholds);
      if (rec._path !== 'files' || rec.source === 'SMB') tuples!.see(rec.ts);
      const m = matcher!;
      const uid = rec.uid as string;
      let share: string | undefined;
      let artefact: string | undefined;
      let file: string | undefined;
      let access: 'read' | 'write' | 'open';
      if (rec._path === 'smb_mapping') {
        share = shareOf(rec.path);
        if (share === undefined) return;
        shareByUid.set(uid, share);
        if (shareByUid.size > 50_000) shareByUid.delete(shareByUid.keys().next().value as string);
        if (!m.share(share)) return;
        access = 'open';
      } else {
        const raw = rec._path === 'files' ? rec.filename : rec.name;
        if (typeof raw !== 'string' || raw === '') return;
        const action = rec.action;
        if (action === 'SMB::FILE_CLOSE') return;
        const lower = raw.toLowerCase();
        artefact = m.file(lower);
        share = rec._path === 'smb_files' ? (shareOf(rec.path) ?? shareByUid.get(uid)) : undefined;
        if (artefact) file = lower;
        else if (share === undefined || !m.share(share) || lower === '<share_root>') return;
        if (rec._path === 'files') access = rec.is_orig === true ? 'write' : 'read';
        else access = action === 'SMB::FILE_WRITE' ? 'write' : action === 'SMB::FILE_READ' ? 'read' : 'open';
      }
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (typeof src !== 'string' || typeof dst !== 'string') return;
      const hosts = ctx.hosts;
      const pairKey = `${hosts.hostKey(src, rec.ts)}|${hosts.hostKey(dst, rec.ts)}`;
      if (access === 'write') {
        // A host writing backups to the repository is a backup client (its own nightly backup).
        writers!.add(pairKey, rec.ts);
        deferred.delete(uid);
        return;
      }
      if (writers!.has(pairKey)) return;
      if (access === 'read') {
        hit(rec, ctx, share, artefact, file);
        return;
      }
      // Opening a share or a file says nothing of the direction yet: wait for a write on the
      // same connection before calling it discovery (stock smb_files.log: only the wait tells).
      let list = deferred.get(uid);
      if (!list) {
        list = [];
        deferred.set(uid, list);
        if (deferred.size > 20_000) deferred.delete(deferred.keys().next().value as string);
      }
      if (list.length < 50) list.push({ rec, share, artefact, file, pairKey });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      const grace = ctx.thresholds.openGraceSeconds;
      for (const [uid, list] of deferred) {
        if (list[0]!.rec.ts > now - grace) continue;
        deferred.delete(uid);
        for (const d of list) if (!writers!.has(d.pairKey)) hit(d.rec, ctx, d.share, d.artefact, d.file);
      }
      tuples?.expire(now - ctx.thresholds.baselineMemorySeconds);
      writers?.expire(now - ctx.thresholds.baselineMemorySeconds);
      sources?.expire(now - 7 * 86_400);
    },
    snapshot(): Snapshot {
      if (!tuples) return pending ?? { tuples: { startTs: null, seen: [] }, fanout: [] };
      return { tuples: tuples.dump(), fanout: fanout!.dump(), writers: writers!.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      matcher = undefined;
      tuples = undefined;
    },
  };
}
