/**
 * DCE-RPC enumeration operations, as `endpoint::operation` in Zeek's dce_rpc.log spelling
 * (Zeek `base/protocols/dce-rpc/consts.zeek`; the same MS-SAMR/LSAD/SRVS/WKST/DRSR/NRPC calls
 * BZAR's Discovery set matches). Editable through config
 * (`detectors.rpc-targeted-recon.strongOperations` / `weakOperations`).
 *
 * - **decisive**: session and logged-on-user hunting; one call reaches the DC score.
 * - **strong**: calls whose purpose is to list accounts, groups, members, sessions, logged-on
 *   users, shares, trusts or domain controllers (`net user /domain`, `net group … /domain`,
 *   BloodHound/SharpHound, PowerView, NetScan, `nltest /domain_trusts`, `nltest /dclist`).
 * - **weak**: lookups that ordinary clients and servers make every day (SID↔name translation,
 *   policy and group-membership queries); they only add depth to strong ones.
 */

/**
 * Session and logged-on-user hunting (PowerView `Get-NetSession`, BloodHound session
 * collection): no Windows client calls these in normal operation (Microsoft restricted remote
 * NetSessionEnum by default for that reason), so one call against a DC is enough.
 */
export const DECISIVE_ENUMERATION_OPERATIONS: readonly string[] = [
  'srvsvc::NetrSessionEnum',
  'wkssvc::NetrWkstaUserEnum',
];

export const STRONG_ENUMERATION_OPERATIONS: readonly string[] = [
  // MS-SAMR: users, groups, aliases and their members
  'samr::SamrEnumerateDomainsInSamServer',
  'samr::SamrEnumerateUsersInDomain',
  'samr::SamrEnumerateGroupsInDomain',
  'samr::SamrEnumerateAliasesInDomain',
  'samr::SamrQueryDisplayInformation',
  'samr::SamrQueryDisplayInformation2',
  'samr::SamrQueryDisplayInformation3',
  'samr::SamrGetMembersInGroup',
  'samr::SamrGetMembersInAlias',
  // MS-LSAD: trusts, accounts with rights
  'lsarpc::LsarEnumerateTrustedDomains',
  'lsarpc::LsarEnumerateTrustedDomainsEx',
  'lsarpc::LsarEnumerateAccounts',
  'lsarpc::LsarEnumerateAccountsWithUserRight',
  'lsarpc::LsarQueryTrustedDomainInfo',
  'lsarpc::LsarQueryTrustedDomainInfoByName',
  // MS-SRVS: connections, open files, shares
  'srvsvc::NetrConnectionEnum',
  'srvsvc::NetrFileEnum',
  'srvsvc::NetrShareEnum',
  'srvsvc::NetrShareEnumSticky',
  'srvsvc::NetrServerTransportEnum',
  // MS-WKST: mapped drives, computer names
  'wkssvc::NetrUseEnum',
  'wkssvc::NetrEnumerateComputerNames',
  // MS-DRSR: domain controllers of the domain
  'drsuapi::DRSDomainControllerInfo',
  // MS-NRPC: domain trusts
  'netlogon::DsrEnumerateDomainTrusts',
  'netlogon::NetrEnumerateTrustedDomains',
  'netlogon::NetrEnumerateTrustedDomainsEx',
  // MS-BRWSR
  'browser::BrowserrServerEnum',
  'browser::BrowserrServerEnumEx',
];

export const WEAK_ENUMERATION_OPERATIONS: readonly string[] = [
  'samr::SamrLookupNamesInDomain',
  'samr::SamrLookupIdsInDomain',
  'samr::SamrGetGroupsForUser',
  'samr::SamrGetAliasMembership',
  'samr::SamrQueryInformationUser',
  'samr::SamrQueryInformationUser2',
  'samr::SamrQueryInformationGroup',
  'samr::SamrQueryInformationAlias',
  'samr::SamrQueryInformationDomain',
  'samr::SamrQueryInformationDomain2',
  'samr::SamrRidToSid',
  'lsarpc::LsarLookupSids',
  'lsarpc::LsarLookupSids2',
  'lsarpc::LsarLookupSids3',
  'lsarpc::LsarLookupNames',
  'lsarpc::LsarLookupNames2',
  'lsarpc::LsarLookupNames3',
  'lsarpc::LsarLookupNames4',
  'lsarpc::LsarQueryInformationPolicy',
  'lsarpc::LsarQueryInformationPolicy2',
  'lsarpc::LsarEnumerateAccountRights',
  'srvsvc::NetrServerGetInfo',
  'srvsvc::NetrShareGetInfo',
  'wkssvc::NetrWkstaGetInfo',
  'drsuapi::DRSCrackNames',
  'dssetup::DsRolerGetPrimaryDomainInformation',
];
