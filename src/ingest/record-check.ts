/** Shared checks applied to every record whatever its source format. */
import { REQUIRED_FIELDS } from '../model/records.js';
import { isKnownLogType } from '../model/schemas.js';
import type { ZeekValue } from '../model/zeek-types.js';

/** Returns the name of the first required field the record lacks, or undefined. */
export function missingRequired(
  path: string,
  rec: Record<string, ZeekValue | undefined>,
): string | undefined {
  if (rec.ts === undefined) return 'ts';
  if (!isKnownLogType(path)) return undefined;
  for (const f of REQUIRED_FIELDS[path]) if (rec[f] === undefined) return f;
  return undefined;
}

/** Classifies a line that failed to parse: binary content gets its own reason. */
export function looksBinary(line: string): boolean {
  // NUL, other C0 controls except TAB, and the replacement char are never in Zeek text output.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(line);
}

/**
 * Log type from a file name: `conn.log`, `conn.log.gz`, `conn.12:00:00-13:00:00.log.gz`,
 * `conn_20210612.log`, `dns.json`, `http.log.cut` → `conn`, `conn`, `conn`, `conn`, `dns`, `http`.
 */
export function logTypeFromFileName(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const stem = base.split('.')[0] ?? '';
  const m = /^([A-Za-z][A-Za-z0-9_-]*?)(?:[_-]\d{4}-?\d{2}-?\d{2}.*)?$/.exec(stem);
  return m?.[1] || undefined;
}
