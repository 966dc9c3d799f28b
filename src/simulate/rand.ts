/**
 * Seeded randomness for the simulator. Every value a scenario writes derives from `--seed`
 * through an `Rng`; `fork(label)` gives a component its own stream, so adding one behaviour does
 * not shift the values of another.
 */
import { rng } from './sample.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** FNV-1a over a label, mixed with a seed: a stable sub-seed per component. */
export function subSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class Rng {
  private readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = rng(seed);
  }

  fork(label: string): Rng {
    return new Rng(subSeed(this.seed, label));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: `[[value, weight], …]`. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [v, w] of items) {
      r -= w;
      if (r < 0) return v;
    }
    return items[items.length - 1]![0];
  }

  /** `n` distinct items (or all of them), in random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, Math.min(n, copy.length));
  }

  /** Exponential with the given mean. */
  exp(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-normal around `median` with spread `sigma` (natural log units). */
  logNormal(median: number, sigma: number): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return median * Math.exp(sigma * z);
  }

  /** A Windows ephemeral source port. */
  ephemeralPort(): number {
    return this.int(49152, 65535);
  }

  /** Zeek connection uid (`C` + 17 base62 characters) or file id (`F…`). */
  zeekId(prefix: 'C' | 'F'): string {
    let s = prefix;
    for (let i = 0; i < 17; i++) s += ALNUM[Math.floor(this.next() * ALNUM.length)];
    return s;
  }

  hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += Math.floor(this.next() * 16).toString(16);
    return s;
  }

  upperAlnum(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += UPPER_ALNUM[Math.floor(this.next() * UPPER_ALNUM.length)];
    return s;
  }

  mac(oui: string): string {
    const b = () => this.int(0, 255).toString(16).padStart(2, '0');
    return `${oui}:${b()}:${b()}:${b()}`;
  }
}
