/**
 * Protocol sessions built on `Emitter`: a web visit (DNS + TLS/HTTP), SMB sessions with tree
 * connects, file actions and NTLM, Kerberos exchanges, DCE-RPC calls, RDP, LDAP, DHCP and FTP.
 * Each writes the conn record and the protocol records Zeek would write for it.
 */
import type { Conn, Emitter } from './emit.js';
import { Rng, subSeed } from './rand.js';
import { micros } from './time.js';

export interface TlsSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly sni?: string;
  readonly port?: number;
  readonly origBytes?: number;
  readonly respBytes?: number;
  readonly duration?: number;
  readonly established?: boolean;
}

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'];
const TLS12 = ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'];

export function tls(e: Emitter, s: TlsSpec): Conn {
  const r = e.rand;
  const established = s.established ?? true;
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: s.port ?? 443,
    service: 'ssl',
    duration: s.duration ?? r.logNormal(8, 1.2),
    origBytes: s.origBytes ?? Math.round(r.logNormal(1800, 0.8)),
    respBytes: s.respBytes ?? Math.round(r.logNormal(25000, 1.3)),
    state: established ? 'SF' : 'RSTR',
  });
  const v13 = r.chance(0.7);
  const resumed = !v13 && r.chance(0.2);
  e.record('ssl', c, s.ts + r.between(0.01, 0.08), {
    version: v13 ? 'TLSv13' : 'TLSv12',
    cipher: r.pick(v13 ? TLS13 : TLS12),
    curve: 'x25519',
    server_name: s.sni,
    resumed,
    next_protocol: v13 ? undefined : 'h2',
    established,
    ssl_history: v13 ? 'CsiI' : 'CsxknGIi',
    cert_chain_fps: v13 ? undefined : resumed ? [] : [certificate(e, s.ts, s.sni ?? s.server)],
    client_cert_chain_fps: v13 ? undefined : [],
    sni_matches_cert: v13 || s.sni === undefined ? undefined : true,
  });
  return c;
}

const PUBLIC_CAS = [
  'CN=DigiCert TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US',
  'CN=GTS CA 1C3,O=Google Trust Services LLC,C=US',
  "CN=R3,O=Let's Encrypt,C=US",
  'CN=Microsoft RSA TLS CA 02,O=Microsoft Corporation,C=US',
];

/**
 * The server certificate of `name` (same fingerprint every time), written to x509.log once a
 * day, as Zeek 6+ does; returns its fingerprint for `cert_chain_fps`.
 */
export function certificate(e: Emitter, ts: number, name: string, selfSigned = false): string {
  const r = new Rng(subSeed(0x7c3a9e51, name));
  const fp = r.hex(64);
  if (e.sink.once(`${fp}:${Math.floor(ts / 86400)}`)) {
    const internal = e.isLocal(name) || name.endsWith('.local');
    const issuer = selfSigned
      ? `CN=${name}`
      : internal
        ? 'CN=CORP-DC1-CA,DC=corp,DC=local'
        : r.pick(PUBLIC_CAS);
    const notBefore = Math.floor(ts / 86400) * 86400 - r.int(20, 300) * 86400;
    e.sink.push('x509', ts, {
      fingerprint: fp,
      'certificate.version': 3,
      'certificate.serial': r.hex(32).toUpperCase(),
      'certificate.subject': `CN=${name}`,
      'certificate.issuer': issuer,
      'certificate.not_valid_before': notBefore,
      'certificate.not_valid_after': notBefore + (selfSigned ? 182 : 397) * 86400,
      'certificate.key_alg': 'rsaEncryption',
      'certificate.sig_alg': 'sha256WithRSAEncryption',
      'certificate.key_type': 'rsa',
      'certificate.key_length': 2048,
      'certificate.exponent': '65537',
      'san.dns': selfSigned ? undefined : [name],
      'basic_constraints.ca': selfSigned ? undefined : false,
      host_cert: true,
      client_cert: false,
    });
  }
  return fp;
}

export interface HttpSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly host?: string;
  readonly port?: number;
  readonly method?: string;
  readonly uri: string;
  readonly userAgent?: string;
  readonly status?: number;
  readonly requestBytes?: number;
  readonly responseBytes?: number;
  readonly mime?: string;
  readonly username?: string;
  /** Extra requests on the same connection: [method, uri, status, responseBytes]. */
  readonly more?: ReadonlyArray<readonly [string, string, number, number]>;
}

