/**
 * `vigil hosts <paths…>`: read Zeek logs through identity and enrichment and list the hosts:
 * names (with the source of each), addresses over time, roles with their evidence, accounts,
 * and the countries of their external peers.
 */
import { ConfigError, loadConfig } from '../config/load.js';
import { Enricher } from '../enrich/enricher.js';
import { loadState, saveState } from '../identity/state.js';
import type { HostView } from '../identity/tracker.js';
import { IngestRun } from '../ingest/run.js';
import { Progress } from './progress.js';

export interface HostsOptions {
  readonly config?: string;
  readonly format: 'table' | 'json';
  readonly quiet: boolean;
  /** State file to restore before and save after (overrides `stateFile` in the config). */
  readonly state?: string;
  /** Hosts with no name, role, account, MAC or external peer are listed only with this. */
  readonly all?: boolean;
}

export interface HostRow extends Omit<HostView, 'externalPeers'> {
  readonly externalPeers: readonly { ip: string; connections: number; country?: string; asn?: number }[];
  /** Connections to external peers per country (ISO code, `??` when unknown). */
  readonly peerCountries: Readonly<Record<string, number>>;
}

function iso(ts: number): string {
  return `${new Date(ts * 1000).toISOString().slice(0, 19)}Z`;
}

function interesting(h: HostView): boolean {
  return (
    h.name !== undefined ||
    h.roles.length > 0 ||
    h.accounts.length > 0 ||
    h.macs.length > 0 ||
    h.externalPeers.length > 0
  );
}

export function formatHostsTable(rows: readonly HostRow[], hidden: number): string {
  const out: string[] = [];
  for (const h of rows) {
    const tags = [
      h.highValue ? 'HIGH-VALUE' : '',
      h.genericName ? 'generic-name' : '',
      h.override ? 'override' : '',
    ]
      .filter((t) => t !== '')
      .join(', ');
    out.push(`${h.name ?? h.key}${h.name ? `  [${h.key}]` : ''}${tags ? `  (${tags})` : ''}`);
    if (h.names.length > 0)
      out.push(`  names     ${h.names.map((n) => `${n.name} (${n.source})`).join(', ')}`);
    if (h.macs.length > 0) out.push(`  mac       ${h.macs.join(', ')}`);
    const sess = h.sessions.slice(-8);
    for (const [i, s] of sess.entries())
      out.push(
        `  ${i === 0 ? 'addresses' : '         '} ${s.ip.padEnd(15)} ${iso(s.start)} → ${iso(s.end)}${s.open ? ' (open)' : ''}  [${s.source}]`,
      );
    if (h.sessions.length > sess.length)
      out.push(`            … ${h.sessions.length - sess.length} earlier session(s)`);
    for (const r of h.roles) out.push(`  role      ${r.role} (${r.confidence}): ${r.evidence.join('; ')}`);
    const acc = h.accounts.slice(0, 8);
    if (acc.length > 0)
      out.push(
        `  accounts  ${acc.map((a) => `${a.account} (${a.asSource > 0 ? `from ×${a.asSource}` : ''}${a.asSource > 0 && a.asTarget > 0 ? ', ' : ''}${a.asTarget > 0 ? `to ×${a.asTarget}` : ''})`).join(', ')}${h.accounts.length > acc.length ? `, … ${h.accounts.length - acc.length} more` : ''}`,
      );
    const countries = Object.entries(h.peerCountries).sort((a, b) => b[1] - a[1]);
    if (countries.length > 0)
      out.push(
        `  external  ${h.externalPeers.length} peer(s); by country: ${countries
          .slice(0, 10)
          .map(([c, n]) => `${c} ×${n}`)
          .join(', ')}`,
      );
    for (const c of h.conflicts.slice(0, 3)) out.push(`  conflict  ${c}`);
    out.push('');
  }
  out.push(
    `${rows.length} host(s)${hidden > 0 ? `; ${hidden} address-only host(s) hidden (--all shows them)` : ''}`,
  );
  return out.join('\n');
}

/** Runs the listing; returns the exit code (0 ok, 1 some input rejected, 2 config error). */
export async function hosts(paths: readonly string[], opts: HostsOptions): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vigil: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const enricher = new Enricher(config);
  const intel = enricher.reloadIntel();
  for (const p of intel.problems) process.stderr.write(`vigil: intel: ${p}\n`);
  const stateFile = opts.state ?? config.stateFile;
  if (stateFile !== undefined && loadState(stateFile, enricher.identity, enricher.domains) && !opts.quiet)
    process.stderr.write(`vigil: state restored from ${stateFile}\n`);

  const progress = new Progress(!opts.quiet);
  let records = 0;
  let filesDone = 0;
  let filesTotal = 0;
  const run = new IngestRun(paths, {
    onMessage: opts.quiet
      ? undefined
      : (text) => {
          progress.done();
          process.stderr.write(`vigil: ${text}\n`);
        },
    onFileDone: (_f, done, total) => {
      filesDone = done;
      filesTotal = total;
    },
  });
  for await (const batch of run.batches()) {
    for (const rec of batch) enricher.observe(rec);
    records += batch.length;
    progress.update(records, filesDone, filesTotal);
  }
  progress.done();
  if (stateFile !== undefined) saveState(stateFile, enricher.identity, enricher.domains);

  const tracker = enricher.identity;
  const views = tracker.hosts().map((h) => tracker.view(h));
  const shown = opts.all ? views : views.filter(interesting);
  const rows: HostRow[] = shown.map((v) => {
    const peerCountries: Record<string, number> = {};
    const externalPeers = v.externalPeers.map((p) => {
      const g = enricher.geo?.lookup(p.ip);
      const c = g?.country ?? '??';
      peerCountries[c] = (peerCountries[c] ?? 0) + p.connections;
      return { ...p, country: g?.country, asn: g?.asn };
    });
    return { ...v, externalPeers, peerCountries };
  });
  rows.sort(
    (a, b) =>
      Number(b.highValue) - Number(a.highValue) ||
      b.roles.length - a.roles.length ||
      (a.name ?? a.key).localeCompare(b.name ?? b.key),
  );
  const summary = run.summary();
  if (opts.format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          hosts: rows,
          accounts: [...tracker.accounts()].map((a) => ({ ...a, sources: [...a.sources] })),
          intelHits: enricher.intelHits,
          geoip: enricher.geo
            ? { countryDb: enricher.geo.countryFile, built: enricher.geo.countryBuilt }
            : null,
          businessHours: tracker.model.businessHours(),
          summary,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(`${formatHostsTable(rows, views.length - shown.length)}\n`);
    const bh = tracker.model.businessHours();
    process.stdout.write(
      `business hours ${bh.startHour}:00–${bh.endHour}:00 ${bh.timeZone}${bh.learned ? ' (learned from traffic)' : ''}, days ${bh.days.join(',')}\n`,
    );
    if (enricher.intelHits.length > 0)
      process.stdout.write(
        `${enricher.intelHits.length} threat-intel hit(s); --format json lists them with source and host\n`,
      );
  }
  return summary.rejectedTotal > 0 ? 1 : 0;
}
