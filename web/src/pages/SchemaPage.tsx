import { useEffect, useState } from 'react';
import { Page } from '../components/Page';
import { CodeEditor } from '../components/CodeEditor';
import { JsonViewer } from '../components/JsonViewer';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { tableName } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';

interface Schema { name: string; description: string | null; isManaged: boolean; isArchived: boolean; revision: number; spec: string; referenceURL: string | null }
interface TestOut { schemaErrors: string[]; results: { index: number; matched: boolean; event: unknown; error: string | null }[] }

const template = `schema: Custom.MyApp
description: Events of my application
fields:
  - name: time
    type: timestamp
    timeFormats: [rfc3339]
    isEventTime: true
    required: true
  - name: user
    type: string
    indicators: [username]
  - name: action
    type: string
  - name: ip
    type: string
    indicators: [ip]
`;

const sample = `{"time":"2026-01-02T03:04:05Z","user":"alice","action":"login","ip":"203.0.113.7"}`;

function Fields({ name }: { name: string }) {
  const q = useGql<{ dataLakeDatabaseTable: { columns: { name: string; type: string | null; description: string | null }[] } }>(
    `query($input: DataLakeDatabaseTableInput!) { dataLakeDatabaseTable(input: $input) { columns { name type description } } }`,
    { input: { databaseName: 'panther_logs', tableName: tableName(name) } },
  );
  if (q.error) return <p className="muted">No table yet: the fields show once events of this type are in the lake. The schema document is below.</p>;
  if (!q.data) return <Skeleton rows={6} />;
  return (
    <div className="table-wrap" style={{ maxHeight: 420 }} tabIndex={0} role="region" aria-label="Fields (scrolls)">
      <table className="data" aria-label="Fields">
        <thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
        <tbody>
          {q.data.dataLakeDatabaseTable.columns.map((c) => (
            <tr key={c.name}><td className="mono">{c.name}</td><td className="mono">{c.type}</td><td>{c.description}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function SchemaPage({ name }: { name: string }) {
  const isNew = name === 'new';
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ schemas: { edges: { node: Schema }[] } }>(
    `query($input: SchemasInput!) { schemas(input: $input) { edges { node { name description isManaged isArchived revision spec referenceURL } } } }`,
    { input: { contains: name } },
    { skip: isNew },
  );
  const s = q.data?.schemas.edges.map((e) => e.node).find((x) => x.name === name);
  const [spec, setSpec] = useState(isNew ? template : '');
  const [samples, setSamples] = useState(sample);
  const [test, setTest] = useState<TestOut | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (s) setSpec(s.spec);
  }, [s?.spec]);
  if (!isNew && q.error) return <Page title={name}><ErrorBox error={q.error} retry={q.reload} /></Page>;
  if (!isNew && !q.data) return <Page title={name}><Skeleton rows={8} /></Page>;
  if (!isNew && !s) return <Page title={name}><Empty title="There is no log type with this name" action={<Link to="/log-types">All log types</Link>} /></Page>;
  const editable = can('sources:write') && (isNew || !s!.isManaged);
  const runTest = async () => {
    setBusy(true);
    setError('');
    try {
      const lines = samples.split('\n').filter((l) => l.trim() !== '');
      const r = await client.gql<{ testSchema: TestOut }>(`mutation($input: TestSchemaInput!) { testSchema(input: $input) { schemaErrors results { index matched event error } } }`, { input: { spec, samples: lines } });
      setTest(r.testSchema);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    const m = /^schema:\s*(\S+)/m.exec(spec);
    const schemaName = isNew ? m?.[1] ?? '' : name;
    if (!schemaName.startsWith('Custom.')) {
      setError('Name the schema Custom.Something in its "schema:" line.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      await client.gql(`mutation($input: CreateOrUpdateSchemaInput!) { createOrUpdateSchema(input: $input) { schema { name revision } } }`, { input: { name: schemaName, spec, revision: isNew ? 0 : s!.revision } });
      toast(`Saved ${schemaName}`);
      if (isNew) navigate(`/log-types/${encodeURIComponent(schemaName)}`, { replace: true });
      else q.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const archive = async (isArchived: boolean) => {
    try {
      await client.gql(`mutation($input: UpdateSchemaStatusInput!) { updateSchemaStatus(input: $input) { schema { name } error { message } } }`, { input: { name, isArchived } });
      toast(isArchived ? 'Archived' : 'Restored');
      q.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <Page
      title={isNew ? 'New custom schema' : name}
      subtitle={<><Link to="/log-types">Log types</Link>{s ? ` · ${s.isManaged ? 'managed' : 'custom'}, revision ${s.revision}` : ''}</>}
      actions={
        <div className="toolbar">
          <button type="button" onClick={runTest} disabled={busy}>Test against the sample</button>
          {editable && <button type="button" className="primary" onClick={save} disabled={busy}>Save</button>}
          {s && !s.isManaged && can('sources:write') && <button type="button" onClick={() => archive(!s.isArchived)}>{s.isArchived ? 'Restore' : 'Archive'}</button>}
        </div>
      }
    >
      {s?.description && <p>{s.description}</p>}
      {error && <div className="error-box" role="alert">{error}</div>}
      {s && (
        <section className="panel">
          <h2>Fields</h2>
          <Fields name={name} />
        </section>
      )}
      <div className="grid cols-2">
        <section className="panel">
          <h2>Schema (YAML)</h2>
          <CodeEditor value={spec} onChange={setSpec} language="yaml" label="Schema document" height={420} readOnly={!editable} />
        </section>
        <section className="panel" style={{ display: 'flex', flexDirection: 'column', gap: 10 }}>
          <h2>Sample logs (one record a line)</h2>
          <CodeEditor value={samples} onChange={setSamples} language="text" label="Sample log lines" height={160} onSubmit={runTest} />
          {test && (
            <div aria-live="polite" style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
              {test.schemaErrors.map((e, i) => <div key={i} className="error-box" role="alert">{e}</div>)}
              {test.results.map((r) => (
                <div key={r.index} className={r.matched ? 'ok-box' : 'error-box'}>
                  <strong>Line {r.index + 1}: {r.matched ? 'parsed' : 'not parsed'}</strong>
                  {r.error && <div className="mono">{r.error}</div>}
                  {r.matched && r.event !== null && <JsonViewer value={r.event} openDepth={1} label={`Event of line ${r.index + 1}`} />}
                </div>
              ))}
            </div>
          )}
        </section>
      </div>
    </Page>
  );
}
