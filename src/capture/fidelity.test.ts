/**
 * Fidelity against Zeek (issue 11, item 4): for every zeek btest trace in ../shared/data with a
 * baseline written from that trace alone, Vigil's records are compared with Zeek's, per log type
 * (counts, matched records, agreeing fields; uids and ts aside). Prints the table the README
 * quotes and guards against regressions with floors a little under the measured rates.
 * The shared data is read in place; skipped with a message when it, or tshark, is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RejectSink } from '../ingest/rejects.js';
import type { ZeekRecord } from '../model/records.js';
import { SHARED_DATA, SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { compareLog, emptyAgreement, LOG_SPECS, type LogAgreement, readZeekLog } from './fidelity.js';
import { readCapture } from './source.js';
import { TSHARK_MISSING, tsharkAvailable } from './tshark.js';

interface Pair {
  trace: string;
  logs: Array<{ path: string; file: string }>;
}

/** Baseline folders written from exactly one trace, from MANIFEST.md. */
function pairs(): Pair[] {
  const root = SHARED_DATA as string;
  const byTrace = new Map<string, Pair>();
  for (const line of readFileSync(join(root, 'MANIFEST.md'), 'utf8').split('\n')) {
    if (!line.startsWith('| zeek/zeek-btest-baselines/')) continue;
    const cols = line.split('|').map((c) => c.trim());
    const folder = join(root, cols[1] ?? '');
    const m = /trace\(s\): ([^;|]+)/.exec(line);
    const traces = m?.[1]?.split(',').map((t) => t.trim()) ?? [];
    if (traces.length !== 1 || traces[0] === '-' || !existsSync(folder)) continue;
    const trace = join(root, 'pcap/zeek-btest-traces', traces[0] as string);
    if (!existsSync(trace)) continue;
    for (const name of readdirSync(folder)) {
      const path = name.replace(/\.log$/, '');
      if (!name.endsWith('.log') || !(path in LOG_SPECS)) continue;
      const p = byTrace.get(trace) ?? { trace, logs: [] };
      p.logs.push({ path, file: join(folder, name) });
      byTrace.set(trace, p);
    }
  }
  return [...byTrace.values()];
}

async function records(trace: string): Promise<ZeekRecord[]> {
  const out: ZeekRecord[] = [];
  for await (const batch of readCapture(trace, new RejectSink())) out.push(...batch);
  return out;
}

function pct(n: number, d: number): string {
  return d === 0 ? '–' : `${((100 * n) / d).toFixed(1)} %`;
}

/** Record agreement: matched / the larger side. Field agreement: equal / compared. */
export function table(acc: ReadonlyMap<string, LogAgreement>, traces: number): string {
  const lines = [
    `Fidelity vs Zeek on ${traces} btest traces (record agreement = matched / max(Zeek, Vigil); field agreement over matched records):`,
    '',
    '| log | Zeek records | Vigil records | matched | record agreement | field agreement |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [path, a] of [...acc.entries()].sort((x, y) => y[1].zeek - x[1].zeek)) {
    lines.push(
      `| ${path} | ${a.zeek} | ${a.vigil} | ${a.matched} | ${pct(a.matched, Math.max(a.zeek, a.vigil))} | ${pct(a.fieldsEqual, a.fieldsCompared)} |`,
    );
  }
  return lines.join('\n');
}

test('fidelity: Vigil records vs Zeek baselines, per log type', { timeout: 600_000 }, async (t) => {
  if (!SHARED_DATA || !sharedData('MANIFEST.md')) return t.skip(SHARED_DATA_MISSING);
  if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
  const list = pairs();
  assert.ok(list.length > 20, `expected trace/baseline pairs, found ${list.length}`);
  const acc = new Map<string, LogAgreement>();
  const queue = [...list];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const recs = await records(p.trace);
      for (const log of p.logs) {
        const a = acc.get(log.path) ?? emptyAgreement();
        acc.set(log.path, a);
        const before = { ...a };
        compareLog(
          log.path,
          readZeekLog(log.file),
          recs.filter((r) => r._path === log.path),
          a,
        );
        const z = a.zeek - before.zeek;
        const v = a.vigil - before.vigil;
        const m = a.matched - before.matched;
        if (process.env.VIGIL_FIDELITY_SAMPLES && m < Math.max(z, v))
          console.log(
            `mismatch ${log.path} ${p.trace.replace(/.*zeek-btest-traces\//, '')}: zeek ${z} vigil ${v} matched ${m}`,
          );
      }
    }
  };
  await Promise.all([worker(), worker()]);
  console.log(table(acc, list.length));
  if (process.env.VIGIL_FIDELITY_SAMPLES)
    for (const [path, a] of acc) console.log(path, JSON.stringify(a.samples));
  // Floors a little under the measured rates (README "Fidelity against Zeek"): a drop is a regression.
  const floors: Record<string, [record: number, field: number]> = {
    conn: [0.85, 0.8],
    dns: [0.75, 0.8],
    http: [0.9, 0.8],
    kerberos: [0.85, 0.95],
    ldap: [0.9, 0.9],
    ldap_search: [0.9, 0.95],
    ssh: [0.95, 0.9],
    ntlm: [0.8, 0.95],
    rdp: [0.95, 0.85],
    smb_mapping: [0.95, 0.95],
    dce_rpc: [0.25, 0.95],
  };
  for (const [path, [record, field]] of Object.entries(floors)) {
    const a = acc.get(path);
    assert.ok(a, `no ${path} baselines compared`);
    assert.ok(a.matched / Math.max(a.zeek, a.vigil) >= record, `${path} record agreement under ${record}`);
    assert.ok(a.fieldsEqual / a.fieldsCompared >= field, `${path} field agreement under ${field}`);
  }
});
