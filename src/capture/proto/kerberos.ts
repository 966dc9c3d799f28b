/**
 * kerberos.log: one record per AS or TGS exchange (request + reply or KRB-ERROR), as Zeek: client
 * `name/REALM`, service `sname/REALM`, success, error name (the KDC's e-text when it sent one),
 * ticket cipher from the reply, forwardable/renewable from the request options.
 */
import type { KerberosRecord, ZeekRecord } from '../../model/records.js';
import type { Row } from '../fields.js';
import type { Flow } from '../flows.js';
import { type Analyzer, connId, type FrameContext, setDefined } from './analyzer.js';

export const KRB_CIPHERS: Readonly<Record<number, string>> = {
  1: 'des-cbc-crc',
  2: 'des-cbc-md4',
  3: 'des-cbc-md5',
  5: 'des3-cbc-md5',
  7: 'des3-cbc-sha1',
  9: 'dsaWithSHA1-CmsOID',
  10: 'md5WithRSAEncryption-CmsOID',
  11: 'sha1WithRSAEncryption-CmsOID',
  12: 'rc2CBC-EnvOID',
  13: 'rsaEncryption-EnvOID',
  14: 'rsaES-OAEP-ENV-OID',
  15: 'des-ede3-cbc-Env-OID',
  16: 'des3-cbc-sha1-kd',
  17: 'aes128-cts-hmac-sha1-96',
  18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128',
  20: 'aes256-cts-hmac-sha384-192',
  23: 'rc4-hmac',
  24: 'rc4-hmac-exp',
  25: 'camellia128-cts-cmac',
  26: 'camellia256-cts-cmac',
  65: 'subkey-keymaterial',
};

