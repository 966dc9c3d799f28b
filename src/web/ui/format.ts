/** Display helpers. Everything here returns plain strings, rendered as text nodes. */

const pad = (n: number): string => String(n).padStart(2, '0');

/** The zone times are shown in: 'UTC' or an IANA name (the seed's analysts read Japan time). */
let zone = 'UTC';
let zoned: Intl.DateTimeFormat | undefined;

export function setZone(z: string): void {
  zone = z;
  zoned =
    z === 'UTC'
      ? undefined
      : new Intl.DateTimeFormat('sv-SE', {
          timeZone: z,
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        });
}

export const currentZone = (): string => zone;

/** Epoch seconds → `YYYY-MM-DD HH:MM:SS` in the chosen zone (UTC by default). */
export function fmtTime(ts: unknown): string {
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return typeof ts === 'string' ? ts : '';
  const d = new Date(ts * 1000);
  if (zoned) return zoned.format(d);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DDTHH:MM` in the chosen zone ↔ epoch seconds, for datetime-local inputs. */
export function toInput(ts: number | undefined): string {
  return ts === undefined ? '' : fmtTime(ts).slice(0, 16).replace(' ', 'T');
}
export function fromInput(v: string): number | undefined {
  if (!v) return undefined;
  const asUtc = Date.parse(`${v}:00Z`) / 1000;
  if (!Number.isFinite(asUtc)) return undefined;
  // The zone's offset at that moment: how far its wall clock reads from UTC.
  const offset = Date.parse(`${fmtTime(asUtc).replace(' ', 'T')}Z`) / 1000 - asUtc;
  return asUtc - offset;
}

/** Any JSON value as one line of text. */
export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Host keys look like `name:DC1` or an address: the best display name. */
export function hostLabel(h: { key: string; names: readonly string[]; ips: readonly string[] }): string {
  return h.names[0] ?? h.ips[0] ?? h.key;
}

/** A bucket size giving about `n` buckets over [from, to], rounded to a readable step. */
export function bucketFor(from: number, to: number, n = 120): number {
  const raw = Math.max(1, (to - from) / n);
  const steps = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400, 604800];
  return steps.find((s) => s >= raw) ?? 86400 * 31;
}

/** MITRE ATT&CK technique page, only for well-formed ids. */
export function attackUrl(id: string): string | undefined {
  const m = /^T(\d{4})(?:\.(\d{3}))?$/.exec(id);
  if (!m) return undefined;
  return `https://attack.mitre.org/techniques/T${m[1]}/${m[2] ? `${m[2]}/` : ''}`;
}

/** A search value that the query language reads back as exactly this text. */
export function term(v: string): string {
  return /^[A-Za-z0-9._:/-]+$/.test(v) ? v : `"${v.replaceAll('"', '')}"`;
}
