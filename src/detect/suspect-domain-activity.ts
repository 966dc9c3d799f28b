/**
 * suspect-domain-activity — an internal host looks up domains that are rare in this network
 * and fall in risky sets: offensive-tool / exploit-scanner / hacking-forum / tunnel domains
 * (a shipped, editable list), country-code TLDs this network does not use (learned: `.ru` when
 * nobody queries `.ru`), or a burst of nonexistent (NXDOMAIN) domains as DGA malware makes
 * (ATT&CK T1071.004 Application Layer Protocol: DNS; T1583.001 Acquire Infrastructure:
 * Domains). The reference incident: minutes after the VPN login, DNS for an EternalBlue scanner,
 * hacking forums, `yandex.ru`, `ok.ru`, `google.ru`.
 *
 * Observables: dns (`id.orig_h` internal, `query`, `rcode_name`). Prevalence is learned per
 * registered domain (public suffix list, via src/enrich/domains.ts) and per TLD: distinct
 * internal source hosts.
 *
 * Prevalence is learned for `learningSeconds` (1 day) before list and ccTLD hits are judged;
 * NXDOMAIN bursts need no baseline. Fires for a source when, within `windowSeconds`, any of:
 * - a listed domain (`suspectDomains`, `domain=category`) that at most `rareDomainMaxSources`
 *   hosts here query (a security team that reads exploit-db daily makes it normal), or a rare
 *   registered domain containing an offensive word (`suspectKeywords`: eternalblue, exploit,
 *   hackforum, pentest, mimikatz …) — lists lag behind new forums and tool sites;
 * - at least `minRareTldDomains` (2) distinct *registered* domains under country-code TLDs that
 *   at most `rareTldMaxSources` hosts here use, skipping `ignoredTlds` (ccTLDs used
 *   generically: .io, .co, .me …) and local suffixes. A foreign site with its own subdomains and
 *   CDN hostnames is one registered domain and stays quiet; two unrelated services under a TLD
 *   this network never uses are a finding — at threat 18 alone, Low until something else adds;
 * - at least `minNxDomains` distinct nonexistent registered domains within `nxWindowSeconds`
 *   (Vectra: "lookups of machine-generated or nonexistent domains in rapid succession"; no
 *   number is published: DGA families try 50–1,000 a burst, typo'd links give one or two).
 * Threat by category (tool 35, exploit 32, forum 30, tunnel 28, keyword 28, NX burst 25, rare
 * ccTLD 18),
 * +4 per further category, ≤ 45: lookups show intent, not compromise. Certainty rises with the
 * number of categories and domains.
 */
import { DomainStats } from '../enrich/domains.js';
import type { ZeekRecord } from '../model/records.js';
import {
  LOCAL_DNS_SUFFIXES,
  parseLabelled,
  SUSPECT_DOMAIN_KEYWORDS,
  SUSPECT_DOMAINS,
} from './perimeter-lists.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, dumpSample, KeyedState, loadSample, Sample, type SampleJson, TimedSet } from './window.js';