const STATUS: Record<number, string> = {
  200: 'OK',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  500: 'Internal Server Error',
};

export function http(e: Emitter, s: HttpSpec): Conn {
  const r = e.rand;
  const reqs: Array<readonly [string, string, number, number]> = [
    [s.method ?? 'GET', s.uri, s.status ?? 200, s.responseBytes ?? Math.round(r.logNormal(4000, 1))],
    ...(s.more ?? []),
  ];
  const respTotal = reqs.reduce((a, q) => a + q[3], 0);
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: s.port ?? 80,
    service: 'http',
    duration: r.between(0.05, 0.6) * reqs.length,
    origBytes: reqs.length * (320 + (s.userAgent?.length ?? 0)) + (s.requestBytes ?? 0),
    respBytes: respTotal + reqs.length * 250,
  });
  reqs.forEach(([method, uri, status, bytes], i) => {
    const fuid = bytes > 0 ? r.zeekId('F') : undefined;
    const mime = s.mime ?? mimeOf(uri);
    e.record('http', c, s.ts + 0.002 + i * 0.05, {
      trans_depth: i + 1,
      method,
      host: s.host ?? s.server,
      uri,
      version: '1.1',
      user_agent: s.userAgent,
      request_body_len: method === 'POST' ? (s.requestBytes ?? 0) : 0,
      response_body_len: bytes,
      status_code: status,
      status_msg: STATUS[status] ?? 'OK',
      tags: [],
      username: s.username,
      resp_fuids: fuid ? [fuid] : undefined,
      resp_mime_types: fuid ? [mime] : undefined,
    });
    if (fuid) {
      e.record(
        'files',
        c,
        s.ts + 0.01 + i * 0.05,
        fileFields(e, fuid, 'HTTP', mime, undefined, bytes, false, e.isLocal(s.server)),
      );
    }
  });
  return c;
}

const MIME: Record<string, string> = {
  crl: 'application/pkix-crl',
  png: 'image/png',
  jpg: 'image/jpeg',
  css: 'text/css',
  js: 'application/javascript',
  pdf: 'application/pdf',
  txt: 'text/plain',
  xml: 'application/xml',
  json: 'application/json',
};

/** The MIME type Zeek's file analysis would find for a URI's body (by its extension; HTML otherwise). */
export function mimeOf(uri: string): string {
  const path = uri.split('?')[0] ?? uri;
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? (MIME[path.slice(dot + 1).toLowerCase()] ?? 'text/html') : 'text/html';
}

/** The fields of a files.log record (identity fields come from the connection). */
export function fileFields(
  e: Emitter,
  fuid: string,
  source: string,
  mime: string | undefined,
  filename: string | undefined,
  bytes: number,
  isOrig: boolean,
  localOrig: boolean,
  hashes?: { md5: string; sha1: string; sha256: string },
): Record<string, string | number | boolean | string[] | undefined> {
  const r = e.rand;
  const h = hashes ?? { md5: r.hex(32), sha1: r.hex(40), sha256: r.hex(64) };
  return {
    fuid,
    source,
    depth: 0,
    analyzers: mime === 'application/x-dosexec' ? ['MD5', 'PE', 'SHA1', 'SHA256'] : ['MD5', 'SHA1', 'SHA256'],
    mime_type: mime,
    filename,
    duration: micros(Math.max(0.000001, bytes / 40_000_000)),
    local_orig: localOrig,
    is_orig: isOrig,
    seen_bytes: bytes,
    total_bytes: bytes > 0 ? bytes : undefined,
    missing_bytes: 0,
    overflow_bytes: 0,
    timedout: false,
    md5: bytes > 0 ? h.md5 : undefined,
    sha1: bytes > 0 ? h.sha1 : undefined,
    sha256: bytes > 0 ? h.sha256 : undefined,
  };
}

export interface NtlmAuth {
  readonly username: string;
  readonly hostname: string;
  readonly domain: string;
  readonly serverName: string;
  readonly serverDns: string;
  readonly forest: string;
  readonly success?: boolean;
}

export type SmbAction =
  | 'SMB::FILE_OPEN'
  | 'SMB::FILE_READ'
  | 'SMB::FILE_WRITE'
  | 'SMB::FILE_CLOSE'
  | 'SMB::FILE_DELETE';

export interface SmbFileOp {
  readonly share: string;
  readonly name: string;
  readonly actions: readonly SmbAction[];
  readonly size?: number;
  /** Bytes moved (read or written); a files.log record is written when > 0. */
  readonly bytes?: number;
  readonly mime?: string;
  readonly hashes?: { md5: string; sha1: string; sha256: string };
  readonly modified?: number;
}

