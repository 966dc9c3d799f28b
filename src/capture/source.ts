/**
 * A packet capture as a record source for an ingest run: tshark's rows → flow table + protocol
 * analyzers → conn, dns, http, ssl, smb_*, dce_rpc, ntlm, kerberos, ldap*, rdp, dhcp, ftp, ssh
 * records with Zeek's field names, yielded in event-time order. Records are held in a heap only
 * until no open flow (nor pending DHCP transaction or LDAP filter lookup) could still produce an
 * older one, so memory follows the open flows, not the capture (bounded by `maxHeldRecords`).
 *
 * Bad captures never stop the run: a file that is not a capture, a missing tshark, a truncated
 * or corrupt capture become located rejects (file, frame number), and every record from the
 * frames before the damage is kept.
 */

import type { RejectSink } from '../ingest/rejects.js';
import type { ZeekRecord } from '../model/records.js';
import { type Flow, type FlowOptions, FlowTable } from './flows.js';
import { TsHeap } from './heap.js';
import { LdapFilterPass } from './ldap-filters.js';
import { detectCaptureFile } from './magic.js';
import { packetOf } from './packet.js';
import type { Analyzer, FrameContext } from './proto/analyzer.js';
import { DceRpcAnalyzer } from './proto/dcerpc.js';
import { DhcpAnalyzer } from './proto/dhcp.js';
import { DnsAnalyzer } from './proto/dns.js';
import { FtpAnalyzer } from './proto/ftp.js';
import { HttpAnalyzer } from './proto/http.js';
import { KerberosAnalyzer } from './proto/kerberos.js';
import { LdapAnalyzer } from './proto/ldap.js';
import { NtlmAnalyzer } from './proto/ntlm.js';
import { RdpAnalyzer } from './proto/rdp.js';
import { SmbAnalyzer } from './proto/smb.js';
import { SshAnalyzer } from './proto/ssh.js';
import { SslAnalyzer } from './proto/ssl.js';
import { TSHARK_MISSING, type TsharkResult, tsharkAvailable, tsharkRows } from './tshark.js';

export interface CaptureReadOptions extends FlowOptions {
  /**
   * Records held to restore event-time order before the oldest are released anyway (then
   * counted as `late` by the merge if out of order). Default 500000 (~250 MB at worst).
   */
  readonly maxHeldRecords?: number;
}

export interface CaptureStats {
  frames: number;
  records: number;
}

