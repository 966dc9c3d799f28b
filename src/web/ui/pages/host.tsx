import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  type Bucket,
  type Detection,
  type HostAddress,
  type HostPage,
  type Overview,
  qs,
} from '../api.js';
import { alignBuckets, type ChartSeries, TimeChart } from '../charts.js';
import { Badge, DetectionTable, HostLink, Loading, Problem, Score, Section } from '../components.js';
import { useApi, useCtx } from '../context.js';
import { bucketFor, currentZone, fmtTime, hostLabel } from '../format.js';
import type { T } from '../i18n.js';
import { href, searchHref } from '../router.js';

const COLORS = ['#e5484d', '#3e9bff', '#f5a524', '#30a46c', '#8e4ec6', '#12a594', '#d6409f'];

export function HostView({ hostKey }: { hostKey: string }) {
  const { t } = useCtx();
  const h = useApi<HostPage>(`/api/hosts/${encodeURIComponent(hostKey)}`);
  const o = useApi<Overview>('/api/overview');
  const addresses = useApi<HostAddress[]>(`/api/hosts/${encodeURIComponent(hostKey)}/addresses`);
  const host = h.data?.host;
  const detections = h.data?.detections ?? [];
  const accounts = [...new Set(detections.flatMap((d) => d.accounts))].sort();
  const campaignHosts = host?.campaign
    ? (o.data?.hosts ?? []).filter((x) => x.campaign === host.campaign && x.key !== host.key)
    : [];
  const history = useMemo(() => {
    const hist = host?.history ?? [];
    return {
      x: hist.map((p) => p.ts),
      series: [
        { label: t('threat'), stroke: '#e5484d', values: hist.map((p) => p.threat) },
        { label: t('certainty'), stroke: '#3e9bff', values: hist.map((p) => p.certainty) },
      ] satisfies ChartSeries[],
    };
  }, [host, t]);
  return (
    <div class="page host">
      <Problem error={h.error} retry={h.reload} />
      <Loading show={h.loading && !host} />
      {host ? (
        <>
          <header class="page-head">
            <h1 data-testid="host-title">{hostLabel(host)}</h1>
            <Badge priority={host.priority} />
            {host.highValue ? <span class="tag">{t('highValue')}</span> : null}
            <span class="head-scores">
              {t('threat')} <Score value={host.threat} /> {t('certainty')} <Score value={host.certainty} />
            </span>
          </header>
          <Section title={t('host')}>
            <dl class="facts">
              <dt>{t('names')}</dt>
              <dd>{host.names.length ? host.names.join(', ') : '—'}</dd>
              <dt>{t('ips')}</dt>
              <dd class="mono">
                {host.ips.map((ip) => (
                  <a key={ip} class="chip" href={searchHref(`id.orig_h:${ip} OR id.resp_h:${ip}`)}>
                    {ip}
                  </a>
                ))}
              </dd>
              {addresses.data?.length ? (
                <>
                  <dt>{t('addressesOverTime')}</dt>
                  <dd class="mono" data-testid="addresses">
                    {addresses.data.map((a) => (
                      <div key={a.ip}>
                        <a class="chip" href={searchHref(`id.orig_h:${a.ip} OR id.resp_h:${a.ip}`)}>
                          {a.ip}
                        </a>{' '}
                        {fmtTime(a.first)} – {fmtTime(a.last)}
                      </div>
                    ))}
                  </dd>
                </>
              ) : null}
              <dt>{t('roles')}</dt>
              <dd>{host.roles.length ? host.roles.join(', ') : '—'}</dd>
              <dt>{t('accounts')}</dt>
              <dd>{accounts.length ? accounts.join(', ') : '—'}</dd>
              <dt>{t('firstCritical')}</dt>
              <dd data-testid="first-critical">
                {host.firstCriticalTs === null ? '—' : `${fmtTime(host.firstCriticalTs)} ${currentZone()}`}
              </dd>
              <dt>{t('campaign')}</dt>
              <dd>
                {host.campaign ? (
                  <>
                    <HostLink host={host.campaign} hosts={o.data?.hosts ?? []} />
                    {campaignHosts.length ? (
                      <span class="campaign-hosts">
                        {' '}
                        · {t('campaignHosts')}:{' '}
                        {campaignHosts.map((c) => (
                          <a key={c.key} class="chip" href={href({ page: 'host', key: c.key })}>
                            {hostLabel(c)}
                          </a>
                        ))}
                      </span>
                    ) : null}
                  </>
                ) : (
                  '—'
                )}
              </dd>
            </dl>
          </Section>
          <div class="cols">
            <Section title={t('scoreHistory')}>
              {history.x.length ? (
                <TimeChart name="score-history" x={history.x} series={history.series} yMax={99} />
              ) : (
                <p class="muted">{t('none')}</p>
              )}
            </Section>
            <Section title={t('detectionTimeline')}>
              <DetectionLanes detections={detections} t={t} />
            </Section>
          </div>
          <Trends keys={[host.key, ...host.names.map((n) => `name:${n}`)]} detections={detections} t={t} />
          <Section title={t('detections')}>
            <DetectionTable
              detections={[...detections].sort((a, b) => a.firstTs - b.firstTs)}
              showHost={false}
            />
          </Section>
        </>
      ) : null}
    </div>
  );
}

