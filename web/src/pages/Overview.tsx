import { useMemo } from 'react';
import { Page } from '../components/Page';
import { BarList, fromBreakdown, TimeSeriesChart } from '../components/Chart';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useGql } from '../lib/useGql';
import { Link, useSearchParams, withParams } from '../lib/router';
import { ago, bytes, compact, num, parseRange } from '../lib/format';
import { useSession } from '../lib/session';

const METRICS = `query Overview($input: MetricsInput!) {
  metrics(input: $input) {
    totalEventsProcessed totalBytesProcessed totalAlerts intervalInMinutes
    eventsProcessedPerLogType { label value breakdown }
    alertsPerSeverity { label value breakdown }
    alertsPerRule { entityId label value }
  }
}`;

const HEALTH = `query Health($errors: AlertsInput!) {
  sources { edges { node { integrationId integrationLabel integrationType isHealthy enabled lastEventReceivedAtTime
    health { events bytes quarantined lastError lastErrorAt } } } }
  ruleErrors: alerts(input: $errors) { edges { node { id title createdAt eventCount } } pageInfo { hasNextPage } }
}`;

interface Breakdown { label: string; value: number; breakdown: Record<string, number> }
interface Metrics {
  metrics: {
    totalEventsProcessed: number; totalBytesProcessed: number; totalAlerts: number; intervalInMinutes: number;
    eventsProcessedPerLogType: Breakdown[]; alertsPerSeverity: Breakdown[]; alertsPerRule: { entityId: string; label: string; value: number }[] | null;
  };
}
interface SourceNode { integrationId: string; integrationLabel: string; integrationType: string; isHealthy: boolean; enabled: boolean; lastEventReceivedAtTime: string | null; health: { events: number; bytes: number; quarantined: number; lastError: string | null; lastErrorAt: string | null } }
interface Health { sources: { edges: { node: SourceNode }[] }; ruleErrors: { edges: { node: { id: string; title: string; createdAt: string; eventCount: number } }[]; pageInfo: { hasNextPage: boolean } } }

const sevColors: Record<string, string> = { CRITICAL: '#b42318', HIGH: '#e4622c', MEDIUM: '#d69e00', LOW: '#2f6feb', INFO: '#8b949e' };

