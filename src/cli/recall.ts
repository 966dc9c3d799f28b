/** Recall commands: load logs into the store, search, pivot, SQL, stats and retention. */
import { once } from 'node:events';
import ipaddr from 'ipaddr.js';
import { loadConfig } from '../config/load.js';
import { parseAccount } from '../identity/names.js';
import { IngestRun } from '../ingest/run.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { DuckDbStore } from '../recall/duckdb-store.js';
import { ingestIntoStore } from '../recall/ingest.js';
import { QueryError } from '../recall/query.js';
import type { Row } from '../recall/store.js';
import { isoOrDash } from './format.js';

export type RowFormat = 'table' | 'json' | 'csv';

/** `--from`/`--to`: epoch seconds or an ISO-8601 date/time. */
export function parseWhen(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (Number.isFinite(n)) return n;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new Error(`${flag}: not a time (epoch seconds or ISO-8601): ${JSON.stringify(v)}`);
  return t / 1000;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.map(cell).join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Quote always; neutralise spreadsheet formulas (CSV injection) with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function printRows(rows: Row[], format: RowFormat, columns?: string[]): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (format === 'csv') {
    process.stdout.write(`${cols.map(csvCell).join(',')}\n`);
    for (const r of rows) process.stdout.write(`${cols.map((c) => csvCell(r[c])).join(',')}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write('no rows\n');
    return;
  }
  const table = [
    cols,
    ...rows.map((r) =>
      cols.map((c) => (c === 'ts' && typeof r[c] === 'number' ? isoOrDash(r[c] as number) : cell(r[c]))),
    ),
  ];
  const widths = cols.map((_, i) => Math.min(60, Math.max(...table.map((t) => t[i]!.length))));
  for (const t of table)
    process.stdout.write(
      `${t
        .map((c, i) => c.slice(0, 60).padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}

const SUMMARY_COLUMNS = ['ts', '_log', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
/** A timeline interleaves records with Vigil's detections: both kinds of row need a readable line. */
const TIMELINE_COLUMNS = [...SUMMARY_COLUMNS, '_orig_host', '_resp_host', '_account', 'type', 'summary'];

async function withStore<T>(dir: string, f: (s: DuckDbStore) => Promise<T>): Promise<T> {
  const s = await DuckDbStore.open(dir);
  try {
    return await f(s);
  } finally {
    await s.close();
  }
}

export async function runRecall(fn: () => Promise<void>): Promise<number> {
  try {
    await fn();
    return 0;
  } catch (err) {
    process.stderr.write(`vigil: ${err instanceof QueryError ? 'query: ' : ''}${(err as Error).message}\n`);
    return 2;
  }
}

/**
 * `vigil store ingest`: an identity pass over the logs first (time-merged, as analyze reads them)
 * so each stored row carries its endpoints' host keys and its account, then the exactly-once load.
 */
export function storeIngest(
  paths: string[],
  dir: string,
  quiet: boolean,
  configFile?: string,
  compact = true,
): Promise<number> {
  return runRecall(async () => {
    const hosts = new IdentityHostView(loadConfig(configFile));
    for await (const batch of new IngestRun(paths, {}).batches()) for (const r of batch) hosts.observe(r);
    await withStore(dir, async (s) => {
      const sum = await ingestIntoStore(paths, s, {
        onMessage: quiet ? undefined : (t) => process.stderr.write(`vigil: ${t}\n`),
        context: hosts.rowContext(),
      });
      // The hosts seen, with their keys and IP sessions: name resolution and addresses over time.
      if (sum.rowsWritten > 0) await s.appendPart(`hosts-${Date.now().toString(36)}`, hosts.hostRecords());
      // One file per log type and day (responder, then time), with bloom filters (uid pivots at scale).
      if (sum.rowsWritten > 0 && compact) {
        const days = await s.compact();
        process.stderr.write(`vigil: compacted ${days.length} log day(s)\n`);
      }
      process.stdout.write(
        `${sum.rowsWritten} records stored in ${sum.partsWritten} part(s) from ${sum.files} file(s); ${sum.partsSkipped} part(s) already stored; ${sum.rejected} line(s) rejected\n`,
      );
    });
  });
}

/**
 * `vigil search`: a page of matches, newest first; `--format ndjson` streams every match in time
 * order instead (capped only by an explicit `--limit`), one JSON object per line.
 */
export function search(
  query: string,
  dir: string,
  o: {
    from?: string;
    to?: string;
    limit: number;
    format: RowFormat | 'ndjson';
    all: boolean;
    limitGiven?: boolean;
  },
): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      if (o.format === 'ndjson') {
        let n = 0;
        const range = { from: parseWhen(o.from, '--from'), to: parseWhen(o.to, '--to') };
        for await (const rows of s.stream(query, { ...range, limit: o.limitGiven ? o.limit : undefined })) {
          const text = rows.map((r) => JSON.stringify(r)).join('\n');
          n += rows.length;
          if (!process.stdout.write(`${text}\n`)) await once(process.stdout, 'drain');
        }
        process.stderr.write(`${n} row(s)\n`);
        return;
      }
      const r = await s.search(query, {
        from: parseWhen(o.from, '--from'),
        to: parseWhen(o.to, '--to'),
        limit: o.limit,
      });
      printRows(r.rows, o.format, o.format === 'table' && !o.all ? SUMMARY_COLUMNS : undefined);
      if (o.format === 'table')
        process.stderr.write(`${r.rows.length} row(s) from ${r.logs.join(', ') || 'no log type'}\n`);
    }),
  );
}

export type TimelineKind = 'auto' | 'ip' | 'host' | 'account';

/**
 * `vigil timeline <host|ip|account>`: addresses are IP literals; `DOMAIN\user` or `user@realm`
 * is an account; anything else is a host (key, alias or name), and when no host has rows under
 * that name it is tried as an account. For a host, the addresses it used go to stderr first.
 */
export function timeline(
  subjects: string[],
  dir: string,
  o: { from?: string; to?: string; limit: number; offset?: number; format: RowFormat; as: TimelineKind },
): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      const range = {
        from: parseWhen(o.from, '--from'),
        to: parseWhen(o.to, '--to'),
        limit: o.limit,
        offset: o.offset ?? 0,
      };
      const allIps = subjects.every((x) => ipaddr.isValid(x));
      let kind = o.as;
      if (kind === 'auto') kind = allIps ? 'ip' : /[\\@]/.test(subjects[0] ?? '') ? 'account' : 'host';
      if (kind === 'ip' && !allIps) {
        throw new Error(`timeline: not an IP address: ${subjects.find((x) => !ipaddr.isValid(x))}`);
      }
      if (kind !== 'ip' && subjects.length !== 1)
        throw new Error(`timeline: give one ${kind}, got ${subjects.length}`);
      const one = subjects[0]!;
      let rows: Row[] = [];
      if (kind === 'ip') rows = await s.timeline({ ips: subjects }, range);
      if (kind === 'host') {
        const keys = await s.hostKeys(one);
        rows = await s.timeline({ hosts: keys }, range);
        if (rows.length === 0 && o.as === 'auto') kind = 'account';
        else {
          for (const a of await s.hostAddresses(keys)) {
            process.stderr.write(
              `vigil: ${one} held ${a.ip} from ${isoOrDash(a.first)} to ${isoOrDash(a.last)}\n`,
            );
          }
        }
      }
      if (kind === 'account') {
        const account = parseAccount(one)?.key;
        if (account === undefined) throw new Error(`timeline: not an account name: ${JSON.stringify(one)}`);
        rows = await s.timeline({ account }, range);
      }
      printRows(rows, o.format, o.format === 'table' ? TIMELINE_COLUMNS : undefined);
    }),
  );
}

