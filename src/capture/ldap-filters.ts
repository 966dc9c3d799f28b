/**
 * LDAP search filters as text. tshark's `-T fields` gives the filter only as a number; its text
 * appears in the detail view (`Filter: (&(objectClass=user)(…))`). So, once a capture shows a
 * search request, a second tshark reads the same file printing only search requests
 * (`-Y ldap.protocolOp == 3 -O ldap`), concurrently, and its filters are matched to the search
 * records by frame number and message id. Records wait (bounded by the second pass's progress)
 * until their frame has been passed.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { LdapSearchRecord } from '../model/records.js';
import { TSHARK } from './tshark.js';

interface Waiting {
  rec: LdapSearchRecord;
  key: string;
  frame: number;
}

export class LdapFilterPass {
  private child: ChildProcessByStdio<null, Readable, null> | undefined;
  private readonly filters = new Map<string, string>();
  private frameReached = 0;
  private finished = false;
  private done: Promise<void> = Promise.resolve();
  private waiting: Waiting[] = [];

  constructor(private readonly file: string) {}

  /** Starts the second pass (once). */
  start(): void {
    if (this.child || this.finished) return;
    const child = spawn(TSHARK, ['-n', '-r', this.file, '-Y', 'ldap.protocolOp == 3', '-O', 'ldap'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.child = child;
    child.stdout.setEncoding('utf8');
    let rest = '';
    let frame = 0;
    let mid: string | undefined;
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const f = /^Frame (\d+):/.exec(line);
        if (f) {
          this.frameReached = frame;
          frame = Number(f[1]);
          mid = undefined;
          continue;
        }
        const m = /^\s+messageID: (\d+)/.exec(line);
        if (m) {
          mid = m[1];
          continue;
        }
        if (mid !== undefined) {
          const flt = /^\s+Filter: (.*)$/.exec(line);
          if (flt?.[1] !== undefined) {
            this.filters.set(`${frame}:${mid}`, flt[1]);
            mid = undefined;
          }
        }
      }
    });
    this.done = new Promise((resolve) => {
      const finish = (): void => {
        this.finished = true;
        this.frameReached = Number.POSITIVE_INFINITY;
        resolve();
      };
      child.on('close', finish);
      child.on('error', finish);
    });
  }

  /** Hands a search record over; it comes back from `release()` with its filter filled in. */
  attach(rec: LdapSearchRecord, frame: number, messageId: number): void {
    this.start();
    this.waiting.push({ rec, key: `${frame}:${messageId}`, frame });
  }

  /** Records whose request frame the second pass has passed. */
  release(): LdapSearchRecord[] {
    if (this.waiting.length === 0) return [];
    const out: LdapSearchRecord[] = [];
    const keep: Waiting[] = [];
    for (const w of this.waiting) {
      if (w.frame < this.frameReached) {
        const filter = this.filters.get(w.key);
        if (filter !== undefined) {
          w.rec.filter = filter;
          this.filters.delete(w.key);
        }
        out.push(w.rec);
      } else keep.push(w);
    }
    this.waiting = keep;
    return out;
  }

  /** Earliest ts still waiting (holds back the capture's output order). */
  oldestWaiting(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const w of this.waiting) if (w.rec.ts < min) min = w.rec.ts;
    return min;
  }

  /** Waits for the second pass to finish (end of capture). */
  async finish(): Promise<LdapSearchRecord[]> {
    await this.done;
    return this.release();
  }

  /** Stops the second pass early (the run was abandoned). */
  kill(): void {
    if (this.child && !this.finished) this.child.kill('SIGTERM');
  }
}
