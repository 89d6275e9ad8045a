import { useState } from 'react';
import { Page } from '../components/Page';
import { Dialog } from '../components/Dialog';
import { Empty, ErrorBox, Skeleton } from '../components/States';
import { copy, useToast } from '../components/Toast';
import { client, errorMessage } from '../lib/api';
import { ago, bytes, num } from '../lib/format';
import { Link, useSearchParams } from '../lib/router';
import { useSession } from '../lib/session';
import { useGql } from '../lib/useGql';
import { kindNames, missingSettings, settingsFor, SOURCE_FIELDS, type SourceNode } from '../lib/sourceKinds';

function CreateSource({ kind, onClose, onCreated }: { kind: string; onClose: () => void; onCreated: () => void }) {
  const [f, setF] = useState<Record<string, string>>({ auth: 'bearer', hmac_header: 'X-Panther-Signature' });
  const [label, setLabel] = useState('');
  const [logTypes, setLogTypes] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ source: SourceNode; token: string | null } | null>(null);
  const toast = useToast();
  const types = useGql<{ logTypes: string[] }>(`{ logTypes }`);
  const input = (k: string, lbl: string, placeholder?: string) => (
    <label>
      {lbl}
      <input value={f[k] ?? ''} onChange={(e) => setF({ ...f, [k]: e.target.value })} placeholder={placeholder} />
    </label>
  );
  const submit = async () => {
    const missing = missingSettings(kind, f);
    if (!label.trim()) missing.unshift('a label');
    if (missing.length) {
      setError(`Fill in ${missing.join(' and ')}.`);
      return;
    }
    setBusy(true);
    setError('');
    try {
      const r = await client.gql<{ createSource: { logSource: SourceNode; token: string | null } }>(
        `mutation($input: CreateSourceInput!) { createSource(input: $input) { token logSource { ${SOURCE_FIELDS} } } }`,
        { input: { type: kind, label: label.trim(), logTypes: logTypes.split(',').map((s) => s.trim()).filter(Boolean), settings: settingsFor(kind, f) } },
      );
      setCreated({ source: r.createSource.logSource, token: r.createSource.token });
      onCreated();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  if (created) {
    const url = created.source.url ? new URL(created.source.url, window.location.origin).toString() : '';
    return (
      <Dialog open title={`Source ${created.source.integrationLabel} created`} onClose={onClose}>
        {kind === 'http' ? (
          <div className="form">
            <p>Push logs (NDJSON, a JSON array or text lines; gzip or zstd) with a POST to:</p>
            <div className="secret" data-testid="push-url">{url}</div>
            {created.token && (
              <>
                <p>
                  with the header <code>{created.source.authMethod === 'hmac' ? `${created.source.hmacHeader}: HMAC-SHA256 of the body with this secret` : 'Authorization: Bearer TOKEN'}</code>. The {created.source.authMethod === 'hmac' ? 'secret' : 'token'} is shown only now: copy it.
                </p>
                <div className="secret" data-testid="push-token">{created.token}</div>
                <div className="toolbar">
                  <button type="button" onClick={() => copy(created.token!).then(() => toast('Token copied'))}>Copy token</button>
                  <button type="button" onClick={() => copy(`curl -H 'Authorization: Bearer ${created.token}' --data-binary @events.ndjson ${url}`).then(() => toast('curl command copied'))}>
                    Copy a curl command
                  </button>
                </div>
              </>
            )}
          </div>
        ) : (
          <p>The server starts the source within a second. Its status is on its page.</p>
        )}
        <div className="dialog-actions">
          <Link className="button" to={`/sources/${created.source.integrationId}`} onClick={onClose}>Open the source</Link>
          <button type="button" className="primary" onClick={onClose}>Done</button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog open title={`New ${kindNames[kind]} source`} onClose={onClose}>
      <form className="form" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <label>
          Label
          <input value={label} onChange={(e) => setLabel(e.target.value)} required autoFocus placeholder="edge-proxies" />
        </label>
        <label>
          Log types (comma-separated; empty lets every type be detected)
          <input value={logTypes} onChange={(e) => setLogTypes(e.target.value)} list="source-log-types" placeholder="AWS.CloudTrail" />
          <datalist id="source-log-types">{(types.data?.logTypes ?? []).map((t) => <option key={t} value={t} />)}</datalist>
        </label>
        {kind === 'http' && (
          <>
            <label>
              Authentication
              <select value={f.auth} onChange={(e) => setF({ ...f, auth: e.target.value })}>
                <option value="bearer">Bearer token</option>
                <option value="hmac">HMAC signature of the body</option>
              </select>
            </label>
            {f.auth === 'hmac' && input('hmac_header', 'Signature header')}
          </>
        )}
        {kind === 'syslog' && (
          <>
            <div className="field-row">
              {input('udp', 'UDP address', '0.0.0.0:5514')}
              {input('tcp', 'TCP address', '0.0.0.0:5514')}
            </div>
            <div className="field-row">
              {input('tls', 'TLS address', '0.0.0.0:6514')}
              {input('tls_cert', 'TLS certificate file')}
              {input('tls_key', 'TLS key file')}
            </div>
          </>
        )}
        {kind === 'dir' && input('path', 'Directory on the server', '/var/log/export')}
        {kind === 's3' && (
          <>
            {input('queue_url', 'SQS queue URL (S3 notifications)', 'https://sqs.us-east-1.amazonaws.com/123456789012/panther-notifications')}
            <div className="field-row">
              {input('region', 'Region', 'us-east-1')}
              {input('endpoint', 'Endpoint (for S3-compatible stores)')}
            </div>
            <p className="hint">Credentials come from the server's AWS environment (instance role, AWS_PROFILE or keys).</p>
          </>
        )}
        {error && <div className="error-box" role="alert">{error}</div>}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Creating…' : 'Create source'}</button>
        </div>
      </form>
    </Dialog>
  );
}

export default function Sources() {
  const [params, setParams] = useSearchParams();
  const { can } = useSession();
  const q = useGql<{ sources: { edges: { node: SourceNode }[] } }>(`{ sources { edges { node { ${SOURCE_FIELDS} } } } }`, undefined, { pollMs: 10000 });
  const creating = params.get('new');
  const sources = q.data?.sources.edges.map((e) => e.node) ?? [];
  return (
    <Page
      title="Sources"
      subtitle="Where logs come in"
      actions={
        can('sources:write') && (
          <div className="toolbar" role="group" aria-label="Add a source">
            {Object.entries(kindNames).map(([k, name]) => (
              <button key={k} type="button" className={k === 'http' ? 'primary' : undefined} onClick={() => setParams({ new: k }, { replace: false })}>
                + {name}
              </button>
            ))}
          </div>
        )
      }
    >
      {creating && kindNames[creating] && <CreateSource kind={creating} onClose={() => setParams({ new: null })} onCreated={q.reload} />}
      <ErrorBox error={q.error} title="Sources could not be loaded" retry={q.reload} />
      <div className="panel flush">
        {!q.data ? <div style={{ padding: 16 }}><Skeleton rows={4} /></div> : sources.length === 0 ? (
          <Empty title="No sources yet" action={can('sources:write') && <button type="button" className="primary" onClick={() => setParams({ new: 'http' })}>Add an HTTP source</button>}>
            An HTTP source gives you a URL and a token to push logs to; syslog, a watched directory and S3 (via SQS notifications) are the others.
          </Empty>
        ) : (
          <table className="data" aria-label="Sources">
            <thead>
              <tr>
                <th scope="col">Source</th>
                <th scope="col">Kind</th>
                <th scope="col">Log types</th>
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
                  <td>{kindNames[s.integrationType] ?? s.integrationType}</td>
                  <td className="truncate">{s.logTypes.join(', ') || <span className="muted">any</span>}</td>
                  <td>{!s.enabled ? <span className="muted">disabled</span> : s.health.lastError ? <span className="bad-text" title={s.health.lastError}>● error</span> : s.isHealthy ? <span className="ok-text">● healthy</span> : <span className="muted">● waiting for data</span>}</td>
                  <td>{ago(s.lastEventReceivedAtTime)}</td>
                  <td className="num">{num(s.health.events)}</td>
                  <td className="num">{bytes(s.health.bytes)}</td>
                  <td className="num">{num(s.health.quarantined)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Page>
  );
}
