import { useEffect, useMemo, useState } from 'react';
import { Page, Pager } from '../components/Page';
import { MultiSelect } from '../components/MultiSelect';
import { Empty, ErrorBox, SeverityBadge, Skeleton, StatusBadge } from '../components/States';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, dateTime, num, parseRange, severities, severityRank, statuses, userName } from '../lib/format';
import { Link, navigate, useSearchParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

export const ALERTS = `query Alerts($input: AlertsInput!) {
  alerts(input: $input) {
    edges { node { id title severity status eventCount logTypes createdAt lastReceivedEventAt type
      assignee { id email givenName familyName }
      origin { __typename ... on Detection { id name } ... on DeletedDetection { id } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface AlertRow {
  id: string; title: string; severity: string; status: string; eventCount: number; logTypes: string[]; createdAt: string; lastReceivedEventAt: string; type: string;
  assignee: { id: string; email: string; givenName?: string; familyName?: string } | null;
  origin: { __typename: string; id?: string; name?: string };
}

type SortKey = 'createdAt' | 'severity' | 'status' | 'detection' | 'eventCount' | 'title' | 'assignee' | 'logType' | 'lastEvent';

/** sortAlerts orders rows by a column; createdAt is the server's order and is kept as is. */
export function sortAlerts(rows: AlertRow[], key: SortKey, dir: 'asc' | 'desc'): AlertRow[] {
  if (key === 'createdAt') return rows;
  const val = (a: AlertRow): string | number => {
    switch (key) {
      case 'severity': return severityRank(a.severity);
      case 'status': return statuses.indexOf(a.status);
      case 'detection': return a.origin.name ?? a.origin.id ?? '';
      case 'eventCount': return a.eventCount;
      case 'title': return a.title.toLowerCase();
      case 'assignee': return a.assignee ? userName(a.assignee).toLowerCase() : '\uffff';
      case 'logType': return a.logTypes[0] ?? '';
      case 'lastEvent': return a.lastReceivedEventAt;
    }
    return '';
  };
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign || (a.createdAt < b.createdAt ? 1 : -1);
  });
}

const pageSizes = [25, 50, 100, 250];

export default function Alerts() {
  const [params, setParams] = useSearchParams();
  const { can, session } = useSession();
  const toast = useToast();
  const range = params.get('range') || params.get('from') ? parseRange(params, '7d') : null;
  const sev = params.getAll('severity');
  const st = params.getAll('status');
  const listing = params.get('type') ?? 'ALERT';
  const text = params.get('q') ?? '';
  const [draft, setDraft] = useState(text);
  useEffect(() => setDraft(text), [text]);
  const size = Number(params.get('size')) || 50;
  const cursor = params.get('cursor') ?? '';
  const sort = (params.get('sort') ?? 'createdAt') as SortKey;
  const dir = (params.get('dir') ?? 'desc') as 'asc' | 'desc';
  const [history, setHistory] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkStatus, setBulkStatus] = useState('TRIAGED');
  const [bulkError, setBulkError] = useState('');

  const input = useMemo(() => {
    const i: Record<string, unknown> = { pageSize: size, type: listing, sortDir: sort === 'createdAt' && dir === 'asc' ? 'ascending' : 'descending' };
    if (sev.length) i.severities = sev;
    if (st.length) i.statuses = st;
    if (text) i.nameContains = text;
    if (params.get('detection')) i.detectionId = params.get('detection');
    if (params.getAll('logType').length) i.logTypes = params.getAll('logType');
    if (params.get('assignee')) i.assigneeIds = [params.get('assignee')];
    if (cursor) i.cursor = cursor;
    if (range) {
      i.createdAtAfter = range.from.toISOString();
      if (!range.preset) i.createdAtBefore = range.to.toISOString();
    }
    return { input: i };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.toString()]);
  const q = useGql<{ alerts: { edges: { node: AlertRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(ALERTS, input, { pollMs: 15000 });
  const logTypes = useGql<{ logTypes: string[] }>(`{ logTypes }`);
  const rows = useMemo(() => sortAlerts(q.data?.alerts.edges.map((e) => e.node) ?? [], sort, dir), [q.data, sort, dir]);

  const set = (s: Record<string, string | string[] | null>) => {
    setHistory([]);
    setSelected(new Set());
    setParams({ ...s, cursor: null });
  };
  const sortBy = (k: SortKey) => setParams({ sort: k === 'createdAt' ? null : k, dir: sort === k && dir === 'desc' ? 'asc' : null });
  const header = (k: SortKey, label: string, num?: boolean) => (
    <th scope="col" className={num ? 'num' : undefined} aria-sort={sort === k ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(k)}>
        {label} {sort === k ? (dir === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const applyBulk = async () => {
    setBulkError('');
    try {
      await client.gql(`mutation($input: UpdateAlertStatusByIdInput!) { updateAlertStatusById(input: $input) { alerts { id status } } }`, { input: { ids: [...selected], status: bulkStatus } });
      toast(`${selected.size} alert${selected.size === 1 ? '' : 's'} set to ${bulkStatus}`);
      setSelected(new Set());
      q.reload();
    } catch (e) {
      setBulkError(errorMessage(e));
    }
  };

  return (
    <Page title={listing === 'DETECTION_ERROR' ? 'Rule errors' : 'Alerts'} subtitle="Matches of detections, grouped by dedup string and window">
      <div className="panel">
        <form
          className="toolbar"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            set({ q: draft || null });
          }}
        >
          <label>
            Search titles and detection IDs
            <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="e.g. root login" />
          </label>
          <MultiSelect label="Severity" options={severities} value={sev} onChange={(v) => set({ severity: v })} />
          <MultiSelect label="Status" options={statuses} value={st} onChange={(v) => set({ status: v })} />
          <MultiSelect label="Log type" options={logTypes.data?.logTypes ?? []} value={params.getAll('logType')} onChange={(v) => set({ logType: v })} />
          <label>
            Assignee
            <select value={params.get('assignee') ?? ''} onChange={(e) => set({ assignee: e.target.value || null })}>
              <option value="">Anyone</option>
              <option value={session.user.id}>Me</option>
            </select>
          </label>
          <label>
            Kind
            <select value={listing} onChange={(e) => set({ type: e.target.value === 'ALERT' ? null : e.target.value })}>
              <option value="ALERT">Detection alerts</option>
              <option value="DETECTION_ERROR">Rule errors</option>
            </select>
          </label>
          {range ? (
            <TimeRangePicker range={range} onChange={(s) => set(s)} />
          ) : (
            <label>
              Created
              <select onChange={(e) => set({ range: e.target.value || null })} value="">
                <option value="">Any time</option>
                <option value="1h">Last hour</option>
                <option value="24h">Last 24 hours</option>
                <option value="7d">Last 7 days</option>
                <option value="30d">Last 30 days</option>
              </select>
            </label>
          )}
          {params.get('detection') && (
            <span className="badge tag">
              Detection {params.get('detection')}{' '}
              <button type="button" className="link" aria-label="Remove the detection filter" onClick={() => set({ detection: null })}>
                ×
              </button>
            </span>
          )}
          <button type="submit">Search</button>
          {params.toString() !== '' && (
            <button type="button" className="link" onClick={() => navigate('/alerts')}>
              Clear filters
            </button>
          )}
        </form>
      </div>
      {can('alerts:write') && selected.size > 0 && (
        <div className="panel toolbar" role="region" aria-label="Bulk actions" style={{ alignItems: 'center' }}>
          <strong>{selected.size} selected</strong>
          <label className="inline">
            Set status to
            <select value={bulkStatus} onChange={(e) => setBulkStatus(e.target.value)}>
              {statuses.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <button type="button" className="primary" onClick={applyBulk}>
            Apply
          </button>
          <button type="button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
          {bulkError && <span className="bad-text" role="alert">{bulkError}</span>}
        </div>
      )}
      <ErrorBox error={q.error} title="Alerts could not be loaded" retry={q.reload} />
      <div className="panel flush">
        {q.loading && !q.data ? (
          <div style={{ padding: 16 }}>
            <Skeleton rows={8} />
          </div>
        ) : rows.length === 0 ? (
          <Empty title={params.toString() ? 'No alerts match these filters' : 'No alerts yet'}>
            {params.toString() ? 'Widen the filters or the time range.' : (
              <>Alerts are raised when enabled <Link to="/detections">detections</Link> match events from your <Link to="/sources">sources</Link>.</>
            )}
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="data" aria-label="Alerts">
              <thead>
                <tr>
                  {can('alerts:write') && (
                    <th scope="col" style={{ width: 32 }}>
                      <input type="checkbox" aria-label="Select every alert on this page" checked={allSelected} onChange={(e) => setSelected(e.target.checked ? new Set(rows.map((r) => r.id)) : new Set())} />
                    </th>
                  )}
                  {header('severity', 'Severity')}
                  {header('title', 'Alert')}
                  {header('status', 'Status')}
                  {header('detection', 'Detection')}
                  {header('logType', 'Log types')}
                  {header('eventCount', 'Events', true)}
                  {header('assignee', 'Assignee')}
                  {header('createdAt', 'Created')}
                  {header('lastEvent', 'Last event')}
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <tr key={a.id} className={selected.has(a.id) ? 'selected' : undefined}>
                    {can('alerts:write') && (
                      <td>
                        <input
                          type="checkbox"
                          aria-label={`Select ${a.title}`}
                          checked={selected.has(a.id)}
                          onChange={(e) => {
                            const n = new Set(selected);
                            if (e.target.checked) n.add(a.id);
                            else n.delete(a.id);
                            setSelected(n);
                          }}
                        />
                      </td>
                    )}
                    <td><SeverityBadge severity={a.severity} /></td>
                    <td className="truncate"><Link to={`/alerts/${a.id}`}>{a.title}</Link></td>
                    <td><StatusBadge status={a.status} /></td>
                    <td className="truncate">{a.origin.id ? <Link to={`/detections/${encodeURIComponent(a.origin.id)}`}>{a.origin.name ?? a.origin.id}</Link> : '—'}</td>
                    <td>{a.logTypes.join(', ')}</td>
                    <td className="num">{num(a.eventCount)}</td>
                    <td>{a.assignee ? userName(a.assignee) : <span className="muted">unassigned</span>}</td>
                    <td title={dateTime(a.createdAt)}>{ago(a.createdAt)}</td>
                    <td title={dateTime(a.lastReceivedEventAt)}>{ago(a.lastReceivedEventAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <div className="toolbar" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
        <span className="muted">{sort !== 'createdAt' ? 'Sorted within this page; pages follow creation time.' : ''}</span>
        <div className="toolbar" style={{ alignItems: 'center' }}>
          <label className="inline">
            Per page
            <select value={size} onChange={(e) => set({ size: e.target.value === '50' ? null : e.target.value })}>
              {pageSizes.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <Pager
            label={`${num(rows.length)} on this page`}
            hasPrev={history.length > 0 || cursor !== ''}
            hasNext={!!q.data?.alerts.pageInfo.hasNextPage}
            onPrev={() => {
              const h = [...history];
              const prev = h.pop() ?? '';
              setHistory(h);
              setParams({ cursor: prev || null });
            }}
            onNext={() => {
              setHistory([...history, cursor]);
              setParams({ cursor: q.data?.alerts.pageInfo.endCursor ?? null });
            }}
          />
        </div>
      </div>
    </Page>
  );
}
