/**
 * The threat × certainty quadrant as SVG drawn by Preact: each host is a link (keyboard and
 * screen-reader reachable, testable in the DOM), names are text nodes, colours come from
 * classes in the stylesheet. Certainty runs left to right, threat bottom to top, split at 50/50
 * as the scoring does: Low, Medium (certain, low threat), High (threatening, uncertain),
 * Critical.
 */
import type { Host } from './api.js';
import { hostLabel } from './format.js';
import type { T } from './i18n.js';
import { href } from './router.js';

const W = 520;
const H = 420;
const PAD = { l: 48, r: 16, t: 16, b: 40 };
const PW = W - PAD.l - PAD.r;
const PH = H - PAD.t - PAD.b;
const px = (certainty: number): number => PAD.l + (certainty / 99) * PW;
const py = (threat: number): number => PAD.t + PH - (threat / 99) * PH;

export function Quadrant({ hosts, t }: { hosts: readonly Host[]; t: T }) {
  const mid = { x: px(50), y: py(50) };
  const shown = hosts.slice(0, 300);
  const labels = placeLabels(
    shown.filter((h) => h.priority === 'Critical' || h.priority === 'High').slice(0, 12),
  );
  return (
    <svg class="quadrant" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('quadrant')}>
      <rect class="q-bg q-Low" x={PAD.l} y={mid.y} width={mid.x - PAD.l} height={PAD.t + PH - mid.y} />
      <rect
        class="q-bg q-Medium"
        x={mid.x}
        y={mid.y}
        width={PAD.l + PW - mid.x}
        height={PAD.t + PH - mid.y}
      />
      <rect class="q-bg q-High" x={PAD.l} y={PAD.t} width={mid.x - PAD.l} height={mid.y - PAD.t} />
      <rect class="q-bg q-Critical" x={mid.x} y={PAD.t} width={PAD.l + PW - mid.x} height={mid.y - PAD.t} />
      <line class="q-split" x1={mid.x} y1={PAD.t} x2={mid.x} y2={PAD.t + PH} />
      <line class="q-split" x1={PAD.l} y1={mid.y} x2={PAD.l + PW} y2={mid.y} />
      <rect class="q-frame" x={PAD.l} y={PAD.t} width={PW} height={PH} />
      <text class="q-label" x={PAD.l + 8} y={PAD.t + PH - 8}>
        {t('Low')}
      </text>
      <text class="q-label" x={mid.x + 8} y={PAD.t + PH - 8}>
        {t('Medium')}
      </text>
      <text class="q-label" x={PAD.l + 8} y={PAD.t + 18}>
        {t('High')}
      </text>
      <text class="q-label q-label-critical" x={mid.x + 8} y={PAD.t + 18}>
        {t('Critical')}
      </text>
      {[0, 25, 50, 75, 99].map((v) => (
        <g key={v}>
          <text class="q-tick" x={px(v)} y={PAD.t + PH + 16} text-anchor="middle">
            {v}
          </text>
          <text class="q-tick" x={PAD.l - 6} y={py(v) + 4} text-anchor="end">
            {v}
          </text>
        </g>
      ))}
      <text class="q-axis" x={PAD.l + PW / 2} y={H - 6} text-anchor="middle">
        {t('certainty')} →
      </text>
      <text
        class="q-axis"
        x={14}
        y={PAD.t + PH / 2}
        text-anchor="middle"
        transform={`rotate(-90 14 ${PAD.t + PH / 2})`}
      >
        {t('threat')} →
      </text>
      {[...shown].reverse().map((h) => {
        const x = px(h.certainty);
        const y = py(h.threat);
        const name = hostLabel(h);
        const label = labels.get(h.key);
        return (
          <a
            key={h.key}
            href={href({ page: 'host', key: h.key })}
            class="q-host"
            data-host={h.key}
            data-priority={h.priority}
          >
            <title>{`${name} — ${t(h.priority)} (${t('threat')} ${h.threat}, ${t('certainty')} ${h.certainty})`}</title>
            <circle
              class={`q-dot p-${h.priority}${h.highValue ? ' q-hv' : ''}`}
              cx={x}
              cy={y}
              r={h.priority === 'Critical' ? 7 : 5}
            />
            {label ? (
              <text class="q-name" x={label.x} y={label.y} text-anchor={label.anchor}>
                {name.length > 28 ? `${name.slice(0, 27)}…` : name}
              </text>
            ) : null}
          </a>
        );
      })}
    </svg>
  );
}

/** Label positions beside their dots, moved down where they would overlap an earlier label. */
function placeLabels(hosts: readonly Host[]): Map<string, { x: number; y: number; anchor: 'start' | 'end' }> {
  const out = new Map<string, { x: number; y: number; anchor: 'start' | 'end' }>();
  const placed: { x0: number; x1: number; y: number }[] = [];
  const sorted = [...hosts].sort((a, b) => b.threat - a.threat);
  for (const h of sorted) {
    const dx = px(h.certainty);
    const right = dx > PAD.l + PW - 160;
    const x = right ? dx - 10 : dx + 10;
    const width = Math.min(28, hostLabel(h).length) * 6.5;
    const x0 = right ? x - width : x;
    const x1 = right ? x : x + width;
    let y = py(h.threat) + 4;
    for (let i = 0; i < 20 && placed.some((p) => p.x0 < x1 && x0 < p.x1 && Math.abs(p.y - y) < 13); i++)
      y += 13;
    placed.push({ x0, x1, y });
    out.set(h.key, { x, y, anchor: right ? 'end' : 'start' });
  }
  return out;
}
