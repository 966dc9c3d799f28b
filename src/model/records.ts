/**
 * Typed Zeek records. Field names are Zeek's own (`id.orig_h`, `certificate.subject`): analysts
 * know them and every query and evidence reference uses them unchanged.
 *
 * Every record carries `_path` (its log type, as in Zeek's JSON streaming output) and `ts`.
 * A field Zeek left unset is absent (`undefined`); "unset" is never 0 or "".
 * Fields a log has beyond the ones typed here (site policy scripts) are kept on the same object.
 */
import type { ZeekValue } from './zeek-types.js';

export interface ZeekRecord {
  /** The log type: `conn`, `dns`, … or any other path for logs Vigil does not type. */
  readonly _path: string;
  /** Event time, epoch seconds with microsecond fraction. */
  ts: number;
  [field: string]: ZeekValue | undefined;
}

/** The connection 4-tuple and uid that most protocol logs share. */
export interface ConnIdFields {
  uid: string;
  'id.orig_h': string;
  'id.orig_p': number;
  'id.resp_h': string;
  'id.resp_p': number;
}

export interface ConnRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'conn';
  proto: string;
  service?: string;
  duration?: number;
  orig_bytes?: number;
  resp_bytes?: number;
  conn_state?: string;
  local_orig?: boolean;
  local_resp?: boolean;
  missed_bytes?: number;
  history?: string;
  orig_pkts?: number;
  orig_ip_bytes?: number;
  resp_pkts?: number;
  resp_ip_bytes?: number;
  tunnel_parents?: string[];
}

export interface DnsRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'dns';
  proto?: string;
  trans_id?: number;
  rtt?: number;
  query?: string;
  qclass?: number;
  qclass_name?: string;
  qtype?: number;
  qtype_name?: string;
  rcode?: number;
  rcode_name?: string;
  AA?: boolean;
  TC?: boolean;
  RD?: boolean;
  RA?: boolean;
  Z?: number;
  answers?: string[];
  TTLs?: number[];
  rejected?: boolean;
}

export interface HttpRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'http';
  trans_depth?: number;
  method?: string;
  host?: string;
  uri?: string;
  referrer?: string;
  version?: string;
  user_agent?: string;
  origin?: string;
  request_body_len?: number;
  response_body_len?: number;
  status_code?: number;
  status_msg?: string;
  username?: string;
  resp_mime_types?: string[];
  orig_fuids?: string[];
  resp_fuids?: string[];
}

export interface SslRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ssl';
  version?: string;
  cipher?: string;
  server_name?: string;
  established?: boolean;
  resumed?: boolean;
  ja3?: string;
  ja3s?: string;
  cert_chain_fps?: string[];
}

export interface X509Record extends ZeekRecord {
  readonly _path: 'x509';
  fingerprint?: string;
  'certificate.subject'?: string;
  'certificate.issuer'?: string;
  'certificate.not_valid_before'?: number;
  'certificate.not_valid_after'?: number;
  'san.dns'?: string[];
}

export interface FilesRecord extends ZeekRecord {
  readonly _path: 'files';
  fuid: string;
  uid?: string;
  'id.orig_h'?: string;
  'id.resp_h'?: string;
  source?: string;
  mime_type?: string;
  filename?: string;
  is_orig?: boolean;
  seen_bytes?: number;
  total_bytes?: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
}

export interface SmbFilesRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'smb_files';
  fuid?: string;
  action?: string;
  path?: string;
  name?: string;
  size?: number;
  prev_name?: string;
}

export interface SmbMappingRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'smb_mapping';
  path?: string;
  service?: string;
  native_file_system?: string;
  share_type?: string;
}

export interface DceRpcRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'dce_rpc';
  rtt?: number;
  named_pipe?: string;
  endpoint?: string;
  operation?: string;
}

export interface NtlmRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ntlm';
  username?: string;
  hostname?: string;
  domainname?: string;
  server_nb_computer_name?: string;
  server_dns_computer_name?: string;
  server_tree_name?: string;
  success?: boolean;
}

export interface KerberosRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'kerberos';
  request_type?: string;
  client?: string;
  service?: string;
  success?: boolean;
  error_msg?: string;
  cipher?: string;
}

export interface RdpRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'rdp';
  cookie?: string;
  result?: string;
  security_protocol?: string;
  keyboard_layout?: string;
  client_build?: string;
  client_name?: string;
}

