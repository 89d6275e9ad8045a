import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Page } from '../components/Page';
import { CodeEditor } from '../components/CodeEditor';
import { ResultsTable } from '../components/ResultsTable';
import { Empty, ErrorBox, Progress, Skeleton } from '../components/States';
import { Dialog } from '../components/Dialog';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, bytes, duration, num } from '../lib/format';
import { allRows, cancelQuery, getQuery, startQuery, waitQuery, type QueryState } from '../lib/lakequery';
import { download, toCSV, toJSON } from '../lib/export';
import { useSearchParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface Table { name: string; logType: string | null; columns: { name: string; type: string | null }[] }
interface Database { name: string; description: string | null; tables: Table[] }
interface Saved { id: string; name: string; description: string | null; sql: string; updatedAt: string | null }

const DBS = `{ dataLakeDatabases { name description tables { name logType columns { name type } } } }`;
const SAVED = `{ savedQueries(input: { pageSize: 200 }) { edges { node { id name description sql updatedAt } } } }`;
const HISTORY = `{ dataLakeQueries(input: { pageSize: 15 }) { edges { node { id sql status startedAt name } } } }`;

function Browser({ dbs, onInsert }: { dbs: Database[]; onInsert: (text: string) => void }) {
  const [open, setOpen] = useState<Record<string, boolean>>({ panther_logs: true });
  const [filter, setFilter] = useState('');
  const f = filter.toLowerCase();
  return (
    <nav aria-label="Tables and columns">
      <label style={{ width: '100%' }}>
        Find a table
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </label>
      <ul className="tree" style={{ marginTop: 8 }}>
        {dbs.map((db) => {
          const tables = db.tables.filter((t) => !f || t.name.includes(f) || (t.logType ?? '').toLowerCase().includes(f));
          if (f && tables.length === 0) return null;
          const isOpen = open[db.name] || !!f;
          return (
            <li key={db.name}>
              <button type="button" className="node" aria-expanded={isOpen} onClick={() => setOpen({ ...open, [db.name]: !open[db.name] })}>
                {isOpen ? '▾' : '▸'} <strong>{db.name}</strong> <span className="muted">({tables.length})</span>
              </button>
              {isOpen && (
                <ul>
                  {tables.map((t) => (
                    <TableNode key={t.name} db={db.name} table={t} onInsert={onInsert} />
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function TableNode({ db, table, onInsert }: { db: string; table: Table; onInsert: (t: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <li>
      <div style={{ display: 'flex' }}>
        <button type="button" className="node" aria-expanded={open} onClick={() => setOpen(!open)} title={table.logType ?? undefined}>
          {open ? '▾' : '▸'} {table.name}
        </button>
        <button type="button" className="small" style={{ border: 'none', minHeight: 0 }} aria-label={`Insert ${db}.${table.name}`} onClick={() => onInsert(`${db}.${table.name}`)}>
          +
        </button>
      </div>
      {open && (
        <ul>
          {table.columns.map((c) => (
            <li key={c.name} className="col">
              <button type="button" onClick={() => onInsert(c.name)} aria-label={`Insert column ${c.name}`}>
                {c.name}
              </button>
              <span className="muted mono" style={{ fontSize: 11 }}>
                {(c.type ?? '').slice(0, 18)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

const defaultSQL = `SELECT p_log_type, count(*) AS events
FROM panther_views.all_logs
WHERE p_occurs_since('1 d')
GROUP BY 1
ORDER BY 2 DESC`;

export default function Explorer() {
  const [params, setParams] = useSearchParams();
  const { can } = useSession();
  const toast = useToast();
  const dbs = useGql<{ dataLakeDatabases: Database[] }>(DBS);
  const saved = useGql<{ savedQueries: { edges: { node: Saved }[] } }>(SAVED);
  const history = useGql<{ dataLakeQueries: { edges: { node: { id: string; sql: string; status: string; startedAt: string; name: string | null } }[] } }>(HISTORY);
  const [sql, setSql] = useState(params.get('sql') ?? defaultSQL);
  const [database, setDatabase] = useState(params.get('db') ?? 'panther_logs');
  const [q, setQ] = useState<QueryState | null>(null);
  const [rows, setRows] = useState<Record<string, unknown>[]>([]);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState(0);
  const [saveOpen, setSaveOpen] = useState(false);
  const [saveName, setSaveName] = useState('');
  const [saveDesc, setSaveDesc] = useState('');
  const [side, setSide] = useState<'tables' | 'saved' | 'history'>('tables');
  const abort = useRef<AbortController | null>(null);
  const sqlRef = useRef(sql);
  sqlRef.current = sql;

  useEffect(() => {
    const s = params.get('sql');
    if (s !== null && s !== sqlRef.current) setSql(s);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.get('sql')]);

  const schema = useMemo(() => {
    const out: Record<string, Record<string, string[]>> = {};
    for (const db of dbs.data?.dataLakeDatabases ?? []) {
      out[db.name] = Object.fromEntries(db.tables.map((t) => [t.name, t.columns.map((c) => c.name)]));
    }
    return out;
  }, [dbs.data]);

  const finish = useCallback(async (state: QueryState) => {
    setQ(state);
    if (state.status === 'succeeded' && state.results) {
      setRows(state.results.edges.map((e) => e.node));
      if (state.results.pageInfo.hasNextPage) setRows(await allRows(state.id, state.results));
    } else if (state.status === 'failed') setError(state.message || 'the query failed');
    history.reload();
  }, [history]);

  const run = useCallback(async () => {
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setError('');
    setRows([]);
    setQ(null);
    setRunning(true);
    const started = Date.now();
    const timer = setInterval(() => setElapsed(Date.now() - started), 200);
    try {
      const text = sqlRef.current;
      setParams({ sql: text, db: database === 'panther_logs' ? null : database, query: null });
      const id = await startQuery(text, database);
      setQ({ id, status: 'running', message: '', sql: text, startedAt: new Date().toISOString(), completedAt: null, results: null });
      const done = await waitQuery(id, ctl.signal, (s) => setQ((cur) => (cur && cur.id === id ? { ...cur, status: s.status } : cur)));
      setParams({ query: id });
      await finish(done);
    } catch (e) {
      if ((e as Error).name !== 'AbortError') setError(errorMessage(e));
    } finally {
      clearInterval(timer);
      setElapsed(Date.now() - started);
      setRunning(false);
    }
  }, [database, setParams, finish]);

  // A shared link with ?query=ID shows that query's results.
  useEffect(() => {
    const id = params.get('query');
    if (!id || q) return;
    getQuery(id).then(finish).catch((e) => setError(errorMessage(e)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const cancel = async () => {
    if (!q) return;
    try {
      await cancelQuery(q.id);
    } catch (e) {
      setError(errorMessage(e));
    }
    abort.current?.abort();
    setQ({ ...q, status: 'cancelled' });
    toast('Query cancelled');
  };
  const columns = q?.results?.columnInfo.order ?? [];
  const exportAs = (kind: 'csv' | 'json') => {
    const name = `panther-query-${q?.id ?? 'results'}.${kind}`;
    if (kind === 'csv') download(name, 'text/csv', toCSV(columns, rows));
    else download(name, 'application/json', toJSON(columns, rows));
  };
  const saveQuery = async () => {
    try {
      const existing = saved.data?.savedQueries.edges.find((e) => e.node.name === saveName);
      const op = existing ? 'updateSavedQuery' : 'createSavedQuery';
      await client.gql(`mutation($input: SavedQueryInput!) { ${op}(input: $input) { savedQuery { id } } }`, { input: { name: saveName, description: saveDesc || null, sql } });
      toast(`Saved query ${saveName}`);
      setSaveOpen(false);
      saved.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const insert = (text: string) => setSql((s) => (s.endsWith(' ') || s.endsWith('\n') || s === '' ? s + text : s + ' ' + text));

  return (
    <Page title="Data Explorer" subtitle="Read-only SQL over the data lake (DuckDB); Ctrl+Enter runs the query">
      <div className="grid side-left">
        <aside className="panel" style={{ maxHeight: '80vh', overflow: 'auto' }}>
          <div className="tabs" role="tablist" aria-label="Browse">
            {(['tables', 'saved', 'history'] as const).map((k) => (
              <button key={k} type="button" role="tab" aria-selected={side === k} onClick={() => setSide(k)}>
                {k === 'tables' ? 'Tables' : k === 'saved' ? 'Saved' : 'History'}
              </button>
            ))}
          </div>
          <div style={{ marginTop: 10 }} role="tabpanel" aria-label={side}>
            {side === 'tables' && (dbs.error ? <ErrorBox error={dbs.error} retry={dbs.reload} /> : !dbs.data ? <Skeleton rows={8} /> : <Browser dbs={dbs.data.dataLakeDatabases} onInsert={insert} />)}
            {side === 'saved' && (
              (saved.data?.savedQueries.edges ?? []).length === 0 ? <p className="muted">No saved queries. Write one and press Save.</p> : (
                <ul className="list-plain">
                  {saved.data!.savedQueries.edges.map(({ node: s }) => (
                    <li key={s.id}>
                      <button type="button" className="link" onClick={() => { setSql(s.sql); setSaveName(s.name); setSaveDesc(s.description ?? ''); }}>
                        {s.name}
                      </button>
                      {s.description && <div className="muted" style={{ fontSize: 12 }}>{s.description}</div>}
                    </li>
                  ))}
                </ul>
              )
            )}
            {side === 'history' && (
              <ul className="list-plain">
                {(history.data?.dataLakeQueries.edges ?? []).map(({ node: h }) => (
                  <li key={h.id}>
                    <button type="button" className="link mono" style={{ textAlign: 'left', whiteSpace: 'normal' }} onClick={() => setSql(h.sql)}>
                      {h.sql.slice(0, 90)}
                    </button>
                    <div className="muted" style={{ fontSize: 12 }}>{h.status} · {ago(h.startedAt)}</div>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </aside>
        <div style={{ display: 'flex', flexDirection: 'column', gap: 12, minWidth: 0 }}>
          <section className="panel" aria-label="Query">
            <CodeEditor value={sql} onChange={setSql} language="sql" label="SQL query" height={220} onSubmit={run} sqlSchema={schema} defaultSchema={database} />
            <div className="toolbar" style={{ marginTop: 10, alignItems: 'center' }}>
              <label className="inline">
                Default database
                <select value={database} onChange={(e) => setDatabase(e.target.value)}>
                  {(dbs.data?.dataLakeDatabases ?? [{ name: 'panther_logs' }]).map((d) => <option key={d.name}>{d.name}</option>)}
                </select>
              </label>
              <span className="spacer" style={{ flex: 1 }} />
              {can('queries:write') && (
                <button type="button" onClick={() => setSaveOpen(true)}>
                  Save…
                </button>
              )}
              {running ? (
                <button type="button" className="danger" onClick={cancel}>
                  Cancel
                </button>
              ) : null}
              <button type="button" className="primary" onClick={run} disabled={running || !sql.trim()}>
                {running ? 'Running…' : 'Run query'}
              </button>
            </div>
          </section>
          <section className="panel flush" aria-labelledby="results-title" style={{ minHeight: 200 }}>
            <div className="panel-head" style={{ padding: '12px 16px 0', flexWrap: 'wrap' }}>
              <h2 id="results-title">Results</h2>
              {q?.status === 'succeeded' && q.results && (
                <span className="muted" role="status">
                  {num(rows.length)} rows · {duration(q.results.stats.executionTime)} · {bytes(q.results.stats.bytesScanned)} scanned
                </span>
              )}
              {running && <span className="muted" role="status">Running for {duration(elapsed)}…</span>}
              {q?.status === 'cancelled' && <span className="muted">Cancelled</span>}
              <span className="spacer" />
              {q?.status === 'succeeded' && (
                <div className="toolbar">
                  <button type="button" className="small" onClick={() => exportAs('csv')} disabled={rows.length === 0}>
                    Export CSV
                  </button>
                  <button type="button" className="small" onClick={() => exportAs('json')} disabled={rows.length === 0}>
                    Export JSON
                  </button>
                </div>
              )}
            </div>
            <div style={{ padding: '10px 16px' }}>
              {running && <Progress label="Query running" />}
              {error && <ErrorBox error={error} title="The query failed" />}
              {q?.status === 'succeeded' && q.message && <div className="warn-box">{q.message}</div>}
            </div>
            {q?.status === 'succeeded' ? (
              rows.length === 0 ? <Empty title="The query returned no rows">Check the time range in the WHERE clause, or the table's name in the browser.</Empty> : <ResultsTable columns={columns} rows={rows} label="Query results" />
            ) : !running && !error && (
              <Empty title="Run a query to see its results">Pick a table on the left to insert its name, or press Ctrl+Enter in the editor.</Empty>
            )}
          </section>
        </div>
      </div>
      <Dialog open={saveOpen} title="Save query" onClose={() => setSaveOpen(false)}>
        <form className="form" onSubmit={(e) => { e.preventDefault(); if (saveName.trim()) saveQuery(); }}>
          <label>
            Name
            <input value={saveName} onChange={(e) => setSaveName(e.target.value)} required autoFocus />
          </label>
          <label>
            Description
            <input value={saveDesc} onChange={(e) => setSaveDesc(e.target.value)} />
          </label>
          <p className="hint">Saving under an existing name replaces that query.</p>
          <div className="dialog-actions">
            <button type="button" onClick={() => setSaveOpen(false)}>Cancel</button>
            <button type="submit" className="primary" disabled={!saveName.trim()}>Save</button>
          </div>
        </form>
      </Dialog>
    </Page>
  );
}
