/**
 * Data the perimeter and DNS detectors ship with: perimeter service ports, webmail paths,
 * web-scanner paths and user agents, offensive-tool / exploit-scanner / hacking-forum domains.
 *
 * These are defaults only. Each list is a threshold of its detector and users replace it from
 * config (`detectors.<type>.<key>: [..]`), e.g. to add a forum or drop a path their own app
 * serves. Matching is exact-Set or lower-case substring, compiled once when a detector starts.
 */

/**
 * Perimeter services by `port/proto`: what `external-service-probe` counts as distinct services.
 * HTTP and HTTPS are one service (`web`): every visitor of a website uses both.
 */
export const PERIMETER_SERVICES: readonly string[] = [
  '21/tcp=ftp',
  '22/tcp=ssh',
  '23/tcp=telnet',
  '25/tcp=smtp',
  '465/tcp=smtp',
  '587/tcp=smtp',
  '80/tcp=web',
  '443/tcp=web',
  '8080/tcp=web',
  '110/tcp=pop3',
  '995/tcp=pop3',
  '143/tcp=imap',
  '993/tcp=imap',
  '500/udp=ike-vpn',
  '4500/udp=ike-vpn',
  '1194/udp=openvpn',
  '1194/tcp=openvpn',
  '1723/tcp=pptp-vpn',
  '4433/tcp=ssl-vpn',
  '8443/tcp=ssl-vpn',
  '10443/tcp=ssl-vpn',
  '3389/tcp=rdp',
  '445/tcp=smb',
  '1433/tcp=mssql',
  '3306/tcp=mysql',
  '5900/tcp=vnc',
  '5985/tcp=winrm',
  '5986/tcp=winrm',
];

/** URI path prefixes of webmail / Exchange front ends (lower case). */
export const WEBMAIL_PATH_PREFIXES: readonly string[] = [
  '/owa',
  '/ecp',
  '/ews',
  '/autodiscover',
  '/mapi',
  '/rpc/rpcproxy.dll',
  '/microsoft-server-activesync',
  '/oab',
  '/webmail',
  '/roundcube',
  '/zimbra',
  '/sogo',
];

/** URI path prefixes of SSL-VPN portals seen over plain web ports (lower case). */
export const VPN_PATH_PREFIXES: readonly string[] = [
  '/remote/login',
  '/remote/logincheck',
  '/dana-na/',
  '/dana-cached/',
  '/+cscoe+/',
  '/global-protect/',
  '/ssl-vpn/',
  '/vpn/index.html',
  '/my.policy',
  '/sslvpn',
];

/**
 * Paths scanners and exploit checkers request and a real site rarely serves (lower case).
 * Entries ending in `/` match as path prefixes, others as exact paths. Sources: Nikto and
 * nuclei templates' common targets, Apache/Tomcat/Struts/PHP exploit checks, leaked-secret
 * probes seen by any internet-facing server.
 */
export const SCANNER_PATHS: readonly string[] = [
  '/.env',
  '/.git/config',
  '/.git/head',
  '/.svn/entries',
  '/.ds_store',
  '/.htaccess',
  '/.htpasswd',
  '/.aws/credentials',
  '/server-status',
  '/server-info',
  '/phpinfo.php',
  '/info.php',
  '/test.php',
  '/config.php',
  '/config.php.bak',
  '/wp-config.php.bak',
  '/wp-login.php',
  '/xmlrpc.php',
  '/admin.php',
  '/shell.php',
  '/cmd.php',
  '/c99.php',
  '/r57.php',
  '/web.config',
  '/etc/passwd',
  '/boaform/admin/formlogin',
  '/hnap1',
  '/actuator/env',
  '/actuator/health',
  '/console',
  '/jmx-console',
  '/invoker/jmxinvokerservlet',
  '/solr/admin/info/system',
  '/struts2-showcase/',
  '/manager/html',
  '/host-manager/html',
  '/cgi-bin/',
  '/phpmyadmin/',
  '/pma/',
  '/myadmin/',
  '/vendor/phpunit/',
  '/wp-admin/',
  '/wp-content/plugins/',
  '/wp-includes/',
  '/administrator/',
  '/axis2/',
  '/jenkins/',
  '/owa/auth/x.js',
  '/api/jsonws/invoke',
  '/ecp/default.flt',
  '/autodiscover/autodiscover.json',
];

/**
 * Substrings of a request URI that only attacks carry (lower case): path traversal, SQL
 * injection, script injection, command injection, Log4Shell/OGNL/Struts payloads.
 */
