/** What an actuator acts on and what it says back (kept in the audit log). */

export interface ActionTarget {
  readonly host: string;
  readonly ip: string;
  readonly names: readonly string[];
}

export interface ActionResult {
  /** Vendor device/agent id the action applied to. */
  readonly deviceId: string;
  /** Vendor action id or status, for the audit trail. */
  readonly detail: string;
}

export interface Actuator {
  /** `crowdstrike`, `defender`, `sentinelone`, `webhook`, `command`. */
  readonly kind: string;
  isolate(target: ActionTarget, reason: string): Promise<ActionResult>;
  release(target: ActionTarget, reason: string): Promise<ActionResult>;
  /** Disable an account (directory, IdP) — actuators that can. */
  blockAccount?(account: string, reason: string): Promise<ActionResult>;
  unblockAccount?(account: string, reason: string): Promise<ActionResult>;
  /** Block an external address (firewall, proxy) — actuators that can. */
  blockIp?(ip: string, reason: string): Promise<ActionResult>;
  unblockIp?(ip: string, reason: string): Promise<ActionResult>;
}

/** Device lookups splice these into vendor filter languages: allow only what addresses and names use. */
const SAFE = /^[A-Za-z0-9.:_-]{1,253}$/;

export function safeLookupValue(v: string, what: string): string {
  if (!SAFE.test(v))
    throw new Error(`${what} ${JSON.stringify(v)} has characters not allowed in a device lookup`);
  return v;
}
