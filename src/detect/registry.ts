/** Every detector Vigil runs. Adding a detector = its file, its test, one line here. */
import { createAttackToolTransfer } from './attack-tool-transfer.js';
import { createAutomatedReplication } from './automated-replication.js';
import { createBackupDiscovery } from './backup-discovery.js';
import { createDarknetScan } from './darknet-scan.js';
import { createDataStaging } from './data-staging.js';
import { createDcsync } from './dcsync.js';
import { createExternalServiceProbe } from './external-service-probe.js';
import { createFileShareEnumeration } from './file-share-enumeration.js';
import { createKerberosAccountScan } from './kerberos-account-scan.js';
import { createNovelAdminShareAccess } from './novel-admin-share-access.js';
import { createPortScan } from './port-scan.js';
import { createPortSweep } from './port-sweep.js';
import { createRareUserAgent } from './rare-user-agent.js';
import { createReverseDnsSweep } from './reverse-dns-sweep.js';
import { createRpcRecon } from './rpc-recon.js';
import { createRpcTargetedRecon } from './rpc-targeted-recon.js';
import { createSmbAccountScan } from './smb-account-scan.js';
import { createSuspectDomainActivity } from './suspect-domain-activity.js';
import { createSuspiciousLdapQuery } from './suspicious-ldap-query.js';
import { createSuspiciousNewHost } from './suspicious-new-host.js';
import { createSuspiciousRemoteDesktop } from './suspicious-remote-desktop.js';
import { createSuspiciousRemoteExecution } from './suspicious-remote-execution.js';
import { createThreatIntelMatch } from './threat-intel-match.js';
import type { DetectorFactory } from './types.js';
import { createWebVulnerabilityScan } from './web-vulnerability-scan.js';

export const DETECTORS: readonly DetectorFactory[] = [
  createPortSweep,
  createPortScan,
  createDarknetScan,
  createExternalServiceProbe,
  createWebVulnerabilityScan,
  createSuspiciousRemoteExecution,
  createRareUserAgent,
  createAutomatedReplication,
  createRpcRecon,
  createSuspiciousNewHost,
  createNovelAdminShareAccess,
  createReverseDnsSweep,
  createRpcTargetedRecon,
  createAttackToolTransfer,
  createFileShareEnumeration,
  createBackupDiscovery,
  createSuspectDomainActivity,
  createDcsync,
  createSuspiciousLdapQuery,
  createDataStaging,
  createSmbAccountScan,
  createKerberosAccountScan,
  createSuspiciousRemoteDesktop,
  createThreatIntelMatch,
];
