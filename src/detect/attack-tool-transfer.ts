/**
 * attack-tool-transfer — a known offensive tool is written, read or downloaded over SMB, HTTP
 * or FTP: by file name (list in attack-tools.ts, editable from config) or by file hash from
 * intel (catches renamed copies). ATT&CK T1570 (lateral tool transfer), T1105 (ingress tool
 * transfer), T1003 (credential dumping tools). The reference incident: `mimikatz.exe` copied
 * from the VPN host to 10.5.2.12 and 10.5.3.28 at 21:15 and the results read back.
 *
 * Observables:
 * - smb_files.log `name` with any action: stock Zeek logs FILE_OPEN/RENAME/DELETE (opening
 *   `mimikatz.exe` on a remote share is already the behaviour); sensors with extended
 *   `SMB::logged_file_actions` add FILE_READ/FILE_WRITE, which set the direction;
 * - files.log `filename` and `md5`/`sha1`/`sha256` (intel hashes in `toolHashes`), `is_orig`
 *   for the direction (T = the connection's originator sent it), any `source` (SMB, HTTP, FTP);
 * - http.log `uri` base name (query stripped); ftp.log `RETR`/`STOR` `arg`.
 * The acting host is the connection's originator (the client that pushed or pulled the file),
 * which must be internal; the other side is the target.
 *
 * Renamed tools without intel (`mimi64.exe`, `m.exe`): an executable written to another
 * host's administrative share, then a non-executable file read back from the same directory by
 * the same host within `collectWindowSeconds` — run remotely, output collected. Needs FILE_WRITE
 * (extended smb_files) or files.log `is_orig = T` with a PE mime type on that connection.
 *
 * Matching is a Map lookup of the lower-cased base name, then of its stem (part before the first
 * dot) — no regex per record. Dual-use tools (PsExec, ProcDump, AdFind, scanners): a (host,
 * tool) pair seen during `learningPeriodSeconds` is that admin host's routine and stays quiet.
 *
 * Scores: threat 65, 75 for credential tools; certainty 80 by name, 95 by intel hash, 60 for
 * drop-and-collect (a dual-use pattern: a host doing it while learning is routine), +5 when
 * the tool reaches a second target. One detection per host; each new (tool, target, direction)
 * grows it.
 */
import type { ZeekRecord } from '../model/records.js';
import { compileTools, type ToolEntry, type ToolIndex, toolOf } from './attack-tools.js';
import {
  addCapped,
  baseName,
  extensionOf,
  LearnedSet,
  type LearnedSetJson,
  refOf,
  shareOf,
} from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState } from './window.js';

export const attackToolTransferMeta = {
  type: 'attack-tool-transfer',
  name: 'Attack tool transfer',
  category: 'lateral-movement',
  attack: ['T1570', 'T1105', 'T1003'],
  logs: ['smb_files', 'files', 'http', 'ftp'],
  defaults: {
    /** Further tool file names, `name` or `name=tool` (lower case compared). */
    extraToolNames: [] as readonly string[],
    /** Intel hashes (md5/sha1/sha256) of tools, `hash` or `hash=tool`. */
    toolHashes: [] as readonly string[],
    /** Names or stems from the shipped list to ignore here. */
    ignoredToolNames: [] as readonly string[],
    /** Event-time seconds from the first record during which dual-use tool use is learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long a learned dual-use (host, tool) stays known without repeating, seconds (30 days). */
    baselineMemorySeconds: 2_592_000,
    /** Seconds between an executable dropped on an admin share and its output read back. */
    collectWindowSeconds: 900,
    /** Sources with open state (bounded memory). */
    maxSources: 20_000,
  },
} as const satisfies DetectorMeta;

type T = typeof attackToolTransferMeta.defaults;

interface SourceState {
  seen: Set<string>;
  tools: Set<string>;
  targets: Set<string>;
  firstTs: number;
  count: number;
}

interface Snapshot {
  routine: LearnedSetJson;
}

/** Executable/script extensions for the drop-and-collect form. */
const DROP_EXTENSIONS = new Set(['exe', 'dll', 'ps1', 'bat', 'cmd', 'vbs', 'js', 'hta', 'scr', 'sys']);

/** The pseudo-tool of the drop-and-collect form (name unknown: renamed or custom). */
const UNKNOWN_TOOL: ToolEntry = {
  tool: 'unknown tool (dropped, run, output collected)',
  credential: false,
  dualUse: true,
  names: [],
  stems: [],
};

interface Drop {
  readonly file: string;
  readonly host: string;
  readonly ts: number;
  readonly ref: EvidenceRef;
}

