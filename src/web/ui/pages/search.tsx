import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  type Bucket,
  exportMatches,
  type Overview,
  qs,
  type Row,
  type SearchResult,
} from '../api.js';
import { alignBuckets, TimeChart } from '../charts.js';
import { Loading, Problem, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { bucketFor, currentZone, fmtTime, fmtValue, fromInput, term, toInput } from '../format.js';
import { href, type Route, searchHref } from '../router.js';

const PAGE = 100;
const FIRST = ['ts', '_log', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p'];
const HIDDEN = new Set([...FIRST, '_day', '_path']);

type SearchRoute = Extract<Route, { page: 'search' }>;

export function SearchView({ route }: { route: SearchRoute }) {
  const { t } = useCtx();
  const [q, setQ] = useState(route.q);
  const [from, setFrom] = useState(toInput(route.from));
  const [to, setTo] = useState(toInput(route.to));
  useEffect(() => {
    setQ(route.q);
    setFrom(toInput(route.from));
    setTo(toInput(route.to));
  }, [route.q, route.from, route.to]);
  const o = useApi<Overview>('/api/overview', false);
  const [exportError, setExportError] = useState<ApiError | undefined>(undefined);
  const span = {
    from: route.from ?? (typeof o.data?.summary.firstTs === 'number' ? o.data.summary.firstTs : undefined),
    to: route.to ?? (typeof o.data?.summary.lastTs === 'number' ? o.data.summary.lastTs + 1 : undefined),
  };
  const bucket =
    span.from !== undefined && span.to !== undefined ? bucketFor(span.from, span.to, 150) : undefined;
  const params = { q: route.q, from: route.from, to: route.to };
  const res = useApi<SearchResult>(
    route.q ? `/api/search?${qs({ ...params, limit: PAGE, offset: route.offset })}` : null,
    false,
  );
  const hist = useApi<Bucket[]>(
    route.q && bucket ? `/api/histogram?${qs({ ...params, bucket })}` : null,
    false,
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const f = fromInput(from);
    const tt = fromInput(to);
    location.hash = href({
      page: 'search',
      q: q.trim(),
      offset: 0,
      ...(f === undefined ? {} : { from: f }),
      ...(tt === undefined ? {} : { to: tt }),
    });
  };
  const page = (offset: number) => href({ ...route, offset: Math.max(0, offset) });
  const h = hist.data && bucket ? alignBuckets([hist.data], bucket) : undefined;
  return (
    <div class="page search">
      <form class="searchbar" onSubmit={submit}>
        <input
          class="query"
          name="q"
          type="search"
          aria-label={t('query')}
          placeholder={t('queryHelp')}
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          spellcheck={false}
          autocomplete="off"
        />
        <label>
          {t('from')} ({currentZone()})
          <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          {t('to')} ({currentZone()})
          <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit">{t('search')}</button>
      </form>
      <p class="muted small">{t('queryHelp')}</p>
      {res.error?.status === 404 ? <p class="muted">{t('noStore')}</p> : <Problem error={res.error} />}
      <Problem error={exportError} />
      {h?.x.length ? (
        <Section title={`${t('histogram')} (${bucket} s)`}>
          <TimeChart
            name="search-histogram"
            {...(span.from !== undefined && span.to !== undefined
              ? { xRange: [span.from, span.to] as const }
              : {})}
            bars
            x={h.x}
            series={[{ label: t('records'), stroke: '#3e9bff', values: h.ys[0]! }]}
            height={160}
          />
        </Section>
      ) : null}
      <Loading show={res.loading} />
      {res.data ? (
        <Section
          title={t('results')}
          extra={
            <span class="muted small">
              {t('logsSearched')}: {res.data.logs.join(', ') || '—'}{' '}
              {res.data.rows.length > 0 ? (
                <button
                  type="button"
                  class="link"
                  data-testid="export"
                  onClick={() => {
                    setExportError(undefined);
                    exportMatches(`/api/search/stream?${qs(params)}`, 'vigil-search.ndjson').catch(
                      (e: unknown) => setExportError(e instanceof ApiError ? e : new ApiError(0, String(e))),
                    );
                  }}
                >
                  {t('exportAll')}
                </button>
              ) : null}
            </span>
          }
        >
          {res.data.rows.length === 0 ? (
            <p class="muted">{t('noResults')}</p>
          ) : (
            <Results rows={res.data.rows} />
          )}
          <nav class="pager">
            {route.offset > 0 ? <a href={page(route.offset - PAGE)}>{t('previous')}</a> : null}
            <span class="muted">
              {route.offset + 1}–{route.offset + res.data.rows.length}
            </span>
            {res.data.rows.length === PAGE ? <a href={page(route.offset + PAGE)}>{t('next')}</a> : null}
          </nav>
        </Section>
      ) : null}
    </div>
  );
}

function Results({ rows }: { rows: readonly Row[] }) {
  const { t } = useCtx();
  return (
    <div class="scroll">
      <table class="grid results">
        <thead>
          <tr>
            <th>{t('time')}</th>
            <th>{t('log')}</th>
            <th>{t('uid')}</th>
            <th>orig</th>
            <th>resp</th>
            <th>{t('fields')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const rest = Object.entries(r).filter(
              ([k, v]) => !HIDDEN.has(k) && v !== null && v !== undefined && v !== '',
            );
            const ep = (h: string, p: string) => {
              const ip = r[h];
              if (typeof ip !== 'string') return '';
              const port = r[p] === undefined || r[p] === null ? '' : `:${fmtValue(r[p])}`;
              return (
                <>
                  <a href={searchHref(`id.orig_h:${term(ip)} OR id.resp_h:${term(ip)}`)}>{ip}</a>
                  {port}
                </>
              );
            };
            const uid = fmtValue(r.uid);
            return (
              <tr key={i} data-log={fmtValue(r._log)} data-uid={fmtValue(r.uid)}>
                <td class="nowrap">{fmtTime(r.ts)}</td>
                <td>{fmtValue(r._log)}</td>
                <td class="mono">{uid ? <a href={searchHref(`uid:${term(uid)}`)}>{uid}</a> : null}</td>
                <td class="mono nowrap">{ep('id.orig_h', 'id.orig_p')}</td>
                <td class="mono nowrap">{ep('id.resp_h', 'id.resp_p')}</td>
                <td class="fields">
                  {rest.map(([k, v]) => (
                    <span class="kv" key={k}>
                      <span class="k">{k}</span>=<span class="v">{fmtValue(v)}</span>{' '}
                    </span>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
