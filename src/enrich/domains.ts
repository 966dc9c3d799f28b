/**
 * Domain knowledge for rarity questions: the registered domain of a name (public suffix list),
 * how many distinct internal hosts asked for it (prevalence) and when it was first seen.
 *
 * tldts: the maintained, fast public-suffix-list library (PSL compiled into the package, updated
 * with each release; no download at run time).
 */
import { getDomain } from 'tldts';

export interface DomainStat {
  readonly domain: string;
  first: number;
  last: number;
  queries: number;
  /** Distinct host keys (bounded by `maxHostsPerDomain`; `hostsCapped` says it was reached). */
  readonly hosts: Set<string>;
  hostsCapped: boolean;
}

export interface DomainStatsOptions {
  readonly maxDomains: number;
  readonly maxHostsPerDomain: number;
}

const NOT_NAMES = ['.in-addr.arpa', '.ip6.arpa'];

export class DomainStats {
  private readonly stats = new Map<string, DomainStat>();
  /** Query name → registered domain (names repeat heavily). */
  private readonly regCache = new Map<string, string>();

  constructor(private readonly opts: DomainStatsOptions) {}

  /**
   * `a.b.yandex.ru` → `yandex.ru`; `x.co.uk` → `x.co.uk`; single-label and private names
   * (`wpad`, `dc01.corp.local`) map to themselves / their last two labels. Reverse-DNS names
   * (in-addr.arpa) return '' (they are addresses, not domains).
   */
  registered(name: string): string {
    const hit = this.regCache.get(name);
    if (hit !== undefined) return hit;
    let q = name.toLowerCase();
    if (q.endsWith('.')) q = q.slice(0, -1);
    let reg: string;
    if (q === '' || NOT_NAMES.some((s) => q.endsWith(s))) reg = '';
    else reg = getDomain(q, { allowPrivateDomains: false }) ?? q;
    if (this.regCache.size >= 200_000) this.regCache.clear();
    this.regCache.set(name, reg);
    return reg;
  }

  /** Records that `hostKey` asked for `name` at `ts`; returns the domain's stat (undefined for non-names). */
  observe(name: string, hostKey: string, ts: number): DomainStat | undefined {
    const d = this.registered(name);
    if (d === '') return undefined;
    let s = this.stats.get(d);
    if (s === undefined) {
      if (this.stats.size >= this.opts.maxDomains) this.evict();
      s = { domain: d, first: ts, last: ts, queries: 0, hosts: new Set(), hostsCapped: false };
      this.stats.set(d, s);
    }
    s.queries++;
    if (ts > s.last) s.last = ts;
    if (ts < s.first) s.first = ts;
    if (!s.hosts.has(hostKey)) {
      if (s.hosts.size < this.opts.maxHostsPerDomain) s.hosts.add(hostKey);
      else s.hostsCapped = true;
    }
    return s;
  }

  get(name: string): DomainStat | undefined {
    return this.stats.get(this.registered(name)) ?? this.stats.get(name.toLowerCase());
  }

  /** Distinct internal hosts that asked for the registered domain of `name` (0 when never seen). */
  prevalence(name: string): number {
    return this.get(name)?.hosts.size ?? 0;
  }

  firstSeen(name: string): number | undefined {
    return this.get(name)?.first;
  }

  get size(): number {
    return this.stats.size;
  }

  all(): IterableIterator<DomainStat> {
    return this.stats.values();
  }

  /** Restores one stat (state file). */
  restore(s: {
    domain: string;
    first: number;
    last: number;
    queries: number;
    hosts: string[];
    hostsCapped: boolean;
  }) {
    this.stats.set(s.domain, { ...s, hosts: new Set(s.hosts) });
  }

  /** Drops the least recently seen 10 %. */
  private evict(): void {
    const n = Math.max(1, Math.floor(this.stats.size / 10));
    const victims = [...this.stats.values()].sort((a, b) => a.last - b.last).slice(0, n);
    for (const v of victims) this.stats.delete(v.domain);
  }
}
