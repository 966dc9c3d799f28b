/** Hash routes: the console is one page; `#/host/<key>` etc. survive reloads and can be shared. */

export type Route =
  | { readonly page: 'dashboard' }
  | { readonly page: 'host'; readonly key: string }
  | { readonly page: 'detection'; readonly id: string }
  | {
      readonly page: 'search';
      readonly q: string;
      readonly from?: number;
      readonly to?: number;
      readonly offset: number;
    }
  | { readonly page: 'responses' };

const num = (v: string | null): number | undefined => {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#/, '');
  const [path = '', query = ''] = h.split('?', 2);
  const parts = path.split('/').filter((p) => p !== '');
  const params = new URLSearchParams(query);
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (parts[0] === 'host' && parts[1]) return { page: 'host', key: dec(parts[1]) };
  if (parts[0] === 'detection' && parts[1] && /^[0-9a-f]{16}$/.test(parts[1]))
    return { page: 'detection', id: parts[1] };
  if (parts[0] === 'search') {
    const r: Route = {
      page: 'search',
      q: params.get('q') ?? '',
      offset: Math.max(0, Math.floor(num(params.get('offset')) ?? 0)),
    };
    const from = num(params.get('from'));
    const to = num(params.get('to'));
    return { ...r, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }
  if (parts[0] === 'responses') return { page: 'responses' };
  return { page: 'dashboard' };
}

export function href(r: Route): string {
  switch (r.page) {
    case 'dashboard':
      return '#/';
    case 'host':
      return `#/host/${encodeURIComponent(r.key)}`;
    case 'detection':
      return `#/detection/${encodeURIComponent(r.id)}`;
    case 'responses':
      return '#/responses';
    case 'search': {
      const p = new URLSearchParams();
      p.set('q', r.q);
      if (r.from !== undefined) p.set('from', String(r.from));
      if (r.to !== undefined) p.set('to', String(r.to));
      if (r.offset) p.set('offset', String(r.offset));
      return `#/search?${p.toString()}`;
    }
  }
}

export const searchHref = (q: string, from?: number, to?: number): string =>
  href({
    page: 'search',
    q,
    offset: 0,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  });