export interface DceCall {
  readonly pipe: string;
  readonly endpoint: string;
  readonly operation: string;
  readonly rtt?: number;
}

export interface SmbSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  /** UNC paths of tree connects: `\\FS01\share`, `\\10.5.0.65\IPC$`. */
  readonly trees: readonly string[];
  readonly files?: readonly SmbFileOp[];
  readonly rpc?: readonly DceCall[];
  readonly ntlm?: NtlmAuth;
  readonly kerberos?: boolean;
  readonly duration?: number;
  readonly extraRespBytes?: number;
  readonly extraOrigBytes?: number;
  /** Seconds between the session's records (default: spread over the connection). */
  readonly recordSpacing?: number;
}

export function smb(e: Emitter, s: SmbSpec): Conn {
  const r = e.rand;
  const files = s.files ?? [];
  let readBytes = 0;
  let writeBytes = 0;
  for (const f of files) {
    if (f.actions.includes('SMB::FILE_READ')) readBytes += f.bytes ?? 0;
    if (f.actions.includes('SMB::FILE_WRITE')) writeBytes += f.bytes ?? 0;
  }
  const ops = s.trees.length + files.length * 2 + (s.rpc?.length ?? 0) * 2;
  const duration = s.duration ?? Math.max(0.05, r.logNormal(1.5, 1) + (readBytes + writeBytes) / 30_000_000);
  const service = s.ntlm ? 'gssapi,ntlm,smb' : s.kerberos ? 'gssapi,krb,smb' : 'smb';
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: 445,
    service: s.rpc && s.rpc.length > 0 ? `dce_rpc,${service}` : service,
    duration,
    origBytes: 1200 + ops * 180 + writeBytes + (s.extraOrigBytes ?? 0),
    respBytes: 1100 + ops * 220 + readBytes + (s.extraRespBytes ?? 0),
  });
  let t = s.ts + (s.recordSpacing === undefined ? 0.004 : 0);
  if (s.ntlm) {
    const n = s.ntlm;
    e.record('ntlm', c, t, {
      username: n.username,
      hostname: n.hostname,
      domainname: n.domain,
      server_nb_computer_name: n.serverName,
      server_dns_computer_name: n.serverDns,
      server_tree_name: n.forest,
      success: n.success ?? true,
    });
  }
  const step = s.recordSpacing ?? duration / Math.max(2, ops + 1);
  for (const tree of s.trees) {
    t += step;
    const pipe = tree.toUpperCase().endsWith('\\IPC$');
    e.record('smb_mapping', c, t, { path: tree, share_type: pipe ? 'PIPE' : 'DISK' });
  }
  for (const call of s.rpc ?? []) {
    t += step;
    e.record('dce_rpc', c, t, {
      rtt: micros(call.rtt ?? r.between(0.0004, 0.004)),
      named_pipe: call.pipe,
      endpoint: call.endpoint,
      operation: call.operation,
    });
  }
  for (const f of files) {
    const fuid = (f.bytes ?? 0) > 0 ? r.zeekId('F') : undefined;
    const created = f.modified ?? s.ts - r.between(86400, 86400 * 400);
    for (const action of f.actions) {
      t += step;
      const moving = action === 'SMB::FILE_READ' || action === 'SMB::FILE_WRITE';
      e.record('smb_files', c, t, {
        fuid: moving ? fuid : undefined,
        action,
        path: f.share,
        name: f.name,
        size: f.size ?? f.bytes ?? 0,
        'times.modified': micros(action === 'SMB::FILE_WRITE' ? t : created),
        'times.accessed': micros(t),
        'times.created': micros(created),
        'times.changed': micros(action === 'SMB::FILE_WRITE' ? t : created),
      });
    }
    if (fuid) {
      const write = f.actions.includes('SMB::FILE_WRITE');
      const base = f.name.split('\\').pop() ?? f.name;
      e.record(
        'files',
        c,
        t,
        fileFields(
          e,
          fuid,
          'SMB',
          f.mime,
          base,
          f.bytes ?? 0,
          write,
          e.isLocal(write ? s.client : s.server),
          f.hashes,
        ),
      );
    }
  }
  return c;
}

export interface KerberosSpec {
  readonly ts: number;
  readonly client: string;
  readonly kdc: string;
  readonly requestType: 'AS' | 'TGS';
  readonly principal: string;
  readonly service: string;
  readonly error?: string;
}

