/**
 * Test helpers for the lateral-movement detectors: a HostView with roles, names, VPN pool and
 * first-seen times set by the test, and builders for dce_rpc, ntlm, smb_mapping, smb_files,
 * files and rdp records with Zeek's own field names and spellings.
 */
import { DetectionEngine, type EngineConfig } from '../detect/engine.js';
import { IpHostView } from '../detect/ip-host-view.js';
import type { Detection, DetectorFactory, GeoInfo, HostView } from '../detect/types.js';
import type { ZeekRecord } from '../model/records.js';
import { rng, zeekUid } from '../simulate/sample.js';
import { byTs } from './records.js';

export class TestHostView implements HostView {
  readonly roleMap = new Map<string, Set<string>>();
  readonly nameMap = new Map<string, string[]>();
  readonly first = new Map<string, number>();
  readonly vpnIps = new Set<string>();
  private readonly base = new IpHostView();

  role(host: string, ...roles: string[]): this {
    const s = this.roleMap.get(host) ?? new Set<string>();
    for (const r of roles) s.add(r);
    this.roleMap.set(host, s);
    return this;
  }

  name(host: string, name: string): this {
    this.nameMap.set(host, [name]);
    return this;
  }

  hostKey(ip: string): string {
    return ip;
  }
  isInternal(ip: string): boolean {
    return this.base.isInternal(ip);
  }
  roles(host: string): ReadonlySet<string> {
    return this.roleMap.get(host) ?? new Set();
  }
  isHighValue(host: string): boolean {
    const r = this.roles(host);
    return r.has('domain-controller') || r.has('backup-server');
  }
  names(host: string): readonly string[] {
    return this.nameMap.get(host) ?? [];
  }
  firstSeen(host: string): number | undefined {
    return this.first.get(host);
  }
  isVpnAddress(ip: string): boolean {
    return this.vpnIps.has(ip);
  }
  inBusinessHours(ts: number): boolean {
    return this.base.inBusinessHours(ts);
  }
  isGenericName(name: string): boolean {
    return /^(WIN-[A-Z0-9]{11,12}|DESKTOP-[A-Z0-9]{7}|KALI)$/i.test(name);
  }
  geo(): GeoInfo | undefined {
    return undefined;
  }
  accountFirstSeenOnHost(): number | undefined {
    return undefined;
  }
}

let rand = rng(777);
export const uid = (): string => zeekUid(rand);
export const fuid = (): string => zeekUid(rand, 'F');
export function resetLateralUids(seed: number): void {
  rand = rng(seed);
}

interface Conn4 {
  ts: number;
  src: string;
  dst: string;
  port?: number;
  uid?: string;
}

function ids(c: Conn4, port: number): Record<string, string | number> {
  return {
    uid: c.uid ?? uid(),
    'id.orig_h': c.src,
    'id.orig_p': 49152 + Math.floor(rand() * 16000),
    'id.resp_h': c.dst,
    'id.resp_p': c.port ?? port,
  };
}

export function dceRpc(c: Conn4 & { endpoint: string; operation: string; pipe?: string }): ZeekRecord {
  return {
    _path: 'dce_rpc',
    ts: c.ts,
    ...ids(c, c.pipe ? 445 : 49667),
    rtt: 0.0012,
    named_pipe: c.pipe ?? String(c.port ?? 49667),
    endpoint: c.endpoint,
    operation: c.operation,
  };
}

export function ntlm(
  c: Conn4 & { user: string; domain: string; hostname?: string; success?: boolean },
): ZeekRecord {
  return {
    _path: 'ntlm',
    ts: c.ts,
    ...ids(c, 445),
    username: c.user,
    hostname: c.hostname ?? 'WS01',
    domainname: c.domain,
    server_nb_computer_name: 'SRV',
    success: c.success,
  };
}

export function smbMapping(c: Conn4 & { share: string; shareType?: string }): ZeekRecord {
  return {
    _path: 'smb_mapping',
    ts: c.ts,
    ...ids(c, 445),
    path: `\\\\${c.dst}\\${c.share}`,
    service: c.shareType === 'PIPE' ? 'IPC' : 'A:',
    native_file_system: c.shareType === 'PIPE' ? undefined : 'NTFS',
    share_type: c.shareType ?? 'DISK',
  };
}

