/**
 * Zeek-style connection uids: `C` + 17 base62 characters. Derived from the flow's 5-tuple, start
 * time and a per-run counter, so the same capture always yields the same uids (reproducible
 * reports) while distinct flows never share one.
 */
import { createHash } from 'node:crypto';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62(bytes: Uint8Array, length: number): string {
  let out = '';
  // 17 base62 digits need ~102 bits: consume the digest as a big integer.
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  for (let i = 0; i < length; i++) {
    out += B62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

export class UidGenerator {
  private counter = 0;

  constructor(private readonly prefix: string = 'C') {}

  next(seed: string): string {
    const digest = createHash('sha1')
      .update(`${this.counter++}|${seed}`)
      .digest();
    return this.prefix + base62(digest.subarray(0, 16), 17);
  }
}
