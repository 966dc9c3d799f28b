/** Prometheus text exposition of the pipeline's health. */
import type { IngestSummary } from '../ingest/run.js';
import type { Analysis } from '../pipeline/analysis.js';
import type { EventHub } from './events.js';

export interface MetricsSource {
  records(): number;
  rejected(): number;
  /** Seconds between now (wall clock) and the newest event time processed; NaN when none. */
  lagSeconds(): number;
  detections(): number;
  hostsByPriority(): Record<string, number>;
  queueDepth(): number;
  isolations(): number;
  sseClients(): number;
}

export function metricsText(m: MetricsSource): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 'NaN'}`);
  };
  metric('vigil_records_total', 'counter', 'Records read and processed.', [['', m.records()]]);
  metric('vigil_rejected_total', 'counter', 'Input lines rejected (quarantined).', [['', m.rejected()]]);
  metric('vigil_lag_seconds', 'gauge', 'Wall-clock seconds behind the newest event processed.', [
    ['', m.lagSeconds()],
  ]);
  metric('vigil_detections', 'gauge', 'Detections known.', [['', m.detections()]]);
  metric(
    'vigil_hosts',
    'gauge',
    'Hosts with detections, by priority.',
    Object.entries(m.hostsByPriority()).map(([p, n]) => [`{priority="${p}"}`, n]),
  );
  metric('vigil_response_queue_depth', 'gauge', 'Response actions waiting for approval.', [
    ['', m.queueDepth()],
  ]);
  metric('vigil_isolated_hosts', 'gauge', 'Hosts currently isolated.', [['', m.isolations()]]);
  metric('vigil_sse_clients', 'gauge', 'Live console connections.', [['', m.sseClients()]]);
  return `${lines.join('\n')}\n`;
}

/** The metrics of a running pipeline, read from its live state. */
export function pipelineMetrics(
  analysis: Analysis,
  summary: () => IngestSummary,
  events: EventHub,
): MetricsSource {
  return {
    records: () => analysis.records,
    rejected: () => summary().rejectedTotal,
    lagSeconds: () =>
      Number.isFinite(analysis.engine.eventTime) ? Date.now() / 1000 - analysis.engine.eventTime : Number.NaN,
    detections: () => analysis.engine.store.detections.length,
    hostsByPriority: () => {
      const out: Record<string, number> = { Low: 0, Medium: 0, High: 0, Critical: 0 };
      for (const h of analysis.scores.ranked()) out[h.score.priority] = (out[h.score.priority] ?? 0) + 1;
      return out;
    },
    queueDepth: () => analysis.responder?.pending.length ?? 0,
    isolations: () => analysis.responder?.isolations.size ?? 0,
    sseClients: () => events.listeners,
  };
}
