import { useMemo, useRef, useState } from 'react';
import { Page } from '../components/Page';
import { BarList } from '../components/Chart';
import { JsonViewer } from '../components/JsonViewer';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { Empty, ErrorBox, Progress } from '../components/States';
import { client, errorMessage } from '../lib/api';
import { num, parseRange } from '../lib/format';
import { allRows, cancelQuery, waitQuery, type QueryState } from '../lib/lakequery';
import { useSearchParams } from '../lib/router';

const kinds = ['AutoDetectType', 'p_any_ip_addresses', 'p_any_domain_names', 'p_any_emails', 'p_any_usernames', 'p_any_aws_arns', 'p_any_aws_account_ids', 'p_any_aws_instance_ids', 'p_any_sha256_hashes', 'p_any_sha1_hashes', 'p_any_md5_hashes', 'p_any_trace_ids'];

export default function IndicatorSearch() {
  const [params, setParams] = useSearchParams();
  const range = parseRange(params, '7d');
  const [text, setText] = useState(params.get('q') ?? '');
  const [kind, setKind] = useState(params.get('kind') ?? 'AutoDetectType');
  const [q, setQ] = useState<QueryState | null>(null);
  const [rows, setRows] = useState<Record<string, unknown>[]>([]);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [table, setTable] = useState('');
  const ctl = useRef<AbortController | null>(null);

  const search = async () => {
    const indicators = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    if (indicators.length === 0) return;
    setParams({ q: text, kind: kind === 'AutoDetectType' ? null : kind });
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setError('');
    setRows([]);
    setTable('');
    setRunning(true);
    try {
      const r = await client.gql<{ executeIndicatorSearchQuery: { id: string } }>(
        `mutation($input: ExecuteIndicatorSearchQueryInput!) { executeIndicatorSearchQuery(input: $input) { id } }`,
        { input: { indicators, indicatorName: kind, startTime: range.from.toISOString(), endTime: range.to.toISOString() } },
      );
      const done = await waitQuery(r.executeIndicatorSearchQuery.id, c.signal, setQ);
      setQ(done);
      if (done.status === 'failed') setError(done.message);
      if (done.status === 'succeeded' && done.results) setRows(await allRows(done.id, done.results));
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };
  const byTable = useMemo(() => {
    const m = new Map<string, number>();
    rows.forEach((r) => {
      const k = `${r.p_db_name ?? ''}.${r.p_table_name ?? ''}`;
      m.set(k, (m.get(k) ?? 0) + 1);
    });
    return [...m.entries()].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value);
  }, [rows]);
  const shown = table ? rows.filter((r) => `${r.p_db_name}.${r.p_table_name}` === table) : rows;
  return (
    <Page title="Indicator search" subtitle="Find IPs, domains, e-mails, user names, ARNs and hashes across every table">
      <form
        className="panel toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <label style={{ flex: 1, minWidth: 280 }}>
          Indicators (separated by spaces, commas or lines)
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="203.0.113.7 evil.example.com alice@example.com" />
        </label>
        <label>
          Look in
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k === 'AutoDetectType' ? 'Detect from each value' : k}
              </option>
            ))}
          </select>
        </label>
        <TimeRangePicker range={range} onChange={(s) => setParams(s)} />
        <button type="submit" className="primary" disabled={running || !text.trim()}>
          {running ? 'Searching…' : 'Search'}
        </button>
        {running && q && (
          <button type="button" onClick={() => { cancelQuery(q.id).catch(() => {}); ctl.current?.abort(); setRunning(false); }}>
            Cancel
          </button>
        )}
      </form>
      {running && <Progress label="Searching" />}
      <ErrorBox error={error} title="The search failed" />
      {q?.status === 'succeeded' && (
        rows.length === 0 ? (
          <Empty title="No event holds these indicators in this range">Try a longer time range, or "Detect from each value" to look in every kind of indicator.</Empty>
        ) : (
          <div className="grid side-left">
            <section className="panel" aria-label="Matches per table">
              <h2>{num(rows.length)} matches</h2>
              <BarList label="Matches per table" items={byTable} />
              <div className="toolbar" style={{ marginTop: 10 }}>
                <label>
                  Show table
                  <select value={table} onChange={(e) => setTable(e.target.value)}>
                    <option value="">All tables</option>
                    {byTable.map((t) => <option key={t.label}>{t.label}</option>)}
                  </select>
                </label>
              </div>
            </section>
            <section className="panel" aria-label="Matching events" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
              {shown.slice(0, 50).map((r, i) => (
                <JsonViewer key={i} value={r} openDepth={1} label={`Match ${i + 1}`} />
              ))}
              {shown.length > 50 && <p className="muted">Showing 50 of {num(shown.length)}; narrow the time range or pick a table.</p>}
            </section>
          </div>
        )
      )}
      {!q && !running && <Empty title="Search for an indicator">Every table's p_any_* columns are searched over the time range, reading only its partitions.</Empty>}
    </Page>
  );
}
