/**
 * Attacker playbooks: one reusable generator per attacker step. Each takes its parameters
 * (attacker address, names, targets, timing, volumes) so that tests can build variants from a
 * seed; the reference incident is one parameter set among many. A playbook writes its records
 * marked with its step id, so `truth.json` lists them.
 */
import type { SimContext } from '../context.js';

export interface StepRecord {
  /** Step id, e.g. `port-sweep`. */
  readonly step: string;
  /** The acting host (source IP). */
  readonly host: string;
  /** Event-time span of the step's records, epoch seconds. */
  readonly start: number;
  readonly end: number;
  /** Malicious records (log type + uid) the step wrote. */
  readonly records: number;
  readonly detail?: string;
}

/** Runs `fn` (which returns the step's last event time) with its records marked as `step` from `host`. */
export function runStep(
  ctx: SimContext,
  step: string,
  host: string,
  start: number,
  fn: () => number,
  detail?: string,
): StepRecord {
  const before = ctx.e.sink.malicious.length;
  const end = ctx.e.sink.marked({ step, host }, fn);
  const records = ctx.e.sink.malicious.length - before;
  return detail === undefined
    ? { step, host, start, end, records }
    : { step, host, start, end, records, detail };
}

/** NTLM identity the attacker presents. */
export interface AttackerIdentity {
  /** Generic host name of the attacker's machine (`WIN-` + 11 characters). */
  readonly clientName: string;
  /** Account used for domain authentication (the VPN account). */
  readonly account: string;
  /** Domain of that account (NetBIOS). */
  readonly domain: string;
}