/** Yields batches of typed records from one capture, in ts order. */
export async function* readCapture(
  file: string,
  sink: RejectSink,
  options: CaptureReadOptions = {},
  stats: CaptureStats = { frames: 0, records: 0 },
): AsyncGenerator<ZeekRecord[]> {
  let kind: Awaited<ReturnType<typeof detectCaptureFile>>;
  try {
    kind = await detectCaptureFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const message = e.code === 'ENOENT' ? 'file vanished or does not exist' : (e.message ?? String(err));
    sink.reject({ reason: 'read-error', file, line: 0, message });
    return;
  }
  if (!kind) {
    sink.reject({
      reason: 'unknown-format',
      file,
      line: 0,
      message: 'not a pcap or pcapng capture (no capture magic at the start of the file)',
    });
    return;
  }
  if (!tsharkAvailable()) {
    sink.reject({ reason: 'read-error', file, line: 0, message: TSHARK_MISSING });
    return;
  }
  const maxHeld = options.maxHeldRecords ?? 500_000;
  const heap = new TsHeap();
  const emit = (rec: ZeekRecord): void => {
    heap.push(rec);
  };
  const filters = new LdapFilterPass(file);
  const dhcp = new DhcpAnalyzer();
  const ftp = new FtpAnalyzer();
  const analyzers: Analyzer[] = [
    new DnsAnalyzer(),
    new HttpAnalyzer(),
    new SslAnalyzer(),
    new SmbAnalyzer(),
    new DceRpcAnalyzer(),
    new NtlmAnalyzer(),
    new KerberosAnalyzer(),
    new LdapAnalyzer(filters),
    new RdpAnalyzer(),
    dhcp,
    ftp,
    new SshAnalyzer(),
  ];
  const onEnd = (flow: Flow): void => {
    for (const a of analyzers) a.end?.(flow, emit);
    emit(flow.toRecord());
  };
  const table = new FlowTable(onEnd, options);
  const drain = (watermark: number): ZeekRecord[] => {
    const out: ZeekRecord[] = [];
    while (heap.size > 0 && (heap.peekTs() <= watermark || heap.size > maxHeld))
      out.push(heap.pop() as ZeekRecord);
    stats.records += out.length;
    return out;
  };
  const result: TsharkResult = { code: null, stderr: '', frames: 0 };
  let finished = false;
  try {
    let now = Number.NEGATIVE_INFINITY;
    for await (const rows of tsharkRows(file, result)) {
      for (const row of rows) {
        const p = packetOf(row);
        if (!p) continue;
        now = p.ts;
        const { flow, isOrig } = table.packet(p);
        if (flow.orig.pkts + flow.resp.pkts === 1 && ftp.isDataChannel(flow.respH, flow.respP, p.ts))
          flow.services.add('ftp-data');
        const ctx: FrameContext = { row, ts: p.ts, flow, isOrig, emit };
        for (const a of analyzers) if (a.wants(row)) a.frame(ctx);
        if (flow.services.size === 0) guessService(flow, row.raw('frame.protocols'));
      }
      for (const r of filters.release()) heap.push(r);
      const oldest = table.open().next();
      const watermark = Math.min(
        now,
        oldest.done ? Number.POSITIVE_INFINITY : oldest.value.start,
        dhcp.oldestPending(),
        filters.oldestWaiting(),
      );
      const out = drain(watermark);
      if (out.length > 0) yield out;
    }
    finished = true;
  } finally {
    if (!finished) filters.kill();
  }
  stats.frames = result.frames;
  table.flush();
  dhcp.flushAll(emit);
  for (const r of await filters.finish()) heap.push(r);
  const rest = drain(Number.POSITIVE_INFINITY);
  if (rest.length > 0) yield rest;
  reportFailure(file, result, sink);
}

/** tshark protocol → Zeek service name, for protocols Zeek has an analyzer for but Vigil logs nothing. */
const OTHER_SERVICES: Readonly<Record<string, string>> = {
  ntp: 'ntp',
  snmp: 'snmp',
  syslog: 'syslog',
  smtp: 'smtp',
  imap: 'imap',
  pop: 'pop3',
  sip: 'sip',
  mysql: 'mysql',
  irc: 'irc',
  radius: 'radius',
  mbtcp: 'modbus',
  dnp3: 'dnp3',
  mqtt: 'mqtt',
  quic: 'quic',
  socks: 'socks',
  xmpp: 'xmpp',
  postgresql: 'postgresql',
  rdp_udp: 'rdpeudp',
};
const OTHER_SERVICE_RE = new RegExp(`:(${Object.keys(OTHER_SERVICES).join('|')})(?::|$)`);

function guessService(flow: Flow, protocols: string): void {
  const m = OTHER_SERVICE_RE.exec(protocols);
  const service = m?.[1] === undefined ? undefined : OTHER_SERVICES[m[1]];
  if (service) flow.services.add(service);
}

function reportFailure(file: string, result: TsharkResult, sink: RejectSink): void {
  if (result.code === 0 && result.stderr === '') return;
  const first = result.stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(0, 2)
    .join(' ');
  const text = (first || `tshark exited with status ${result.code}`).replace(/The file "[^"]*"/, 'the file');
  if (result.code === 0 && !/cut short|damaged|corrupt/i.test(text)) return;
  const kept = `${result.frames} frame(s) before it were read and kept`;
  if (/isn't a capture file|unknown|not supported|doesn't support|network type/i.test(text)) {
    sink.reject({
      reason: 'unknown-format',
      file,
      line: result.frames,
      message: `capture not readable after frame ${result.frames}: ${text}; ${kept}`,
    });
  } else {
    sink.reject({
      reason: 'read-error',
      file,
      line: result.frames,
      message: `capture truncated or damaged after frame ${result.frames}: ${text}; ${kept}`,
    });
  }
}