export function kerberos(e: Emitter, s: KerberosSpec): Conn {
  const r = e.rand;
  const ok = s.error === undefined;
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.kdc,
    respPort: 88,
    service: 'krb_tcp',
    duration: r.between(0.002, 0.02),
    origBytes: s.requestType === 'AS' ? r.int(280, 360) : r.int(1500, 1900),
    respBytes: ok ? r.int(1400, 1700) : r.int(150, 220),
  });
  e.record('kerberos', c, s.ts + 0.001, {
    request_type: s.requestType,
    client: s.principal,
    service: s.service,
    success: ok,
    error_msg: s.error,
    till: ok ? Math.floor(s.ts / 3600) * 3600 + 36000 : undefined,
    cipher: ok ? 'aes256-cts-hmac-sha1-96' : undefined,
    forwardable: ok ? true : undefined,
    renewable: ok ? true : undefined,
  });
  return c;
}

export interface RpcSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  /** Calls over TCP 135 (endpoint mapper) or a dynamic port. */
  readonly port: number;
  readonly calls: readonly DceCall[];
  readonly ntlm?: NtlmAuth;
  readonly fault?: boolean;
  readonly respBytes?: number;
}

export function dceRpc(e: Emitter, s: RpcSpec): Conn {
  const r = e.rand;
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: s.port,
    service: s.ntlm ? 'dce_rpc,gssapi,ntlm' : 'dce_rpc',
    duration: r.between(0.004, 0.05) * s.calls.length,
    origBytes: 300 + s.calls.length * 240 + (s.ntlm ? 600 : 0),
    respBytes: s.respBytes ?? 200 + s.calls.length * 300 + (s.ntlm ? 300 : 0),
    state: s.fault ? 'RSTO' : 'SF',
  });
  let t = s.ts + 0.003;
  if (s.ntlm) {
    const n = s.ntlm;
    e.record('ntlm', c, t, {
      username: n.username,
      hostname: n.hostname,
      domainname: n.domain,
      server_nb_computer_name: n.serverName,
      server_dns_computer_name: n.serverDns,
      server_tree_name: n.forest,
      success: n.success,
    });
  }
  for (const call of s.calls) {
    t += r.between(0.001, 0.01);
    e.record('dce_rpc', c, t, {
      rtt: micros(call.rtt ?? r.between(0.0003, 0.003)),
      named_pipe: call.pipe,
      endpoint: call.endpoint,
      operation: call.operation,
    });
  }
  return c;
}

export interface RdpSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly cookie?: string;
  /** `HYBRID` (NLA; Zeek sees no more) or `RDP` (standard security: client data visible). */
  readonly security: 'HYBRID' | 'RDP';
  readonly clientName?: string;
  readonly keyboard?: string;
  readonly duration: number;
  readonly origBytes: number;
  readonly respBytes: number;
}

export function rdp(e: Emitter, s: RdpSpec): Conn {
  const r = e.rand;
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: 3389,
    service: s.security === 'HYBRID' ? 'rdp,ssl' : 'rdp',
    duration: s.duration,
    origBytes: s.origBytes,
    respBytes: s.respBytes,
  });
  const standard = s.security === 'RDP';
  e.record('rdp', c, s.ts + 0.01, {
    cookie: s.cookie,
    result: standard ? 'Success' : 'encrypted',
    security_protocol: s.security,
    client_channels: standard ? ['rdpdr', 'rdpsnd', 'cliprdr', 'drdynvc'] : undefined,
    keyboard_layout: standard ? (s.keyboard ?? 'English - United States') : undefined,
    client_build: standard ? 'RDP 8.1' : undefined,
    client_name: standard ? s.clientName : undefined,
    client_dig_product_id: standard ? r.hex(8) : undefined,
    desktop_width: standard ? 1920 : undefined,
    desktop_height: standard ? 1080 : undefined,
    requested_color_depth: standard ? '32bit' : undefined,
    cert_type: standard ? 'RSA' : undefined,
    cert_count: standard ? 1 : 0,
    cert_permanent: standard ? true : undefined,
    encryption_level: standard ? 'Client compatible' : undefined,
    encryption_method: standard ? '128bit' : undefined,
  });
  if (!standard) {
    e.record('ssl', c, s.ts + 0.05, {
      version: 'TLSv12',
      cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      curve: 'secp384r1',
      resumed: false,
      established: true,
      ssl_history: 'CsxknGIi',
      cert_chain_fps: [certificate(e, s.ts, s.server, true)],
      client_cert_chain_fps: [],
    });
  }
  return c;
}

