/**
 * file-share-enumeration — one internal host mounts far more file shares than hosts in this
 * network normally do, lists the shares of many servers, or write-tests shares one after the
 * other (ATT&CK T1135 Network Share Discovery). Vectra's File Share Enumeration: "accesses far
 * more file shares than normally accessed in the network"; threat is higher for many shares on a
 * few servers than for a few shares on many, certainty grows with the volume. In the reference
 * incident the VPN host's NetScan mounted every share it found and created and closed
 * `delete.me` on each to test write access.
 *
 * Observables (internal → internal):
 * - `smb_mapping` tree connects to disk shares (`path` `\\server\share`, `share_type` `DISK`;
 *   `IPC$`/`PIPE` is RPC, counted by rpc-recon): distinct server\share per source;
 * - `dce_rpc` `srvsvc` `NetrShareEnum`/`NetrShareEnumSticky`: distinct servers whose shares were
 *   listed;
 * - `smb_files` whose `name` is a write-check file (`delete.me`, editable list
 *   `writeCheckNames`): stock Zeek logs the create as `SMB::FILE_OPEN` and a delete-on-close as
 *   `SMB::FILE_DELETE`; any action counts, one per share.
 *
 * Thresholds (per source, sliding `windowSeconds` = 15 min): learned breadth (recon-baseline.ts)
 * over floors of `minShares` 12 shares mounted and `minShareEnumHosts` 5 servers listed. A
 * Windows client mounts SYSVOL and NETLOGON on its DC plus a home and a department share (≈4–8);
 * opening `\\server` in Explorer lists that one server's shares. Management servers (SCCM
 * inventory, backup agents) that do this nightly are learned. The write check is an attacker
 * tool's artifact, not a habit: `minWriteCheckShares` (3) shares fire without a baseline.
 *
 * Threat stays below 50 on its own; certainty is high (≥ 75) when the write check is seen.
 */
import type { ZeekRecord } from '../model/records.js';
import {
  BREADTH_DEFAULTS,
  type BreadthThreshold,
  baseName,
  HostClock,
  type HostClockJson,
  hostLabel,
  listSome,
  minutes,
  oldestIn,
  PeakBaseline,
  type PeakBaselineJson,
  setOf,
  shareName,
} from './recon-baseline.js';
import type { Detector, DetectorContext, DetectorMeta, EvidenceRef } from './types.js';
import { clamp99, KeyedState, Sample, TimedSet } from './window.js';

export const fileShareEnumerationMeta = {
  type: 'file-share-enumeration',
  name: 'File share enumeration',
  category: 'reconnaissance',
  attack: ['T1135'],
  logs: ['smb_mapping', 'smb_files', 'dce_rpc'],
  defaults: {
    /** Floor: distinct disk shares (server\share) mounted within the window. */
    minShares: 12,
    /** Floor: distinct servers whose shares were listed (srvsvc NetrShareEnum) within the window. */
    minShareEnumHosts: 5,
    /** Distinct shares write-tested with a write-check file within the window (no baseline). */
    minWriteCheckShares: 3,
    /** File names that enumeration tools create to test write access (lower case). */
    writeCheckNames: ['delete.me'],
    /** Sliding event-time window, seconds. */
    windowSeconds: 900,
    ...BREADTH_DEFAULTS,
    /** Shares/servers remembered per source (bounded memory). */
    maxSharesPerSource: 5_000,
    /** Sources tracked at once (bounded memory). */
    maxSources: 50_000,
  },
} as const satisfies DetectorMeta;

type T = typeof fileShareEnumerationMeta.defaults;

interface SourceState {
  shares: TimedSet;
  enumHosts: TimedSet;
  writeChecks: TimedSet;
  evidence: Sample<EvidenceRef>;
  firstTs: number;
  lastEmitted: number;
}

interface Snapshot {
  readonly shares: PeakBaselineJson;
  readonly enumHosts: PeakBaselineJson;
  readonly clock?: HostClockJson;
}

const SHARE_ENUM_OPS: ReadonlySet<string> = new Set(['NetrShareEnum', 'NetrShareEnumSticky']);

