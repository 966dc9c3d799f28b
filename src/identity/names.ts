/**
 * Host-name and account-name normalisation, the identity-source precedence, and the
 * generic/default host-name heuristic. Called when evidence arrives (identity logs), never per
 * conn record.
 */
import type { ZeekRecord } from '../model/records.js';

/**
 * Where a host binding came from, strongest first. When two sources disagree about which host
 * holds an IP, the stronger one wins; a manual override is never replaced.
 *
 * - `override`  config `identity.hostOverrides` (IP or MAC → name)
 * - `dhcp-mac`  a DHCP lease (ACK / assigned address) to a MAC: the device that holds the IP now
 * - `kerberos`  Kerberos machine principal `NAME$@REALM` (`NAME$/REALM` in Zeek's kerberos.log)
 * - `ntlm`      NTLM workstation name sent by the client (`ntlm.hostname`)
 * - `dhcp-name` DHCP host name / client FQDN option
 * - `ntlm-server` server-declared NetBIOS name in an NTLM challenge (`server_nb_computer_name`)
 * - `rdp`       RDP client name (`rdp.client_name`)
 * - `dns`       DNS A answers for internal names and PTR answers (third-party, possibly stale)
 * - `carried`   no evidence yet in this session: the previous session's host on a static address
 */
export const SOURCE_RANK = {
  override: 100,
  'dhcp-mac': 90,
  kerberos: 80,
  ntlm: 70,
  'dhcp-name': 60,
  'ntlm-server': 55,
  rdp: 50,
  dns: 30,
  carried: 10,
  none: 0,
} as const;
export type IdentitySource = keyof typeof SOURCE_RANK;

/** Sources in which the machine at the IP names itself (so a different name means a different machine). */
export function isSelfDeclared(s: IdentitySource): boolean {
  return s === 'dhcp-mac' || s === 'kerberos' || s === 'ntlm' || s === 'dhcp-name' || s === 'rdp';
}

/**
 * `dc01.pandalab.com` / `MKT01$` / `mkt01` → `MKT01` (the NetBIOS-style short name, upper case):
 * the same machine appears as a DNS FQDN, a Kerberos principal and an NTLM workstation name.
 * Returns '' for names that identify nothing (empty, `-`, IP literals, `localhost`).
 */
export function normaliseHostName(raw: string): string {
  let s = raw.trim();
  if (s === '' || s === '-' || s === '(empty)') return '';
  const dot = s.indexOf('.');
  if (dot > 0) {
    // An IPv4 literal is not a name.
    let allDigits = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 46 && (c < 48 || c > 57)) {
        allDigits = false;
        break;
      }
    }
    if (allDigits) return '';
    s = s.slice(0, dot);
  }
  if (s.endsWith('$')) s = s.slice(0, -1);
  s = s.toUpperCase();
  if (s === '' || s === 'LOCALHOST' || s.includes(':')) return '';
  return s;
}

/** `aa-bb-cc-DD-ee-ff` → `aa:bb:cc:dd:ee:ff`. */
export function normaliseMac(raw: string): string {
  return raw.trim().toLowerCase().replaceAll('-', ':');
}

export interface AccountName {
  /** `domain\user`, lower case; domain is the first label of a realm (`PANDALAB.COM` → `pandalab`). */
  readonly key: string;
  readonly user: string;
  readonly domain: string;
  /** A computer account (`NAME$`). */
  readonly machine: boolean;
}

function shortDomain(d: string): string {
  const t = d.trim().toLowerCase();
  const dot = t.indexOf('.');
  return dot > 0 ? t.slice(0, dot) : t;
}

/**
 * Parses the account forms Zeek logs carry: Kerberos `user/REALM`, `user@REALM`,
 * `user/instance@REALM`; NTLM `username` + `domainname`; `DOMAIN\user`; RDP cookie `user` (often
 * truncated to 9 characters by mstsc, e.g. `Administr`). Returns undefined for empty names.
 */
export function parseAccount(raw: string | undefined, domainHint?: string): AccountName | undefined {
  if (raw === undefined) return undefined;
  let s = raw.trim();
  if (s === '' || s === '-' || s === '(empty)') return undefined;
  if (s.startsWith('mstshash=')) s = s.slice(9);
  let user = s;
  let domain = domainHint && domainHint !== '-' ? domainHint : '';
  const at = s.lastIndexOf('@');
  const bs = s.indexOf('\\');
  if (bs > 0) {
    domain = s.slice(0, bs);
    user = s.slice(bs + 1).replace(/^\\/, '');
  } else if (at > 0) {
    user = s.slice(0, at);
    domain = s.slice(at + 1);
  } else {
    const slash = s.lastIndexOf('/');
    // Kerberos `user/REALM`: the part after the last slash is the realm when it has a dot or
    // is upper case; `host/name` service-style principals are not accounts of a person.
    if (slash > 0) {
      user = s.slice(0, slash);
      domain = s.slice(slash + 1);
    }
  }
  user = user.trim().toLowerCase();
  if (user === '' || user === 'anonymous') return undefined;
  const d = shortDomain(domain);
  const machine = user.endsWith('$');
  return { key: d === '' ? user : `${d}\\${user}`, user, domain: d, machine };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * The account a record names, normalised as `parseAccount` keys it: Kerberos `client`, NTLM
 * `username` + `domainname`, the RDP cookie, and the user of FTP, HTTP, RADIUS and SOCKS. Used
 * to join accounts into stored rows (Recall pivots by account).
 */
export function accountOfRecord(rec: ZeekRecord): string | undefined {
  switch (rec._path) {
    case 'kerberos':
      return parseAccount(str(rec.client))?.key;
    case 'ntlm':
      return parseAccount(str(rec.username), str(rec.domainname))?.key;
    case 'rdp':
      return parseAccount(str(rec.cookie))?.key;
    case 'ftp':
    case 'socks':
      return parseAccount(str(rec.user))?.key;
    case 'http':
    case 'radius':
      return parseAccount(str(rec.username))?.key;
    default:
      return undefined;
  }
}

/**
 * Generic / default host names: what an OS calls itself before anyone names it, and attack
 * distributions. `WIN-` + 11 alphanumerics (Windows Server default), `DESKTOP-` + 7 and
 * `LAPTOP-` + 8 (Windows 10/11 default), `kali`, `parrot`, and similar.
 */
const GENERIC_NAME_RES: readonly RegExp[] = [
  // 11 is Windows' own; 12 also matches the redacted `WIN-XXXXXXXXXXXX` form in incident reports.
  /^WIN-[A-Z0-9]{11,12}$/,
  /^DESKTOP-[A-Z0-9]{7}$/,
  /^LAPTOP-[A-Z0-9]{8}$/,
  /^(KALI|PARROT|UBUNTU|DEBIAN|LOCALHOST|USER-PC|ADMIN-PC|PC|WIN10|WIN11|WINDOWS|MINWINPC|WORKSTATION)$/,
  /^KALI-?[A-Z0-9]*$/,
];

/** Whether a normalised (upper-case short) host name looks like a default, never-named host. */
export function isGenericHostName(name: string): boolean {
  for (const re of GENERIC_NAME_RES) if (re.test(name)) return true;
  return false;
}
