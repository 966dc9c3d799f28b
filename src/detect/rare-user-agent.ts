/**
 * rare-user-agent — an HTTP user agent that almost no one in this network uses comes back:
 * seen in separate sightings (hours or days apart), and either crossing the perimeter (seen
 * from outside, then from an inside host) or used to probe (mostly 4xx/5xx answers). ATT&CK
 * T1071.001 (Application Layer Protocol: Web Protocols) — the attacker's tooling keeps its UA.
 * The reference incident: an external address used a custom Chrome/78 UA on Jun 3; the same UA
 * came back briefly in the Jun 9 vulnerability checks. The link between the two is the finding.
 *
 * Observables: http (`user_agent`, `id.orig_h`/`id.resp_h` and their inside/outside side,
 * `status_code`, `uri`, `uid`); conn only to learn our public addresses (Zeek's `local_resp`).
 * Prevalence is learned: distinct source hosts per user agent.
 *
 * Thresholds:
 * - rare: used by at most `maxSourcesForRare` distinct source hosts (RITA's prevalence modifier
 *   treats ≤ 2% of hosts as rare; on small networks a percentage says little, so we count
 *   sources: 3), and only once the network has shown `minObservedSources` HTTP sources (before
 *   that every UA looks rare);
 * - aged: the UA has been known for `minRareAgeSeconds` (1 day) and is still rare — every new
 *   browser build starts with one user and is popular by the next day, so younger UAs are only
 *   remembered, never reported (an attacker reusing a UA within hours is missed here and left to
 *   web-vulnerability-scan);
 * - linked sightings: at least 2 episodes (`episodeGapSeconds` = 1 h of silence splits them),
 *   or a crossing (outside and inside sources) — a single burst of a rare UA is just a visitor;
 * - context: a crossing, or a probing episode: one request for a scanner path or with an attack
 *   payload (the lists web-vulnerability-scan uses), or `minProbeRequests` requests with at
 *   least `minProbeErrorShare` 4xx/5xx. A returning visitor with an odd browser build browses
 *   successfully; an internal app with its own UA is never seen from outside.
 * Threat 20–40 (a UA is a weak indicator; it links other detections), +12 when the UA crosses
 * inside, +3 per probing episode; certainty rises with episodes and sources.
 */
import type { ZeekRecord } from '../model/records.js';
import { ATTACK_URI_NEEDLES, OwnAddresses, PathMatcher, SCANNER_PATHS, uriPath } from './perimeter-lists.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState } from './window.js';

export const rareUserAgentMeta = {
  type: 'rare-user-agent',
  name: 'Rare user agent',
  category: 'command-and-control',
  attack: ['T1071.001'],
  logs: ['http', 'conn'],
  defaults: {
    /** A UA used by at most this many distinct source hosts is rare. */
    maxSourcesForRare: 3,
    /** Distinct HTTP source hosts the network must show before any UA is called rare. */
    minObservedSources: 20,
    /**
     * A UA must have been known this long (seconds) and still be rare before it can fire: a new
     * browser build starts with one user too, and is popular within a day.
     */
    minRareAgeSeconds: 86_400,
    /** Silence (seconds) that separates two sightings (episodes) of one UA. */
    episodeGapSeconds: 3_600,
    /** Requests in one episode to judge it as probing. */
    minProbeRequests: 3,
    /** Share of 4xx/5xx answers (0–1) that makes an episode probing. */
    minProbeErrorShare: 0.5,
    /** Scanner paths (exact, or prefixes ending in `/`): one such request makes an episode probing. */
    scannerPaths: SCANNER_PATHS,
    /** Lower-case URI substrings only attacks carry: one such request makes an episode probing. */
    attackUriNeedles: ATTACK_URI_NEEDLES,
    /** User agents remembered (bounded memory; least recently used evicted). */
    maxUserAgents: 100_000,
    /** Episodes remembered per user agent. */
    maxEpisodesPerUserAgent: 16,
  },
} as const satisfies DetectorMeta;