export function createFileShareEnumeration(): Detector<T> {
  let sources: KeyedState<SourceState> | undefined;
  let sharesBase = new PeakBaseline(100_000);
  let enumBase = new PeakBaseline(100_000);
  let clock = new HostClock(200_000);
  const names = new WeakMap<readonly string[], ReadonlySet<string>>();

  const init = (t: T): KeyedState<SourceState> =>
    new KeyedState<SourceState>(t.maxSources, () => ({
      shares: new TimedSet(t.maxSharesPerSource),
      enumHosts: new TimedSet(t.maxSharesPerSource),
      writeChecks: new TimedSet(t.maxSharesPerSource),
      evidence: new Sample(100),
      firstTs: 0,
      lastEmitted: 0,
    }));

  return {
    meta: fileShareEnumerationMeta,
    onRecord(rec: ZeekRecord, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      const path = rec._path;
      // Cheap field tests first: most records of these logs are not ours.
      let kind: 'share' | 'enum' | 'write';
      let share: string | undefined;
      if (path === 'smb_mapping') {
        if (rec.share_type === 'PIPE') return;
        share = shareName(rec.path as string | undefined);
        if (share === undefined || share === 'ipc$') return;
        kind = 'share';
      } else if (path === 'dce_rpc') {
        if (rec.endpoint !== 'srvsvc' || !SHARE_ENUM_OPS.has(rec.operation as string)) return;
        kind = 'enum';
      } else {
        const name = rec.name;
        if (typeof name !== 'string' || !setOf(t.writeCheckNames, names).has(baseName(name))) return;
        share = shareName(rec.path as string | undefined) ?? '(unknown share)';
        kind = 'write';
      }
      const src = rec['id.orig_h'] as string;
      const dst = rec['id.resp_h'] as string;
      const hosts = ctx.hosts;
      if (src === dst || !hosts.isInternal(src) || !hosts.isInternal(dst)) return;
      sources ??= init(t);
      const ts = rec.ts;
      const cutoff = ts - t.windowSeconds;
      const st = sources.get(src, ts);
      st.shares.expire(cutoff);
      st.enumHosts.expire(cutoff);
      st.writeChecks.expire(cutoff);
      if (st.shares.size + st.enumHosts.size + st.writeChecks.size === 0) {
        st.firstTs = ts;
        st.evidence = new Sample(100);
        st.lastEmitted = 0;
      }
      const host = hosts.hostKey(src, ts);
      clock.note(host, ts);
      clock.note(hosts.hostKey(dst, ts), ts);
      let added: boolean;
      if (kind === 'share') {
        added = st.shares.add(`${dst}\\${share}`, ts);
        if (added) sharesBase.observe(host, ts, st.shares.size, t.baselineDays);
      } else if (kind === 'enum') {
        added = st.enumHosts.add(dst, ts);
        if (added) enumBase.observe(host, ts, st.enumHosts.size, t.baselineDays);
      } else added = st.writeChecks.add(`${dst}\\${share}`, ts);
      if (!added) return;
      st.evidence.add({ log: path, uid: rec.uid as string, ts });
      const nShares = st.shares.size;
      const nEnum = st.enumHosts.size;
      const nWrite = st.writeChecks.size;
      if (nShares < t.minShares && nEnum < t.minShareEnumHosts && nWrite < t.minWriteCheckShares) return;
      const learning = clock.learning(host, ts, hosts, t);
      const period = clock.period(ts, t);
      const thrShares = sharesBase.threshold(host, ts, t.minShares, t, learning, period);
      const thrEnum = enumBase.threshold(host, ts, t.minShareEnumHosts, t, learning, period);
      const byShares = nShares >= thrShares.value;
      const byEnum = nEnum >= thrEnum.value;
      const byWrite = nWrite >= t.minWriteCheckShares;
      if (!byShares && !byEnum && !byWrite) return;
      const units = nShares + nEnum + nWrite;
      if (units < st.lastEmitted * 1.25) return;
      st.lastEmitted = units;
      emit(ctx, st, { host, src, ts, thrShares, thrEnum, byShares, byEnum, byWrite });
    },
    onTick(now: number, ctx: DetectorContext<T>) {
      const t = ctx.thresholds;
      sources?.expire(now - t.windowSeconds);
      sharesBase.refresh(now, t.baselineDays);
      enumBase.refresh(now, t.baselineDays);
    },
    snapshot(): Snapshot {
      return { shares: sharesBase.dump(), enumHosts: enumBase.dump(), clock: clock.dump() };
    },
    restore(state: unknown) {
      const s = state as Snapshot;
      sharesBase = PeakBaseline.load(100_000, s.shares);
      enumBase = PeakBaseline.load(100_000, s.enumHosts);
      clock = HostClock.load(200_000, s.clock);
      sources = undefined;
    },
  };
}

