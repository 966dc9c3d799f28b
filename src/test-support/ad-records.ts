/**
 * Builders for hand-made Active Directory protocol records in tests (dce_rpc, smb_mapping,
 * smb_files, ldap_search, ntlm, kerberos), with Zeek's own field names and value spellings
 * (`SMB::FILE_OPEN`, `share_type` `PIPE`/`DISK`, ldap scope `tree`, kerberos `user/REALM`).
 */
import type { ZeekRecord } from '../model/records.js';
import { rng, zeekUid } from '../simulate/sample.js';

let rand = rng(4242);

export function resetAdUids(seed: number): void {
  rand = rng(seed);
}

interface Flow {
  ts: number;
  src: string;
  dst: string;
  uid?: string;
}

function id(f: Flow, port: number): Record<string, string | number> {
  return {
    uid: f.uid ?? zeekUid(rand),
    'id.orig_h': f.src,
    'id.orig_p': 49152 + Math.floor(rand() * 16000),
    'id.resp_h': f.dst,
    'id.resp_p': port,
  };
}

export function dceRpc(
  f: Flow & { endpoint: string; operation: string; pipe?: string; port?: number },
): ZeekRecord {
  const port = f.port ?? (f.pipe ? 445 : 135);
  return {
    _path: 'dce_rpc',
    ts: f.ts,
    ...id(f, port),
    rtt: 0.0012,
    named_pipe: f.pipe ?? String(port),
    endpoint: f.endpoint,
    operation: f.operation,
  };
}

/** A tree connect; `IPC$` gets share_type PIPE like Zeek writes it. */
export function smbMapping(f: Flow & { share: string; server?: string }): ZeekRecord {
  const pipe = f.share.toUpperCase() === 'IPC$';
  return {
    _path: 'smb_mapping',
    ts: f.ts,
    ...id(f, 445),
    path: `\\\\${f.server ?? f.dst}\\${f.share}`,
    share_type: pipe ? 'PIPE' : 'DISK',
  };
}

export function smbFile(
  f: Flow & { share: string; name: string; action?: string; server?: string },
): ZeekRecord {
  return {
    _path: 'smb_files',
    ts: f.ts,
    ...id(f, 445),
    action: f.action ?? 'SMB::FILE_OPEN',
    path: `\\\\${f.server ?? f.dst}\\${f.share}`,
    name: f.name,
    size: 0,
  };
}

export function ldapSearch(
  f: Flow & { filter: string; base?: string; scope?: string; results?: number; port?: number },
): ZeekRecord {
  return {
    _path: 'ldap_search',
    ts: f.ts,
    ...id(f, f.port ?? 389),
    message_id: 2 + Math.floor(rand() * 100),
    scope: f.scope ?? 'tree',
    deref_aliases: 'never',
    base_object: f.base ?? 'DC=corp,DC=local',
    result_count: f.results ?? 1,
    result: 'success',
    filter: f.filter,
  };
}

export function ntlm(
  f: Flow & { user: string; domain?: string; workstation?: string; success?: boolean },
): ZeekRecord {
  const rec: ZeekRecord = {
    _path: 'ntlm',
    ts: f.ts,
    ...id(f, 445),
    username: f.user,
    hostname: f.workstation ?? 'WS01',
    domainname: f.domain ?? 'CORP',
    server_nb_computer_name: 'SRV',
  };
  if (f.success !== undefined) rec.success = f.success;
  return rec;
}

export function kerberos(
  f: Flow & { client: string; service?: string; requestType?: string; error?: string },
): ZeekRecord {
  const ok = f.error === undefined;
  const rec: ZeekRecord = {
    _path: 'kerberos',
    ts: f.ts,
    ...id(f, 88),
    request_type: f.requestType ?? 'AS',
    client: f.client,
    service: f.service ?? 'krbtgt/CORP.LOCAL',
    success: ok,
  };
  if (!ok) rec.error_msg = f.error;
  else rec.cipher = 'aes256-cts-hmac-sha1-96';
  return rec;
}
