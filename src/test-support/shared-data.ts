/**
 * Where the team's real Zeek logs and captures live (read in place, never copied into the repo):
 * `$VIGIL_SHARED_DATA`, else `../shared/data` beside the checkout, else `/work/shared/data`.
 * Tests that need it skip with a message naming the path when it is absent.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

function locate(): string | undefined {
  const candidates = [
    process.env.VIGIL_SHARED_DATA,
    resolve(import.meta.dirname, '../../../shared/data'),
    '/work/shared/data',
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return candidates.find((p) => existsSync(join(p, 'MANIFEST.md')));
}

export const SHARED_DATA: string | undefined = locate();

/** Absolute path under the shared data, or undefined when the data is not on this machine. */
export function sharedData(...parts: string[]): string | undefined {
  return SHARED_DATA === undefined ? undefined : join(SHARED_DATA, ...parts);
}

export const SHARED_DATA_MISSING = 'real data not found: set VIGIL_SHARED_DATA or place it at ../shared/data';
