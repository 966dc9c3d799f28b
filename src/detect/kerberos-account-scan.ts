/**
 * kerberos-account-scan — one internal host asks the KDC for many different client principals
 * in a short window: user enumeration (`kerbrute userenum`: AS-REQs without pre-auth, answered
 * `KDC_ERR_C_PRINCIPAL_UNKNOWN` for names that do not exist) or password spraying
 * (`KDC_ERR_PREAUTH_FAILED` across accounts) (ATT&CK T1110.003 Password Spraying, T1087 Account
 * Discovery). Vectra's Kerberos Account Scan / Kerberos Brute-Sweep.
 *
 * Observables: `kerberos` `request_type` `AS`, `client` (`user/REALM`, lower-cased; machine
 * principals `…$` ignored), `success`, `error_msg`, internal → internal (the KDC is the target).
 * `KDC_ERR_PREAUTH_REQUIRED` is the normal first leg of every AS exchange and is neither a
 * failure nor an account by itself beyond its principal. Records without a client principal
 * (one-sided captures, where Zeek saw only the KDC's error) cannot be attributed to an account
 * and are skipped.
 *
 * Thresholds (account-scan-common.ts): `minFailedAccounts` 8 distinct principals failing with a
 * `failureErrors` code within 10 min, or `minAccounts` 20 distinct principals requested above the
 * host's learned normal (terminal servers log many users on). Published anchor: Splunk ESCU's
 * Kerberos spraying/enumeration analytics fire at more than 30 distinct users per 5 min from DC
 * events 4771/4768, which see every attempt; a sensor sees less and sprays are paced, hence 8
 * per 10 min, still far above a user's mistyped password (one principal).
 */
import type { ZeekRecord } from '../model/records.js';
import { ACCOUNT_SCAN_DEFAULTS, createAccountScan, isMachineAccount } from './account-scan-common.js';
import { setOf } from './recon-baseline.js';
import type { Detector, DetectorMeta } from './types.js';

export const kerberosAccountScanMeta = {
  type: 'kerberos-account-scan',
  name: 'Kerberos account scan',
  category: 'credential-access',
  attack: ['T1110.003', 'T1087'],
  logs: ['kerberos'],
  defaults: {
    ...ACCOUNT_SCAN_DEFAULTS,
    /** `error_msg` values that mean the account was tried and failed. */
    failureErrors: ['KDC_ERR_C_PRINCIPAL_UNKNOWN', 'KDC_ERR_PREAUTH_FAILED', 'KDC_ERR_CLIENT_REVOKED'],
  },
} as const satisfies DetectorMeta;

type T = typeof kerberosAccountScanMeta.defaults;

const cache = new WeakMap<readonly string[], ReadonlySet<string>>();

function extract(
  rec: ZeekRecord,
  t: T,
): { account: string; failed: boolean | undefined; unknownAccount: boolean } | undefined {
  const rt = rec.request_type;
  if (rt !== 'AS' && rt !== undefined) return undefined;
  const client = rec.client;
  if (typeof client !== 'string' || client === '' || client === '-') return undefined;
  const slash = client.lastIndexOf('/');
  const name = slash < 0 ? client : client.slice(0, slash);
  if (name === '' || isMachineAccount(name)) return undefined;
  const err = rec.error_msg;
  const failureSet = setOf(t.failureErrors, cache);
  const failed = typeof err === 'string' && failureSet.has(err.toLowerCase());
  if (rt === undefined && !failed) return undefined;
  return {
    account: client.toLowerCase(),
    failed: failed ? true : rec.success === true ? false : undefined,
    unknownAccount: err === 'KDC_ERR_C_PRINCIPAL_UNKNOWN',
  };
}

export function createKerberosAccountScan(): Detector<T> {
  return createAccountScan<T>({ meta: kerberosAccountScanMeta, protocol: 'Kerberos', extract });
}
