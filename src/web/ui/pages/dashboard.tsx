import { useState } from 'preact/hooks';
import type { Overview } from '../api.js';
import { Badge, DetectionTable, HostLink, Loading, Problem, Score, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { currentZone, fmtTime, hostLabel } from '../format.js';
import { Quadrant } from '../quadrant.js';
import { href } from '../router.js';

export function Dashboard() {
  const { t, feed } = useCtx();
  const o = useApi<Overview>('/api/overview');
  const [filter, setFilter] = useState('');
  const data = o.data;
  const f = filter.trim().toLowerCase();
  const hosts = (data?.hosts ?? []).filter(
    (h) =>
      !f ||
      h.key.toLowerCase().includes(f) ||
      h.names.some((n) => n.toLowerCase().includes(f)) ||
      h.ips.some((i) => i.includes(f)) ||
      h.roles.some((r) => r.includes(f)),
  );
  const counts = { Critical: 0, High: 0, Medium: 0, Low: 0 };
  for (const h of data?.hosts ?? []) counts[h.priority]++;
  const s = data?.summary ?? {};
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  return (
    <div class="page dashboard">
      <Problem error={o.error} retry={o.reload} />
      <Loading show={o.loading && !data} />
      {data ? (
        <>
          <div class="stats">
            {(['Critical', 'High', 'Medium', 'Low'] as const).map((p) => (
              <div class={`stat p-${p}`} key={p} data-stat={p}>
                <span class="stat-num">{counts[p]}</span>
                <span class="stat-label">{t(p)}</span>
              </div>
            ))}
            <div class="stat">
              <span class="stat-num">{(num(s.records) ?? 0).toLocaleString()}</span>
              <span class="stat-label">{t('records')}</span>
            </div>
            <div class="stat wide">
              <span class="stat-num small">
                {fmtTime(num(s.firstTs))} – {fmtTime(num(s.lastTs))}
              </span>
              <span class="stat-label">
                {t('timeSpan')} ({currentZone()})
              </span>
            </div>
          </div>
          <div class="cols">
            <Section title={t('quadrant')} id="quadrant">
              <Quadrant hosts={data.hosts} t={t} />
            </Section>
            <Section
              title={t('hosts')}
              id="hosts"
              extra={
                <input
                  class="filter"
                  type="search"
                  placeholder={t('filter')}
                  aria-label={t('filter')}
                  value={filter}
                  onInput={(e) => setFilter(e.currentTarget.value)}
                />
              }
            >
              <div class="scroll">
                <table class="grid hosts">
                  <thead>
                    <tr>
                      <th>{t('priority')}</th>
                      <th>{t('host')}</th>
                      <th>{t('ips')}</th>
                      <th>{t('roles')}</th>
                      <th>{t('threat')}</th>
                      <th>{t('certainty')}</th>
                      <th>{t('detections')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {hosts.slice(0, 200).map((h) => (
                      <tr key={h.key} data-host={h.key}>
                        <td>
                          <Badge priority={h.priority} />
                        </td>
                        <td>
                          <a href={href({ page: 'host', key: h.key })}>{hostLabel(h)}</a>
                          {h.highValue ? <span class="tag">{t('highValue')}</span> : null}
                        </td>
                        <td class="mono">{h.ips.slice(0, 3).join(', ')}</td>
                        <td>{h.roles.join(', ')}</td>
                        <td>
                          <Score value={h.threat} />
                        </td>
                        <td>
                          <Score value={h.certainty} />
                        </td>
                        <td class="num">{h.detections.length}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Section>
          </div>
          {feed.length ? (
            <Section title={t('liveEvents')} id="live-feed">
              <ul class="feed">
                {feed.map((e) => (
                  <li key={`${e.at}-${e.type}-${e.host}-${e.text}`} data-event={e.type}>
                    <span class="muted nowrap">{new Date(e.at).toISOString().slice(11, 19)}</span>{' '}
                    <span class="tag">{e.type}</span>{' '}
                    {e.host ? <HostLink host={e.host} hosts={data.hosts} /> : null}{' '}
                    <span class="wrap">{e.text}</span>
                  </li>
                ))}
              </ul>
            </Section>
          ) : null}
          <Section title={t('newestDetections')} id="newest">
            <DetectionTable detections={data.detections.slice(0, 30)} hosts={data.hosts} />
          </Section>
        </>
      ) : null}
    </div>
  );
}
