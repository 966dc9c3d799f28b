import { useState } from 'preact/hooks';
import { ApiError, api, type Responses, type Row } from '../api.js';
import { HostLink, Loading, Problem, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { fmtTime, fmtValue } from '../format.js';

const str = (v: unknown): string => fmtValue(v);

export function ResponsesView() {
  const { t, me } = useCtx();
  const r = useApi<Responses>('/api/responses');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const canAct = me.role !== 'viewer';
  const act = async (label: string, path: string, body?: unknown) => {
    setBusy(true);
    try {
      await api<Row>(path, body === undefined ? {} : { body });
      setResult({ ok: true, text: `${label}: ${t('done')}` });
    } catch (e) {
      setResult({ ok: false, text: e instanceof ApiError ? `${e.status}: ${e.message}` : String(e) });
    } finally {
      setBusy(false);
      r.reload();
    }
  };
  const d = r.data;
  return (
    <div class="page responses">
      <Problem error={r.error} retry={r.reload} />
      <Loading show={r.loading && !d} />
      {!canAct ? <p class="note">{t('viewerNote')}</p> : null}
      {result ? (
        <p class={result.ok ? 'ok' : 'problem'} role="status" data-testid="action-result">
          {result.text}
        </p>
      ) : null}
      {d ? (
        <>
          <Section title={t('pending')} id="pending">
            {d.pending.length === 0 ? (
              <p class="muted">{t('none')}</p>
            ) : (
              <table class="grid">
                <thead>
                  <tr>
                    <th>ID</th>
                    <th>{t('policy')}</th>
                    <th>{t('host')}</th>
                    <th>IP</th>
                    <th>{t('time')}</th>
                    <th>{t('outcome')}</th>
                    {canAct ? <th /> : null}
                  </tr>
                </thead>
                <tbody>
                  {d.pending.map((p) => (
                    <tr key={str(p.id)} data-pending={str(p.host)}>
                      <td class="mono">{str(p.id)}</td>
                      <td>{str(p.policy)}</td>
                      <td>
                        <HostLink host={str(p.host)} />
                      </td>
                      <td class="mono">{str(p.ip)}</td>
                      <td class="nowrap">{fmtTime(p.eventTime)}</td>
                      <td>{str(p.outcome)}</td>
                      {canAct ? (
                        <td class="actions">
                          <button
                            type="button"
                            class="primary"
                            disabled={busy}
                            onClick={() =>
                              act(
                                `${t('approve')} ${str(p.id)} (${str(p.host)})`,
                                `/api/responses/${encodeURIComponent(str(p.id))}/approve`,
                              )
                            }
                          >
                            {t('approve')}
                          </button>
                          <button
                            type="button"
                            disabled={busy}
                            onClick={() =>
                              act(
                                `${t('reject')} ${str(p.id)} (${str(p.host)})`,
                                `/api/responses/${encodeURIComponent(str(p.id))}/reject`,
                              )
                            }
                          >
                            {t('reject')}
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title={t('isolated')} id="isolated">
            {d.isolated.length === 0 ? (
              <p class="muted">{t('none')}</p>
            ) : (
              <table class="grid">
                <thead>
                  <tr>
                    <th>{t('host')}</th>
                    <th>{t('policy')}</th>
                    <th>IP</th>
                    <th>{t('since')}</th>
                    {canAct ? <th>{t('release')}</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {d.isolated.map((i) => {
                    const host = str(i.host);
                    const reason = reasons[host] ?? '';
                    return (
                      <tr key={host} data-isolated={host}>
                        <td>
                          <HostLink host={host} />
                        </td>
                        <td>{str(i.policy)}</td>
                        <td class="mono">{str(i.ip)}</td>
                        <td class="nowrap">{fmtTime(i.since)}</td>
                        {canAct ? (
                          <td class="actions">
                            <input
                              type="text"
                              aria-label={t('releaseReason')}
                              placeholder={t('releaseReason')}
                              value={reason}
                              maxLength={500}
                              onInput={(e) => setReasons({ ...reasons, [host]: e.currentTarget.value })}
                            />
                            <button
                              type="button"
                              disabled={busy || reason.trim().length < 3}
                              onClick={() =>
                                act(
                                  `${t('release')} ${host}`,
                                  `/api/hosts/${encodeURIComponent(host)}/release`,
                                  {
                                    reason: reason.trim(),
                                  },
                                )
                              }
                            >
                              {t('release')}
                            </button>
                          </td>
                        ) : null}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </Section>
          <Section title={t('audit')} id="audit">
            {d.audit.length === 0 ? (
              <p class="muted">{t('none')}</p>
            ) : (
              <div class="scroll">
                <table class="grid audit">
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>{t('time')}</th>
                      <th>{t('policy')}</th>
                      <th>{t('action')}</th>
                      <th>{t('host')}</th>
                      <th>IP</th>
                      <th>{t('outcome')}</th>
                      <th>{t('by')}</th>
                      <th>{t('reason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...d.audit].reverse().map((a) => (
                      <tr key={str(a.seq)} data-outcome={str(a.outcome)}>
                        <td class="num">{str(a.seq)}</td>
                        <td class="nowrap">{fmtTime(a.eventTime)}</td>
                        <td>{str(a.policy)}</td>
                        <td>{str(a.action)}</td>
                        <td>
                          <HostLink host={str(a.host)} />
                        </td>
                        <td class="mono">{str(a.ip)}</td>
                        <td class="nowrap">
                          <span class={`outcome o-${str(a.outcome).replace(/[^a-z-]/g, '')}`}>
                            {str(a.outcome)}
                          </span>
                        </td>
                        <td>{str(a.by)}</td>
                        <td class="wrap">{str(a.reason)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
        </>
      ) : null}
    </div>
  );
}
