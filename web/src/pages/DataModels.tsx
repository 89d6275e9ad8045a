import { useEffect, useState } from 'react';
import { Page } from '../components/Page';
import { CodeEditor } from '../components/CodeEditor';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface Mapping { name: string; path: string | null; method: string | null }
interface Model { id: string; displayName: string | null; description: string | null; enabled: boolean; logTypes: string[]; mappings: Mapping[]; body: string | null; version: number }

/** DataModels lists data models (unified field names per log type) and edits one. */
export default function DataModels({ id }: { id?: string }) {
  const { can } = useSession();
  const toast = useToast();
  const list = useGql<{ dataModels: { edges: { node: Model }[] } }>(`{ dataModels(input: { pageSize: 1000 }) { edges { node { id displayName description enabled logTypes mappings { name path method } body version } } } }`);
  const models = list.data?.dataModels.edges.map((e) => e.node) ?? [];
  const isNew = id === 'new';
  const cur = models.find((m) => m.id === id);
  const [f, setF] = useState({ id: '', logTypes: '', enabled: true, body: '' });
  const [mappings, setMappings] = useState<Mapping[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    setF({ id: cur?.id ?? '', logTypes: cur?.logTypes.join(', ') ?? '', enabled: cur?.enabled ?? true, body: cur?.body ?? '' });
    setMappings(cur?.mappings ?? (isNew ? [{ name: 'actor_user', path: '$.userIdentity.arn', method: null }] : []));
    setError('');
  }, [cur?.id, cur?.version, isNew]);
  const write = can('detections:write');
  const save = async () => {
    setError('');
    try {
      const op = isNew ? 'createDataModel' : 'updateDataModel';
      await client.gql(`mutation($input: DataModelInput!) { ${op}(input: $input) { dataModel { id } } }`, {
        input: { id: f.id.trim(), enabled: f.enabled, logTypes: f.logTypes.split(',').map((s) => s.trim()).filter(Boolean), body: f.body || null,
          mappings: mappings.filter((m) => m.name).map((m) => ({ name: m.name, path: m.path || null, method: m.method || null })), expectedVersion: isNew ? undefined : cur?.version },
      });
      toast(`Saved ${f.id}`);
      list.reload();
      if (isNew) navigate(`/data-models/${encodeURIComponent(f.id.trim())}`, { replace: true });
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Page title="Data models" subtitle="Unified field names (event.udm) mapped onto each log type" actions={write && <Link className="button primary" to="/data-models/new">New data model</Link>}>
      <ErrorBox error={list.error} retry={list.reload} />
      <div className="grid side-left">
        <nav className="panel" aria-label="Data models">
          {!list.data ? <Skeleton rows={5} /> : models.length === 0 ? <p className="muted">No data models yet.</p> : (
            <ul className="list-plain">
              {models.map((m) => (
                <li key={m.id}>
                  <Link to={`/data-models/${encodeURIComponent(m.id)}`} style={m.id === id ? { fontWeight: 600 } : undefined}>{m.displayName || m.id}</Link>
                  <div className="muted" style={{ fontSize: 12 }}>{m.logTypes.join(', ')}{m.enabled ? '' : ' · disabled'}</div>
                </li>
              ))}
            </ul>
          )}
        </nav>
        {!id ? (
          <div className="panel"><Empty title="Pick a data model">A data model lets one rule read <code>event.udm("source_ip")</code> whatever the log type.</Empty></div>
        ) : !isNew && !cur ? (
          list.data ? <div className="panel"><Empty title={`There is no data model ${id}`} /></div> : <Skeleton rows={6} />
        ) : (
          <section className="panel form" aria-label="Data model">
            <div className="field-row">
              <label>ID<input value={f.id} onChange={(e) => setF({ ...f, id: e.target.value })} readOnly={!isNew} /></label>
              <label style={{ flex: 1 }}>Log types<input value={f.logTypes} onChange={(e) => setF({ ...f, logTypes: e.target.value })} readOnly={!write} /></label>
              <label className="inline"><input type="checkbox" checked={f.enabled} onChange={(e) => setF({ ...f, enabled: e.target.checked })} disabled={!write} />Enabled</label>
            </div>
            <table className="data" aria-label="Mappings">
              <thead><tr><th scope="col">Name</th><th scope="col">Path (JSONPath)</th><th scope="col">or Method</th><th scope="col"><span style={{ position: 'absolute', left: -9999 }}>Remove</span></th></tr></thead>
              <tbody>
                {mappings.map((m, i) => (
                  <tr key={i}>
                    {(['name', 'path', 'method'] as const).map((k) => (
                      <td key={k}><input aria-label={`Mapping ${i + 1} ${k}`} value={m[k] ?? ''} readOnly={!write} onChange={(e) => setMappings(mappings.map((x, j) => (j === i ? { ...x, [k]: e.target.value } : x)))} style={{ width: '100%' }} /></td>
                    ))}
                    <td>{write && <button type="button" className="small" aria-label={`Remove mapping ${m.name}`} onClick={() => setMappings(mappings.filter((_, j) => j !== i))}>×</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {write && <div><button type="button" className="small" onClick={() => setMappings([...mappings, { name: '', path: '', method: null }])}>Add a mapping</button></div>}
            <h3>Methods (Python)</h3>
            <CodeEditor key={id} value={f.body} onChange={(v) => setF({ ...f, body: v })} language="python" label="Data model methods" height={220} readOnly={!write} placeholder="def get_source_ip(event): ..." />
            {error && <div className="error-box" role="alert">{error}</div>}
            {write && <div><button type="button" className="primary" onClick={save}>Save</button></div>}
          </section>
        )}
      </div>
    </Page>
  );
}