type T = typeof rareUserAgentMeta.defaults;

interface Episode {
  firstTs: number;
  lastTs: number;
  /** Requests from outside to internal servers, and how many of them were answered 4xx/5xx. */
  requests: number;
  errors: number;
  /** Requests for scanner paths or carrying attack payloads. */
  exploits: number;
  sources: Set<string>;
  evidence: EvidenceRef[];
}

interface UaState {
  /** Distinct source hosts (up to maxSourcesForRare + 1). */
  sources: Set<string>;
  popular: boolean;
  outside: boolean;
  inside: boolean;
  episodes: Episode[];
  targets: Set<string>;
  evidenceCount: number;
  lastEmitted: string;
}

const EVIDENCE_PER_EPISODE = 8;

type EpisodeJson = Omit<Episode, 'sources'> & { sources: string[] };
type UaJson = Omit<UaState, 'sources' | 'targets' | 'episodes'> & {
  sources: string[];
  targets: string[];
  episodes: EpisodeJson[];
};

interface Snapshot {
  own: string[];
  observed: string[];
  uas: [string, number, UaJson][];
}

const uaToJson = (st: UaState): UaJson => ({
  ...st,
  sources: [...st.sources],
  targets: [...st.targets],
  episodes: st.episodes.map((e) => ({ ...e, sources: [...e.sources] })),
});

const uaFromJson = (j: UaJson): UaState => ({
  ...j,
  sources: new Set(j.sources),
  targets: new Set(j.targets),
  episodes: j.episodes.map((e) => ({ ...e, sources: new Set(e.sources) })),
});

