/**
 * SentinelOne network quarantine. `Authorization: ApiToken <token>`; agent by
 * `GET /web/api/v2.1/agents?networkInterfaceInet__contains=<ip>` (then `computerName__contains`);
 * `POST /web/api/v2.1/agents/actions/disconnect` / `connect` with `{"filter":{"ids":[id]},"data":{}}`,
 * reply `{"data":{"affected":N}}`.
 */
import { DEFAULT_HTTP_POLICY, HttpError, type HttpPolicy, requestJson } from '../http.js';
import type { ActionResult, ActionTarget, Actuator } from './types.js';
import { safeLookupValue } from './types.js';

export interface SentinelOneOptions {
  /** Console URL, e.g. https://usea1.sentinelone.net */
  readonly baseUrl: string;
  readonly apiToken: string;
  readonly http?: HttpPolicy;
}

export class SentinelOneActuator implements Actuator {
  readonly kind = 'sentinelone';
  private readonly base: string;
  private readonly http: HttpPolicy;

  constructor(private readonly o: SentinelOneOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.http = o.http ?? DEFAULT_HTTP_POLICY;
  }

  isolate(target: ActionTarget, _reason?: string): Promise<ActionResult> {
    return this.act(target, 'disconnect');
  }

  release(target: ActionTarget, _reason?: string): Promise<ActionResult> {
    return this.act(target, 'connect');
  }

  private headers(): Record<string, string> {
    return { authorization: `ApiToken ${this.o.apiToken}` };
  }

  private async act(target: ActionTarget, action: 'disconnect' | 'connect'): Promise<ActionResult> {
    const id = await this.findAgent(target);
    const { json } = await requestJson(
      {
        method: 'POST',
        url: `${this.base}/web/api/v2.1/agents/actions/${action}`,
        headers: this.headers(),
        body: { filter: { ids: [id] }, data: {} },
      },
      this.http,
    );
    const affected = (json as { data?: { affected?: unknown } } | null)?.data?.affected;
    if (typeof affected !== 'number')
      throw new HttpError(`SentinelOne ${action}: reply has no data.affected`, 200, '');
    if (affected < 1) throw new HttpError(`SentinelOne ${action}: no agent affected`, 200, '');
    return { deviceId: id, detail: `${action} affected ${affected}` };
  }

  private async findAgent(t: ActionTarget): Promise<string> {
    const queries = [
      `networkInterfaceInet__contains=${encodeURIComponent(safeLookupValue(t.ip, 'IP'))}`,
      ...t.names.map((n) => `computerName__contains=${encodeURIComponent(safeLookupValue(n, 'host name'))}`),
    ];
    for (const q of queries) {
      const { json } = await requestJson(
        { method: 'GET', url: `${this.base}/web/api/v2.1/agents?${q}`, headers: this.headers() },
        this.http,
      );
      const agents = ((json as { data?: { id?: unknown }[] } | null)?.data ?? []).filter(
        (a) => typeof a.id === 'string',
      );
      if (agents.length === 1) return agents[0]!.id as string;
      if (agents.length > 1)
        throw new HttpError(`SentinelOne: ${agents.length} agents match ${q}; refusing to guess`, 200, '');
    }
    throw new HttpError(`SentinelOne: no agent for ${t.ip}`, 404, '');
  }
}
