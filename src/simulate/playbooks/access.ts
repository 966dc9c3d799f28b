/**
 * Initial access: a VPN login with a valid account from the attacker's own machine (generic
 * `WIN-…` name), off-hours. Outside: one long TLS session to the VPN gateway. Inside: a new pool
 * address whose first acts are DNS and Kerberos for the account.
 */

import { vpnTunnel } from '../benign/remote.js';
import { principal, type SimContext } from '../context.js';
import { kerberos, smb } from '../protocols.js';
import { fqdn } from '../topology.js';
import { type AttackerIdentity, runStep, type StepRecord } from './types.js';

export interface VpnLoginParams {
  readonly ts: number;
  readonly externalIp: string;
  readonly poolIp: string;
  readonly identity: AttackerIdentity;
  /** When the tunnel closes. */
  readonly until: number;
}

export function vpnLogin(ctx: SimContext, p: VpnLoginParams): StepRecord {
  const { e, net } = ctx;
  const r = e.rand;
  const dc = net.dcs[0];
  return runStep(ctx, 'vpn-login', p.poolIp, p.ts, () => {
    e.sink.marked({ step: 'vpn-login', host: p.externalIp }, () =>
      vpnTunnel(ctx, p.ts - r.between(5, 15), p.externalIp, p.until),
    );
    let t = p.ts;
    e.dns({
      ts: t,
      client: p.poolIp,
      server: dc.ip,
      query: `_ldap._tcp.dc._msdcs.${net.domain.dns}`,
      qtype: 'SRV',
      answers: [fqdn(net, dc)],
    });
    t += r.between(0.5, 2);
    const user = principal(net, p.identity.account);
    kerberos(e, {
      ts: t,
      client: p.poolIp,
      kdc: dc.ip,
      requestType: 'AS',
      principal: user,
      service: `krbtgt/${net.domain.realm}`,
      error: 'KDC_ERR_PREAUTH_REQUIRED',
    });
    kerberos(e, {
      ts: t + 0.05,
      client: p.poolIp,
      kdc: dc.ip,
      requestType: 'AS',
      principal: user,
      service: `krbtgt/${net.domain.realm}`,
    });
    t += r.between(1, 4);
    const c = smb(e, {
      ts: t,
      client: p.poolIp,
      server: dc.ip,
      ntlm: {
        username: p.identity.account,
        hostname: p.identity.clientName,
        domain: p.identity.domain,
        serverName: dc.name,
        serverDns: fqdn(net, dc),
        forest: net.domain.dns,
        success: true,
      },
      trees: [`\\\\${dc.ip}\\IPC$`],
    });
    return c.end;
  });
}
