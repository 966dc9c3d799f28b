/**
 * CEF (ArcSight Common Event Format) payloads and RFC 5424 syslog framing for SIEMs.
 * Escaping follows the CEF spec: `\` and `|` in header fields, `\`, `=` and newlines in
 * extension values — attacker-controlled strings (host names, summaries) cannot forge fields.
 */
import { hostname } from 'node:os';

export interface AlertEvent {
  readonly kind: 'detection-new' | 'detection-updated' | 'priority-change';
  /** Event time of the data, epoch seconds. */
  readonly eventTime: number;
  readonly host: string;
  readonly src?: string;
  readonly type?: string;
  readonly detectionId?: string;
  readonly category?: string;
  readonly attack?: readonly string[];
  readonly threat: number;
  readonly certainty: number;
  readonly priority?: string;
  readonly previousPriority?: string;
  readonly summary: string;
}

const header = (s: string): string =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
const ext = (s: string): string =>
  s.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n/g, '\\n').replace(/\r/g, '\\r');

/** CEF severity 0–10 from threat and certainty (both 0–99). */
export function cefSeverity(threat: number, certainty: number): number {
  return Math.max(0, Math.min(10, Math.round(((threat + certainty) / 198) * 10)));
}

export function toCef(e: AlertEvent, version: string): string {
  const sig = e.kind === 'priority-change' ? 'host-priority' : (e.type ?? 'detection');
  const name =
    e.kind === 'priority-change'
      ? `Host priority ${e.previousPriority ?? '?'} -> ${e.priority ?? '?'}`
      : e.summary;
  const fields: [string, string | number | undefined][] = [
    ['rt', Math.round(e.eventTime * 1000)],
    ['dhost', e.host],
    ['src', e.src],
    ['cat', e.category],
    ['cs1Label', 'attack'],
    ['cs1', e.attack?.join(',')],
    ['cs2Label', 'detectionId'],
    ['cs2', e.detectionId],
    ['cn1Label', 'threat'],
    ['cn1', e.threat],
    ['cn2Label', 'certainty'],
    ['cn2', e.certainty],
    ['cs3Label', 'priority'],
    ['cs3', e.priority],
    ['msg', e.summary],
  ];
  const extension = fields
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${ext(String(v))}`)
    .join(' ');
  return `CEF:0|Vigil|Vigil NDR|${header(version)}|${header(sig)}|${header(name)}|${cefSeverity(e.threat, e.certainty)}|${extension}`;
}

/** RFC 5424 message: facility local4 (20), severity from the alert, structured data omitted. */
export function toSyslog5424(payload: string, severity: number, appName = 'vigil', now = new Date()): string {
  const sev = severity >= 8 ? 2 : severity >= 6 ? 3 : severity >= 4 ? 4 : 5;
  const pri = 20 * 8 + sev;
  return `<${pri}>1 ${now.toISOString()} ${hostname() || '-'} ${appName} ${process.pid} - - ${payload}`;
}