/** `vigil top <field> [query]`: the most frequent values of a field among the matches. */
export function top(
  field: string,
  query: string,
  dir: string,
  o: { from?: string; to?: string; limit: number; format: RowFormat },
): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      const rows = await s.top(query, field, o.limit, {
        from: parseWhen(o.from, '--from'),
        to: parseWhen(o.to, '--to'),
      });
      printRows(
        rows.map((r) => ({ [field]: r.value, count: r.count })),
        o.format,
      );
    }),
  );
}

/** `vigil histogram <query> --bucket S`: record counts per time bucket (trends, as in the seed). */
export function histogram(
  query: string,
  dir: string,
  o: { from?: string; to?: string; bucket: number; format: RowFormat },
): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      const rows = await s.histogram(query, o.bucket, {
        from: parseWhen(o.from, '--from'),
        to: parseWhen(o.to, '--to'),
      });
      printRows(
        rows.map((b) => ({ ts: b.ts, count: b.count })),
        o.format,
      );
    }),
  );
}

export function sql(text: string, dir: string, o: { limit: number; format: RowFormat }): Promise<number> {
  return runRecall(() => withStore(dir, async (s) => printRows(await s.sql(text, o.limit), o.format)));
}

export function storeCompact(dir: string): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      const days = await s.compact();
      process.stdout.write(
        `${days.length} log day(s) compacted${days.length ? `: ${days.join(', ')}` : ''}\n`,
      );
    }),
  );
}

export function storeStats(dir: string, format: 'table' | 'json'): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      const st = await s.stats();
      if (format === 'json') {
        process.stdout.write(`${JSON.stringify(st, null, 2)}\n`);
        return;
      }
      printRows(st.logs as unknown as Row[], 'table', [
        'log',
        'first',
        'last',
        'days',
        'uncompacted',
        'files',
        'rows',
        'bytes',
      ]);
      process.stdout.write(
        `total ${st.rows} rows, ${st.bytes} bytes (${st.rows ? (st.bytes / st.rows).toFixed(1) : '-'} bytes/record)\n`,
      );
      for (const c of st.corrupt) process.stdout.write(`corrupt (skipped): ${c}\n`);
    }),
  );
}

export function storeRetain(dir: string, o: { maxAgeDays?: number; maxBytes?: number }): Promise<number> {
  return runRecall(() =>
    withStore(dir, async (s) => {
      if (o.maxAgeDays === undefined && o.maxBytes === undefined)
        throw new Error('give --max-age-days and/or --max-bytes');
      const removed = await s.retain(o);
      process.stdout.write(removed.length ? `removed ${removed.join(', ')}\n` : 'nothing to remove\n');
    }),
  );
}