export default function Overview() {
  const [params, setParams] = useSearchParams();
  const range = parseRange(params);
  // Presets roll forward: round "now" to the minute so polling reuses the same window key.
  const key = range.preset ? `${range.preset}@${Math.floor(Date.now() / 60000)}` : `${range.from.toISOString()}`;
  // Both queries' variables are memoized on that key: a preset's window computed afresh on
  // every render would be new variables each time, so a request per render that never settles.
  const input = useMemo(() => ({ input: { fromDate: range.from.toISOString(), toDate: range.to.toISOString() } }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key]);
  const healthInput = useMemo(() => ({ errors: { type: 'DETECTION_ERROR', createdAtAfter: range.from.toISOString(), pageSize: 10 } }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [key]);
  const { can } = useSession();
  const m = useGql<Metrics>(METRICS, input, { pollMs: 30000, skip: !can('metrics:read') });
  const h = useGql<Health>(HEALTH, healthInput, { pollMs: 30000, skip: !can('sources:read') || !can('alerts:read') });
  const md = m.data?.metrics;
  const events = useMemo(() => {
    const s = fromBreakdown(md?.eventsProcessedPerLogType);
    s.sort((a, b) => b.points.reduce((x, p) => x + p.v, 0) - a.points.reduce((x, p) => x + p.v, 0));
    if (s.length <= 7) return s;
    const rest = s.slice(7);
    const other = { label: `${rest.length} other types`, points: rest[0].points.map((p, i) => ({ t: p.t, v: rest.reduce((x, r) => x + (r.points[i]?.v ?? 0), 0) })) };
    return [...s.slice(0, 7), other];
  }, [md]);
  const alertSeries = useMemo(() => {
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
    return fromBreakdown(md?.alertsPerSeverity, sevColors).sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  }, [md]);
  const sources = h.data?.sources.edges.map((e) => e.node) ?? [];
  const quarantined = sources.reduce((a, s) => a + s.health.quarantined, 0);
  const rangeParams = range.preset ? { range: range.preset } : { from: range.from.toISOString(), to: range.to.toISOString() };

  return (
    <Page title="Overview" subtitle="What came in, what fired, and what needs attention" actions={<TimeRangePicker range={range} onChange={(s) => setParams(s, { replace: false })} />}>
      <ErrorBox error={m.error} title="Metrics could not be loaded" retry={m.reload} />
      <section className="grid cols-4" aria-label="Totals">
        <div className="panel stat">
          <span className="label">Events processed</span>
          <span className="value">{md ? compact(md.totalEventsProcessed) : '…'}</span>
        </div>
        <div className="panel stat">
          <span className="label">Data processed</span>
          <span className="value">{md ? bytes(md.totalBytesProcessed) : '…'}</span>
        </div>
        <div className="panel stat">
          <span className="label">Alerts raised</span>
          <span className="value">
            {md ? <Link to={withParams('/alerts', new URLSearchParams(), rangeParams)}>{num(md.totalAlerts)}</Link> : '…'}
          </span>
        </div>
        <div className="panel stat">
          <span className="label">Quarantined lines (all time)</span>
          <span className="value">
            {h.data ? (
              <Link to={withParams('/explorer', new URLSearchParams(), { sql: 'SELECT * FROM panther_system.quarantine ORDER BY quarantine_time DESC LIMIT 100' })}>{compact(quarantined)}</Link>
            ) : '…'}
          </span>
        </div>
      </section>
      <section className="grid cols-2">
        <div className="panel">
          <div className="panel-head">
            <h2>Events by log type</h2>
            <span className="spacer" />
            {md && <span className="muted">per {md.intervalInMinutes} min</span>}
          </div>
          {m.loading && !md ? <Skeleton rows={6} /> : events.length === 0 ? (
            <Empty title="No events in this range">Add a source on the <Link to="/sources">Sources</Link> page and push logs to it, or pick a longer time range.</Empty>
          ) : (
            <TimeSeriesChart title="Events by log type" series={events} stacked height={220} />
          )}
        </div>
        <div className="panel">
          <div className="panel-head">
            <h2>Alerts by severity</h2>
          </div>
          {m.loading && !md ? <Skeleton rows={6} /> : alertSeries.every((s) => s.points.every((p) => p.v === 0)) ? (
            <Empty title="No alerts in this range">Alerts appear when enabled <Link to="/detections">detections</Link> match incoming events.</Empty>
          ) : (
            <TimeSeriesChart title="Alerts by severity" series={alertSeries} stacked height={220} />
          )}
        </div>
      </section>
      <section className="grid cols-2">
        <div className="panel">
          <div className="panel-head">
            <h2>Top detections by alerts</h2>
          </div>
          {!md ? (m.loading ? <Skeleton rows={5} /> : null) : (md.alertsPerRule ?? []).length === 0 ? (
            <Empty title="No detection raised an alert in this range" />
          ) : (
            <BarList
              label="Top detections by alerts"
              items={[...(md.alertsPerRule ?? [])].sort((a, b) => b.value - a.value).slice(0, 10).map((r) => ({ label: r.label, value: r.value, href: withParams('/alerts', new URLSearchParams(), { detection: r.entityId, ...rangeParams }) }))}
            />
          )}
        </div>
        <div className="panel">
          <div className="panel-head">
            <h2>Rule errors</h2>
            <span className="spacer" />
            <Link to="/alerts?type=DETECTION_ERROR">All rule errors</Link>
          </div>
          <ErrorBox error={h.error} retry={h.reload} />
          {!h.data ? (h.loading ? <Skeleton rows={4} /> : null) : h.data.ruleErrors.edges.length === 0 ? (
            <Empty title="No rule errors in this range">Detections that raise exceptions or cannot load show up here.</Empty>
          ) : (
            <ul className="list-plain">
              {h.data.ruleErrors.edges.map(({ node: a }) => (
                <li key={a.id}>
                  <Link to={`/alerts/${a.id}`}>{a.title}</Link> <span className="muted">· {num(a.eventCount)} events · {ago(a.createdAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
      <section className="panel flush" aria-labelledby="health-title">
        <div className="panel-head" style={{ padding: '12px 16px 0' }}>
          <h2 id="health-title">Source health</h2>
          <span className="spacer" />
          <Link to="/sources">Manage sources</Link>
        </div>
        {!h.data ? (h.loading ? <div style={{ padding: 16 }}><Skeleton rows={3} /></div> : <div style={{ padding: 16 }}><ErrorBox error={h.error} title="Sources could not be loaded" retry={h.reload} /></div>) : sources.length === 0 ? (
          <Empty title="No sources yet" action={<Link className="button primary" to="/sources?new=http">Add a source</Link>}>A source is where logs come in: an HTTP endpoint, syslog, a watched directory or S3.</Empty>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Type</th>
                <th scope="col">Health</th>
                <th scope="col">Last event</th>
                <th scope="col" className="num">Events</th>
                <th scope="col" className="num">Bytes</th>
                <th scope="col" className="num">Quarantined</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <tr key={s.integrationId}>
                  <td><Link to={`/sources/${s.integrationId}`}>{s.integrationLabel}</Link></td>
                  <td>{s.integrationType}</td>
                  <td>
                    {!s.enabled ? <span className="muted">disabled</span> : s.isHealthy ? <span className="ok-text">● healthy</span> : <span className="bad-text" title={s.health.lastError ?? ''}>● {s.health.lastError ? 'error' : 'no data'}</span>}
                  </td>
                  <td>{ago(s.lastEventReceivedAtTime)}</td>
                  <td className="num">{num(s.health.events)}</td>
                  <td className="num">{bytes(s.health.bytes)}</td>
                  <td className="num">{num(s.health.quarantined)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Page>
  );
}