interface Trigger {
  host: string;
  src: string;
  ts: number;
  thrShares: BreadthThreshold;
  thrEnum: BreadthThreshold;
  byShares: boolean;
  byEnum: boolean;
  byWrite: boolean;
}

function emit(ctx: DetectorContext<T>, st: SourceState, g: Trigger): void {
  const t = ctx.thresholds;
  const servers = new Set<string>();
  let admin = 0;
  for (const key of st.shares.values()) {
    const sep = key.indexOf('\\');
    servers.add(key.slice(0, sep));
    if (key.endsWith('$')) admin++;
  }
  for (const key of st.writeChecks.values()) servers.add(key.slice(0, key.indexOf('\\')));
  for (const s of st.enumHosts.values()) servers.add(s);
  const nShares = st.shares.size;
  const nEnum = st.enumHosts.size;
  const nWrite = st.writeChecks.size;
  const perServer = nShares / Math.max(1, servers.size);
  const learning = g.thrShares.learning;
  const excess = Math.max(
    g.byShares ? Math.log2(nShares / g.thrShares.value) : 0,
    g.byEnum ? Math.log2(nEnum / g.thrEnum.value) : 0,
  );
  let certainty = learning ? Math.min(49, 40 + 5 * excess) : Math.min(90, 55 + 15 * excess);
  if (g.byWrite) certainty = Math.max(certainty, Math.min(95, 75 + 3 * (nWrite - t.minWriteCheckShares)));
  const why = [
    g.byShares ? `mounted ${nShares} shares` : '',
    g.byEnum ? `listed the shares of ${nEnum} servers` : '',
    g.byWrite ? `write-tested ${nWrite} shares` : '',
  ].filter((x) => x !== '');
  ctx.emit({
    host: g.host,
    src: g.src,
    targets: [...servers],
    threat: clamp99(
      Math.min(45, 20 + Math.min(10, 3 * (perServer - 1)) + (g.byWrite ? 10 : 0) + (admin >= 2 ? 5 : 0)),
    ),
    certainty: clamp99(certainty),
    drivers: [
      { name: 'shares mounted in window', value: nShares },
      { name: 'share threshold', value: g.thrShares.value },
      { name: 'servers share-listed (NetrShareEnum)', value: nEnum },
      { name: 'share-listing threshold', value: g.thrEnum.value },
      { name: 'shares write-tested', value: nWrite },
      { name: 'servers', value: servers.size },
      { name: 'shares per server', value: Math.round(perServer * 10) / 10 },
      { name: 'admin shares', value: admin },
      { name: 'host normal (shares)', value: g.thrShares.hostNormal },
      { name: 'network normal (shares)', value: g.thrShares.networkNormal },
      { name: 'baseline', value: learning ? 'learning' : 'learned' },
      { name: 'shares', value: listSome([...st.writeChecks.values(), ...st.shares.values()], 8) },
    ],
    evidence: st.evidence.items,
    evidenceCount: st.evidence.count,
    summary: `${hostLabel(ctx.hosts, g.host, g.src)} ${why.join(', ')} on ${servers.size} servers within ${minutes(g.ts - oldestIn([st.shares, st.enumHosts, st.writeChecks], g.ts))} min`,
    firstTs: st.firstTs,
    lastTs: g.ts,
  });
}
