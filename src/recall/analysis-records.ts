/**
 * Detections, host score history and response decisions as records in the metadata store, next
 * to the Zeek logs (log types `vigil_detection`, `vigil_host_score`, `vigil_response`), so one
 * search or SQL query reaches both what happened and what Vigil concluded.
 */
import type { ZeekRecord } from '../model/records.js';
import type { AnalysisReport } from '../pipeline/report-schema.js';

export function analysisRecords(report: AnalysisReport): ZeekRecord[] {
  const out: ZeekRecord[] = [];
  for (const d of report.detections) {
    out.push({
      _path: 'vigil_detection',
      ts: d.detectedAt,
      uid: d.id,
      type: d.type,
      category: d.category,
      attack: d.attack,
      host: d.host,
      src: d.src,
      threat: d.threat,
      certainty: d.certainty,
      summary: d.summary,
      first_ts: d.firstTs,
      last_ts: d.lastTs,
      targets: d.targets,
      evidence: d.evidence.map((e) => `${e.log}:${e.uid}`),
      evidence_count: d.evidenceCount,
    });
  }
  for (const h of report.hosts) {
    for (const p of h.history) {
      out.push({
        _path: 'vigil_host_score',
        ts: p.ts,
        host: h.key,
        threat: p.threat,
        certainty: p.certainty,
        priority: p.priority,
      });
    }
  }
  for (const r of report.responses as Record<string, unknown>[]) {
    const e = r as {
      eventTime: number;
      seq: number;
      policy: string;
      host: string;
      ip: string;
      outcome: string;
      reason: string;
      by: string;
    };
    out.push({
      _path: 'vigil_response',
      ts: e.eventTime,
      uid: `r${e.seq}`,
      policy: e.policy,
      host: e.host,
      ip: e.ip,
      outcome: e.outcome,
      reason: e.reason,
      by: e.by,
    });
  }
  return out;
}
