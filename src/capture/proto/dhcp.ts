/**
 * dhcp.log: one record per DHCP transaction (xid), as Zeek aggregates it: the message types in
 * order, client MAC, host name, domain, requested and assigned address, lease time, server, the
 * uids of the flows that carried it, and the duration from first to last message. A transaction
 * is written 30 s (Zeek's `DHCP::max_txid_watch_time`) after its first message or at the end.
 */
import type { DhcpRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import { type Analyzer, type FrameContext, setDefined } from './analyzer.js';

const TYPES: Readonly<Record<number, string>> = {
  1: 'DISCOVER',
  2: 'OFFER',
  3: 'REQUEST',
  4: 'DECLINE',
  5: 'ACK',
  6: 'NAK',
  7: 'RELEASE',
  8: 'INFORM',
  9: 'FORCERENEW',
  10: 'LEASEQUERY',
  11: 'LEASEUNASSIGNED',
  12: 'LEASEUNKNOWN',
  13: 'LEASEACTIVE',
};

const WATCH_SECONDS = 30;
const MAX_MSG_TYPES = 8;

interface Txn {
  rec: DhcpRecord;
  uids: Set<string>;
  last: number;
}

export class DhcpAnalyzer implements Analyzer {
  readonly name = 'dhcp';
  private readonly txns = new Map<string, Txn>();

  wants(row: Row): boolean {
    return row.has('dhcp.option.dhcp');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('dhcp');
    this.expire(ts, ctx.emit);
    const type = row.num('dhcp.option.dhcp') ?? 0;
    // Keyed by transaction id and client MAC: floods reuse one xid for many clients.
    const xid = `${row.str('dhcp.id') ?? ''}|${row.str('dhcp.hw.mac_addr') ?? ''}`;
    let t = this.txns.get(xid);
    if (!t) {
      t = { rec: { _path: 'dhcp', ts, msg_types: [] } as DhcpRecord, uids: new Set(), last: ts };
      this.txns.set(xid, t);
    }
    t.uids.add(flow.uid);
    t.last = ts;
    const rec = t.rec;
    rec.msg_types?.push(TYPES[type] ?? `unknown-${type}`);

    const server = type === 2 || type === 5 || type === 6;
    setDefined(rec, {
      mac: row.str('dhcp.hw.mac_addr')?.toLowerCase(),
      host_name: row.str('dhcp.option.hostname'),
      domain: row.str('dhcp.option.domain_name'),
      requested_addr: row.str('dhcp.option.requested_ip_address'),
      lease_time: row.num('dhcp.option.ip_address_lease_time'),
    });
    // The client's address is the one its messages come from (Zeek: the last such), not ciaddr.
    const from = ctx.isOrig ? flow.origH : flow.respH;
    if (!server && from !== '0.0.0.0') rec.client_addr = from;
    if (server) {
      setDefined(rec, {
        server_addr: row.str('dhcp.option.dhcp_server_id') ?? (ctx.isOrig ? flow.origH : flow.respH),
        server_message: row.str('dhcp.option.message'),
      });
      const yiaddr = row.str('dhcp.ip.your');
      if (type === 5 && yiaddr && yiaddr !== '0.0.0.0') rec.assigned_addr = yiaddr;
    } else setDefined(rec, { client_message: row.str('dhcp.option.message') });
    if ((rec.msg_types?.length ?? 0) >= MAX_MSG_TYPES) {
      // Zeek caps a record's message list (`DHCP::max_msg_types_per_log`): write it, start anew.
      this.txns.delete(xid);
      ctx.emit(this.finish(t));
    }
  }

  private expire(now: number, emit: (rec: ZeekRecord) => void): void {
    for (const [xid, t] of this.txns) {
      if (now - t.rec.ts < WATCH_SECONDS) continue;
      this.txns.delete(xid);
      emit(this.finish(t));
    }
  }

  private finish(t: Txn): DhcpRecord {
    t.rec.uids = [...t.uids];
    t.rec.duration = Math.round((t.last - t.rec.ts) * 1e6) / 1e6;
    return t.rec;
  }

  /** Earliest ts of a transaction still open. */
  oldestPending(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const t of this.txns.values()) if (t.rec.ts < min) min = t.rec.ts;
    return min;
  }

  flushAll(emit: (rec: ZeekRecord) => void): void {
    for (const t of this.txns.values()) emit(this.finish(t));
    this.txns.clear();
  }
}
