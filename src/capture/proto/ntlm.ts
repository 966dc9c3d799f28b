/**
 * ntlm.log: one record per NTLM handshake (NEGOTIATE → CHALLENGE → AUTHENTICATE) in a flow,
 * whatever carries it (SMB, DCE-RPC, LDAP, HTTP): server names from the CHALLENGE's target info,
 * user, domain and workstation from the AUTHENTICATE, `success` from the SPNEGO result or the SMB2
 * session-setup status. Written when the outcome is known, at the next handshake or at flow end.
 */
import type { NtlmRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

interface State {
  rec?: NtlmRecord;
  authenticated: boolean;
}

const SESSION_SETUP = 1;

export class NtlmAnalyzer implements Analyzer {
  readonly name = 'ntlm';

  wants(row: Row): boolean {
    return row.has('ntlmssp.messagetype') || row.has('spnego.negResult') || row.raw('smb2.cmd') === '1';
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts, emit } = ctx;
    const st = flow.state<State>('ntlm', () => ({ authenticated: false }));
    for (const type of row.nums('ntlmssp.messagetype')) {
      if (type === 1 || (type !== 1 && !st.rec)) {
        if (st.rec) emit(st.rec);
        st.rec = { _path: 'ntlm', ts, ...connId(flow) } as NtlmRecord;
        st.authenticated = false;
        flow.services.add('ntlm');
      }
      const rec = st.rec as NtlmRecord;
      if (type === 2) {
        setDefined(rec, {
          server_nb_computer_name: row.str('ntlmssp.challenge.target_info.nb_computer_name'),
          server_dns_computer_name: row.str('ntlmssp.challenge.target_info.dns_computer_name'),
          server_tree_name: row.str('ntlmssp.challenge.target_info.dns_tree_name'),
        });
      } else if (type === 3) {
        setDefined(rec, {
          username: row.str('ntlmssp.auth.username'),
          domainname: row.str('ntlmssp.auth.domain'),
          hostname: row.str('ntlmssp.auth.hostname'),
        });
        st.authenticated = true;
      }
    }
    if (!st.rec || !st.authenticated) return;
    let outcome: boolean | undefined;
    const neg = row.nums('spnego.negResult');
    if (neg.length > 0 && !row.has('ntlmssp.messagetype')) outcome = neg[neg.length - 1] === 0;
    else if (!ctx.isOrig && row.num('smb2.cmd') === SESSION_SETUP && row.bool('smb2.flags.response'))
      outcome = (row.num('smb2.nt_status') ?? 0) === 0;
    if (outcome !== undefined) {
      st.rec.success = outcome;
      emit(st.rec);
      st.rec = undefined;
      st.authenticated = false;
    }
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('ntlm') as State | undefined;
    if (st?.rec) emit(st.rec);
  }
}
