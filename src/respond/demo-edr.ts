/**
 * A local demo EDR: an HTTP server that speaks the documented EDR endpoints (CrowdStrike,
 * Defender, SentinelOne) over a device table, plus fault injection: expired tokens (401), rate
 * limits (429 + Retry-After), 500s, hangs, malformed replies. The demo isolates hosts through it
 * and the tests run the real actuator HTTP code against it. Loopback only; accepts the client
 * secret `secret` and the API token `s1token`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Device {
  readonly id: string;
  readonly ip: string;
  readonly name: string;
  contained: boolean;
}

export type Fault = '401' | '429' | '500' | 'hang' | 'malformed';

export interface VendorServer {
  readonly url: string;
  readonly devices: Device[];
  /** Faults served, in order, to the next matching non-token requests. */
  readonly faults: Fault[];
  readonly log: string[];
  tokensIssued: number;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVendorServer(devices: Device[]): Promise<VendorServer> {
  const state = { tokens: new Set<string>() };
  const vs: VendorServer = {
    url: '',
    devices,
    faults: [],
    log: [],
    tokensIssued: 0,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const json = (
    res: ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(value));
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const text = await body(req);
    vs.log.push(`${req.method} ${url.pathname}${url.search}`);
    // Token endpoints (CrowdStrike /oauth2/token, Entra /{tenant}/oauth2/v2.0/token).
    if (req.method === 'POST' && /\/oauth2\/(v2\.0\/)?token$/.test(url.pathname)) {
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_secret') !== 'secret') {
        return json(res, 401, { error: 'invalid_client' });
      }
      const tok = `tok${++vs.tokensIssued}`;
      state.tokens.add(tok);
      return json(res, 200, { access_token: tok, expires_in: 1799, token_type: 'bearer' });
    }
    const fault = vs.faults.shift();
    if (fault === 'hang') return; // never answers: the client's timeout must fire
    if (fault === '500') return json(res, 500, { errors: [{ message: 'internal' }] });
    if (fault === '429')
      return json(res, 429, { errors: [{ message: 'rate limited' }] }, { 'retry-after': '1' });
    if (fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"resources": [');
    }
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('Bearer ')) {
      const tok = auth.slice(7);
      if (fault === '401') state.tokens.delete(tok); // token expired under our feet
      if (!state.tokens.has(tok))
        return json(res, 401, { errors: [{ message: 'access denied, invalid bearer token' }] });
    } else if (auth.startsWith('ApiToken ')) {
      if (auth !== 'ApiToken s1token' || fault === '401')
        return json(res, 401, { errors: [{ title: 'Unauthorized' }] });
    } else return json(res, 401, { errors: [{ message: 'no credentials' }] });

    // CrowdStrike
    if (req.method === 'GET' && url.pathname === '/devices/queries/devices/v1') {
      const f = url.searchParams.get('filter') ?? '';
      const m = /^(local_ip|hostname):'([^']*)'$/.exec(f);
      const hits = m ? devices.filter((d) => (m[1] === 'local_ip' ? d.ip === m[2] : d.name === m[2])) : [];
      return json(res, 200, { resources: hits.map((d) => d.id), errors: [] });
    }
    if (req.method === 'POST' && url.pathname === '/devices/entities/devices-actions/v2') {
      const action = url.searchParams.get('action_name');
      const ids = (JSON.parse(text) as { ids: string[] }).ids;
      const hits = devices.filter((d) => ids.includes(d.id));
      for (const d of hits) d.contained = action === 'contain';
      return json(res, 202, { resources: hits.map((d) => ({ id: d.id, path: '' })), errors: [] });
    }
    // Defender
    const findbyip = /^\/api\/machines\/findbyip\(ip='([^']+)',timestamp=([^)]+)\)$/.exec(
      decodeURIComponent(url.pathname),
    );
    if (req.method === 'GET' && findbyip) {
      const hits = devices.filter((d) => d.ip === findbyip[1]);
      return json(res, 200, {
        value: hits.map((d) => ({ id: d.id, computerDnsName: `${d.name.toLowerCase()}.corp.local` })),
      });
    }
    const mdeAction = /^\/api\/machines\/([^/]+)\/(isolate|unisolate)$/.exec(url.pathname);
    if (req.method === 'POST' && mdeAction) {
      const b = JSON.parse(text) as { Comment?: string; IsolationType?: string };
      if (!b.Comment) return json(res, 400, { error: { message: 'Comment is required' } });
      const d = devices.find((x) => x.id === mdeAction[1]);
      if (!d) return json(res, 404, { error: { message: 'machine not found' } });
      d.contained = mdeAction[2] === 'isolate';
      return json(res, 201, {
        id: `ma-${d.id}-${mdeAction[2]}`,
        type: mdeAction[2] === 'isolate' ? 'Isolate' : 'Unisolate',
        status: 'Pending',
      });
    }
    if (req.method === 'GET' && url.pathname.startsWith('/api/machineactions/')) {
      return json(res, 200, { id: url.pathname.split('/').pop(), status: 'Succeeded' });
    }
    // SentinelOne
    if (req.method === 'GET' && url.pathname === '/web/api/v2.1/agents') {
      const ip = url.searchParams.get('networkInterfaceInet__contains');
      const name = url.searchParams.get('computerName__contains');
      const hits = devices.filter((d) => (ip ? d.ip.includes(ip) : name ? d.name.includes(name) : false));
      return json(res, 200, { data: hits.map((d) => ({ id: d.id, computerName: d.name })), pagination: {} });
    }
    const s1 = /^\/web\/api\/v2\.1\/agents\/actions\/(disconnect|connect)$/.exec(url.pathname);
    if (req.method === 'POST' && s1) {
      const ids = (JSON.parse(text) as { filter: { ids: string[] } }).filter.ids;
      const hits = devices.filter((d) => ids.includes(d.id));
      for (const d of hits) d.contained = s1[1] === 'disconnect';
      return json(res, 200, { data: { affected: hits.length } });
    }
    json(res, 404, { errors: [{ message: `no route ${req.method} ${url.pathname}` }] });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (vs as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return vs;
}
