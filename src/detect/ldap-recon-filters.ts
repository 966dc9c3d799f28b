/**
 * LDAP search-filter tokens of Active Directory reconnaissance, lower case, matched as
 * substrings of the lower-cased Zeek `ldap_search.filter` (Zeek renders filters without spaces,
 * e.g. `(&(objectclass=*)(samaccountname=x))`). Editable through config
 * (`detectors.suspicious-ldap-query.*Tokens`). Sources: the queries of the reference incident
 * (`(objectCategory=subnet)`, `(objectcategory=computer)`), Sigma's
 * `zeek_ldap_suspicious_query` / Windows LDAP recon rules (`sAMAccountType=805306368`,
 * `objectCategory=groupPolicyContainer`, `primaryGroupID=512`, `adminCount=1`, "Domain
 * Admins"), Vectra's Suspicious LDAP Query (broad scope, admin-implying names; BloodHound,
 * SharpHound, ADFind) and the well-known Kerberoast/AS-REP-roast/delegation/LAPS searches.
 */

/** Object classes/categories whose subtree listing maps the domain (T1087.002, T1018). */
export const BROAD_FILTER_TOKENS: readonly string[] = [
  'objectclass=*',
  'objectcategory=computer',
  'objectclass=computer',
  'objectcategory=cn=computer,',
  'samaccounttype=805306369',
  'objectcategory=person',
  'objectcategory=cn=person,',
  'objectclass=user',
  'objectcategory=user',
  'samaccounttype=805306368',
  'objectcategory=group',
  'objectclass=group',
  'objectcategory=cn=group,',
  'samaccounttype=268435456',
  'objectcategory=subnet',
  'objectclass=subnet',
  'objectcategory=site',
  'objectclass=site',
  'objectcategory=organizationalunit',
  'objectclass=organizationalunit',
  'objectcategory=grouppolicycontainer',
  'objectclass=grouppolicycontainer',
  'objectclass=domain',
  'objectcategory=domain',
];

/** Privilege hunting: admin groups, roastable and delegable accounts, LAPS (T1087.002, T1069.002). */
export const PRIVILEGED_FILTER_TOKENS: readonly string[] = [
  'admincount=1',
  'domain admins',
  'enterprise admins',
  'schema admins',
  'primarygroupid=512',
  'primarygroupid=516',
  'primarygroupid=518',
  'primarygroupid=519',
  'serviceprincipalname=*',
  '1.2.840.113556.1.4.803:=4194304',
  '1.2.840.113556.1.4.803:=524288',
  '1.2.840.113556.1.4.803:=16777216',
  'msds-allowedtodelegateto=*',
  'msds-allowedtoactonbehalfofotheridentity=*',
  'ms-mcs-admpwd=*',
  'mslaps-password=*',
  'msds-groupmsamembership=*',
  'userpassword=*',
  'unixuserpassword=*',
];

/** Domain trust discovery (T1482). */
export const TRUST_FILTER_TOKENS: readonly string[] = [
  'objectclass=trusteddomain',
  'objectcategory=trusteddomain',
  'trustattributes',
  'trustdirection',
  'trustpartner',
];

/**
 * Attributes whose equality with a concrete value (not `*`) makes a filter a lookup of one
 * object (a client resolving a user), never a listing: `(sAMAccountName=jdoe)`.
 */
export const LOOKUP_ATTRIBUTE_TOKENS: readonly string[] = [
  '(samaccountname=',
  '(cn=',
  '(name=',
  '(distinguishedname=',
  '(objectsid=',
  '(objectguid=',
  '(userprincipalname=',
  '(mail=',
  '(dnshostname=',
  '(displayname=',
  '(serviceprincipalname=',
  '(proxyaddresses=',
  '(netbiosname=',
];

/** Bits of a filter's class. */
export const FilterClass = { Broad: 1, Privileged: 2, Trust: 4 } as const;

export interface FilterLists {
  readonly broadTokens: readonly string[];
  readonly privilegedTokens: readonly string[];
  readonly trustTokens: readonly string[];
  readonly lookupAttributeTokens: readonly string[];
}

/** The matched classes of a lower-cased filter and the first token that matched each. */
export function classifyFilter(
  filter: string,
  scope: string | undefined,
  lists: FilterLists,
): { readonly cls: number; readonly tokens: string[] } {
  const tokens: string[] = [];
  let cls = 0;
  if (scope === 'base') return { cls, tokens };
  for (const tok of lists.privilegedTokens)
    if (filter.includes(tok)) {
      cls |= FilterClass.Privileged;
      tokens.push(tok);
      break;
    }
  for (const tok of lists.trustTokens)
    if (filter.includes(tok)) {
      cls |= FilterClass.Trust;
      tokens.push(tok);
      break;
    }
  for (const tok of lists.broadTokens)
    if (filter.includes(tok)) {
      if (!isLookup(filter, lists.lookupAttributeTokens)) {
        cls |= FilterClass.Broad;
        tokens.push(tok);
      }
      break;
    }
  return { cls, tokens };
}

/** A concrete equality on an identifying attribute: `(samaccountname=jdoe)`, not `=*)`. */
function isLookup(filter: string, attrs: readonly string[]): boolean {
  for (const a of attrs) {
    let i = filter.indexOf(a);
    while (i >= 0) {
      const v = i + a.length;
      if (!(filter.charCodeAt(v) === 42 /* * */ && filter.charCodeAt(v + 1) === 41) /* ) */) return true;
      i = filter.indexOf(a, v);
    }
  }
  return false;
}