/** Detections as bars from first to last record, one lane per type. */
function DetectionLanes({ detections, t }: { detections: readonly Detection[]; t: T }) {
  if (detections.length === 0) return <p class="muted">{t('none')}</p>;
  const types = [...new Set(detections.map((d) => d.type))];
  const lo = Math.min(...detections.map((d) => d.firstTs));
  const hi = Math.max(...detections.map((d) => d.lastTs), lo + 60);
  const W = 600;
  const L = 170;
  const lane = 26;
  const H = types.length * lane + 30;
  const x = (ts: number): number => L + ((ts - lo) / (hi - lo)) * (W - L - 10);
  return (
    <svg class="lanes" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('detectionTimeline')}>
      {types.map((ty, i) => (
        <g key={ty}>
          <line class="lane-line" x1={L} x2={W - 10} y1={i * lane + lane / 2} y2={i * lane + lane / 2} />
          <text class="lane-label" x={L - 8} y={i * lane + lane / 2 + 4} text-anchor="end">
            {ty}
          </text>
        </g>
      ))}
      {detections.map((d) => {
        const i = types.indexOf(d.type);
        const x0 = x(d.firstTs);
        const w = Math.max(6, x(d.lastTs) - x0);
        return (
          <a key={d.id} href={href({ page: 'detection', id: d.id })} data-lane={d.id}>
            <title>{`${d.type}: ${fmtTime(d.firstTs)} – ${fmtTime(d.lastTs)} ${currentZone()} — ${d.summary}`}</title>
            <rect
              class={`lane-bar${d.threat >= 50 ? ' hi' : ''}`}
              x={x0}
              y={i * lane + 5}
              width={w}
              height={lane - 10}
              rx="3"
            />
          </a>
        );
      })}
      <text class="q-tick" x={L} y={H - 8}>
        {fmtTime(lo)}
      </text>
      <text class="q-tick" x={W - 10} y={H - 8} text-anchor="end">
        {fmtTime(hi)} {currentZone()}
      </text>
    </svg>
  );
}

interface TrendData {
  readonly bucket: number;
  readonly sessions: { x: number[]; series: ChartSeries[] };
  readonly interactions: { x: number[]; series: ChartSeries[] };
}

const INTERACTIONS: readonly [string, string][] = [
  ['dns', 'log:dns'],
  ['smb', 'log:smb_mapping'],
  ['smb files', 'log:smb_files'],
  ['dce_rpc', 'log:dce_rpc'],
  ['kerberos', 'log:kerberos'],
  ['ldap', 'log:ldap'],
  ['rdp', 'log:rdp'],
];

/**
 * The seed report's two charts for one host: its session trend (conn records it opened and
 * received per bucket) and its interaction trend (the protocols an intruder uses: DNS, SMB,
 * RPC, Kerberos, LDAP, RDP), around the span of its detections.
 */
function Trends({
  keys,
  detections,
  t,
}: {
  keys: readonly string[];
  detections: readonly Detection[];
  t: T;
}) {
  const { liveTick } = useCtx();
  const [state, setState] = useState<{ data?: TrendData; error?: ApiError }>({});
  const lo = detections.length ? Math.min(...detections.map((d) => d.firstTs)) : undefined;
  const hi = detections.length ? Math.max(...detections.map((d) => d.lastTs)) : undefined;
  useEffect(() => {
    if (lo === undefined || hi === undefined) return;
    const from = Math.floor(lo - 3600 * 6);
    const to = Math.ceil(hi + 3600 * 6);
    const bucket = bucketFor(from, to, 150);
    // By host key, joined into each stored row at ingest (`name:…` for a named host, else its
    // key): the trend follows the host across its addresses (DHCP, VPN) and not whoever held an
    // address before or after it.
    const any = (field: string) => `(${keys.map((k) => `${field}:${JSON.stringify(k)}`).join(' OR ')})`;
    const addr = any('_orig_host');
    const get = (q: string) => api<Bucket[]>(`/api/histogram?${qs({ q, bucket, from, to })}`);
    let live = true;
    Promise.all([
      get(`log:conn ${addr}`),
      get(`log:conn ${any('_resp_host')}`),
      ...INTERACTIONS.map(([, q]) => get(`${q} ${addr}`)),
    ]).then(
      (res) => {
        if (!live) return;
        const s = alignBuckets(res.slice(0, 2), bucket);
        const i = alignBuckets(res.slice(2), bucket);
        setState({
          data: {
            bucket,
            sessions: {
              x: s.x,
              series: [
                { label: t('outbound'), stroke: COLORS[0]!, values: s.ys[0]! },
                { label: t('inbound'), stroke: COLORS[1]!, values: s.ys[1]! },
              ],
            },
            interactions: {
              x: i.x,
              series: INTERACTIONS.map(([label], k) => ({
                label,
                stroke: COLORS[k % COLORS.length]!,
                values: i.ys[k]!,
              })),
            },
          },
        });
      },
      (e: unknown) => live && setState({ error: e instanceof ApiError ? e : new ApiError(0, String(e)) }),
    );
    return () => {
      live = false;
    };
  }, [keys.join('\n'), lo, hi, t, liveTick]);
  if (state.error?.status === 404) return <p class="muted">{t('noStore')}</p>;
  return (
    <div class="cols">
      <Section title={t('sessionTrend')}>
        <Problem error={state.error} />
        {state.data ? (
          <TimeChart
            name="session-trend"
            bars
            x={state.data.sessions.x}
            series={state.data.sessions.series}
          />
        ) : null}
      </Section>
      <Section title={t('interactionTrend')}>
        {state.data ? (
          <TimeChart
            name="interaction-trend"
            x={state.data.interactions.x}
            series={state.data.interactions.series}
          />
        ) : null}
      </Section>
    </div>
  );
}
