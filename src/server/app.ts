/**
 * The HTTP API (Hono + zod-openapi: request schemas validate input and publish the OpenAPI
 * document at /api/openapi.json). Authenticated by default (Bearer API tokens, roles viewer /
 * analyst / admin), rate-limited, and no endpoint returns a raw exception: validation errors
 * name the offending parameter, anything else is a 500 with a request id (details go to the log).
 */
import { randomUUID } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { stream, streamSSE } from 'hono/streaming';
import { parseAccount } from '../identity/names.js';
import type { IngestSummary } from '../ingest/run.js';
import type { Analysis } from '../pipeline/analysis.js';
import { IdentityHostView } from '../pipeline/identity-view.js';
import { type AnalysisReport, detectionSchema, hostSchema } from '../pipeline/report-schema.js';
import { QueryError } from '../recall/query.js';
import type { RecallStore } from '../recall/store.js';
import type { EventHub } from './events.js';
import { metricsText, pipelineMetrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { type Principal, ROLES, type Role, roleAllows, type TokenStore } from './tokens.js';

export interface ServerDeps {
  readonly analysis: Analysis;
  /** Ingest accounting so far (records, rejects, time span). */
  readonly summary: () => IngestSummary;
  readonly store?: RecallStore;
  readonly tokens: TokenStore;
  readonly events: EventHub;
  /** Serve /metrics without a token (scrapers on a trusted network). Default false. */
  readonly publicMetrics?: boolean;
  /** Requests per second per client (burst = 4×). Default 20. */
  readonly ratePerSecond?: number;
  readonly log?: (entry: Record<string, unknown>) => void;
  /** Static console files (built SPA), served at / with a strict CSP. */
  readonly web?: (path: string) => Promise<{ body: Uint8Array; type: string } | undefined>;
}

type Env = { Variables: { principal: Principal; requestId: string } };

const errorSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const E = {
  400: json(errorSchema, 'invalid request'),
  401: json(errorSchema, 'no or bad token'),
  403: json(errorSchema, 'role too low'),
};

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function buildApp(deps: ServerDeps): OpenAPIHono<Env> {
  const log = deps.log ?? ((e) => process.stderr.write(`${JSON.stringify(e)}\n`));
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return c.json(
          {
            error: 'invalid request',
            issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          },
          400,
        );
      }
    },
  });
  const metrics = pipelineMetrics(deps.analysis, deps.summary, deps.events);
  const limiter = new RateLimiter(deps.ratePerSecond ?? 20, 4 * (deps.ratePerSecond ?? 20));
  let cached: { at: number; report: AnalysisReport } | undefined;
  const report = (): AnalysisReport => {
    const now = Date.now();
    if (!cached || now - cached.at > 1000) cached = { at: now, report: deps.analysis.report(deps.summary()) };
    return cached.report;
  };

  app.use('*', async (c, next) => {
    c.set('requestId', randomUUID());
    const start = Date.now();
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('content-security-policy', CSP);
    c.header('x-frame-options', 'DENY');
    log({
      at: new Date().toISOString(),
      id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - start,
      who: c.get('principal')?.id,
    });
  });

  app.onError((err, c) => {
    if (err instanceof QueryError) return c.json({ error: err.message }, 400);
    log({
      at: new Date().toISOString(),
      id: c.get('requestId'),
      level: 'error',
      error: (err as Error).stack ?? String(err),
    });
    return c.json({ error: `internal error (request ${c.get('requestId')})` }, 500);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));

  const auth = (need: Role) => async (c: Context<Env>, next: Next) => {
    const h = c.req.header('authorization') ?? '';
    const principal = h.startsWith('Bearer ') ? deps.tokens.verify(h.slice(7).trim()) : undefined;
    const key = principal?.id ?? c.req.header('x-forwarded-for') ?? 'anon';
    if (!limiter.take(key)) return c.json({ error: 'rate limit exceeded' }, 429, { 'retry-after': '1' });
    if (!principal)
      return c.json({ error: 'missing or invalid API token (Authorization: Bearer vgl_…)' }, 401);
    if (!roleAllows(principal.role, need))
      return c.json({ error: `needs role ${need}; token has ${principal.role}` }, 403);
    c.set('principal', principal);
    await next();
  };

  app.get('/api/health', (c) => {
    const a = deps.analysis;
    return c.json({
      status: 'ok',
      records: a.records,
      eventTime: Number.isFinite(a.engine.eventTime) ? a.engine.eventTime : null,
    });
  });
  app.get(
    '/metrics',
    async (c, next) => (deps.publicMetrics ? next() : auth('viewer')(c, next)),
    (c) => c.text(metricsText(metrics), 200, { 'content-type': 'text/plain; version=0.0.4' }),
  );
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/health' || c.req.path === '/api/openapi.json') return next();
    const need: Role =
      c.req.method === 'GET' ? 'viewer' : c.req.path.startsWith('/api/tokens') ? 'admin' : 'analyst';
    return auth(need)(c, next);
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      responses: {
        200: json(z.object({ name: z.string(), role: z.enum(ROLES) }), 'who the token belongs to'),
        ...E,
      },
    }),
    (c) => {
      const p = c.get('principal');
      return c.json({ name: p.name, role: p.role }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/overview',
      responses: {
        200: json(
          z.object({
            summary: z.record(z.string(), z.unknown()),
            hosts: z.array(hostSchema),
            detections: z.array(detectionSchema),
          }),
          'dashboard data',
        ),
        ...E,
      },
    }),
    (c) => {
      const r = report();
      const newest = [...r.detections].sort((a, b) => b.detectedAt - a.detectedAt).slice(0, 100);
      return c.json({ summary: r.summary, hosts: r.hosts.slice(0, 500), detections: newest }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/hosts/{key}',
      request: { params: z.object({ key: z.string().min(1).max(300) }) },
      responses: {
        200: json(z.object({ host: hostSchema, detections: z.array(detectionSchema) }), 'one host'),
        404: json(errorSchema, 'no such host'),
        ...E,
      },
    }),
    (c) => {
      const { key } = c.req.valid('param');
      const r = report();
      const host = r.hosts.find((h) => h.key === key);
      if (!host) return c.json({ error: `no host ${key} with detections` }, 404);
      return c.json({ host, detections: r.detections.filter((d) => host.detections.includes(d.id)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/hosts/{key}/addresses',
      request: { params: z.object({ key: z.string().min(1).max(300) }) },
      responses: {
        200: json(
          z.array(z.object({ ip: z.string(), first: z.number(), last: z.number() })),
          'the addresses the host held over time (identity sessions: live, or stored with vigil_host)',
        ),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      const { key } = c.req.valid('param');
      // The live identity knows the running sessions; the store knows hosts of earlier runs.
      const hosts = deps.analysis.hosts;
      const live = hosts instanceof IdentityHostView ? hosts.addresses(key) : [];
      if (live.length > 0) return c.json(live, 200);
      if (!deps.store) return needStore(c);
      return c.json(await deps.store.hostAddresses(await hostKeys(key)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/detections/{id}',
      request: { params: z.object({ id: z.string().regex(/^[0-9a-f]{16}$/) }) },
      responses: {
        200: json(detectionSchema, 'one detection'),
        404: json(errorSchema, 'no such detection'),
        ...E,
      },
    }),
    (c) => {
      const { id } = c.req.valid('param');
      const d = report().detections.find((x) => x.id === id);
      return d ? c.json(d, 200) : c.json({ error: `no detection ${id}` }, 404);
    },
  );

  const timeQuery = {
    from: z.coerce.number().optional(),
    to: z.coerce.number().optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(100),
  };
  const rows = z.array(z.record(z.string(), z.unknown()));
  /** Every key a host's stored rows may carry: from the live identity and the stored hosts. */
  const hostKeys = async (host: string): Promise<string[]> => {
    const live = deps.analysis.hosts instanceof IdentityHostView ? deps.analysis.hosts.keysOf(host) : [];
    return [...new Set([...live, ...((await deps.store?.hostKeys(host)) ?? [])])];
  };
  const needStore = (c: Context<Env>) =>
    c.json({ error: 'no metadata store configured (serve --store DIR)' }, 404);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/search',
      request: {
        query: z.object({
          q: z.string().max(4000),
          ...timeQuery,
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: {
        200: json(z.object({ rows, logs: z.array(z.string()) }), 'matching records, newest first'),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      if (!deps.store) return needStore(c);
      const q = c.req.valid('query');
      const r = await deps.store.search(q.q, q);
      return c.json({ rows: r.rows, logs: r.logs }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/search/stream',
      request: {
        query: z.object({
          q: z.string().max(4000),
          from: z.coerce.number().optional(),
          to: z.coerce.number().optional(),
          limit: z.coerce.number().int().min(1).max(10_000_000).default(1_000_000),
        }),
      },
      responses: {
        200: {
          content: { 'application/x-ndjson': { schema: z.string() } },
          description:
            'every match in time order, one JSON object per line; a failure mid-stream ends with an {"error": …} line',
        },
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      if (!deps.store) return needStore(c);
      const q = c.req.valid('query');
      const rows = deps.store.stream(q.q, q);
      // The first chunk before any byte is sent: a query error is still a located 400.
      const first = await rows.next();
      c.header('content-type', 'application/x-ndjson');
      // A streamed body has no typed-response form in zod-openapi (hence the cast); the route's
      // declared 200 documents it in the OpenAPI document.
      const body = stream(c, async (out) => {
        let aborted = false;
        out.onAbort(() => {
          aborted = true;
        });
        try {
          for (let r = first; !r.done && !aborted; r = await rows.next()) {
            await out.write(`${r.value.map((row) => JSON.stringify(row)).join('\n')}\n`);
          }
        } catch (err) {
          await out.write(`${JSON.stringify({ error: (err as Error).message.split('\n')[0] })}\n`);
        } finally {
          await rows.return(undefined);
        }
      });
      return body as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/top',
      request: {
        query: z.object({
          field: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,99}$/),
          q: z.string().max(4000).default(''),
          n: z.coerce.number().int().min(1).max(1000).default(10),
          from: z.coerce.number().optional(),
          to: z.coerce.number().optional(),
        }),
      },
      responses: {
        200: json(
          z.array(z.object({ value: z.string(), count: z.number() })),
          'the most frequent values of the field among the matches',
        ),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      if (!deps.store) return needStore(c);
      const q = c.req.valid('query');
      return c.json(await deps.store.top(q.q, q.field, q.n, q), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/histogram',
      request: {
        query: z.object({
          q: z.string().max(4000),
          bucket: z.coerce
            .number()
            .min(1)
            .max(86_400 * 31),
          ...timeQuery,
        }),
      },
      responses: {
        200: json(z.array(z.object({ ts: z.number(), count: z.number() })), 'counts per bucket'),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      if (!deps.store) return needStore(c);
      const q = c.req.valid('query');
      return c.json(await deps.store.histogram(q.q, q.bucket, q), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/uid/{uid}',
      request: { params: z.object({ uid: z.string().regex(/^[A-Za-z0-9]{1,64}$/) }) },
      responses: {
        200: json(rows, 'every record with this uid or fuid'),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => (deps.store ? c.json(await deps.store.byUid(c.req.valid('param').uid), 200) : needStore(c)),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/timeline',
      request: {
        query: z
          .object({
            ip: z
              .string()
              .regex(/^[0-9a-fA-F.:]{2,45}$/)
              .optional(),
            host: z.string().min(1).max(256).optional(),
            account: z.string().min(1).max(256).optional(),
            ...timeQuery,
            offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
          })
          .refine((q) => [q.ip, q.host, q.account].filter((v) => v !== undefined).length === 1, {
            message: 'give exactly one of ip, host, account',
          }),
      },
      responses: {
        200: json(rows, 'records of the address, host or account and detections about it, in time order'),
        404: json(errorSchema, 'no store'),
        ...E,
      },
    }),
    async (c) => {
      if (!deps.store) return needStore(c);
      const q = c.req.valid('query');
      const subject = q.ip
        ? { ips: [q.ip] }
        : q.host
          ? { hosts: await hostKeys(q.host) }
          : { account: parseAccount(q.account)?.key ?? q.account ?? '' };
      return c.json(await deps.store.timeline(subject, q), 200);
    },
  );

  const responder = deps.analysis.responder;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/responses',
      responses: {
        200: json(
          z.object({ audit: rows, pending: rows, isolated: rows }),
          'audit log, approval queue, isolations',
        ),
        ...E,
      },
    }),
    (c) =>
      c.json(
        {
          audit: [...(responder?.audit.all ?? [])] as unknown as Record<string, unknown>[],
          pending: (responder?.pending ?? []).map((q) => ({
            id: q.id,
            policy: q.policy.name,
            host: q.subject.host,
            ip: q.subject.ip,
            eventTime: q.eventTime,
            outcome: q.outcome,
          })),
          isolated: [...(responder?.isolations ?? new Map())].map(([host, i]) => ({
            host,
            policy: i.policy,
            ip: i.ip,
            since: i.since,
          })),
        },
        200,
      ),
  );

  const noResponder = (c: Context<Env>) => c.json({ error: 'no response policies configured' }, 404);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/responses/{id}/{decision}',
      request: {
        params: z.object({ id: z.string().regex(/^q\d{1,9}$/), decision: z.enum(['approve', 'reject']) }),
      },
      responses: {
        200: json(z.record(z.string(), z.unknown()), 'decision recorded'),
        404: json(errorSchema, 'no such queued action'),
        ...E,
      },
    }),
    async (c) => {
      if (!responder) return noResponder(c);
      const { id, decision } = c.req.valid('param');
      const who = c.get('principal').name;
      if (!responder.pending.some((q) => q.id === id))
        return c.json({ error: `no queued action ${id}` }, 404);
      if (decision === 'approve') await responder.approve(id, who);
      else responder.reject(id, who);
      deps.events.publish({ type: 'response', data: { id, decision, by: who } });
      return c.json({ id, decision, by: who }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/hosts/{key}/release',
      request: {
        params: z.object({ key: z.string().min(1).max(300) }),
        body: {
          content: { 'application/json': { schema: z.object({ reason: z.string().min(3).max(500) }) } },
        },
      },
      responses: {
        200: json(z.record(z.string(), z.unknown()), 'released'),
        404: json(errorSchema, 'not isolated'),
        ...E,
      },
    }),
    async (c) => {
      if (!responder) return noResponder(c);
      const { key } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      if (!responder.isolations.has(key)) return c.json({ error: `host ${key} is not isolated` }, 404);
      const who = c.get('principal').name;
      await responder.release(key, who, reason, deps.analysis.engine.eventTime);
      deps.events.publish({ type: 'response', data: { host: key, decision: 'release', by: who } });
      return c.json({ host: key, released: true, by: who }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/tokens',
      request: {
        body: {
          content: {
            'application/json': {
              schema: z.object({ name: z.string().min(1).max(100), role: z.enum(ROLES) }),
            },
          },
        },
      },
      responses: {
        200: json(
          z.object({ id: z.string(), token: z.string(), role: z.enum(ROLES) }),
          'the new token, shown once',
        ),
        ...E,
      },
    }),
    (c) => {
      const { name, role } = c.req.valid('json');
      const t = deps.tokens.create(name, role);
      return c.json({ id: t.id, token: t.token, role }, 200);
    },
  );

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      let open = true;
      const unsubscribe = deps.events.subscribe((e) => {
        void stream.writeSSE({ event: e.type, data: JSON.stringify(e.data) });
      });
      stream.onAbort(() => {
        open = false;
        unsubscribe();
      });
      while (open) {
        await stream.writeSSE({ event: 'ping', data: String(Date.now()) });
        await stream.sleep(15_000);
      }
    }),
  );

  app.doc('/api/openapi.json', { openapi: '3.0.0', info: { title: 'Vigil API', version: '1' } });

  if (deps.web) {
    const web = deps.web;
    app.get('*', async (c) => {
      const path = c.req.path === '/' ? '/index.html' : c.req.path;
      const file = (await web(path)) ?? (path.includes('.') ? undefined : await web('/index.html'));
      if (!file) return c.json({ error: 'not found' }, 404);
      return c.body(file.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.type });
    });
  }
  return app;
}