/** RFC 4120 error code names (Zeek's `KRB::error_msg`). */
export const KRB_ERRORS: Readonly<Record<number, string>> = {
  0: 'KDC_ERR_NONE',
  1: 'KDC_ERR_NAME_EXP',
  2: 'KDC_ERR_SERVICE_EXP',
  3: 'KDC_ERR_BAD_PVNO',
  4: 'KDC_ERR_C_OLD_MAST_KVNO',
  5: 'KDC_ERR_S_OLD_MAST_KVNO',
  6: 'KDC_ERR_C_PRINCIPAL_UNKNOWN',
  7: 'KDC_ERR_S_PRINCIPAL_UNKNOWN',
  8: 'KDC_ERR_PRINCIPAL_NOT_UNIQUE',
  9: 'KDC_ERR_NULL_KEY',
  10: 'KDC_ERR_CANNOT_POSTDATE',
  11: 'KDC_ERR_NEVER_VALID',
  12: 'KDC_ERR_POLICY',
  13: 'KDC_ERR_BADOPTION',
  14: 'KDC_ERR_ETYPE_NOSUPP',
  15: 'KDC_ERR_SUMTYPE_NOSUPP',
  16: 'KDC_ERR_PADATA_TYPE_NOSUPP',
  17: 'KDC_ERR_TRTYPE_NOSUPP',
  18: 'KDC_ERR_CLIENT_REVOKED',
  19: 'KDC_ERR_SERVICE_REVOKED',
  20: 'KDC_ERR_TGT_REVOKED',
  21: 'KDC_ERR_CLIENT_NOTYET',
  22: 'KDC_ERR_SERVICE_NOTYET',
  23: 'KDC_ERR_KEY_EXPIRED',
  24: 'KDC_ERR_PREAUTH_FAILED',
  25: 'KDC_ERR_PREAUTH_REQUIRED',
  26: 'KDC_ERR_SERVER_NOMATCH',
  27: 'KDC_ERR_MUST_USE_USER2USER',
  28: 'KDC_ERR_PATH_NOT_ACCEPTED',
  29: 'KDC_ERR_SVC_UNAVAILABLE',
  31: 'KRB_AP_ERR_BAD_INTEGRITY',
  32: 'KRB_AP_ERR_TKT_EXPIRED',
  33: 'KRB_AP_ERR_TKT_NYV',
  34: 'KRB_AP_ERR_REPEAT',
  35: 'KRB_AP_ERR_NOT_US',
  36: 'KRB_AP_ERR_BADMATCH',
  37: 'KRB_AP_ERR_SKEW',
  38: 'KRB_AP_ERR_BADADDR',
  39: 'KRB_AP_ERR_BADVERSION',
  40: 'KRB_AP_ERR_MSG_TYPE',
  41: 'KRB_AP_ERR_MODIFIED',
  42: 'KRB_AP_ERR_BADORDER',
  44: 'KRB_AP_ERR_BADKEYVER',
  45: 'KRB_AP_ERR_NOKEY',
  46: 'KRB_AP_ERR_MUT_FAIL',
  47: 'KRB_AP_ERR_BADDIRECTION',
  48: 'KRB_AP_ERR_METHOD',
  49: 'KRB_AP_ERR_BADSEQ',
  50: 'KRB_AP_ERR_INAPP_CKSUM',
  51: 'KRB_AP_PATH_NOT_ACCEPTED',
  52: 'KRB_ERR_RESPONSE_TOO_BIG',
  60: 'KRB_ERR_GENERIC',
  61: 'KRB_ERR_FIELD_TOOLONG',
  62: 'KDC_ERROR_CLIENT_NOT_TRUSTED',
  63: 'KDC_ERROR_KDC_NOT_TRUSTED',
  64: 'KDC_ERROR_INVALID_SIG',
  65: 'KDC_ERR_KEY_TOO_WEAK',
  66: 'KDC_ERR_CERTIFICATE_MISMATCH',
  67: 'KRB_AP_ERR_NO_TGT',
  68: 'KDC_ERR_WRONG_REALM',
  69: 'KRB_AP_ERR_USER_TO_USER_REQUIRED',
  70: 'KDC_ERR_CANT_VERIFY_CERTIFICATE',
  71: 'KDC_ERR_INVALID_CERTIFICATE',
  72: 'KDC_ERR_REVOKED_CERTIFICATE',
  73: 'KDC_ERR_REVOCATION_STATUS_UNKNOWN',
  74: 'KDC_ERR_REVOCATION_STATUS_UNAVAILABLE',
  75: 'KDC_ERR_CLIENT_NAME_MISMATCH',
  76: 'KDC_ERR_KDC_NAME_MISMATCH',
};

const IGNORED_ERRORS: ReadonlySet<string> = new Set([
  'NEEDED_PREAUTH',
  'Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ',
]);

const AS_REQ = 10;
const AS_REP = 11;
const TGS_REQ = 12;
const TGS_REP = 13;
const KRB_ERROR = 30;
const AP_REQ = 14;
const AP_REP = 15;

interface State {
  pending: KerberosRecord[];
  /** An AP-REQ waiting for its AP-REP. */
  ap?: KerberosRecord;
}

export class KerberosAnalyzer implements Analyzer {
  readonly name = 'kerberos';

  wants(row: Row): boolean {
    return row.has('kerberos.msg_type');
  }

