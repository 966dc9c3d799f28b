/**
 * suspicious-remote-desktop — internal RDP whose client looks wrong for what was learned: a
 * generic-named or brand-new client, a keyboard layout, client build or cookie account new for
 * that client or rare on the network, or a session into a domain controller outside its admin
 * baseline (or off-hours). ATT&CK T1021.001. Vectra: "Suspicious Remote Desktop" (keyboard
 * layout / product id vs what was learned per client, per server and network-wide) and the
 * administrative-realm idea of "Suspicious Admin". The reference incident: RDP from
 * `WIN-XXXXXXXXXXXX` to 10.5.3.28 at 21:09, then into DC1 and DC2 with cookie `Administr`
 * after midnight.
 *
 * Observables: rdp.log `cookie` (the mstshash account, often truncated to 9 characters),
 * `keyboard_layout`, `client_build`, `client_name` (set only for non-TLS/NLA sessions where
 * Zeek sees the client core data; unset fields are skipped, never "new"); HostView names,
 * first-seen time, VPN pool, roles (`domain-controller`), business hours.
 *
 * Reasons and weights (fires at `minScore`, 2): generic client name 2; VPN client 1; new
 * host 1; first RDP of this client after learning, off-hours 1 (in hours it is onboarding);
 * layout / build / cookie new for a client that has history 1 each; layout rare on the network (< `rareLayoutShare` of sessions, after
 * `minNetworkSessions`) and never seen on this server 1; DC target not in the learned admin
 * pairs: off-hours 2, in business hours 1 — 0 when the client or its cookie account is a
 * learned DC admin or the client has the `admin-workstation` role; DC target off-hours 1. So IT
 * admins RDPing to DCs in hours stay quiet (a new admin's first session too, unless something
 * else is odd); the same session at night, or from an odd client, fires.
 *
 * Scores: threat 40 + 8 × score (max 80), +10 into a DC; certainty 40 + 8 × score (max 85).
 * Learning: during `learningPeriodSeconds` of observed internal traffic (the clock runs on
 * internal → internal conn records: RDP itself is too sparse to measure time by) everything is
 * learned; afterwards sessions are scored, then learned too (what was new once is known).
 * conn records cost one clock update each and are otherwise ignored.
 */
import { parseAccount } from '../identity/names.js';
import type { ZeekRecord } from '../model/records.js';
import { addCapped, LearnedSet, type LearnedSetJson, refOf, sourceFacts } from './lateral-common.js';
import type { Detector, DetectorContext, DetectorMeta } from './types.js';
import { clamp99, KeyedState } from './window.js';

