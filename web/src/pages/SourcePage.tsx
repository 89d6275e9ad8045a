import { useEffect, useState } from 'react';
import { Page } from '../components/Page';
import { ResultsTable } from '../components/ResultsTable';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { bytes, dateTime, num, sqlString } from '../lib/format';
import { startQuery, waitQuery, type QueryState } from '../lib/lakequery';
import { Link, navigate, withParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';
import { kindNames, SOURCE_FIELDS, type SourceNode } from '../lib/sourceKinds';

function LastEvents({ id }: { id: string }) {
  const [q, setQ] = useState<QueryState | null>(null);
  const [error, setError] = useState('');
  const sql = `SELECT p_event_time, p_log_type, p_source_address, p_row_id\nFROM panther_views.all_logs\nWHERE p_source_id = ${sqlString(id)} AND p_occurs_since('7 d')\nORDER BY p_event_time DESC\nLIMIT 20`;
  useEffect(() => {
    const ctl = new AbortController();
    startQuery(sql, 'panther_logs')
      .then((qid) => waitQuery(qid, ctl.signal))
      .then((s) => {
        setQ(s);
        if (s.status === 'failed') setError(s.message);
      })
      .catch((e) => (e as Error).name !== 'AbortError' && setError(errorMessage(e)));
    return () => ctl.abort();
  }, [sql]);
  const rows = q?.results?.edges.map((e) => e.node) ?? [];
  return (
    <section className="panel flush" aria-labelledby="last-title">
      <div className="panel-head" style={{ padding: '12px 16px 0' }}>
        <h2 id="last-title">Last events</h2>
        <span className="spacer" />
        <Link to={withParams('/explorer', new URLSearchParams(), { sql: sql.replace('p_event_time, p_log_type, p_source_address, p_row_id', '*') })}>Open in Data Explorer</Link>
      </div>
      <div style={{ padding: '8px 16px' }}><ErrorBox error={error} title="Could not read the last events" /></div>
      {!q && !error ? <div style={{ padding: 16 }}><Skeleton rows={4} /></div> : rows.length === 0 ? (
        <Empty title="No events from this source in the last 7 days">Events show up here within a minute of being pushed (the server writes the lake at each checkpoint).</Empty>
      ) : (
        <ResultsTable columns={q!.results!.columnInfo.order} rows={rows} label="Last events" />
      )}
    </section>
  );
}

export default function SourcePage({ id }: { id: string }) {
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ source: SourceNode | null }>(`query($id: ID!) { source(id: $id) { ${SOURCE_FIELDS} } }`, { id }, { pollMs: 10000 });
  const [label, setLabel] = useState('');
  const [logTypes, setLogTypes] = useState('');
  const [error, setError] = useState('');
  const s = q.data?.source;
  useEffect(() => {
    if (s) {
      setLabel(s.integrationLabel);
      setLogTypes(s.logTypes.join(', '));
    }
  }, [s?.integrationLabel, s?.logTypes.join(',')]);
  if (q.error) return <Page title="Source"><ErrorBox error={q.error} retry={q.reload} /></Page>;
  if (!q.data) return <Page title="Source"><Skeleton rows={6} /></Page>;
  if (!s) return <Page title="Source"><Empty title="There is no such source" action={<Link to="/sources">All sources</Link>} /></Page>;
  const update = async (input: Record<string, unknown>, what: string) => {
    setError('');
    try {
      await client.gql(`mutation($input: UpdateSourceInput!) { updateSource(input: $input) { logSource { integrationId } } }`, { input: { id, ...input } });
      toast(what);
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the source ${s.integrationLabel}? Its events stay in the lake.`)) return;
    try {
      await client.gql(`mutation($input: DeleteSourceInput!) { deleteSource(input: $input) { id } }`, { input: { id } });
      toast('Source deleted');
      navigate('/sources');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const write = can('sources:write');
  const url = s.url ? new URL(s.url, window.location.origin).toString() : '';
  return (
    <Page
      title={s.integrationLabel}
      subtitle={<><Link to="/sources">Sources</Link> · {kindNames[s.integrationType] ?? s.integrationType}</>}
      actions={write && (
        <div className="toolbar">
          <button type="button" onClick={() => update({ enabled: !s.enabled }, s.enabled ? 'Source disabled' : 'Source enabled')}>{s.enabled ? 'Disable' : 'Enable'}</button>
          <button type="button" className="danger" onClick={remove}>Delete</button>
        </div>
      )}
    >
      {error && <div className="error-box" role="alert">{error}</div>}
      {s.health.lastError && (
        <div className="error-box" role="alert"><strong>Last error</strong> ({dateTime(s.health.lastErrorAt)}): {s.health.lastError}</div>
      )}
      <section className="grid cols-4" aria-label="Health">
        <div className="panel stat"><span className="label">Events</span><span className="value">{num(s.health.events)}</span></div>
        <div className="panel stat"><span className="label">Bytes</span><span className="value">{bytes(s.health.bytes)}</span></div>
        <div className="panel stat"><span className="label">Quarantined lines</span><span className="value">{num(s.health.quarantined)}</span></div>
        <div className="panel stat"><span className="label">Last event</span><span className="value" style={{ fontSize: 16 }}>{dateTime(s.lastEventReceivedAtTime)}</span></div>
      </section>
      <div className="grid cols-2">
        <section className="panel" aria-labelledby="conf-title">
          <h2 id="conf-title">Configuration</h2>
          <dl className="kv">
            <dt>State</dt><dd>{s.enabled ? 'enabled' : 'disabled'}</dd>
            <dt>ID</dt><dd><code>{s.integrationId}</code></dd>
            {url && (<><dt>Push URL</dt><dd><code>{url}</code></dd><dt>Authentication</dt><dd>{s.authMethod}{s.hmacHeader ? ` (${s.hmacHeader})` : ''}</dd></>)}
            {s.udp && (<><dt>UDP</dt><dd><code>{s.udp}</code></dd></>)}
            {s.tcp && (<><dt>TCP</dt><dd><code>{s.tcp}</code></dd></>)}
            {s.tls && (<><dt>TLS</dt><dd><code>{s.tls}</code></dd></>)}
            {s.path && (<><dt>Directory</dt><dd><code>{s.path}</code></dd></>)}
            {s.queueUrl && (<><dt>Queue</dt><dd><code>{s.queueUrl}</code></dd><dt>Region</dt><dd>{s.region || 'default'}</dd></>)}
            <dt>Created</dt><dd>{dateTime(s.createdAtTime)}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="edit-title">
          <h2 id="edit-title">Label and log types</h2>
          <form className="form" onSubmit={(e) => { e.preventDefault(); update({ label, logTypes: logTypes.split(',').map((x) => x.trim()).filter(Boolean) }, 'Source saved'); }}>
            <label>Label<input value={label} onChange={(e) => setLabel(e.target.value)} readOnly={!write} /></label>
            <label>Log types (empty: any)<input value={logTypes} onChange={(e) => setLogTypes(e.target.value)} readOnly={!write} /></label>
            {write && <div><button type="submit" className="primary">Save</button></div>}
          </form>
        </section>
      </div>
      {can('queries:run') && <LastEvents id={id} />}
    </Page>
  );
}