export const ATTACK_URI_NEEDLES: readonly string[] = [
  '../',
  '..%2f',
  '%2e%2e',
  '/etc/passwd',
  'win.ini',
  'union select',
  'union+select',
  'union%20select',
  "' or '1'='1",
  '/.%2e/',
  'invokefunction',
  'call_user_func',
  'xdebug_session_start',
  '%27%20or%20',
  '<script',
  '%3cscript',
  '${jndi:',
  '%24%7bjndi',
  '%{(',
  'cmd.exe',
  '/bin/sh',
  ';wget ',
  'wget%20',
  'xp_cmdshell',
];

/**
 * Lower-case substrings of scanner / attack-tool user agents (after Sigma's
 * `proxy_ua_hacktool.yml` and the tools' documented defaults).
 */
export const SCANNER_USER_AGENTS: readonly string[] = [
  'nikto',
  'sqlmap',
  'nmap scripting engine',
  'masscan',
  'zgrab',
  'nuclei',
  'wpscan',
  'dirbuster',
  'gobuster',
  'ffuf',
  'feroxbuster',
  'wfuzz',
  'acunetix',
  'netsparker',
  'nessus',
  'openvas',
  'qualys',
  'burp',
  'w3af',
  'whatweb',
  'zmeu',
  'jorgee',
  'morfeus',
  'hydra',
  'arachni',
  'skipfish',
  'commix',
  'havij',
  'dotdotpwn',
  'fimap',
  'l9explore',
  'interactsh',
];

/**
 * Offensive-tool, exploit-scanner and hacking-forum domains (registered domains; any subdomain
 * matches). Category after the colon; it sets the threat of a lookup.
 */
export const SUSPECT_DOMAINS: readonly string[] = [
  // Offensive tools and exploit/vulnerability scanners (download sites, payload hosts).
  'exploit-db.com=exploit',
  'exploit-db.net=exploit',
  'rapid7.io=exploit',
  'packetstormsecurity.com=exploit',
  'packetstormsecurity.net=exploit',
  '0day.today=exploit',
  'vulners.com=exploit',
  'sploitus.com=exploit',
  'eternalblue.net=tool',
  'eternalbluescanner.com=tool',
  'softperfect.com=tool',
  'advanced-ip-scanner.com=tool',
  'advanced-port-scanner.com=tool',
  'angryip.org=tool',
  'nmap.org=tool',
  'netscan.tools=tool',
  'mimikatz.net=tool',
  'gentilkiwi.com=tool',
  'cobaltstrike.com=tool',
  'metasploit.com=tool',
  'bloodhoundenterprise.io=tool',
  'kali.org=tool',
  'hashcat.net=tool',
  'openwall.com=tool',
  'ngrok.io=tunnel',
  'ngrok.com=tunnel',
  'ngrok-free.app=tunnel',
  'trycloudflare.com=tunnel',
  'serveo.net=tunnel',
  'interact.sh=tool',
  'oast.fun=tool',
  'oast.pro=tool',
  'burpcollaborator.net=tool',
  // Hacking forums and markets.
  'xss.is=forum',
  'xss.as=forum',
  'exploit.in=forum',
  'exploit.im=forum',
  'forum.exploit.in=forum',
  'breachforums.is=forum',
  'breachforums.st=forum',
  'raidforums.com=forum',
  'nulled.to=forum',
  'cracked.io=forum',
  'cracked.to=forum',
  'hackforums.net=forum',
  'antichat.ru=forum',
  'antichat.com=forum',
  'zloy.bz=forum',
  'verified.ws=forum',
  'dublikat.shop=forum',
  'ramp4u.io=forum',
  'darkforums.st=forum',
];

/**
 * Lower-case words that mark an offensive-tool or hacking-community domain when they appear in
 * a registered domain nobody here uses (`eternalblue-scanner.example`, `xyz-hackforum.example`).
 * Kept specific: words like "crack" or "hack" alone hit ordinary businesses.
 */
export const SUSPECT_DOMAIN_KEYWORDS: readonly string[] = [
  'eternalblue',
  'ms17-010',
  'ms17010',
  'exploit',
  'hackforum',
  'hacking',
  'hacker',
  'pentest',
  'mimikatz',
  'metasploit',
  'cobaltstrike',
  'bloodhound',
  'sploit',
  '0day',
  'warez',
  'carding',
  'darknet',
  'ransomware',
];