export const suspiciousRemoteDesktopMeta = {
  type: 'suspicious-remote-desktop',
  name: 'Suspicious remote desktop',
  category: 'lateral-movement',
  attack: ['T1021.001'],
  logs: ['rdp', 'conn'],
  defaults: {
    /** Reason weight at which a session is suspicious. */
    minScore: 2,
    /** A keyboard layout seen in fewer than this share of sessions is rare on the network. */
    rareLayoutShare: 0.02,
    /** Sessions with a layout needed before network rarity counts. */
    minNetworkSessions: 50,
    /** Event-time seconds from the first record during which sessions are learned (1 day). */
    learningPeriodSeconds: 86_400,
    /** How long learned admin pairs and clients stay known, seconds (90 days). */
    baselineMemorySeconds: 7_776_000,
    /** A host first seen less than this many seconds ago counts as new, seconds. */
    newHostSeconds: 86_400,
    /** Clients and servers with learned profiles (bounded memory). */
    maxHosts: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof suspiciousRemoteDesktopMeta.defaults;

interface ClientProfile {
  layouts: string[];
  builds: string[];
  cookies: string[];
  names: string[];
}

interface Snapshot {
  clients: [string, number, ClientProfile][];
  servers: [string, number, string[]][];
  layouts: [string, number][];
  layoutTotal: number;
  pairs: LearnedSetJson;
  dcAdmins: LearnedSetJson;
}

const MAX_VALUES = 16;

function remember(list: string[], v: string): void {
  if (list.includes(v)) return;
  if (list.length >= MAX_VALUES) list.shift();
  list.push(v);
}

function field(rec: ZeekRecord, name: string): string | undefined {
  const v = rec[name];
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s === '' || s === '-' || s === '(empty)' ? undefined : s;
}

export function createSuspiciousRemoteDesktop(): Detector<T> {
  let clients: KeyedState<ClientProfile> | undefined;
  let servers: KeyedState<{ layouts: string[] }> | undefined;
  let pairs: LearnedSet | undefined;
  let dcAdmins: LearnedSet | undefined;
  const layouts = new Map<string, number>();
  let layoutTotal = 0;
  let pending: Snapshot | undefined;
  const targetsByClient = new Map<string, Set<string>>();

  const init = (t: T): void => {
    clients = new KeyedState(t.maxHosts, () => ({ layouts: [], builds: [], cookies: [], names: [] }));
    servers = new KeyedState(t.maxHosts, () => ({ layouts: [] }));
    pairs = LearnedSet.load(200_000, pending?.pairs);
    dcAdmins = LearnedSet.load(50_000, pending?.dcAdmins);
    if (pending) {
      clients.load(pending.clients, (j) => j);
      servers.load(pending.servers, (j) => ({ layouts: j }));
      for (const [k, v] of pending.layouts) layouts.set(k, v);
      layoutTotal = pending.layoutTotal;
      pending = undefined;
    }
  };

  return {
    meta: suspiciousRemoteDesktopMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      if (!clients) init(t);
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (!hosts.isInternal(src) || !hosts.isInternal(dst) || src === dst) return;
      const ts = rec.ts;
      if (rec._path === 'conn') {
        pairs!.see(ts);
        return;
      }
      const client = hosts.hostKey(src, ts);
      const server = hosts.hostKey(dst, ts);
      const learning = pairs!.learning(ts, t.learningPeriodSeconds);
      const layout = field(rec, 'keyboard_layout');
      const build = field(rec, 'client_build');
      const clientName = field(rec, 'client_name');
      const cookieRaw = field(rec, 'cookie');
      const account = parseAccount(cookieRaw)?.key;
      const known = clients!.peek(client);
      const prof = clients!.get(client, ts);
      const srv = servers!.get(server, ts);
      const dc = hosts.roles(server).has('domain-controller');
      const pairKey = `${client}|${server}`;
      const reasons: { name: string; value: string | number; w: number }[] = [];
      if (!learning) {
        const facts = sourceFacts(hosts, client, src, ts, t.newHostSeconds);
        // The client name of this session, one it presented before (TLS/NLA sessions carry
        // none), or the identity layer's names.
        let generic = clientName !== undefined && hosts.isGenericName(clientName) ? clientName : undefined;
        if (!generic && known) for (const n of known.names) if (hosts.isGenericName(n)) generic = n;
        generic ??= facts.genericName;
        if (generic) reasons.push({ name: 'generic client name', value: generic, w: 2 });
        if (facts.vpn) reasons.push({ name: 'client in VPN pool', value: src, w: 1 });
        if (facts.newHost) reasons.push({ name: 'new host', value: 'yes', w: 1 });
        if (!known && !hosts.inBusinessHours(ts))
          reasons.push({ name: 'first RDP from this client, off-hours', value: 'yes', w: 1 });
        if (known) {
          if (layout && known.layouts.length > 0 && !known.layouts.includes(layout))
            reasons.push({ name: 'keyboard layout new for client', value: layout, w: 1 });
          if (build && known.builds.length > 0 && !known.builds.includes(build))
            reasons.push({ name: 'client build new for client', value: build, w: 1 });
          if (account && known.cookies.length > 0 && !known.cookies.includes(account))
            reasons.push({ name: 'cookie account new for client', value: account, w: 1 });
        }
        if (
          layout &&
          layoutTotal >= t.minNetworkSessions &&
          (layouts.get(layout) ?? 0) < t.rareLayoutShare * layoutTotal &&
          !srv.layouts.includes(layout)
        )
          reasons.push({ name: 'keyboard layout rare on the network', value: layout, w: 1 });
        if (dc) {
          const inHours = hosts.inBusinessHours(ts);
          if (!pairs!.has(pairKey)) {
            // In hours, a known DC admin (client, account or admin-workstation role) is routine
            // and any other client is only a weak reason; off-hours it is a strong one.
            const knownAdmin =
              dcAdmins!.has(client) ||
              (account !== undefined && dcAdmins!.has(`account:${account}`)) ||
              hosts.roles(client).has('admin-workstation');
            const w = inHours ? (knownAdmin ? 0 : 1) : 2;
            if (w > 0)
              reasons.push({ name: 'into a domain controller outside its admin baseline', value: server, w });
          }
          if (!inHours) reasons.push({ name: 'into a domain controller off-hours', value: 'yes', w: 1 });
        }
      }
      // Learn (after scoring: what was new once is known afterwards).
      if (layout) {
        remember(prof.layouts, layout);
        remember(srv.layouts, layout);
        layouts.set(layout, (layouts.get(layout) ?? 0) + 1);
        layoutTotal++;
        if (layouts.size > 1_000) layouts.delete(layouts.keys().next().value as string);
      }
      if (build) remember(prof.builds, build);
      if (account) remember(prof.cookies, account);
      if (clientName) remember(prof.names, clientName);
      pairs!.add(pairKey, ts);
      if (dc) {
        dcAdmins!.add(client, ts);
        if (account) dcAdmins!.add(`account:${account}`, ts);
      }
      const score = reasons.reduce((s, r) => s + r.w, 0);
      if (score < t.minScore) return;
      let targets = targetsByClient.get(client);
      if (!targets) {
        targets = new Set();
        targetsByClient.set(client, targets);
        if (targetsByClient.size > 10_000)
          targetsByClient.delete(targetsByClient.keys().next().value as string);
      }
      addCapped(targets, server);
      ctx.emit({
        host: client,
        src,
        account,
        targets: [server],
        threat: clamp99(Math.min(80, 40 + 8 * score) + (dc ? 10 : 0)),
        certainty: clamp99(Math.min(85, 40 + 8 * score)),
        drivers: [
          ...reasons.map((r) => ({ name: r.name, value: r.value })),
          { name: 'score', value: score },
          { name: 'cookie', value: cookieRaw ?? 'none' },
          { name: 'RDP servers reached suspiciously', value: targets.size },
        ],
        evidence: [refOf(rec)],
        summary:
          `RDP from ${src}${clientName ? ` (${clientName})` : ''} to ${dst}${dc ? ' (domain controller)' : ''}` +
          `${cookieRaw ? ` as ${cookieRaw}` : ''}: ${reasons.map((r) => r.name).join('; ')}`,
        firstTs: ts,
        lastTs: ts,
      });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      const cutoff = now - ctx.thresholds.baselineMemorySeconds;
      pairs?.expire(cutoff);
      dcAdmins?.expire(cutoff);
      clients?.expire(cutoff);
      servers?.expire(cutoff);
    },
    snapshot(): Snapshot {
      if (!clients) {
        return (
          pending ?? {
            clients: [],
            servers: [],
            layouts: [],
            layoutTotal: 0,
            pairs: { startTs: null, seen: [] },
            dcAdmins: { startTs: null, seen: [] },
          }
        );
      }
      return {
        clients: clients.dump((p) => p),
        servers: servers!.dump((s) => s.layouts),
        layouts: [...layouts],
        layoutTotal,
        pairs: pairs!.dump(),
        dcAdmins: dcAdmins!.dump(),
      };
    },
    restore(state: unknown) {
      pending = state as Snapshot;
      clients = undefined;
      layouts.clear();
      layoutTotal = 0;
    },
  };
}
