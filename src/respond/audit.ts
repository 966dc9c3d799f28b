/**
 * The response audit log: append-only JSON lines, fsynced per entry, one entry per decision
 * (executed, dry-run, queued, suppressed, failed, released, approved). It is also the
 * responder's memory: on start the log is replayed to know which hosts are isolated.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export type Outcome =
  | 'executed'
  | 'dry-run'
  | 'queued-approval'
  | 'queued-cap'
  | 'suppressed-never-touch'
  | 'suppressed-cooldown'
  | 'failed'
  | 'released'
  | 'release-failed'
  | 'reapplied-ip-change'
  | 'approved'
  | 'rejected';

export interface AuditEntry {
  readonly seq: number;
  /** Wall-clock time of the entry. */
  readonly at: string;
  /** Event time of the data that triggered the decision. */
  readonly eventTime: number;
  readonly policy: string;
  readonly action:
    | 'isolate-host'
    | 'release-host'
    | 'block-account'
    | 'unblock-account'
    | 'block-ip'
    | 'unblock-ip';
  /** The account or external address acted on (block actions). */
  readonly target?: string;
  readonly host: string;
  readonly ip: string;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly detections: readonly string[];
  readonly score: { threat: number; certainty: number; priority: string };
  readonly actuator?: string;
  readonly response?: string;
  /** Who approved or released (analyst), or `policy`. */
  readonly by: string;
  /** For queued entries: the id an analyst approves. */
  readonly queueId?: string;
}

export class AuditLog {
  private fd: number | undefined;
  private readonly entries: AuditEntry[] = [];

  /** `file` undefined keeps the log in memory only (tests, dry analyses). */
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      let n = 0;
      for (const line of text.split('\n')) {
        n++;
        if (line.trim() === '') continue;
        try {
          this.entries.push(JSON.parse(line) as AuditEntry);
        } catch {
          throw new Error(`audit log ${file}:${n} is not valid JSON; refusing to append to a damaged log`);
        }
      }
    }
  }

  get all(): readonly AuditEntry[] {
    return this.entries;
  }

  append(e: Omit<AuditEntry, 'seq' | 'at'>): AuditEntry {
    const entry: AuditEntry = { seq: this.entries.length + 1, at: new Date().toISOString(), ...e };
    this.entries.push(entry);
    if (this.file) {
      this.fd ??= openSync(this.file, 'a', 0o600);
      writeSync(this.fd, `${JSON.stringify(entry)}\n`);
      fsyncSync(this.fd);
    }
    return entry;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