export const suspectDomainActivityMeta = {
  type: 'suspect-domain-activity',
  name: 'Suspect domain activity',
  category: 'command-and-control',
  attack: ['T1071.004', 'T1583.001'],
  logs: ['dns'],
  defaults: {
    /** Window over which one host's suspect lookups add up, seconds. */
    windowSeconds: 3_600,
    /** A domain queried by at most this many hosts here is rare. */
    rareDomainMaxSources: 3,
    /** A TLD used by at most this many hosts here is unusual for this network. */
    rareTldMaxSources: 3,
    /** Distinct registered domains under rare ccTLDs that make a finding. */
    minRareTldDomains: 2,
    /** Learning period for domain and TLD prevalence from the first dns record, seconds. */
    learningSeconds: 86_400,
    /** Distinct NXDOMAIN registered domains that make a burst. */
    minNxDomains: 20,
    /** Window for NXDOMAIN bursts, seconds. */
    nxWindowSeconds: 300,
    /** `domain=category` (tool, exploit, forum, tunnel); subdomains match. */
    suspectDomains: SUSPECT_DOMAINS,
    /** Words that mark a rare registered domain as offensive-tool / hacking-community. */
    suspectKeywords: SUSPECT_DOMAIN_KEYWORDS,
    /** Country-code TLDs used generically, never "unusual". */
    ignoredTlds: ['io', 'co', 'me', 'tv', 'ai', 'ly', 'fm', 'gg', 'to', 'sh', 'cc', 'ws', 'la', 'ac'],
    /** Local / special-use suffixes ignored entirely. */
    localSuffixes: LOCAL_DNS_SUFFIXES,
    /** Registered domains with learned prevalence (bounded memory). */
    maxDomains: 200_000,
    /** Sources tracked at once (bounded memory). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof suspectDomainActivityMeta.defaults;

const CATEGORY_THREAT: Readonly<Record<string, number>> = {
  tool: 35,
  exploit: 32,
  forum: 30,
  tunnel: 28,
  keyword: 28,
  'nx-burst': 25,
  'rare-cctld': 18,
};

interface SourceState {
  /** Suspect registered domain → category, in the window. */
  hits: Map<string, { category: string; ts: number }>;
  rareTld: TimedSet;
  nx: TimedSet;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  emitted: string;
}

interface SourceJson {
  hits: [string, { category: string; ts: number }][];
  rareTld: [string, number][];
  nx: [string, number][];
  evidence: SampleJson<EvidenceRef>;
  firstTs: number;
  emitted: string;
}

interface Snapshot {
  startTs: number | null;
  domains: {
    domain: string;
    first: number;
    last: number;
    queries: number;
    hosts: string[];
    hostsCapped: boolean;
  }[];
  tlds: [string, string[]][];
  sources: [string, number, SourceJson][];
}

/** Suspect domains remembered per source in the window (bounded memory). */
const MAX_HITS = 256;

interface Compiled {
  suspect: Map<string, string>;
  keywords: readonly string[];
  ignoredTlds: Set<string>;
  local: Set<string>;
  domains: DomainStats;
  /** TLD → distinct source hosts (bounded per TLD). */
  tlds: Map<string, Set<string>>;
  sources: KeyedState<SourceState>;
}

export function createSuspectDomainActivity(): Detector<T> {
  let c: Compiled | undefined;
  let startTs = Number.NaN;
  let pending: Snapshot | undefined;

  const listed = (cc: Compiled, name: string): [string, string] | undefined => {
    // Walk the suffixes: a.b.exploit-db.com → b.exploit-db.com → exploit-db.com → com.
    let i = -1;
    let rest = name;
    do {
      const cat = cc.suspect.get(rest);
      if (cat !== undefined) return [rest, cat];
      i = name.indexOf('.', i + 1);
      rest = name.slice(i + 1);
    } while (i >= 0);
    return undefined;
  };

  return {
    meta: suspectDomainActivityMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const ts = rec.ts;
      const src = rec['id.orig_h'];
      if (typeof src !== 'string') return;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src)) return;
      // Learning starts with the first internal client's query.
      if (Number.isNaN(startTs)) startTs = ts;
      const raw = rec.query;
      if (typeof raw !== 'string' || raw.length === 0) return;
      const t = ctx.thresholds;
      c ??= {
        suspect: parseLabelled(t.suspectDomains, 'tool'),
        keywords: t.suspectKeywords.map((k) => k.toLowerCase()).filter((k) => k.length > 0),
        ignoredTlds: new Set(t.ignoredTlds.map((x) => x.toLowerCase())),
        local: new Set(t.localSuffixes.map((x) => x.toLowerCase())),
        domains: new DomainStats({ maxDomains: t.maxDomains, maxHostsPerDomain: t.rareDomainMaxSources + 1 }),
        tlds: new Map(),
        sources: new KeyedState<SourceState>(t.maxSources, () => ({
          hits: new Map(),
          rareTld: new TimedSet(256),
          nx: new TimedSet(4_096),
          evidence: new Sample(100),
          firstTs: 0,
          emitted: '',
        })),
      };
      if (pending) {
        for (const d of pending.domains) c.domains.restore(d);
        for (const [tld, hs] of pending.tlds) c.tlds.set(tld, new Set(hs));
        c.sources.load(pending.sources, (j) => ({
          hits: new Map(j.hits),
          rareTld: TimedSet.load(256, j.rareTld),
          nx: TimedSet.load(4_096, j.nx),
          evidence: loadSample(100, j.evidence),
          firstTs: j.firstTs,
          emitted: j.emitted,
        }));
        pending = undefined;
      }
      const dot = raw.lastIndexOf('.');
      if (dot <= 0) return; // single-label names (wpad, Chrome's intranet probes)
      let name = raw.toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      const tld = name.slice(name.lastIndexOf('.') + 1);
      if (c.local.has(tld)) return;
      const host = hosts.hostKey(src, ts);
      const stat = c.domains.observe(name, host, ts);
      if (stat === undefined) return;
      let tldSources = c.tlds.get(tld);
      if (tldSources === undefined) {
        tldSources = new Set();
        if (c.tlds.size < 10_000) c.tlds.set(tld, tldSources);
      }
      if (tldSources.size <= t.rareTldMaxSources) tldSources.add(host);

      // Rarity is judged only after the learning period (before it, every domain is rare).
      if (ts < startTs + t.learningSeconds && rec.rcode_name !== 'NXDOMAIN') return;
      const domainRare = stat.hosts.size <= t.rareDomainMaxSources && !stat.hostsCapped;
      let category: string | undefined;
      let domain = stat.domain;
      const hit = domainRare ? listed(c, name) : undefined;
      if (hit !== undefined) [domain, category] = hit;
      else if (domainRare && c.keywords.some((k) => stat.domain.includes(k))) category = 'keyword';
      const isNx = rec.rcode_name === 'NXDOMAIN';
      let rareCc = false;
      if (
        category === undefined &&
        domainRare &&
        !isNx &&
        tld.length === 2 &&
        !c.ignoredTlds.has(tld) &&
        tldSources.size <= t.rareTldMaxSources
      )
        rareCc = true;
      if (category === undefined && !rareCc && !isNx) return;

      const st = c.sources.get(src, ts);
      const cutoff = ts - t.windowSeconds;
      for (const [d, h] of st.hits) if (h.ts < cutoff) st.hits.delete(d);
      st.rareTld.expire(cutoff);
      st.nx.expire(ts - t.nxWindowSeconds);
      if (st.hits.size === 0 && st.rareTld.size === 0 && st.nx.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.emitted = '';
      }
      if (category !== undefined) {
        if (st.hits.size < MAX_HITS || st.hits.has(domain)) st.hits.set(domain, { category, ts });
        st.evidence.add({ log: 'dns', uid: String(rec.uid), ts });
      } else if (rareCc) {
        if (st.rareTld.add(stat.domain, ts)) st.evidence.add({ log: 'dns', uid: String(rec.uid), ts });
      } else if (st.nx.add(stat.domain, ts) && st.nx.size <= 20) {
        // NX names are evidence only up to the burst threshold's worth (the rest are counted).
        st.evidence.add({ log: 'dns', uid: String(rec.uid), ts });
      } else st.evidence.count++;

      const categories = new Set<string>();
      for (const h of st.hits.values()) categories.add(h.category);
      if (st.rareTld.size >= t.minRareTldDomains) categories.add('rare-cctld');
      if (st.nx.size >= t.minNxDomains) categories.add('nx-burst');
      if (categories.size === 0) return;
      const domains = [...st.hits.keys()];
      const rareTldDomains = [...st.rareTld.values()];
      const stateKey = `${[...categories].sort().join(',')}|${domains.length}|${rareTldDomains.length}|${Math.floor(Math.log2(Math.max(1, st.nx.size)))}`;
      if (stateKey === st.emitted) return;
      st.emitted = stateKey;

      const threats = [...categories].map((k) => CATEGORY_THREAT[k] ?? 25).sort((a, b) => b - a);
      const threat = threats[0]! + 4 * (threats.length - 1);
      const listedCount = domains.length;
      const certainty =
        (listedCount > 0 ? 45 : 35) +
        10 * (categories.size - 1) +
        3 * Math.min(5, listedCount + rareTldDomains.length) +
        (st.nx.size >= 2 * t.minNxDomains ? 5 : 0);
      const parts = [
        listedCount > 0
          ? domains
              .slice(0, 5)
              .map((d) => `${d} (${st.hits.get(d)?.category ?? '?'})`)
              .join(', ')
          : undefined,
        categories.has('rare-cctld')
          ? `rare ccTLD domains ${rareTldDomains.slice(0, 5).join(', ')}`
          : undefined,
        categories.has('nx-burst') ? `${st.nx.size} nonexistent domains` : undefined,
      ].filter((x) => x !== undefined);
      ctx.emit({
        host,
        src,
        targets: [...domains, ...rareTldDomains].slice(0, 50),
        threat: clamp99(Math.min(45, threat)),
        certainty: clamp99(Math.min(80, certainty)),
        drivers: [
          { name: 'categories', value: [...categories].join(', ') },
          { name: 'listed suspect domains', value: domains.slice(0, 10).join(', ') },
          { name: 'domains under rare ccTLDs', value: rareTldDomains.slice(0, 10).join(', ') },
          { name: 'NXDOMAIN registered domains in burst window', value: st.nx.size },
        ],
        evidence: st.evidence.items,
        evidenceCount: st.evidence.count,
        summary: `${src} looked up ${parts.join('; ')}`,
        firstTs: st.firstTs,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      c?.sources.expire(now - ctx.thresholds.windowSeconds);
    },
    snapshot(): Snapshot {
      if (!c)
        return (
          pending ?? { startTs: Number.isNaN(startTs) ? null : startTs, domains: [], tlds: [], sources: [] }
        );
      return {
        startTs: Number.isNaN(startTs) ? null : startTs,
        domains: [...c.domains.all()].map((d) => ({ ...d, hosts: [...d.hosts] })),
        tlds: [...c.tlds].map(([tld, hs]) => [tld, [...hs]] as [string, string[]]),
        sources: c.sources.dump((st) => ({
          hits: [...st.hits],
          rareTld: st.rareTld.dump(),
          nx: st.nx.dump(),
          evidence: dumpSample(st.evidence),
          firstTs: st.firstTs,
          emitted: st.emitted,
        })),
      };
    },
    restore(state: unknown) {
      const snap = state as Snapshot;
      startTs = snap.startTs ?? Number.NaN;
      pending = snap;
      c = undefined;
    },
  };
}
