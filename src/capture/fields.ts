/**
 * The tshark fields Vigil asks for, in one `-T fields` pass, and a row accessor over one output
 * line. Several occurrences of a field in one frame (tunnels, several PDUs or answers) arrive
 * joined by `AGGREGATOR`, a control character that never occurs in tshark's field text.
 */
export const FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ip.len',
  'ip.proto',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.len',
  'tcp.seq_raw',
  'tcp.window_size_value',
  'tcp.analysis.retransmission',
  'udp.srcport',
  'udp.dstport',
  'udp.length',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  // dns
  'dns.id',
  'dns.flags.response',
  'dns.flags.opcode',
  'dns.flags.rcode',
  'dns.flags.authoritative',
  'dns.flags.truncated',
  'dns.flags.recdesired',
  'dns.flags.recavail',
  'dns.flags.z',
  'dns.flags.authenticated',
  'dns.flags.checkdisable',
  'dns.qry.name',
  'dns.qry.type',
  'dns.qry.class',
  'dns.count.answers',
  'dns.resp.name',
  'dns.resp.type',
  'dns.resp.ttl',
  'dns.a',
  'dns.aaaa',
  'dns.cname',
  'dns.ptr.domain_name',
  'dns.ns',
  'dns.mx.mail_exchange',
  'dns.srv.target',
  'dns.soa.mname',
  'dns.txt',
  'dns.rrsig.type_covered',
  'dns.rrsig.signers_name',
  'dns.dnskey.algorithm',
  'dns.ds.algorithm',
  'dns.ds.digest_type',
  // http
  'http.request.method',
  'http.request.uri',
  'http.request.version',
  'http.host',
  'http.user_agent',
  'http.referer',
  'http.authbasic',
  'http.content_length',
  'http.content_type',
  'http.chunk_size',
  'http.response.code',
  'http.response.phrase',
  'http.response.version',
  // tls
  'tls.record.content_type',
  'tls.handshake.type',
  'tls.handshake.version',
  'tls.handshake.extensions.supported_version',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
  'tls.handshake.extensions_alpn_str',
  'tls.handshake.ja3',
  'tls.handshake.ja3s',
  // smb2 / smb1
  'smb2.cmd',
  'smb2.flags.response',
  'smb2.msg_id',
  'smb2.tid',
  'smb2.nt_status',
  'smb2.tree',
  'smb2.share_type',
  'smb2.filename',
  'smb2.create.action',
  'smb2.eof',
  'smb2.fid',
  'smb2.disposition.delete_on_close',
  'smb.cmd',
  'smb.flags.response',
  'smb.mid',
  'smb.path',
  'smb.file',
  'smb.nt_status',
  'smb.fid',
  'smb.tid',
  // dce-rpc
  'dcerpc.pkt_type',
  'dcerpc.cn_call_id',
  'dcerpc.cn_ctx_id',
  'dcerpc.opnum',
  'dcerpc.cn_bind_to_uuid',
  'dcerpc.cn_sec_addr',
  'dcerpc.cn_ack_result',
  // ntlm / spnego
  'ntlmssp.messagetype',
  'ntlmssp.auth.username',
  'ntlmssp.auth.domain',
  'ntlmssp.auth.hostname',
  'ntlmssp.challenge.target_info.nb_computer_name',
  'ntlmssp.challenge.target_info.dns_computer_name',
  'ntlmssp.challenge.target_info.dns_tree_name',
  'spnego.negResult',
  // kerberos
  'kerberos.msg_type',
  'kerberos.CNameString',
  'kerberos.SNameString',
  'kerberos.realm',
  'kerberos.crealm',
  'kerberos.etype',
  'kerberos.error_code',
  'kerberos.till',
  'kerberos.from',
  'kerberos.KDCOptions.forwardable',
  'kerberos.KDCOptions.renewable',
  'kerberos.e_text',
  // ldap
  'ldap.messageID',
  'ldap.protocolOp',
  'ldap.version',
  'ldap.name',
  'ldap.simple',
  'ldap.mechanism',
  'ldap.resultCode',
  'ldap.errorMessage',
  'ldap.baseObject',
  'ldap.scope',
  'ldap.derefAliases',
  'ldap.objectName',
  'ldap.requestName',
  'ldap.AttributeDescription',
  // rdp
  'rdp.rt_cookie',
  'rdp.negReq.requestedProtocols',
  'rdp.negReq.selectedProtocol',
  'rdp.negFailure.failureCode',
  'rdp.client.name',
  'rdp.client.build',
  // dhcp
  'dhcp.id',
  'dhcp.option.dhcp',
  'dhcp.hw.mac_addr',
  'dhcp.ip.client',
  'dhcp.ip.your',
  'dhcp.option.hostname',
  'dhcp.option.domain_name',
  'dhcp.option.requested_ip_address',
  'dhcp.option.dhcp_server_id',
  'dhcp.option.ip_address_lease_time',
  'dhcp.option.message',
  // ftp
  'ftp.request.command',
  'ftp.request.arg',
  'ftp.response.code',
  'ftp.response.arg',
  // ssh
  'ssh.protocol',
  'ssh.message_code',
] as const;

export type FieldName = (typeof FIELDS)[number];

/** Joins several occurrences of one field in a frame (`-E aggregator=`). */
export const AGGREGATOR = '\u001f';

const INDEX: Readonly<Record<FieldName, number>> = Object.fromEntries(FIELDS.map((f, i) => [f, i])) as Record<
  FieldName,
  number
>;

/** One frame of tshark output: the raw column texts, read on demand. */
export class Row {
  constructor(readonly cols: readonly string[]) {}

  /** The field's text (all occurrences, still joined), '' when absent. */
  raw(f: FieldName): string {
    return this.cols[INDEX[f]] ?? '';
  }

  has(f: FieldName): boolean {
    return this.raw(f) !== '';
  }

  /** First occurrence, undefined when absent. */
  str(f: FieldName): string | undefined {
    const v = this.raw(f);
    if (v === '') return undefined;
    const i = v.indexOf(AGGREGATOR);
    return i < 0 ? v : v.slice(0, i);
  }

  /** Last occurrence (the innermost layer of a tunnel). */
  last(f: FieldName): string | undefined {
    const v = this.raw(f);
    if (v === '') return undefined;
    const i = v.lastIndexOf(AGGREGATOR);
    return i < 0 ? v : v.slice(i + 1);
  }

  /** Every occurrence. */
  all(f: FieldName): string[] {
    const v = this.raw(f);
    return v === '' ? [] : v.split(AGGREGATOR);
  }

  /** First occurrence as a number (decimal or 0x hex), undefined when absent or not a number. */
  num(f: FieldName): number | undefined {
    return toNum(this.str(f));
  }

  nums(f: FieldName): number[] {
    const out: number[] = [];
    for (const s of this.all(f)) {
      const n = toNum(s);
      if (n !== undefined) out.push(n);
    }
    return out;
  }

  /** A boolean field (tshark prints 1/0 or True/False). */
  bool(f: FieldName): boolean | undefined {
    const s = this.str(f);
    if (s === undefined) return undefined;
    return s === '1' || s === 'True' || s === 'true';
  }
}

export function toNum(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = s.startsWith('0x') ? Number.parseInt(s, 16) : Number(s);
  return Number.isFinite(n) ? n : undefined;
}