/** `target|share|directory` of an SMB path on an administrative share, or undefined. */
function adminDirKey(rec: ZeekRecord, name: string): string | undefined {
  const share = shareOf(rec.path);
  if (share === undefined || !share.endsWith('$') || share === 'ipc$') return undefined;
  const lower = name.toLowerCase();
  const cut = lower.lastIndexOf('\\');
  return `${String(rec['id.resp_h'])}|${share}|${cut < 0 ? '' : lower.slice(0, cut)}`;
}

const SMB_DIRECTION: Readonly<Record<string, string>> = {
  'SMB::FILE_WRITE': 'wrote',
  'SMB::FILE_READ': 'read',
  'SMB::FILE_OPEN': 'opened',
  'SMB::FILE_RENAME': 'renamed',
  'SMB::FILE_DELETE': 'deleted',
};

export function createAttackToolTransfer(): Detector<T> {
  let index: ToolIndex | undefined;
  let routine: LearnedSet | undefined;
  let sources: KeyedState<SourceState> | undefined;
  let pending: Snapshot | undefined;
  /** Last administrative-share directory per connection uid. */
  const uidDir = new Map<string, string>();
  /** Executables written to admin-share directories, by `target|share|dir`. */
  const drops = new Map<string, Drop>();

  const addDrop = (dir: string, file: string, rec: ZeekRecord, ctx: DetectorContext<T>): void => {
    const src = rec['id.orig_h'];
    if (typeof src !== 'string' || !ctx.hosts.isInternal(src)) return;
    drops.delete(dir);
    drops.set(dir, { file, host: ctx.hosts.hostKey(src, rec.ts), ts: rec.ts, ref: refOf(rec) });
    if (drops.size > 10_000) drops.delete(drops.keys().next().value as string);
  };

  /**
   * The renamed-tool form: an executable written to another host's admin share, then a
   * non-executable file read back from the same directory by the same host within
   * `collectWindowSeconds` — a tool run remotely and its output collected (mimikatz → out.txt).
   */
  const dropAndCollect = (rec: ZeekRecord, ctx: DetectorContext<T>, name: string, base: string): void => {
    const dir = adminDirKey(rec, name);
    if (dir === undefined) return;
    const uid = rec.uid as string;
    uidDir.delete(uid);
    uidDir.set(uid, dir);
    if (uidDir.size > 50_000) uidDir.delete(uidDir.keys().next().value as string);
    const action = rec.action;
    const exe = DROP_EXTENSIONS.has(extensionOf(base));
    if (exe) {
      if (action === 'SMB::FILE_WRITE') addDrop(dir, base, rec, ctx);
      return;
    }
    if (action !== 'SMB::FILE_READ' && action !== 'SMB::FILE_OPEN') return;
    const d = drops.get(dir);
    if (!d || rec.ts - d.ts > ctx.thresholds.collectWindowSeconds) return;
    if (d.host !== ctx.hosts.hostKey(rec['id.orig_h'] as string, rec.ts)) return;
    drops.delete(dir);
    hit(rec, ctx, UNKNOWN_TOOL, `${d.file} → ${base}`, 'dropped, ran and collected', false, [d.ref]);
  };

  const init = (t: T): void => {
    index = compileTools(t.extraToolNames, t.toolHashes, t.ignoredToolNames);
    routine = LearnedSet.load(100_000, pending?.routine);
    sources = new KeyedState(t.maxSources, () => ({
      seen: new Set(),
      tools: new Set(),
      targets: new Set(),
      firstTs: 0,
      count: 0,
    }));
    pending = undefined;
  };

  const hit = (
    rec: ZeekRecord,
    ctx: DetectorContext<T>,
    tool: ToolEntry,
    file: string,
    how: string,
    byHash: boolean,
    extra: readonly EvidenceRef[] = [],
  ): void => {
    const src = rec['id.orig_h'];
    const dst = rec['id.resp_h'];
    const hosts = ctx.hosts;
    if (typeof src !== 'string' || !hosts.isInternal(src)) return;
    const t = ctx.thresholds;
    const ts = rec.ts;
    const host = hosts.hostKey(src, ts);
    const target = typeof dst === 'string' ? hosts.hostKey(dst, ts) : '?';
    if (tool.dualUse && !byHash) {
      const key = `${host}|${tool.tool}`;
      if (routine!.learning(ts, t.learningPeriodSeconds)) {
        routine!.add(key, ts);
        return;
      }
      if (routine!.has(key)) {
        routine!.add(key, ts);
        return;
      }
    }
    const st = sources!.get(host, ts);
    const dedupe = `${tool.tool}|${file}|${target}|${how}`;
    if (st.seen.has(dedupe)) return;
    if (st.seen.size < 1_000) st.seen.add(dedupe);
    if (st.count === 0) st.firstTs = ts;
    st.count++;
    addCapped(st.tools, tool.tool, 100);
    addCapped(st.targets, target);
    const credential = tool.credential;
    ctx.emit({
      host,
      src,
      targets: [target],
      threat: clamp99(credential ? 75 : 65),
      certainty: clamp99((byHash ? 95 : tool === UNKNOWN_TOOL ? 60 : 80) + (st.targets.size >= 2 ? 5 : 0)),
      drivers: [
        { name: 'tool', value: tool.tool },
        { name: 'file', value: file },
        { name: 'matched by', value: byHash ? 'intel hash' : 'file name' },
        { name: 'transfer', value: `${how} (${rec._path})` },
        { name: 'tools so far', value: [...st.tools].join(', ') },
        { name: 'targets so far', value: st.targets.size },
        ...(credential ? [{ name: 'credential-access tool', value: 'yes' }] : []),
      ],
      evidence: [...extra, refOf(rec)],
      summary: `${src} ${how} ${tool.tool} (${file}) ${typeof dst === 'string' ? `with ${dst}` : ''} over ${rec._path}`,
      firstTs: st.firstTs,
      lastTs: ts,
    });
  };

  return {
    meta: attackToolTransferMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (!index) init(ctx.thresholds);
      if (rec._path === 'smb_files' || rec.source === 'SMB') routine!.see(rec.ts);
      const idx = index!;
      switch (rec._path) {
        case 'smb_files': {
          const name = rec.name;
          if (typeof name !== 'string') return;
          const base = baseName(name);
          dropAndCollect(rec, ctx, name, base);
          const tool = toolOf(idx, base);
          if (!tool) return;
          const how = SMB_DIRECTION[String(rec.action)] ?? 'touched';
          hit(rec, ctx, tool, base, how, false);
          return;
        }
        case 'files': {
          const how = rec.is_orig === true ? 'sent' : 'received';
          if (rec.is_orig === true && rec.source === 'SMB' && typeof rec.uid === 'string') {
            // The PE sent over SMB (files.log names no directory: take the connection's last one).
            const dir = uidDir.get(rec.uid);
            const fname = typeof rec.filename === 'string' ? baseName(rec.filename) : '';
            if (dir && (rec.mime_type === 'application/x-dosexec' || DROP_EXTENSIONS.has(extensionOf(fname))))
              addDrop(dir, fname, rec, ctx);
          }
          if (idx.byHash.size > 0) {
            for (const h of [rec.sha256, rec.sha1, rec.md5]) {
              if (typeof h !== 'string') continue;
              const tool = idx.byHash.get(h.toLowerCase());
              if (tool) {
                const fname = typeof rec.filename === 'string' ? baseName(rec.filename) : h;
                hit(rec, ctx, tool, fname, how, true);
                return;
              }
            }
          }
          const fname = rec.filename;
          if (typeof fname !== 'string' || fname === '') return;
          const base = baseName(fname);
          const tool = toolOf(idx, base);
          if (tool) hit(rec, ctx, tool, base, how, false);
          return;
        }
        case 'http': {
          const uri = rec.uri;
          if (typeof uri !== 'string' || uri.length < 2) return;
          const q = uri.indexOf('?');
          const base = baseName(q < 0 ? uri : uri.slice(0, q));
          if (base === '') return;
          const tool = toolOf(idx, base);
          if (tool)
            hit(
              rec,
              ctx,
              tool,
              base,
              rec.method === 'PUT' || rec.method === 'POST' ? 'uploaded' : 'downloaded',
              false,
            );
          return;
        }
        case 'ftp': {
          const cmd = rec.command;
          const arg = rec.arg;
          if ((cmd !== 'RETR' && cmd !== 'STOR') || typeof arg !== 'string') return;
          const base = baseName(arg);
          const tool = toolOf(idx, base);
          if (tool) hit(rec, ctx, tool, base, cmd === 'RETR' ? 'downloaded' : 'uploaded', false);
          return;
        }
      }
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      routine?.expire(now - ctx.thresholds.baselineMemorySeconds);
      sources?.expire(now - 7 * 86_400);
    },
    snapshot(): Snapshot {
      if (!routine) return pending ?? { routine: { startTs: null, seen: [] } };
      return { routine: routine.dump() };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      index = undefined;
      routine = undefined;
    },
  };
}
