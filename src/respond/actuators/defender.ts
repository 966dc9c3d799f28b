/**
 * Microsoft Defender for Endpoint isolation. Entra ID client credentials (scope
 * `https://api.securitycenter.microsoft.com/.default`, permission Machine.Isolate); machine by
 * `GET /api/machines/findbyip(ip='…',timestamp=…)`; `POST /api/machines/{id}/isolate`
 * `{"Comment","IsolationType":"Full"|"Selective"}` (comment required) and `/unisolate`; the
 * returned machineAction is polled at `GET /api/machineactions/{id}` until it settles. The API
 * allows 100 calls per minute: a client-side limiter keeps under it.
 */
import {
  ClientCredentialsToken,
  DEFAULT_HTTP_POLICY,
  HttpError,
  type HttpPolicy,
  RateLimiter,
  requestJson,
  withBearer,
} from '../http.js';
import type { ActionResult, ActionTarget, Actuator } from './types.js';
import { safeLookupValue } from './types.js';

export interface DefenderOptions {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** API base, e.g. https://api.securitycenter.microsoft.com (or a geo endpoint). */
  readonly apiBase?: string;
  /** Entra login base (tests point it at a local server). */
  readonly loginBase?: string;
  readonly isolationType?: 'Full' | 'Selective';
  /** How long to poll a machineAction before reporting it as pending, milliseconds. */
  readonly pollTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly callsPerMinute?: number;
  readonly http?: HttpPolicy;
  /** Clock for `findbyip`'s timestamp (the record's time, within the last 30 days). */
  readonly now?: () => Date;
}

interface MachineAction {
  id?: string;
  status?: string;
}

export class DefenderActuator implements Actuator {
  readonly kind = 'defender';
  private readonly token: ClientCredentialsToken;
  private readonly http: HttpPolicy;
  private readonly api: string;
  private readonly limiter: RateLimiter;

  constructor(private readonly o: DefenderOptions) {
    this.api = (o.apiBase ?? 'https://api.securitycenter.microsoft.com').replace(/\/+$/, '');
    this.http = o.http ?? DEFAULT_HTTP_POLICY;
    const login = (o.loginBase ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    if (!/^[A-Za-z0-9.-]+$/.test(o.tenantId))
      throw new Error(`defender.tenantId ${JSON.stringify(o.tenantId)} is not a tenant id or domain`);
    this.token = new ClientCredentialsToken(
      `${login}/${o.tenantId}/oauth2/v2.0/token`,
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        scope: 'https://api.securitycenter.microsoft.com/.default',
      },
      this.http,
    );
    this.limiter = new RateLimiter(o.callsPerMinute ?? 100);
  }

  isolate(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.act(target, 'isolate', { Comment: reason, IsolationType: this.o.isolationType ?? 'Full' });
  }

  release(target: ActionTarget, reason: string): Promise<ActionResult> {
    return this.act(target, 'unisolate', { Comment: reason });
  }

  private async call(spec: Parameters<typeof requestJson>[0]): Promise<unknown> {
    await this.limiter.take();
    const { json } = await withBearer(this.token, (auth) =>
      requestJson({ ...spec, headers: { ...spec.headers, authorization: auth } }, this.http),
    );
    return json;
  }

  private async act(
    target: ActionTarget,
    action: 'isolate' | 'unisolate',
    body: Record<string, string>,
  ): Promise<ActionResult> {
    const id = await this.findMachine(target);
    const created = (await this.call({
      method: 'POST',
      url: `${this.api}/api/machines/${encodeURIComponent(id)}/${action}`,
      body,
    })) as MachineAction | null;
    if (!created?.id) throw new HttpError(`Defender ${action}: reply has no machineAction id`, 200, '');
    const status = await this.poll(created.id, created.status);
    if (status === 'Failed' || status === 'Cancelled' || status === 'TimeOut') {
      throw new HttpError(`Defender ${action}: machineAction ${created.id} ${status}`, 200, '');
    }
    return { deviceId: id, detail: `machineAction ${created.id} ${status}` };
  }

  private async poll(actionId: string, first: string | undefined): Promise<string> {
    const deadline = Date.now() + (this.o.pollTimeoutMs ?? 60_000);
    let status = first ?? 'Pending';
    while ((status === 'Pending' || status === 'InProgress') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.o.pollIntervalMs ?? 2000));
      const a = (await this.call({
        method: 'GET',
        url: `${this.api}/api/machineactions/${encodeURIComponent(actionId)}`,
      })) as MachineAction | null;
      status = a?.status ?? status;
    }
    return status;
  }

  private async findMachine(t: ActionTarget): Promise<string> {
    const ip = safeLookupValue(t.ip, 'IP');
    const ts = (this.o.now?.() ?? new Date()).toISOString();
    const json = (await this.call({
      method: 'GET',
      url: `${this.api}/api/machines/findbyip(ip='${ip}',timestamp=${ts})`,
    })) as {
      value?: { id?: string; computerDnsName?: string }[];
    } | null;
    const machines = (json?.value ?? []).filter((m) => typeof m.id === 'string');
    let pick = machines;
    if (machines.length > 1 && t.names.length > 0) {
      const names = new Set(t.names.map((n) => n.toLowerCase()));
      pick = machines.filter((m) => names.has((m.computerDnsName ?? '').split('.')[0]!.toLowerCase()));
    }
    if (pick.length === 1) return pick[0]!.id!;
    throw new HttpError(
      pick.length === 0
        ? `Defender: no machine seen at ${ip}`
        : `Defender: ${pick.length} machines at ${ip}; refusing to guess`,
      404,
      '',
    );
  }
}
