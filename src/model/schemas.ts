/**
 * Default field layouts of the Zeek logs Vigil types (Zeek 6/7 defaults, checked against the
 * btest baselines in ../shared/data/zeek). Used where a log carries no `#types` header (JSON,
 * header-less zeek-cut output) to convert values, and by writers (simulator, tests).
 *
 * A real log may carry more fields (policy scripts add some) or fewer (older Zeek): readers keep
 * whatever the log has; this table only tells the type of a field the log does not declare.
 */
import { parseZeekType, type ZeekType } from './zeek-types.js';

const ID = 'uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port';

const LAYOUTS = {
  conn:
    `ts:time ${ID} proto:enum service:string duration:interval orig_bytes:count resp_bytes:count ` +
    'conn_state:string local_orig:bool local_resp:bool missed_bytes:count history:string orig_pkts:count ' +
    'orig_ip_bytes:count resp_pkts:count resp_ip_bytes:count tunnel_parents:set[string] ip_proto:count ' +
    'orig_l2_addr:string resp_l2_addr:string community_id:string',
  dns:
    `ts:time ${ID} proto:enum trans_id:count rtt:interval query:string qclass:count qclass_name:string ` +
    'qtype:count qtype_name:string rcode:count rcode_name:string AA:bool TC:bool RD:bool RA:bool Z:count ' +
    'answers:vector[string] TTLs:vector[interval] rejected:bool',
  http:
    `ts:time ${ID} trans_depth:count method:string host:string uri:string referrer:string version:string ` +
    'user_agent:string origin:string request_body_len:count response_body_len:count status_code:count ' +
    'status_msg:string info_code:count info_msg:string tags:set[enum] username:string password:string ' +
    'proxied:set[string] orig_fuids:vector[string] orig_filenames:vector[string] orig_mime_types:vector[string] ' +
    'resp_fuids:vector[string] resp_filenames:vector[string] resp_mime_types:vector[string]',
  ssl:
    `ts:time ${ID} version:string cipher:string curve:string server_name:string resumed:bool ` +
    'last_alert:string next_protocol:string established:bool ssl_history:string cert_chain_fps:vector[string] ' +
    'client_cert_chain_fps:vector[string] sni_matches_cert:bool ja3:string ja3s:string',
  x509:
    'ts:time fingerprint:string certificate.version:count certificate.serial:string certificate.subject:string ' +
    'certificate.issuer:string certificate.not_valid_before:time certificate.not_valid_after:time ' +
    'certificate.key_alg:string certificate.sig_alg:string certificate.key_type:string ' +
    'certificate.key_length:count certificate.exponent:string certificate.curve:string san.dns:vector[string] ' +
    'san.uri:vector[string] san.email:vector[string] san.ip:vector[addr] basic_constraints.ca:bool ' +
    'basic_constraints.path_len:count host_cert:bool client_cert:bool',
  files:
    `ts:time fuid:string ${ID} source:string depth:count analyzers:set[string] mime_type:string ` +
    'filename:string duration:interval local_orig:bool is_orig:bool seen_bytes:count total_bytes:count ' +
    'missing_bytes:count overflow_bytes:count timedout:bool parent_fuid:string md5:string sha1:string ' +
    'sha256:string extracted:string extracted_cutoff:bool extracted_size:count',
  smb_files:
    `ts:time ${ID} fuid:string action:enum path:string name:string size:count prev_name:string ` +
    'times.modified:time times.accessed:time times.created:time times.changed:time',
  smb_mapping: `ts:time ${ID} path:string service:string native_file_system:string share_type:string`,
  dce_rpc: `ts:time ${ID} rtt:interval named_pipe:string endpoint:string operation:string`,
  ntlm:
    `ts:time ${ID} username:string hostname:string domainname:string server_nb_computer_name:string ` +
    'server_dns_computer_name:string server_tree_name:string success:bool',
  kerberos:
    `ts:time ${ID} request_type:string client:string service:string success:bool error_msg:string ` +
    'from:time till:time cipher:string forwardable:bool renewable:bool client_cert_subject:string ' +
    'client_cert_fuid:string server_cert_subject:string server_cert_fuid:string',
  rdp:
    `ts:time ${ID} cookie:string result:string security_protocol:string client_channels:vector[string] ` +
    'keyboard_layout:string client_build:string client_name:string client_dig_product_id:string ' +
    'desktop_width:count desktop_height:count requested_color_depth:string cert_type:string cert_count:count ' +
    'cert_permanent:bool encryption_level:string encryption_method:string',
  ldap:
    `ts:time ${ID} message_id:int version:int opcode:string result:string diagnostic_message:string ` +
    'object:string argument:string',
  ldap_search:
    `ts:time ${ID} message_id:int scope:string deref_aliases:string base_object:string result_count:count ` +
    'result:string diagnostic_message:string filter:string attributes:vector[string]',
  dhcp:
    'ts:time uids:set[string] client_addr:addr server_addr:addr mac:string host_name:string ' +
    'client_fqdn:string domain:string requested_addr:addr assigned_addr:addr lease_time:interval ' +
    'client_message:string server_message:string msg_types:vector[string] duration:interval',
  ssh:
    `ts:time ${ID} version:count auth_success:bool auth_attempts:count direction:enum client:string ` +
    'server:string cipher_alg:string mac_alg:string compression_alg:string kex_alg:string ' +
    'host_key_alg:string host_key:string',
  ftp:
    `ts:time ${ID} user:string password:string command:string arg:string mime_type:string file_size:count ` +
    'reply_code:count reply_msg:string data_channel.passive:bool data_channel.orig_h:addr ' +
    'data_channel.resp_h:addr data_channel.resp_p:port fuid:string',
  software:
    'ts:time host:addr host_p:port software_type:enum name:string version.major:count version.minor:count ' +
    'version.minor2:count version.minor3:count version.addl:string unparsed_version:string',
  notice:
    `ts:time ${ID} fuid:string file_mime_type:string file_desc:string proto:enum note:enum msg:string ` +
    'sub:string src:addr dst:addr p:port n:count peer_descr:string actions:set[enum] email_dest:set[string] ' +
    'suppress_for:interval remote_location.country_code:string remote_location.region:string ' +
    'remote_location.city:string remote_location.latitude:double remote_location.longitude:double',
  weird: `ts:time ${ID} name:string addl:string notice:bool peer:string source:string`,
  known_hosts: 'ts:time host:addr',
  known_services: 'ts:time host:addr port_num:port port_proto:enum service:set[string]',
} as const;