/** Top-level domains that are generic (not country codes) but two letters long: none today. */
export const GENERIC_TWO_LETTER_TLDS: readonly string[] = [];

/** Local / special-use suffixes never counted as rare TLDs or NXDOMAIN bursts. */
export const LOCAL_DNS_SUFFIXES: readonly string[] = [
  'local',
  'lan',
  'home',
  'corp',
  'internal',
  'intranet',
  'localdomain',
  'arpa',
  'test',
  'invalid',
  'localhost',
  'home.arpa',
];

/** Parses `key=value` list entries into a Map (entries without `=` map to `fallback`). */
export function parseLabelled(list: readonly string[], fallback: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of list) {
    const i = raw.indexOf('=');
    const k = (i < 0 ? raw : raw.slice(0, i)).trim().toLowerCase();
    if (k) out.set(k, i < 0 ? fallback : raw.slice(i + 1).trim() || fallback);
  }
  return out;
}

/** A lower-case substring matcher over a list, with a bounded memo (values repeat heavily). */
export class SubstringMatcher {
  private readonly needles: readonly string[];
  private readonly memo = new Map<string, string | null>();

  constructor(
    list: readonly string[],
    private readonly memoMax = 20_000,
  ) {
    this.needles = list.map((s) => s.toLowerCase()).filter((s) => s.length > 0);
  }

  /** The first needle found in `value` (case-insensitive), or undefined. */
  match(value: string): string | undefined {
    const hit = this.memo.get(value);
    if (hit !== undefined) return hit ?? undefined;
    const lower = value.toLowerCase();
    let found: string | null = null;
    for (const n of this.needles) {
      if (lower.includes(n)) {
        found = n;
        break;
      }
    }
    if (this.memo.size >= this.memoMax) this.memo.clear();
    this.memo.set(value, found);
    return found ?? undefined;
  }
}

/** Lower-case path of a URI: no query or fragment. */
export function uriPath(uri: string): string {
  let end = uri.length;
  const q = uri.indexOf('?');
  if (q >= 0) end = q;
  const h = uri.indexOf('#');
  if (h >= 0 && h < end) end = h;
  return uri.slice(0, end).toLowerCase();
}

/** Matches a path against exact paths and `/`-terminated prefixes. */
export class PathMatcher {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(list: readonly string[]) {
    for (const raw of list) {
      const p = raw.toLowerCase();
      if (p.endsWith('/')) this.prefixes.push(p);
      else this.exact.add(p);
    }
  }

  match(path: string): string | undefined {
    if (this.exact.has(path)) return path;
    if (path.length > 1 && path.endsWith('/') && this.exact.has(path.slice(0, -1))) return path.slice(0, -1);
    for (const p of this.prefixes) if (path.startsWith(p)) return p;
    return undefined;
  }
}

/** A duration for summaries: `45 s`, `12 min`, `5.2 h`, `3.1 d`. */
export function formatSpan(seconds: number): string {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8_640) / 10} d`;
}

/**
 * Our own addresses beyond the configured internal ranges: the public perimeter (DMZ, NAT'd
 * services) that Zeek marks with `local_resp` / `local_orig` (its `Site::local_nets`) in
 * conn.log. Learned as conn records pass, bounded; `isOurs` = internal per the HostView, or seen
 * marked local by Zeek. Without it, a deployment whose config lists only RFC 1918 ranges would
 * see its own perimeter as "the internet" and no probe of it as inbound.
 */
export class OwnAddresses {
  private readonly marked = new Set<string>();

  constructor(private readonly cap = 65_536) {}

  /** Learns from a conn record's `local_orig` / `local_resp` flags. */
  learn(rec: { readonly [field: string]: unknown }): void {
    if (this.marked.size >= this.cap) return;
    if (rec.local_resp === true) {
      const ip = rec['id.resp_h'];
      if (typeof ip === 'string') this.marked.add(ip);
    }
    if (rec.local_orig === true) {
      const ip = rec['id.orig_h'];
      if (typeof ip === 'string') this.marked.add(ip);
    }
  }

  isOurs(ip: string, hosts: { isInternal(ip: string): boolean }): boolean {
    return hosts.isInternal(ip) || this.marked.has(ip);
  }

  /** The learned addresses, for checkpoints. */
  dump(): string[] {
    return [...this.marked];
  }

  load(ips: readonly string[]): void {
    this.marked.clear();
    for (const ip of ips.slice(0, this.cap)) this.marked.add(ip);
  }
}