export function createRareUserAgent(): Detector<T> {
  let uas: KeyedState<UaState> | undefined;
  let matchers: { paths: PathMatcher; needles: string[] } | undefined;
  const own = new OwnAddresses();
  const observed = new Set<string>();
  let pending: Snapshot | undefined;

  return {
    meta: rareUserAgentMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      if (rec._path === 'conn') {
        own.learn(rec);
        return;
      }
      const ua = rec.user_agent;
      if (typeof ua !== 'string' || ua.length === 0 || ua === '-') return;
      const src = rec['id.orig_h'];
      const dst = rec['id.resp_h'];
      if (typeof src !== 'string' || typeof dst !== 'string') return;
      const t = ctx.thresholds;
      const hosts = ctx.hosts;
      const ts = rec.ts;
      uas ??= new KeyedState<UaState>(t.maxUserAgents, () => ({
        sources: new Set(),
        popular: false,
        outside: false,
        inside: false,
        episodes: [],
        targets: new Set(),
        evidenceCount: 0,
        lastEmitted: '',
      }));
      if (pending) {
        uas.load(pending.uas, uaFromJson);
        pending = undefined;
      }
      const host = hosts.hostKey(src, ts);
      if (observed.size < t.minObservedSources) observed.add(host);
      const st = uas.get(ua, ts);
      if (st.popular) return;
      if (!st.sources.has(host)) {
        st.sources.add(host);
        if (st.sources.size > t.maxSourcesForRare) {
          // Popular here: forget the details, keep the verdict.
          st.popular = true;
          st.episodes = [];
          st.targets.clear();
          return;
        }
      }
      const internal = own.isOurs(src, hosts);
      if (internal) st.inside = true;
      else st.outside = true;
      if (st.targets.size < 64) st.targets.add(dst);
      let ep = st.episodes[st.episodes.length - 1];
      if (!ep || ts - ep.lastTs > t.episodeGapSeconds) {
        ep = {
          firstTs: ts,
          lastTs: ts,
          requests: 0,
          errors: 0,
          exploits: 0,
          sources: new Set(),
          evidence: [],
        };
        st.episodes.push(ep);
        if (st.episodes.length > t.maxEpisodesPerUserAgent) st.episodes.splice(1, 1); // keep the first
      }
      ep.lastTs = ts;
      ep.sources.add(src);
      if (!internal && own.isOurs(dst, hosts)) {
        // Probing is judged on requests from outside to our servers only.
        ep.requests++;
        const status = rec.status_code;
        if (typeof status === 'number' && status >= 400) ep.errors++;
        const uri = rec.uri;
        if (typeof uri === 'string' && uri.length > 1) {
          matchers ??= {
            paths: new PathMatcher(t.scannerPaths),
            needles: t.attackUriNeedles.map((n) => n.toLowerCase()),
          };
          const lower = uri.toLowerCase();
          if (
            matchers.paths.match(uriPath(uri)) !== undefined ||
            matchers.needles.some((n) => n.length > 0 && lower.includes(n))
          )
            ep.exploits++;
        }
      }
      st.evidenceCount++;
      if (ep.evidence.length < EVIDENCE_PER_EPISODE)
        ep.evidence.push({ log: 'http', uid: String(rec.uid), ts });

      if (observed.size < t.minObservedSources) return;
      const crossed = st.inside && st.outside;
      if (st.episodes.length < 2 && !crossed) return;
      if (ts - st.episodes[0]!.firstTs < t.minRareAgeSeconds) return;
      const probing = st.episodes.filter(
        (e) =>
          e.exploits > 0 ||
          (e.requests >= t.minProbeRequests && e.errors / e.requests >= t.minProbeErrorShare),
      ).length;
      if (!crossed && probing === 0) return;
      const stateKey = `${st.episodes.length}/${st.sources.size}/${probing}/${crossed}`;
      if (stateKey === st.lastEmitted) return;
      st.lastEmitted = stateKey;

      const first = st.episodes[0]!;
      const days = Math.round(((ts - first.firstTs) / 86_400) * 10) / 10;
      const evidence = st.episodes.flatMap((e) => e.evidence).slice(0, 100);
      const sources = [...new Set(st.episodes.flatMap((e) => [...e.sources]))];
      ctx.emit({
        host,
        src,
        key: ua.length > 160 ? ua.slice(0, 160) : ua,
        targets: [...st.targets],
        threat: clamp99(Math.min(40, 20 + (crossed ? 12 : 0) + 3 * Math.min(3, probing))),
        certainty: clamp99(
          Math.min(70, 30 + 8 * Math.min(4, st.episodes.length) + 5 * Math.min(3, sources.length)),
        ),
        drivers: [
          { name: 'user agent', value: ua },
          { name: 'distinct sources using it in this network', value: st.sources.size },
          { name: 'sightings (episodes)', value: st.episodes.length },
          { name: 'first seen', value: new Date(first.firstTs * 1000).toISOString() },
          { name: 'seen outside and inside', value: crossed ? 'yes' : 'no' },
          { name: 'probing episodes (exploit requests or mostly 4xx/5xx)', value: probing },
          { name: 'source addresses', value: sources.slice(0, 10).join(', ') },
        ],
        evidence,
        evidenceCount: st.evidenceCount,
        summary:
          `rare user agent "${ua.length > 80 ? `${ua.slice(0, 77)}...` : ua}" (used by ${st.sources.size} source(s) here) ` +
          `seen in ${st.episodes.length} sighting(s) over ${days} d${crossed ? ', outside then inside' : ''}` +
          `${probing > 0 ? `, ${probing} probing` : ''}; now from ${src}`,
        firstTs: first.firstTs,
        lastTs: ts,
      });
    },
    snapshot(): Snapshot {
      return {
        own: own.dump(),
        observed: [...observed],
        uas: uas ? uas.dump(uaToJson) : (pending?.uas ?? []),
      };
    },
    restore(state: unknown) {
      const snap = state as Snapshot;
      own.load(snap.own);
      observed.clear();
      for (const h of snap.observed) observed.add(h);
      pending = snap;
      uas = undefined;
    },
  };
}
