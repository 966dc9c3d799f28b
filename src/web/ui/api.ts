/**
 * The console's API client: every call carries the token as `Authorization: Bearer …`; the
 * token lives in sessionStorage (this tab only, gone when it closes). A 401 anywhere signs out.
 */
import type { ReportDetection, ReportHost } from '../../pipeline/report-schema.js';
import { SseParser } from './sse.js';

export type Host = ReportHost;
export type Detection = ReportDetection;
export type Row = Record<string, unknown>;
export type Role = 'viewer' | 'analyst' | 'admin';

export interface Overview {
  readonly summary: Record<string, unknown>;
  readonly hosts: Host[];
  readonly detections: Detection[];
}
export interface HostPage {
  readonly host: Host;
  readonly detections: Detection[];
}
export interface SearchResult {
  readonly rows: Row[];
  readonly logs: string[];
}
/** An address a host held, first and last time (`/api/hosts/{key}/addresses`). */
export interface HostAddress {
  readonly ip: string;
  readonly first: number;
  readonly last: number;
}
export interface Bucket {
  readonly ts: number;
  readonly count: number;
}
export interface Responses {
  readonly audit: Row[];
  readonly pending: Row[];
  readonly isolated: Row[];
}
export interface Me {
  readonly name: string;
  readonly role: Role;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'vigil.token';
let unauthorized: () => void = () => {};

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
  onUnauthorized: (fn: () => void): void => {
    unauthorized = fn;
  },
};

function headers(json: boolean): Record<string, string> {
  const t = session.token();
  const h: Record<string, string> = t ? { authorization: `Bearer ${t}` } : {};
  if (json) h['content-type'] = 'application/json';
  return h;
}

export async function api<T>(path: string, post?: { body?: unknown }): Promise<T> {
  const res = await fetch(path, {
    method: post ? 'POST' : 'GET',
    headers: headers(post?.body !== undefined),
    body: post?.body === undefined ? null : JSON.stringify(post.body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err =
      data !== null && typeof data === 'object' && 'error' in data && typeof data.error === 'string'
        ? data.error
        : `HTTP ${res.status}`;
    if (res.status === 401) unauthorized();
    throw new ApiError(res.status, err);
  }
  return data as T;
}

/**
 * Every match of a query as NDJSON (`/api/search/stream`), saved as a file: fetched with the
 * token in a header (never in a URL), then handed to the browser as a blob download.
 */
export async function exportMatches(path: string, fileName: string): Promise<void> {
  const res = await fetch(path, { headers: headers(false), cache: 'no-store', credentials: 'omit' });
  if (!res.ok) {
    if (res.status === 401) unauthorized();
    const data: unknown = await res.json().catch(() => null);
    const err =
      data !== null && typeof data === 'object' && 'error' in data && typeof data.error === 'string'
        ? data.error
        : `HTTP ${res.status}`;
    throw new ApiError(res.status, err);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export const qs = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  return u.toString();
};

export type LiveState = 'open' | 'closed';

/**
 * Follows /api/events with fetch (the header carries the token) and reconnects with backoff
 * (1 s doubling to 30 s). Returns a function that stops it.
 */
export function followEvents(
  onEvent: (type: string, data: unknown) => void,
  onState: (s: LiveState) => void,
): () => void {
  const abort = new AbortController();
  let delay = 1000;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch('/api/events', {
          headers: { ...headers(false), accept: 'text/event-stream' },
          signal: abort.signal,
          cache: 'no-store',
          credentials: 'omit',
        });
        if (res.status === 401) {
          unauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('open');
        delay = 1000;
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const m of parser.feed(value)) {
            if (m.event === 'ping') continue;
            let data: unknown = m.data;
            try {
              data = JSON.parse(m.data);
            } catch {
              // keep the text
            }
            onEvent(m.event, data);
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('closed');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  };
  void run();
  return () => abort.abort();
}
