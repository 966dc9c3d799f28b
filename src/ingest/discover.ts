/**
 * Finds the log files under the paths a user gives: single files, gzip files, stdin (`-`), and
 * Zeek log directory trees (`current/` plus dated archive folders of rotated files such as
 * `2021-06-12/conn.12:00:00-13:00:00.log.gz`). Files are grouped by log type and place (the log
 * tree they belong to: the folder holding `current/` and the dated archives, else the file's own
 * folder), and each group is ordered in time, so that one source per log type and place can be
 * read front to back. Two sensors' trees given together are thus separate sources merged by
 * time, not one source read sensor-hour after sensor-hour (which made the second sensor's
 * records of every hour "late").
 */
import { type Dirent, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CAPTURE_NAME, isCaptureFileSync } from '../capture/magic.js';
import { describeIoError, STDIN } from './file-source.js';
import { logTypeFromFileName } from './record-check.js';
import type { RejectSink } from './rejects.js';

export interface LogFile {
  readonly file: string;
  /** Log type from the name; the file's own `#path`/`_path` wins when it has one. */
  readonly logType: string;
  readonly sortKey: string;
  /** The sort key comes from an archive date in the path (else files are ordered by first ts). */
  readonly dated: boolean;
  /** The log tree (or folder) the file belongs to: files of one type and place form one source. */
  readonly place: string;
  /** A packet capture (pcap/pcapng, maybe gzip'd): read through src/capture, one source per file. */
  readonly capture?: boolean;
}

/** Names that hold Zeek logs: `x.log`, `x.log.gz`, `x.HH:MM:SS-HH:MM:SS.log.gz`, `x.json[l]`, `x.log.cut`. */
const LOG_NAME = /\.(log|json|jsonl|ndjson)(\.[^/]*)?$|\.log\.|\.gz$/;
/** Files a Zeek tree carries that are not logs, and Vigil's own state (the simulator's `truth.json`). */
const SKIP_NAME = /^\.|\.(pcap|pcapng|cap|state|lock|pid|tmp|swp)$|^(stderr|stdout)\.log$|^truth\.json$/;

/** Lists log files in time order per log type. Unreadable paths become located rejects. */
export function discoverLogFiles(inputs: readonly string[], sink: RejectSink): Map<string, LogFile[]> {
  const files: LogFile[] = [];
  for (const input of inputs) {
    if (input === STDIN) {
      files.push({ file: STDIN, logType: 'stdin', sortKey: '', dated: true, place: STDIN });
      continue;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(input);
    } catch (err) {
      sink.reject({ reason: 'read-error', file: input, line: 0, message: describeIoError(err) });
      continue;
    }
    if (st.isDirectory()) {
      const logs: LogFile[] = [];
      const captures: string[] = [];
      walk(input, logs, sink, captures);
      files.push(...logs);
      // A tree of captures is read like one capture each; a tree that also holds Zeek's logs
      // (often of the same traffic) is read from the logs, and says which captures it left.
      if (logs.length === 0) for (const c of captures.sort()) files.push(captureFile(c));
      else if (captures.length > 0)
        sink.note(
          `${input}: ${captures.length} packet capture(s) not read beside its Zeek logs (give them as arguments to read them): ${captures.slice(0, 5).join(', ')}${captures.length > 5 ? ', …' : ''}`,
        );
    } else if (isCaptureFileSync(input, st.isFile())) files.push(captureFile(input));
    else files.push(describe(input, st.mtimeMs));
  }
  // Keyed by log type for the first place seen (the common single-tree run), `type@place` after.
  const groups = new Map<string, LogFile[]>();
  for (const f of files) {
    const first = groups.get(f.logType);
    const key = first === undefined || first[0]!.place === f.place ? f.logType : `${f.logType}@${f.place}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  for (const g of groups.values())
    g.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  return groups;
}

function captureFile(file: string): LogFile {
  return { file, logType: `capture:${file}`, sortKey: '', dated: true, place: file, capture: true };
}

/**
 * Walks a tree. Symbolic links are followed (ZeekControl's `logs/current` is a link to the spool
 * directory), each real directory once, so a link loop ends.
 */
function walk(
  dir: string,
  out: LogFile[],
  sink: RejectSink,
  captures: string[],
  seen = new Set<string>(),
): void {
  let entries: Dirent[];
  try {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    entries = readdirSync(dir, { withFileTypes: true, encoding: 'utf8' });
  } catch (err) {
    sink.reject({ reason: 'read-error', file: dir, line: 0, message: describeIoError(err) });
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.name.startsWith('.')) continue;
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    let mtimeMs: number | undefined;
    if (e.isSymbolicLink()) {
      try {
        const st = statSync(p);
        isDir = st.isDirectory();
        isFile = st.isFile();
        mtimeMs = st.mtimeMs;
      } catch (err) {
        if (LOG_NAME.test(e.name) && !SKIP_NAME.test(e.name))
          sink.reject({
            reason: 'read-error',
            file: p,
            line: 0,
            message: `broken link: ${describeIoError(err)}`,
          });
        continue;
      }
    }
    if (isDir) {
      walk(p, out, sink, captures, seen);
      continue;
    }
    if (isFile && CAPTURE_NAME.test(e.name) && isCaptureFileSync(p, true)) {
      captures.push(p);
      continue;
    }
    if (!isFile || SKIP_NAME.test(e.name) || !LOG_NAME.test(e.name)) continue;
    try {
      out.push(describe(p, mtimeMs ?? statSync(p).mtimeMs));
    } catch (err) {
      sink.reject({ reason: 'read-error', file: p, line: 0, message: describeIoError(err) });
    }
  }
}

/**
 * Sort key: the archive date (a `YYYY-MM-DD` path segment) and rotation start time
 * (`HH:MM:SS` in the name) when present, files in `current/` last, else modification time.
 */
function describe(file: string, mtimeMs: number): LogFile {
  const name = basename(file);
  const dateMatch = /(?:^|\/)(\d{4}-\d{2}-\d{2})(?:\/|$)/.exec(file);
  const date = dateMatch?.[1];
  const time = /\.(\d{2}:\d{2}:\d{2})[-.]/.exec(name)?.[1];
  const currentMatch = /(?:^|\/)current\//.exec(file);
  const current = currentMatch !== null;
  // the folder holding current/ or the dated folders; a loose file's own folder
  const place = currentMatch
    ? file.slice(0, currentMatch.index)
    : dateMatch
      ? file.slice(0, dateMatch.index)
      : dirname(file);
  const sortKey = current
    ? `9999-99-99 ${String(Math.floor(mtimeMs)).padStart(15, '0')}`
    : date
      ? `${date} ${time ?? '00:00:00'}`
      : `0000-00-00 ${String(Math.floor(mtimeMs)).padStart(15, '0')}`;
  return {
    file,
    logType: logTypeFromFileName(name) ?? 'unknown',
    sortKey,
    dated: date !== undefined || current,
    place: place === '' ? '.' : place,
  };
}
