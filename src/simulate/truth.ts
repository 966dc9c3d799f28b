/**
 * `truth.json`: what a simulation contains. The network (hosts, roles, declared scanner, VPN
 * pool), the attacker steps with their MISSION.md timeline label and span, and every malicious
 * record by log type and uid with its step and acting host. Benign = every other record.
 */
import type { MaliciousRecord } from './emit.js';
import type { Simulation } from './scenario.js';
import { formatLocal } from './time.js';

export const TRUTH_FORMAT = 'vigil-simulation-truth/1';

/** Attacker step → the row of the MISSION.md timeline it plays (Japan time, 2021). */
export const MISSION_ROWS: Readonly<Record<string, string>> = {
  'rare-user-agent': 'Jun 3 08:01',
  'external-recon': 'Jun 8–12',
  'web-vuln-scan': 'Jun 9',
  'vpn-login': 'Jun 12 18:01',
  'dns-recon': '18:01–18:03',
  'port-sweep': 'by 18:03',
  'dcom-remote-activation': 'by 18:03',
  'rpc-recon': 'by 18:03',
  'rpc-targeted-recon': 'by 18:03',
  'share-enumeration': 'by 18:03',
  'admin-share-access': '18:16–18:18',
  'backup-discovery': '18:16–18:18',
  'backup-staging': '18:16–18:18',
  'rdp-lateral': '21:09',
  'tool-transfer': '21:15',
  'ldap-recon': 'Jun 13 00:25',
  'rdp-dc': '00:34, 00:41',
  'dc-scan': '00:39',
};

export interface TruthStep {
  readonly step: string;
  readonly mission: string | null;
  readonly host: string;
  readonly start: number;
  readonly end: number;
  readonly startUtc: string;
  readonly startLocal: string;
  readonly records: number;
  readonly detail?: string;
}

export interface Truth {
  readonly format: string;
  readonly scenario: string;
  readonly seed: number;
  readonly timezone: string;
  readonly window: {
    readonly start: number;
    readonly end: number;
    readonly startUtc: string;
    readonly endUtc: string;
  };
  readonly network: {
    readonly domain: string;
    readonly localNets: readonly string[];
    readonly vpnPool: string;
    readonly declared: {
      readonly scanner: string;
      readonly management: string;
      readonly backup: string;
      readonly monitoring: string;
    };
    readonly hosts: ReadonlyArray<{
      readonly ip: string;
      readonly name: string;
      readonly role: string;
      readonly user?: string;
    }>;
    readonly vpnUsers: ReadonlyArray<{ readonly name: string; readonly poolIp: string }>;
  };
  readonly attacker: Record<string, string | number | string[]> | null;
  readonly steps: readonly TruthStep[];
  readonly malicious: readonly MaliciousRecord[];
}

const iso = (t: number): string => new Date(t * 1000).toISOString();

export function buildTruth(sim: Simulation): Truth {
  const net = sim.net;
  const plan = sim.plan;
  return {
    format: TRUTH_FORMAT,
    scenario: sim.scenario,
    seed: sim.seed,
    timezone: '+09:00',
    window: {
      start: sim.window.start,
      end: sim.window.end,
      startUtc: iso(sim.window.start),
      endUtc: iso(sim.window.end),
    },
    network: {
      domain: net.domain.dns,
      localNets: net.localNets,
      vpnPool: `${net.prefix}.0.70-${net.prefix}.0.127`,
      declared: {
        scanner: net.scanner.ip,
        management: net.management.ip,
        backup: net.backup.ip,
        monitoring: net.monitoring.ip,
      },
      hosts: [...net.servers, ...net.workstations].map((h) =>
        h.user
          ? { ip: h.ip, name: h.name, role: h.role, user: h.user.account }
          : { ip: h.ip, name: h.name, role: h.role },
      ),
      vpnUsers: net.vpnUsers.map((v) => ({ name: v.laptop.name, poolIp: v.poolIp })),
    },
    attacker: plan
      ? {
          vpnExternalIp: plan.vpnExternalIp,
          poolIp: plan.poolIp,
          clientName: plan.identity.clientName,
          account: plan.identity.account,
          reconSources: [...plan.reconSources],
          rareUaSource: plan.rareUaSource,
          loginTs: plan.loginTs,
          compromisedDcs: plan.dcScans.map((s) => s.dc.ip),
        }
      : null,
    steps: sim.steps.map((s) => {
      const base = s.step.startsWith('dc-scan:') ? 'dc-scan' : s.step;
      const t: TruthStep = {
        step: s.step,
        mission: MISSION_ROWS[base] ?? null,
        host: s.host,
        start: s.start,
        end: s.end,
        startUtc: iso(s.start),
        startLocal: formatLocal(s.start),
        records: s.records,
      };
      return s.detail === undefined ? t : { ...t, detail: s.detail };
    }),
    malicious: sim.sink.malicious,
  };
}
