/**
 * CrowdStrike Falcon host containment. OAuth2 client credentials (`POST /oauth2/token`, 30-min
 * tokens), device lookup by `local_ip` then `hostname` (`GET /devices/queries/devices/v1`),
 * `POST /devices/entities/devices-actions/v2?action_name=contain|lift_containment` with
 * `{"ids":[aid]}`. Scope needed: Hosts: Write. Base URL per cloud region (api.crowdstrike.com,
 * api.us-2.crowdstrike.com, api.eu-1.crowdstrike.com …).
 */
import {
  ClientCredentialsToken,
  DEFAULT_HTTP_POLICY,
  HttpError,
  type HttpPolicy,
  requestJson,
  withBearer,
} from '../http.js';
import type { ActionResult, ActionTarget, Actuator } from './types.js';
import { safeLookupValue } from './types.js';

export interface CrowdStrikeOptions {
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly http?: HttpPolicy;
}

export class CrowdStrikeActuator implements Actuator {
  readonly kind = 'crowdstrike';
  private readonly token: ClientCredentialsToken;
  private readonly http: HttpPolicy;
  private readonly base: string;

  constructor(o: CrowdStrikeOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.http = o.http ?? DEFAULT_HTTP_POLICY;
    this.token = new ClientCredentialsToken(
      `${this.base}/oauth2/token`,
      { client_id: o.clientId, client_secret: o.clientSecret },
      this.http,
    );
  }

  isolate(target: ActionTarget, _reason?: string): Promise<ActionResult> {
    return this.act(target, 'contain');
  }

  release(target: ActionTarget, _reason?: string): Promise<ActionResult> {
    return this.act(target, 'lift_containment');
  }

  private async act(target: ActionTarget, action: 'contain' | 'lift_containment'): Promise<ActionResult> {
    const aid = await this.findDevice(target);
    const { json } = await withBearer(this.token, (auth) =>
      requestJson(
        {
          method: 'POST',
          url: `${this.base}/devices/entities/devices-actions/v2?action_name=${action}`,
          headers: { authorization: auth },
          body: { ids: [aid] },
        },
        this.http,
      ),
    );
    const o = json as { resources?: { id?: string }[]; errors?: { message?: string }[] } | null;
    if (o?.errors && o.errors.length > 0) {
      throw new HttpError(`CrowdStrike ${action}: ${o.errors.map((e) => e.message).join('; ')}`, 200, '');
    }
    if (!o?.resources?.some((r) => r.id === aid))
      throw new HttpError(`CrowdStrike ${action}: reply does not confirm device ${aid}`, 200, '');
    return { deviceId: aid, detail: `${action} accepted` };
  }

  private async findDevice(t: ActionTarget): Promise<string> {
    const filters = [
      `local_ip:'${safeLookupValue(t.ip, 'IP')}'`,
      ...t.names.map((n) => `hostname:'${safeLookupValue(n, 'host name')}'`),
    ];
    for (const filter of filters) {
      const { json } = await withBearer(this.token, (auth) =>
        requestJson(
          {
            method: 'GET',
            url: `${this.base}/devices/queries/devices/v1?filter=${encodeURIComponent(filter)}`,
            headers: { authorization: auth },
          },
          this.http,
        ),
      );
      const ids = (json as { resources?: unknown } | null)?.resources;
      if (Array.isArray(ids) && ids.length === 1 && typeof ids[0] === 'string') return ids[0];
      if (Array.isArray(ids) && ids.length > 1) {
        throw new HttpError(`CrowdStrike: ${ids.length} devices match ${filter}; refusing to guess`, 200, '');
      }
    }
    throw new HttpError(
      `CrowdStrike: no device for ${t.ip}${t.names.length ? ` / ${t.names.join(', ')}` : ''}`,
      404,
      '',
    );
  }
}
