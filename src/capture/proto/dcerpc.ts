/**
 * dce_rpc.log: one record per request/response (or fault) pair, rtt between them. The interface
 * comes from the bind (or alter-context) that set up the call's presentation context — tracked
 * per TCP flow and, over SMB, per named-pipe file id, since every pipe numbers its contexts from
 * 0 — and names follow Zeek's tables. `named_pipe` is the bind_ack's secondary address (`\PIPE\…`
 * or the TCP port), else the SMB pipe opened, else the responder port.
 */
import type { DceRpcRecord, ZeekRecord } from '../../model/records.js';
import { endpointName, ignoredOperation, operationName } from '../dcerpc-names.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext } from './analyzer.js';
import { smbPipeName } from './smb.js';

interface Binding {
  contexts: Map<number, string>;
  secAddr?: string;
  pipe?: string;
  calls: Map<number, { ts: number; uuid?: string; opnum: number }>;
}

interface State {
  bindings: Map<string, Binding>;
  /** SMB2 read responses carry no file id: they belong to the pipe last named. */
  lastFid: string;
}

const PIPE_UUIDS: Readonly<Record<string, string>> = {
  winreg: '338cd001-2244-31f1-aaaa-900038001003',
  spoolss: '12345678-1234-abcd-ef00-0123456789ab',
  srvsvc: '4b324fc8-1670-01d3-1278-5a47bf6ee188',
};

const REQUEST = 0;
const RESPONSE = 2;
const FAULT = 3;
const BIND = 11;
const BIND_ACK = 12;
const ALTER = 14;
const ALTER_RESP = 15;

export class DceRpcAnalyzer implements Analyzer {
  readonly name = 'dce_rpc';

  wants(row: Row): boolean {
    return row.has('dcerpc.pkt_type');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('dce_rpc');
    const state = flow.state<State>('dce_rpc', () => ({ bindings: new Map(), lastFid: '' }));
    const fid = row.str('smb2.fid') ?? row.str('smb.fid') ?? state.lastFid;
    state.lastFid = fid;
    let b = state.bindings.get(fid);
    if (!b) {
      b = { contexts: new Map(), calls: new Map() };
      state.bindings.set(fid, b);
    }
    if (fid !== '' && b.pipe === undefined) b.pipe = smbPipeName(flow, fid);
    const types = row.nums('dcerpc.pkt_type');
    const callIds = row.nums('dcerpc.cn_call_id');
    const ctxIds = row.nums('dcerpc.cn_ctx_id');
    const opnums = row.nums('dcerpc.opnum');
    const uuids = row.all('dcerpc.cn_bind_to_uuid');
    let ctxAt = 0;
    let opAt = 0;
    types.forEach((type, i) => {
      const callId = callIds[i] ?? -1;
      if (type === BIND || type === ALTER) {
        // One context id per presentation context item, each with its abstract syntax uuid.
        const n = types.length === 1 ? ctxIds.length : Math.min(uuids.length, ctxIds.length - ctxAt);
        for (let k = 0; k < n; k++) {
          const id = ctxIds[ctxAt + k];
          const uuid = uuids[k];
          if (id !== undefined && uuid !== undefined) b.contexts.set(id, uuid.toLowerCase());
        }
        ctxAt += n;
      } else if (type === BIND_ACK || type === ALTER_RESP) {
        const sec = row.str('dcerpc.cn_sec_addr');
        if (sec) b.secAddr = sec;
      } else if (type === REQUEST) {
        const id = ctxIds[ctxAt++] ?? 0;
        const opnum = opnums[opAt++] ?? 0;
        b.calls.set(callId, { ts, uuid: b.contexts.get(id), opnum });
      } else if (type === RESPONSE || type === FAULT) {
        ctxAt++;
        if (type === RESPONSE) opAt++;
        const call = b.calls.get(callId);
        if (!call) return;
        b.calls.delete(callId);
        this.write(flow, b, call, ts, ctx.emit);
      }
    });
  }

  private write(
    flow: Flow,
    b: Binding,
    call: { ts: number; uuid?: string; opnum: number },
    respTs: number | undefined,
    emit: (rec: ZeekRecord) => void,
  ): void {
    const rec = { _path: 'dce_rpc', ts: call.ts, ...connId(flow) } as DceRpcRecord;
    if (respTs !== undefined) rec.rtt = Math.round((respTs - call.ts) * 1e6) / 1e6;
    rec.named_pipe = b.secAddr ?? b.pipe ?? String(flow.respP);
    // Without the bind (it preceded the capture) the interface is unknown, unless the pipe's
    // name says (Zeek's `pipe_name_to_common_uuid`); Zeek writes nothing for such calls.
    const uuid = call.uuid ?? PIPE_UUIDS[(b.pipe ?? '').toLowerCase().replace(/^.*\\/, '')];
    if (uuid === undefined) return;
    rec.endpoint = endpointName(uuid);
    rec.operation = operationName(uuid, call.opnum);
    if (ignoredOperation(rec.endpoint, rec.operation)) return;
    emit(rec);
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const state = flow.app.get('dce_rpc') as State | undefined;
    if (!state) return;
    for (const b of state.bindings.values())
      for (const call of b.calls.values()) this.write(flow, b, call, undefined, emit);
  }
}
