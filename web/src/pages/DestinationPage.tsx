import { useEffect, useMemo, useState } from 'react';
import { Page } from '../components/Page';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, severities } from '../lib/format';
import { destinationTypes, type DestField } from '../lib/destinations';
import { Link, navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';
import { DEST_FIELDS, type Destination } from './Destinations';

const alertTypes = ['RULE', 'RULE_ERROR', 'POLICY', 'SCHEDULED_RULE', 'SCHEDULED_RULE_ERROR', 'CORRELATION_RULE', 'CORRELATION_RULE_ERROR', 'SYSTEM_ERROR'];

/** fieldValue turns a form string into the JSON value of a field's kind. */
export function fieldValue(f: DestField, s: string): unknown {
  const t = s.trim();
  if (t === '') return undefined;
  switch (f.kind) {
    case 'int': return Number(t);
    case 'bool': return t === 'true';
    case 'list': return t.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
    case 'map': return JSON.parse(t);
  }
  return s;
}

function fieldString(f: DestField, v: unknown): string {
  if (v === undefined || v === null) return '';
  if (f.kind === 'list' && Array.isArray(v)) return v.join(', ');
  if (f.kind === 'map') return JSON.stringify(v);
  return String(v);
}

function RecentAttempts({ id }: { id: string }) {
  const q = useGql<{ alerts: { edges: { node: { id: string; title: string; deliveries: { dispatchedAt: string; outputId: string; success: boolean; statusCode: number; message: string; attempt: number }[] } }[] } }>(
    `{ alerts(input: { pageSize: 100 }) { edges { node { id title deliveries { dispatchedAt outputId success statusCode message attempt } } } } }`,
  );
  const rows = useMemo(() => (q.data?.alerts.edges ?? []).flatMap(({ node: a }) => a.deliveries.filter((d) => d.outputId === id).map((d) => ({ ...d, alert: a }))).sort((a, b) => (a.dispatchedAt < b.dispatchedAt ? 1 : -1)).slice(0, 25), [q.data, id]);
  return (
    <section className="panel flush" aria-labelledby="attempts-title">
      <h2 id="attempts-title" style={{ padding: '12px 16px 0' }}>Recent attempts</h2>
      {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={3} /></div> : rows.length === 0 ? <Empty title="No alert was sent here yet">Send a test alert to check the settings.</Empty> : (
        <table className="data">
          <thead><tr><th scope="col">When</th><th scope="col">Alert</th><th scope="col">Attempt</th><th scope="col">Result</th><th scope="col">Answer</th></tr></thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <td>{ago(r.dispatchedAt)}</td>
                <td className="truncate"><Link to={`/alerts/${r.alert.id}?tab=deliveries`}>{r.alert.title}</Link></td>
                <td>{r.attempt}</td>
                <td>{r.success ? <span className="ok-text">sent</span> : <span className="bad-text">failed</span>}</td>
                <td className="truncate">{r.statusCode ? `${r.statusCode} ` : ''}{r.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default function DestinationPage({ id }: { id: string }) {
  const isNew = id === 'new';
  const { can } = useSession();
  const toast = useToast();
  const q = useGql<{ destination: Destination }>(`query($id: ID!) { destination(id: $id) { ${DEST_FIELDS} } }`, { id }, { skip: isNew });
  const [type, setType] = useState('slack');
  const [name, setName] = useState('');
  const [sev, setSev] = useState<string[]>(['CRITICAL', 'HIGH']);
  const [types, setTypes] = useState<string[]>(['RULE', 'RULE_ERROR', 'POLICY']);
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [testResult, setTestResult] = useState<{ success: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const d = q.data?.destination;
  const spec = destinationTypes.find((t) => t.type === type);
  useEffect(() => {
    if (!d) return;
    setType(d.outputType);
    setName(d.displayName);
    setSev(d.defaultForSeverity);
    setTypes(d.alertTypes);
    const sp = destinationTypes.find((t) => t.type === d.outputType);
    setValues(Object.fromEntries((sp?.fields ?? []).map((f) => [f.name, fieldString(f, d.outputConfig[f.name])])));
  }, [d]);
  if (!isNew && q.error) return <Page title="Destination"><ErrorBox error={q.error} retry={q.reload} /></Page>;
  if (!isNew && !d) return <Page title="Destination"><Skeleton rows={8} /></Page>;
  const write = can('destinations:write');
  const save = async () => {
    setError('');
    const missing = (spec?.fields ?? []).filter((f) => f.required && !(values[f.name] ?? '').trim()).map((f) => f.name);
    if (!name.trim()) missing.unshift('name');
    if (missing.length) {
      setError(`Fill in ${missing.join(', ')}.`);
      return;
    }
    let config: Record<string, unknown>;
    try {
      config = Object.fromEntries((spec?.fields ?? []).map((f) => [f.name, fieldValue(f, values[f.name] ?? '')]).filter(([, v]) => v !== undefined));
    } catch (e) {
      setError(`A map field is not valid JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const op = isNew ? 'addDestination' : 'updateDestination';
      const r = await client.gql<Record<string, { outputId: string }>>(`mutation($input: DestinationInput!) { ${op}(input: $input) { outputId } }`, {
        input: { outputId: isNew ? null : id, displayName: name.trim(), outputType: type, defaultForSeverity: sev, alertTypes: types, outputConfig: config },
      });
      toast(`Saved ${name}`);
      if (isNew) navigate(`/destinations/${r[op].outputId}`, { replace: true });
      else q.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  const sendTest = async () => {
    setTestResult(null);
    try {
      const r = await client.gql<{ sendTestAlert: { results: { success: boolean; message: string }[] } }>(`mutation($input: SendTestAlertInput!) { sendTestAlert(input: $input) { results { outputId success message } } }`, { input: { outputIds: [id] } });
      setTestResult(r.sendTestAlert.results[0] ?? { success: false, message: 'no answer' });
    } catch (e) {
      setTestResult({ success: false, message: errorMessage(e) });
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the destination ${name}?`)) return;
    try {
      await client.gql(`mutation($id: ID!) { deleteDestination(id: $id) { id } }`, { id });
      navigate('/destinations');
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const toggle = (list: string[], v: string, on: boolean) => (on ? [...list, v] : list.filter((x) => x !== v));
  return (
    <Page
      title={isNew ? 'New destination' : name}
      subtitle={<><Link to="/destinations">Destinations</Link>{spec ? ` · ${spec.label}` : ''}</>}
      actions={!isNew && write && (
        <div className="toolbar">
          <button type="button" onClick={sendTest}>Send a test alert</button>
          <button type="button" className="danger" onClick={remove}>Delete</button>
        </div>
      )}
    >
      {testResult && <div className={testResult.success ? 'ok-box' : 'error-box'} role="status">{testResult.success ? 'The test alert was sent.' : 'The test alert failed:'} {testResult.message}</div>}
      <div className="grid cols-2">
        <form className="panel form" onSubmit={(e) => { e.preventDefault(); save(); }} aria-label="Destination settings">
          <label>
            Type
            <select value={type} onChange={(e) => { setType(e.target.value); setValues({}); }} disabled={!isNew}>
              {destinationTypes.map((t) => <option key={t.type} value={t.type}>{t.label}</option>)}
            </select>
          </label>
          <label>Name<input value={name} onChange={(e) => setName(e.target.value)} required /></label>
          {spec?.fields.map((f) => (
            <label key={f.name}>
              {f.name}{f.required ? ' (required)' : ''}
              {f.enum ? (
                <select value={values[f.name] ?? ''} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                  <option value="">default</option>
                  {f.enum.map((o) => <option key={o}>{o}</option>)}
                </select>
              ) : f.kind === 'bool' ? (
                <select value={values[f.name] ?? ''} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                  <option value="">default</option><option value="true">yes</option><option value="false">no</option>
                </select>
              ) : (
                <input type={f.secret ? 'password' : f.kind === 'int' ? 'number' : 'text'} autoComplete="off" value={values[f.name] ?? ''} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} placeholder={f.kind === 'list' ? 'comma-separated' : f.kind === 'map' ? '{"Header": "value"}' : undefined} />
              )}
              <span className="hint">{f.description}{f.secret && !isNew ? '. Kept as stored unless you type a new value.' : ''}</span>
            </label>
          ))}
          <fieldset>
            <legend>Default for severities (alerts of these go here unless the detection names destinations)</legend>
            <div className="toolbar">
              {severities.map((s) => <label key={s} className="inline"><input type="checkbox" checked={sev.includes(s)} onChange={(e) => setSev(toggle(sev, s, e.target.checked))} />{s}</label>)}
            </div>
          </fieldset>
          <fieldset>
            <legend>Alert types</legend>
            <div className="toolbar">
              {alertTypes.map((s) => <label key={s} className="inline"><input type="checkbox" checked={types.includes(s)} onChange={(e) => setTypes(toggle(types, s, e.target.checked))} />{s.toLowerCase().replace(/_/g, ' ')}</label>)}
            </div>
          </fieldset>
          {error && <div className="error-box" role="alert">{error}</div>}
          {write && <div><button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : isNew ? 'Add destination' : 'Save'}</button></div>}
        </form>
        {!isNew && <RecentAttempts id={id} />}
      </div>
    </Page>
  );
}
