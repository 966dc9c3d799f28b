import type { Detection, Overview } from '../api.js';
import { HostLink, Loading, Problem, Score, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { attackUrl, currentZone, fmtTime, term } from '../format.js';
import { searchHref } from '../router.js';

const MAX_EVIDENCE = 500;

export function DetectionView({ id }: { id: string }) {
  const { t } = useCtx();
  const r = useApi<Detection>(`/api/detections/${id}`);
  const o = useApi<Overview>('/api/overview', false);
  const d = r.data;
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
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.evidence.slice(0, MAX_EVIDENCE).map((e, i) => (
                  <tr key={i} data-evidence={e.uid}>
                    <td class="nowrap">{fmtTime(e.ts)}</td>
                    <td>{e.log}</td>
                    <td class="mono">{e.uid}</td>
                    <td>
                      <a class="pivot" href={searchHref(`uid:${term(e.uid)}`)}>
                        {t('pivot')} uid:{e.uid}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      ) : null}
    </div>
  );
}