export type KnownLogType = keyof typeof LAYOUTS;
export const KNOWN_LOG_TYPES = Object.keys(LAYOUTS) as KnownLogType[];

export interface FieldSpec {
  readonly name: string;
  readonly type: ZeekType;
}

export interface LogSchema {
  readonly path: KnownLogType;
  readonly fields: readonly FieldSpec[];
  readonly byName: ReadonlyMap<string, ZeekType>;
}

function build(path: KnownLogType, layout: string): LogSchema {
  const fields = layout.split(' ').map((pair) => {
    const i = pair.indexOf(':');
    return { name: pair.slice(0, i), type: parseZeekType(pair.slice(i + 1)) };
  });
  return { path, fields, byName: new Map(fields.map((f) => [f.name, f.type])) };
}

const SCHEMAS = new Map<string, LogSchema>(KNOWN_LOG_TYPES.map((p) => [p, build(p, LAYOUTS[p])] as const));

export function isKnownLogType(path: string): path is KnownLogType {
  return SCHEMAS.has(path);
}

/** The default schema of a known log type, or undefined for any other path. */
export function schemaFor(path: string): LogSchema | undefined {
  return SCHEMAS.get(path);
}

/** Fields that, present in a record without `_path`, identify its log type. Most specific first. */
export const SIGNATURE_FIELDS: ReadonlyArray<readonly [KnownLogType, readonly string[]]> = [
  ['ldap_search', ['base_object', 'scope']],
  ['ldap', ['opcode', 'message_id']],
  ['smb_files', ['action', 'fuid', 'name']],
  ['smb_mapping', ['share_type']],
  ['dce_rpc', ['endpoint', 'operation']],
  ['ntlm', ['server_nb_computer_name']],
  ['kerberos', ['request_type']],
  ['rdp', ['cookie', 'security_protocol']],
  ['dhcp', ['msg_types']],
  ['x509', ['certificate.subject']],
  ['files', ['fuid', 'seen_bytes']],
  ['ssl', ['server_name', 'established']],
  ['ssh', ['auth_attempts']],
  ['ftp', ['command', 'reply_code']],
  ['http', ['method', 'trans_depth']],
  ['dns', ['query', 'qtype_name']],
  ['dns', ['trans_id']],
  ['conn', ['conn_state']],
  ['conn', ['orig_bytes', 'proto']],
  ['notice', ['note']],
  ['weird', ['name', 'addl']],
  ['software', ['software_type']],
  ['known_services', ['port_num']],
];
