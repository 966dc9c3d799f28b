/**
 * The AD reconnaissance detectors on real traffic: OTRF Security-Datasets' AD discovery captures
 * (read in place from the shared data through the capture reader, pipeline end to end). Each
 * capture is one lab session, so it runs as if the baselines were already learned
 * (`learningSeconds: 0`), with the lab DC (MORDORDC, 172.18.38.5) known as a domain controller
 * as the identity layer would infer it. Skipped when the data or tshark is absent.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TSHARK_MISSING, tsharkAvailable } from '../capture/tshark.js';
import { runAnalysis } from '../pipeline/analysis.js';
import { SHARED_DATA_MISSING, sharedData } from '../test-support/shared-data.js';
import { createFileShareEnumeration } from './file-share-enumeration.js';
import { IpHostView } from './ip-host-view.js';
import { createKerberosAccountScan } from './kerberos-account-scan.js';
import { createRpcRecon } from './rpc-recon.js';
import { createRpcTargetedRecon } from './rpc-targeted-recon.js';
import { createSmbAccountScan } from './smb-account-scan.js';
import { createSuspiciousLdapQuery } from './suspicious-ldap-query.js';

const DIR = sharedData('pcap/otrf-security-datasets/atomic/windows/discovery/network');
const DC = '172.18.38.5';
const tmp = mkdtempSync(join(tmpdir(), 'vigil-recon-real-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const TYPES = [
  'rpc-recon',
  'rpc-targeted-recon',
  'file-share-enumeration',
  'suspicious-ldap-query',
  'smb-account-scan',
  'kerberos-account-scan',
];

async function detect(capture: string): Promise<{ type: string; host: string; log: string[] }[]> {
  const report = await runAnalysis([join(DIR!, capture)], {
    quarantineDir: join(tmp, 'quarantine'),
    hosts: new IpHostView(new Map([[DC, new Set(['domain-controller'])]]), new Set([DC])),
    detectors: [
      createRpcRecon,
      createRpcTargetedRecon,
      createFileShareEnumeration,
      createSuspiciousLdapQuery,
      createSmbAccountScan,
      createKerberosAccountScan,
    ],
    engine: { detectors: Object.fromEntries(TYPES.map((t) => [t, { learningSeconds: 0 }])) },
  });
  return report.detections.map((d) => ({
    type: d.type,
    host: d.host,
    log: [...new Set(d.evidence.map((e) => e.log))],
  }));
}

const CASES: readonly [string, { type: string; host: string; log: string[] }[]][] = [
  // PowerView Get-DomainGroup "Domain Admins" over LDAP: privilege hunting.
  [
    'covenant_getdomaingroup_ldap_searchrequest_domain_admins/covenant_getdomaingroup_ldap_searchrequest_domain_admins_2020-09-22141005.cap',
    [{ type: 'suspicious-ldap-query', host: '172.18.39.5', log: ['ldap_search'] }],
  ],
  // Get-NetSession against the DC: srvsvc NetrSessionEnum.
  [
    'empire_getsession_dcerpc_smb_srvsvc_NetSessEnum/empire_getsession_dcerpc_smb_srvsvc_NetSessEnum_2020-09-22034513.cap',
    [{ type: 'rpc-targeted-recon', host: '172.18.39.5', log: ['dce_rpc'] }],
  ],
  // `net group "Domain Admins" /domain` as a standard user: SAMR group membership.
  [
    'empire_shell_rpc_samr_smb_group_domain_admins_standard_user/empire_shell_rpc_samr_smb_group_domain_admins_standard_user_2020-09-21040850.cap',
    [{ type: 'rpc-targeted-recon', host: '172.18.39.6', log: ['dce_rpc'] }],
  ],
  // `net user /domain`: SAMR EnumerateDomains + EnumerateUsers.
  [
    'empire_shell_samr_EnumDomainUsers/empire_shell_samr_EnumDomainUsers_2020-09-21193527.cap',
    [{ type: 'rpc-targeted-recon', host: '172.18.39.5', log: ['dce_rpc'] }],
  ],
  // One user looked up by name (`(&(samAccountType=805306368)(samAccountName=nmartha))`): not recon.
  ['covenant_ldap_searchrequest_domainuser.cap', []],
  // Find-LocalAdminAccess in a two-host lab: svcctl on two hosts is no breadth (remote-execution
  // detectors own svcctl).
  [
    'empire_find_localadmin_smb_svcctl_OpenSCManager/empire_find_localadmin_smb_svcctl_OpenSCManager_2020-09-22021559.cap',
    [],
  ],
];

for (const [capture, expected] of CASES) {
  test(`OTRF ${capture.split('/').pop()}`, async (t) => {
    if (DIR === undefined || !existsSync(DIR)) return t.skip(SHARED_DATA_MISSING);
    if (!tsharkAvailable()) return t.skip(TSHARK_MISSING);
    assert.deepEqual(await detect(capture), expected);
  });
}
