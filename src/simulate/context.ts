/** What every behaviour and playbook works with: the network, the record emitter, helpers. */
import { Emitter } from './emit.js';
import type { NtlmAuth } from './protocols.js';
import type { Rng } from './rand.js';
import { fqdn, type Host, type Network } from './topology.js';

export interface SimContext {
  readonly net: Network;
  readonly e: Emitter;
}

/** A context whose emitter draws from its own stream (one per behaviour or playbook). */
export function forked(ctx: SimContext, rand: Rng): SimContext {
  return { net: ctx.net, e: new Emitter(ctx.e.sink, rand, ctx.e.isLocal) };
}

/** Kerberos principal as Zeek writes it: `name/REALM`. */
export function principal(net: Network, name: string): string {
  return `${name}/${net.domain.realm}`;
}

export function machinePrincipal(net: Network, host: Host): string {
  return principal(net, `${host.name}$`);
}

/** NTLM authentication of `user` from `clientName` to `server`. */
export function ntlmTo(
  net: Network,
  user: string,
  clientName: string,
  server: Host,
  success = true,
): NtlmAuth {
  return {
    username: user,
    hostname: clientName,
    domain: net.domain.netbios,
    serverName: server.name,
    serverDns: fqdn(net, server),
    forest: net.domain.dns,
    success,
  };
}

export function dnsServer(net: Network, rand: Rng): Host {
  return rand.chance(0.6) ? net.dcs[0] : net.dcs[1];
}
