// Charts drawn as SVG: a time series (lines or stacked areas) with a hover read-out, and a
// list of horizontal bars. Grafana is the model: axes that say what they measure, a legend,
// and the exact values of a bucket under the pointer.
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Link } from '../lib/router';
import { compact, num } from '../lib/format';

export interface Series {
  label: string;
  /** One value per bucket start (ms since the epoch). */
  points: { t: number; v: number }[];
  color?: string;
}

const palette = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)', 'var(--c7)', 'var(--c8)'];

export function seriesColor(i: number, s?: Series) {
  return s?.color ?? palette[i % palette.length];
}

/** fromBreakdown turns the API's {label, breakdown: {RFC3339: value}} into series, sorted by time. */
export function fromBreakdown(rows: { label: string; breakdown: Record<string, number> }[] | null | undefined, colors?: Record<string, string>): Series[] {
  return (rows ?? []).map((r) => ({
    label: r.label,
    color: colors?.[r.label],
    points: Object.entries(r.breakdown ?? {})
      .map(([k, v]) => ({ t: Date.parse(k), v: Number(v) || 0 }))
      .filter((p) => !Number.isNaN(p.t))
      .sort((a, b) => a.t - b.t),
  }));
}

/** niceMax rounds a maximum up to a value with a readable step (1, 2, 5 x 10^n). */
export function niceMax(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  return { max: step * Math.ceil(max / step), step };
}

function timeLabel(t: number, spanMs: number) {
  const d = new Date(t);
  if (spanMs > 2 * 86400e3) return d.toLocaleDateString('en-GB', { month: 'short', day: '2-digit' });
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function TimeSeriesChart({ series, stacked = false, height = 200, title, unit = '' }: { series: Series[]; stacked?: boolean; height?: number; title: string; unit?: string }) {
  const width = 640;
  const pad = { l: 44, r: 8, t: 8, b: 22 };
  const [hover, setHover] = useState<number | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const times = useMemo(() => {
    const set = new Set<number>();
    series.forEach((s) => s.points.forEach((p) => set.add(p.t)));
    return [...set].sort((a, b) => a - b);
  }, [series]);
  const values = useMemo(() => series.map((s) => {
    const m = new Map(s.points.map((p) => [p.t, p.v]));
    return times.map((t) => m.get(t) ?? 0);
  }), [series, times]);
  const stacks = useMemo(() => {
    if (!stacked) return values;
    const acc = times.map(() => 0);
    return values.map((vs) => vs.map((v, i) => (acc[i] += v)));
  }, [values, stacked, times]);
  const rawMax = Math.max(0, ...stacks.flat());
  const { max, step } = niceMax(rawMax);
  const t0 = times[0] ?? 0;
  const t1 = times[times.length - 1] ?? 1;
  const x = (t: number) => pad.l + (times.length < 2 ? (width - pad.l - pad.r) / 2 : ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r));
  const y = (v: number) => pad.t + (1 - v / max) * (height - pad.t - pad.b);
  const total = values.flat().reduce((a, b) => a + b, 0);

  const onMove = (clientX: number) => {
    const svg = svgRef.current;
    if (!svg || times.length === 0) return;
    const r = svg.getBoundingClientRect();
    const px = ((clientX - r.left) / r.width) * width;
    let best = 0;
    times.forEach((t, i) => {
      if (Math.abs(x(t) - px) < Math.abs(x(times[best]) - px)) best = i;
    });
    setHover(best);
  };
  const onKey = (e: KeyboardEvent) => {
    if (times.length === 0) return;
    if (e.key === 'ArrowRight') setHover((h) => Math.min(times.length - 1, (h ?? -1) + 1));
    else if (e.key === 'ArrowLeft') setHover((h) => Math.max(0, (h ?? times.length) - 1));
    else if (e.key === 'Escape') setHover(null);
  };
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(v);
  const xTicks = times.length > 1 ? [0, 0.25, 0.5, 0.75, 1].map((f) => t0 + f * (t1 - t0)) : times;

  return (
    <figure style={{ margin: 0, position: 'relative' }}>
      <svg
        ref={svgRef}
        className="chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${num(total)}${unit} in total over ${times.length} intervals; use the arrow keys to read each interval`}
        tabIndex={0}
        onMouseMove={(e) => onMove(e.clientX)}
        onMouseLeave={() => setHover(null)}
        onKeyDown={onKey}
        onBlur={() => setHover(null)}
        preserveAspectRatio="none"
        style={{ height }}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line className="grid-line" x1={pad.l} x2={width - pad.r} y1={y(v)} y2={y(v)} />
            <text className="axis" x={pad.l - 6} y={y(v) + 4} textAnchor="end">
              {compact(v)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text key={i} className="axis" x={x(t)} y={height - 6} textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}>
            {timeLabel(t, t1 - t0)}
          </text>
        ))}
        {stacks
          .map((vs, si) => {
            const color = seriesColor(si, series[si]);
            const line = vs.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(times[i]).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
            if (!stacked) return <path key={si} d={line} fill="none" stroke={color} strokeWidth={2} vectorEffect="non-scaling-stroke" />;
            const below = si === 0 ? times.map(() => 0) : stacks[si - 1];
            const back = below
              .map((v, i) => [x(times[i]), y(v)] as const)
              .reverse()
              .map(([px, py]) => `L${px.toFixed(1)},${py.toFixed(1)}`)
              .join(' ');
            return (
              <g key={si}>
                <path d={`${line} ${back} Z`} fill={color} fillOpacity={0.35} stroke="none" />
                <path d={line} fill="none" stroke={color} strokeWidth={1.5} vectorEffect="non-scaling-stroke" />
              </g>
            );
          })
          .reverse()}
        {hover !== null && times[hover] !== undefined && (
          <line x1={x(times[hover])} x2={x(times[hover])} y1={pad.t} y2={height - pad.b} stroke="var(--muted)" strokeDasharray="3 3" vectorEffect="non-scaling-stroke" />
        )}
      </svg>
      {hover !== null && times[hover] !== undefined && (
        <div className="chart-tip" style={{ left: `${(x(times[hover]) / width) * 100}%`, top: 0, transform: x(times[hover]) > width / 2 ? 'translateX(-105%)' : 'translateX(5%)' }} aria-live="polite">
          <div className="muted">{new Date(times[hover]).toLocaleString('en-GB', { hour12: false })}</div>
          {series.map((s, i) => (
            <div key={s.label}>
              <span style={{ color: seriesColor(i, s) }}>■</span> {s.label}: <strong>{num(values[i][hover])}</strong>
              {unit}
            </div>
          ))}
        </div>
      )}
      {series.length > 0 && (
        <figcaption className="chart-legend">
          {series.map((s, i) => (
            <span key={s.label} style={{ ['--swatch' as string]: seriesColor(i, s) }}>
              {s.label} <strong>{compact(values[i].reduce((a, b) => a + b, 0))}</strong>
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}

/** BarList ranks items by value with horizontal bars (top detections, sources...). */
export function BarList({ items, label }: { items: { label: string; value: number; href?: string }[]; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.value));
  return (
    <ul className="bars list-plain" aria-label={label}>
      {items.map((it) => (
        <li key={it.label} className="bar-row">
          <span className="bar-label" title={it.label}>
            <span className="bar-fill" style={{ width: `${(it.value / max) * 100}%` }} />
            <span className="bar-text">{it.href ? <Link to={it.href}>{it.label}</Link> : it.label}</span>
          </span>
          <span className="num">{num(it.value)}</span>
        </li>
      ))}
    </ul>
  );
}
