/**
 * Time charts on uPlot (canvas): small (~50 kB), fast on long series, no runtime dependencies,
 * and it sizes its DOM only through CSSOM properties (element.style.x = …), which a CSP without
 * 'unsafe-inline' allows; its stylesheet is bundled as a file. Tooltips/legend show values as
 * text nodes.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { currentZone } from './format.js';

export interface ChartSeries {
  readonly label: string;
  readonly stroke: string;
  readonly values: readonly (number | null)[];
}

export interface TimeChartProps {
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly bars?: boolean;
  readonly height?: number;
  readonly yMax?: number;
  /** The x span to show (epoch seconds); default: the data's, padded when it is one point. */
  readonly xRange?: readonly [number, number];
  readonly name: string;
}

export function TimeChart(p: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  // Callers pass fresh arrays on every render: rebuild the chart only when the content changes.
  const zone = currentZone();
  const sig = JSON.stringify([p.x, p.series, p.bars, p.height, p.yMax, p.xRange, zone]);
  const props = useRef(p);
  props.current = p;
  useEffect(() => {
    const p = props.current;
    const el = box.current;
    if (!el) return;
    const width = Math.max(300, el.clientWidth || 600);
    const barPaths = uPlot.paths.bars?.({ size: [0.8, 40] });
    const opts: uPlot.Options = {
      width,
      height: p.height ?? 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone === 'UTC' ? 'Etc/UTC' : zone),
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: xScale(p.x, p.xRange),
        y:
          p.yMax === undefined
            ? { auto: true, range: (_u, _min, max) => [0, Math.max(1, max)] }
            : { auto: false, range: [0, p.yMax] },
      },
      axes: [
        { stroke: '#9aa4b2', grid: { stroke: '#2a3140' } },
        { stroke: '#9aa4b2', grid: { stroke: '#2a3140' } },
      ],
      series: [
        { label: zone },
        ...p.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: p.bars ? 1 : 2,
          ...(p.bars ? { fill: `${s.stroke}99`, ...(barPaths ? { paths: barPaths } : {}) } : {}),
          points: { show: !p.bars && p.x.length < 60 },
        })),
      ],
    };
    const data: uPlot.AlignedData = [Float64Array.from(p.x), ...p.series.map((s) => s.values.slice())];
    const chart = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(300, el.clientWidth);
      if (Math.abs(w - chart.width) > 4) chart.setSize({ width: w, height: p.height ?? 220 });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
    };
  }, [sig]);
  return <div class="chart" ref={box} data-chart={p.name} />;
}

function xScale(x: readonly number[], range: readonly [number, number] | undefined): uPlot.Scale {
  if (range) return { time: true, auto: false, range: [range[0], range[1]] };
  if (x.length === 1) return { time: true, auto: false, range: [x[0]! - 3600, x[0]! + 3600] };
  return { time: true };
}

/**
 * Aligns several bucket series on one x axis, every bucket from the first to the last present
 * (empty buckets count 0, so the chart shows quiet time as quiet).
 */
export function alignBuckets(
  series: readonly (readonly { ts: number; count: number }[])[],
  bucket: number,
): { x: number[]; ys: number[][] } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of series)
    for (const b of s) {
      lo = Math.min(lo, b.ts);
      hi = Math.max(hi, b.ts);
    }
  if (!Number.isFinite(lo)) return { x: [], ys: series.map(() => []) };
  const dense = (hi - lo) / bucket <= 2000;
  const xs = new Set<number>();
  if (dense) for (let t = lo; t <= hi; t += bucket) xs.add(t);
  for (const s of series) for (const b of s) xs.add(b.ts);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const y = new Array<number>(x.length).fill(0);
    for (const b of s) y[index.get(b.ts)!] = b.count;
    return y;
  });
  return { x, ys };
}
