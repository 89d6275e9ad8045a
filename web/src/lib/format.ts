// Formatting of times, numbers and sizes as the console shows them.

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** ago says how long ago an instant was ("5 minutes ago"); now is injectable for tests. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return rtf.format(s, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 26 * 86400) return rtf.format(Math.round(s / 86400), 'day');
  if (abs < 320 * 86400) return rtf.format(Math.round(s / (30 * 86400)), 'month');
  return rtf.format(Math.round(s / (365 * 86400)), 'year');
}

const dtf = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

/** dateTime formats an instant in the browser's time zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dtf.format(t);
}

const nf = new Intl.NumberFormat('en');
const cf = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : nf.format(n);
}

export function compact(n: number): string {
  return cf.format(n);
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
}

/** A time range: a preset relative to now, or two instants. */
export interface TimeRange {
  preset?: string;
  from: Date;
  to: Date;
}

export const rangePresets: { key: string; label: string; ms: number }[] = [
  { key: '1h', label: 'Last hour', ms: 3600e3 },
  { key: '6h', label: 'Last 6 hours', ms: 6 * 3600e3 },
  { key: '24h', label: 'Last 24 hours', ms: 24 * 3600e3 },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86400e3 },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86400e3 },
];

/** parseRange reads a range from URL parameters (range=24h, or from=&to= in RFC 3339). */
export function parseRange(params: URLSearchParams, def = '24h', now = Date.now()): TimeRange {
  const from = params.get('from');
  const to = params.get('to');
  if (from && to) {
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (!Number.isNaN(f) && !Number.isNaN(t) && f < t) return { from: new Date(f), to: new Date(t) };
  }
  const key = params.get('range') ?? def;
  const p = rangePresets.find((x) => x.key === key) ?? rangePresets.find((x) => x.key === def)!;
  return { preset: p.key, from: new Date(now - p.ms), to: new Date(now) };
}

export function severityRank(s: string): number {
  return ['INFO', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'].indexOf(s);
}

export const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
export const statuses = ['OPEN', 'TRIAGED', 'RESOLVED', 'CLOSED'];

export function userName(u: { givenName?: string | null; familyName?: string | null; email?: string } | null | undefined): string {
  if (!u) return '';
  const n = [u.givenName, u.familyName].filter(Boolean).join(' ');
  return n || u.email || '';
}

/** tableName is the data lake table of a log type (AWS.CloudTrail -> aws_cloudtrail). */
export function tableName(logType: string): string {
  return logType.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** sqlString quotes a value as an SQL string literal. */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
