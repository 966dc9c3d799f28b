/**
 * ssl.log: one record per TLS session (per flow), written when the flow ends: SNI and JA3 from
 * the ClientHello, negotiated version (supported_versions when present), cipher and JA3S from the
 * ServerHello, `established` when both sides went on to ChangeCipherSpec or application data.
 */
import { spawnSync } from 'node:child_process';
import type { SslRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { TSHARK } from '../tshark.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

const VERSIONS: Readonly<Record<number, string>> = {
  2: 'SSLv2',
  768: 'SSLv3',
  769: 'TLSv10',
  770: 'TLSv11',
  771: 'TLSv12',
  772: 'TLSv13',
  65279: 'DTLSv10',
  65277: 'DTLSv12',
  65276: 'DTLSv13',
};

export function tlsVersionName(v: number): string {
  if (VERSIONS[v]) return VERSIONS[v];
  if (v >> 8 === 0x7f) return `TLSv13-draft${v & 0xff}`;
  return `unknown-${v}`;
}

let cipherNames: Map<number, string> | undefined;

/** IANA cipher-suite names, read once from tshark's own value table (`tshark -G values`). */
export function cipherName(id: number): string {
  if (cipherNames === undefined) {
    cipherNames = new Map();
    const r = spawnSync(TSHARK, ['-G', 'values'], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 60_000,
    });
    for (const line of (r.stdout ?? '').split('\n')) {
      if (!line.startsWith('V\ttls.handshake.ciphersuite\t')) continue;
      const [, , num, name] = line.split('\t');
      if (num !== undefined && name !== undefined) cipherNames.set(Number(num), name);
    }
  }
  return cipherNames.get(id) ?? `unknown-${id}`;
}

interface State {
  rec: SslRecord;
  serverHello: boolean;
  ccsOrig: boolean;
  ccsResp: boolean;
}

export class SslAnalyzer implements Analyzer {
  readonly name = 'ssl';

  wants(row: Row): boolean {
    return row.has('tls.record.content_type');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts, isOrig } = ctx;
    const types = row.nums('tls.handshake.type');
    let st = flow.app.get('ssl') as State | undefined;
    if (!st) {
      if (!types.includes(1) && !types.includes(2)) return;
      flow.services.add('ssl');
      st = {
        rec: { _path: 'ssl', ts, ...connId(flow), resumed: false, established: false } as SslRecord,
        serverHello: false,
        ccsOrig: false,
        ccsResp: false,
      };
      flow.app.set('ssl', st);
    }
    const rec = st.rec;
    if (types.includes(1)) {
      setDefined(rec, {
        server_name: row.str('tls.handshake.extensions_server_name'),
        ja3: row.str('tls.handshake.ja3'),
      });
    }
    if (types.includes(2)) {
      st.serverHello = true;
      const supported = row.num('tls.handshake.extensions.supported_version');
      const hs = row.nums('tls.handshake.version');
      const v = supported ?? hs[hs.length - 1];
      const cipher = row.num('tls.handshake.ciphersuite');
      setDefined(rec, {
        version: v === undefined ? undefined : tlsVersionName(v),
        cipher: cipher === undefined ? undefined : cipherName(cipher),
        ja3s: row.str('tls.handshake.ja3s'),
        next_protocol: row.str('tls.handshake.extensions_alpn_str'),
      });
    }
    const content = row.nums('tls.record.content_type');
    if (content.includes(20) || content.includes(23)) {
      if (isOrig) st.ccsOrig = true;
      else st.ccsResp = true;
    }
    if (st.serverHello && st.ccsOrig && st.ccsResp) rec.established = true;
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('ssl') as State | undefined;
    if (st) emit(st.rec);
  }
}
