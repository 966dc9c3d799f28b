/**
 * Scenarios: `enterprise` (benign background), `reference-incident` (background + the seed
 * report's timeline) and `random-incident` (background + a seeded variant of the campaign).
 */

import type { ZeekRecord } from '../model/records.js';
import { homeAddress, perimeterTraffic, vpnTunnel } from './benign/remote.js';
import {
  adminRdp,
  backupNightly,
  days,
  dcReplication,
  exchangeLdap,
  idleChatter,
  managementPush,
  monitoringPtr,
  vulnerabilityScan,
} from './benign/servers.js';
import { planDay, workstationDay } from './benign/workstation.js';
import { forked, type SimContext } from './context.js';
import { Emitter, LogSink, type SimLog } from './emit.js';
import { type IncidentPlan, randomPlan, referencePlan, runIncident } from './incident.js';
import type { StepRecord } from './playbooks/types.js';
import { Rng } from './rand.js';
import { DAY, HOUR, isWorkday, localMidnight, localTime } from './time.js';
import { buildNetwork, localTest, type Network } from './topology.js';

export const SCENARIOS = ['enterprise', 'reference-incident', 'random-incident'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SimOptions {
  readonly seed: number;
  /** Workstations (default 300). */
  readonly hosts?: number;
  /** Days of full background (default 1 for enterprise, 2 before the incident's end otherwise). */
  readonly days?: number;
  /** Start of the enterprise window (epoch; default Mon 2021-06-07 00:00 Japan time). */
  readonly start?: number;
}

export interface Simulation {
  readonly scenario: ScenarioName;
  readonly seed: number;
  readonly net: Network;
  readonly sink: LogSink;
  readonly window: { readonly start: number; readonly end: number };
  readonly steps: readonly StepRecord[];
  readonly plan?: IncidentPlan;
}

/** Benign activity of the whole site over [from, to). */
export function background(base: SimContext, rand: Rng, from: number, to: number): void {
  const net = base.net;
  const mids = [...days(from, to, (t) => localMidnight(t))];
  const sub = (label: string): SimContext => forked(base, rand.fork(label));
  for (const m of mids) {
    const dr = rand.fork(`remote:${m}`);
    const remote = new Map<string, string>();
    if (isWorkday(m + 12 * HOUR))
      for (const v of net.vpnUsers) if (dr.chance(0.4)) remote.set(v.laptop.ip, v.poolIp);
    net.workstations.forEach((w) => {
      const ctx = sub(`ws:${w.name}:${m}`);
      const pool = remote.get(w.ip);
      const plan = planDay(ctx, w, m, pool ?? w.ip, pool !== undefined);
      if (!plan) return;
      if (pool !== undefined && plan.arrive >= from && plan.arrive < to) {
        vpnTunnel(ctx, plan.arrive - 30, homeAddress(Number(w.name.slice(2))), plan.leave);
      }
      workstationDay(ctx, plan, from, to);
    });
  }
  dcReplication(sub('dc-replication'), from, to);
  backupNightly(sub('backup'), from, to, mids);
  managementPush(sub('management'), from, to, mids);
  vulnerabilityScan(sub('scanner'), from, to, mids);
  adminRdp(sub('admin-rdp'), from, to, mids);
  exchangeLdap(sub('exchange-ldap'), from, to);
  monitoringPtr(sub('monitoring'), from, to);
  idleChatter(sub('idle'), from, to);
  perimeterTraffic(sub('perimeter'), from, to);
}

/** Reference incident window: Jun 3 00:00 → Jun 13 02:00, Japan time. */
export const REFERENCE_FIRST = localTime(2021, 6, 3);
export const REFERENCE_END = localTime(2021, 6, 13, 2, 0);

/** Receives the records of each finished time slice (a local day), in time order of slices. */
export type SliceSink = (logs: Map<SimLog, ZeekRecord[]>) => void;

/**
 * Background over [from, to) in slices that end at local midnights, handing each finished slice
 * to `out` (memory stays bounded by one day). Each day's behaviours draw from streams keyed by
 * that day, so slicing does not change what is generated.
 */
function backgroundSliced(base: SimContext, rand: Rng, from: number, to: number, out?: SliceSink): void {
  let a = from;
  while (a < to) {
    const b = Math.min(to, localMidnight(a) + DAY);
    background(base, rand, a, b);
    if (out) out(base.e.sink.drain(b));
    a = b;
  }
}

/**
 * Builds a scenario. `output`, when given, is called once with the window, and the slice sink it
 * returns receives every record (the sink is then left empty); without it records stay in the sink.
 */
export function simulate(
  scenario: ScenarioName,
  options: SimOptions,
  output?: (window: { start: number; end: number }) => SliceSink,
): Simulation {
  const rand = new Rng(options.seed >>> 0);
  // The reference site is 10.5.0.0/16; a random incident happens on a site of its own.
  const pr = rand.fork('site-prefix');
  const prefix =
    scenario === 'random-incident'
      ? pr.pick(['10.5', `10.${pr.int(1, 254)}`, `172.${pr.int(16, 31)}`, '192.168'])
      : '10.5';
  const net = buildNetwork(rand, { hosts: options.hosts ?? 300, prefix });
  const sink = new LogSink();
  const base: SimContext = { net, e: new Emitter(sink, rand.fork('emitter'), localTest(prefix)) };
  if (scenario === 'enterprise') {
    const start = options.start ?? localTime(2021, 6, 7);
    const end = start + (options.days ?? 1) * DAY;
    const out = output?.({ start, end });
    backgroundSliced(base, rand.fork('background'), start, end, out);
    if (out) out(sink.drain(Number.POSITIVE_INFINITY));
    return { scenario, seed: options.seed, net, sink, window: { start, end }, steps: [] };
  }
  let plan: IncidentPlan;
  let first: number;
  let end: number;
  if (scenario === 'reference-incident') {
    plan = referencePlan(net, rand);
    first = REFERENCE_FIRST;
    end = REFERENCE_END;
  } else {
    const pr = rand.fork('variant');
    const day = localTime(2021, 6, 7) + pr.int(0, 20) * DAY;
    const login = day + pr.between(17.5, 22.5) * HOUR;
    plan = randomPlan(net, pr, login);
    first = Math.min(plan.rareUaTs, plan.reconFirstDay, plan.webScanTs);
    end = Math.max(plan.tunnelEnd, ...plan.dcScans.map((s) => s.start + s.duration)) + 1800;
    first = localMidnight(first);
  }
  const fullFrom = end - (options.days ?? 2) * DAY;
  const out = output?.({ start: first, end });
  // The campaign first (its records wait in the sink until their slice is written).
  const steps = runIncident(base, plan, rand.fork('incident'));
  // Perimeter only before the full background (the external steps need their context).
  perimeterTraffic(forked(base, rand.fork('early-perimeter')), first, Math.max(first, fullFrom));
  backgroundSliced(base, rand.fork('background'), Math.max(first, fullFrom), end, out);
  if (out) out(sink.drain(Number.POSITIVE_INFINITY));
  return { scenario, seed: options.seed, net, sink, window: { start: first, end }, steps, plan };
}
