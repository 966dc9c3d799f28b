import { useEffect, useState } from 'preact/hooks';
import { api, type Detection, type Overview, qs, type Row, type SearchResult } from '../api.js';
import { HostLink, Loading, Problem, Score, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { attackUrl, currentZone, fmtTime, fmtValue, term } from '../format.js';
import { searchHref } from '../router.js';

const MAX_EVIDENCE = 500;

export function DetectionView({ id }: { id: string }) {
  const { t } = useCtx();
  const r = useApi<Detection>(`/api/detections/${id}`);
  const o = useApi<Overview>('/api/overview', false);
  const d = r.data;
  const records = useEvidenceRecords(d);
  return (
    <div class="page detection">
      <Problem error={r.error} retry={r.reload} />
      <Loading show={r.loading && !d} />
      {d ? (
        <>
          <header class="page-head">
            <h1>{d.type}</h1>
            <span class="tag">{d.category}</span>
            <span class="head-scores">
              {t('threat')} <Score value={d.threat} /> {t('certainty')} <Score value={d.certainty} />
            </span>
          </header>
          <Section title={t('summary')}>
            <p class="summary" data-testid="detection-summary">
              {d.summary}
            </p>
            <dl class="facts">
              <dt>{t('host')}</dt>
              <dd>
                <HostLink host={d.host} hosts={o.data?.hosts ?? []} />
              </dd>
              <dt>{t('source')}</dt>
              <dd class="mono">{d.src}</dd>
              <dt>{t('accounts')}</dt>
              <dd>{d.accounts.length ? d.accounts.join(', ') : '—'}</dd>
              <dt>{t('targets')}</dt>
              <dd class="mono wrap">
                {d.targets.slice(0, 50).join(', ')}
                {d.targetCount > 50 ? ` … (${d.targetCount})` : ''}
              </dd>
              <dt>{t('attack')}</dt>
              <dd>
                {d.attack.map((a) => {
                  const url = attackUrl(a);
                  return url ? (
                    <a key={a} class="chip" href={url} target="_blank" rel="noopener noreferrer">
                      {a}
                    </a>
                  ) : (
                    <span key={a} class="chip">
                      {a}
                    </span>
                  );
                })}
              </dd>
              <dt>{t('firstSeen')}</dt>
              <dd>
                {fmtTime(d.firstTs)} {currentZone()}
              </dd>
              <dt>{t('lastSeen')}</dt>
              <dd>
                {fmtTime(d.lastTs)} {currentZone()}
              </dd>
              <dt>{t('detectedAt')}</dt>
              <dd>
                {fmtTime(d.detectedAt)} {currentZone()}
              </dd>
              <dt>{t('campaign')}</dt>
              <dd>{d.campaign ? <HostLink host={d.campaign} hosts={o.data?.hosts ?? []} /> : '—'}</dd>
            </dl>
          </Section>
          <Section title={t('drivers')}>
            <table class="grid drivers">
              <thead>
                <tr>
                  <th>{t('driver')}</th>
                  <th>{t('value')}</th>
                </tr>
              </thead>
              <tbody>
                {d.drivers.map((x, i) => (
                  <tr key={i}>
                    <td>{x.name}</td>
                    <td class="mono">{String(x.value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          <Section
            title={`${t('evidence')} (${Math.min(d.evidence.length, MAX_EVIDENCE)} ${t('evidenceShown')} ${d.evidenceCount})`}
          >
            <table class="grid evidence">
              <thead>
                <tr>
                  <th>{t('time')}</th>
                  <th>{t('log')}</th>
                  <th>{t('uid')}</th>
                  <th>{t('record')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.evidence.slice(0, MAX_EVIDENCE).map((e, i) => {
                  const rec = records.get(`${e.log}|${e.uid}`);
                  const text = rec ? recordText(rec) : '';
                  const q = pivotQuery(e);
                  return (
                    <tr key={i} data-evidence={e.uid}>
                      <td class="nowrap">{fmtTime(e.ts)}</td>
                      <td>{e.log}</td>
                      <td class="mono">{e.uid}</td>
                      <td class="record" title={text}>
                        {text.length > 220 ? `${text.slice(0, 219)}…` : text}
                      </td>
                      <td class="nowrap">
                        <a class="pivot" href={searchHref(q)}>
                          {t('pivot')} {q}
                        </a>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Section>
        </>
      ) : null}
    </div>
  );
}

type Evidence = Detection['evidence'][number];

/** files.log evidence names a file id (fuid); every other log a connection uid. */
function pivotQuery(e: Evidence): string {
  return e.log === 'files' && e.uid.startsWith('F') ? `fuid:${term(e.uid)}` : `uid:${term(e.uid)}`;
}

/** Shown elsewhere in the row, or Vigil's own joins (the evidence line is the Zeek record). */
const SKIP = new Set(['ts', 'uid', 'fuid', '_log', '_day', '_path', '_orig_host', '_resp_host', '_account']);

/** A record's fields as one line of `name=value` text. */
function recordText(r: Row): string {
  return Object.entries(r)
    .filter(([k, v]) => !SKIP.has(k) && v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${fmtValue(v)}`)
    .join(' ');
}

const SHOWN_RECORDS = 40;

/**
 * The records behind the first evidence rows, fetched with two searches (uids, file ids) so the
 * analyst reads what happened without leaving the page. Keyed `log|uid`.
 */
function useEvidenceRecords(d: Detection | undefined): Map<string, Row> {
  const [map, setMap] = useState(new Map<string, Row>());
  const id = d?.id;
  useEffect(() => {
    if (!d || d.evidence.length === 0) return;
    const first = d.evidence.slice(0, SHOWN_RECORDS);
    const isFile = (e: Evidence) => pivotQuery(e).startsWith('fuid:');
    const fuids = [...new Set(first.filter(isFile).map((e) => e.uid))];
    const uids = [...new Set(first.filter((e) => !isFile(e)).map((e) => e.uid))];
    const from = Math.min(...first.map((e) => e.ts)) - 1;
    const to = Math.max(...first.map((e) => e.ts)) + 1;
    const search = (field: string, ids: string[]) =>
      ids.length === 0
        ? Promise.resolve<SearchResult>({ rows: [], logs: [] })
        : api<SearchResult>(
            `/api/search?${qs({ q: ids.map((u) => `${field}:${term(u)}`).join(' OR '), from, to, limit: 500 })}`,
          );
    let live = true;
    Promise.all([search('uid', uids), search('fuid', fuids)]).then(
      ([a, b]) => {
        if (!live) return;
        const m = new Map<string, Row>();
        for (const row of a.rows) m.set(`${fmtValue(row._log)}|${fmtValue(row.uid)}`, row);
        for (const row of b.rows) m.set(`${fmtValue(row._log)}|${fmtValue(row.fuid)}`, row);
        setMap(m);
      },
      () => {
        // No store, or a query the store refuses: the rows keep their pivots.
      },
    );
    return () => {
      live = false;
    };
  }, [id]);
  return map;
}
