import type { ComponentChildren } from 'preact';
import type { ApiError, Detection, Host } from './api.js';
import { useCtx } from './context.js';
import { fmtTime, hostLabel } from './format.js';
import { href } from './router.js';

export function Badge({ priority }: { priority: Host['priority'] }) {
  const { t } = useCtx();
  return <span class={`badge p-${priority}`}>{t(priority)}</span>;
}

export function Section(p: {
  title: string;
  children: ComponentChildren;
  id?: string;
  extra?: ComponentChildren;
}) {
  return (
    <section class="card" id={p.id}>
      <header class="card-head">
        <h2>{p.title}</h2>
        {p.extra}
      </header>
      {p.children}
    </section>
  );
}

export function Problem({ error, retry }: { error: ApiError | undefined; retry?: () => void }) {
  const { t } = useCtx();
  if (!error) return null;
  return (
    <p class="problem" role="alert">
      {t('error')}: {error.message}{' '}
      {retry ? (
        <button type="button" onClick={retry}>
          {t('retry')}
        </button>
      ) : null}
    </p>
  );
}

export function Loading({ show }: { show: boolean }) {
  const { t } = useCtx();
  return show ? <p class="muted">{t('loading')}</p> : null;
}

export function HostLink({ host, hosts }: { host: string; hosts?: readonly Host[] }) {
  const h = hosts?.find((x) => x.key === host);
  return <a href={href({ page: 'host', key: host })}>{h ? hostLabel(h) : host.replace(/^name:/, '')}</a>;
}

/** Score as a number with an SVG bar (no inline style: the bar width is an SVG attribute). */
export function Score({ value }: { value: number }) {
  return (
    <span class="score">
      <svg class="score-bar" viewBox="0 0 100 8" aria-hidden="true">
        <rect class="score-bg" x="0" y="0" width="100" height="8" />
        <rect
          class={`score-fg${value >= 50 ? ' hi' : ''}`}
          x="0"
          y="0"
          width={Math.max(0, Math.min(100, value))}
          height="8"
        />
      </svg>
      <span class="score-num">{value}</span>
    </span>
  );
}

export function DetectionTable({
  detections,
  hosts,
  showHost = true,
}: {
  detections: readonly Detection[];
  hosts?: readonly Host[];
  showHost?: boolean;
}) {
  const { t } = useCtx();
  if (detections.length === 0) return <p class="muted">{t('none')}</p>;
  return (
    <table class="grid detections">
      <thead>
        <tr>
          <th>{t('detectedAt')}</th>
          <th>{t('type')}</th>
          {showHost ? <th>{t('host')}</th> : null}
          <th>{t('threat')}</th>
          <th>{t('certainty')}</th>
          <th>{t('summary')}</th>
        </tr>
      </thead>
      <tbody>
        {detections.map((d) => (
          <tr key={d.id} data-detection={d.id}>
            <td class="nowrap">{fmtTime(d.detectedAt)}</td>
            <td>
              <a href={href({ page: 'detection', id: d.id })}>{d.type}</a>
            </td>
            {showHost ? (
              <td>
                <HostLink host={d.host} {...(hosts ? { hosts } : {})} />
              </td>
            ) : null}
            <td>
              <Score value={d.threat} />
            </td>
            <td>
              <Score value={d.certainty} />
            </td>
            <td class="wrap">{d.summary}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
