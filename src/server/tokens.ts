/**
 * API tokens: random 256-bit secrets, stored only as SHA-256 hashes (a fast hash is right for
 * high-entropy tokens; a password KDF adds nothing there) in a 0600 JSON file. Roles: viewer
 * (read), analyst (approve, reject, release), admin (manage tokens). The first start creates an
 * admin token and returns it once, to be printed once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-file.js';

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

interface StoredToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly hash: string;
  readonly created: string;
}

export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();

export class TokenStore {
  private tokens: StoredToken[] = [];

  constructor(private readonly file: string) {
    if (existsSync(file)) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { tokens?: StoredToken[] };
      if (!Array.isArray(doc.tokens)) throw new Error(`${file}: not a Vigil token file`);
      this.tokens = doc.tokens;
    }
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Creates a token; the returned secret is shown once and never stored. */
  create(name: string, role: Role): { token: string; id: string } {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const token = `vgl_${id}_${secret}`;
    this.tokens.push({
      id,
      name,
      role,
      hash: sha256(token).toString('hex'),
      created: new Date().toISOString(),
    });
    writeFileAtomic(this.file, `${JSON.stringify({ tokens: this.tokens }, null, 2)}\n`);
    return { token, id };
  }

  /** First start: an admin token when none exists; undefined otherwise. */
  ensureAdmin(): string | undefined {
    if (this.tokens.some((t) => t.role === 'admin')) return undefined;
    return this.create('first admin', 'admin').token;
  }

  verify(token: string): Principal | undefined {
    const m = /^vgl_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token);
    if (!m) return undefined;
    const t = this.tokens.find((x) => x.id === m[1]);
    if (!t) return undefined;
    const a = sha256(token);
    const b = Buffer.from(t.hash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b)
      ? { id: t.id, name: t.name, role: t.role }
      : undefined;
  }
}
