/** Prometheus text exposition of the pipeline's health. */

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