export function smbFile(
  c: Conn4 & { share?: string; name: string; action?: string; size?: number; fuid?: string },
): ZeekRecord {
  return {
    _path: 'smb_files',
    ts: c.ts,
    ...ids(c, 445),
    fuid: c.fuid,
    action: c.action ?? 'SMB::FILE_OPEN',
    path: c.share ? `\\\\${c.dst}\\${c.share}` : undefined,
    name: c.name,
    size: c.size ?? 0,
  };
}

export function filesRec(
  c: Conn4 & {
    name?: string;
    source?: string;
    isOrig: boolean;
    bytes: number;
    md5?: string;
    sha1?: string;
    sha256?: string;
    fuid?: string;
  },
): ZeekRecord {
  const i = ids(c, 445);
  return {
    _path: 'files',
    ts: c.ts,
    fuid: c.fuid ?? fuid(),
    ...i,
    source: c.source ?? 'SMB',
    depth: 0,
    mime_type: 'application/x-dosexec',
    filename: c.name,
    is_orig: c.isOrig,
    seen_bytes: c.bytes,
    total_bytes: c.bytes,
    md5: c.md5,
    sha1: c.sha1,
    sha256: c.sha256,
  };
}

export function rdp(
  c: Conn4 & { cookie?: string; layout?: string; build?: string; clientName?: string; result?: string },
): ZeekRecord {
  return {
    _path: 'rdp',
    ts: c.ts,
    ...ids(c, 3389),
    cookie: c.cookie,
    result: c.result ?? 'encrypted',
    security_protocol: 'HYBRID',
    keyboard_layout: c.layout,
    client_build: c.build,
    client_name: c.clientName,
  };
}

export function connBytes(c: Conn4 & { respBytes: number; origBytes?: number; state?: string }): ZeekRecord {
  return {
    _path: 'conn',
    ts: c.ts,
    ...ids(c, 445),
    proto: 'tcp',
    service: 'smb',
    duration: 30,
    orig_bytes: c.origBytes ?? 2000,
    resp_bytes: c.respBytes,
    conn_state: c.state ?? 'SF',
    history: 'ShADadFf',
    orig_pkts: 20,
    resp_pkts: 40,
  };
}

export function runWith(
  factories: DetectorFactory[],
  recs: ZeekRecord[],
  view: HostView = new TestHostView(),
  cfg: EngineConfig = {},
): Detection[] {
  const engine = new DetectionEngine(factories, view, cfg);
  engine.process(byTs(recs));
  engine.finish();
  return [...engine.store.detections];
}

/** Random pieces for test variants. */
export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

export function randomName(r: () => number, len = 6): string {
  const a = 'abcdefghijklmnopqrstuvwxyz';
  let s = '';
  for (let i = 0; i < len; i++) s += a[Math.floor(r() * a.length)];
  return s;
}

export const DAY = 86_400;

/**
 * Background that runs a detector's learning clock (observed time, gaps capped at 6 h): one
 * ordinary record every `stepSeconds` between two quiet hosts, from `from` for `hours` hours.
 */
export function clockRecords(
  kind: 'dce_rpc' | 'smb_mapping' | 'smb_files' | 'conn',
  from: number,
  hours = 26,
  stepSeconds = 1_800,
): ZeekRecord[] {
  const out: ZeekRecord[] = [];
  for (let ts = from; ts <= from + hours * 3600; ts += stepSeconds) {
    const c = { ts, src: '10.99.0.5', dst: '10.99.0.1' };
    if (kind === 'dce_rpc')
      out.push(dceRpc({ ...c, endpoint: 'srvsvc', operation: 'NetrShareEnum', pipe: '\\PIPE\\srvsvc' }));
    else if (kind === 'smb_mapping') out.push(smbMapping({ ...c, share: 'IPC$', shareType: 'PIPE' }));
    else if (kind === 'smb_files') out.push(smbFile({ ...c, share: 'public', name: 'readme.txt' }));
    else out.push(connBytes({ ...c, respBytes: 1_000 }));
  }
  return out;
}