export interface LdapRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ldap';
  message_id?: number;
  version?: number;
  opcode?: string;
  result?: string;
  diagnostic_message?: string;
  object?: string;
  argument?: string;
}

export interface LdapSearchRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ldap_search';
  message_id?: number;
  scope?: string;
  deref_aliases?: string;
  base_object?: string;
  result_count?: number;
  result?: string;
  diagnostic_message?: string;
  filter?: string;
  attributes?: string[];
}

export interface DhcpRecord extends ZeekRecord {
  readonly _path: 'dhcp';
  uids?: string[];
  client_addr?: string;
  server_addr?: string;
  mac?: string;
  host_name?: string;
  client_fqdn?: string;
  domain?: string;
  requested_addr?: string;
  assigned_addr?: string;
  lease_time?: number;
  msg_types?: string[];
}

export interface SshRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ssh';
  version?: number;
  auth_success?: boolean;
  auth_attempts?: number;
  direction?: string;
  client?: string;
  server?: string;
}

export interface FtpRecord extends ZeekRecord, ConnIdFields {
  readonly _path: 'ftp';
  user?: string;
  command?: string;
  arg?: string;
  reply_code?: number;
  reply_msg?: string;
}

export interface SoftwareRecord extends ZeekRecord {
  readonly _path: 'software';
  host?: string;
  software_type?: string;
  name?: string;
  unparsed_version?: string;
}

export interface NoticeRecord extends ZeekRecord {
  readonly _path: 'notice';
  uid?: string;
  note?: string;
  msg?: string;
  sub?: string;
  src?: string;
  dst?: string;
}

export interface WeirdRecord extends ZeekRecord {
  readonly _path: 'weird';
  uid?: string;
  name?: string;
  addl?: string;
  peer?: string;
}

export interface KnownHostsRecord extends ZeekRecord {
  readonly _path: 'known_hosts';
  host?: string;
}

export interface KnownServicesRecord extends ZeekRecord {
  readonly _path: 'known_services';
  host?: string;
  port_num?: number;
  port_proto?: string;
  service?: string[];
}

/** Log type → its typed record. */
export interface RecordByLog {
  conn: ConnRecord;
  dns: DnsRecord;
  http: HttpRecord;
  ssl: SslRecord;
  x509: X509Record;
  files: FilesRecord;
  smb_files: SmbFilesRecord;
  smb_mapping: SmbMappingRecord;
  dce_rpc: DceRpcRecord;
  ntlm: NtlmRecord;
  kerberos: KerberosRecord;
  rdp: RdpRecord;
  ldap: LdapRecord;
  ldap_search: LdapSearchRecord;
  dhcp: DhcpRecord;
  ssh: SshRecord;
  ftp: FtpRecord;
  software: SoftwareRecord;
  notice: NoticeRecord;
  weird: WeirdRecord;
  known_hosts: KnownHostsRecord;
  known_services: KnownServicesRecord;
}

/**
 * Narrows a record to its log's type. Readers guarantee (see `REQUIRED_FIELDS`) that a record
 * with a known `_path` has the fields its interface marks as required, with the right JS type.
 */
export function isLog<P extends keyof RecordByLog>(rec: ZeekRecord, path: P): rec is RecordByLog[P] {
  return rec._path === path;
}

const CONN_ID = ['uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'] as const;

/**
 * Fields that must be set for a record of a known log type to be accepted as that type
 * (their JS type follows from the schema). A record lacking one is rejected with reason
 * `missing-field`, never passed on half-typed.
 */
export const REQUIRED_FIELDS: Readonly<Record<keyof RecordByLog, readonly string[]>> = {
  conn: [...CONN_ID, 'proto'],
  dns: CONN_ID,
  http: CONN_ID,
  ssl: CONN_ID,
  x509: [],
  files: ['fuid'],
  smb_files: CONN_ID,
  smb_mapping: CONN_ID,
  dce_rpc: CONN_ID,
  ntlm: CONN_ID,
  kerberos: CONN_ID,
  rdp: CONN_ID,
  ldap: CONN_ID,
  ldap_search: CONN_ID,
  dhcp: [],
  ssh: CONN_ID,
  ftp: CONN_ID,
  software: [],
  notice: [],
  weird: [],
  known_hosts: [],
  known_services: [],
};
