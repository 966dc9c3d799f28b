/**
 * smb-account-scan — one internal host rapidly authenticates with many different accounts over
 * NTLM (SMB, DCE-RPC, LDAP, HTTP): password spraying, credential stuffing with dumped
 * credentials, or probing which accounts exist (ATT&CK T1110.003 Password Spraying, T1087
 * Account Discovery). Vectra's SMB Account Scan / SMB Brute-Force: "rapidly makes use of
 * multiple accounts via SMB".
 *
 * Observables: `ntlm` `username` + `domainname` (normalised `domain\user`, lower case; machine
 * accounts `…$` and anonymous sessions ignored), `success`, `hostname` (the client's claimed
 * workstation name, in the evidence records), internal → internal.
 *
 * Thresholds (account-scan-common.ts): `minFailedAccounts` 8 distinct accounts failing within
 * 10 min, or `minAccounts` 20 distinct accounts used at all above the host's learned normal.
 * Published anchor: Splunk ESCU "Windows Multiple Users Failed To Authenticate From Host Using
 * NTLM" fires at more than 30 distinct users per 5 min from DC event 4776, which sees every
 * attempt in the domain. A sensor sees only the segments it taps and sprays are often paced
 * below lockout, so we go lower: 8 failing accounts in 10 min is still far from anything a
 * person does (a mistyped password is one account; a helpdesk tech is one account on many
 * hosts; a user with an admin account is two).
 *
 * Threat stays below 50 alone; +10 when an account succeeded after others failed (a spray that
 * found a password). Certainty is high on the failure path.
 */
import type { ZeekRecord } from '../model/records.js';
import { ACCOUNT_SCAN_DEFAULTS, createAccountScan, isMachineAccount } from './account-scan-common.js';
import type { Detector, DetectorMeta } from './types.js';

export const smbAccountScanMeta = {
  type: 'smb-account-scan',
  name: 'SMB account scan',
  category: 'credential-access',
  attack: ['T1110.003', 'T1087'],
  logs: ['ntlm'],
  defaults: { ...ACCOUNT_SCAN_DEFAULTS },
} as const satisfies DetectorMeta;

type T = typeof smbAccountScanMeta.defaults;

function extract(
  rec: ZeekRecord,
): { account: string; failed: boolean | undefined; unknownAccount: boolean } | undefined {
  const user = rec.username;
  if (typeof user !== 'string' || user === '' || user === '-' || isMachineAccount(user)) return undefined;
  const dom = rec.domainname;
  const account = (
    typeof dom === 'string' && dom !== '' && dom !== '-' ? `${dom}\\${user}` : user
  ).toLowerCase();
  const success = rec.success;
  return { account, failed: typeof success === 'boolean' ? !success : undefined, unknownAccount: false };
}

export function createSmbAccountScan(): Detector<T> {
  return createAccountScan<T>({ meta: smbAccountScanMeta, protocol: 'NTLM', extract });
}