  frame(ctx: FrameContext): void {
    const { row, flow, ts } = ctx;
    const type = row.num('kerberos.msg_type');
    if (type === AP_REQ || type === AP_REP) {
      this.ap(ctx, type);
      return;
    }
    if (type === undefined || ![AS_REQ, AS_REP, TGS_REQ, TGS_REP, KRB_ERROR].includes(type)) return;
    // Kerberos on a flow of its own (88/tcp, 88/udp); GSSAPI tokens inside other protocols are
    // AP exchanges Zeek does not write to kerberos.log.
    flow.services.add(flow.proto === 'tcp' ? 'krb_tcp' : 'krb');
    const st = flow.state<State>('kerberos', () => ({ pending: [] }));
    const realms = row.all('kerberos.realm');
    const snames = row.all('kerberos.SNameString');
    if (type === AS_REQ || type === TGS_REQ) {
      // A TGS-REQ carries its TGT (krbtgt/REALM) in the padata before the request body.
      const body = type === TGS_REQ && snames.length > 2 && snames[0] === 'krbtgt' ? snames.slice(2) : snames;
      const realm = realms[realms.length - 1];
      const cname = row.all('kerberos.CNameString');
      const rec = setDefined({ _path: 'kerberos', ts, ...connId(flow) } as KerberosRecord, {
        request_type: type === AS_REQ ? 'AS' : 'TGS',
        client: type === AS_REQ && cname.length > 0 ? `${cname.join('/')}/${realm ?? ''}` : undefined,
        service: body.length > 0 ? body.join('/') : undefined,
        till: parseTime(row.str('kerberos.till')),
        from: parseTime(row.str('kerberos.from')),
      });
      rec.forwardable = row.bool('kerberos.KDCOptions.forwardable') ?? false;
      rec.renewable = row.bool('kerberos.KDCOptions.renewable') ?? false;
      st.pending.push(rec);
      return;
    }
    const rec =
      st.pending.shift() ??
      ({
        _path: 'kerberos',
        ts,
        ...connId(flow),
        request_type: type === TGS_REP ? 'TGS' : 'AS',
      } as KerberosRecord);
    if (type === KRB_ERROR) {
      rec.success = false;
      const code = row.num('kerberos.error_code') ?? 0;
      rec.error_msg = row.str('kerberos.e_text') ?? KRB_ERRORS[code] ?? `unknown-${code}`;
      // Routine pre-authentication round trips Zeek leaves out (`KRB::ignored_errors`).
      if (IGNORED_ERRORS.has(rec.error_msg)) return;
    } else {
      rec.success = true;
      const etypes = row.nums('kerberos.etype');
      // KDC-REP: ... ticket { enc-part { etype } }, enc-part { etype } — the ticket's is next to last.
      const ticket = etypes.length >= 2 ? etypes[etypes.length - 2] : etypes[0];
      if (ticket !== undefined) rec.cipher = KRB_CIPHERS[ticket] ?? `unknown-${ticket}`;
      if (rec.client === undefined) {
        const cname = row.all('kerberos.CNameString');
        const crealm = row.str('kerberos.crealm');
        if (cname.length > 0) rec.client = `${cname.join('/')}/${crealm ?? ''}`;
      }
    }
    ctx.emit(rec);
  }

  /**
   * AP exchanges inside GSSAPI (SMB, LDAP, HTTP, DCE-RPC): Zeek logs them as request type `AP`
   * with the ticket's service and cipher; the client is hidden in the encrypted ticket, so only
   * its realm shows (`/REALM`).
   */
  private ap(ctx: FrameContext, type: number): void {
    const { row, flow, ts } = ctx;
    flow.services.add('krb');
    flow.services.add('gssapi');
    const st = flow.state<State>('kerberos', () => ({ pending: [] }));
    if (type === AP_REQ) {
      const etype = row.num('kerberos.etype');
      const rec = setDefined(
        { _path: 'kerberos', ts, ...connId(flow), request_type: 'AP' } as KerberosRecord,
        {
          client: `/${row.str('kerberos.realm') ?? ''}`,
          service: row.all('kerberos.SNameString').join('/') || undefined,
          cipher: etype === undefined ? undefined : (KRB_CIPHERS[etype] ?? `unknown-${etype}`),
        },
      );
      st.ap = rec;
      return;
    }
    if (st.ap) {
      st.ap.success = true;
      ctx.emit(st.ap);
      st.ap = undefined;
    }
  }

  end(flow: Flow, emit: (rec: ZeekRecord) => void): void {
    const st = flow.app.get('kerberos') as State | undefined;
    if (!st) return;
    for (const rec of st.pending) emit(rec);
    if (st.ap) emit(st.ap);
  }
}

/** tshark prints KerberosTime as e.g. `Sep 13, 2037 02:48:05.000000000 UTC`. */
function parseTime(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = Date.parse(s.replace(/\.\d+ UTC$/, ' UTC'));
  return Number.isFinite(t) ? t / 1000 : undefined;
}
