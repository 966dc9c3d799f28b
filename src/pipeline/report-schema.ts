/**
 * The `vigil analyze --format json` output contract, version 1. The JSON Schema checked in at
 * docs/schema/analyze-output.v1.json is generated from this (a test keeps them equal), so the
 * code and the published contract cannot drift. Additive changes keep version 1; anything that
 * removes or retypes a field bumps the version.
 */
import { z } from 'zod';

export const REPORT_VERSION = 1;

const evidence = z.object({
  log: z.string().describe('Zeek log type of the record'),
  uid: z.string().describe('Zeek uid (or fuid) of the record'),
  ts: z.number().describe('record ts, epoch seconds'),
});

const driver = z.object({ name: z.string(), value: z.union([z.number(), z.string()]) });

export const detectionSchema = z.object({
  id: z.string(),
  type: z.string().describe('kebab-case detection type, e.g. port-sweep'),
  category: z.enum([
    'initial-access',
    'reconnaissance',
    'lateral-movement',
    'credential-access',
    'command-and-control',
    'exfiltration',
    'impact',
  ]),
  attack: z.array(z.string()).describe('MITRE ATT&CK technique ids'),
  host: z.string().describe('host key of the acting host'),
  accounts: z.array(z.string()).describe('accounts used in the behaviour'),
  src: z.string().describe('source IP at the time'),
  targets: z.array(z.string()),
  targetCount: z.number().int(),
  threat: z.number().int().min(0).max(99),
  certainty: z.number().int().min(0).max(99),
  drivers: z.array(driver),
  firstTs: z.number(),
  lastTs: z.number(),
  detectedAt: z.number().describe('event time at which the detection first fired'),
  summary: z.string(),
  evidence: z.array(evidence),
  evidenceCount: z.number().int(),
  campaign: z.string().nullable(),
});

const contribution = z.object({
  detection: z.string(),
  type: z.string(),
  weight: z.number(),
  threat: z.number(),
  certainty: z.number(),
});

export const hostSchema = z.object({
  key: z.string(),
  ips: z.array(z.string()),
  names: z.array(z.string()),
  roles: z.array(z.string()),
  highValue: z.boolean(),
  priority: z.enum(['Low', 'Medium', 'High', 'Critical']),
  threat: z.number().int().min(0).max(99),
  certainty: z.number().int().min(0).max(99),
  firstCriticalTs: z.number().nullable(),
  campaign: z.string().nullable(),
  detections: z.array(z.string()),
  contributions: z.array(contribution),
  history: z.array(
    z.object({
      ts: z.number(),
      threat: z.number(),
      certainty: z.number(),
      priority: z.enum(['Low', 'Medium', 'High', 'Critical']),
    }),
  ),
});

export const accountSchema = z.object({
  account: z.string(),
  priority: z.enum(['Low', 'Medium', 'High', 'Critical']),
  threat: z.number().int().min(0).max(99),
  certainty: z.number().int().min(0).max(99),
  firstCriticalTs: z.number().nullable(),
  detections: z.array(z.string()),
});

export const summarySchema = z
  .object({
    records: z.number().int(),
    byLog: z.record(z.string(), z.number().int()),
    rejected: z.record(z.string(), z.number().int()),
    rejectedTotal: z.number().int(),
    firstTs: z.number().nullable(),
    lastTs: z.number().nullable(),
    files: z.number().int(),
    late: z.number().int(),
  })
  .loose();

export const reportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  summary: summarySchema,
  hosts: z.array(hostSchema),
  accounts: z.array(accountSchema),
  detections: z.array(detectionSchema),
  campaigns: z.array(
    z.object({ from: z.string(), to: z.string(), via: z.string(), next: z.string(), ts: z.number() }),
  ),
  responses: z.array(z.unknown()),
});

export type AnalysisReport = z.infer<typeof reportSchema>;
export type ReportDetection = z.infer<typeof detectionSchema>;
export type ReportHost = z.infer<typeof hostSchema>;

export function reportJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(reportSchema, { target: 'draft-2020-12' }),
    $id: 'https://github.com/vigil-ndr/vigil/docs/schema/analyze-output.v1.json',
    title: 'vigil analyze --format json output, version 1',
  };
}
