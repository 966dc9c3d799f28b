/**
 * Generic webhook: POSTs a JSON description of the action, signed with HMAC-SHA256 over
 * `<timestamp>.<body>` (header `X-Vigil-Signature: sha256=<hex>`, `X-Vigil-Timestamp`), so the
 * receiver can check origin and freshness. For firewalls, SOAR and in-house automation.
 */
import { createHmac } from 'node:crypto';
import { DEFAULT_HTTP_POLICY, type HttpPolicy, requestJson } from '../http.js';
import type { ActionResult, ActionTarget, Actuator } from './types.js';

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly http?: HttpPolicy;
}

export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookActuator implements Actuator {
  readonly kind = 'webhook';

  constructor(private readonly o: WebhookOptions) {}

  isolate(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.send('isolate', target, reason);
  }

  release(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.send('release', target, reason);
  }

  blockAccount(account: string, reason: string): Promise<ActionResult> {
    return this.send('block-account', { host: account, ip: '', names: [] }, reason, { account });
  }

  unblockAccount(account: string, reason: string): Promise<ActionResult> {
    return this.send('unblock-account', { host: account, ip: '', names: [] }, reason, { account });
  }

  blockIp(ip: string, reason: string): Promise<ActionResult> {
    return this.send('block-ip', { host: ip, ip, names: [] }, reason);
  }

  unblockIp(ip: string, reason: string): Promise<ActionResult> {
    return this.send('unblock-ip', { host: ip, ip, names: [] }, reason);
  }

  private async send(
    action: string,
    target: ActionTarget,
    reason: string,
    extra: Record<string, string> = {},
  ): Promise<ActionResult> {
    const payload = {
      action,
      host: target.host,
      ip: target.ip,
      names: target.names,
      ...extra,
      reason,
      sentAt: new Date().toISOString(),
    };
    const body = JSON.stringify(payload);
    const ts = String(Math.floor(Date.now() / 1000));
    const { status, json } = await requestJson(
      {
        method: 'POST',
        url: this.o.url,
        headers: { 'x-vigil-timestamp': ts, 'x-vigil-signature': signWebhook(this.o.secret, ts, body) },
        body: payload,
      },
      this.o.http ?? DEFAULT_HTTP_POLICY,
    );
    const id = (json as { id?: unknown } | null)?.id;
    return { deviceId: target.host, detail: `HTTP ${status}${typeof id === 'string' ? ` id ${id}` : ''}` };
  }
}