export interface LdapSearch {
  readonly base: string;
  readonly scope: 'base' | 'single' | 'tree';
  readonly filter: string;
  readonly results: number;
  readonly attributes?: string[];
}

export interface LdapSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly searches: readonly LdapSearch[];
  readonly bindMechanism?: string;
}

export function ldap(e: Emitter, s: LdapSpec): Conn {
  const r = e.rand;
  const results = s.searches.reduce((a, q) => a + q.results, 0);
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: 389,
    service: 'ldap_tcp',
    duration: r.between(0.02, 0.2) + results * 0.0004,
    origBytes: 400 + s.searches.length * 260,
    respBytes: 300 + results * 900,
  });
  let msg = 1;
  let t = s.ts + 0.002;
  e.record('ldap', c, t, {
    message_id: msg++,
    version: 3,
    opcode: 'bind SASL',
    result: 'success',
    argument: s.bindMechanism ?? 'GSS-SPNEGO',
  });
  for (const q of s.searches) {
    t += r.between(0.002, 0.02) + q.results * 0.0004;
    e.record('ldap_search', c, t, {
      message_id: msg++,
      scope: q.scope,
      deref_aliases: 'never',
      base_object: q.base,
      result_count: q.results,
      result: 'success',
      filter: q.filter,
      attributes: q.attributes,
    });
  }
  e.record('ldap', c, t + 0.001, { message_id: msg, opcode: 'unbind' });
  return c;
}

export interface DhcpSpec {
  readonly ts: number;
  readonly clientIp: string;
  readonly server: string;
  readonly mac: string;
  readonly hostName: string;
  readonly domain: string;
  /** Full exchange at boot, or a unicast renewal. */
  readonly discover: boolean;
  readonly leaseSeconds: number;
}

export function dhcp(e: Emitter, s: DhcpSpec): void {
  const r = e.rand;
  const c = e.conn({
    ts: s.ts,
    orig: s.discover ? '0.0.0.0' : s.clientIp,
    resp: s.discover ? '255.255.255.255' : s.server,
    respPort: 67,
    origPort: 68,
    proto: 'udp',
    service: 'dhcp',
    duration: s.discover ? r.between(0.5, 2) : r.between(0.001, 0.01),
    origBytes: s.discover ? 600 : 300,
    respBytes: s.discover ? 600 : 300,
  });
  e.sink.push('dhcp', s.ts, {
    uids: [c.uid],
    client_addr: s.discover ? undefined : s.clientIp,
    server_addr: s.server,
    mac: s.mac,
    host_name: s.hostName,
    client_fqdn: `${s.hostName}.${s.domain}`,
    domain: s.domain,
    requested_addr: s.discover ? s.clientIp : undefined,
    assigned_addr: s.clientIp,
    lease_time: s.leaseSeconds,
    msg_types: s.discover ? ['DISCOVER', 'OFFER', 'REQUEST', 'ACK'] : ['REQUEST', 'ACK'],
    duration: micros(c.end - c.ts),
  });
}

export interface FtpSpec {
  readonly ts: number;
  readonly client: string;
  readonly server: string;
  readonly user: string;
  readonly success: boolean;
  readonly commands?: ReadonlyArray<readonly [string, string, number, string]>;
}

export function ftp(e: Emitter, s: FtpSpec): Conn {
  const r = e.rand;
  const cmds: Array<readonly [string, string, number, string]> = [
    ['USER', s.user, 331, 'Please specify the password.'],
    ['PASS', '<hidden>', s.success ? 230 : 530, s.success ? 'Login successful.' : 'Login incorrect.'],
    ...(s.success ? (s.commands ?? []) : []),
  ];
  const c = e.conn({
    ts: s.ts,
    orig: s.client,
    resp: s.server,
    respPort: 21,
    service: 'ftp',
    duration: r.between(0.5, 4) * cmds.length,
    origBytes: cmds.length * 14,
    respBytes: 40 + cmds.length * 30,
  });
  cmds.forEach(([command, arg, code, msg], i) => {
    e.record('ftp', c, s.ts + 0.2 + i * 0.3, {
      user: s.user,
      password: command === 'PASS' ? '<hidden>' : undefined,
      command,
      arg,
      reply_code: code,
      reply_msg: msg,
    });
  });
  return c;
}
