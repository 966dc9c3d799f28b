/** Secrets come from the environment or from files (e.g. /run/secrets/…), never from config text. */
import { readFileSync } from 'node:fs';

export interface SecretRef {
  /** Environment variable holding the secret. */
  readonly env?: string;
  /** File holding the secret (trailing newline trimmed). */
  readonly file?: string;
}

export function readSecret(ref: SecretRef, what: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.env) {
    const v = env[ref.env];
    if (v) return v;
    if (!ref.file) throw new Error(`${what}: environment variable ${ref.env} is not set`);
  }
  if (ref.file) {
    try {
      const v = readFileSync(ref.file, 'utf8').trim();
      if (v) return v;
      throw new Error('empty');
    } catch (err) {
      throw new Error(`${what}: cannot read secret file ${ref.file} (${(err as Error).message})`);
    }
  }
  throw new Error(`${what}: give the secret as { env: NAME } or { file: PATH }`);
}
