/**
 * rdp.log: one record per RDP connection, written at flow end: the `mstshash` cookie from the
 * X.224 connection request, the security protocol the server selected, and — when the session
 * is not wrapped in TLS — the client name and build from the client core data.
 */
import type { RdpRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

/** Zeek's `RDP::builds`: client build number → product. */
const BUILDS: Readonly<Record<number, string>> = {
  2195: 'RDP 5.0',
  2600: 'RDP 5.1',
  3790: 'RDP 5.2',
  6000: 'RDP 6.0',
  6001: 'RDP 6.1',
  6002: 'RDP 6.2',
  7600: 'RDP 7.0',
  7601: 'RDP 7.1',
  9200: 'RDP 8.0',
  9600: 'RDP 8.1',
  25189: 'RDP 8.0 (Mac)',
  25282: 'RDP 8.0 (Mac)',
};
const FAILURES: Readonly<Record<number, string>> = {
  1: 'SSL_REQUIRED_BY_SERVER',
  2: 'SSL_NOT_ALLOWED_BY_SERVER',
  3: 'SSL_CERT_NOT_ON_SERVER',
  4: 'INCONSISTENT_FLAGS',
  5: 'HYBRID_REQUIRED_BY_SERVER',
  6: 'SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER',
};

const PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'RDP',
  1: 'SSL',
  2: 'HYBRID',
  4: 'RDSTLS',
  8: 'HYBRID_EX',
};

export class RdpAnalyzer implements Analyzer {
  readonly name = 'rdp';

  wants(row: Row): boolean {
    return (
      row.has('rdp.rt_cookie') ||
      row.has('rdp.negReq.selectedProtocol') ||
      row.has('rdp.negReq.requestedProtocols') ||
      row.has('rdp.client.name')
    );
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    flow.services.add('rdp');
    const rec = flow.state<RdpRecord>('rdp', () => ({ _path: 'rdp', ts, ...connId(flow) }) as RdpRecord);
    const cookie = row.str('rdp.rt_cookie');
    if (cookie !== undefined)
      rec.cookie = cookie
        .replace(/^Cookie:\s*/i, '')
        .replace(/^mstshash=/i, '')
        .replace(/\r?\n$/, '');
    const selected = row.num('rdp.negReq.selectedProtocol');
    if (selected !== undefined && !ctx.isOrig) {
      rec.security_protocol = PROTOCOLS[selected] ?? `unknown-${selected}`;
      // With TLS/CredSSP the rest of the session is opaque: Zeek says "encrypted".
      rec.result = selected === 0 ? 'Success' : 'encrypted';
    }
    const failure = row.num('rdp.negFailure.failureCode');
    if (failure !== undefined && !ctx.isOrig) rec.result = FAILURES[failure] ?? `unknown-${failure}`;
    const build = row.num('rdp.client.build');
    setDefined(rec, {
      client_name: row.str('rdp.client.name'),
      client_build: build === undefined ? undefined : (BUILDS[build] ?? `unknown-${build}`),
    });
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const rec = flow.app.get('rdp') as RdpRecord | undefined;
    if (rec) emit(rec);
  }
}
