/**
 * HTTP for actuators: JSON requests with a timeout, retries with exponential back-off and jitter
 * on network errors, timeouts, 5xx and 429 (honouring `Retry-After`), never on other 4xx.
 * Built on Node's fetch (undici): no extra dependency, and tests run it against real local
 * servers.
 */

export interface HttpPolicy {
  /** Per-attempt timeout, milliseconds. */
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_HTTP_POLICY: HttpPolicy = {
  timeoutMs: 10_000,
  retries: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
};

export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly body: string,
  ) {
    super(message);
  }
}

export interface JsonResponse {
  readonly status: number;
  readonly json: unknown;
}

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** JSON body (objects) or a pre-encoded form/string body. */
  readonly body?: unknown;
  readonly form?: Record<string, string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Seconds or an HTTP date → milliseconds to wait; undefined when absent or unparsable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** One request with retries; returns parsed JSON (or null for an empty body) for 2xx, throws HttpError otherwise. */
export async function requestJson(
  spec: RequestSpec,
  policy: HttpPolicy = DEFAULT_HTTP_POLICY,
): Promise<JsonResponse> {
  let lastError: HttpError | undefined;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    let waitMs: number | undefined;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
      let body: string | undefined;
      if (spec.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(spec.form).toString();
      } else if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(spec.body);
      }
      const res = await fetch(spec.url, {
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
        redirect: 'error',
      });
      const text = await res.text();
      if (res.ok) {
        if (text.trim() === '') return { status: res.status, json: null };
        try {
          return { status: res.status, json: JSON.parse(text) as unknown };
        } catch {
          throw new HttpError(
            `${spec.method} ${redact(spec.url)}: malformed JSON in the reply`,
            res.status,
            text.slice(0, 500),
          );
        }
      }
      lastError = new HttpError(
        `${spec.method} ${redact(spec.url)}: HTTP ${res.status}`,
        res.status,
        text.slice(0, 500),
      );
      if (res.status !== 429 && res.status < 500) throw lastError;
      waitMs = retryAfterMs(res.headers.get('retry-after'));
    } catch (err) {
      if (err instanceof HttpError && (err.status === undefined || (err.status !== 429 && err.status < 500)))
        throw err;
      if (!(err instanceof HttpError)) {
        const e = err as Error;
        lastError = new HttpError(
          `${spec.method} ${redact(spec.url)}: ${e.name === 'TimeoutError' ? `timed out after ${policy.timeoutMs} ms` : e.message}`,
          undefined,
          '',
        );
      }
    }
    if (attempt === policy.retries) break;
    const backoff =
      Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
    await sleep(Math.min(policy.maxDelayMs, waitMs ?? backoff));
  }
  throw lastError ?? new HttpError(`${spec.method} ${redact(spec.url)}: failed`, undefined, '');
}

/** URLs in messages and audits never carry query secrets. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * OAuth2 client-credentials token, cached until shortly before it expires; `invalidate()` after
 * a 401 makes the next `get()` fetch a fresh one.
 */
export class ClientCredentialsToken {
  private token: string | undefined;
  private expiresAt = 0;

  constructor(
    private readonly tokenUrl: string,
    private readonly form: Record<string, string>,
    private readonly policy: HttpPolicy = DEFAULT_HTTP_POLICY,
  ) {}

  async get(): Promise<string> {
    if (this.token && Date.now() < this.expiresAt) return this.token;
    const { json } = await requestJson(
      { method: 'POST', url: this.tokenUrl, form: { grant_type: 'client_credentials', ...this.form } },
      this.policy,
    );
    const o = json as { access_token?: unknown; expires_in?: unknown } | null;
    if (!o || typeof o.access_token !== 'string')
      throw new HttpError(`token endpoint ${this.tokenUrl}: no access_token in the reply`, 200, '');
    const ttl = typeof o.expires_in === 'number' ? o.expires_in : 1800;
    this.token = o.access_token;
    this.expiresAt = Date.now() + Math.max(0, ttl - 60) * 1000;
    return this.token;
  }

  invalidate(): void {
    this.token = undefined;
  }
}

/** Runs `call` with a bearer token; on 401 refreshes the token once and retries. */
export async function withBearer<T>(
  token: ClientCredentialsToken,
  call: (auth: string) => Promise<T>,
): Promise<T> {
  try {
    return await call(`Bearer ${await token.get()}`);
  } catch (err) {
    if (err instanceof HttpError && err.status === 401) {
      token.invalidate();
      return call(`Bearer ${await token.get()}`);
    }
    throw err;
  }
}

/** Sliding one-minute call limiter (Defender allows 100 calls/min). */
export class RateLimiter {
  private readonly calls: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  async take(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.calls.length > 0 && this.calls[0]! <= t - 60_000) this.calls.shift();
      if (this.calls.length < this.perMinute) {
        this.calls.push(t);
        return;
      }
      await sleep(this.calls[0]! + 60_000 - t);
    }
  }
}
